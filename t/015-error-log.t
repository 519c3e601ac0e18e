# error_log in http, server and location: the lines of a request go to the
# log of its location (or server, or http{}), with its level; the main
# error log keeps the rest. Every block also passes on nginx:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/015-error-log.t

use Test::Nginx::Socket 'no_plan';

no_long_string();
run_tests();

__DATA__

=== TEST 1: a location's error_log takes its requests' lines
--- config
    location /loc {
        error_log logs/loc.log warn;
        content_by_lua_block {
            ngx.log(ngx.ERR, "error line in loc")
            ngx.log(ngx.INFO, "info line in loc")
            ngx.say("ok")
        }
    }
    location /read {
        content_by_lua_block {
            ngx.sleep(0.05)
            local f = io.open(ngx.config.prefix() .. "logs/loc.log")
            local data = f and f:read("*a") or ""
            if f then f:close() end
            ngx.say("error line: ", data:find("error line in loc", 1, true) ~= nil)
            ngx.say("info line: ", data:find("info line in loc", 1, true) ~= nil)
        }
    }
--- request eval
["GET /loc", "GET /read"]
--- response_body eval
["ok\n", "error line: true\ninfo line: false\n"]
--- no_error_log
error line in loc



=== TEST 2: server and http levels; the nearest one wins
--- http_config
    error_log logs/http.log info;
--- config
    error_log logs/server.log warn;
    location /srv {
        content_by_lua_block {
            ngx.log(ngx.WARN, "warn line in server")
            ngx.say("ok")
        }
    }
    location /read {
        content_by_lua_block {
            ngx.sleep(0.05)
            local function has(file, s)
                local f = io.open(ngx.config.prefix() .. "logs/" .. file)
                local data = f and f:read("*a") or ""
                if f then f:close() end
                return data:find(s, 1, true) ~= nil
            end
            ngx.say("server: ", has("server.log", "warn line in server"))
            ngx.say("http: ", has("http.log", "warn line in server"))
        }
    }
--- request eval
["GET /srv", "GET /read"]
--- response_body eval
["ok\n", "server: true\nhttp: false\n"]



=== TEST 3: a bad level
--- config
    location /t {
        error_log logs/x.log loud;
        return 200;
    }
--- must_die
--- error_log
invalid log level "loud"



=== TEST 4: what the worker writes to stderr lands in the error log, as in nginx
--- config
    location = /t {
        content_by_lua_block {
            io.stderr:write("written to stderr by Lua\n")
            ngx.say("ok")
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log
written to stderr by Lua
