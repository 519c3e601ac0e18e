-- ngx.worker


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local ngx = ngx


ffi.cdef[[
    int mx_ffi_worker_pid(void);
]]


function ngx.worker.pid()
    return C.mx_ffi_worker_pid()
end


return {
    _VERSION = base.version
}
