# resty.lrucache and resty.lrucache.pureffi (lualib/): eviction order,
# expiry with the stale value, user flags, delete, get_keys, flush_all,
# and a random workload checked against a plain Lua model. Each block runs
# both implementations. The library is lualib's, on nginx too (before any
# copy installed system-wide):
#   prove -It/lib t/070-lrucache.t
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/070-lrucache.t

use Test::Nginx::Socket;

repeat_each(1);
plan tests => repeat_each() * (blocks() * 3 + 6);
no_long_string();

add_block_preprocessor(sub {
    my $block = shift;
    my $http_config = $block->http_config // '';

    $block->set_value("http_config",
        "    lua_package_path \"\$TEST_NGINX_LUALIB_DIR/?.lua;;\";\n"
        . $http_config);
    $block->set_value("request", "GET /t") unless defined $block->request;
    $block->set_value("no_error_log", "[error]")
        unless defined $block->no_error_log;
});

run_tests();

__DATA__

=== TEST 1: the modules come from lualib/
--- config
    location = /t {
        content_by_lua_block {
            local dir = "$TEST_NGINX_LUALIB_DIR/"
            for _, name in ipairs{"resty.lrucache", "resty.lrucache.pureffi"} do
                local path = package.searchpath(name, package.path)
                ngx.say(name, ": ", path == dir .. name:gsub("%.", "/") .. ".lua")
                local src = debug.getinfo(require(name).new, "S").source
                ngx.say(src == "@" .. path)
            end
        }
    }
--- response_body
resty.lrucache: true
true
resty.lrucache.pureffi: true
true



=== TEST 2: new() checks the size; count() and capacity()
--- config
    location = /t {
        content_by_lua_block {
            for _, name in ipairs{"resty.lrucache", "resty.lrucache.pureffi"} do
                local lrucache = require(name)
                ngx.say(name)
                ngx.say(lrucache.new(0))
                local c = lrucache.new(3)
                ngx.say(c:count(), " ", c:capacity())
                c:set("a", 1)
                c:set("b", 2)
                c:set("a", 3)
                ngx.say(c:count(), " ", c:get("a"), " ", (c:get("b")))
            end
        }
    }
--- response_body
resty.lrucache
nilsize too small
0 3
2 3 2
resty.lrucache.pureffi
nilsize too small
0 3
2 3 2



=== TEST 3: the least recently used item is evicted; get() refreshes
--- config
    location = /t {
        content_by_lua_block {
            for _, name in ipairs{"resty.lrucache", "resty.lrucache.pureffi"} do
                local c = require(name).new(3)
                c:set("a", 1)
                c:set("b", 2)
                c:set("c", 3)
                c:get("a")          -- b is now the oldest
                c:set("d", 4)
                c:set("c", 33)      -- refreshes c: a is the oldest
                c:set("e", 5)
                local out = {}
                for _, k in ipairs{"a", "b", "c", "d", "e"} do
                    out[#out + 1] = k .. "=" .. tostring(c:get(k))
                end
                ngx.say(table.concat(out, " "), " count=", c:count())
            end
        }
    }
--- response_body
a=nil b=nil c=33 d=4 e=5 count=3
a=nil b=nil c=33 d=4 e=5 count=3



=== TEST 4: expired items: nil, the stale value and the flags; kept until evicted
--- config
    location = /t {
        content_by_lua_block {
            for _, name in ipairs{"resty.lrucache", "resty.lrucache.pureffi"} do
                local c = require(name).new(2)
                c:set("old", "v1", -1, 7)       -- expired a second ago
                c:set("new", "v2", 100)
                ngx.say(c:get("old"))
                ngx.say(c:get("old"))
                ngx.say(c:get("new"))
                ngx.say(select("#", c:get("old")), " ", c:count())
                c:set("old", "v3")              -- no ttl: never expires
                ngx.say(c:get("old"))
                ngx.say(select("#", c:get("none")))
            end
        }
    }
--- response_body
nilv17
nilv17
v2nil0
3 2
v3nil0
1
nilv17
nilv17
v2nil0
3 2
v3nil0
1



=== TEST 5: user flags: numbers >= 0 (uint32), anything else gives 0
--- config
    location = /t {
        content_by_lua_block {
            for _, name in ipairs{"resty.lrucache", "resty.lrucache.pureffi"} do
                local c = require(name).new(8)
                c:set("a", "x", nil, 0xffffffff)
                c:set("b", "x", nil, 3.7)
                c:set("c", "x", nil, -1)
                c:set("d", "x", nil, "12")
                c:set("e", "x", 10)
                local out = {}
                for _, k in ipairs{"a", "b", "c", "d", "e"} do
                    local _, _, flags = c:get(k)
                    out[#out + 1] = k .. "=" .. tostring(flags)
                end
                ngx.say(table.concat(out, " "))
            end
        }
    }
--- response_body
a=4294967295 b=3 c=0 d=0 e=0
a=4294967295 b=3 c=0 d=0 e=0



=== TEST 6: delete() says whether the key was there; its slot is reused
--- config
    location = /t {
        content_by_lua_block {
            for _, name in ipairs{"resty.lrucache", "resty.lrucache.pureffi"} do
                local c = require(name).new(2)
                c:set("a", 1)
                c:set("b", 2)
                ngx.say(c:delete("a"), " ", c:delete("a"), " ",
                        c:delete("zzz"), " ", c:count())
                c:set("c", 3)       -- takes a's slot, evicts nothing
                ngx.say((c:get("b")), " ", (c:get("c")), " ", c:count())
                c:set("d", 4)       -- now b goes
                ngx.say(tostring(c:get("b")), " ", (c:get("c")), " ", (c:get("d")))
                ngx.say(c:delete("c"), c:delete("d"), " ", c:count())
                ngx.say(#c:get_keys())
            end
        }
    }
--- response_body
true false false 1
2 3 2
nil 3 4
truetrue 0
0
true false false 1
2 3 2
nil 3 4
truetrue 0
0



=== TEST 7: get_keys(): most recent first, max_count, a reused table
--- config
    location = /t {
        content_by_lua_block {
            for _, name in ipairs{"resty.lrucache", "resty.lrucache.pureffi"} do
                local c = require(name).new(10)
                for _, k in ipairs{"k1", "k2", "k3", "k4"} do
                    c:set(k, true)
                end
                c:get("k2")
                ngx.say(table.concat(c:get_keys(), " "))
                ngx.say(table.concat(c:get_keys(2), " "))
                ngx.say(table.concat(c:get_keys(0), " "))
                local res = { "x", "x", "x", "x", "x", "x" }
                local r = c:get_keys(3, res)
                ngx.say(r == res, " ", #res, " ", table.concat(res, " "),
                        " ", res[5])
            end
        }
    }
--- response_body
k2 k4 k3 k1
k2 k4
k2 k4 k3 k1
true 3 k2 k4 k3 x
k2 k4 k3 k1
k2 k4
k2 k4 k3 k1
true 3 k2 k4 k3 x



=== TEST 8: flush_all() empties the cache, which works as new afterwards
--- config
    location = /t {
        content_by_lua_block {
            for _, name in ipairs{"resty.lrucache", "resty.lrucache.pureffi"} do
                local c = require(name).new(3)
                c:set("a", 1)
                c:set("b", 2)
                c:delete("a")
                c:set("c", 3)
                c:flush_all()
                ngx.say(c:count(), " ", c:capacity(), " ", tostring(c:get("b")),
                        " ", #c:get_keys())
                for i = 1, 5 do
                    c:set("n" .. i, i)
                end
                ngx.say(c:count(), " ", table.concat(c:get_keys(), " "))
            end
        }
    }
--- response_body
0 3 nil 0
3 n5 n4 n3
0 3 nil 0
3 n5 n4 n3



=== TEST 9: keys: any Lua value in lrucache, strings (tostring) in pureffi
--- config
    location = /t {
        content_by_lua_block {
            local t = {}
            local c = require("resty.lrucache").new(4)
            c:set(t, "table")
            c:set(1, "number")
            ngx.say((c:get(t)), " ", (c:get(1)), " ", tostring(c:get("1")))

            local p = require("resty.lrucache.pureffi").new(4, 0.01)
            p:set(1, "number")
            ngx.say((p:get("1")), " ", (p:get(1)), " ", p:delete("1"), " ",
                    p:count())
            local big = require("resty.lrucache.pureffi").new(1000, 7)
            for i = 1, 1000 do big:set("k" .. i, i) end
            local sum = 0
            for i = 1, 1000 do sum = sum + big:get("k" .. i) end
            ngx.say(sum)
        }
    }
--- response_body
table number nil
number number true 0
500500



=== TEST 10: a random workload matches a plain Lua model
--- config
    location = /t {
        content_by_lua_block {
            local function run(name, seed)
                local size = 37
                local c = require(name).new(size)
                local order = {}    -- the model: keys, most recent first
                local vals = {}

                local function touch(k)
                    for i = 1, #order do
                        if order[i] == k then
                            table.remove(order, i)
                            break
                        end
                    end
                    table.insert(order, 1, k)
                end

                math.randomseed(seed)
                for step = 1, 20000 do
                    local k = "k" .. math.random(1, 60)
                    local op = math.random(1, 10)
                    if op <= 4 then
                        local v = math.random(1, 1e6)
                        c:set(k, v)
                        if vals[k] == nil and #order == size then
                            vals[table.remove(order)] = nil
                        end
                        vals[k] = v
                        touch(k)
                    elseif op <= 8 then
                        local v = c:get(k)
                        if v ~= vals[k] then
                            return "get " .. k .. " at " .. step
                        end
                        if v ~= nil then touch(k) end
                    elseif op == 9 then
                        local ok = c:delete(k)
                        if ok ~= (vals[k] ~= nil) then
                            return "delete " .. k .. " at " .. step
                        end
                        if ok then
                            vals[k] = nil
                            for i = 1, #order do
                                if order[i] == k then
                                    table.remove(order, i)
                                    break
                                end
                            end
                        end
                    elseif math.random(1, 50) == 1 then
                        c:flush_all()
                        order, vals = {}, {}
                    end
                    if c:count() ~= #order then
                        return "count at " .. step
                    end
                end
                local keys = c:get_keys()
                if table.concat(keys, ",") ~= table.concat(order, ",") then
                    return "keys"
                end
                return "ok"
            end

            for _, name in ipairs{"resty.lrucache", "resty.lrucache.pureffi"} do
                ngx.say(name, ": ", run(name, 42), " ", run(name, 7))
            end
        }
    }
--- response_body
resty.lrucache: ok ok
resty.lrucache.pureffi: ok ok



=== TEST 11: the cache lives in the worker across requests
--- http_config
    init_by_lua_block {
        cache = require("resty.lrucache").new(10)
        pcache = require("resty.lrucache.pureffi").new(10)
    }
--- config
    location = /t {
        content_by_lua_block {
            for _, c in ipairs{cache, pcache} do
                local n = c:get("hits") or 0
                c:set("hits", n + 1)
            end
            ngx.say((cache:get("hits")), " ", (pcache:get("hits")))
        }
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- response_body eval
["1 1\n", "2 2\n", "3 3\n"]



=== TEST 12: items expire with time (needs ngx.sleep)
--- config
    location = /t {
        content_by_lua_block {
            for _, name in ipairs{"resty.lrucache", "resty.lrucache.pureffi"} do
                local c = require(name).new(4)
                c:set("short", "s", 0.1, 1)
                c:set("long", "l", 10)
                ngx.say((c:get("short")), " ", (c:get("long")))
                ngx.sleep(0.2)
                ngx.say(c:get("short"))
                ngx.say(c:get("long"))
            end
        }
    }
--- response_body
s l
nils1
lnil0
s l
nils1
lnil0
