-- resty.lock: a non-blocking lock over a shared dict, held across workers;
-- the API of lua-resty-lock (see lock.md).
--
-- A lock is a key added to the dict with an expiry, so a crashed holder
-- cannot keep it forever. Waiters poll with ngx.sleep (the request yields,
-- the worker goes on), the step growing by "ratio" up to "max_step".
-- A lock object that is garbage-collected while holding its key releases
-- it: the key's owner is an FFI guard whose finalizer deletes it.

local ffi = require "ffi"

local ngx = ngx
local shared = ngx.shared
local log = ngx.log
local ERR = ngx.ERR
local ffi_new = ffi.new
local min = math.min
local max = math.max
local setmetatable = setmetatable


local _M = { _VERSION = "0.09" }
local mt = { __index = _M }


-- the dict and key of each held lock, by slot; 0 chains the free slots
local slot_dict = {}
local slot_key = {}
local free_slot = 0
local nslots = 0


local function take_slot(dict, key)
    local slot = free_slot

    if slot ~= 0 then
        free_slot = slot_key[slot]
    else
        nslots = nslots + 1
        slot = nslots
    end

    slot_dict[slot] = dict
    slot_key[slot] = key

    return slot
end


local function release_slot(slot)
    slot_dict[slot] = nil
    slot_key[slot] = free_slot
    free_slot = slot
end


local function guard_gc(guard)
    local slot = guard.slot
    if slot == 0 then
        return
    end

    guard.slot = 0

    local dict, key = slot_dict[slot], slot_key[slot]
    release_slot(slot)

    local ok, err = dict:delete(key)
    if not ok then
        log(ERR, "failed to delete key \"", key, "\": ", err)
    end
end


local guard_t
if pcall(ffi.typeof, "mx_lock_guard_t") then
    guard_t = ffi.typeof("mx_lock_guard_t")
else
    ffi.cdef[[ typedef struct { int32_t slot; } mx_lock_guard_t; ]]
    guard_t = ffi.metatype("mx_lock_guard_t", { __gc = guard_gc })
end


-- called as lock_class:new(dict_name, opts); nil, "dictionary not found"
function _M.new(_, dict_name, opts)
    local dict = shared[dict_name]
    if not dict then
        return nil, "dictionary not found"
    end

    local timeout, exptime, step, ratio, max_step

    if opts then
        timeout = opts.timeout
        exptime = opts.exptime
        step = opts.step
        ratio = opts.ratio
        max_step = opts.max_step
    end

    exptime = exptime or 30

    -- waiting longer than the lock can live makes no sense
    if timeout then
        timeout = min(timeout, exptime)

        if step then
            step = min(step, timeout)
        end
    end

    return setmetatable({
        guard = ffi_new(guard_t),
        dict = dict,
        timeout = timeout or 5,
        exptime = exptime,
        step = step or 0.001,
        ratio = ratio or 2,
        max_step = max_step or 0.5,
    }, mt)
end


-- seconds waited (0 when free at once), or nil and "timeout", "locked"
-- (this object already holds a lock), "nil key" or a dict error
function _M.lock(self, key)
    if not key then
        return nil, "nil key"
    end

    local guard = self.guard
    if guard.slot ~= 0 then
        return nil, "locked"
    end

    local dict = self.dict
    local exptime = self.exptime

    local ok, err = dict:add(key, true, exptime)
    if ok then
        guard.slot = take_slot(dict, key)
        self.key = key
        return 0
    end

    if err ~= "exists" then
        return nil, err
    end

    local timeout = self.timeout
    local step = self.step
    local ratio = self.ratio
    local max_step = self.max_step
    local elapsed = 0

    while timeout > 0 do
        -- looked up here: a worker may get ngx.sleep after this loaded
        ngx.sleep(step)

        elapsed = elapsed + step
        timeout = timeout - step

        ok, err = dict:add(key, true, exptime)
        if ok then
            guard.slot = take_slot(dict, key)
            self.key = key
            return elapsed
        end

        if err ~= "exists" then
            return nil, err
        end

        if timeout <= 0 then
            break
        end

        step = min(max(0.001, step * ratio), timeout, max_step)
    end

    return nil, "timeout"
end


-- 1, or nil and "unlocked" (nothing held) or a dict error
function _M.unlock(self)
    local guard = self.guard
    local slot = guard.slot
    if slot == 0 then
        return nil, "unlocked"
    end

    local ok, err = self.dict:delete(slot_key[slot])
    if not ok then
        return nil, err
    end

    guard.slot = 0
    release_slot(slot)

    return 1
end


-- sets the held lock's expiry to timeout seconds from now (the exptime
-- option when nil); true, or nil and "unlocked" or a dict error
function _M.expire(self, timeout)
    local slot = self.guard.slot
    if slot == 0 then
        return nil, "unlocked"
    end

    local ok, err = self.dict:replace(slot_key[slot], true,
                                      timeout or self.exptime)
    if not ok then
        return nil, err
    end

    return true
end


return _M
