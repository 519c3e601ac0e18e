# ngx.sleep and ngx.timer.*: waiting without blocking the worker, timer
# callbacks on requests of their own (ngx.sleep, threads inside them),
# their limits, errors and the premature run at shutdown. Every block
# also passes on nginx + lua-nginx-module:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/038-lua-sleep-timer.t

use Test::Nginx::Socket 'no_plan';

no_long_string();
run_tests();

__DATA__

=== TEST 1: ngx.sleep in content_by_lua: output around it, time passes
--- config
    location /t {
        content_by_lua_block {
            ngx.update_time()
            local t0 = ngx.now()
            ngx.say("before")
            ngx.sleep(0.1)
            ngx.update_time()
            local dt = ngx.now() - t0
            ngx.say("after ", dt >= 0.09 and dt < 1)
        }
    }
--- request
GET /t
--- response_body
before
after true
--- no_error_log
[error]



=== TEST 2: ngx.sleep(0) yields once and returns
--- config
    location /t {
        content_by_lua_block {
            for i = 1, 3 do
                ngx.sleep(0)
            end
            ngx.say("done")
        }
    }
--- request
GET /t
--- response_body
done
--- no_error_log
[error]



=== TEST 3: ngx.sleep in rewrite_by_lua and access_by_lua
--- config
    location /t {
        rewrite_by_lua_block { ngx.sleep(0.01) ngx.ctx.r = "rewrite" }
        access_by_lua_block { ngx.sleep(0.01) ngx.ctx.a = "access" }
        content_by_lua_block { ngx.say(ngx.ctx.r, " ", ngx.ctx.a) }
    }
--- request
GET /t
--- response_body
rewrite access
--- no_error_log
[error]



=== TEST 4: ngx.sleep inside a coroutine of the handler
--- config
    location /t {
        content_by_lua_block {
            local co = coroutine.wrap(function (a)
                ngx.sleep(0.01)
                local b = coroutine.yield(a + 1)
                ngx.sleep(0.01)
                return b * 2
            end)
            ngx.say(co(1))
            ngx.say(co(5))
        }
    }
--- request
GET /t
--- response_body
2
10
--- no_error_log
[error]



=== TEST 5: ngx.sleep is refused in header_filter_by_lua
--- config
    location /t {
        content_by_lua_block { ngx.say("body") }
        header_filter_by_lua_block {
            local ok, err = pcall(ngx.sleep, 0.01)
            ngx.header["X-Err"] = err
        }
    }
--- request
GET /t
--- response_headers
X-Err: API disabled in the context of header_filter_by_lua*
--- response_body
body



=== TEST 6: ngx.sleep argument errors
--- config
    location /t {
        content_by_lua_block {
            local ok, err = pcall(ngx.sleep)
            ngx.say(err)
            ok, err = pcall(ngx.sleep, 1, 2)
            ngx.say(err)
            ok, err = pcall(ngx.sleep, -1)
            ngx.say(err)
        }
    }
--- request
GET /t
--- response_body
attempt to pass 0 arguments, but accepted 1
attempt to pass 2 arguments, but accepted 1
invalid sleep duration "-1000"



=== TEST 7: ngx.timer.at runs the callback later with its arguments
--- config
    location /t {
        content_by_lua_block {
            local function cb(premature, a, b)
                ngx.log(ngx.WARN, "timer: ", premature, " ", a, " ", b,
                        " ", ngx.get_phase())
            end
            local ok, err = ngx.timer.at(0.01, cb, "x", 42)
            ngx.say(ok, " ", err)
            ngx.sleep(0.05)
        }
    }
--- request
GET /t
--- response_body
1 nil
--- error_log eval
qr/\[warn\] .*timer: false x 42 timer, context: ngx\.timer/
--- no_error_log
[error]



=== TEST 8: a timer callback sleeps and writes to a shared dict
--- http_config
    lua_shared_dict d 1m;
--- config
    location /t {
        content_by_lua_block {
            ngx.timer.at(0, function ()
                ngx.sleep(0.02)
                ngx.shared.d:set("k", "from timer")
            end)
            ngx.say(ngx.shared.d:get("k"))
            ngx.sleep(0.1)
            ngx.say(ngx.shared.d:get("k"))
        }
    }
--- request
GET /t
--- response_body
nil
from timer
--- no_error_log
[error]



=== TEST 9: ngx.timer.every runs again and again
--- http_config
    lua_shared_dict d 1m;
--- config
    location /t {
        content_by_lua_block {
            local ok, err = ngx.timer.every(0.05, function (premature, step)
                ngx.shared.d:incr("n", step, 0)
            end, 1)
            ngx.say(ok, " ", err)
            ngx.sleep(0.28)
            local n = ngx.shared.d:get("n")
            ngx.say(n >= 3 and n <= 6)
        }
    }
--- request
GET /t
--- response_body
1 nil
true
--- no_error_log
[error]



=== TEST 10: pending and running counts
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.timer.pending_count(), " ", ngx.timer.running_count())
            ngx.timer.at(0, function () ngx.sleep(0.1) end)
            ngx.timer.at(10, function () end)
            ngx.say(ngx.timer.pending_count(), " ", ngx.timer.running_count())
            ngx.sleep(0.03)
            ngx.say(ngx.timer.pending_count(), " ", ngx.timer.running_count())
        }
    }
--- request
GET /t
--- response_body
0 0
2 0
1 1
--- no_error_log
[error]



=== TEST 11: lua_max_pending_timers
--- http_config
    lua_max_pending_timers 2;
--- config
    location /t {
        content_by_lua_block {
            for i = 1, 3 do
                ngx.say(ngx.timer.at(10, function () end))
            end
        }
    }
--- request
GET /t
--- response_body
1
1
niltoo many pending timers



=== TEST 12: lua_max_running_timers
--- http_config
    lua_max_running_timers 1;
--- config
    location /t {
        content_by_lua_block {
            ngx.timer.at(0, function () ngx.sleep(0.1) end)
            ngx.timer.at(0.02, function () ngx.log(ngx.ERR, "second ran") end)
            ngx.sleep(0.06)
            ngx.say("ok")
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log
1 lua_max_running_timers are not enough
--- no_error_log
second ran



=== TEST 13: an error in a timer callback is logged with its context
--- config
    location /t {
        content_by_lua_block {
            ngx.timer.at(0, function () error("oops") end)
            ngx.sleep(0.02)
            ngx.say("ok")
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log eval
qr/lua entry thread aborted: runtime error: content_by_lua\(nginx\.conf:\d+\):2: oops/
--- error_log
context: ngx.timer



=== TEST 14: the output API is refused in a timer
--- config
    location /t {
        content_by_lua_block {
            ngx.timer.at(0, function ()
                local ok, err = pcall(ngx.say, "x")
                ngx.log(ngx.WARN, "say: ", err)
            end)
            ngx.sleep(0.02)
            ngx.say("ok")
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log
say: API disabled in the context of ngx.timer



=== TEST 15: light threads in a timer
--- config
    location /t {
        content_by_lua_block {
            ngx.timer.at(0, function ()
                local t = ngx.thread.spawn(function (x)
                    ngx.sleep(0.01)
                    return x * 2
                end, 21)
                local ok, v = ngx.thread.wait(t)
                ngx.log(ngx.WARN, "thread in timer: ", ok, " ", v)
            end)
            ngx.sleep(0.05)
            ngx.say("ok")
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log
thread in timer: true 42
--- no_error_log
[error]



=== TEST 16: a timer made in log_by_lua
--- config
    location /t {
        content_by_lua_block { ngx.say("ok") }
        log_by_lua_block {
            ngx.timer.at(0, function ()
                ngx.log(ngx.WARN, "timer from log phase")
            end)
        }
    }
--- request
GET /t
--- response_body
ok
--- wait: 0.1
--- error_log
timer from log phase
--- no_error_log
[error]



=== TEST 17: timers made in init_worker_by_lua
--- http_config
    init_worker_by_lua_block {
        ngx.timer.at(0, function ()
            ngx.log(ngx.WARN, "init worker timer, phase ", ngx.get_phase())
        end)
    }
--- config
    location /t {
        content_by_lua_block { ngx.sleep(0.02) ngx.say("ok") }
    }
--- request
GET /t
--- response_body
ok
--- error_log
init worker timer, phase timer
--- no_error_log
[error]



=== TEST 18: bad arguments of ngx.timer.at and ngx.timer.every
--- config
    location /t {
        content_by_lua_block {
            local ok, err = pcall(ngx.timer.at, 1)
            ngx.say(err)
            ok, err = pcall(ngx.timer.at, 1, "f")
            ngx.say(ok)
            ok, err = pcall(ngx.timer.every, 0, function () end)
            ngx.say(ok)
        }
    }
--- request
GET /t
--- response_body
expecting at least 2 arguments but got 1
false
false
