# lua_check_client_abort and ngx.on_abort: a client that closes its
# connection while the request's Lua code waits. With a handler, it runs
# as a user thread (usually ngx.exit(499)); without one, the request ends
# as aborted. Every block also passes on nginx + lua-nginx-module:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/042-lua-on-abort.t

use Test::Nginx::Socket 'no_plan';

no_long_string();
run_tests();

__DATA__

=== TEST 1: the on_abort handler runs when the client goes away
--- config
    lua_check_client_abort on;
    location /t {
        content_by_lua_block {
            local ok, err = ngx.on_abort(function ()
                ngx.log(ngx.WARN, "on abort called")
                ngx.exit(499)
            end)
            if not ok then
                ngx.log(ngx.ERR, "on_abort: ", err)
            end
            ngx.sleep(1)
            ngx.log(ngx.WARN, "main handler done")
        }
    }
--- request
GET /t
--- timeout: 0.2
--- abort
--- ignore_response
--- wait: 0.2
--- error_log
on abort called
--- no_error_log
main handler done
[error]



=== TEST 2: no handler: the request is aborted
--- config
    lua_check_client_abort on;
    location /t {
        content_by_lua_block {
            ngx.sleep(1)
            ngx.log(ngx.WARN, "main handler done")
        }
    }
--- request
GET /t
--- timeout: 0.2
--- abort
--- ignore_response
--- wait: 0.2
--- no_error_log
main handler done
[error]



=== TEST 3: without lua_check_client_abort the code runs on
--- config
    location /t {
        content_by_lua_block {
            local ok, err = ngx.on_abort(function () end)
            ngx.log(ngx.WARN, "on_abort: ", ok, " ", err)
            ngx.sleep(0.4)
            ngx.log(ngx.WARN, "main handler done")
        }
    }
--- request
GET /t
--- timeout: 0.2
--- abort
--- ignore_response
--- wait: 0.4
--- error_log
on_abort: nil lua_check_client_abort is off
main handler done



=== TEST 4: a second ngx.on_abort is refused
--- config
    lua_check_client_abort on;
    location /t {
        content_by_lua_block {
            ngx.say(ngx.on_abort(function () end))
            ngx.say(ngx.on_abort(function () end))
        }
    }
--- request
GET /t
--- response_body
1
nilduplicate call
--- no_error_log
[error]



=== TEST 5: a request that completes never calls the handler
--- config
    lua_check_client_abort on;
    location /t {
        content_by_lua_block {
            ngx.on_abort(function ()
                ngx.log(ngx.WARN, "on abort called")
            end)
            ngx.sleep(0.01)
            ngx.say("done")
        }
    }
--- request
GET /t
--- response_body
done
--- no_error_log
on abort called
[error]



=== TEST 6: the handler may clean up and let the main thread end
--- config
    lua_check_client_abort on;
    location /t {
        content_by_lua_block {
            local aborted = false
            ngx.on_abort(function ()
                aborted = true
                ngx.log(ngx.WARN, "flagged")
            end)
            for i = 1, 10 do
                if aborted then
                    ngx.log(ngx.WARN, "main thread saw the abort")
                    return
                end
                ngx.sleep(0.05)
            end
            ngx.log(ngx.WARN, "ran to the end")
        }
    }
--- request
GET /t
--- timeout: 0.2
--- abort
--- ignore_response
--- wait: 0.5
--- error_log
flagged
main thread saw the abort
--- no_error_log
ran to the end
[error]



=== TEST 7: in rewrite_by_lua
--- config
    lua_check_client_abort on;
    location /t {
        rewrite_by_lua_block {
            ngx.on_abort(function ()
                ngx.log(ngx.WARN, "rewrite on abort")
                ngx.exit(499)
            end)
            ngx.sleep(1)
        }
        content_by_lua_block { ngx.log(ngx.WARN, "content ran") }
    }
--- request
GET /t
--- timeout: 0.2
--- abort
--- ignore_response
--- wait: 0.2
--- error_log
rewrite on abort
--- no_error_log
content ran
[error]



=== TEST 8: ngx.on_abort is refused in header_filter_by_lua
--- config
    lua_check_client_abort on;
    location /t {
        content_by_lua_block { ngx.say("ok") }
        header_filter_by_lua_block {
            local ok, err, err2 = pcall(ngx.on_abort, function () end)
            ngx.header["X-Err"] = tostring(ok) .. " " .. tostring(err) .. " " .. tostring(err2)
        }
    }
--- request
GET /t
--- response_headers
X-Err: false API disabled in the context of header_filter_by_lua* nil
--- response_body
ok



=== TEST 9: lua_check_client_abort off is told first, in any context
--- config
    location /t {
        content_by_lua_block { ngx.say("ok") }
        header_filter_by_lua_block {
            local ok, err, err2 = pcall(ngx.on_abort, function () end)
            ngx.header["X-Err"] = tostring(ok) .. " " .. tostring(err) .. " " .. tostring(err2)
        }
    }
--- request
GET /t
--- response_headers
X-Err: true nil lua_check_client_abort is off
--- response_body
ok
