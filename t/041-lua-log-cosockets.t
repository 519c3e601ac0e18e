# lua_log_cosockets (a moxy directive, off by default): log_by_lua* may
# wait (ngx.sleep, cosockets, light threads) after the response is out;
# the request lives on without its connection until the handler ends,
# and the access log line comes after it. Off, the errors are
# lua-nginx-module's. Blocks marked moxy-only skip themselves on nginx:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/041-lua-log-cosockets.t

use Test::Nginx::Socket 'no_plan';

our $MoxyOnly = ($ENV{TEST_NGINX_BINARY} || '') =~ m{(^|/)nginx$} ? 1 : 0;

no_long_string();
run_tests();

__DATA__

=== TEST 1: off by default: ngx.sleep in log_by_lua fails as in lua-nginx-module
--- config
    location /t {
        content_by_lua_block { ngx.say("ok") }
        log_by_lua_block { ngx.sleep(0.01) }
    }
--- request
GET /t
--- response_body
ok
--- error_log
API disabled in the context of log_by_lua*



=== TEST 2: on: log_by_lua sleeps after the response went out
--- skip_eval: 3: $main::MoxyOnly
--- http_config
    lua_shared_dict d 1m;
--- config
    lua_log_cosockets on;
    location /t {
        content_by_lua_block {
            ngx.say("first: ", ngx.shared.d:get("k"))
        }
        log_by_lua_block {
            ngx.sleep(0.05)
            ngx.shared.d:set("k", "logged " .. ngx.var.uri)
            ngx.log(ngx.WARN, "log handler done")
        }
    }
    location /check {
        content_by_lua_block {
            ngx.sleep(0.1)
            ngx.say(ngx.shared.d:get("k"))
        }
    }
--- request eval
["GET /t", "GET /check"]
--- response_body eval
["first: nil\n", "logged /t\n"]



=== TEST 2b: on: the lines logged after the wait keep the request's context
--- skip_eval: 3: $main::MoxyOnly
--- config
    lua_log_cosockets on;
    location /t {
        content_by_lua_block { ngx.say("ok") }
        log_by_lua_block {
            ngx.sleep(0.05)
            ngx.log(ngx.WARN, "log handler done")
        }
    }
--- request
GET /t
--- response_body
ok
--- wait: 0.2
--- error_log eval
qr/\[warn\] .*log handler done while logging request, client: 127\.0\.0\.1, server: localhost, request: "GET \/t HTTP\/1\.1"/



=== TEST 3: on: the access log line waits for the handler and sees what it set
--- skip_eval: 3: $main::MoxyOnly
--- http_config
    log_format mine '$uri $lua_note';
--- config
    lua_log_cosockets on;
    access_log logs/access.log mine;
    location /t {
        set $lua_note "none";
        content_by_lua_block { ngx.say("ok") }
        log_by_lua_block {
            ngx.sleep(0.02)
            ngx.var.lua_note = "after-sleep"
        }
    }
--- request
GET /t
--- response_body
ok
--- wait: 0.1
--- access_log
/t after-sleep



=== TEST 4: on: a keep-alive connection goes on while the previous request logs
--- skip_eval: 3: $main::MoxyOnly
--- http_config
    lua_shared_dict d 1m;
--- config
    lua_log_cosockets on;
    location /slow {
        content_by_lua_block { ngx.say("slow ", ngx.var.arg_n) }
        log_by_lua_block {
            ngx.sleep(0.2)
            ngx.shared.d:set(ngx.var.arg_n, ngx.var.request_uri .. " "
                             .. ngx.req.get_headers()["x-tag"])
        }
    }
    location /check {
        content_by_lua_block {
            ngx.say(ngx.shared.d:get("1"), ", ", ngx.shared.d:get("2"))
            ngx.sleep(0.4)
            ngx.say(ngx.shared.d:get("1"), ", ", ngx.shared.d:get("2"))
        }
    }
--- pipelined_requests eval
["GET /slow?n=1", "GET /slow?n=2", "GET /check"]
--- more_headers
X-Tag: tagged
--- response_body eval
["slow 1\n", "slow 2\n", "nil, nil\n/slow?n=1 tagged, /slow?n=2 tagged\n"]



=== TEST 5: on: light threads and timers in log_by_lua
--- skip_eval: 3: $main::MoxyOnly
--- config
    lua_log_cosockets on;
    location /t {
        content_by_lua_block { ngx.say("ok") }
        log_by_lua_block {
            local t = ngx.thread.spawn(function ()
                ngx.sleep(0.01)
                return "from thread"
            end)
            local ok, v = ngx.thread.wait(t)
            ngx.log(ngx.WARN, "log phase: ", v)
        }
    }
--- request
GET /t
--- response_body
ok
--- wait: 0.1
--- error_log
log phase: from thread
--- no_error_log
[error]



=== TEST 6: on: an error after a wait is logged, the request is freed
--- skip_eval: 3: $main::MoxyOnly
--- config
    lua_log_cosockets on;
    location /t {
        content_by_lua_block { ngx.say("ok") }
        log_by_lua_block {
            ngx.sleep(0.01)
            error("log failed")
        }
    }
--- request
GET /t
--- response_body
ok
--- wait: 0.1
--- error_log
log failed



=== TEST 7: on: the output API stays refused in log_by_lua
--- skip_eval: 3: $main::MoxyOnly
--- config
    lua_log_cosockets on;
    location /t {
        content_by_lua_block { ngx.say("ok") }
        log_by_lua_block {
            ngx.sleep(0.01)
            local ok, err = pcall(ngx.say, "late")
            ngx.log(ngx.WARN, "say: ", err)
        }
    }
--- request
GET /t
--- response_body
ok
--- wait: 0.1
--- error_log
say: API disabled in the context of log_by_lua*
