# ngx.socket.tcp's readers: receiveuntil() (with and without a size,
# inclusive, patterns across reads, partial matches), receiveany(), and
# the receive patterns on data larger than lua_socket_buffer_size. Every
# block passes on nginx + lua-nginx-module as well:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/082-lua-socket-tcp-receive.t
#
# The peer is the line server of t/lib/Moxy/TestPeers.pm (one process per connection)
# that obeys what it is sent:
#   echo TEXT          "TEXT\n"
#   raw TEXT           TEXT with \r and \n unescaped, no newline added
#   delay MS TEXT      "TEXT\n" after MS milliseconds
#   big N              N times "x"
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

=== TEST 1: receiveuntil(): the data before each pattern, then closed
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            sock:send("raw hello--abc world--abc--abctail\nclose\n")

            local reader = sock:receiveuntil("--abc")
            for i = 1, 5 do
                local data, err, partial = reader()
                ngx.say(i, ": ", data, " ", err, " ", partial)
                if not data then
                    break
                end
            end
        }
    }
--- request
GET /t
--- response_body
1: hello nil nil
2:  world nil nil
3:  nil nil
4: nil closed tail
--- no_error_log
[error]



=== TEST 2: a pattern whose start repeats ("--ab--abc")
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            sock:send("raw --ab--abcrest|aaab|ababac|\nclose\n")

            ngx.say(sock:receiveuntil("--abc")())
            ngx.say(sock:receiveuntil("|")())
            ngx.say(sock:receiveuntil("aab")())
            ngx.say(sock:receiveuntil("|")())
            ngx.say(sock:receiveuntil("abac")())
            ngx.say(sock:receive("*a"))
        }
    }
--- request
GET /t
--- response_body
--ab
rest
a

ab
|
--- no_error_log
[error]



=== TEST 3: a pattern split between reads
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            sock:send("raw hello-\ndelay 100 -x--y\ndelay 100 z!\nclose\n")

            local reader = sock:receiveuntil("--y\nz")
            local data, err, partial = reader()
            ngx.say(data, " ", err, " ", partial)
            ngx.say(sock:receive("*a"))
        }
    }
--- request
GET /t
--- response_body eval
"hello--x nil nil\n!\n\n"
--- no_error_log
[error]



=== TEST 4: inclusive
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            sock:send("raw a\\r\\nb\\r\\n\nclose\n")

            local function show(s)
                return (string.gsub(s, "[\r\n]", {["\r"] = "\\r",
                                                   ["\n"] = "\\n"}))
            end

            local reader = sock:receiveuntil("\r\n", {inclusive = true})
            ngx.say(show(reader()))
            ngx.say(show(reader()))
            ngx.say(reader())

            local ok, err = pcall(sock.receiveuntil, sock, "x",
                                  {inclusive = 1})
            ngx.say(ok, " ", (string.gsub(err, "^content_by_lua.-:%d+: ", "")))
            ngx.say(sock:receiveuntil(""))
        }
    }
--- request
GET /t
--- response_body
a\r\n
b\r\n
nilclosed
false bad "inclusive" option value type: number
nilpattern is empty
--- no_error_log
[error]



=== TEST 5: iter(size): pieces of at most size, the last one, then nil
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            sock:send("raw abcdefg--xyz12--xyz--xyz\nclose\n")

            local reader = sock:receiveuntil("--xyz")
            for i = 1, 10 do
                local data, err, partial = reader(3)
                ngx.say(i, ": ", data, " ", err, " ", partial)
                if err then
                    break
                end
            end
        }
    }
--- request
GET /t
--- response_body
1: abc nil nil
2: def nil nil
3: g nil nil
4: nil nil nil
5: 12 nil nil
6: nil nil nil
7:  nil nil
8: nil nil nil
9: nil closed 
--- no_error_log
[error]



=== TEST 6: iter(size) with a partial match at the end of a piece
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            sock:send("raw ab-c--d-x\nclose\n")

            local reader = sock:receiveuntil("--d")
            for i = 1, 6 do
                local data, err, partial = reader(2)
                ngx.say(i, ": ", data, " ", err, " ", partial)
                if err then
                    break
                end
            end
        }
    }
--- request
GET /t
--- response_body
1: ab nil nil
2: -c nil nil
3:  nil nil
4: nil nil nil
5: -x nil nil
6: nil closed 
--- no_error_log
[error]



=== TEST 7: receiveuntil() and a timeout: the partial data, then on
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            sock:send("raw start-\ndelay 300 -end\n")

            local reader = sock:receiveuntil("--end")
            sock:settimeout(100)
            local data, err, partial = reader()
            ngx.say(data, " ", err, " ", partial)
            sock:settimeout(1000)
            data, err, partial = reader()
            ngx.say(data, " ", err, " ", partial)
            sock:close()
        }
    }
--- request
GET /t
--- response_body
nil timeout start
 nil nil
--- error_log
lua tcp socket read timed out



=== TEST 8: receiveany(): what is there, at most max, waiting for some
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            sock:send("raw abcdef\n")
            ngx.say(sock:receiveany(3))
            ngx.say(sock:receiveany(10))
            sock:send("delay 100 later\n")
            ngx.say(sock:receiveany("100"))
            sock:send("close\n")
            ngx.say(sock:receiveany(10))
            ngx.say(sock:receiveany(10))
        }
    }
--- request
GET /t
--- response_body
abc
def
later

nilclosed
nilclosed
--- error_log
attempt to receive data on a closed socket



=== TEST 9: more than the buffer: "*a", receive(n), a long line
--- config
    location /t {
        lua_socket_buffer_size 1k;
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))

            sock:send("big 100000\necho \n")
            local line = sock:receive()
            ngx.say("line: ", #line)

            sock:send("big 70000\n")
            ngx.say("n: ", #sock:receive(70000))

            sock:send("big 5000\nraw --end\n")
            ngx.say("until: ", #sock:receiveuntil("--end")())

            sock:send("big 300000\nclose\n")
            ngx.say("all: ", #sock:receive("*a"))
        }
    }
--- request
GET /t
--- response_body
line: 100000
n: 70000
until: 5000
all: 300000
--- no_error_log
[error]



=== TEST 10: an iterator of a closed socket
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            local reader = sock:receiveuntil("x")
            ngx.say(reader())
            assert(sock:connect("127.0.0.1", $TEST_NGINX_LINE_PORT))
            sock:close()
            ngx.say(reader())
        }
    }
--- request
GET /t
--- response_body
nilclosed
nilclosed
--- no_error_log
[error]
