# lua_capture_error_log and ngx.errlog's get_logs/set_filter_level: the
# error-log lines of the process kept in a bounded buffer for Lua, oldest
# first. OpenResty needs a patch of nginx's core for this, which Debian's
# nginx lacks, so the file skips itself on an nginx binary; the behaviour
# follows lua-resty-core's documentation of ngx.errlog.

use Test::Nginx::Socket;

if (($ENV{TEST_NGINX_BINARY} || '') =~ m{(^|/)nginx$}) {
    plan skip_all => 'the nginx binary lacks the capture error log patch';
} else {
    plan 'no_plan';
}

no_long_string();
run_tests();

__DATA__

=== TEST 1: the lines logged are there, as level, time, line
--- http_config
    lua_capture_error_log 1m;
--- config
    location /t {
        content_by_lua_block {
            ngx.log(ngx.ERR, "first")
            ngx.log(ngx.WARN, "second")
            local errlog = require "ngx.errlog"
            local res, err = errlog.get_logs()
            ngx.say(#res / 3)
            for i = 1, #res, 3 do
                ngx.say(res[i], " ", type(res[i + 1]), " ",
                        res[i + 1] > 1e9, " ", res[i + 2])
            end
        }
    }
--- request
GET /t
--- response_body_like chomp
\A2
4 number true \d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[error\] \d+#\d+: \*\d+ \[lua\] content_by_lua\(nginx\.conf:\d+\):2: first, client: 127\.0\.0\.1, server: localhost, request: "GET /t HTTP/1\.1", host: "localhost"
5 number true \d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[warn\] \d+#\d+: \*\d+ \[lua\] content_by_lua\(nginx\.conf:\d+\):3: second, client: 127\.0\.0\.1, server: localhost, request: "GET /t HTTP/1\.1", host: "localhost"
\z



=== TEST 2: taken lines are gone; max and a table to fill
--- http_config
    lua_capture_error_log 1m;
--- config
    location /t {
        content_by_lua_block {
            for i = 1, 3 do
                ngx.log(ngx.ERR, "line ", i)
            end
            local errlog = require "ngx.errlog"
            local res = {}
            res = errlog.get_logs(2, res)
            ngx.say(#res / 3)
            require("table.clear")(res)
            res = errlog.get_logs(2, res)
            ngx.say(#res / 3, " ", res[3]:match("line %d"))
            ngx.say(#errlog.get_logs())
        }
    }
--- request
GET /t
--- response_body
2
1 line 3
0



=== TEST 3: set_filter_level keeps only the levels up to it
--- http_config
    lua_capture_error_log 1m;
--- config
    location /t {
        access_by_lua_block {
            local errlog = require "ngx.errlog"
            assert(errlog.set_filter_level(ngx.WARN))
            ngx.log(ngx.INFO, "-->1")
            ngx.log(ngx.WARN, "-->2")
            ngx.log(ngx.ERR, "-->3")
        }
        content_by_lua_block {
            local res = require("ngx.errlog").get_logs()
            for i = 1, #res, 3 do
                ngx.say(res[i], " ", res[i + 2]:match("%-%->%d"))
            end
        }
    }
--- log_level: info
--- request
GET /t
--- response_body
5 -->2
4 -->3



=== TEST 4: lines of the core are captured too
--- http_config
    lua_capture_error_log 1m;
--- config
    location /t {
        log_by_lua_block {
            local res = require("ngx.errlog").get_logs()
            for i = 1, #res, 3 do
                if res[i + 2]:find("No such file or directory", 1, true) then
                    ngx.log(ngx.WARN, "captured the open() failure")
                end
            end
        }
    }
--- request
GET /t/missing.html
--- error_code: 404
--- error_log
captured the open() failure



=== TEST 5: a full buffer drops the oldest lines; a line larger than it is not kept
--- http_config
    lua_capture_error_log 4k;
--- config
    location /t {
        content_by_lua_block {
            local errlog = require "ngx.errlog"
            ngx.log(ngx.ERR, "huge ", string.rep("a", 5000))
            for i = 1, 100 do
                ngx.log(ngx.ERR, "--> ", i)
            end
            local res = errlog.get_logs(1000)
            local n = #res / 3
            ngx.say(n > 5 and n < 30)
            ngx.say(res[#res]:match("%-%-> %d+"))
            ngx.say(res[3]:find("huge", 1, true) == nil)
        }
    }
--- request
GET /t
--- response_body
true
--> 100
true



=== TEST 6: without the directive
--- config
    location /t {
        content_by_lua_block {
            local errlog = require "ngx.errlog"
            ngx.say(errlog.get_logs())
            ngx.say(errlog.set_filter_level(ngx.ERR))
        }
    }
--- request
GET /t
--- response_body
nildirective "lua_capture_error_log" is not set
nildirective "lua_capture_error_log" is not set



=== TEST 7: too small a buffer
--- http_config
    lua_capture_error_log 3k;
--- config
    location /t {
        return 200;
    }
--- must_die
--- error_log
invalid capture error log size "3k", minimum size is 4096



=== TEST 8: lines logged by init_by_lua are there for the workers
--- http_config
    lua_capture_error_log 1m;
    init_by_lua_block {
        require("ngx.errlog").set_filter_level(ngx.WARN)
        ngx.log(ngx.WARN, "from init")
    }
--- config
    location /t {
        content_by_lua_block {
            local res = require("ngx.errlog").get_logs()
            ngx.say(#res / 3, " ", res[3]:match("from init"))
        }
    }
--- request
GET /t
--- response_body
1 from init
