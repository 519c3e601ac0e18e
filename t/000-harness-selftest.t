# Self-test of the Test::Nginx harness in t/lib (uses nginx core features
# only: return, static files, variables), so it runs against moxy and nginx.
#   prove -It/lib t/000-harness-selftest.t
#   TEST_NGINX_BINARY=/usr/sbin/nginx prove -It/lib t/000-harness-selftest.t

use Test::Nginx::Socket;

repeat_each(2);
plan tests => repeat_each() * 34;   # see the counting rules in Socket.pm
no_long_string();
run_tests();

__DATA__

=== TEST 1: return with a body
--- config
    location = /t {
        return 200 "hi\n";
    }
--- request
GET /t
--- response_body
hi
--- response_headers
Content-Type: text/plain
!X-Nope
--- no_error_log
[error]



=== TEST 2: the default root location serves html/index.html
--- config
--- request
GET /
--- response_body_like: It works!
--- response_headers_like
Content-Type: text/html.*



=== TEST 3: static file from --- user_files, missing file
--- config
    location /static/ {
        root $TEST_NGINX_HTML_DIR;
    }
--- user_files
>>> static/a.txt
hello static
>>> static/b.txt
bee
--- request eval
["GET /static/a.txt", "GET /static/b.txt", "GET /static/missing.txt"]
--- error_code eval
[200, 200, 404]
--- response_body_like eval
["^hello static\n\\z", "^bee\n\\z", "404 Not Found"]



=== TEST 4: --- more_headers replace Host, add others
--- config
    location = /t {
        return 200 "host=$host foo=$http_x_foo conn=$http_connection\n";
    }
--- more_headers
Host: example.com
X-Foo: bar
--- request
GET /t
--- response_body
host=example.com foo=bar conn=close



=== TEST 5: request body gets a Content-Length
--- config
    location = /t {
        return 200 "$request_method $http_content_length\n";
    }
--- request
POST /t
hello world
--- response_body
POST 11



=== TEST 6: pipelined requests on one connection
--- config
    location = /a { return 200 "A\n"; }
    location = /b { return 201 "BB\n"; }
--- pipelined_requests eval
["GET /a", "GET /b", "GET /a"]
--- error_code eval
[200, 201, 200]
--- response_body eval
["A\n", "BB\n", "A\n"]



=== TEST 7: malformed raw request gives 400
--- config
    location = /t { return 200 "ok\n"; }
--- raw_request eval
"GET /t HTTP/1.1\r\nHost: localhost\r\nBad Header Line\r\n\r\n"
--- error_code: 400
--- response_body_like: 400 Bad Request



=== TEST 8: raw request in pieces
--- config
    location = /t { return 200 "ok\n"; }
--- raw_request eval
["GET /t HT", "TP/1.1\r\nHost: localhost\r\n", "Connection: close\r\n\r\n"]
--- raw_request_middle_delay: 0.01
--- response_body
ok



=== TEST 9: HEAD has no body
--- config
    location = /t { return 200 "some body\n"; }
--- request
HEAD /t
--- response_headers
Content-Length: 10
--- response_body



=== TEST 10: unknown directive: the server must not start
--- config
    location = /t {
        no_such_directive_for_the_selftest on;
    }
--- must_die
--- error_log
[emerg]
unknown directive "no_such_directive_for_the_selftest"
