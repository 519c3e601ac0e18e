# lua_regex_cache_max_entries and lua_regex_match_limit. Every block
# also passes on nginx + lua-nginx-module 0.10.23 + lua-resty-core:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/037-lua-re-conf.t

use Test::Nginx::Socket 'no_plan';

no_long_string();
run_tests();

__DATA__

=== TEST 1: lua_regex_cache_max_entries 0: "o" compiles every time
--- http_config
    lua_regex_cache_max_entries 0;
--- config
    location /t {
        content_by_lua_block {
            for i = 1, 3 do
                ngx.say(ngx.re.match("hello" .. i, "l+o(\\d)", "jo")[1])
                ngx.say(ngx.re.gsub("hello" .. i, "l", "L", "jo"))
            end
            -- nothing was cached, so the JIT stack may still change
            ngx.say(pcall(require("ngx.re").opt, "jit_stack_size", 64 * 1024))
        }
    }
--- request
GET /t
--- response_body
1
heLLo12
2
heLLo22
3
heLLo32
true
--- no_error_log
[error]
[warn]



=== TEST 2: lua_regex_cache_max_entries 2: a full cache still gives the same results
--- http_config
    lua_regex_cache_max_entries 2;
--- config
    location /t {
        content_by_lua_block {
            local out = {}
            for round = 1, 2 do
                for i = 1, 5 do
                    local m = ngx.re.match("a" .. i, "a(" .. i .. ")", "o")
                    local s = ngx.re.gsub("a" .. i, "a" .. i, "x" .. i, "o")
                    local f = ngx.re.gsub("a" .. i, "a" .. i, function () return "y" end, "o")
                    out[#out + 1] = m[1] .. s .. f
                end
            end
            ngx.say(table.concat(out, " "))
            ngx.say(pcall(require("ngx.re").opt, "jit_stack_size", 64 * 1024))
        }
    }
--- request
GET /t
--- response_body
1x1y 2x2y 3x3y 4x4y 5x5y 1x1y 2x2y 3x3y 4x4y 5x5y
falsechanging jit stack size is not allowed when some regexs have already been compiled and cached
--- no_error_log
[error]



=== TEST 3: lua_regex_match_limit stops long backtracking
--- http_config
    lua_regex_match_limit 1000;
--- config
    location /t {
        content_by_lua_block {
            local s = string.rep("a", 20) .. "b"
            local m, err = ngx.re.match(s, "(a+)+$")
            ngx.say(tostring(m), " ", err)
            local from, to, err = ngx.re.find(s, "(a+)+$", "o")
            ngx.say(tostring(from), " ", err)
            local r, n, err = ngx.re.gsub(s, "(a+)+$", "x")
            ngx.say(tostring(r), " ", err)
            ngx.say(ngx.re.match("hello", "l+")[0])
        }
    }
--- request
GET /t
--- response_body_like chomp
\Anil pcre_exec\(\) failed: -(8|47)
nil pcre_exec\(\) failed: -(8|47)
nil pcre_exec\(\) failed: -(8|47)
ll
\z
--- no_error_log
[error]



=== TEST 4: without lua_regex_match_limit the same regex runs to its end
--- config
    location /t {
        content_by_lua_block {
            local s = string.rep("a", 20) .. "b"
            local m, err = ngx.re.match(s, "(a+)+$")
            ngx.say(tostring(m), " ", tostring(err))
        }
    }
--- request
GET /t
--- response_body
nil nil
--- no_error_log
[error]
