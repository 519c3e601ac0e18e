# Load-balancing methods of upstream blocks: least_conn, hash (plain and
# consistent), ip_hash, random (and "two least_conn"), seen through the
# network: backends answer with their letter, and a Lua driver (fetch()
# below, a cosocket client of this server) sends requests one after the
# other or at the same time. Hashes are nginx's, so the same keys land on
# the same servers under both binaries. Config errors and warnings too.
#   prove -It/lib t/122-upstream-balancers.t
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/122-upstream-balancers.t

use Test::Nginx::Socket 'no_plan';
use IO::Socket::INET ();
use Moxy::TestPeers;

# a port where nothing listens
$ENV{TEST_NGINX_CLOSED_PORT} = free_port();

# fetch(uri): status, body, headers of a GET to this server (HTTP/1.0)
our $Fetch = <<'_EOC_';
    init_by_lua_block {
        function fetch(uri)
            local sock = ngx.socket.tcp()
            sock:settimeout(5000)
            local ok, err = sock:connect("127.0.0.1",
                                         tonumber(ngx.var.server_port))
            if not ok then
                return nil, err
            end
            sock:send("GET " .. uri .. " HTTP/1.0\r\nHost: localhost\r\n\r\n")
            local data, err = sock:receive("*a")
            sock:close()
            if not data then
                return nil, err
            end
            local head, body = data:match("^(.-)\r\n\r\n(.*)$")
            local headers = {}
            for name, value in head:gmatch("\r\n([^:]+): ([^\r]*)") do
                headers[name:lower()] = value
            end
            return tonumber(head:match("^HTTP/1%.%d (%d+)")), body, headers
        end
    }
_EOC_

# backends a, b, c, d: "?sleep=S" answers after S seconds
our $Backends = <<'_EOC_';
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            content_by_lua_block {
                ngx.sleep(tonumber(ngx.var.arg_sleep) or 0)
                ngx.print("a")
            }
        }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        location / {
            content_by_lua_block {
                ngx.sleep(tonumber(ngx.var.arg_sleep) or 0)
                ngx.print("b")
            }
        }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
        location / { return 200 "c"; }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_4;
        location / { return 200 "d"; }
    }
_EOC_

add_block_preprocessor(sub {
    my $block = shift;

    return if defined $block->must_die;

    $block->set_value("http_config",
                      $Fetch . $Backends . ($block->http_config // ''));
});

no_long_string();
run_tests();

__DATA__

=== TEST 1: least_conn: while a slow request holds a, new requests go to b
--- http_config
    upstream lc {
        least_conn;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- config
    location /lc { proxy_pass http://lc; }
    location /t {
        content_by_lua_block {
            local slow = ngx.thread.spawn(fetch, "/lc?sleep=0.5")
            ngx.sleep(0.1)
            local quick = {}
            for i = 1, 4 do
                local status, body = fetch("/lc")
                quick[i] = body
            end
            local _, status, body = ngx.thread.wait(slow)
            ngx.say("slow: ", body, ", then: ", table.concat(quick, " "))
        }
    }
--- request
GET /t
--- response_body
slow: a, then: b b b b
--- no_error_log
[error]



=== TEST 2: the same with round robin: alternates, busy or not
--- http_config
    upstream rr {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- config
    location /rr { proxy_pass http://rr; }
    location /t {
        content_by_lua_block {
            local slow = ngx.thread.spawn(fetch, "/rr?sleep=0.5")
            ngx.sleep(0.1)
            local quick = {}
            for i = 1, 4 do
                local status, body = fetch("/rr")
                quick[i] = body
            end
            local _, status, body = ngx.thread.wait(slow)
            ngx.say("slow: ", body, ", then: ", table.concat(quick, " "))
        }
    }
--- request
GET /t
--- response_body
slow: a, then: b a b a
--- no_error_log
[error]



=== TEST 3: least_conn: connections count per weight
--- http_config
    upstream lc {
        least_conn;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1 weight=3;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- config
    location /lc { proxy_pass http://lc; }
    location /t {
        content_by_lua_block {
            -- a (weight 3) takes three slow requests before b gets one
            local threads, order = {}, {}
            for i = 1, 4 do
                threads[i] = ngx.thread.spawn(fetch, "/lc?sleep=0.3")
                ngx.sleep(0.05)
            end
            for i = 1, 4 do
                local _, status, body = ngx.thread.wait(threads[i])
                order[i] = body
            end
            ngx.say(table.concat(order, " "))
        }
    }
--- request
GET /t
--- response_body
a b a a
--- no_error_log
[error]



=== TEST 4: least_conn: equal loads share by weighted round robin
--- http_config
    upstream lc {
        least_conn;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1 weight=2;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- config
    location /lc { proxy_pass http://lc; }
--- request eval
["GET /lc", "GET /lc", "GET /lc", "GET /lc", "GET /lc", "GET /lc"]
--- response_body eval
["a", "b", "a", "a", "b", "a"]
--- no_error_log
[error]



=== TEST 5: least_conn: a refused server is retried on the next, then skipped
--- http_config
    upstream lc {
        least_conn;
        server 127.0.0.1:$TEST_NGINX_CLOSED_PORT;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- config
    location /lc {
        proxy_pass http://lc;
        add_header X-Status $upstream_status;
    }
    location /t {
        content_by_lua_block {
            for i = 1, 3 do
                local status, body, h = fetch("/lc")
                ngx.say(status, " ", body, " (", h["x-status"], ")")
            end
        }
    }
--- request
GET /t
--- response_body
200 b (502, 200)
200 b (200)
200 b (200)
--- error_log eval
[qr/connect\(\) failed \(111: Connection refused\) while connecting/,
 qr/\[warn\] .*upstream server temporarily disabled/]



=== TEST 6: least_conn: backup servers once the primary ones are gone
--- http_config
    upstream lc {
        least_conn;
        server 127.0.0.1:$TEST_NGINX_CLOSED_PORT;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1 down;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3 backup;
    }
--- config
    location /lc {
        proxy_pass http://lc;
        add_header X-Status $upstream_status;
    }
--- request eval
["GET /lc", "GET /lc"]
--- response_headers eval
["X-Status: 502, 200", "X-Status: 200"]
--- response_body eval
["c", "c"]



=== TEST 7: hash $arg_key: a key stays on its server, keys spread
--- http_config
    upstream h {
        hash $arg_key;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
    }
--- config
    location /h { proxy_pass http://h; }
    location /t {
        content_by_lua_block {
            local map, count = {}, {}
            for k = 1, 24 do
                local seen
                for i = 1, 5 do
                    local status, body = fetch("/h?key=k" .. k)
                    if seen and body ~= seen then
                        ngx.say("k", k, " moved: ", seen, " -> ", body)
                    end
                    seen = body
                end
                map[k] = seen
                count[seen] = (count[seen] or 0) + 1
            end
            ngx.say(table.concat(map))
            ngx.say("a=", count.a, " b=", count.b, " c=", count.c)
        }
    }
--- request
GET /t
--- response_body
ababcacaaaaaacbccbaccbaa
a=12 b=5 c=7
--- no_error_log
[error]



=== TEST 8: hash: the keys of a down server move, the others stay
--- http_config
    upstream h3 {
        hash $arg_key;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
    }
    upstream h3down {
        hash $arg_key;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3 down;
    }
--- config
    location /h3 { proxy_pass http://h3; }
    location /h3down { proxy_pass http://h3down; }
    location /t {
        content_by_lua_block {
            local before, after = {}, {}
            local kept, moved, lost = 0, 0, 0
            for k = 1, 30 do
                local _, x = fetch("/h3?key=k" .. k)
                local _, y = fetch("/h3down?key=k" .. k)
                before[k], after[k] = x, y
                if x ~= "c" then
                    if x == y then kept = kept + 1 else lost = lost + 1 end
                elseif y ~= "c" then
                    moved = moved + 1
                end
            end
            ngx.say(table.concat(before))
            ngx.say(table.concat(after))
            ngx.say("kept ", kept, ", moved ", moved, ", lost ", lost)
        }
    }
--- request
GET /t
--- response_body
ababcacaaaaaacbccbaccbaaabbacc
ababbabaaaaaabbbbbabbbaaabbaaa
kept 21, moved 9, lost 0
--- no_error_log
[error]



=== TEST 9: hash: a refused server rehashes to another, then is skipped
--- http_config
    upstream h {
        hash $arg_key;
        server 127.0.0.1:$TEST_NGINX_CLOSED_PORT;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- config
    location /h {
        proxy_pass http://h;
        add_header X-Status $upstream_status;
    }
    location /t {
        content_by_lua_block {
            local out = {}
            for k = 1, 12 do
                local status, body, h = fetch("/h?key=k" .. k)
                out[k] = status .. " " .. body .. " (" .. h["x-status"] .. ")"
            end
            ngx.say(table.concat(out, "\n"))
        }
    }
--- request
GET /t
--- response_body
200 a (502, 200)
200 a (200)
200 a (200)
200 a (200)
200 b (200)
200 b (200)
200 b (200)
200 a (200)
200 a (200)
200 b (200)
200 a (200)
200 b (200)
--- error_log
connect() failed (111: Connection refused) while connecting to upstream



=== TEST 10: hash: an empty key balances by round robin
--- http_config
    upstream h {
        hash $arg_key;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- config
    location /h { proxy_pass http://h; }
--- request eval
["GET /h", "GET /h", "GET /h", "GET /h"]
--- response_body eval
["a", "b", "a", "b"]
--- no_error_log
[error]



=== TEST 11: hash: weights give a server more slots
--- http_config
    upstream h {
        hash $arg_key;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1 weight=3;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- config
    location /h { proxy_pass http://h; }
    location /t {
        content_by_lua_block {
            local map = {}
            for k = 1, 40 do
                local _, body = fetch("/h?key=" .. k)
                map[k] = body
            end
            ngx.say(table.concat(map))
        }
    }
--- request
GET /t
--- response_body
aaaaaababaabaabaaaaabaaaabababaaaaaababa
--- no_error_log
[error]



=== TEST 12: hash consistent: a key stays on its server, keys spread
--- http_config
    upstream ch {
        hash $arg_key consistent;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
    }
--- config
    location /ch { proxy_pass http://ch; }
    location /t {
        content_by_lua_block {
            -- the ring hashes "host:port": the random ports decide where
            -- keys go (the unit test checks nginx's ring on fixed names)
            local count = { a = 0, b = 0, c = 0 }
            for k = 1, 30 do
                local seen
                for i = 1, 3 do
                    local status, body = fetch("/ch?key=k" .. k)
                    if seen and body ~= seen then
                        ngx.say("k", k, " moved: ", seen, " -> ", body)
                    end
                    seen = body
                end
                count[seen] = count[seen] + 1
            end
            ngx.say("a: ", count.a > 0, ", b: ", count.b > 0,
                    ", c: ", count.c > 0)
        }
    }
--- request
GET /t
--- response_body
a: true, b: true, c: true
--- no_error_log
[error]



=== TEST 13: hash consistent: a server down or removed moves only its keys
--- http_config
    upstream ch3 {
        hash $arg_key consistent;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
    }
    upstream ch3down {
        hash $arg_key consistent;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3 down;
    }
    upstream ch2 {
        hash $arg_key consistent;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
    upstream ch4 {
        hash $arg_key consistent;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_4;
    }
--- config
    location /ch3 { proxy_pass http://ch3; }
    location /ch3down { proxy_pass http://ch3down; }
    location /ch2 { proxy_pass http://ch2; }
    location /ch4 { proxy_pass http://ch4; }
    location /t {
        content_by_lua_block {
            local lost_down, lost_removed, same = 0, 0, 0
            local added, lost_added = 0, 0
            local n = 60
            for k = 1, n do
                local key = "?key=k" .. k
                local _, x = fetch("/ch3" .. key)
                local _, down = fetch("/ch3down" .. key)
                local _, removed = fetch("/ch2" .. key)
                local _, more = fetch("/ch4" .. key)
                if x ~= "c" and down ~= x then lost_down = lost_down + 1 end
                if x ~= "c" and removed ~= x then
                    lost_removed = lost_removed + 1
                end
                if down == removed then same = same + 1 end
                if more == "d" then
                    added = added + 1
                elseif more ~= x then
                    lost_added = lost_added + 1
                end
            end
            ngx.say("c down: ", lost_down, " other keys moved")
            ngx.say("c removed: ", lost_removed, " other keys moved")
            ngx.say("down and removed agree on ", same, " of ", n)
            ngx.say("d added: takes some: ", added > 0 and added < n, ", ",
                    lost_added, " other keys moved")
        }
    }
--- request
GET /t
--- response_body
c down: 0 other keys moved
c removed: 0 other keys moved
down and removed agree on 60 of 60
d added: takes some: true, 0 other keys moved
--- no_error_log
[error]



=== TEST 14: hash consistent: a refused server moves its keys on
--- http_config
    upstream ch {
        hash $arg_key consistent;
        server 127.0.0.1:$TEST_NGINX_CLOSED_PORT;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- config
    location /ch {
        proxy_pass http://ch;
        add_header X-Status $upstream_status;
    }
    location /t {
        content_by_lua_block {
            local count = {}
            for k = 1, 30 do
                local status, body, h = fetch("/ch?key=k" .. k)
                local r = status .. " " .. body .. " (" .. h["x-status"] .. ")"
                count[r] = (count[r] or 0) + 1
            end
            -- the first key of the refused server moves on, and the
            -- server, disabled, is skipped for the next ones
            ngx.say("retried: ", (count["200 a (502, 200)"] or 0)
                                 + (count["200 b (502, 200)"] or 0))
            ngx.say("straight: ", (count["200 a (200)"] or 0)
                                  + (count["200 b (200)"] or 0))
        }
    }
--- request
GET /t
--- response_body
retried: 1
straight: 29
--- error_log
connect() failed (111: Connection refused) while connecting to upstream



=== TEST 15: ip_hash: one client, one server
--- http_config
    upstream ip {
        ip_hash;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3;
    }
--- config
    location /ip { proxy_pass http://ip; }
--- request eval
["GET /ip", "GET /ip", "GET /ip", "GET /ip", "GET /ip"]
--- response_body eval
["c", "c", "c", "c", "c"]
--- no_error_log
[error]



=== TEST 16: ip_hash: the client's server down, it goes on to another
--- http_config
    upstream ip {
        ip_hash;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3 down;
    }
--- config
    location /ip { proxy_pass http://ip; }
--- request eval
["GET /ip", "GET /ip", "GET /ip"]
--- response_body eval
["b", "b", "b"]
--- no_error_log
[error]



=== TEST 17: ip_hash: a refused server, the next one in the sequence
--- http_config
    upstream ip {
        ip_hash;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        server 127.0.0.1:$TEST_NGINX_CLOSED_PORT;
    }
--- config
    location /ip {
        proxy_pass http://ip;
        add_header X-Status $upstream_status;
    }
    location /t {
        content_by_lua_block {
            for i = 1, 3 do
                local status, body, h = fetch("/ip")
                ngx.say(status, " ", body, " (", h["x-status"], ")")
            end
        }
    }
--- request
GET /t
--- response_body
200 b (502, 200)
200 b (200)
200 b (200)
--- error_log
connect() failed (111: Connection refused) while connecting to upstream



=== TEST 18: random: requests spread, never to a down server
--- http_config
    upstream rnd {
        random;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2 weight=2;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3 down;
    }
--- config
    location /rnd { proxy_pass http://rnd; }
    location /t {
        content_by_lua_block {
            local count = { a = 0, b = 0, c = 0 }
            for i = 1, 100 do
                local _, body = fetch("/rnd")
                count[body] = count[body] + 1
            end
            ngx.say("a: ", count.a > 0, ", b: ", count.b > count.a,
                    ", c: ", count.c)
        }
    }
--- request
GET /t
--- response_body
a: true, b: true, c: 0
--- no_error_log
[error]



=== TEST 19: random two least_conn: the less busy of the two
--- http_config
    upstream rnd {
        random two least_conn;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
    }
--- config
    location /rnd { proxy_pass http://rnd; }
    location /t {
        content_by_lua_block {
            local slow = ngx.thread.spawn(fetch, "/rnd?sleep=0.5")
            ngx.sleep(0.1)
            local quick = {}
            for i = 1, 6 do
                local status, body = fetch("/rnd")
                quick[body] = true
            end
            local _, status, body = ngx.thread.wait(slow)
            ngx.say("slow one's server used again: ", quick[body] == true)
            ngx.say("the other used: ", quick[body == "a" and "b" or "a"])
        }
    }
--- request
GET /t
--- response_body
slow one's server used again: false
the other used: true
--- no_error_log
[error]



=== TEST 20: random two: a refused server, then the other
--- http_config
    upstream rnd {
        random two;
        server 127.0.0.1:$TEST_NGINX_CLOSED_PORT;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    }
--- config
    location /rnd { proxy_pass http://rnd; }
    location /t {
        content_by_lua_block {
            local out = {}
            for i = 1, 8 do
                local status, body = fetch("/rnd")
                out[i] = status .. " " .. body
            end
            ngx.say(table.concat(out, ", "))
        }
    }
--- request
GET /t
--- response_body
200 a, 200 a, 200 a, 200 a, 200 a, 200 a, 200 a, 200 a



=== TEST 21: backup with hash
--- http_config
    upstream backend {
        hash $uri;
        server 127.0.0.1:1;
        server 127.0.0.1:2 backup;
    }
--- config
--- must_die
--- error_log
balancing method does not support parameter "backup"



=== TEST 22: backup with ip_hash
--- http_config
    upstream backend {
        ip_hash;
        server 127.0.0.1:1 backup;
    }
--- config
--- must_die
--- error_log
balancing method does not support parameter "backup"



=== TEST 23: backup with random
--- http_config
    upstream backend {
        random two least_conn;
        server 127.0.0.1:1;
        server 127.0.0.1:2 backup;
    }
--- config
--- must_die
--- error_log
balancing method does not support parameter "backup"



=== TEST 24: hash with a bad parameter, after another method: warned first
--- http_config
    upstream backend {
        least_conn;
        hash $uri ketama;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log eval
[qr/\[warn\] .*load balancing method redefined/,
 qr/\[emerg\] .*invalid parameter "ketama"/]



=== TEST 25: random with bad parameters
--- http_config
    upstream backend {
        random two fastest;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log
invalid parameter "fastest"



=== TEST 26: random one
--- http_config
    upstream backend {
        random one;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log
invalid parameter "one"



=== TEST 27: least_conn takes no argument
--- http_config
    upstream backend {
        least_conn 1;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log
invalid number of arguments in "least_conn" directive



=== TEST 28: hash without a key
--- http_config
    upstream backend {
        hash;
        server 127.0.0.1:1;
    }
--- config
--- must_die
--- error_log
invalid number of arguments in "hash" directive



=== TEST 29: a method outside an upstream block
--- config
    location /t {
        ip_hash;
    }
--- must_die
--- error_log
"ip_hash" directive is not allowed here



=== TEST 30: keepalive before a method: warned
--- http_config
    upstream backend {
        keepalive 4;
        random;
        server 127.0.0.1:1 backup;
    }
--- config
--- must_die
--- error_log eval
[qr/\[warn\] .*load balancing method redefined/,
 qr/\[emerg\] .*balancing method does not support parameter "backup"/]



=== TEST 31: backup before the method: accepted, as nginx does
--- http_config
    upstream h {
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_3 backup;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        server 127.0.0.1:$TEST_NGINX_RAND_PORT_2;
        hash $arg_key;
    }
--- config
    location /h { proxy_pass http://h; }
--- request eval
["GET /h?key=k1", "GET /h?key=k1"]
--- response_body_like eval
["^[ab]\$", "^[ab]\$"]
--- no_error_log
[error]
