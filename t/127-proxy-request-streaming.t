# proxy_request_buffering off: the request body goes to the upstream as the
# client sends it (chunked when its length is not known), the upstream may
# answer before the end, memory stays bounded; and a server that answers
# before reading a body lingers instead of resetting the connection.
#   prove -It/lib t/127-proxy-request-streaming.t
#   TEST_NGINX_BINARY=/usr/sbin/nginx prove -It/lib t/127-proxy-request-streaming.t

use Test::Nginx::Socket 'no_plan';

no_long_string();
run_tests();

__DATA__

=== TEST 1: a body of known length: the same bytes and Content-Length upstream
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        client_max_body_size 0;
        client_body_buffer_size 2m;
        location / {
            content_by_lua_block {
                ngx.req.read_body()
                local d = ngx.req.get_body_data()
                if not d then
                    local f = assert(io.open(ngx.req.get_body_file()))
                    d = f:read("*a")
                    f:close()
                end
                ngx.say(#d, " ", ngx.md5(d), " cl=", ngx.var.http_content_length,
                        " te=", ngx.var.http_transfer_encoding)
            }
        }
    }
--- config
    location /t {
        client_max_body_size 0;
        proxy_request_buffering off;
        proxy_http_version 1.1;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request eval
"POST /t\n" . join("", map { sprintf("%07d,", $_) } 1 .. 131072)
--- response_body eval
use Digest::MD5 qw(md5_hex);
my $b = join("", map { sprintf("%07d,", $_) } 1 .. 131072);
"1048576 " . md5_hex($b) . " cl=1048576 te=nil\n"
--- no_error_log
[error]
a client request body is buffered



=== TEST 2: a chunked body arriving in parts goes on chunked to an HTTP/1.1 upstream
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            content_by_lua_block {
                ngx.req.read_body()
                local d = ngx.req.get_body_data() or ""
                ngx.say(#d, " [", d, "] cl=", ngx.var.http_content_length,
                        " te=", ngx.var.http_transfer_encoding)
            }
        }
    }
--- config
    location /t {
        proxy_request_buffering off;
        proxy_http_version 1.1;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }

    location = /client {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", ngx.var.server_port))
            assert(sock:send("POST /t HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                             .. "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"))
            ngx.sleep(0.1)
            assert(sock:send("1\r\n,\r\n6\r\n world\r\n"))
            ngx.sleep(0.1)
            assert(sock:send("0\r\n\r\n"))
            local resp = assert(sock:receive("*a"))
            ngx.say(resp:match("%d+ %[.-%] cl=%S+ te=%S+") or resp)
        }
    }
--- request
GET /client
--- response_body
12 [hello, world] cl=nil te=chunked
--- no_error_log
[error]



=== TEST 3: a chunked body to an HTTP/1.0 upstream is read whole first: Content-Length
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            content_by_lua_block {
                ngx.req.read_body()
                local d = ngx.req.get_body_data() or ""
                ngx.say(#d, " [", d, "] cl=", ngx.var.http_content_length,
                        " te=", ngx.var.http_transfer_encoding)
            }
        }
    }
--- config
    location /t {
        proxy_request_buffering off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- raw_request eval
"POST /t HTTP/1.1\r
Host: localhost\r
Connection: close\r
Transfer-Encoding: chunked\r
\r
5\r
hello\r
6\r
 world\r
0\r
\r
"
--- response_body
11 [hello world] cl=11 te=nil
--- no_error_log
[error]



=== TEST 4: the upstream reads the first bytes while the client has not sent the rest
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            content_by_lua_block {
                local sock = assert(ngx.req.socket())
                local data = assert(sock:receive(5))
                ngx.say("upstream got ", data)
            }
        }
    }
--- config
    location /t {
        proxy_request_buffering off;
        proxy_http_version 1.1;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }

    location = /client {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", ngx.var.server_port))
            -- 5 of 10 bytes: the rest never comes before the answer
            assert(sock:send("POST /t HTTP/1.1\r\nHost: x\r\n"
                             .. "Content-Length: 10\r\n\r\nhello"))
            local line, err = sock:receive("*l")
            ngx.say("status: ", line or err)
            local reader = sock:receiveuntil("upstream got ")
            reader()
            ngx.say("body: ", (sock:receive("*l")))
            sock:close()
        }
    }
--- request
GET /client
--- response_body
status: HTTP/1.1 200 OK
body: hello
--- no_error_log
[error]



=== TEST 5: the buffered default does not start the upstream before the whole body
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            content_by_lua_block {
                local sock = assert(ngx.req.socket())
                local data = assert(sock:receive(5))
                ngx.say("upstream got ", data)
            }
        }
    }
--- config
    location /t {
        proxy_http_version 1.1;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }

    location = /client {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(500)
            assert(sock:connect("127.0.0.1", ngx.var.server_port))
            assert(sock:send("POST /t HTTP/1.1\r\nHost: x\r\n"
                             .. "Content-Length: 10\r\n\r\nhello"))
            local line, err = sock:receive("*l")
            ngx.say("status: ", line or err)
            sock:close()
        }
    }
--- request
GET /client
--- response_body
status: timeout
--- error_log
lua tcp socket read timed out



=== TEST 6: 64 MiB through an unbuffered proxy: the worker's memory stays flat
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        client_max_body_size 0;
        location / {
            return 200 "sunk\n";
        }
    }
    upstream sink {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        keepalive 2;
    }
--- config
    location /t {
        client_max_body_size 0;
        proxy_request_buffering off;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://sink;
    }

    location = /client {
        content_by_lua_block {
            local function hwm()
                local f = assert(io.open("/proc/self/status"))
                local s = f:read("*a")
                f:close()
                return tonumber(s:match("VmHWM:%s+(%d+)"))
            end

            local piece = string.rep("x", 1024 * 1024)
            local sock = ngx.socket.tcp()
            sock:settimeout(10000)
            assert(sock:connect("127.0.0.1", ngx.var.server_port))
            assert(sock:send("POST /t HTTP/1.1\r\nHost: x\r\n"
                             .. "Connection: close\r\n"
                             .. "Content-Length: 67108864\r\n\r\n"))
            local before = hwm()
            for i = 1, 64 do
                assert(sock:send(piece))
            end
            local resp = sock:receive("*a")
            local grown = hwm() - before
            ngx.say(resp:match("sunk") or resp)
            ngx.say(grown < 16384 and "flat" or ("grew " .. grown .. " kB"))
        }
    }
--- request
GET /client
--- response_body
sunk
flat
--- no_error_log
[error]
a client request body is buffered
--- timeout: 30



=== TEST 7: an upstream that answers before the body ends: its answer, no retry
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        client_max_body_size 0;
        location / {
            return 413 "too big for me\n";
        }
    }
--- config
    location /t {
        client_max_body_size 0;
        proxy_request_buffering off;
        proxy_http_version 1.1;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request eval
"POST /t\n" . ("x" x 4194304)
--- error_code: 413
--- response_body
too big for me
--- no_error_log
[error]
--- timeout: 10



=== TEST 8: the client goes away in the middle of the body: the upstream request ends too
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            content_by_lua_block {
                ngx.req.read_body()
                ngx.log(ngx.ERR, "upstream read a whole body")
                ngx.say("done")
            }
        }
    }
--- config
    location /t {
        proxy_request_buffering off;
        proxy_http_version 1.1;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }

    location = /client {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            assert(sock:connect("127.0.0.1", ngx.var.server_port))
            assert(sock:send("POST /t HTTP/1.1\r\nHost: x\r\n"
                             .. "Content-Length: 100\r\n\r\nhello"))
            ngx.sleep(0.2)
            sock:close()
            ngx.sleep(0.3)
            ngx.say("closed")
        }
    }
--- request
GET /client
--- response_body
closed
--- error_log
client prematurely closed connection
--- no_error_log
upstream read a whole body



=== TEST 9: a bad chunk in the middle of an unbuffered body: 400 to the client
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            content_by_lua_block {
                ngx.req.read_body()
                ngx.say("upstream answered")
            }
        }
    }
--- config
    location /t {
        proxy_request_buffering off;
        proxy_http_version 1.1;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }

    location = /client {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", ngx.var.server_port))
            assert(sock:send("POST /t HTTP/1.1\r\nHost: x\r\n"
                             .. "Transfer-Encoding: chunked\r\n\r\n"
                             .. "5\r\nhello\r\n"))
            ngx.sleep(0.1)
            assert(sock:send("zz\r\nbad\r\n"))
            ngx.say("status: ", (sock:receive("*l")))
            sock:close()
        }
    }
--- request
GET /client
--- response_body
status: HTTP/1.1 400 Bad Request
--- error_log
client sent invalid chunked body



=== TEST 10: a server answering before the body is read lingers: the client gets the answer
--- config
    location = /early {
        return 200 "early\n";
    }

    location = /client {
        content_by_lua_block {
            local piece = string.rep("x", 65536)
            local sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", ngx.var.server_port))
            assert(sock:send("POST /early HTTP/1.0\r\nHost: x\r\n"
                             .. "Content-Length: 8388608\r\n\r\n"))
            for i = 1, 128 do
                local ok, err = sock:send(piece)
                if not ok then
                    ngx.say("send: ", err)
                    break
                end
            end
            local resp, err = sock:receive("*a")
            ngx.say(resp and resp:match("early") or err)
        }
    }
--- request
GET /client
--- response_body
early
--- no_error_log
[error]
--- timeout: 10



=== TEST 11: lingering_close off and its timers are taken
--- config
    lingering_close off;
    lingering_time 10s;
    lingering_timeout 1s;
    location = /early {
        return 200 "early\n";
    }
--- request
GET /early
--- response_body
early



=== TEST 12: lingering_close takes off, on or always
--- config
    lingering_close sometimes;
--- must_die
--- error_log
invalid value "sometimes"



=== TEST 13: 64 MiB through the buffered default: a temporary file, memory stays flat
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        client_max_body_size 0;
        location / {
            return 200 "sunk\n";
        }
    }
    upstream sink {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        keepalive 2;
    }
--- config
    location /t {
        client_max_body_size 0;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://sink;
    }

    location = /client {
        content_by_lua_block {
            local function hwm()
                local f = assert(io.open("/proc/self/status"))
                local s = f:read("*a")
                f:close()
                return tonumber(s:match("VmHWM:%s+(%d+)"))
            end

            local piece = string.rep("x", 1024 * 1024)
            local sock = ngx.socket.tcp()
            sock:settimeout(10000)
            assert(sock:connect("127.0.0.1", ngx.var.server_port))
            assert(sock:send("POST /t HTTP/1.1\r\nHost: x\r\n"
                             .. "Connection: close\r\n"
                             .. "Content-Length: 67108864\r\n\r\n"))
            local before = hwm()
            for i = 1, 64 do
                assert(sock:send(piece))
            end
            local resp = sock:receive("*a")
            local grown = hwm() - before
            ngx.say(resp:match("sunk") or resp)
            ngx.say(grown < 16384 and "flat" or ("grew " .. grown .. " kB"))
        }
    }
--- request
GET /client
--- response_body
sunk
flat
--- error_log
a client request body is buffered to a temporary file
--- no_error_log
[error]
--- timeout: 30



=== TEST 14: a client closing in the middle of its body is logged as nginx does: 400, or the upstream's status once it answered
--- http_config
    log_format st "$uri $status";
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "x\n"; }
    }
--- config
    access_log logs/st.log st;
    location /lua { content_by_lua_block { ngx.req.read_body() ngx.say("read") } }
    location /pb { proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1; }
    location /pu { proxy_request_buffering off; proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1; }
    location = /client {
        access_log off;
        content_by_lua_block {
            for _, u in ipairs{"/lua", "/pb", "/pu"} do
                local sock = ngx.socket.tcp()
                assert(sock:connect("127.0.0.1", ngx.var.server_port))
                assert(sock:send("POST " .. u .. " HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhello"))
                ngx.sleep(0.1)
                sock:close()
                ngx.sleep(0.1)
            end
            local f = io.open(ngx.config.prefix() .. "logs/st.log")
            ngx.print(f:read("*a"))
        }
    }
--- request
GET /client
--- response_body
/lua 400
/pb 400
/pu 200
--- no_error_log
[error]
