# content_by_lua*: the directives, the entry thread, output (ngx.say,
# ngx.print), ngx.exit, ngx.status, Lua errors, the code cache and
# package.path. Every block also passes on nginx + lua-nginx-module:
#   prove -It/lib t/020-lua-content.t
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/020-lua-content.t

use Test::Nginx::Socket;

repeat_each(2);
plan tests => repeat_each() * 195;   # see the counting rules in Socket.pm
no_long_string();
run_tests();

__DATA__

=== TEST 1: content_by_lua_block
--- config
    location /t {
        content_by_lua_block {
            ngx.say("hello, world")
        }
    }
--- request
GET /t
--- response_body
hello, world
--- no_error_log
[error]



=== TEST 2: content_by_lua with a quoted string
--- config
    location /t {
        content_by_lua 'ngx.say("hello") ngx.say("world")';
    }
--- request
GET /t
--- response_body
hello
world
--- no_error_log
[error]



=== TEST 3: braces in Lua strings, long strings and comments
--- config
    location /t {
        content_by_lua_block {
            -- a comment with a } brace
            local s = "}" .. '{' .. [[}}]] .. [==[ ]] } ]==]
            --[[ a long
                 comment } ]]
            ngx.say(s)
        }
    }
--- request
GET /t
--- response_body
}{}} ]] } 
--- no_error_log
[error]



=== TEST 4: content_by_lua_file, relative to the prefix
--- config
    location /t {
        content_by_lua_file html/hello.lua;
    }
--- user_files
>>> hello.lua
ngx.say("hello from a file")
--- request
GET /t
--- response_body
hello from a file
--- no_error_log
[error]



=== TEST 5: content_by_lua_file, absolute path
--- config
    location /t {
        content_by_lua_file $TEST_NGINX_HTML_DIR/abs.lua;
    }
--- user_files
>>> abs.lua
ngx.print("absolute")
--- request
GET /t
--- response_body chop
absolute
--- no_error_log
[error]



=== TEST 6: content_by_lua_file with a variable in the path
--- config
    location /t {
        content_by_lua_file html/$arg_name.lua;
    }
--- user_files
>>> one.lua
ngx.say("one")
>>> two.lua
ngx.say("two")
--- request eval
["GET /t?name=one", "GET /t?name=two"]
--- response_body eval
["one\n", "two\n"]
--- no_error_log
[error]



=== TEST 7: content_by_lua_file, the file does not exist: 404
--- config
    location /t {
        content_by_lua_file html/missing.lua;
    }
--- request
GET /t
--- response_body_like: 404 Not Found
--- error_code: 404
--- error_log eval
qr/\[error\] .*failed to load external Lua file ".*?html\/missing\.lua": cannot open /



=== TEST 8: content_by_lua_file, a syntax error: 500 at request time
--- config
    location /t {
        content_by_lua_file html/bad.lua;
    }
--- user_files
>>> bad.lua
local a
a = 3 +;
--- request
GET /t
--- response_body_like: 500 Internal Server Error
--- error_code: 500
--- error_log eval
qr/\[error\] .*failed to load external Lua file ".*?html\/bad\.lua": .*?bad\.lua:2: unexpected symbol near ';'/



=== TEST 9: inline code with a syntax error: 500 at request time
--- config
    location /t {
        content_by_lua_block {
            local a
            a = a +;
        }
    }
--- request
GET /t
--- response_body_like: 500 Internal Server Error
--- error_code: 500
--- error_log eval
qr/\[error\] .*failed to load inlined Lua code: content_by_lua\(nginx\.conf:\d+\):3: unexpected symbol near ';'/



=== TEST 10: ngx.print and ngx.say with every value type
--- config
    location /t {
        content_by_lua_block {
            ngx.print(nil, true, false, ngx.null, {1, {2, "x"}}, 3.14, 10)
            ngx.say(1e15, " ", 2^53, " ", -0.5, " ", 1/0, " ", -1/0)
            ngx.say({"a", {"b", {"c"}}, "d"})
            ngx.say({})
            ngx.print()
            ngx.say()
            ngx.say("end")
        }
    }
--- request
GET /t
--- response_body
niltruefalsenull12x3.14101e+15 9.007199254741e+15 -0.5 inf -inf
abcd


end
--- no_error_log
[error]



=== TEST 11: ngx.say and ngx.print return 1
--- config
    location /t {
        content_by_lua_block {
            local a = ngx.print("a")
            local b, err = ngx.say("b")
            local c = ngx.say("c", 1, true)
            ngx.say(a, " ", b, " ", tostring(err), " ", c)
        }
    }
--- request
GET /t
--- response_body
ab
c1true
1 1 nil 1
--- no_error_log
[error]



=== TEST 12: a large body, in many pieces
--- config
    location /t {
        content_by_lua_block {
            for i = 1, 10000 do
                ngx.print("0123456789")
            end
            ngx.print(string.rep("x", 100000))
        }
    }
--- request
GET /t
--- response_body eval
"0123456789" x 10000 . "x" x 100000
--- no_error_log
[error]



=== TEST 13: ngx.say with a function argument
--- config
    location /t {
        content_by_lua_block {
            ngx.say("a", function () end)
        }
    }
--- request
GET /t
--- response_body_like: 500 Internal Server Error
--- error_code: 500
--- error_log eval
qr/\[error\] .*lua entry thread aborted: runtime error: content_by_lua\(nginx\.conf:\d+\):2: bad argument #2 to 'say' \(string, number, boolean, nil, ngx\.null, or array table expected, but got function\)/



=== TEST 14: ngx.print with a hash table
--- config
    location /t {
        content_by_lua_block {
            ngx.print({a = 1})
        }
    }
--- request
GET /t
--- response_body_like: 500 Internal Server Error
--- error_code: 500
--- error_log eval
qr/runtime error: content_by_lua\(nginx\.conf:\d+\):2: bad argument #1 to 'print' \(non-array table found\)/



=== TEST 15: ngx.say with a bad value in a nested table
--- config
    location /t {
        content_by_lua_block {
            ngx.say({"a", {"b", print}})
        }
    }
--- request
GET /t
--- response_body_like: 500 Internal Server Error
--- error_code: 500
--- error_log eval
qr/runtime error: content_by_lua\(nginx\.conf:\d+\):2: bad argument #1 to 'say' \(bad data type function found\)/



=== TEST 16: the default Content-Type and chunked output
--- config
    location /t {
        content_by_lua_block {
            ngx.say("hi")
        }
    }
--- request
GET /t
--- response_headers
Content-Type: text/plain
Transfer-Encoding: chunked
--- response_body
hi
--- no_error_log
[error]



=== TEST 17: the Content-Type follows the URI's extension
--- config
    location /t {
        content_by_lua_block {
            ngx.say("<p>hi</p>")
        }
    }
--- request
GET /t/page.html
--- response_headers
Content-Type: text/html
--- response_body
<p>hi</p>
--- no_error_log
[error]



=== TEST 18: HTTP/1.0: the body is gathered and sent with Content-Length
--- config
    location /t {
        content_by_lua_block {
            ngx.say("hello")
            ngx.say("world")
        }
    }
--- request
GET /t HTTP/1.0
--- response_headers
Content-Length: 12
!Transfer-Encoding
--- response_body
hello
world
--- no_error_log
[error]



=== TEST 19: HEAD: the header only
--- config
    location /t {
        content_by_lua_block {
            local ok, err = ngx.say("hello")
            ngx.log(ngx.WARN, "first: ", ok, " ", err)
            ok, err = ngx.say("again")
            ngx.log(ngx.WARN, "second: ", ok, " ", err)
        }
    }
--- request
HEAD /t
--- response_body
--- error_log
first: 1 nil
second: nil header only
--- no_error_log
[error]



=== TEST 20: ngx.exit(404) before any output: the error page
--- config
    location /t {
        content_by_lua_block {
            ngx.exit(404)
            ngx.say("not reached")
        }
    }
--- request
GET /t
--- response_body_like: 404 Not Found
--- error_code: 404
--- no_error_log
[error]



=== TEST 21: ngx.exit(ngx.HTTP_FORBIDDEN) inside pcall
--- config
    location /t {
        content_by_lua_block {
            local ok, err = pcall(function ()
                ngx.exit(ngx.HTTP_FORBIDDEN)
            end)
            ngx.say("not reached")
        }
    }
--- request
GET /t
--- response_body_like: 403 Forbidden
--- error_code: 403
--- no_error_log
[error]



=== TEST 22: ngx.exit(ngx.OK) after output ends the response
--- config
    location /t {
        content_by_lua_block {
            ngx.say("a")
            ngx.exit(ngx.OK)
            ngx.say("b")
        }
    }
--- request
GET /t
--- response_body
a
--- no_error_log
[error]



=== TEST 23: ngx.exit(200) with no output: an empty 200
--- config
    location /t {
        content_by_lua_block {
            ngx.exit(200)
        }
    }
--- request
GET /t
--- response_body
--- error_code: 200
--- no_error_log
[error]



=== TEST 24: ngx.exit(201) with no output
--- config
    location /t {
        content_by_lua_block {
            ngx.exit(ngx.HTTP_CREATED)
        }
    }
--- request
GET /t
--- response_body
--- error_code: 201
--- no_error_log
[error]



=== TEST 25: ngx.exit(204): no body, no Content-Type
--- config
    location /t {
        content_by_lua_block {
            ngx.exit(ngx.HTTP_NO_CONTENT)
        }
    }
--- request
GET /t
--- response_headers
!Content-Type
--- response_body
--- error_code: 204
--- no_error_log
[error]



=== TEST 26: ngx.exit(404) after output: too late for the status
--- config
    location /t {
        content_by_lua_block {
            ngx.say("hi")
            ngx.exit(404)
        }
    }
--- request
GET /t
--- response_body
hi
--- error_code: 200
--- error_log
attempt to set status 404 via ngx.exit after sending out the response status 200



=== TEST 27: ngx.exit(ngx.AGAIN) is refused
--- config
    location /t {
        content_by_lua_block {
            ngx.exit(ngx.AGAIN)
        }
    }
--- request
GET /t
--- response_body_like: 500 Internal Server Error
--- error_code: 500
--- error_log
bad argument to 'ngx.exit': does not accept NGX_AGAIN or NGX_DONE



=== TEST 28: ngx.status, then output
--- config
    location /t {
        content_by_lua_block {
            ngx.status = ngx.HTTP_NOT_FOUND
            ngx.say("not here: ", ngx.status)
        }
    }
--- request
GET /t
--- response_body
not here: 404
--- error_code: 404
--- no_error_log
[error]



=== TEST 29: ngx.status is 0 until set or sent
--- config
    location /t {
        content_by_lua_block {
            local before = ngx.status
            ngx.say(before)
            ngx.say(ngx.status)
        }
    }
--- request
GET /t
--- response_body
0
200
--- no_error_log
[error]



=== TEST 30: ngx.status after the header went out
--- config
    location /t {
        content_by_lua_block {
            ngx.say("hi")
            ngx.status = 404
            ngx.say(ngx.status)
        }
    }
--- request
GET /t
--- response_body
hi
200
--- error_code: 200
--- error_log
attempt to set ngx.status after sending out response headers



=== TEST 31: ngx.status, then ngx.exit(200): the status stays
--- config
    location /t {
        content_by_lua_block {
            ngx.status = 410
            ngx.exit(ngx.HTTP_OK)
        }
    }
--- request
GET /t
--- response_body
--- error_code: 410
--- no_error_log
[error]



=== TEST 32: a runtime error: 500 and the traceback in the error log
--- config
    location /t {
        content_by_lua_block {
            local a = 1
            error("boom")
        }
    }
--- request
GET /t
--- response_body_like: 500 Internal Server Error
--- error_code: 500
--- error_log eval
[
qr/\[error\] .*lua entry thread aborted: runtime error: content_by_lua\(nginx\.conf:\d+\):3: boom$/,
qr/^stack traceback:$/,
qr/^coroutine 0:$/,
qr/^\t\[C\]: in function 'error'$/,
qr/^\tcontent_by_lua\(nginx\.conf:\d+\):3: in main chunk, client: 127\.0\.0\.1, server: localhost, request: "GET \/t HTTP\/1\.1", host: "localhost"$/,
]



=== TEST 33: an error in a function: its name in the traceback
--- config
    location /t {
        content_by_lua_block {
            local function foo()
                error("in foo")
            end
            foo()
        }
    }
--- request
GET /t
--- response_body_like: 500 Internal Server Error
--- error_code: 500
--- error_log eval
[
qr/runtime error: content_by_lua\(nginx\.conf:\d+\):3: in foo$/,
qr/^\tcontent_by_lua\(nginx\.conf:\d+\):3: in function 'foo'$/,
qr/^\tcontent_by_lua\(nginx\.conf:\d+\):5: in main chunk, client: /,
]



=== TEST 34: error() with a table: "unknown reason"
--- config
    location /t {
        content_by_lua_block {
            error({})
        }
    }
--- request
GET /t
--- response_body_like: 500 Internal Server Error
--- error_code: 500
--- error_log
lua entry thread aborted: runtime error: unknown reason



=== TEST 35: an error from Lua itself (indexing nil)
--- config
    location /t {
        content_by_lua 'local t = nil; ngx.say(t.x)';
    }
--- request
GET /t
--- response_body_like: 500 Internal Server Error
--- error_code: 500
--- error_log eval
qr/runtime error: content_by_lua\(nginx\.conf:\d+\):1: attempt to index local 't' \(a nil value\)/



=== TEST 36: an error in a Lua file: the file's path in the message
--- config
    location /t {
        content_by_lua_file html/boom.lua;
    }
--- user_files
>>> boom.lua
local x = 1
error("file boom")
--- request
GET /t
--- response_body_like: 500 Internal Server Error
--- error_code: 500
--- error_log eval
[
qr/lua entry thread aborted: runtime error: .*?html\/boom\.lua:2: file boom$/,
qr/^\t.*?html\/boom\.lua:2: in main chunk, client: /,
]



=== TEST 37: the worker keeps serving after an error
--- config
    location /err {
        content_by_lua_block {
            error("boom")
        }
    }
    location /ok {
        content_by_lua_block {
            ngx.say("still here")
        }
    }
--- request eval
["GET /err", "GET /ok", "GET /err", "GET /ok"]
--- response_body_like eval
["500 Internal Server Error", "^still here\n\$", "500 Internal Server Error", "^still here\n\$"]
--- error_code eval
[500, 200, 500, 200]



=== TEST 38: an error after output: the error is logged
--- config
    location /t {
        content_by_lua_block {
            ngx.say("partial")
            error("late boom")
        }
    }
--- request
GET /t
--- ignore_response
--- error_log eval
qr/lua entry thread aborted: runtime error: content_by_lua\(nginx\.conf:\d+\):3: late boom/



=== TEST 39: user coroutines inside a handler
--- config
    location /t {
        content_by_lua_block {
            local gen = coroutine.wrap(function ()
                for i = 1, 3 do
                    coroutine.yield(i)
                end
            end)
            ngx.say(gen(), gen(), gen())
            local co = coroutine.create(function (a, b)
                local c = coroutine.yield(a + b)
                return c * 2
            end)
            local ok1, v1 = coroutine.resume(co, 1, 2)
            local ok2, v2 = coroutine.resume(co, 10)
            ngx.say(ok1, " ", v1, " ", ok2, " ", v2, " ", coroutine.status(co))
        }
    }
--- request
GET /t
--- response_body
123
true 3 true 20 dead
--- no_error_log
[error]



=== TEST 40: globals are shared by the requests of a worker
--- config
    location /set {
        content_by_lua_block {
            rawset(_G, "moxy_test_global", 42)
            ngx.say("set")
        }
    }
    location /get {
        content_by_lua_block {
            ngx.say(moxy_test_global)
        }
    }
--- request eval
["GET /set", "GET /get"]
--- response_body eval
["set\n", "42\n"]
--- no_error_log
[error]



=== TEST 41: writing a new global warns (the _G write guard)
--- config
    location /t {
        content_by_lua_block {
            rawset(_G, "moxy_guarded", nil)
            moxy_guarded = 1
            ngx.say(moxy_guarded)
        }
    }
--- request
GET /t
--- response_body
1
--- error_log eval
[
qr/\[warn\] .*?\[lua\] _G write guard:12: __newindex\(\): writing a global Lua variable \('moxy_guarded'\) which may lead to race conditions between concurrent requests, so prefer the use of 'local' variables$/,
qr/^\tcontent_by_lua\(nginx\.conf:\d+\):3: in main chunk, client: /,
]
--- no_error_log
[error]



=== TEST 42: lua_code_cache off: a fresh VM for every request
--- config
    lua_code_cache off;
    location /set {
        content_by_lua_block {
            rawset(_G, "moxy_cc_global", 42)
            ngx.say("set")
        }
    }
    location /get {
        content_by_lua_block {
            ngx.say(rawget(_G, "moxy_cc_global"))
        }
    }
--- request eval
["GET /set", "GET /get"]
--- response_body eval
["set\n", "nil\n"]
--- no_error_log
[error]



=== TEST 43: lua_code_cache off: modules are loaded again for each request
--- http_config
    lua_package_path "$prefix/html/?.lua;;";
--- config
    location /t {
        lua_code_cache off;
        content_by_lua_block {
            local counter = require "counter"
            ngx.say(counter.incr())
        }
    }
--- user_files
>>> counter.lua
local _M = {}
local n = 0
function _M.incr()
    n = n + 1
    return n
end
return _M
--- request eval
["GET /t", "GET /t"]
--- response_body eval
["1\n", "1\n"]
--- no_error_log
[error]



=== TEST 44: lua_code_cache on (the default): modules stay loaded
--- http_config
    lua_package_path "$prefix/html/?.lua;;";
--- config
    location /t {
        content_by_lua_block {
            local counter = require "counter"
            ngx.say(counter.incr() > 0)
        }
    }
    location /count {
        content_by_lua_block {
            ngx.say(require("counter").incr() > 1)
        }
    }
--- user_files
>>> counter.lua
local _M = {}
local n = 0
function _M.incr()
    n = n + 1
    return n
end
return _M
--- request eval
["GET /t", "GET /count"]
--- response_body eval
["true\n", "true\n"]
--- no_error_log
[error]



=== TEST 45: lua_package_path: ";;" keeps the default path
--- http_config
    lua_package_path "/foo/bar/?.lua;;";
--- config
    location /t {
        content_by_lua_block {
            ngx.say(package.path:find("/foo/bar/?.lua;", 1, true) ~= nil)
            ngx.say(package.path:find("/usr/share/lua/5.1/?.lua", 1, true) ~= nil)
        }
    }
--- request
GET /t
--- response_body
true
true
--- no_error_log
[error]



=== TEST 46: lua_package_path without ";;" drops the default path
--- http_config
    lua_package_path "/foo/bar/?.lua;/usr/share/lua/5.1/?.lua";
--- config
    location /t {
        content_by_lua_block {
            ngx.say(package.path:find("/foo/bar/?.lua;", 1, true) ~= nil)
            ngx.say(package.path:find("/usr/local/share/lua/5.1/?/init.lua", 1, true) ~= nil)
        }
    }
--- request
GET /t
--- response_body
true
false
--- no_error_log
[error]



=== TEST 47: lua_package_cpath
--- http_config
    lua_package_cpath "/foo/bar/?.so;;";
--- config
    location /t {
        content_by_lua_block {
            ngx.say(package.cpath:find("/foo/bar/?.so;", 1, true) ~= nil)
            ngx.say(package.cpath:find("/usr/lib/x86_64-linux-gnu/lua/5.1/?.so", 1, true) ~= nil)
        }
    }
--- request
GET /t
--- response_body
true
true
--- no_error_log
[error]



=== TEST 48: require "resty.core" works
--- config
    location /t {
        content_by_lua_block {
            local core = require "resty.core"
            ngx.say(type(core))
            ngx.say(type(require "resty.core.base"))
            ngx.say("ok")
        }
    }
--- request
GET /t
--- response_body
table
table
ok
--- no_error_log
[error]



=== TEST 49: require "cjson" works
--- config
    location /t {
        content_by_lua_block {
            local cjson = require "cjson"
            ngx.say(cjson.encode({a = {1, 2, 3}}))
            ngx.say(cjson.decode('{"b":"c"}').b)
        }
    }
--- request
GET /t
--- response_body
{"a":[1,2,3]}
c
--- no_error_log
[error]



=== TEST 50: a bare coroutine.yield() in the handler goes on
--- config
    location /t {
        content_by_lua_block {
            ngx.say("before")
            coroutine.yield()
            ngx.say("after")
        }
    }
--- request
GET /t
--- response_body
before
after
--- no_error_log
[error]



=== TEST 51: one chunk per location
--- config
    location /a {
        content_by_lua_block { ngx.say("a") }
    }
    location /b {
        content_by_lua_block { ngx.say("b") }
    }
--- request eval
["GET /a", "GET /b"]
--- response_body eval
["a\n", "b\n"]
--- no_error_log
[error]



=== TEST 52: two content handlers in one location
--- config
    location /t {
        content_by_lua_block { ngx.say("a") }
        content_by_lua_block { ngx.say("b") }
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*is duplicate in .*nginx\.conf:\d+/



=== TEST 53: no code at all is a configuration error
--- config
    location /t {
        content_by_lua '';
    }
--- must_die
--- error_log eval
qr/\[error\] .*invalid location config: no runnable Lua code in .*nginx\.conf:\d+/
