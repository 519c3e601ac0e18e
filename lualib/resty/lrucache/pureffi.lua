-- resty.lrucache.pureffi: the same cache as resty.lrucache for string keys
-- (other keys are converted with tostring), with its own hash table over
-- FFI arrays instead of a Lua table. A Lua table never shrinks when keys
-- are removed; under a churn of distinct keys this one keeps a fixed
-- size and removes entries for real.
--
-- Lua strings are interned and never move, so a key is hashed by the
-- address of its bytes; the key table anchors the string while it is
-- cached, which keeps the address valid.

local ffi = require "ffi"
local bit = require "bit"
local new_tab = require "table.new"
local clear_tab = require "table.clear"

local ngx_now = ngx.now
local ffi_cast = ffi.cast
local ffi_fill = ffi.fill
local band, bxor, rshift, tobit = bit.band, bit.bxor, bit.rshift, bit.tobit
local floor = math.floor
local tonumber = tonumber
local tostring = tostring
local type = type
local setmetatable = setmetatable


if not pcall(ffi.typeof, "mx_lru_hnode_t") then
    ffi.cdef[[
        typedef struct {
            int32_t   prev;
            int32_t   next;      /* or the next free node */
            int32_t   chain;     /* next node of the same bucket */
            uint32_t  flags;
            double    expire;    /* ngx.now() + ttl; -1: never */
        } mx_lru_hnode_t;
    ]]
end

local nodes_t = ffi.typeof("mx_lru_hnode_t[?]")
local buckets_t = ffi.typeof("int32_t[?]")
local str_ptr_t = ffi.typeof("const char *")
local uintptr_t = ffi.typeof("uintptr_t")


local _M = { _VERSION = "0.13" }
local mt = { __index = _M }


local function bucket_of(self, key)
    -- addresses below 2^48 are exact in a double
    local addr = tonumber(ffi_cast(uintptr_t, ffi_cast(str_ptr_t, key)))
    local lo = tobit(addr)
    local hi = tobit(floor(addr / 4294967296))

    -- string data is 8-byte aligned: the low bits carry nothing
    return band(bxor(rshift(lo, 3), rshift(lo, 13), rshift(lo, 23), hi),
                self.mask)
end


local function find(self, key)
    local keys = self.keys
    local nodes = self.nodes
    local i = self.buckets[bucket_of(self, key)]

    while i ~= 0 do
        if keys[i] == key then
            return i
        end
        i = nodes[i].chain
    end

    return nil
end


local function hash_insert(self, key, i)
    local b = bucket_of(self, key)
    local buckets = self.buckets

    self.nodes[i].chain = buckets[b]
    buckets[b] = i
end


local function hash_remove(self, key, i)
    local b = bucket_of(self, key)
    local buckets = self.buckets
    local nodes = self.nodes
    local j = buckets[b]

    if j == i then
        buckets[b] = nodes[i].chain
        return
    end

    while j ~= 0 do
        local nxt = nodes[j].chain
        if nxt == i then
            nodes[j].chain = nodes[i].chain
            return
        end
        j = nxt
    end
end


local function unlink(nodes, i)
    local node = nodes[i]
    local prev, nxt = node.prev, node.next

    nodes[prev].next = nxt
    nodes[nxt].prev = prev
end


local function push_front(nodes, i)
    local first = nodes[0].next
    local node = nodes[i]

    node.prev = 0
    node.next = first
    nodes[first].prev = i
    nodes[0].next = i
end


-- load_factor (items per bucket) defaults to 0.5, clamped to [0.1, 1];
-- nil, "size too small" when size < 1
function _M.new(size, load_factor)
    if size < 1 then
        return nil, "size too small"
    end

    size = floor(size)

    if not load_factor then
        load_factor = 0.5
    elseif load_factor > 1 then
        load_factor = 1
    elseif load_factor < 0.1 then
        load_factor = 0.1
    end

    local nbuckets = 2
    while nbuckets < size / load_factor do
        nbuckets = nbuckets * 2
    end

    return setmetatable({
        nodes = nodes_t(size + 1),      -- zero-filled: an empty list at 0
        buckets = buckets_t(nbuckets),  -- 0: empty bucket
        nbuckets = nbuckets,
        mask = nbuckets - 1,
        size = size,
        nitems = 0,
        used = 0,       -- nodes ever taken since the last flush
        free = 0,       -- deleted nodes, linked by "next"
        keys = new_tab(size, 0),
        vals = new_tab(size, 0),
    }, mt)
end


function _M.count(self)
    return self.nitems
end


function _M.capacity(self)
    return self.size
end


-- value, nil, flags; nil, stale value, flags once expired; nil when absent
function _M.get(self, key)
    if type(key) ~= "string" then
        key = tostring(key)
    end

    local i = find(self, key)
    if i == nil then
        return nil
    end

    local nodes = self.nodes
    if nodes[0].next ~= i then
        unlink(nodes, i)
        push_front(nodes, i)
    end

    local node = nodes[i]
    local expire = node.expire

    if expire >= 0 and expire < ngx_now() then
        return nil, self.vals[i], node.flags
    end

    return self.vals[i], nil, node.flags
end


function _M.set(self, key, value, ttl, flags)
    if type(key) ~= "string" then
        key = tostring(key)
    end

    local nodes = self.nodes
    local i = find(self, key)

    if i ~= nil then
        unlink(nodes, i)

    else
        i = self.free

        if i ~= 0 then
            self.free = nodes[i].next
            self.nitems = self.nitems + 1

        elseif self.used < self.size then
            i = self.used + 1
            self.used = i
            self.nitems = self.nitems + 1

        else
            -- full: the least recently used item makes room
            i = nodes[0].prev
            hash_remove(self, self.keys[i], i)
            unlink(nodes, i)
        end

        self.keys[i] = key
        hash_insert(self, key, i)
    end

    self.vals[i] = value
    push_front(nodes, i)

    local node = nodes[i]

    if ttl then
        node.expire = ngx_now() + ttl
    else
        node.expire = -1
    end

    if type(flags) == "number" and flags >= 0 then
        node.flags = flags
    else
        node.flags = 0
    end
end


-- true if the key was there
function _M.delete(self, key)
    if type(key) ~= "string" then
        key = tostring(key)
    end

    local i = find(self, key)
    if i == nil then
        return false
    end

    local nodes = self.nodes

    hash_remove(self, key, i)
    self.keys[i] = nil
    self.vals[i] = nil

    unlink(nodes, i)
    nodes[i].next = self.free
    self.free = i
    self.nitems = self.nitems - 1

    return true
end


-- the keys, most recently used first, at most max_count (0 or nil: all);
-- fills res when given, with a nil after the last key
function _M.get_keys(self, max_count, res)
    if not max_count or max_count == 0 then
        max_count = self.nitems
    end

    if not res then
        res = new_tab(max_count + 1, 0)
    end

    local nodes = self.nodes
    local keys = self.keys
    local n = 0
    local i = nodes[0].next

    while i ~= 0 and n < max_count do
        n = n + 1
        res[n] = keys[i]
        i = nodes[i].next
    end

    res[n + 1] = nil

    return res
end


function _M.flush_all(self)
    clear_tab(self.keys)
    clear_tab(self.vals)
    ffi_fill(self.buckets, 4 * self.nbuckets)

    -- nodes past "used" are taken again before any is read
    self.nodes[0].next = 0
    self.nodes[0].prev = 0
    self.nitems = 0
    self.used = 0
    self.free = 0
end


return _M
