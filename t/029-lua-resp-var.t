# ngx.var (reading, writing, regex captures), ngx.status, ngx.header,
# ngx.resp.get_headers, ngx.resp.add_header, ngx.headers_sent. Every
# block also passes on nginx + lua-nginx-module:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/029-lua-resp-var.t
#
# Blocks marked "(needs unset variables)" are skipped on moxy until
# mx_http_variable_set() can make a "set" variable "not found" again.

use Test::Nginx::Socket 'no_plan';

no_long_string();
run_tests();

__DATA__

=== TEST 1: ngx.var reads built-in variables, any case
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.var.uri, " ", ngx.var.URI, " ", ngx.var.args, " ",
                    ngx.var.arg_b, " ", ngx.var.is_args, " ",
                    ngx.var.request_method, " ", ngx.var.http_x_foo, " ",
                    ngx.var.Http_X_Foo, " ", ngx.var.request_uri)
            ngx.say(tostring(ngx.var.arg_none), " ", tostring(ngx.var.no_such),
                    " ", tostring(ngx.var.http_none))
        }
    }
--- request
GET /t?a=1&b=2
--- more_headers
X-Foo: bar
--- response_body
/t /t a=1&b=2 2 ? GET bar bar /t?a=1&b=2
nil nil nil
--- no_error_log
[error]



=== TEST 2: ngx.var reads and writes "set" variables
--- config
    location /t {
        set $foo "init";
        set $bar "";
        content_by_lua_block {
            ngx.say(ngx.var.foo, " [", ngx.var.bar, "]")
            ngx.var.foo = "new"
            ngx.say(ngx.var.foo, " ", ngx.var.FOO)
            ngx.var.FOO = 32
            ngx.say(ngx.var.foo, " ", type(ngx.var.foo))
            ngx.var.foo = true
            ngx.say(ngx.var.foo)
            ngx.var.foo = ""
            ngx.say("[", ngx.var.foo, "]")
            ngx.var.bar = "b"
            ngx.say(ngx.var.bar)
        }
    }
--- request
GET /t
--- response_body
init []
new new
32 string
true
[]
b
--- no_error_log
[error]



=== TEST 3: a value written from Lua is seen by the config
--- config
    location /t {
        set $foo "";
        content_by_lua_block {
            ngx.var.foo = "from lua"
            ngx.header["X-Foo"] = ngx.var.foo
            ngx.say("ok")
        }
        add_header X-Var $foo;
    }
--- request
GET /t
--- response_headers
X-Var: from lua
X-Foo: from lua
--- response_body
ok
--- no_error_log
[error]



=== TEST 4: ngx.var.x = nil makes a "set" variable not found
--- config
    location /t {
        set $foo "init";
        content_by_lua_block {
            ngx.var.foo = nil
            ngx.say(tostring(ngx.var.foo))
            ngx.var.foo = "back"
            ngx.say(ngx.var.foo)
        }
    }
--- request
GET /t
--- response_body
nil
back
--- no_error_log
[error]



=== TEST 5: $args is writable
--- config
    location /t {
        content_by_lua_block {
            ngx.var.args = "x=1&y=2"
            ngx.say(ngx.var.args, " ", ngx.var.arg_y, " ",
                    ngx.req.get_uri_args().x, " ", ngx.var.request_uri)
            ngx.var.args = nil
            ngx.say(tostring(ngx.var.args), " ", tostring(ngx.var.arg_x),
                    " [", ngx.var.is_args, "]")
        }
    }
--- request
GET /t?a=b
--- response_body
x=1&y=2 2 1 /t?a=b
nil nil []
--- no_error_log
[error]



=== TEST 6: writing variables: not found, not changeable
--- config
    location /t {
        content_by_lua_block {
            local function try(f)
                local ok, err = pcall(f)
                ngx.say(ok, " ", err)
            end
            try(function () ngx.var.nope = 1 end)
            try(function () ngx.var.Nope = 1 end)
            try(function () ngx.var.uri = "/x" end)
            try(function () ngx.var.request_uri = "/x" end)
            try(function () ngx.var.http_host = "x" end)
            try(function () ngx.var.http_x_foo = "x" end)
            try(function () ngx.var.arg_a = "x" end)
            try(function () ngx.var.cookie_a = "x" end)
            try(function () ngx.var[""] = "x" end)
        }
    }
--- request
GET /t
--- response_body_like
^false content_by_lua\(nginx.conf:\d+\):\d+: variable "nope" not found for writing; maybe it is a built-in variable that is not changeable or you forgot to use "set \$nope '';" in the config file to define it first
false content_by_lua\(nginx.conf:\d+\):\d+: variable "nope" not found for writing; maybe it is a built-in variable that is not changeable or you forgot to use "set \$nope '';" in the config file to define it first
false content_by_lua\(nginx.conf:\d+\):\d+: variable "uri" not changeable
false content_by_lua\(nginx.conf:\d+\):\d+: variable "request_uri" not changeable
false content_by_lua\(nginx.conf:\d+\):\d+: variable "http_host" not changeable
false content_by_lua\(nginx.conf:\d+\):\d+: variable "http_x_foo" not found for writing; maybe it is a built-in variable that is not changeable or you forgot to use "set \$http_x_foo '';" in the config file to define it first
false content_by_lua\(nginx.conf:\d+\):\d+: variable "arg_a" not found for writing; maybe .*
false content_by_lua\(nginx.conf:\d+\):\d+: variable "cookie_a" not found for writing; maybe .*
false content_by_lua\(nginx.conf:\d+\):\d+: variable "" not found for writing; maybe it is a built-in variable that is not changeable or you forgot to use "set \$ '';" in the config file to define it first
--- no_error_log
[error]



=== TEST 7: bad variable names
--- config
    location /t {
        content_by_lua_block {
            local function try(f)
                local ok, err = pcall(f)
                ngx.say(ok, " ", err)
            end
            try(function () return ngx.var[true] end)
            try(function () ngx.var[true] = 1 end)
            try(function () ngx.var[1] = 1 end)
            try(function () return ngx.var[""] end)
        }
    }
--- request
GET /t
--- response_body_like
^false content_by_lua\(nginx.conf:\d+\):\d+: bad variable name
false content_by_lua\(nginx.conf:\d+\):\d+: bad variable name
false content_by_lua\(nginx.conf:\d+\):\d+: bad variable name
true nil
--- no_error_log
[error]



=== TEST 8: ngx.var[N]: regex captures by number only
--- config
    location ~ ^/t/(\w+)(-\d+)?/(?<tail>.*)$ {
        content_by_lua_block {
            ngx.say(ngx.var[1], " [", ngx.var[2], "] ", ngx.var[3], " ",
                    ngx.var.tail)
            ngx.say(tostring(ngx.var[4]), " ", tostring(ngx.var[0]), " ",
                    tostring(ngx.var[-1]), " ", tostring(ngx.var["1"]), " ",
                    ngx.var[1.7])
        }
    }
--- request
GET /t/abc/x/y
--- response_body
abc [] x/y x/y
nil nil nil nil abc
--- no_error_log
[error]



=== TEST 9: ngx.var[N] without a regex match
--- config
    location /t {
        content_by_lua_block {
            ngx.say(tostring(ngx.var[1]))
        }
    }
--- request
GET /t
--- response_body
nil
--- no_error_log
[error]



=== TEST 10: ngx.status: 0 until set; set before the output, it is the status
--- config
    location /t {
        content_by_lua_block {
            local before = ngx.status
            ngx.status = 201
            ngx.say(before, " ", ngx.status)
        }
    }
--- request
GET /t
--- error_code: 201
--- response_body
0 201
--- no_error_log
[error]



=== TEST 11: ngx.status from a string; bad values
--- config
    location /t {
        content_by_lua_block {
            ngx.status = "202"
            local s = ngx.status
            local ok, err = pcall(function () ngx.status = "abc" end)
            ngx.say(s, " ", type(s), " ", ok, " ", ngx.status)
            ngx.say(err)
        }
    }
--- request
GET /t
--- error_code: 202
--- response_body_like
^202 number false 202
.*cannot convert 'nil' to 'int'\)
--- no_error_log
[error]



=== TEST 12: ngx.status after the header went out is refused
--- config
    location /t {
        content_by_lua_block {
            ngx.say("first")
            ngx.status = 404
            ngx.say(ngx.status)
        }
    }
--- request
GET /t
--- response_body
first
200
--- error_log
attempt to set ngx.status after sending out response headers



=== TEST 13: ngx.headers_sent
--- config
    location /t {
        content_by_lua_block {
            local before = ngx.headers_sent
            ngx.say("x")
            ngx.say(before, " ", ngx.headers_sent)
        }
    }
--- request
GET /t
--- response_body
x
false true
--- no_error_log
[error]



=== TEST 14: ngx.header: reading what was set, several values, clearing
--- config
    location /t {
        content_by_lua_block {
            ngx.header.X_One = "1"
            ngx.header["x-many"] = {"a", "b"}
            ngx.header.Set_Cookie = {"a=1; Path=/", "b=2"}
            ngx.header.X_Gone = "g"
            ngx.header["X-GONE"] = nil
            ngx.header.X_Num = 12
            local m = ngx.header.X_Many
            ngx.say(ngx.header["x-one"], " ", type(m), " ", #m, " ", m[2], " ",
                    tostring(ngx.header.x_gone), " ", ngx.header.x_num, " ",
                    type(ngx.header.x_num))
        }
    }
--- request
GET /t
--- raw_response_headers_like: X-One: 1\r\nx-many: a\r\nx-many: b\r\nSet-Cookie: a=1; Path=/\r\nSet-Cookie: b=2\r\nX-Num: 12\r\n
--- response_body
1 table 2 b nil 12 string
--- no_error_log
[error]



=== TEST 15: ngx.header: Content-Type and Content-Length
--- config
    location /t {
        content_by_lua_block {
            ngx.header.content_type = "application/json"
            ngx.header["Content-Length"] = 3
            ngx.header.X_Info = ngx.header.content_type .. " "
                                .. ngx.header.content_length .. " "
                                .. type(ngx.header.content_length)
            ngx.print("abc")
        }
    }
--- request
GET /t
--- response_headers
Content-Type: application/json
Content-Length: 3
X-Info: application/json 3 string
--- response_body chop
abc
--- no_error_log
[error]



=== TEST 16: ngx.header: bad Content-Length values
--- config
    location /t {
        content_by_lua_block {
            local out = {}
            local function try(v)
                local ok, err = pcall(function ()
                    ngx.header.content_length = v
                end)
                out[#out + 1] = tostring(ok) .. " " .. tostring(err)
            end
            try("abc")
            try(-1)
            try("12 ")
            try("")
            out[#out + 1] = tostring(ngx.header.content_length)
            ngx.say(table.concat(out, "\n"))
        }
    }
--- request
GET /t
--- response_body_like
^false content_by_lua\(nginx.conf:\d+\):\d+: failed to set header
false content_by_lua\(nginx.conf:\d+\):\d+: failed to set header
false content_by_lua\(nginx.conf:\d+\):\d+: failed to set header
true nil
nil
--- no_error_log
[error]



=== TEST 17: ngx.header.Location stays as given
--- config
    location /t {
        content_by_lua_block {
            ngx.status = 302
            ngx.header.Location = "/foo?a=1"
            ngx.say(ngx.header.location)
        }
    }
--- request
GET /t
--- error_code: 302
--- response_headers
Location: /foo?a=1
--- response_body
/foo?a=1
--- no_error_log
[error]



=== TEST 18: ngx.header after the header went out: logged, ignored
--- config
    location /t {
        content_by_lua_block {
            ngx.say("body")
            ngx.header.X_Late = "late"
            ngx.say(tostring(ngx.header.X_Late))
        }
    }
--- request
GET /t
--- response_headers
!X-Late
--- response_body
body
nil
--- error_log
attempt to set ngx.header.HEADER after sending out response headers



=== TEST 19: ngx.resp.get_headers
--- config
    location /t {
        content_by_lua_block {
            ngx.header.X_A = {"1", "2"}
            ngx.header["X-B"] = "b"
            ngx.header.content_length = 100
            local h = ngx.resp.get_headers()
            local keys = {}
            for k in pairs(h) do keys[#keys + 1] = k end
            table.sort(keys)
            for _, k in ipairs(keys) do
                local v = h[k]
                if type(v) == "table" then
                    v = table.concat(v, "|")
                end
                ngx.log(ngx.WARN, "hdr: ", k, ": ", v, ";")
            end
            ngx.log(ngx.WARN, "lookup: ", h.X_A[2], " ", h["X-B"], " ", h.x_b,
                    ";")
            ngx.header.content_length = nil
            ngx.say("ok")
        }
    }
--- request
GET /t
--- response_body
ok
--- grep_error_log eval: qr/(?:hdr|lookup): [^;]*/
--- grep_error_log_out
hdr: connection: close
hdr: content-length: 100
hdr: x-a: 1|2
hdr: x-b: b
lookup: 2 b b



=== TEST 20: ngx.resp.get_headers: raw names, max, "truncated"
--- config
    location /t {
        content_by_lua_block {
            ngx.header.X_A = "a"
            ngx.header["X-Bee"] = "b"
            ngx.header["x-c"] = "c"
            local h, err = ngx.resp.get_headers(0, true)
            ngx.log(ngx.WARN, "raw: ", h["X-A"], " ", h["X-Bee"], " ",
                    h["x-c"], " ", tostring(h["x-bee"]), " ",
                    tostring(h.X_Bee), " ", tostring(err))
            h, err = ngx.resp.get_headers(2)
            local n = 0
            for k in pairs(h) do n = n + 1 end
            ngx.log(ngx.WARN, "max 2: ", n, " ", h.connection, " ", h["x-a"],
                    " ", err)
            h, err = ngx.resp.get_headers(-1)
            n = 0
            for k in pairs(h) do n = n + 1 end
            ngx.log(ngx.WARN, "max -1: ", n, " ", tostring(err))
            ngx.say("ok")
        }
    }
--- request
GET /t
--- response_body
ok
--- grep_error_log eval: qr/(?:raw|max 2|max -1): [^,]*/
--- grep_error_log_out
raw: a b c nil nil nil
max 2: 2 close a truncated
max -1: 4 nil



=== TEST 21: ngx.resp.get_headers once the header is out
--- config
    location /t {
        content_by_lua_block {
            ngx.header.X_A = "a"
            ngx.say("hi")
            local h = ngx.resp.get_headers()
            ngx.say(h["content-type"], " ", h["transfer-encoding"], " ",
                    h["x-a"])
        }
    }
--- request
GET /t
--- response_body
hi
text/plain chunked a
--- no_error_log
[error]



=== TEST 22: ngx.resp.get_headers: a bad max
--- config
    location /t {
        content_by_lua_block {
            local ok, err = pcall(function () ngx.resp.get_headers("many") end)
            ngx.say(ok, " ", err)
            ok, err = pcall(ngx.resp.get_headers, {})
            ngx.say(ok, " ", err)
            ok = pcall(ngx.resp.get_headers, "3")
            ngx.say(ok)
        }
    }
--- request
GET /t
--- response_body_like
^false content_by_lua\(nginx.conf:\d+\):\d+: bad argument #1 to 'get_headers' \(number expected, got string\)
false bad argument #1 to '\?' \(number expected, got table\)
true
--- no_error_log
[error]



=== TEST 23: require "ngx.resp": add_header keeps the values there
--- config
    location /t {
        content_by_lua_block {
            local resp = require "ngx.resp"
            ngx.header["X-A"] = "1"
            resp.add_header("X-A", "2")
            resp.add_header("X-A", {"3", 4})
            resp.add_header("X-New", "n")
            local ok, err = pcall(resp.add_header, "X-B", nil)
            ngx.say(table.concat(ngx.header.x_a, ","), " ", ngx.header.x_new,
                    " ", ok)
            ngx.say(err)
        }
    }
--- request
GET /t
--- raw_response_headers_like: X-A: 1\r\nX-A: 2\r\nX-A: 3\r\nX-A: 4\r\nX-New: n\r\n
--- response_body_like
^1,2,3,4 n false
.*invalid header value
--- no_error_log
[error]
