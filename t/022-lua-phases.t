# The Lua phases: rewrite_by_lua*, access_by_lua*, content_by_lua*,
# set_by_lua* and log_by_lua* in their _block, string and _file forms;
# their order, inheritance from http{} and server{}, the *_no_postpone
# switches, lua_need_request_body, ngx.get_phase(), errors in each phase
# and the APIs a phase does not allow. Every block also passes on
# nginx + lua-nginx-module:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/022-lua-phases.t

use Test::Nginx::Socket 'no_plan';

no_long_string();
run_tests();

__DATA__

=== TEST 1: rewrite, access and content run in order
--- config
    location /t {
        rewrite_by_lua_block { ngx.ctx.order = "rewrite" }
        access_by_lua_block { ngx.ctx.order = ngx.ctx.order .. ",access" }
        content_by_lua_block { ngx.say(ngx.ctx.order, ",content") }
    }
--- request
GET /t
--- response_body
rewrite,access,content
--- no_error_log
[error]



=== TEST 2: ngx.get_phase() in every request phase
--- config
    location /t {
        set_by_lua_block $set_phase { return ngx.get_phase() }
        rewrite_by_lua_block { ngx.ctx.p = { ngx.get_phase() } }
        access_by_lua_block { table.insert(ngx.ctx.p, ngx.get_phase()) }
        content_by_lua_block {
            table.insert(ngx.ctx.p, ngx.get_phase())
            ngx.say(ngx.var.set_phase, " ", table.concat(ngx.ctx.p, " "))
        }
        header_filter_by_lua_block { ngx.header["X-Phase"] = ngx.get_phase() }
        log_by_lua_block { ngx.log(ngx.WARN, "phase: ", ngx.get_phase()) }
    }
--- request
GET /t
--- response_headers
X-Phase: header_filter
--- response_body
set rewrite access content
--- error_log
phase: log
--- no_error_log
[error]



=== TEST 3: a response header set in rewrite goes out with content's body
--- config
    location /t {
        rewrite_by_lua_block { ngx.header["X-From-Rewrite"] = "yes" }
        content_by_lua_block { ngx.say("header: ", ngx.header["X-From-Rewrite"]) }
    }
--- request
GET /t
--- response_headers
X-From-Rewrite: yes
--- response_body
header: yes
--- no_error_log
[error]



=== TEST 4: a request header set in rewrite is seen by content
--- config
    location /t {
        rewrite_by_lua_block { ngx.req.set_header("X-Foo", "bar") }
        content_by_lua_block { ngx.say("X-Foo: ", ngx.var.http_x_foo) }
    }
--- request
GET /t
--- response_body
X-Foo: bar
--- no_error_log
[error]



=== TEST 5: rewrite_by_lua runs after "set" (postponed to the phase's end)
--- config
    location /t {
        rewrite_by_lua_block {
            ngx.ctx.seen = (ngx.var.foo or "") == "" and "before set" or "after set"
        }
        set $foo "from set";
        content_by_lua_block { ngx.say(ngx.ctx.seen) }
    }
--- request
GET /t
--- response_body
after set
--- no_error_log
[error]



=== TEST 6: rewrite_by_lua_no_postpone: it runs before "set"
--- http_config
    rewrite_by_lua_no_postpone on;
--- config
    location /t {
        set $foo "from set";
        rewrite_by_lua_block {
            ngx.ctx.seen = (ngx.var.foo or "") == "" and "before set" or "after set"
        }
        content_by_lua_block { ngx.say(ngx.ctx.seen) }
    }
--- request
GET /t
--- response_body
before set
--- no_error_log
[error]



=== TEST 7: rewrite_by_lua runs after a "return" is not reached
--- config
    location /t {
        rewrite_by_lua_block { ngx.ctx.ran = true }
        if ($arg_stop) {
            return 403;
        }
        content_by_lua_block { ngx.say("ran: ", ngx.ctx.ran) }
    }
--- request
GET /t
--- response_body
ran: true
--- no_error_log
[error]



=== TEST 8: "return" in the rewrite phase comes before rewrite_by_lua
--- config
    location /t {
        rewrite_by_lua_block { ngx.log(ngx.ERR, "should not run") }
        return 403;
    }
--- request
GET /t
--- error_code: 403
--- response_body_like: 403 Forbidden
--- no_error_log
should not run



=== TEST 9: rewrite_by_lua inherited from server{}
--- config
    rewrite_by_lua_block { ngx.ctx.srv = "server rewrite" }
    location /t {
        content_by_lua_block { ngx.say(ngx.ctx.srv) }
    }
--- request
GET /t
--- response_body
server rewrite
--- no_error_log
[error]



=== TEST 10: access_by_lua inherited from http{}, overridden in a location
--- http_config
    access_by_lua_block { ngx.ctx.who = "http" }
--- config
    location /t {
        content_by_lua_block { ngx.say(ngx.ctx.who) }
    }
    location /u {
        access_by_lua_block { ngx.ctx.who = "location" }
        content_by_lua_block { ngx.say(ngx.ctx.who) }
    }
--- request eval
["GET /t", "GET /u"]
--- response_body eval
["http\n", "location\n"]
--- no_error_log
[error]



=== TEST 11: content_by_lua is not inherited
--- config
    location /t {
        content_by_lua_block { ngx.say("outer") }
        location /t/inner {
            return 200 "inner\n";
        }
    }
--- request
GET /t/inner
--- response_body
inner
--- no_error_log
[error]



=== TEST 12: rewrite_by_lua string form
--- config
    location /t {
        rewrite_by_lua 'ngx.ctx.v = "string form"';
        content_by_lua 'ngx.say(ngx.ctx.v)';
    }
--- request
GET /t
--- response_body
string form
--- no_error_log
[error]



=== TEST 13: the _file forms, relative to the prefix
--- config
    location /t {
        rewrite_by_lua_file html/rewrite.lua;
        access_by_lua_file html/access.lua;
        content_by_lua_file html/content.lua;
    }
--- user_files
>>> rewrite.lua
ngx.ctx.a = "r"
>>> access.lua
ngx.ctx.a = ngx.ctx.a .. "a"
>>> content.lua
ngx.say(ngx.ctx.a, "c")
--- request
GET /t
--- response_body
rac
--- no_error_log
[error]



=== TEST 14: access_by_lua_file with a variable in the path
--- config
    location ~ ^/t/(\w+)$ {
        set $name $1;
        access_by_lua_file html/$name.lua;
        content_by_lua_block { ngx.say("content after ", ngx.ctx.file) }
    }
--- user_files
>>> one.lua
ngx.ctx.file = "one"
--- request
GET /t/one
--- response_body
content after one
--- no_error_log
[error]



=== TEST 15: a missing rewrite_by_lua_file is a 404
--- config
    location /t {
        rewrite_by_lua_file html/missing.lua;
        content_by_lua_block { ngx.say("no") }
    }
--- request
GET /t
--- error_code: 404
--- response_body_like: 404 Not Found
--- error_log
failed to load external Lua file



=== TEST 16: rewrite_by_lua output ends the request
--- config
    location /t {
        rewrite_by_lua_block { ngx.say("from rewrite") }
        content_by_lua_block { ngx.say("from content") }
    }
--- request
GET /t
--- response_body
from rewrite
--- no_error_log
[error]



=== TEST 17: access_by_lua output ends the request
--- config
    location /t {
        access_by_lua_block { ngx.print("denied by access\n") }
        content_by_lua_block { ngx.say("from content") }
    }
--- request
GET /t
--- response_body
denied by access
--- no_error_log
[error]



=== TEST 18: rewrite_by_lua before a static file
--- config
    location = /static.txt {
        root html;
        rewrite_by_lua_block { ngx.header["X-Rewrite"] = "1" }
    }
--- user_files
>>> static.txt
static content
--- request
GET /static.txt
--- response_headers
X-Rewrite: 1
--- response_body
static content
--- no_error_log
[error]



=== TEST 19: access_by_lua before content_by_lua
--- config
    location /t {
        access_by_lua_block { ngx.header["X-Access"] = "1" }
        content_by_lua_block { ngx.say("ok") }
    }
--- request
GET /t
--- response_headers
X-Access: 1
--- response_body
ok
--- no_error_log
[error]



=== TEST 20: an error in rewrite_by_lua is a 500
--- config
    location /t {
        rewrite_by_lua_block {
            local a = nil
            error("boom")
        }
        content_by_lua_block { ngx.say("no") }
    }
--- request
GET /t
--- error_code: 500
--- response_body_like: 500 Internal Server Error
--- error_log eval
qr/lua entry thread aborted: runtime error: rewrite_by_lua\(nginx\.conf:\d+\):3: boom/



=== TEST 21: an error in access_by_lua is a 500, with its traceback
--- config
    location /t {
        access_by_lua_block {
            error("access boom")
        }
        content_by_lua_block { ngx.say("no") }
    }
--- request
GET /t
--- error_code: 500
--- response_body_like: 500 Internal Server Error
--- error_log eval
[
qr/lua entry thread aborted: runtime error: access_by_lua\(nginx\.conf:\d+\):2: access boom/,
"stack traceback:",
"in function 'error'",
]



=== TEST 22: the worker keeps serving after errors
--- config
    location /t {
        rewrite_by_lua_block {
            if ngx.var.arg_boom then
                error("boom")
            end
        }
        content_by_lua_block { ngx.say("still here") }
    }
--- request eval
["GET /t?boom=1", "GET /t", "GET /t?boom=1", "GET /t"]
--- error_code eval
[500, 200, 500, 200]
--- response_body_like eval
["500 Internal Server Error", "still here", "500 Internal Server Error", "still here"]



=== TEST 23: a runtime error with a table value
--- config
    location /t {
        content_by_lua_block { error({}) }
    }
--- request
GET /t
--- error_code: 500
--- response_body_like: 500 Internal Server Error
--- error_log
lua entry thread aborted: runtime error: unknown reason



=== TEST 24: a syntax error in rewrite_by_lua fails the request
--- config
    location /t {
        rewrite_by_lua_block { if then }
        content_by_lua_block { ngx.say("no") }
    }
--- request
GET /t
--- error_code: 500
--- response_body_like: 500 Internal Server Error
--- error_log eval
qr/failed to load inlined Lua code: rewrite_by_lua\(nginx\.conf:\d+\):1: unexpected symbol near 'then'/



=== TEST 25: set_by_lua with arguments
--- config
    location /t {
        set $a 32;
        set $b 56;
        set_by_lua $sum 'return tonumber(ngx.arg[1]) + tonumber(ngx.arg[2])' $a $b;
        content_by_lua_block { ngx.say("sum: ", ngx.var.sum) }
    }
--- request
GET /t
--- response_body
sum: 88
--- no_error_log
[error]



=== TEST 26: set_by_lua with the arguments as "..."
--- config
    location /t {
        set_by_lua $res 'local a, b = ... return a .. "+" .. b .. "=" .. select("#", ...)' "x" "y";
        content_by_lua_block { ngx.say(ngx.var.res) }
    }
--- request
GET /t
--- response_body
x+y=2
--- no_error_log
[error]



=== TEST 27: set_by_lua in config order with "set"
--- config
    location /t {
        set $a "one";
        set_by_lua $b 'return ngx.arg[1] .. " two"' $a;
        set_by_lua_block $b2 { return ngx.var.b .. " and" }
        set $c "$b2 three";
        content_by_lua_block { ngx.say(ngx.var.c) }
    }
--- request
GET /t
--- response_body
one two and three
--- no_error_log
[error]



=== TEST 28: set_by_lua results: numbers, nil and booleans
--- config
    location /t {
        set_by_lua_block $n { return 3.5 }
        set_by_lua_block $nil { return nil }
        set_by_lua_block $bool { return true }
        return 200 "[$n][$nil][$bool]\n";
    }
--- request
GET /t
--- response_body
[3.5][][]
--- no_error_log
[error]



=== TEST 29: set_by_lua_file
--- config
    location /t {
        set_by_lua_file $res html/set.lua "hello";
        return 200 "$res\n";
    }
--- user_files
>>> set.lua
return ngx.arg[1] .. ", world"
--- request
GET /t
--- response_body
hello, world
--- no_error_log
[error]



=== TEST 30: set_by_lua in server{}
--- config
    set_by_lua_block $srv { return "from server" }
    location /t {
        return 200 "$srv\n";
    }
--- request
GET /t
--- response_body
from server
--- no_error_log
[error]



=== TEST 31: an error in set_by_lua is a 500
--- config
    location /t {
        set_by_lua_block $res {
            error("set boom")
        }
        return 200 "$res";
    }
--- request
GET /t
--- error_code: 500
--- response_body_like: 500 Internal Server Error
--- error_log eval
qr/failed to run set_by_lua\*: set_by_lua\(nginx\.conf:\d+\):2: set boom/



=== TEST 32: ngx.exit is disabled in set_by_lua
--- config
    location /t {
        set_by_lua_block $res { ngx.exit(200) }
        return 200 "$res";
    }
--- request
GET /t
--- error_code: 500
--- response_body_like: 500 Internal Server Error
--- error_log
API disabled in the context of set_by_lua*



=== TEST 33: ngx.say is disabled in set_by_lua
--- config
    location /t {
        set_by_lua_block $res { ngx.say("hi") }
        return 200 "$res";
    }
--- request
GET /t
--- error_code: 500
--- response_body_like: 500 Internal Server Error
--- error_log
API disabled in the context of set_by_lua*



=== TEST 34: ngx.var and ngx.ctx in set_by_lua
--- config
    location /t {
        set_by_lua_block $res {
            ngx.ctx.from_set = "ctx"
            return ngx.var.uri
        }
        content_by_lua_block { ngx.say(ngx.var.res, " ", ngx.ctx.from_set) }
    }
--- request
GET /t
--- response_body
/t ctx
--- no_error_log
[error]



=== TEST 35: log_by_lua writes a line
--- config
    location /t {
        content_by_lua_block { ngx.say("ok") }
        log_by_lua_block { ngx.log(ngx.WARN, "logged status ", ngx.status, " for ", ngx.var.uri) }
    }
--- request
GET /t
--- response_body
ok
--- error_log
logged status 200 for /t
--- no_error_log
[error]



=== TEST 36: log_by_lua sees ngx.ctx and runs after an error page
--- config
    location /t {
        access_by_lua_block { ngx.ctx.why = "denied" ngx.exit(403) }
        log_by_lua_block { ngx.log(ngx.WARN, "log: ", ngx.ctx.why, " ", ngx.status) }
    }
--- request
GET /t
--- error_code: 403
--- response_body_like: 403 Forbidden
--- error_log
log: denied 403



=== TEST 37: log_by_lua inherited from http{}
--- http_config
    log_by_lua_block { ngx.log(ngx.WARN, "http-level log for ", ngx.var.uri) }
--- config
    location /t {
        return 200 "ok\n";
    }
--- request
GET /t
--- response_body
ok
--- error_log
http-level log for /t



=== TEST 38: an error in log_by_lua does not change the response
--- config
    location /t {
        content_by_lua_block { ngx.say("fine") }
        log_by_lua_block { error("log boom") }
    }
--- request
GET /t
--- response_body
fine
--- error_log eval
qr/failed to run log_by_lua\*: log_by_lua\(nginx\.conf:\d+\):1: log boom/



=== TEST 39: ngx.say is disabled in log_by_lua
--- config
    location /t {
        content_by_lua_block { ngx.say("fine") }
        log_by_lua_block { ngx.say("late") }
    }
--- request
GET /t
--- response_body
fine
--- error_log
API disabled in the context of log_by_lua*



=== TEST 40: ngx.exit is disabled in log_by_lua
--- config
    location /t {
        content_by_lua_block { ngx.say("fine") }
        log_by_lua_block { ngx.exit(500) }
    }
--- request
GET /t
--- response_body
fine
--- error_log
API disabled in the context of log_by_lua*



=== TEST 41: log_by_lua_file
--- config
    location /t {
        return 200 "ok\n";
        log_by_lua_file html/log.lua;
    }
--- user_files
>>> log.lua
ngx.log(ngx.WARN, "from the log file")
--- request
GET /t
--- response_body
ok
--- error_log
from the log file



=== TEST 42: lua_need_request_body: the body is read before rewrite
--- config
    location /t {
        lua_need_request_body on;
        rewrite_by_lua_block { ngx.ctx.body = ngx.var.request_body }
        content_by_lua_block { ngx.say("body: ", ngx.ctx.body) }
    }
--- request
POST /t
hello body
--- response_body
body: hello body
--- no_error_log
[error]



=== TEST 43: lua_need_request_body with a body that arrives late
--- config
    location /t {
        lua_need_request_body on;
        access_by_lua_block { ngx.ctx.len = #ngx.var.request_body }
        content_by_lua_block { ngx.say("got ", ngx.ctx.len, ": ", ngx.var.request_body) }
    }
--- raw_request eval
["POST /t HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 11\r\n\r\nhello",
" world"]
--- raw_request_middle_delay: 0.1
--- response_body
got 11: hello world
--- no_error_log
[error]



=== TEST 44: lua_need_request_body for content_by_lua only
--- config
    location /t {
        lua_need_request_body on;
        content_by_lua_block { ngx.say("content got: ", ngx.var.request_body) }
    }
--- raw_request eval
["POST /t HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 6\r\n\r\nab",
"cdef"]
--- raw_request_middle_delay: 0.1
--- response_body
content got: abcdef
--- no_error_log
[error]



=== TEST 45: lua_need_request_body off: no body unless read
--- config
    location /t {
        content_by_lua_block { ngx.say("body: ", ngx.var.request_body) }
    }
--- request
POST /t
hello
--- response_body
body: nil
--- no_error_log
[error]



=== TEST 46: ngx.req.read_body waits for a late body in rewrite_by_lua
--- config
    location /t {
        rewrite_by_lua_block {
            ngx.req.read_body()
            ngx.ctx.body = ngx.req.get_body_data()
        }
        content_by_lua_block { ngx.say("read: ", ngx.ctx.body) }
    }
--- raw_request eval
["POST /t HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 8\r\n\r\nfirst",
"end"]
--- raw_request_middle_delay: 0.1
--- response_body
read: firstend
--- no_error_log
[error]



=== TEST 47: ngx.req.read_body waits in content_by_lua, then output goes on
--- config
    location /t {
        content_by_lua_block {
            ngx.say("before")
            ngx.req.read_body()
            ngx.say("body: ", ngx.req.get_body_data())
        }
    }
--- raw_request eval
["POST /t HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 4\r\n\r\nab",
"cd"]
--- raw_request_middle_delay: 0.1
--- response_body
before
body: abcd
--- no_error_log
[error]



=== TEST 48: ngx.req.read_body waits inside a coroutine of the handler
--- config
    location /t {
        content_by_lua_block {
            local co = coroutine.wrap(function ()
                coroutine.yield("first yield")
                ngx.req.read_body()
                return "body " .. ngx.req.get_body_data()
            end)
            ngx.say(co())
            ngx.say(co())
        }
    }
--- raw_request eval
["POST /t HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 4\r\n\r\nxy",
"zw"]
--- raw_request_middle_delay: 0.1
--- response_body
first yield
body xyzw
--- no_error_log
[error]



=== TEST 49: ngx.req.read_body is disabled in header_filter_by_lua
--- config
    location /t {
        content_by_lua_block { ngx.say("ok") }
        header_filter_by_lua_block { ngx.req.read_body() }
    }
--- request
GET /t
--- ignore_response
--- error_log
API disabled in the context of header_filter_by_lua*



=== TEST 50: coroutine.yield in the entry thread goes on at once
--- config
    location /t {
        content_by_lua_block {
            ngx.say("a")
            coroutine.yield()
            ngx.say("b")
        }
    }
--- request
GET /t
--- response_body
a
b
--- no_error_log
[error]



=== TEST 51: user coroutines yield to their resumer
--- config
    location /t {
        rewrite_by_lua_block {
            local co = coroutine.create(function (a)
                local b = coroutine.yield(a + 1)
                return b * 2
            end)
            local _, x = coroutine.resume(co, 1)
            local _, y = coroutine.resume(co, 10)
            ngx.ctx.r = x .. " " .. y .. " " .. coroutine.status(co)
        }
        content_by_lua_block { ngx.say(ngx.ctx.r) }
    }
--- request
GET /t
--- response_body
2 20 dead
--- no_error_log
[error]



=== TEST 52: many requests, each with its own entry threads
--- config
    location /t {
        rewrite_by_lua_block { ngx.ctx.n = tonumber(ngx.var.arg_n) }
        access_by_lua_block { ngx.ctx.n = ngx.ctx.n * 2 }
        content_by_lua_block { ngx.say(ngx.ctx.n) }
    }
--- pipelined_requests eval
["GET /t?n=1", "GET /t?n=2", "GET /t?n=3"]
--- response_body eval
["2\n", "4\n", "6\n"]
--- no_error_log
[error]



=== TEST 53: globals written in a handler are warned about
--- config
    location /t {
        content_by_lua_block {
            phase_global_var = 1
            ngx.say("ok")
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log
writing a global Lua variable ('phase_global_var')



=== TEST 54: HEAD requests through rewrite and content
--- config
    location /t {
        rewrite_by_lua_block { ngx.ctx.x = 1 }
        content_by_lua_block { ngx.say("body") }
    }
--- request
HEAD /t
--- response_body
--- no_error_log
[error]



=== TEST 55: "rewrite ... last" goes to the new location's rewrite_by_lua
--- config
    location /a {
        rewrite ^ /b last;
        rewrite_by_lua_block { ngx.log(ngx.ERR, "old location's rewrite_by_lua ran") }
    }
    location /b {
        rewrite_by_lua_block { ngx.ctx.b = ngx.var.uri }
        content_by_lua_block { ngx.say("at ", ngx.ctx.b) }
    }
--- request
GET /a
--- response_body
at /b
--- no_error_log
[error]



=== TEST 56: ngx.req.set_uri(uri, true) jumps to the new location's rewrite_by_lua
--- config
    location /c {
        rewrite_by_lua_block {
            ngx.req.set_uri("/b", true)
            ngx.log(ngx.ERR, "not reached after the jump")
        }
    }
    location /b {
        rewrite_by_lua_block { ngx.ctx.b = ngx.var.uri }
        content_by_lua_block { ngx.say("jumped to ", ngx.ctx.b) }
    }
--- request
GET /c
--- response_body
jumped to /b
--- no_error_log
[error]



=== TEST 57: access_by_lua_no_postpone
--- http_config
    access_by_lua_no_postpone on;
--- config
    location /t {
        access_by_lua_block { ngx.ctx.a = "access ran" }
        content_by_lua_block { ngx.say(ngx.ctx.a) }
    }
--- request
GET /t
--- response_body
access ran
--- no_error_log
[error]



=== TEST 58: a client that goes away while ngx.req.read_body waits
--- config
    location /t {
        content_by_lua_block {
            ngx.req.read_body()
            ngx.log(ngx.ERR, "should not resume")
        }
    }
--- raw_request eval
"POST /t HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 100\r\n\r\nonly a part"
--- timeout: 0.3
--- abort
--- ignore_response
--- wait: 0.2
--- no_error_log
[error]
[alert]



=== TEST 59: the server still serves after an abandoned wait
--- config
    location /t {
        content_by_lua_block { ngx.say("alive") }
    }
--- request
GET /t
--- response_body
alive
--- no_error_log
[error]
