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


-- The general case: any argument list (args[1..n]), checked first as
-- lua-nginx-module does, errors raised at level (counted from here).
local function echo(r, fname, newline, level, n, args)
    for i = 1, n do
        local v = args[i]
        local t = type(v)

        if t == "table" then
            local ok, err = check_table(v, i, fname)
            if not ok then
                error(err, level)
            end

        elseif t ~= "string" and t ~= "number" and t ~= "nil"
               and t ~= "boolean" and v ~= null
        then
            error(fmt("bad argument #%d to '%s' (string, number, boolean, "
                      .. "nil, ngx.null, or array table expected, but got "
                      .. "%s)", i, fname, t), level)
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
            error(ffi_str(errmsg[0]), level)
        end

        return nil, ffi_str(errmsg[0])
    end

    for i = 1, n do
        emit(r, args[i])
    end

    if newline then
        rc = output(r, "\n", 1, MORE, errmsg)
        if rc == FFI_AGAIN then
            flush_pending()
        end
    end

    return 1
end


-- The common case, up to 8 strings and numbers, without a loop, a table
-- or a vararg function, so that it compiles: ngx.say and ngx.print call
-- it with their arguments spread over a1..a8.

local function plain(v)
    local t = type(v)
    return t == "string" or t == "number"
end


-- a piece after the first (which did the checks)
local function more(r, v, flags)
    if type(v) ~= "string" then
        v = tostring(v)
    end

    local rc = output(r, v, #v, flags, errmsg)
    if rc == FFI_AGAIN then
        flush_pending()
    end
end


-- flags: NEWLINE for ngx.say, 0 for ngx.print; errors are raised at
-- level 3, the caller of ngx.say/print
local function put(flags, fname, n, a1, a2, a3, a4, a5, a6, a7, a8)
    local r = get_request()
    if not r then
        error(no_request_error("no request object found"), 3)
    end

    if not ((n < 1 or plain(a1)) and (n < 2 or plain(a2))
            and (n < 3 or plain(a3)) and (n < 4 or plain(a4))
            and (n < 5 or plain(a5)) and (n < 6 or plain(a6))
            and (n < 7 or plain(a7)) and (n < 8 or plain(a8)))
    then
        -- level 4: echo, put, ngx.say/print, their caller
        local ok, err = echo(r, fname, flags == NEWLINE, 4, n,
                             { a1, a2, a3, a4, a5, a6, a7, a8 })
        return ok, err
    end

    local len = 0
    if n > 0 then
        if type(a1) ~= "string" then
            a1 = tostring(a1)
        end

        len = #a1
    end

    -- the first piece checks the state and prepares the header
    local rc = output(r, a1, len, n > 1 and 0 or flags, errmsg)
    if rc ~= FFI_OK then
        if rc == FFI_AGAIN then
            -- HEAD with Lua filters (the header goes now, the pieces after
            -- are dropped), or much output pending with Lua filters
            flush_pending()

        elseif rc == FFI_BAD_CONTEXT then
            error(ffi_str(errmsg[0]), 3)

        else
            return nil, ffi_str(errmsg[0])
        end
    end

    if n <= 1 then
        return 1
    end

    if n == 2 then
        more(r, a2, MORE + flags)
        return 1
    end

    more(r, a2, MORE)

    if n == 3 then
        more(r, a3, MORE + flags)
        return 1
    end

    more(r, a3, MORE)

    if n == 4 then
        more(r, a4, MORE + flags)
        return 1
    end

    more(r, a4, MORE)

    if n == 5 then
        more(r, a5, MORE + flags)
        return 1
    end

    more(r, a5, MORE)

    if n == 6 then
        more(r, a6, MORE + flags)
        return 1
    end

    more(r, a6, MORE)

    if n == 7 then
        more(r, a7, MORE + flags)
        return 1
    end

    more(r, a7, MORE)
    more(r, a8, MORE + flags)

    return 1
end


function ngx.say(...)
    local n = select("#", ...)
    if n <= 8 then
        -- not a tail call: put() raises errors at level 3, our caller
        local ok, err = put(NEWLINE, "say", n, ...)
        return ok, err
    end

    local r = get_request()
    if not r then
        error(no_request_error("no request object found"), 2)
    end

    local ok, err = echo(r, "say", true, 3, n, { ... })
    return ok, err
end


function ngx.print(...)
    local n = select("#", ...)
    if n <= 8 then
        local ok, err = put(0, "print", n, ...)
        return ok, err
    end

    local r = get_request()
    if not r then
        error(no_request_error("no request object found"), 2)
    end

    local ok, err = echo(r, "print", false, 3, n, { ... })
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
