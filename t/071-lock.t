# resty.lock (lualib/): lock/unlock/expire and their errors, waiting with
# ngx.sleep until the holder lets go or the timeout, the lock's expiry,
# release by the garbage collector, and mutual exclusion between light
# threads and between the two workers (a master and two workers for the
# whole file; "--- init" fires concurrent clients as t/051 does). Passes
# on nginx + lua-nginx-module too:
#   prove -It/lib t/071-lock.t
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/071-lock.t

use Test::Nginx::Socket;

use IO::Socket::INET;
use POSIX ();

master_on();
workers(2);
repeat_each(1);
plan tests => repeat_each() * (blocks() * 3);
no_long_string();

add_block_preprocessor(sub {
    my $block = shift;
    my $http_config = $block->http_config // '';

    $block->set_value("http_config",
        "    lua_package_path \"\$TEST_NGINX_LUALIB_DIR/?.lua;;\";\n"
        . "    lua_shared_dict locks 1m;\n"
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

=== TEST 1: lualib's module; new() and lock() argument errors
--- config
    location = /t {
        content_by_lua_block {
            local path = package.searchpath("resty.lock", package.path)
            ngx.say(path == "$TEST_NGINX_LUALIB_DIR/resty/lock.lua")
            local lock = require "resty.lock"
            ngx.say(lock:new("nosuch"))
            local l = lock:new("locks")
            ngx.say(l:lock(nil))
            ngx.say(l:unlock())
            ngx.say(l:expire(1))
        }
    }
--- response_body
true
nildictionary not found
nilnil key
nilunlocked
nilunlocked



=== TEST 2: lock, "locked" for the same object, unlock; the key in the dict
--- config
    location = /t {
        content_by_lua_block {
            local lock = require "resty.lock"
            local locks = ngx.shared.locks
            local l = lock:new("locks")
            ngx.say(l:lock("k"))
            ngx.say(locks:get("k"), " ", l.key)
            ngx.say(l:lock("k"))
            ngx.say(l:lock("other"))
            ngx.say(l:unlock())
            ngx.say(locks:get("k"))
            ngx.say(l:unlock())
            ngx.say(l:lock("other"))
            ngx.say(l:unlock())
        }
    }
--- response_body
0
true k
nillocked
nillocked
1
nil
nilunlocked
0
1



=== TEST 3: timeout 0 fails at once; exptime bounds timeout and step
--- config
    location = /t {
        content_by_lua_block {
            local lock = require "resty.lock"
            local a = lock:new("locks")
            local b = lock:new("locks", { timeout = 0 })
            ngx.say(a:lock("k"))
            ngx.update_time()
            local t0 = ngx.now()
            ngx.say(b:lock("k"))
            ngx.update_time()
            ngx.say(ngx.now() - t0 < 0.01)

            local c = lock:new("locks", { exptime = 2, timeout = 9, step = 3 })
            ngx.say(c.exptime, " ", c.timeout, " ", c.step, " ", c.ratio,
                    " ", c.max_step)
            local d = lock:new("locks")
            ngx.say(d.exptime, " ", d.timeout, " ", d.step, " ", d.ratio,
                    " ", d.max_step)
            a:unlock()
        }
    }
--- response_body
0
niltimeout
true
2 2 2 2 0.5
30 5 0.001 2 0.5



=== TEST 4: a waiter gives up after its timeout, having slept it all
--- config
    location = /t {
        content_by_lua_block {
            local lock = require "resty.lock"
            local a = lock:new("locks")
            local b = lock:new("locks", { timeout = 0.05 })
            a:lock("k")
            ngx.update_time()
            local t0 = ngx.now()
            ngx.say(b:lock("k"))
            ngx.update_time()
            local waited = ngx.now() - t0
            ngx.say(waited >= 0.045, " ", waited < 0.5)
            a:unlock()
            ngx.say(b:lock("k"))
            ngx.say(b:unlock())
        }
    }
--- response_body
niltimeout
true true
0
1



=== TEST 5: a waiting light thread gets the lock when the holder unlocks
--- config
    location = /t {
        content_by_lua_block {
            local lock = require "resty.lock"
            local log = {}

            local function worker(name, hold)
                local l = lock:new("locks", { step = 0.01, ratio = 1 })
                local elapsed, err = l:lock("k")
                log[#log + 1] = name .. " got it: "
                                .. tostring(elapsed and elapsed > 0) .. " "
                                .. tostring(err)
                ngx.sleep(hold)
                log[#log + 1] = name .. " unlocks: " .. tostring(l:unlock())
            end

            local t1 = ngx.thread.spawn(worker, "first", 0.1)
            local t2 = ngx.thread.spawn(worker, "second", 0)
            ngx.thread.wait(t1)
            ngx.thread.wait(t2)
            ngx.say(table.concat(log, "\n"))
        }
    }
--- response_body
first got it: false nil
first unlocks: 1
second got it: true nil
second unlocks: 1



=== TEST 6: elapsed is the sum of the steps slept (step * ratio, max_step)
--- config
    location = /t {
        content_by_lua_block {
            local lock = require "resty.lock"
            local a = lock:new("locks", { exptime = 0.3 })
            local b = lock:new("locks", { step = 0.01, ratio = 3,
                                          max_step = 0.1 })
            a:lock("k")     -- never unlocked: expires after 0.3 s
            local elapsed, err = b:lock("k")
            -- steps: 0.01 0.03 0.09 0.1 0.1 ...
            ngx.say(err, " ", elapsed and string.format("%.2f", elapsed))
            local sum, step, steps = 0, 0.01, {}
            while sum < elapsed - 1e-9 do
                steps[#steps + 1] = string.format("%.2f", step)
                sum = sum + step
                step = math.min(math.max(0.001, step * 3), 0.1)
            end
            ngx.say(math.abs(sum - elapsed) < 1e-9, " ", steps[1], " ",
                    steps[2], " ", steps[3], " ", steps[4])
            b:unlock()
        }
    }
--- response_body
nil 0.33
true 0.01 0.03 0.09 0.10



=== TEST 7: expire() changes the held lock's expiry
--- config
    location = /t {
        content_by_lua_block {
            local lock = require "resty.lock"
            local locks = ngx.shared.locks
            local l = lock:new("locks", { exptime = 10 })
            l:lock("k")
            local ttl = locks:ttl("k")
            ngx.say(ttl > 9 and ttl <= 10)
            ngx.say(l:expire(0.1))
            ttl = locks:ttl("k")
            ngx.say(ttl > 0 and ttl <= 0.1)
            ngx.say(l:expire())
            ttl = locks:ttl("k")
            ngx.say(ttl > 9 and ttl <= 10)
            l:expire(0.05)
            ngx.sleep(0.1)
            -- expired: another object takes it at once
            local other = lock:new("locks", { timeout = 0 })
            ngx.say(other:lock("k"))
            ngx.say(l:expire(1))    -- the key is someone else's now
            other:unlock()
            ngx.say(l:expire(1))
        }
    }
--- response_body
true
true
true
true
true
0
true
nilnot found



=== TEST 8: a lock object garbage-collected while holding releases the key
--- config
    location = /t {
        content_by_lua_block {
            local lock = require "resty.lock"
            local locks = ngx.shared.locks
            local function hold()
                local l = lock:new("locks")
                l:lock("gc-key")
            end
            hold()
            ngx.say(locks:get("gc-key"))
            collectgarbage()
            collectgarbage()
            ngx.say(locks:get("gc-key"))
            local l2 = lock:new("locks", { timeout = 0 })
            ngx.say(l2:lock("gc-key"))
            l2:unlock()
        }
    }
--- response_body
true
nil
0



=== TEST 9: mutual exclusion between concurrent requests in both workers
--- config
    location = /work {
        content_by_lua_block {
            local lock = require "resty.lock"
            local data = ngx.shared.data
            local l = lock:new("locks", { timeout = 10 })
            local elapsed, err = l:lock("counter")
            if not elapsed then
                ngx.log(ngx.ERR, "lock: ", err)
                return ngx.exit(500)
            end
            -- a read-sleep-write that loses updates unless exclusive
            local n = data:get("n") or 0
            ngx.sleep(0.002)
            data:set("n", n + 1)
            data:incr("pid:" .. ngx.worker.pid(), 1, 0)
            if elapsed > 0 then
                data:incr("waited", 1, 0)
            end
            l:unlock()
            ngx.say("ok")
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
            ngx.say("n: ", data:get("n"))
            ngx.say("both workers: ", workers == 2)
            ngx.say("some waited: ", (data:get("waited") or 0) > 0)
        }
    }
--- init
main::fire("/work", 8, 15);
--- response_body
n: 120
both workers: true
some waited: true



=== TEST 10: both workers' timers contend for one lock
--- http_config
    init_worker_by_lua_block {
        local function contend(premature)
            if premature then
                return
            end
            local lock = require "resty.lock"
            local data = ngx.shared.data
            for i = 1, 25 do
                local l = lock:new("locks", { timeout = 10 })
                local elapsed, err = l:lock("timer-counter")
                if not elapsed then
                    ngx.log(ngx.ERR, "lock: ", err)
                    return
                end
                local n = data:get("tn") or 0
                ngx.sleep(0.001)
                data:set("tn", n + 1)
                l:unlock()
            end
            data:incr("timers done", 1, 0)
            data:set("timer worker " .. ngx.worker.id(), true)
        end
        local ok, err = ngx.timer.at(0, contend)
        if not ok then
            ngx.log(ngx.ERR, "timer: ", err)
        end
    }
--- config
    location = /t {
        content_by_lua_block {
            local data = ngx.shared.data
            for i = 1, 500 do
                if data:get("timers done") == 2 then
                    break
                end
                ngx.sleep(0.01)
            end
            ngx.say("done: ", data:get("timers done"))
            ngx.say("tn: ", data:get("tn"))
            ngx.say(data:get("timer worker 0"), " ",
                    data:get("timer worker 1"))
        }
    }
--- response_body
done: 2
tn: 50
true true
