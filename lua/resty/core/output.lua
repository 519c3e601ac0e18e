-- ngx.say(...) and ngx.print(...): strings, numbers, booleans, nil,
-- ngx.null and (nested) array tables, as lua-nginx-module. The pieces
-- are copied straight into the response's C buffers; nothing is
-- concatenated in Lua.


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local ngx = ngx
local type = type
local pairs = pairs
local rawget = rawget
local select = select
local error = error
local tostring = tostring
local floor = math.floor
local fmt = string.format
local ffi_str = ffi.string
local null = ngx.null
local get_request = base.get_request
local no_request_error = base.no_request_error
local FFI_OK = base.FFI_OK
local FFI_AGAIN = base.FFI_AGAIN
local FFI_DECLINED = base.FFI_DECLINED
local FFI_BAD_CONTEXT = base.FFI_BAD_CONTEXT

-- passes on what Lua filters must see, from a classic C function
local flush_pending = package.loaded["mx.c"].flush_pending


ffi.cdef[[
    int mx_ffi_output(mx_http_request_t *r, const unsigned char *data,
        size_t len, int flags, const char **err);
]]


local output = C.mx_ffi_output
local errmsg = base.get_errmsg_ptr()

local NEWLINE = 1
local MORE = 2


-- returns the largest index, or nil and an error message
local function check_table(t, i, fname)
    local max = 0

    for k in pairs(t) do
        if type(k) ~= "number" or k < 1 or floor(k) ~= k then
            return nil, fmt("bad argument #%d to '%s' (non-array table "
                            .. "found)", i, fname)
        end

        if k > max then
            max = k
        end
    end

    for j = 1, max do
        local v = rawget(t, j)
        local tv = type(v)

        if tv == "table" then
            local ok, err = check_table(v, i, fname)
            if not ok then
                return nil, err
            end

        elseif tv ~= "string" and tv ~= "number" and tv ~= "nil"
               and tv ~= "boolean" and v ~= null
        then
            return nil, fmt("bad argument #%d to '%s' (bad data type %s "
                            .. "found)", i, fname, tv)
        end
    end

    return max
end


local emit


local function emit_table(r, t)
    local max = 0

    for k in pairs(t) do
        if k > max then
            max = k
        end
    end

    for j = 1, max do
        emit(r, rawget(t, j))
    end
end


-- one checked piece, after the call's first (which did the checks)
emit = function (r, v)
    local t = type(v)
    local rc

    if t == "string" then
        rc = output(r, v, #v, MORE, errmsg)

    elseif t == "number" then
        v = tostring(v)
        rc = output(r, v, #v, MORE, errmsg)

    elseif t == "nil" then
        rc = output(r, "nil", 3, MORE, errmsg)

    elseif t == "boolean" then
        if v then
            rc = output(r, "true", 4, MORE, errmsg)

        else
            rc = output(r, "false", 5, MORE, errmsg)
        end

    elseif t == "table" then
        emit_table(r, v)

    else
        -- ngx.null
        rc = output(r, "null", 4, MORE, errmsg)
    end

    if rc == FFI_AGAIN then
        flush_pending()
    end
end


local function echo(r, fname, newline, ...)
    local n = select("#", ...)

    for i = 1, n do
        local v = select(i, ...)
        local t = type(v)

        if t == "table" then
            local ok, err = check_table(v, i, fname)
            if not ok then
                -- level 3: echo, ngx.say/print, their caller
                error(err, 3)
            end

        elseif t ~= "string" and t ~= "number" and t ~= "nil"
               and t ~= "boolean" and v ~= null
        then
            error(fmt("bad argument #%d to '%s' (string, number, boolean, "
                      .. "nil, ngx.null, or array table expected, but got "
                      .. "%s)", i, fname, t), 3)
        end
    end

    -- the first C call checks the state and prepares the header
    local rc = output(r, nil, 0, 0, errmsg)
    if rc ~= FFI_OK then
        if rc == FFI_AGAIN then
            -- HEAD with Lua filters: the header goes now
            flush_pending()
            return 1
        end

        if rc == FFI_BAD_CONTEXT then
            error(ffi_str(errmsg[0]), 3)
        end

        return nil, ffi_str(errmsg[0])
    end

    for i = 1, n do
        emit(r, (select(i, ...)))
    end

    if newline then
        rc = output(r, "\n", 1, MORE, errmsg)
        if rc == FFI_AGAIN then
            flush_pending()
        end
    end

    return 1
end


function ngx.say(...)
    local r = get_request()
    if not r then
        error(no_request_error("no request object found"), 2)
    end

    -- the common case: one string
    if select("#", ...) == 1 then
        local s = ...
        if type(s) == "string" then
            local rc = output(r, s, #s, NEWLINE, errmsg)
            if rc == FFI_OK then
                return 1
            end

            if rc == FFI_AGAIN then
                flush_pending()
                return 1
            end

            if rc == FFI_BAD_CONTEXT then
                error(ffi_str(errmsg[0]), 2)
            end

            return nil, ffi_str(errmsg[0])
        end
    end

    -- not a tail call: echo() raises errors at level 3, our caller
    local ok, err = echo(r, "say", true, ...)
    return ok, err
end


function ngx.print(...)
    local r = get_request()
    if not r then
        error(no_request_error("no request object found"), 2)
    end

    if select("#", ...) == 1 then
        local s = ...
        if type(s) == "string" then
            local rc = output(r, s, #s, 0, errmsg)
            if rc == FFI_OK then
                return 1
            end

            if rc == FFI_AGAIN then
                flush_pending()
                return 1
            end

            if rc == FFI_BAD_CONTEXT then
                error(ffi_str(errmsg[0]), 2)
            end

            return nil, ffi_str(errmsg[0])
        end
    end

    -- not a tail call: echo() raises errors at level 3, our caller
    local ok, err = echo(r, "print", false, ...)
    return ok, err
end


-- ngx.send_headers(): the header goes out now, unless HTTP/1.0 output
-- is gathered to count it; 1, or nil and an error
function ngx.send_headers()
    local r = get_request()
    if not r then
        error(no_request_error("no request object found"), 2)
    end

    -- prepares the header; refuses the contexts ngx.say refuses
    local rc = output(r, nil, 0, 0, errmsg)
    if rc == FFI_BAD_CONTEXT then
        error(ffi_str(errmsg[0]), 2)
    end

    if rc == FFI_DECLINED then
        -- HEAD or after ngx.eof(): the header is out already
        return 1
    end

    if rc ~= FFI_OK and rc ~= FFI_AGAIN then
        return nil, ffi_str(errmsg[0])
    end

    -- from a classic C function: header filters may run Lua
    local ok, err = flush_pending()
    return ok, err
end


return {
    version = base.version
}
