-- ngx.get_phase()


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local error = error
local tostring = tostring
local get_request = base.get_request
local FFI_BAD_CONTEXT = base.FFI_BAD_CONTEXT


ffi.cdef[[
    int mx_ffi_get_phase(mx_http_request_t *r);
]]


-- MX_LUA_CONTEXT_* (core/lua/mx_lua_module.h), lua-nginx-module's numbers
local names = {
    [0x0000] = "init",
    [0x0001] = "set",
    [0x0002] = "rewrite",
    [0x0004] = "access",
    [0x0008] = "content",
    [0x0010] = "log",
    [0x0020] = "header_filter",
    [0x0040] = "body_filter",
    [0x0080] = "timer",
    [0x0100] = "init_worker",
    [0x0200] = "balancer",
    [0x0400] = "ssl_cert",
    [0x0800] = "ssl_session_store",
    [0x1000] = "ssl_session_fetch",
    [0x2000] = "exit_worker",
    [0x4000] = "ssl_client_hello",
    [0x8000] = "server_rewrite",
}


function ngx.get_phase()
    -- no request: the C side knows which request-less code runs (init,
    -- init_worker, exit_worker)
    local r = get_request()
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


function ngx.get_raw_phase(r)
    -- through a local: a trace cannot return from a tail call to a builtin
    local ret = C.mx_ffi_get_phase(r)
    return ret
end


return {
    version = base.version
}
