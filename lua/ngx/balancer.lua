-- ngx.balancer, lua-resty-core's module for balancer_by_lua*: the peer of
-- the current try and how retries go (core/lua/mx_lua_phase_balancer.c).
--   set_current_peer(addr, port?) -> true | nil, err
--   set_more_tries(count)         -> true [, "reduced tries due to limit"]
--                                    | nil, err
--   get_last_failure()            -> nil (first try) | state, status
--                                    ("failed" / "next") | nil, nil, err
--   set_timeouts(connect, send, read) (seconds, nil: unchanged)
--                                 -> true | false, err
--   recreate_request()            -> true | nil, err


local base = require "resty.core.base"
base.allows_subsystem("http")


local ffi = require "ffi"


local C = ffi.C
local ffi_str = ffi.string
local error = error
local type = type
local tonumber = tonumber
local get_request = base.get_request
local errmsg = base.get_errmsg_ptr()
local int_out = ffi.new("int[1]")
local FFI_OK = base.FFI_OK
local FFI_ERROR = base.FFI_ERROR


ffi.cdef[[
    int mx_ffi_balancer_set_current_peer(mx_http_request_t *r,
        const unsigned char *addr, size_t addr_len, int port,
        const char **err);
    int mx_ffi_balancer_set_more_tries(mx_http_request_t *r, int count,
        const char **err);
    int mx_ffi_balancer_get_last_failure(mx_http_request_t *r, int *status,
        const char **err);
    int mx_ffi_balancer_set_timeouts(mx_http_request_t *r,
        long connect_timeout, long send_timeout, long read_timeout,
        const char **err);
    int mx_ffi_balancer_recreate_request(mx_http_request_t *r,
        const char **err);
]]


-- nginx's NGX_PEER_* numbers, as the C side reports them
local peer_state_names = {
    [1] = "keepalive",
    [2] = "next",
    [4] = "failed",
}


local _M = { version = base.version }


function _M.set_current_peer(addr, port)
    local r = get_request()
    if not r then
        error("no request found")
    end

    if not port then
        port = 0

    elseif type(port) ~= "number" then
        port = tonumber(port)
    end

    local rc = C.mx_ffi_balancer_set_current_peer(r, addr, #addr, port,
                                                  errmsg)
    if rc == FFI_OK then
        return true
    end

    return nil, ffi_str(errmsg[0])
end


function _M.set_more_tries(count)
    local r = get_request()
    if not r then
        error("no request found")
    end

    local rc = C.mx_ffi_balancer_set_more_tries(r, count, errmsg)
    if rc == FFI_OK then
        if errmsg[0] == nil then
            return true
        end

        -- a warning, not a failure
        return true, ffi_str(errmsg[0])
    end

    return nil, ffi_str(errmsg[0])
end


function _M.get_last_failure()
    local r = get_request()
    if not r then
        error("no request found")
    end

    local state = C.mx_ffi_balancer_get_last_failure(r, int_out, errmsg)

    if state == 0 then
        return nil
    end

    if state == FFI_ERROR then
        return nil, nil, ffi_str(errmsg[0])
    end

    return peer_state_names[state] or "unknown", int_out[0]
end


-- seconds to milliseconds; nil leaves the timeout as configured
local function timeout_ms(t, what)
    if not t then
        return 0
    end

    if type(t) ~= "number" or t <= 0 then
        error("bad " .. what .. " timeout", 3)
    end

    return t * 1000
end


function _M.set_timeouts(connect_timeout, send_timeout, read_timeout)
    local r = get_request()
    if not r then
        error("no request found")
    end

    connect_timeout = timeout_ms(connect_timeout, "connect")
    send_timeout = timeout_ms(send_timeout, "send")
    read_timeout = timeout_ms(read_timeout, "read")

    local rc = C.mx_ffi_balancer_set_timeouts(r, connect_timeout,
                                              send_timeout, read_timeout,
                                              errmsg)
    if rc == FFI_OK then
        return true
    end

    return false, ffi_str(errmsg[0])
end


function _M.recreate_request()
    local r = get_request()
    if not r then
        error("no request found")
    end

    local rc = C.mx_ffi_balancer_recreate_request(r, errmsg)
    if rc == FFI_OK then
        return true
    end

    if errmsg[0] ~= nil then
        return nil, ffi_str(errmsg[0])
    end

    return nil, "failed to recreate the upstream request"
end


return _M
