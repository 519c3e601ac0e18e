# ngx.upstream (lua-upstream-nginx-module's API) and resty.upstream.healthcheck
# (lualib/), with a master and two workers: checkers spawned in
# init_worker_by_lua probe a healthy backend, one answering 500 and a
# closed port; the verdicts reach both workers through the shm (each
# worker publishes its own status page into a dict, so a request can see
# both), proxied requests all go to the healthy peer, a backend whose
# /status turns good comes back UP, and ngx.upstream's functions and their
# errors. The reference nginx has no ngx.upstream (lua-upstream-nginx-module
# is not in Debian's package), so the file skips itself when
# TEST_NGINX_BINARY is an nginx:
#   prove -It/lib t/126-upstream-healthcheck.t

use Test::Nginx::Socket;

if (($ENV{TEST_NGINX_BINARY} // '') =~ /nginx$/) {
    plan skip_all => "nginx has no ngx.upstream (lua-upstream-nginx-module)";
}

master_on();
workers(2);
repeat_each(1);
plan "no_plan";
no_long_string();

my $HttpConfig = <<'_EOC_';
    lua_package_path "$TEST_NGINX_LUALIB_DIR/?.lua;;";
    lua_shared_dict healthcheck 1m;
    lua_shared_dict hc_test 1m;
    lua_socket_log_errors off;

    upstream foo.com {
        server 127.0.0.1:19941;
        server 127.0.0.1:19942;
        server 127.0.0.1:19943;
        server 127.0.0.1:19944 backup;
    }

    upstream bar {
        server 127.0.0.1:19941 weight=3 max_fails=7 fail_timeout=33;
        server 127.0.0.2:19945 down;
    }

    server {
        listen 127.0.0.1:19941;
        location / {
            content_by_lua_block { ngx.say("19941") }
        }
    }

    server {
        listen 127.0.0.1:19942;
        location = /status {
            content_by_lua_block {
                ngx.exit(ngx.shared.hc_test:get("status2") or 500)
            }
        }
        location / {
            content_by_lua_block { ngx.say("19942") }
        }
    }

    server {
        listen 127.0.0.1:19944;
        location / {
            content_by_lua_block { ngx.say("19944") }
        }
    }

    init_worker_by_lua_block {
        local hc = require "resty.upstream.healthcheck"
        local ok, err = hc.spawn_checker{
            shm = "healthcheck",
            upstream = "foo.com",
            type = "http",
            http_req = "GET /status HTTP/1.0\r\nHost: foo.com\r\n\r\n",
            interval = 100,
            timeout = 500,
            fall = 2,
            rise = 1,
            valid_statuses = {200, 302},
            concurrency = 2,
        }
        if not ok then
            ngx.log(ngx.ERR, "failed to spawn health checker: ", err)
            return
        end

        -- each worker shows its own view of the peers to the tests
        if package.loaded.hc_test_init then
            package.loaded.hc_test_init()
        end

        local id = ngx.worker.id()
        local ok, err = ngx.timer.every(0.05, function()
            ngx.shared.hc_test:set("view:" .. id, hc.status_page())
        end)
        if not ok then
            ngx.log(ngx.ERR, "failed to create timer: ", err)
        end
    }
_EOC_

our $Wait = <<'_EOC_';
        -- waits until both workers' status pages contain every pattern
        local function wait_views(...)
            local pats = {...}
            local dict = ngx.shared.hc_test
            for _ = 1, 100 do
                local good = 0
                for w = 0, 1 do
                    local v = dict:get("view:" .. w) or ""
                    local all = true
                    for _, p in ipairs(pats) do
                        if not v:find(p, 1, true) then
                            all = false
                        end
                    end
                    if all then
                        good = good + 1
                    end
                end
                if good == 2 then
                    return true
                end
                ngx.sleep(0.05)
            end
            return false
        end
_EOC_

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value("http_config", $HttpConfig . ($block->http_config // ''));
    $block->set_value("request", "GET /t") unless defined $block->request;
    $block->set_value("no_error_log", "[alert]\nfailed to run healthcheck cycle")
        unless defined $block->no_error_log;
});

run_tests();

__DATA__

=== TEST 1: the bad peers are turned DOWN in both workers; status page
--- config eval
"location = /t {
    content_by_lua_block {
$::Wait
        ngx.say(wait_views('127.0.0.1:19942 DOWN', '127.0.0.1:19943 DOWN'))
        for w = 0, 1 do
            ngx.print(ngx.shared.hc_test:get('view:' .. w))
        end
    }
}"
--- response_body
true
Upstream foo.com
    Primary Peers
        127.0.0.1:19941 UP
        127.0.0.1:19942 DOWN
        127.0.0.1:19943 DOWN
    Backup Peers
        127.0.0.1:19944 UP

Upstream bar (NO checkers)
    Primary Peers
        127.0.0.1:19941 UP
        127.0.0.2:19945 DOWN
    Backup Peers
Upstream foo.com
    Primary Peers
        127.0.0.1:19941 UP
        127.0.0.1:19942 DOWN
        127.0.0.1:19943 DOWN
    Backup Peers
        127.0.0.1:19944 UP

Upstream bar (NO checkers)
    Primary Peers
        127.0.0.1:19941 UP
        127.0.0.2:19945 DOWN
    Backup Peers
--- error_log eval
[qr/healthcheck: peer 127\.0\.0\.1:19942 is turned down after 2 failure\(s\)/,
 qr/healthcheck: failed to connect to 127\.0\.0\.1:19943: connection refused/]
--- timeout: 10



=== TEST 2: once they are down, every request (both workers) goes to the healthy peer
--- config eval
"location = /wait {
    content_by_lua_block {
$::Wait
        ngx.say(wait_views('127.0.0.1:19942 DOWN', '127.0.0.1:19943 DOWN'))
    }
}
location /x {
    proxy_pass http://foo.com;
}"
--- request eval
["GET /wait", map { "GET /x$_" } 1 .. 12]
--- response_body eval
["true\n", map { "19941\n" } 1 .. 12]
--- no_error_log
[alert]
--- timeout: 10



=== TEST 3: a peer whose /status turns good comes back UP in both workers
--- config eval
"location = /t {
    content_by_lua_block {
$::Wait
        ngx.say('down: ', wait_views('127.0.0.1:19942 DOWN'))
        ngx.shared.hc_test:set('status2', 200)
        ngx.say('up: ', wait_views('127.0.0.1:19942 UP'))
        local up = require 'ngx.upstream'
        local peers = up.get_primary_peers('foo.com')
        ngx.say(peers[2].name, ' ', tostring(peers[2].down))
    }
}"
--- response_body
down: true
up: true
127.0.0.1:19942 nil
--- error_log eval
qr/healthcheck: peer 127\.0\.0\.1:19942 is turned up after 1 success\(es\)/
--- timeout: 10



=== TEST 4: get_upstreams, get_servers
--- config
location = /t {
    content_by_lua_block {
        local up = require "ngx.upstream"
        ngx.say(table.concat(up.get_upstreams(), ", "))
        local srvs = up.get_servers("bar")
        for _, s in ipairs(srvs) do
            ngx.say(s.name, " addr=", s.addr, " weight=", s.weight,
                    " max_fails=", s.max_fails,
                    " fail_timeout=", s.fail_timeout,
                    " backup=", tostring(s.backup),
                    " down=", tostring(s.down))
        end
        srvs = up.get_servers("foo.com")
        ngx.say(#srvs, " ", srvs[4].addr, " ", tostring(srvs[4].backup))
        ngx.say(up.get_servers("nosuch"))
        ngx.say(pcall(up.get_upstreams, 1))
        ngx.say(pcall(up.get_servers))
    }
}
--- response_body_like chomp
\Afoo.com, bar
127.0.0.1:19941 addr=127.0.0.1:19941 weight=3 max_fails=7 fail_timeout=33 backup=nil down=nil
127.0.0.2:19945 addr=127.0.0.2:19945 weight=1 max_fails=1 fail_timeout=10 backup=nil down=true
4 127.0.0.1:19944 true
nilupstream not found
false.*no argument expected
false.*exactly one argument expected
\z



=== TEST 5: get_primary_peers, get_backup_peers, set_peer_down and its errors
--- config
location = /t {
    content_by_lua_block {
        local up = require "ngx.upstream"
        local function show(peers)
            for _, p in ipairs(peers) do
                ngx.say(p.id, " ", p.name, " weight=", p.weight,
                        " cw=", p.current_weight, " ew=", p.effective_weight,
                        " conns=", p.conns, " fails=", p.fails,
                        " max_fails=", p.max_fails,
                        " fail_timeout=", p.fail_timeout,
                        " down=", tostring(p.down))
            end
        end
        show(up.get_primary_peers("bar"))
        ngx.say("backup: ", #up.get_backup_peers("bar"))
        show(up.get_backup_peers("foo.com"))
        ngx.say(up.get_primary_peers("nosuch"))
        ngx.say(up.get_backup_peers("nosuch"))

        ngx.say(up.set_peer_down("bar", false, 0, true))
        ngx.say(tostring(up.get_primary_peers("bar")[1].down))
        ngx.say(up.set_peer_down("bar", false, 0, false))
        ngx.say(tostring(up.get_primary_peers("bar")[1].down))
        ngx.say(up.set_peer_down("bar", false, 2, true))
        ngx.say(up.set_peer_down("bar", false, -1, true))
        ngx.say(up.set_peer_down("bar", true, 0, true))
        ngx.say(up.set_peer_down("nosuch", false, 0, true))
        ngx.say(pcall(up.set_peer_down, "bar", false, 0))
    }
}
--- response_body_like chomp
\A0 127.0.0.1:19941 weight=3 cw=0 ew=3 conns=0 fails=0 max_fails=7 fail_timeout=33 down=nil
1 127.0.0.2:19945 weight=1 cw=0 ew=1 conns=0 fails=0 max_fails=1 fail_timeout=10 down=true
backup: 0
0 127.0.0.1:19944 weight=1 cw=0 ew=1 conns=0 fails=0 max_fails=1 fail_timeout=10 down=nil
nilupstream not found
nilupstream not found
true
true
true
nil
nilbad peer id
nilbad peer id
nilno backup peers
nilupstream not found
false.*exactly 4 arguments expected
\z



=== TEST 6: a peer set down is skipped by the balancer; current_upstream_name
--- http_config
    upstream baz {
        server 127.0.0.1:19941;
        server 127.0.0.1:19944;
    }

    # both workers take the second peer out when they start
    init_by_lua_block {
        package.loaded.hc_test_init = function()
            local up = require "ngx.upstream"
            local ok, err = up.set_peer_down("baz", false, 1, true)
            if not ok then
                ngx.log(ngx.ERR, "set_peer_down: ", err)
            end
        end
    }
--- config
location = /t {
    content_by_lua_block {
        local up = require "ngx.upstream"
        ngx.say("current: ", up.current_upstream_name())
        ngx.say(tostring(up.get_primary_peers("baz")[2].down))
    }
}
location /p {
    proxy_pass http://baz;
    header_filter_by_lua_block { ngx.header.content_length = nil }
    body_filter_by_lua_block {
        if ngx.arg[2] then
            local up = require "ngx.upstream"
            ngx.arg[1] = ngx.arg[1] .. up.current_upstream_name() .. "\n"
        end
    }
}
location /i {
    proxy_pass http://127.0.0.1:19944;
    header_filter_by_lua_block { ngx.header.content_length = nil }
    body_filter_by_lua_block {
        if ngx.arg[2] then
            local up = require "ngx.upstream"
            ngx.arg[1] = ngx.arg[1] .. up.current_upstream_name() .. "\n"
        end
    }
}
--- request eval
["GET /t", (map { "GET /p$_" } 1 .. 8), "GET /i"]
--- no_error_log
[alert]
set_peer_down:
lua entry thread aborted
--- response_body eval
["current: nil\ntrue\n", (map { "19941\nbaz\n" } 1 .. 8),
 "19944\n127.0.0.1:19944\n"]
