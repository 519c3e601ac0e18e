# The time API: ngx.time, ngx.now, ngx.update_time, ngx.today,
# ngx.localtime, ngx.utctime, ngx.http_time, ngx.cookie_time,
# ngx.parse_http_time, resty.core.time's monotonic clock. Every block
# also passes on nginx + lua-nginx-module:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/060-lua-time.t

use Test::Nginx::Socket 'no_plan';

no_long_string();
run_tests();

__DATA__

=== TEST 1: ngx.time() and ngx.now() read the same cached clock
--- config
    location /t {
        content_by_lua_block {
            local t, now = ngx.time(), ngx.now()
            ngx.say(type(t), " ", type(now))
            ngx.say(t == math.floor(t))
            ngx.say(math.floor(now) == t)
            -- milliseconds: at most 3 decimals
            local ms = now * 1000
            ngx.say(math.abs(ms - math.floor(ms + 0.5)) < 0.01)
            ngx.say(math.abs(t - os.time()) <= 1)
        }
    }
--- request
GET /t
--- response_body
number number
true
true
true
true
--- no_error_log
[error]



=== TEST 2: the clock is cached until ngx.update_time()
--- config
    location /t {
        content_by_lua_block {
            local t0 = ngx.now()
            local stop = os.clock() + 0.03
            repeat until os.clock() >= stop
            ngx.say("cached: ", ngx.now() == t0)
            ngx.update_time()
            ngx.say("updated: ", ngx.now() > t0)
            ngx.say(select("#", ngx.update_time()))
        }
    }
--- request
GET /t
--- response_body
cached: true
updated: true
0
--- no_error_log
[error]



=== TEST 3: ngx.today(), ngx.localtime(), ngx.utctime()
--- config
    location /t {
        content_by_lua_block {
            local t = ngx.time()
            local today, lt, ut = ngx.today(), ngx.localtime(), ngx.utctime()
            ngx.say(today:match("^%d%d%d%d%-%d%d%-%d%d$") ~= nil)
            ngx.say(lt:match("^%d%d%d%d%-%d%d%-%d%d %d%d:%d%d:%d%d$") ~= nil)
            ngx.say(ut:match("^%d%d%d%d%-%d%d%-%d%d %d%d:%d%d:%d%d$") ~= nil)
            ngx.say(today == os.date("%Y-%m-%d", t))
            ngx.say(lt == os.date("%Y-%m-%d %H:%M:%S", t))
            ngx.say(ut == os.date("!%Y-%m-%d %H:%M:%S", t))
            ngx.say(lt:sub(1, 10) == today)
        }
    }
--- request
GET /t
--- response_body
true
true
true
true
true
true
true
--- no_error_log
[error]



=== TEST 4: ngx.http_time()
--- config
    location /t {
        content_by_lua_block {
            for _, t in ipairs{0, 1, 86399, 951782400, 1290079655,
                               1290079655.9, 2147483647, 2147483648,
                               4102444800, 253402300799}
            do
                ngx.say(ngx.http_time(t))
            end
        }
    }
--- request
GET /t
--- response_body
Thu, 01 Jan 1970 00:00:00 GMT
Thu, 01 Jan 1970 00:00:01 GMT
Thu, 01 Jan 1970 23:59:59 GMT
Tue, 29 Feb 2000 00:00:00 GMT
Thu, 18 Nov 2010 11:27:35 GMT
Thu, 18 Nov 2010 11:27:35 GMT
Tue, 19 Jan 2038 03:14:07 GMT
Tue, 19 Jan 2038 03:14:08 GMT
Fri, 01 Jan 2100 00:00:00 GMT
Fri, 31 Dec 9999 23:59:59 GMT
--- no_error_log
[error]



=== TEST 5: ngx.http_time() clamps to 1970 .. 9999 like nginx
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.http_time(-1))
            ngx.say(ngx.http_time(-86400 * 365))
            ngx.say(ngx.http_time(253402300800))
            ngx.say(ngx.http_time(1e15))
            ngx.say(ngx.http_time(ngx.time()) == ngx.http_time(ngx.now()))
        }
    }
--- request
GET /t
--- response_body
Thu, 01 Jan 1970 00:00:00 GMT
Thu, 01 Jan 1970 00:00:00 GMT
Fri, 31 Dec 9999 23:59:59 GMT
Fri, 31 Dec 9999 23:59:59 GMT
true
--- no_error_log
[error]



=== TEST 6: ngx.http_time() wants a number
--- config
    location /t {
        content_by_lua_block {
            for _, v in ipairs{"1290079655", true, {}} do
                ngx.say(select(2, pcall(ngx.http_time, v)))
            end
            ngx.say(select(2, pcall(ngx.http_time, nil)))
            ngx.say(select(2, pcall(ngx.http_time)))
        }
    }
--- request
GET /t
--- response_body
number argument only
number argument only
number argument only
number argument only
number argument only
--- no_error_log
[error]



=== TEST 7: ngx.cookie_time(): two-digit years before 2038
--- config
    location /t {
        content_by_lua_block {
            for _, t in ipairs{0, 1290079655, 951782400, 2147483647,
                               2290079655, 4102444800, 253402300799,
                               -5, 1e13}
            do
                ngx.say(ngx.cookie_time(t))
            end
            ngx.say(select(2, pcall(ngx.cookie_time, "0")))
            ngx.say(select(2, pcall(ngx.cookie_time)))
        }
    }
--- request
GET /t
--- response_body
Thu, 01-Jan-70 00:00:00 GMT
Thu, 18-Nov-10 11:27:35 GMT
Tue, 29-Feb-00 00:00:00 GMT
Tue, 19-Jan-2038 03:14:07 GMT
Sun, 27-Jul-2042 13:14:15 GMT
Fri, 01-Jan-2100 00:00:00 GMT
Fri, 31-Dec-9999 23:59:59 GMT
Thu, 01-Jan-70 00:00:00 GMT
Fri, 31-Dec-9999 23:59:59 GMT
number argument only
number argument only
--- no_error_log
[error]



=== TEST 8: ngx.parse_http_time(): RFC 1123, RFC 850 and asctime()
--- config
    location /t {
        content_by_lua_block {
            for _, s in ipairs{
                "Thu, 18 Nov 2010 11:27:35 GMT",
                "Thursday, 18-Nov-10 11:27:35 GMT",
                "Thu Nov 18 11:27:35 2010",
                "Sun Nov  6 08:49:37 1994",
                "Sun Nov 6 08:49:37 1994",
                "Sunday, 06-Nov-94 08:49:37 GMT",
                "Sunday, 06-Nov-69 08:49:37 GMT",
                "Thu, 01 Jan 1970 00:00:00 GMT",
                "Fri, 31 Dec 9999 23:59:59 GMT",
            } do
                ngx.say(ngx.parse_http_time(s))
            end
        }
    }
--- request
GET /t
--- response_body
1290079655
1290079655
1290079655
784111777
784111777
784111777
3150953377
0
253402300799
--- no_error_log
[error]



=== TEST 9: ngx.parse_http_time() round-trips ngx.http_time() and ngx.cookie_time()
--- config
    location /t {
        content_by_lua_block {
            local bad = 0
            for t = 0, 4102444800, 86400 * 97 + 3601 do
                if ngx.parse_http_time(ngx.http_time(t)) ~= t then
                    bad = bad + 1
                end
                -- two-digit years read back as 1970..2069
                if t < 2145916800
                   and ngx.parse_http_time(ngx.cookie_time(t)) ~= t
                then
                    bad = bad + 1
                end
            end
            ngx.say("mismatches: ", bad)
        }
    }
--- request
GET /t
--- response_body
mismatches: 0
--- no_error_log
[error]



=== TEST 10: ngx.parse_http_time() is as lax as nginx: weekday and trailer unchecked
--- config
    location /t {
        content_by_lua_block {
            for _, s in ipairs{
                "Thu, 18 Nov 2010 11:27:35",
                "Thu,18 Nov 2010 11:27:35 GMT",
                "Thu,   18 Nov 2010 11:27:35 GMT",
                "Xyz, 18 Nov 2010 11:27:35 GMT",
                "Thu, 18 Nov 2010 11:27:35 GMT and more",
                "Thu, 18 Jux 2010 11:27:35 GMT",
                "Thu, 00 Nov 2010 11:27:35 GMT",
                "a\0b, 18 Nov 2010 11:27:35 GMT",
            } do
                ngx.say(ngx.parse_http_time(s))
            end
        }
    }
--- request
GET /t
--- response_body
1290079655
1290079655
1290079655
1290079655
1290079655
1279452455
1288524455
1290079655
--- no_error_log
[error]



=== TEST 11: ngx.parse_http_time() gives nil on malformed dates
--- config
    location /t {
        content_by_lua_block {
            for _, s in ipairs{
                "", " ", ",", "garbage", "Thu, 18 Nov",
                "Thu, 18 Nov 2010 24:00:00 GMT",
                "Thu, 18 Nov 2010 11:60:00 GMT",
                "Thu, 18 Nov 2010 11:27:60 GMT",
                "Thu, 18 Nov 2010 1:27:35 GMT",
                "Thu, 31 Nov 2010 11:27:35 GMT",
                "Thu, 18 Xyz 2010 11:27:35 GMT",
                "Thu, 18 nov 2010 11:27:35 GMT",
                "Thu, 18 Nov 10 11:27:35 GMT",
                "Thu Nov 18 11:27:35 10",
                "Thu, 18-Nov-2010 11:27:35 GMT",
                "Thu, 18 Nov 2010 11-27-35 GMT",
                "2010-11-18T11:27:35Z",
            } do
                ngx.say("[", s, "] ", tostring(ngx.parse_http_time(s)))
            end
        }
    }
--- request
GET /t
--- response_body
[] nil
[ ] nil
[,] nil
[garbage] nil
[Thu, 18 Nov] nil
[Thu, 18 Nov 2010 24:00:00 GMT] nil
[Thu, 18 Nov 2010 11:60:00 GMT] nil
[Thu, 18 Nov 2010 11:27:60 GMT] nil
[Thu, 18 Nov 2010 1:27:35 GMT] nil
[Thu, 31 Nov 2010 11:27:35 GMT] nil
[Thu, 18 Xyz 2010 11:27:35 GMT] nil
[Thu, 18 nov 2010 11:27:35 GMT] nil
[Thu, 18 Nov 10 11:27:35 GMT] nil
[Thu Nov 18 11:27:35 10] nil
[Thu, 18-Nov-2010 11:27:35 GMT] nil
[Thu, 18 Nov 2010 11-27-35 GMT] nil
[2010-11-18T11:27:35Z] nil
--- no_error_log
[error]



=== TEST 12: ngx.parse_http_time(): leap years and dates before 1970
--- config
    location /t {
        content_by_lua_block {
            for _, s in ipairs{
                "Tue, 29 Feb 2000 00:00:00 GMT",
                "Tue, 29 Feb 2400 00:00:00 GMT",
                "Thu, 29 Feb 2001 11:27:35 GMT",
                "Mon, 29 Feb 1900 00:00:00 GMT",
                "Mon, 29 Feb 2100 00:00:00 GMT",
                "Thu, 30 Feb 2004 00:00:00 GMT",
                "Thu, 31 Dec 1969 23:59:58 GMT",
                "Thu, 18 Nov 1969 11:27:35 GMT",
                "Mon, 01 Jan 0001 00:00:00 GMT",
                -- -1 is nginx's error code too
                "Wed, 31 Dec 1969 23:59:59 GMT",
            } do
                ngx.say(tostring(ngx.parse_http_time(s)))
            end
        }
    }
--- request
GET /t
--- response_body
951782400
13574563200
nil
nil
nil
nil
-2
-3760345
-62135596800
nil
--- no_error_log
[error]



=== TEST 13: ngx.parse_http_time() wants a string
--- config
    location /t {
        content_by_lua_block {
            for _, v in ipairs{1290079655, true, {}} do
                ngx.say(select(2, pcall(ngx.parse_http_time, v)))
            end
            ngx.say(select(2, pcall(ngx.parse_http_time)))
        }
    }
--- request
GET /t
--- response_body
string argument only
string argument only
string argument only
string argument only
--- no_error_log
[error]



=== TEST 14: an argument error outside pcall aborts the handler
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.http_time("x"))
        }
    }
--- request
GET /t
--- error_code: 500
--- response_body_like: 500 Internal Server Error
--- error_log eval
qr/\[error\] .*? lua entry thread aborted: runtime error: content_by_lua\(nginx\.conf:\d+\):2: number argument only/



=== TEST 15: resty.core.time's monotonic clock
--- config
    location /t {
        content_by_lua_block {
            local time = require "resty.core.time"
            local ms, s = time.monotonic_msec(), time.monotonic_time()
            ngx.say(type(ms), " ", type(s))
            ngx.say(ms == math.floor(ms), " ", ms > 0)
            ngx.say(math.abs(s * 1000 - ms) < 1000)
            local stop = os.clock() + 0.03
            repeat until os.clock() >= stop
            ngx.update_time()
            ngx.say(time.monotonic_msec() - ms >= 20)
            ngx.say(type(time.version))
        }
    }
--- request
GET /t
--- response_body
number number
true true
true
true
string
--- no_error_log
[error]



=== TEST 16: the time API works in a loop (and stays JIT-friendly)
--- config
    location /t {
        content_by_lua_block {
            local n = 0
            for i = 1, 300 do
                if ngx.time() > 0 and ngx.now() > 0 and #ngx.today() == 10
                   and #ngx.localtime() == 19 and #ngx.utctime() == 19
                   and #ngx.http_time(i) == 29 and ngx.parse_http_time(
                       "Thu, 18 Nov 2010 11:27:35 GMT") == 1290079655
                then
                    n = n + 1
                end
            end
            ngx.say(n)
        }
    }
--- request
GET /t
--- response_body
300
--- no_error_log
[error]
