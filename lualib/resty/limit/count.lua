-- resty.limit.count: at most "limit" requests per key in a fixed window
-- of "window" seconds that starts with the first request; the API of
-- lua-resty-limit-traffic's resty.limit.count (see limit.md).
--
-- The dict holds the requests left, created at limit by the first
-- incr() with the window as its expiry: the count and its window go
-- away together.

local ngx_shared = ngx.shared
local assert = assert
local setmetatable = setmetatable


local _M = { _VERSION = "0.09" }
local mt = { __index = _M }


-- nil, "shared dict not found"
function _M.new(dict_name, limit, window)
    local dict = ngx_shared[dict_name]
    if not dict then
        return nil, "shared dict not found"
    end

    assert(limit > 0 and window > 0)

    return setmetatable({
        dict = dict,
        limit = limit,
        window = window,
    }, mt)
end


-- 0, remaining (requests still allowed in the window); or nil,
-- "rejected" or a dict error. With commit the request is counted.
function _M.incoming(self, key, commit)
    local remaining, err

    if commit then
        remaining, err = self.dict:incr(key, -1, self.limit, self.window)
        if not remaining then
            return nil, err
        end

    else
        remaining = (self.dict:get(key) or self.limit) - 1
    end

    if remaining < 0 then
        return nil, "rejected"
    end

    return 0, remaining
end


-- gives back one request: the remaining count, or nil and an error
function _M.uncommit(self, key)
    assert(key)

    local remaining, err = self.dict:incr(key, 1)
    if not remaining then
        if err ~= "not found" then
            return nil, err
        end

        -- the window is over: all of the next one is left
        remaining = self.limit
    end

    return remaining
end


return _M
