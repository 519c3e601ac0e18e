# ngx.ctx: one table per request, shared by every Lua phase of the
# request, started afresh by internal redirects, released when the
# request ends. Every block also passes on nginx + lua-nginx-module:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/024-lua-ctx.t

use Test::Nginx::Socket 'no_plan';

no_long_string();
run_tests();

__DATA__

=== TEST 1: ngx.ctx across every request phase
--- config
    location /t {
        set_by_lua_block $x { ngx.ctx.trail = { "set" } return "" }
        rewrite_by_lua_block { table.insert(ngx.ctx.trail, "rewrite") }
        access_by_lua_block { table.insert(ngx.ctx.trail, "access") }
        content_by_lua_block {
            table.insert(ngx.ctx.trail, "content")
            ngx.say(table.concat(ngx.ctx.trail, ","))
        }
        header_filter_by_lua_block {
            table.insert(ngx.ctx.trail, "header_filter")
            ngx.header["X-Trail"] = table.concat(ngx.ctx.trail, ",")
        }
        body_filter_by_lua_block {
            if ngx.arg[2] then
                table.insert(ngx.ctx.trail, "body_filter")
            end
        }
        log_by_lua_block {
            table.insert(ngx.ctx.trail, "log")
            ngx.log(ngx.WARN, "trail: ", table.concat(ngx.ctx.trail, ","))
        }
    }
--- request
GET /t
--- response_headers
X-Trail: set,rewrite,access,content,header_filter
--- response_body
set,rewrite,access,content
--- error_log
trail: set,rewrite,access,content,header_filter,body_filter,log
--- no_error_log
[error]



=== TEST 2: the same table in every phase
--- config
    location /t {
        rewrite_by_lua_block { ngx.ctx.self = ngx.ctx }
        content_by_lua_block { ngx.say(ngx.ctx.self == ngx.ctx) }
    }
--- request
GET /t
--- response_body
true
--- no_error_log
[error]



=== TEST 3: each request has its own ngx.ctx
--- config
    location /t {
        rewrite_by_lua_block {
            ngx.ctx.n = (ngx.ctx.n or 0) + tonumber(ngx.var.arg_n)
        }
        content_by_lua_block { ngx.say(ngx.ctx.n) }
    }
--- pipelined_requests eval
["GET /t?n=1", "GET /t?n=2", "GET /t?n=3"]
--- response_body eval
["1\n", "2\n", "3\n"]
--- no_error_log
[error]



=== TEST 4: ngx.exec starts a new ngx.ctx
--- config
    location /t {
        rewrite_by_lua_block {
            ngx.ctx.before = "set before exec"
            ngx.exec("/target")
        }
    }
    location /target {
        rewrite_by_lua_block { ngx.ctx.after = "target" }
        content_by_lua_block {
            ngx.say(tostring(ngx.ctx.before), " ", ngx.ctx.after)
        }
    }
--- request
GET /t
--- response_body
nil target
--- no_error_log
[error]



=== TEST 5: ngx.exec to a named location starts a new ngx.ctx
--- config
    location /t {
        content_by_lua_block {
            ngx.ctx.foo = "bar"
            ngx.exec("@named")
        }
    }
    location @named {
        content_by_lua_block { ngx.say("foo: ", tostring(ngx.ctx.foo)) }
    }
--- request
GET /t
--- response_body
foo: nil
--- no_error_log
[error]



=== TEST 6: error_page starts a new ngx.ctx
--- config
    location /t {
        access_by_lua_block {
            ngx.ctx.denied = true
            ngx.exit(403)
        }
        error_page 403 /err;
    }
    location /err {
        content_by_lua_block { ngx.say("denied: ", tostring(ngx.ctx.denied)) }
    }
--- request
GET /t
--- error_code: 403
--- response_body
denied: nil
--- no_error_log
[error]



=== TEST 7: ngx.ctx can be replaced by a table
--- config
    location /t {
        rewrite_by_lua_block { ngx.ctx = { replaced = "yes" } }
        content_by_lua_block { ngx.say(ngx.ctx.replaced) }
    }
--- request
GET /t
--- response_body
yes
--- no_error_log
[error]



=== TEST 8: ngx.ctx replaced after it was used
--- config
    location /t {
        rewrite_by_lua_block {
            ngx.ctx.old = 1
            ngx.ctx = { new = 2 }
        }
        content_by_lua_block { ngx.say(tostring(ngx.ctx.old), " ", ngx.ctx.new) }
    }
--- request
GET /t
--- response_body
nil 2
--- no_error_log
[error]



=== TEST 9: ngx.ctx can only be replaced by a table
--- config
    location /t {
        content_by_lua_block { ngx.ctx = "a string" }
    }
--- request
GET /t
--- error_code: 500
--- response_body_like: 500 Internal Server Error
--- error_log
ctx should be a table while getting a string



=== TEST 10: ngx.ctx inside a coroutine of the handler
--- config
    location /t {
        content_by_lua_block {
            ngx.ctx.outer = "outer"
            local co = coroutine.wrap(function ()
                ngx.ctx.inner = ngx.ctx.outer .. "+inner"
            end)
            co()
            ngx.say(ngx.ctx.inner)
        }
    }
--- request
GET /t
--- response_body
outer+inner
--- no_error_log
[error]



=== TEST 11: ngx.ctx holds any Lua value
--- config
    location /t {
        rewrite_by_lua_block {
            ngx.ctx.f = function (a) return a * 2 end
            ngx.ctx.t = { list = { 1, 2, 3 } }
            ngx.ctx.b = false
        }
        content_by_lua_block {
            ngx.say(ngx.ctx.f(21), " ", #ngx.ctx.t.list, " ", tostring(ngx.ctx.b))
        }
    }
--- request
GET /t
--- response_body
42 3 false
--- no_error_log
[error]



=== TEST 12: ngx.ctx is not available in init_by_lua
--- http_config
    init_by_lua_block {
        local ok, err = pcall(function () return ngx.ctx end)
        ctx_in_init = tostring(ok) .. " " .. err
    }
--- config
    location /t {
        content_by_lua_block { ngx.say(ctx_in_init) }
    }
--- request
GET /t
--- response_body_like
^false .*no request found
--- no_error_log
[error]



=== TEST 13: ngx.ctx tables are released when requests end
--- config
    location /t {
        content_by_lua_block {
            ngx.ctx.x = "live"
            local n = 0
            for _, v in pairs(debug.getregistry().ngx_lua_ctx_tables) do
                if type(v) == "table" then
                    n = n + 1
                end
            end
            ngx.say("live tables: ", n)
        }
    }
--- pipelined_requests eval
["GET /t", "GET /t", "GET /t", "GET /t"]
--- response_body eval
["live tables: 1\n", "live tables: 1\n", "live tables: 1\n", "live tables: 1\n"]
--- no_error_log
[error]



=== TEST 14: ngx.ctx with lua_code_cache off
--- config
    location /t {
        lua_code_cache off;
        rewrite_by_lua_block { ngx.ctx.v = "kept" }
        content_by_lua_block { ngx.say(ngx.ctx.v) }
        log_by_lua_block { ngx.log(ngx.WARN, "log sees ", ngx.ctx.v) }
    }
--- request
GET /t
--- response_body
kept
--- error_log
log sees kept



=== TEST 15: ngx.ctx seen by the header filter of a static file
--- config
    location = /file.txt {
        root html;
        rewrite_by_lua_block { ngx.ctx.tag = "static" }
        header_filter_by_lua_block { ngx.header["X-Tag"] = ngx.ctx.tag }
    }
--- user_files
>>> file.txt
content
--- request
GET /file.txt
--- response_headers
X-Tag: static
--- response_body
content
--- no_error_log
[error]



=== TEST 16: ngx.ctx in log_by_lua after an internal redirect is the target's
--- config
    location /t {
        rewrite_by_lua_block { ngx.ctx.where = "first"; ngx.exec("/target") }
    }
    location /target {
        rewrite_by_lua_block { ngx.ctx.where = "target" }
        content_by_lua_block { ngx.say("ok") }
        log_by_lua_block { ngx.log(ngx.WARN, "log ctx: ", ngx.ctx.where) }
    }
--- request
GET /t
--- response_body
ok
--- error_log
log ctx: target
