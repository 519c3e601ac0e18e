# ngx.socket.tcp and light threads: one reader and one writer at a time
# ("socket busy ..."), a thread killed while it waits (its socket closes),
# ngx.exit() while threads wait, and a send that must wait for the peer.
# Every block passes on nginx + lua-nginx-module as well:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/083-lua-socket-tcp-threads.t
#
# The peers: a listener that never accepts nor reads, one whose accept
# queue is full, and the line server of t/lib/Moxy/TestPeers.pm (one process per
# connection) that obeys what it is sent:
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

=== TEST 1: one reader at a time; another thread may write meanwhile
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            sock:send("delay 200 late\n")

            local t = ngx.thread.spawn(function ()
                return sock:receive()
            end)

            ngx.say("receive: ", sock:receive())
            ngx.say("receiveany: ", sock:receiveany(10))
            ngx.say("until: ", sock:receiveuntil("x")())
            ngx.say("close: ", sock:close())
            ngx.say("keepalive: ", sock:setkeepalive())
            ngx.say("connect: ", sock:connect("127.0.0.1",
                                              $TEST_NGINX_LINE_PORT))
            ngx.say("send: ", sock:send("echo x\n"))
            ngx.say("thread: ", ngx.thread.wait(t))
            ngx.say("then: ", sock:receive())
            sock:close()
        }
    }
--- request
GET /t
--- response_body
receive: nilsocket busy reading
receiveany: nilsocket busy reading
until: nilsocket busy reading
close: nilsocket busy reading
keepalive: nilsocket busy reading
connect: nilsocket busy reading
send: 7
thread: truelate
then: x
--- no_error_log
[error]



=== TEST 2: connecting: everything else waits
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(200)

            local t = ngx.thread.spawn(function ()
                return sock:connect("127.0.0.1", $TEST_NGINX_FULL_PORT)
            end)

            ngx.say("send: ", sock:send("x"))
            ngx.say("receive: ", sock:receive())
            ngx.say("close: ", sock:close())
            ngx.say("connect: ", sock:connect("127.0.0.1",
                                              $TEST_NGINX_LINE_PORT))
            ngx.say("thread: ", ngx.thread.wait(t))
        }
    }
--- request
GET /t
--- response_body
send: nilsocket busy connecting
receive: nilsocket busy connecting
close: nilsocket busy connecting
connect: nilsocket busy connecting
thread: trueniltimeout
--- error_log
lua tcp socket connect timed out



=== TEST 3: a send the peer does not read: busy writing, then a timeout
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_SILENT_PORT))
            sock:settimeout(300)

            local big = string.rep("x", 32 * 1024 * 1024)
            local t = ngx.thread.spawn(function ()
                return sock:send(big)
            end)

            ngx.say("send: ", sock:send("y"))
            ngx.say("thread: ", ngx.thread.wait(t))
            ngx.say("send again: ", sock:send("y"))
            ngx.say("close: ", sock:close())
        }
    }
--- request
GET /t
--- response_body
send: nilsocket busy writing
thread: trueniltimeout
send again: nilclosed
close: 1
--- error_log
lua tcp socket write timed out



=== TEST 4: a thread killed while it reads: its socket closes
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_SILENT_PORT))

            local t = ngx.thread.spawn(function ()
                return sock:receive()
            end)

            ngx.say("kill: ", ngx.thread.kill(t))
            ngx.say("send: ", sock:send("x"))
            ngx.say("receive: ", sock:receive())
            ngx.say("close: ", sock:close())
        }
    }
--- request
GET /t
--- response_body
kill: 1
send: nilclosed
receive: nilclosed
close: nilclosed
--- no_error_log
[crit]
[alert]



=== TEST 5: ngx.exit() while threads wait on sockets
--- config
    location /t {
        content_by_lua_block {
            local a = ngx.socket.tcp()
            assert(a:connect("127.0.0.1", $TEST_NGINX_SILENT_PORT))
            local b = ngx.socket.tcp()
            b:settimeout(5000)

            ngx.thread.spawn(function () return a:receive() end)
            ngx.thread.spawn(function ()
                return b:connect("127.0.0.1", $TEST_NGINX_FULL_PORT)
            end)

            ngx.say("bye")
            ngx.exit(200)
        }
    }
--- request
GET /t
--- response_body
bye
--- no_error_log
[error]
[crit]
[alert]



=== TEST 6: a thread waits on a socket while the entry thread ends
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            ngx.thread.spawn(function ()
                sock:send("delay 100 from the thread\n")
                ngx.say(sock:receive())
                sock:setkeepalive()
            end)
            ngx.say("entry done")
        }
    }
--- request
GET /t
--- response_body
entry done
from the thread
--- no_error_log
[error]
