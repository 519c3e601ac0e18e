# tcpsock:sslhandshake(): TLS on ngx.socket.tcp connections. The
# handshake and its session (resumed later), SNI, ssl_verify against
# lua_ssl_trusted_certificate (chain, depth, host name), the reference's
# errors and log lines, send/receive/receiveuntil/receiveany over TLS in
# both directions at once, pooled TLS connections, timeouts, the peer
# closing, and the lua_ssl_* directives. Every block passes on nginx +
# lua-nginx-module as well:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/084-lua-socket-ssl.t
#
# The certificates are made for the run (openssl): a CA, a server
# certificate for "test.moxy" signed by it, and a self-signed one. The
# peers are TLS line servers of this file (IO::Socket::SSL, one process
# per connection) that obey what they are sent:
#   echo TEXT          "TEXT\n"
#   delay MS TEXT      "TEXT\n" after MS milliseconds
#   big N              N bytes of "x", then "\n"
#   recv N             reads N bytes, then "got N\n"
#   sni                the server name the client sent, or "none"
#   reused             "yes" when the session was resumed, else "no"
#   proto / cipher     the protocol (TLSv1_2...) / cipher negotiated
#   pid                its pid: one per connection
#   close              closes the connection with a close_notify
#   drop               closes it without one
# on TEST_NGINX_TLS_PORT (the CA's certificate alone),
# TEST_NGINX_TLS_CHAIN_PORT (with the CA's after it) and
# TEST_NGINX_TLS_SELF_PORT (the self-signed one).
# TEST_NGINX_PLAIN_PORT speaks no TLS; TEST_NGINX_SILENT_PORT accepts in
# the kernel and never answers; nothing listens on TEST_NGINX_CLOSED_PORT.

use Test::Nginx::Socket 'no_plan';
use IO::Socket::INET ();
use IO::Select ();
use IO::Socket::SSL ();
use Net::SSLeay ();
use File::Temp ();
use POSIX ();

our $CertDir = File::Temp::tempdir(CLEANUP => 1);
$ENV{TEST_NGINX_CERT_DIR} = $CertDir;

sub make_certs {
    my $d = shift;

    open my $cnf, '>', "$d/openssl.cnf" or die "$d/openssl.cnf: $!\n";
    print $cnf <<'EOF';
[req]
distinguished_name = dn
prompt = no
[dn]
CN = moxy
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf_ext]
basicConstraints = CA:FALSE
subjectAltName = DNS:test.moxy
EOF
    close $cnf;

    my $key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    my @cmds = (
        "req -x509 $key -keyout $d/ca.key -out $d/ca.crt -days 3650"
            . " -subj /CN=moxy-test-ca -config $d/openssl.cnf"
            . " -extensions ca_ext",
        "req -new $key -keyout $d/server.key -out $d/server.csr"
            . " -subj /CN=test.moxy -config $d/openssl.cnf",
        "x509 -req -in $d/server.csr -CA $d/ca.crt -CAkey $d/ca.key"
            . " -set_serial 2 -out $d/server.crt -days 3650"
            . " -extfile $d/openssl.cnf -extensions leaf_ext",
        "req -x509 $key -keyout $d/self.key -out $d/self.crt -days 3650"
            . " -subj /CN=test.moxy -config $d/openssl.cnf"
            . " -extensions leaf_ext",
    );

    for my $cmd (@cmds) {
        system("openssl $cmd >/dev/null 2>&1") == 0
            or die "openssl $cmd: failed (is openssl installed?)\n";
    }

    open my $out, '>', "$d/chain.crt" or die "$d/chain.crt: $!\n";
    for my $f ("$d/server.crt", "$d/ca.crt") {
        open my $in, '<', $f or die "$f: $!\n";
        my $pem = do { local $/; <$in> };
        print {$out} $pem;
        close $in;
    }
    close $out;
}

make_certs($CertDir);

sub listener {
    my $ls = IO::Socket::INET->new(Listen => 64, LocalAddr => '127.0.0.1',
                                   LocalPort => 0, Proto => 'tcp',
                                   ReuseAddr => 1)
        or die "cannot listen: $!\n";
    return $ls;
}

# port => [listening socket, TLS context or undef]
our %Servers;

for my $s (['TLS_PORT', 'chain' => 'server.crt', 'server.key'],
           ['TLS_CHAIN_PORT', 'chain' => 'chain.crt', 'server.key'],
           ['TLS_SELF_PORT', 'self' => 'self.crt', 'self.key'],
           ['PLAIN_PORT'])
{
    my ($name, undef, $cert, $key) = @$s;
    my $ls = listener();
    my $ctx;

    if ($cert) {
        # made before the fork: the connections share its ticket keys,
        # so that a session resumes in another process
        $ctx = IO::Socket::SSL::SSL_Context->new(
            SSL_server => 1,
            SSL_cert_file => "$CertDir/$cert",
            SSL_key_file => "$CertDir/$key",
        ) or die "TLS context: $IO::Socket::SSL::SSL_ERROR\n";
    }

    $ENV{"TEST_NGINX_$name"} = $ls->sockport;
    $Servers{$ls->sockport} = [$ls, $ctx];
}

# accepts (in the kernel's backlog) and never answers
our $Silent = listener();
$ENV{TEST_NGINX_SILENT_PORT} = $Silent->sockport;

# nobody listens there
{
    my $closed = listener();
    $ENV{TEST_NGINX_CLOSED_PORT} = $closed->sockport;
    close $closed;
}

sub serve_tls {
    my $c = shift;
    my $ssl = $c->_get_ssl_object;

    while (defined(my $line = <$c>)) {
        $line =~ s/\r?\n\z//;

        if ($line =~ /^echo (.*)/s) {
            print $c "$1\n";
        } elsif ($line =~ /^delay (\d+) (.*)/s) {
            select(undef, undef, undef, $1 / 1000);
            print $c "$2\n";
        } elsif ($line =~ /^big (\d+)/) {
            print $c ('x' x $1), "\n";
        } elsif ($line =~ /^recv (\d+)/) {
            my ($want, $got) = ($1, 0);
            while ($got < $want) {
                my $n = read($c, my $buf, $want - $got);
                last unless $n;
                $got += $n;
            }
            print $c "got $got\n";
        } elsif ($line eq 'sni') {
            my $name = Net::SSLeay::get_servername($ssl);
            print $c (defined $name ? $name : 'none'), "\n";
        } elsif ($line eq 'reused') {
            print $c (Net::SSLeay::session_reused($ssl) ? "yes\n" : "no\n");
        } elsif ($line eq 'proto') {
            print $c $c->get_sslversion, "\n";
        } elsif ($line eq 'cipher') {
            print $c $c->get_cipher, "\n";
        } elsif ($line eq 'pid') {
            print $c "$$\n";
        } elsif ($line eq 'close') {
            $c->close(SSL_fast_shutdown => 1);
            return;
        } elsif ($line eq 'drop') {
            return;
        }
    }
}

our $ParentPid = $$;
our $ServerPid = fork();
die "fork() failed: $!\n" unless defined $ServerPid;

if ($ServerPid == 0) {
    POSIX::setpgid(0, 0);
    $SIG{CHLD} = 'IGNORE';
    $SIG{PIPE} = 'IGNORE';

    my $sel = IO::Select->new(map { $_->[0] } values %Servers);

    # ends with the test, however the test ends
    while (getppid() == $ParentPid) {
        for my $ls ($sel->can_read(0.5)) {
            my $c = $ls->accept or next;
            my $pid = fork();

            if (defined $pid && $pid == 0) {
                my $ctx = $Servers{$ls->sockport}[1];

                if (!$ctx) {
                    # no TLS: whatever comes, an HTTP error goes back
                    sysread($c, my $buf, 4096);
                    syswrite($c, "HTTP/1.1 400 Bad Request\r\n\r\n");

                } elsif (IO::Socket::SSL->start_SSL($c, SSL_server => 1,
                                                    SSL_reuse_ctx => $ctx))
                {
                    serve_tls($c);
                }

                # no destructor: "drop" closes without a close_notify
                POSIX::_exit(0);
            }

            close $c;
        }
    }

    POSIX::_exit(0);
}

$_->[0]->close for values %Servers;

END {
    # the server and the connections it serves
    kill 'KILL', -$ServerPid if $$ == $ParentPid && $ServerPid;
}

no_long_string();
run_tests();

__DATA__

=== TEST 1: a request and its response over TLS
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_PORT))

            local sess, err = sock:sslhandshake(nil, "test.moxy")
            ngx.say("session: ", type(sess), " ", err)

            ngx.say("sent: ", sock:send("sni\nproto\necho hello\n"))
            ngx.say("sni: ", sock:receive())
            ngx.say("proto: ", sock:receive())
            ngx.say("echo: ", sock:receive())
            ngx.say("close: ", sock:close())
        }
    }
--- request
GET /t
--- response_body
session: cdata nil
sent: 21
sni: test.moxy
proto: TLSv1_2
echo: hello
close: 1
--- no_error_log
[error]
[crit]
[alert]



=== TEST 2: no server name: no SNI
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_PORT))
            ngx.say("session: ", type(sock:sslhandshake()))
            sock:send("sni\n")
            ngx.say("sni: ", sock:receive())
            sock:close()
        }
    }
--- request
GET /t
--- response_body
session: cdata
sni: none
--- no_error_log
[error]



=== TEST 3: lua_ssl_protocols and lua_ssl_ciphers
--- config
    location /t13 {
        lua_ssl_protocols TLSv1.3;
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_PORT))
            assert(sock:sslhandshake(false, "test.moxy", false))
            sock:send("proto\n")
            ngx.say(sock:receive())
            sock:close()
        }
    }
    location /cipher {
        lua_ssl_ciphers ECDHE-ECDSA-AES256-GCM-SHA384;
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_PORT))
            assert(sock:sslhandshake(false, "test.moxy", false))
            sock:send("cipher\n")
            ngx.say(sock:receive())
            sock:close()
        }
    }
--- request eval
["GET /t13", "GET /cipher"]
--- response_body eval
["TLSv1_3\n", "ECDHE-ECDSA-AES256-GCM-SHA384\n"]
--- no_error_log
[error]



=== TEST 4: ssl_verify against lua_ssl_trusted_certificate
--- config
    lua_ssl_trusted_certificate $TEST_NGINX_CERT_DIR/ca.crt;
    location /t {
        content_by_lua_block {
            local function try(port, name)
                local sock = ngx.socket.tcp()
                sock:settimeout(3000)
                assert(sock:connect("127.0.0.1", port))
                local sess, err = sock:sslhandshake(nil, name, true)
                if not sess then
                    ngx.say("failed: ", err)
                    return
                end
                sock:send("echo verified\n")
                ngx.say(type(sess), " ", sock:receive())
                sock:close()
            end

            try($TEST_NGINX_TLS_PORT, "test.moxy")
            try($TEST_NGINX_TLS_PORT, nil)
            try($TEST_NGINX_TLS_CHAIN_PORT, "test.moxy")
        }
    }
--- request
GET /t
--- response_body
cdata verified
cdata verified
cdata verified
--- no_error_log
[error]



=== TEST 5: a self-signed certificate: the socket is closed
--- config
    lua_ssl_trusted_certificate $TEST_NGINX_CERT_DIR/ca.crt;
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_SELF_PORT))
            ngx.say("handshake: ", sock:sslhandshake(nil, "test.moxy", true))
            ngx.say("close: ", sock:close())

            -- not verified: accepted
            sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_SELF_PORT))
            local sess = sock:sslhandshake(nil, "test.moxy")
            sock:send("echo unverified\n")
            ngx.say(type(sess), " ", sock:receive())
            sock:close()
        }
    }
--- request
GET /t
--- response_body
handshake: nil18: self-signed certificate
close: nilclosed
cdata unverified
--- error_log
lua ssl certificate verify error: (18: self-signed certificate)
--- no_error_log
[crit]
[alert]



=== TEST 6: an unknown CA: checked to the end of the chain (the last error)
--- config
    lua_ssl_trusted_certificate $TEST_NGINX_CERT_DIR/self.crt;
    location /t {
        content_by_lua_block {
            for _, port in ipairs({$TEST_NGINX_TLS_CHAIN_PORT,
                                   $TEST_NGINX_TLS_PORT})
            do
                local sock = ngx.socket.tcp()
                sock:settimeout(3000)
                assert(sock:connect("127.0.0.1", port))
                ngx.say(sock:sslhandshake(nil, "test.moxy", true))
            end
        }
    }
--- request
GET /t
--- response_body
nil19: self-signed certificate in certificate chain
nil21: unable to verify the first certificate
--- error_log
lua ssl certificate verify error: (19: self-signed certificate in certificate chain)
lua ssl certificate verify error: (21: unable to verify the first certificate)



=== TEST 7: no lua_ssl_trusted_certificate: nothing verifies (the first error)
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_PORT))
            ngx.say(sock:sslhandshake(nil, "test.moxy", true))
        }
    }
--- request
GET /t
--- response_body
nil20: unable to get local issuer certificate
--- error_log
lua ssl certificate verify error: (20: unable to get local issuer certificate)



=== TEST 8: the certificate is for another host
--- config
    lua_ssl_trusted_certificate $TEST_NGINX_CERT_DIR/ca.crt;
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_PORT))
            ngx.say("verify: ", sock:sslhandshake(nil, "other.moxy", true))
            ngx.say("send: ", sock:send("echo x\n"))

            -- the name is only checked with ssl_verify
            sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_PORT))
            local sess = sock:sslhandshake(nil, "other.moxy", false)
            sock:send("sni\n")
            ngx.say(type(sess), " ", sock:receive())
            sock:close()
        }
    }
--- request
GET /t
--- response_body
verify: nilcertificate host mismatch
send: nilclosed
cdata other.moxy
--- error_log
lua ssl certificate does not match host "other.moxy"
attempt to send data on a closed socket



=== TEST 9: lua_socket_log_errors off: the failures are not logged
--- config
    lua_socket_log_errors off;
    lua_ssl_trusted_certificate $TEST_NGINX_CERT_DIR/ca.crt;
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_PORT))
            ngx.say(sock:sslhandshake(nil, "other.moxy", true))
            sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_SELF_PORT))
            ngx.say(sock:sslhandshake(nil, "test.moxy", true))
        }
    }
--- request
GET /t
--- response_body
nilcertificate host mismatch
nil18: self-signed certificate
--- no_error_log
[error]



=== TEST 10: lua_ssl_verify_depth
--- config
    lua_ssl_trusted_certificate $TEST_NGINX_CERT_DIR/ca.crt;
    location /t {
        lua_ssl_verify_depth 0;
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_CHAIN_PORT))
            ngx.say(type(sock:sslhandshake(nil, "test.moxy", true)))
        }
    }
--- request
GET /t
--- response_body
cdata
--- no_error_log
[error]



=== TEST 11: a session resumed; false: true and no session
--- config
    location /t {
        content_by_lua_block {
            local function handshake(reused)
                local sock = ngx.socket.tcp()
                sock:settimeout(3000)
                assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_PORT))
                local sess, err = sock:sslhandshake(reused, "test.moxy")
                sock:send("reused\n")
                local line = sock:receive()
                sock:close()
                return sess, err, line
            end

            local sess, err, reused = handshake()
            ngx.say("1: ", type(sess), " ", err, " ", reused)

            local sess2, err, reused = handshake(sess)
            ngx.say("2: ", type(sess2), " ", err, " ", reused)

            local sess3, err, reused = handshake(sess2)
            ngx.say("3: ", type(sess3), " ", err, " ", reused)

            local ok, err, reused = handshake(false)
            ngx.say("false: ", ok, " ", err, " ", reused)

            -- anything but a session is no session
            local sess4, err, reused = handshake("a string")
            ngx.say("string: ", type(sess4), " ", err, " ", reused)
        }
    }
--- request
GET /t
--- response_body
1: cdata nil no
2: cdata nil yes
3: cdata nil yes
false: true nil no
string: cdata nil no
--- no_error_log
[error]



=== TEST 12: a pooled TLS connection: no second handshake
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_PORT))
            local sess = assert(sock:sslhandshake(nil, "test.moxy"))
            sock:send("pid\n")
            local pid = sock:receive()
            ngx.say("keepalive: ", sock:setkeepalive())

            for i = 1, 3 do
                sock = ngx.socket.tcp()
                sock:settimeout(3000)
                assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_PORT))
                ngx.say(i, ": reused ", sock:getreusedtimes())

                if i == 1 then
                    local s, err = sock:sslhandshake(nil, "test.moxy")
                    ngx.say(i, ": handshake ", type(s), " ", err)

                elseif i == 2 then
                    local s, err = sock:sslhandshake(sess, "test.moxy")
                    ngx.say(i, ": handshake ", rawequal(s, sess), " ", err)

                else
                    ngx.say(i, ": handshake ", sock:sslhandshake(false))
                end

                sock:send("pid\n")
                ngx.say(i, ": same ", sock:receive() == pid)
                assert(sock:setkeepalive())
            end
        }
    }
--- request
GET /t
--- response_body
keepalive: 1
1: reused 1
1: handshake cdata nil
1: same true
2: reused 2
2: handshake true nil
2: same true
3: reused 3
3: handshake true
3: same true
--- no_error_log
[error]



=== TEST 13: a pooled TLS connection, in the next request
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_PORT,
                                {pool = "tls-across"}))
            ngx.say("reused: ", sock:getreusedtimes())
            ngx.say("handshake: ", type(sock:sslhandshake(nil, "test.moxy")))
            sock:send("echo over TLS\n")
            ngx.say("echo: ", sock:receive())
            ngx.say("keepalive: ", sock:setkeepalive())
        }
    }
--- request eval
["GET /t", "GET /t"]
--- response_body eval
["reused: 0\nhandshake: cdata\necho: over TLS\nkeepalive: 1\n",
 "reused: 1\nhandshake: cdata\necho: over TLS\nkeepalive: 1\n"]
--- no_error_log
[error]



=== TEST 14: a receive timeout over TLS, then the data
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_PORT))
            assert(sock:sslhandshake(false, "test.moxy"))
            sock:send("delay 400 late\n")
            sock:settimeout(100)
            ngx.say("1: ", sock:receive())
            sock:settimeout(3000)
            ngx.say("2: ", sock:receive())
            sock:send("echo on\n")
            ngx.say("3: ", sock:receive())
            sock:close()
        }
    }
--- request
GET /t
--- response_body
1: niltimeout
2: late
3: on
--- error_log
lua tcp socket read timed out



=== TEST 15: the peer closes, with a close_notify or without
--- config
    location /t {
        content_by_lua_block {
            for _, how in ipairs({"close", "drop"}) do
                local sock = ngx.socket.tcp()
                sock:settimeout(3000)
                assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_PORT))
                assert(sock:sslhandshake(false, "test.moxy"))
                sock:send("echo before\n" .. how .. "\n")
                ngx.say(how, ": ", sock:receive())
                ngx.say(how, ": ", sock:receive())
                ngx.say(how, ": close ", sock:close())
            end
        }
    }
--- request
GET /t
--- response_body
close: before
close: nilclosed
close: close 1
drop: before
drop: nilclosed
drop: close 1
--- no_error_log
[error]
[crit]
[alert]



=== TEST 16: sslhandshake on closed sockets
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_PORT))
            sock:close()
            ngx.say("closed: ", sock:sslhandshake(nil, "test.moxy"))

            -- connect() failed
            sock = ngx.socket.tcp()
            sock:settimeout(3000)
            ngx.say("connect: ", sock:connect("127.0.0.1",
                                              $TEST_NGINX_CLOSED_PORT))
            ngx.say("refused: ", sock:sslhandshake())

            for _, f in ipairs({
                function (s) return s end,
                function (s) s:settimeout(100) return s end,
            }) do
                local ok, err = pcall(function ()
                    return f(ngx.socket.tcp()):sslhandshake()
                end)
                ngx.say("never connected: ", ok, " ",
                        err:match("socket is never created nor connected"))
            end

            local ok, err = pcall(sock.sslhandshake, sock, nil, nil, nil, nil,
                                  nil)
            ngx.say(err:match("ngx.socket sslhandshake: expecting 1 ~ 5 "
                              .. "arguments %(including the object%), but "
                              .. "seen 6"))
        }
    }
--- request
GET /t
--- response_body
closed: nilclosed
connect: nilconnection refused
refused: nilclosed
never connected: false socket is never created nor connected
never connected: false socket is never created nor connected
ngx.socket sslhandshake: expecting 1 ~ 5 arguments (including the object), but seen 6
--- error_log
connect() failed (111: Connection refused)
--- no_error_log
[crit]
[alert]



=== TEST 17: the peer is no TLS server
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_PLAIN_PORT))
            ngx.say("handshake: ", sock:sslhandshake(nil, "test.moxy"))
            ngx.say("close: ", sock:close())
        }
    }
--- request
GET /t
--- response_body
handshake: nilhandshake failed
close: nilclosed
--- error_log eval
qr/\[error\] .*SSL_do_handshake\(\) failed \(SSL: error:\S+:SSL routines::wrong version number\)/
--- no_error_log
[crit]
[alert]



=== TEST 18: the handshake times out (the connect timeout)
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeouts(150, 3000, 3000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_SILENT_PORT))
            local t = ngx.now()
            ngx.say("handshake: ", sock:sslhandshake(nil, "test.moxy"))
            ngx.update_time()
            local elapsed = ngx.now() - t
            ngx.say("in time: ", elapsed >= 0.1 and elapsed < 1)
            ngx.say("close: ", sock:close())
        }
    }
--- request
GET /t
--- response_body
handshake: niltimeout
in time: true
close: nilclosed
--- no_error_log
[error]
[crit]



=== TEST 19: a megabyte each way, through a small buffer
--- config
    lua_socket_buffer_size 1k;
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(5000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_PORT))
            assert(sock:sslhandshake(false, "test.moxy"))

            local n = 1024 * 1024
            local data = string.rep("0123456789abcdef", n / 16)
            ngx.say("sent: ", sock:send({"recv ", n, "\n", data}))
            ngx.say(sock:receive())

            sock:send("big " .. n .. "\n")
            local got, err = sock:receive(n + 1)
            ngx.say("received: ", got and #got, " ", err, " ",
                    got == string.rep("x", n) .. "\n")
            sock:close()
        }
    }
--- request
GET /t
--- response_body
sent: 1048589
got 1048576
received: 1048577 nil true
--- no_error_log
[error]
--- timeout: 10



=== TEST 20: receiveuntil, receiveany and "*a" over TLS
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_PORT))
            assert(sock:sslhandshake(false, "test.moxy"))

            sock:send("echo one--two--three\n")
            local it = sock:receiveuntil("--")
            ngx.say(it())
            ngx.say(it())
            ngx.say(sock:receive())

            sock:send("echo any\n")
            ngx.say(sock:receiveany(100))

            sock:send("echo last\nclose\n")
            ngx.say("all: ", sock:receive("*a") == "last\n")
            sock:close()
        }
    }
--- request
GET /t
--- response_body
one
two
three
any

all: true
--- no_error_log
[error]



=== TEST 21: one thread reads while another sends on the same TLS socket
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_PORT))
            assert(sock:sslhandshake(false, "test.moxy"))

            local reader = ngx.thread.spawn(function ()
                local lines = {}
                for i = 1, 3 do
                    lines[i] = sock:receive()
                end
                return table.concat(lines, " ")
            end)

            ngx.say("busy: ", sock:sslhandshake())
            sock:send("delay 100 first\n")
            sock:send("echo second\n")
            sock:send("echo third\n")
            ngx.say("read: ", select(2, ngx.thread.wait(reader)))
            sock:close()
        }
    }
--- request
GET /t
--- response_body
busy: nilsocket busy reading
read: first second third
--- no_error_log
[error]



=== TEST 22: send_status_req is accepted
--- config
    lua_ssl_trusted_certificate $TEST_NGINX_CERT_DIR/ca.crt;
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_PORT))
            local sess, err = sock:sslhandshake(nil, "test.moxy", true, true)
            sock:send("echo stapled or not\n")
            ngx.say(type(sess), " ", err, " ", sock:receive())
            sock:close()
        }
    }
--- request
GET /t
--- response_body
cdata nil stapled or not
--- no_error_log
[error]



=== TEST 23: TLS in a timer
--- config
    location /t {
        content_by_lua_block {
            local result
            assert(ngx.timer.at(0, function ()
                local sock = ngx.socket.tcp()
                sock:settimeout(3000)
                assert(sock:connect("127.0.0.1", $TEST_NGINX_TLS_PORT))
                local sess, err = sock:sslhandshake(nil, "test.moxy")
                sock:send("sni\n")
                result = type(sess) .. " " .. tostring(err) .. " "
                         .. sock:receive()
                sock:close()
            end))

            for _ = 1, 100 do
                if result then
                    break
                end
                ngx.sleep(0.02)
            end

            ngx.say(result)
        }
    }
--- request
GET /t
--- response_body
cdata nil test.moxy
--- no_error_log
[error]



=== TEST 24: the thread waiting in the handshake is killed
--- config
    location /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_SILENT_PORT))

            local th = ngx.thread.spawn(function ()
                return sock:sslhandshake(nil, "test.moxy")
            end)

            ngx.say("busy: ", sock:send("x"))
            ngx.say("kill: ", ngx.thread.kill(th))
            ngx.say("close: ", sock:close())

            -- and one left waiting when the request ends
            sock = ngx.socket.tcp()
            sock:settimeout(3000)
            assert(sock:connect("127.0.0.1", $TEST_NGINX_SILENT_PORT))
            ngx.thread.spawn(function ()
                return sock:sslhandshake(nil, "test.moxy")
            end)
            ngx.exit(ngx.OK)
        }
    }
--- request
GET /t
--- response_body
busy: nilsocket busy connecting
kill: 1
close: nilclosed
--- no_error_log
[error]
[crit]
[alert]



=== TEST 25: a trusted certificate that does not exist
--- http_config
    lua_ssl_trusted_certificate $TEST_NGINX_CERT_DIR/none.crt;
--- config
    location /t {
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*SSL_CTX_load_verify_locations\("\S+\/none\.crt"\) failed \(SSL: error:\S+:system library::No such file or directory/



=== TEST 26: a bad lua_ssl_protocols value
--- config
    location /t {
        lua_ssl_protocols TLSv1.2 TLSv1.4;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid value "TLSv1\.4" in \S+:\d+/



=== TEST 27: a cipher list OpenSSL refuses
--- config
    location /t {
        lua_ssl_ciphers NO-SUCH-CIPHER;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*SSL_CTX_set_cipher_list\("NO-SUCH-CIPHER"\) failed \(SSL: error:\S+:SSL routines::no cipher match\)/
