# ngx.socket.tcp: connect (addresses, unix sockets, names, refused,
# timeouts), send, the receive patterns, close, settimeout(s), error
# strings and log lines, sockets outliving their request, and a worker
# that goes on serving while a cosocket waits. Every block passes on
# nginx + lua-nginx-module as well (but for the moxy-only ones, skipped):
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/080-lua-socket-tcp.t
#
# The peers: --- tcp_listen mock servers, and the line server of
# t/lib/Moxy/TestPeers.pm
# (one process per connection) that obeys what it is sent:
#   echo TEXT          "TEXT\n"
#   raw TEXT           TEXT with \r and \n unescaped, no newline added
#   delay MS TEXT      "TEXT\n" after MS milliseconds
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

=== TEST 1: connect, send, receive a line, close
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            local ok, err = sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT)
            if not ok then
                ngx.say("failed to connect: ", err)
                return
            end
            ngx.say("connected: ", ok)

            local bytes, err = sock:send("echo hello, world\n")
            ngx.say("sent: ", bytes, " ", err)

            local line, err, partial = sock:receive()
            ngx.say("received: ", line, " ", err, " ", partial)

            ngx.say("close: ", sock:close())
            ngx.say("close again: ", sock:close())
        }
    }
--- request
GET /t
--- response_body
connected: 1
sent: 18 nil
received: hello, world nil nil
close: 1
close again: nilclosed
--- no_error_log
[error]



=== TEST 2: the mock server: lines without "\r", the rest when it closes
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            local ok, err = sock:connect("127.0.0.1", $TEST_NGINX_TCP_PORT)
            if not ok then
                ngx.say("failed to connect: ", err)
                return
            end

            local bytes = sock:send("hello\r\nworld\r\n")
            ngx.say("sent: ", bytes)

            for i = 1, 4 do
                local line, err, partial = sock:receive()
                if not line then
                    ngx.say("failed: ", err, " [", partial, "]")
                    break
                end
                ngx.say("line: [", line, "]")
            end

            local line, err, partial = sock:receive()
            ngx.say("after: ", line, " ", err, " ", partial)
            ngx.say("close: ", sock:close())
        }
    }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_query eval: "hello\r\nworld\r\n"
--- tcp_reply eval: "line 1\r\nline\r 2\n\nthe rest"
--- request
GET /t
--- response_body
sent: 14
line: [line 1]
line: [line 2]
line: []
failed: closed [the rest]
after: nil closed nil
close: 1
--- error_log
attempt to receive data on a closed socket



=== TEST 3: connection refused
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            local ok, err = sock:connect("127.0.0.1", $TEST_NGINX_CLOSED_PORT)
            ngx.say("connect: ", ok, " ", err)
            ok, err = sock:send("x")
            ngx.say("send: ", ok, " ", err)
            ok, err = sock:close()
            ngx.say("close: ", ok, " ", err)
        }
    }
--- request
GET /t
--- response_body
connect: nil connection refused
send: nil closed
close: nil closed
--- error_log eval
[qr/connect\(\) failed \(111: Connection refused\)/,
 "attempt to send data on a closed socket"]



=== TEST 4: connect timeout (a peer whose accept queue is full)
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(150)
            local ok, err = sock:connect("127.0.0.1", $TEST_NGINX_FULL_PORT)
            ngx.say("connect: ", ok, " ", err)
            ok, err = sock:receive()
            ngx.say("receive: ", ok, " ", err)
        }
    }
--- request
GET /t
--- response_body
connect: nil timeout
receive: nil closed
--- error_log eval
qr/lua tcp socket connect timed out, when connecting to 127\.0\.0\.1:\d+/



=== TEST 5: read timeout: the socket stays usable
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            local ok, err = sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT)
            if not ok then
                ngx.say("failed to connect: ", err)
                return
            end

            sock:send("delay 400 late\n")
            sock:settimeout(100)
            local line, err, partial = sock:receive()
            ngx.say("1: ", line, " ", err, " [", partial, "]")

            sock:settimeout(2000)
            line, err, partial = sock:receive()
            ngx.say("2: ", line, " ", err, " ", partial)

            sock:send("echo again\n")
            ngx.say("3: ", sock:receive())
            sock:close()
        }
    }
--- request
GET /t
--- response_body
1: nil timeout []
2: late nil nil
3: again
--- error_log
lua tcp socket read timed out
--- no_error_log
[crit]



=== TEST 6: receive(n): exactly n bytes, the partial ones when it closes
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            sock:send("raw abcdefghij\nclose\n")

            ngx.say(sock:receive(3))
            ngx.say(sock:receive("5"))
            ngx.say("0: [", sock:receive(0), "]")
            local data, err, partial = sock:receive(10)
            ngx.say(data, " ", err, " ", partial)
            sock:close()
        }
    }
--- request
GET /t
--- response_body
abc
defgh
0: []
nil closed ij
--- no_error_log
[error]



=== TEST 7: receive("*a"): all until the peer closes, then ""
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            sock:send("raw line 1\\nline 2\\n\nraw end\nclose\n")

            local data, err = sock:receive("*a")
            ngx.say("[", data, "] ", err)
            data, err = sock:receive("*a")
            ngx.say("again: [", data, "] ", err)
            data, err = sock:receive()
            ngx.say("a line: ", data, " ", err)
            data, err = sock:receive()
            ngx.say("then: ", data, " ", err)
        }
    }
--- request
GET /t
--- response_body
[line 1
line 2
end] nil
again: [] nil
a line: nil closed
then: nil closed
--- error_log
attempt to receive data on a closed socket



=== TEST 8: send(): numbers, booleans, nil, nested arrays, ""
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_TCP_PORT))
            ngx.say(sock:send(3.5))
            ngx.say(sock:send(true))
            ngx.say(sock:send(false))
            ngx.say(sock:send(nil))
            ngx.say(sock:send({"a", {"b", {"c", 12}}, "", {}}))
            ngx.say(sock:send(""))
            ngx.say(sock:send({}))
            ngx.say(sock:send("\n"))
            ngx.say(sock:receive())
            sock:close()
        }
    }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_query eval: "3.5truefalsenilabc12\n"
--- tcp_reply eval: "ok\n"
--- request
GET /t
--- response_body
3
4
5
3
5
0
0
1
ok
--- no_error_log
[error]



=== TEST 9: argument errors
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))

            local function try(f, ...)
                local ok, err = pcall(f, ...)
                ngx.say(ok, " ", (string.gsub(err, "^content_by_lua.-:%d+: ",
                                              "")))
            end

            try(function () local a, b = sock:receive("*x") return a end)
            try(function () local a, b = sock:receive("xyz") return a end)
            try(function () local a, b = sock:receive(-1) return a end)
            try(function () local a, b = sock:receive({}) return a end)
            try(function () local a, b = sock:send(print) return a end)
            try(function () local a, b = sock:send({ngx.null}) return a end)
            try(function () local a, b = sock:send({a = 1}) return a end)
            try(function () local a, b = sock:send() return a end)
            try(function () local a, b = sock:settimeout(-1) return a end)
            try(function () local a, b = sock:receiveany(0) return a end)
            try(function () local a = ngx.socket.tcp(1) return a end)

            ngx.say(sock:connect("127.0.0.1"))
            ngx.say(sock:connect("127.0.0.1", 65536))
            ngx.say(sock:connect("", 80))
            ngx.say(sock:connect("unix:"))
            ngx.say(sock:connect("localhost", 80))
        }
    }
--- request
GET /t
--- response_body
false bad argument #1 to 'receive' (bad pattern argument)
false bad argument #1 to 'receive' (bad pattern argument: xyz)
false bad argument #1 to 'receive' (bad pattern argument)
false bad argument #1 to 'receive' (bad pattern argument)
false bad argument #1 to 'send' (string, number, boolean, nil, or array table expected, got function)
false bad argument #1 to 'send' (bad data type userdata found)
false bad argument #1 to 'send' (non-array table found)
false expecting 2 arguments (including the object), but got 1
false bad timeout value
false bad argument #1 to 'receiveany' (bad max argument)
false expecting zero arguments, but got 1
nilmissing the port number
nilbad port number: 65536
nilfailed to parse host name "": no host
nilfailed to parse host name "unix:": no path in the unix domain socket
nilno resolver defined to resolve "localhost"
--- no_error_log
[error]



=== TEST 10: a unix domain socket
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            local ok, err = sock:connect("unix:$TEST_NGINX_SERVER_ROOT/logs/tcp.sock")
            if not ok then
                ngx.say("failed to connect: ", err)
                return
            end
            ngx.say("sent: ", sock:send("hello"))
            ngx.say("received: ", sock:receive("*a"))
            sock:close()

            ok, err = sock:connect("unix:$TEST_NGINX_SERVER_ROOT/logs/none.sock")
            ngx.say("none: ", ok, " ", err)
        }
    }
--- tcp_listen eval: "$ENV{TEST_NGINX_SERVER_ROOT}/logs/tcp.sock"
--- tcp_query: hello
--- tcp_reply: world
--- request
GET /t
--- response_body
sent: 5
received: world
none: nil no such file or directory
--- error_log eval
qr/\[crit\] .*connect\(\) to unix:.*none\.sock failed \(2: No such file or directory\)/



=== TEST 11: a socket outlives its request only as a closed one
--- config
    location /t1 {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            package.loaded.saved_tcp_socket = sock
            ngx.say("saved")
        }
    }
    location /t2 {
        content_by_lua_block {
            local sock = package.loaded.saved_tcp_socket
            ngx.say("send: ", sock:send("echo x\n"))
            ngx.say("receive: ", sock:receive())
            ngx.say("close: ", sock:close())
            ngx.say("reused: ", sock:getreusedtimes())
            ngx.say("keepalive: ", sock:setkeepalive())
        }
    }
--- request eval
["GET /t1", "GET /t2"]
--- response_body eval
["saved\n",
"send: nilclosed
receive: nilclosed
close: nilclosed
reused: nilclosed
keepalive: nilclosed
"]



=== TEST 12: settimeouts(): connect, send and read each
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeouts(100, 5000, 5000)
            ngx.say("connect: ", sock:connect("127.0.0.1",
                                              $TEST_NGINX_FULL_PORT))

            sock:settimeouts(5000, 5000, 120)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            sock:send("delay 500 late\n")
            ngx.say("read: ", sock:receive())
            sock:settimeouts(0, 0, 0)
            ngx.say("read: ", sock:receive())
            local ok, err = pcall(sock.settimeouts, sock, 1, 2)
            ngx.say(ok, " ", (string.gsub(err, "^content_by_lua.-:%d+: ", "")))
            sock:close()
        }
    }
--- request
GET /t
--- response_body
connect: niltimeout
read: niltimeout
read: late
false ngx.socket settimeout: expecting 4 arguments (including the object) but seen 3
--- error_log
lua tcp socket connect timed out
lua tcp socket read timed out



=== TEST 13: the worker serves others while a cosocket waits
--- config
    location /slow {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(1000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_SILENT_PORT))
            local data, err = sock:receive()
            ngx.say("slow: ", err)
        }
    }
    location /fast {
        content_by_lua_block {
            ngx.say("fast")
        }
    }
    location /t {
        content_by_lua_block {
            local function get(uri)
                local sock = ngx.socket.tcp()
                assert(sock:connect("127.0.0.1", ngx.var.server_port))
                assert(sock:send("GET " .. uri .. " HTTP/1.0\r\n"
                                 .. "Host: localhost\r\n\r\n"))
                return sock
            end

            ngx.update_time()
            local start = ngx.now()

            local slow = get("/slow")
            local fast = get("/fast")

            local resp = fast:receive("*a")
            ngx.update_time()
            local fast_time = ngx.now() - start

            local sresp = slow:receive("*a")
            ngx.update_time()
            local slow_time = ngx.now() - start

            ngx.say(resp:match("fast\n$"), "in time: ", fast_time < 0.6)
            ngx.say(sresp:match("slow: timeout\n$"), "after: ",
                    slow_time >= 0.9)
        }
    }
--- request
GET /t
--- response_body
fast
in time: true
slow: timeout
after: true
--- error_log
lua tcp socket read timed out



=== TEST 14: ngx.socket.connect() and ngx.socket.stream
--- config
    location /t {
        content_by_lua_block {
            ngx.say("stream: ", ngx.socket.stream == ngx.socket.tcp)

            local sock, err = ngx.socket.connect("127.0.0.1",
                                                 $TEST_NGINX_LINE_PORT)
            if not sock then
                ngx.say("failed to connect: ", err)
                return
            end
            sock:send("echo shorthand\n")
            ngx.say(sock:receive())
            sock:close()

            ngx.say(ngx.socket.connect("127.0.0.1", $TEST_NGINX_CLOSED_PORT))
        }
    }
--- request
GET /t
--- response_body
stream: true
shorthand
nilconnection refused



=== TEST 15: connecting again drops the connection first
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            sock:send("pid\n")
            local pid1 = sock:receive()

            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            sock:send("pid\n")
            local pid2 = sock:receive()

            ngx.say("pids: ", pid1 ~= nil, " ", pid2 ~= nil, " ",
                    pid1 ~= pid2)
            ngx.say("reused: ", sock:getreusedtimes())
            sock:close()
        }
    }
--- request
GET /t
--- response_body
pids: true true true
reused: 0
--- no_error_log
[error]



=== TEST 16: a reset: the read error, then the writing side is still open
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            sock:send("reset\n")
            local data, err, partial = sock:receive()
            ngx.say("receive: ", data, " ", err, " [", partial, "]")
            ngx.say("close: ", sock:close())
            ngx.say("close: ", sock:close())
        }
    }
--- request
GET /t
--- response_body
receive: nil connection reset by peer []
close: 1
close: nilclosed
--- error_log eval
qr/recv\(\) failed \(104: Connection reset by peer\)/



=== TEST 17: cosockets are for rewrite, access and content
--- config
    location /t {
        rewrite_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            sock:send("echo rewrite\n")
            ngx.ctx.rewrite = sock:receive()
            sock:close()
        }
        access_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            sock:send("echo access\n")
            ngx.ctx.access = sock:receive()
            sock:close()
        }
        content_by_lua_block {
            ngx.say(ngx.ctx.rewrite, " ", ngx.ctx.access)
        }
        header_filter_by_lua_block {
            local ok, err = pcall(ngx.socket.tcp)
            ngx.log(ngx.WARN, "header filter: ", ok, " ", err)
        }
        log_by_lua_block {
            local ok, err = pcall(ngx.socket.tcp)
            ngx.log(ngx.WARN, "log: ", ok, " ", err)
        }
    }
--- request
GET /t
--- response_body
rewrite access
--- error_log
header filter: false API disabled in the context of header_filter_by_lua*
log: false API disabled in the context of log_by_lua*
--- no_error_log
[error]



=== TEST 18: lua_socket_log_errors off
--- config
    location /t {
        lua_socket_log_errors off;
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(100)
            ngx.say(sock:connect("127.0.0.1", $TEST_NGINX_FULL_PORT))
            ngx.say(sock:receive())
            ngx.say(sock:send("x"))
            assert(sock:connect("127.0.0.1", $TEST_NGINX_SILENT_PORT))
            ngx.say(sock:receive())
        }
    }
--- request
GET /t
--- response_body
niltimeout
nilclosed
nilclosed
niltimeout
--- no_error_log
[error]



=== TEST 19: a name with a resolver: /etc/hosts first (moxy's resolver)
--- skip_eval: 3: $NginxBinary =~ m{/nginx$}
--- config
    location /t {
        resolver 127.0.0.1:1 ipv6=off;
        resolver_timeout 1s;
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            local ok, err = sock:connect("localhost", $TEST_NGINX_LINE_PORT)
            if not ok then
                ngx.say("failed to connect: ", err)
                return
            end
            sock:send("echo resolved\n")
            ngx.say(sock:receive())
            sock:close()
        }
    }
--- request
GET /t
--- response_body
resolved
--- no_error_log
[error]



=== TEST 20: a name the resolver cannot find
--- config
    location /t {
        resolver 127.0.0.1:$TEST_NGINX_CLOSED_PORT ipv6=off;
        resolver_timeout 500ms;
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            local ok, err = sock:connect("nosuchhost.invalid", 80)
            ngx.say(ok, " ", err)
        }
    }
--- request
GET /t
--- response_body_like
^nil nosuchhost\.invalid could not be resolved \(\d+: .*\)$



=== TEST 21: setoption() and getoption()
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            local ok, err = pcall(sock.getoption, sock, "keepalive")
            ngx.say("never connected: ", ok, " ",
                    err:find("socket is never created nor connected", 1,
                             true) ~= nil)

            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            ngx.say(sock:setoption("keepalive", 1))
            ngx.say(sock:getoption("keepalive") ~= 0)
            ngx.say(sock:setoption("reuseaddr", 1))
            ngx.say(sock:getoption("reuseaddr") ~= 0)
            ngx.say(sock:setoption("tcp-nodelay", 1))
            ngx.say(sock:getoption("tcp-nodelay") ~= 0)
            ngx.say(sock:setoption("sndbuf", 65536))
            ngx.say(sock:setoption("rcvbuf", 65536))
            ngx.say(type(sock:getoption("sndbuf")), " ",
                    type(sock:getoption("rcvbuf")))
            ngx.say(sock:setoption("foo", 1))
            ngx.say(sock:getoption("foo"))
            ngx.say(sock:setoption())
            ngx.say(sock:setoption("keepalive"))
            ngx.say(sock:getoption())

            sock:send("echo still fine\n")
            ngx.say(sock:receive())
            sock:close()
            ngx.say(sock:getoption("keepalive"))
            ngx.say(sock:setoption("keepalive", 1))
        }
    }
--- request
GET /t
--- response_body
never connected: false true
true
true
true
true
true
true
true
true
number number
nilunsupported option foo
nilunsupported option foo
nilmissing the "option" argument
nilmissing the "value" argument
nilmissing the "option" argument
still fine
nilclosed
nilclosed
--- no_error_log
[error]



=== TEST 22: the socket of another request that still runs: "bad request"
--- config
    location /owner {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            package.loaded.live_tcp_socket = sock
            ngx.sleep(0.3)
            sock:send("echo owner\n")
            ngx.say(sock:receive())
            sock:close()
        }
    }
    location /other {
        content_by_lua_block {
            ngx.sleep(0.1)
            local sock = package.loaded.live_tcp_socket
            local calls = {
                {"send", "x"}, {"receive"}, {"close"}, {"setkeepalive"},
                {"connect", "127.0.0.1", $TEST_NGINX_LINE_PORT},
            }
            for _, c in ipairs(calls) do
                local ok, err = pcall(sock[c[1]], sock, unpack(c, 2))
                ngx.say(c[1], ": ", ok, " ",
                        (string.gsub(tostring(err), "^.-:%d+: ", "")))
            end
        }
    }
    location /t {
        content_by_lua_block {
            local function get(uri)
                local sock = ngx.socket.tcp()
                assert(sock:connect("127.0.0.1", ngx.var.server_port))
                assert(sock:send("GET " .. uri .. " HTTP/1.0\r\n"
                                 .. "Host: localhost\r\n\r\n"))
                return sock
            end

            local owner = get("/owner")
            local other = get("/other")

            local resp = other:receive("*a")
            ngx.print((resp:match("\r\n\r\n(.*)")))
            resp = owner:receive("*a")
            ngx.print((resp:match("\r\n\r\n(.*)")))
        }
    }
--- request
GET /t
--- response_body
send: false bad request
receive: false bad request
close: false bad request
setkeepalive: false bad request
connect: false bad request
owner



=== TEST 23: cosockets in a timer
--- http_config
    lua_shared_dict tcp_timer_test 1m;
--- config
    location /t {
        content_by_lua_block {
            local ok, err = ngx.timer.at(0, function ()
                local sock = ngx.socket.tcp()
                local ok, err = sock:connect("127.0.0.1",
                                             $TEST_NGINX_LINE_PORT)
                if not ok then
                    ngx.shared.tcp_timer_test:set("res", err)
                    return
                end
                sock:send("delay 50 from the timer\n")
                ngx.shared.tcp_timer_test:set("res", sock:receive())
                sock:setkeepalive()
            end)
            ngx.say("timer: ", ok, " ", err)
            ngx.sleep(0.3)
            ngx.say(ngx.shared.tcp_timer_test:get("res"))
        }
    }
--- request
GET /t
--- response_body
timer: 1 nil
from the timer
--- no_error_log
[error]



=== TEST 24: cosockets in log_by_lua with lua_log_cosockets (moxy)
--- skip_eval: 3: $NginxBinary =~ m{/nginx$}
--- http_config
    lua_shared_dict tcp_log_test 1m;
--- config
    location /t {
        lua_log_cosockets on;
        content_by_lua_block {
            ngx.say("first: ", ngx.shared.tcp_log_test:get("res"))
        }
        log_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            sock:send("delay 50 from the log phase\n")
            ngx.shared.tcp_log_test:set("res", sock:receive())
            sock:close()
        }
    }
    location /check {
        content_by_lua_block {
            ngx.sleep(0.2)
            ngx.say(ngx.shared.tcp_log_test:get("res"))
        }
    }
--- request eval
["GET /t", "GET /check"]
--- response_body eval
["first: nil\n", "from the log phase\n"]
--- no_error_log
[error]



=== TEST 25: a megabyte each way
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            local big = string.rep("a", 1000000)
            ngx.say("sent: ", sock:send({"echo ", big, "\n"}))
            local line = sock:receive()
            ngx.say("received: ", #line, " ", line == big)
            sock:close()
        }
    }
--- request
GET /t
--- response_body
sent: 1000006
received: 1000000 true
--- no_error_log
[error]



=== TEST 26: sockets dropped without close() are collected
--- config
    location /t {
        content_by_lua_block {
            for i = 1, 20 do
                local sock = ngx.socket.tcp()
                assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
                if i % 2 == 0 then
                    sock:send("echo " .. i .. "\n")
                    sock:receive()
                end
                sock:receiveuntil("x")
            end
            collectgarbage()
            collectgarbage()

            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            sock:send("echo still here\n")
            ngx.say(sock:receive())
        }
    }
--- request
GET /t
--- response_body
still here
--- no_error_log
[error]
