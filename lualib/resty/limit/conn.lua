-- resty.limit.conn: limits concurrent requests per key, as nginx's
-- limit_conn, delaying those over "max" up to "burst"; the API of
-- lua-resty-limit-traffic's resty.limit.conn (see limit.md).
--
-- The dict holds the number of requests in flight per key; a request
-- counted by incoming() must be matched by leaving() (usually in
-- log_by_lua*), or the count only grows.

local ngx_shared = ngx.shared
local floor = math.floor
local assert = assert
local setmetatable = setmetatable


local _M = { _VERSION = "0.09" }
local mt = { __index = _M }


-- default_conn_delay: the seconds an excess request is expected to take,
-- refined by leaving(key, latency). nil, "shared dict not found"
function _M.new(dict_name, max, burst, default_conn_delay)
    local dict = ngx_shared[dict_name]
    if not dict then
        return nil, "shared dict not found"
    end

    assert(max > 0 and burst >= 0 and default_conn_delay > 0)

    return setmetatable({
        dict = dict,
        max = max + 0,
        burst = burst,
        unit_delay = default_conn_delay,
        committed = false,
    }, mt)
end


-- delay (seconds), conn (requests in flight with this one); or nil,
-- "rejected" or a dict error. With commit the request is counted, and
-- is_committed() says so.
function _M.incoming(self, key, commit)
    local dict = self.dict
    local max = self.max
    local conn, err

    self.committed = false

    if commit then
        conn, err = dict:incr(key, 1, 0)
        if not conn then
            return nil, err
        end

        if conn > max + self.burst then
            conn, err = dict:incr(key, -1)
            if not conn then
                return nil, err
            end

            return nil, "rejected"
        end

        self.committed = true

    else
        conn = (dict:get(key) or 0) + 1

        if conn > max + self.burst then
            return nil, "rejected"
        end
    end

    if conn > max then
        -- each full "max" ahead of this request costs one unit delay
        return self.unit_delay * floor((conn - 1) / max), conn
    end

    return 0, conn
end


function _M.is_committed(self)
    return self.committed
end


-- the request is done: the count left, or nil and an error. req_latency
-- (seconds) moves the unit delay halfway towards it.
function _M.leaving(self, key, req_latency)
    assert(key)

    local conn, err = self.dict:incr(key, -1)
    if not conn then
        return nil, err
    end

    if req_latency then
        self.unit_delay = (req_latency + self.unit_delay) / 2
    end

    return conn
end


function _M.uncommit(self, key)
    assert(key)

    return self.dict:incr(key, -1)
end


function _M.set_conn(self, conn)
    self.max = conn
end


function _M.set_burst(self, burst)
    self.burst = burst
end


return _M
