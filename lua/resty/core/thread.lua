-- ngx.sleep, ngx.thread.* and ngx.timer.*: the scheduling API. Threads
-- and timers are classic C functions (core/lua/mx_lua_uthread.c,
-- mx_lua_timer.c): spawning runs Lua within the call.


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local ngx = ngx
local error = error
local select = select
local tonumber = tonumber
local type = type
local floor = math.floor
local get_request = base.get_request
local yield_wait = base.yield_wait
local yield_runner = base.yield_runner
local errmsg = base.get_errmsg_ptr()
local YIELD = base.YIELD
local cfuncs = package.loaded["mx.c"]


ffi.cdef[[
    int mx_ffi_sleep(mx_http_request_t *r, int ms, const char **err);
    int mx_ffi_timer_running_count(void);
    int mx_ffi_timer_pending_count(void);
]]


function ngx.sleep(...)
    local n = select("#", ...)
    if n ~= 1 then
        error("attempt to pass " .. n .. " arguments, but accepted 1", 2)
    end

    local sec = tonumber((...))
    if sec == nil then
        error("bad argument #1 to 'sleep' (number expected, got "
              .. type((...)) .. ")", 2)
    end

    local ms = floor(sec * 1000)
    if ms < 0 then
        error("invalid sleep duration \"" .. ms .. "\"", 2)
    end

    local r = get_request()
    if not r then
        error("no request found", 2)
    end

    local rc = C.mx_ffi_sleep(r, ms, errmsg)
    if rc ~= -2 then
        error(ffi.string(errmsg[0]), 2)
    end

    yield_wait(r)
end


local spawn = cfuncs.thread_spawn
local wait = cfuncs.thread_wait
local kill = cfuncs.thread_kill


local function spawned(t, must_yield)
    if must_yield then
        -- it called ngx.exit/ngx.exec: the runner carries it out
        yield_runner()
    end

    return t
end


ngx.thread = {
    spawn = function (...)
        return spawned(spawn(...))
    end,

    wait = function (...)
        return wait(YIELD, ...)
    end,

    kill = kill,
}


ngx.on_abort = cfuncs.on_abort


-- ngx.flush(true) waits until the client has taken the output
local cflush = cfuncs.flush
local cflush_wait = cfuncs.flush_wait

local function flushed(ok, ...)
    if ok == -2 then
        yield_wait()
        return 1
    end

    return ok, ...
end

function ngx.flush(wait, ...)
    if wait and select("#", ...) == 0 then
        return flushed(cflush_wait(wait))
    end

    -- a tail call: errors name the caller as the C function's would
    return cflush(wait, ...)
end


ngx.timer = {
    at = cfuncs.timer_at,
    every = cfuncs.timer_every,

    running_count = function ()
        -- through a local: a trace cannot return from a tail call to a builtin
        local ret = C.mx_ffi_timer_running_count()
        return ret
    end,

    pending_count = function ()
        local ret = C.mx_ffi_timer_pending_count()
        return ret
    end,
}


return {
    version = base.version
}
