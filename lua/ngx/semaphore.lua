-- ngx.semaphore, lua-resty-core's module: `require "ngx.semaphore"`.
--   new(n)            -> sema (n resources, default 0)
--   sema:post(n)      -> true; n (default 1) more resources, waiters first
--   sema:wait(secs)   -> true | nil, "timeout" | nil, err at once, or
--                        true, nil | false, "timeout" after waiting at
--                        most secs (0: not at all), in rewrite, access,
--                        content and timers; threads are served in their
--                        order
--   sema:count()      -> resources left, or -(threads waiting)
-- One semaphore serves every Lua thread of the worker (requests, light
-- threads, timers). Over core/lua/mx_lua_semaphore.c.


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local ffi_new = ffi.new
local ffi_str = ffi.string
local ffi_gc = ffi.gc
local type = type
local error = error
local tonumber = tonumber
local setmetatable = setmetatable
local get_request = base.get_request
local yield_wait = base.yield_wait
local errmsg = base.get_errmsg_ptr()
local FFI_OK = base.FFI_OK
local FFI_AGAIN = base.FFI_AGAIN
local FFI_DECLINED = base.FFI_DECLINED


if not pcall(ffi.typeof, "mx_lua_sema_t") then
    ffi.cdef[[
        typedef struct mx_lua_sema_s  mx_lua_sema_t;
        typedef struct mx_lua_sema_waiter_s  mx_lua_sema_waiter_t;

        mx_lua_sema_t *mx_ffi_sema_new(int n);
        int mx_ffi_sema_post(mx_lua_sema_t *sem, int n);
        int mx_ffi_sema_count(mx_lua_sema_t *sem);
        int mx_ffi_sema_wait(mx_http_request_t *r, mx_lua_sema_t *sem,
            int ms, mx_lua_sema_waiter_t **waiter, const char **err);
        int mx_ffi_sema_wait_result(mx_lua_sema_t *sem,
            mx_lua_sema_waiter_t *waiter);
        void mx_ffi_sema_gc(mx_lua_sema_t *sem);
    ]]
end


local pwaiter = ffi_new("mx_lua_sema_waiter_t *[1]")
local sema_gc = C.mx_ffi_sema_gc

-- counts and milliseconds are C ints (a wait of about 24 days at most)
local INT_MAX = 2147483647


local _M = { version = base.version }
local mt = { __index = _M }


function _M.new(n)
    n = tonumber(n) or 0
    if n < 0 then
        error("no negative number", 2)
    end

    if n > INT_MAX then
        n = INT_MAX
    end

    local sem = C.mx_ffi_sema_new(n)
    if sem == nil then
        return nil, "no memory"
    end

    -- through a local: a trace cannot return from a tail call to a builtin
    local ret = setmetatable({ sem = ffi_gc(sem, sema_gc) }, mt)
    return ret
end


function _M.wait(self, seconds)
    if type(self) ~= "table" or type(self.sem) ~= "cdata" then
        error("not a semaphore instance", 2)
    end

    local r = get_request()
    if not r then
        local msg = base.no_request_error(nil)
        if msg then
            -- init_worker_by_lua*, exit_worker_by_lua*: the reference
            -- has a request there and refuses the context
            return nil, msg
        end

        error("no request found", 2)
    end

    local secs = tonumber(seconds)
    if secs == nil then
        error("bad argument #1 to 'wait' (number expected, got "
              .. type(seconds) .. ")", 2)
    end

    local ms = secs * 1000
    if ms < 0 then
        error("no negative number", 2)
    end

    if ms > INT_MAX then
        ms = INT_MAX
    end

    local sem = self.sem

    local rc = C.mx_ffi_sema_wait(r, sem, ms, pwaiter, errmsg)

    if rc == FFI_OK then
        return true
    end

    if rc == FFI_DECLINED then
        return nil, "timeout"
    end

    if rc ~= FFI_AGAIN then
        return nil, ffi_str(errmsg[0])
    end

    local waiter = pwaiter[0]

    yield_wait(r)

    -- sem is used after the yield: the waiting frame keeps the
    -- semaphore from being collected. After a wait the reference
    -- returns two values, and false on a timeout.
    if C.mx_ffi_sema_wait_result(sem, waiter) == FFI_OK then
        return true, nil
    end

    return false, "timeout"
end


function _M.post(self, n)
    if type(self) ~= "table" or type(self.sem) ~= "cdata" then
        error("not a semaphore instance", 2)
    end

    local num = n and tonumber(n) or 1
    if num < 1 then
        error("positive number required", 2)
    end

    if num > INT_MAX then
        num = INT_MAX
    end

    C.mx_ffi_sema_post(self.sem, num)

    return true
end


function _M.count(self)
    if type(self) ~= "table" or type(self.sem) ~= "cdata" then
        error("not a semaphore instance", 2)
    end

    local ret = C.mx_ffi_sema_count(self.sem)
    return ret
end


return _M
