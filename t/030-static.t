# Static files, index files and directory redirects (nginx's static and
# index modules), conditional requests, MIME types.
#   prove -It/lib t/030-static.t
#   TEST_NGINX_BINARY=/usr/sbin/nginx prove -It/lib t/030-static.t

use Test::Nginx::Socket;

repeat_each(2);
plan tests => repeat_each() * 108;   # see the counting rules in Socket.pm
no_long_string();
run_tests();

__DATA__

=== TEST 1: a file: body, length, type by extension, validators
--- config
    location /s/ {
        root $TEST_NGINX_HTML_DIR;
        types {
            text/css css;
            application/javascript js;
        }
    }
--- user_files
>>> s/a.css 201408310300.12
body { color: red }
--- request
GET /s/a.css
--- response_body
body { color: red }
--- response_headers
Content-Type: text/css
Content-Length: 20
Last-Modified: Sun, 31 Aug 2014 03:00:12 GMT
ETag: "54028fbc-14"
--- no_error_log
[error]



=== TEST 2: unknown extension: default_type; the extension is case-insensitive
--- config
    location /s/ {
        root $TEST_NGINX_HTML_DIR;
        default_type application/x-test;
        types {
            text/css css;
        }
    }
--- user_files
>>> s/a.zzz
zzz
>>> s/B.CSS
upper
>>> s/noext
none
--- request eval
["GET /s/a.zzz", "GET /s/B.CSS", "GET /s/noext"]
--- response_body eval
["zzz\n", "upper\n", "none\n"]
--- response_headers eval
["Content-Type: application/x-test", "Content-Type: text/css",
 "Content-Type: application/x-test"]
--- no_error_log
[error]



=== TEST 3: nginx's built-in types when no types block is given
--- config
    location /s/ {
        root $TEST_NGINX_HTML_DIR;
    }
--- user_files
>>> s/page.html
<p>hi</p>
--- request
GET /s/page.html
--- response_body
<p>hi</p>
--- response_headers
Content-Type: text/html
--- no_error_log
[error]



=== TEST 4: a missing file is a 404 with nginx's error log line
--- config
    location /s/ {
        root $TEST_NGINX_HTML_DIR;
    }
--- request
GET /s/missing.txt
--- error_code: 404
--- response_body_like: 404 Not Found
--- error_log eval
qr{\[error\] .*open\(\) "[^"]*/html/s/missing\.txt" failed \(2: No such file or directory\)}



=== TEST 5: a path through a file is a 404 (ENOTDIR)
--- config
    location /s/ {
        root $TEST_NGINX_HTML_DIR;
    }
--- user_files
>>> s/f.txt
f
--- request
GET /s/f.txt/x
--- error_code: 404
--- error_log eval
qr{\[error\] .*open\(\) "[^"]*/html/s/f\.txt/x" failed \(20: Not a directory\)}



=== TEST 6: a directory without the slash: 301 to the slash, with args
--- config
    location /s/ {
        root $TEST_NGINX_HTML_DIR;
    }
--- user_files
>>> s/dir/index.html
index
--- request eval
["GET /s/dir", "GET /s/dir?a=1&b=2"]
--- error_code eval
[301, 301]
--- raw_response_headers_like eval
["Location: http://localhost:\\d+/s/dir/\r\n",
 "Location: http://localhost:\\d+/s/dir/\\?a=1&b=2\r\n"]
--- response_body_like eval
["301 Moved Permanently", "301 Moved Permanently"]
--- no_error_log
[error]



=== TEST 7: a directory with the slash: the index file
--- config
    location /s/ {
        root $TEST_NGINX_HTML_DIR;
    }
--- user_files
>>> s/dir/index.html
the index
--- request
GET /s/dir/
--- response_body
the index
--- response_headers
Content-Type: text/html
--- no_error_log
[error]



=== TEST 8: index files are tried in order; the first that exists wins
--- config
    location /s/ {
        root $TEST_NGINX_HTML_DIR;
        index nope.html second.txt third.txt;
    }
--- user_files
>>> s/dir/second.txt
second
>>> s/dir/third.txt
third
--- request
GET /s/dir/?x=1
--- response_body
second
--- response_headers
Content-Type: text/plain
--- no_error_log
[error]



=== TEST 9: the index redirect is internal: the new uri is matched again
--- config
    location /s/ {
        root $TEST_NGINX_HTML_DIR;
    }
    location = /s/dir/index.html {
        return 200 "matched $uri\n";
    }
--- user_files
>>> s/dir/index.html
the file
--- request
GET /s/dir/
--- response_body
matched /s/dir/index.html
--- no_error_log
[error]



=== TEST 10: a directory without index file: 403
--- config
    location /s/ {
        root $TEST_NGINX_HTML_DIR;
    }
--- user_files
>>> s/empty/x.txt
x
--- request
GET /s/empty/
--- error_code: 403
--- response_body_like: 403 Forbidden
--- error_log eval
qr{\[error\] .*directory index of "[^"]*/html/s/empty/" is forbidden}



=== TEST 11: a missing directory with the slash: 404
--- config
    location /s/ {
        root $TEST_NGINX_HTML_DIR;
    }
--- request
GET /s/nodir/
--- error_code: 404
--- error_log eval
qr{\[error\] .*"[^"]*/html/s/nodir/index\.html" is not found \(2: No such file or directory\)}



=== TEST 12: methods: HEAD has no body, POST and PUT are 405
--- config
    location /s/ {
        root $TEST_NGINX_HTML_DIR;
    }
--- user_files
>>> s/m.txt
method
--- request eval
["HEAD /s/m.txt", "POST /s/m.txt\nbody", "PUT /s/m.txt\nbody"]
--- error_code eval
[200, 405, 405]
--- response_headers eval
["Content-Length: 7", "Content-Type: text/html", "Content-Type: text/html"]
--- response_body eval
["", qr/405 Not Allowed/, qr/405 Not Allowed/]
--- no_error_log
[error]



=== TEST 13: POST to a missing file is a 404 (the file is looked for first)
--- config
    location /s/ {
        root $TEST_NGINX_HTML_DIR;
    }
--- request
POST /s/none.txt
body
--- error_code: 404
--- error_log
open() "



=== TEST 14: If-Modified-Since equal to the mtime: 304 without a body
--- config
    location /s/ {
        root $TEST_NGINX_HTML_DIR;
    }
--- user_files
>>> s/c.txt 201408310300.12
cached
--- request
GET /s/c.txt
--- more_headers
If-Modified-Since: Sun, 31 Aug 2014 03:00:12 GMT
--- error_code: 304
--- response_headers
ETag: "54028fbc-7"
Last-Modified: Sun, 31 Aug 2014 03:00:12 GMT
!Content-Length
--- response_body
--- no_error_log
[error]



=== TEST 15: If-Modified-Since another date: the file (if_modified_since exact)
--- config
    location /s/ {
        root $TEST_NGINX_HTML_DIR;
    }
--- user_files
>>> s/c.txt 201408310300.12
cached
--- request
GET /s/c.txt
--- more_headers
If-Modified-Since: Mon, 01 Sep 2014 03:00:12 GMT
--- error_code: 200
--- response_body
cached
--- no_error_log
[error]



=== TEST 16: If-None-Match: 304 for the ETag (or a weak one), 200 otherwise
--- config
    location /s/ {
        root $TEST_NGINX_HTML_DIR;
    }
--- user_files
>>> s/e.txt 201408310300.12
etag
--- request eval
["GET /s/e.txt", "GET /s/e.txt", "GET /s/e.txt", "GET /s/e.txt"]
--- more_headers eval
["If-None-Match: \"54028fbc-5\"", "If-None-Match: \"x\", W/\"54028fbc-5\"",
 "If-None-Match: \"nope\"", "If-None-Match: *"]
--- error_code eval
[304, 304, 200, 304]
--- no_error_log
[error]



=== TEST 17: If-Match and If-Unmodified-Since failing: 412
--- config
    location /s/ {
        root $TEST_NGINX_HTML_DIR;
    }
--- user_files
>>> s/p.txt 201408310300.12
precond
--- request eval
["GET /s/p.txt", "GET /s/p.txt", "GET /s/p.txt"]
--- more_headers eval
["If-Match: \"other\"", "If-Unmodified-Since: Sat, 30 Aug 2014 03:00:12 GMT",
 "If-Match: \"54028fbc-8\""]
--- error_code eval
[412, 412, 200]
--- no_error_log
[error]



=== TEST 18: an empty file
--- config
    location /s/ {
        root $TEST_NGINX_HTML_DIR;
    }
--- user_files
>>> s/empty.txt
--- request
GET /s/empty.txt
--- response_body
--- response_headers
Content-Length: 0
--- no_error_log
[error]



=== TEST 19: a larger file arrives whole
--- config
    location /s/ {
        root $TEST_NGINX_HTML_DIR;
    }
--- user_files eval
[["s/big.txt", "0123456789abcdef" x 65536]]
--- request
GET /s/big.txt
--- response_body eval
"0123456789abcdef" x 65536
--- response_headers
Content-Length: 1048576
--- no_error_log
[error]



=== TEST 20: escaped characters in the uri map to the file name
--- config
    location /s/ {
        root $TEST_NGINX_HTML_DIR;
    }
--- user_files
>>> s/a+b.txt
plus
--- request
GET /s/a%2Bb.t%78t
--- response_body
plus
--- no_error_log
[error]



=== TEST 21: dot segments are resolved and cannot leave the root
--- config
    location /s/ {
        root $TEST_NGINX_HTML_DIR;
    }
--- user_files
>>> s/in.txt
in
--- request eval
["GET /../secret.txt", "GET /s/../../secret.txt", "GET /s/x/../in.txt",
 "GET /s/%2E%2E/s/in.txt"]
--- error_code eval
[400, 400, 200, 200]
--- response_body_like eval
["400 Bad Request", "400 Bad Request", "^in\n\\z", "^in\n\\z"]
