# ngx.thread.spawn, ngx.thread.wait, ngx.thread.kill: light threads of a
# request beside its entry thread; the phase (and the request) goes on
# when all have ended; ngx.exit in any of them ends them all. Every block
# also passes on nginx + lua-nginx-module:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/031-lua-thread.t

use Test::Nginx::Socket 'no_plan';

no_long_string();
run_tests();

__DATA__

=== TEST 1: a new thread runs at once, until it waits
--- config
    location /t {
        content_by_lua_block {
            ngx.say("before")
            local t = ngx.thread.spawn(function ()
                ngx.say("in thread")
                ngx.sleep(0.01)
                ngx.say("thread again")
            end)
            ngx.say("after spawn: ", type(t))
        }
    }
--- request
GET /t
--- response_body
before
in thread
after spawn: thread
thread again
--- no_error_log
[error]



=== TEST 2: wait returns the thread's results
--- config
    location /t {
        content_by_lua_block {
            local t = ngx.thread.spawn(function (a, b)
                ngx.sleep(0.01)
                return a + b, "sum"
            end, 1, 2)
            ngx.say(ngx.thread.wait(t))
            local t2 = ngx.thread.spawn(function () return "at once" end)
            ngx.say(coroutine.status(t2))
            ngx.say(ngx.thread.wait(t2))
        }
    }
--- request
GET /t
--- response_body
true3sum
zombie
trueat once
--- no_error_log
[error]



=== TEST 3: wait for any of several: the first to end; then one of them is collected already
--- config
    location /t {
        content_by_lua_block {
            local slow = ngx.thread.spawn(function ()
                ngx.sleep(0.2) return "slow"
            end)
            local fast = ngx.thread.spawn(function ()
                ngx.sleep(0.01) return "fast"
            end)
            ngx.say(ngx.thread.wait(slow, fast))
            ngx.say(ngx.thread.wait(slow, fast))
        }
    }
--- request
GET /t
--- response_body
truefast
nilalready waited or killed
--- no_error_log
[error]



=== TEST 4: threads sleep side by side
--- config
    location /t {
        content_by_lua_block {
            ngx.update_time()
            local t0 = ngx.now()
            local ts = {}
            for i = 1, 5 do
                ts[i] = ngx.thread.spawn(function ()
                    ngx.sleep(0.1)
                    return i
                end)
            end
            local sum = 0
            for i = 1, 5 do
                local ok, v = ngx.thread.wait(ts[i])
                sum = sum + v
            end
            ngx.update_time()
            ngx.say(sum, " ", ngx.now() - t0 < 0.4)
        }
    }
--- request
GET /t
--- response_body
15 true
--- no_error_log
[error]



=== TEST 5: an error in a thread: logged, wait returns false and it
--- config
    location /t {
        content_by_lua_block {
            local t = ngx.thread.spawn(function () error("boom") end)
            local ok, err = ngx.thread.wait(t)
            ngx.say(ok, " ", err)
            ngx.say("entry goes on")
        }
    }
--- request
GET /t
--- response_body eval
qr/^false (content_by_lua\(nginx\.conf:\d+\):2: )?boom\nentry goes on\n$/
--- error_log eval
qr/lua user thread aborted: runtime error: content_by_lua\(nginx\.conf:\d+\):2: boom/



=== TEST 6: kill a sleeping thread, then wait and kill again
--- config
    location /t {
        content_by_lua_block {
            local t = ngx.thread.spawn(function ()
                ngx.sleep(0.05)
                ngx.say("never")
            end)
            ngx.say(ngx.thread.kill(t))
            ngx.say(ngx.thread.kill(t))
            ngx.say(ngx.thread.wait(t))
            ngx.sleep(0.1)
            ngx.say("done")
        }
    }
--- request
GET /t
--- response_body
1
nilalready waited or killed
nilalready waited or killed
done
--- no_error_log
[error]



=== TEST 7: kill a thread that already ended
--- config
    location /t {
        content_by_lua_block {
            local t = ngx.thread.spawn(function () return 1 end)
            ngx.say(ngx.thread.kill(t))
        }
    }
--- request
GET /t
--- response_body
nilalready terminated
--- no_error_log
[error]



=== TEST 8: only the parent may kill or wait
--- config
    location /t {
        content_by_lua_block {
            local child
            local parent = ngx.thread.spawn(function ()
                child = ngx.thread.spawn(function () ngx.sleep(0.05) end)
                ngx.sleep(0.1)
            end)
            ngx.sleep(0.01)
            ngx.say(ngx.thread.kill(child))
            local ok, err = pcall(ngx.thread.wait, child)
            ngx.say(err)
            local co = coroutine.create(function () end)
            ok, err = pcall(ngx.thread.wait, co)
            ngx.say(err)
            ngx.say(ngx.thread.kill(co))
        }
    }
--- request
GET /t
--- response_body
nilkiller not parent
only the parent coroutine can wait on the thread
attempt to wait on a coroutine that is not a user thread
nilnot user thread
--- no_error_log
[error]



=== TEST 9: the request ends when its threads have ended
--- config
    location /t {
        content_by_lua_block {
            ngx.thread.spawn(function ()
                ngx.sleep(0.05)
                ngx.say("thread ends last")
            end)
            ngx.say("entry ends")
        }
    }
--- request
GET /t
--- response_body
entry ends
thread ends last
--- no_error_log
[error]



=== TEST 10: ngx.exit in a thread ends the others
--- config
    location /t {
        content_by_lua_block {
            ngx.thread.spawn(function ()
                ngx.sleep(0.1)
                ngx.say("never")
            end)
            ngx.thread.spawn(function ()
                ngx.sleep(0.01)
                ngx.say("exiting")
                ngx.exit(ngx.OK)
            end)
            ngx.sleep(0.2)
            ngx.say("not reached")
        }
    }
--- request
GET /t
--- response_body
exiting
--- no_error_log
[error]



=== TEST 11: ngx.exit in a new thread's first run
--- config
    location /t {
        content_by_lua_block {
            ngx.thread.spawn(function ()
                ngx.say("first")
                ngx.exit(ngx.OK)
            end)
            ngx.say("not reached")
        }
    }
--- request
GET /t
--- response_body
first
--- no_error_log
[error]



=== TEST 12: threads in rewrite_by_lua: the next phase waits for them
--- config
    location /t {
        rewrite_by_lua_block {
            ngx.thread.spawn(function ()
                ngx.sleep(0.02)
                ngx.ctx.v = "set by thread"
            end)
        }
        content_by_lua_block { ngx.say(ngx.ctx.v) }
    }
--- request
GET /t
--- response_body
set by thread
--- no_error_log
[error]



=== TEST 13: threads in access_by_lua: ngx.exit(403) from one
--- config
    location /t {
        access_by_lua_block {
            ngx.thread.spawn(function ()
                ngx.sleep(0.01)
                ngx.exit(403)
            end)
        }
        content_by_lua_block { ngx.say("not reached") }
    }
--- request
GET /t
--- error_code: 403
--- response_body_like: 403 Forbidden



=== TEST 14: a bare coroutine.yield() lets the other threads run
--- config
    location /t {
        content_by_lua_block {
            local function worker(name)
                for i = 1, 3 do
                    ngx.say(name, i)
                    coroutine.yield()
                end
            end
            local a = ngx.thread.spawn(worker, "a")
            local b = ngx.thread.spawn(worker, "b")
            ngx.thread.wait(a)
            ngx.thread.wait(b)
        }
    }
--- request
GET /t
--- response_body
a1
b1
a2
b2
a3
b3
--- no_error_log
[error]



=== TEST 15: spawn is refused in header_filter_by_lua
--- config
    location /t {
        content_by_lua_block { ngx.say("ok") }
        header_filter_by_lua_block {
            local ok, err = pcall(ngx.thread.spawn, function () end)
            ngx.header["X-Err"] = err
        }
    }
--- request
GET /t
--- response_headers
X-Err: API disabled in the context of header_filter_by_lua*
--- response_body
ok



=== TEST 16: an error in the entry thread ends the user threads
--- config
    location /t {
        content_by_lua_block {
            ngx.thread.spawn(function ()
                ngx.sleep(0.05)
                ngx.log(ngx.ERR, "thread still ran")
            end)
            ngx.sleep(0.01)
            error("entry fails")
        }
    }
--- request
GET /t
--- error_code: 500
--- response_body_like: 500 Internal Server Error
--- wait: 0.1
--- error_log
lua entry thread aborted: runtime error
--- no_error_log
thread still ran



=== TEST 17: a thread spawned in a thread
--- config
    location /t {
        content_by_lua_block {
            local outer = ngx.thread.spawn(function ()
                local inner = ngx.thread.spawn(function ()
                    ngx.sleep(0.01)
                    return "inner"
                end)
                local ok, v = ngx.thread.wait(inner)
                return v .. "+outer"
            end)
            ngx.say(ngx.thread.wait(outer))
        }
    }
--- request
GET /t
--- response_body
trueinner+outer
--- no_error_log
[error]



=== TEST 18: many threads
--- config
    location /t {
        content_by_lua_block {
            local ts = {}
            for i = 1, 200 do
                ts[i] = ngx.thread.spawn(function ()
                    ngx.sleep(0.001 * (i % 7))
                    return i
                end)
            end
            local sum = 0
            for i = 1, 200 do
                local _, v = ngx.thread.wait(ts[i])
                sum = sum + v
            end
            ngx.say(sum)
        }
    }
--- request
GET /t
--- response_body
20100
--- no_error_log
[error]



=== TEST 19: zombie threads do not hold the request, and ngx.exit kills
--- config
    location /t {
        content_by_lua_block {
            local done = ngx.thread.spawn(function () return "unwaited" end)
            ngx.say(coroutine.status(done))
            local sleeper = ngx.thread.spawn(function ()
                ngx.sleep(10)
            end)
            ngx.exit(200)
        }
    }
--- request
GET /t
--- response_body
zombie
--- no_error_log
[error]
