-- resty.mlcache.ipc: events broadcast to every worker through a shared
-- dict, which each worker polls; what mlcache's ipc_shm option uses to
-- tell the other workers to drop an item (or all) from their L1 cache.
--
-- Events are numbered by an incr() of one index key and stored under
-- their number; a poller remembers the last number it handled. Between a
-- broadcaster's incr() and its set() the event is briefly missing: the
-- poller waits for it (ngx.sleep, doubling steps) up to a timeout, then
-- skips it. A worker ignores its own events (it applied them already),
-- except with debug, where every instance reads every event.

local ngx = ngx
local shared = ngx.shared
local log = ngx.log
local ERR = ngx.ERR
local min = math.min
local find = string.find
local sub = string.sub
local pcall = pcall
local tonumber = tonumber
local type = type
local error = error
local setmetatable = setmetatable


local INDEX_KEY = "mlcache:ipc:index"
local EVENT_KEY = "mlcache:ipc:"


local _M = { _VERSION = "2.7.0" }
local mt = { __index = _M }


-- nil, "no such lua_shared_dict: NAME"
function _M.new(shm, debug)
    local dict = shared[shm]
    if not dict then
        return nil, "no such lua_shared_dict: " .. shm
    end

    -- events sent before this instance existed concern no L1 item of it
    local idx = dict:get(INDEX_KEY)
    if type(idx) ~= "number" then
        idx = 0
    end

    return setmetatable({
        dict = dict,
        pid = debug and 0 or ngx.worker.pid(),
        idx = idx,
        handlers = {},
    }, mt)
end


function _M.subscribe(self, channel, handler)
    if type(channel) ~= "string" then
        error("channel must be a string", 2)
    end

    if type(handler) ~= "function" then
        error("callback must be a function", 2)
    end

    local list = self.handlers[channel]
    if not list then
        list = {}
        self.handlers[channel] = list
    end

    list[#list + 1] = handler
end


-- true, or nil and an error
function _M.broadcast(self, channel, data)
    if type(channel) ~= "string" then
        error("channel must be a string", 2)
    end

    if type(data) ~= "string" then
        error("data must be a string", 2)
    end

    local dict = self.dict

    local idx, err = dict:incr(INDEX_KEY, 1, 0)
    if not idx then
        return nil, "failed to increment index: " .. err
    end

    -- "pid:channel length:" then the channel and the data
    local event = ngx.worker.pid() .. ":" .. #channel .. ":" .. channel
                  .. data

    local ok
    ok, err = dict:set(EVENT_KEY .. idx, event)
    if not ok then
        return nil, "failed to insert event in shm: " .. err
    end

    return true
end


local function run_event(self, idx, event)
    local sep1 = find(event, ":", 1, true)
    local sep2 = sep1 and find(event, ":", sep1 + 1, true)
    if not sep2 then
        log(ERR, "[ipc] bad event at index ", idx)
        return
    end

    if tonumber(sub(event, 1, sep1 - 1)) == self.pid then
        return
    end

    local len = tonumber(sub(event, sep1 + 1, sep2 - 1))
    local channel = sub(event, sep2 + 1, sep2 + len)
    local handlers = self.handlers[channel]
    if not handlers then
        return
    end

    local data = sub(event, sep2 + len + 1)

    for i = 1, #handlers do
        local ok, err = pcall(handlers[i], data)
        if not ok then
            log(ERR, "[ipc] callback for channel '", channel,
                "' threw a Lua error: ", err)
        end
    end
end


-- runs the handlers of the events not seen yet; true, or nil and
-- "timeout" (an event that did not show up within timeout seconds, 0.3
-- by default, is skipped) or another error
function _M.poll(self, timeout)
    if timeout ~= nil and type(timeout) ~= "number" then
        error("timeout must be a number", 2)
    end

    local dict = self.dict

    local last, err = dict:get(INDEX_KEY)
    if err then
        return nil, "failed to get index: " .. err
    end

    if last == nil then
        return true
    end

    if type(last) ~= "number" then
        return nil, "index is not a number, shm tampered with"
    end

    if last < self.idx then
        -- the dict was flushed: numbering started again
        self.idx = 0
    end

    timeout = timeout or 0.3

    local waited = 0

    while self.idx < last do
        local idx = self.idx + 1
        local step = 0.001
        local event

        event, err = dict:get(EVENT_KEY .. idx)

        while event == nil and not err do
            if waited >= timeout then
                -- lost (evicted) or its sender died: skip it
                self.idx = idx
                return nil, "timeout"
            end

            local ok, serr = pcall(ngx.sleep, step)
            if not ok then
                -- no waiting here: a later poll() will look again
                return nil, "could not wait for event " .. idx .. ": "
                            .. serr
            end

            waited = waited + step
            step = min(step * 2, timeout - waited)
            if step <= 0 then
                step = 0.001
            end

            event, err = dict:get(EVENT_KEY .. idx)
        end

        self.idx = idx

        if err then
            log(ERR, "[ipc] could not get event at index ", idx, ": ", err)

        elseif type(event) ~= "string" then
            log(ERR, "[ipc] event at index ", idx, " is not a string, ",
                "shm tampered with")

        else
            run_event(self, idx, event)
        end
    end

    return true
end


return _M
