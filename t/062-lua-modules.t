# ngx.config, ngx.worker and the lua-resty-core modules users import:
# ngx.process, ngx.errlog, ngx.base64, resty.core and its parts. Values
# that differ by design (versions, the configure arguments, debug
# builds) are checked by shape. Every block also passes on nginx +
# lua-nginx-module:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/062-lua-modules.t

use Test::Nginx::Socket 'no_plan';

no_long_string();
run_tests();

__DATA__

=== TEST 1: ngx.config
--- config
    location /t {
        content_by_lua_block {
            local c = ngx.config
            ngx.say(c.subsystem)
            ngx.say(type(c.debug))
            ngx.say(type(c.nginx_version), " ", c.nginx_version >= 1019000,
                    " ", c.nginx_version == math.floor(c.nginx_version))
            ngx.say(type(c.ngx_lua_version), " ", c.ngx_lua_version >= 10000)
            local prefix = c.prefix()
            local f = io.open(prefix .. "conf/nginx.conf")
            ngx.say(prefix:sub(1, 1) == "/" and prefix:sub(-1) == "/"
                    and f ~= nil)
            if f then f:close() end
            local conf = c.nginx_configure()
            ngx.say(type(conf), " ", conf:find("--", 1, true) ~= nil,
                    " ", conf:find("\n", 1, true) == nil)
            ngx.say(c.nginx_configure() == conf)
        }
    }
--- request
GET /t
--- response_body
http
boolean
number true true
number true
true
string true true
true
--- no_error_log
[error]



=== TEST 2: ngx.worker in a single process
--- config
    location /t {
        content_by_lua_block {
            local w = ngx.worker
            ngx.say(w.id(), " ", w.count())
            ngx.say(w.pid() == tonumber(ngx.var.pid))
            ngx.say(w.exiting())
            local pids = w.pids()
            ngx.say(type(pids), " ", #pids, " ", pids[1] == w.pid())
        }
    }
--- request
GET /t
--- response_body
0 1
true
false
table 1 true
--- no_error_log
[error]



=== TEST 3: ngx.process
--- config
    location /t {
        content_by_lua_block {
            local process = require "ngx.process"
            ngx.say(process.type())
            ngx.say(process.get_master_pid() == ngx.worker.pid())
            ngx.say(process.enable_privileged_agent())
            ngx.say(process.enable_privileged_agent(10))
            ngx.say(type(process.signal_graceful_exit))
            ngx.say(type(process.version))
            ngx.say(require("ngx.process") == process)
        }
    }
--- request
GET /t
--- response_body
single
true
nilAPI disabled in the current context
nilAPI disabled in the current context
function
string
true
--- no_error_log
[error]



=== TEST 4: ngx.errlog.raw_log() writes the message as it is
--- config
    location /t {
        content_by_lua_block {
            local errlog = require "ngx.errlog"
            errlog.raw_log(ngx.ERR, "raw message one")
            errlog.raw_log(ngx.WARN, "raw message two")
            errlog.raw_log(ngx.ERR, "")
            ngx.say("done")
        }
    }
--- request
GET /t
--- response_body
done
--- error_log eval
[
    qr/\[error\] \d+#\d+: \*\d+ raw message one, client: 127\.0\.0\.1, server: \S*, request: "GET \/t HTTP\/1\.1"/,
    qr/\[warn\] \d+#\d+: \*\d+ raw message two, client: /,
]
--- no_error_log
[lua]
lua entry thread aborted



=== TEST 5: ngx.errlog.raw_log() honours the error_log level
--- log_level: warn
--- config
    location /t {
        content_by_lua_block {
            local errlog = require "ngx.errlog"
            errlog.raw_log(ngx.INFO, "raw info message")
            errlog.raw_log(ngx.NOTICE, "raw notice message")
            errlog.raw_log(ngx.WARN, "raw warn message")
            ngx.say(errlog.get_sys_filter_level() == ngx.WARN)
        }
    }
--- request
GET /t
--- response_body
true
--- error_log
raw warn message
--- no_error_log
raw info message
raw notice message



=== TEST 6: ngx.errlog.raw_log(): bad arguments
--- config
    location /t {
        content_by_lua_block {
            local errlog = require "ngx.errlog"
            local function try(...)
                local ok, err = pcall(errlog.raw_log, ...)
                ngx.say(ok, " ", err)
            end
            try(9, "x")
            try(-1, "x")
            try("4", "x")
            try(nil, "x")
            try(4)
            try(4, 12)
        }
    }
--- request
GET /t
--- response_body
false bad log level
false bad log level
false bad argument #1 to 'raw_log' (must be a number)
false bad argument #1 to 'raw_log' (must be a number)
false bad argument #2 to 'raw_log' (must be a string)
false bad argument #2 to 'raw_log' (must be a string)
--- no_error_log
[error]



=== TEST 7: ngx.errlog.get_sys_filter_level()
--- config
    location /t {
        content_by_lua_block {
            local errlog = require "ngx.errlog"
            ngx.say(errlog.get_sys_filter_level() == ngx.DEBUG)
        }
    }
--- request
GET /t
--- response_body
true
--- no_error_log
[error]



=== TEST 8: ngx.errlog without lua_capture_error_log: nil and a reason
--- config
    location /t {
        content_by_lua_block {
            local errlog = require "ngx.errlog"
            ngx.say(errlog.set_filter_level())
            local ok, err = errlog.set_filter_level(ngx.WARN)
            ngx.say(ok, " ", type(err), " ", #err > 0)
            local logs, err = errlog.get_logs(10)
            ngx.say(logs, " ", type(err), " ", #err > 0)
            logs, err = errlog.get_logs()
            ngx.say(logs, " ", type(err))
        }
    }
--- request
GET /t
--- response_body
nilmissing "level" argument
nil string true
nil string true
nil string
--- no_error_log
[error]



=== TEST 9: ngx.log() drops what is below the error_log level
--- log_level: error
--- config
    location /t {
        content_by_lua_block {
            ngx.log(ngx.WARN, "below the level")
            ngx.log(ngx.ERR, "at the level")
            print("print is notice")
            local errlog = require "ngx.errlog"
            ngx.say(errlog.get_sys_filter_level())
        }
    }
--- request
GET /t
--- response_body
4
--- error_log
at the level
--- no_error_log
below the level
print is notice



=== TEST 10: ngx.base64: base64url
--- config
    location /t {
        content_by_lua_block {
            local b64 = require "ngx.base64"
            for _, s in ipairs{"", "a", "ab", "abc", "\255\254\253\252",
                               "\251\255"} do
                ngx.say("[", b64.encode_base64url(s), "]")
            end
            for _, s in ipairs{"", "YQ", "YQ==", "YWI", "__79_A", "-_8",
                               "Y", "+/", "YQ!"} do
                local r, err = b64.decode_base64url(s)
                if r then
                    r = r:gsub("[%z\128-\255]", function (c)
                        return "\\" .. c:byte()
                    end)
                end
                ngx.say("[", s, "] ", r and ("[" .. r .. "]") or "nil", " ",
                        tostring(err))
            end
        }
    }
--- request
GET /t
--- response_body
[]
[YQ]
[YWI]
[YWJj]
[__79_A]
[-_8]
[] [] nil
[YQ] [a] nil
[YQ==] [a] nil
[YWI] [ab] nil
[__79_A] [\255\254\253\252] nil
[-_8] [\251\255] nil
[Y] nil invalid input
[+/] nil invalid input
[YQ!] nil invalid input
--- no_error_log
[error]



=== TEST 11: ngx.base64: not a string
--- config
    location /t {
        content_by_lua_block {
            local b64 = require "ngx.base64"
            ngx.say(b64.encode_base64url(12))
            ngx.say(b64.encode_base64url())
            ngx.say(b64.decode_base64url(nil))
            ngx.say(b64.decode_base64url({}))
            local t = {}
            for i = 0, 255 do t[#t + 1] = string.char(i) end
            local all = string.rep(table.concat(t), 1000)
            local e = b64.encode_base64url(all)
            ngx.say(#e, " ", e:find("[+/=]") == nil, " ",
                    b64.decode_base64url(e) == all)
        }
    }
--- request
GET /t
--- response_body
nilmust provide a string
nilmust provide a string
nilmust provide a string
nilmust provide a string
341334 true true
--- no_error_log
[error]



=== TEST 12: require "resty.core" and its parts
--- config
    location /t {
        content_by_lua_block {
            local core = require "resty.core"
            ngx.say(type(core.version))
            for _, name in ipairs{"resty.core.time", "resty.core.hash",
                                  "resty.core.uri", "resty.core.base64",
                                  "resty.core.worker"} do
                local m = require(name)
                ngx.say(name, " ", type(m))
            end
            for _, f in ipairs{"time", "now", "today", "localtime", "utctime",
                               "update_time", "http_time", "cookie_time",
                               "parse_http_time", "encode_base64",
                               "decode_base64", "escape_uri", "unescape_uri",
                               "encode_args", "decode_args", "quote_sql_str",
                               "md5", "md5_bin", "sha1_bin", "hmac_sha1",
                               "crc32_short", "crc32_long"} do
                if type(ngx[f]) ~= "function" then
                    ngx.say("missing ngx.", f)
                end
            end
            for _, f in ipairs{"id", "count", "pid", "pids", "exiting"} do
                if type(ngx.worker[f]) ~= "function" then
                    ngx.say("missing ngx.worker.", f)
                end
            end
            ngx.say("done")
        }
    }
--- request
GET /t
--- response_body
string
resty.core.time table
resty.core.hash table
resty.core.uri table
resty.core.base64 table
resty.core.worker table
done
--- no_error_log
[error]



=== TEST 13: the modules' shapes
--- config
    location /t {
        content_by_lua_block {
            local function keys(m)
                local t = {}
                for k, v in pairs(m) do
                    if type(v) == "function" then t[#t + 1] = k end
                end
                table.sort(t)
                return table.concat(t, " ")
            end
            ngx.say(keys(require "ngx.base64"))
            ngx.say(keys(require "ngx.errlog"))
            ngx.say(keys(require "ngx.process"))
            ngx.say(keys(ngx.worker))
            ngx.say(keys(require "resty.core.time"))
        }
    }
--- request
GET /t
--- response_body
decode_base64url encode_base64url
get_logs get_sys_filter_level raw_log set_filter_level
enable_privileged_agent get_master_pid signal_graceful_exit type
count exiting id pid pids
monotonic_msec monotonic_time
--- no_error_log
[error]
