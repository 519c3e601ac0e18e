# HTTP/1.1 server behaviour, through the network: keep-alive, pipelining,
# HTTP/1.0, request bodies (Content-Length and chunked), HEAD,
# Expect: 100-continue, the standard response headers, default error pages,
# and bad input (the status nginx gives, and that the server keeps serving).
#   prove -It/lib t/001-http11.t
#   TEST_NGINX_BINARY=/usr/sbin/nginx prove -It/lib t/001-http11.t
#
# Notes for readers:
# - "--- http09" makes the harness take the whole byte stream read from the
#   connection as the response body (its status is then always a fake 200).
#   It is used to check several responses on one connection, and that
#   nothing follows a response that must close the connection.
# - A block without "--- config" reuses the server of the block before it
#   (no restart), so "... still serves" blocks check that the same server
#   process survived the bad input.
# - The Server header differs (nginx/1.22.1 vs moxy/0.1.0): match \S+.

use Test::Nginx::Socket;

repeat_each(1);
plan tests => repeat_each() * 202;   # see the counting rules in Socket.pm
no_long_string();
run_tests();

__DATA__

=== TEST 1: the Date header is the current time
--- config
    location = /a { return 200 "abc\n"; }
--- request
GET /a
--- response_headers_like eval
use POSIX ();
# evaluated when the file is parsed, so this block comes first
my @now = (time - 2) .. (time + 15);
my $re = CORE::join '|', map { POSIX::strftime("%a, %d %b %Y %H:%M:%S GMT", gmtime $_) } @now;
"Date: (?:$re)"
--- response_body
abc



=== TEST 2: keep-alive: two requests on one connection
--- config
    location = /a { return 200 "a\n"; }
    location = /b { return 200 "b\n"; }
--- pipelined_requests eval
["GET /a", "GET /b"]
--- response_body eval
["a\n", "b\n"]
--- raw_response_headers_like eval
["Connection: keep-alive\r\n", "Connection: close\r\n"]
--- no_error_log
[error]



=== TEST 3: HTTP/1.1 without a Connection header is keep-alive by default
--- config
    location = /a { return 200 "a\n"; }
    location = /b { return 200 "b\n"; }
--- raw_request eval
"GET /a HTTP/1.1\r
Host: localhost\r
\r
GET /b HTTP/1.1\r
Host: localhost\r
Connection: close\r
\r
"
--- http09
--- response_body_like eval
qr{\AHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*?Connection: keep-alive\r\n(?:[^\r\n]+\r\n)*\r\na\nHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*?Connection: close\r\n(?:[^\r\n]+\r\n)*\r\nb\n\z}
--- no_error_log
[error]



=== TEST 4: Connection: close from the client: answered with Connection: close, then closed (a pipelined request after it is not answered)
--- config
    location = /a { return 200 "a\n"; }
    location = /b { return 200 "b\n"; }
--- raw_request eval
"GET /a HTTP/1.1\r
Host: localhost\r
Connection: close\r
\r
GET /b HTTP/1.1\r
Host: localhost\r
\r
"
--- http09
--- response_body_like eval
qr{\AHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*?Connection: close\r\n(?:[^\r\n]+\r\n)*\r\na\n\z}
--- no_error_log
[error]



=== TEST 5: pipelining: 3 requests in one write, all answered in order
--- config
    location = /one { return 200 "one\n"; }
    location = /two { return 200 "two\n"; }
    location = /three { return 200 "three\n"; }
--- raw_request eval
"GET /one HTTP/1.1\r
Host: localhost\r
\r
GET /two HTTP/1.1\r
Host: localhost\r
\r
GET /three HTTP/1.1\r
Host: localhost\r
Connection: close\r
\r
"
--- http09
--- response_body_like eval
qr{\AHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*\r\none\nHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*\r\ntwo\nHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*\r\nthree\n\z}
--- no_error_log
[error]



=== TEST 6: pipelined_requests: 3 requests, each response checked
--- config
    location = /one { return 200 "one\n"; }
    location = /two { return 201 "two\n"; }
    location = /three { return 200 "three\n"; }
--- pipelined_requests eval
["GET /one", "GET /two", "GET /three"]
--- error_code eval
[200, 201, 200]
--- response_body eval
["one\n", "two\n", "three\n"]
--- no_error_log
[error]



=== TEST 7: HTTP/1.0 request without Host: answered (HTTP/1.1 status line), Content-Length, no chunked, Connection: close
--- config
    location = /a { return 200 "a\n"; }
--- raw_request eval
"GET /a HTTP/1.0\r
\r
"
--- response_body
a
--- response_headers
Connection: close
Content-Length: 2
!Transfer-Encoding
--- raw_response_headers_like eval
qr{\AHTTP/1\.1 200 OK\r\n}
--- no_error_log
[error]



=== TEST 8: HTTP/1.0 with Connection: keep-alive is kept alive; the next HTTP/1.0 request without it closes
--- config
    location = /a { return 200 "a\n"; }
    location = /b { return 200 "b\n"; }
--- raw_request eval
"GET /a HTTP/1.0\r
Connection: keep-alive\r
\r
GET /b HTTP/1.0\r
\r
"
--- http09
--- response_body_like eval
qr{\AHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*?Connection: keep-alive\r\n(?:[^\r\n]+\r\n)*\r\na\nHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*?Connection: close\r\n(?:[^\r\n]+\r\n)*\r\nb\n\z}
--- no_error_log
[error]



=== TEST 9: HTTP/1.0, response of unknown length (Lua output): no chunked encoding; lua_http10_buffering gives it a Content-Length
--- config
    location = /gz {
        content_by_lua_block { ngx.print("hello hello hello hello\n") }
    }
--- raw_request eval
"GET /gz HTTP/1.0\r
\r
"
--- response_headers
Connection: close
!Transfer-Encoding
Content-Length: 24
--- response_body
hello hello hello hello
--- no_error_log
[error]



=== TEST 10: HTTP/1.1, the same response of unknown length is chunked
--- config
    location = /gz {
        content_by_lua_block { ngx.print("hello hello hello hello\n") }
    }
--- request
GET /gz
--- response_headers
Transfer-Encoding: chunked
!Content-Length
--- response_body
hello hello hello hello
--- no_error_log
[error]



=== TEST 11: POST with a Content-Length body to a return location: body discarded, the pipelined request after it works
--- config
    location = /a { return 200 "ok\n"; }
    location = /b { return 200 "b\n"; }
--- raw_request eval
"POST /a HTTP/1.1\r
Host: localhost\r
Content-Length: 11\r
\r
hello worldGET /b HTTP/1.1\r
Host: localhost\r
Connection: close\r
\r
"
--- http09
--- response_body_like eval
qr{\AHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*\r\nok\nHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*\r\nb\n\z}
--- no_error_log
[error]



=== TEST 12: POST with a chunked body (chunk extension, trailer) to a return location: body discarded, the pipelined request after it works
--- config
    location = /a { return 200 "ok\n"; }
    location = /b { return 200 "b\n"; }
--- raw_request eval
"POST /a HTTP/1.1\r
Host: localhost\r
Transfer-Encoding: chunked\r
\r
5;foo=bar\r
hello\r
6\r
 world\r
0\r
X-Trailer: 1\r
\r
GET /b HTTP/1.1\r
Host: localhost\r
Connection: close\r
\r
"
--- http09
--- response_body_like eval
qr{\AHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*\r\nok\nHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*\r\nb\n\z}
--- no_error_log
[error]



=== TEST 13: request bodies split across packets (Content-Length, then chunked), then a third request, all on one connection
--- config
    location = /a { return 200 "ok\n"; }
    location = /b { return 200 "b\n"; }
--- raw_request eval
["POST /a HTTP/1.1\r
Host: localhost\r
Content-Length: 11\r
\r
hel",
"lo world",
"POST /a HTTP/1.1\r
Host: localhost\r
Transfer-Encoding: chunked\r
\r
5\r
he",
"llo\r
0\r",
"
\r
GET /b HTTP/1.1\r
Host: localhost\r
Connection: close\r
\r
"]
--- raw_request_middle_delay: 0.05
--- http09
--- response_body_like eval
qr{\AHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*\r\nok\nHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*\r\nok\nHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*\r\nb\n\z}
--- no_error_log
[error]



=== TEST 14: HEAD: headers with Content-Length, no body (the pipelined GET follows the header block directly)
--- config
    location = /a { return 200 "abc\n"; }
--- raw_request eval
"HEAD /a HTTP/1.1\r
Host: localhost\r
\r
GET /a HTTP/1.1\r
Host: localhost\r
Connection: close\r
\r
"
--- http09
--- response_body_like eval
qr{\AHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*?Content-Length: 4\r\n(?:[^\r\n]+\r\n)*\r\nHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*?Content-Length: 4\r\n(?:[^\r\n]+\r\n)*\r\nabc\n\z}
--- no_error_log
[error]



=== TEST 15: HEAD: the headers of the GET response
--- config
    location = /a { return 200 "abc\n"; }
--- request
HEAD /a
--- response_headers
Content-Type: text/plain
Content-Length: 4
Connection: close
--- response_body
--- no_error_log
[error]



=== TEST 16: Expect: 100-continue, body sent, return location: nginx discards the body and sends 100 Continue first
--- config
    location = /a { return 200 "ok\n"; }
--- raw_request eval
"POST /a HTTP/1.1\r
Host: localhost\r
Connection: close\r
Content-Length: 5\r
Expect: 100-continue\r
\r
hello"
--- http09
--- response_body_like eval
qr{\AHTTP/1\.1 100 Continue\r\n\r\nHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*\r\nok\n\z}
--- no_error_log
[error]



=== TEST 17: Expect: 100-continue, then a pipelined request on the same connection
--- config
    location = /a { return 200 "ok\n"; }
    location = /b { return 200 "b\n"; }
--- raw_request eval
"POST /a HTTP/1.1\r
Host: localhost\r
Content-Length: 5\r
Expect: 100-continue\r
\r
helloGET /b HTTP/1.1\r
Host: localhost\r
Connection: close\r
\r
"
--- http09
--- response_body_like eval
qr{\AHTTP/1\.1 100 Continue\r\n\r\nHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*\r\nok\nHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*\r\nb\n\z}
--- no_error_log
[error]



=== TEST 18: Expect: 100-continue on HTTP/1.0 is ignored (no 100 Continue)
--- config
    location = /a { return 200 "ok\n"; }
--- raw_request eval
"POST /a HTTP/1.0\r
Content-Length: 5\r
Expect: 100-continue\r
\r
hello"
--- http09
--- response_body_like eval
qr{\AHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*\r\nok\n\z}
--- no_error_log
[error]



=== TEST 19: Expect: 100-continue with a Content-Length over client_max_body_size: 413 at once, no 100 Continue
--- config
    location = /a {
        client_max_body_size 10;
        return 200 "ok\n";
    }
--- raw_request eval
"POST /a HTTP/1.1\r
Host: localhost\r
Content-Length: 50\r
Expect: 100-continue\r
\r
"
--- timeout: 1
--- abort
--- http09
--- response_body_like eval
qr{\AHTTP/1\.1 413 Request Entity Too Large\r\n(?:[^\r\n]+\r\n)*?Connection: close\r\n(?:[^\r\n]+\r\n)*\r\n<html>}
--- error_log
client intended to send too large body: 50 bytes



=== TEST 20: standard response headers: Server, Date, Content-Type, Content-Length, Connection; no Transfer-Encoding
--- config
    location = /a { return 200 "abc\n"; }
--- request
GET /a
--- response_headers
Content-Type: text/plain
Content-Length: 4
Connection: close
!Transfer-Encoding
--- raw_response_headers_like eval
qr{\A(?=HTTP/1\.1 200 OK\r\n)(?=.*\nServer: \S+\r\n)(?=.*\nDate: (?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT\r\n)}s
--- response_body
abc
--- no_error_log
[error]



=== TEST 21: Content-Type comes from default_type (the harness sets text/plain at http level; a location overrides it)
--- config
    location = /a { return 200 "a\n"; }
    location = /dt {
        default_type application/x-moxy-test;
        return 200 "dt\n";
    }
--- request eval
["GET /a", "GET /dt"]
--- response_headers eval
["Content-Type: text/plain", "Content-Type: application/x-moxy-test"]
--- response_body eval
["a\n", "dt\n"]



=== TEST 22: default error page for 404
--- config
    location = /nf { return 404; }
--- request
GET /nf
--- error_code: 404
--- response_headers
Content-Type: text/html
--- response_body_like eval
qr{\A<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>\S+</center>\r\n</body>\r\n</html>\r\n\z}
--- no_error_log
[error]



=== TEST 23: default error page for 500 (return 500)
--- config
    location = /e { return 500; }
--- request
GET /e
--- error_code: 500
--- response_headers
Content-Type: text/html
--- response_body_like eval
qr{\A<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>\S+</center>\r\n</body>\r\n</html>\r\n\z}



=== TEST 24: request line longer than large_client_header_buffers: 414
--- config
    location = /a { return 200 "a\n"; }
    location = /small {
        client_max_body_size 10;
        return 200 "small\n";
    }
--- request eval
"GET /" . ("a" x 9000)
--- error_code: 414
--- response_body_like eval
qr{<center><h1>414 Request-URI Too Large</h1></center>}
--- error_log
client sent too long URI



=== TEST 25: a header line larger than large_client_header_buffers: 400 Request Header Or Cookie Too Large
--- request
GET /a
--- more_headers eval
"X-Big: " . ("a" x 9000)
--- error_code: 400
--- response_body_like eval
qr{<head><title>400 Request Header Or Cookie Too Large</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<center>Request Header Or Cookie Too Large</center>}
--- error_log
client sent too long header line



=== TEST 26: Content-Length body over client_max_body_size: 413
--- request
POST /small
hello world
--- error_code: 413
--- response_headers
Connection: close
--- response_body_like eval
qr{<center><h1>413 Request Entity Too Large</h1></center>}
--- error_log
client intended to send too large body: 11 bytes



=== TEST 27: the same server still serves after the oversized requests; a body within the limit passes
--- request eval
["POST /small\nhello", "GET /a"]
--- response_body eval
["small\n", "a\n"]



=== TEST 28: chunked body over client_max_body_size to a return location: nginx only discards it (no limit applies): 200, the pipelined request works
--- config
    location = /small {
        client_max_body_size 10;
        return 200 "small\n";
    }
    location = /b { return 200 "b\n"; }
--- raw_request eval
"POST /small HTTP/1.1\r
Host: localhost\r
Transfer-Encoding: chunked\r
\r
6\r
hello \r
5\r
world\r
0\r
\r
GET /b HTTP/1.1\r
Host: localhost\r
Connection: close\r
\r
"
--- http09
--- response_body_like eval
qr{\AHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*\r\nsmall\nHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*\r\nb\n\z}
--- no_error_log
[error]



=== TEST 29: malformed request line "GARBAGE": 400, connection closed (the pipelined request is not answered)
--- config
    location = /a { return 200 "a\n"; }
--- raw_request eval
"GARBAGE\r
\r
GET /a HTTP/1.1\r
Host: localhost\r
\r
"
--- http09
--- response_body_like eval
qr{\AHTTP/1\.1 400 Bad Request\r\n(?:[^\r\n]+\r\n)*?Connection: close\r\n(?:[^\r\n]+\r\n)*\r\n<html>\r\n<head><title>400 Bad Request</title></head>\r\n.*</html>\r\n\z}s
--- error_log
client sent invalid method



=== TEST 30: bad version "GET / HTTP/9.9": 505 HTTP Version Not Supported
--- raw_request eval
"GET /a HTTP/9.9\r
Host: localhost\r
\r
"
--- error_code: 505
--- response_body_like eval
qr{<center><h1>505 HTTP Version Not Supported</h1></center>}
--- error_log
client sent invalid version



=== TEST 31: bad method characters "G@T": 400
--- raw_request eval
"G\@T /a HTTP/1.1\r
Host: localhost\r
\r
"
--- error_code: 400
--- response_body_like eval
qr{<center><h1>400 Bad Request</h1></center>}
--- error_log eval
qr{client sent invalid method .*request: "G\@T /a HTTP/1\.1"}



=== TEST 32: lower-case method "get": 400
--- raw_request eval
"get /a HTTP/1.1\r
Host: localhost\r
\r
"
--- error_code: 400
--- response_body_like eval
qr{<center><h1>400 Bad Request</h1></center>}
--- error_log eval
qr{client sent invalid method .*request: "get /a HTTP/1\.1"}



=== TEST 33: the same server still serves after the malformed request lines
--- request
GET /a
--- response_body
a



=== TEST 34: both Content-Length and Transfer-Encoding: chunked: 400, connection closed (nothing smuggled)
--- config
    location = /a { return 200 "a\n"; }
--- raw_request eval
"POST /a HTTP/1.1\r
Host: localhost\r
Content-Length: 5\r
Transfer-Encoding: chunked\r
\r
0\r
\r
GET /a HTTP/1.1\r
Host: localhost\r
\r
"
--- http09
--- response_body_like eval
qr{\AHTTP/1\.1 400 Bad Request\r\n(?:[^\r\n]+\r\n)*?Connection: close\r\n(?:[^\r\n]+\r\n)*\r\n<html>.*</html>\r\n\z}s
--- error_log
client sent "Content-Length" and "Transfer-Encoding" headers at the same time



=== TEST 35: two differing Content-Length headers: 400
--- raw_request eval
"POST /a HTTP/1.1\r
Host: localhost\r
Content-Length: 5\r
Content-Length: 6\r
\r
hello GET /a HTTP/1.1\r
Host: localhost\r
\r
"
--- http09
--- response_body_like eval
qr{\AHTTP/1\.1 400 Bad Request\r\n(?:[^\r\n]+\r\n)*?Connection: close\r\n(?:[^\r\n]+\r\n)*\r\n<html>.*</html>\r\n\z}s
--- error_log
client sent duplicate header line: "Content-Length: 6", previous value: "Content-Length: 5"



=== TEST 36: two equal Content-Length headers: nginx also rejects them (400)
--- raw_request eval
"POST /a HTTP/1.1\r
Host: localhost\r
Content-Length: 5\r
Content-Length: 5\r
\r
hello"
--- error_code: 400
--- response_body_like eval
qr{<center><h1>400 Bad Request</h1></center>}
--- error_log
client sent duplicate header line: "Content-Length: 5", previous value: "Content-Length: 5"



=== TEST 37: invalid Content-Length value: 400
--- raw_request eval
"POST /a HTTP/1.1\r
Host: localhost\r
Content-Length: abc\r
\r
"
--- error_code: 400
--- error_log
client sent invalid "Content-Length" header



=== TEST 38: HTTP/1.1 request without Host: 400
--- raw_request eval
"GET /a HTTP/1.1\r
\r
"
--- error_code: 400
--- response_body_like eval
qr{<center><h1>400 Bad Request</h1></center>}
--- error_log
client sent HTTP/1.1 request without "Host" header



=== TEST 39: invalid chunk size: 400, connection closed
--- raw_request eval
"POST /a HTTP/1.1\r
Host: localhost\r
Transfer-Encoding: chunked\r
\r
zz\r
hello\r
0\r
\r
GET /a HTTP/1.1\r
Host: localhost\r
\r
"
--- http09
--- response_body_like eval
qr{\AHTTP/1\.1 400 Bad Request\r\n(?:[^\r\n]+\r\n)*?Connection: close\r\n(?:[^\r\n]+\r\n)*\r\n<html>.*</html>\r\n\z}s
--- error_log
client sent invalid chunked body



=== TEST 40: unknown Transfer-Encoding: 501 Not Implemented
--- raw_request eval
"POST /a HTTP/1.1\r
Host: localhost\r
Transfer-Encoding: gzip\r
\r
"
--- error_code: 501
--- response_body_like eval
qr{<center><h1>501 Not Implemented</h1></center>}
--- error_log
client sent unknown "Transfer-Encoding": "gzip"



=== TEST 41: HTTP/1.0 request with Transfer-Encoding: 400
--- raw_request eval
"POST /a HTTP/1.0\r
Transfer-Encoding: chunked\r
\r
5\r
hello\r
0\r
\r
"
--- error_code: 400
--- error_log
client sent HTTP/1.0 request with "Transfer-Encoding" header



=== TEST 42: the same server still serves after the bad framing headers
--- request
GET /a
--- response_body
a



=== TEST 43: slowloris: headers never finished: the connection is closed after client_header_timeout, with no response
--- config
    client_header_timeout 1s;
    location = /a { return 200 "a\n"; }
--- raw_request eval
"GET /a HTTP/1.1\r
Host: localhost\r
"
--- timeout: 3
--- log_level: info
--- error_code eval
""
--- response_body eval
""
--- error_log eval
qr{client timed out.* while reading client request headers}



=== TEST 44: slowloris: request line never finished: closed after client_header_timeout, with no response
--- raw_request eval
"GET /a HT"
--- timeout: 3
--- log_level: info
--- error_code eval
""
--- response_body eval
""
--- error_log eval
qr{client timed out.* while reading client request line}



=== TEST 45: the same server still serves after the slowloris connections
--- request
GET /a
--- response_body
a



=== TEST 46: an idle keep-alive connection is closed after keepalive_timeout
--- config
    keepalive_timeout 1s;
    location = /a { return 200 "a\n"; }
--- raw_request eval
"GET /a HTTP/1.1\r
Host: localhost\r
\r
"
--- timeout: 3
--- response_headers
Connection: keep-alive
--- response_body
a



=== TEST 47: keepalive_timeout 0 disables keep-alive: Connection: close, the pipelined request is not answered
--- config
    keepalive_timeout 0;
    location = /a { return 200 "a\n"; }
--- raw_request eval
"GET /a HTTP/1.1\r
Host: localhost\r
\r
GET /a HTTP/1.1\r
Host: localhost\r
\r
"
--- http09
--- response_body_like eval
qr{\AHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*?Connection: close\r\n(?:[^\r\n]+\r\n)*\r\na\n\z}



=== TEST 48: keepalive_requests 2: the second response says Connection: close, the third request is not answered
--- config
    keepalive_requests 2;
    location = /a { return 200 "a\n"; }
--- raw_request eval
"GET /a HTTP/1.1\r
Host: localhost\r
\r
GET /a HTTP/1.1\r
Host: localhost\r
\r
GET /a HTTP/1.1\r
Host: localhost\r
\r
"
--- http09
--- response_body_like eval
qr{\AHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*?Connection: keep-alive\r\n(?:[^\r\n]+\r\n)*\r\na\nHTTP/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*?Connection: close\r\n(?:[^\r\n]+\r\n)*\r\na\n\z}



=== TEST 49: absolute-form request target: the path is used, the host in it selects the server
--- config
    location = /a { return 200 "a host=$host\n"; }
--- raw_request eval
"GET http://localhost/a HTTP/1.1\r
Host: other\r
Connection: close\r
\r
"
--- response_body
a host=localhost



=== TEST 50: the URI is normalised before location matching ("/x/../a", "//a", "%61")
--- config
    location = /a { return 200 "a uri=$uri\n"; }
--- request eval
["GET /x/../a", "GET //a", "GET /%61", "GET /./a"]
--- response_body eval
["a uri=/a\n", "a uri=/a\n", "a uri=/a\n", "a uri=/a\n"]



=== TEST 51: a URI going above the root is rejected: 400
--- config
    location = /a { return 200 "a\n"; }
--- request
GET /../a
--- error_code: 400
--- response_body_like eval
qr{<center><h1>400 Bad Request</h1></center>}



=== TEST 52: any upper-case method token is taken, as nginx does; lower case is not
--- config
    location = /a { return 200 "method=$request_method\n"; }
    location /static/ { root html; }
--- user_files
>>> static/f.txt
file
--- request eval
["FOO /a", "MY_METHOD-2 /a", "PURGE /a", "foo /a", "FOO /static/f.txt"]
--- error_code eval
[200, 400, 200, 400, 405]
--- response_body_like eval
["^method=FOO\n\$", "400 Bad Request", "^method=PURGE\n\$", "400 Bad Request", "405 Not Allowed"]



=== TEST 53: header values keep control bytes nginx keeps; spaces around them go
--- config
    location = /a { return 200 "[$http_x_ctl] [$http_x_sp]\n"; }
--- raw_request eval
"GET /a HTTP/1.1\r\nHost: x\r\nX-Ctl: a\x01b\x7fc\r\nX-Sp:    v  w   \r\nConnection: close\r\n\r\n"
--- response_body eval
"[a\x01b\x7fc] [v  w]\n"



=== TEST 54: a header line without a colon or with a NUL: 400
--- config
    location = /a { return 200 "ok\n"; }
--- raw_request eval
["GET /a HTTP/1.1\r\nHost: x\r\nNo colon\r\n\r\n",
 "GET /a HTTP/1.1\r\nHost: x\r\nX-Nul: a\0b\r\n\r\n"]
--- error_code eval
[400, 400]
--- response_body_like eval
["400 Bad Request", "400 Bad Request"]



=== TEST 55: header names by nginx's rules: odd bytes dropped, blanks refused, no colon taken
--- config
    location = /a { return 200 "[$http_x_y] [$http_x_w] [$http_nocolon]\n"; }
--- raw_request eval
["GET /a HTTP/1.1\r\nHost: x\r\nX_Y: under\r\nX-W: w\r\nConnection: close\r\n\r\n",
 "GET /a HTTP/1.1\r\nHost: x\r\nX\@Y: at\r\nX-!W: bang\r\nConnection: close\r\n\r\n",
 "GET /a HTTP/1.1\r\nHost: x\r\nNocolon\r\nX-Y:   v  w  \r\nConnection: close\r\n\r\n",
 "GET /a HTTP/1.1\r\nHost: x\r\nX Y: sp\r\nConnection: close\r\n\r\n",
 "GET /a HTTP/1.1\r\nHost: x\r\nX-Y : sp\r\nConnection: close\r\n\r\n",
 "GET /a HTTP/1.1\r\nHost: x\r\n: v\r\nConnection: close\r\n\r\n"]
--- error_code eval
[200, 200, 200, 400, 400, 400]
--- response_body_like eval
["^\\[\\] \\[w\\] \\[\\]\$", "^\\[\\] \\[\\] \\[\\]\$", "^\\[v  w\\] \\[\\] \\[\\]\$",
 "400 Bad Request", "400 Bad Request", "400 Bad Request"]
--- error_log
client sent invalid header line: "X_Y: under"



=== TEST 56: underscores_in_headers on; ignore_invalid_headers off
--- config
    underscores_in_headers on;
    ignore_invalid_headers off;
    location = /a { return 200 "[$http_x_y]\n"; }
--- raw_request eval
["GET /a HTTP/1.1\r\nHost: x\r\nX_Y: under\r\nConnection: close\r\n\r\n",
 "GET /a HTTP/1.1\r\nHost: x\r\nX\@Y: at\r\nConnection: close\r\n\r\n"]
--- error_code eval
[200, 400]
--- response_body_like eval
["^\\[under\\]\$", "400 Bad Request"]
