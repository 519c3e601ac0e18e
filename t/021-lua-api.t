# The ngx API from content_by_lua*: ngx.header, ngx.var, ngx.req.*,
# ngx.log and print, constants, ngx.null, ngx.config, ngx.worker,
# ngx.get_phase, ngx.headers_sent. Every block also passes on
# nginx + lua-nginx-module:
#   prove -It/lib t/021-lua-api.t
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/021-lua-api.t

use Test::Nginx::Socket;

repeat_each(2);
plan tests => repeat_each() * 177;   # see the counting rules in Socket.pm
no_long_string();
run_tests();

__DATA__

=== TEST 1: ngx.header sets response headers, "_" is "-"
--- config
    location /t {
        content_by_lua_block {
            ngx.header.X_Foo = "bar"
            ngx.header["X-Baz"] = "qux"
            ngx.say("ok")
        }
    }
--- request
GET /t
--- response_headers
X-Foo: bar
X-Baz: qux
--- response_body
ok
--- no_error_log
[error]



=== TEST 2: a table gives several headers of the same name
--- config
    location /t {
        content_by_lua_block {
            ngx.header["X-Multi"] = {"a", "b", 3}
            ngx.say(table.concat(ngx.header.x_multi, ","))
        }
    }
--- request
GET /t
--- raw_response_headers_like: X-Multi: a\r\nX-Multi: b\r\nX-Multi: 3\r\n
--- response_body
a,b,3
--- no_error_log
[error]



=== TEST 3: reading is case-insensitive; the first writer's name stays
--- config
    location /t {
        content_by_lua_block {
            ngx.header.x_bar = "one"
            ngx.header.X_Bar = "two"
            ngx.say(ngx.header["X-BAR"], " ", ngx.header.x_bar, " ", tostring(ngx.header.x_none))
        }
    }
--- request
GET /t
--- raw_response_headers_like: \r\nx-bar: two\r\n
--- response_body
two two nil
--- no_error_log
[error]



=== TEST 4: nil and "" clear a header; an empty table sets nothing
--- config
    location /t {
        content_by_lua_block {
            ngx.header.foo = "a"
            ngx.header.foo = nil
            ngx.header.bar = "b"
            ngx.header.bar = ""
            ngx.header.baz = {}
            ngx.say(tostring(ngx.header.foo), " ", tostring(ngx.header.bar), " ", tostring(ngx.header.baz))
        }
    }
--- request
GET /t
--- response_headers
!foo
!bar
!baz
--- response_body
nil nil nil
--- no_error_log
[error]



=== TEST 5: a single value replaces several
--- config
    location /t {
        content_by_lua_block {
            ngx.header.foo = {"a", "b"}
            ngx.header.foo = "c"
            ngx.say(ngx.header.foo)
        }
    }
--- request
GET /t
--- raw_response_headers_unlike: foo: a
--- response_body
c
--- no_error_log
[error]



=== TEST 6: numbers and booleans become strings
--- config
    location /t {
        content_by_lua_block {
            ngx.header["X-Num"] = 12
            ngx.header["X-Bool"] = true
            ngx.say(ngx.header["X-Num"], " ", ngx.header["X-Bool"])
        }
    }
--- request
GET /t
--- response_headers
X-Num: 12
X-Bool: true
--- response_body
12 true
--- no_error_log
[error]



=== TEST 7: Content-Type
--- config
    location /t {
        content_by_lua_block {
            ngx.header.content_type = "application/json"
            ngx.say(ngx.header["Content-Type"])
        }
    }
--- request
GET /t
--- response_headers
Content-Type: application/json
--- response_body
application/json
--- no_error_log
[error]



=== TEST 8: the Content-Type is not known before the first output
--- config
    location /t {
        content_by_lua_block {
            ngx.say(tostring(ngx.header.content_type))
        }
    }
--- request
GET /t
--- response_headers
Content-Type: text/plain
--- response_body
nil
--- no_error_log
[error]



=== TEST 9: clearing the Content-Type: none is sent
--- config
    location /t {
        content_by_lua_block {
            ngx.header.content_type = nil
            ngx.say("x")
        }
    }
--- request
GET /t
--- response_headers
!Content-Type
--- response_body
x
--- no_error_log
[error]



=== TEST 10: Content-Length
--- config
    location /t {
        content_by_lua_block {
            ngx.header.content_length = 6
            ngx.say(type(ngx.header.content_length), ngx.header.content_length)
        }
    }
--- request
GET /t
--- response_headers
Content-Length: 6
!Transfer-Encoding
--- response_body chop
string
--- no_error_log
[error]



=== TEST 11: a bad Content-Length is an error
--- config
    location /t {
        content_by_lua_block {
            ngx.header.content_length = "abc"
            ngx.say("not reached")
        }
    }
--- request
GET /t
--- response_body_like: 500 Internal Server Error
--- error_code: 500
--- error_log eval
qr/runtime error: content_by_lua\(nginx\.conf:\d+\):2: failed to set header/



=== TEST 12: control characters in names and values are escaped
--- config
    location /t {
        content_by_lua_block {
            ngx.header["a b:c"] = "x\r\ny\tz\1"
            ngx.say("ok")
        }
    }
--- request
GET /t
--- raw_response_headers_like: \r\na%20b%3Ac: x%0D%0Ay\tz%01\r\n
--- response_body
ok
--- no_error_log
[error]



=== TEST 13: setting a header after the output started
--- config
    location /t {
        content_by_lua_block {
            ngx.say("hi")
            ngx.header.foo = "bar"
            ngx.say(tostring(ngx.header.foo))
        }
    }
--- request
GET /t
--- response_headers
!foo
--- response_body
hi
nil
--- error_log
attempt to set ngx.header.HEADER after sending out response headers



=== TEST 14: Location, Last-Modified and a status
--- config
    location /t {
        content_by_lua_block {
            ngx.header.location = "/foo"
            ngx.header.last_modified = "Thu, 18 Nov 2010 11:27:35 GMT"
            ngx.status = 302
            ngx.say(ngx.header.location, " ", ngx.header.last_modified)
        }
    }
--- request
GET /t
--- response_headers
Location: /foo
Last-Modified: Thu, 18 Nov 2010 11:27:35 GMT
--- response_body
/foo Thu, 18 Nov 2010 11:27:35 GMT
--- error_code: 302
--- no_error_log
[error]



=== TEST 15: headers set before ngx.exit(status) go with the error page
--- config
    location /t {
        content_by_lua_block {
            ngx.header.foo = "a"
            ngx.exit(503)
        }
    }
--- request
GET /t
--- response_headers
foo: a
--- response_body_like: 503 Service Temporarily Unavailable
--- error_code: 503
--- no_error_log
[error]



=== TEST 16: Server can be replaced, Date removed
--- config
    location /t {
        content_by_lua_block {
            ngx.header.server = "myserver"
            ngx.header.date = nil
            ngx.say("ok")
        }
    }
--- request
GET /t
--- response_headers
Server: myserver
!Date
--- response_body
ok
--- no_error_log
[error]



=== TEST 17: ngx.var reads variables; names are case-insensitive
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.var.uri)
            ngx.say(ngx.var.request_uri)
            ngx.say(ngx.var.args)
            ngx.say(ngx.var.arg_a)
            ngx.say(ngx.var.ARG_B)
            ngx.say(ngx.var.http_host)
            ngx.say(ngx.var.HTTP_X_FOO)
            ngx.say(ngx.var.request_method)
            ngx.say(tostring(ngx.var.arg_none))
            ngx.say(tostring(ngx.var.no_such_variable))
        }
    }
--- request
GET /t?a=1&b=two
--- more_headers
X-Foo: bar
--- response_body
/t
/t?a=1&b=two
a=1&b=two
1
two
localhost
bar
GET
nil
nil
--- no_error_log
[error]



=== TEST 18: ngx.var with regex captures
--- config
    location ~ ^/re/(\w+)/(\d+)$ {
        content_by_lua_block {
            ngx.say(ngx.var[1], " ", ngx.var[2])
        }
    }
--- request
GET /re/abc/42
--- response_body
abc 42
--- no_error_log
[error]



=== TEST 19: writing an unknown variable is an error
--- config
    location /t {
        content_by_lua_block {
            ngx.var.foo = 1
        }
    }
--- request
GET /t
--- response_body_like: 500 Internal Server Error
--- error_code: 500
--- error_log eval
qr/runtime error: content_by_lua\(nginx\.conf:\d+\):2: variable "foo" not found for writing; maybe it is a built-in variable that is not changeable or you forgot to use "set \$foo '';" in the config file to define it first/



=== TEST 20: writing a built-in variable is an error
--- config
    location /t {
        content_by_lua_block {
            ngx.var.uri = "/other"
        }
    }
--- request
GET /t
--- response_body_like: 500 Internal Server Error
--- error_code: 500
--- error_log eval
qr/runtime error: content_by_lua\(nginx\.conf:\d+\):2: variable "uri" not changeable/



=== TEST 21: ngx.req.get_method
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.req.get_method())
        }
    }
--- request eval
["GET /t", "POST /t", "PUT /t", "DELETE /t", "OPTIONS /t", "PATCH /t"]
--- response_body eval
["GET\n", "POST\n", "PUT\n", "DELETE\n", "OPTIONS\n", "PATCH\n"]
--- no_error_log
[error]



=== TEST 22: ngx.req.get_uri_args: repeats, flags, unescaping
--- config
    location /t {
        content_by_lua_block {
            local args, err = ngx.req.get_uri_args()
            local keys = {}
            for k in pairs(args) do
                keys[#keys + 1] = k
            end
            table.sort(keys)
            for _, k in ipairs(keys) do
                local v = args[k]
                if type(v) == "table" then
                    for i = 1, #v do
                        v[i] = tostring(v[i])
                    end
                    v = "{" .. table.concat(v, ",") .. "}"
                end
                ngx.say("[", k, "]=[", tostring(v), "]")
            end
            ngx.say(tostring(err))
        }
    }
--- request
GET /t?a=1&b=2&a=3&c&=d&e=&f=%20x+y%zz&&g%3d=h%3D&a&i=%41%2&j=%%41
--- response_body
[a]=[{1,3,true}]
[b]=[2]
[c]=[true]
[e]=[]
[f]=[ x y%zz]
[g=]=[h=]
[i]=[A%2]
[j]=[%A]
nil
--- no_error_log
[error]



=== TEST 23: ngx.req.get_uri_args: the limit
--- config
    location /t {
        content_by_lua_block {
            local function count(t)
                local n = 0
                for _ in pairs(t) do
                    n = n + 1
                end
                return n
            end

            local args, err = ngx.req.get_uri_args(2)
            ngx.say(count(args), " ", tostring(err))

            args, err = ngx.req.get_uri_args(0)
            ngx.say(count(args), " ", tostring(err))
        }
    }
--- request
GET /t?a=1&b=2&c=3&d=4
--- response_body
2 truncated
4 nil
--- no_error_log
[error]



=== TEST 24: ngx.req.get_uri_args: 100 by default
--- config
    location /t {
        content_by_lua_block {
            local args, err = ngx.req.get_uri_args()
            local n = 0
            for _ in pairs(args) do
                n = n + 1
            end
            ngx.say(n, " ", tostring(err))
        }
    }
--- request eval
"GET /t?" . join("&", map { "a$_=$_" } 1 .. 102)
--- response_body
100 truncated
--- no_error_log
[error]



=== TEST 25: ngx.req.get_uri_args: no query string
--- config
    location /t {
        content_by_lua_block {
            local args = ngx.req.get_uri_args()
            ngx.say(type(args), " ", next(args) == nil)
        }
    }
--- request
GET /t
--- response_body
table true
--- no_error_log
[error]



=== TEST 26: ngx.req.get_headers: lowercase keys, any-case lookups
--- config
    location /t {
        content_by_lua_block {
            local h, err = ngx.req.get_headers()
            ngx.say(h.host)
            ngx.say(h["user-agent"], " ", h["User-Agent"], " ", h.user_agent)
            ngx.say(h.x_up, " ", h["X-UP"])
            ngx.say(type(h.foo), " ", table.concat(h.foo, ","))
            ngx.say(tostring(h.missing), " ", tostring(err))
        }
    }
--- request
GET /t
--- more_headers
User-Agent: ua
X-Up: 1
Foo: bar
foo: baz
--- response_body
localhost
ua ua ua
1 1
table bar,baz
nil nil
--- no_error_log
[error]



=== TEST 27: ngx.req.get_headers(nil, true): the names as received
--- config
    location /t {
        content_by_lua_block {
            local h = ngx.req.get_headers(nil, true)
            ngx.say(tostring(h["X-Up"]), " ", tostring(h["x-up"]), " ", tostring(h.x_up))
            ngx.say(tostring(h.Foo), " ", tostring(h.foo))
        }
    }
--- request
GET /t
--- more_headers
X-Up: 1
Foo: bar
foo: baz
--- response_body
1 nil nil
bar baz
--- no_error_log
[error]



=== TEST 28: ngx.req.get_headers: the limit
--- config
    location /t {
        content_by_lua_block {
            local function count(t)
                local n = 0
                for _ in pairs(t) do
                    n = n + 1
                end
                return n
            end

            local h, err = ngx.req.get_headers(2)
            ngx.say(count(h), " ", tostring(err))

            h, err = ngx.req.get_headers(0)
            ngx.say(count(h) >= 4, " ", tostring(err))

            h, err = ngx.req.get_headers()
            ngx.say(count(h), " ", tostring(err))
        }
    }
--- request
GET /t
--- more_headers eval
join "", map { "X-H$_: $_\n" } 1 .. 105
--- response_body
2 truncated
true nil
100 truncated
--- no_error_log
[error]



=== TEST 29: ngx.log: level, file, line, message, request context
--- config
    location /t {
        content_by_lua_block {
            ngx.log(ngx.ERR, "hello ", 1, " ", nil, " ", true, " ", 3.5)
            ngx.say("ok")
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log eval
qr/\[error\] \d+#\d+: \*\d+ \[lua\] content_by_lua\(nginx\.conf:\d+\):2: hello 1 nil true 3\.5, client: 127\.0\.0\.1, server: localhost, request: "GET \/t HTTP\/1\.1", host: "localhost"$/



=== TEST 30: ngx.log in a function: its name
--- config
    location /t {
        content_by_lua_block {
            local function handler()
                ngx.log(ngx.WARN, "in handler")
            end
            handler()
            ngx.say("ok")
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log eval
qr/\[warn\] .*\[lua\] content_by_lua\(nginx\.conf:\d+\):3: handler\(\): in handler, client: /
--- no_error_log
[error]



=== TEST 31: print() logs at notice
--- config
    location /t {
        content_by_lua_block {
            print("printed ", 42)
            ngx.say("ok")
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log eval
qr/\[notice\] .*\[lua\] content_by_lua\(nginx\.conf:\d+\):2: printed 42, client: /
--- no_error_log
[error]



=== TEST 32: ngx.log from a Lua file: its base name
--- config
    location /t {
        content_by_lua_file html/logger.lua;
    }
--- user_files
>>> logger.lua
ngx.log(ngx.WARN, "from a file")
ngx.say("ok")
--- request
GET /t
--- response_body
ok
--- error_log eval
qr/\[warn\] .*\[lua\] logger\.lua:1: from a file, client: /
--- no_error_log
[error]



=== TEST 33: levels below the error_log level are not written
--- log_level: warn
--- config
    location /t {
        content_by_lua_block {
            ngx.log(ngx.INFO, "moxy-info-message")
            ngx.log(ngx.NOTICE, "moxy-notice-message")
            print("moxy-print-message")
            ngx.log(ngx.WARN, "moxy-warn-message")
            ngx.say("ok")
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log
moxy-warn-message
--- no_error_log
moxy-info-message
moxy-notice-message
moxy-print-message



=== TEST 34: ngx.log: ngx.null, and tables with __tostring
--- config
    location /t {
        content_by_lua_block {
            local t = setmetatable({}, {__tostring = function () return "T!" end})
            ngx.log(ngx.ERR, "values: ", ngx.null, " ", t)
            ngx.say("ok")
        }
    }
--- request
GET /t
--- response_body
ok
--- error_log
values: null T!



=== TEST 35: ngx.log: a table without __tostring
--- config
    location /t {
        content_by_lua_block {
            ngx.log(ngx.ERR, {})
        }
    }
--- request
GET /t
--- response_body_like: 500 Internal Server Error
--- error_code: 500
--- error_log eval
qr/runtime error: content_by_lua\(nginx\.conf:\d+\):2: bad argument #1 to 'log' \(expected table to have __tostring metamethod\)/



=== TEST 36: ngx.log: a bad level
--- config
    location /t {
        content_by_lua_block {
            ngx.log(10, "x")
        }
    }
--- request
GET /t
--- response_body_like: 500 Internal Server Error
--- error_code: 500
--- error_log eval
qr/runtime error: content_by_lua\(nginx\.conf:\d+\):2: bad argument #1 to 'log' \(bad log level: 10\)/



=== TEST 37: ngx.log: a level that is not a number
--- config
    location /t {
        content_by_lua_block {
            ngx.log("x")
        }
    }
--- request
GET /t
--- response_body_like: 500 Internal Server Error
--- error_code: 500
--- error_log eval
qr/runtime error: content_by_lua\(nginx\.conf:\d+\):2: bad argument #1 to 'log' \(number expected, got string\)/



=== TEST 38: the constants
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.OK, " ", ngx.ERROR, " ", ngx.AGAIN, " ", ngx.DONE, " ", ngx.DECLINED)
            ngx.say(ngx.STDERR, ngx.EMERG, ngx.ALERT, ngx.CRIT, ngx.ERR, ngx.WARN, ngx.NOTICE, ngx.INFO, ngx.DEBUG)
            ngx.say(ngx.HTTP_GET, " ", ngx.HTTP_HEAD, " ", ngx.HTTP_POST, " ", ngx.HTTP_PUT, " ", ngx.HTTP_DELETE, " ", ngx.HTTP_OPTIONS, " ", ngx.HTTP_PATCH, " ", ngx.HTTP_TRACE)
            ngx.say(ngx.HTTP_CONTINUE, " ", ngx.HTTP_SWITCHING_PROTOCOLS, " ", ngx.HTTP_OK, " ", ngx.HTTP_CREATED, " ", ngx.HTTP_ACCEPTED, " ", ngx.HTTP_NO_CONTENT, " ", ngx.HTTP_PARTIAL_CONTENT)
            ngx.say(ngx.HTTP_SPECIAL_RESPONSE, " ", ngx.HTTP_MOVED_PERMANENTLY, " ", ngx.HTTP_MOVED_TEMPORARILY, " ", ngx.HTTP_SEE_OTHER, " ", ngx.HTTP_NOT_MODIFIED, " ", ngx.HTTP_TEMPORARY_REDIRECT, " ", ngx.HTTP_PERMANENT_REDIRECT)
            ngx.say(ngx.HTTP_BAD_REQUEST, " ", ngx.HTTP_UNAUTHORIZED, " ", ngx.HTTP_PAYMENT_REQUIRED, " ", ngx.HTTP_FORBIDDEN, " ", ngx.HTTP_NOT_FOUND, " ", ngx.HTTP_NOT_ALLOWED, " ", ngx.HTTP_NOT_ACCEPTABLE, " ", ngx.HTTP_REQUEST_TIMEOUT, " ", ngx.HTTP_CONFLICT, " ", ngx.HTTP_GONE, " ", ngx.HTTP_UPGRADE_REQUIRED, " ", ngx.HTTP_TOO_MANY_REQUESTS, " ", ngx.HTTP_CLOSE, " ", ngx.HTTP_ILLEGAL)
            ngx.say(ngx.HTTP_INTERNAL_SERVER_ERROR, " ", ngx.HTTP_METHOD_NOT_IMPLEMENTED, " ", ngx.HTTP_NOT_IMPLEMENTED, " ", ngx.HTTP_BAD_GATEWAY, " ", ngx.HTTP_SERVICE_UNAVAILABLE, " ", ngx.HTTP_GATEWAY_TIMEOUT, " ", ngx.HTTP_VERSION_NOT_SUPPORTED, " ", ngx.HTTP_INSUFFICIENT_STORAGE)
        }
    }
--- request
GET /t
--- response_body
0 -1 -2 -4 -5
012345678
2 4 8 16 32 512 16384 32768
100 101 200 201 202 204 206
300 301 302 303 304 307 308
400 401 402 403 404 405 406 408 409 410 426 429 444 451
500 501 501 502 503 504 505 507
--- no_error_log
[error]



=== TEST 39: ngx.null
--- config
    location /t {
        content_by_lua_block {
            ngx.say(type(ngx.null), " ", tostring(ngx.null))
            ngx.say(ngx.null == require("cjson").null)
            ngx.say(ngx.null == nil, " ", not ngx.null)
        }
    }
--- request
GET /t
--- response_body
userdata userdata: NULL
true
false false
--- no_error_log
[error]



=== TEST 40: ngx.config
--- config
    location /t {
        content_by_lua_block {
            ngx.say(type(ngx.config.nginx_version), " ", ngx.config.nginx_version > 1000000)
            ngx.say(type(ngx.config.ngx_lua_version), " ", ngx.config.ngx_lua_version > 10000)
            ngx.say(ngx.config.subsystem)
            ngx.say(type(ngx.config.debug))
            local prefix = ngx.config.prefix()
            ngx.say(prefix:sub(-1))
            local f = assert(io.open(prefix .. "html/prefix.txt"))
            ngx.print(f:read("*a"))
            f:close()
        }
    }
--- user_files
>>> prefix.txt
found by the prefix
--- request
GET /t
--- response_body
number true
number true
http
boolean
/
found by the prefix
--- no_error_log
[error]



=== TEST 41: ngx.worker.pid()
--- config
    location /t {
        content_by_lua_block {
            local pid = ngx.worker.pid()
            ngx.say(type(pid), " ", pid > 0, " ", pid == tonumber(ngx.var.pid))
        }
    }
--- request
GET /t
--- response_body
number true true
--- no_error_log
[error]



=== TEST 42: ngx.get_phase() and ngx.headers_sent
--- config
    location /t {
        content_by_lua_block {
            local before = ngx.headers_sent
            ngx.say(ngx.get_phase(), " ", before)
            ngx.say(ngx.headers_sent)
        }
    }
--- request
GET /t
--- response_body
content false
true
--- no_error_log
[error]



=== TEST 43: the API in a module required by the handler
--- http_config
    lua_package_path "$prefix/html/?.lua;;";
--- config
    location /t {
        content_by_lua_block {
            require("mod").go()
        }
    }
--- user_files
>>> mod.lua
local _M = {}
function _M.go()
    ngx.header["X-Mod"] = ngx.req.get_method()
    ngx.say(ngx.var.uri, " ", ngx.req.get_uri_args().x)
end
return _M
--- request
GET /t?x=y
--- response_headers
X-Mod: GET
--- response_body
/t y
--- no_error_log
[error]



=== TEST 44: ngx.flush(true) returns once the client has taken the output
--- config
    location /t {
        content_by_lua_block {
            local chunk = string.rep("x", 1024 * 1024)
            for i = 1, 32 do
                ngx.print(chunk)
            end
            local ok, err = ngx.flush(true)
            local sent = tonumber(ngx.var.bytes_sent)
            ngx.log(ngx.WARN, "flushed: ", ok, " ", err, " ",
                    sent >= 32 * 1024 * 1024)
        }
    }
--- request
GET /t
--- response_body eval
"x" x (32 * 1024 * 1024)
--- error_log
flushed: 1 nil true
--- no_error_log
[error]
