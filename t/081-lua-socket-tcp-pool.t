# ngx.socket.tcp's keepalive pools: setkeepalive() and getreusedtimes()
# within a request and across requests, pools by key and by opts.pool,
# their size (the oldest idle connection goes), idle connections the peer
# closes or that time out, the setkeepalive() refusals, and opts.backlog
# (queued connects). Every block passes on nginx + lua-nginx-module as
# well:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/081-lua-socket-tcp-pool.t
#
# The peer is the line server of t/lib/Moxy/TestPeers.pm (one process per connection)
# that obeys what it is sent:
#   echo TEXT          "TEXT\n"
#   raw TEXT           TEXT with \r and \n unescaped, no newline added
#   delay MS TEXT      "TEXT\n" after MS milliseconds
#   sleep MS           reads on after MS milliseconds
#   close              closes the connection
#   reset              closes it with a RST
#   pid                its pid: one per connection

use Test::Nginx::Socket 'no_plan';
use Moxy::TestPeers;

$ENV{TEST_NGINX_TCP_PORT} = free_port();
$ENV{TEST_NGINX_CLOSED_PORT} = free_port();
$ENV{TEST_NGINX_SILENT_PORT} = silent_peer();
$ENV{TEST_NGINX_FULL_PORT} = full_peer();
$ENV{TEST_NGINX_LINE_PORT} = line_server();

no_long_string();
run_tests();

__DATA__

=== TEST 1: setkeepalive(), then the same connection again
--- config
    location /t {
        content_by_lua_block {
            local pids = {}
            for i = 1, 3 do
                local sock = ngx.socket.tcp()
                assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
                ngx.say(i, ": reused ", sock:getreusedtimes())
                sock:send("pid\n")
                pids[i] = sock:receive()
                ngx.say(i, ": keepalive ", sock:setkeepalive())
                ngx.say(i, ": then ", sock:getreusedtimes(), " ",
                        sock:close())
            end
            ngx.say("same: ", pids[1] == pids[2] and pids[2] == pids[3])
        }
    }
--- request
GET /t
--- response_body
1: reused 0
1: keepalive 1
1: then nil nilclosed
2: reused 1
2: keepalive 1
2: then nil nilclosed
3: reused 2
3: keepalive 1
3: then nil nilclosed
same: true
--- no_error_log
[error]



=== TEST 2: across requests
--- http_config
    lua_shared_dict tcp_pool_test 1m;
--- config
    location /t1 {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT,
                                {pool = "across"}))
            sock:send("pid\n")
            ngx.shared.tcp_pool_test:set("pid", sock:receive())
            ngx.say("keepalive: ", sock:setkeepalive(10000, 5))
        }
    }
    location /t2 {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT,
                                {pool = "across"}))
            ngx.say("reused: ", sock:getreusedtimes())
            sock:send("pid\n")
            ngx.say("same: ",
                    sock:receive() == ngx.shared.tcp_pool_test:get("pid"))
            sock:close()
        }
    }
--- request eval
["GET /t1", "GET /t2"]
--- response_body eval
["keepalive: 1\n", "reused: 1\nsame: true\n"]
--- no_error_log
[error]



=== TEST 3: pools by key: host:port, or opts.pool
--- config
    location /t {
        content_by_lua_block {
            local function get(opts)
                local sock = ngx.socket.tcp()
                assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT, opts))
                return sock
            end

            local a = get({pool = "p1"})
            a:setkeepalive()

            local b = get({pool = "p2"})
            ngx.say("p2: ", b:getreusedtimes())
            local c = get()
            ngx.say("default: ", c:getreusedtimes())
            local d = get({pool = "p1"})
            ngx.say("p1: ", d:getreusedtimes())
            c:setkeepalive()
            local e = get({pool = "127.0.0.1:$TEST_NGINX_LINE_PORT"})
            ngx.say("by name: ", e:getreusedtimes())

            b:close()
            d:close()
            e:close()
        }
    }
--- request
GET /t
--- response_body
p2: 0
default: 0
p1: 1
by name: 1
--- no_error_log
[error]



=== TEST 4: a full pool closes its oldest idle connection
--- config
    location /t {
        content_by_lua_block {
            local function get()
                local sock = ngx.socket.tcp()
                assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT,
                                    {pool = "small"}))
                sock:send("pid\n")
                return sock, sock:receive()
            end

            local a, pa = get()
            local b, pb = get()
            ngx.say("a: ", a:setkeepalive(0, 1))
            ngx.say("b: ", b:setkeepalive(0, 1))

            local c, pc = get()
            ngx.say("c: ", c:getreusedtimes(), " ", pc == pb)
            local d, pd = get()
            ngx.say("d: ", d:getreusedtimes(), " ", pd ~= pa, " ", pd ~= pb)
            c:close()
            d:close()
        }
    }
--- request
GET /t
--- response_body
a: 1
b: 1
c: 1 true
d: 0 true true
--- no_error_log
[error]



=== TEST 5: lua_socket_pool_size
--- config
    location /t {
        lua_socket_pool_size 1;
        content_by_lua_block {
            local function get()
                local sock = ngx.socket.tcp()
                assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT,
                                    {pool = "directive"}))
                return sock
            end

            local a, b = get(), get()
            a:setkeepalive()
            b:setkeepalive()
            local c, d = get(), get()
            ngx.say(c:getreusedtimes(), " ", d:getreusedtimes())
            c:close()
            d:close()
        }
    }
--- request
GET /t
--- response_body
1 0
--- no_error_log
[error]



=== TEST 6: an idle connection the peer closes leaves the pool
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT,
                                {pool = "peer-closes"}))
            sock:send("echo hi\nsleep 100\nclose\n")
            ngx.say(sock:receive())
            ngx.say("keepalive: ", sock:setkeepalive())

            ngx.sleep(0.4)

            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT,
                                {pool = "peer-closes"}))
            ngx.say("reused: ", sock:getreusedtimes())
            sock:send("echo alive\n")
            ngx.say(sock:receive())
            sock:close()
        }
    }
--- request
GET /t
--- response_body
hi
keepalive: 1
reused: 0
alive
--- no_error_log
[error]



=== TEST 7: the idle timeout, setkeepalive's and lua_socket_keepalive_timeout
--- config
    location /t {
        lua_socket_keepalive_timeout 100ms;
        content_by_lua_block {
            local function get(pool)
                local sock = ngx.socket.tcp()
                assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT,
                                    {pool = pool}))
                return sock
            end

            get("timeout-a"):setkeepalive(100)
            get("timeout-b"):setkeepalive(10000)
            get("timeout-c"):setkeepalive()

            ngx.sleep(0.4)

            for _, pool in ipairs{"timeout-a", "timeout-b", "timeout-c"} do
                local sock = get(pool)
                ngx.say(pool, ": ", sock:getreusedtimes())
                sock:close()
            end
        }
    }
--- request
GET /t
--- response_body
timeout-a: 0
timeout-b: 1
timeout-c: 0
--- no_error_log
[error]



=== TEST 8: setkeepalive() refused: unread data, a closed socket
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            ngx.say("never connected: ", sock:setkeepalive())

            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            sock:send("raw abc\n")
            ngx.say(sock:receive(1))
            ngx.say("unread: ", sock:setkeepalive())
            ngx.say(sock:receive(2))
            ngx.say("read: ", sock:setkeepalive())
            ngx.say("again: ", sock:setkeepalive())

            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            sock:close()
            ngx.say("closed: ", sock:setkeepalive())

            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            sock:send("close\n")
            ngx.say(sock:receive())
            ngx.say("read side closed: ", sock:setkeepalive())

            ngx.say(pcall(sock.setkeepalive, sock, "x"))
        }
    }
--- request
GET /t
--- response_body
never connected: nilclosed
a
unread: nilunread data in buffer
bc
read: 1
again: nilclosed
closed: nilclosed
nilclosed
read side closed: nilclosed
truenilclosed
--- no_error_log
[error]



=== TEST 9: data nobody asked for: "connection in dubious state"
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT,
                                {pool = "dubious"}))
            sock:send("echo a\n")
            ngx.say(sock:receive())
            sock:send("delay 10 b\n")
            ngx.sleep(0.2)
            ngx.say("keepalive: ", sock:setkeepalive())

            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT,
                                {pool = "dubious"}))
            ngx.say("reused: ", sock:getreusedtimes())
            sock:close()
        }
    }
--- request
GET /t
--- response_body
a
keepalive: nilconnection in dubious state
reused: 0



=== TEST 10: opts.backlog: connects beyond pool_size wait for a place
--- config
    location /t {
        content_by_lua_block {
            local opts = {pool = "backlog", pool_size = 1, backlog = 1}

            local a = ngx.socket.tcp()
            assert(a:connect("127.0.0.1", $TEST_NGINX_LINE_PORT, opts))
            a:send("pid\n")
            local pid = a:receive()

            local t = ngx.thread.spawn(function ()
                local b = ngx.socket.tcp()
                local ok, err = b:connect("127.0.0.1", $TEST_NGINX_LINE_PORT,
                                          opts)
                if not ok then
                    return "b: " .. err
                end
                b:send("pid\n")
                local same = b:receive() == pid
                local reused = b:getreusedtimes()
                b:close()
                return "b: " .. tostring(same) .. " " .. reused
            end)

            local c = ngx.socket.tcp()
            ngx.say("c: ", c:connect("127.0.0.1", $TEST_NGINX_LINE_PORT,
                                     opts))

            ngx.say("a: ", a:setkeepalive())
            ngx.say(ngx.thread.wait(t))
        }
    }
--- request
GET /t
--- response_body
c: niltoo many waiting connect operations
a: 1
trueb: true 1
--- no_error_log
[error]



=== TEST 11: a queued connect times out
--- config
    location /t {
        content_by_lua_block {
            local opts = {pool = "backlog-timeout", pool_size = 1,
                          backlog = 5}

            local a = ngx.socket.tcp()
            assert(a:connect("127.0.0.1", $TEST_NGINX_LINE_PORT, opts))

            local b = ngx.socket.tcp()
            b:settimeout(100)
            ngx.say("b: ", b:connect("127.0.0.1", $TEST_NGINX_LINE_PORT, opts))

            a:close()
            local c = ngx.socket.tcp()
            ngx.say("c: ", c:connect("127.0.0.1", $TEST_NGINX_LINE_PORT, opts))
            c:close()
        }
    }
--- request
GET /t
--- response_body
b: niltimeout
c: 1
--- error_log eval
qr/lua tcp socket queued connect timed out, when trying to connect to 127\.0\.0\.1:\d+/



=== TEST 12: a closed connection makes room for a queued one
--- config
    location /t {
        content_by_lua_block {
            local opts = {pool = "backlog-close", pool_size = 2, backlog = 2}
            local socks = {}
            for i = 1, 2 do
                socks[i] = ngx.socket.tcp()
                assert(socks[i]:connect("127.0.0.1", $TEST_NGINX_LINE_PORT,
                                        opts))
            end

            local threads = {}
            for i = 1, 2 do
                threads[i] = ngx.thread.spawn(function ()
                    local s = ngx.socket.tcp()
                    local ok, err = s:connect("127.0.0.1",
                                              $TEST_NGINX_LINE_PORT, opts)
                    if not ok then
                        return err
                    end
                    s:send("echo thread " .. i .. "\n")
                    local line = s:receive()
                    s:close()
                    return line
                end)
            end

            socks[1]:close()
            socks[2]:close()
            for i = 1, 2 do
                ngx.say(ngx.thread.wait(threads[i]))
            end
        }
    }
--- request
GET /t
--- response_body
truethread 1
truethread 2
--- no_error_log
[error]



=== TEST 13: option errors
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            local function try(opts)
                local ok, err = pcall(function ()
                    local ok = sock:connect("127.0.0.1",
                                           $TEST_NGINX_LINE_PORT, opts)
                    return ok
                end)
                ngx.say(ok, " ", (string.gsub(tostring(err),
                                              "^content_by_lua.-:%d+: ",
                                              "")))
                if ok then
                    sock:close()
                end
            end

            try({pool_size = 0})
            try({pool_size = "x"})
            try({backlog = -1})
            try({pool = {}})
            try({pool = 12, pool_size = "3"})
        }
    }
--- request
GET /t
--- response_body
false bad argument #3 to 'connect' (bad "pool_size" option value: 0)
false bad argument #3 to 'connect' (bad "pool_size" option type: string)
false bad argument #3 to 'connect' (bad "backlog" option value: -1)
false bad argument #3 to 'connect' (bad "pool" option type: table)
true 1
--- no_error_log
[error]



=== TEST 14: a request that ends with a queued connect leaves the pool right
--- config
    location /t1 {
        content_by_lua_block {
            local opts = {pool = "backlog-exit", pool_size = 1, backlog = 1}
            local a = ngx.socket.tcp()
            assert(a:connect("127.0.0.1", $TEST_NGINX_LINE_PORT, opts))
            ngx.thread.spawn(function ()
                local b = ngx.socket.tcp()
                return b:connect("127.0.0.1", $TEST_NGINX_LINE_PORT, opts)
            end)
            ngx.say("exit")
            ngx.exit(200)
        }
    }
    location /t2 {
        content_by_lua_block {
            local opts = {pool = "backlog-exit", pool_size = 1, backlog = 1}
            local a = ngx.socket.tcp()
            ngx.say("a: ", a:connect("127.0.0.1", $TEST_NGINX_LINE_PORT, opts))
            ngx.say("reused: ", a:getreusedtimes())
            local b = ngx.socket.tcp()
            b:settimeout(100)
            ngx.say("b: ", b:connect("127.0.0.1", $TEST_NGINX_LINE_PORT, opts))
            a:close()
        }
    }
--- request eval
["GET /t1", "GET /t2"]
--- response_body eval
["exit\n", "a: 1\nreused: 0\nb: niltimeout\n"]



=== TEST 15: an idle connection that gets data leaves the pool
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT,
                                {pool = "junk"}))
            sock:send("delay 100 junk\n")
            ngx.say("keepalive: ", sock:setkeepalive())

            ngx.sleep(0.3)

            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT,
                                {pool = "junk"}))
            ngx.say("reused: ", sock:getreusedtimes())
            sock:close()
        }
    }
--- request
GET /t
--- response_body
keepalive: 1
reused: 0
--- no_error_log
[error]
