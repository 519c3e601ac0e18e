# balancer_by_lua_block / balancer_by_lua_file and ngx.balancer: Lua picks
# the peer of every try of a proxied request. The upstream's own server
# is a placeholder; backends a and b (this server's extra ports) answer
# with their letter and how many requests their connection has carried,
# so that keepalive reuse shows; others answer 404 and 503, and one port
# refuses connections.
#   prove -It/lib t/123-lua-balancer.t
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/123-lua-balancer.t

use Test::Nginx::Socket 'no_plan';
use IO::Socket::INET ();
use Moxy::TestPeers;

# a port where nothing listens
$ENV{TEST_NGINX_CLOSED_PORT} = free_port();

# a and b: "?sleep=S" answers after S seconds; X-Peer is echoed
our $Backends = <<'_EOC_';
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            content_by_lua_block {
                local s = tonumber(ngx.var.arg_sleep)
                if s then
                    ngx.sleep(s)
                end
                ngx.header["X-Peer"] = ngx.var.http_x_peer
                ngx.print("a:", ngx.var.connection_requests)
            }
        }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        location / {
            content_by_lua_block {
                ngx.print("b:", ngx.var.connection_requests)
            }
        }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
        location / { return 404; }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_4;
        location / { return 503; }
    }
_EOC_

add_block_preprocessor(sub {
    my $block = shift;

    return if defined $block->must_die;

    $block->set_value("http_config",
                      $Backends . ($block->http_config // ''));
});

no_long_string();
run_tests();

__DATA__

=== TEST 1: the peer is chosen by the request (ngx.var), in phase "balancer"
--- http_config
    upstream backend {
        server 0.0.0.1;
        balancer_by_lua_block {
            local b = require "ngx.balancer"
            local port = ngx.var.arg_x == "b" and $TEST_NGINX_RAND_PORT_2
                         or $TEST_NGINX_RAND_PORT_1
            ngx.log(ngx.INFO, "phase: ", ngx.get_phase())
            assert(b.set_current_peer("127.0.0.1", port))
        }
    }
--- config
    location /t {
        proxy_pass http://backend/;
    }
--- request eval
["GET /t?x=a", "GET /t?x=b", "GET /t"]
--- response_body eval
["a:1", "b:1", "a:1"]
--- error_log
phase: balancer
--- no_error_log
[error]



=== TEST 2: the "host:port" form, $upstream_addr of the peer
--- http_config
    upstream backend {
        server 0.0.0.1;
        balancer_by_lua_block {
            local b = require "ngx.balancer"
            assert(b.set_current_peer("127.0.0.1:$TEST_NGINX_RAND_PORT_2",
                                      9))
        }
    }
--- config
    location /t {
        proxy_pass http://backend/;
        header_filter_by_lua_block {
            ngx.header["X-Addr"] = ngx.var.upstream_addr
        }
    }
--- request
GET /t
--- response_headers_like
X-Addr: ^127\.0\.0\.1:\d+$
--- response_body chomp
b:1
--- no_error_log
[error]



=== TEST 3: bad addresses: names are not resolved, bad ports
--- http_config
    upstream backend {
        server 0.0.0.1;
        balancer_by_lua_block {
            local b = require "ngx.balancer"
            for _, addr in ipairs{ "localhost", "127.0.0.1:abc", "",
                                   "::1", "127.0.0.1:0", "[::1]" } do
                local ok, err = b.set_current_peer(addr, 80)
                ngx.log(ngx.WARN, "addr \"", addr, "\": ", ok, " ", err)
            end
            assert(b.set_current_peer("127.0.0.1", $TEST_NGINX_RAND_PORT_1))
        }
    }
--- config
    location /t {
        proxy_pass http://backend/;
    }
--- request
GET /t
--- response_body chomp
a:1
--- grep_error_log eval: qr/addr "[^"]*": .*? while/
--- grep_error_log_out
addr "localhost": nil no host allowed while
addr "127.0.0.1:abc": nil invalid port while
addr "": nil no host while
addr "::1": nil invalid port while
addr "127.0.0.1:0": nil invalid port while
addr "[::1]": true nil while
--- no_error_log
[error]



=== TEST 4: ngx.ctx is the request's, both ways
--- http_config
    upstream backend {
        server 0.0.0.1;
        balancer_by_lua_block {
            local b = require "ngx.balancer"
            ngx.ctx.seen = ngx.ctx.from_rewrite
            assert(b.set_current_peer("127.0.0.1", $TEST_NGINX_RAND_PORT_1))
        }
    }
--- config
    location /t {
        rewrite_by_lua_block {
            ngx.ctx.from_rewrite = "hello"
        }
        proxy_pass http://backend/;
        header_filter_by_lua_block {
            ngx.header["X-Ctx"] = ngx.ctx.seen
        }
    }
--- request
GET /t
--- response_headers
X-Ctx: hello
--- no_error_log
[error]



=== TEST 5: retries: set_more_tries, get_last_failure after refused, 404, 503
--- http_config
    upstream backend {
        server 0.0.0.1;
        balancer_by_lua_block {
            local b = require "ngx.balancer"
            local ports = { $TEST_NGINX_CLOSED_PORT, $TEST_NGINX_RAND_PORT_3,
                            $TEST_NGINX_RAND_PORT_4, $TEST_NGINX_RAND_PORT_1 }
            local n = (ngx.ctx.tries or 0) + 1
            ngx.ctx.tries = n
            local state, status = b.get_last_failure()
            ngx.log(ngx.WARN, "try ", n, ": last failure ", state, " ",
                    status)
            if n == 1 then
                local ok, err = b.set_more_tries(3)
                ngx.log(ngx.WARN, "more tries: ", ok, " ", err)
            end
            assert(b.set_current_peer("127.0.0.1", ports[n]))
        }
    }
--- config
    location /t {
        proxy_next_upstream error timeout http_404 http_503;
        proxy_pass http://backend/;
        log_by_lua_block {
            ngx.log(ngx.WARN, "statuses: ", ngx.var.upstream_status)
        }
    }
--- request
GET /t
--- response_body chomp
a:1
--- grep_error_log eval: qr/(try \d: last failure .*?|more tries: .*?|statuses: .*?) while/
--- grep_error_log_out
try 1: last failure nil nil while
more tries: true nil while
try 2: last failure failed 502 while
try 3: last failure next 404 while
try 4: last failure failed 503 while
statuses: 502, 404, 503, 200 while
--- error_log
connect() failed (111: Connection refused)



=== TEST 6: one try by default: a refused peer gives 502
--- http_config
    upstream backend {
        server 0.0.0.1;
        balancer_by_lua_block {
            local b = require "ngx.balancer"
            ngx.log(ngx.WARN, "balancer run")
            assert(b.set_current_peer("127.0.0.1", $TEST_NGINX_CLOSED_PORT))
        }
    }
--- config
    location /t {
        proxy_pass http://backend/;
    }
--- request
GET /t
--- error_code: 502
--- grep_error_log: balancer run
--- grep_error_log_out
balancer run
--- error_log
connect() failed (111: Connection refused)



=== TEST 7: proxy_next_upstream_tries caps set_more_tries
--- http_config
    upstream backend {
        server 0.0.0.1;
        balancer_by_lua_block {
            local b = require "ngx.balancer"
            local n = (ngx.ctx.tries or 0) + 1
            ngx.ctx.tries = n
            ngx.log(ngx.WARN, "try ", n)
            if n == 1 then
                local ok, err = b.set_more_tries(5)
                ngx.log(ngx.WARN, "more tries: ", ok, " ", err)
            elseif n == 2 then
                local ok, err = b.set_more_tries(1)
                ngx.log(ngx.WARN, "more tries: ", ok, " ", err)
            end
            assert(b.set_current_peer("127.0.0.1", $TEST_NGINX_CLOSED_PORT))
        }
    }
--- config
    location /t {
        proxy_next_upstream_tries 3;
        proxy_pass http://backend/;
    }
--- request
GET /t
--- error_code: 502
--- grep_error_log eval: qr/(try \d|more tries: .*?) while/
--- grep_error_log_out
try 1 while
more tries: true reduced tries due to limit while
try 2 while
more tries: true reduced tries due to limit while
try 3 while



=== TEST 8: without set_current_peer the upstream's servers are used
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        balancer_by_lua_block {
            ngx.log(ngx.WARN, "no peer set")
        }
    }
--- config
    location /t {
        proxy_pass http://backend/;
    }
--- request
GET /t
--- response_body chomp
b:1
--- error_log
no peer set
--- no_error_log
[error]



=== TEST 9: set_timeouts: a read timeout of 0.1 s on a slow backend gives 504
--- http_config
    upstream backend {
        server 0.0.0.1;
        balancer_by_lua_block {
            local b = require "ngx.balancer"
            local t = tonumber(ngx.var.arg_t)
            if t then
                assert(b.set_timeouts(nil, nil, t))
            end
            assert(b.set_current_peer("127.0.0.1", $TEST_NGINX_RAND_PORT_1))
        }
    }
--- config
    location /t {
        proxy_read_timeout 5s;
        proxy_pass http://backend/;
    }
--- request
GET /t?t=0.1&sleep=0.3
--- error_code: 504
--- error_log
upstream timed out



=== TEST 10: set_timeouts changes the request's timeouts only
--- http_config
    upstream backend {
        server 0.0.0.1;
        balancer_by_lua_block {
            local b = require "ngx.balancer"
            local t = tonumber(ngx.var.arg_t)
            if t then
                assert(b.set_timeouts(nil, nil, t))
            end
            assert(b.set_current_peer("127.0.0.1", $TEST_NGINX_RAND_PORT_1))
        }
    }
--- config
    location /t {
        proxy_read_timeout 200ms;
        proxy_pass http://backend/;
    }
--- request eval
["GET /t?t=1&sleep=0.3", "GET /t?sleep=0.3"]
--- error_code eval
[200, 504]



=== TEST 11: set_timeouts: bad values
--- http_config
    upstream backend {
        server 0.0.0.1;
        balancer_by_lua_block {
            local b = require "ngx.balancer"
            for _, t in ipairs{ { 0, 1, 1 }, { "1", 1, 1 }, { 1, -1, 1 },
                                { 1, 1, 0 } } do
                local ok, err = pcall(b.set_timeouts, t[1], t[2], t[3])
                ngx.log(ngx.WARN, "timeouts: ", ok, " ", err)
            end
            ngx.log(ngx.WARN, "timeouts: ", b.set_timeouts(1, 2, 3.5))
            ngx.log(ngx.WARN, "timeouts: ", b.set_timeouts())
            assert(b.set_current_peer("127.0.0.1", $TEST_NGINX_RAND_PORT_1))
        }
    }
--- config
    location /t {
        proxy_pass http://backend/;
    }
--- request
GET /t
--- response_body chomp
a:1
--- grep_error_log eval: qr/timeouts: .*? while/
--- grep_error_log_out
timeouts: false bad connect timeout while
timeouts: false bad connect timeout while
timeouts: false bad send timeout while
timeouts: false bad read timeout while
timeouts: true while
timeouts: true while
--- no_error_log
[error]



=== TEST 12: a Lua error: logged, 500
--- http_config
    upstream backend {
        server 0.0.0.1;
        balancer_by_lua_block {
            error("something went wrong")
        }
    }
--- config
    location /t {
        proxy_pass http://backend/;
    }
--- request
GET /t
--- error_code: 500
--- error_log eval
qr/\[error\] .*?failed to run balancer_by_lua\*: balancer_by_lua\(nginx\.conf:\d+\):2: something went wrong/



=== TEST 13: an error for a bad address fails the request
--- http_config
    upstream backend {
        server 0.0.0.1;
        balancer_by_lua_block {
            local b = require "ngx.balancer"
            local ok, err = b.set_current_peer("example.com", 80)
            if not ok then
                error("failed to set the current peer: " .. err)
            end
        }
    }
--- config
    location /t {
        proxy_pass http://backend/;
    }
--- request
GET /t
--- error_code: 500
--- error_log
failed to set the current peer: no host allowed



=== TEST 14: balancer_by_lua* cannot wait: ngx.sleep, cosockets
--- http_config
    upstream backend {
        server 0.0.0.1;
        balancer_by_lua_block {
            local b = require "ngx.balancer"
            local ok, err = pcall(ngx.sleep, 0.01)
            ngx.log(ngx.WARN, "sleep: ", ok, " ", err)
            ok, err = pcall(ngx.socket.tcp)
            ngx.log(ngx.WARN, "socket: ", ok, " ", err)
            assert(b.set_current_peer("127.0.0.1", $TEST_NGINX_RAND_PORT_1))
        }
    }
--- config
    location /t {
        proxy_pass http://backend/;
    }
--- request
GET /t
--- response_body chomp
a:1
--- grep_error_log eval: qr/(sleep|socket): .*? while/
--- grep_error_log_out
sleep: false API disabled in the context of balancer_by_lua* while
socket: false API disabled in the context of balancer_by_lua* while
--- no_error_log
[error]



=== TEST 15: ngx.balancer without an upstream: "no upstream found"
--- config
    location /t {
        content_by_lua_block {
            local b = require "ngx.balancer"
            ngx.say("peer: ", b.set_current_peer("127.0.0.1", 80))
            ngx.say("tries: ", b.set_more_tries(1))
            ngx.say("failure: ", b.get_last_failure())
            ngx.say("timeouts: ", b.set_timeouts(1, 1, 1))
        }
    }
--- request
GET /t
--- response_body
peer: nilno upstream found
tries: nilno upstream found
failure: nilnilno upstream found
timeouts: falseno upstream found
--- no_error_log
[error]



=== TEST 16: ngx.balancer in another phase of a proxied request
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- config
    location /t {
        proxy_pass http://backend/;
        header_filter_by_lua_block {
            local b = require "ngx.balancer"
            ngx.log(ngx.WARN, "peer: ", b.set_current_peer("127.0.0.1", 80))
            ngx.log(ngx.WARN, "tries: ", b.set_more_tries(1))
            ngx.log(ngx.WARN, "failure: ", b.get_last_failure())
            ngx.log(ngx.WARN, "timeouts: ", b.set_timeouts(1, 1, 1))
        }
    }
--- request
GET /t
--- response_body chomp
a:1
--- grep_error_log eval: qr/(peer|tries|failure|timeouts): .*? while/
--- grep_error_log_out
peer: nilAPI disabled in the current context while
tries: nilAPI disabled in the current context while
failure: nilnilAPI disabled in the current context while
timeouts: falseAPI disabled in the current context while
--- no_error_log
[error]



=== TEST 17: balancer_by_lua_file
--- http_config
    upstream backend {
        server 0.0.0.1;
        balancer_by_lua_file html/balancer.lua;
    }
--- config
    location /t {
        set $backend_port $TEST_NGINX_RAND_PORT_2;
        proxy_pass http://backend/;
    }
--- user_files
>>> balancer.lua
local b = require "ngx.balancer"
ngx.log(ngx.WARN, "from a file, in ", ngx.get_phase())
assert(b.set_current_peer("127.0.0.1", tonumber(ngx.var.backend_port)))
--- request
GET /t
--- response_body chomp
b:1
--- error_log
from a file, in balancer
--- no_error_log
[error]



=== TEST 18: keepalive: the group's pool keeps connections to chosen peers
--- http_config
    upstream backend {
        server 0.0.0.1;
        balancer_by_lua_block {
            local b = require "ngx.balancer"
            local port = ngx.var.arg_x == "b" and $TEST_NGINX_RAND_PORT_2
                         or $TEST_NGINX_RAND_PORT_1
            assert(b.set_current_peer("127.0.0.1", port))
        }
        keepalive 4;
    }
--- config
    location /t {
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://backend/;
    }
--- request eval
["GET /t?x=a", "GET /t?x=b", "GET /t?x=a", "GET /t?x=b", "GET /t?x=a"]
--- response_body eval
["a:1", "b:1", "a:2", "b:2", "a:3"]
--- no_error_log
[error]



=== TEST 19: recreate_request: the request is built again for the peer
--- http_config
    upstream backend {
        server 0.0.0.1;
        balancer_by_lua_block {
            local b = require "ngx.balancer"
            ngx.var.peer = "chosen"
            if ngx.var.arg_recreate then
                assert(b.recreate_request())
            end
            assert(b.set_current_peer("127.0.0.1", $TEST_NGINX_RAND_PORT_1))
        }
    }
--- config
    location /t {
        set $peer "unset";
        proxy_set_header X-Peer $peer;
        proxy_pass http://backend/;
    }
--- request eval
["GET /t", "GET /t?recreate=1"]
--- response_headers eval
["X-Peer: unset", "X-Peer: chosen"]
--- no_error_log
[error]



=== TEST 20: not allowed outside upstream blocks
--- http_config
    balancer_by_lua_block {
        return
    }
--- config
--- must_die
--- error_log
"balancer_by_lua_block" directive is not allowed here



=== TEST 21: a method before it is redefined, with a warning
--- http_config
    upstream backend {
        least_conn;
        server 0.0.0.1;
        balancer_by_lua_block {
            local b = require "ngx.balancer"
            assert(b.set_current_peer("127.0.0.1", $TEST_NGINX_RAND_PORT_2))
        }
    }
--- config
    location /t {
        proxy_pass http://backend/;
    }
--- request
GET /t
--- response_body chomp
b:1
--- error_log
load balancing method redefined



=== TEST 22: only one balancer_by_lua* per upstream block
--- http_config
    upstream backend {
        server 0.0.0.1;
        balancer_by_lua_block {
            return
        }
        balancer_by_lua_block {
            return
        }
    }
--- config
--- must_die
--- error_log
is duplicate



=== TEST 23: lua_code_cache off: the code runs on the request's own VM
--- http_config
    lua_code_cache off;
    upstream backend {
        server 0.0.0.1;
        balancer_by_lua_block {
            local b = require "ngx.balancer"
            ngx.ctx.n = (ngx.ctx.n or 0) + 1
            assert(b.set_current_peer("127.0.0.1", $TEST_NGINX_RAND_PORT_2))
        }
    }
--- config
    location /t {
        proxy_pass http://backend/;
        header_filter_by_lua_block {
            ngx.header["X-Runs"] = ngx.ctx.n
        }
    }
--- request
GET /t
--- response_headers
X-Runs: 1
--- response_body chomp
b:1
--- no_error_log
[error]



=== TEST 24: ngx.exit in balancer
--- http_config
    upstream backend {
        server 0.0.0.1;
        balancer_by_lua_block {
            ngx.log(ngx.WARN, "before exit")
            ngx.exit(503)
            ngx.log(ngx.WARN, "after exit")
        }
    }
--- config
    location /t {
        proxy_pass http://backend/;
    }
--- request
GET /t
--- error_code: 500
--- error_log
before exit
after exit
--- no_error_log
[error]

=== TEST 25: ngx.exit(ngx.OK) in balancer goes on
--- http_config
    upstream backend {
        server 0.0.0.1;
        balancer_by_lua_block {
            local b = require "ngx.balancer"
            assert(b.set_current_peer("127.0.0.1", $TEST_NGINX_RAND_PORT_1))
            return ngx.exit(ngx.OK)
        }
    }
--- config
    location /t {
        proxy_pass http://backend/;
    }
--- request
GET /t
--- response_body chomp
a:1
--- no_error_log
[error]



=== TEST 26: a balancer_by_lua_file that cannot be loaded: logged, the group's servers are used
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        balancer_by_lua_file html/missing.lua;
    }
--- config
    location /t {
        proxy_pass http://backend/;
    }
--- request
GET /t
--- response_body chomp
b:1
--- error_log
missing.lua
