-- ngx.exit(status): records the status in C, then yields the entry
-- thread; the C side finishes the request with it.


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local ngx = ngx
local error = error
local ffi_string = ffi.string
local get_string_buf = base.get_string_buf
local get_size_ptr = base.get_size_ptr
local get_request = base.get_request
-- the raw yield, whatever wraps coroutine.yield later
local co_yield = coroutine._yield or coroutine.yield


ffi.cdef[[
    int mx_ffi_exit(mx_http_request_t *r, int status, unsigned char *err,
        size_t *errlen);
]]


local ERR_BUF_SIZE = 128
local FFI_OK = base.FFI_OK
local FFI_DONE = base.FFI_DONE
local FFI_BAD_CONTEXT = base.FFI_BAD_CONTEXT


ngx.exit = function (rc)
    local err = get_string_buf(ERR_BUF_SIZE)
    local errlen = get_size_ptr()
    local r = get_request()
    if r == nil then
        error("no request found")
    end

    errlen[0] = ERR_BUF_SIZE
    rc = C.mx_ffi_exit(r, rc, err, errlen)
    if rc == FFI_OK then
        return co_yield()
    end

    if rc == FFI_DONE then
        return
    end

    if rc == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end

    error(ffi_string(err, errlen[0]), 2)
end


return {
    version = base.version
}
