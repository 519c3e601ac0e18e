-- ngx.process, lua-resty-core's module: `require "ngx.process"`.
--   type()                  -> "single" | "master" | "worker"
--   get_master_pid()        -> pid (this process's when single)
--   signal_graceful_exit()  -> this process shuts down gracefully
--   enable_privileged_agent() -> nil, "not supported" (moxy has no
--                              privileged agent process yet)


local ffi = require "ffi"
local base = require "resty.core.base"

require "resty.core.phase"    -- ngx.get_phase


local C = ffi.C
local ngx = ngx
local type = type
local tonumber = tonumber
local ffi_str = ffi.string
local errmsg = base.get_errmsg_ptr()
local FFI_ERROR = base.FFI_ERROR


ffi.cdef[[
    int mx_ffi_process_type(void);
    int mx_ffi_master_pid(void);
    void mx_ffi_process_signal_graceful_exit(void);
    int mx_ffi_enable_privileged_agent(const char **err,
        unsigned int connections);
]]


-- nginx's NGX_PROCESS_* numbers
local process_type_names = {
    [0]  = "single",
    [1]  = "master",
    [2]  = "signaller",
    [3]  = "worker",
    [4]  = "helper",
    [99] = "privileged agent",
}


local _M = { version = base.version }


function _M.type()
    return process_type_names[tonumber(C.mx_ffi_process_type())]
end


function _M.enable_privileged_agent(connections)
    if ngx.get_phase() ~= "init" then
        return nil, "API disabled in the current context"
    end

    connections = connections or 512

    if type(connections) ~= "number" or connections < 0 then
        return nil, "bad 'connections' argument: "
                    .. "number expected and greater than 0"
    end

    if C.mx_ffi_enable_privileged_agent(errmsg, connections) == FFI_ERROR then
        return nil, ffi_str(errmsg[0])
    end

    return true
end


function _M.signal_graceful_exit()
    C.mx_ffi_process_signal_graceful_exit()
end


function _M.get_master_pid()
    local pid = C.mx_ffi_master_pid()
    if pid == FFI_ERROR then
        return nil
    end

    -- through a local: a trace cannot return from a tail call to a builtin
    local ret = tonumber(pid)
    return ret
end


return _M
