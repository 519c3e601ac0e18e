# Location matching and server selection, through the network. Each location
# answers with its own name (return 200 "name\n"), so the body tells which
# location or server was chosen.
#   prove -It/lib t/012-locations.t
#   TEST_NGINX_BINARY=/usr/sbin/nginx prove -It/lib t/012-locations.t
#
# no_root_location(): the harness does not add its "location /", so blocks
# can define their own. Extra servers go in --- http_config and listen on
# $TEST_NGINX_SERVER_PORT, the port of the harness's server (which comes
# after them in nginx.conf).

use Test::Nginx::Socket;

repeat_each(1);
plan tests => repeat_each() * 150;   # see the counting rules in Socket.pm
no_root_location();
no_long_string();
run_tests();

__DATA__

=== TEST 1: "=" beats a prefix location of the same string, and only matches exactly
--- config
    location = /exact { return 200 "exact\n"; }
    location /exact { return 200 "prefix-exact\n"; }
    location / { return 200 "root\n"; }
--- request eval
["GET /exact", "GET /exact/more", "GET /exactly", "GET /exact?x=1"]
--- response_body eval
["exact\n", "prefix-exact\n", "prefix-exact\n", "exact\n"]
--- no_error_log
[error]



=== TEST 2: "= /" and "/"
--- config
    location = / { return 200 "exact-root\n"; }
    location / { return 200 "root\n"; }
--- request eval
["GET /", "GET /x", "GET /?a=b"]
--- response_body eval
["exact-root\n", "root\n", "exact-root\n"]



=== TEST 3: the longest matching prefix wins, whatever the config order
--- config
    location /a/ { return 200 "a\n"; }
    location /a/b/c/ { return 200 "a-b-c\n"; }
    location /a/b/ { return 200 "a-b\n"; }
    location / { return 200 "root\n"; }
--- request eval
["GET /a/x", "GET /a/b/x", "GET /a/b/c/x", "GET /a/b", "GET /a", "GET /b/"]
--- response_body eval
["a\n", "a-b\n", "a-b-c\n", "a\n", "root\n", "root\n"]



=== TEST 4: regex locations beat prefix locations; "^~" stops the regex search; "=" beats regexes
--- config
    location / { return 200 "root\n"; }
    location /p/ { return 200 "prefix\n"; }
    location ^~ /static/ { return 200 "static\n"; }
    location ^~ /static/deeper/x { return 200 "static-deeper\n"; }
    location /static/deep/ { return 200 "plain-deep\n"; }
    location = /p/exact.php { return 200 "exact\n"; }
    location ~ \.php$ { return 200 "php\n"; }
--- request eval
["GET /p/x", "GET /p/x.php", "GET /static/x.php", "GET /static/deeper/xy.php", "GET /static/deep/x.php", "GET /p/exact.php", "GET /x.php"]
--- response_body eval
["prefix\n", "php\n", "static\n", "static-deeper\n", "php\n", "exact\n", "php\n"]



=== TEST 5: regex locations are tried in config order, the first match wins
--- config
    location / { return 200 "root\n"; }
    location ~ ^/re/ { return 200 "first\n"; }
    location ~ ^/re/x { return 200 "second\n"; }
    location ~ /y$ { return 200 "third\n"; }
--- request eval
["GET /re/x", "GET /re/", "GET /q/y", "GET /re/y", "GET /r"]
--- response_body eval
["first\n", "first\n", "third\n", "first\n", "root\n"]



=== TEST 6: "~" is case-sensitive, "~*" case-insensitive
--- config
    location / { return 200 "root\n"; }
    location ~ \.png$ { return 200 "png\n"; }
    location ~* \.jpg$ { return 200 "jpg\n"; }
--- request eval
["GET /i/x.png", "GET /i/x.PNG", "GET /i/x.jpg", "GET /i/x.JPG", "GET /i/x.JpG"]
--- response_body eval
["png\n", "root\n", "jpg\n", "jpg\n", "jpg\n"]



=== TEST 7: numbered regex captures are usable in the location
--- config
    location / { return 200 "root\n"; }
    location ~* ^/cap/(\w+)/(\w+)$ { return 200 "cap $1 $2\n"; }
--- request
GET /CAP/foo/bar
--- response_body
cap foo bar



=== TEST 8: named regex captures become variables
--- config
    location / { return 200 "root\n"; }
    location ~* ^/cap/(\w+)/(?<second>\w+)$ { return 200 "cap $1 $second\n"; }
--- request
GET /CAP/foo/bar
--- response_body
cap foo bar



=== TEST 9: the URI is matched after percent-decoding and normalisation; the query string is not part of it
--- config
    location / { return 200 "root\n"; }
    location /a/ { return 200 "a\n"; }
    location ~ ^/r/x$ { return 200 "r\n"; }
--- request eval
["GET /%61/x", "GET /b/../a/x", "GET /r/%78", "GET /r/x?y=/a/", "GET /r//x"]
--- response_body eval
["a\n", "a\n", "r\n", "r\n", "r\n"]



=== TEST 10: nested locations: a nested prefix, a nested regex, the outer location itself
--- config
    location / { return 200 "root\n"; }
    location /outer/ {
        location /outer/inner/ {
            return 200 "inner\n";
        }
        location ~ \.txt$ {
            return 200 "outer-txt\n";
        }
        return 200 "outer\n";
    }
    location ~ \.txt$ { return 200 "top-txt\n"; }
--- request eval
["GET /outer/x", "GET /outer/inner/x", "GET /outer/x.txt", "GET /outer/inner/x.txt", "GET /x.txt"]
--- response_body eval
["outer\n", "inner\n", "outer-txt\n", "outer-txt\n", "top-txt\n"]



=== TEST 11: a named location reached through error_page 404 = @x (its status is used)
--- config
    location / { return 200 "root\n"; }
    location /np/ {
        error_page 404 = @fallback;
        return 404;
    }
    location @fallback {
        return 200 "fallback uri=$uri\n";
    }
--- request eval
["GET /np/x", "GET /\@fallback"]
--- response_body eval
["fallback uri=/np/x\n", "root\n"]
--- error_code eval
[200, 200]



=== TEST 12: a named location reached through error_page without "=": the original status is kept
--- config
    location / { return 200 "root\n"; }
    location /np/ {
        error_page 404 @fallback;
        return 404;
    }
    location @fallback {
        return 200 "fallback\n";
    }
--- request
GET /np/x
--- response_body
fallback
--- error_code: 404



=== TEST 13: an internal location: 404 when requested directly, reachable through error_page
--- config
    location / { return 200 "root\n"; }
    location /int/ {
        internal;
        return 200 "internal uri=$uri\n";
    }
    location /to-int/ {
        error_page 404 /int/page;
        return 404;
    }
--- request eval
["GET /int/page", "GET /to-int/x"]
--- error_code eval
[404, 404]
--- response_body_like eval
[qr{<center><h1>404 Not Found</h1></center>}, qr{\Ainternal uri=/int/page\n\z}]



=== TEST 14: server selection by Host: exact name, "*.example.com", "www.example.*", regex; precedence exact > leading wildcard > trailing wildcard > regex, whatever the order
--- http_config
    server {
        listen $TEST_NGINX_SERVER_PORT;
        server_name first.example.org;
        return 200 "first-server\n";
    }
    server {
        listen $TEST_NGINX_SERVER_PORT;
        server_name example.com;
        return 200 "exact host=$host\n";
    }
    server {
        listen $TEST_NGINX_SERVER_PORT;
        server_name ~^.+\.test$;
        return 200 "regex host=$host\n";
    }
    server {
        listen $TEST_NGINX_SERVER_PORT;
        server_name www.example.*;
        return 200 "wild-tail host=$host\n";
    }
    server {
        listen $TEST_NGINX_SERVER_PORT;
        server_name *.example.com;
        return 200 "wild-head host=$host\n";
    }
--- config
    location / { return 200 "harness-server\n"; }
--- request eval
["GET /", "GET /", "GET /", "GET /", "GET /", "GET /", "GET /", "GET /"]
--- more_headers eval
["Host: example.com", "Host: www.example.com", "Host: a.b.example.com", "Host: www.example.org", "Host: foo.bar.test", "Host: localhost", "Host: first.example.org", "Host: www.example.com.test"]
--- response_body eval
["exact host=example.com\n", "wild-head host=www.example.com\n", "wild-head host=a.b.example.com\n", "wild-tail host=www.example.org\n", "regex host=foo.bar.test\n", "harness-server\n", "first-server\n", "wild-tail host=www.example.com.test\n"]



=== TEST 15: a regex server_name with a named capture: the capture is a variable
--- http_config
    server {
        listen $TEST_NGINX_SERVER_PORT;
        server_name ~^(?<sub>.+)\.test$;
        return 200 "regex sub=$sub\n";
    }
--- config
    location / { return 200 "harness-server\n"; }
--- request
GET /
--- more_headers
Host: foo.bar.test
--- response_body
regex sub=foo.bar



=== TEST 16: Host matching ignores case, the port and a trailing dot
--- http_config
    server {
        listen $TEST_NGINX_SERVER_PORT;
        server_name first.example.org;
        return 200 "first-server\n";
    }
    server {
        listen $TEST_NGINX_SERVER_PORT;
        server_name example.com;
        return 200 "exact host=$host\n";
    }
--- config
    location / { return 200 "harness-server\n"; }
--- request eval
["GET /", "GET /", "GET /"]
--- more_headers eval
["Host: EXAMPLE.Com", "Host: example.com:8080", "Host: example.com."]
--- response_body eval
["exact host=example.com\n", "exact host=example.com\n", "exact host=example.com\n"]



=== TEST 17: ".example.net" matches the name itself and its subdomains
--- http_config
    server {
        listen $TEST_NGINX_SERVER_PORT;
        server_name .example.net;
        return 200 "dot host=$host\n";
    }
--- config
    location / { return 200 "harness-server\n"; }
--- request eval
["GET /", "GET /", "GET /"]
--- more_headers eval
["Host: example.net", "Host: x.y.example.net", "Host: localhost"]
--- response_body eval
["dot host=example.net\n", "dot host=x.y.example.net\n", "harness-server\n"]



=== TEST 18: unknown Host: the first server on the port is the default
--- http_config
    server {
        listen $TEST_NGINX_SERVER_PORT;
        server_name first.example.org;
        return 200 "first-server\n";
    }
    server {
        listen $TEST_NGINX_SERVER_PORT;
        server_name example.com;
        return 200 "exact\n";
    }
--- config
    location / { return 200 "harness-server\n"; }
--- request eval
["GET /", "GET /"]
--- more_headers eval
["Host: unknown.example", "Host: localhost"]
--- response_body eval
["first-server\n", "harness-server\n"]



=== TEST 19: HTTP/1.0 without Host goes to the default server
--- http_config
    server {
        listen $TEST_NGINX_SERVER_PORT;
        server_name first.example.org;
        return 200 "first-server\n";
    }
--- config
    location / { return 200 "harness-server\n"; }
--- raw_request eval
"GET / HTTP/1.0\r
\r
"
--- response_body
first-server



=== TEST 20: "listen ... default_server" makes a later server the default for unknown names
--- http_config
    server {
        listen $TEST_NGINX_SERVER_PORT;
        server_name first.example.org;
        return 200 "first-server\n";
    }
    server {
        listen $TEST_NGINX_SERVER_PORT default_server;
        server_name dflt.example.org;
        return 200 "default-server host=$host\n";
    }
--- config
    location / { return 200 "harness-server\n"; }
--- request eval
["GET /", "GET /", "GET /"]
--- more_headers eval
["Host: unknown.example", "Host: first.example.org", "Host: localhost"]
--- response_body eval
["default-server host=unknown.example\n", "first-server\n", "harness-server\n"]



=== TEST 21: each server has its own locations
--- http_config
    server {
        listen $TEST_NGINX_SERVER_PORT;
        server_name other.example;
        location /a/ { return 200 "other-a\n"; }
        location / { return 200 "other-root\n"; }
    }
--- config
    location /a/ { return 200 "main-a\n"; }
    location / { return 200 "main-root\n"; }
--- request eval
["GET /a/x", "GET /a/x", "GET /b", "GET /b"]
--- more_headers eval
["Host: other.example", "Host: localhost", "Host: other.example", "Host: localhost"]
--- response_body eval
["other-a\n", "main-a\n", "other-root\n", "main-root\n"]



=== TEST 22: no location matches: 404
--- config
    location /only/ { return 200 "only\n"; }
--- request
GET /else
--- error_code: 404
--- response_body_like eval
qr{<center><h1>404 Not Found</h1></center>}
