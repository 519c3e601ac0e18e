# resty.limit.req (lualib/): the leaky bucket of lua-resty-limit-traffic.
# The expected numbers are that library's arithmetic: excess and rate are
# kept in thousandths, the dict record is two unsigned 64-bit integers
# (excess, last time in ms), so stored values are truncated, and
#   excess' = max(excess - rate * |now - last| / 1000 + 1000, 0)
#   delay = excess' / rate, and the 2nd value is excess' / 1000.
# Within one handler that does not yield, ngx.now() does not move, which
# makes the numbers exact; blocks that need time to pass write the record
# themselves with an older "last". Passes on nginx + lua-nginx-module too:
#   prove -It/lib t/072-limit-req.t
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/072-limit-req.t

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
        . "    init_by_lua_block {\n"
        . "        local ffi = require \"ffi\"\n"
        . "        ffi.cdef[[ typedef struct { uint64_t excess; uint64_t last; } t_rec; ]]\n"
        . "        -- the dict record, read and written by the tests\n"
        . "        function read_rec(key)\n"
        . "            local v = ngx.shared.store:get(key)\n"
        . "            local r = ffi.cast(\"const t_rec *\", v)\n"
        . "            return #v, tonumber(r.excess), tonumber(r.last)\n"
        . "        end\n"
        . "        function write_rec(key, excess, last)\n"
        . "            local r = ffi.new(\"t_rec\", excess, last)\n"
        . "            ngx.shared.store:set(key, ffi.string(r, 16))\n"
        . "        end\n"
        . "    }\n"
        . $http_config);
    $block->set_value("request", "GET /t") unless defined $block->request;
    $block->set_value("no_error_log", "[error]")
        unless defined $block->no_error_log;
});

run_tests();

__DATA__

=== TEST 1: lualib's module; new() errors
--- config
    location = /t {
        content_by_lua_block {
            local path = package.searchpath("resty.limit.req", package.path)
            ngx.say(path == "$TEST_NGINX_LUALIB_DIR/resty/limit/req.lua")
            local limit_req = require "resty.limit.req"
            ngx.say(limit_req.new("nosuch", 1, 1))
            ngx.say(pcall(limit_req.new, "store", 0, 1))
            ngx.say(pcall(limit_req.new, "store", 1, -1))
            local lim = limit_req.new("store", 2.5, 0)
            ngx.say(lim.rate, " ", lim.burst)
        }
    }
--- response_body_like
^true
nilshared dict not found
false.*assertion failed!
false.*assertion failed!
2500 0



=== TEST 2: a burst at one instant: delays grow by 1/rate, then rejected
--- config
    location = /t {
        content_by_lua_block {
            local lim = require("resty.limit.req").new("store", 2, 3)
            for i = 1, 6 do
                ngx.say(lim:incoming("client", true))
            end
            -- another key has its own bucket
            ngx.say(lim:incoming("other", true))
            local size, excess, last = read_rec("client")
            ngx.say(size, " ", excess, " ", last == math.floor(ngx.now() * 1000))
        }
    }
--- response_body
00
0.51
12
1.53
nilrejected
nilrejected
00
16 3000 true



=== TEST 3: without commit nothing is recorded
--- config
    location = /t {
        content_by_lua_block {
            local lim = require("resty.limit.req").new("store", 1, 1)
            for i = 1, 3 do
                ngx.say(lim:incoming("k", false))
            end
            ngx.say(ngx.shared.store:get("k"))
            lim:incoming("k", true)
            ngx.say(lim:incoming("k", false))
            ngx.say(lim:incoming("k", false))
            ngx.say(lim:incoming("k", true))
            ngx.say(lim:incoming("k", false))
        }
    }
--- response_body
00
00
00
nil
11
11
11
nilrejected



=== TEST 4: the bucket drains at the rate with the time since the last request
--- config
    location = /t {
        content_by_lua_block {
            local lim = require("resty.limit.req").new("store", 2, 5)
            local now = math.floor(ngx.now() * 1000)

            -- 3 requests in excess, 500 ms ago: one has drained
            write_rec("a", 3000, now - 500)
            ngx.say(lim:incoming("a", true))
            ngx.say((select(2, read_rec("a"))))

            -- long ago: empty, never negative
            write_rec("b", 3000, now - 10000)
            ngx.say(lim:incoming("b", true))

            -- a clock that went back counts as elapsed time
            write_rec("c", 3000, now + 500)
            ngx.say(lim:incoming("c", false))

            -- fractions: 1000 - 3000 * 0.1 + 1000
            lim:set_rate(3)
            write_rec("d", 1000, now - 100)
            local delay, excess = lim:incoming("d", true)
            ngx.say(string.format("%.6f %.4f", delay, excess))
            ngx.say((select(2, read_rec("d"))))
        }
    }
--- response_body
1.53
3000
00
1.53
0.566667 1.7000
1700



=== TEST 5: the stored excess is truncated to an integer, as in the original
--- config
    location = /t {
        content_by_lua_block {
            local lim = require("resty.limit.req").new("store", 0.7, 5)
            local now = math.floor(ngx.now() * 1000)
            write_rec("k", 2000, now - 1)
            -- 2000 - 700 * 1 / 1000 + 1000 = 2999.3, stored as 2999
            local delay, excess = lim:incoming("k", true)
            ngx.say(string.format("%.6f %.4f", delay, excess))
            ngx.say((select(2, read_rec("k"))))
            delay, excess = lim:incoming("k", true)
            ngx.say(string.format("%.6f %.4f", delay, excess))
        }
    }
--- response_body
4.284714 2.9993
2999
5.712857 3.9990



=== TEST 6: uncommit() takes one request back
--- config
    location = /t {
        content_by_lua_block {
            local lim = require("resty.limit.req").new("store", 4, 2)
            for i = 1, 3 do
                lim:incoming("k", true)
            end
            ngx.say(lim:incoming("k", false))
            ngx.say(lim:uncommit("k"))
            ngx.say((select(2, read_rec("k"))))
            ngx.say(lim:incoming("k", true))
            lim:uncommit("k")
            lim:uncommit("k")
            lim:uncommit("k")
            ngx.say(lim:uncommit("k"))
            ngx.say((select(2, read_rec("k"))))
            ngx.say(lim:uncommit("missing"))
        }
    }
--- response_body
nilrejected
true
1000
0.52
true
0
nilnot found



=== TEST 7: set_rate() and set_burst() apply to the next call
--- config
    location = /t {
        content_by_lua_block {
            local lim = require("resty.limit.req").new("store", 1, 1)
            lim:incoming("k", true)
            lim:incoming("k", true)
            ngx.say(lim:incoming("k", true))
            lim:set_burst(3)
            ngx.say(lim:incoming("k", true))
            lim:set_rate(10)
            ngx.say(lim:incoming("k", true))
            ngx.say(lim:incoming("k", true))
        }
    }
--- response_body
nilrejected
22
0.33
nilrejected



=== TEST 8: a dict value it did not write is an error
--- config
    location = /t {
        content_by_lua_block {
            local lim = require("resty.limit.req").new("store", 1, 1)
            local store = ngx.shared.store
            store:set("s", "short")
            store:set("n", 42)
            ngx.say(lim:incoming("s", true))
            ngx.say(lim:incoming("n", false))
            ngx.say(lim:uncommit("s"))
        }
    }
--- response_body
nilshdict abused by other users
nilshdict abused by other users
nilshdict abused by other users



=== TEST 9: time drains the bucket (ngx.sleep)
--- config
    location = /t {
        content_by_lua_block {
            local lim = require("resty.limit.req").new("store", 10, 0)
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



=== TEST 10: a rate limiter in access_by_lua_block: delay, then 503
--- config
    location = /t {
        access_by_lua_block {
            local limit_req = require "resty.limit.req"
            -- one request per 10 s, one more delayed
            local lim, err = limit_req.new("store", 0.1, 1)
            if not lim then
                ngx.log(ngx.ERR, "failed to create the limiter: ", err)
                return ngx.exit(500)
            end
            local delay, err = lim:incoming(ngx.var.binary_remote_addr, true)
            if not delay then
                if err == "rejected" then
                    return ngx.exit(503)
                end
                ngx.log(ngx.ERR, "failed to limit: ", err)
                return ngx.exit(500)
            end
            -- a real limiter would ngx.sleep(delay); the test shows it
            ngx.ctx.delay = string.format("%.0f", delay)
        }
        content_by_lua_block {
            ngx.say("delay ", ngx.ctx.delay)
        }
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- error_code eval
[200, 200, 503]
--- response_body_like eval
["^delay 0\n\$", "^delay 10\n\$", "503 Service"]



=== TEST 11: after sleeping, the excess has drained
--- config
    location = /t {
        content_by_lua_block {
            local lim = require("resty.limit.req").new("store", 20, 5)
            local delays = {}
            for i = 1, 4 do
                local delay = lim:incoming("k", true)
                delays[#delays + 1] = string.format("%.2f", delay)
            end
            ngx.say(table.concat(delays, " "))
            ngx.sleep(0.2)
            -- 200 ms at 20 r/s drained the 3 in excess and this one
            ngx.say(lim:incoming("k", true))
        }
    }
--- response_body
0.00 0.05 0.10 0.15
00
