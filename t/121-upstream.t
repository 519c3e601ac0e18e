# upstream blocks: round robin and weights, backup and down servers,
# passive health checks (max_fails, fail_timeout), "no live upstreams",
# proxy_next_upstream and its limits, the keepalive pool, config errors.
#   prove -It/lib t/121-upstream.t
#   TEST_NGINX_BINARY=/usr/sbin/nginx prove -It/lib t/121-upstream.t

use Test::Nginx::Socket 'no_plan';
use IO::Socket::INET ();
use Moxy::TestPeers;

# ports where nothing listens
$ENV{TEST_NGINX_CLOSED_PORT} = free_port();
$ENV{TEST_NGINX_CLOSED_PORT2} = free_port();

# a peer that accepts (in the kernel's backlog) and never answers
our $Blackhole = IO::Socket::INET->new(Listen => 5, LocalAddr => '127.0.0.1',
                                       LocalPort => 0, Proto => 'tcp')
    or die "cannot listen: $!\n";
$ENV{TEST_NGINX_BLACKHOLE_PORT} = $Blackhole->sockport;

no_long_string();
run_tests();

__DATA__

=== TEST 1: round robin over two servers
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "a\n"; }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        location / { return 200 "b\n"; }
    }
--- config
    location /t {
        proxy_pass http://backend;
    }
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t"]
--- response_body eval
["a\n", "b\n", "a\n", "b\n"]
--- no_error_log
[error]



=== TEST 2: weights: smooth weighted round robin
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1 weight=2;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "a\n"; }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        location / { return 200 "b\n"; }
    }
--- config
    location /t {
        proxy_pass http://backend;
    }
--- request eval
["GET /t", "GET /t", "GET /t", "GET /t", "GET /t", "GET /t"]
--- response_body eval
["a\n", "b\n", "a\n", "a\n", "b\n", "a\n"]
--- no_error_log
[error]



=== TEST 3: a refused server is retried on the next, then skipped (max_fails)
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_CLOSED_PORT max_fails=1 fail_timeout=10s;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "b\n"; }
    }
--- config
    location /t {
        proxy_pass http://backend;
        add_header X-Status $upstream_status;
        add_header X-Addr $upstream_addr;
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- response_headers_like eval
["X-Status: 502, 200\nX-Addr: 127.0.0.1:\\d+, 127.0.0.1:\\d+",
 "X-Status: 200\nX-Addr: 127.0.0.1:\\d+",
 "X-Status: 200\nX-Addr: 127.0.0.1:\\d+"]
--- response_body eval
["b\n", "b\n", "b\n"]



=== TEST 4: a refused server: logged, then temporarily disabled
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_CLOSED_PORT;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "b\n"; }
    }
--- config
    location /t {
        proxy_pass http://backend;
    }
--- request
GET /t
--- response_body
b
--- error_log eval
[qr/\[error\] .*connect\(\) failed \(111: Connection refused\) while connecting to upstream, client: 127.0.0.1, server: localhost, request: "GET \/t HTTP\/1.1", upstream: "http:\/\/127.0.0.1:\d+\/t", host: "localhost"/,
 qr/\[warn\] .*upstream server temporarily disabled while connecting to upstream/]



=== TEST 5: max_fails=0: a failing server stays in the rotation
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_CLOSED_PORT max_fails=0;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "b\n"; }
    }
--- config
    location /t {
        proxy_pass http://backend;
        add_header X-Status $upstream_status;
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- response_headers eval
["X-Status: 502, 200", "X-Status: 200", "X-Status: 502, 200"]
--- response_body eval
["b\n", "b\n", "b\n"]



=== TEST 6: backup and down servers
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1 down;
        server 127.0.0.1:$TEST_NGINX_CLOSED_PORT;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2 backup;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "down one\n"; }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        location / { return 200 "backup\n"; }
    }
--- config
    location /t {
        proxy_pass http://backend;
        add_header X-Status $upstream_status;
    }
--- request eval
["GET /t", "GET /t"]
--- response_headers eval
["X-Status: 502, 200", "X-Status: 200"]
--- response_body eval
["backup\n", "backup\n"]



=== TEST 7: all servers failed: "no live upstreams" on the next request
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_CLOSED_PORT;
        server 127.0.0.1:$TEST_NGINX_CLOSED_PORT2;
    }
--- config
    location /t {
        proxy_pass http://backend;
        add_header X-Addr $upstream_addr always;
        add_header X-Status $upstream_status always;
    }
--- request eval
["GET /t", "GET /t"]
--- error_code eval
[502, 502]
--- response_headers_like eval
["X-Addr: 127.0.0.1:\\d+, 127.0.0.1:\\d+\nX-Status: 502, 502", "X-Addr: backend\nX-Status: 502"]



=== TEST 8: all servers down: "no live upstreams"
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_CLOSED_PORT down;
        server 127.0.0.1:$TEST_NGINX_CLOSED_PORT2 down;
    }
--- config
    location /t {
        proxy_pass http://backend;
    }
--- request
GET /t
--- error_code: 502
--- error_log eval
qr/\[error\] .*no live upstreams while connecting to upstream, client: 127.0.0.1, server: localhost, request: "GET \/t HTTP\/1.1", upstream: "http:\/\/backend\/t", host: "localhost"/



=== TEST 9: one server only: never marked down
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_CLOSED_PORT;
    }
--- config
    location /t {
        proxy_pass http://backend;
    }
--- request eval
["GET /t", "GET /t"]
--- error_code eval
[502, 502]
--- grep_error_log eval
qr/no live upstreams|connect\(\) failed/
--- grep_error_log_out
connect() failed



=== TEST 10: proxy_next_upstream http_500
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    upstream backend2 {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 500 "broken\n"; }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        location / { return 200 "good\n"; }
    }
--- config
    location /retry {
        proxy_next_upstream error timeout http_500;
        proxy_pass http://backend;
        add_header X-Status $upstream_status always;
    }
    location /noretry {
        proxy_pass http://backend2;
        add_header X-Status $upstream_status always;
    }
--- request eval
["GET /retry", "GET /noretry"]
--- error_code eval
[200, 500]
--- response_headers eval
["X-Status: 500, 200", "X-Status: 500"]
--- response_body eval
["good\n", "broken\n"]
--- no_error_log
[error]



=== TEST 11: POST is not retried after it was sent, unless non_idempotent
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    upstream backend2 {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 502 "bad gateway of a\n"; }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        location / { return 200 "b\n"; }
    }
--- config
    location /strict {
        proxy_next_upstream error http_502;
        proxy_pass http://backend;
    }
    location /lax {
        proxy_next_upstream error http_502 non_idempotent;
        proxy_pass http://backend2;
    }
--- request eval
["POST /strict\nx", "POST /lax\nx"]
--- error_code eval
[502, 200]
--- response_body eval
["bad gateway of a\n", "b\n"]
--- no_error_log
[error]



=== TEST 12: proxy_next_upstream off and proxy_next_upstream_tries
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_CLOSED_PORT max_fails=0;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "b\n"; }
    }
--- config
    location /off {
        proxy_next_upstream off;
        proxy_pass http://backend;
    }
    location /tries {
        proxy_next_upstream_tries 1;
        proxy_pass http://backend;
    }
--- request eval
["GET /off", "GET /off", "GET /tries"]
--- error_code eval
[502, 200, 502]



=== TEST 13: a timeout goes to the next server
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_BLACKHOLE_PORT;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "b\n"; }
    }
--- config
    location /t {
        proxy_read_timeout 200ms;
        proxy_pass http://backend;
        add_header X-Status $upstream_status;
    }
--- request
GET /t
--- response_headers
X-Status: 504, 200
--- response_body
b
--- error_log
upstream timed out (110: Connection timed out) while reading response header from upstream



=== TEST 14: keepalive: one upstream connection for several requests
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        keepalive 4;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "requests=$connection_requests\n"; }
    }
--- config
    location /t {
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://backend;
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- response_body eval
["requests=1\n", "requests=2\n", "requests=3\n"]
--- no_error_log
[error]



=== TEST 15: no keepalive without HTTP/1.1 and an empty Connection header
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        keepalive 4;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "requests=$connection_requests\n"; }
    }
--- config
    location /t {
        proxy_pass http://backend;
    }
--- request eval
["GET /t", "GET /t"]
--- response_body eval
["requests=1\n", "requests=1\n"]
--- no_error_log
[error]



=== TEST 16: keepalive_requests closes a connection after N requests
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        keepalive 4;
        keepalive_requests 2;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "requests=$connection_requests\n"; }
    }
--- config
    location /t {
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://backend;
    }
--- request eval
["GET /t", "GET /t", "GET /t"]
--- response_body eval
["requests=1\n", "requests=2\n", "requests=1\n"]
--- no_error_log
[error]



=== TEST 17: an idle connection the upstream closed is dropped, not reused
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        keepalive 4;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        keepalive_timeout 100ms;
        location / { return 200 "requests=$connection_requests\n"; }
    }
--- config
    location /t {
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://backend;
    }
--- request eval
["GET /t", "GET /t"]
--- wait: 0.5
--- response_body eval
["requests=1\n", "requests=1\n"]
--- no_error_log
[error]



=== TEST 18: keepalive with a request body and a large response
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        keepalive 2;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            root $TEST_NGINX_HTML_DIR;
        }
        location /count {
            return 200 "requests=$connection_requests\n";
        }
    }
--- config
    location /k/ {
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://backend/;
    }
--- user_files eval
">>> big.txt\n" . ("x" x 300000)
--- request eval
["GET /k/big.txt", "POST /k/count\nsome body", "GET /k/count"]
--- response_body eval
[("x" x 300000), "requests=2\n", "requests=3\n"]
--- no_error_log
[error]



=== TEST 19: duplicate upstream
--- http_config
    upstream backend { server 127.0.0.1:1; }
    upstream backend { server 127.0.0.1:2; }
--- config
--- must_die
--- error_log
duplicate upstream "backend"



=== TEST 20: an upstream without servers
--- http_config
    upstream backend { keepalive 2; }
--- config
--- must_die
--- error_log
no servers are inside upstream



=== TEST 21: a bad server parameter
--- http_config
    upstream backend { server 127.0.0.1:1 weight=0; }
--- config
--- must_die
--- error_log
invalid parameter "weight=0"



=== TEST 22: a host that does not resolve
--- http_config
    upstream backend { server nosuchhost.invalid:80; }
--- config
--- must_die
--- error_log
host not found in upstream "nosuchhost.invalid:80"



=== TEST 23: proxy_pass to a name that is neither an upstream nor a host
--- config
    location /t {
        proxy_pass http://nosuchupstream.invalid;
    }
--- must_die
--- error_log
host not found in upstream "nosuchupstream.invalid"



=== TEST 24: an upstream block referenced before it is defined
--- config
    location /t {
        proxy_pass http://later;
    }
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "later ok\n"; }
    }
    upstream later {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- request
GET /t
--- response_body
later ok
--- no_error_log
[error]



=== TEST 25: a name resolved at startup, with the port
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "host=$http_host\n"; }
    }
--- config
    location /t {
        proxy_pass http://localhost:$TEST_NGINX_RAND_PORT_1;
    }
--- request
GET /t
--- response_body_like
^host=localhost:\d+$



=== TEST 26: proxy_next_upstream_timeout stops the retries
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_BLACKHOLE_PORT;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / { return 200 "b\n"; }
    }
--- config
    location /t {
        proxy_read_timeout 200ms;
        proxy_next_upstream_timeout 100ms;
        proxy_pass http://backend;
        add_header X-Status $upstream_status always;
    }
--- request
GET /t
--- error_code: 504
--- response_headers
X-Status: 504
--- error_log
upstream timed out (110: Connection timed out) while reading response header from upstream



=== TEST 27: proxy_next_upstream invalid_header
--- http_config
    upstream backend {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            add_header X-Huge "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz";
            return 200 "a\n";
        }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        location / { return 200 "b\n"; }
    }
--- config
    location /t {
        proxy_buffer_size 1k;
        proxy_next_upstream error timeout invalid_header;
        proxy_pass http://backend;
        add_header X-Status $upstream_status;
    }
--- request
GET /t
--- response_headers
X-Status: 502, 200
--- response_body
b
--- error_log
upstream sent too big header while reading response header from upstream



=== TEST 28: max_conns: a peer with that many requests in flight is passed over
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            content_by_lua_block { ngx.sleep(0.3) ngx.say("A") }
        }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        location / {
            content_by_lua_block { ngx.sleep(0.3) ngx.say("B") }
        }
    }
    upstream limited {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1 weight=10 max_conns=1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    upstream alone {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1 max_conns=1;
    }
--- config
    location /limited { proxy_pass http://limited; }
    location /alone { proxy_pass http://alone; }

    location = /t {
        content_by_lua_block {
            local function get(uri)
                local sock = ngx.socket.tcp()
                sock:settimeout(3000)
                assert(sock:connect("127.0.0.1", ngx.var.server_port))
                assert(sock:send("GET " .. uri .. " HTTP/1.0\r\nHost: x\r\n\r\n"))
                local resp = assert(sock:receive("*a"))
                return resp:match("^HTTP/1%.%d (%d+)") .. " "
                       .. (resp:match("\r\n\r\n(%u)\n$") or "-")
            end

            for _, uri in ipairs{"/limited", "/alone"} do
                local t1 = ngx.thread.spawn(get, uri)
                ngx.sleep(0.05)
                local t2 = ngx.thread.spawn(get, uri)
                local _, a = ngx.thread.wait(t1)
                local _, b = ngx.thread.wait(t2)
                ngx.say(uri, ": ", a, ", ", b)
            end
        }
    }
--- request
GET /t
--- response_body
/limited: 200 A, 200 B
/alone: 200 A, 502 -
--- error_log
no live upstreams
--- timeout: 10
