-- Leaving the handler: ngx.exit(status), ngx.exec(uri, args) and
-- ngx.redirect(uri, status). The C side records what to do, then the
-- entry thread yields to the runner, which does it
-- (core/lua/mx_lua_coroutine.c).


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local ngx = ngx
local type = type
local pairs = pairs
local error = error
local select = select
local tostring = tostring
local tonumber = tonumber
local concat = table.concat
local byte = string.byte
local fmt = string.format
local gsub = string.gsub
local ffi_string = ffi.string
local get_string_buf = base.get_string_buf
local get_size_ptr = base.get_size_ptr
local get_request = base.get_request
local no_request_error = base.no_request_error
local yield_runner = base.yield_runner
local new_tab = base.new_tab
local clear_tab = base.clear_tab


ffi.cdef[[
    int mx_ffi_exit(mx_http_request_t *r, int status, unsigned char *err,
        size_t *errlen);
    int mx_ffi_exec(mx_http_request_t *r, const unsigned char *uri,
        size_t uri_len, const unsigned char *args, size_t args_len,
        unsigned char *err, size_t *errlen);
    int mx_ffi_redirect(mx_http_request_t *r, const unsigned char *uri,
        size_t len, int status, unsigned char *err, size_t *errlen);
]]


local ERR_BUF_SIZE = 256
local FFI_OK = base.FFI_OK
local FFI_DONE = base.FFI_DONE
local FFI_BAD_CONTEXT = base.FFI_BAD_CONTEXT


ngx.exit = function (rc)
    local err = get_string_buf(ERR_BUF_SIZE)
    local errlen = get_size_ptr()
    local r = get_request()
    if r == nil then
        local msg = no_request_error(nil)
        if msg then
            error(msg, 2)
        end

        error("no request found")
    end

    errlen[0] = ERR_BUF_SIZE
    rc = C.mx_ffi_exit(r, rc, err, errlen)
    if rc == FFI_OK then
        return yield_runner()
    end

    if rc == FFI_DONE then
        return
    end

    if rc == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end

    error(ffi_string(err, errlen[0]), 2)
end


-- query args from a table, as lua-nginx-module: keys and values escaped
-- as URI components, true gives a bare key, false is skipped, a list
-- repeats the key
local function escape(s)
    return (gsub(s, "[^%w%-%._~!'%(%)%*]", function (c)
        -- through a local: a trace cannot return from a tail call to a builtin
        local ret = fmt("%%%02X", byte(c))
        return ret
    end))
end


local args_buf = new_tab(8, 0)

local function encode_args(args)
    local n = 0

    for k, v in pairs(args) do
        if type(k) ~= "string" then
            error('attempt to use a non-string key in the "args" option '
                  .. 'table', 3)
        end

        local key = escape(k)
        local tv = type(v)

        if tv == "string" or tv == "number" then
            n = n + 1
            args_buf[n] = key .. "=" .. escape(tostring(v))

        elseif tv == "boolean" then
            if v then
                n = n + 1
                args_buf[n] = key
            end

        elseif tv == "table" then
            for _, item in pairs(v) do
                local ti = type(item)

                if ti == "boolean" then
                    if item then
                        n = n + 1
                        args_buf[n] = key
                    end

                elseif ti == "string" or ti == "number" then
                    n = n + 1
                    args_buf[n] = key .. "=" .. escape(tostring(item))

                else
                    error("attempt to use " .. ti .. " as query arg value",
                          3)
                end
            end

        else
            error("attempt to use " .. tv .. " as query arg value", 3)
        end
    end

    local s = concat(args_buf, "&", 1, n)
    clear_tab(args_buf)
    return s
end


function ngx.exec(...)
    local n = select("#", ...)
    if n ~= 1 and n ~= 2 then
        error("expecting one or two arguments, but got " .. n, 2)
    end

    local r = get_request()
    if r == nil then
        error(no_request_error("no request object found"), 2)
    end

    local uri, args = ...

    local tu = type(uri)
    if tu == "number" then
        uri = tostring(uri)

    elseif tu ~= "string" then
        error("bad argument #1 to 'exec' (string expected, got "
              .. (uri == nil and "no value" or tu) .. ")", 2)
    end

    if #uri == 0 then
        error("The uri argument is empty", 2)
    end

    local ta = type(args)
    if ta == "table" then
        args = encode_args(args)

    elseif ta == "number" then
        args = tostring(args)

    elseif ta == "nil" then
        args = ""

    elseif ta ~= "string" then
        error("bad argument #2 to 'exec' (string, number, or table expected, "
              .. "but got " .. ta .. ")", 2)
    end

    local err = get_string_buf(ERR_BUF_SIZE)
    local errlen = get_size_ptr()
    errlen[0] = ERR_BUF_SIZE

    local rc = C.mx_ffi_exec(r, uri, #uri, args, #args, err, errlen)
    if rc == FFI_OK then
        return yield_runner()
    end

    if rc == FFI_BAD_CONTEXT then
        error("no request object found", 2)
    end

    error(ffi_string(err, errlen[0]), 2)
end


local redirect_statuses = {
    [301] = true, [302] = true, [303] = true, [307] = true, [308] = true,
}


-- the bytes a Location value must not carry (CR, LF, other controls
-- but HT, DEL), shown as lua-nginx-module shows them
local function unsafe_byte(uri)
    local i = uri:find("[%z\1-\8\10-\31\127]")
    if not i then
        return nil
    end

    local shown = gsub(uri, "[%z\1-\31\127-\255]", function (c)
        local ret = fmt("\\x%02X", byte(c))
        return ret
    end)

    return fmt('unsafe byte "0x%02x" in redirect uri "%s"', byte(uri, i),
               shown)
end


function ngx.redirect(...)
    local n = select("#", ...)
    if n ~= 1 and n ~= 2 then
        error("expecting one or two arguments", 2)
    end

    local uri, status = ...

    local tu = type(uri)
    if tu == "number" then
        uri = tostring(uri)

    elseif tu ~= "string" then
        error("bad argument #1 to 'redirect' (string expected, got "
              .. (uri == nil and "no value" or tu) .. ")", 2)
    end

    if n == 2 then
        if type(status) ~= "number" then
            local num = tonumber(status)
            if not num then
                error("bad argument #2 to 'redirect' (number expected, got "
                      .. type(status) .. ")", 2)
            end

            status = num
        end

        status = status - status % 1

        if not redirect_statuses[status] then
            error("only ngx.HTTP_MOVED_TEMPORARILY, "
                  .. "ngx.HTTP_MOVED_PERMANENTLY, "
                  .. "ngx.HTTP_PERMANENT_REDIRECT, "
                  .. "ngx.HTTP_SEE_OTHER, and "
                  .. "ngx.HTTP_TEMPORARY_REDIRECT are allowed", 2)
        end

    else
        status = 302
    end

    local r = get_request()
    if r == nil then
        error(no_request_error("no request object found"), 2)
    end

    local unsafe = unsafe_byte(uri)
    if unsafe then
        error(unsafe, 2)
    end

    local err = get_string_buf(ERR_BUF_SIZE)
    local errlen = get_size_ptr()
    errlen[0] = ERR_BUF_SIZE

    local rc = C.mx_ffi_redirect(r, uri, #uri, status, err, errlen)
    if rc ~= FFI_OK then
        if rc == FFI_BAD_CONTEXT then
            error("no request object found", 2)
        end

        error(ffi_string(err, errlen[0]), 2)
    end

    return yield_runner()
end


return {
    version = base.version
}
