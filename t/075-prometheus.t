# resty.prometheus (lualib/): counters, gauges and histograms in a shared
# dict, printed by collect() in the Prometheus text format; labels and
# their escaping, cumulated buckets, del/reset, errors counted in
# nginx_metric_errors_total, and metrics declared in init_worker adding
# up over requests. Passes on nginx + lua-nginx-module too:
#   prove -It/lib t/075-prometheus.t
#   TEST_NGINX_BINARY=/usr/sbin/nginx TEST_NGINX_LOAD_MODULES="/usr/lib/nginx/modules/ndk_http_module.so /usr/lib/nginx/modules/ngx_http_lua_module.so" prove -It/lib t/075-prometheus.t

use Test::Nginx::Socket;

repeat_each(1);
plan tests => repeat_each() * (blocks() * 3 + 14);
no_long_string();

add_block_preprocessor(sub {
    my $block = shift;
    my $http_config = $block->http_config // '';

    $block->set_value("http_config",
        "    lua_package_path \"\$TEST_NGINX_LUALIB_DIR/?.lua;;\";\n"
        . "    lua_shared_dict metrics 1m;\n"
        . $http_config);
    $block->set_value("request", "GET /t") unless defined $block->request;
    $block->set_value("no_error_log", "[error]")
        unless defined $block->no_error_log;
});

run_tests();

__DATA__

=== TEST 1: lualib's module; a dict is required
--- config
    location = /t {
        content_by_lua_block {
            local path = package.searchpath("resty.prometheus", package.path)
            ngx.say(path == "$TEST_NGINX_LUALIB_DIR/resty/prometheus.lua")
            local ok, err = pcall(require("resty.prometheus").init, "nosuch")
            ngx.say(ok, " ", err)
        }
    }
--- response_body
true
false dictionary 'nosuch' does not seem to exist, define it with lua_shared_dict



=== TEST 2: the three kinds of metric in the exposition format
--- config
    location = /t {
        content_by_lua_block {
            local prometheus = require("resty.prometheus").init("metrics")
            local c = prometheus:counter("http_requests_total",
                                         "Number of HTTP requests",
                                         {"host", "status"})
            c:inc(1, {"a.com", 200})
            c:inc(2, {"a.com", 200})
            c:inc(nil, {"b.com", 404})
            local g = prometheus:gauge("connections", "Connections",
                                       {"state"})
            g:set(5, {"active"})
            g:inc(-2, {"active"})
            g:set(1.5, {"idle"})
            local h = prometheus:histogram("latency_seconds", "Latency",
                                           {"route"}, {0.1, 0.5, 1})
            for _, v in ipairs{0.05, 0.3, 0.3, 3, 0.5} do
                h:observe(v, {"/"})
            end
            local plain = prometheus:counter("plain_total", "No labels")
            plain:inc()
            plain:inc(0.5)
            prometheus:collect()
        }
    }
--- response_headers
Content-Type: text/plain; version=0.0.4
--- response_body
# HELP connections Connections
# TYPE connections gauge
connections{state="active"} 3
connections{state="idle"} 1.5
# HELP http_requests_total Number of HTTP requests
# TYPE http_requests_total counter
http_requests_total{host="a.com",status="200"} 3
http_requests_total{host="b.com",status="404"} 1
# HELP latency_seconds Latency
# TYPE latency_seconds histogram
latency_seconds_bucket{route="/",le="0.1"} 1
latency_seconds_bucket{route="/",le="0.5"} 4
latency_seconds_bucket{route="/",le="1"} 4
latency_seconds_bucket{route="/",le="+Inf"} 5
latency_seconds_count{route="/"} 5
latency_seconds_sum{route="/"} 4.15
# HELP nginx_metric_errors_total Number of nginx-lua-prometheus errors
# TYPE nginx_metric_errors_total counter
nginx_metric_errors_total 0
# HELP plain_total No labels
# TYPE plain_total counter
plain_total 1.5



=== TEST 3: histograms: default buckets, label sets of their own, no labels
--- config
    location = /t {
        content_by_lua_block {
            local prometheus = require("resty.prometheus").init("metrics")
            local h = prometheus:histogram("h", "H")
            h:observe(0.004)
            h:observe(7)
            h:observe(100)
            local lh = prometheus:histogram("lh", "LH", {"a"}, {1})
            lh:observe(1, {"x"})
            lh:observe(2, {"y"})
            local out = table.concat(prometheus:metric_data())
            ngx.print((out:gsub("[^\n]*nginx_metric_errors_total[^\n]*\n", "")))
        }
    }
--- response_body
# HELP h H
# TYPE h histogram
h_bucket{le="0.005"} 1
h_bucket{le="0.01"} 1
h_bucket{le="0.02"} 1
h_bucket{le="0.03"} 1
h_bucket{le="0.05"} 1
h_bucket{le="0.075"} 1
h_bucket{le="0.1"} 1
h_bucket{le="0.2"} 1
h_bucket{le="0.3"} 1
h_bucket{le="0.4"} 1
h_bucket{le="0.5"} 1
h_bucket{le="0.75"} 1
h_bucket{le="1"} 1
h_bucket{le="1.5"} 1
h_bucket{le="2"} 1
h_bucket{le="3"} 1
h_bucket{le="4"} 1
h_bucket{le="5"} 1
h_bucket{le="10"} 2
h_bucket{le="+Inf"} 3
h_count 3
h_sum 107.004
# HELP lh LH
# TYPE lh histogram
lh_bucket{a="x",le="1"} 1
lh_bucket{a="x",le="+Inf"} 1
lh_count{a="x"} 1
lh_sum{a="x"} 1
lh_bucket{a="y",le="1"} 0
lh_bucket{a="y",le="+Inf"} 1
lh_count{a="y"} 1
lh_sum{a="y"} 2



=== TEST 4: label values are escaped; misuse is logged and counted
--- config
    location = /t {
        content_by_lua_block {
            local prometheus = require("resty.prometheus").init("metrics")
            local c = prometheus:counter("c_total", "C", {"v"})
            c:inc(1, {'a "quoted"\\path\nnext'})
            c:inc(1, {"x", "extra"})
            c:inc(1)
            c:inc(-1, {"x"})
            ngx.say(prometheus:counter("bad name", "B"))
            ngx.say(prometheus:counter("c_total", "again"))
            ngx.say(prometheus:histogram("hh", "H", {"le"}))
            local g = prometheus:gauge("g", "G")
            g:observe(1)
            g:set("x")
            local out = table.concat(prometheus:metric_data())
            ngx.print((out:gsub("# [^\n]*\n", "")))
        }
    }
--- response_body
nil
nil
nil
c_total{v="a \"quoted\"\\path\nnext"} 1
nginx_metric_errors_total 8
--- error_log
wrong number of labels for c_total: expected 1, got 2
wrong number of labels for c_total: expected 1, got 0
counter increment should not be negative
metric name 'bad name' is invalid
duplicate metric c_total
label name 'le' is invalid
observe() on a gauge
--- no_error_log
[crit]



=== TEST 5: del() and reset()
--- config
    location = /t {
        content_by_lua_block {
            local prometheus = require("resty.prometheus").init("metrics")
            local c = prometheus:counter("c_total", "C", {"k"})
            local h = prometheus:histogram("h", "H", {"k"}, {1})
            local other = prometheus:counter("c_total_other", "O")
            for _, k in ipairs{"a", "b"} do
                c:inc(1, {k})
                h:observe(0.5, {k})
            end
            other:inc()
            c:del({"a"})
            h:del({"b"})
            local out = table.concat(prometheus:metric_data())
            ngx.print((out:gsub("# [^\n]*\n", "")))
            c:reset()
            h:reset()
            ngx.say("--")
            out = table.concat(prometheus:metric_data())
            ngx.print((out:gsub("# [^\n]*\n", "")))
        }
    }
--- response_body
c_total{k="b"} 1
c_total_other 1
h_bucket{k="a",le="1"} 1
h_bucket{k="a",le="+Inf"} 1
h_count{k="a"} 1
h_sum{k="a"} 0.5
nginx_metric_errors_total 0
--
c_total_other 1
nginx_metric_errors_total 0



=== TEST 6: declared in init_worker, counted by requests, read by /metrics
--- http_config
    init_worker_by_lua_block {
        prometheus = require("resty.prometheus").init("metrics",
                                                      { prefix = "app_" })
        metric_requests = prometheus:counter("requests_total", "Requests",
                                             {"uri"})
        metric_latency = prometheus:histogram("latency_seconds", "Latency",
                                              nil, {0.5, 1})
    }
    log_by_lua_block {
        if ngx.var.uri ~= "/metrics" then
            metric_requests:inc(1, {ngx.var.uri})
            metric_latency:observe(tonumber(ngx.var.request_time))
        end
    }
--- config
    location = /a {
        return 200 "a\n";
    }
    location = /metrics {
        content_by_lua_block {
            prometheus:collect()
        }
    }
--- request eval
["GET /a", "GET /a", "GET /metrics"]
--- response_body eval
["a\n", "a\n", "# HELP app_latency_seconds Latency
# TYPE app_latency_seconds histogram
app_latency_seconds_bucket{le=\"0.5\"} 2
app_latency_seconds_bucket{le=\"1\"} 2
app_latency_seconds_bucket{le=\"+Inf\"} 2
app_latency_seconds_count 2
app_latency_seconds_sum 0
# HELP app_requests_total Requests
# TYPE app_requests_total counter
app_requests_total{uri=\"/a\"} 2
# HELP nginx_metric_errors_total Number of nginx-lua-prometheus errors
# TYPE nginx_metric_errors_total counter
nginx_metric_errors_total 0
"]
