-- resty.mlcache: a cache in three levels, the API of lua-resty-mlcache
-- (see mlcache.md):
--   L1  a resty.lrucache per worker (Lua values, no copy);
--   L2  a shared dict, for all workers (values serialized);
--   L3  the caller's callback, run by one caller at a time per key (a
--       resty.lock): the others wait and then find its result in L2.
-- nil results are cached too, for neg_ttl. get() returns a hit level:
-- 1, 2, 3, or 4 for a stale value served again (resurrect_ttl).
--
-- L2 entries are an FFI header (insertion time, ttl, type) followed by
-- the value: numbers as their 8 bytes, tables as JSON (cjson). set(),
-- delete() and purge() tell the other workers through an IPC (ipc_shm:
-- resty.mlcache.ipc, or the user's), which they read in update().

local ffi = require "ffi"
local lrucache = require "resty.lrucache"
local resty_lock = require "resty.lock"
local new_tab = require "table.new"

local ngx = ngx
local now = ngx.now
local shared = ngx.shared
local log = ngx.log
local WARN = ngx.WARN
local ERR = ngx.ERR
local ffi_cast = ffi.cast
local ffi_str = ffi.string
local min = math.min
local ceil = math.ceil
local sub = string.sub
local traceback = debug.traceback
local xpcall = xpcall
local pcall = pcall
local type = type
local tostring = tostring
local error = error
local pairs = pairs
local setmetatable = setmetatable


local cjson
do
    local ok, m = pcall(require, "cjson.safe")
    if ok then
        cjson = m
    end
end


if not pcall(ffi.typeof, "mx_mlcache_hdr_t") then
    ffi.cdef[[
        typedef struct {
            double   at;       /* ngx.now() when stored */
            double   ttl;      /* 0: forever */
            int32_t  type;
        } mx_mlcache_hdr_t;
    ]]
end

local hdr_ptr_t = ffi.typeof("const mx_mlcache_hdr_t *")
local HDR_SIZE = ffi.sizeof("mx_mlcache_hdr_t")
local hdr = ffi.new("mx_mlcache_hdr_t")
local num = ffi.new("double[1]")
local num_ptr_t = ffi.typeof("const double *")
local char_ptr_t = ffi.typeof("const char *")

local T_NIL, T_NUMBER, T_BOOLEAN, T_STRING, T_TABLE = 0, 1, 2, 3, 4

local FLAG_RESURRECTED = 1

-- a cached nil in L1 and on the way through the functions below
local NIL = setmetatable({}, { __tostring = function() return "nil" end })

local LOCK_PREFIX = "mlcache:lock:"
local DEFAULT_SET_TRIES = 3
local DEFAULT_CONCURRENCY = 3

-- the L1 of each name, shared by the instances of that name in a worker
-- (their L2 keys are the same), while one of them lives
local lru_by_name = setmetatable({}, { __mode = "v" })


local _M = { _VERSION = "2.7.0" }
local mt = { __index = _M }


local function encode(value, ttl)
    local typ, payload
    local vt = type(value)

    if value == NIL then
        typ, payload = T_NIL, ""

    elseif vt == "number" then
        num[0] = value
        typ, payload = T_NUMBER, ffi_str(num, 8)

    elseif vt == "boolean" then
        typ, payload = T_BOOLEAN, value and "1" or "0"

    elseif vt == "string" then
        typ, payload = T_STRING, value

    elseif vt == "table" then
        if not cjson then
            return nil, "cannot cache a table: cjson is not available"
        end

        local json, err = cjson.encode(value)
        if not json then
            return nil, "could not encode table value: " .. err
        end

        typ, payload = T_TABLE, json

    else
        return nil, "cannot cache value of type " .. vt
    end

    hdr.at = now()
    hdr.ttl = ttl
    hdr.type = typ

    return ffi_str(hdr, HDR_SIZE) .. payload
end


-- value (NIL for a cached nil), at, ttl; or nil, err
local function decode(v)
    if #v < HDR_SIZE then
        return nil, "bad value"
    end

    local h = ffi_cast(hdr_ptr_t, v)
    local typ = h.type
    local value

    if typ == T_NIL then
        value = NIL

    elseif typ == T_NUMBER then
        if #v < HDR_SIZE + 8 then
            return nil, "bad number"
        end
        value = ffi_cast(num_ptr_t, ffi_cast(char_ptr_t, v) + HDR_SIZE)[0]

    elseif typ == T_BOOLEAN then
        value = sub(v, HDR_SIZE + 1) == "1"

    elseif typ == T_STRING then
        value = sub(v, HDR_SIZE + 1)

    elseif typ == T_TABLE then
        if not cjson then
            return nil, "cannot decode a table: cjson is not available"
        end

        local err
        value, err = cjson.decode(sub(v, HDR_SIZE + 1))
        if value == nil then
            return nil, "could not decode table value: " .. err
        end

    else
        return nil, "bad value type"
    end

    return value, h.at, h.ttl
end


local function check_opts(opts, lvl)
    if type(opts) ~= "table" then
        error("opts must be a table", lvl)
    end

    for _, name in pairs{ "ttl", "neg_ttl", "resurrect_ttl" } do
        local v = opts[name]
        if v ~= nil then
            if type(v) ~= "number" then
                error("opts." .. name .. " must be a number", lvl)
            end

            if v < 0 then
                error("opts." .. name .. " must be >= 0", lvl)
            end
        end
    end

    if opts.l1_serializer ~= nil and type(opts.l1_serializer) ~= "function"
    then
        error("opts.l1_serializer must be a function", lvl)
    end

    local tries = opts.shm_set_tries
    if tries ~= nil then
        if type(tries) ~= "number" then
            error("opts.shm_set_tries must be a number", lvl)
        end

        if tries < 1 then
            error("opts.shm_set_tries must be >= 1", lvl)
        end
    end

    if opts.resty_lock_opts ~= nil and type(opts.resty_lock_opts) ~= "table"
    then
        error("opts.resty_lock_opts must be a table", lvl)
    end
end


-- the options of one call: the instance's, overridden by opts; errors
-- are raised at level lvl of the caller (0: no position)
local function call_opts(self, opts, lvl)
    if opts == nil then
        return self
    end

    check_opts(opts, lvl > 0 and lvl + 2 or 0)

    return {
        ttl = opts.ttl or self.ttl,
        neg_ttl = opts.neg_ttl or self.neg_ttl,
        resurrect_ttl = opts.resurrect_ttl or self.resurrect_ttl,
        l1_serializer = opts.l1_serializer or self.l1_serializer,
        shm_set_tries = opts.shm_set_tries or self.shm_set_tries,
        resty_lock_opts = opts.resty_lock_opts or self.resty_lock_opts,
    }
end


local function new_lru(self)
    local lru = lru_by_name[self.name]
    if not lru then
        lru = lrucache.new(self.lru_size)
        lru_by_name[self.name] = lru
    end
    return lru
end


-- new(name, shm, opts): the instance, or nil and an error about a dict;
-- bad arguments raise errors
function _M.new(name, shm, opts)
    if type(name) ~= "string" then
        error("name must be a string", 2)
    end

    if type(shm) ~= "string" then
        error("shm must be a string", 2)
    end

    if opts == nil then
        opts = {}
    end

    check_opts(opts, 3)

    if opts.lru_size ~= nil then
        if type(opts.lru_size) ~= "number" then
            error("opts.lru_size must be a number", 2)
        end

        if opts.lru_size < 1 then
            error("opts.lru_size must be >= 1", 2)
        end
    end

    for _, name_opt in pairs{ "ipc_shm", "shm_miss", "shm_locks" } do
        if opts[name_opt] ~= nil and type(opts[name_opt]) ~= "string" then
            error("opts." .. name_opt .. " must be a string", 2)
        end
    end

    local ipc = opts.ipc
    if ipc ~= nil then
        if opts.ipc_shm then
            error("cannot specify both of opts.ipc_shm and opts.ipc", 2)
        end

        if type(ipc) ~= "table" then
            error("opts.ipc must be a table", 2)
        end

        if type(ipc.register_listeners) ~= "function" then
            error("opts.ipc.register_listeners must be a function", 2)
        end

        if type(ipc.broadcast) ~= "function" then
            error("opts.ipc.broadcast must be a function", 2)
        end

        if ipc.poll ~= nil and type(ipc.poll) ~= "function" then
            error("opts.ipc.poll must be a function", 2)
        end
    end

    local dict = shared[shm]
    if not dict then
        return nil, "no such lua_shared_dict: " .. shm
    end

    local dict_miss
    if opts.shm_miss then
        dict_miss = shared[opts.shm_miss]
        if not dict_miss then
            return nil, "no such lua_shared_dict for opts.shm_miss: "
                        .. opts.shm_miss
        end
    end

    if opts.shm_locks and not shared[opts.shm_locks] then
        return nil, "no such lua_shared_dict for opts.shm_locks: "
                    .. opts.shm_locks
    end

    local self = setmetatable({
        name = name,
        prefix = name .. ":",
        shm = shm,
        dict = dict,
        shm_miss = opts.shm_miss,
        dict_miss = dict_miss,
        shm_locks = opts.shm_locks or shm,
        ttl = opts.ttl or 30,
        neg_ttl = opts.neg_ttl or 5,
        resurrect_ttl = opts.resurrect_ttl,
        lru_size = opts.lru_size or 100,
        resty_lock_opts = opts.resty_lock_opts,
        l1_serializer = opts.l1_serializer,
        shm_set_tries = opts.shm_set_tries or DEFAULT_SET_TRIES,
    }, mt)

    self.lru = opts.lru or new_lru(self)

    if opts.ipc_shm or ipc then
        self.events = {
            invalidation = {
                channel = "mlcache:invalidations:" .. name,
                handler = function(key)
                    self.lru:delete(key)
                end,
            },
            purge = {
                channel = "mlcache:purge:" .. name,
                handler = function()
                    self.lru:flush_all()
                end,
            },
        }

        if opts.ipc_shm then
            local mlcache_ipc = require "resty.mlcache.ipc"

            local shm_ipc, err = mlcache_ipc.new(opts.ipc_shm, opts.debug)
            if not shm_ipc then
                return nil, "failed to initialize mlcache IPC "
                            .. "(could not instantiate mlcache.ipc): " .. err
            end

            for _, ev in pairs(self.events) do
                shm_ipc:subscribe(ev.channel, ev.handler)
            end

            self.broadcast = function(channel, data)
                return shm_ipc:broadcast(channel, data)
            end

            self.poll = function(timeout)
                return shm_ipc:poll(timeout)
            end

            self.ipc = shm_ipc

        else
            local ok, err = ipc.register_listeners(self.events)
            if not ok and err ~= nil then
                return nil, "failed to initialize custom IPC "
                            .. "(opts.ipc.register_listeners returned an "
                            .. "error): " .. err
            end

            self.broadcast = ipc.broadcast
            self.poll = ipc.poll
            self.ipc = true
        end
    end

    return self
end


-- puts value (NIL for nil) in L1 for ttl seconds (0: forever); the value
-- L1 now holds (l1_serializer's result), or nil and an error
local function set_l1(self, key, value, ttl, o)
    if value ~= NIL and o.l1_serializer then
        local ok, res, err = pcall(o.l1_serializer, value)
        if not ok then
            return nil, "l1_serializer threw an error: " .. tostring(res)
        end

        if err then
            return nil, err
        end

        if res == nil then
            return nil, "l1_serializer returned a nil value"
        end

        value = res
    end

    if ttl == 0 then
        self.lru:set(key, value)
    else
        self.lru:set(key, value, ttl)
    end

    return value
end


-- true, or nil and an error; a dict that stays full after the tries is
-- only a warning unless strict
local function set_l2(self, skey, value, ttl, flags, o, strict)
    local dict, shm = self.dict, self.shm

    if value == NIL and self.dict_miss then
        dict, shm = self.dict_miss, self.shm_miss
    end

    local v, err = encode(value, ttl)
    if not v then
        return nil, err
    end

    local tries = 0
    local ok

    repeat
        tries = tries + 1
        -- a full dict evicts a few items per set(): try again for more
        ok, err = dict:set(skey, v, ttl, flags or 0)
    until ok or err ~= "no memory" or tries >= o.shm_set_tries

    if not ok then
        if err ~= "no memory" or strict then
            return nil, "could not write to lua_shared_dict '" .. shm
                        .. "': " .. err
        end

        log(WARN, "could not write to lua_shared_dict '", shm, "' after ",
            tries, " tries (no memory), it is either fragmented or cannot ",
            "allocate more memory, consider increasing 'opts.shm_set_tries'")
    end

    return true
end


-- L2 then L1: the value L1 holds, or nil and an error
local function set_l2_l1(self, key, skey, value, ttl, neg_ttl, flags, o,
                         strict)
    if value == NIL then
        ttl = neg_ttl
    end

    local ok, err = set_l2(self, skey, value, ttl, flags, o, strict)
    if not ok then
        return nil, err
    end

    return set_l1(self, key, value, ttl, o)
end


-- looks in L2 and copies a fresh value to L1: value (NIL for a cached
-- nil), nil, stale (expired, not copied), resurrected (served again
-- past its life); nil when absent; nil and an error
local function get_l2(self, key, skey, o)
    local v, flags, stale = self.dict:get_stale(skey)
    if v == nil and flags then
        return nil, "could not read from lua_shared_dict: " .. flags
    end

    if v == nil and self.dict_miss then
        v, flags, stale = self.dict_miss:get_stale(skey)
        if v == nil and flags then
            return nil, "could not read from lua_shared_dict: " .. flags
        end
    end

    if v == nil then
        return nil
    end

    local value, at, ttl = decode(v)
    if value == nil then
        return nil, "could not deserialize value after lua_shared_dict "
                    .. "retrieval: " .. at
    end

    if stale then
        return value, nil, true
    end

    local resurrected = flags == FLAG_RESURRECTED

    local remaining = 0
    if ttl ~= 0 then
        remaining = ttl - (now() - at)

        if remaining <= 0 then
            -- its last millisecond: not worth a place in L1 (where a
            -- ttl of 0 would mean forever)
            return value, nil, nil, resurrected
        end
    end

    local err
    value, err = set_l1(self, key, value, remaining, o)
    if value == nil then
        return nil, err
    end

    return value, nil, nil, resurrected
end


local function unlock_and_return(lock, value, err, hit)
    local ok, lerr = lock:unlock()
    if not ok and lerr ~= "unlocked" then
        return nil, "could not unlock callback: " .. lerr
    end

    if value == NIL then
        value = nil
    end

    return value, err, hit
end


-- L3 under the lock of the key; stale_value: what L2 had, expired
local function run_callback(self, key, skey, stale_value, o, cb, ...)
    local lock, err = resty_lock:new(self.shm_locks, o.resty_lock_opts)
    if not lock then
        return nil, "could not create lock: " .. err
    end

    local elapsed, lerr = lock:lock(LOCK_PREFIX .. skey)
    if not elapsed and lerr ~= "timeout" then
        return nil, "could not acquire callback lock: " .. lerr
    end

    -- another worker or thread may have run the callback meanwhile
    local value, stale, resurrected
    value, err, stale, resurrected = get_l2(self, key, skey, o)
    if err then
        return unlock_and_return(lock, nil, err)
    end

    if value ~= nil and not stale then
        return unlock_and_return(lock, value, nil, resurrected and 4 or 2)
    end

    if lerr == "timeout" then
        -- the holder is still at it; a stale value may do meanwhile
        if stale_value == nil or not o.resurrect_ttl then
            return nil, "could not acquire callback lock: timeout"
        end

        log(WARN, "could not acquire callback lock: timeout")

        if stale_value == NIL then
            stale_value = nil
        end

        return stale_value, nil, 4
    end

    local ok, data, cb_err, new_ttl = xpcall(cb, traceback, ...)
    if not ok then
        return unlock_and_return(lock, nil,
                                 "callback threw an error: " .. tostring(data))
    end

    if cb_err then
        cb_err = tostring(cb_err)

        if stale_value == nil or not o.resurrect_ttl then
            return unlock_and_return(lock, data, cb_err)
        end

        log(WARN, "callback returned an error (", cb_err, ") but stale ",
            "value found in shm will be resurrected for ", o.resurrect_ttl,
            "s (resurrect_ttl)")

        local res, rerr = set_l2_l1(self, key, skey, stale_value,
                                    o.resurrect_ttl, o.resurrect_ttl,
                                    FLAG_RESURRECTED, o)
        if rerr then
            log(WARN, "could not resurrect stale data (", rerr, ")")
            res = stale_value
        end

        return unlock_and_return(lock, res, nil, 4)
    end

    if data == nil then
        data = NIL
    end

    local ttl, neg_ttl = o.ttl, o.neg_ttl

    if type(new_ttl) == "number" then
        if new_ttl < 0 then
            -- not to be cached
            return unlock_and_return(lock, data, nil, 3)
        end

        if data == NIL then
            neg_ttl = new_ttl
        else
            ttl = new_ttl
        end
    end

    data, err = set_l2_l1(self, key, skey, data, ttl, neg_ttl, nil, o)
    if data == nil then
        return unlock_and_return(lock, nil, err)
    end

    return unlock_and_return(lock, data, nil, 3)
end


-- value, err, hit level (1: L1, 2: L2, 3: L3, 4: stale); without a
-- callback only L1 and L2 are looked at, and a miss is nil, nil, -1
function _M.get(self, key, opts, cb, ...)
    if type(key) ~= "string" then
        error("key must be a string", 2)
    end

    if cb ~= nil and type(cb) ~= "function" then
        error("callback must be a function", 2)
    end

    local o = call_opts(self, opts, 2)

    local value = self.lru:get(key)
    if value ~= nil then
        if value == NIL then
            return nil, nil, 1
        end
        return value, nil, 1
    end

    local skey = self.prefix .. key
    local err, stale, resurrected

    value, err, stale, resurrected = get_l2(self, key, skey, o)
    if err then
        return nil, err
    end

    if value ~= nil and not stale then
        if value == NIL then
            value = nil
        end
        return value, nil, resurrected and 4 or 2
    end

    if cb == nil then
        return nil, nil, -1
    end

    return run_callback(self, key, skey, value, o, cb, ...)
end


-- get_bulk() input: key, opts, callback, argument per operation
local bulk_mt = {}
bulk_mt.__index = bulk_mt


function _M.new_bulk(n_ops)
    local bulk = new_tab((n_ops or 2) * 4, 1)
    bulk.n = 0
    return setmetatable(bulk, bulk_mt)
end


function bulk_mt.add(self, key, opts, cb, arg)
    local i = self.n * 4
    self[i + 1] = key
    self[i + 2] = opts
    self[i + 3] = cb
    self[i + 4] = arg
    self.n = self.n + 1
end


local function run_jobs(self, jobs, from, to)
    for i = from, to do
        local job = jobs[i]
        job.value, job.err, job.hit = run_callback(self, job.key, job.skey,
                                                   job.stale_value, job.o,
                                                   job.cb, job.arg)
    end
end


-- res = { value1, err1, hit1, value2, ..., n = 3 * ops }; the callbacks
-- of the misses run in opts.concurrency light threads (3), this one
-- included
function _M.get_bulk(self, bulk, opts)
    if type(bulk) ~= "table" then
        error("bulk must be a table", 2)
    end

    if not bulk.n then
        error("bulk must have n field", 2)
    end

    local concurrency = DEFAULT_CONCURRENCY

    if opts ~= nil then
        if type(opts) ~= "table" then
            error("opts must be a table", 2)
        end

        if opts.concurrency ~= nil then
            if type(opts.concurrency) ~= "number" then
                error("opts.concurrency must be a number", 2)
            end

            if opts.concurrency <= 0 then
                error("opts.concurrency must be > 0", 2)
            end

            concurrency = opts.concurrency
        end
    end

    local n = bulk.n
    local res = new_tab(n * 3, 1)
    local jobs

    for op = 1, n do
        local i = (op - 1) * 4 + 1
        local key, b_opts, cb = bulk[i], bulk[i + 1], bulk[i + 2]
        local r = (op - 1) * 3 + 1

        if type(key) ~= "string" then
            error("key at index " .. i .. " must be a string for operation "
                  .. op .. " (got " .. type(key) .. ")", 2)
        end

        if cb ~= nil and type(cb) ~= "function" then
            error("callback at index " .. i + 2 .. " must be a function for "
                  .. "operation " .. op .. " (got " .. type(cb) .. ")", 2)
        end

        local ok, o = pcall(call_opts, self, b_opts, 0)
        if not ok then
            error("options at index " .. i + 1 .. " for operation " .. op
                  .. " are invalid: " .. tostring(o), 2)
        end

        local value = self.lru:get(key)
        if value ~= nil then
            if value == NIL then
                value = nil
            end
            res[r], res[r + 2] = value, 1

        else
            local skey = self.prefix .. key
            local err, stale, resurrected
            value, err, stale, resurrected = get_l2(self, key, skey, o)

            if err then
                res[r + 1] = err

            elseif value ~= nil and not stale then
                if value == NIL then
                    value = nil
                end
                res[r], res[r + 2] = value, resurrected and 4 or 2

            elseif cb == nil then
                res[r + 2] = -1

            else
                jobs = jobs or {}
                jobs[#jobs + 1] = {
                    r = r, key = key, skey = skey, stale_value = value,
                    o = o, cb = cb, arg = bulk[i + 3],
                }
            end
        end
    end

    res.n = n * 3

    if not jobs then
        return res
    end

    local njobs = #jobs
    local nthreads = min(njobs, concurrency)
    local per = ceil(njobs / nthreads)
    local spawn = ngx.thread and ngx.thread.spawn
    local threads = {}
    local from = 1

    -- the other threads take the first shares, this one the last
    while spawn and from + per <= njobs do
        local th, err = spawn(run_jobs, self, jobs, from, from + per - 1)
        if not th then
            log(ERR, "could not spawn a thread: ", err)
            break
        end

        threads[#threads + 1] = th
        from = from + per
    end

    run_jobs(self, jobs, from, njobs)

    for i = 1, #threads do
        local ok, err = ngx.thread.wait(threads[i])
        if not ok then
            log(ERR, "failed to wait for thread number ", i, ": ", err)
        end
    end

    for i = 1, njobs do
        local job = jobs[i]
        local r = job.r
        res[r], res[r + 1], res[r + 2] = job.value, job.err, job.hit
    end

    return res
end


local function bulk_res_iter(res, i)
    local r = i * 3 + 1
    if r > res.n then
        return nil
    end

    return i + 1, res[r], res[r + 1], res[r + 2]
end


-- for i, value, err, hit in mlcache.each_bulk_res(res)
function _M.each_bulk_res(res)
    if not res.n then
        error("res must have res.n field; is this a get_bulk() result?", 2)
    end

    return bulk_res_iter, res, 0
end


-- L2 only, L1 untouched: remaining ttl (0: no expiry; negative: stale),
-- nil, value, stale; nil when absent (or stale, unless stale is true)
function _M.peek(self, key, stale)
    if type(key) ~= "string" then
        error("key must be a string", 2)
    end

    local skey = self.prefix .. key

    local v, err, went_stale = self.dict:get_stale(skey)
    if v == nil and err then
        return nil, "could not read from lua_shared_dict: " .. err
    end

    if v == nil and self.dict_miss then
        v, err, went_stale = self.dict_miss:get_stale(skey)
        if v == nil and err then
            return nil, "could not read from lua_shared_dict: " .. err
        end
    end

    if v == nil or (went_stale and not stale) then
        return nil
    end

    local value, at, ttl = decode(v)
    if value == nil then
        return nil, "could not deserialize value after lua_shared_dict "
                    .. "retrieval: " .. at
    end

    if value == NIL then
        value = nil
    end

    local remaining = 0
    if ttl ~= 0 then
        remaining = ttl - (now() - at)
    end

    return remaining, nil, value, went_stale
end


local function need_ipc(self, what)
    if not self.broadcast then
        error("no ipc to propagate " .. what .. ", specify opts.ipc_shm "
              .. "or opts.ipc", 3)
    end
end


-- stores value in L2 and L1, and tells the other workers to drop theirs;
-- true or nil, err
function _M.set(self, key, opts, value)
    need_ipc(self, "update")

    if type(key) ~= "string" then
        error("key must be a string", 2)
    end

    local o = call_opts(self, opts, 2)
    local skey = self.prefix .. key

    if value == nil then
        value = NIL
    end

    if self.dict_miss then
        -- the value must not stay in the other dict
        local other = value == NIL and self.dict or self.dict_miss
        local ok, err = other:delete(skey)
        if not ok then
            return nil, "could not delete from shm: " .. err
        end
    end

    local res, err = set_l2_l1(self, key, skey, value, o.ttl, o.neg_ttl, nil,
                               o, true)
    if res == nil then
        return nil, err
    end

    local _
    _, err = self.broadcast(self.events.invalidation.channel, key)
    if err then
        return nil, "could not broadcast update: " .. err
    end

    return true
end


-- removes key from L2 and L1, and from the other workers' L1; true or
-- nil, err
function _M.delete(self, key)
    need_ipc(self, "deletion")

    if type(key) ~= "string" then
        error("key must be a string", 2)
    end

    local skey = self.prefix .. key

    local ok, err = self.dict:delete(skey)
    if not ok then
        return nil, "could not delete from shm: " .. err
    end

    if self.dict_miss then
        ok, err = self.dict_miss:delete(skey)
        if not ok then
            return nil, "could not delete from shm: " .. err
        end
    end

    self.lru:delete(key)

    local _
    _, err = self.broadcast(self.events.invalidation.channel, key)
    if err then
        return nil, "could not broadcast deletion: " .. err
    end

    return true
end


-- empties L2 (the whole dict) and every worker's L1; true or nil, err
function _M.purge(self, flush_expired)
    need_ipc(self, "purge")

    self.dict:flush_all()
    if self.dict_miss then
        self.dict_miss:flush_all()
    end

    if flush_expired then
        self.dict:flush_expired()
        if self.dict_miss then
            self.dict_miss:flush_expired()
        end
    end

    self.lru:flush_all()

    local _, err = self.broadcast(self.events.purge.channel, "")
    if err then
        return nil, "could not broadcast purge: " .. err
    end

    return true
end


-- applies the other workers' set(), delete() and purge() to this one's
-- L1; true or nil, err
function _M.update(self, timeout)
    if not self.poll then
        error("no polling configured, specify opts.ipc_shm or "
              .. "opts.ipc.poll", 2)
    end

    local _, err = self.poll(timeout)
    if err then
        return nil, "could not poll ipc events: " .. err
    end

    return true
end


return _M
