# ngx.req.socket(): the request body as a read-only cosocket (receive,
# receiveuntil, settimeout; the body's end reads as a closed peer), its
# refusals (chunked, no body, a body already read), keep-alive after it,
# and ngx.req.socket(true): the client connection itself, full duplex.
# Every block passes on nginx + lua-nginx-module as well:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/086-lua-req-socket.t

use Test::Nginx::Socket 'no_plan';

run_tests();

__DATA__

=== TEST 1: receive(n) in pieces, then beyond the body
--- config
    location = /t {
        content_by_lua_block {
            local sock, err = ngx.req.socket()
            if not sock then
                ngx.say("failed: ", err)
                return
            end

            for _, n in ipairs({5, 1, 5, 1}) do
                local data, err, partial = sock:receive(n)
                ngx.say(n, ": ", tostring(data), " ", tostring(err), " ",
                        tostring(partial))
            end

            local data, err, partial = sock:receive(1)
            ngx.say("again: ", tostring(data), " ", tostring(err), " ",
                    tostring(partial))
        }
    }
--- request
POST /t
hello world
--- response_body
5: hello nil nil
1:   nil nil
5: world nil nil
1: nil closed 
again: nil closed nil
--- error_log
attempt to receive data on a closed socket



=== TEST 2: a body arriving in pieces after the header
--- config
    location = /t {
        content_by_lua_block {
            local sock = assert(ngx.req.socket())
            local a = assert(sock:receive(4))
            local b = assert(sock:receive(7))
            local c, err, partial = sock:receive(3)
            ngx.say(a, "|", b, "|", tostring(c), " ", err, " [", partial,
                    "]")
        }
    }
--- raw_request eval
["POST /t HTTP/1.0\r\nHost: localhost\r\nContent-Length: 13\r\n\r\nhe",
 "llo w",
 "orld!!"]
--- raw_request_middle_delay: 0.05
--- response_body
hell|o world|nil closed [!!]
--- no_error_log
[error]



=== TEST 3: receive("*a") and receive("*l")
--- config
    location = /t {
        content_by_lua_block {
            local sock = assert(ngx.req.socket())
            local line = assert(sock:receive("*l"))
            local rest = assert(sock:receive("*a"))
            ngx.say("line: [", line, "] rest: [", rest, "]")
            local again, err = sock:receive("*a")
            ngx.say("again: [", tostring(again), "] ", tostring(err))
            local l, err, partial = sock:receive("*l")
            ngx.say("line: ", tostring(l), " ", tostring(err), " [",
                    tostring(partial), "]")
        }
    }
--- raw_request eval
["POST /t HTTP/1.0\r\nHost: localhost\r\nContent-Length: 19\r\n\r\nfirst\r\nsec",
 "ond\nthird"]
--- raw_request_middle_delay: 0.05
--- response_body
line: [first] rest: [second
third]
again: [] nil
line: nil closed []
--- no_error_log
[error]



=== TEST 4: receiveuntil over a multipart body, the boundary split
--- config
    location = /t {
        content_by_lua_block {
            local function q(s)
                s = string.gsub(s, "\r", "\\r")
                s = string.gsub(s, "\n", "\\n")
                return s
            end

            local sock = assert(ngx.req.socket())
            local boundary = "\r\n--abcdef"
            local first = assert(sock:receive("*l"))
            ngx.say("first: ", first)
            local reader = sock:receiveuntil(boundary)
            for i = 1, 3 do
                local data, err, partial = reader()
                if not data then
                    ngx.say("err: ", err, " [", q(partial), "]")
                    break
                end
                ngx.say("part ", i, ": [", q(data), "]")
                local tail = sock:receive(2)
                ngx.say("tail: [", q(tail), "]")
                if tail == "--" then
                    break
                end
            end
            ngx.say("rest: [", q(sock:receive("*a")), "]")
        }
    }
--- raw_request eval
["POST /t HTTP/1.0\r\nHost: localhost\r\nContent-Length: 61\r\n\r\n--abcdef\r\nhello",
 "\r\n--ab",
 "cdef\r\n-- part 2 \r\n--abc\r\n--abcdef--\r\nend"]
--- raw_request_middle_delay: 0.05
--- response_body
first: --abcdef
part 1: [hello]
tail: [\r\n]
part 2: [-- part 2 \r\n--abc]
tail: [--]
rest: [\r\nend]
--- no_error_log
[error]



=== TEST 5: receiveuntil with a size and receiveany
--- config
    location = /t {
        content_by_lua_block {
            local sock = assert(ngx.req.socket())
            local reader = sock:receiveuntil("--")
            local data = assert(reader(4))
            ngx.say("1: [", data, "]")
            data = assert(reader(4))
            ngx.say("2: [", data, "]")
            data = reader(4)
            ngx.say("3: [", tostring(data), "]")
            ngx.say("any: [", sock:receiveany(100), "]")
            local data, err = sock:receiveany(100)
            ngx.say("any: ", tostring(data), " ", err)
        }
    }
--- request
POST /t
abcdefg--xyz
--- response_body
1: [abcd]
2: [efg]
3: [nil]
any: [xyz]
any: nil closed
--- no_error_log
[error]



=== TEST 6: a slow client: the read times out, then goes on
--- config
    location = /t {
        content_by_lua_block {
            local sock = assert(ngx.req.socket())
            sock:settimeout(100)
            local data, err, partial = sock:receive(10)
            ngx.say("1: ", tostring(data), " ", err, " [", partial, "]")
            sock:settimeout(2000)
            data, err, partial = sock:receive(5)
            ngx.say("2: ", tostring(data), " ", tostring(err))
        }
    }
--- raw_request eval
["POST /t HTTP/1.0\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nhello",
 "world"]
--- raw_request_middle_delay: 0.4
--- response_body
1: nil timeout [hello]
2: world nil
--- error_log
lua tcp socket read timed out



=== TEST 7: a chunked body is refused
--- config
    location = /t {
        content_by_lua_block {
            local sock, err = ngx.req.socket()
            ngx.say(tostring(sock), " ", err)
        }
    }
--- raw_request eval
"POST /t HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
--- response_body
nil chunked request bodies not supported yet
--- no_error_log
[error]



=== TEST 8: no body
--- config
    location = /t {
        content_by_lua_block {
            local sock, err = ngx.req.socket()
            ngx.say(tostring(sock), " ", err)
        }
    }
--- request
GET /t
--- response_body
nil no body
--- no_error_log
[error]



=== TEST 9: a body already read, a body already taken
--- config
    location = /read {
        content_by_lua_block {
            ngx.req.read_body()
            local sock, err = ngx.req.socket()
            ngx.say(tostring(sock), " ", err)
            ngx.say("body: ", ngx.req.get_body_data())
        }
    }
    location = /taken {
        content_by_lua_block {
            local sock = assert(ngx.req.socket())
            local sock2, err = ngx.req.socket()
            ngx.say(tostring(sock2), " ", err)
            ngx.req.read_body()
            ngx.say("body data: ", tostring(ngx.req.get_body_data()))
            ngx.say("sock: ", sock:receive("*a"))
        }
    }
--- request eval
["POST /read\nhello", "POST /taken\nhello"]
--- response_body eval
["nil request body already exists\nbody: hello\n",
 "nil request body already exists\nbody data: nil\nsock: hello\n"]
--- no_error_log
[error]



=== TEST 10: keep-alive goes on after a body read through the socket
--- config
    location = /t {
        content_by_lua_block {
            local sock = assert(ngx.req.socket())
            ngx.say("got: ", sock:receive(5))
        }
    }
    location = /partial {
        content_by_lua_block {
            local sock = assert(ngx.req.socket())
            ngx.say("got: ", sock:receive(2))
        }
    }
    location = /plain {
        return 200 "plain\n";
    }
--- pipelined_requests eval
["POST /t\nhello", "POST /t\nworld", "POST /partial\nabcde", "GET /plain"]
--- response_body eval
["got: hello\n", "got: world\n", "got: ab\n", "plain\n"]
--- no_error_log
[error]



=== TEST 11: raw: an echo over the client connection
--- config
    location = /t {
        content_by_lua_block {
            local sock, err = ngx.req.socket(true)
            if not sock then
                ngx.log(ngx.ERR, "failed: ", err)
                return
            end

            local again, err = ngx.req.socket(true)
            ngx.log(ngx.WARN, "again: ", tostring(again), " ", err)

            local line = assert(sock:receive())
            local body = "echo: " .. line .. "\n"
            assert(sock:send("HTTP/1.1 200 OK\r\nContent-Length: "
                             .. #body .. "\r\nConnection: close\r\n\r\n"
                             .. body))
        }
    }
--- raw_request eval
["GET /t HTTP/1.1\r\nHost: localhost\r\n\r\nhel", "lo\n"]
--- raw_request_middle_delay: 0.05
--- response_body
echo: hello
--- error_log
again: nil duplicate call
--- no_error_log
[error]



=== TEST 12: raw after a 101: a WebSocket-like upgrade
--- config
    location = /t {
        content_by_lua_block {
            ngx.status = 101
            ngx.header["Upgrade"] = "x-echo"
            assert(ngx.send_headers())
            assert(ngx.flush(true))

            local sock = assert(ngx.req.socket(true))
            for i = 1, 2 do
                local line = assert(sock:receive())
                ngx.log(ngx.WARN, "frame ", i, ": ", line)
                assert(sock:send("echo " .. line .. "\n"))
            end
        }
    }
--- raw_request eval
["GET /t HTTP/1.1\r\nHost: localhost\r\nUpgrade: x-echo\r\nConnection: Upgrade\r\n\r\n",
 "one\n", "two\n"]
--- raw_request_middle_delay: 0.05
--- error_code: 101
--- raw_response_headers_like: ^HTTP/1.1 101 Switching Protocols\r\n.*Upgrade: x-echo\r\n
--- error_log
frame 1: one
frame 2: two
--- no_error_log
[error]



=== TEST 13: not in timers
--- config
    location = /t {
        content_by_lua_block {
            ngx.timer.at(0, function ()
                local ok, err = pcall(ngx.req.socket)
                ngx.log(ngx.WARN, "timer: ", err)
            end)
            ngx.sleep(0.05)
            ngx.say("ok")
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log
timer: API disabled in the context of ngx.timer



=== TEST 14: in access_by_lua, the body left for content
--- config
    location = /t {
        access_by_lua_block {
            local sock = assert(ngx.req.socket())
            ngx.ctx.head = sock:receive(3)
            ngx.ctx.sock = sock
        }
        content_by_lua_block {
            ngx.say(ngx.ctx.head, "|", ngx.ctx.sock:receive("*a"))
        }
    }
--- request
POST /t
abcdefgh
--- response_body
abc|defgh
--- no_error_log
[error]



=== TEST 15: the client stops sending in the middle of the body
--- config
    location = /t {
        content_by_lua_block {
            local sock = assert(ngx.req.socket())
            local data, err, partial = sock:receive(10)
            ngx.log(ngx.WARN, "got: ", tostring(data), " ", err, " [",
                    partial, "]")
            ngx.say("done")
        }
    }
--- raw_request eval
["POST /t HTTP/1.0\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nhel",
 "lo"]
--- raw_request_middle_delay: 0.05
--- shutdown: 1
--- ignore_response
--- error_log
got: nil client aborted [hello]



=== TEST 16: a body discarded whole: none left
--- config
    location = /t {
        content_by_lua_block {
            ngx.req.discard_body()
            local sock, err = ngx.req.socket()
            ngx.say(tostring(sock), " ", err)
        }
    }
--- request
POST /t
hello
--- response_body
nil no body
--- no_error_log
[error]



=== TEST 17: raw: the body and what follows it are the socket's
--- config
    location = /t {
        content_by_lua_block {
            local sock = assert(ngx.req.socket(true))
            local body = assert(sock:receive(5))
            local more = assert(sock:receive())
            local out = body .. "|" .. more .. "\n"
            assert(sock:send("HTTP/1.0 200 OK\r\nContent-Length: " .. #out
                             .. "\r\n\r\n" .. out))
        }
    }
--- raw_request eval
["POST /t HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhelloworld\n"]
--- response_body
hello|world
--- no_error_log
[error]



=== TEST 18: raw after the body was read
--- config
    location = /t {
        content_by_lua_block {
            ngx.req.read_body()
            local sock = assert(ngx.req.socket(true))
            local line = assert(sock:receive())
            local out = ngx.req.get_body_data() .. "|" .. line .. "\n"
            assert(sock:send("HTTP/1.0 200 OK\r\nContent-Length: " .. #out
                             .. "\r\n\r\n" .. out))
        }
    }
--- raw_request eval
["POST /t HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello",
 "next\n"]
--- raw_request_middle_delay: 0.05
--- response_body
hello|next
--- no_error_log
[error]



=== TEST 19: a body being discarded
--- config
    location = /t {
        content_by_lua_block {
            ngx.req.discard_body()
            local sock, err = ngx.req.socket()
            ngx.say(tostring(sock), " ", err)
        }
    }
--- raw_request eval
["POST /t HTTP/1.0\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nhel",
 "loworld"]
--- raw_request_middle_delay: 0.05
--- response_body
nil request body discarded
--- no_error_log
[error]



=== TEST 20: raw: the client closes
--- config
    location = /off {
        content_by_lua_block {
            local sock = assert(ngx.req.socket(true))
            local data, err, partial = sock:receive("*a")
            ngx.log(ngx.WARN, "off: ", tostring(data), " ", tostring(err),
                    " ", tostring(partial))
        }
    }
    location = /on {
        lua_check_client_abort on;
        content_by_lua_block {
            local sock = assert(ngx.req.socket(true))
            local data, err, partial = sock:receive("*a")
            ngx.log(ngx.WARN, "on: ", tostring(data), " ", tostring(err),
                    " ", tostring(partial))
        }
    }
--- raw_request eval
["GET /off HTTP/1.1\r\nHost: localhost\r\n\r\nbye"]
--- shutdown: 1
--- ignore_response
--- error_log
off: bye nil nil



=== TEST 21: raw: the client closes, with lua_check_client_abort on
--- config
    location = /on {
        lua_check_client_abort on;
        content_by_lua_block {
            local sock = assert(ngx.req.socket(true))
            local data, err, partial = sock:receive("*a")
            ngx.log(ngx.WARN, "on: ", tostring(data), " ", tostring(err),
                    " ", tostring(partial))
        }
    }
--- raw_request eval
["GET /on HTTP/1.1\r\nHost: localhost\r\n\r\nbye"]
--- shutdown: 1
--- ignore_response
--- error_log
on: nil client aborted bye



=== TEST 22: Expect: 100-continue: the client is told to send the body
(the harness takes the 100 for the response: the real one is its body)
--- config
    location = /t {
        content_by_lua_block {
            local sock = assert(ngx.req.socket())
            ngx.say("got: ", sock:receive(5))
        }
    }
--- raw_request eval
["POST /t HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n",
 "hello"]
--- raw_request_middle_delay: 0.1
--- error_code: 100
--- response_body_like: ^HTTP/1.1 200 OK\r\n.*\r\n\r\nb\r\ngot: hello\n\r\n0\r\n\r\n$
--- no_error_log
[error]



=== TEST 23: the methods: the body's socket is read-only
--- config
    location = /t {
        content_by_lua_block {
            local names = { "receive", "receiveany", "receiveuntil",
                            "settimeout", "settimeouts", "send", "close",
                            "setkeepalive", "connect", "sslhandshake" }
            local function list(sock)
                local out = {}
                for _, n in ipairs(names) do
                    if sock[n] then
                        out[#out + 1] = n
                    end
                end
                return table.concat(out, " ")
            end

            local sock = assert(ngx.req.socket())
            assert(sock:receive(5))
            local raw = assert(ngx.req.socket(true))
            local out = list(sock) .. "\n" .. list(raw) .. "\n"
            assert(raw:send("HTTP/1.0 200 OK\r\nContent-Length: " .. #out
                            .. "\r\n\r\n" .. out))
        }
    }
--- request
POST /t
hello
--- response_body
receive receiveany receiveuntil settimeout settimeouts
receive receiveany receiveuntil settimeout settimeouts send
--- no_error_log
[error]
