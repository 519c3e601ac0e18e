# The resolver and resolver_timeout directives: what is accepted, and
# nginx's [emerg] wording for what is not (checked against Debian's nginx
# 1.22.1 with the same file:
#   TEST_NGINX_BINARY=/usr/sbin/nginx \
#   TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so \
#       /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/090-resolver.t
# ). The lookups themselves are tested in t/unit/test_mx_resolver.c.

use Test::Nginx::Socket 'no_plan';

no_long_string();
run_tests();

__DATA__

=== TEST 1: resolver in http, server and location, with parameters
--- http_config
    resolver 127.0.0.1 [::1]:5353 valid=30s ipv6=off;
    resolver_timeout 5s;
--- config
    resolver 127.0.0.2:53 localhost ipv6=on;
    location = /t {
        resolver 127.0.0.1:1053 valid=1m30s;
        resolver_timeout 500ms;
        return 200 "ok\n";
    }
--- request
GET /t
--- response_body
ok
--- no_error_log
[error]



=== TEST 2: parameters may come first; valid=0 honours the TTL
--- config
    location = /t {
        resolver valid=0 ipv6=off 127.0.0.1;
        return 200 "ok\n";
    }
--- request
GET /t
--- response_body
ok



=== TEST 3: status_zone= is accepted and ignored
--- skip_eval: 2: $NginxBinary =~ m{/nginx$}
--- config
    location = /t {
        resolver 127.0.0.1 status_zone=dns;
        return 200 "ok\n";
    }
--- request
GET /t
--- response_body
ok



=== TEST 4: a port that is not a number
--- config
    resolver foo:bar;
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid port in resolver "foo:bar" in \S+/conf/nginx\.conf:\d+$}



=== TEST 5: port 0
--- config
    resolver 127.0.0.1:0;
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid port in resolver "127\.0\.0\.1:0" in \S+/conf/nginx\.conf:\d+$}



=== TEST 6: port out of range
--- config
    resolver 127.0.0.1:70000;
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid port in resolver "127\.0\.0\.1:70000" in \S+/conf/nginx\.conf:\d+$}



=== TEST 7: an IPv6 address needs brackets
--- config
    resolver ::1;
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid port in resolver "::1" in \S+/conf/nginx\.conf:\d+$}



=== TEST 8: unclosed bracket
--- config
    resolver [::1;
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid host in resolver "\[::1" in \S+/conf/nginx\.conf:\d+$}



=== TEST 9: bad IPv6 address
--- config
    resolver [fe80::zz]:53;
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid IPv6 address in resolver "\[fe80::zz\]:53" in \S+/conf/nginx\.conf:\d+$}



=== TEST 10: no host
--- config
    resolver :53;
--- must_die
--- error_log eval
qr{\[emerg\] .*no host in resolver ":53" in \S+/conf/nginx\.conf:\d+$}



=== TEST 11: a name that does not resolve
--- config
    resolver nosuchhost.invalid;
--- must_die
--- error_log eval
qr{\[emerg\] .*host not found in resolver "nosuchhost\.invalid" in \S+/conf/nginx\.conf:\d+$}



=== TEST 12: an unknown parameter is taken for a host name
--- config
    resolver 127.0.0.1 foo=bar;
--- must_die
--- error_log eval
qr{\[emerg\] .*host not found in resolver "foo=bar" in \S+/conf/nginx\.conf:\d+$}



=== TEST 13: bad valid=
--- config
    resolver 127.0.0.1 valid=abc;
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid parameter: valid=abc in \S+/conf/nginx\.conf:\d+$}



=== TEST 14: valid= in milliseconds
--- config
    resolver 127.0.0.1 valid=500ms;
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid parameter: valid=500ms in \S+/conf/nginx\.conf:\d+$}



=== TEST 15: bad ipv6=
--- config
    resolver 127.0.0.1 ipv6=maybe;
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid parameter: ipv6=maybe in \S+/conf/nginx\.conf:\d+$}



=== TEST 16: parameters only
--- config
    resolver valid=30s;
--- must_die
--- error_log eval
qr{\[emerg\] .*no name servers defined in \S+/conf/nginx\.conf:\d+$}



=== TEST 17: no arguments
--- config
    resolver;
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid number of arguments in "resolver" directive in \S+/conf/nginx\.conf:\d+$}



=== TEST 18: duplicate resolver
--- config
    resolver 127.0.0.1;
    resolver 127.0.0.2;
--- must_die
--- error_log eval
qr{\[emerg\] .*"resolver" directive is duplicate in \S+/conf/nginx\.conf:\d+$}



=== TEST 19: bad resolver_timeout
--- config
    resolver_timeout abc;
--- must_die
--- error_log eval
qr{\[emerg\] .*"resolver_timeout" directive invalid value in \S+/conf/nginx\.conf:\d+$}



=== TEST 20: duplicate resolver_timeout
--- config
    resolver_timeout 5s;
    resolver_timeout 6s;
--- must_die
--- error_log eval
qr{\[emerg\] .*"resolver_timeout" directive is duplicate in \S+/conf/nginx\.conf:\d+$}



=== TEST 21: not in the main context
--- main_config
    resolver 127.0.0.1;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*"resolver" directive is not allowed here in \S+/conf/nginx\.conf:\d+$}



=== TEST 22: ngx.socket.tcp connects by name through the DNS server
--- config
    resolver 127.0.0.1:19881 ipv6=off;
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            local ok, err = sock:connect("moxy.test", $TEST_NGINX_SERVER_PORT)
            if not ok then
                ngx.say("failed to connect: ", err)
                return
            end
            ngx.say("connected")
            sock:send("GET /hi HTTP/1.0\r\nHost: moxy.test\r\n\r\n")
            ngx.say(sock:receive())
            sock:close()
        }
    }
    location = /hi {
        return 200 "hi\n";
    }
--- udp_listen: 19881
--- udp_reply eval
sub {
    my $q = shift;
    my $qend = index($q, "\0", 12) + 5;
    return substr($q, 0, 2) . pack("nnnnn", 0x8180, 1, 1, 0, 0)
           . substr($q, 12, $qend - 12)
           . pack("nnnNnC4", 0xc00c, 1, 1, 300, 4, 127, 0, 0, 1);
}
--- request
GET /t
--- response_body
connected
HTTP/1.1 200 OK
--- no_error_log
[error]



=== TEST 23: "localhost" comes from /etc/hosts, without DNS
--- skip_eval: 3: $NginxBinary =~ m{/nginx$}
--- config
    resolver 127.0.0.1:19882 ipv6=off;
    resolver_timeout 1s;
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            local ok, err = sock:connect("localhost", $TEST_NGINX_SERVER_PORT)
            if not ok then
                ngx.say("failed to connect: ", err)
                return
            end
            ngx.say("connected")
            sock:close()
        }
    }
--- request
GET /t
--- response_body
connected
--- no_error_log
[error]



=== TEST 24: no resolver
--- config
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            local ok, err = sock:connect("moxy.test", $TEST_NGINX_SERVER_PORT)
            ngx.say(ok, " ", err)
        }
    }
--- request
GET /t
--- response_body
nil no resolver defined to resolve "moxy.test"



=== TEST 25: NXDOMAIN
--- config
    resolver 127.0.0.1:19881 ipv6=off;
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            local ok, err = sock:connect("moxy.test", $TEST_NGINX_SERVER_PORT)
            ngx.say(ok, " ", err)
        }
    }
--- udp_listen: 19881
--- udp_reply eval
sub {
    my $q = shift;
    my $qend = index($q, "\0", 12) + 5;
    return substr($q, 0, 2) . pack("nnnnn", 0x8183, 1, 0, 0, 0)
           . substr($q, 12, $qend - 12);
}
--- request
GET /t
--- response_body
nil moxy.test could not be resolved (3: Host not found)



=== TEST 26: no DNS server answers within resolver_timeout
--- config
    resolver 127.0.0.1:19882 ipv6=off;
    resolver_timeout 1s;
    location = /t {
        content_by_lua_block {
            local sock = ngx.socket.tcp()
            local ok, err = sock:connect("moxy.test", $TEST_NGINX_SERVER_PORT)
            ngx.say(ok, " ", err)
        }
    }
--- request
GET /t
--- response_body
nil moxy.test could not be resolved (110: Operation timed out)
--- timeout: 5
