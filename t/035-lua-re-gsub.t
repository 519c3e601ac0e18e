# ngx.re.sub and ngx.re.gsub: replacement templates ($0, $1, ${1}, $$),
# function replacements, counts, options and errors. Every block also
# passes on nginx + lua-nginx-module 0.10.23 + lua-resty-core:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/035-lua-re-gsub.t
# (Debian's build uses PCRE1, moxy PCRE2: compile errors are matched
# loosely, see t/034-lua-re.t.)

use Test::Nginx::Socket 'no_plan';

no_long_string();
run_tests();

__DATA__

=== TEST 1: sub replaces the first match, gsub all; the count comes second
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.re.sub("hello, world", "o", "0"))
            ngx.say(ngx.re.gsub("hello, world", "o", "0"))
            ngx.say(ngx.re.gsub("hello, world", "x", "0"))
        }
    }
--- request
GET /t
--- response_body
hell0, world1
hell0, w0rld2
hello, world0
--- no_error_log
[error]



=== TEST 2: templates: $0, $1, ${1}, $$
--- config
    location /t {
        content_by_lua_block {
            local s = "hello, world"
            local re = "([a-z])[a-z]+"
            ngx.say(ngx.re.sub(s, re, "[$0,$1]"))
            ngx.say(ngx.re.gsub(s, re, "[$0,$1]"))
            ngx.say(ngx.re.gsub(s, re, "${1}00"))
            ngx.say(ngx.re.gsub(s, re, "$$1 costs $$$1"))
            ngx.say(ngx.re.gsub(s, re, "{$1}"))
        }
    }
--- request
GET /t
--- response_body
[hello,h], world1
[hello,h], [world,w]2
h00, w002
$1 costs $h, $1 costs $w2
{h}, {w}2
--- no_error_log
[error]



=== TEST 3: templates: $10 is group 10; missing and unmatched groups are empty
--- config
    location /t {
        content_by_lua_block {
            local s = "hello, world"
            ngx.say(ngx.re.gsub(s, "([a-z])[a-z]+", "<$10>"))
            ngx.say(ngx.re.gsub(s, "([a-z])[a-z]+", "<$2>"))
            ngx.say(ngx.re.gsub(s, "([a-z])(x)?[a-z]+", "<$2|$1>"))
            ngx.say(ngx.re.gsub(s, "([a-z])[a-z]+", "<$99999999999999999999>"))
            local re = string.rep("(.)", 11)
            ngx.say(ngx.re.sub("abcdefghijklm", re, "$11$10$1"))
        }
    }
--- request
GET /t
--- response_body
<>, <>2
<>, <>2
<|h>, <|w>2
<>, <>2
kjalm1
--- no_error_log
[error]



=== TEST 4: a template ending in "$"
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.re.gsub("hello", "l", "x$"))
        }
    }
--- request
GET /t
--- response_body
nilnilfailed to compile the replacement template
--- error_log
lua script: invalid capturing variable name found in "x$"



=== TEST 5: a template with an empty or unclosed "${"
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.re.gsub("hello", "l", "${}"))
            ngx.say(ngx.re.gsub("hello", "(l)", "${1"))
            ngx.say(ngx.re.gsub("hello", "(l)", "${1a}"))
            ngx.say(ngx.re.sub("hello", "(l)", "x${"))
        }
    }
--- request
GET /t
--- response_body
nilnilfailed to compile the replacement template
nilnilfailed to compile the replacement template
nilnilfailed to compile the replacement template
nilnilfailed to compile the replacement template
--- error_log
lua script: invalid capturing variable name found in "${}"
the closing bracket in "1" variable is missing
lua script: invalid capturing variable name found in "x${"



=== TEST 6: named captures are not supported in templates
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.re.gsub("hello", "(?<c>l)", "$c"))
            ngx.say(ngx.re.gsub("hello", "(?<c>l)", "${c}", "o"))
            ngx.say(ngx.re.gsub("hello", "l", "$_"))
        }
    }
--- request
GET /t
--- response_body
nilnilfailed to compile the replacement template
nilnilfailed to compile the replacement template
nilnilfailed to compile the replacement template
--- error_log
attempt to use named capturing variable "c" (named captures not supported yet)
attempt to use named capturing variable "_" (named captures not supported yet)



=== TEST 7: a function replacement gets the captures table
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.re.gsub("hello, world", "([a-z])([a-z]+)", function (m)
                return m[1]:upper() .. m[2] .. "(" .. m[0] .. ")"
            end))
            ngx.say(ngx.re.sub("hello", "(?<c>l)(?<d>x)?", function (m)
                return "<" .. m.c .. "," .. tostring(m.d) .. "," .. tostring(m[2]) .. ">"
            end))
        }
    }
--- request
GET /t
--- response_body
Hello(hello), World(world)2
he<l,false,false>lo1
--- no_error_log
[error]



=== TEST 8: a function's result goes through tostring()
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.re.gsub("hello", "l", function () return 42 end))
            ngx.say(ngx.re.gsub("hello", "l", function () return nil end))
            ngx.say(ngx.re.gsub("hello", "l", function () return "" end))
            ngx.say(ngx.re.gsub("hello", "l", function () return false end))
        }
    }
--- request
GET /t
--- response_body
he4242o2
henilnilo2
heo2
hefalsefalseo2
--- no_error_log
[error]



=== TEST 9: a replacement that is not a string or a function is tostring()'ed
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.re.gsub("hello", "l", 1))
            ngx.say(ngx.re.gsub("hello", "l", 1.5))
            ngx.say(ngx.re.gsub("hello", "l", true))
        }
    }
--- request
GET /t
--- response_body
he11o2
he1.51.5o2
hetruetrueo2
--- no_error_log
[error]



=== TEST 10: empty matches
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.re.gsub("hello", "", "-"))
            ngx.say(ngx.re.gsub("hello", "l*", "-"))
            ngx.say(ngx.re.sub("hello", "", "-"))
            ngx.say(ngx.re.gsub("", "", "-"))
            ngx.say(ngx.re.gsub("", "x", "-"))
            ngx.say(ngx.re.gsub("hello", "l", ""))
            ngx.say(ngx.re.gsub("hello", "$", "!"))
        }
    }
--- request
GET /t
--- response_body
-h-e-l-l-o-6
-h-e--o-5
-hello1
-1
0
heo2
hello!1
--- no_error_log
[error]



=== TEST 11: options: "i", "o", "j", "d", "u"
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.re.gsub("hello", "L", "x", "i"))
            for i = 1, 3 do
                ngx.say(ngx.re.gsub("hello", "L", "x" .. i, "ijo"))
            end
            for i = 1, 2 do
                ngx.say(ngx.re.gsub("hello", "(l)", function (m) return m[1]:upper() .. i end, "jo"))
            end
            ngx.say(ngx.re.gsub("abcd", "a|ab|abc", "x", "d"))
            ngx.say(ngx.re.gsub("abab", "(a)(b)", "<$0|$1>", "d"))
            ngx.say(ngx.re.gsub("h\u{e9}llo", ".", "x", "u"))
            ngx.say(ngx.re.gsub("h\u{e9}llo", ".", "x"))
        }
    }
--- request
GET /t
--- response_body
hexxo2
hex1x1o2
hex2x2o2
hex3x3o2
heL1L1o2
heL2L2o2
xd1
<ab|><ab|>2
xxxxx5
xxxxxx6
--- no_error_log
[error]



=== TEST 12: a bad regex
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.re.gsub("hello", "(", "x"))
            ngx.say(ngx.re.sub("hello", "(", function () return "" end))
        }
    }
--- request
GET /t
--- response_body_like chomp
\Anilnilpcre2?_compile\(\) failed: missing (\)|closing parenthesis) in "\("
nilnilpcre2?_compile\(\) failed: missing (\)|closing parenthesis) in "\("
\z
--- no_error_log
[error]



=== TEST 13: an exec error
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.re.gsub("h\xffllo", ".", "x", "u"))
            ngx.say(ngx.re.gsub("h\xffllo", ".", function () return "" end, "u"))
        }
    }
--- request
GET /t
--- response_body_like chomp
\Anilnilpcre_exec\(\) failed: -\d+
nilnilpcre_exec\(\) failed: -\d+
\z
--- no_error_log
[error]



=== TEST 14: a subject that is not a string
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.re.gsub(12321, "2", "x"))
            ngx.say(ngx.re.sub(nil, "i", "u"))
        }
    }
--- request
GET /t
--- response_body
1x3x12
nul1
--- no_error_log
[error]



=== TEST 15: results bigger than the scratch buffer
--- config
    location /t {
        content_by_lua_block {
            local s = string.rep("ab", 30000)
            local r, n = ngx.re.gsub(s, "b", "xyz")
            ngx.say(#r, " ", n, " ", r:sub(1, 10), " ", r:sub(-4))
            r, n = ngx.re.gsub(s, "(b)", "$1$1$1$1", "jo")
            ngx.say(#r, " ", n, " ", r:sub(1, 10))
            r, n = ngx.re.gsub(s, "(b)", function (m) return m[1]:rep(5) end)
            ngx.say(#r, " ", n, " ", r:sub(1, 10))
            r, n = ngx.re.sub(s, "^", string.rep("z", 10000))
            ngx.say(#r, " ", n, " ", r:sub(9999, 10002))
        }
    }
--- request
GET /t
--- response_body
120000 30000 axyzaxyzax axyz
150000 30000 abbbbabbbb
180000 30000 abbbbbabbb
70000 1 zzab
--- no_error_log
[error]



=== TEST 16: the replacement function may use ngx.re itself
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.re.gsub("a.b.c", "\\.", function (m)
                return (ngx.re.gsub("x-y", "-", "+"))
            end))
            ngx.say(ngx.re.gsub("k1=v1;k2=v2", "(\\w+)=(\\w+)", function (m)
                return (ngx.re.gsub(m[2], "v", function () return "V" end, "jo"))
                       .. "=" .. m[1]
            end, "jo"))
        }
    }
--- request
GET /t
--- response_body
ax+ybx+yc2
V1=k1;V2=k22
--- no_error_log
[error]



=== TEST 17: the "o" cache tells templates apart
--- config
    location /t {
        content_by_lua_block {
            for _, t in ipairs({"[$1]", "<$1>", "[$1]", "$$"}) do
                ngx.say(ngx.re.gsub("ab", "(a)", t, "o"))
            end
        }
    }
--- request
GET /t
--- response_body
[a]b1
<a>b1
[a]b1
$b1
--- no_error_log
[error]
