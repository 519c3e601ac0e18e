-- resty.lrucache: a per-worker LRU cache of any Lua values, with optional
-- expiry and user flags; the API of lua-resty-lrucache (see lrucache.md).
--
-- The recency list is an FFI array of nodes linked by index (node 0 is
-- the list head, its "next" the most recently used item): moving an item
-- or evicting the oldest is O(1) and the nodes cost the GC nothing. Keys
-- and values stay in Lua tables indexed by node so the GC sees them.

local ffi = require "ffi"
local new_tab = require "table.new"
local clear_tab = require "table.clear"

local ngx_now = ngx.now
local floor = math.floor
local type = type
local setmetatable = setmetatable


if not pcall(ffi.typeof, "mx_lru_node_t") then
    ffi.cdef[[
        typedef struct {
            int32_t   prev;
            int32_t   next;      /* or the next free node */
            double    expire;    /* ngx.now() + ttl; -1: never */
            uint32_t  flags;
        } mx_lru_node_t;
    ]]
end

local nodes_t = ffi.typeof("mx_lru_node_t[?]")


local _M = { _VERSION = "0.13" }
local mt = { __index = _M }


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


-- nil, "size too small" when size < 1
function _M.new(size)
    if size < 1 then
        return nil, "size too small"
    end

    size = floor(size)

    return setmetatable({
        nodes = nodes_t(size + 1),  -- zero-filled: an empty list at 0
        size = size,
        nitems = 0,
        used = 0,       -- nodes ever taken since the last flush
        free = 0,       -- deleted nodes, linked by "next"
        ids = {},       -- key -> node
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


-- value, nil, flags; nil, stale value, flags once expired (the item stays
-- until evicted, as the original does); nil when absent
function _M.get(self, key)
    local i = self.ids[key]
    if i == nil then
        return nil
    end

    local val = self.vals[i]
    if val == nil then
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
        return nil, val, node.flags
    end

    return val, nil, node.flags
end


function _M.set(self, key, value, ttl, flags)
    local ids = self.ids
    local nodes = self.nodes
    local i = ids[key]

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
            ids[self.keys[i]] = nil
            unlink(nodes, i)
        end

        ids[key] = i
        self.keys[i] = key
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
    local ids = self.ids
    local i = ids[key]
    if i == nil then
        return false
    end

    local nodes = self.nodes

    ids[key] = nil
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
    clear_tab(self.ids)
    clear_tab(self.keys)
    clear_tab(self.vals)

    -- nodes past "used" are taken again before any is read
    self.nodes[0].next = 0
    self.nodes[0].prev = 0
    self.nitems = 0
    self.used = 0
    self.free = 0
end


return _M
