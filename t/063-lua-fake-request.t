# The request API on requests without a client: ngx.timer callbacks and
# init_worker_by_lua* run on such requests, and the API on the client
# request's data (headers, body, URI, args, method, variables, status)
# refuses them with "API disabled in the current context", the output and
# control functions with their context check ("API disabled in the
# context of ngx.timer" / "... init_worker_by_lua*"), raised at the
# caller's line or in the library file as lua-resty-core raises them.
# What does not need a client (ngx.ctx, ngx.log, ngx.escape_uri...) works.
# Every block also passes on nginx + lua-nginx-module:
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/063-lua-fake-request.t

use Test::Nginx::Socket 'no_plan';

no_long_string();

our $Cur = "API disabled in the current context";
our $Timer = "API disabled in the context of ngx.timer";
our $Worker = "API disabled in the context of init_worker_by_lua*";

# The log line of a probe ("T name" in a timer, "W name" in
# init_worker_by_lua*, see the preprocessor below): refused with msg
# raised at the probe's own line (at), in a library file (in_lib), or
# without a position (bare); or run with this result (works).
sub at {
    my ($probe, $msg) = @_;
    return qr/: \Q$probe\E: false init_by_lua\(nginx\.conf:\d+\):\d+: \Q$msg\E\|/;
}

sub in_lib {
    my ($probe, $file, $msg) = @_;
    return qr/: \Q$probe\E: false \S+\/$file:\d+: \Q$msg\E\|/;
}

sub works {
    my ($probe, $value) = @_;
    return qr/: \Q$probe\E: true \Q$value\E\|/;
}

# A block's --- probes are lines of "name", then the body of a function
# (one line) calling the API: they run in init_worker_by_lua* (tagged W)
# and in a timer (tagged T), each logging "TAG name: ok result|".
add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value("request", "GET /t\n") unless defined $block->request;
    $block->set_value("response_body", "ok\n")
        unless defined $block->response_body;
    $block->set_value("no_error_log", "[error]\n[alert]\n")
        unless defined $block->no_error_log;

    my $probes = $block->probes;
    return unless defined $probes;

    my $list = "";
    for my $line (split /\n/, $probes) {
        next unless $line =~ /^\s*(\S+)\s+(.*\S)\s*$/;
        $list .= "            {\"$1\", function () $2 end},\n";
    }

    $block->set_value("http_config", <<"_EOC_" . ($block->http_config // ""));
    init_by_lua_block {
        local probes = {
$list        }

        function run_probes(tag)
            for _, p in ipairs(probes) do
                local ok, res = pcall(p[2])
                ngx.log(ngx.WARN, tag, " ", p[1], ": ", ok, " ",
                        tostring(res), "|")
            end
        end
    }

    init_worker_by_lua_block {
        run_probes("W")
    }
_EOC_

    $block->set_value("config", <<'_EOC_') unless defined $block->config;
    location /t {
        content_by_lua_block {
            ngx.timer.at(0, function () run_probes("T") end)
            ngx.sleep(0.1)
            ngx.say("ok")
        }
    }
_EOC_
});

run_tests();

__DATA__

=== TEST 1: ngx.req: the method, the HTTP version, the raw header
--- probes
get_method       local v = ngx.req.get_method() return v
set_method       local v = ngx.req.set_method(ngx.HTTP_POST) return v
http_version     local v = ngx.req.http_version() return v
raw_header       local v = ngx.req.raw_header() return v
raw_header_nrl   local v = ngx.req.raw_header(true) return v
is_internal      local v = ngx.req.is_internal() return v
start_time       local v = ngx.req.start_time() return v
--- error_log eval
[
    ::at("W get_method", $::Cur),
    ::at("W set_method", $::Cur),
    ::at("W http_version", $::Cur),
    ::at("W raw_header", $::Cur),
    ::at("W raw_header_nrl", $::Cur),
    ::in_lib("W is_internal", 'resty/core/\w+\.lua', $::Cur),
    ::works("W start_time", "0"),
    ::at("T get_method", $::Cur),
    ::at("T set_method", $::Cur),
    ::at("T http_version", $::Cur),
    ::at("T raw_header", $::Cur),
    ::at("T raw_header_nrl", $::Cur),
    ::in_lib("T is_internal", 'resty/core/\w+\.lua', $::Cur),
    ::works("T start_time", "0"),
]



=== TEST 2: ngx.req: the URI and the args
--- probes
set_uri          local v = ngx.req.set_uri("/a") return v
set_uri_jump     local v = ngx.req.set_uri("/a", true) return v
set_uri_args     local v = ngx.req.set_uri_args("a=1") return v
set_uri_args_t   local v = ngx.req.set_uri_args({a = 1}) return v
get_uri_args     local v = ngx.req.get_uri_args() return v
get_uri_args_0   local v = ngx.req.get_uri_args(0) return v
get_post_args    local v = ngx.req.get_post_args() return v
--- error_log eval
[
    ::at("W set_uri", $::Cur),
    ::at("W set_uri_jump", $::Cur),
    ::at("W set_uri_args", $::Cur),
    ::at("W set_uri_args_t", $::Cur),
    ::at("W get_uri_args", $::Cur),
    ::at("W get_uri_args_0", $::Cur),
    ::at("W get_post_args", $::Cur),
    ::at("T set_uri", $::Cur),
    ::at("T set_uri_jump", $::Cur),
    ::at("T set_uri_args", $::Cur),
    ::at("T set_uri_args_t", $::Cur),
    ::at("T get_uri_args", $::Cur),
    ::at("T get_uri_args_0", $::Cur),
    ::at("T get_post_args", $::Cur),
]



=== TEST 3: ngx.req: the headers
--- probes
get_headers      local v = ngx.req.get_headers() return v
get_headers_raw  local v = ngx.req.get_headers(0, true) return v
set_header       local v = ngx.req.set_header("X-A", "b") return v
set_header_t     local v = ngx.req.set_header("X-A", {"b", "c"}) return v
clear_header     local v = ngx.req.clear_header("X-A") return v
add_header       local v = require("ngx.req").add_header("X-A", "b") return v
--- error_log eval
[
    ::at("W get_headers", $::Cur),
    ::at("W get_headers_raw", $::Cur),
    ::at("W set_header", $::Cur),
    ::at("W set_header_t", $::Cur),
    ::at("W clear_header", $::Cur),
    ::at("W add_header", $::Cur),
    ::at("T get_headers", $::Cur),
    ::at("T get_headers_raw", $::Cur),
    ::at("T set_header", $::Cur),
    ::at("T set_header_t", $::Cur),
    ::at("T clear_header", $::Cur),
    ::at("T add_header", $::Cur),
]



=== TEST 4: ngx.req: the body (read_body has a context check)
--- probes
read_body        local v = ngx.req.read_body() return v
discard_body     local v = ngx.req.discard_body() return v
get_body_data    local v = ngx.req.get_body_data() return v
get_body_file    local v = ngx.req.get_body_file() return v
set_body_data    local v = ngx.req.set_body_data("x") return v
set_body_file    local v = ngx.req.set_body_file("/etc/hostname") return v
init_body        local v = ngx.req.init_body() return v
append_body      local v = ngx.req.append_body("x") return v
finish_body      local v = ngx.req.finish_body() return v
--- error_log eval
[
    ::at("W read_body", $::Worker),
    ::at("W discard_body", $::Cur),
    ::at("W get_body_data", $::Cur),
    ::at("W get_body_file", $::Cur),
    ::at("W set_body_data", $::Cur),
    ::at("W set_body_file", $::Cur),
    ::at("W init_body", $::Cur),
    ::at("W append_body", $::Cur),
    ::at("W finish_body", $::Cur),
    ::at("T read_body", $::Timer),
    ::at("T discard_body", $::Cur),
    ::at("T get_body_data", $::Cur),
    ::at("T get_body_file", $::Cur),
    ::at("T set_body_data", $::Cur),
    ::at("T set_body_file", $::Cur),
    ::at("T init_body", $::Cur),
    ::at("T append_body", $::Cur),
    ::at("T finish_body", $::Cur),
]



=== TEST 5: the response: ngx.header, ngx.resp, ngx.status, ngx.headers_sent
--- probes
header_get       local v = ngx.header["X-A"] return v
header_ct        local v = ngx.header.content_type return v
header_set       ngx.header["X-A"] = "b" return 1
header_set_t     ngx.header["X-A"] = {"b", "c"} return 1
header_clear     ngx.header["X-A"] = nil return 1
resp_headers     local v = ngx.resp.get_headers() return v
resp_add_header  local v = require("ngx.resp").add_header("X-A", "b") return v
status_get       local v = ngx.status return v
status_set       ngx.status = 201 return 1
headers_sent     local v = ngx.headers_sent return v
is_subrequest    local v = ngx.is_subrequest return v
--- error_log eval
[
    ::at("W header_get", $::Cur),
    ::at("W header_ct", $::Cur),
    ::at("W header_set", $::Cur),
    ::at("W header_set_t", $::Cur),
    ::at("W header_clear", $::Cur),
    ::at("W resp_headers", $::Cur),
    ::in_lib("W resp_add_header", 'ngx/resp\.lua', $::Cur),
    ::at("W status_get", $::Cur),
    ::at("W status_set", $::Cur),
    ::at("W headers_sent", $::Cur),
    ::at("W is_subrequest", $::Cur),
    ::at("T header_get", $::Cur),
    ::at("T header_ct", $::Cur),
    ::at("T header_set", $::Cur),
    ::at("T header_set_t", $::Cur),
    ::at("T header_clear", $::Cur),
    ::at("T resp_headers", $::Cur),
    ::in_lib("T resp_add_header", 'ngx/resp\.lua', $::Cur),
    ::at("T status_get", $::Cur),
    ::at("T status_set", $::Cur),
    ::at("T headers_sent", $::Cur),
    ::at("T is_subrequest", $::Cur),
]



=== TEST 6: ngx.var (names and captures) and ngx.arg
--- probes
var_get          local v = ngx.var.uri return v
var_get_unknown  local v = ngx.var.no_such_variable return v
var_capture      local v = ngx.var[1] return v
var_set          ngx.var.x = "1" return 1
var_set_nil      ngx.var.x = nil return 1
arg_get          local v = ngx.arg[1] return v
arg_set          ngx.arg[1] = "x" return 1
--- error_log eval
[
    ::at("W var_get", $::Cur),
    ::at("W var_get_unknown", $::Cur),
    ::at("W var_capture", $::Cur),
    ::at("W var_set", $::Cur),
    ::at("W var_set_nil", $::Cur),
    ::in_lib("W arg_get", 'resty/core/param\.lua', $::Cur),
    ::at("W arg_set", $::Worker),
    ::at("T var_get", $::Cur),
    ::at("T var_get_unknown", $::Cur),
    ::at("T var_capture", $::Cur),
    ::at("T var_set", $::Cur),
    ::at("T var_set_nil", $::Cur),
    ::in_lib("T arg_get", 'resty/core/param\.lua', $::Cur),
    ::at("T arg_set", $::Timer),
]



=== TEST 7: output and control: their context checks
--- probes
print            local v = ngx.print("x") return v
say              local v = ngx.say("x") return v
say_t            local v = ngx.say({"x", 1}) return v
flush            local v = ngx.flush() return v
eof              local v = ngx.eof() return v
send_headers     local v = ngx.send_headers() return v
exec             local v = ngx.exec("/x") return v
exec_args        local v = ngx.exec("/x", {a = 1}) return v
redirect         local v = ngx.redirect("/x") return v
redirect_301     local v = ngx.redirect("/x", 301) return v
exit             local v = ngx.exit(200) return v
--- error_log eval
[
    ::at("W print", $::Worker),
    ::at("W say", $::Worker),
    ::at("W say_t", $::Worker),
    ::at("W flush", $::Worker),
    ::at("W eof", $::Worker),
    ::at("W send_headers", $::Worker),
    ::at("W exec", $::Worker),
    ::at("W exec_args", $::Worker),
    ::at("W redirect", $::Worker),
    ::at("W redirect_301", $::Worker),
    ::at("W exit", $::Worker),
    ::at("T print", $::Timer),
    ::at("T say", $::Timer),
    ::at("T say_t", $::Timer),
    ::at("T flush", $::Timer),
    ::at("T eof", $::Timer),
    ::at("T send_headers", $::Timer),
    ::at("T exec", $::Timer),
    ::at("T exec_args", $::Timer),
    ::at("T redirect", $::Timer),
    ::at("T redirect_301", $::Timer),
]
--- no_error_log eval
[
    "[error]",
    "[alert]",
    qr/T exit: /,
]



=== TEST 8: what needs no client works: ngx.ctx, phases, logging, strings
--- probes
ctx              ngx.ctx.a = 32 return ngx.ctx.a
ctx_replace      ngx.ctx = {a = 1} return ngx.ctx.a
get_phase        local v = ngx.get_phase() return v
escape_uri       local v = ngx.escape_uri("a b") return v
unescape_uri     local v = ngx.unescape_uri("a%20b") return v
encode_args      local v = ngx.encode_args({a = 1}) return v
md5              local v = ngx.md5("") return v
log              local v = ngx.log(ngx.INFO, "hello") return v
now              local v = ngx.now() return type(v)
worker_pid       local v = ngx.worker.pid() return type(v)
re_match         local v = ngx.re.match("abc", "b") return v[0]
--- error_log eval
[
    ::works("W ctx", "32"),
    ::works("W ctx_replace", "1"),
    ::works("W get_phase", "init_worker"),
    ::works("W escape_uri", "a%20b"),
    ::works("W unescape_uri", "a b"),
    ::works("W encode_args", "a=1"),
    ::works("W md5", "d41d8cd98f00b204e9800998ecf8427e"),
    ::works("W log", "nil"),
    ::works("W now", "number"),
    ::works("W worker_pid", "number"),
    ::works("W re_match", "b"),
    ::works("T ctx", "32"),
    ::works("T ctx_replace", "1"),
    ::works("T get_phase", "timer"),
    ::works("T escape_uri", "a%20b"),
    ::works("T unescape_uri", "a b"),
    ::works("T encode_args", "a=1"),
    ::works("T md5", "d41d8cd98f00b204e9800998ecf8427e"),
    ::works("T log", "nil"),
    ::works("T now", "number"),
    ::works("T worker_pid", "number"),
    ::works("T re_match", "b"),
]



=== TEST 9: waiting: refused in init_worker_by_lua*, fine in a timer
--- probes
sleep            ngx.sleep(0.001) return 1
spawn            local t = ngx.thread.spawn(function () end) return type(t)
--- error_log eval
[
    ::at("W sleep", $::Worker),
    ::works("T sleep", "1"),
    ::works("T spawn", "thread"),
]



=== TEST 10: ngx.exit in a timer ends the callback silently, whatever the status
--- http_config
    init_by_lua_block {
        -- the callbacks log before and (were they not ended) after
        function exit_with(status)
            ngx.log(ngx.WARN, "before exit(", status, ")")
            ngx.exit(status)
            ngx.log(ngx.WARN, "after exit(", status, ")")
        end
    }
--- config
    location /t {
        content_by_lua_block {
            for _, s in ipairs({200, 404, 444, 500, ngx.OK, ngx.ERROR}) do
                ngx.timer.at(0, function () exit_with(s) end)
            end

            -- ended from a user thread: the whole callback ends
            ngx.timer.at(0, function ()
                ngx.thread.spawn(function ()
                    ngx.log(ngx.WARN, "thread exits")
                    ngx.exit(200)
                end)
                ngx.log(ngx.WARN, "after the thread's exit")
            end)

            -- a timer made after the others still runs
            ngx.sleep(0.05)
            ngx.timer.at(0, function () ngx.log(ngx.WARN, "later timer") end)
            ngx.sleep(0.05)
            ngx.say("ok")
        }
    }
--- error_log eval
[
    "before exit(200)",
    "before exit(404)",
    "before exit(444)",
    "before exit(500)",
    "before exit(0)",
    "before exit(-1)",
    "thread exits",
    "later timer",
]
--- no_error_log eval
[
    "[error]",
    "[alert]",
    "after exit(",
    "after the thread's exit",
]



=== TEST 11: a request after the refusals is served normally
--- http_config
    init_worker_by_lua_block {
        pcall(ngx.req.discard_body)
        pcall(ngx.req.set_header, "X-A", "b")
        pcall(function () ngx.status = 500 end)
    }
--- config
    location /t {
        content_by_lua_block {
            ngx.timer.at(0, function ()
                pcall(ngx.req.discard_body)
                pcall(ngx.req.set_body_data, "x")
                pcall(ngx.req.set_uri, "/x")
                pcall(function () ngx.header["X-A"] = "b" end)
                ngx.log(ngx.WARN, "timer done")
            end)
            ngx.sleep(0.05)
            ngx.req.read_body()
            ngx.say(ngx.req.get_method(), " ", ngx.var.uri, " ",
                    ngx.req.get_body_data(), " ", tostring(ngx.header["X-A"]))
        }
    }
--- request
POST /t
hello
--- response_body
POST /t hello nil
--- error_log
timer done
--- no_error_log
[error]
[alert]



=== TEST 12: ngx.send_headers where there is a client: 1, the header goes out once
--- config
    location /t {
        content_by_lua_block {
            ngx.status = 201
            ngx.header["X-A"] = "b"
            local before = ngx.headers_sent
            local ok, err = ngx.send_headers()
            local ok2, err2 = ngx.send_headers()
            ngx.header["X-B"] = "c"
            ngx.say(before, " ", ok, " ", err, " ", ok2, " ", err2, " ",
                    ngx.headers_sent)
            ngx.eof()
            ngx.log(ngx.WARN, "after eof: ", ngx.send_headers())
        }
    }
--- error_code: 201
--- response_headers
X-A: b
X-B:
--- response_body
false 1 nil 1 nil true
--- error_log
attempt to set ngx.header.HEADER after sending out response headers
after eof: 1
--- no_error_log
[alert]



=== TEST 13: ngx.send_headers, then a wait; and for HEAD
--- config
    location /t {
        content_by_lua_block {
            local ok, err = ngx.send_headers()
            ngx.log(ngx.WARN, "sent: ", ok, " ", err, " ", ngx.headers_sent)
            ngx.sleep(0.01)
            ngx.say("x")
        }
    }
--- request eval
["GET /t", "HEAD /t"]
--- response_body eval
["x\n", ""]
--- error_log
sent: 1 nil true



=== TEST 14: ngx.send_headers in a header filter: its context check
--- config
    location /t {
        content_by_lua_block { ngx.say("x") }
        header_filter_by_lua_block {
            local ok, err = pcall(ngx.send_headers)
            ngx.log(ngx.WARN, "filter: ", ok, " ", err)
        }
    }
--- response_body
x
--- error_log
filter: false API disabled in the context of header_filter_by_lua*


=== TEST 15: ngx.flush(true), ngx.on_abort, ngx.thread.spawn, ngx.sleep
--- probes
flush_wait       local v = ngx.flush(true) return v
on_abort         local v = ngx.on_abort(function () end) return v
spawn            local t = ngx.thread.spawn(function () end) return type(t)
sleep_result     local v = ngx.sleep(0) return v
--- error_log eval
[
    ::at("W flush_wait", $::Worker),
    ::at("W on_abort", $::Worker),
    ::at("W spawn", $::Worker),
    ::at("T flush_wait", $::Timer),
    ::at("T on_abort", $::Timer),
    ::works("T sleep_result", "nil"),
]
