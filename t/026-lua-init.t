# init_by_lua* (before the workers, in the VM they inherit),
# init_worker_by_lua* and exit_worker_by_lua* (in each worker): what they
# leave to requests, ngx.get_phase(), their errors, the file and string
# forms, lua_code_cache off. Every block also passes on nginx +
# lua-nginx-module:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/026-lua-init.t

use Test::Nginx::Socket 'no_plan';

no_long_string();
run_tests();

__DATA__

=== TEST 1: init_by_lua_block sets a global for the requests
--- http_config
    init_by_lua_block { init_value = "set in init" }
--- config
    location /t {
        content_by_lua_block { ngx.say(init_value) }
    }
--- request
GET /t
--- response_body
set in init
--- no_error_log
[error]
[warn]



=== TEST 2: ngx.get_phase() in init_by_lua and init_worker_by_lua
--- http_config
    init_by_lua_block { init_phase = ngx.get_phase() }
    init_worker_by_lua_block { worker_phase = ngx.get_phase() }
--- config
    location /t {
        content_by_lua_block { ngx.say(init_phase, " ", worker_phase) }
    }
--- request
GET /t
--- response_body
init init_worker
--- no_error_log
[error]



=== TEST 3: a module loaded in init_by_lua keeps its state
--- http_config
    lua_package_path "$prefix/html/?.lua;;";
    init_by_lua_block {
        local counter = require "counter"
        counter.incr()
        counter.incr()
    }
--- config
    location /t {
        content_by_lua_block {
            local counter = require "counter"
            ngx.say("count: ", counter.incr())
        }
    }
--- user_files
>>> counter.lua
local _M = {}
local n = 0
function _M.incr()
    n = n + 1
    return n
end
return _M
--- request
GET /t
--- response_body
count: 3
--- no_error_log
[error]



=== TEST 4: init_by_lua with a string
--- http_config
    init_by_lua 'init_str = "from a string"';
--- config
    location /t {
        content_by_lua_block { ngx.say(init_str) }
    }
--- request
GET /t
--- response_body
from a string
--- no_error_log
[error]



=== TEST 5: init_by_lua_file, relative to the prefix
--- http_config
    init_by_lua_file html/init.lua;
--- config
    location /t {
        content_by_lua_block { ngx.say(init_file) }
    }
--- user_files
>>> init.lua
init_file = "from init.lua"
--- request
GET /t
--- response_body
from init.lua
--- no_error_log
[error]



=== TEST 6: ngx.log in init_by_lua
--- http_config
    init_by_lua_block { ngx.log(ngx.WARN, "hello from init") }
--- config
    location /t {
        return 200 "ok\n";
    }
--- request
GET /t
--- response_body
ok
--- grep_error_log: hello from init
--- grep_error_log_out
hello from init



=== TEST 7: an error in init_by_lua stops the server from starting
--- http_config
    init_by_lua_block { error("init boom") }
--- config
    location /t {
        return 200 "ok\n";
    }
--- must_die
--- error_log eval
qr/init_by_lua error: init_by_lua\(nginx\.conf:\d+\):1: init boom/



=== TEST 8: a syntax error in init_by_lua stops the server from starting
--- http_config
    init_by_lua_block { local = 1 }
--- config
    location /t {
        return 200 "ok\n";
    }
--- must_die
--- error_log
init_by_lua error: init_by_lua(nginx.conf:



=== TEST 9: a missing init_by_lua_file stops the server from starting
--- http_config
    init_by_lua_file html/nope.lua;
--- config
    location /t {
        return 200 "ok\n";
    }
--- must_die
--- error_log eval
qr{init_by_lua_file error: cannot open /.*/html/nope\.lua: No such file or directory}



=== TEST 10: init_worker_by_lua_block runs in the worker
--- http_config
    init_worker_by_lua_block {
        worker_started = "yes"
        ngx.log(ngx.WARN, "worker init ran")
    }
--- config
    location /t {
        content_by_lua_block { ngx.say("worker started: ", worker_started) }
    }
--- request
GET /t
--- response_body
worker started: yes
--- no_error_log
[error]



=== TEST 11: init_by_lua runs before init_worker_by_lua
--- http_config
    init_by_lua_block { order = { "init" } }
    init_worker_by_lua_block { table.insert(order, "init_worker") }
--- config
    location /t {
        content_by_lua_block {
            table.insert(order, "request")
            ngx.say(table.concat(order, " "))
        }
    }
--- request
GET /t
--- response_body
init init_worker request
--- no_error_log
[error]



=== TEST 12: an error in init_worker_by_lua is logged, the worker serves
--- http_config
    init_worker_by_lua_block { error("worker boom") }
--- config
    location /t {
        return 200 "serving\n";
    }
--- request
GET /t
--- response_body
serving
--- grep_error_log eval: qr/init_worker_by_lua error: init_worker_by_lua\(nginx\.conf:\d+\):1: worker boom/
--- grep_error_log_out eval
qr/init_worker_by_lua error: init_worker_by_lua\(nginx\.conf:\d+\):1: worker boom/



=== TEST 13: init_worker_by_lua with a string and a file
--- http_config
    init_worker_by_lua_file html/worker.lua;
--- config
    location /t {
        content_by_lua_block { ngx.say(worker_file) }
    }
--- user_files
>>> worker.lua
worker_file = "worker file ran"
--- request
GET /t
--- response_body
worker file ran
--- no_error_log
[error]



=== TEST 14: request APIs are disabled in init_worker_by_lua
--- http_config
    init_worker_by_lua_block {
        local _, e1 = pcall(ngx.say, "x")
        local _, e2 = pcall(ngx.exit, 200)
        local _, e3 = pcall(ngx.exec, "/x")
        local _, e4 = pcall(ngx.flush)
        worker_errs = table.concat({ e1, e2, e3, e4 }, "\n")
    }
--- config
    location /t {
        content_by_lua_block { ngx.say(worker_errs) }
    }
--- request
GET /t
--- response_body
API disabled in the context of init_worker_by_lua*
API disabled in the context of init_worker_by_lua*
API disabled in the context of init_worker_by_lua*
API disabled in the context of init_worker_by_lua*
--- no_error_log
[error]



=== TEST 15: ngx.say without a request in init_by_lua
--- http_config
    init_by_lua_block {
        local ok, err = pcall(ngx.say, "x")
        init_say = tostring(ok) .. ": " .. err
    }
--- config
    location /t {
        content_by_lua_block { ngx.say(init_say) }
    }
--- request
GET /t
--- response_body
false: no request object found
--- no_error_log
[error]



=== TEST 16: exit_worker_by_lua runs when the worker stops
--- http_config
    exit_worker_by_lua_block {
        ngx.log(ngx.WARN, "exit_worker phase: ", ngx.get_phase())
    }
--- config
    location /t {
        return 200 "ok\n";
    }
--- request
GET /t
--- response_body
ok
--- shutdown_error_log
exit_worker phase: exit_worker



=== TEST 17: an error in exit_worker_by_lua is logged
--- http_config
    exit_worker_by_lua_block { error("exit boom") }
--- config
    location /t {
        return 200 "ok\n";
    }
--- request
GET /t
--- response_body
ok
--- shutdown_error_log eval
qr/exit_worker_by_lua error: exit_worker_by_lua\(nginx\.conf:\d+\):1: exit boom/



=== TEST 18: init_by_lua runs again in the VM of each request with lua_code_cache off
--- http_config
    init_by_lua_block { init_runs = (init_runs or 0) + 1 }
--- config
    location /t {
        lua_code_cache off;
        content_by_lua_block { ngx.say("init runs in this VM: ", init_runs) }
    }
--- request eval
["GET /t", "GET /t"]
--- response_body eval
["init runs in this VM: 1\n", "init runs in this VM: 1\n"]



=== TEST 19: init_by_lua with lua_code_cache on is shared by requests
--- http_config
    init_by_lua_block { shared_tab = { hits = 0 } }
--- config
    location /t {
        content_by_lua_block {
            shared_tab.hits = shared_tab.hits + 1
            ngx.say("hits: ", shared_tab.hits)
        }
    }
--- pipelined_requests eval
["GET /t", "GET /t", "GET /t"]
--- response_body eval
["hits: 1\n", "hits: 2\n", "hits: 3\n"]
--- no_error_log
[error]



=== TEST 20: writing globals in init phases is not warned about
--- http_config
    init_by_lua_block { quiet_global_a = 1 }
    init_worker_by_lua_block { quiet_global_b = 2 }
--- config
    location /t {
        content_by_lua_block { ngx.say(quiet_global_a + quiet_global_b) }
    }
--- request
GET /t
--- response_body
3
--- no_error_log
writing a global Lua variable



=== TEST 21: init_worker_by_lua runs on a request of its own: log lines name the context
--- http_config
    init_worker_by_lua_block {
        ngx.log(ngx.WARN, "from init worker, phase ", ngx.get_phase())
        ngx.ctx.seen = "ctx works"
        ngx.log(ngx.WARN, ngx.ctx.seen)
    }
--- config
    location /t {
        content_by_lua_block { ngx.say("ok") }
    }
--- request
GET /t
--- response_body
ok
--- error_log eval
[qr/\[warn\] .*\*\d+ \[lua\] init_worker_by_lua\(nginx\.conf:\d+\):2: from init worker, phase init_worker, context: init_worker_by_lua\*/,
qr/ctx works, context: init_worker_by_lua\*/]
--- no_error_log
[error]



=== TEST 22: no coroutines in init_worker_by_lua, as in lua-nginx-module
--- http_config
    init_worker_by_lua_block {
        local ok, err = pcall(coroutine.create, function () end)
        ngx.log(ngx.WARN, "create: ", ok, " ", err)
        ok, err = pcall(coroutine.wrap, function () end)
        ngx.log(ngx.WARN, "wrap: ", ok, " ", err)
    }
--- config
    location /t {
        content_by_lua_block {
            local co = coroutine.create(function () return "fine here" end)
            ngx.say(coroutine.resume(co))
        }
    }
--- request
GET /t
--- response_body
truefine here
--- error_log
create: false API disabled in the context of init_worker_by_lua*
wrap: false API disabled in the context of init_worker_by_lua*
