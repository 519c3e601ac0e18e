# proxy_pass with variables resolves a host name through the location's
# resolver while the request waits: the group is made of all the addresses
# of the answer (with the URL's port), tried in turn by proxy_next_upstream.
# A DNS server of this file answers on 127.0.0.1:19921:
#   one.test     127.0.0.1
#   two.test     127.0.0.2 (nobody listens there), then 127.0.0.1
#   cached*.test 127.0.0.N for the Nth query: only the first one proxies
#   nx.test      NXDOMAIN
#   anything else: no answer at all
# Checked against Debian's nginx with the same file:
#   TEST_NGINX_BINARY=/usr/sbin/nginx \
#   TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so \
#       /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/124-proxy-resolver.t

use Test::Nginx::Socket 'no_plan';

use IO::Socket::INET ();
use POSIX ();

my $dns_port = 19921;
my $parent = $$;
my $dns_pid;

sub dns_answer {
    my ($q, $count) = @_;
    my ($id) = unpack("n", $q);
    my ($pos, @labels) = (12);

    while ($pos < length $q) {
        my $len = ord(substr($q, $pos, 1));
        last if $len == 0;
        push @labels, substr($q, $pos + 1, $len);
        $pos += $len + 1;
    }

    my $name = lc join(".", @labels);
    my ($qtype) = unpack("n", substr($q, $pos + 1, 2));
    my $question = substr($q, 12, $pos + 5 - 12);
    my ($rcode, @addrs) = (0);

    $count->{$name}++ if $qtype == 1;

    if ($name eq "one.test") {
        @addrs = ("127.0.0.1");
    } elsif ($name eq "two.test") {
        @addrs = ("127.0.0.2", "127.0.0.1");
    } elsif ($name =~ /^cached/) {
        @addrs = ("127.0.0." . $count->{$name});
    } elsif ($name eq "nx.test") {
        $rcode = 3;
    } else {
        return undef;
    }

    @addrs = () if $qtype != 1;

    return pack("nnnnnn", $id, 0x8180 | $rcode, 1, scalar @addrs, 0, 0)
           . $question
           . join("", map { pack("nnnNnC4", 0xc00c, 1, 1, 300, 4,
                                 split /\./) } @addrs);
}

sub dns_start {
    my $sock = IO::Socket::INET->new(
        LocalAddr => "127.0.0.1",
        LocalPort => $dns_port,
        Proto     => "udp",
        ReuseAddr => 1,
    ) or die "cannot listen on udp port $dns_port: $!\n";

    my $pid = fork();
    die "fork() failed: $!\n" unless defined $pid;

    if ($pid == 0) {
        my %count;
        while (1) {
            my $q = "";
            my $peer = $sock->recv($q, 512);
            next unless defined $peer && length $q > 12;
            my $a = dns_answer($q, \%count);
            send($sock, $a, 0, $peer) if defined $a;
        }
        POSIX::_exit(0);
    }

    close $sock;
    return $pid;
}

$dns_pid = dns_start();

END {
    local $?;    # the exit status of the tests, not of the server

    if ($dns_pid && $$ == $parent) {
        kill "KILL", $dns_pid;
        waitpid $dns_pid, 0;
    }
}

no_long_string();
run_tests();

__DATA__

=== TEST 1: a name resolved to one address; Host is the name of the URL
--- http_config
    server {
        listen 127.0.0.1:19922;
        location / { return 200 "host: $http_host\n"; }
    }
--- config
    resolver 127.0.0.1:19921 ipv6=off;
    location /t {
        set $name one.test;
        proxy_pass http://$name:19922/x;
        add_header X-Addr $upstream_addr;
    }
--- request
GET /t
--- response_body
host: one.test:19922
--- response_headers
X-Addr: 127.0.0.1:19922
--- no_error_log
[error]



=== TEST 2: two addresses: the first refuses, the next try takes the second
--- http_config
    server {
        listen 127.0.0.1:19922;
        location / { return 200 "host: $http_host\n"; }
    }
--- config
    resolver 127.0.0.1:19921 ipv6=off;
    location /t {
        set $name two.test;
        proxy_pass http://$name:19922;
        add_header X-Addr $upstream_addr;
    }
--- request
GET /t
--- response_body
host: two.test:19922
--- response_headers
X-Addr: 127.0.0.2:19922, 127.0.0.1:19922
--- error_log
connect() failed (111: Connection refused) while connecting to upstream



=== TEST 3: NXDOMAIN
--- config
    resolver 127.0.0.1:19921 ipv6=off;
    location /t {
        set $name nx.test;
        proxy_pass http://$name:19922;
    }
--- request
GET /t
--- error_code: 502
--- error_log
nx.test could not be resolved (3: Host not found)



=== TEST 4: no answer within resolver_timeout
--- config
    resolver 127.0.0.1:19921 ipv6=off;
    resolver_timeout 1s;
    location /t {
        set $name silent.test;
        proxy_pass http://$name:19922;
    }
--- request
GET /t
--- error_code: 502
--- error_log
silent.test could not be resolved (110: Operation timed out)
--- timeout: 4



=== TEST 5: no resolver
--- config
    location /t {
        set $name one.test;
        proxy_pass http://$name:19922;
    }
--- request
GET /t
--- error_code: 502
--- error_log
no resolver defined to resolve one.test



=== TEST 6: the answer is cached: the second request asks no DNS
--- http_config
    server {
        listen 127.0.0.1:19922;
        location / { return 200 "ok\n"; }
    }
--- config
    resolver 127.0.0.1:19921 ipv6=off;
    location /t {
        set $name cached.test;
        proxy_pass http://$name:19922;
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- response_body eval
["ok\n", "ok\n", "ok\n"]
--- no_error_log
[error]



=== TEST 7: an upstream block is found by name, no resolver asked
--- http_config
    upstream one.test {
        server 127.0.0.1:19922;
    }
    server {
        listen 127.0.0.1:19922;
        location / { return 200 "host: $http_host\n"; }
    }
--- config
    location /t {
        set $name one.test;
        proxy_pass http://$name;
    }
--- request
GET /t
--- response_body
host: one.test
--- no_error_log
[error]



=== TEST 8: the client leaves while the lookup runs
--- config
    resolver 127.0.0.1:19921 ipv6=off;
    resolver_timeout 1s;
    location /t {
        set $name leaving.test;
        proxy_pass http://$name:19922;
    }
--- request
GET /t
--- timeout: 0.3
--- abort
--- wait: 1.5
--- ignore_response
--- error_log
client prematurely closed connection
--- no_error_log
[error]
[alert]



=== TEST 9: the name is asked for once by two requests waiting together
--- http_config
    server {
        listen 127.0.0.1:19922;
        location / { return 200 "ok\n"; }
    }
--- config
    resolver 127.0.0.1:19921 ipv6=off;
    location /t {
        content_by_lua_block {
            local function get()
                local sock = ngx.socket.tcp()
                local ok, err = sock:connect("127.0.0.1",
                                             $TEST_NGINX_SERVER_PORT)
                if not ok then
                    return err
                end
                sock:send("GET /p HTTP/1.0\r\nHost: x\r\n\r\n")
                local line = sock:receive()
                sock:close()
                return line
            end
            local t1 = ngx.thread.spawn(get)
            local t2 = ngx.thread.spawn(get)
            local _, r1 = ngx.thread.wait(t1)
            local _, r2 = ngx.thread.wait(t2)
            ngx.say(r1)
            ngx.say(r2)
        }
    }
    location /p {
        set $name cached2.test;
        proxy_pass http://$name:19922;
    }
--- request
GET /t
--- response_body
HTTP/1.1 200 OK
HTTP/1.1 200 OK
--- no_error_log
[error]



=== TEST 10: the request body is read first, then sent to the resolved peer
--- http_config
    server {
        listen 127.0.0.1:19922;
        location / {
            content_by_lua_block {
                ngx.req.read_body()
                ngx.say(ngx.var.request_method, " ", ngx.req.get_body_data())
            }
        }
    }
--- config
    resolver 127.0.0.1:19921 ipv6=off;
    location /t {
        set $name one.test;
        proxy_pass http://$name:19922;
    }
--- request
POST /t
hello, resolved world
--- response_body
POST hello, resolved world
--- no_error_log
[error]
