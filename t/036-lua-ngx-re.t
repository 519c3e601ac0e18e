# require "ngx.re": split() and opt(); and the ngx.re wrappers compile
# to JIT traces. Every block also passes on nginx + lua-nginx-module
# 0.10.23 + lua-resty-core:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/036-lua-ngx-re.t

use Test::Nginx::Socket 'no_plan';

no_long_string();
run_tests();

__DATA__

=== TEST 1: split on a separator
--- config
    location /t {
        content_by_lua_block {
            local split = require("ngx.re").split
            local res, err = split("a,b,c,d", ",")
            ngx.say(#res, " ", table.concat(res, "|"), " ", tostring(err))
            res = split("a, b ,c", "\\s*,\\s*", "jo")
            ngx.say(#res, " ", table.concat(res, "|"))
            res = split("aXbxc", "x", "i")
            ngx.say(#res, " ", table.concat(res, "|"))
        }
    }
--- request
GET /t
--- response_body
4 a|b|c|d nil
3 a|b|c
3 a|b|c
--- no_error_log
[error]



=== TEST 2: split: max
--- config
    location /t {
        content_by_lua_block {
            local split = require("ngx.re").split
            for _, max in ipairs({2, 3, 0, -1, 10}) do
                local res = split("a,b,c,d", ",", nil, nil, max)
                ngx.say(max, ": ", #res, " ", table.concat(res, "|"))
            end
        }
    }
--- request
GET /t
--- response_body
2: 2 a|b,c,d
3: 3 a|b|c,d
0: 4 a|b|c|d
-1: 4 a|b|c|d
10: 4 a|b|c|d
--- no_error_log
[error]



=== TEST 3: split: empty fields; trailing ones go without max
--- config
    location /t {
        content_by_lua_block {
            local split = require("ngx.re").split
            local function show(res)
                local t = {}
                for i = 1, #res do
                    t[i] = "[" .. res[i] .. "]"
                end
                ngx.say(#res, " ", table.concat(t))
            end
            show(split("a,b,,c,,", ","))
            show(split("a,b,,c,,", ",", nil, nil, 5))
            show(split(",a,b", ","))
            show(split("", ","))
            show(split("abc", "abc"))
            show(split(",,,", ","))
        }
    }
--- request
GET /t
--- response_body
4 [a][b][][c]
5 [a][b][][c][,]
3 [][a][b]
0 
0 
0 
--- no_error_log
[error]



=== TEST 4: split: empty separators split every character
--- config
    location /t {
        content_by_lua_block {
            local split = require("ngx.re").split
            ngx.say(table.concat(split("abcd", ""), "|"))
            ngx.say(table.concat(split("abcd", "", nil, nil, 2), "|"))
            ngx.say(table.concat(split("abcd", "x*"), "|"))
        }
    }
--- request
GET /t
--- response_body
a|b|c|d
a|bcd
a|b|c|d
--- no_error_log
[error]



=== TEST 5: split: the first group goes into the result
--- config
    location /t {
        content_by_lua_block {
            local split = require("ngx.re").split
            ngx.say(table.concat(split("a,b;c", "([,;])"), "|"))
            ngx.say(table.concat(split("a,b;c", "([,;])", nil, nil, 2), "|"))
            ngx.say(table.concat(split("a,b;c", "(x)?[,;]"), "|"))
        }
    }
--- request
GET /t
--- response_body
a|,|b|;|c
a|,|b;c
a|b|c
--- no_error_log
[error]



=== TEST 6: split: ctx.pos
--- config
    location /t {
        content_by_lua_block {
            local split = require("ngx.re").split
            local ctx = { pos = 3 }
            local res = split("a,b,c", ",", nil, ctx)
            ngx.say(table.concat(res, "|"), " ", ctx.pos)
            ctx = { pos = 6 }
            res = split("a,b,c", ",", nil, ctx)
            ngx.say(#res, " ", ctx.pos)
            ctx = {}
            res = split("a,b,c", ",", "jo", ctx)
            ngx.say(table.concat(res, "|"), " ", ctx.pos)
        }
    }
--- request
GET /t
--- response_body
b|c 4
0 6
a|b|c 4
--- no_error_log
[error]



=== TEST 7: split: a res table is reused and ended with nil
--- config
    location /t {
        content_by_lua_block {
            local split = require("ngx.re").split
            local res = { "x", "y", "z", "w" }
            local r = split("a,b", ",", nil, nil, nil, res)
            ngx.say(r == res, " ", tostring(res[1]), tostring(res[2]),
                    tostring(res[3]), tostring(res[4]))
            local ok, err = pcall(split, "a,b", ",", nil, nil, nil, "x")
            ngx.say(ok, " ", err)
        }
    }
--- request
GET /t
--- response_body
true abnilw
false res is not a table
--- no_error_log
[error]



=== TEST 8: split: bad regexes, bad options, a subject that is not a string
--- config
    location /t {
        content_by_lua_block {
            local split = require("ngx.re").split
            local res, err = split("a,b", "(")
            ngx.say(tostring(res), " ", err)
            local ok, err = pcall(split, "a,b", ",", "Z")
            ngx.say(ok, " ", (string.gsub(err, "^.-:%d+: ", "")))
            ngx.say(table.concat(split(12321, "2"), "|"))
        }
    }
--- request
GET /t
--- response_body_like chomp
\Anil pcre2?_compile\(\) failed: missing (\)|closing parenthesis) in "\("
false unknown flag "Z" \(flags "Z"\)
1\|3\|1
\z
--- no_error_log
[error]



=== TEST 9: opt: jit_stack_size before any regex is cached
--- config
    location /t {
        content_by_lua_block {
            local ngx_re = require "ngx.re"
            local s = string.rep("a", 5000)
            ngx.say(pcall(ngx_re.opt, "jit_stack_size", 1))
            local m, err = ngx.re.match(s, "(a|b)*", "j")
            ngx.say(tostring(m), " ", err)
            ngx.say(pcall(ngx_re.opt, "jit_stack_size", 1024 * 1024))
            ngx.say(#ngx.re.match(s, "(a|b)*", "j")[0])
            ngx.say(pcall(ngx_re.opt, "foo", 1))
        }
    }
--- request
GET /t
--- response_body_like chomp
\Atrue
nil pcre_exec\(\) failed: -(27|46)
true
5000
falseunrecognized option name
\z
--- no_error_log
[error]



=== TEST 10: opt: jit_stack_size once a regex is cached
--- config
    location /t {
        content_by_lua_block {
            local ngx_re = require "ngx.re"
            ngx.re.match("a", "a", "o")
            ngx.say(pcall(ngx_re.opt, "jit_stack_size", 128 * 1024))
        }
    }
--- request
GET /t
--- response_body
falsechanging jit stack size is not allowed when some regexs have already been compiled and cached
--- no_error_log
[error]



=== TEST 11: the wrappers are JIT compiled
--- config
    location /t {
        content_by_lua_block {
            local path = ngx.config.prefix() .. "logs/jit.log"
            local v = require "jit.v"
            v.on(path)
            local split = require("ngx.re").split
            local n = 0
            for i = 1, 200 do
                local from, to = ngx.re.find("key=value", "=", "jo")
                n = n + from + to
            end
            for i = 1, 200 do
                local s = "key" .. i .. "=value" .. i
                local m = ngx.re.match(s, "(\\w+)=(?<v>\\w+)", "jo")
                local r = ngx.re.gsub(s, "(\\d+)", "<$1>", "jo")
                local r2 = ngx.re.sub(s, "\\d+", "#", "jo")
                local parts = split(s, "=", "jo")
                n = n + #m[1] + #m.v + #r + #r2 + #parts
            end
            v.off()
            ngx.say(n)
            local f = assert(io.open(path))
            local log = f:read("*a")
            f:close()
            ngx.say(string.find(log, "%[TRACE%s+%d+ content_by_lua%(nginx%.conf:%d+%):%d+ loop%]") ~= nil)
            ngx.say(string.find(log, "NYI", 1, true) == nil)
        }
    }
--- request
GET /t
--- response_body
10660
true
true
--- no_error_log
[error]
