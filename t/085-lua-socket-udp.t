# ngx.socket.udp: setpeername (IP, unix:, names through the resolver),
# send (strings, numbers, nested array tables), receive (sizes, timeouts,
# ICMP errors), settimeout, close, the contexts and argument errors, and a
# socket outliving its request. Every block also passes on nginx +
# lua-nginx-module:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/085-lua-socket-udp.t
#
# Besides the harness' one-shot udp_listen servers, this file runs three
# of its own for the whole run: an echo server (19895), a socket that
# reads nothing (19898) and a DNS server (19896) answering 127.0.0.1 for
# any A question but those under "nx.", which do not exist.

use Test::Nginx::Socket 'no_plan';

use IO::Select;
use IO::Socket::INET;
use POSIX ();

our $EchoPort = 19895;
our $SilentPort = 19898;
our $DnsPort = 19896;

my $parent = $$;
my @servers;

sub udp_socket ($) {
    my $port = shift;

    my $sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                     LocalPort => $port, Proto => 'udp',
                                     ReuseAddr => 1)
        or die "cannot bind udp port $port: $!\n";

    return $sock;
}

# runs $handle->(datagram) -> reply (or undef) in a child until the test
# process goes away
sub serve ($$) {
    my ($port, $handle) = @_;
    my $sock = udp_socket($port);

    my $pid = fork();
    die "fork: $!\n" unless defined $pid;

    if ($pid) {
        close $sock;
        push @servers, $pid;
        return;
    }

    my $sel = IO::Select->new($sock);

    while (kill 0, $parent) {
        next unless $sel->can_read(0.5);

        my $buf = '';
        my $peer = $sock->recv($buf, 65536);
        next unless defined $peer;

        my $reply = $handle->($buf);
        send($sock, $reply, 0, $peer) if defined $reply;
    }

    POSIX::_exit(0);
}

sub dns_reply ($) {
    my $q = shift;

    return undef if length($q) < 17;

    my $id = unpack('n', $q);
    my $off = 12;
    my @labels;

    while ((my $l = ord(substr($q, $off, 1))) != 0) {
        push @labels, substr($q, $off + 1, $l);
        $off += $l + 1;
        return undef if $off >= length($q);
    }

    my $qtype = unpack('n', substr($q, $off + 1, 2));
    my $question = substr($q, 12, $off + 5 - 12);
    my $rcode = 0;
    my @answers;

    if ($labels[0] eq 'nx') {
        $rcode = 3;

    } elsif ($qtype == 1) {
        push @answers, pack('n n n N n C4', 0xc00c, 1, 1, 60, 4, 127, 0, 0, 1);
    }

    return pack('n6', $id, 0x8180 | $rcode, 1, scalar @answers, 0, 0)
           . $question . join('', @answers);
}

serve($EchoPort, sub { $_[0] });
serve($DnsPort, \&dns_reply);

# binds and never reads: receives time out
our $Silent = udp_socket($SilentPort);

END {
    # waitpid() must not change the exit status prove sees
    local $?;

    if ($$ == $parent) {
        kill 'TERM', @servers;
        waitpid($_, 0) for @servers;
    }
}

no_long_string();
run_tests();

__DATA__

=== TEST 1: send and receive
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.udp()
            sock:settimeout(1000)

            local ok, err = sock:setpeername("127.0.0.1", 19891)
            if not ok then
                ngx.say("failed to connect: ", err)
                return
            end

            ngx.say("connected: ", ok)

            ok, err = sock:send("hello")
            ngx.say("sent: ", ok, " ", err)

            local data, err = sock:receive()
            ngx.say("received: ", data, " ", err)

            ngx.say("close: ", sock:close())
        }
    }
--- udp_listen: 19891
--- udp_query: hello
--- udp_reply: world
--- request
GET /t
--- response_body
connected: 1
sent: 1 nil
received: world nil
close: 1
--- no_error_log
[error]



=== TEST 2: receive sizes: one datagram each, cut to the size
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.udp()
            sock:settimeout(1000)
            assert(sock:setpeername("127.0.0.1", 19892))
            assert(sock:send("go"))

            ngx.say("3: [", sock:receive(3), "]")
            ngx.say("0: [", sock:receive(0), "]")
            ngx.say("'2': [", sock:receive("2"), "]")
            ngx.say("2.7: [", sock:receive(2.7), "]")
            ngx.say("-1: [", sock:receive(-1), "]")
            ngx.say("nil: [", sock:receive(nil), "]")
        }
    }
--- udp_listen: 19892
--- udp_reply eval
["hello", "world", "12345", "abcdef", "xyz", "last"]
--- request
GET /t
--- response_body
3: [hel]
0: []
'2': [12]
2.7: [ab]
-1: [xyz]
nil: [last]
--- no_error_log
[error]



=== TEST 3: a datagram of 65000 bytes fits the default size
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.udp()
            sock:settimeout(1000)
            assert(sock:setpeername("127.0.0.1", 19893))
            assert(sock:send("big"))

            local data, err = sock:receive()
            ngx.say(#data, " ", data == string.rep("a", 65000))
        }
    }
--- udp_listen: 19893
--- udp_reply eval: "a" x 65000
--- request
GET /t
--- response_body
65000 true
--- no_error_log
[error]



=== TEST 4: what send() makes of numbers, nil, booleans and array tables
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.udp()
            sock:settimeout(1000)
            assert(sock:setpeername("127.0.0.1", 19895))

            local values = {
                3, -7, 3.25, 1e15, 0.1, true, false,
                {"a", 1, 2.5, {"b", {"c", {}}}, -3},
            }

            for i = 1, #values + 1 do
                -- the last one is nil
                assert(sock:send(values[i]))
                ngx.say("[", sock:receive(), "]")
            end
        }
    }
--- request
GET /t
--- response_body
[3]
[-7]
[3.25]
[1e+15]
[0.1]
[true]
[false]
[a12.5bc-3]
[nil]
--- no_error_log
[error]



=== TEST 5: receive times out, the socket stays usable
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.udp()
            sock:settimeout(100)
            assert(sock:setpeername("127.0.0.1", 19898))

            for i = 1, 2 do
                ngx.say("send: ", sock:send("ping"))
                local data, err = sock:receive()
                ngx.say("receive: ", data, " ", err)
            end

            sock:settimeout(1000)
            assert(sock:setpeername("127.0.0.1", 19895))
            ngx.say("send: ", sock:send("pong"))
            ngx.say("receive: ", sock:receive())
        }
    }
--- request
GET /t
--- response_body
send: 1
receive: nil timeout
send: 1
receive: nil timeout
send: 1
receive: pong
--- error_log
lua udp socket read timed out



=== TEST 6: a late datagram after timeouts
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.udp()
            sock:settimeout(50)
            assert(sock:setpeername("127.0.0.1", 19894))
            assert(sock:send("blah"))

            local timeouts = 0
            for i = 1, 20 do
                local data, err = sock:receive()
                if data then
                    ngx.say("received: ", data, " after timeouts: ",
                            timeouts > 0)
                    return
                end

                if err ~= "timeout" then
                    ngx.say("failed to receive: ", err)
                    return
                end

                timeouts = timeouts + 1
            end

            ngx.say("nothing came")
        }
    }
--- udp_listen: 19894
--- udp_reply: hello world
--- udp_reply_delay: 300ms
--- request
GET /t
--- response_body
received: hello world after timeouts: true
--- error_log
lua udp socket read timed out



=== TEST 7: lua_socket_read_timeout is the default; settimeout(0) goes back to it
--- config
    lua_socket_read_timeout 100ms;

    location /t {
        content_by_lua_block {
            local sock = ngx.socket.udp()
            assert(sock:setpeername("127.0.0.1", 19898))

            local t0 = ngx.now()
            ngx.say(sock:receive())

            sock:settimeout(10000)
            sock:settimeout(0)
            ngx.say(sock:receive())

            ngx.update_time()
            local elapsed = ngx.now() - t0
            ngx.say(elapsed >= 0.15 and elapsed < 2)
        }
    }
--- request
GET /t
--- response_body
niltimeout
niltimeout
true
--- error_log
lua udp socket read timed out



=== TEST 8: lua_socket_log_errors off: timeouts are not logged
--- config
    lua_socket_log_errors off;

    location /t {
        content_by_lua_block {
            local sock = ngx.socket.udp()
            sock:settimeout(50)
            assert(sock:setpeername("127.0.0.1", 19898))
            ngx.say(sock:receive())
            ngx.say(sock:close())
            ngx.say(sock:send("x"))
        }
    }
--- request
GET /t
--- response_body
niltimeout
1
nilclosed
--- no_error_log
[error]



=== TEST 9: a unix datagram socket
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.udp()
            sock:settimeout(1000)

            local path = "unix:" .. ngx.config.prefix() .. "/udp.sock"
            local ok, err = sock:setpeername(path)
            if not ok then
                ngx.say("failed to connect: ", err)
                return
            end

            ngx.say("send: ", sock:send("over unix"))
            ngx.say("receive: ", sock:receive())
        }
    }
--- udp_listen eval: "$Test::Nginx::Util::ServRoot/udp.sock"
--- udp_query: over unix
--- udp_reply: back over unix
--- request
GET /t
--- response_body
send: 1
receive: back over unix
--- no_error_log
[error]



=== TEST 10: a unix socket that does not exist
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.udp()
            ngx.say(sock:setpeername("unix:/nonexistent/dir/udp.sock"))

            -- the socket stays, unconnected
            ngx.say(sock:send("x"))
            ngx.say(sock:close())
        }
    }
--- request
GET /t
--- response_body
nilno such file or directory
niltransport endpoint is not connected
1
--- error_log eval
[
qr/\[crit\] .*connect\(\) failed \(2: No such file or directory\)/,
qr/\[error\] .*send\(\) failed \(107: Transport endpoint is not connected\)/,
]



=== TEST 11: connection refused: the ICMP error comes back on receive
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.udp()
            sock:settimeout(1000)
            assert(sock:setpeername("127.0.0.1", 19899))

            ngx.say("send: ", sock:send("hello"))
            ngx.say("receive: ", sock:receive())

            -- the error is consumed: the socket goes on
            sock:settimeout(100)
            ngx.say("receive: ", sock:receive())
        }
    }
--- request
GET /t
--- response_body
send: 1
receive: nilconnection refused
receive: niltimeout
--- error_log eval
qr/\[error\] .*recv\(\) failed \(111: Connection refused\)/



=== TEST 12: setpeername again closes the old socket and re-targets
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.udp()
            sock:settimeout(1000)

            ngx.say(sock:setpeername("127.0.0.1", 19898))
            ngx.say(sock:setpeername("127.0.0.1", 19895))
            ngx.say(sock:send("here"))
            ngx.say(sock:receive())

            -- a port in the host wins over the argument
            ngx.say(sock:setpeername("127.0.0.1:19895", 19898))
            ngx.say(sock:send("there"))
            ngx.say(sock:receive())
        }
    }
--- request
GET /t
--- response_body
1
1
1
here
1
1
there
--- no_error_log
[error]



=== TEST 13: close, then everything says "closed"
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.udp()
            ngx.say("close fresh: ", sock:close())
            ngx.say("receive fresh: ", sock:receive())

            assert(sock:setpeername("127.0.0.1", 19895))
            ngx.say("close: ", sock:close())
            ngx.say("close again: ", sock:close())
            ngx.say("send: ", sock:send("x"))
            -- "closed" comes before the data is looked at
            ngx.say("send bad: ", sock:send(print))
            ngx.say("receive: ", sock:receive())
            ngx.say("receive bad: ", sock:receive("x"))
        }
    }
--- request
GET /t
--- response_body
close fresh: nilclosed
receive fresh: nilclosed
close: 1
close again: nilclosed
send: nilclosed
send bad: nilclosed
receive: nilclosed
receive bad: nilclosed
--- error_log eval
[
qr/\[error\] .*attempt to receive data on a closed socket: u:0000000000000000, c:0000000000000000/,
qr/\[error\] .*attempt to send data on a closed socket: u:[0-9A-F]{16}, c:0000000000000000/,
qr/\[error\] .*attempt to receive data on a closed socket: u:[0-9A-F]{16}, c:0000000000000000/,
]



=== TEST 14: a socket outlives its request closed, and can be connected again
--- config
    location /a {
        content_by_lua_block {
            local sock = ngx.socket.udp()
            assert(sock:setpeername("127.0.0.1", 19895))
            package.loaded.udp_test_sock = sock
            ngx.say("stored")
        }
    }

    location /b {
        lua_socket_log_errors off;

        content_by_lua_block {
            local sock = package.loaded.udp_test_sock
            package.loaded.udp_test_sock = nil

            ngx.say("send: ", sock:send("x"))
            ngx.say("receive: ", sock:receive())
            ngx.say("close: ", sock:close())

            sock:settimeout(1000)
            ngx.say("setpeername: ", sock:setpeername("127.0.0.1", 19895))
            ngx.say("send: ", sock:send("again"))
            ngx.say("receive: ", sock:receive())
        }
    }
--- request eval
["GET /a", "GET /b"]
--- response_body eval
["stored\n",
"send: nilclosed
receive: nilclosed
close: nilclosed
setpeername: 1
send: 1
receive: again
"]
--- no_error_log
[error]



=== TEST 15: setpeername's parse errors, bad ports, no resolver
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.udp()
            local peers = {
                {"127.0.0.1", 70000}, {"127.0.0.1", -1},
                {"::1", 80}, {"127.0.0.1:abc", 80}, {"", 80}, {":80"},
                {"unix:"}, {"localhost", 80}, {12, 80},
            }

            for _, p in ipairs(peers) do
                ngx.say(sock:setpeername(unpack(p)))
            end

            -- numeric strings are numbers, fractions are cut
            ngx.say(sock:setpeername("127.0.0.1", "19895"))
            ngx.say(sock:setpeername("[::1]", 19895.7))
        }
    }
--- request
GET /t
--- response_body
nilbad port number: 70000
nilbad port number: -1
nilfailed to parse host name "::1": invalid port
nilfailed to parse host name "127.0.0.1:abc": invalid port
nilfailed to parse host name "": no host
nilfailed to parse host name ":80": no host
nilfailed to parse host name "unix:": no path in the unix domain socket
nilno resolver defined to resolve "localhost"
nilno resolver defined to resolve "12"
1
1
--- no_error_log
[error]



=== TEST 16: names through the resolver
--- config
    resolver 127.0.0.1:19896 ipv6=off;
    resolver_timeout 2s;

    location /t {
        content_by_lua_block {
            local sock = ngx.socket.udp()
            sock:settimeout(1000)

            ngx.say(sock:setpeername("echo.test", 19895))
            ngx.say(sock:send("resolved"))
            ngx.say(sock:receive())

            ngx.say(sock:setpeername("nx.test", 19895))
            ngx.say(sock:send("x"))
        }
    }
--- request
GET /t
--- response_body
1
1
resolved
nilnx.test could not be resolved (3: Host not found)
nilclosed
--- error_log
attempt to send data on a closed socket



=== TEST 17: bad arguments raise, at the caller's line
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.udp()
            assert(sock:setpeername("127.0.0.1", 19895))

            local function try(f)
                local ok, err = pcall(f)
                ngx.say((string.gsub(err, "^content_by_lua%b():", "")))
            end

            try(function() local a = ngx.socket.udp(1) return a end)
            try(function() local a = sock:setpeername() return a end)
            try(function() local a = sock:setpeername(nil, 80) return a end)
            try(function() local a = sock:setpeername("a", "x") return a end)
            try(function() local a = sock.setpeername(nil, "a") return a end)
            try(function() local a = sock:send() return a end)
            try(function() local a = sock:send(print) return a end)
            try(function() local a = sock:send(ngx.null) return a end)
            try(function() local a = sock:send({a = 1}) return a end)
            try(function() local a = sock:send({true}) return a end)
            try(function() local a = sock:send({1, nil, 3}) return a end)
            try(function() local a = sock:send({{{{}, print}}}) return a end)
            try(function() local a = sock.send("x", "y") return a end)
            try(function() local a = sock:receive(1, 2) return a end)
            try(function() local a = sock:receive("x") return a end)
            try(function() local a = sock.receive(1) return a end)
            try(function() local a = sock:settimeout() return a end)
            try(function() local a = sock:close(1) return a end)
            try(function() local a = sock.close(1) return a end)
        }
    }
--- request
GET /t
--- response_body
10: expecting zero arguments, but got 1
11: ngx.socket.udp setpeername: expecting 2 or 3 arguments (including the object), but seen 1
12: bad argument #1 to 'setpeername' (string expected, got nil)
13: bad argument #2 to 'setpeername' (number expected, got string)
14: bad argument #1 to 'setpeername' (table expected, got nil)
15: expecting 2 arguments (including the object), but got 1
16: bad argument #1 to 'send' (string, number, boolean, nil, or array table expected, got function)
17: bad argument #1 to 'send' (string, number, boolean, nil, or array table expected, got userdata)
18: bad argument #1 to 'send' (non-array table found)
19: bad argument #1 to 'send' (bad data type boolean found)
20: bad argument #1 to 'send' (bad data type nil found)
21: bad argument #1 to 'send' (bad data type function found)
22: bad argument #1 to 'send' (table expected, got string)
23: expecting 1 or 2 arguments (including the object), but got 3
24: bad argument #1 to 'receive' (number expected, got string)
25: bad argument #1 to 'receive' (table expected, got number)
26: ngx.socket settimeout: expecting at least 2 arguments (including the object) but seen 1
27: expecting 1 argument (including the object) but seen 2
28: bad argument #1 to 'close' (table expected, got number)
--- no_error_log
[error]



=== TEST 18: where UDP cosockets are not allowed
--- config
    location /t {
        content_by_lua_block {
            ngx.say("hi")
        }

        header_filter_by_lua_block {
            local ok, err = pcall(ngx.socket.udp)
            ngx.log(ngx.WARN, "header filter: ", err)
        }

        log_by_lua_block {
            local ok, err = pcall(ngx.socket.udp)
            ngx.log(ngx.WARN, "log: ", err)
        }
    }
--- request
GET /t
--- response_body
hi
--- error_log
header filter: API disabled in the context of header_filter_by_lua*
log: API disabled in the context of log_by_lua*
--- no_error_log
[error]



=== TEST 19: receive from a coroutine the handler made
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.udp()
            sock:settimeout(1000)
            assert(sock:setpeername("127.0.0.1", 19895))

            local co = coroutine.wrap(function(msg)
                assert(sock:send(msg))
                local data = sock:receive()
                coroutine.yield(data)
                return "done"
            end)

            ngx.say(co("inside"))
            ngx.say(co())
        }
    }
--- request
GET /t
--- response_body
inside
done
--- no_error_log
[error]



=== TEST 20: two light threads wait on two sockets at once
--- config
    location /t {
        content_by_lua_block {
            local function ask(msg)
                local sock = ngx.socket.udp()
                sock:settimeout(1000)
                assert(sock:setpeername("127.0.0.1", 19895))
                assert(sock:send(msg))
                return sock:receive()
            end

            local t1 = ngx.thread.spawn(ask, "one")
            local t2 = ngx.thread.spawn(ask, "two")

            ngx.say(ngx.thread.wait(t1))
            ngx.say(ngx.thread.wait(t2))
        }
    }
--- request
GET /t
--- response_body
trueone
truetwo
--- no_error_log
[error]



=== TEST 21: "socket busy" while another thread waits on the socket
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.udp()
            sock:settimeout(200)
            assert(sock:setpeername("127.0.0.1", 19898))

            local t = ngx.thread.spawn(function()
                return sock:receive()
            end)

            ngx.say("receive: ", sock:receive())
            ngx.say("send: ", sock:send("x"))
            ngx.say("setpeername: ", sock:setpeername("127.0.0.1", 19895))
            ngx.say("close: ", sock:close())

            ngx.say("thread: ", ngx.thread.wait(t))
            ngx.say("close: ", sock:close())
        }
    }
--- request
GET /t
--- response_body
receive: nilsocket busy
send: nilsocket busy
setpeername: nilsocket busy
close: nilsocket busy
thread: trueniltimeout
close: 1
--- error_log
lua udp socket read timed out



=== TEST 22: a thread killed while it waits: its socket is closed
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.udp()
            sock:settimeout(5000)
            assert(sock:setpeername("127.0.0.1", 19898))

            local t = ngx.thread.spawn(function()
                return sock:receive()
            end)

            ngx.say("kill: ", ngx.thread.kill(t))
            ngx.say("send: ", sock:send("x"))

            sock:settimeout(1000)
            ngx.say("setpeername: ", sock:setpeername("127.0.0.1", 19895))
            ngx.say("send: ", sock:send("alive"))
            ngx.say("receive: ", sock:receive())
        }
    }
--- request
GET /t
--- response_body
kill: 1
send: nilclosed
setpeername: 1
send: 1
receive: alive
--- error_log
attempt to send data on a closed socket
--- no_error_log
lua udp socket read timed out



=== TEST 23: the request ends while a thread waits
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.udp()
            sock:settimeout(3000)
            assert(sock:setpeername("127.0.0.1", 19898))

            ngx.thread.spawn(function()
                local data, err = sock:receive()
                ngx.log(ngx.ERR, "receive returned: ", err)
            end)

            ngx.say("bye")
            ngx.exit(200)
        }
    }
--- request
GET /t
--- response_body
bye
--- wait: 0.1
--- no_error_log
[error]



=== TEST 24: in a timer
--- config
    location /t {
        content_by_lua_block {
            local function handler(premature)
                local sock = ngx.socket.udp()
                sock:settimeout(1000)
                local ok, err = sock:setpeername("127.0.0.1", 19895)
                if not ok then
                    ngx.log(ngx.ERR, "timer: failed to connect: ", err)
                    return
                end

                assert(sock:send("from a timer"))
                local data, err = sock:receive()
                ngx.log(ngx.WARN, "timer received: ", data, " ", err)
            end

            assert(ngx.timer.at(0, handler))
            ngx.sleep(0.2)
            ngx.say("ok")
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log
timer received: from a timer nil
--- no_error_log
[error]



=== TEST 25: a collected socket closes its descriptor
--- config
    location /t {
        content_by_lua_block {
            local function nfds()
                local p = io.popen("ls /proc/" .. ngx.worker.pid() .. "/fd")
                local n = 0
                for _ in p:lines() do
                    n = n + 1
                end
                p:close()
                return n
            end

            collectgarbage()
            local before = nfds()

            for i = 1, 50 do
                local sock = ngx.socket.udp()
                assert(sock:setpeername("127.0.0.1", 19895))
            end

            local open = nfds() - before

            collectgarbage()
            collectgarbage()

            ngx.say(open >= 50, " ", nfds() - before < 5)
        }
    }
--- request
GET /t
--- response_body
true true
--- no_error_log
[error]
