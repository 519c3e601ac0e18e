-- ngx.header: the response headers, case-insensitive, "_" read as "-";
-- a table value gives several headers, nil clears. ngx.resp.get_headers
-- lists them all.


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local ngx = ngx
local type = type
local error = error
local select = select
local tostring = tostring
local tonumber = tonumber
local rawget = rawget
local setmetatable = setmetatable
local lower = string.lower
local gsub = string.gsub
local floor = math.floor
local getinfo = debug.getinfo
local ffi_str = ffi.string
local new_tab = base.new_tab
local get_request = base.get_request
local get_string_buf = base.get_string_buf
local FFI_BAD_CONTEXT = base.FFI_BAD_CONTEXT
local FFI_DECLINED = base.FFI_DECLINED


local _M = {
    version = base.version
}


ffi.cdef[[
    int mx_ffi_set_resp_header(mx_http_request_t *r,
        const unsigned char *key, size_t key_len, int is_nil,
        const unsigned char *sval, size_t sval_len, mx_ffi_str_t *mvals,
        size_t mvals_len, int override, const char **errmsg);

    int mx_ffi_get_resp_header(mx_http_request_t *r,
        const unsigned char *key, size_t key_len, unsigned char *key_buf,
        mx_ffi_str_t *values, int max, const char **errmsg);

    int mx_ffi_resp_get_headers_count(mx_http_request_t *r, int max,
        int *truncated);

    int mx_ffi_resp_get_headers(mx_http_request_t *r,
        mx_ffi_table_elt_t *out, int count, int raw);
]]


local MAX_HEADER_VALUES = 100
local str_arr_type = ffi.typeof("mx_ffi_str_t[?]")
local errmsg = base.get_errmsg_ptr()
local values = ffi.new(str_arr_type, MAX_HEADER_VALUES)
local mvals_buf = ffi.new(str_arr_type, 8)
local mvals_size = 8


local function set_resp_header(tb, key, value, no_override)
    local r = get_request()
    if not r then
        error("no request found")
    end

    if type(key) ~= "string" then
        key = tostring(key)
    end

    local rc

    if value == nil then
        if no_override then
            error("invalid header value", 3)
        end

        rc = C.mx_ffi_set_resp_header(r, key, #key, 1, nil, 0, nil, 0, 1,
                                      errmsg)

    else
        local sval, sval_len, mvals, mvals_len

        if type(value) == "table" then
            mvals_len = #value
            if mvals_len == 0 and no_override then
                return
            end

            if mvals_len > mvals_size then
                mvals_size = mvals_len
                mvals_buf = ffi.new(str_arr_type, mvals_size)
            end

            mvals = mvals_buf

            for i = 1, mvals_len do
                local s = value[i]
                if type(s) ~= "string" then
                    s = tostring(s)
                    value[i] = s
                end

                local str = mvals[i - 1]
                str.data = s
                str.len = #s
            end

            sval_len = 0

        else
            if type(value) ~= "string" then
                sval = tostring(value)

            else
                sval = value
            end

            sval_len = #sval
            mvals_len = 0
        end

        rc = C.mx_ffi_set_resp_header(r, key, #key, 0, sval, sval_len,
                                      mvals, mvals_len,
                                      no_override and 0 or 1, errmsg)
    end

    if rc == 0 or rc == FFI_DECLINED then
        return
    end

    if rc == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end

    error(ffi_str(errmsg[0]), 2)
end


_M.set_resp_header = set_resp_header


local function get_resp_header(tb, key)
    local r = get_request()
    if not r then
        error("no request found")
    end

    if type(key) ~= "string" then
        key = tostring(key)
    end

    local key_len = #key
    local key_buf = get_string_buf(key_len)

    local n = C.mx_ffi_get_resp_header(r, key, key_len, key_buf, values,
                                       MAX_HEADER_VALUES, errmsg)

    if n == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end

    if n == 0 then
        return nil
    end

    if n == 1 then
        local v = values[0]
        -- through a local: a trace cannot return from a tail call to a builtin
        local ret = ffi_str(v.data, v.len)
        return ret
    end

    if n > 0 then
        local ret = new_tab(n, 0)
        for i = 1, n do
            local v = values[i - 1]
            ret[i] = ffi_str(v.data, v.len)
        end

        return ret
    end

    error(ffi_str(errmsg[0]), 2)
end


ngx.header = setmetatable(new_tab(0, 0), {
    __newindex = set_resp_header,
    __index = get_resp_header,
})


-- ngx.resp.get_headers(max?, raw?): a C function in lua-nginx-module,
-- with its argument checks; max nil: 100, 0 or less: all
do
    local MAX_HEADERS = 100
    local truncated = ffi.new("int[1]")
    local elt_arr_type = ffi.typeof("mx_ffi_table_elt_t[?]")
    local elts_size = 32
    local elts = ffi.new(elt_arr_type, elts_size)

    local headers_mt = {
        __index = function (tb, key)
            local ret = rawget(tb, (gsub(lower(key), "_", "-")))
            return ret
        end
    }

    ngx.resp = ngx.resp or new_tab(0, 4)

    function ngx.resp.get_headers(...)
        local max_headers, raw = ...

        if select("#", ...) == 0 or max_headers == nil then
            max_headers = MAX_HEADERS

        else
            local n = tonumber(max_headers)
            if n == nil then
                -- luaL_checkinteger()'s, named as the caller named us
                local ar = getinfo(1, "n")
                error("bad argument #1 to '" .. (ar and ar.name or "?")
                      .. "' (number expected, got " .. type(max_headers)
                      .. ")", 2)
            end

            max_headers = n >= 0 and floor(n) or 0
        end

        local r = get_request()
        if not r then
            error("no request object found", 2)
        end

        local n = C.mx_ffi_resp_get_headers_count(r, max_headers, truncated)
        if n == FFI_BAD_CONTEXT then
            error("API disabled in the current context", 2)
        end

        if n > elts_size then
            elts_size = n
            elts = ffi.new(elt_arr_type, n)
        end

        n = C.mx_ffi_resp_get_headers(r, elts, n, raw and 1 or 0)
        if n < 0 then
            error("no memory", 2)
        end

        local headers = new_tab(0, n)
        for i = 0, n - 1 do
            local h = elts[i]
            local key = ffi_str(h.key.data, h.key.len)
            local value = ffi_str(h.value.data, h.value.len)

            local existing = headers[key]
            if existing == nil then
                headers[key] = value

            elseif type(existing) == "table" then
                existing[#existing + 1] = value

            else
                headers[key] = {existing, value}
            end
        end

        if not raw then
            setmetatable(headers, headers_mt)
        end

        if truncated[0] ~= 0 then
            return headers, "truncated"
        end

        return headers
    end
end


return _M
