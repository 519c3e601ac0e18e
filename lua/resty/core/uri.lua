-- The escaping helpers: ngx.escape_uri, ngx.unescape_uri,
-- ngx.encode_args, ngx.decode_args, ngx.quote_sql_str.
--
-- escape_uri and unescape_uri behave as lua-resty-core's; the others
-- were C functions in lua-nginx-module, and keep their argument checks
-- and messages ("bad argument #1 to 'decode_args' (string expected, got
-- nil)", "expecting 1 argument but seen 2").


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local ngx = ngx
local type = type
local error = error
local pairs = pairs
local select = select
local tostring = tostring
local tonumber = tonumber
local getinfo = debug.getinfo
local floor = math.floor
local ceil = math.ceil
local concat = table.concat
local ffi_new = ffi.new
local ffi_str = ffi.string
local get_string_buf = base.get_string_buf
local new_tab = base.new_tab


ffi.cdef[[
    size_t mx_ffi_uri_escaped_length(const unsigned char *src, size_t len,
        int type);
    void mx_ffi_escape_uri(const unsigned char *src, size_t len,
        unsigned char *dst, int type);
    size_t mx_ffi_unescape_uri(const unsigned char *src, size_t len,
        unsigned char *dst);
    int mx_ffi_decode_args_count(const unsigned char *src, size_t len,
        int max);
    int mx_ffi_decode_args(const unsigned char *src, size_t len,
        unsigned char *buf, mx_ffi_table_elt_t *out, int count, int max,
        int *truncated);
    size_t mx_ffi_sql_quoted_length(const unsigned char *src, size_t len);
    size_t mx_ffi_quote_sql_str(const unsigned char *src, size_t len,
        unsigned char *dst);
]]


local ESCAPE_URI = 0
local ESCAPE_URI_COMPONENT = 2
local ESCAPE_MAIL_AUTH = 6
local MAX_ARGS = 100


local function escape(s, esc_type)
    local slen = #s
    local dlen = tonumber(C.mx_ffi_uri_escaped_length(s, slen, esc_type))
    if dlen == slen then
        return s
    end

    local dst = get_string_buf(dlen)
    C.mx_ffi_escape_uri(s, slen, dst, esc_type)
    -- through a local: a trace cannot return from a tail call to a builtin
    local ret = ffi_str(dst, dlen)
    return ret
end


function ngx.escape_uri(s, esc_type)
    if type(s) ~= "string" then
        if not s then
            s = ""

        else
            s = tostring(s)
        end
    end

    if esc_type == nil then
        esc_type = ESCAPE_URI_COMPONENT

    else
        -- level 3 as lua-resty-core, whose messages these are
        if type(esc_type) ~= "number" then
            error("\"type\" is not a number", 3)
        end

        if esc_type < ESCAPE_URI or esc_type > ESCAPE_MAIL_AUTH then
            error("\"type\" " .. esc_type .. " out of range", 3)
        end
    end

    return escape(s, esc_type)
end


function ngx.unescape_uri(s)
    if type(s) ~= "string" then
        if not s then
            s = ""

        else
            s = tostring(s)
        end
    end

    local slen = #s
    local dst = get_string_buf(slen)
    local dlen = C.mx_ffi_unescape_uri(s, slen, dst)
    local ret = ffi_str(dst, dlen)
    return ret
end


-- luaL_check*()'s "bad argument" error for argument i of the API
-- function (level 2 from here), raised at that function's caller
local function arg_error(i, expected, v)
    local ar = getinfo(2, "n")
    error("bad argument #" .. i .. " to '" .. (ar and ar.name or "?")
          .. "' (" .. expected .. " expected, got " .. type(v) .. ")", 3)
end


-- ngx.encode_args: pairs() order (lua_next()'s, as in lua-nginx-module);
-- true gives a bare key, false nothing, a table one pair per element
function ngx.encode_args(...)
    local n = select("#", ...)
    if n ~= 1 then
        error("expecting 1 argument but seen " .. n, 2)
    end

    local args = ...
    if type(args) ~= "table" then
        arg_error(1, "table", args)
    end

    local parts = new_tab(8, 0)
    local i = 0

    for k, v in pairs(args) do
        if type(k) ~= "string" then
            error("attempt to use a non-string key in the \"args\" option "
                  .. "table", 2)
        end

        local key = escape(k, ESCAPE_URI_COMPONENT)
        local t = type(v)

        if t == "string" or t == "number" then
            i = i + 1
            parts[i] = key .. "=" .. escape(tostring(v), ESCAPE_URI_COMPONENT)

        elseif t == "boolean" then
            if v then
                i = i + 1
                parts[i] = key
            end

        elseif t == "table" then
            for _, e in pairs(v) do
                local et = type(e)

                if et == "boolean" then
                    if e then
                        i = i + 1
                        parts[i] = key
                    end

                elseif et == "string" or et == "number" then
                    i = i + 1
                    parts[i] = key .. "="
                               .. escape(tostring(e), ESCAPE_URI_COMPONENT)

                else
                    error("attempt to use " .. et .. " as query arg value", 2)
                end
            end

        else
            error("attempt to use " .. t .. " as query arg value", 2)
        end
    end

    local ret = concat(parts, "&", 1, i)
    return ret
end


local truncated = ffi_new("int[1]")
local elt_arr_type = ffi.typeof("mx_ffi_table_elt_t[?]")
local elts_size = 32
local elts = ffi_new(elt_arr_type, elts_size)


-- ngx.decode_args(str, max?): repeated keys give a list; "truncated"
-- as the second value when max pairs were read before the end
function ngx.decode_args(...)
    local n = select("#", ...)
    if n ~= 1 and n ~= 2 then
        error("expecting 1 or 2 arguments but seen " .. n, 2)
    end

    local str, max = ...

    local t = type(str)
    if t == "number" then
        str = tostring(str)

    elseif t ~= "string" then
        arg_error(1, "string", str)
    end

    if n == 2 then
        local m = tonumber(max)
        if not m then
            arg_error(2, "number", max)
        end

        -- luaL_checkint(): truncated towards zero
        max = m >= 0 and floor(m) or ceil(m)

    else
        max = MAX_ARGS
    end

    local len = #str
    local count = C.mx_ffi_decode_args_count(str, len, max)
    if count == 0 then
        local ret = new_tab(0, 0)
        return ret
    end

    local out = elts
    if count > elts_size then
        out = ffi_new(elt_arr_type, count)
    end

    local buf = get_string_buf(len)
    count = C.mx_ffi_decode_args(str, len, buf, out, count, max, truncated)

    local args = new_tab(0, count)

    for i = 0, count - 1 do
        local e = out[i]
        local key = ffi_str(e.key.data, e.key.len)
        local value = true

        if e.value.len >= 0 then
            value = ffi_str(e.value.data, e.value.len)
        end

        local old = args[key]
        if old == nil then
            args[key] = value

        elseif type(old) == "table" then
            old[#old + 1] = value

        else
            args[key] = { old, value }
        end
    end

    if truncated[0] ~= 0 then
        return args, "truncated"
    end

    return args
end


function ngx.quote_sql_str(...)
    local n = select("#", ...)
    if n ~= 1 then
        error("expecting one argument", 2)
    end

    local s = ...

    local t = type(s)
    if t == "number" then
        s = tostring(s)

    elseif t ~= "string" then
        arg_error(1, "string", s)
    end

    local slen = #s
    local dlen = tonumber(C.mx_ffi_sql_quoted_length(s, slen))
    local dst = get_string_buf(dlen)
    dlen = C.mx_ffi_quote_sql_str(s, slen, dst)
    local ret = ffi_str(dst, dlen)
    return ret
end


return {
    version = base.version,
}
