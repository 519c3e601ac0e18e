# proxy_pass https://: the request and its response over TLS, SNI
# (proxy_ssl_server_name, proxy_ssl_name), proxy_ssl_verify against
# proxy_ssl_trusted_certificate (chain and name), handshake failures and
# timeouts as upstream errors tried on the next server, keepalive of TLS
# connections, proxy_ssl_session_reuse, request bodies (memory and
# temporary file) written through TLS. Every block passes on nginx too:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/125-proxy-ssl.t
#
# The certificates are made for the run (openssl): a CA, a certificate
# for "test.moxy" signed by it, and a self-signed one. The backends are
# HTTP/1.1 servers over TLS of this file (IO::Socket::SSL, one process
# per connection, keep-alive unless asked to close); each response says
# in its body what the server saw:
#   "METHOD URI sni=NAME|none reused=yes|no req=N[ body=LEN:MD5]"
# with N the number of the request on its connection (then a line of
# LEN "x" for a URI with "big=LEN"), and carries an
# X-Backend header naming the server. TEST_NGINX_TLS_PORT has the CA's
# certificate, TEST_NGINX_TLS_SELF_PORT the self-signed one;
# TEST_NGINX_PLAIN_PORT speaks HTTP without TLS; TEST_NGINX_SILENT_PORT
# accepts in the kernel and never answers.

use Test::Nginx::Socket 'no_plan';
use IO::Socket::INET ();
use IO::Select ();
use IO::Socket::SSL ();
use Net::SSLeay ();
use Digest::MD5 ();
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
}

make_certs($CertDir);

sub listener {
    my $port = shift;
    my $ls = IO::Socket::INET->new(Listen => 64, LocalAddr => '127.0.0.1',
                                   LocalPort => $port, Proto => 'tcp',
                                   ReuseAddr => 1)
        or die "cannot listen on $port: $!\n";
    return $ls;
}

# port => [listening socket, TLS context or undef, name]
our %Servers;

for my $s (['TLS_PORT', 19931, 'server.crt', 'server.key'],
           ['TLS_SELF_PORT', 19932, 'self.crt', 'self.key'],
           ['PLAIN_PORT', 19933])
{
    my ($name, $port, $cert, $key) = @$s;
    my $ls = listener($port);
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

    $ENV{"TEST_NGINX_$name"} = $port;
    $Servers{$port} = [$ls, $ctx, lc $name];
}

# accepts (in the kernel's backlog) and never answers
our $Silent = listener(19934);
$ENV{TEST_NGINX_SILENT_PORT} = 19934;

sub serve_http {
    my ($c, $name, $ssl) = @_;
    my $n = 0;

    while (defined(my $line = <$c>)) {
        $line =~ s/\r?\n\z//;
        next if $line eq '' && $n == 0;

        my ($method, $uri, $proto) = split / /, $line;
        my (%h, $body);

        while (defined(my $hl = <$c>)) {
            $hl =~ s/\r?\n\z//;
            last if $hl eq '';
            my ($k, $v) = split /:\s*/, $hl, 2;
            $h{lc $k} = $v;
        }

        $n++;

        if (my $len = $h{'content-length'}) {
            $body = '';
            while (length $body < $len) {
                my $got = read($c, my $buf, $len - length $body);
                last unless $got;
                $body .= $buf;
            }
        }

        my $out = "$method $uri";

        if ($ssl) {
            my $sni = Net::SSLeay::get_servername($ssl);
            $out .= " sni=" . (defined $sni ? $sni : 'none');
            $out .= " reused="
                    . (Net::SSLeay::session_reused($ssl) ? 'yes' : 'no');
        }

        $out .= " req=$n";
        $out .= " body=" . length($body) . ":" . Digest::MD5::md5_hex($body)
            if defined $body;
        $out .= "\n";
        $out .= ('x' x $1) . "\n" if $uri =~ /big=(\d+)/;

        my $close = $proto ne 'HTTP/1.1'
                    || lc($h{connection} // '') eq 'close';

        print $c "HTTP/1.1 200 OK\r\nContent-Length: " . length($out)
                 . "\r\nX-Backend: $name\r\n"
                 . ($close ? "Connection: close\r\n" : "")
                 . "\r\n$out";

        last if $close;
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
                my (undef, $ctx, $name) = @{$Servers{$ls->sockport}};

                if (!$ctx) {
                    # whatever comes (a ClientHello), an HTTP error goes
                    # back
                    sysread($c, my $buf, 4096);
                    syswrite($c, "HTTP/1.1 400 Bad Request\r\n\r\n");

                } elsif (IO::Socket::SSL->start_SSL($c, SSL_server => 1,
                                                    SSL_reuse_ctx => $ctx))
                {
                    serve_http($c, $name, $c->_get_ssl_object);
                    $c->close(SSL_fast_shutdown => 1);
                }

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

our $Body = join "\n", map { "line $_" } 1 .. 1000;
our $BodyMd5 = length($Body) . ":" . Digest::MD5::md5_hex($Body);

no_long_string();
run_tests();

__DATA__

=== TEST 1: a request and its response over TLS
--- config
    location /t {
        proxy_pass https://127.0.0.1:$TEST_NGINX_TLS_PORT/back;
    }
--- request
GET /t?a=1
--- response_headers
X-Backend: tls_port
--- response_body
GET /back?a=1 sni=none reused=no req=1
--- no_error_log
[error]
[crit]
[alert]



=== TEST 2: proxy_ssl_server_name sends the proxy_pass host
--- http_config
    upstream test.moxy {
        server 127.0.0.1:$TEST_NGINX_TLS_PORT;
    }
--- config
    location /t {
        proxy_ssl_server_name on;
        proxy_pass https://test.moxy;
    }
    location /off {
        proxy_pass https://test.moxy;
    }
--- request eval
["GET /t", "GET /off"]
--- response_body eval
["GET /t sni=test.moxy reused=no req=1\n",
 "GET /off sni=none reused=yes req=1\n"]
--- no_error_log
[error]



=== TEST 3: proxy_ssl_name with variables; no SNI for an address
--- config
    location /t {
        set $name "test.moxy:8443";
        proxy_ssl_server_name on;
        proxy_ssl_name $name;
        proxy_pass https://127.0.0.1:$TEST_NGINX_TLS_PORT;
    }
    location /ip {
        proxy_ssl_server_name on;
        proxy_pass https://127.0.0.1:$TEST_NGINX_TLS_PORT;
    }
--- request eval
["GET /t", "GET /ip"]
--- response_body eval
["GET /t sni=test.moxy reused=no req=1\n",
 "GET /ip sni=none reused=yes req=1\n"]
--- no_error_log
[error]



=== TEST 4: proxy_ssl_verify with the CA: the chain and the name hold
--- config
    location /t {
        proxy_ssl_verify on;
        proxy_ssl_trusted_certificate $TEST_NGINX_CERT_DIR/ca.crt;
        proxy_ssl_name test.moxy;
        proxy_pass https://127.0.0.1:$TEST_NGINX_TLS_PORT;
    }
--- request
GET /t
--- response_body
GET /t sni=none reused=no req=1
--- no_error_log
[error]



=== TEST 5: proxy_ssl_verify: a self-signed certificate is a 502
--- config
    location /t {
        proxy_ssl_verify on;
        proxy_ssl_trusted_certificate $TEST_NGINX_CERT_DIR/ca.crt;
        proxy_ssl_name test.moxy;
        proxy_pass https://127.0.0.1:$TEST_NGINX_TLS_SELF_PORT;
    }
--- request
GET /t
--- error_code: 502
--- error_log eval
qr/\[error\] .*upstream SSL certificate verify error: \(18:self-signed certificate\) while SSL handshaking to upstream, client: 127\.0\.0\.1, server: localhost, request: "GET \/t HTTP\/1\.1", upstream: "https:\/\/127\.0\.0\.1:\d+\/t"/
--- no_error_log
[crit]
[alert]



=== TEST 6: proxy_ssl_verify: a name the certificate does not have
--- config
    location /t {
        proxy_ssl_verify on;
        proxy_ssl_trusted_certificate $TEST_NGINX_CERT_DIR/ca.crt;
        proxy_ssl_name other.moxy;
        proxy_pass https://127.0.0.1:$TEST_NGINX_TLS_PORT;
    }
--- request
GET /t
--- error_code: 502
--- error_log
upstream SSL certificate does not match "other.moxy" while SSL handshaking to upstream
--- no_error_log
[crit]
[alert]



=== TEST 7: the handshake with a server without TLS fails: 502
--- config
    location /t {
        proxy_pass https://127.0.0.1:$TEST_NGINX_PLAIN_PORT;
    }
--- request
GET /t
--- error_code: 502
--- error_log eval
qr/\[error\] .*SSL_do_handshake\(\) failed \(SSL: error:[0-9A-F]+:SSL routines::\w[^)]*\) while SSL handshaking to upstream/
--- no_error_log
[crit]
[alert]



=== TEST 8: a failed handshake tries the next server
--- http_config
    upstream mixed {
        server 127.0.0.1:$TEST_NGINX_PLAIN_PORT;
        server 127.0.0.1:$TEST_NGINX_TLS_PORT;
    }
--- config
    location /t {
        proxy_pass https://mixed;
        add_header X-Upstream $upstream_addr;
    }
--- request
GET /t
--- response_headers_like
X-Upstream: 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+
--- response_body
GET /t sni=none reused=no req=1
--- error_log
while SSL handshaking to upstream
--- no_error_log
[crit]
[alert]



=== TEST 9: a silent server: the handshake has the connect timeout
--- config
    location /t {
        proxy_connect_timeout 300ms;
        proxy_pass https://127.0.0.1:$TEST_NGINX_SILENT_PORT;
    }
--- request
GET /t
--- error_code: 504
--- error_log
upstream timed out (110: Connection timed out) while SSL handshaking to upstream
--- no_error_log
[crit]
[alert]



=== TEST 10: keepalive keeps the TLS connection
--- http_config
    upstream ka {
        server 127.0.0.1:$TEST_NGINX_TLS_PORT;
        keepalive 4;
    }
--- config
    location /t {
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass https://ka;
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- response_body eval
["GET /t sni=none reused=no req=1\n",
 "GET /t sni=none reused=no req=2\n",
 "GET /t sni=none reused=no req=3\n"]
--- no_error_log
[error]



=== TEST 11: sessions are resumed on new connections (on by default)
--- http_config
    upstream one {
        server 127.0.0.1:$TEST_NGINX_TLS_PORT;
    }
--- config
    location /t {
        proxy_pass https://one;
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- response_body eval
["GET /t sni=none reused=no req=1\n",
 "GET /t sni=none reused=yes req=1\n",
 "GET /t sni=none reused=yes req=1\n"]
--- no_error_log
[error]



=== TEST 12: proxy_ssl_session_reuse off
--- http_config
    upstream one {
        server 127.0.0.1:$TEST_NGINX_TLS_PORT;
    }
--- config
    location /t {
        proxy_ssl_session_reuse off;
        proxy_pass https://one;
    }
--- request eval
["GET /t", "GET /t"]
--- response_body eval
["GET /t sni=none reused=no req=1\n",
 "GET /t sni=none reused=no req=1\n"]
--- no_error_log
[error]



=== TEST 13: a request body in memory over TLS
--- config
    location /t {
        client_body_buffer_size 64k;
        proxy_pass https://127.0.0.1:$TEST_NGINX_TLS_PORT;
    }
--- request eval
"POST /t\n$::Body"
--- response_body eval
"POST /t sni=none reused=no req=1 body=$::BodyMd5\n"
--- no_error_log
[error]



=== TEST 14: a request body in a temporary file over TLS
--- config
    location /t {
        client_body_buffer_size 1k;
        proxy_pass https://127.0.0.1:$TEST_NGINX_TLS_PORT;
    }
--- request eval
"POST /t\n$::Body"
--- response_body eval
"POST /t sni=none reused=no req=1 body=$::BodyMd5\n"
--- no_error_log
[error]



=== TEST 15: proxy_pass https:// with variables
--- config
    location /t {
        set $port $TEST_NGINX_TLS_PORT;
        proxy_ssl_server_name on;
        proxy_ssl_name test.moxy;
        proxy_pass https://127.0.0.1:$port/v$is_args$args;
    }
--- request
GET /t?x=2
--- response_body
GET /v?x=2 sni=test.moxy reused=no req=1
--- no_error_log
[error]



=== TEST 16: proxy_ssl_protocols
--- config
    location /t {
        proxy_ssl_protocols TLSv1.3;
        proxy_pass https://127.0.0.1:$TEST_NGINX_TLS_PORT;
    }
--- request
GET /t
--- response_body
GET /t sni=none reused=no req=1
--- no_error_log
[error]



=== TEST 17: proxy_ssl_ciphers the server does not have: 502
--- config
    location /t {
        proxy_ssl_protocols TLSv1.2;
        proxy_ssl_ciphers AES128-SHA;
        proxy_pass https://127.0.0.1:$TEST_NGINX_TLS_PORT;
    }
--- request
GET /t
--- error_code: 502
--- error_log eval
qr/\[error\] .*SSL_do_handshake\(\) failed \(SSL: error:[0-9A-F]+:SSL routines::[^)]*\) while SSL handshaking to upstream/
--- no_error_log
[crit]



=== TEST 18: a large response over TLS, through small buffers
--- config
    location /t {
        proxy_buffer_size 1k;
        proxy_buffers 4 1k;
        proxy_busy_buffers_size 2k;
        proxy_pass https://127.0.0.1:$TEST_NGINX_TLS_PORT;
    }
--- request
GET /t?big=1000000
--- response_body eval
"GET /t?big=1000000 sni=none reused=no req=1\n" . ('x' x 1000000) . "\n"
--- no_error_log
[error]



=== TEST 19: proxy_ssl_verify needs trusted certificates
--- config
    location /t {
        proxy_ssl_verify on;
        proxy_pass https://127.0.0.1:$TEST_NGINX_TLS_PORT;
    }
--- must_die
--- error_log
no proxy_ssl_trusted_certificate for proxy_ssl_verify
