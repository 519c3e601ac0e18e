# resty.mlcache and resty.mlcache.ipc (lualib/): the three levels and
# their hit levels, values of every type through the shared dict, cached
# nils (neg_ttl), callback errors and stale values served again
# (resurrect_ttl), peek, get_bulk, l1_serializer, shm_miss; one callback
# run for 50 concurrent misses (light threads, and requests in both
# workers); set/delete/purge reaching the other worker's L1 through
# ipc_shm and update(). A master and two workers for the whole file, so
# blocks that look at one worker's L1 do it within one request. Passes on
# nginx + lua-nginx-module too:
#   prove -It/lib t/074-mlcache.t
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/074-mlcache.t

use Test::Nginx::Socket;

use IO::Socket::INET;
use POSIX ();

master_on();
workers(2);
repeat_each(1);
plan tests => repeat_each() * (blocks() * 3 + 2);
no_long_string();

add_block_preprocessor(sub {
    my $block = shift;
    my $http_config = $block->http_config // '';

    $block->set_value("http_config",
        "    lua_package_path \"\$TEST_NGINX_LUALIB_DIR/?.lua;;\";\n"
        . "    lua_shared_dict cache 1m;\n"
        . "    lua_shared_dict miss 1m;\n"
        . "    lua_shared_dict ipc 1m;\n"
        . "    lua_shared_dict data 1m;\n"
        . $http_config);
    $block->set_value("request", "GET /t") unless defined $block->request;
    $block->set_value("no_error_log", "[error]")
        unless defined $block->no_error_log;
});

# $clients processes send $each requests each, at the same time; dies
# unless every one got a 200
sub fire {
    my ($path, $clients, $each) = @_;
    my @pids;

    for my $c (1 .. $clients) {
        my $pid = fork;
        die "fork: $!" unless defined $pid;

        if ($pid == 0) {
            my $bad = 0;
            for (1 .. $each) {
                my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                                 PeerPort => $ServerPort,
                                                 Proto => 'tcp',
                                                 Timeout => 10);
                if (!$sock) {
                    $bad++;
                    next;
                }
                print $sock "GET $path HTTP/1.0\r\nHost: localhost\r\n\r\n";
                my $resp = '';
                while (sysread($sock, my $buf, 4096)) {
                    $resp .= $buf;
                }
                close $sock;
                $bad++ unless $resp =~ m{^HTTP/1\.\d 200 };
            }
            POSIX::_exit($bad ? 1 : 0);
        }

        push @pids, $pid;
    }

    my $failed = 0;
    for my $pid (@pids) {
        waitpid($pid, 0);
        $failed++ if $?;
    }

    die "$failed of $clients clients saw errors on $path\n" if $failed;
}

run_tests();

__DATA__

=== TEST 1: lualib's modules; new() errors
--- config
    location = /t {
        content_by_lua_block {
            local dir = "$TEST_NGINX_LUALIB_DIR/resty/"
            ngx.say(package.searchpath("resty.mlcache", package.path)
                    == dir .. "mlcache.lua")
            ngx.say(package.searchpath("resty.mlcache.ipc", package.path)
                    == dir .. "mlcache/ipc.lua")
            local mlcache = require "resty.mlcache"
            local function try(...)
                local ok, err = pcall(mlcache.new, ...)
                ngx.say(err)
            end
            try(1, "cache")
            try("c", nil)
            try("c", "cache", "opts")
            try("c", "cache", { ttl = "1" })
            try("c", "cache", { neg_ttl = -1 })
            try("c", "cache", { lru_size = "big" })
            try("c", "cache", { ipc_shm = "ipc", ipc = {} })
            ngx.say(mlcache.new("c", "nosuch"))
            ngx.say(mlcache.new("c", "cache", { shm_miss = "nosuch" }))
            ngx.say(mlcache.new("c", "cache", { ipc_shm = "nosuch" }))
            local cache = mlcache.new("c", "cache")
            ngx.say(pcall(cache.get, cache, 1))
            ngx.say(pcall(cache.get, cache, "k", nil, "cb"))
            ngx.say(pcall(cache.get, cache, "k", { ttl = -1 }))
            ngx.say(pcall(cache.set, cache, "k", nil, 1))
            ngx.say(pcall(cache.update, cache))
        }
    }
--- response_body
true
true
name must be a string
shm must be a string
opts must be a table
opts.ttl must be a number
opts.neg_ttl must be >= 0
opts.lru_size must be a number
cannot specify both of opts.ipc_shm and opts.ipc
nilno such lua_shared_dict: nosuch
nilno such lua_shared_dict for opts.shm_miss: nosuch
nilfailed to initialize mlcache IPC (could not instantiate mlcache.ipc): no such lua_shared_dict: nosuch
falsekey must be a string
falsecallback must be a function
falseopts.ttl must be >= 0
falseno ipc to propagate update, specify opts.ipc_shm or opts.ipc
falseno polling configured, specify opts.ipc_shm or opts.ipc.poll



=== TEST 2: L3, then L1; another worker's instance (its own L1) hits L2
--- config
    location = /t {
        content_by_lua_block {
            local mlcache = require "resty.mlcache"
            local lrucache = require "resty.lrucache"
            local a = mlcache.new("c", "cache")
            -- the same name with its own L1, as in another worker
            local b = mlcache.new("c", "cache", { lru = lrucache.new(10) })
            local calls = 0
            local function cb(x, y)
                calls = calls + 1
                return x .. "+" .. y
            end
            ngx.say(a:get("k", nil, cb, "p", "q"))
            ngx.say(a:get("k", nil, cb, "p", "q"))
            ngx.say(b:get("k", nil, cb, "p", "q"))
            ngx.say(b:get("k", nil, cb, "p", "q"))
            ngx.say("calls: ", calls)
            -- the same shm, another name: another namespace
            local other = mlcache.new("other", "cache")
            ngx.say(other:get("k", nil, cb, "r", "s"))
            -- no callback: a miss is -1
            ngx.say(a:get("missing"))
            ngx.say(b:get("k"))
        }
    }
--- response_body
p+qnil3
p+qnil1
p+qnil2
p+qnil1
calls: 1
r+snil3
nilnil-1
p+qnil1



=== TEST 3: every type survives L2; nil is cached too (negative caching)
--- config
    location = /t {
        content_by_lua_block {
            local mlcache = require "resty.mlcache"
            local lrucache = require "resty.lrucache"
            local a = mlcache.new("types", "cache")
            local values = {
                int = 42, float = 0.1 + 0.2, neg = -1e300, yes = true,
                no = false, str = "a\0b", empty = "",
                tbl = { 1, 2, { x = "y" } },
            }
            for k, v in pairs(values) do
                a:get(k, nil, function() return v end)
            end
            local calls = 0
            a:get("none", nil, function() calls = calls + 1 return nil end)
            -- read back through L2 only
            local b = mlcache.new("types", "cache", { lru = lrucache.new(20) })
            for _, k in ipairs{"int", "float", "neg", "yes", "no", "str",
                               "empty"} do
                local v, err, hit = b:get(k)
                ngx.say(k, ": ", type(v), " ", v == values[k], " ", hit)
            end
            local t, err, hit = b:get("tbl")
            ngx.say("tbl: ", t[1], t[2], t[3].x, " ", hit)
            ngx.say(b:get("none", nil, function() calls = calls + 1 end))
            ngx.say(a:get("none", nil, function() calls = calls + 1 end))
            ngx.say("calls: ", calls)
            ngx.say(a:get("fn", nil, function() return print end))
        }
    }
--- response_body
int: number true 2
float: number true 2
neg: number true 2
yes: boolean true 2
no: boolean true 2
str: string true 2
empty: string true 2
tbl: 12y 2
nilnil2
nilnil1
calls: 1
nilcannot cache value of type functionnil



=== TEST 4: callback errors are returned and not cached
--- config
    location = /t {
        content_by_lua_block {
            local mlcache = require "resty.mlcache"
            local cache = mlcache.new("errs", "cache")
            local calls = 0
            local function soft()
                calls = calls + 1
                return nil, "db down"
            end
            ngx.say(cache:get("k", nil, soft))
            ngx.say(cache:get("k", nil, soft))
            ngx.say("calls: ", calls)
            local v, err = cache:get("k", nil, function() error("boom") end)
            ngx.say(v, " ", err:match("^callback threw an error: .*boom")
                            ~= nil, " ", err:find("traceback", 1, true) ~= nil)
            ngx.say(cache:get("k", nil, function() return "fine" end))
            -- the lock was released each time
            ngx.say(ngx.shared.cache:get("mlcache:lock:errs:k"))
        }
    }
--- response_body
nildb downnil
nildb downnil
calls: 2
nil true true
finenil3
nil



=== TEST 5: ttl: instance, opts, the callback's; 0 is forever, < 0 not cached
--- config
    location = /t {
        content_by_lua_block {
            local mlcache = require "resty.mlcache"
            local cache = mlcache.new("ttls", "cache", { ttl = 100 })
            cache:get("a", nil, function() return 1 end)
            cache:get("b", { ttl = 20 }, function() return 1 end)
            cache:get("c", nil, function() return 1, nil, 5 end)
            cache:get("d", nil, function() return 1, nil, 0 end)
            cache:get("e", { neg_ttl = 7 }, function() return nil end)
            for _, k in ipairs{"a", "b", "c", "d", "e"} do
                local ttl, err, value = cache:peek(k)
                ngx.say(k, ": ", math.ceil(ttl), " ", value)
            end
            local dict = ngx.shared.cache
            ngx.say(math.ceil(dict:ttl("ttls:b")), " ", dict:ttl("ttls:d"))
            local calls = 0
            local function uncacheable()
                calls = calls + 1
                return "v" .. calls, nil, -1
            end
            ngx.say(cache:get("f", nil, uncacheable))
            ngx.say(cache:get("f", nil, uncacheable))
            ngx.say(cache:peek("f"))
        }
    }
--- response_body
a: 100 1
b: 20 1
c: 5 1
d: 0 1
e: 7 nil
20 0
v1nil3
v2nil3
nil



=== TEST 6: values and misses expire from both levels (ngx.sleep)
--- config
    location = /t {
        content_by_lua_block {
            local mlcache = require "resty.mlcache"
            local cache = mlcache.new("exp", "cache", { ttl = 0.1,
                                                        neg_ttl = 0.1 })
            local n = 0
            local function cb()
                n = n + 1
                return "v" .. n
            end
            ngx.say(cache:get("k", nil, cb))
            ngx.say(cache:get("miss", nil, function() return nil end))
            ngx.say(cache:get("k", nil, cb))
            ngx.sleep(0.15)
            ngx.say(cache:get("k", nil, cb))
            ngx.say(cache:get("miss", nil, function() return "now" end))
            local ttl, err, value, stale = cache:peek("k")
            ngx.say(ttl > 0, " ", value, " ", stale)
        }
    }
--- response_body
v1nil3
nilnil3
v1nil1
v2nil3
nownil3
true v2 false



=== TEST 7: resurrect_ttl serves the stale value when the callback fails
--- config
    location = /t {
        content_by_lua_block {
            local mlcache = require "resty.mlcache"
            local lrucache = require "resty.lrucache"
            local cache = mlcache.new("res", "cache", { ttl = 0.1,
                                                        resurrect_ttl = 0.2 })
            ngx.say(cache:get("k", nil, function() return "v1" end))
            ngx.sleep(0.15)
            local ttl, err, value, stale = cache:peek("k", true)
            ngx.say(ttl < 0, " ", value, " ", stale)
            ngx.say(cache:peek("k"))
            local function down() return nil, "db down" end
            ngx.say(cache:get("k", nil, down))
            ngx.say(cache:get("k", nil, down))
            -- L2 says it was resurrected
            local other = mlcache.new("res", "cache", { lru = lrucache.new(4) })
            ngx.say(other:get("k", nil, down))
            ngx.sleep(0.25)
            -- a thrown error does not resurrect
            local v, err = cache:get("k", nil, function() error("boom") end)
            ngx.say(v, " ", err:match("callback threw an error") ~= nil)
            ngx.say(cache:get("k", nil, function() return "v2" end))
        }
    }
--- response_body
v1nil3
true v1 true
nil
v1nil4
v1nil1
v1nil4
nil true
v2nil3
--- no_error_log
[error]
--- error_log
callback returned an error (db down) but stale value found in shm will be resurrected for 0.2s (resurrect_ttl)



=== TEST 8: peek() does not touch L1; ttl, value, stale
--- config
    location = /t {
        content_by_lua_block {
            local mlcache = require "resty.mlcache"
            local cache = mlcache.new("peek", "cache")
            ngx.say(cache:peek("k"))
            cache:get("k", { ttl = 10 }, function() return "v" end)
            local ttl, err, value, stale = cache:peek("k")
            ngx.say(ttl > 9.9 and ttl <= 10, " ", err, " ", value, " ", stale)
            cache:get("n", nil, function() return nil end)
            ttl, err, value = cache:peek("n")
            ngx.say(ttl > 4.9 and ttl <= 5, " ", err, " ", value)
            ngx.say(pcall(cache.peek, cache, 1))
        }
    }
--- response_body
nil
true nil v false
true nil nil
falsekey must be a string



=== TEST 9: get_bulk(), new_bulk(), each_bulk_res()
--- config
    location = /t {
        content_by_lua_block {
            local mlcache = require "resty.mlcache"
            local cache = mlcache.new("bulk", "cache")
            cache:get("c", nil, function() return nil end)
            cache:get("d", nil, function() return "dd" end)
            local res = cache:get_bulk({
                "a", { ttl = 60 }, function() return "hello" end, nil,
                "b", nil, function(s) return s end, "world",
                "c", nil, function() return "bye" end, nil,
                "e", nil, function() return nil, "failed" end, nil,
                "f", nil, nil, nil,
                n = 5,
            }, { concurrency = 2 })
            ngx.say(res.n)
            for i, v, err, hit in mlcache.each_bulk_res(res) do
                ngx.say(i, " ", v, " ", err, " ", hit)
            end
            local bulk = mlcache.new_bulk(3)
            bulk:add("a", nil, function() return "no" end)
            bulk:add("d", nil, function() return "no" end)
            bulk:add("g", nil, function(n) return n * n end, 7)
            for i, v, err, hit in mlcache.each_bulk_res(cache:get_bulk(bulk)) do
                ngx.say(i, " ", v, " ", err, " ", hit)
            end
            ngx.say(pcall(cache.get_bulk, cache, { n = 1, 1 }))
            ngx.say(pcall(cache.get_bulk, cache, {}))
            ngx.say(pcall(mlcache.each_bulk_res, {}))
        }
    }
--- response_body
15
1 hello nil 3
2 world nil 3
3 nil nil 1
4 nil failed nil
5 nil nil -1
1 hello nil 1
2 dd nil 1
3 49 nil 3
falsekey at index 1 must be a string for operation 1 (got number)
falsebulk must have n field
falseres must have res.n field; is this a get_bulk() result?



=== TEST 10: l1_serializer shapes what L1 holds and get() returns
--- config
    location = /t {
        content_by_lua_block {
            local mlcache = require "resty.mlcache"
            local lrucache = require "resty.lrucache"
            local function upper(s) return s:upper() end
            local cache = mlcache.new("ser", "cache", { l1_serializer = upper })
            ngx.say(cache:get("k", nil, function() return "abc" end))
            ngx.say(cache:get("k", nil, function() return "zzz" end))
            -- L2 keeps the callback's value
            local raw = mlcache.new("ser", "cache", { lru = lrucache.new(4) })
            ngx.say(raw:get("k"))
            local cache2 = mlcache.new("ser2", "cache")
            ngx.say(cache2:get("a", { l1_serializer = function() error("bad") end },
                               function() return "x" end))
            ngx.say(cache2:get("b", { l1_serializer = function() end },
                               function() return "x" end))
            ngx.say(cache2:get("c", { l1_serializer = function()
                                          return nil, "no way" end },
                               function() return "x" end))
            -- a cached nil is not serialized
            ngx.say(cache:get("n", nil, function() return nil end))
        }
    }
--- response_body_like
^ABCnil3
ABCnil1
abcnil2
nill1_serializer threw an error: .*badnil
nill1_serializer returned a nil valuenil
nilno waynil
nilnil3




=== TEST 11: shm_miss holds the cached nils
--- config
    location = /t {
        content_by_lua_block {
            local mlcache = require "resty.mlcache"
            local cache = mlcache.new("sm", "cache", { shm_miss = "miss",
                                                       ipc_shm = "ipc" })
            cache:get("hit", nil, function() return 1 end)
            cache:get("none", nil, function() return nil end)
            ngx.say(ngx.shared.cache:get("sm:hit") ~= nil, " ",
                    ngx.shared.cache:get("sm:none"), " ",
                    ngx.shared.miss:get("sm:none") ~= nil)
            ngx.say(cache:peek("none"))
            -- set() moves a key between the two dicts
            cache:set("none", nil, "now")
            ngx.say(ngx.shared.miss:get("sm:none"), " ",
                    ngx.shared.cache:get("sm:none") ~= nil)
            cache:delete("none")
            ngx.say(cache:get("none"))
        }
    }
--- response_body_like
^true nil true
[45](\.\d+)?nilnilfalse
nil true
nilnil-1




=== TEST 12: 50 light threads miss at once: the callback runs once
--- config
    location = /t {
        content_by_lua_block {
            local mlcache = require "resty.mlcache"
            local cache = mlcache.new("pile", "cache",
                                      { resty_lock_opts = { step = 0.005 } })
            local calls = 0
            local function slow()
                calls = calls + 1
                ngx.sleep(0.1)
                return "filled"
            end
            local threads = {}
            for i = 1, 50 do
                threads[i] = ngx.thread.spawn(function()
                    return cache:get("k", nil, slow)
                end)
            end
            local levels, good = {}, 0
            for i = 1, 50 do
                local ok, v, err, hit = ngx.thread.wait(threads[i])
                if ok and v == "filled" and err == nil then
                    good = good + 1
                end
                levels[hit] = (levels[hit] or 0) + 1
            end
            ngx.say("calls: ", calls)
            ngx.say("good: ", good)
            ngx.say("L3: ", levels[3], ", L2: ", levels[2])
        }
    }
--- response_body
calls: 1
good: 50
L3: 1, L2: 49



=== TEST 13: 50 concurrent requests in both workers: the callback runs once
--- http_config
    init_worker_by_lua_block {
        local mlcache = require "resty.mlcache"
        pile_cache = assert(mlcache.new("wpile", "cache"))
    }
--- config
    location = /get {
        content_by_lua_block {
            local data = ngx.shared.data
            local v, err, hit = pile_cache:get("k", nil, function()
                data:incr("calls", 1, 0)
                ngx.sleep(0.3)
                return "filled"
            end)
            if v ~= "filled" then
                ngx.log(ngx.ERR, "got ", tostring(v), ": ", err)
                return ngx.exit(500)
            end
            data:incr("pid:" .. ngx.worker.pid(), 1, 0)
            ngx.say(hit)
        }
    }
    location = /t {
        content_by_lua_block {
            local data = ngx.shared.data
            local workers = 0
            for _, k in ipairs(data:get_keys(0)) do
                if k:sub(1, 4) == "pid:" then
                    workers = workers + 1
                end
            end
            ngx.say("calls: ", data:get("calls"))
            ngx.say("both workers: ", workers == 2)
        }
    }
--- init
main::fire("/get", 50, 1);
--- response_body
calls: 1
both workers: true



=== TEST 14: set() and delete() reach the other worker's L1 after update()
--- http_config
    init_worker_by_lua_block {
        local mlcache = require "resty.mlcache"
        ipc_cache = assert(mlcache.new("wipc", "cache", { ipc_shm = "ipc" }))
    }
--- config
    location = /get {
        content_by_lua_block {
            local data = ngx.shared.data
            local phase = ngx.var.arg_phase
            if phase ~= "stale" then
                assert(ipc_cache:update())
            end
            local v = ipc_cache:get("k", nil, function() return "v1" end)
            data:set(phase .. ":" .. ngx.worker.pid(), v)
        }
    }
    location = /set {
        content_by_lua_block {
            assert(ipc_cache:set("k", nil, "v2"))
        }
    }
    location = /delete {
        content_by_lua_block {
            assert(ipc_cache:delete("k"))
        }
    }
    location = /t {
        content_by_lua_block {
            local data = ngx.shared.data
            local seen = {}
            for _, k in ipairs(data:get_keys(0)) do
                local phase = k:match("^(%w+):")
                if phase then
                    seen[phase] = seen[phase] or {}
                    table.insert(seen[phase], data:get(k))
                end
            end
            for _, phase in ipairs{"fill", "stale", "updated", "deleted"} do
                table.sort(seen[phase])
                ngx.say(phase, ": ", table.concat(seen[phase], " "))
            end
        }
    }
--- init
main::fire("/get?phase=fill", 8, 10);
main::fire("/set", 1, 1);
main::fire("/get?phase=stale", 8, 10);
main::fire("/get?phase=updated", 8, 10);
main::fire("/delete", 1, 1);
main::fire("/get?phase=deleted", 8, 10);
--- response_body
fill: v1 v1
stale: v1 v2
updated: v2 v2
deleted: v1 v1



=== TEST 15: purge() empties L2 and, after update(), the other L1
--- config
    location = /t {
        content_by_lua_block {
            local mlcache = require "resty.mlcache"
            local lrucache = require "resty.lrucache"
            -- debug: instances in one worker read each other's events
            local a = mlcache.new("pg", "cache", { ipc_shm = "ipc",
                                                   debug = true })
            local b = mlcache.new("pg", "cache", { ipc_shm = "ipc",
                                                   debug = true,
                                                   lru = lrucache.new(8) })
            a:get("k", nil, function() return "v" end)
            ngx.say(b:get("k"))
            ngx.say(a:purge())
            ngx.say(a:get("k"))
            ngx.say(b:get("k"))
            ngx.say(b:update())
            ngx.say(b:get("k"))
            local ok, err = pcall(b.update, b, "soon")
            ngx.say(ok, " ", err:match("timeout must be a number"))
        }
    }
--- response_body
vnil2
true
nilnil-1
vnil1
true
nilnil-1
false timeout must be a number



=== TEST 16: the IPC waits for an event still being written, then skips it
--- config
    location = /t {
        content_by_lua_block {
            local ipc_shm = ngx.shared.ipc
            local ipc = require("resty.mlcache.ipc").new("ipc", true)
            local got = {}
            ipc:subscribe("ch", function(data) got[#got + 1] = data end)
            ipc:subscribe("ch", function(data) error("handler failed") end)
            ipc:broadcast("ch", "one")
            ngx.say(ipc:poll())
            -- a number taken, its event written 50 ms later
            local idx = ipc_shm:incr("mlcache:ipc:index", 1)
            ngx.timer.at(0.05, function()
                ipc_shm:set("mlcache:ipc:" .. idx, "1:2:chtwo")
            end)
            ngx.say(ipc:poll(1))
            -- never written: skipped after the timeout
            ipc_shm:incr("mlcache:ipc:index", 1)
            ngx.say(ipc:poll(0.05))
            ipc:broadcast("ch", "three")
            ngx.say(ipc:poll())
            ngx.say(table.concat(got, " "))
        }
    }
--- response_body
true
true
niltimeout
true
one two three
--- error_log
callback for channel 'ch' threw a Lua error
--- no_error_log
[crit]
