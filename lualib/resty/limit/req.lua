-- resty.limit.req: request rate limiting with a leaky bucket, as nginx's
-- limit_req; the API of lua-resty-limit-traffic's resty.limit.req (see
-- limit.md).
--
-- Per key the dict holds a 16-byte record: the excess (requests beyond
-- the rate, in thousandths) and the time of the last accepted request
-- (milliseconds), both unsigned 64-bit integers, the layout that library
-- uses; rate and burst are kept scaled by 1000 as well, so results and
-- stored values are the same numbers it gives.

local ffi = require "ffi"

local ngx_shared = ngx.shared
local ngx_now = ngx.now
local ffi_cast = ffi.cast
local ffi_str = ffi.string
local abs = math.abs
local tonumber = tonumber
local type = type
local assert = assert
local setmetatable = setmetatable


if not pcall(ffi.typeof, "mx_limit_req_rec_t") then
    ffi.cdef[[
        typedef struct {
            uint64_t  excess;    /* 1000 = one request */
            uint64_t  last;      /* ms */
        } mx_limit_req_rec_t;
    ]]
end

local rec_ptr_t = ffi.typeof("const mx_limit_req_rec_t *")
local REC_SIZE = ffi.sizeof("mx_limit_req_rec_t")

-- serialization scratch: filled and copied out at once
local rec = ffi.new("mx_limit_req_rec_t")


local _M = { _VERSION = "0.09" }
local mt = { __index = _M }


-- rate: requests per second; burst: requests per second beyond it that
-- are delayed rather than rejected. nil, "shared dict not found"
function _M.new(dict_name, rate, burst)
    local dict = ngx_shared[dict_name]
    if not dict then
        return nil, "shared dict not found"
    end

    assert(rate > 0 and burst >= 0)

    return setmetatable({
        dict = dict,
        rate = rate * 1000,
        burst = burst * 1000,
    }, mt)
end


-- delay (seconds to wait before serving), excess (requests per second
-- over the rate); or nil, "rejected" or another error. With commit the
-- request is recorded.
function _M.incoming(self, key, commit)
    local dict = self.dict
    local rate = self.rate
    local now = ngx_now() * 1000
    local excess = 0

    -- v anchors the bytes that r points into
    local v = dict:get(key)
    if v ~= nil then
        if type(v) ~= "string" or #v ~= REC_SIZE then
            return nil, "shdict abused by other users"
        end

        local r = ffi_cast(rec_ptr_t, v)
        local elapsed = now - tonumber(r.last)

        -- the bucket drains at "rate" and this request adds one; a clock
        -- that went back counts as time passed
        excess = tonumber(r.excess) - rate * abs(elapsed) / 1000 + 1000
        if excess < 0 then
            excess = 0
        end

        if excess > self.burst then
            return nil, "rejected"
        end
    end

    if commit then
        rec.excess = excess
        rec.last = now
        dict:set(key, ffi_str(rec, REC_SIZE))
    end

    return excess / rate, excess / 1000
end


-- takes back one committed request; true, or nil and "not found" or
-- another error
function _M.uncommit(self, key)
    assert(key)

    local dict = self.dict

    local v = dict:get(key)
    if v == nil then
        return nil, "not found"
    end

    if type(v) ~= "string" or #v ~= REC_SIZE then
        return nil, "shdict abused by other users"
    end

    local r = ffi_cast(rec_ptr_t, v)
    local excess = tonumber(r.excess) - 1000
    if excess < 0 then
        excess = 0
    end

    rec.excess = excess
    rec.last = r.last
    dict:set(key, ffi_str(rec, REC_SIZE))

    return true
end


function _M.set_rate(self, rate)
    self.rate = rate * 1000
end


function _M.set_burst(self, burst)
    self.burst = burst * 1000
end


return _M
