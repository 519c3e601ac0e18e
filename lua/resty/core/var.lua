-- ngx.var.NAME reads nginx variables ($uri, $arg_foo, $http_host, $1...)


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


ffi.cdef[[
    int mx_ffi_var_get(mx_http_request_t *r, const unsigned char *name,
        size_t len, unsigned char *lowcase_buf,
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

    if type(name) ~= "string" then
        name = tostring(name)
    end

    local len = #name
    local value_len = get_size_ptr()
    local rc = C.mx_ffi_var_get(r, name, len, get_string_buf(len),
                                value_ptr, value_len, errmsg)

    if rc == 0 then
        return ffi_str(value_ptr[0], value_len[0])
    end

    if rc == -5 then
        return nil
    end

    error(ffi_str(errmsg[0]), 2)
end


local function var_set(self, name, value)
    local r = get_request()
    if not r then
        error("no request found")
    end

    if type(name) ~= "string" then
        name = tostring(name)
    end

    if value ~= nil and type(value) ~= "string" then
        value = tostring(value)
    end

    local len = #name
    local errlen = get_size_ptr()
    errlen[0] = ERR_BUF_SIZE

    -- the name and the error share no buffer
    local err = get_string_buf(ERR_BUF_SIZE + len)
    local rc = C.mx_ffi_var_set(r, name, len, err + ERR_BUF_SIZE, value,
                                value and #value or 0, err, errlen)

    if rc == 0 then
        return
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
