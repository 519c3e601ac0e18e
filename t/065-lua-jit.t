# The ngx API's Lua wrappers compile: called from interpreted code (a
# handler's main chunk never is a trace of its own), each API function
# starts a trace that returns to its caller, and none is aborted for
# something the JIT does not implement ("NYI: ...") or at a builtin (a
# tail call to one, "... at tonumber"); a loop may abort a first try, as
# get_headers' does. jit.v writes to logs/jit.log; the handler reports
# those aborts of lua/ modules.
# lua-resty-core's var_get() aborts there ("NYI: return to lower frame"),
# so the blocks are skipped on nginx + lua-nginx-module.

use Test::Nginx::Socket;

repeat_each(1);
plan tests => repeat_each() * (blocks() * 2);
no_long_string();

our $HttpConfig = <<"_EOC_";
    lua_shared_dict  d  1m;

    init_by_lua_block {
        require("jit.v").on("$Test::Nginx::Util::ServRoot/logs/jit.log")
    }
_EOC_

# the aborts and the traces of lua/ modules, as the handler's last lines
our $Report = <<'_EOC_';
    local f = assert(io.open(ngx.config.prefix() .. "logs/jit.log"))
    local log = f:read("*a")
    f:close()
    local aborts, traces = 0, 0
    for line in log:gmatch("[^\n]+") do
        local file = line:match("^%[TRACE +[%d-]+ ([%w_]+%.lua):")
        if file then
            -- a C symbol looked up for the first time while recording
            -- aborts once, then the trace is retried with it cached
            if line:find("^%[TRACE %-%-%-")
               and not line:find("symbol not in cache", 1, true)
            then
                if line:find("NYI", 1, true)
                   or line:find(" at [%w_.]+%]$")
                then
                    aborts = aborts + 1
                    ngx.say(line)
                end
            else
                traces = traces + 1
            end
        end
    end
    ngx.say("aborts: ", aborts, ", traces: ", traces > 0)
_EOC_

our $Skip = '2: ($ENV{TEST_NGINX_BINARY} // "") !~ /moxy/';

run_tests();

__DATA__

=== TEST 1: ngx.var, ngx.header, ngx.req.get_headers, ngx.say
--- http_config eval: $::HttpConfig
--- config eval
"    location /t {
        set \$foo '';
        content_by_lua_block {
            local function work(i)
                local uri = ngx.var.uri
                ngx.var.foo = i
                local h = ngx.req.get_headers()
                ngx.header['X-Uri'] = uri
                ngx.header['X-Agent'] = h['user-agent']
                ngx.print()
                ngx.print('')
                ngx.say()
                ngx.print(uri, ' ', i, ' ', ngx.var.foo, ' ', h['x-id'], '\\n')
            end

            -- interpreted, as a main chunk is
            jit.off(work)
            for i = 1, 300 do
                work(i)
            end
$::Report
        }
    }"
--- request
GET /t
--- more_headers
User-Agent: jit-test
X-Id: 7
--- response_body_like: \n/t 300 300 7\naborts: 0, traces: true\n$
--- skip_eval eval: $::Skip



=== TEST 2: shared dicts, time, ngx.log filtered out
--- http_config eval: $::HttpConfig
--- config eval
"    location /t {
        content_by_lua_block {
            local d = ngx.shared.d

            local function work(i)
                local v = d:incr('k' .. i % 8, 1, 0)
                d:set('s', 'v' .. i)
                local s = d:get('s')
                local now = ngx.now() + ngx.time()
                local t = ngx.http_time(1700000000) .. ngx.today()
                ngx.log(ngx.DEBUG, 'not written ', i)
                return v, s
            end

            jit.off(work)
            for i = 1, 300 do
                work(i)
            end
            ngx.say(d:get('k0'), ' ', d:get('s'))
$::Report
        }
    }"
--- request
GET /t
--- log_level: info
--- response_body
37 v300
aborts: 0, traces: true
--- skip_eval eval: $::Skip



=== TEST 3: a cosocket round trip with a keep-alive pool
--- http_config eval: $::HttpConfig
--- config eval
"    location = /peer {
        return 200 'pong';
    }

    location /t {
        content_by_lua_block {
            local port = ngx.var.server_port

            local function work(i)
                local sock = ngx.socket.tcp()
                sock:settimeout(1000)
                assert(sock:connect('127.0.0.1', port))
                assert(sock:send('GET /peer HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'))
                local line = assert(sock:receive('*l'))
                local body
                while true do
                    local l = assert(sock:receive('*l'))
                    if l == '' then
                        break
                    end
                end
                body = assert(sock:receive(4))
                assert(sock:setkeepalive(10000, 4))
                return line, body
            end

            jit.off(work)
            local line, body
            for i = 1, 300 do
                line, body = work(i)
            end
            ngx.say(line, ' ', body)
$::Report
        }
    }"
--- request
GET /t
--- response_body
HTTP/1.1 200 OK pong
aborts: 0, traces: true
--- skip_eval eval: $::Skip
