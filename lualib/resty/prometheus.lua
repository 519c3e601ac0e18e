-- resty.prometheus: counters, gauges and histograms kept in a shared
-- dict, so that every worker adds to the same numbers, and printed in the
-- Prometheus text exposition format; in the spirit of nginx-lua-prometheus
-- (see prometheus.md).
--
-- Each series is one dict key named as its exposition line starts:
-- name{label="value",...}. A histogram keeps, per label set, the count
-- of each bucket on its own (not cumulated: one incr() per observation)
-- and the sum; collect() adds the buckets up and derives _count.
--
-- Metrics are declared in each worker (init_worker_by_lua*, or at module
-- level); the declaration is what collect() prints HELP and TYPE from.
-- Misuse (bad names, a wrong number of label values, a negative counter
-- increment) is logged and counted in nginx_metric_errors_total.

local ngx = ngx
local log = ngx.log
local ERR = ngx.ERR
local concat = table.concat
local sort = table.sort
local fmt = string.format
local find = string.find
local gsub = string.gsub
local sub = string.sub
local tostring = tostring
local ipairs = ipairs
local pairs = pairs
local type = type
local error = error
local setmetatable = setmetatable


local DEFAULT_BUCKETS = { 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2,
                          0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 10 }

-- series keys remembered per metric, by label values
local MAX_LOOKUP = 1000


local _M = { _VERSION = "0.1" }
local mt = { __index = _M }

local metric_mt = {}
metric_mt.__index = metric_mt


local function escape(value)
    value = tostring(value)
    if find(value, "[\\\"\n]") then
        value = gsub(value, "\\", "\\\\")
        value = gsub(value, "\n", "\\n")
        value = gsub(value, "\"", "\\\"")
    end
    return value
end


local function number_str(n)
    if n == 1 / 0 then
        return "+Inf"
    elseif n == -1 / 0 then
        return "-Inf"
    elseif n ~= n then
        return "NaN"
    end

    return fmt("%.15g", n)
end


-- {a="x",b="y"}, or "" without labels
local function label_str(names, values, extra)
    local n = #names
    if n == 0 and not extra then
        return ""
    end

    local parts = {}
    for i = 1, n do
        parts[i] = names[i] .. "=\"" .. escape(values[i]) .. "\""
    end

    if extra then
        parts[n + 1] = extra
    end

    return "{" .. concat(parts, ",") .. "}"
end


local function count_error(self, ...)
    log(ERR, ...)

    local ok, err = self.dict:incr(self.error_metric_name, 1, 0)
    if not ok then
        log(ERR, "cannot count the error in \"", self.error_metric_name,
            "\": ", err)
    end
end


-- init(dict_name, opts): opts.prefix (prepended to metric names),
-- opts.error_metric_name; raises an error when the dict does not exist
function _M.init(dict_name, opts)
    local dict = ngx.shared[dict_name]
    if not dict then
        error("dictionary '" .. tostring(dict_name) .. "' does not seem to "
              .. "exist, define it with lua_shared_dict", 2)
    end

    if type(opts) == "string" then
        opts = { prefix = opts }
    end

    opts = opts or {}

    local self = setmetatable({
        dict = dict,
        prefix = opts.prefix or "",
        error_metric_name = opts.error_metric_name
                            or "nginx_metric_errors_total",
        registry = {},
    }, mt)

    self.registry[self.error_metric_name] = setmetatable({
        prometheus = self,
        name = self.error_metric_name,
        help = "Number of nginx-lua-prometheus errors",
        kind = "counter",
        label_names = {},
        lookup = {},
        nlookup = 0,
    }, metric_mt)

    -- shown as 0 from the start
    dict:add(self.error_metric_name, 0)

    return self
end


-- metric counting is immediate: nothing to set up per worker
function _M.init_worker()
end


local function register(self, kind, name, help, label_names, buckets)
    if type(name) == "string" then
        name = self.prefix .. name
    end

    if type(name) ~= "string" or not find(name, "^[a-zA-Z_:][a-zA-Z0-9_:]*$")
    then
        count_error(self, "metric name '", tostring(name), "' is invalid")
        return nil
    end

    label_names = label_names or {}

    for i = 1, #label_names do
        local l = label_names[i]
        if type(l) ~= "string" or not find(l, "^[a-zA-Z_][a-zA-Z0-9_]*$")
           or sub(l, 1, 2) == "__" or (kind == "histogram" and l == "le")
        then
            count_error(self, "metric '", name, "': label name '",
                        tostring(l), "' is invalid")
            return nil
        end
    end

    -- a histogram's series names must not clash either
    local names = { name }
    if kind == "histogram" then
        names = { name, name .. "_bucket", name .. "_sum", name .. "_count" }
    end

    for i = 1, #names do
        if self.registry[names[i]] or self.series_owner
                                      and self.series_owner[names[i]]
        then
            count_error(self, "duplicate metric ", name)
            return nil
        end
    end

    local metric = setmetatable({
        prometheus = self,
        name = name,
        help = help or "",
        kind = kind,
        label_names = label_names,
        buckets = buckets,
        lookup = {},
        nlookup = 0,
    }, metric_mt)

    self.registry[name] = metric

    self.series_owner = self.series_owner or {}
    for i = 1, #names do
        self.series_owner[names[i]] = metric
    end

    return metric
end


function _M.counter(self, name, help, label_names)
    return register(self, "counter", name, help, label_names)
end


function _M.gauge(self, name, help, label_names)
    return register(self, "gauge", name, help, label_names)
end


-- buckets: increasing upper bounds (the default suits seconds of latency)
function _M.histogram(self, name, help, label_names, buckets)
    buckets = buckets or DEFAULT_BUCKETS

    for i = 2, #buckets do
        if not (buckets[i] > buckets[i - 1]) then
            count_error(self, "metric '", self.prefix .. name,
                        "': buckets must increase")
            return nil
        end
    end

    return register(self, "histogram", name, help, label_names, buckets)
end


-- the key (for a histogram, a table of keys) of the series named by
-- label_values; nil after counting an error
local function series(self, label_values)
    local names = self.label_names
    local n = #names
    local got = label_values and #label_values or 0

    if got ~= n then
        count_error(self.prometheus, "wrong number of labels for ",
                    self.name, ": expected ", n, ", got ", got)
        return nil
    end

    local id = n == 0 and "" or concat(label_values, "\0")
    local keys = self.lookup[id]
    if keys then
        return keys
    end

    if self.kind ~= "histogram" then
        keys = self.name .. label_str(names, label_values)

    else
        keys = {
            sum = self.name .. "_sum" .. label_str(names, label_values),
        }

        local buckets = self.buckets
        for i = 1, #buckets + 1 do
            local le = buckets[i] and number_str(buckets[i]) or "+Inf"
            keys[i] = self.name .. "_bucket"
                      .. label_str(names, label_values, "le=\"" .. le .. "\"")
        end
    end

    if self.nlookup >= MAX_LOOKUP then
        self.lookup = {}
        self.nlookup = 0
    end

    self.lookup[id] = keys
    self.nlookup = self.nlookup + 1

    return keys
end


local function add(self, key, value)
    local ok, err = self.prometheus.dict:incr(key, value, 0)
    if not ok then
        count_error(self.prometheus, "cannot update \"", key, "\": ", err)
    end
end


-- counters and gauges: adds value (1 when nil)
function metric_mt.inc(self, value, label_values)
    value = value or 1

    if type(value) ~= "number" then
        count_error(self.prometheus, "metric ", self.name,
                    ": the value is not a number")
        return
    end

    if self.kind == "histogram" then
        count_error(self.prometheus, "metric ", self.name,
                    ": inc() on a histogram")
        return
    end

    if value < 0 and self.kind == "counter" then
        count_error(self.prometheus, "metric ", self.name,
                    ": counter increment should not be negative")
        return
    end

    local key = series(self, label_values)
    if key then
        add(self, key, value)
    end
end


-- gauges
function metric_mt.set(self, value, label_values)
    if self.kind ~= "gauge" then
        count_error(self.prometheus, "metric ", self.name,
                    ": set() on a ", self.kind)
        return
    end

    if type(value) ~= "number" then
        count_error(self.prometheus, "metric ", self.name,
                    ": the value is not a number")
        return
    end

    local key = series(self, label_values)
    if not key then
        return
    end

    local ok, err = self.prometheus.dict:set(key, value)
    if not ok then
        count_error(self.prometheus, "cannot set \"", key, "\": ", err)
    end
end


-- histograms
function metric_mt.observe(self, value, label_values)
    if self.kind ~= "histogram" then
        count_error(self.prometheus, "metric ", self.name,
                    ": observe() on a ", self.kind)
        return
    end

    if type(value) ~= "number" then
        count_error(self.prometheus, "metric ", self.name,
                    ": the value is not a number")
        return
    end

    local keys = series(self, label_values)
    if not keys then
        return
    end

    local buckets = self.buckets
    local i = 1
    while buckets[i] and value > buckets[i] do
        i = i + 1
    end

    add(self, keys[i], 1)
    add(self, keys.sum, value)
end


-- removes the series of label_values
function metric_mt.del(self, label_values)
    local keys = series(self, label_values)
    if not keys then
        return
    end

    local dict = self.prometheus.dict

    if type(keys) == "string" then
        dict:delete(keys)
        return
    end

    dict:delete(keys.sum)
    for i = 1, #keys do
        dict:delete(keys[i])
    end
end


-- removes every series of the metric
function metric_mt.reset(self)
    local dict = self.prometheus.dict
    local owner = self.prometheus.series_owner

    for _, key in ipairs(dict:get_keys(0)) do
        local brace = find(key, "{", 1, true)
        local base = brace and sub(key, 1, brace - 1) or key
        if owner[base] == self then
            dict:delete(key)
        end
    end

    self.lookup = {}
    self.nlookup = 0
end


-- for a histogram: the label part of a _sum key and the cumulated bucket
-- lines of that label set
local function histogram_lines(self, dict, sum_key, lines)
    local labels = sub(sum_key, #self.name + #"_sum" + 1)
    local inner = labels == "" and "" or sub(labels, 2, -2) .. ","
    local buckets = self.buckets
    local total = 0

    for i = 1, #buckets + 1 do
        local le = buckets[i] and number_str(buckets[i]) or "+Inf"
        local key = self.name .. "_bucket{" .. inner .. "le=\"" .. le .. "\"}"
        total = total + (dict:get(key) or 0)
        lines[#lines + 1] = key .. " " .. number_str(total) .. "\n"
    end

    lines[#lines + 1] = self.name .. "_count" .. labels .. " "
                        .. number_str(total) .. "\n"
    lines[#lines + 1] = sum_key .. " " .. number_str(dict:get(sum_key) or 0)
                        .. "\n"
end


-- the exposition text as a table of lines
function _M.metric_data(self)
    local dict = self.dict
    local owner = self.series_owner or {}
    local registry = self.registry
    local by_metric = {}

    for _, key in ipairs(dict:get_keys(0)) do
        local brace = find(key, "{", 1, true)
        local base = brace and sub(key, 1, brace - 1) or key
        local metric = owner[base] or registry[base]

        if metric and (metric.kind ~= "histogram"
                       or base == metric.name .. "_sum")
        then
            local list = by_metric[metric]
            if not list then
                list = {}
                by_metric[metric] = list
            end
            list[#list + 1] = key
        end
    end

    local names = {}
    for name in pairs(registry) do
        names[#names + 1] = name
    end
    sort(names)

    local lines = {}

    for _, name in ipairs(names) do
        local metric = registry[name]
        local keys = by_metric[metric]

        if keys then
            sort(keys)

            local help = gsub(metric.help, "\\", "\\\\")
            help = gsub(help, "\n", "\\n")

            lines[#lines + 1] = "# HELP " .. name .. " " .. help .. "\n"
            lines[#lines + 1] = "# TYPE " .. name .. " " .. metric.kind
                                .. "\n"

            for _, key in ipairs(keys) do
                if metric.kind == "histogram" then
                    histogram_lines(metric, dict, key, lines)
                else
                    local value = dict:get(key)
                    if value ~= nil then
                        lines[#lines + 1] = key .. " " .. number_str(value)
                                            .. "\n"
                    end
                end
            end
        end
    end

    return lines
end


-- prints the metrics as the response (content_by_lua*)
function _M.collect(self)
    ngx.header["Content-Type"] = "text/plain; version=0.0.4"
    ngx.print(self:metric_data())
end


return _M
