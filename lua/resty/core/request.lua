-- ngx.req: the request line, URI and args, headers, the body.
--
-- Functions that are FFI ones in lua-resty-core keep its argument
-- handling; those that are C functions in lua-nginx-module keep the
-- argument checks and the messages of their luaL_* calls (raised at the
-- caller, as luaL_error does).


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local ngx = ngx
local type = type
local error = error
local select = select
local pairs = pairs
local rawget = rawget
local tostring = tostring
local tonumber = tonumber
local setmetatable = setmetatable
local lower = string.lower
local gsub = string.gsub
local format = string.format
local byte = string.byte
local concat = table.concat
local floor = math.floor
local getinfo = debug.getinfo
local ffi_new = ffi.new
local ffi_str = ffi.string
local get_request = base.get_request
local get_size_ptr = base.get_size_ptr
local get_string_buf = base.get_string_buf
local new_tab = base.new_tab
local clear_tab = base.clear_tab
local FFI_OK = base.FFI_OK
local FFI_AGAIN = base.FFI_AGAIN
local FFI_DECLINED = base.FFI_DECLINED
local FFI_BAD_CONTEXT = base.FFI_BAD_CONTEXT
local yield_wait = base.yield_wait
local yield_runner = base.yield_runner


local _M = {
    version = base.version
}


ffi.cdef[[
    int mx_ffi_req_get_method(mx_http_request_t *r);

    int mx_ffi_req_get_method_name(mx_http_request_t *r,
        const unsigned char **name, size_t *len);

    int mx_ffi_req_set_method(mx_http_request_t *r, int method);

    int mx_ffi_req_http_version(mx_http_request_t *r);

    double mx_ffi_req_start_time(mx_http_request_t *r);

    int mx_ffi_req_is_internal(mx_http_request_t *r);

    int mx_ffi_req_raw_header(mx_http_request_t *r, int no_req_line,
        const unsigned char **data, size_t *len, const char **err);

    int mx_ffi_req_set_uri(mx_http_request_t *r, const unsigned char *uri,
        size_t len, int jump, int binary, unsigned char *errbuf,
        size_t *errlen);

    int mx_ffi_req_set_uri_args(mx_http_request_t *r,
        const unsigned char *args, size_t len);

    int mx_ffi_req_get_uri_args_count(mx_http_request_t *r, int max,
        int *truncated);

    size_t mx_ffi_req_get_querystring_len(mx_http_request_t *r);

    int mx_ffi_req_get_uri_args(mx_http_request_t *r, unsigned char *buf,
        mx_ffi_table_elt_t *out, int count);

    int mx_ffi_req_get_post_args_count(mx_http_request_t *r, size_t *len,
        const char **err);

    int mx_ffi_req_get_post_args(mx_http_request_t *r, unsigned char *buf,
        mx_ffi_table_elt_t *out, int count, int max, int *truncated);

    int mx_ffi_req_get_headers_count(mx_http_request_t *r, int max,
        int *truncated);

    int mx_ffi_req_get_headers(mx_http_request_t *r, mx_ffi_table_elt_t *out,
        int count, int raw);

    int mx_ffi_req_set_header(mx_http_request_t *r, const unsigned char *key,
        size_t key_len, const unsigned char *value, size_t value_len,
        mx_ffi_str_t *mvals, size_t mvals_len, int override,
        const char **errmsg);

    int mx_ffi_req_read_body(mx_http_request_t *r);

    int mx_ffi_req_discard_body(mx_http_request_t *r);

    int mx_ffi_req_get_body_data(mx_http_request_t *r,
        const unsigned char **data, size_t *len);

    int mx_ffi_req_get_body_file(mx_http_request_t *r,
        const unsigned char **path, size_t *len);

    int mx_ffi_req_set_body_data(mx_http_request_t *r,
        const unsigned char *data, size_t len, const char **err);

    int mx_ffi_req_set_body_file(mx_http_request_t *r,
        const unsigned char *path, size_t len, int clean,
        unsigned char *errbuf, size_t *errlen);

    int mx_ffi_req_init_body(mx_http_request_t *r, long size,
        const char **err);

    int mx_ffi_req_append_body(mx_http_request_t *r,
        const unsigned char *data, size_t len, const char **err);

    int mx_ffi_req_finish_body(mx_http_request_t *r, const char **err);
]]


local ERR_BUF_SIZE = 256
local MAX_ARGS = 100

local truncated = ffi_new("int[1]")
local errmsg = base.get_errmsg_ptr()
local datap = ffi_new("const unsigned char *[1]")
local elt_arr_type = ffi.typeof("mx_ffi_table_elt_t[?]")
local elts_size = 32
local elts = ffi_new(elt_arr_type, elts_size)
local str_arr_type = ffi.typeof("mx_ffi_str_t[?]")
local mvals_size = 8
local mvals_buf = ffi_new(str_arr_type, mvals_size)


-- an array of at least n entries, reused between calls
local function get_elts(n)
    if n > elts_size then
        elts_size = n
        elts = ffi_new(elt_arr_type, n)
    end

    return elts
end


-- luaL_check*()'s message for argument i of the API function (level 3
-- from here): named as the caller named it, '?' through pcall(f, ...)
local function arg_msg(i, expected, v)
    local ar = getinfo(3, "n")
    return "bad argument #" .. i .. " to '" .. (ar and ar.name or "?")
           .. "' (" .. expected .. " expected, got " .. type(v) .. ")"
end


-- called by the API function: the error is raised at its caller
local function arg_error(i, expected, v)
    error(arg_msg(i, expected, v), 3)
end


-- luaL_checklstring(): strings and numbers
local function check_string(i, v)
    local t = type(v)
    if t == "string" then
        return v
    end

    if t == "number" then
        -- through a local: a trace cannot return from a tail call to a builtin
        local ret = tostring(v)
        return ret
    end

    error(arg_msg(i, "string", v), 3)
end


-- luaL_checkinteger(): numbers and numeric strings, truncated
local function check_integer(i, v)
    local n = tonumber(v)
    if n == nil then
        error(arg_msg(i, "number", v), 3)
    end

    if n >= 0 then
        local ret = floor(n)
        return ret
    end

    return -floor(-n)
end


local function check_nargs(n, expected, msg)
    if n ~= expected then
        error(msg .. n, 3)
    end
end


-- lua-nginx-module's names of the contexts an API may be disabled in
local context_names = {
    init = "init_by_lua*",
    init_worker = "init_worker_by_lua*",
    exit_worker = "exit_worker_by_lua*",
    set = "set_by_lua*",
    server_rewrite = "server_rewrite_by_lua*",
    rewrite = "rewrite_by_lua*",
    access = "access_by_lua*",
    content = "content_by_lua*",
    log = "log_by_lua*",
    header_filter = "header_filter_by_lua*",
    body_filter = "body_filter_by_lua*",
    timer = "ngx.timer",
    balancer = "balancer_by_lua*",
    ssl_cert = "ssl_certificate_by_lua*",
    ssl_session_fetch = "ssl_session_fetch_by_lua*",
    ssl_session_store = "ssl_session_store_by_lua*",
    ssl_client_hello = "ssl_client_hello_by_lua*",
}


-- ngx_http_lua_check_context(): allowed is a set of phase names
local function check_context(allowed)
    local phase = ngx.get_phase()
    if not allowed[phase] then
        error("API disabled in the context of "
              .. (context_names[phase] or phase), 3)
    end
end


local function add_value(tb, key, value)
    local existing = tb[key]
    if existing == nil then
        tb[key] = value

    elseif type(existing) == "table" then
        existing[#existing + 1] = value

    else
        tb[key] = {existing, value}
    end
end


-- ------------------------------------------------------- the method


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

        local ret = ffi_str(namep[0], sizep[0])
        return ret
    end
end


function ngx.req.set_method(method)
    local r = get_request()
    if not r then
        error("no request found")
    end

    if type(method) ~= "number" then
        error("bad method number", 2)
    end

    local rc = C.mx_ffi_req_set_method(r, method)
    if rc == FFI_OK then
        return
    end

    if rc == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end

    if rc == FFI_DECLINED then
        error("unsupported HTTP method: " .. method, 2)
    end

    error("unknown error: " .. rc)
end


-- ------------------------------------------------ the request line


do
    local versions = {
        [9] = 0.9,
        [1000] = 1.0,
        [1001] = 1.1,
        [2000] = 2.0,
    }

    function ngx.req.http_version()
        local r = get_request()
        if not r then
            error("no request object found", 2)
        end

        local v = C.mx_ffi_req_http_version(r)
        if v == FFI_BAD_CONTEXT then
            error("API disabled in the current context", 2)
        end

        return versions[v]
    end
end


function ngx.req.start_time()
    local r = get_request()
    if not r then
        error("no request found")
    end

    local ret = tonumber(C.mx_ffi_req_start_time(r))
    return ret
end


function ngx.req.is_internal()
    local r = get_request()
    if not r then
        error("no request object found", 2)
    end

    local rc = C.mx_ffi_req_is_internal(r)
    if rc == FFI_BAD_CONTEXT then
        -- lua-resty-core raises this one here, not at the caller
        error("API disabled in the current context")
    end

    return rc == 1
end


function ngx.req.raw_header(no_req_line)
    local r = get_request()
    if not r then
        error("no request object found", 2)
    end

    local sizep = get_size_ptr()
    local rc = C.mx_ffi_req_raw_header(r, no_req_line and 1 or 0, datap,
                                       sizep, errmsg)
    if rc == FFI_OK then
        local ret = ffi_str(datap[0], sizep[0])
        return ret
    end

    if rc == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end

    error(ffi_str(errmsg[0]), 2)
end


-- --------------------------------------------------- URI and args


do
    function ngx.req.set_uri(...)
        local n = select("#", ...)
        if n < 1 or n > 3 then
            error("expecting 1, 2 or 3 arguments but seen " .. n, 2)
        end

        local r = get_request()
        if not r then
            error("no request found", 2)
        end

        local uri, jump, binary = ...

        uri = check_string(1, uri)

        if #uri == 0 then
            error("attempt to use zero-length uri", 2)
        end

        if n >= 3 and type(binary) ~= "boolean" then
            arg_error(3, "boolean", binary)
        end

        -- a jump outside rewrite_by_lua* is refused by the C side, after
        -- it refused a request without a client
        if n >= 2 and type(jump) ~= "boolean" then
            arg_error(2, "boolean", jump)
        end

        local errlen = get_size_ptr()
        errlen[0] = ERR_BUF_SIZE
        local err = get_string_buf(ERR_BUF_SIZE)

        local rc = C.mx_ffi_req_set_uri(r, uri, #uri, jump and 1 or 0,
                                        binary and 1 or 0, err, errlen)
        if rc == FFI_OK then
            if jump then
                -- the runner ends this thread; the rewrite phase finds
                -- the location for the new URI
                return yield_runner()
            end

            return
        end

        if rc == FFI_BAD_CONTEXT then
            error("API disabled in the current context", 2)
        end

        error(ffi_str(err, errlen[0]), 2)
    end
end


do
    -- ngx.escape_uri's URI component escaping (NGX_ESCAPE_URI_COMPONENT):
    -- all but letters, digits and -._~!*'()
    local function escape(s)
        return (gsub(s, "[^%w%-%._~!%*'%(%)]", function (c)
            local ret = format("%%%02X", byte(c))
            return ret
        end))
    end

    local function typename(v)
        local t = type(v)
        if t == "cdata" then
            return "userdata"
        end

        return t
    end

    -- lua-nginx-module's ngx_http_lua_process_args_option()
    local function encode_args(args)
        local parts = new_tab(8, 0)
        local i = 0

        for k, v in pairs(args) do
            if type(k) ~= "string" then
                error("attempt to use a non-string key in the \"args\" "
                      .. "option table", 3)
            end

            local key = escape(k)
            local t = type(v)

            if t == "string" or t == "number" then
                i = i + 1
                parts[i] = key .. "=" .. escape(tostring(v))

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
                        parts[i] = key .. "=" .. escape(tostring(e))

                    else
                        error("attempt to use " .. typename(e)
                              .. " as query arg value", 3)
                    end
                end

            else
                error("attempt to use " .. typename(v)
                      .. " as query arg value", 3)
            end
        end

        local ret = concat(parts, "&", 1, i)
        return ret
    end

    function ngx.req.set_uri_args(...)
        local n = select("#", ...)
        if n ~= 1 then
            error("expecting 1 argument but seen " .. n, 2)
        end

        local r = get_request()
        if not r then
            error("no request object found", 2)
        end

        local args = ...
        local t = type(args)

        if t == "number" then
            args = tostring(args)

        elseif t == "table" then
            args = encode_args(args)

        elseif t ~= "string" then
            local ar = getinfo(1, "n")
            error("bad argument #1 to '" .. (ar and ar.name or "?")
                  .. "' (string, number, or table expected, but got " .. t
                  .. ")", 2)
        end

        local rc = C.mx_ffi_req_set_uri_args(r, args, #args)
        if rc == FFI_OK then
            return
        end

        if rc == FFI_BAD_CONTEXT then
            error("API disabled in the current context", 2)
        end

        error("out of memory", 2)
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

        add_value(args, key, value)
    end

    if truncated[0] ~= 0 then
        return args, "truncated"
    end

    return args
end


function ngx.req.get_post_args(...)
    local n = select("#", ...)
    if n > 1 then
        error("expecting 0 or 1 arguments but seen " .. n, 2)
    end

    local max_args = MAX_ARGS
    if n == 1 then
        max_args = check_integer(1, (...))
    end

    local r = get_request()
    if not r then
        error("no request object found", 2)
    end

    local sizep = get_size_ptr()
    local count = C.mx_ffi_req_get_post_args_count(r, sizep, errmsg)

    if count == FFI_DECLINED then
        return nil, "request body in temp file not supported"
    end

    if count == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end

    if count < 0 then
        error(ffi_str(errmsg[0]), 2)
    end

    if count == 0 then
        return {}
    end

    local strbuf = get_string_buf(tonumber(sizep[0]))
    local kvbuf = get_elts(count)

    local nargs = C.mx_ffi_req_get_post_args(r, strbuf, kvbuf, count,
                                             max_args, truncated)

    local args = new_tab(0, nargs)
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

        add_value(args, key, value)
    end

    if truncated[0] ~= 0 then
        return args, "truncated"
    end

    return args
end


-- ----------------------------------------------------------- headers


local req_headers_mt = {
    __index = function (tb, key)
        local ret = rawget(tb, (gsub(lower(key), "_", "-")))
        return ret
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

        add_value(headers, ffi_str(h.key.data, h.key.len),
                  ffi_str(h.value.data, h.value.len))
    end

    if raw == 0 then
        headers = setmetatable(headers, req_headers_mt)
    end

    if truncated[0] ~= 0 then
        return headers, "truncated"
    end

    return headers
end


do
    -- as lua-resty-core's; its errors are raised at its caller's caller
    local function set_req_header(name, value, override)
        local r = get_request()
        if not r then
            error("no request found", 3)
        end

        if name == nil then
            error("bad 'name' argument: string expected, got nil", 3)
        end

        if type(name) ~= "string" then
            name = tostring(name)
        end

        local rc

        if value == nil then
            if not override then
                error("bad 'value' argument: string or table expected, got "
                      .. "nil", 3)
            end

            rc = C.mx_ffi_req_set_header(r, name, #name, nil, 0, nil, 0, 1,
                                         errmsg)

        else
            local sval, sval_len, mvals, mvals_len

            if type(value) == "table" then
                mvals_len = #value
                if mvals_len == 0 and not override then
                    error("bad 'value' argument: non-empty table expected", 3)
                end

                if mvals_len > mvals_size then
                    mvals_size = mvals_len
                    mvals_buf = ffi_new(str_arr_type, mvals_size)
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

            rc = C.mx_ffi_req_set_header(r, name, #name, sval, sval_len,
                                         mvals, mvals_len,
                                         override and 1 or 0, errmsg)
        end

        if rc == FFI_OK or rc == FFI_DECLINED then
            return
        end

        if rc == FFI_BAD_CONTEXT then
            error("API disabled in the current context", 3)
        end

        error(ffi_str(errmsg[0]), 3)
    end


    _M.set_req_header = set_req_header


    function ngx.req.set_header(name, value)
        set_req_header(name, value, true)
    end
end


function ngx.req.clear_header(name)
    local r = get_request()
    if not r then
        error("no request found")
    end

    if type(name) ~= "string" then
        name = tostring(name)
    end

    local rc = C.mx_ffi_req_set_header(r, name, #name, nil, 0, nil, 0, 1,
                                       errmsg)

    if rc == FFI_OK or rc == FFI_DECLINED then
        return
    end

    if rc == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end

    error(ffi_str(errmsg[0]), 2)
end


-- -------------------------------------------------------------- body


do
    local read_body_contexts = {
        server_rewrite = true,
        rewrite = true,
        access = true,
        content = true,
    }

    function ngx.req.read_body(...)
        local n = select("#", ...)
        check_nargs(n, 0, "expecting 0 arguments but seen ")

        local r = get_request()
        if not r then
            error("request object not found", 2)
        end

        check_context(read_body_contexts)

        while true do
            local rc = C.mx_ffi_req_read_body(r)

            if rc == FFI_OK then
                return
            end

            if rc == FFI_BAD_CONTEXT then
                error("API disabled in the current context", 2)
            end

            if rc ~= FFI_AGAIN then
                -- a bad or too large body: the request ends with rc
                return ngx.exit(rc)
            end

            -- mx_http_lua_wakeup() resumes us once the body is in
            yield_wait(r)
        end
    end
end


function ngx.req.discard_body(...)
    local n = select("#", ...)
    check_nargs(n, 0, "expecting 0 arguments but seen ")

    local r = get_request()
    if not r then
        error("request object not found", 2)
    end

    local rc = C.mx_ffi_req_discard_body(r)
    if rc == FFI_OK then
        return
    end

    if rc == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end

    error("failed to discard request body", 2)
end


function ngx.req.get_body_data(...)
    local n = select("#", ...)
    check_nargs(n, 0, "expecting 0 arguments but seen ")

    local r = get_request()
    if not r then
        error("request object not found", 2)
    end

    local sizep = get_size_ptr()
    local rc = C.mx_ffi_req_get_body_data(r, datap, sizep)
    if rc == FFI_OK then
        local ret = ffi_str(datap[0], sizep[0])
        return ret
    end

    if rc == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end

    if rc == FFI_DECLINED then
        return nil
    end

    error("no memory", 2)
end


function ngx.req.get_body_file(...)
    local n = select("#", ...)
    check_nargs(n, 0, "expecting 0 arguments but seen ")

    local r = get_request()
    if not r then
        error("request object not found", 2)
    end

    local sizep = get_size_ptr()
    local rc = C.mx_ffi_req_get_body_file(r, datap, sizep)
    if rc == FFI_OK then
        local ret = ffi_str(datap[0], sizep[0])
        return ret
    end

    if rc == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end

    return nil
end


function ngx.req.set_body_data(...)
    local n = select("#", ...)
    check_nargs(n, 1, "expecting 1 arguments but seen ")

    local data = check_string(1, (...))

    local r = get_request()
    if not r then
        error("request object not found", 2)
    end

    local rc = C.mx_ffi_req_set_body_data(r, data, #data, errmsg)
    if rc == FFI_OK then
        return
    end

    if rc == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end

    error(ffi_str(errmsg[0]), 2)
end


function ngx.req.set_body_file(...)
    local n = select("#", ...)
    if n ~= 1 and n ~= 2 then
        error("expecting 1 or 2 arguments but seen " .. n, 2)
    end

    local path, clean = ...
    path = check_string(1, path)

    local r = get_request()
    if not r then
        error("no request found", 2)
    end

    if n == 2 and type(clean) ~= "boolean" then
        arg_error(2, "boolean", clean)
    end

    local errlen = get_size_ptr()
    errlen[0] = ERR_BUF_SIZE + #path
    local err = get_string_buf(ERR_BUF_SIZE + #path)

    local rc = C.mx_ffi_req_set_body_file(r, path, #path, clean and 1 or 0,
                                          err, errlen)
    if rc == FFI_OK then
        return
    end

    if rc == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end

    error(ffi_str(err, errlen[0]), 2)
end


function ngx.req.init_body(...)
    local n = select("#", ...)
    if n > 1 then
        error("expecting 0 or 1 argument but seen " .. n, 2)
    end

    local r = get_request()
    if not r then
        error("no request found", 2)
    end

    local size = -1
    if n == 1 then
        size = check_integer(1, (...))
        if size < 0 then
            error("bad size argument: " .. size, 2)
        end
    end

    local rc = C.mx_ffi_req_init_body(r, size, errmsg)
    if rc == FFI_OK then
        return
    end

    if rc == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end

    error(ffi_str(errmsg[0]), 2)
end


function ngx.req.append_body(...)
    local n = select("#", ...)
    check_nargs(n, 1, "expecting 1 arguments but seen ")

    local data = check_string(1, (...))

    local r = get_request()
    if not r then
        error("no request found", 2)
    end

    local rc = C.mx_ffi_req_append_body(r, data, #data, errmsg)
    if rc == FFI_OK then
        return
    end

    if rc == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end

    error(ffi_str(errmsg[0]), 2)
end


function ngx.req.finish_body(...)
    local n = select("#", ...)
    check_nargs(n, 0, "expecting 0 argument but seen ")

    local r = get_request()
    if not r then
        error("no request found", 2)
    end

    local rc = C.mx_ffi_req_finish_body(r, errmsg)
    if rc == FFI_OK then
        return
    end

    if rc == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end

    error(ffi_str(errmsg[0]), 2)
end


return _M
