-- ngx.worker: id(), count(), pid(), pids(), exiting()


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local ngx = ngx
local tonumber = tonumber
local ffi_new = ffi.new
local new_tab = base.new_tab


ffi.cdef[[
    int mx_ffi_worker_pid(void);
    int mx_ffi_worker_id(void);
    int mx_ffi_worker_count(void);
    int mx_ffi_worker_exiting(void);
    int mx_ffi_worker_pids(int *pids, size_t *len);
]]


-- base.lua made the table; fill it in place so that references to it
-- taken earlier see the functions
local worker = ngx.worker
if not worker then
    worker = new_tab(0, 5)
    ngx.worker = worker
end


function worker.pid()
    -- through a local: a trace cannot return from a tail call to a builtin
    local ret = C.mx_ffi_worker_pid()
    return ret
end


-- 0-based; nil in processes that are not workers (the master)
function worker.id()
    local id = C.mx_ffi_worker_id()
    if id < 0 then
        return nil
    end

    return id
end


function worker.count()
    local ret = C.mx_ffi_worker_count()
    return ret
end


function worker.exiting()
    return C.mx_ffi_worker_exiting() ~= 0
end


local MAX_PIDS = 1024
local pids_buf = ffi_new("int[?]", MAX_PIDS)
local pids_len = ffi_new("size_t[1]")


function worker.pids()
    local phase = ngx.get_phase()
    if phase == "init" or phase == "init_worker" then
        return nil, "API disabled in the current context"
    end

    pids_len[0] = MAX_PIDS
    C.mx_ffi_worker_pids(pids_buf, pids_len)

    local n = tonumber(pids_len[0])
    local pids = new_tab(n, 0)
    for i = 1, n do
        pids[i] = pids_buf[i - 1]
    end

    return pids
end


return {
    _VERSION = base.version
}
