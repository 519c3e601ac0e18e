# The "return" directive, error_page and add_header, through the network.
#   prove -It/lib t/013-return-errorpage.t
#   TEST_NGINX_BINARY=/usr/sbin/nginx prove -It/lib t/013-return-errorpage.t
#
# Redirect Location headers are made absolute by nginx from the Host header
# and the port of the listening socket ($ServerPort in expectations).

use Test::Nginx::Socket;

repeat_each(1);
plan tests => repeat_each() * 116;   # see the counting rules in Socket.pm
no_long_string();
run_tests();

__DATA__

=== TEST 1: return CODE "text": the text is the body, Content-Type is default_type, Content-Length is set
--- config
    location = /t { return 200 "hello\n"; }
--- request
GET /t
--- response_body
hello
--- response_headers
Content-Type: text/plain
Content-Length: 6
--- no_error_log
[error]



=== TEST 2: return CODE "text with variables"
--- config
    location /t/ { return 200 "uri=$uri args=$args x=$arg_x host=$host method=$request_method\n"; }
--- request
GET /t/a%20b?x=1&y=2
--- response_body
uri=/t/a b args=x=1&y=2 x=1 host=localhost method=GET



=== TEST 3: return with a text and other status codes: the text replaces the error page
--- config
    location = /c201 { return 201 "created\n"; }
    location = /c404 { return 404 "nope\n"; }
    location = /c503 { return 503 "busy\n"; }
--- request eval
["GET /c201", "GET /c404", "GET /c503"]
--- error_code eval
[201, 404, 503]
--- response_body eval
["created\n", "nope\n", "busy\n"]
--- response_headers eval
["Content-Type: text/plain", "Content-Type: text/plain", "Content-Type: text/plain"]



=== TEST 4: return 404 without text: default error page (text/html)
--- config
    location = /t { return 404; }
--- request
GET /t
--- error_code: 404
--- response_headers
Content-Type: text/html
--- response_body_like eval
qr{\A<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>\S+</center>\r\n</body>\r\n</html>\r\n\z}



=== TEST 5: return 403, 502, 503 without text: their default error pages
--- config
    location = /c403 { return 403; }
    location = /c502 { return 502; }
    location = /c503 { return 503; }
--- request eval
["GET /c403", "GET /c502", "GET /c503"]
--- error_code eval
[403, 502, 503]
--- response_body_like eval
[qr{<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden</h1></center>}, qr{<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>}, qr{<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>}]
--- raw_response_headers_like eval
[qr{\AHTTP/1\.1 403 Forbidden\r\n}, qr{\AHTTP/1\.1 502 Bad Gateway\r\n}, qr{\AHTTP/1\.1 503 Service Temporarily Unavailable\r\n}]



=== TEST 6: return 204: no body, no Content-Length, no Content-Type
--- config
    location = /t { return 204; }
--- raw_request eval
"GET /t HTTP/1.1\r
Host: localhost\r
\r
GET /t HTTP/1.1\r
Host: localhost\r
Connection: close\r
\r
"
--- http09
--- response_body_like eval
qr{\AHTTP/1\.1 204 No Content\r\n(?:(?!Content-Length|Content-Type|Transfer-Encoding)[^\r\n]+\r\n)*\r\nHTTP/1\.1 204 No Content\r\n(?:[^\r\n]+\r\n)*\r\n\z}



=== TEST 7: return 200 without text: an empty 200 response
--- config
    location = /t { return 200; }
--- request
GET /t
--- error_code: 200
--- response_body
--- response_headers
Content-Length: 0



=== TEST 8: return 301 /path: the Location is made absolute (scheme, Host, port); the body is the 301 page
--- config
    location = /t { return 301 /path?a=b; }
--- request
GET /t
--- error_code: 301
--- response_headers
Location: http://localhost:$ServerPort/path?a=b
Content-Type: text/html
--- response_body_like eval
qr{<head><title>301 Moved Permanently</title></head>\r\n<body>\r\n<center><h1>301 Moved Permanently</h1></center>}



=== TEST 9: return 301 /path: the host of the Location comes from the Host header
--- config
    location = /t { return 301 /path; }
--- request
GET /t
--- more_headers
Host: www.example.org
--- error_code: 301
--- response_headers
Location: http://www.example.org:$ServerPort/path



=== TEST 10: absolute_redirect off: the Location is left relative
--- config
    absolute_redirect off;
    location = /t { return 301 /path; }
--- request
GET /t
--- error_code: 301
--- response_headers
Location: /path



=== TEST 11: port_in_redirect off: no port in the Location
--- config
    port_in_redirect off;
    location = /t { return 301 /path; }
--- request
GET /t
--- error_code: 301
--- response_headers
Location: http://localhost/path



=== TEST 12: return 302 http://x/: the Location is kept as is; the 302 page says "302 Found"
--- config
    location = /t { return 302 http://x/; }
--- request
GET /t
--- error_code: 302
--- response_headers
Location: http://x/
--- raw_response_headers_like eval
qr{\AHTTP/1\.1 302 Moved Temporarily\r\n}
--- response_body_like eval
qr{<head><title>302 Found</title></head>\r\n<body>\r\n<center><h1>302 Found</h1></center>}



=== TEST 13: return URL (one argument, http:// or https://): a 302 redirect
--- config
    location = /t { return https://example.com/x?y=$arg_y; }
--- request
GET /t?y=1
--- error_code: 302
--- response_headers
Location: https://example.com/x?y=1



=== TEST 14: return 303, 307, 308 with a URL; variables in the URL
--- config
    location = /c303 { return 303 http://x/303; }
    location = /c307 { return 307 http://x$uri; }
    location = /c308 { return 308 /p308; }
--- request eval
["GET /c303", "GET /c307", "GET /c308"]
--- error_code eval
[303, 307, 308]
--- response_headers eval
["Location: http://x/303", "Location: http://x/c307", "Location: http://localhost:$ServerPort/p308"]
--- raw_response_headers_like eval
[qr{\AHTTP/1\.1 303 See Other\r\n}, qr{\AHTTP/1\.1 307 Temporary Redirect\r\n}, qr{\AHTTP/1\.1 308 Permanent Redirect\r\n}]



=== TEST 15: server-level return wins over every location
--- config
    return 200 "server-level uri=$uri\n";
    location = /a { return 200 "a\n"; }
--- request eval
["GET /a", "GET /b"]
--- response_body eval
["server-level uri=/a\n", "server-level uri=/b\n"]



=== TEST 16: server-level return of a redirect
--- config
    return 301 https://example.com$request_uri;
    location = /a { return 200 "a\n"; }
--- request
GET /a?b=c
--- error_code: 301
--- response_headers
Location: https://example.com/a?b=c



=== TEST 17: error_page to a URI: internal redirect, the status stays 404
--- config
    location = /t {
        error_page 404 /err;
        return 404;
    }
    location = /err { return 200 "custom error page uri=$uri\n"; }
--- request
GET /t
--- error_code: 404
--- response_body
custom error page uri=/err



=== TEST 18: error_page with =200: the status is replaced
--- config
    location = /t {
        error_page 404 =200 /err;
        return 404;
    }
    location = /err { return 200 "replaced\n"; }
--- request
GET /t
--- error_code: 200
--- response_body
replaced



=== TEST 19: error_page with "=" and no code: the status of the error page is used
--- config
    location = /t {
        error_page 404 = /err;
        return 404;
    }
    location = /err { return 201 "from err\n"; }
--- request
GET /t
--- error_code: 201
--- response_body
from err



=== TEST 20: error_page for several codes, set at server level and inherited by the locations
--- config
    error_page 500 502 503 504 /50x;
    location = /c500 { return 500; }
    location = /c503 { return 503; }
    location = /c404 { return 404; }
    location = /50x { return 200 "50x page for $status\n"; }
--- request eval
["GET /c500", "GET /c503", "GET /c404"]
--- error_code eval
[500, 503, 404]
--- response_body_like eval
[qr{\A50x page for 500\n\z}, qr{\A50x page for 503\n\z}, qr{<center><h1>404 Not Found</h1></center>}]



=== TEST 21: error_page to a URL: a 302 redirect to it
--- config
    location = /t {
        error_page 404 http://example.com/notfound;
        return 404;
    }
--- request
GET /t
--- error_code: 302
--- response_headers
Location: http://example.com/notfound



=== TEST 22: error_page to a URL with =301
--- config
    location = /t {
        error_page 404 =301 http://example.com/moved;
        return 404;
    }
--- request
GET /t
--- error_code: 301
--- response_headers
Location: http://example.com/moved



=== TEST 23: error_page does not apply to "return CODE text"
--- config
    location = /t {
        error_page 404 /err;
        return 404 "own text\n";
    }
    location = /err { return 200 "error page\n"; }
--- request
GET /t
--- error_code: 404
--- response_body
own text



=== TEST 24: error_page to a named location
--- config
    location = /t {
        error_page 403 @denied;
        return 403;
    }
    location @denied { return 200 "denied uri=$uri\n"; }
--- request
GET /t
--- error_code: 403
--- response_body
denied uri=/t



=== TEST 25: add_header: added on 200, not on 404 without "always", added on 404 with "always"
--- config
    location /t/ {
        add_header X-Plain plain;
        add_header X-Always always always;
        return 200 "ok\n";
    }
    location /nf/ {
        add_header X-Plain plain;
        add_header X-Always always always;
        return 404;
    }
--- request eval
["GET /t/", "GET /nf/"]
--- error_code eval
[200, 404]
--- response_headers eval
["X-Plain: plain\nX-Always: always", "!X-Plain\nX-Always: always"]



=== TEST 26: add_header applies to 201, 204, 301, 302 and not to 400, 500 (without always)
--- config
    add_header X-Srv srv;
    location = /c201 { return 201 "c\n"; }
    location = /c204 { return 204; }
    location = /c301 { return 301 /x; }
    location = /c302 { return 302 http://x/; }
    location = /c400 { return 400; }
    location = /c500 { return 500; }
--- request eval
["GET /c201", "GET /c204", "GET /c301", "GET /c302", "GET /c400", "GET /c500"]
--- error_code eval
[201, 204, 301, 302, 400, 500]
--- response_headers eval
["X-Srv: srv", "X-Srv: srv", "X-Srv: srv", "X-Srv: srv", "!X-Srv", "!X-Srv"]



=== TEST 27: add_header with variables; an empty value adds no header
--- config
    location /t/ {
        add_header X-Uri $uri;
        add_header X-Arg "a=$arg_a";
        add_header X-Empty $arg_none;
        return 200 "ok\n";
    }
--- request
GET /t/x?a=1
--- response_headers
X-Uri: /t/x
X-Arg: a=1
!X-Empty



=== TEST 28: add_header inheritance: a location with its own add_header drops the server-level ones
--- config
    add_header X-Server srv;
    location = /inherit { return 200 "i\n"; }
    location = /own {
        add_header X-Own own;
        return 200 "o\n";
    }
--- request eval
["GET /inherit", "GET /own"]
--- response_headers eval
["X-Server: srv\n!X-Own", "X-Own: own\n!X-Server"]



=== TEST 29: add_header with always on the error page of a 500, and on the page served by error_page
--- config
    location = /t {
        add_header X-Always yes always;
        return 500;
    }
    location = /t2 {
        error_page 500 /err;
        return 500;
    }
    location = /err {
        add_header X-Err-Page yes;
        return 200 "err page\n";
    }
--- request eval
["GET /t", "GET /t2"]
--- error_code eval
[500, 500]
--- response_headers eval
["X-Always: yes", "!X-Err-Page"]
