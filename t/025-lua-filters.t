# header_filter_by_lua* and body_filter_by_lua*: rewriting response headers
# and bodies (ngx.arg[1], ngx.arg[2]), truncating them, filters over Lua,
# "return" and static responses, errors, ngx.exit in a header filter and
# the APIs filters do not allow. Every block also passes on nginx +
# lua-nginx-module:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/025-lua-filters.t

use Test::Nginx::Socket 'no_plan';

no_long_string();
run_tests();

__DATA__

=== TEST 1: header_filter_by_lua adds a header to a Lua response
--- config
    location /t {
        content_by_lua_block { ngx.say("hello") }
        header_filter_by_lua_block { ngx.header["X-Filtered"] = "yes" }
    }
--- request
GET /t
--- response_headers
X-Filtered: yes
--- response_body
hello
--- no_error_log
[error]



=== TEST 2: header_filter_by_lua over "return"
--- config
    location /t {
        return 200 "returned\n";
        header_filter_by_lua_block { ngx.header["X-Status"] = ngx.status }
    }
--- request
GET /t
--- response_headers
X-Status: 200
--- response_body
returned
--- no_error_log
[error]



=== TEST 3: header_filter_by_lua over a static file
--- config
    location = /file.txt {
        root html;
        header_filter_by_lua_block {
            ngx.header["X-Type"] = ngx.header.content_type
            ngx.header["X-Length"] = ngx.header.content_length
        }
    }
--- user_files
>>> file.txt
abcdef
--- request
GET /file.txt
--- response_headers
X-Type: text/plain
X-Length: 7
--- response_body
abcdef
--- no_error_log
[error]



=== TEST 4: header_filter_by_lua changes the status
--- config
    location /t {
        content_by_lua_block { ngx.say("made") }
        header_filter_by_lua_block { ngx.status = 201 }
    }
--- request
GET /t
--- error_code: 201
--- response_body
made
--- no_error_log
[error]



=== TEST 5: header_filter_by_lua removes a header content set
--- config
    location /t {
        content_by_lua_block {
            ngx.header["X-Secret"] = "hidden"
            ngx.header["X-Public"] = "shown"
            ngx.say("ok")
        }
        header_filter_by_lua_block { ngx.header["X-Secret"] = nil }
    }
--- request
GET /t
--- response_headers
!X-Secret
X-Public: shown
--- response_body
ok
--- no_error_log
[error]



=== TEST 6: header_filter_by_lua sees the error page's status
--- config
    location /t {
        access_by_lua_block { ngx.exit(403) }
        header_filter_by_lua_block { ngx.header["X-Seen-Status"] = ngx.status }
    }
--- request
GET /t
--- error_code: 403
--- response_headers
X-Seen-Status: 403
--- response_body_like: 403 Forbidden
--- no_error_log
[error]



=== TEST 7: header_filter_by_lua inherited from server{}
--- config
    header_filter_by_lua_block { ngx.header["X-Server-Filter"] = "1" }
    location /t {
        return 200 "ok\n";
    }
    location /u {
        header_filter_by_lua_block { ngx.header["X-Own-Filter"] = "1" }
        return 200 "ok\n";
    }
--- request eval
["GET /t", "GET /u"]
--- response_headers eval
["X-Server-Filter: 1", "X-Own-Filter: 1"]
--- no_error_log
[error]



=== TEST 8: header_filter_by_lua_file
--- config
    location /t {
        return 200 "ok\n";
        header_filter_by_lua_file html/hf.lua;
    }
--- user_files
>>> hf.lua
ngx.header["X-From-File"] = "hf"
--- request
GET /t
--- response_headers
X-From-File: hf
--- no_error_log
[error]



=== TEST 9: an error in header_filter_by_lua
--- config
    location /t {
        content_by_lua_block { ngx.say("x") }
        header_filter_by_lua_block {
            error("header boom")
        }
    }
--- request
GET /t
--- ignore_response
--- error_log eval
qr/failed to run header_filter_by_lua\*: header_filter_by_lua\(nginx\.conf:\d+\):2: header boom/
--- timeout: 1



=== TEST 10: ngx.exit(403) in header_filter_by_lua replaces the response
--- config
    location /t {
        content_by_lua_block { ngx.say("the original body") }
        header_filter_by_lua_block {
            if ngx.status == 200 then
                ngx.exit(403)
            end
        }
    }
--- request
GET /t
--- error_code: 403
--- response_body_like: 403 Forbidden
--- response_body_unlike: original
--- no_error_log
[error]



=== TEST 11: ngx.exit in header_filter_by_lua returns, the filter goes on
--- config
    location /t {
        content_by_lua_block { ngx.say("the original body") }
        header_filter_by_lua_block {
            if ngx.status == 200 then
                ngx.exit(404)
                ngx.log(ngx.WARN, "after exit in header filter")
            end
        }
    }
--- request
GET /t
--- error_code: 404
--- response_body_like: 404 Not Found
--- error_log
after exit in header filter



=== TEST 12: ngx.exit(ngx.OK) in header_filter_by_lua changes nothing
--- config
    location /t {
        content_by_lua_block { ngx.say("kept") }
        header_filter_by_lua_block {
            ngx.header["X-Before-Exit"] = "1"
            ngx.exit(ngx.OK)
        }
    }
--- request
GET /t
--- response_headers
X-Before-Exit: 1
--- response_body
kept
--- no_error_log
[error]



=== TEST 13: ngx.say is disabled in header_filter_by_lua
--- config
    location /t {
        content_by_lua_block { ngx.say("x") }
        header_filter_by_lua_block { ngx.say("y") }
    }
--- request
GET /t
--- ignore_response
--- error_log
API disabled in the context of header_filter_by_lua*
--- timeout: 1



=== TEST 14: body_filter_by_lua rewrites the body
--- config
    location /t {
        content_by_lua_block { ngx.say("hello world") }
        body_filter_by_lua_block { ngx.arg[1] = string.upper(ngx.arg[1]) }
    }
--- request
GET /t
--- response_body
HELLO WORLD
--- no_error_log
[error]



=== TEST 15: body_filter_by_lua appends at the end (ngx.arg[2])
--- config
    location /t {
        content_by_lua_block { ngx.say("body") }
        body_filter_by_lua_block {
            if ngx.arg[2] then
                ngx.arg[1] = ngx.arg[1] .. "appended\n"
            end
        }
    }
--- request
GET /t
--- response_body
body
appended
--- no_error_log
[error]



=== TEST 16: body_filter_by_lua truncates the body with ngx.arg[2] = true
--- config
    location /t {
        content_by_lua_block {
            ngx.say("line 1")
            ngx.flush()
            ngx.say("line 2")
            ngx.say("line 3")
        }
        body_filter_by_lua_block {
            if string.find(ngx.arg[1], "line 2", 1, true) then
                ngx.arg[1] = "cut here\n"
                ngx.arg[2] = true
            end
        }
    }
--- request
GET /t
--- response_body
line 1
cut here
--- no_error_log
[error]



=== TEST 17: body_filter_by_lua drops chunks (ngx.arg[1] = nil)
--- config
    location /t {
        content_by_lua_block {
            ngx.say("keep")
            ngx.flush()
            ngx.say("drop")
        }
        body_filter_by_lua_block {
            if string.find(ngx.arg[1], "drop", 1, true) then
                ngx.arg[1] = nil
            end
        }
    }
--- request
GET /t
--- response_body
keep
--- no_error_log
[error]



=== TEST 18: body_filter_by_lua with a table for ngx.arg[1]
--- config
    location /t {
        content_by_lua_block { ngx.say("x") }
        body_filter_by_lua_block {
            if ngx.arg[1] ~= "" then
                ngx.arg[1] = { "a", "b", { "c", 1 }, "\n" }
            end
        }
    }
--- request
GET /t
--- response_body
abc1
--- no_error_log
[error]



=== TEST 19: a body filter that changes the length clears Content-Length itself
--- config
    location /t {
        return 200 "short\n";
        header_filter_by_lua_block { ngx.header.content_length = nil }
        body_filter_by_lua_block {
            ngx.arg[1] = string.gsub(ngx.arg[1], "short", "much longer")
        }
    }
--- request
GET /t
--- response_headers
!Content-Length
--- response_body
much longer
--- no_error_log
[error]



=== TEST 20: a body filter keeping the length keeps Content-Length
--- config
    location /t {
        return 200 "abc\n";
        body_filter_by_lua_block { ngx.arg[1] = string.upper(ngx.arg[1]) }
    }
--- request
GET /t
--- response_headers
Content-Length: 4
--- response_body
ABC
--- no_error_log
[error]



=== TEST 21: body_filter_by_lua over a static file
--- config
    location = /file.txt {
        root html;
        header_filter_by_lua_block { ngx.header.content_length = nil }
        body_filter_by_lua_block {
            ngx.arg[1] = string.gsub(ngx.arg[1], "world", "moxy")
        }
    }
--- user_files
>>> file.txt
hello world
--- request
GET /file.txt
--- response_body
hello moxy
--- no_error_log
[error]



=== TEST 22: body_filter_by_lua buffers the body and emits it at the end
--- config
    location /t {
        content_by_lua_block {
            for i = 1, 3 do
                ngx.say("chunk ", i)
                ngx.flush()
            end
        }
        body_filter_by_lua_block {
            local ctx = ngx.ctx
            ctx.buf = (ctx.buf or "") .. ngx.arg[1]
            if ngx.arg[2] then
                ngx.arg[1] = "[" .. string.gsub(ctx.buf, "\n", ";") .. "]\n"
            else
                ngx.arg[1] = nil
            end
        }
    }
--- request
GET /t
--- response_body
[chunk 1;chunk 2;chunk 3;]
--- no_error_log
[error]



=== TEST 23: body_filter_by_lua is called for every chunk
--- config
    location /t {
        content_by_lua_block {
            ngx.say("a")
            ngx.flush()
            ngx.say("b")
        }
        body_filter_by_lua_block {
            ngx.ctx.calls = (ngx.ctx.calls or 0) + 1
            if ngx.arg[2] then
                ngx.log(ngx.WARN, "eof seen at call ", ngx.ctx.calls)
            end
        }
    }
--- request
GET /t
--- response_body
a
b
--- error_log eval
qr/eof seen at call \d+/
--- no_error_log
[error]



=== TEST 24: an error in body_filter_by_lua
--- config
    location /t {
        content_by_lua_block { ngx.say("x") }
        body_filter_by_lua_block {
            error("body boom")
        }
    }
--- request
GET /t
--- ignore_response
--- error_log eval
qr/failed to run body_filter_by_lua\*: body_filter_by_lua\(nginx\.conf:\d+\):2: body boom/
--- timeout: 1



=== TEST 25: ngx.exit is disabled in body_filter_by_lua
--- config
    location /t {
        content_by_lua_block { ngx.say("x") }
        body_filter_by_lua_block { ngx.exit(200) }
    }
--- request
GET /t
--- ignore_response
--- error_log
API disabled in the context of body_filter_by_lua*
--- timeout: 1



=== TEST 26: ngx.say is disabled in body_filter_by_lua
--- config
    location /t {
        content_by_lua_block { ngx.say("x") }
        body_filter_by_lua_block { ngx.say("y") }
    }
--- request
GET /t
--- ignore_response
--- error_log
API disabled in the context of body_filter_by_lua*
--- timeout: 1



=== TEST 27: ngx.arg[3] is nil in a body filter
--- config
    location /t {
        content_by_lua_block { ngx.say("x") }
        body_filter_by_lua_block {
            if ngx.arg[2] then
                ngx.log(ngx.WARN, "arg 3: ", tostring(ngx.arg[3]))
            end
        }
    }
--- request
GET /t
--- response_body
x
--- error_log
arg 3: nil



=== TEST 28: body_filter_by_lua sees the error page
--- config
    location /t {
        access_by_lua_block { ngx.exit(404) }
        header_filter_by_lua_block { ngx.header.content_length = nil }
        body_filter_by_lua_block {
            ngx.arg[1] = string.gsub(ngx.arg[1], "Not Found", "Gone Away")
        }
    }
--- request
GET /t
--- error_code: 404
--- response_body_like: 404 Gone Away
--- no_error_log
[error]



=== TEST 29: body_filter_by_lua_file and inheritance from http{}
--- http_config
    body_filter_by_lua_file html/bf.lua;
--- config
    location /t {
        content_by_lua_block { ngx.say("lower") }
    }
--- user_files
>>> bf.lua
ngx.arg[1] = string.upper(ngx.arg[1])
--- request
GET /t
--- response_body
LOWER
--- no_error_log
[error]



=== TEST 30: ngx.header cannot be set in body_filter_by_lua
--- config
    location /t {
        content_by_lua_block { ngx.say("x") }
        body_filter_by_lua_block { ngx.header["X-Late"] = "1" }
    }
--- request
GET /t
--- response_headers
!X-Late
--- response_body
x
--- error_log
attempt to set ngx.header.HEADER after sending out response headers



=== TEST 31: filters see a large response in pieces
--- config
    location /t {
        content_by_lua_block {
            local s = string.rep("b", 1000)
            for i = 1, 50 do
                ngx.print(s)
            end
        }
        body_filter_by_lua_block {
            ngx.ctx.total = (ngx.ctx.total or 0) + #ngx.arg[1]
            ngx.arg[1] = string.gsub(ngx.arg[1], "b", "c")
            if ngx.arg[2] then
                ngx.log(ngx.WARN, "total ", ngx.ctx.total)
            end
        }
    }
--- request
GET /t
--- response_body eval
"c" x 50000
--- error_log
total 50000
--- no_error_log
[error]



=== TEST 32: header and body filters on a HEAD request
--- config
    location /t {
        content_by_lua_block { ngx.say("body") }
        header_filter_by_lua_block { ngx.header["X-Head"] = ngx.req.get_method() }
        body_filter_by_lua_block { ngx.arg[1] = string.upper(ngx.arg[1]) }
    }
--- request
HEAD /t
--- response_headers
X-Head: HEAD
--- response_body
--- no_error_log
[error]



=== TEST 33: ngx.var in filters
--- config
    location /t {
        content_by_lua_block { ngx.say("uri") }
        header_filter_by_lua_block { ngx.header["X-Uri"] = ngx.var.uri }
        body_filter_by_lua_block {
            if ngx.arg[2] then
                ngx.arg[1] = ngx.arg[1] .. ngx.var.request_method .. "\n"
            end
        }
    }
--- request
GET /t
--- response_headers
X-Uri: /t
--- response_body
uri
GET
--- no_error_log
[error]



=== TEST 34: ngx.exit(status) in a header filter goes to the location's error_page
--- config
    location /t {
        error_page 403 /err;
        content_by_lua_block { ngx.say("body") }
        header_filter_by_lua_block { ngx.exit(403) }
    }
    location = /err { return 200 "error page\n"; }
--- request
GET /t
--- error_code: 403
--- response_body
error page



=== TEST 35: ... to a named location, for a static file too
--- config
    location /static/ {
        root html;
        error_page 404 @missing;
        header_filter_by_lua_block { ngx.exit(404) }
    }
    location @missing {
        content_by_lua_block { ngx.say("named page for ", ngx.var.uri) }
    }
--- user_files
>>> static/f.txt
file
--- request
GET /static/f.txt
--- error_code: 404
--- response_body
named page for /static/f.txt



=== TEST 36: ... for a proxied response
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "from upstream\n"; }
    }
--- config
    location /t {
        error_page 502 = /err;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        header_filter_by_lua_block { ngx.exit(502) }
    }
    location = /err { return 200 "replaced\n"; }
--- request
GET /t
--- error_code: 200
--- response_body
replaced
