-- ngx.get_phase()


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local error = error
local get_request = base.get_request
local FFI_BAD_CONTEXT = base.FFI_BAD_CONTEXT


ffi.cdef[[
    int mx_ffi_get_phase(mx_http_request_t *r);
]]


-- MX_LUA_CONTEXT_* (core/lua/mx_lua_module.h)
local names = {
    [0x0001] = "content",
}


function ngx.get_phase()
    local r = get_request()

    -- no request: the VM is being set up (init_by_lua* comes here too)
    if not r then
        return "init"
    end

    local context = C.mx_ffi_get_phase(r)
    if context == FFI_BAD_CONTEXT then
        return "init"
    end

    local phase = names[context]
    if not phase then
        error("unknown phase: " .. tostring(context))
    end

    return phase
end


return {
    version = base.version
}
