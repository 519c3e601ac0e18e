# The string helpers: ngx.encode_base64/decode_base64, ngx.escape_uri/
# unescape_uri, ngx.encode_args/decode_args, ngx.quote_sql_str, ngx.md5,
# ngx.md5_bin, ngx.sha1_bin, ngx.hmac_sha1, ngx.crc32_short/long. Every
# block also passes on nginx + lua-nginx-module:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/061-lua-string.t

use Test::Nginx::Socket 'no_plan';

no_long_string();
run_tests();

__DATA__

=== TEST 1: ngx.encode_base64()
--- config
    location /t {
        content_by_lua_block {
            for _, s in ipairs{"", "a", "ab", "abc", "abcd", "hello world",
                               "\0", "\255\254\253", "\0\0\0\0"} do
                ngx.say("[", ngx.encode_base64(s), "]")
            end
        }
    }
--- request
GET /t
--- response_body
[]
[YQ==]
[YWI=]
[YWJj]
[YWJjZA==]
[aGVsbG8gd29ybGQ=]
[AA==]
[//79]
[AAAAAA==]
--- no_error_log
[error]



=== TEST 2: ngx.encode_base64() without padding; nil, numbers, booleans
--- config
    location /t {
        content_by_lua_block {
            for _, s in ipairs{"", "a", "ab", "abc", "abcd"} do
                ngx.say("[", ngx.encode_base64(s, true), "]")
            end
            ngx.say(ngx.encode_base64("a", false))
            ngx.say(ngx.encode_base64("a", nil))
            ngx.say("[", ngx.encode_base64(nil), "]")
            ngx.say("[", ngx.encode_base64(), "]")
            ngx.say(ngx.encode_base64(123))
            ngx.say(ngx.encode_base64(true))
        }
    }
--- request
GET /t
--- response_body
[]
[YQ]
[YWI]
[YWJj]
[YWJjZA]
YQ==
YQ==
[]
[]
MTIz
dHJ1ZQ==
--- no_error_log
[error]



=== TEST 3: ngx.encode_base64(): a bad no_padding
--- config
    location /t {
        content_by_lua_block {
            for _, v in ipairs{1, "yes", {}} do
                ngx.say(select(2, pcall(ngx.encode_base64, "a", v)))
            end
        }
    }
--- request
GET /t
--- response_body
bad no_padding: boolean expected, got number
bad no_padding: boolean expected, got string
bad no_padding: boolean expected, got table
--- no_error_log
[error]



=== TEST 4: ngx.decode_base64(): padding optional, input ends at "="
--- config
    location /t {
        content_by_lua_block {
            for _, s in ipairs{"", "YQ==", "YQ", "YQ=", "YWI=", "YWI",
                               "YWJj", "aGVsbG8gd29ybGQ=", "YQ=x", "YQ==YQ==",
                               "//79", "AA=="} do
                local r = ngx.decode_base64(s)
                if r then
                    r = r:gsub("[%z\128-\255]", function (c)
                        return "\\" .. c:byte()
                    end)
                end
                ngx.say("[", s, "] ", r and ("[" .. r .. "]") or "nil")
            end
        }
    }
--- request
GET /t
--- response_body
[] []
[YQ==] [a]
[YQ] [a]
[YQ=] [a]
[YWI=] [ab]
[YWI] [ab]
[YWJj] [abc]
[aGVsbG8gd29ybGQ=] [hello world]
[YQ=x] [a]
[YQ==YQ==] [a]
[//79] [\255\254\253]
[AA==] [\0]
--- no_error_log
[error]



=== TEST 5: ngx.decode_base64(): nil on bad input
--- config
    location /t {
        content_by_lua_block {
            for _, s in ipairs{"Y", "YWJjZ", "!!!!", "YQ\n==", "Y Q==",
                               "_-8=", "-_", "YW\0j", "\255"} do
                ngx.say(tostring(ngx.decode_base64(s)))
            end
        }
    }
--- request
GET /t
--- response_body
nil
nil
nil
nil
nil
nil
nil
nil
nil
--- no_error_log
[error]



=== TEST 6: ngx.decode_base64() wants a string
--- config
    location /t {
        content_by_lua_block {
            for _, v in ipairs{12, true, {}} do
                ngx.say(select(2, pcall(ngx.decode_base64, v)))
            end
            ngx.say(select(2, pcall(ngx.decode_base64, nil)))
            ngx.say(select(2, pcall(ngx.decode_base64)))
        }
    }
--- request
GET /t
--- response_body
string argument only
string argument only
string argument only
string argument only
string argument only
--- no_error_log
[error]



=== TEST 7: base64 round trips: every byte, large inputs
--- config
    location /t {
        content_by_lua_block {
            local t = {}
            for i = 0, 255 do t[#t + 1] = string.char(i) end
            local all = table.concat(t)
            local enc = ngx.encode_base64(all)
            ngx.say(#enc, " ", enc:sub(1, 24), " ", enc:sub(-8))
            ngx.say(ngx.decode_base64(enc) == all)
            ngx.say(ngx.decode_base64(ngx.encode_base64(all, true)) == all)

            local big = string.rep(all, 4096) .. "xy"
            local e = ngx.encode_base64(big)
            ngx.say(#big, " ", #e, " ", ngx.decode_base64(e) == big)
            e = ngx.encode_base64(big, true)
            ngx.say(#e, " ", ngx.decode_base64(e) == big)
        }
    }
--- request
GET /t
--- response_body
344 AAECAwQFBgcICQoLDA0ODxAR /P3+/w==
true
true
1048578 1398104 true
1398104 true
--- no_error_log
[error]



=== TEST 8: ngx.escape_uri(): the default type escapes a URI component
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.escape_uri("a b/c?d=e&f#g~!*'()"))
            ngx.say(ngx.escape_uri("AZaz09-._~"))
            ngx.say(ngx.escape_uri("é中\0\127\255"))
            ngx.say(ngx.escape_uri("+,;:@$[]{}|^`\"<>%\\"))
            ngx.say("[", ngx.escape_uri(""), "]")
            ngx.say("[", ngx.escape_uri(nil), "]")
            ngx.say(ngx.escape_uri(12.5))
            ngx.say(ngx.escape_uri(true))
        }
    }
--- request
GET /t
--- response_body
a%20b%2Fc%3Fd%3De%26f%23g~!*'()
AZaz09-._~
%C3%A9%E4%B8%AD%00%7F%FF
%2B%2C%3B%3A%40%24%5B%5D%7B%7D%7C%5E%60%22%3C%3E%25%5C
[]
[]
12.5
true
--- no_error_log
[error]



=== TEST 9: ngx.escape_uri(): what each type escapes
--- config
    location /t {
        content_by_lua_block {
            -- one bit per byte value, 32 per word, as nginx's tables
            for t = 0, 6 do
                local words = {}
                for w = 0, 7 do
                    local v = 0
                    for b = 0, 31 do
                        local c = string.char(w * 32 + b)
                        if ngx.escape_uri(c, t) ~= c then
                            v = v + 2 ^ b
                        end
                    end
                    words[#words + 1] = string.format("%08x", v)
                end
                ngx.say(t, ": ", table.concat(words, " "))
            end
            ngx.say(ngx.escape_uri("a b+c?\"'<\255", 0))
            ngx.say(ngx.escape_uri("a b+c?\"'<\255", 1))
            ngx.say(ngx.escape_uri("a b+c?\"'<\255", 3))
            ngx.say(ngx.escape_uri("a b+c?\"'<\255", 4))
            ngx.say(ngx.escape_uri("a b+c?%\"'<\1", 5))
            ngx.say(ngx.escape_uri("a b+c?%\"'<\1", 6))
            ngx.say(ngx.escape_uri("a b", 1.5))
        }
    }
--- request
GET /t
--- response_body
0: ffffffff 80000029 00000000 80000000 ffffffff ffffffff ffffffff ffffffff
1: ffffffff 80000829 00000000 80000000 ffffffff ffffffff ffffffff ffffffff
2: ffffffff fc00987d 78000001 b8000001 ffffffff ffffffff ffffffff ffffffff
3: ffffffff 000000ad 00000000 80000000 ffffffff ffffffff ffffffff ffffffff
4: ffffffff 00000085 00000000 80000000 ffffffff ffffffff ffffffff ffffffff
5: ffffffff 00000021 00000000 00000000 00000000 00000000 00000000 00000000
6: ffffffff 00000021 00000000 00000000 00000000 00000000 00000000 00000000
a%20b+c%3F"'<%FF
a%20b%2Bc%3F"'<%FF
a%20b+c?%22%27<%FF
a%20b+c?%22%27<%FF
a%20b+c?%25"'<%01
a%20b+c?%25"'<%01
a%20b
--- no_error_log
[error]



=== TEST 10: ngx.escape_uri(): a bad type
--- config
    location /t {
        content_by_lua_block {
            local function try(...)
                local ok, err = pcall(ngx.escape_uri, ...)
                ngx.say(err)
            end
            try("a", "2")
            try("a", {})
            try("a", 7)
            try("a", -1)
            try("a", 6.5)
        }
    }
--- request
GET /t
--- response_body_like chomp
\Acontent_by_lua\(nginx\.conf:\d+\):3: "type" is not a number
content_by_lua\(nginx\.conf:\d+\):3: "type" is not a number
content_by_lua\(nginx\.conf:\d+\):3: "type" 7 out of range
content_by_lua\(nginx\.conf:\d+\):3: "type" -1 out of range
content_by_lua\(nginx\.conf:\d+\):3: "type" 6.5 out of range
\z
--- no_error_log
[error]



=== TEST 11: ngx.unescape_uri()
--- config
    location /t {
        content_by_lua_block {
            for _, s in ipairs{"a%20b", "a+b", "%41%42%43", "%e4%b8%ad%E4%B8%AD",
                               "%zz", "%4", "%", "a%", "%4%41", "%%41",
                               "%00x", "%2B+%2b", "plain", ""} do
                local r = ngx.unescape_uri(s):gsub("%z", "\\0")
                ngx.say("[", s, "] [", r, "]")
            end
            ngx.say("[", ngx.unescape_uri(nil), "] [", ngx.unescape_uri(12),
                    "] [", ngx.unescape_uri(false), "]")
        }
    }
--- request
GET /t
--- response_body
[a%20b] [a b]
[a+b] [a b]
[%41%42%43] [ABC]
[%e4%b8%ad%E4%B8%AD] [中中]
[%zz] [%zz]
[%4] [%4]
[%] [%]
[a%] [a%]
[%4%41] [%4A]
[%%41] [%A]
[%00x] [\0x]
[%2B+%2b] [+ +]
[plain] [plain]
[] []
[] [12] []
--- no_error_log
[error]



=== TEST 12: ngx.escape_uri() and ngx.unescape_uri() round-trip every byte
--- config
    location /t {
        content_by_lua_block {
            local t = {}
            for i = 0, 255 do t[#t + 1] = string.char(i) end
            local all = table.concat(t)
            for typ = 0, 2 do
                local e = ngx.escape_uri(all, typ)
                -- type 0 leaves "+", which unescaping turns into " "
                local expected = typ == 0 and (all:gsub("%+", " ")) or all
                ngx.say(typ, ": ", #e, " ", ngx.unescape_uri(e) == expected)
            end
            local big = string.rep(all, 2048)
            local e = ngx.escape_uri(big)
            ngx.say(#e, " ", ngx.unescape_uri(e) == big)
        }
    }
--- request
GET /t
--- response_body
0: 586 true
1: 588 true
2: 626 true
1282048 true
--- no_error_log
[error]



=== TEST 13: ngx.encode_args(): one key at a time
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.encode_args({a = "b c"}))
            ngx.say(ngx.encode_args({["a b"] = "/?=&#+"}))
            ngx.say(ngx.encode_args({n = 3.5}))
            ngx.say(ngx.encode_args({flag = true}))
            ngx.say("[", ngx.encode_args({flag = false}), "]")
            ngx.say("[", ngx.encode_args({}), "]")
            ngx.say(ngx.encode_args({a = {1, "two", true, false, "x y"}}))
            ngx.say("[", ngx.encode_args({a = {}}), "]")
            ngx.say("[", ngx.encode_args({a = {false}}), "]")
            ngx.say(ngx.encode_args({a = ""}))
            ngx.say(ngx.encode_args({["é"] = "\0\255"}))
            ngx.say(ngx.encode_args({a = "~!*'()-._"}))
        }
    }
--- request
GET /t
--- response_body
a=b%20c
a%20b=%2F%3F%3D%26%23%2B
n=3.5
flag
[]
[]
a=1&a=two&a&a=x%20y
[]
[]
a=
%C3%A9=%00%FF
a=~!*'()-._
--- no_error_log
[error]



=== TEST 14: ngx.encode_args(): several keys, any order
--- config
    location /t {
        content_by_lua_block {
            local s = ngx.encode_args({foo = 3, bar = {32, true}, baz = false})
            local parts = {}
            for p in s:gmatch("[^&]+") do parts[#parts + 1] = p end
            table.sort(parts)
            ngx.say(#s, " ", table.concat(parts, " "))
            local args = ngx.decode_args(ngx.encode_args({x = "1 2", y = {"a", "b"}}))
            ngx.say(args.x, " ", table.concat(args.y, ","))
        }
    }
--- request
GET /t
--- response_body
16 bar bar=32 foo=3
1 2 a,b
--- no_error_log
[error]



=== TEST 15: ngx.encode_args(): bad arguments
--- config
    location /t {
        content_by_lua_block {
            local function try(...)
                local ok, err = pcall(ngx.encode_args, ...)
                ngx.say(ok, " ", err)
            end
            try({[1] = "x"})
            try({[true] = "x"})
            try({a = {{}}})
            try({a = print})
            try({a = ngx.null})
            try({a = {print}})
            try("a=b")
            try(nil)
            try()
            try({}, {})
        }
    }
--- request
GET /t
--- response_body
false attempt to use a non-string key in the "args" option table
false attempt to use a non-string key in the "args" option table
false attempt to use table as query arg value
false attempt to use function as query arg value
false attempt to use userdata as query arg value
false attempt to use function as query arg value
false bad argument #1 to '?' (table expected, got string)
false bad argument #1 to '?' (table expected, got nil)
false expecting 1 argument but seen 0
false expecting 1 argument but seen 2
--- no_error_log
[error]



=== TEST 16: ngx.decode_args()
--- config
    location /t {
        content_by_lua_block {
            local function dump(args, err)
                local keys = {}
                for k in pairs(args) do keys[#keys + 1] = k end
                table.sort(keys)
                local out = {}
                for _, k in ipairs(keys) do
                    local v = args[k]
                    if type(v) == "table" then
                        local vs = {}
                        for i, x in ipairs(v) do vs[i] = tostring(x) end
                        v = "{" .. table.concat(vs, ",") .. "}"
                    end
                    out[#out + 1] = k .. "=" .. tostring(v)
                end
                ngx.say("[", table.concat(out, " "), "] ", tostring(err))
            end
            dump(ngx.decode_args("a=1&b=2&a=3&c&d=&=e&&f+g=h%20i&j=%zz"))
            dump(ngx.decode_args("a==b&x=1=2"))
            dump(ngx.decode_args("a=1&a&a=&a=4"))
            dump(ngx.decode_args(""))
            dump(ngx.decode_args("&&&="))
            dump(ngx.decode_args("%61=%62&k%00=v%00"))
            dump(ngx.decode_args(12))
            dump(ngx.decode_args("a"))
        }
    }
--- request
GET /t
--- response_body eval
"[a={1,3} b=2 c=true d= f g=h i j=%zz] nil
[a==b x=1=2] nil
[a={1,true,,4}] nil
[] nil
[] nil
[a=b k\0=v\0] nil
[12=true] nil
[a=true] nil
"
--- no_error_log
[error]



=== TEST 17: ngx.decode_args(): max and "truncated"
--- config
    location /t {
        content_by_lua_block {
            local function count(args, err)
                local n = 0
                for _ in pairs(args) do n = n + 1 end
                ngx.say(n, " ", tostring(err))
            end
            count(ngx.decode_args("a=1&b=2&c=3", 2))
            count(ngx.decode_args("a=1&b=2", 2))
            count(ngx.decode_args("a=1&b=2&", 2))
            count(ngx.decode_args("a=1&b=2&c=3", 0))
            count(ngx.decode_args("a=1&b=2&c=3", -1))
            count(ngx.decode_args("a=1&b=2&c=3", 1.9))
            count(ngx.decode_args("a=1&b=2&c=3", "2"))
            count(ngx.decode_args("&&a=1&b=2", 2))
            local t = {}
            for i = 1, 150 do t[i] = "k" .. i .. "=" .. i end
            local s = table.concat(t, "&")
            count(ngx.decode_args(s))
            count(ngx.decode_args(s, 0))
            count(ngx.decode_args(s, 150))
            count(ngx.decode_args(s, 149))
        }
    }
--- request
GET /t
--- response_body
2 truncated
2 nil
2 truncated
3 nil
3 nil
1 truncated
2 truncated
0 truncated
100 truncated
150 nil
150 nil
149 truncated
--- no_error_log
[error]



=== TEST 18: ngx.decode_args(): bad arguments
--- config
    location /t {
        content_by_lua_block {
            local function try(...)
                local ok, err = pcall(ngx.decode_args, ...)
                ngx.say(ok, " ", err)
            end
            try()
            try(nil)
            try({})
            try("a=1", "x")
            try("a=1", nil)
            try("a=1", {})
            try("a=1", 1, 2)
        }
    }
--- request
GET /t
--- response_body
false expecting 1 or 2 arguments but seen 0
false bad argument #1 to '?' (string expected, got nil)
false bad argument #1 to '?' (string expected, got table)
false bad argument #2 to '?' (number expected, got string)
false bad argument #2 to '?' (number expected, got nil)
false bad argument #2 to '?' (number expected, got table)
false expecting 1 or 2 arguments but seen 3
--- no_error_log
[error]



=== TEST 19: argument errors name the function and the caller's line
--- config
    location /t {
        content_by_lua_block {
            local ok, err = pcall(function ()
                return 1, ngx.decode_args(nil)
            end)
            ngx.say(err)
            ok, err = pcall(function ()
                local s = ngx.quote_sql_str({})
                return s
            end)
            ngx.say(err)
            ok, err = pcall(function ()
                local s = ngx.hmac_sha1("k", nil)
                return s
            end)
            ngx.say(err)
            ok, err = pcall(function ()
                local s = ngx.encode_args({}, 1)
                return s
            end)
            ngx.say(err)
        }
    }
--- request
GET /t
--- response_body_like chomp
\Acontent_by_lua\(nginx\.conf:\d+\):3: bad argument #1 to 'decode_args' \(string expected, got nil\)
content_by_lua\(nginx\.conf:\d+\):7: bad argument #1 to 'quote_sql_str' \(string expected, got table\)
content_by_lua\(nginx\.conf:\d+\):12: bad argument #2 to 'hmac_sha1' \(string expected, got nil\)
content_by_lua\(nginx\.conf:\d+\):17: expecting 1 argument but seen 2
\z
--- no_error_log
[error]



=== TEST 20: ngx.quote_sql_str()
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.quote_sql_str("a'b\"c\\d\n\r\026\0e\b\tf"))
            ngx.say(ngx.quote_sql_str(""))
            ngx.say(ngx.quote_sql_str("plain text"))
            ngx.say(ngx.quote_sql_str("\200\255'é") == "'\200\255\\'é'")
            ngx.say(ngx.quote_sql_str(12.5))
            local t = {}
            for i = 0, 127 do
                local c = string.char(i)
                if #ngx.quote_sql_str(c) ~= 3 then t[#t + 1] = i end
            end
            ngx.say(table.concat(t, " "))
            local big = string.rep("it's ", 100000)
            ngx.say(#ngx.quote_sql_str(big))
        }
    }
--- request
GET /t
--- response_body
'a\'b\"c\\d\n\r\Z\0e\b\tf'
''
'plain text'
true
'12.5'
0 8 9 10 13 26 34 39 92
600002
--- no_error_log
[error]



=== TEST 21: ngx.quote_sql_str(): bad arguments
--- config
    location /t {
        content_by_lua_block {
            local function try(...)
                local ok, err = pcall(ngx.quote_sql_str, ...)
                ngx.say(ok, " ", err)
            end
            try()
            try(nil)
            try(true)
            try("a", "b")
        }
    }
--- request
GET /t
--- response_body
false expecting one argument
false bad argument #1 to '?' (string expected, got nil)
false bad argument #1 to '?' (string expected, got boolean)
false expecting one argument
--- no_error_log
[error]



=== TEST 22: ngx.md5() and ngx.md5_bin()
--- config
    location /t {
        content_by_lua_block {
            ngx.say(ngx.md5(""))
            ngx.say(ngx.md5("The quick brown fox jumps over the lazy dog"))
            ngx.say(ngx.md5(nil), " ", ngx.md5())
            ngx.say(ngx.md5(12), " ", ngx.md5("12"))
            ngx.say(ngx.md5(true))
            local bin = ngx.md5_bin("The quick brown fox jumps over the lazy dog")
            ngx.say(#bin, " ", (bin:gsub(".", function (c)
                return string.format("%02x", c:byte())
            end)))
            ngx.say(ngx.md5_bin(false) == ngx.md5_bin(""))
            local t = {}
            for i = 0, 255 do t[#t + 1] = string.char(i) end
            ngx.say(ngx.md5(table.concat(t)))
            ngx.say(ngx.md5(string.rep("a", 1000000)))
        }
    }
--- request
GET /t
--- response_body
d41d8cd98f00b204e9800998ecf8427e
9e107d9d372bb6826bd81d3542a419d6
d41d8cd98f00b204e9800998ecf8427e d41d8cd98f00b204e9800998ecf8427e
c20ad4d76fe97759aa27a0c99bff6710 c20ad4d76fe97759aa27a0c99bff6710
b326b5062b2f0e69046810717534cb09
16 9e107d9d372bb6826bd81d3542a419d6
true
e2c865db4162bed963bfaa9ef6ac18f0
7707d6ae4e027c70eea2a935c2296f21
--- no_error_log
[error]



=== TEST 23: ngx.sha1_bin()
--- config
    location /t {
        content_by_lua_block {
            local function hex(s)
                return (s:gsub(".", function (c)
                    return string.format("%02x", c:byte())
                end))
            end
            ngx.say(hex(ngx.sha1_bin("")))
            ngx.say(hex(ngx.sha1_bin("The quick brown fox jumps over the lazy dog")))
            ngx.say(hex(ngx.sha1_bin(nil)) == hex(ngx.sha1_bin("")))
            ngx.say(hex(ngx.sha1_bin(12)) == hex(ngx.sha1_bin("12")))
            local t = {}
            for i = 0, 255 do t[#t + 1] = string.char(i) end
            ngx.say(hex(ngx.sha1_bin(table.concat(t))))
            ngx.say(hex(ngx.sha1_bin(string.rep("a", 1000000))))
        }
    }
--- request
GET /t
--- response_body
da39a3ee5e6b4b0d3255bfef95601890afd80709
2fd4e1c67a2d28fced849ee1bb76e7391b93eb12
true
true
4916d6bdb7f78e6803698cab32d1586ea457dfc8
34aa973cd4c4daa4f61eeb2bdbad27316534016f
--- no_error_log
[error]



=== TEST 24: ngx.hmac_sha1()
--- config
    location /t {
        content_by_lua_block {
            local function hex(s)
                return (s:gsub(".", function (c)
                    return string.format("%02x", c:byte())
                end))
            end
            ngx.say(hex(ngx.hmac_sha1("key", "The quick brown fox jumps over the lazy dog")))
            ngx.say(hex(ngx.hmac_sha1("", "")))
            ngx.say(hex(ngx.hmac_sha1(string.rep("k", 100), "x")))
            ngx.say(hex(ngx.hmac_sha1(12, 34)) == hex(ngx.hmac_sha1("12", "34")))
            ngx.say(#ngx.hmac_sha1("k\0ey", string.rep("\0", 100000)))
        }
    }
--- request
GET /t
--- response_body
de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9
fbdb1d1b18aa6c08324b7d64b71fb76370690e1d
f0f06edc45a0697855c766dd91a235f449aaa384
true
20
--- no_error_log
[error]



=== TEST 25: ngx.hmac_sha1(): bad arguments
--- config
    location /t {
        content_by_lua_block {
            local function try(...)
                local ok, err = pcall(ngx.hmac_sha1, ...)
                ngx.say(ok, " ", err)
            end
            try()
            try("k")
            try("k", "v", "x")
            try(nil, "v")
            try("k", nil)
            try("k", {})
        }
    }
--- request
GET /t
--- response_body
false expecting 2 arguments, but got 0
false expecting 2 arguments, but got 1
false expecting 2 arguments, but got 3
false bad argument #1 to '?' (string expected, got nil)
false bad argument #2 to '?' (string expected, got nil)
false bad argument #2 to '?' (string expected, got table)
--- no_error_log
[error]



=== TEST 26: ngx.crc32_short() and ngx.crc32_long() (zlib's CRC-32)
--- config
    location /t {
        content_by_lua_block {
            for _, f in ipairs{ngx.crc32_short, ngx.crc32_long} do
                ngx.say(f("hello"), " ",
                        f("The quick brown fox jumps over the lazy dog"), " ",
                        f(""), " ", f(nil), " ", f(), " ", f(12))
            end
            local t = {}
            for i = 0, 255 do t[#t + 1] = string.char(i) end
            ngx.say(ngx.crc32_long(table.concat(t)))
            ngx.say(ngx.crc32_long(string.rep("a", 1000000)))
            ngx.say(ngx.crc32_short("\255\255\255\255"))
        }
    }
--- request
GET /t
--- response_body
907060870 1095738169 0 0 0 1330857165
907060870 1095738169 0 0 0 1330857165
688229491
3693461436
4294967295
--- no_error_log
[error]



=== TEST 27: the helpers in a hot loop
--- config
    location /t {
        content_by_lua_block {
            local n = 0
            for i = 1, 500 do
                local s = "key" .. i .. " value/" .. i
                if ngx.decode_base64(ngx.encode_base64(s)) == s
                   and ngx.unescape_uri(ngx.escape_uri(s)) == s
                   and #ngx.md5(s) == 32 and #ngx.sha1_bin(s) == 20
                   and ngx.crc32_long(s) == ngx.crc32_short(s)
                   and #ngx.hmac_sha1(s, s) == 20
                   and ngx.quote_sql_str(s) == "'" .. s .. "'"
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
500
--- no_error_log
[error]
