# lua_shared_dict and ngx.shared.DICT in one process: values, flags, TTLs,
# add/replace/incr, lists, flush_all/flush_expired/get_keys, LRU eviction
# with the "forcible" flag, "no memory", capacity/free_space, and the
# config errors of the directive. Every block also passes on nginx +
# lua-nginx-module:
#   prove -It/lib t/050-shdict.t
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/050-shdict.t
#
# The dict survives between the repeated requests of a block (the server
# is restarted per block only), so handlers that care start from
# flush_all() + flush_expired().

use Test::Nginx::Socket;

repeat_each(2);
plan tests => repeat_each() * 73;   # see the counting rules in Socket.pm
no_long_string();
run_tests();

__DATA__

=== TEST 1: set and get strings, numbers, booleans; nil when absent
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            ngx.say(dogs:set("str", "hello"))
            ngx.say(dogs:set("num", 3.25))
            ngx.say(dogs:set("int", -7))
            ngx.say(dogs:set("yes", true))
            ngx.say(dogs:set("no", false))
            ngx.say(dogs:set("empty", ""))
            for _, k in ipairs{"str", "num", "int", "yes", "no", "empty",
                               "none"} do
                local v = dogs:get(k)
                ngx.say(k, ": ", type(v), " ", tostring(v))
            end
            ngx.say(select("#", dogs:get("none")))
        }
    }
--- request
GET /t
--- response_body
truenilfalse
truenilfalse
truenilfalse
truenilfalse
truenilfalse
truenilfalse
str: string hello
num: number 3.25
int: number -7
yes: boolean true
no: boolean false
empty: string 
none: nil nil
1
--- no_error_log
[error]



=== TEST 2: binary strings and values larger than the Lua string buffer
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            local bin = "a\0b\r\n\255"
            local big = string.rep("0123456789", 10000)
            dogs:set("bin", bin)
            dogs:set("big", big)
            ngx.say(dogs:get("bin") == bin, " ", #dogs:get("bin"))
            ngx.say(dogs:get("big") == big, " ", #dogs:get("big"))
            ngx.say(dogs:get_stale("big") == big)
            local key = string.rep("k", 65535)
            ngx.say(dogs:set(key, 1))
            ngx.say(dogs:get(key))
        }
    }
--- request
GET /t
--- response_body
true 6
true 100000
true
truenilfalse
1
--- no_error_log
[error]



=== TEST 3: user flags
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            dogs:set("a", "x", 0, 12)
            dogs:set("b", 5, 0, 0)
            ngx.say(dogs:get("a"))
            ngx.say(select("#", dogs:get("b")), " ", dogs:get("b"))
            ngx.say(dogs:get_stale("a"))
            dogs:set("a", "y")
            ngx.say(dogs:get("a"))
            ngx.say(dogs:set("c", true, 0, 2147483647))
            ngx.say(dogs:get("c"))
        }
    }
--- request
GET /t
--- response_body
x12
1 5
x12false
y
truenilfalse
true2147483647
--- no_error_log
[error]



=== TEST 4: keys: nil, empty, too long, numbers become strings
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            ngx.say(dogs:set(nil, 1))
            ngx.say(dogs:set("", 1))
            ngx.say(dogs:set(string.rep("k", 65536), 1))
            ngx.say(dogs:get(nil))
            ngx.say(dogs:get(""))
            ngx.say(dogs:get(string.rep("k", 65536)))
            ngx.say(dogs:incr(nil, 1))
            ngx.say(dogs:ttl(""))
            ngx.say(dogs:lpush(nil, 1))
            ngx.say(dogs:llen(""))
            dogs:set(12, "twelve")
            ngx.say(dogs:get("12"), " ", dogs:get(12))
        }
    }
--- request
GET /t
--- response_body
nilnil key
nilempty key
nilkey too long
nilnil key
nilempty key
nilkey too long
nilnil key
nilempty key
nilnil key
nilempty key
twelve twelve
--- no_error_log
[error]



=== TEST 5: bad value types, bad exptime, the dot call
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            ngx.say(dogs:set("t", {}))
            ngx.say(dogs:set("f", print))
            ngx.say(dogs:lpush("l", true))
            ngx.say(dogs:rpush("l", {}))
            ngx.say(pcall(dogs.set, dogs, "x", 1, -1))
            ngx.say(pcall(dogs.get, "x"))
            ngx.say(pcall(dogs.set, nil, "x", 1))
            ngx.say(pcall(dogs.expire, dogs, "x"))
            ngx.say(ngx.shared.cats)
        }
    }
--- request
GET /t
--- response_body
nilbad value type
nilbad value type
nilbad value type
nilbad value type
falsebad "exptime" argument
falsebad "zone" argument
falsebad "zone" argument
falsebad "exptime" argument
nil
--- no_error_log
[error]



=== TEST 6: add, safe_add and replace
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            dogs:flush_all()
            dogs:flush_expired()
            ngx.say(dogs:add("a", 1))
            ngx.say(dogs:add("a", 2))
            ngx.say(dogs:safe_add("a", 3))
            ngx.say(dogs:safe_add("b", 4))
            ngx.say(dogs:get("a"), " ", dogs:get("b"))
            ngx.say(dogs:replace("a", "one"))
            ngx.say(dogs:replace("z", 1))
            ngx.say(dogs:replace("a", nil))
            ngx.say(dogs:add("c", nil))
            ngx.say(dogs:get("a"))
        }
    }
--- request
GET /t
--- response_body
truenilfalse
falseexistsfalse
falseexistsfalse
truenilfalse
1 4
truenilfalse
falsenot foundfalse
falseattempt to add or replace nil valuesfalse
falseattempt to add or replace nil valuesfalse
one
--- no_error_log
[error]



=== TEST 7: delete, and set to nil
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            dogs:set("a", 1)
            dogs:set("b", "bee")
            dogs:lpush("l", 1)
            ngx.say(dogs:delete("a"))
            ngx.say(dogs:set("b", nil))
            ngx.say(dogs:delete("l"))
            ngx.say(dogs:delete("never"))
            ngx.say(dogs:get("a"), " ", dogs:get("b"), " ", dogs:llen("l"))
        }
    }
--- request
GET /t
--- response_body
truenilfalse
truenilfalse
truenilfalse
truenilfalse
nil nil 0
--- no_error_log
[error]



=== TEST 8: incr
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            dogs:flush_all()
            dogs:flush_expired()
            ngx.say(dogs:incr("n", 1))
            ngx.say(dogs:incr("n", 1, 10))
            ngx.say(dogs:incr("n", 1, 10))
            ngx.say(dogs:incr("n", -2.5))
            ngx.say(dogs:incr("n", "3"))
            dogs:set("s", "str")
            ngx.say(dogs:incr("s", 1))
            ngx.say(dogs:incr("s", 1, 0))
            dogs:set("b", true)
            ngx.say(dogs:incr("b", 1))
            dogs:lpush("l", 1)
            ngx.say(dogs:incr("l", 1, 0))
            ngx.say(pcall(dogs.incr, dogs, "n", 1, "x"))
            ngx.say(pcall(dogs.incr, dogs, "n", 1, nil, 1))
            ngx.say(pcall(dogs.incr, dogs, "n", 1, 0, -1))
            ngx.say(dogs:get("n"))
        }
    }
--- request
GET /t
--- response_body
nilnot found
11nilfalse
12nilfalse
9.5
12.5
nilnot a number
nilnot a number
nilnot a number
nilnot a number
falsebad init arg: number expected, got string
falsemust provide "init" when providing "init_ttl"
falsebad "init_ttl" argument
12.5
--- no_error_log
[error]



=== TEST 9: many increments add up exactly
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            dogs:delete("c")
            for i = 1, 100000 do
                dogs:incr("c", 1, 0)
            end
            ngx.say(dogs:get("c"))
        }
    }
--- request
GET /t
--- response_body
100000
--- no_error_log
[error]



=== TEST 10: TTLs: expired entries are gone, get_stale still sees them
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /set {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            dogs:flush_all()
            dogs:flush_expired()
            ngx.say(dogs:set("short", "s", 0.1, 3))
            ngx.say(dogs:set("long", "l", 100))
            ngx.say(dogs:set("never", "n"))
            ngx.say(dogs:incr("counter", 1, 0, 0.1))
            ngx.say(dogs:add("gone", 1, 0.1))
            ngx.say(dogs:lpush("list", 1))
            ngx.say(dogs:expire("list", 0.1))
        }
    }
    location = /get {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            -- get_stale first: get() and the others drop expired entries
            -- from the LRU tail before they look
            ngx.say(dogs:get_stale("short"))
            ngx.say(dogs:get("short"))
            ngx.say(dogs:get("long"), " ", dogs:get("never"))
            ngx.say(dogs:get("counter"), " ", dogs:incr("counter", 1))
            ngx.say(dogs:add("gone", 2))
            ngx.say(dogs:get("gone"))
            ngx.say(dogs:llen("list"), " ", dogs:lpop("list"))
            ngx.say(dogs:rpush("list", "fresh"), " ", dogs:ttl("list"))
            local ttl = dogs:ttl("long")
            ngx.say(ttl > 99 and ttl <= 100)
            ngx.say(dogs:ttl("never"))
        }
    }
--- request eval
["GET /set", "GET /get"]
--- wait: 0.3
--- response_body eval
["truenilfalse\ntruenilfalse\ntruenilfalse\n1nilfalse\ntruenilfalse\n1\ntrue\n",
"s3true\nnil\nl n\nnil nilnot found\ntruenilfalse\n2\n0 nil\n1 0\ntrue\n0\n"]
--- no_error_log
[error]



=== TEST 11: ttl and expire
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            dogs:set("a", 1, 10)
            dogs:set("b", 1)
            local ttl = dogs:ttl("a")
            ngx.say(ttl > 9.9 and ttl <= 10)
            ngx.say(dogs:ttl("b"))
            ngx.say(dogs:ttl("none"))
            ngx.say(dogs:expire("b", 5))
            ttl = dogs:ttl("b")
            ngx.say(ttl > 4.9 and ttl <= 5)
            ngx.say(dogs:expire("a", 0))
            ngx.say(dogs:ttl("a"))
            ngx.say(dogs:expire("none", 1))
        }
    }
--- request
GET /t
--- response_body
true
0
nilnot found
true
true
true
0
nilnot found
--- no_error_log
[error]



=== TEST 12: lists
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            dogs:flush_all()
            dogs:flush_expired()
            ngx.say(dogs:lpush("l", "b"))
            ngx.say(dogs:lpush("l", "a"))
            ngx.say(dogs:rpush("l", 3))
            ngx.say(dogs:rpush("l", string.rep("x", 5000)))
            ngx.say(dogs:llen("l"))
            ngx.say(#dogs:rpop("l"))
            ngx.say(dogs:lpop("l"), " ", dogs:rpop("l"), " ", dogs:lpop("l"))
            ngx.say(dogs:llen("l"), " ", dogs:lpop("l"), " ",
                    select("#", dogs:lpop("l")))
            ngx.say(#dogs:get_keys(0))
            dogs:set("s", "str")
            ngx.say(dogs:lpush("s", 1))
            ngx.say(dogs:rpop("s"))
            ngx.say(dogs:llen("s"))
            dogs:rpush("l2", "v")
            ngx.say(dogs:get("l2"))
            ngx.say(dogs:get_stale("l2"))
            ngx.say(dogs:incr("l2", 1))
            ngx.say(dogs:set("l2", "now a string"))
            ngx.say(dogs:get("l2"))
            ngx.say(dogs:rpush("l2", 1))
        }
    }
--- request
GET /t
--- response_body
1
2
3
4
4
5000
a 3 b
0 nil 1
0
nilvalue not a list
nilvalue not a list
nilvalue not a list
nilvalue is a list
nilvalue is a list
nilnot a number
truenilfalse
now a string
nilvalue not a list
--- no_error_log
[error]



=== TEST 13: flush_all expires everything; flush_expired frees it
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            dogs:flush_all()
            dogs:flush_expired()
            for i = 1, 10 do
                dogs:set("k" .. i, i)
            end
            dogs:lpush("list", 1)
            -- flush_all() frees the 3 least recently used entries at once
            -- (k1 k2 k3), the others are only expired
            dogs:flush_all()
            ngx.say(dogs:get_stale("k10"))
            ngx.say(#dogs:get_keys(0))
            -- every operation frees up to 2 expired entries from the tail
            ngx.say(dogs:get("k5"), " ", dogs:llen("list"))
            ngx.say(dogs:flush_expired(3))
            ngx.say(dogs:flush_expired())
            ngx.say(dogs:flush_expired())
            ngx.say(dogs:get_stale("k10"))
            ngx.say(dogs:add("k1", "back"))
            ngx.say(dogs:get("k1"))
        }
    }
--- request
GET /t
--- response_body
10niltrue
0
nil 0
3
1
0
nil
truenilfalse
back
--- no_error_log
[error]



=== TEST 14: get_keys: 1024 by default, least recently used first
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            dogs:flush_all()
            dogs:flush_expired()
            for i = 1, 2000 do
                dogs:set("key" .. i, i)
            end
            ngx.say(#dogs:get_keys())
            ngx.say(#dogs:get_keys(0))
            ngx.say(#dogs:get_keys(10))
            dogs:get("key1")
            ngx.say(table.concat(dogs:get_keys(3), " "))
            local keys = dogs:get_keys(0)
            ngx.say(keys[#keys])
            dogs:flush_all()
            ngx.say(#dogs:get_keys(0))
        }
    }
--- request
GET /t
--- response_body
1024
2000
10
key2 key3 key4
key1
0
--- no_error_log
[error]



=== TEST 15: a full dict evicts the least recently used entries
--- http_config
    lua_shared_dict dogs 100k;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            dogs:flush_all()
            dogs:flush_expired()
            local v = string.rep("x", 1000)
            local first
            for i = 1, 300 do
                -- k1 is read before every store: always the most recent
                dogs:get("k1")
                local ok, err, forcible = dogs:set("k" .. i, v)
                if not ok then
                    ngx.say("set failed: ", err)
                end
                if forcible and not first then
                    first = i
                end
            end
            ngx.say("evicted: ", first ~= nil and first > 10)
            ngx.say("k1: ", #dogs:get("k1"))
            ngx.say("k2: ", dogs:get("k2"))
            ngx.say("k300: ", #dogs:get("k300"))
            local n = #dogs:get_keys(0)
            ngx.say("kept: ", n > 10 and n < 300)
        }
    }
--- request
GET /t
--- response_body
evicted: true
k1: 1000
k2: nil
k300: 1000
kept: true
--- no_error_log
[error]



=== TEST 16: "no memory": too large for the zone, safe_* never evict
--- http_config
    lua_shared_dict dogs 100k;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            dogs:flush_all()
            dogs:flush_expired()
            local huge = string.rep("h", 200 * 1024)
            ngx.say(dogs:set("huge", huge))
            ngx.say(dogs:safe_set("huge", huge))
            ngx.say(dogs:incr("n", 1, 0))

            -- fill it up: a few evictions in, only entries of this size
            -- are left, so that no page is half free
            local v = string.rep("x", 1000)
            local i, evictions = 0, 0
            repeat
                i = i + 1
                local ok, err, forcible = dogs:set("k" .. i, v)
                if forcible then
                    evictions = evictions + 1
                end
            until evictions == 3 or i == 1000
            ngx.say("full: ", i < 1000)
            local n = #dogs:get_keys(0)
            ngx.say(dogs:safe_set("new", v))
            ngx.say(dogs:safe_add("new", v))
            ngx.say(#dogs:get_keys(0) == n)

            -- a store too large evicts what it can, then gives up
            ngx.say(dogs:set("huge", huge))
            ngx.say(#dogs:get_keys(0) < n)
        }
    }
--- request
GET /t
--- response_body
falseno memoryfalse
falseno memoryfalse
1nilfalse
full: true
falseno memoryfalse
falseno memoryfalse
true
falseno memorytrue
true
--- no_error_log
[error]



=== TEST 17: capacity and free_space
--- http_config
    lua_shared_dict dogs 1m;
    lua_shared_dict cats 64k;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            dogs:flush_all()
            dogs:flush_expired()
            ngx.say(dogs:capacity(), " ", ngx.shared.cats:capacity())
            local before = dogs:free_space()
            ngx.say(before > 0 and before <= 1024 * 1024)
            dogs:set("big", string.rep("x", 100 * 1024))
            local after = dogs:free_space()
            ngx.say(before - after >= 100 * 1024)
            dogs:delete("big")
            ngx.say(dogs:free_space() == before)
        }
    }
--- request
GET /t
--- response_body
1048576 65536
true
true
true
--- no_error_log
[error]



=== TEST 18: dicts are separate; ngx.shared lists them
--- http_config
    lua_shared_dict dogs 1m;
    lua_shared_dict cats 1m;
--- config
    location = /t {
        content_by_lua_block {
            ngx.shared.dogs:set("k", "woof")
            ngx.shared.cats:set("k", "meow")
            ngx.say(ngx.shared.dogs:get("k"), " ", ngx.shared.cats:get("k"))
            local names = {}
            for name in pairs(ngx.shared) do
                names[#names + 1] = name
            end
            table.sort(names)
            ngx.say(table.concat(names, " "))
        }
    }
--- request
GET /t
--- response_body
woof meow
cats dogs
--- no_error_log
[error]



=== TEST 19: the same value size reuses the entry; other sizes replace it
--- http_config
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            dogs:set("a", "aaaa", 0, 1)
            dogs:set("a", "bbbb", 100)
            ngx.say(dogs:get("a"), " ", dogs:ttl("a") > 99)
            dogs:set("a", 1.5)
            ngx.say(dogs:get("a"))
            dogs:set("a", "12345678")
            ngx.say(dogs:get("a"))
            dogs:set("a", true)
            ngx.say(dogs:get("a"))
            ngx.say(dogs:incr("a", 1, 0))
        }
    }
--- request
GET /t
--- response_body
bbbb true
1.5
12345678
true
nilnot a number
--- no_error_log
[error]



=== TEST 20: lua_shared_dict with a size below 8k
--- http_config
    lua_shared_dict dogs 1k;
--- config
    location = /t {
        return 200;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid lua shared dict size "1k" in \S+/conf/nginx\.conf:\d+}



=== TEST 21: lua_shared_dict with a bad size
--- http_config
    lua_shared_dict dogs 12q;
--- config
    location = /t {
        return 200;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid lua shared dict size "12q" in \S+/conf/nginx\.conf:\d+}



=== TEST 22: a dict declared twice
--- http_config
    lua_shared_dict dogs 1m;
    lua_shared_dict dogs 1m;
--- config
    location = /t {
        return 200;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*lua_shared_dict "dogs" is already defined as "dogs" in \S+/conf/nginx\.conf:\d+}



=== TEST 23: a dict declared twice with different sizes
--- http_config
    lua_shared_dict dogs 1m;
    lua_shared_dict dogs 2m;
--- config
    location = /t {
        return 200;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*the size 2097152 of shared memory zone "dogs" conflicts with already declared size 1048576 in \S+/conf/nginx\.conf:\d+}



=== TEST 24: lua_shared_dict is allowed in http {} only
--- config
    location = /t {
        lua_shared_dict dogs 1m;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"lua_shared_dict" directive is not allowed here in \S+/conf/nginx\.conf:\d+}



=== TEST 25: init_by_lua* writes to the dicts before the first request
--- http_config
    lua_shared_dict dogs 1m;
    init_by_lua_block {
        local dogs = ngx.shared.dogs
        dogs:set("from init", "yes", 0, 3)
        dogs:incr("n", 5, 10)
        dogs:rpush("list", "first")
    }
--- config
    location = /t {
        content_by_lua_block {
            local dogs = ngx.shared.dogs
            ngx.say(dogs:get("from init"))
            ngx.say(dogs:get("n"), " ", dogs:lpop("list"))
            dogs:rpush("list", "first")
        }
    }
--- request
GET /t
--- response_body
yes3
15 first
--- no_error_log
[error]
