# ngx.req and the request body: read_body, discard_body, get_body_data,
# get_body_file, get_post_args, set_body_data, set_body_file, init_body,
# append_body, finish_body. Every block also passes on nginx +
# lua-nginx-module:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/028-lua-req-body.t
#
# Skipped on a moxy that lacks what they need: "(needs rewrite_by_lua)",
# "(needs access_by_lua)", and "(needs mx_http_lua_wakeup)" for bodies
# that arrive after the handler started.

use Test::Nginx::Socket 'no_plan';

no_long_string();
run_tests();

__DATA__

=== TEST 1: read_body, then get_body_data
--- config
    location /t {
        content_by_lua_block {
            ngx.req.read_body()
            ngx.say("[", ngx.req.get_body_data(), "]")
            ngx.say(tostring(ngx.req.get_body_file()))
        }
    }
--- request
POST /t
hello, world
--- response_body
[hello, world]
nil
--- no_error_log
[error]



=== TEST 2: before read_body there is no body
--- config
    location /t {
        content_by_lua_block {
            ngx.say(tostring(ngx.req.get_body_data()), " ",
                    tostring(ngx.req.get_body_file()))
        }
    }
--- request
POST /t
hello
--- response_body
nil nil
--- no_error_log
[error]



=== TEST 3: read_body without a body
--- config
    location /t {
        content_by_lua_block {
            ngx.req.read_body()
            ngx.say(tostring(ngx.req.get_body_data()))
            ngx.req.read_body()
            ngx.say("again")
        }
    }
--- request
GET /t
--- response_body
nil
again
--- no_error_log
[error]



=== TEST 4: an empty body
--- config
    location /t {
        content_by_lua_block {
            ngx.req.read_body()
            ngx.say(tostring(ngx.req.get_body_data()))
            local args = ngx.req.get_post_args()
            ngx.say(next(args) == nil)
        }
    }
--- request
POST /t
--- more_headers
Content-Length: 0
--- response_body
nil
true
--- no_error_log
[error]



=== TEST 5: a chunked body is joined
--- config
    location /t {
        content_by_lua_block {
            ngx.req.read_body()
            ngx.say("[", ngx.req.get_body_data(), "]")
            ngx.say(ngx.req.get_post_args().b)
        }
    }
--- raw_request eval
"POST /t HTTP/1.1\r
Host: localhost\r
Transfer-Encoding: chunked\r
Connection: close\r
\r
4\r
a=1&\r
5\r
b=hel\r
2\r
lo\r
0\r
\r
"
--- response_body
[a=1&b=hello]
hello
--- no_error_log
[error]



=== TEST 6: the wrong number of arguments
--- config
    location /t {
        content_by_lua_block {
            local function try(f, ...)
                local ok, err = pcall(f, ...)
                ngx.say(ok, " ", err)
            end
            try(function () ngx.req.read_body(1) end)
            try(function () ngx.req.discard_body(nil) end)
            try(function () ngx.req.get_body_data(1) end)
            try(function () ngx.req.get_body_file(1, 2) end)
            try(function () ngx.req.get_post_args(1, 2) end)
            try(function () ngx.req.get_post_args("x") end)
            try(function () ngx.req.set_body_data() end)
            try(function () ngx.req.set_body_data(nil) end)
            try(function () ngx.req.set_body_data({}) end)
            try(function () ngx.req.set_body_file() end)
            try(function () ngx.req.init_body(1, 2) end)
            try(function () ngx.req.append_body() end)
            try(function () ngx.req.append_body(nil) end)
            try(function () ngx.req.finish_body(1) end)
        }
    }
--- request
GET /t
--- response_body_like
^false content_by_lua\(nginx.conf:\d+\):\d+: expecting 0 arguments but seen 1
false content_by_lua\(nginx.conf:\d+\):\d+: expecting 0 arguments but seen 1
false content_by_lua\(nginx.conf:\d+\):\d+: expecting 0 arguments but seen 1
false content_by_lua\(nginx.conf:\d+\):\d+: expecting 0 arguments but seen 2
false content_by_lua\(nginx.conf:\d+\):\d+: expecting 0 or 1 arguments but seen 2
false content_by_lua\(nginx.conf:\d+\):\d+: bad argument #1 to 'get_post_args' \(number expected, got string\)
false content_by_lua\(nginx.conf:\d+\):\d+: expecting 1 arguments but seen 0
false content_by_lua\(nginx.conf:\d+\):\d+: bad argument #1 to 'set_body_data' \(string expected, got nil\)
false content_by_lua\(nginx.conf:\d+\):\d+: bad argument #1 to 'set_body_data' \(string expected, got table\)
false content_by_lua\(nginx.conf:\d+\):\d+: expecting 1 or 2 arguments but seen 0
false content_by_lua\(nginx.conf:\d+\):\d+: expecting 0 or 1 argument but seen 2
false content_by_lua\(nginx.conf:\d+\):\d+: expecting 1 arguments but seen 0
false content_by_lua\(nginx.conf:\d+\):\d+: bad argument #1 to 'append_body' \(string expected, got nil\)
false content_by_lua\(nginx.conf:\d+\):\d+: expecting 0 argument but seen 1
--- no_error_log
[error]



=== TEST 7: get_post_args
--- config
    location /t {
        content_by_lua_block {
            ngx.req.read_body()
            local args = ngx.req.get_post_args()
            local keys = {}
            for k in pairs(args) do keys[#keys + 1] = k end
            table.sort(keys)
            for _, k in ipairs(keys) do
                local v = args[k]
                if type(v) == "table" then
                    v = table.concat(v, ",")
                end
                ngx.say(k, ": ", tostring(v))
            end
        }
    }
--- request
POST /t
a=1&b=x+y%20z&a=2&flag&&=empty&c=&d=%zz
--- response_body
a: 1,2
b: x y z
c: 
d: %zz
flag: true
--- no_error_log
[error]



=== TEST 8: get_post_args: max counts every piece, "truncated"
--- config
    location /t {
        content_by_lua_block {
            ngx.req.read_body()
            local function show(args, err)
                local keys = {}
                for k in pairs(args) do keys[#keys + 1] = k end
                table.sort(keys)
                ngx.say(table.concat(keys, ","), " ", tostring(err))
            end
            show(ngx.req.get_post_args(2))
            show(ngx.req.get_post_args(4))
            show(ngx.req.get_post_args(0))
            show(ngx.req.get_post_args(-1))
            show(ngx.req.get_post_args("5"))
        }
    }
--- request
POST /t
a=1&&b=2&c=3&d
--- response_body
a truncated
a,b,c truncated
a,b,c,d nil
a,b,c,d nil
a,b,c,d nil
--- no_error_log
[error]



=== TEST 9: get_post_args before read_body
--- config
    location /t {
        content_by_lua_block {
            local ok, err = pcall(function () local a = ngx.req.get_post_args() end)
            ngx.say(ok, " ", err)
        }
    }
--- request
POST /t
a=1
--- response_body_like
^false content_by_lua\(nginx.conf:\d+\):\d+: no request body found; maybe you should turn on lua_need_request_body\?
--- no_error_log
[error]



=== TEST 10: discard_body: no body; read_body after it is fine
--- config
    location /t {
        content_by_lua_block {
            ngx.req.discard_body()
            ngx.say(tostring(ngx.req.get_body_data()))
            ngx.req.read_body()
            ngx.say(tostring(ngx.req.get_body_data()), " ",
                    tostring(ngx.req.get_body_file()))
        }
    }
--- request
POST /t
hello
--- response_body
nil
nil nil
--- no_error_log
[error]



=== TEST 11: discard_body after read_body keeps the body
--- config
    location /t {
        content_by_lua_block {
            ngx.req.read_body()
            ngx.req.discard_body()
            ngx.say(ngx.req.get_body_data())
        }
    }
--- request
POST /t
hello
--- response_body
hello
--- no_error_log
[error]



=== TEST 12: a body larger than client_body_buffer_size is in a file
--- config
    client_body_buffer_size 1k;
    location /t {
        content_by_lua_block {
            ngx.req.read_body()
            ngx.say(tostring(ngx.req.get_body_data()))
            local file = ngx.req.get_body_file()
            ngx.say(type(file))
            local f = assert(io.open(file))
            local data = f:read("*a")
            f:close()
            ngx.say(#data, " ", data:sub(1, 4), " ", data:sub(-3))
            ngx.say(ngx.req.get_post_args())
        }
    }
--- request eval
"POST /t\n" . "a=" . ("x" x 4000) . "end"
--- response_body
nil
string
4005 a=xx end
nilrequest body in temp file not supported



=== TEST 13: set_body_data replaces the body and its Content-Length
--- config
    location /t {
        content_by_lua_block {
            ngx.req.read_body()
            ngx.req.set_body_data("k=v&k=w")
            ngx.say(ngx.req.get_body_data(), " ", ngx.var.http_content_length,
                    " ", ngx.req.get_headers()["content-length"], " ",
                    ngx.var.request_body)
            ngx.say(table.concat(ngx.req.get_post_args().k, ","))
            ngx.req.set_body_data(12)
            ngx.say(ngx.req.get_body_data())
            ngx.req.set_body_data("")
            ngx.say(tostring(ngx.req.get_body_data()), " ",
                    ngx.var.http_content_length)
        }
    }
--- request
POST /t
hello
--- response_body
k=v&k=w 7 7 k=v&k=w
v,w
12
nil 0
--- no_error_log
[error]



=== TEST 14: set_body_data adds a Content-Length when there was none
--- config
    location /t {
        content_by_lua_block {
            ngx.req.read_body()
            ngx.req.set_body_data("abc")
            ngx.say(ngx.req.get_body_data(), " ",
                    ngx.req.get_headers()["content-length"])
        }
    }
--- request
GET /t
--- response_body
abc 3
--- no_error_log
[error]



=== TEST 15: the body writers want the body read first
--- config
    location /t {
        content_by_lua_block {
            local function try(f, ...)
                local ok, err = pcall(f, ...)
                ngx.say(ok, " ", err)
            end
            try(ngx.req.set_body_data, "x")
            try(ngx.req.set_body_file, "/etc/hostname")
            try(ngx.req.init_body)
            try(ngx.req.append_body, "x")
            try(ngx.req.finish_body)
        }
    }
--- request
POST /t
hello
--- response_body_like
^false .*request body not read yet
false .*request body not read yet
false .*request body not read yet
false .*request_body not initialized
false .*request_body not initialized
--- no_error_log
[error]



=== TEST 16: set_body_file
--- config
    location /t {
        content_by_lua_block {
            local path = ngx.config.prefix() .. "html/body.txt"
            ngx.req.read_body()
            ngx.req.set_body_file(path)
            ngx.say(tostring(ngx.req.get_body_data()), " ",
                    ngx.req.get_body_file() == path, " ",
                    ngx.var.http_content_length)
            ngx.say(ngx.req.get_post_args())
            ngx.req.set_body_data("x")
            ngx.say(ngx.req.get_body_data(), " ",
                    tostring(ngx.req.get_body_file()))
            -- not to be removed
            ngx.say(io.open(path) ~= nil)
        }
    }
--- user_files
>>> body.txt
a=1&b=2
--- request
POST /t
hello
--- response_body
nil true 8
nilrequest body in temp file not supported
x nil
true
--- no_error_log
[error]



=== TEST 17: set_body_file with auto_clean removes the file when the body goes
--- config
    location /t {
        content_by_lua_block {
            local path = ngx.config.prefix() .. "html/clean.txt"
            ngx.req.read_body()
            ngx.req.set_body_file(path, true)
            ngx.say(ngx.req.get_body_file() == path, " ",
                    io.open(path) ~= nil)
            ngx.req.set_body_data("new")
            ngx.say(ngx.req.get_body_data(), " ", io.open(path) == nil)
        }
    }
--- user_files
>>> clean.txt
to be removed
--- request
POST /t
hello
--- response_body
true true
new true
--- no_error_log
[error]



=== TEST 18: set_body_file: bad files and arguments; a failure loses the body
--- config
    location /t {
        content_by_lua_block {
            ngx.req.read_body()
            local function try(f, ...)
                local ok, err = pcall(f, ...)
                ngx.say(ok, " ", err)
            end
            try(function () ngx.req.set_body_file("/no/such/file") end)
            try(function () ngx.req.set_body_file(nil) end)
            try(function () ngx.req.set_body_file("/etc/hostname", "yes") end)
            ngx.say(ngx.req.get_body_data())
        }
    }
--- request
POST /t
hello
--- response_body_like
^false content_by_lua\(nginx.conf:\d+\):\d+: stat\(\) "/no/such/file" failed
false content_by_lua\(nginx.conf:\d+\):\d+: bad argument #1 to 'set_body_file' \(string expected, got nil\)
false content_by_lua\(nginx.conf:\d+\):\d+: bad argument #2 to 'set_body_file' \(boolean expected, got string\)
nil
--- no_error_log
[error]



=== TEST 19: init_body, append_body, finish_body in memory
--- config
    location /t {
        content_by_lua_block {
            ngx.req.read_body()
            ngx.req.init_body()
            ngx.req.append_body("a=1")
            ngx.req.append_body("&b=")
            ngx.req.append_body(2)
            ngx.req.finish_body()
            ngx.say(ngx.req.get_body_data(), " ",
                    tostring(ngx.req.get_body_file()), " ",
                    ngx.var.http_content_length)
            ngx.say(ngx.req.get_post_args().b)
        }
    }
--- request
POST /t
hello
--- response_body
a=1&b=2 nil 7
2
--- no_error_log
[error]



=== TEST 20: append_body beyond the buffer goes to a file
--- config
    location /t {
        content_by_lua_block {
            ngx.req.read_body()
            ngx.req.init_body(4)
            ngx.req.append_body("abcdef")
            ngx.req.append_body("ghij")
            ngx.req.finish_body()
            ngx.say(tostring(ngx.req.get_body_data()), " ",
                    ngx.var.http_content_length)
            local file = ngx.req.get_body_file()
            local f = assert(io.open(file))
            ngx.say(f:read("*a"))
            f:close()
        }
    }
--- request
POST /t
hello
--- response_body
nil 10
abcdefghij
--- no_error_log
[error]



=== TEST 21: init_body(0) writes straight to a file; a new body drops it
--- config
    location /t {
        content_by_lua_block {
            ngx.req.read_body()
            ngx.req.init_body(0)
            ngx.req.append_body("xyz")
            local file = ngx.req.get_body_file()
            ngx.req.append_body("123")
            ngx.req.finish_body()
            local f = assert(io.open(file))
            ngx.say(f:read("*a"), " ", ngx.var.http_content_length, " ",
                    tostring(ngx.req.get_body_data()))
            f:close()
            ngx.req.set_body_data("mem")
            ngx.say(ngx.req.get_body_data(), " ", io.open(file) == nil, " ",
                    tostring(ngx.req.get_body_file()))
        }
    }
--- request
POST /t
hello
--- response_body
xyz123 6 nil
mem true nil
--- no_error_log
[error]



=== TEST 22: init_body: bad sizes
--- config
    location /t {
        content_by_lua_block {
            ngx.req.read_body()
            local function try(f, ...)
                local ok, err = pcall(f, ...)
                ngx.say(ok, " ", err)
            end
            try(function () ngx.req.init_body(-1) end)
            try(function () ngx.req.init_body("big") end)
            try(function () ngx.req.init_body("8") end)
        }
    }
--- request
POST /t
hello
--- response_body_like
^false content_by_lua\(nginx.conf:\d+\):\d+: bad size argument: -1
false content_by_lua\(nginx.conf:\d+\):\d+: bad argument #1 to 'init_body' \(number expected, got string\)
true nil
--- no_error_log
[error]



=== TEST 23: a body the client may not send: 413
--- config
    location /t {
        client_max_body_size 10;
        content_by_lua_block {
            ngx.req.read_body()
            ngx.say("not reached")
        }
    }
--- raw_request eval
"POST /t HTTP/1.1\r
Host: localhost\r
Transfer-Encoding: chunked\r
Connection: close\r
\r
14\r
01234567890123456789\r
0\r
\r
"
--- error_code: 413
--- response_body_like: 413 Request Entity Too Large



=== TEST 24: read_body is not for header_filter_by_lua (needs header_filter_by_lua)
--- skip_eval: 3: $NginxBinary !~ m{/nginx$} && system("grep", "-q", "header_filter_by_lua_block", $NginxBinary) != 0
--- config
    location /t {
        content_by_lua_block {
            ngx.say("ok")
        }
        header_filter_by_lua_block {
            local ok, err = pcall(ngx.req.read_body)
            ngx.header["X-Err"] = err
        }
    }
--- request
POST /t
hello
--- raw_response_headers_like: X-Err: [^\r]*API disabled in the context of header_filter_by_lua\*\r
--- response_body
ok



=== TEST 25: read_body in rewrite_by_lua (needs rewrite_by_lua)
--- skip_eval: 3: $NginxBinary !~ m{/nginx$} && system("grep", "-q", "rewrite_by_lua_block", $NginxBinary) != 0
--- config
    location /t {
        rewrite_by_lua_block {
            ngx.req.read_body()
            ngx.req.set_body_data(ngx.req.get_body_data() .. "!")
        }
        content_by_lua_block {
            ngx.say(ngx.req.get_body_data())
        }
    }
--- request
POST /t
hello
--- response_body
hello!
--- no_error_log
[error]



=== TEST 26: read_body in access_by_lua (needs access_by_lua)
--- skip_eval: 3: $NginxBinary !~ m{/nginx$} && system("grep", "-q", "access_by_lua_block", $NginxBinary) != 0
--- config
    location /t {
        access_by_lua_block {
            ngx.req.read_body()
            if ngx.req.get_post_args().token ~= "ok" then
                return ngx.exit(403)
            end
        }
        content_by_lua_block {
            ngx.say("in")
        }
    }
--- request
POST /t
token=ok
--- response_body
in
--- no_error_log
[error]



=== TEST 27: read_body waits for a body still arriving (needs mx_http_lua_wakeup)
--- skip_eval: 3: $NginxBinary !~ m{/nginx$} && system("sh", "-c", "nm -D '$NginxBinary' 2>/dev/null | grep -q ' T mx_http_lua_wakeup'") != 0
--- config
    location /t {
        content_by_lua_block {
            ngx.req.read_body()
            ngx.say("[", ngx.req.get_body_data(), "]")
        }
    }
--- raw_request eval
["POST /t HTTP/1.1\r
Host: localhost\r
Content-Length: 11\r
Connection: close\r
\r
hello",
" world"]
--- raw_request_middle_delay: 0.2
--- response_body
[hello world]
--- no_error_log
[error]



=== TEST 28: a large body arriving slowly goes to a file (needs mx_http_lua_wakeup)
--- skip_eval: 2: $NginxBinary !~ m{/nginx$} && system("sh", "-c", "nm -D '$NginxBinary' 2>/dev/null | grep -q ' T mx_http_lua_wakeup'") != 0
--- config
    client_body_buffer_size 1k;
    location /t {
        content_by_lua_block {
            ngx.req.read_body()
            local f = assert(io.open(ngx.req.get_body_file()))
            local data = f:read("*a")
            f:close()
            ngx.say(#data, " ", data:sub(-4))
        }
    }
--- raw_request eval
["POST /t HTTP/1.1\r
Host: localhost\r
Content-Length: 3004\r
Connection: close\r
\r
" . ("x" x 1000),
("y" x 2000) . "done"]
--- raw_request_middle_delay: 0.2
--- response_body
3004 done
