# resty.limit.conn, resty.limit.count and resty.limit.traffic (lualib/),
# with lua-resty-limit-traffic's semantics: concurrency counting with
# delays by multiples of the unit delay, leaving() and its latency
# average, fixed windows that start with the first request, and
# combine() that commits all limiters or none. Passes on nginx +
# lua-nginx-module too:
#   prove -It/lib t/073-limit-conn-count.t
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/073-limit-conn-count.t

use Test::Nginx::Socket;

repeat_each(1);
plan tests => repeat_each() * (blocks() * 3 + 6);
no_long_string();

add_block_preprocessor(sub {
    my $block = shift;
    my $http_config = $block->http_config // '';

    $block->set_value("http_config",
        "    lua_package_path \"\$TEST_NGINX_LUALIB_DIR/?.lua;;\";\n"
        . "    lua_shared_dict store 1m;\n"
        . $http_config);
    $block->set_value("request", "GET /t") unless defined $block->request;
    $block->set_value("no_error_log", "[error]")
        unless defined $block->no_error_log;
});

run_tests();

__DATA__

=== TEST 1: lualib's modules; new() errors
--- config
    location = /t {
        content_by_lua_block {
            local dir = "$TEST_NGINX_LUALIB_DIR/resty/limit/"
            for _, m in ipairs{"conn", "count", "traffic"} do
                ngx.say(m, " ", package.searchpath("resty.limit." .. m,
                                                   package.path)
                                == dir .. m .. ".lua")
            end
            local conn = require "resty.limit.conn"
            local count = require "resty.limit.count"
            ngx.say(conn.new("nosuch", 1, 1, 1))
            ngx.say(count.new("nosuch", 1, 1))
            ngx.say(pcall(conn.new, "store", 0, 1, 1))
            ngx.say(pcall(conn.new, "store", 1, 1, 0))
            ngx.say(pcall(count.new, "store", 1, 0))
        }
    }
--- response_body_like
^conn true
count true
traffic true
nilshared dict not found
nilshared dict not found
false.*assertion failed!
false.*assertion failed!
false.*assertion failed!



=== TEST 2: conn: counted while in flight; delays by unit; rejected past burst
--- config
    location = /t {
        content_by_lua_block {
            local lim = require("resty.limit.conn").new("store", 2, 3, 0.5)
            for i = 1, 6 do
                local delay, conn = lim:incoming("k", true)
                ngx.say(delay, " ", conn, " ", lim:is_committed())
            end
            ngx.say(ngx.shared.store:get("k"))
            ngx.say(lim:leaving("k"))
            ngx.say(lim:incoming("k", true))
        }
    }
--- response_body
0 1 true
0 2 true
0.5 3 true
0.5 4 true
1 5 true
nil rejected false
5
4
15



=== TEST 3: conn: without commit nothing is counted; uncommit()
--- config
    location = /t {
        content_by_lua_block {
            local lim = require("resty.limit.conn").new("store", 1, 1, 2)
            ngx.say(lim:incoming("k", false))
            ngx.say(lim:is_committed())
            ngx.say(ngx.shared.store:get("k"))
            lim:incoming("k", true)
            ngx.say(lim:incoming("k", false))
            lim:incoming("k", true)
            ngx.say(lim:incoming("k", false))
            ngx.say(lim:uncommit("k"))
            ngx.say(lim:incoming("k", false))
        }
    }
--- response_body
01
false
nil
22
nilrejected
1
22



=== TEST 4: conn: leaving() with latencies averages the unit delay
--- config
    location = /t {
        content_by_lua_block {
            local lim = require("resty.limit.conn").new("store", 1, 10, 1)
            for i = 1, 3 do lim:incoming("k", true) end
            ngx.say(lim:leaving("k", 3))        -- unit: (3 + 1) / 2 = 2
            ngx.say(lim:incoming("k", true))    -- 3 in flight: 2 * 2
            ngx.say(lim:leaving("k", 0))        -- unit: 1
            ngx.say(lim:incoming("k", true))
            ngx.say(lim:leaving("missing"))
        }
    }
--- response_body
2
43
2
23
nilnot found



=== TEST 5: conn: set_conn() and set_burst()
--- config
    location = /t {
        content_by_lua_block {
            local lim = require("resty.limit.conn").new("store", 1, 0, 1)
            ngx.say(lim:incoming("k", true))
            ngx.say(lim:incoming("k", true))
            lim:set_conn(3)
            ngx.say(lim:incoming("k", true))
            ngx.say(lim:incoming("k", true))
            lim:set_burst(3)
            ngx.say(lim:incoming("k", true))
        }
    }
--- response_body
01
nilrejected
02
03
14



=== TEST 6: conn in access_by_lua*, leaving() in log_by_lua*
--- config
    location = /t {
        access_by_lua_block {
            local lim = require("resty.limit.conn").new("store", 10, 0, 1)
            local delay, err = lim:incoming("client", true)
            if not delay then
                return ngx.exit(503)
            end
            if lim:is_committed() then
                ngx.ctx.limit_conn = lim
            end
        }
        content_by_lua_block {
            ngx.say("in flight: ", ngx.shared.store:get("client"))
        }
        log_by_lua_block {
            local lim = ngx.ctx.limit_conn
            if lim then
                lim:leaving("client", tonumber(ngx.var.request_time))
            end
        }
    }
    location = /check {
        content_by_lua_block {
            ngx.say("after: ", ngx.shared.store:get("client"))
        }
    }
--- request eval
["GET /t", "GET /t", "GET /check"]
--- response_body eval
["in flight: 1\n", "in flight: 1\n", "after: 0\n"]



=== TEST 7: count: a fixed window of "limit" requests
--- config
    location = /t {
        content_by_lua_block {
            local lim = require("resty.limit.count").new("store", 3, 60)
            for i = 1, 5 do
                ngx.say(lim:incoming("k", true))
            end
            local ttl = ngx.shared.store:ttl("k")
            ngx.say(ttl > 59 and ttl <= 60)
            ngx.say(lim:incoming("other", true))
        }
    }
--- response_body
02
01
00
nilrejected
nilrejected
true
02



=== TEST 8: count: without commit nothing is counted; uncommit()
--- config
    location = /t {
        content_by_lua_block {
            local lim = require("resty.limit.count").new("store", 2, 60)
            ngx.say(lim:incoming("k", false))
            ngx.say(lim:incoming("k", false))
            ngx.say(ngx.shared.store:get("k"))
            lim:incoming("k", true)
            lim:incoming("k", true)
            ngx.say(lim:incoming("k", false))
            ngx.say(lim:uncommit("k"))
            ngx.say(lim:incoming("k", true))
            ngx.say(lim:uncommit("missing"))
        }
    }
--- response_body
01
01
nil
nilrejected
1
00
2



=== TEST 9: count: the next window starts after the first expires (ngx.sleep)
--- config
    location = /t {
        content_by_lua_block {
            local lim = require("resty.limit.count").new("store", 1, 0.1)
            ngx.say(lim:incoming("k", true))
            ngx.say(lim:incoming("k", true))
            ngx.sleep(0.15)
            ngx.say(lim:incoming("k", true))
        }
    }
--- response_body
00
nilrejected
00



=== TEST 10: traffic.combine(): the largest delay, states, all or nothing
--- config
    location = /t {
        content_by_lua_block {
            local traffic = require "resty.limit.traffic"
            local req = require("resty.limit.req").new("store", 2, 1)
            local conn = require("resty.limit.conn").new("store", 1, 2, 0.5)
            local count = require("resty.limit.count").new("store", 2, 60)
            local lims = { req, conn, count }
            local keys = { "r", "c", "n" }
            for i = 1, 3 do
                local states = {}
                local delay, err = traffic.combine(lims, keys, states)
                ngx.say(delay, " ", err, " ", table.concat(states, ","))
            end
            -- the third was refused by req: conn and count saw nothing
            ngx.say(ngx.shared.store:get("c"), " ", ngx.shared.store:get("n"))
            ngx.say(traffic.combine({ conn }, { "c" }))
        }
    }
--- response_body
0 nil 0,1,1
0.5 nil 1,2,0
nil rejected 
2 0
1



=== TEST 11: traffic.combine(): a late refusal takes back the commits
--- config
    location = /t {
        content_by_lua_block {
            local traffic = require "resty.limit.traffic"
            local conn = require("resty.limit.conn").new("store", 5, 0, 1)
            local count = require("resty.limit.count").new("store", 5, 60)
            local calls = {}
            -- accepts when asked, refuses when committing
            local fickle = {
                incoming = function(self, key, commit)
                    calls[#calls + 1] = key .. (commit and "+" or "?")
                    if commit then
                        return nil, "rejected"
                    end
                    return 0, "fine"
                end,
                uncommit = function(self, key)
                    calls[#calls + 1] = key .. "-"
                end,
            }
            ngx.say(traffic.combine({ conn, fickle, count },
                                    { "c", "f", "n" }))
            ngx.say(table.concat(calls, " "))
            ngx.say(ngx.shared.store:get("c"), " ", ngx.shared.store:get("n"))
        }
    }
--- response_body
nilrejected
f? f+
0 5
