# ngx.semaphore: post/wait between light threads, timers and requests,
# timeouts, FIFO order, count(), abandoned waiters (killed, their request
# over) giving back what they got, argument and context errors. As in
# the reference, a wait that did not yield returns true or nil, "timeout";
# one that did returns true, nil or false, "timeout". Every
# block also passes on nginx + lua-nginx-module + lua-resty-core:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/033-lua-semaphore.t

use Test::Nginx::Socket 'no_plan';

no_long_string();
run_tests();

__DATA__

=== TEST 1: new(), post(), count() and wait(0) without waiting
--- config
    location /t {
        content_by_lua_block {
            local semaphore = require "ngx.semaphore"
            local sem = semaphore.new()
            ngx.say("new: ", sem:count())
            sem = semaphore.new(2)
            ngx.say("new(2): ", sem:count())
            ngx.say("post: ", sem:post(), " ", sem:count())
            ngx.say("post(3): ", sem:post(3), " ", sem:count())
            for i = 1, 7 do
                local ok, err = sem:wait(0)
                ngx.say("wait(0): ", ok, " ", err, " ", sem:count())
            end
            ngx.say(type(semaphore.version))
        }
    }
--- request
GET /t
--- response_body
new: 0
new(2): 2
post: true 3
post(3): true 6
wait(0): true nil 5
wait(0): true nil 4
wait(0): true nil 3
wait(0): true nil 2
wait(0): true nil 1
wait(0): true nil 0
wait(0): nil timeout 0
string
--- no_error_log
[error]



=== TEST 2: a light thread waits, the entry thread posts
--- config
    location /t {
        content_by_lua_block {
            local semaphore = require "ngx.semaphore"
            local sem = semaphore.new()
            local t = ngx.thread.spawn(function ()
                ngx.say("thread waits")
                local ok, err = sem:wait(1)
                ngx.say("thread woke: ", ok, " ", err)
                return "done"
            end)
            ngx.say("count: ", sem:count())
            ngx.say("post: ", sem:post())
            ngx.say("after post: ", sem:count())
            ngx.say("wait: ", select(2, ngx.thread.wait(t)))
            ngx.say("count: ", sem:count())
        }
    }
--- request
GET /t
--- response_body
thread waits
count: -1
post: true
after post: 0
thread woke: true nil
wait: done
count: 0
--- no_error_log
[error]



=== TEST 3: the entry thread waits, a light thread posts after a sleep
--- config
    location /t {
        content_by_lua_block {
            local semaphore = require "ngx.semaphore"
            local sem = semaphore.new(0)
            ngx.thread.spawn(function ()
                ngx.sleep(0.05)
                ngx.say("posting")
                sem:post()
            end)
            ngx.update_time()
            local t0 = ngx.now()
            local ok, err = sem:wait(2)
            ngx.update_time()
            local dt = ngx.now() - t0
            ngx.say("woke: ", ok, " ", err, " ", dt >= 0.04 and dt < 1)
        }
    }
--- request
GET /t
--- response_body
posting
woke: true nil true
--- no_error_log
[error]



=== TEST 4: the wait times out
--- config
    location /t {
        content_by_lua_block {
            local semaphore = require "ngx.semaphore"
            local sem = semaphore.new()
            ngx.update_time()
            local t0 = ngx.now()
            local ok, err = sem:wait(0.1)
            ngx.update_time()
            local dt = ngx.now() - t0
            ngx.say(ok, " ", err, " ", dt >= 0.09 and dt < 1)
            ngx.say("count: ", sem:count())
            sem:post()
            ngx.say("count: ", sem:count())
            ngx.say(sem:wait(0))
        }
    }
--- request
GET /t
--- response_body
false timeout true
count: 0
count: 1
true
--- no_error_log
[error]



=== TEST 5: wait(0) never waits, even when others wait
--- config
    location /t {
        content_by_lua_block {
            local semaphore = require "ngx.semaphore"
            local sem = semaphore.new()
            ngx.say(sem:wait(0))
            local t = ngx.thread.spawn(function ()
                return sem:wait(1)
            end)
            -- a resource posted now goes to the waiter, not to wait(0)
            sem:post()
            ngx.say(sem:wait(0))
            ngx.say(ngx.thread.wait(t))
            ngx.say(sem:count())
        }
    }
--- request
GET /t
--- response_body
niltimeout
niltimeout
truetruenil
0
--- no_error_log
[error]



=== TEST 6: waiters are served in their order, count() goes negative
--- config
    location /t {
        content_by_lua_block {
            local semaphore = require "ngx.semaphore"
            local sem = semaphore.new()
            local order = {}
            local threads = {}
            for i = 1, 4 do
                threads[i] = ngx.thread.spawn(function ()
                    local ok, err = sem:wait(2)
                    order[#order + 1] = i .. ":" .. tostring(ok)
                end)
                ngx.say("count: ", sem:count())
            end
            sem:post()
            ngx.say("post 1: ", sem:count())
            ngx.sleep(0.01)
            ngx.say(table.concat(order, " "))
            sem:post(2)
            ngx.say("post 2: ", sem:count())
            ngx.sleep(0.01)
            ngx.say(table.concat(order, " "))
            sem:post(5)
            ngx.say("post 5: ", sem:count())
            for i = 1, 4 do
                ngx.thread.wait(threads[i])
            end
            ngx.say(table.concat(order, " "))
            ngx.say("count: ", sem:count())
        }
    }
--- request
GET /t
--- response_body
count: -1
count: -2
count: -3
count: -4
post 1: -3
1:true
post 2: -1
1:true 2:true 3:true
post 5: 4
1:true 2:true 3:true 4:true
count: 4
--- no_error_log
[error]



=== TEST 7: the FIFO holds across a timeout in the middle of the queue
--- config
    location /t {
        content_by_lua_block {
            local semaphore = require "ngx.semaphore"
            local sem = semaphore.new()
            local order = {}
            local function waiter(name, secs)
                return ngx.thread.spawn(function ()
                    local ok, err = sem:wait(secs)
                    order[#order + 1] = name .. ":" .. (ok and "ok" or err)
                end)
            end
            local a = waiter("a", 1)
            local b = waiter("b", 0.05)
            local c = waiter("c", 1)
            ngx.sleep(0.1)
            ngx.say("count: ", sem:count())
            sem:post(2)
            ngx.thread.wait(a)
            ngx.thread.wait(b)
            ngx.thread.wait(c)
            ngx.say(table.concat(order, " "))
            ngx.say("count: ", sem:count())
        }
    }
--- request
GET /t
--- response_body
count: -2
b:timeout a:ok c:ok
count: 0
--- no_error_log
[error]



=== TEST 8: a timer posts, the request waiting wakes
--- config
    location /t {
        content_by_lua_block {
            local semaphore = require "ngx.semaphore"
            local sem = semaphore.new()
            local ok, err = ngx.timer.at(0.05, function ()
                sem:post()
            end)
            ngx.say("timer: ", ok, " ", err)
            ngx.say("wait: ", sem:wait(2))
        }
    }
--- request
GET /t
--- response_body
timer: 1 nil
wait: truenil
--- no_error_log
[error]



=== TEST 9: a timer waits, the request posts; then the other way round
--- config
    location /t {
        content_by_lua_block {
            local semaphore = require "ngx.semaphore"
            local to_timer = semaphore.new()
            local to_request = semaphore.new()
            local got
            ngx.timer.at(0, function ()
                local ok, err = to_timer:wait(2)
                got = tostring(ok) .. " " .. tostring(err) .. " in "
                      .. ngx.get_phase()
                to_request:post()
            end)
            ngx.sleep(0.02)
            ngx.say("timer waits: ", to_timer:count())
            to_timer:post()
            ngx.say("request: ", to_request:wait(2))
            ngx.say("timer: ", got)
        }
    }
--- request
GET /t
--- response_body
timer waits: -1
request: truenil
timer: true nil in timer
--- no_error_log
[error]



=== TEST 10: waiters of several timers and a request, in their order
--- config
    location /t {
        content_by_lua_block {
            local semaphore = require "ngx.semaphore"
            local sem = semaphore.new()
            local done = semaphore.new()
            local order = {}
            for i = 1, 3 do
                ngx.timer.at(0.01 * i, function ()
                    local ok = sem:wait(2)
                    order[#order + 1] = "timer" .. i
                    done:post()
                end)
            end
            ngx.sleep(0.1)
            ngx.thread.spawn(function ()
                local ok = sem:wait(2)
                order[#order + 1] = "thread"
                done:post()
            end)
            ngx.say("count: ", sem:count())
            -- one at a time: who gets each resource, not who of several
            -- woken together runs first
            for i = 1, 4 do
                sem:post()
                done:wait(2)
            end
            ngx.say(table.concat(order, " "))
        }
    }
--- request
GET /t
--- response_body
count: -4
timer1 timer2 timer3 thread
--- no_error_log
[error]



=== TEST 11: a killed waiter leaves the queue and takes nothing
--- config
    location /t {
        content_by_lua_block {
            local semaphore = require "ngx.semaphore"
            local sem = semaphore.new()
            local t = ngx.thread.spawn(function ()
                sem:wait(1)
                ngx.say("never")
            end)
            ngx.say("count: ", sem:count())
            ngx.say("kill: ", ngx.thread.kill(t))
            ngx.say("count: ", sem:count())
            sem:post()
            ngx.say("count: ", sem:count())
            ngx.say("wait: ", sem:wait(0))
        }
    }
--- request
GET /t
--- response_body
count: -1
kill: 1
count: 0
count: 1
wait: true
--- no_error_log
[error]



=== TEST 12: a waiter killed after a post woke it gives the resource back
--- config
    location /t {
        content_by_lua_block {
            local semaphore = require "ngx.semaphore"
            local sem = semaphore.new()
            local t = ngx.thread.spawn(function ()
                sem:wait(1)
                ngx.say("never")
            end)
            sem:post()
            ngx.say("kill: ", ngx.thread.kill(t))
            ngx.say("count: ", sem:count())
            ngx.sleep(0.01)
            ngx.say("count: ", sem:count())
            ngx.say("wait: ", sem:wait(0))
        }
    }
--- request
GET /t
--- response_body
kill: 1
count: 1
count: 1
wait: true
--- no_error_log
[error]



=== TEST 13: a killed waiter woken by a post: the next waiter gets it
--- config
    location /t {
        content_by_lua_block {
            local semaphore = require "ngx.semaphore"
            local sem = semaphore.new()
            local t1 = ngx.thread.spawn(function ()
                sem:wait(1)
                ngx.say("never")
            end)
            local t2 = ngx.thread.spawn(function ()
                local ok, err = sem:wait(1)
                ngx.say("t2: ", ok, " ", err)
            end)
            sem:post()
            ngx.thread.kill(t1)
            ngx.thread.wait(t2)
            ngx.say("count: ", sem:count())
        }
    }
--- request
GET /t
--- response_body
t2: true nil
count: 0
--- no_error_log
[error]



=== TEST 14: the request ends right after a post woke its waiting thread
--- http_config
    init_by_lua_block {
        package.loaded.test_sem = require("ngx.semaphore").new()
    }
--- config
    location /a {
        content_by_lua_block {
            local sem = package.loaded.test_sem
            ngx.thread.spawn(function ()
                sem:wait(1)
                ngx.log(ngx.ERR, "never")
            end)
            ngx.say("count: ", sem:count())
            sem:post()
            ngx.exit(200)
        }
    }
    location /b {
        content_by_lua_block {
            local sem = package.loaded.test_sem
            ngx.say("count: ", sem:count())
            ngx.say("wait: ", sem:wait(0))
        }
    }
--- request eval
["GET /a", "GET /b"]
--- response_body eval
["count: -1\n", "count: 1\nwait: true\n"]
--- no_error_log
[error]



=== TEST 15: a wait that timed out leaves a later post alone
--- config
    location /t {
        content_by_lua_block {
            local semaphore = require "ngx.semaphore"
            local sem = semaphore.new()
            local t = ngx.thread.spawn(function ()
                return sem:wait(0.01)
            end)
            ngx.say(ngx.thread.wait(t))
            sem:post()
            ngx.say("count: ", sem:count())
        }
    }
--- request
GET /t
--- response_body
truefalsetimeout
count: 1
--- no_error_log
[error]



=== TEST 16: wait in rewrite_by_lua and access_by_lua
--- config
    location /t {
        rewrite_by_lua_block {
            local sem = require("ngx.semaphore").new()
            ngx.timer.at(0.01, function () sem:post() end)
            ngx.ctx.r = tostring(sem:wait(1))
        }
        access_by_lua_block {
            local sem = require("ngx.semaphore").new()
            ngx.thread.spawn(function () sem:post() end)
            ngx.ctx.a = tostring(sem:wait(1))
        }
        content_by_lua_block {
            ngx.say(ngx.ctx.r, " ", ngx.ctx.a)
        }
    }
--- request
GET /t
--- response_body
true true
--- no_error_log
[error]



=== TEST 17: wait inside a coroutine of the handler
--- config
    location /t {
        content_by_lua_block {
            local sem = require("ngx.semaphore").new()
            ngx.timer.at(0.01, function () sem:post(2) end)
            local co = coroutine.wrap(function ()
                local ok = sem:wait(1)
                coroutine.yield(ok)
                return sem:wait(1)
            end)
            ngx.say(co())
            ngx.say(co())
        }
    }
--- request
GET /t
--- response_body
true
true
--- no_error_log
[error]



=== TEST 18: argument errors
--- config
    location /t {
        content_by_lua_block {
            local semaphore = require "ngx.semaphore"
            local sem = semaphore.new()
            ngx.say(pcall(semaphore.new, -1))
            ngx.say(semaphore.new("abc"):count())
            ngx.say(pcall(sem.wait, sem, -1))
            ngx.say(pcall(sem.post, sem, 0))
            ngx.say(pcall(sem.post, sem, -3))
            ngx.say(pcall(sem.wait))
            ngx.say(pcall(sem.post, {}))
            ngx.say(pcall(sem.count, "x"))
            ngx.say(sem:count())
        }
    }
--- request
GET /t
--- response_body
falseno negative number
0
falseno negative number
falsepositive number required
falsepositive number required
falsenot a semaphore instance
falsenot a semaphore instance
falsenot a semaphore instance
0
--- no_error_log
[error]



=== TEST 19: wait refused where Lua cannot wait; post and count work there
--- config
    location /t {
        content_by_lua_block {
            ngx.ctx.sem = require("ngx.semaphore").new(1)
            ngx.say("body")
        }
        header_filter_by_lua_block {
            local sem = ngx.ctx.sem
            local ok, err = sem:wait(0)
            ngx.header["X-Wait"] = tostring(ok) .. ": " .. err
            sem:post()
            ngx.header["X-Count"] = sem:count()
        }
        body_filter_by_lua_block {
            local sem = ngx.ctx.sem
            local ok, err = sem:wait(1)
            ngx.arg[1] = ngx.arg[2] and err .. "\n" or ""
        }
        log_by_lua_block {
            local ok, err = ngx.ctx.sem:wait(1)
            ngx.log(ngx.WARN, "log: ", ok, " ", err)
        }
    }
--- request
GET /t
--- response_headers
X-Wait: nil: API disabled in the context of header_filter_by_lua*
X-Count: 2
--- response_body
API disabled in the context of body_filter_by_lua*
--- error_log
log: nil API disabled in the context of log_by_lua*
--- no_error_log
[error]



=== TEST 20: wait in set_by_lua and init_worker_by_lua is refused
--- http_config
    init_worker_by_lua_block {
        local sem = require("ngx.semaphore").new(1)
        local ok, err = sem:wait(0)
        ngx.log(ngx.WARN, "init_worker: ", ok, " ", err, " ", sem:count())
    }
--- config
    location /t {
        set_by_lua_block $res {
            local sem = require("ngx.semaphore").new(1)
            local ok, err = sem:wait(0)
            return tostring(ok) .. " " .. err
        }
        content_by_lua_block {
            ngx.say(ngx.var.res)
        }
    }
--- request
GET /t
--- response_body
nil API disabled in the context of set_by_lua*
--- error_log
init_worker: nil API disabled in the context of init_worker_by_lua* 1
--- no_error_log
[error]



=== TEST 21: semaphores are collected; one in use is not
--- config
    location /t {
        content_by_lua_block {
            local semaphore = require "ngx.semaphore"
            for i = 1, 2000 do
                local s = semaphore.new(i)
                s:post()
                s:wait(0)
            end
            collectgarbage()
            local t = ngx.thread.spawn(function ()
                -- the only reference is in the waiting frame
                return semaphore.new():wait(0.05)
            end)
            collectgarbage()
            collectgarbage()
            ngx.say(ngx.thread.wait(t))
        }
    }
--- request
GET /t
--- response_body
truefalsetimeout
--- no_error_log
[error]



=== TEST 22: a waiter from another request is served before a later one
--- http_config
    init_by_lua_block {
        package.loaded.test_sem = require("ngx.semaphore").new()
    }
--- config
    location /t {
        content_by_lua_block {
            local sem = package.loaded.test_sem
            local order = {}
            -- the timer waits first, on a request of its own
            ngx.timer.at(0, function ()
                local ok = sem:wait(2)
                order[#order + 1] = "timer:" .. tostring(ok)
            end)
            ngx.sleep(0.02)
            local t = ngx.thread.spawn(function ()
                local ok = sem:wait(2)
                order[#order + 1] = "thread:" .. tostring(ok)
            end)
            ngx.say("count: ", sem:count())
            sem:post()
            ngx.sleep(0.02)
            ngx.say(table.concat(order, " "))
            sem:post()
            ngx.thread.wait(t)
            ngx.say(table.concat(order, " "))
        }
    }
--- request
GET /t
--- response_body
count: -2
timer:true
timer:true thread:true
--- no_error_log
[error]



=== TEST 23: the resource of a waiter whose request ended goes to the next one
--- http_config
    init_by_lua_block {
        package.loaded.test_sem = require("ngx.semaphore").new()
    }
--- config
    location /a {
        content_by_lua_block {
            local sem = package.loaded.test_sem
            ngx.thread.spawn(function ()
                sem:wait(1)
                ngx.log(ngx.ERR, "never")
            end)
            ngx.timer.at(0, function ()
                local ok, err = sem:wait(1)
                package.loaded.test_got = tostring(ok) .. " " .. tostring(err)
            end)
            ngx.sleep(0.02)
            ngx.say("count: ", sem:count())
            sem:post()
            ngx.exit(200)
        }
    }
    location /b {
        content_by_lua_block {
            ngx.sleep(0.02)
            ngx.say("count: ", package.loaded.test_sem:count())
            ngx.say("timer got: ", package.loaded.test_got)
        }
    }
--- request eval
["GET /a", "GET /b"]
--- response_body eval
["count: -2\n", "count: 0\ntimer got: true nil\n"]
--- no_error_log
[error]
