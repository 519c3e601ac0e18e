# Lua timers when a worker shuts down gracefully (a master and a worker,
# as nginx runs premature timers only then): the pending ones run at once
# with premature = true, and the shutdown waits for running ones. Every
# block also passes on nginx + lua-nginx-module:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/039-lua-timer-exit.t

use Test::Nginx::Socket 'no_plan';

our $MoxyOnly = ($ENV{TEST_NGINX_BINARY} || '') =~ m{(^|/)nginx$} ? 1 : 0;

master_on();
workers(1);
no_long_string();
run_tests();

__DATA__

=== TEST 1: pending timers run prematurely when the worker shuts down
--- http_config
    init_worker_by_lua_block {
        ngx.timer.at(100, function (premature, what)
            ngx.log(ngx.WARN, "premature run: ", premature, " ", what)
        end, "bye")
    }
--- config
    location /t {
        content_by_lua_block { ngx.say("ok") }
    }
--- request
GET /t
--- response_body
ok
--- shutdown_error_log
premature run: true bye



=== TEST 2: a premature callback may still wait; the worker exits after it
--- http_config
    init_worker_by_lua_block {
        ngx.timer.at(100, function (premature)
            ngx.sleep(0.1)
            ngx.log(ngx.WARN, "slept in premature timer: ", premature,
                    " exiting: ", ngx.worker.exiting())
        end)
    }
--- config
    location /t {
        content_by_lua_block { ngx.say("ok") }
    }
--- request
GET /t
--- response_body
ok
--- shutdown_error_log
slept in premature timer: true exiting: true



=== TEST 3: no new timers once the worker is exiting
--- http_config
    init_worker_by_lua_block {
        ngx.timer.at(100, function (premature)
            local ok, err = ngx.timer.at(1, function () end)
            ngx.log(ngx.WARN, "new timer: ", ok, " ", err)
            ok, err = ngx.timer.at(0, function (premature)
                ngx.log(ngx.WARN, "zero delay timer ran: ", premature)
            end)
            ngx.log(ngx.WARN, "new 0 timer: ", ok, " ", err)
        end)
    }
--- config
    location /t {
        content_by_lua_block { ngx.say("ok") }
    }
--- request
GET /t
--- response_body
ok
--- shutdown_error_log
new timer: nil process exiting
new 0 timer: 1 nil
zero delay timer ran: false



=== TEST 4: the shutdown waits for a log_by_lua that waits (lua_log_cosockets, moxy)
--- skip_eval: 3: $main::MoxyOnly
--- config
    lua_log_cosockets on;
    location /t {
        content_by_lua_block { ngx.say("ok") }
        log_by_lua_block {
            ngx.sleep(0.3)
            ngx.log(ngx.WARN, "log handler finished, exiting: ",
                    ngx.worker.exiting())
        }
    }
--- request
GET /t
--- response_body
ok
--- shutdown_error_log
log handler finished, exiting: true
