# proxy_pass (nginx's proxy module): the URI sent upstream, request and
# response headers, bodies (fixed length, chunked, to the end, large),
# proxy_buffering off, proxy_redirect, errors and their log lines.
# The upstreams are servers of the same instance on random ports, or a
# mock TCP server (--- tcp_listen) where exact bytes matter.
#   prove -It/lib t/120-proxy.t
#   TEST_NGINX_BINARY=/usr/sbin/nginx prove -It/lib t/120-proxy.t

use Test::Nginx::Socket 'no_plan';
use IO::Socket::INET ();
use Moxy::TestPeers;

# free ports: the mock upstream's, and one where nothing listens
$ENV{TEST_NGINX_MOCK_PORT} = free_port();
$ENV{TEST_NGINX_CLOSED_PORT} = free_port();

# a peer that accepts (in the kernel's backlog) and never answers
our $Blackhole = IO::Socket::INET->new(Listen => 5, LocalAddr => '127.0.0.1',
                                       LocalPort => 0, Proto => 'tcp')
    or die "cannot listen: $!\n";
$ENV{TEST_NGINX_BLACKHOLE_PORT} = $Blackhole->sockport;

# a peer whose accept queue is full: connecting to it hangs
our $Full = IO::Socket::INET->new(Listen => 0, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, Proto => 'tcp')
    or die "cannot listen: $!\n";
$ENV{TEST_NGINX_FULL_PORT} = $Full->sockport;
our @FullQueue;
for (1 .. 32) {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $Full->sockport,
                                  Proto => 'tcp', Timeout => 0.2);
    last unless $s;
    push @FullQueue, $s;
}

no_long_string();
run_tests();

__DATA__

=== TEST 1: proxy_pass without a URI: the request URI as the client sent it
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "uri=$request_uri host=$http_host conn=$http_connection\n";
        }
    }
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request
GET /t/a%20b/c?x=1&y=%41
--- response_body_like chop
^uri=/t/a%20b/c\?x=1&y=%41 host=127.0.0.1:\d+ conn=close$
--- no_error_log
[error]



=== TEST 2: proxy_pass with a URI: the location's prefix replaced
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "uri=$request_uri\n";
        }
    }
--- config
    location /foo/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/bar/;
    }
    location /one/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/;
    }
    location = /exact {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/other;
    }
--- request eval
["GET /foo/x/y?a=b", "GET /one/abc", "GET /exact?q", "GET /foo/"]
--- response_body eval
["uri=/bar/x/y?a=b\n", "uri=/abc\n", "uri=/other?q\n", "uri=/bar/\n"]
--- no_error_log
[error]



=== TEST 3: a URI part and an escaped request URI: decoded, then escaped again
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "uri=$request_uri\n";
        }
    }
--- config
    location /e/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/x/;
    }
--- request eval
["GET /e/a%20b", "GET /e/a%2Fb", "GET /e/%7Efoo?a=%20"]
--- response_body eval
["uri=/x/a%20b\n", "uri=/x/a/b\n", "uri=/x/~foo?a=%20\n"]
--- no_error_log
[error]



=== TEST 4: rewrite ... break: the rewritten URI is sent whole
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "uri=$request_uri\n";
        }
    }
--- config
    location /r/ {
        rewrite ^/r/(.*)$ /new/$1 break;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ignored/;
    }
    location /n/ {
        rewrite ^/n/(.*)$ /other/$1 break;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request eval
["GET /r/xyz?k=v", "GET /n/a%20b"]
--- response_body eval
["uri=/new/xyz?k=v\n", "uri=/other/a%20b\n"]
--- no_error_log
[error]



=== TEST 5: regex location: proxy_pass without a URI passes the request URI
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "uri=$request_uri\n";
        }
    }
--- config
    location ~ ^/re/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request
GET /re/a/b?c
--- response_body
uri=/re/a/b?c
--- no_error_log
[error]



=== TEST 6: regex location: a URI part is refused
--- config
    location ~ ^/re/ {
        proxy_pass http://127.0.0.1:1/x;
    }
--- must_die
--- error_log
"proxy_pass" cannot have URI part in location given by regular expression, or inside named location, or inside "if" statement, or inside "limit_except" block



=== TEST 7: an invalid URL prefix
--- config
    location /t {
        proxy_pass ftp://127.0.0.1:1;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid URL prefix in \S+nginx.conf:\d+/



=== TEST 8: proxy_set_header with variables, $proxy_host, X-Forwarded-For
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "host=$http_host xff=$http_x_forwarded_for real=$http_x_real_ip foo=$http_x_foo ua=$http_user_agent\n";
        }
    }
--- config
    location /t {
        proxy_set_header Host "up.example.com";
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header User-Agent "";
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request
GET /t
--- more_headers
X-Foo: bar
X-Forwarded-For: 10.0.0.1
User-Agent: test-agent
--- response_body
host=up.example.com xff=10.0.0.1, 127.0.0.1 real=127.0.0.1 foo=bar ua=
--- no_error_log
[error]



=== TEST 9: $proxy_host and $proxy_port; the default Host
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "host=$http_host\n";
        }
    }
--- config
    location /a {
        proxy_pass http://backend;
    }
    location /b {
        proxy_set_header X-Port $proxy_port;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request eval
["GET /a", "GET /b"]
--- response_body_like eval
["^host=backend\n\$", "^host=127.0.0.1:\\d+\n\$"]
--- no_error_log
[error]



=== TEST 10: proxy_pass_request_headers off
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "foo=$http_x_foo host=$http_host\n";
        }
    }
--- config
    location /t {
        proxy_pass_request_headers off;
        proxy_set_header Host h;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request
GET /t
--- more_headers
X-Foo: bar
--- response_body
foo= host=h
--- no_error_log
[error]



=== TEST 11: the exact request sent upstream (HTTP/1.0 and nginx's defaults)
--- config
    location /t {
        proxy_set_header X-A a;
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_query eval
"GET /t?x HTTP/1.0\r
X-A: a\r
Host: 127.0.0.1:$ENV{TEST_NGINX_MOCK_PORT}\r
Connection: close\r
X-B: b\r
\r
"
--- tcp_reply eval
"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n"
--- request
GET /t?x
--- more_headers
X-B: b
Keep-Alive: 300
--- response_body
ok
--- no_error_log
[error]



=== TEST 12: a request body: read first, sent with its length
--- config
    location /t {
        proxy_http_version 1.1;
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_query eval
"POST /t HTTP/1.1\r
Host: 127.0.0.1:$ENV{TEST_NGINX_MOCK_PORT}\r
Connection: close\r
Content-Length: 11\r
\r
hello world"
--- tcp_reply eval
"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"
--- request
POST /t
hello world
--- error_code: 201
--- response_body chomp
ok
--- no_error_log
[error]



=== TEST 13: a chunked request body goes with a Content-Length
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_query eval
"POST /t HTTP/1.0\r
Host: 127.0.0.1:$ENV{TEST_NGINX_MOCK_PORT}\r
Connection: close\r
Content-Length: 8\r
\r
abcdefgh"
--- tcp_reply eval
"HTTP/1.0 200 OK\r\n\r\ndone"
--- raw_request eval
"POST /t HTTP/1.1\r
Host: localhost\r
Connection: close\r
Transfer-Encoding: chunked\r
\r
3\r
abc\r
5\r
defgh\r
0\r
\r
"
--- response_body chomp
done
--- no_error_log
[error]



=== TEST 14: proxy_pass_request_body off: no body, but nginx keeps the client's length
--- config
    location /t {
        proxy_pass_request_body off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_query eval
"POST /t HTTP/1.0\r
Host: 127.0.0.1:$ENV{TEST_NGINX_MOCK_PORT}\r
Connection: close\r
Content-Length: 9\r
\r
"
--- tcp_reply eval
"HTTP/1.0 200 OK\r\n\r\nnobody"
--- request
POST /t
some body
--- response_body chomp
nobody
--- no_error_log
[error]



=== TEST 15: response headers: status line, hidden and passed ones, no Date/Server from upstream
--- config
    location /t {
        proxy_hide_header X-Secret;
        proxy_pass_header X-Pad;
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"HTTP/1.1 404 Gone Fishing\r
Server: upstream-server\r
Date: Thu, 01 Jan 1970 00:00:00 GMT\r
X-Secret: s\r
X-Pad: avoid browser bug\r
X-Accel-Expires: 10\r
X-Up: 1\r
Set-Cookie: a=1\r
Set-Cookie: b=2\r
Content-Type: text/x-test\r
Content-Length: 4\r
Keep-Alive: timeout=5\r
Connection: keep-alive\r
\r
gone"
--- request
GET /t
--- error_code: 404
--- raw_response_headers_like
^HTTP/1.1 404 Gone Fishing\r
--- response_headers
X-Up: 1
X-Pad: avoid browser bug
Content-Type: text/x-test
Content-Length: 4
!X-Secret
!X-Accel-Expires
!Keep-Alive
--- response_body chomp
gone
--- no_error_log
[error]



=== TEST 16: the upstream's Server and Date are replaced by ours; two Set-Cookie kept
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"HTTP/1.1 200 OK\r
Server: upstream-server\r
Date: Thu, 01 Jan 1970 00:00:00 GMT\r
Set-Cookie: a=1\r
Set-Cookie: b=2\r
Content-Length: 2\r
\r
ok"
--- request
GET /t
--- raw_response_headers_like eval
qr/Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n/
--- raw_response_headers_unlike eval
qr/upstream-server|1970/
--- response_body chomp
ok
--- no_error_log
[error]



=== TEST 17: no Content-Type from the upstream: none to the client
--- config
    location /t {
        default_type text/should-not-appear;
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"
--- request
GET /t
--- response_headers
!Content-Type
--- response_body chomp
ok
--- no_error_log
[error]



=== TEST 18: a chunked upstream response is decoded and re-chunked
--- config
    location /t {
        proxy_http_version 1.1;
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"HTTP/1.1 200 OK\r
Transfer-Encoding: chunked\r
\r
5\r
hello\r
1;ext=1\r
,\r
6\r
 world\r
0\r
X-Trailer: t\r
\r
"
--- request
GET /t
--- response_headers
Transfer-Encoding: chunked
!Content-Length
--- response_body chomp
hello, world
--- no_error_log
[error]



=== TEST 19: a chunked upstream response to an HTTP/1.0 client: read to the close
--- config
    location /t {
        proxy_http_version 1.1;
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
--- request
GET /t HTTP/1.0
--- response_headers
!Transfer-Encoding
--- response_body chomp
abc
--- no_error_log
[error]



=== TEST 20: a response without length: read until the upstream closes
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
["HTTP/1.0 200 OK\r\nX-A: 1\r\n\r\nfirst,", "second"]
--- request
GET /t
--- response_body chomp
first,second
--- no_error_log
[error]



=== TEST 21: HEAD: the upstream's length, no body
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "method=$request_method\n";
        }
    }
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request
HEAD /t
--- response_headers
Content-Length: 12
--- response_body
--- no_error_log
[error]



=== TEST 22: 204 and 304 have no body
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location /x/204 { return 204; }
        location /x/304 { return 304; }
    }
--- config
    location /x/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request eval
["GET /x/204", "GET /x/304"]
--- error_code eval
[204, 304]
--- response_body eval
["", ""]
--- no_error_log
[error]



=== TEST 23: a 1 MiB static file through the proxy, buffering on and off
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            root $TEST_NGINX_HTML_DIR;
        }
    }
--- config
    location /on/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/;
    }
    location /off/ {
        proxy_buffering off;
        proxy_buffer_size 1k;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/;
    }
--- user_files eval
">>> big.bin\n" . ("0123456789abcdef" x 65536)
--- request eval
["GET /on/big.bin", "GET /off/big.bin"]
--- response_headers eval
["Content-Length: 1048576", "Content-Length: 1048576"]
--- response_body eval
[("0123456789abcdef" x 65536), ("0123456789abcdef" x 65536)]
--- no_error_log
[error]



=== TEST 24: proxy_buffering off: each piece goes to the client at once
--- config
    location /t {
        proxy_buffering off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply_delay: 100ms
--- tcp_reply eval
"HTTP/1.0 200 OK\r\n\r\nstreamed"
--- request
GET /t
--- response_body chomp
streamed
--- no_error_log
[error]



=== TEST 25: connect() refused: 502 and nginx's log line
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_CLOSED_PORT;
    }
--- request
GET /t
--- error_code: 502
--- response_body_like: 502 Bad Gateway
--- error_log eval
qr/\[error\] .*connect\(\) failed \(111: Connection refused\) while connecting to upstream, client: 127.0.0.1, server: localhost, request: "GET \/t HTTP\/1.1", upstream: "http:\/\/127.0.0.1:\d+\/t", host: "localhost"/



=== TEST 26: upstream read timeout: 504
--- config
    location /t {
        proxy_read_timeout 200ms;
        proxy_pass http://127.0.0.1:$TEST_NGINX_BLACKHOLE_PORT;
    }
--- request
GET /t
--- error_code: 504
--- response_body_like: 504 Gateway Time-out
--- error_log eval
qr/\[error\] .*upstream timed out \(110: Connection timed out\) while reading response header from upstream, client: 127.0.0.1, server: localhost, request: "GET \/t HTTP\/1.1", upstream: "http:\/\/127.0.0.1:\d+\/t", host: "localhost"/



=== TEST 27: an invalid header from the upstream: 502
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"HTTP/1.1 200 OK\r\nX-Good: 1\r\nBad\x01Header: x\r\n\r\nbody"
--- request
GET /t
--- error_code: 502
--- error_log
upstream sent invalid header
while reading response header from upstream



=== TEST 28: the upstream closes before a header: 502
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"HTTP/1.1 200 OK\r\nX-A"
--- request
GET /t
--- error_code: 502
--- error_log
upstream prematurely closed connection while reading response header from upstream



=== TEST 29: no status line: nginx's HTTP/0.9 answer
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"just some bytes\n"
--- request
GET /t
--- http09
--- response_body
just some bytes
--- error_log
upstream sent no valid HTTP/1.0 header while reading response header from upstream



=== TEST 30: proxy_redirect default, off, and FROM TO
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 302 "http://$http_host/two/next";
        }
    }
--- config
    location /one/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/two/;
    }
    location /off/ {
        proxy_redirect off;
        proxy_set_header Host fixed.example;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/two/;
    }
    location /ft/ {
        proxy_set_header Host fixed.example;
        proxy_redirect http://fixed.example/two/ http://$host/three/;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/two/;
    }
--- request eval
["GET /one/x", "GET /off/x", "GET /ft/x"]
--- error_code eval
[302, 302, 302]
--- response_headers eval
["Location: http://localhost:$ServerPort/one/next",
 "Location: http://fixed.example/two/next",
 "Location: http://localhost/three/next"]
--- no_error_log
[error]



=== TEST 31: proxy_intercept_errors with error_page
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 404 "upstream's own 404\n";
        }
    }
--- config
    location /on {
        proxy_intercept_errors on;
        error_page 404 = /fallback;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
    location /off {
        error_page 404 = /fallback;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
    location /fallback {
        return 200 "fallback\n";
    }
--- request eval
["GET /on", "GET /off"]
--- error_code eval
[200, 404]
--- response_body eval
["fallback\n", "upstream's own 404\n"]
--- no_error_log
[error]



=== TEST 32: error_page for a 502 of the proxy itself
--- config
    location /t {
        error_page 502 = /fallback;
        proxy_pass http://127.0.0.1:$TEST_NGINX_CLOSED_PORT;
    }
    location /fallback {
        return 200 "fallback after $upstream_status\n";
    }
--- request
GET /t
--- response_body
fallback after 502
--- error_log
connect() failed (111: Connection refused) while connecting to upstream



=== TEST 33: $upstream_addr, $upstream_status and the times
--- http_config
    log_format up '$upstream_addr|$upstream_status|$upstream_response_time|$upstream_connect_time|$upstream_header_time|$upstream_http_x_up';
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            add_header X-Up yes;
            return 200 "ok\n";
        }
    }
--- config
    location /t {
        access_log $TEST_NGINX_SERVER_ROOT/logs/up.log up;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        add_header X-Addr $upstream_addr;
        add_header X-Status $upstream_status;
        add_header X-Times "$upstream_connect_time $upstream_header_time";
        add_header X-Up-Header $upstream_http_x_up;
        add_header X-Length $upstream_response_length;
    }
--- request
GET /t
--- response_headers_like
X-Addr: 127\.0\.0\.1:\d+
X-Status: 200
X-Times: \d+\.\d{3} \d+\.\d{3}
X-Up-Header: yes
X-Length: 0
--- response_body
ok
--- no_error_log
[error]



=== TEST 34: HTTP/1.0 client, upstream without length: the connection closes
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nno length"
--- request
GET /t HTTP/1.0
--- response_headers
!Content-Length
Connection: close
--- response_body chomp
no length
--- no_error_log
[error]



=== TEST 35: the upstream stops in the middle of a fixed-length body
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"
--- request
GET /t
--- ignore_response
--- error_log
upstream prematurely closed connection while reading upstream



=== TEST 36: proxy_pass with variables: an upstream name, an address with a URI
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            return 200 "uri=$request_uri host=$http_host\n";
        }
    }
--- config
    location /name/ {
        set $b backend;
        proxy_pass http://$b;
    }
    location /addr/ {
        set $p $TEST_NGINX_RAND_PORT_1;
        proxy_pass http://127.0.0.1:$p/fixed$is_args$args;
    }
    location ~ ^/re/(.*)$ {
        proxy_pass http://backend/x/$1;
    }
--- request eval
["GET /name/a%20b?q=1", "GET /addr/zz?k=v", "GET /re/abc"]
--- response_body_like eval
["^uri=/name/a%20b\\?q=1 host=backend\n\$",
 "^uri=/fixed\\?k=v host=127.0.0.1:\\d+\n\$",
 "^uri=/x/abc host=backend\n\$"]
--- no_error_log
[error]



=== TEST 37: proxy_pass with variables: a name that is not an upstream
--- config
    location /t {
        set $b nosuchhost.example;
        proxy_pass http://$b;
    }
--- request
GET /t
--- error_code: 502
--- error_log
no resolver defined to resolve nosuchhost.example



=== TEST 38: WebSocket: the 101 goes to the client, then the bytes both ways
--- config
    location /ws {
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
        proxy_read_timeout 300ms;
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_query eval
"GET /ws HTTP/1.1\r
Upgrade: websocket\r
Connection: upgrade\r
Host: 127.0.0.1:$ENV{TEST_NGINX_MOCK_PORT}\r
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r
Sec-WebSocket-Version: 13\r
\r
"
--- tcp_reply eval
"HTTP/1.1 101 Switching Protocols\r
Upgrade: websocket\r
Connection: Upgrade\r
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r
\r
frames from upstream"
--- tcp_no_close
--- raw_request eval
"GET /ws HTTP/1.1\r
Host: localhost\r
Upgrade: websocket\r
Connection: Upgrade\r
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r
Sec-WebSocket-Version: 13\r
\r
"
--- error_code: 101
--- raw_response_headers_like eval
qr/^HTTP\/1.1 101 Switching Protocols\r\n.*Connection: upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/s
--- response_body chomp
frames from upstream
--- error_log
upstream timed out (110: Connection timed out) while proxying upgraded connection



=== TEST 39: a large request body (in a temporary file) goes whole
--- config
    location /t {
        client_body_buffer_size 1k;
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_query eval
"POST /t HTTP/1.0\r
Host: 127.0.0.1:$ENV{TEST_NGINX_MOCK_PORT}\r
Connection: close\r
Content-Length: 100000\r
\r
" . ("0123456789" x 10000)
--- tcp_reply eval
"HTTP/1.0 200 OK\r\n\r\nreceived"
--- request eval
"POST /t\n" . ("0123456789" x 10000)
--- response_body chomp
received
--- no_error_log
[error]



=== TEST 40: a header larger than proxy_buffer_size: 502
--- config
    location /t {
        proxy_buffer_size 1k;
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"HTTP/1.1 200 OK\r\nX-Big: " . ("x" x 2000) . "\r\nContent-Length: 2\r\n\r\nok"
--- request
GET /t
--- error_code: 502
--- error_log
upstream sent too big header while reading response header from upstream



=== TEST 41: a large response through a small buffer, chunked by the upstream
--- config
    location /t {
        proxy_http_version 1.1;
        proxy_buffer_size 1k;
        proxy_buffers 4 1k;
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
. join("", map { sprintf("%x\r\n%s\r\n", 700, "abcdefg" x 100) } 1 .. 50)
. "0\r\n\r\n"
--- request
GET /t
--- response_body eval
"abcdefg" x 5000
--- no_error_log
[error]



=== TEST 42: proxy_connect_timeout: 504
--- config
    location /t {
        proxy_connect_timeout 200ms;
        proxy_pass http://127.0.0.1:$TEST_NGINX_FULL_PORT;
    }
--- request
GET /t
--- error_code: 504
--- error_log eval
qr/\[error\] .*upstream timed out \(110: Connection timed out\) while connecting to upstream, client: 127.0.0.1, server: localhost, request: "GET \/t HTTP\/1.1", upstream: "http:\/\/127.0.0.1:\d+\/t", host: "localhost"/



=== TEST 43: a client that goes away while the upstream works ends the request (499)
--- http_config
    log_format st '$request_uri $status';
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            content_by_lua_block { ngx.sleep(1) ngx.say("late") }
        }
    }
--- config
    access_log logs/access.log st;
    location /t {
        proxy_read_timeout 5s;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request
GET /t
--- timeout: 0.2
--- abort
--- ignore_response
--- wait: 0.2
--- log_level: info
--- error_log
client prematurely closed connection, so upstream connection is closed too
--- access_log
/t 499



=== TEST 44: proxy_ignore_client_abort on: the upstream's work goes on
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            content_by_lua_block { ngx.sleep(0.3) ngx.say("late") }
        }
    }
--- config
    location /t {
        proxy_ignore_client_abort on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request
GET /t
--- timeout: 0.1
--- abort
--- ignore_response
--- wait: 0.5
--- log_level: info
--- no_error_log
so upstream connection is closed too
