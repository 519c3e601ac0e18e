# Leaving a handler: ngx.exit(status) in each phase, ngx.exec(uri, args)
# (internal redirects, named locations), ngx.redirect(uri, status),
# ngx.eof(), ngx.flush() and ngx.headers_sent. Every block also passes on
# nginx + lua-nginx-module:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/023-lua-exit-exec-redirect.t

use Test::Nginx::Socket 'no_plan';

no_long_string();
run_tests();

__DATA__

=== TEST 1: ngx.exit(403) in rewrite_by_lua
--- config
    location /t {
        rewrite_by_lua_block { ngx.exit(403) }
        content_by_lua_block { ngx.say("no") }
    }
--- request
GET /t
--- error_code: 403
--- response_body_like: 403 Forbidden
--- no_error_log
[error]



=== TEST 2: ngx.exit(ngx.OK) in rewrite_by_lua goes on to later phases
--- config
    location /t {
        rewrite_by_lua_block {
            ngx.ctx.a = "rewrite"
            ngx.exit(ngx.OK)
            ngx.ctx.a = "not reached"
        }
        access_by_lua_block { ngx.ctx.b = "access" }
        content_by_lua_block { ngx.say(ngx.ctx.a, " ", ngx.ctx.b) }
    }
--- request
GET /t
--- response_body
rewrite access
--- no_error_log
[error]



=== TEST 3: ngx.exit(ngx.OK) in access_by_lua goes on to content
--- config
    location /t {
        access_by_lua_block { ngx.exit(ngx.OK) }
        content_by_lua_block { ngx.say("content") }
    }
--- request
GET /t
--- response_body
content
--- no_error_log
[error]



=== TEST 4: ngx.exit(ngx.HTTP_FORBIDDEN) in access_by_lua
--- config
    location /t {
        access_by_lua_block {
            if ngx.var.arg_user ~= "admin" then
                ngx.exit(ngx.HTTP_FORBIDDEN)
            end
        }
        content_by_lua_block { ngx.say("welcome") }
    }
--- request eval
["GET /t?user=guest", "GET /t?user=admin"]
--- error_code eval
[403, 200]
--- response_body_like eval
["403 Forbidden", "welcome"]
--- no_error_log
[error]



=== TEST 5: ngx.exit(200) after output in rewrite_by_lua
--- config
    location /t {
        rewrite_by_lua_block {
            ngx.say("said in rewrite")
            ngx.exit(200)
        }
        content_by_lua_block { ngx.say("no") }
    }
--- request
GET /t
--- response_body
said in rewrite
--- no_error_log
[error]



=== TEST 6: ngx.exit(201) with ngx.status and a body in access_by_lua
--- config
    location /t {
        access_by_lua_block {
            ngx.status = 201
            ngx.say("created")
            ngx.exit(201)
        }
        content_by_lua_block { ngx.say("no") }
    }
--- request
GET /t
--- error_code: 201
--- response_body
created
--- no_error_log
[error]



=== TEST 7: ngx.exit(204) in rewrite_by_lua: no body, no type
--- config
    location /t {
        rewrite_by_lua_block { ngx.exit(204) }
    }
--- request
GET /t
--- error_code: 204
--- response_headers
!Content-Type
--- response_body
--- no_error_log
[error]



=== TEST 8: ngx.exit(404) in content_by_lua
--- config
    location /t {
        content_by_lua_block { ngx.exit(ngx.HTTP_NOT_FOUND) }
    }
--- request
GET /t
--- error_code: 404
--- response_body_like: 404 Not Found
--- no_error_log
[error]



=== TEST 9: ngx.exit(ngx.OK) in content_by_lua keeps what was said
--- config
    location /t {
        content_by_lua_block {
            ngx.say("part one")
            ngx.exit(ngx.OK)
            ngx.say("not reached")
        }
    }
--- request
GET /t
--- response_body
part one
--- no_error_log
[error]



=== TEST 10: ngx.exit(500) after the header went out
--- config
    location /t {
        content_by_lua_block {
            ngx.say("sent")
            ngx.flush()
            ngx.exit(500)
        }
    }
--- request
GET /t
--- response_body
sent
--- error_log
attempt to set status 500 via ngx.exit after sending out the response status 200



=== TEST 11: ngx.exit refuses ngx.AGAIN
--- config
    location /t {
        content_by_lua_block { ngx.exit(ngx.AGAIN) }
    }
--- request
GET /t
--- error_code: 500
--- response_body_like: 500 Internal Server Error
--- error_log
bad argument to 'ngx.exit': does not accept NGX_AGAIN or NGX_DONE



=== TEST 12: ngx.exit inside a coroutine of the handler ends the request
--- config
    location /t {
        content_by_lua_block {
            local co = coroutine.create(function ()
                ngx.say("in coroutine")
                ngx.exit(ngx.OK)
                ngx.say("not reached in coroutine")
            end)
            coroutine.resume(co)
            ngx.say("not reached after resume")
        }
    }
--- request
GET /t
--- response_body
in coroutine
--- no_error_log
[error]



=== TEST 13: ngx.exit(503) from a coroutine.wrap function in rewrite
--- config
    location /t {
        rewrite_by_lua_block {
            local f = coroutine.wrap(function () ngx.exit(503) end)
            f()
            ngx.log(ngx.ERR, "not reached")
        }
        content_by_lua_block { ngx.say("no") }
    }
--- request
GET /t
--- error_code: 503
--- response_body_like: 503 Service Temporarily Unavailable
--- no_error_log
[error]



=== TEST 14: ngx.exec from content_by_lua with a string of args
--- config
    location /t {
        content_by_lua_block { ngx.exec("/target", "a=1&b=2") }
    }
    location /target {
        content_by_lua_block { ngx.say("uri: ", ngx.var.uri, " args: ", ngx.var.args) }
    }
--- request
GET /t?orig=1
--- response_body
uri: /target args: a=1&b=2
--- no_error_log
[error]



=== TEST 15: ngx.exec with a table of args
--- config
    location /t {
        content_by_lua_block {
            ngx.exec("/target", { foo = "a b/c", flag = true, off = false })
        }
    }
    location /target {
        content_by_lua_block {
            local args = ngx.req.get_uri_args()
            ngx.say("foo=", args.foo, " flag=", tostring(args.flag),
                    " off=", tostring(args.off))
        }
    }
--- request
GET /t
--- response_body
foo=a b/c flag=true off=nil
--- no_error_log
[error]



=== TEST 16: ngx.exec escapes table args as URI components
--- config
    location /t {
        content_by_lua_block { ngx.exec("/target", { q = "a/b&c=d e+f~!'()*@#?" }) }
    }
    location /target {
        content_by_lua_block { ngx.say(ngx.var.args) }
    }
--- request
GET /t
--- response_body
q=a%2Fb%26c%3Dd%20e%2Bf~!'()*%40%23%3F
--- no_error_log
[error]



=== TEST 17: ngx.exec with list values and a number
--- config
    location /t {
        content_by_lua_block { ngx.exec("/target", { k = { 1, true, false, "v" } }) }
    }
    location /u {
        content_by_lua_block { ngx.exec("/target", 42) }
    }
    location /target {
        content_by_lua_block { ngx.say(ngx.var.args) }
    }
--- request eval
["GET /t", "GET /u"]
--- response_body eval
["k=1&k&k=v\n", "42\n"]
--- no_error_log
[error]



=== TEST 18: ngx.exec joins the uri's query string and the args
--- config
    location /t {
        content_by_lua_block { ngx.exec("/target?x=1", "y=2") }
    }
    location /target {
        content_by_lua_block { ngx.say(ngx.var.args) }
    }
--- request
GET /t
--- response_body
x=1&y=2
--- no_error_log
[error]



=== TEST 19: ngx.exec from rewrite_by_lua
--- config
    location /t {
        rewrite_by_lua_block { ngx.exec("/target") }
        content_by_lua_block { ngx.say("no") }
    }
    location /target {
        content_by_lua_block { ngx.say("target via rewrite") }
    }
--- request
GET /t
--- response_body
target via rewrite
--- no_error_log
[error]



=== TEST 20: ngx.exec from access_by_lua to a static file
--- config
    location /t {
        access_by_lua_block { ngx.exec("/file.txt") }
    }
    location = /file.txt {
        root html;
    }
--- user_files
>>> file.txt
a file
--- request
GET /t
--- response_body
a file
--- no_error_log
[error]



=== TEST 21: ngx.exec to a named location keeps the uri, drops args
--- config
    location /t {
        content_by_lua_block { ngx.exec("@named", "a=1") }
    }
    location @named {
        content_by_lua_block { ngx.say("named: ", ngx.var.uri, " ", tostring(ngx.var.args)) }
    }
--- request
GET /t
--- response_body
named: /t nil
--- error_log
query strings a=1 ignored when exec'ing named location @named



=== TEST 22: ngx.exec to a missing named location
--- config
    location /t {
        content_by_lua_block { ngx.exec("@nowhere") }
    }
--- request
GET /t
--- error_code: 500
--- response_body_like: 500 Internal Server Error
--- error_log
could not find named location "@nowhere"



=== TEST 23: code after ngx.exec does not run
--- config
    location /t {
        content_by_lua_block {
            ngx.exec("/target")
            ngx.log(ngx.ERR, "after exec")
        }
    }
    location /target {
        content_by_lua_block { ngx.say("target") }
    }
--- request
GET /t
--- response_body
target
--- no_error_log
after exec



=== TEST 24: ngx.exec after output is an error
--- config
    location /t {
        content_by_lua_block {
            ngx.say("output")
            ngx.exec("/target")
        }
    }
    location /target {
        content_by_lua_block { ngx.say("target") }
    }
--- request
GET /t
--- ignore_response
--- error_log
attempt to call ngx.exec after sending out response headers



=== TEST 25: ngx.exec with an empty uri
--- config
    location /t {
        content_by_lua_block { ngx.exec("") }
    }
--- request
GET /t
--- error_code: 500
--- response_body_like: 500 Internal Server Error
--- error_log
The uri argument is empty



=== TEST 26: ngx.exec with an unsafe uri
--- config
    location /t {
        content_by_lua_block { ngx.exec("/../etc/passwd") }
    }
--- request
GET /t
--- error_code: 500
--- response_body_like: 500 Internal Server Error
--- error_log
unsafe URI "/../etc/passwd" was detected
unsafe uri



=== TEST 27: ngx.exec without arguments
--- config
    location /t {
        content_by_lua_block { ngx.exec() }
    }
--- request
GET /t
--- error_code: 500
--- response_body_like: 500 Internal Server Error
--- error_log
expecting one or two arguments, but got 0



=== TEST 28: ngx.exec with bad args
--- config
    location /u {
        content_by_lua_block { ngx.exec("/t", true) }
    }
--- request
GET /u
--- error_code: 500
--- response_body_like: 500 Internal Server Error
--- error_log
bad argument #2 to 'exec' (string, number, or table expected, but got boolean)



=== TEST 29: ngx.exec loops end with a 500
--- config
    location /t {
        content_by_lua_block { ngx.exec("/t") }
    }
--- request
GET /t
--- error_code: 500
--- response_body_like: 500 Internal Server Error
--- error_log
rewrite or internal redirection cycle while internally redirecting to "/t"



=== TEST 30: ngx.exec keeps the method
--- config
    location /t {
        rewrite_by_lua_block { ngx.exec("/target") }
    }
    location /target {
        content_by_lua_block { ngx.say(ngx.req.get_method()) }
    }
--- request
DELETE /t
--- response_body
DELETE
--- no_error_log
[error]



=== TEST 31: ngx.redirect defaults to 302, a local path stays as it is
--- config
    location /t {
        content_by_lua_block { ngx.redirect("/foo") }
    }
--- request
GET /t
--- error_code: 302
--- response_headers
Location: /foo
--- response_body_like: 302 Found
--- no_error_log
[error]



=== TEST 32: ngx.redirect 301 to a URL from rewrite_by_lua
--- config
    location /t {
        rewrite_by_lua_block { ngx.redirect("http://example.com/new", 301) }
        content_by_lua_block { ngx.say("no") }
    }
--- request
GET /t
--- error_code: 301
--- response_headers
Location: http://example.com/new
--- response_body_like: 301 Moved Permanently
--- no_error_log
[error]



=== TEST 33: ngx.redirect with 303, 307 and 308 from access_by_lua
--- config
    location /t {
        access_by_lua_block {
            ngx.redirect("/to/" .. ngx.var.arg_s, tonumber(ngx.var.arg_s))
        }
    }
--- request eval
["GET /t?s=303", "GET /t?s=307", "GET /t?s=308"]
--- error_code eval
[303, 307, 308]
--- response_headers eval
["Location: /to/303", "Location: /to/307", "Location: /to/308"]
--- no_error_log
[error]



=== TEST 34: ngx.redirect with a constant
--- config
    location /t {
        content_by_lua_block { ngx.redirect("/x", ngx.HTTP_MOVED_PERMANENTLY) }
    }
--- request
GET /t
--- error_code: 301
--- response_headers
Location: /x
--- no_error_log
[error]



=== TEST 35: ngx.redirect refuses other statuses
--- config
    location /t {
        content_by_lua_block { ngx.redirect("/x", 200) }
    }
--- request
GET /t
--- error_code: 500
--- response_body_like: 500 Internal Server Error
--- error_log
only ngx.HTTP_MOVED_TEMPORARILY, ngx.HTTP_MOVED_PERMANENTLY, ngx.HTTP_PERMANENT_REDIRECT, ngx.HTTP_SEE_OTHER, and ngx.HTTP_TEMPORARY_REDIRECT are allowed



=== TEST 36: ngx.redirect after output is an error
--- config
    location /t {
        content_by_lua_block {
            ngx.say("output")
            ngx.redirect("/x")
        }
    }
--- request
GET /t
--- ignore_response
--- error_log
attempt to call ngx.redirect after sending out the headers



=== TEST 37: ngx.redirect refuses CR and LF in the uri
--- config
    location /t {
        content_by_lua_block { ngx.redirect("/a\r\nSet-Cookie: x=1") }
    }
--- request
GET /t
--- error_code: 500
--- response_headers
!Set-Cookie
--- error_log
unsafe byte "0x0d" in redirect uri



=== TEST 38: code after ngx.redirect does not run
--- config
    location /t {
        content_by_lua_block {
            ngx.redirect("/x")
            ngx.log(ngx.ERR, "after redirect")
        }
    }
--- request
GET /t
--- error_code: 302
--- no_error_log
after redirect



=== TEST 39: ngx.redirect keeps headers set before
--- config
    location /t {
        content_by_lua_block {
            ngx.header["X-Before"] = "kept"
            return ngx.redirect("/x")
        }
    }
--- request
GET /t
--- error_code: 302
--- response_headers
X-Before: kept
Location: /x



=== TEST 40: ngx.eof ends the response, the handler goes on
--- config
    location /t {
        content_by_lua_block {
            ngx.say("before eof")
            ngx.eof()
            ngx.log(ngx.WARN, "after eof, headers sent: ", tostring(ngx.headers_sent))
            local ok, err = ngx.say("after eof")
            ngx.log(ngx.WARN, "say after eof: ", tostring(ok), " ", err)
        }
    }
--- request
GET /t
--- response_body
before eof
--- error_log
after eof, headers sent: true
say after eof: nil seen eof
--- no_error_log
[error]



=== TEST 41: ngx.eof in rewrite_by_lua
--- config
    location /t {
        rewrite_by_lua_block {
            ngx.say("rewrite says")
            ngx.eof()
        }
        content_by_lua_block { ngx.say("no") }
    }
--- request
GET /t
--- response_body
rewrite says
--- no_error_log
[error]



=== TEST 42: ngx.eof twice
--- config
    location /t {
        content_by_lua_block {
            ngx.say("x")
            ngx.eof()
            local ok, err = ngx.eof()
            ngx.log(ngx.WARN, "second eof: ", tostring(ok), " ", err)
        }
    }
--- request
GET /t
--- response_body
x
--- error_log
second eof: nil seen eof



=== TEST 43: ngx.headers_sent before and after output
--- config
    location /t {
        content_by_lua_block {
            local before = ngx.headers_sent
            ngx.say("x")
            ngx.flush()
            ngx.say("before: ", tostring(before), " after: ", tostring(ngx.headers_sent))
        }
    }
--- request
GET /t
--- response_body
x
before: false after: true
--- no_error_log
[error]



=== TEST 44: ngx.flush returns 1, and ngx.flush(true)
--- config
    location /t {
        content_by_lua_block {
            ngx.say("one")
            local a = ngx.flush()
            ngx.say("two")
            local b = ngx.flush(true)
            ngx.say(a, " ", b)
        }
    }
--- request
GET /t
--- response_body
one
two
1 1
--- no_error_log
[error]



=== TEST 45: ngx.flush after ngx.eof
--- config
    location /t {
        content_by_lua_block {
            ngx.say("x")
            ngx.eof()
            local ok, err = ngx.flush()
            ngx.log(ngx.WARN, "flush after eof: ", tostring(ok), " ", err)
        }
    }
--- request
GET /t
--- response_body
x
--- error_log
flush after eof: nil seen eof



=== TEST 46: a large response goes out in pieces
--- config
    location /t {
        content_by_lua_block {
            local s = string.rep("a", 1000)
            for i = 1, 100 do
                ngx.print(s)
            end
            ngx.say()
        }
    }
--- request
GET /t
--- response_body eval
"a" x 100000 . "\n"
--- no_error_log
[error]



=== TEST 47: ngx.exec is disabled in header_filter_by_lua
--- config
    location /t {
        content_by_lua_block { ngx.say("ok") }
        header_filter_by_lua_block { ngx.exec("/x") }
    }
--- request
GET /t
--- ignore_response
--- error_log
API disabled in the context of header_filter_by_lua*



=== TEST 48: ngx.redirect is disabled in body_filter_by_lua
--- config
    location /t {
        content_by_lua_block { ngx.say("ok") }
        body_filter_by_lua_block { ngx.redirect("/x") }
    }
--- request
GET /t
--- ignore_response
--- error_log
API disabled in the context of body_filter_by_lua*



=== TEST 49: ngx.exec is disabled in log_by_lua
--- config
    location /t {
        content_by_lua_block { ngx.say("ok") }
        log_by_lua_block { ngx.exec("/x") }
    }
--- request
GET /t
--- response_body
ok
--- error_log
API disabled in the context of log_by_lua*



=== TEST 50: ngx.eof is disabled in set_by_lua
--- config
    location /t {
        set_by_lua_block $x { ngx.eof() }
        return 200 "$x";
    }
--- request
GET /t
--- error_code: 500
--- response_body_like: 500 Internal Server Error
--- error_log
API disabled in the context of set_by_lua*



=== TEST 51: ngx.flush is disabled in header_filter_by_lua
--- config
    location /t {
        content_by_lua_block { ngx.say("ok") }
        header_filter_by_lua_block { ngx.flush() }
    }
--- request
GET /t
--- ignore_response
--- error_log
API disabled in the context of header_filter_by_lua*



=== TEST 52: ngx.redirect after ngx.exec's target sets a header
--- config
    location /t {
        rewrite_by_lua_block { ngx.exec("/target") }
    }
    location /target {
        rewrite_by_lua_block { ngx.redirect("/final", 307) }
    }
--- request
GET /t
--- error_code: 307
--- response_headers
Location: /final
--- no_error_log
[error]
