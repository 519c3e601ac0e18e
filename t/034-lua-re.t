# ngx.re.match, ngx.re.find, ngx.re.gmatch: captures, named captures,
# the option letters, ctx.pos, the res table, errors. Every block also
# passes on nginx + lua-nginx-module 0.10.23 + lua-resty-core:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/034-lua-re.t
# Debian's lua-nginx-module is built with PCRE1, moxy with PCRE2: where
# the two libraries word an error differently ("pcre_compile()" and
# "missing )" against "pcre2_compile()" and "missing closing
# parenthesis"; exec error numbers), the blocks accept both.

use Test::Nginx::Socket 'no_plan';

no_long_string();
run_tests();

__DATA__

=== TEST 1: match: the whole match and the groups
--- config
    location /t {
        content_by_lua_block {
            local m, err = ngx.re.match("hello, 1234", "([0-9])([0-9]+)")
            ngx.say(m[0], " ", m[1], " ", m[2], " ", #m, " ", tostring(err))
        }
    }
--- request
GET /t
--- response_body
1234 1 234 2 nil
--- no_error_log
[error]



=== TEST 2: match: no match is nil, without an error
--- config
    location /t {
        content_by_lua_block {
            local m, err = ngx.re.match("hello", "[0-9]+")
            ngx.say(tostring(m), " ", tostring(err))
        }
    }
--- request
GET /t
--- response_body
nil nil
--- no_error_log
[error]



=== TEST 3: match: groups that did not take part are false
--- config
    location /t {
        content_by_lua_block {
            local m = ngx.re.match("hello", "(h)(x)?(e)")
            ngx.say(m[0], " ", m[1], " ", tostring(m[2]), " ", m[3])
            m = ngx.re.match("hello", "(h)(e)(x)?")
            ngx.say(m[0], " ", m[1], " ", m[2], " ", tostring(m[3]))
            m = ngx.re.match("hello", "(h)(x)?(y)?")
            ngx.say(m[0], " ", m[1], " ", tostring(m[2]), " ", tostring(m[3]))
        }
    }
--- request
GET /t
--- response_body
he h false e
he h e false
h h false false
--- no_error_log
[error]



=== TEST 4: match: named groups, by name and by number
--- config
    location /t {
        content_by_lua_block {
            local m = ngx.re.match("hello 1234", "(?<word>[a-z]+) (?<num>\\d+)")
            ngx.say(m[0], "|", m[1], "|", m[2], "|", m.word, "|", m.num)
            m = ngx.re.match("hello", "(?<a>h)(?<b>x)?")
            ngx.say(m.a, " ", tostring(m.b), " ", tostring(m[2]))
        }
    }
--- request
GET /t
--- response_body
hello 1234|hello|1234|hello|1234
h false false
--- no_error_log
[error]



=== TEST 5: match: "D" gives duplicate names as tables of the groups that matched
--- config
    location /t {
        content_by_lua_block {
            local m = ngx.re.match("hello world", "(?<w>h\\w+) (?<w>w\\w+)", "D")
            ngx.say(m[1], " ", m[2], " ", type(m.w), " ", table.concat(m.w, ","))
            m = ngx.re.match("hello world", "(?<w>x)?(?<w>h\\w+)", "D")
            ngx.say(tostring(m[1]), " ", m[2], " ", #m.w, " ", m.w[1])
            m = ngx.re.match("world", "(?<w>h\\w+)|(?<w>w\\w+)", "D")
            ngx.say(tostring(m[1]), " ", m[2], " ", #m.w, " ", m.w[1])
        }
    }
--- request
GET /t
--- response_body
hello world table hello,world
false hello 1 hello
false world 1 world
--- no_error_log
[error]



=== TEST 6: match: duplicate names without "D" do not compile
--- config
    location /t {
        content_by_lua_block {
            local m, err = ngx.re.match("hello world", "(?<w>h\\w+) (?<w>w\\w+)")
            ngx.say(tostring(m))
            ngx.say(err)
        }
    }
--- request
GET /t
--- response_body_like chomp
\Anil
pcre2?_compile\(\) failed: two named subpatterns have the same name.* in "\(\?<w>h\\w\+\) \(\?<w>w\\w\+\)" at ".*"\n\z
--- no_error_log
[error]



=== TEST 7: "i" caseless
--- config
    location /t {
        content_by_lua_block {
            ngx.say(tostring(ngx.re.match("HeLLo", "hel", "i")[0]))
            ngx.say(tostring(ngx.re.match("HeLLo", "hel")))
        }
    }
--- request
GET /t
--- response_body
HeL
nil
--- no_error_log
[error]



=== TEST 8: "m" multi-line
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.re.match("a\nb", "^b$", "m")[0])
            ngx.say(tostring(ngx.re.match("a\nb", "^b$")))
        }
    }
--- request
GET /t
--- response_body
b
nil
--- no_error_log
[error]



=== TEST 9: "s" dot matches newlines
--- config
    location /t {
        content_by_lua_block {
            ngx.say(#ngx.re.match("a\nb", "a.b", "s")[0])
            ngx.say(tostring(ngx.re.match("a\nb", "a.b")))
        }
    }
--- request
GET /t
--- response_body
3
nil
--- no_error_log
[error]



=== TEST 10: "x" extended: blanks and comments are ignored
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.re.match("hello", [[h e
                                            l # the first l
                                           ]], "x")[0])
            ngx.say(tostring(ngx.re.match("hello", "h e l", "")))
        }
    }
--- request
GET /t
--- response_body
hel
nil
--- no_error_log
[error]



=== TEST 11: "a" anchored at the start position
--- config
    location /t {
        content_by_lua_block {
            ngx.say(tostring(ngx.re.match("hello", "ell", "a")))
            ngx.say(ngx.re.match("hello", "hel", "a")[0])
            ngx.say(ngx.re.match("hello", "ell", "a", { pos = 2 })[0])
        }
    }
--- request
GET /t
--- response_body
nil
hel
ell
--- no_error_log
[error]



=== TEST 12: "d" DFA mode: the longest match, without groups
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.re.match("abcd", "a|ab|abc")[0])
            local m = ngx.re.match("abcd", "(a)|(ab)|(abc)", "d")
            ngx.say(m[0], " ", tostring(m[1]), " ", #m)
            ngx.say(ngx.re.match("hello", "(h)(e)l+|he", "d")[0])
        }
    }
--- request
GET /t
--- response_body
a
abc nil 0
hell
--- no_error_log
[error]



=== TEST 13: "u" UTF-8: a dot is a character
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.re.match("\u{4e2d}", "^.$", "u")[0])
            ngx.say(tostring(ngx.re.match("\u{4e2d}", "^.$")))
            ngx.say(tostring(ngx.re.match("\u{4e2d}\u{6587}", "^.$", "u")))
            ngx.say(ngx.re.match("\u{4e2d}", "^...$")[0])
        }
    }
--- request
GET /t
--- response_body
中
nil
nil
中
--- no_error_log
[error]



=== TEST 14: "u" rejects an invalid UTF-8 subject, "U" does not check it
--- config
    location /t {
        content_by_lua_block {
            local m, err = ngx.re.match("a\xff", "a", "u")
            ngx.say(tostring(m), " ", err)
            m, err = ngx.re.match("a\xff", "a", "U")
            ngx.say(m[0], " ", tostring(err))
        }
    }
--- request
GET /t
--- response_body_like chomp
\Anil pcre_exec\(\) failed: -\d+
a nil
\z
--- no_error_log
[error]



=== TEST 15: "J" JavaScript compatibility: \u, [^] and unset back references
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.re.match("A", "\\u0041", "J")[0])
            ngx.say(ngx.re.match("xyz", "[^]", "J")[0])
            local m = ngx.re.match("xyz", "(a)?\\1y", "J")
            ngx.say(m[0], " ", tostring(m[1]))
            ngx.say(tostring(ngx.re.match("xyz", "(a)?\\1y")))
        }
    }
--- request
GET /t
--- response_body
A
x
y false
nil
--- no_error_log
[error]



=== TEST 16: "j" and "o": the same results, many times
--- config
    location /t {
        content_by_lua_block {
            local n = 0
            for i = 1, 200 do
                local m = ngx.re.match("id=" .. i, "id=(\\d+)", "jo")
                n = n + tonumber(m[1])
            end
            ngx.say(n)
            for _, opts in ipairs({"", "o", "j", "jo", "ijo", "oj"}) do
                local m = ngx.re.match("Hello", "(?<l>l+)", opts)
                ngx.say(opts, ": ", m[0], " ", m.l)
            end
        }
    }
--- request
GET /t
--- response_body
20100
: ll ll
o: ll ll
j: ll ll
jo: ll ll
ijo: ll ll
oj: ll ll
--- no_error_log
[error]



=== TEST 17: the "o" cache is keyed by the options too
--- config
    location /t {
        content_by_lua_block {
            for _, opts in ipairs({"o", "io", "o", "io"}) do
                local m = ngx.re.match("HELLO", "hello", opts)
                ngx.say(opts, " ", m and m[0] or "nil")
            end
        }
    }
--- request
GET /t
--- response_body
o nil
io HELLO
o nil
io HELLO
--- no_error_log
[error]



=== TEST 18: an unknown option letter is an error
--- config
    location /t {
        content_by_lua_block {
            ngx.re.match("hello", "h", "iz")
        }
    }
--- request
GET /t
--- error_code: 500
--- response_body_like: 500 Internal Server Error
--- error_log
unknown flag "z" (flags "iz")



=== TEST 19: an unknown option letter, caught
--- config
    location /t {
        content_by_lua_block {
            local ok, err = pcall(ngx.re.match, "hello", "h", "Q")
            ngx.say(ok, " ", (string.gsub(err, "^.-:%d+: ", "")))
            ok, err = pcall(ngx.re.find, "hello", "h", "jo!")
            ngx.say(ok, " ", (string.gsub(err, "^.-:%d+: ", "")))
            ok, err = pcall(ngx.re.gmatch, "hello", "h", "g")
            ngx.say(ok, " ", (string.gsub(err, "^.-:%d+: ", "")))
            ok, err = pcall(ngx.re.sub, "hello", "h", "x", "E")
            ngx.say(ok, " ", (string.gsub(err, "^.-:%d+: ", "")))
            ok, err = pcall(ngx.re.gsub, "hello", "h", "x", "ie")
            ngx.say(ok, " ", (string.gsub(err, "^.-:%d+: ", "")))
        }
    }
--- request
GET /t
--- response_body
false unknown flag "Q" (flags "Q")
false unknown flag "!" (flags "jo!")
false unknown flag "g" (flags "g")
false unknown flag "E" (flags "E")
false unknown flag "e" (flags "ie")
--- no_error_log
[error]



=== TEST 20: a bad regex: nil and the compiler's message
--- config
    location /t {
        content_by_lua_block {
            local m, err = ngx.re.match("hello", "(abc")
            ngx.say(tostring(m), "|", err)
            m, err = ngx.re.match("hello", "[a")
            ngx.say(tostring(m), "|", err)
            m, err = ngx.re.match("hello", "a{2,1}", "o")
            ngx.say(tostring(m), "|", err)
        }
    }
--- request
GET /t
--- response_body_like chomp
\Anil\|pcre2?_compile\(\) failed: missing (\)|closing parenthesis) in "\(abc"
nil\|pcre2?_compile\(\) failed: missing terminating \] for character class in "\[a"
nil\|pcre2?_compile\(\) failed: numbers out of order in \{\} quantifier in "a\{2,1\}" at "\}"
\z
--- no_error_log
[error]



=== TEST 21: bad regexes, the same words in PCRE and PCRE2
--- config
    location /t {
        content_by_lua_block {
            local _, err = ngx.re.match("hello", "[z-a]")
            ngx.say((string.gsub(err, "^pcre2?_", "")))
            _, err = ngx.re.match("hello", "x{2,1}", "jo")
            ngx.say((string.gsub(err, "^pcre2?_", "")))
        }
    }
--- request
GET /t
--- response_body
compile() failed: range out of order in character class in "[z-a]" at "a]"
compile() failed: numbers out of order in {} quantifier in "x{2,1}" at "}"
--- no_error_log
[error]



=== TEST 22: a regex that is not a string
--- config
    location /t {
        content_by_lua_block {
            local ok, err = pcall(ngx.re.match, "hello", nil)
            ngx.say(ok, " ", (string.gsub(err, "^.-:%d+: ", "")))
            ok, err = pcall(ngx.re.match, "hello", 12)
            ngx.say(ok, " ", (string.gsub(err, "^.-:%d+: ", "")))
        }
    }
--- request
GET /t
--- response_body
false attempt to get length of local 'regex' (a nil value)
false attempt to get length of local 'regex' (a number value)
--- no_error_log
[error]



=== TEST 23: a subject that is not a string is matched as tostring() gives it
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.re.match(12345, "3(\\d)")[1])
            ngx.say(ngx.re.match(nil, "^nil$")[0])
            ngx.say(ngx.re.match(true, "^t")[0])
            ngx.say(ngx.re.find(3.5, "\\."))
        }
    }
--- request
GET /t
--- response_body
4
nil
t
22
--- no_error_log
[error]



=== TEST 24: empty subjects, empty regexes, empty options
--- config
    location /t {
        content_by_lua_block {
            ngx.say("[", ngx.re.match("", "^$")[0], "]")
            ngx.say("[", ngx.re.match("abc", "", "")[0], "]")
            ngx.say(tostring(ngx.re.match("", "x")))
            ngx.say(ngx.re.find("", ""))
        }
    }
--- request
GET /t
--- response_body
[]
[]
nil
10
--- no_error_log
[error]



=== TEST 25: ctx.pos: where to start (1-based), and past the match afterwards
--- config
    location /t {
        content_by_lua_block {
            local ctx = { pos = 2 }
            for i = 1, 3 do
                local m = ngx.re.match("abcabc", "a", nil, ctx)
                ngx.say(tostring(m and m[0]), " ", ctx.pos)
            end
            ctx = {}
            ngx.re.match("abc", "b", "", ctx)
            ngx.say(ctx.pos)
            for _, pos in ipairs({0, -5, 1}) do
                ctx = { pos = pos }
                local m = ngx.re.match("abc", "a", "", ctx)
                ngx.say(pos, ": ", m[0], " ", ctx.pos)
            end
            ctx = { pos = 4 }
            local m = ngx.re.match("abc", "$", "", ctx)
            ngx.say("[", m[0], "] ", ctx.pos)
        }
    }
--- request
GET /t
--- response_body
a 5
nil 5
nil 5
3
0: a 2
-5: a 2
1: a 2
[] 4
--- no_error_log
[error]



=== TEST 26: ctx.pos past the end of the subject is an exec error
--- config
    location /t {
        content_by_lua_block {
            local m, err = ngx.re.match("abc", "a", "", { pos = 10 })
            ngx.say(tostring(m), " ", err)
            local from, to, err = ngx.re.find("abc", "a", "", { pos = 10 })
            ngx.say(tostring(from), " ", tostring(to), " ", err)
        }
    }
--- request
GET /t
--- response_body_like chomp
\Anil pcre_exec\(\) failed: -\d+
nil nil pcre_exec\(\) failed: -\d+
\z
--- no_error_log
[error]



=== TEST 27: the res table is filled and returned; its other keys stay
--- config
    location /t {
        content_by_lua_block {
            local res = { "x", "y", "z", "w", foo = "bar" }
            local m = ngx.re.match("abc", "(a)(b)", "", nil, res)
            ngx.say(m == res, " ", m[0], m[1], m[2], m[3], m[4], " ", m.foo)
            m = ngx.re.match("abc", "(?<n>a)", "jo", nil, res)
            ngx.say(m[0], m[1], m[2], m[3], m[4], " ", m.n)
            m = ngx.re.match("abc", "x", "jo", nil, res)
            ngx.say(tostring(m), " ", res[0])
        }
    }
--- request
GET /t
--- response_body
true ababzw bar
aabzw a
nil a
--- no_error_log
[error]



=== TEST 28: catastrophic backtracking stops at the match limit
--- config
    location /t {
        content_by_lua_block {
            local s = string.rep("a", 40) .. "b"
            local m, err = ngx.re.match(s, "(a+)+$")
            ngx.say(tostring(m), " ", err)
            m, err = ngx.re.match(s, "(a+)+$", "jo")
            ngx.say(tostring(m), " ", err)
        }
    }
--- request
GET /t
--- response_body_like chomp
\Anil pcre_exec\(\) failed: -(8|47)
nil pcre_exec\(\) failed: -(8|47)
\z
--- no_error_log
[error]



=== TEST 29: find: the bounds of the match
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.re.find("hello, 1234", "([0-9])([0-9]+)"))
            ngx.say(ngx.re.find("hello, 1234", "[0-9]+", "jo"))
            ngx.say(ngx.re.find("hello", "x"))
            ngx.say(ngx.re.find("hello", ""))
        }
    }
--- request
GET /t
--- response_body
811
811
nil
10
--- no_error_log
[error]



=== TEST 30: find: nth gives a group's bounds
--- config
    location /t {
        content_by_lua_block {
            local s = "hello, 1234"
            ngx.say(ngx.re.find(s, "([0-9])([0-9]+)", "jo", nil, 0))
            ngx.say(ngx.re.find(s, "([0-9])([0-9]+)", "jo", nil, 1))
            ngx.say(ngx.re.find(s, "([0-9])([0-9]+)", "jo", nil, 2))
            ngx.say(ngx.re.find(s, "([0-9])([0-9]+)", "jo", nil, -1))
            ngx.say(ngx.re.find(s, "([0-9])(x)?", "jo", nil, 2))
            ngx.say(ngx.re.find(s, "([0-9])(x)?([0-9])", "jo", nil, 2))
            ngx.say(ngx.re.find(s, "([0-9])([0-9]+)", "jo", nil, 3))
        }
    }
--- request
GET /t
--- response_body
811
88
911
811
nilnil
nilnil
nilnilnth out of bound
--- no_error_log
[error]



=== TEST 31: find: ctx.pos walks through the subject
--- config
    location /t {
        content_by_lua_block {
            local ctx = {}
            while true do
                local from, to = ngx.re.find("hello, world", "[lo]+", "jo", ctx)
                if not from then
                    break
                end
                ngx.say(from, "-", to, " ", ctx.pos)
            end
        }
    }
--- request
GET /t
--- response_body
3-5 6
9-9 10
11-11 12
--- no_error_log
[error]



=== TEST 32: find: a bad regex
--- config
    location /t {
        content_by_lua_block {
            local from, to, err = ngx.re.find("hello", "(")
            ngx.say(tostring(from), " ", tostring(to), " ", err)
        }
    }
--- request
GET /t
--- response_body_like chomp
\Anil nil pcre2?_compile\(\) failed: missing (\)|closing parenthesis) in "\("
\z
--- no_error_log
[error]



=== TEST 33: gmatch: every match, then nil
--- config
    location /t {
        content_by_lua_block {
            local it, err = ngx.re.gmatch("hello, world", "([a-z])[a-z]+")
            ngx.say(type(it), " ", tostring(err))
            for i = 1, 4 do
                local m, err = it()
                if m then
                    ngx.say(m[0], " ", m[1])
                else
                    ngx.say(tostring(m), " ", tostring(err))
                end
            end
        }
    }
--- request
GET /t
--- response_body
table nil
hello h
world w
nil nil
nil nil
--- no_error_log
[error]



=== TEST 34: gmatch in a for loop, with named groups and options
--- config
    location /t {
        content_by_lua_block {
            for m in ngx.re.gmatch("a1b22c333", "\\d+") do
                ngx.print(m[0], ",")
            end
            ngx.say()
            for m in ngx.re.gmatch("a1B22c333", "(?<l>[a-z])(?<d>\\d+)", "ijo") do
                ngx.print(m.l, "=", m.d, ",")
            end
            ngx.say()
        }
    }
--- request
GET /t
--- response_body
1,22,333,
a=1,B=22,c=333,
--- no_error_log
[error]



=== TEST 35: gmatch: empty matches move one byte on
--- config
    location /t {
        content_by_lua_block {
            local out = {}
            for m in ngx.re.gmatch("abc", "") do
                out[#out + 1] = "[" .. m[0] .. "]"
            end
            ngx.say(#out, " ", table.concat(out))
            out = {}
            for m in ngx.re.gmatch("abc", "b*") do
                out[#out + 1] = "[" .. m[0] .. "]"
            end
            ngx.say(#out, " ", table.concat(out))
        }
    }
--- request
GET /t
--- response_body
4 [][][][]
4 [][b][][]
--- no_error_log
[error]



=== TEST 36: gmatch: a bad regex
--- config
    location /t {
        content_by_lua_block {
            local it, err = ngx.re.gmatch("abc", "(", "o")
            ngx.say(tostring(it), " ", err)
        }
    }
--- request
GET /t
--- response_body_like chomp
\Anil pcre2?_compile\(\) failed: missing (\)|closing parenthesis) in "\("
\z
--- no_error_log
[error]



=== TEST 37: gmatch: "d" mode
--- config
    location /t {
        content_by_lua_block {
            for m in ngx.re.gmatch("abcabd", "ab(?<x>c|d)?", "d") do
                ngx.print("[", m[0], " ", tostring(m.x), "]")
            end
            ngx.say()
        }
    }
--- request
GET /t
--- response_body
[abc nil][abd nil]
--- no_error_log
[error]



=== TEST 38: gmatch: an exec error ends the iteration
--- config
    location /t {
        content_by_lua_block {
            local it = ngx.re.gmatch("a\xffa", "a", "u")
            local m, err = it()
            ngx.say(tostring(m), " ", err)
            ngx.say(tostring(it()))
        }
    }
--- request
GET /t
--- response_body_like chomp
\Anil pcre_exec\(\) failed: -\d+
nil
\z
--- no_error_log
[error]



=== TEST 39: a long subject
--- config
    location /t {
        content_by_lua_block {
            local s = string.rep("x", 100000) .. "needle" .. string.rep("y", 10000)
            local m = ngx.re.match(s, "ne+dle", "jo")
            ngx.say(m[0], " ", ngx.re.find(s, "ne+dle", "jo"))
            local n = 0
            for _ in ngx.re.gmatch(s, "y{100}", "jo") do
                n = n + 1
            end
            ngx.say(n)
        }
    }
--- request
GET /t
--- response_body
needle 100001100006
100
--- no_error_log
[error]



=== TEST 40: many groups
--- config
    location /t {
        content_by_lua_block {
            local re = string.rep("(.)", 60)
            local m = ngx.re.match(string.rep("ab", 40), re, "jo")
            ngx.say(#m, " ", m[1], m[2], m[59], m[60], " ", #m[0])
        }
    }
--- request
GET /t
--- response_body
60 abab 60
--- no_error_log
[error]



=== TEST 41: ngx.re is there without requiring anything
--- config
    location /t {
        content_by_lua_block {
            local names = {}
            for k, v in pairs(ngx.re) do
                names[#names + 1] = k .. ":" .. type(v)
            end
            table.sort(names)
            ngx.say(table.concat(names, " "))
            require "resty.core"
            require "resty.core.regex"
            ngx.say(ngx.re.match("ok", "ok")[0])
        }
    }
--- request
GET /t
--- response_body
find:function gmatch:function gsub:function match:function sub:function
ok
--- no_error_log
[error]
