-- ngx.req.get_method, ngx.req.get_uri_args, ngx.req.get_headers


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local ngx = ngx
local type = type
local error = error
local rawget = rawget
local setmetatable = setmetatable
local lower = string.lower
local gsub = string.gsub
local ffi_new = ffi.new
local ffi_str = ffi.string
local get_request = base.get_request
local get_size_ptr = base.get_size_ptr
local get_string_buf = base.get_string_buf
local new_tab = base.new_tab
local clear_tab = base.clear_tab
local FFI_BAD_CONTEXT = base.FFI_BAD_CONTEXT


local _M = {
    version = base.version
}


ffi.cdef[[
    int mx_ffi_req_get_method(mx_http_request_t *r);

    int mx_ffi_req_get_method_name(mx_http_request_t *r,
        const unsigned char **name, size_t *len);

    int mx_ffi_req_get_uri_args_count(mx_http_request_t *r, int max,
        int *truncated);

    size_t mx_ffi_req_get_querystring_len(mx_http_request_t *r);

    int mx_ffi_req_get_uri_args(mx_http_request_t *r, unsigned char *buf,
        mx_ffi_table_elt_t *out, int count);

    int mx_ffi_req_get_headers_count(mx_http_request_t *r, int max,
        int *truncated);

    int mx_ffi_req_get_headers(mx_http_request_t *r, mx_ffi_table_elt_t *out,
        int count, int raw);
]]


local truncated = ffi_new("int[1]")
local elt_arr_type = ffi.typeof("mx_ffi_table_elt_t[?]")
local elts_size = 32
local elts = ffi_new(elt_arr_type, elts_size)


-- an array of at least n entries, reused between calls
local function get_elts(n)
    if n > elts_size then
        elts_size = n
        elts = ffi_new(elt_arr_type, n)
    end

    return elts
end


do
    local methods = {
        [0x0002] = "GET",
        [0x0004] = "HEAD",
        [0x0008] = "POST",
        [0x0010] = "PUT",
        [0x0020] = "DELETE",
        [0x0040] = "MKCOL",
        [0x0080] = "COPY",
        [0x0100] = "MOVE",
        [0x0200] = "OPTIONS",
        [0x0400] = "PROPFIND",
        [0x0800] = "PROPPATCH",
        [0x1000] = "LOCK",
        [0x2000] = "UNLOCK",
        [0x4000] = "PATCH",
        [0x8000] = "TRACE",
    }

    local namep = ffi_new("const unsigned char *[1]")

    function ngx.req.get_method()
        local r = get_request()
        if not r then
            error("no request found")
        end

        local id = C.mx_ffi_req_get_method(r)
        if id == FFI_BAD_CONTEXT then
            error("API disabled in the current context", 2)
        end

        local method = methods[id]
        if method then
            return method
        end

        local sizep = get_size_ptr()
        local rc = C.mx_ffi_req_get_method_name(r, namep, sizep)
        if rc ~= 0 then
            return nil
        end

        return ffi_str(namep[0], sizep[0])
    end
end


function ngx.req.get_uri_args(max_args, tab)
    local r = get_request()
    if not r then
        error("no request found")
    end

    if not max_args then
        max_args = -1
    end

    if tab then
        clear_tab(tab)
    end

    local n = C.mx_ffi_req_get_uri_args_count(r, max_args, truncated)
    if n == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end

    if n == 0 then
        return tab or {}
    end

    local args_len = C.mx_ffi_req_get_querystring_len(r)
    local strbuf = get_string_buf(args_len)
    local kvbuf = get_elts(n)

    local nargs = C.mx_ffi_req_get_uri_args(r, strbuf, kvbuf, n)

    local args = tab or new_tab(0, nargs)
    for i = 0, nargs - 1 do
        local arg = kvbuf[i]

        local key = ffi_str(arg.key.data, arg.key.len)

        local value
        local len = arg.value.len
        if len == -1 then
            value = true

        else
            value = ffi_str(arg.value.data, len)
        end

        local existing = args[key]
        if existing then
            if type(existing) == "table" then
                existing[#existing + 1] = value

            else
                args[key] = {existing, value}
            end

        else
            args[key] = value
        end
    end

    if truncated[0] ~= 0 then
        return args, "truncated"
    end

    return args
end


local req_headers_mt = {
    __index = function (tb, key)
        return rawget(tb, (gsub(lower(key), "_", "-")))
    end
}


function ngx.req.get_headers(max_headers, raw)
    local r = get_request()
    if not r then
        error("no request found")
    end

    if not max_headers then
        max_headers = -1
    end

    raw = raw and 1 or 0

    local n = C.mx_ffi_req_get_headers_count(r, max_headers, truncated)
    if n == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end

    if n == 0 then
        local headers = {}
        if raw == 0 then
            headers = setmetatable(headers, req_headers_mt)
        end

        return headers
    end

    local buf = get_elts(n)

    local rc = C.mx_ffi_req_get_headers(r, buf, n, raw)
    if rc ~= 0 then
        return nil
    end

    local headers = new_tab(0, n)
    for i = 0, n - 1 do
        local h = buf[i]

        local key = ffi_str(h.key.data, h.key.len)
        local value = ffi_str(h.value.data, h.value.len)

        local existing = headers[key]
        if existing then
            if type(existing) == "table" then
                existing[#existing + 1] = value

            else
                headers[key] = {existing, value}
            end

        else
            headers[key] = value
        end
    end

    if raw == 0 then
        headers = setmetatable(headers, req_headers_mt)
    end

    if truncated[0] ~= 0 then
        return headers, "truncated"
    end

    return headers
end


return _M
