-- ngx.var.NAME reads and writes nginx variables ($uri, $arg_foo,
-- $http_host, those made by "set"...); ngx.var[N] reads the regex
-- capture $N.


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local ngx = ngx
local type = type
local error = error
local tostring = tostring
local setmetatable = setmetatable
local ffi_new = ffi.new
local ffi_str = ffi.string
local get_request = base.get_request
local get_string_buf = base.get_string_buf
local get_size_ptr = base.get_size_ptr
local new_tab = base.new_tab
local FFI_OK = base.FFI_OK
local FFI_DECLINED = base.FFI_DECLINED
local FFI_BAD_CONTEXT = base.FFI_BAD_CONTEXT


ffi.cdef[[
    int mx_ffi_var_get(mx_http_request_t *r, const unsigned char *name,
        size_t len, unsigned char *lowcase_buf, int capture_id,
        const unsigned char **value, size_t *value_len, const char **err);

    int mx_ffi_var_set(mx_http_request_t *r, const unsigned char *name,
        size_t len, unsigned char *lowcase_buf, const unsigned char *value,
        size_t value_len, unsigned char *err, size_t *errlen);
]]


local ERR_BUF_SIZE = 256
local value_ptr = ffi_new("const unsigned char *[1]")
local errmsg = base.get_errmsg_ptr()


local function var_get(self, name)
    local r = get_request()
    if not r then
        error("no request found")
    end

    local value_len = get_size_ptr()
    local rc

    if type(name) == "number" then
        rc = C.mx_ffi_var_get(r, nil, 0, nil, name, value_ptr, value_len,
                              errmsg)

    else
        if type(name) ~= "string" then
            error("bad variable name", 2)
        end

        local len = #name
        rc = C.mx_ffi_var_get(r, name, len, get_string_buf(len), 0,
                              value_ptr, value_len, errmsg)
    end

    if rc == FFI_OK then
        -- not a tail call: a trace cannot return to its caller from one
        local value = ffi_str(value_ptr[0], value_len[0])
        return value
    end

    if rc == FFI_DECLINED then
        return nil
    end

    if rc == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end

    error(ffi_str(errmsg[0]), 2)
end


local function var_set(self, name, value)
    local r = get_request()
    if not r then
        error("no request found")
    end

    if type(name) ~= "string" then
        error("bad variable name", 2)
    end

    local value_len = 0
    if value ~= nil then
        if type(value) ~= "string" then
            value = tostring(value)
        end

        value_len = #value
    end

    local len = #name
    local errlen = get_size_ptr()
    errlen[0] = ERR_BUF_SIZE

    -- the lowercased name, then the error message
    local buf = get_string_buf(len + ERR_BUF_SIZE)
    local err = buf + len
    local rc = C.mx_ffi_var_set(r, name, len, buf, value, value_len, err,
                                errlen)

    if rc == FFI_OK then
        return
    end

    if rc == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end

    error(ffi_str(err, errlen[0]), 2)
end


ngx.var = setmetatable(new_tab(0, 0), {
    __index = var_get,
    __newindex = var_set,
})


return {
    version = base.version
}
