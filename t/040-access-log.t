# The access log: log_format, access_log, escaping, variables.
#   prove -It/lib t/040-access-log.t
#   TEST_NGINX_BINARY=/usr/sbin/nginx prove -It/lib t/040-access-log.t
#
# The harness reads SERVROOT/logs/access.log; the generated http block
# already logs there in "combined", so custom formats write to the same
# file ("logs/access.log" is resolved against the prefix).

use Test::Nginx::Socket;

repeat_each(2);
plan tests => repeat_each() * 50;   # see the counting rules in Socket.pm
no_long_string();
run_tests();

__DATA__

=== TEST 1: the combined format (the http-level access_log of the harness)
--- config
    location = /t {
        return 200 "ok\n";
    }
--- request
GET /t?a=1
--- more_headers
Referer: http://example.com/r
User-Agent: test-agent/1.0
--- access_log eval
qr{^127\.0\.0\.1 - - \[\d\d/\w\w\w/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET /t\?a=1 HTTP/1\.1" 200 3 "http://example\.com/r" "test-agent/1\.0"$}
--- no_error_log
[error]



=== TEST 2: a custom format with request variables
--- http_config
    log_format t1 'T1 $request_method $uri [$args] [$is_args] $request_uri '
                  '$server_protocol $status $arg_b ${arg_a}x $http_x_foo '
                  '$cookie_c2 $host $server_name';
--- config
    location = /t {
        access_log logs/access.log t1;
        return 200 "ok\n";
    }
--- request
GET /t?a=1&b=two
--- more_headers
X-Foo: foo value
Cookie: c1=one; c2=two; c3=three
--- access_log
T1 GET /t [a=1&b=two] [?] /t?a=1&b=two HTTP/1.1 200 two 1x foo value two localhost localhost
--- no_error_log
[error]



=== TEST 3: variables without a value are "-"
--- http_config
    log_format t3 'T3 [$args] [$arg_x] [$http_x_none] [$cookie_none] [$remote_user] [$sent_http_x_none] [$is_args]';
--- config
    location = /t {
        access_log logs/access.log t3;
        return 200 "ok\n";
    }
--- request
GET /t
--- access_log
T3 [-] [-] [-] [-] [-] [-] []
--- no_error_log
[error]



=== TEST 4: status and sizes of an error response
--- http_config
    log_format t4 'T4 $status $body_bytes_sent $request_method';
--- config
    location /t {
        access_log logs/access.log t4;
        return 404;
    }
--- request
GET /t/x
--- error_code: 404
--- access_log eval
qr{^T4 404 1\d\d GET$}



=== TEST 5: default escaping: quotes, backslashes and bytes < 0x20 or >= 0x7f
--- http_config
    log_format t5 'T5 $http_x_foo';
--- config
    location = /t {
        access_log logs/access.log t5;
        return 200 "ok\n";
    }
--- request
GET /t
--- more_headers eval
"X-Foo: a\"b\\c\td\xc3\xa9"
--- access_log
T5 a\x22b\x5Cc\x09d\xC3\xA9



=== TEST 6: escape=json: not found is empty, JSON escapes
--- http_config
    log_format t6 escape=json '{"foo":"$http_x_foo","none":"$http_x_none"}';
--- config
    location = /t {
        access_log logs/access.log t6;
        return 200 "ok\n";
    }
--- request
GET /t
--- more_headers eval
"X-Foo: a\"b\\c\td\xc3\xa9"
--- access_log eval
"{\"foo\":\"a\\\"b\\\\c\\td\xc3\xa9\",\"none\":\"\"}"



=== TEST 7: escape=none: written as is, not found is empty
--- http_config
    log_format t7 escape=none 'T7 [$http_x_foo] [$http_x_none]';
--- config
    location = /t {
        access_log logs/access.log t7;
        return 200 "ok\n";
    }
--- request
GET /t
--- more_headers eval
"X-Foo: a\"b\\c"
--- access_log eval
"T7 [a\"b\\c] []"



=== TEST 8: access_log off in a location
--- http_config
    log_format t8 'T8 $uri';
--- config
    location = /t {
        access_log off;
        return 200 "ok\n";
    }
--- request
GET /t?marker8
--- no_access_log
marker8



=== TEST 9: if= writes only when the value is neither empty nor "0"
--- http_config
    log_format t9 'T9 $arg_n';
--- config
    location = /t {
        access_log logs/access.log t9 if=$arg_log;
        return 200 "ok\n";
    }
--- request eval
["GET /t?n=one&log=1", "GET /t?n=two&log=0", "GET /t?n=three"]
--- access_log
T9 one
--- no_access_log
T9 two
T9 three



=== TEST 10: a path with variables
--- http_config
    log_format t10 'T10 $arg_n';
--- config
    location = /t {
        access_log logs/$arg_f.log t10;
        return 200 "ok\n";
    }
--- request
GET /t?f=access&n=ten
--- access_log
T10 ten



=== TEST 11: $remote_user from Basic authorization
--- http_config
    log_format t11 'T11 $remote_user';
--- config
    location = /t {
        access_log logs/access.log t11;
        return 200 "ok\n";
    }
--- request
GET /t
--- more_headers
Authorization: Basic dXNlcjE6cGFzc3dvcmQ=
--- access_log
T11 user1



=== TEST 12: a location's access_log replaces the server's
--- http_config
    log_format t12 'T12 $uri';
    log_format t12b 'T12B $uri';
--- config
    access_log logs/access.log t12;
    location = /b {
        access_log logs/access.log t12b;
        return 200 "ok\n";
    }
--- request
GET /b
--- access_log
T12B /b
--- no_access_log
T12 /b



=== TEST 13: an access_log at server level is inherited by locations
--- http_config
    log_format t13 'T13 $uri';
--- config
    access_log logs/access.log t13;
    location = /a {
        return 200 "ok\n";
    }
--- request
GET /a
--- access_log
T13 /a



=== TEST 14: response variables and times
--- http_config
    log_format t13 'T13 $sent_http_content_type $bytes_sent $request_time $msec $pid';
--- config
    location = /t {
        access_log logs/access.log t13;
        default_type text/x-thirteen;
        return 200 "ok\n";
    }
--- request
GET /t
--- access_log eval
qr{^T13 text/x-thirteen \d{3} \d+\.\d{3} \d{10}\.\d{3} \d+$}



=== TEST 15: an unknown variable in a log format
--- http_config
    log_format t14 'T14 $no_such_variable';
--- config
--- must_die
--- error_log
unknown "no_such_variable" variable



=== TEST 16: an unknown log format
--- config
    location = /t {
        access_log logs/access.log no_such_format;
    }
--- must_die
--- error_log
unknown log format "no_such_format"



=== TEST 17: a duplicate log format name, "combined" included
--- http_config
    log_format combined '$uri';
--- config
--- must_die
--- error_log
duplicate "log_format" name "combined"



=== TEST 18: a missing closing bracket
--- http_config
    log_format t17 'T17 ${uri';
--- config
--- must_die
--- error_log
the closing bracket in "uri" variable is missing
