# What the proxy makes of an upstream's response bytes: status lines,
# header lines, and the body's framing (length, chunks, up to the close),
# valid and broken, from a mock upstream that sends exact bytes.
#   prove -It/lib t/128-proxy-response-parse.t
#   TEST_NGINX_BINARY=/usr/sbin/nginx prove -It/lib t/128-proxy-response-parse.t

use Test::Nginx::Socket 'no_plan';
use Moxy::TestPeers;

$ENV{TEST_NGINX_MOCK_PORT} = free_port();

no_long_string();
run_tests();

__DATA__

=== TEST 1: chunks with extensions, upper-case sizes and a trailer
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
. "5;name=value\r\nhello\r\n"
. "A\r\n, chunked \r\n"
. "6 ; x\r\nworld\n\r\n"
. "0\r\nX-Trailer: yes\r\n\r\n"
--- request
GET /t
--- response_body eval
"hello, chunked world\n"
--- no_error_log
[error]
[warn]



=== TEST 2: bare LF line ends in the header and in the chunks
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"HTTP/1.1 200 OK\nX-Lf: 1\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n"
--- request
GET /t
--- response_headers
X-Lf: 1
--- response_body chomp
abc
--- no_error_log
[error]



=== TEST 3: a bad chunk size: the client gets what came before, then the cut
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\nmore\r\n0\r\n\r\n"
--- request
GET /t
--- ignore_response
--- error_log
upstream sent invalid chunked response



=== TEST 4: Content-Length and Transfer-Encoding together: 502
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
--- skip_nginx: 3: < 1.23.0
--- request
GET /t
--- error_code: 502
--- error_log
upstream sent "Content-Length" and "Transfer-Encoding" headers at the same time



=== TEST 5: an unknown Transfer-Encoding: 502
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc"
--- skip_nginx: 3: < 1.23.0
--- request
GET /t
--- error_code: 502
--- error_log
upstream sent unknown "Transfer-Encoding": "gzip"



=== TEST 6: two different Content-Length headers: 502
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"
--- skip_nginx: 3: < 1.23.0
--- request
GET /t
--- error_code: 502
--- error_log
upstream sent duplicate header line: "Content-Length: 4", previous value: "Content-Length: 3"



=== TEST 7: more bytes than the Content-Length: the length wins, with a warning
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef"
--- request
GET /t
--- response_body chomp
abc
--- error_log
upstream sent more data than specified in "Content-Length" header



=== TEST 8: no length and no chunks: the body runs to the close
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"HTTP/1.1 200 OK\r\nX-Close: 1\r\n\r\nall of it, up to the end"
--- request
GET /t
--- response_body chomp
all of it, up to the end
--- no_error_log
[error]



=== TEST 9: a 204 has no body, whatever follows it
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"HTTP/1.1 204 No Content\r\nX-A: b\r\n\r\n"
--- request
GET /t
--- error_code: 204
--- response_headers
X-A: b
--- response_body
--- no_error_log
[error]



=== TEST 10: a status line without a reason phrase; blanks after the colon dropped, trailing ones kept
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"HTTP/1.1 201\r\nX-Spaced:   a b  \t\r\nX-Empty:\r\nContent-Length: 2\r\n\r\nok"
--- request
GET /t
--- error_code: 201
--- raw_response_headers_like eval
qr/\r\nX-Spaced: a b  \t\r\n/
--- response_body chomp
ok
--- no_error_log
[error]



=== TEST 11: a status line that is not one: nginx's HTTP/0.9 answer
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"HTTP/1.1 abc\r\n\r\nrest"
--- request
GET /t
--- http09
--- response_body eval
"HTTP/1.1 abc\r\n\r\nrest"
--- error_log
upstream sent no valid HTTP/1.0 header



=== TEST 12: a header line without a colon: 502
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
"HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n"
--- request
GET /t
--- error_code: 502
--- error_log
upstream sent invalid header



=== TEST 13: the header arrives a byte at a time
--- config
    location /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_reply eval
[ map { $_ } split //, "HTTP/1.1 200 OK\r\nX-Slow: 1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n" ]
--- tcp_reply_delay: 1ms
--- request
GET /t
--- response_headers
X-Slow: 1
--- response_body chomp
ok
--- no_error_log
[error]
