# ngx.req: the method, HTTP version, start time, is_internal, the raw
# header, request headers (get/set/clear, ngx.req.add_header), the URI
# and its args (set_uri, get_uri_args/set_uri_args). Every block also
# passes on nginx + lua-nginx-module:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/027-lua-req.t
#
# Blocks marked "(needs rewrite_by_lua)" are skipped while the moxy under
# test has no rewrite_by_lua_block.

use Test::Nginx::Socket 'no_plan';

no_long_string();
run_tests();

__DATA__

=== TEST 1: get_method
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.req.get_method())
        }
    }
--- request
POST /t
hello
--- response_body
POST
--- no_error_log
[error]



=== TEST 2: set_method changes the method and $request_method
--- config
    location /t {
        content_by_lua_block {
            ngx.req.set_method(ngx.HTTP_PUT)
            ngx.say(ngx.req.get_method(), " ", ngx.var.request_method)
            ngx.req.set_method(ngx.HTTP_OPTIONS)
            ngx.say(ngx.req.get_method(), " ", ngx.var.request_method)
            ngx.req.set_method(ngx.HTTP_PROPPATCH)
            ngx.say(ngx.req.get_method())
        }
    }
--- request
GET /t
--- response_body
PUT PUT
OPTIONS OPTIONS
PROPPATCH
--- no_error_log
[error]



=== TEST 3: set_method: bad arguments
--- config
    location /t {
        content_by_lua_block {
            local function try(...)
                local ok, err = pcall(ngx.req.set_method, ...)
                ngx.say(ok, " ", err)
            end
            try("POST")
            try()
            try(12345)
            ngx.say(ngx.req.get_method())
        }
    }
--- request
GET /t
--- response_body_like
^false .*bad method number
false .*bad method number
false .*unsupported HTTP method: 12345
GET
--- no_error_log
[error]



=== TEST 4: http_version is a number
--- config
    location /t {
        content_by_lua_block {
            local v = ngx.req.http_version()
            ngx.say(type(v), " ", v)
        }
    }
--- request
GET /t
--- response_body
number 1.1
--- no_error_log
[error]



=== TEST 5: http_version of an HTTP/1.0 request
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.req.http_version())
        }
    }
--- request
GET /t HTTP/1.0
--- response_body
1
--- no_error_log
[error]



=== TEST 6: start_time is when the request began
--- config
    location /t {
        content_by_lua_block {
            local t = ngx.req.start_time()
            ngx.say(type(t))
            ngx.say(t <= os.time() + 1 and t > os.time() - 60)
            -- milliseconds at most
            ngx.say(math.abs(t * 1000 - math.floor(t * 1000 + 0.5)) < 0.01)
        }
    }
--- request
GET /t
--- response_body
number
true
true
--- no_error_log
[error]



=== TEST 7: is_internal: false for the client's request
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.req.is_internal())
        }
    }
--- request
GET /t
--- response_body
false
--- no_error_log
[error]



=== TEST 8: is_internal: true after an internal redirect
--- config
    location /t {
        return 404;
        error_page 404 /err;
    }
    location /err {
        content_by_lua_block {
            ngx.say(ngx.req.is_internal(), " ", ngx.var.uri)
        }
    }
--- request
GET /t
--- error_code: 404
--- response_body
true /err
--- no_error_log
[error]



=== TEST 9: raw_header gives the request line and headers as received
--- config
    location /t {
        content_by_lua_block {
            ngx.print(ngx.req.raw_header())
            ngx.print(ngx.req.raw_header(true))
        }
    }
--- raw_request eval
"GET /t?a=b HTTP/1.1\r
Host: localhost\r
X-Foo:   bar\r
x-Case: Mixed\r
Connection: close\r
\r
"
--- response_body eval
"GET /t?a=b HTTP/1.1\r
Host: localhost\r
X-Foo:   bar\r
x-Case: Mixed\r
Connection: close\r
\r
Host: localhost\r
X-Foo:   bar\r
x-Case: Mixed\r
Connection: close\r
\r
"
--- no_error_log
[error]



=== TEST 10: raw_header: bare LF line ends are kept
--- config
    location /t {
        content_by_lua_block {
            ngx.print(ngx.req.raw_header())
            ngx.print(ngx.req.raw_header(true))
        }
    }
--- raw_request eval
"GET /t HTTP/1.0\nX-A: 1\nX-B: 2\n\n"
--- response_body eval
"GET /t HTTP/1.0\nX-A: 1\nX-B: 2\n\nX-A: 1\nX-B: 2\n\n"
--- no_error_log
[error]



=== TEST 11: raw_header: no body, and not what set_header changed
--- config
    location /t {
        content_by_lua_block {
            ngx.req.set_header("X-Foo", "changed")
            ngx.req.clear_header("X-Bar")
            ngx.req.set_header("X-New", "1")
            ngx.print(ngx.req.raw_header())
        }
    }
--- raw_request eval
"POST /t HTTP/1.1\r
Host: localhost\r
X-Foo: 1\r
X-Bar: 2\r
Content-Length: 5\r
Connection: close\r
\r
hello"
--- response_body eval
"POST /t HTTP/1.1\r
Host: localhost\r
X-Foo: 1\r
X-Bar: 2\r
Content-Length: 5\r
Connection: close\r
\r
"
--- no_error_log
[error]



=== TEST 12: get_headers: lowercase keys, repeated headers, "_" lookups
--- config
    location /t {
        content_by_lua_block {
            local h = ngx.req.get_headers()
            ngx.say(h["x-foo"], " ", h.X_Foo, " ", h["X-FOO"])
            ngx.say(table.concat(h.x_multi, ","))
            ngx.say(tostring(h.x_none))
            local raw = ngx.req.get_headers(nil, true)
            ngx.say(raw["X-Foo"], " ", tostring(raw["x-foo"]), " ",
                    tostring(raw.X_Foo))
        }
    }
--- request
GET /t
--- more_headers
X-Foo: bar
X-Multi: 1
X-Multi: 2
--- response_body
bar bar bar
1,2
nil
bar nil nil
--- no_error_log
[error]



=== TEST 13: get_headers: max and "truncated"
--- config
    location /t {
        content_by_lua_block {
            local h, err = ngx.req.get_headers(2)
            local n = 0
            for k, v in pairs(h) do n = n + 1 end
            ngx.say(n, " ", err)
            h, err = ngx.req.get_headers(0)
            ngx.say(h["x-e"], " ", tostring(err))
        }
    }
--- request
GET /t
--- more_headers
X-A: 1
X-B: 2
X-C: 3
X-D: 4
X-E: 5
--- response_body
2 truncated
5 nil
--- no_error_log
[error]



=== TEST 14: set_header adds a header, seen by get_headers and $http_*
--- config
    location /t {
        content_by_lua_block {
            ngx.req.set_header("X-New", "v1")
            ngx.say(ngx.req.get_headers()["x-new"], " ", ngx.var.http_x_new)
            ngx.req.set_header("X-New", "v2")
            ngx.say(ngx.req.get_headers()["x-new"], " ", ngx.var.http_x_new)
            ngx.req.set_header("x-foo", 12)
            ngx.say(ngx.req.get_headers()["x-foo"], " ", ngx.var.http_x_foo)
        }
    }
--- request
GET /t
--- more_headers
X-Foo: old
--- response_body
v1 v1
v2 v2
12 12
--- no_error_log
[error]



=== TEST 15: set_header with a table replaces all values; {} and "" remove
--- config
    location /t {
        content_by_lua_block {
            ngx.req.set_header("X-M", {"a", "b", 3})
            ngx.say(table.concat(ngx.req.get_headers()["x-m"], ","))
            ngx.req.set_header("X-M", "one")
            ngx.say(ngx.req.get_headers()["x-m"])
            ngx.req.set_header("X-M", {})
            ngx.say(tostring(ngx.req.get_headers()["x-m"]))
            ngx.req.set_header("X-Foo", "")
            ngx.say(tostring(ngx.req.get_headers()["x-foo"]), " ",
                    tostring(ngx.var.http_x_foo))
            ngx.req.set_header("X-Bar")
            ngx.say(tostring(ngx.var.http_x_bar))
        }
    }
--- request
GET /t
--- more_headers
X-M: 1
X-M: 2
X-Foo: 3
X-Bar: 4
--- response_body
a,b,3
one
nil
nil nil
nil
--- no_error_log
[error]



=== TEST 16: clear_header removes every header of the name
--- config
    location /t {
        content_by_lua_block {
            ngx.req.clear_header("x-multi")
            -- "_" is not "-" here
            ngx.req.clear_header("X_Other")
            local h = ngx.req.get_headers()
            ngx.say(tostring(h["x-multi"]), " ", tostring(ngx.var.http_x_multi))
            ngx.say(h["x-keep"], " ", h["x-other"])
            local n = 0
            for k in pairs(h) do n = n + 1 end
            ngx.say(n)
        }
    }
--- request
GET /t
--- more_headers
X-Multi: 1
X-Keep: k
X-Multi: 2
X-Other: o
--- response_body
nil nil
k o
4
--- no_error_log
[error]



=== TEST 17: set_header keeps "_" in names; unsafe bytes are escaped
--- config
    location /t {
        content_by_lua_block {
            ngx.req.set_header("X_Under", "u")
            ngx.req.set_header("a:b", "1\r\nc")
            local raw = ngx.req.get_headers(nil, true)
            ngx.say(raw.X_Under, " ", tostring(raw["X-Under"]))
            ngx.say(raw["a%3Ab"])
            ngx.say(ngx.req.get_headers()["a%3ab"])
        }
    }
--- request
GET /t
--- response_body
u nil
1%0D%0Ac
1%0D%0Ac
--- no_error_log
[error]



=== TEST 18: set_header: bad arguments
--- config
    location /t {
        content_by_lua_block {
            local function try(f)
                local ok, err = pcall(f)
                ngx.say(ok, " ", err)
            end
            try(function () ngx.req.set_header() end)
            try(function () ngx.req.set_header(nil, "x") end)
            try(function () require("ngx.req").add_header("X-A") end)
            try(function () require("ngx.req").add_header("X-A", {}) end)
        }
    }
--- request
GET /t
--- response_body_like
^false content_by_lua\(nginx.conf:\d+\):\d+: bad 'name' argument: string expected, got nil
false content_by_lua\(nginx.conf:\d+\):\d+: bad 'name' argument: string expected, got nil
false content_by_lua\(nginx.conf:\d+\):\d+: bad 'value' argument: string or table expected, got nil
false content_by_lua\(nginx.conf:\d+\):\d+: bad 'value' argument: non-empty table expected
--- no_error_log
[error]



=== TEST 19: set_header: a bad Content-Length or Host is refused
--- config
    location /t {
        content_by_lua_block {
            local ok, err = pcall(ngx.req.set_header, "Content-Length", "abc")
            ngx.say(ok, " ", err)
            ok, err = pcall(ngx.req.set_header, "Host", "a/b")
            ngx.say(ok, " ", err)
            ngx.say(ngx.var.http_host, " ", ngx.var.http_content_length)
        }
    }
--- request
POST /t
hello
--- response_body_like
^false .*failed to set header
false .*failed to set header
localhost 5
--- no_error_log
[error]



=== TEST 20: set_header("Host") changes $host; clearing it falls back to server_name
--- config
    location /t {
        content_by_lua_block {
            ngx.req.set_header("Host", "Foo.Example.COM.:8080")
            ngx.say(ngx.var.host, " ", ngx.var.http_host)
            ngx.req.clear_header("Host")
            ngx.say(ngx.var.host, " ", tostring(ngx.var.http_host))
        }
    }
--- request
GET /t
--- response_body
foo.example.com Foo.Example.COM.:8080
localhost nil
--- no_error_log
[error]



=== TEST 21: set_header("Content-Length") and Content-Type reach $content_*
--- config
    location /t {
        content_by_lua_block {
            ngx.req.set_header("Content-Type", "text/x-lua")
            ngx.say(ngx.var.content_type)
            ngx.req.set_header("Content-Length", "12")
            ngx.say(ngx.var.http_content_length)
            ngx.req.clear_header("Content-Length")
            ngx.say(tostring(ngx.var.http_content_length))
        }
    }
--- request
GET /t
--- response_body
text/x-lua
12
nil
--- no_error_log
[error]



=== TEST 22: ngx.req.add_header keeps the values there
--- config
    location /t {
        content_by_lua_block {
            local req = require "ngx.req"
            req.add_header("X-A", "2")
            req.add_header("X-A", {"3", 4})
            req.add_header("X-New", "n")
            local h = ngx.req.get_headers()
            ngx.say(table.concat(h["x-a"], ","), " ", h["x-new"])
        }
    }
--- request
GET /t
--- more_headers
X-A: 1
--- response_body
1,2,3,4 n
--- no_error_log
[error]



=== TEST 23: many set_header calls (the header array grows)
--- config
    location /t {
        content_by_lua_block {
            for i = 1, 50 do
                ngx.req.set_header("X-H" .. i, i)
            end
            ngx.req.set_header("User-Agent", "lua")
            local h = ngx.req.get_headers(0)
            ngx.say(h["x-h1"], " ", h["x-h50"], " ", h["user-agent"], " ",
                    ngx.var.http_user_agent, " ", ngx.var.host)
        }
    }
--- request
GET /t
--- more_headers
User-Agent: test
--- response_body
1 50 lua lua localhost
--- no_error_log
[error]



=== TEST 24: get_uri_args
--- config
    location /t {
        content_by_lua_block {
            local args = ngx.req.get_uri_args()
            local keys = {}
            for k in pairs(args) do keys[#keys + 1] = k end
            table.sort(keys)
            for _, k in ipairs(keys) do
                local v = args[k]
                if type(v) == "table" then
                    v = table.concat(v, ",")
                end
                ngx.say(k, ": ", tostring(v))
            end
        }
    }
--- request
GET /t?a=1&b=x+y%20z&a=2&flag&&=empty&c=&d=%zz
--- response_body
a: 1,2
b: x y z
c: 
d: %zz
flag: true
--- no_error_log
[error]



=== TEST 25: get_uri_args: max and "truncated"
--- config
    location /t {
        content_by_lua_block {
            local args, err = ngx.req.get_uri_args(2)
            ngx.say(args.a, " ", args.b, " ", tostring(args.c), " ", err)
            args, err = ngx.req.get_uri_args(0)
            ngx.say(args.c, " ", tostring(err))
        }
    }
--- request
GET /t?a=1&b=2&c=3
--- response_body
1 2 nil truncated
3 nil
--- no_error_log
[error]



=== TEST 26: set_uri_args with a string or a number
--- config
    location /t {
        content_by_lua_block {
            ngx.req.set_uri_args("x=1&y=2")
            ngx.say(ngx.var.args, " ", ngx.var.arg_y, " ", ngx.req.get_uri_args().x)
            ngx.req.set_uri_args(42)
            ngx.say(ngx.var.args)
            ngx.say(ngx.var.request_uri)
        }
    }
--- request
GET /t?a=b
--- response_body
x=1&y=2 2 1
42
/t?a=b
--- no_error_log
[error]



=== TEST 27: set_uri_args with a table is encoded
--- config
    location /t {
        content_by_lua_block {
            ngx.req.set_uri_args({ q = "a b&c=d/é" })
            ngx.say(ngx.var.args)
            ngx.req.set_uri_args({ m = { "1", 2, true, false } })
            ngx.say(ngx.var.args)
            ngx.req.set_uri_args({ f = true, n = false })
            ngx.say(ngx.var.args)
            ngx.req.set_uri_args({ ["k~._-"] = "*'()!$,;:@" })
            ngx.say(ngx.var.args)
            ngx.say(ngx.req.get_uri_args()["k~._-"])
        }
    }
--- request
GET /t
--- response_body
q=a%20b%26c%3Dd%2F%C3%A9
m=1&m=2&m
f
k~._-=*'()!%24%2C%3B%3A%40
*'()!$,;:@
--- no_error_log
[error]



=== TEST 28: set_uri_args: bad arguments
--- config
    location /t {
        content_by_lua_block {
            local function try(f)
                local ok, err = pcall(f)
                ngx.say(ok, " ", err)
            end
            try(function () ngx.req.set_uri_args() end)
            try(function () ngx.req.set_uri_args("a", "b") end)
            try(function () ngx.req.set_uri_args(true) end)
            try(function () ngx.req.set_uri_args({ [1] = "x" }) end)
            try(function () ngx.req.set_uri_args({ a = print }) end)
            try(function () ngx.req.set_uri_args({ a = { {} } }) end)
        }
    }
--- request
GET /t
--- response_body_like
^false content_by_lua\(nginx.conf:\d+\):\d+: expecting 1 argument but seen 0
false content_by_lua\(nginx.conf:\d+\):\d+: expecting 1 argument but seen 2
false content_by_lua\(nginx.conf:\d+\):\d+: bad argument #1 to 'set_uri_args' \(string, number, or table expected, but got boolean\)
false content_by_lua\(nginx.conf:\d+\):\d+: attempt to use a non-string key in the "args" option table
false content_by_lua\(nginx.conf:\d+\):\d+: attempt to use function as query arg value
false content_by_lua\(nginx.conf:\d+\):\d+: attempt to use table as query arg value
--- no_error_log
[error]



=== TEST 29: set_uri changes $uri but not $request_uri; the request turns internal
--- config
    location /t {
        content_by_lua_block {
            ngx.req.set_uri("/foo/bar")
            ngx.say(ngx.var.uri, " ", ngx.var.request_uri, " ",
                    ngx.req.is_internal())
            ngx.req.set_uri("/a b", false)
            ngx.say(ngx.var.uri)
            ngx.req.set_uri(12)
            ngx.say(ngx.var.uri)
        }
    }
--- request
GET /t?x=1
--- response_body
/foo/bar /t?x=1 true
/a b
12
--- no_error_log
[error]



=== TEST 30: set_uri: the new extension decides the Content-Type
--- config
    location /t {
        types {
            text/html html;
        }
        content_by_lua_block {
            ngx.req.set_uri("/index.html")
            ngx.say("hi")
        }
    }
--- request
GET /t
--- response_headers
Content-Type: text/html
--- response_body
hi
--- no_error_log
[error]



=== TEST 31: set_uri: bad arguments and unsafe bytes
--- config
    location /t {
        content_by_lua_block {
            local function try(f)
                local ok, err = pcall(f)
                ngx.say(ok, " ", err)
            end
            try(function () ngx.req.set_uri() end)
            try(function () ngx.req.set_uri("/a", false, false, 1) end)
            try(function () ngx.req.set_uri("") end)
            try(function () ngx.req.set_uri(nil) end)
            try(function () ngx.req.set_uri("/a", "yes") end)
            try(function () ngx.req.set_uri("/a", false, "yes") end)
            try(function () ngx.req.set_uri("/a\r\nX: \"y\\", false) end)
            try(function () ngx.req.set_uri("/a\0b\127") end)
            try(function () ngx.req.set_uri("/a\tb") end)
            ngx.say(ngx.var.uri)
            try(function () ngx.req.set_uri("/bin\r\n", false, true) end)
            ngx.say(#ngx.var.uri)
        }
    }
--- request
GET /t
--- response_body_like
^false content_by_lua\(nginx.conf:\d+\):\d+: expecting 1, 2 or 3 arguments but seen 0
false content_by_lua\(nginx.conf:\d+\):\d+: expecting 1, 2 or 3 arguments but seen 4
false content_by_lua\(nginx.conf:\d+\):\d+: attempt to use zero-length uri
false content_by_lua\(nginx.conf:\d+\):\d+: bad argument #1 to 'set_uri' \(string expected, got nil\)
false content_by_lua\(nginx.conf:\d+\):\d+: bad argument #2 to 'set_uri' \(boolean expected, got string\)
false content_by_lua\(nginx.conf:\d+\):\d+: bad argument #3 to 'set_uri' \(boolean expected, got string\)
false content_by_lua\(nginx.conf:\d+\):\d+: unsafe byte "0x0d" in uri "/a\\x0D\\x0AX: \\x22y\\x5C" \(maybe you want to set the 'binary' argument\?\)
false content_by_lua\(nginx.conf:\d+\):\d+: unsafe byte "0x00" in uri "/a\\x00b\\x7F" \(maybe you want to set the 'binary' argument\?\)
true nil
/a\tb
true nil
6
--- no_error_log
[error]



=== TEST 32: set_uri with jump is for rewrite_by_lua only
--- config
    location /t {
        content_by_lua_block {
            ngx.req.set_uri("/foo", true)
        }
    }
--- request
GET /t
--- error_code: 500
--- error_log
API disabled in the context of content_by_lua*



=== TEST 33: set_uri with jump in rewrite_by_lua finds the location again (needs rewrite_by_lua)
--- skip_eval: 3: $NginxBinary !~ m{/nginx$} && system("grep", "-q", "rewrite_by_lua_block", $NginxBinary) != 0
--- config
    location /t {
        rewrite_by_lua_block {
            ngx.req.set_uri("/foo", true)
            ngx.log(ngx.ERR, "not reached")
        }
    }
    location /foo {
        content_by_lua_block {
            ngx.say("foo: ", ngx.var.uri, " ", ngx.var.request_uri, " ",
                    ngx.req.is_internal())
        }
    }
--- request
GET /t?a=1
--- response_body
foo: /foo /t?a=1 true
--- no_error_log
not reached



=== TEST 34: set_uri without jump in rewrite_by_lua keeps the location (needs rewrite_by_lua)
--- skip_eval: 3: $NginxBinary !~ m{/nginx$} && system("grep", "-q", "rewrite_by_lua_block", $NginxBinary) != 0
--- config
    location /t {
        rewrite_by_lua_block {
            ngx.req.set_uri("/foo")
            ngx.req.set_uri_args("b=2")
        }
        content_by_lua_block {
            ngx.say("t: ", ngx.var.uri, " ", ngx.var.args)
        }
    }
    location /foo {
        return 500;
    }
--- request
GET /t?a=1
--- response_body
t: /foo b=2
--- no_error_log
[error]



=== TEST 35: set_uri_args in rewrite_by_lua reaches proxy-less content (needs rewrite_by_lua)
--- skip_eval: 3: $NginxBinary !~ m{/nginx$} && system("grep", "-q", "rewrite_by_lua_block", $NginxBinary) != 0
--- config
    location /t {
        rewrite_by_lua_block {
            ngx.req.set_header("X-From-Rewrite", "yes")
            ngx.req.set_uri_args({ a = "x y" })
        }
        content_by_lua_block {
            ngx.say(ngx.var.http_x_from_rewrite, " ", ngx.var.args, " ",
                    ngx.req.get_uri_args().a)
        }
    }
--- request
GET /t
--- response_body
yes a=x%20y x y
--- no_error_log
[error]
