-- resty.upstream.healthcheck: active health checks of the peers of an
-- upstream group, with lua-resty-upstream-healthcheck's API (see
-- healthcheck.md). Every worker runs a timer per checked group; a lock
-- in the shm lets one worker probe the peers per interval, and the
-- verdicts (a peer's down state plus a version number) go through the
-- shm so that each worker applies them to its own peers on its next
-- tick: set_peer_down() only reaches the calling worker.


local upstream = require "ngx.upstream"


local get_upstreams = upstream.get_upstreams
local get_primary_peers = upstream.get_primary_peers
local get_backup_peers = upstream.get_backup_peers
local set_peer_down = upstream.set_peer_down
local tcp = ngx.socket.tcp
local timer_at = ngx.timer.at
local spawn = ngx.thread.spawn
local wait = ngx.thread.wait
local log = ngx.log
local ERR = ngx.ERR
local WARN = ngx.WARN
local DEBUG = ngx.DEBUG
local shared = ngx.shared
local concat = table.concat
local ipairs = ipairs
local pcall = pcall
local tonumber = tonumber
local tostring = tostring
local type = type
local match = string.match
local debug_mode = ngx.config.debug


local _M = { _VERSION = "0.08" }


-- per worker: how many checkers watch each group, for status_page()
local checkers = {}


local function errlog(...)
    log(ERR, "healthcheck: ", ...)
end


local function warn(...)
    log(WARN, "healthcheck: ", ...)
end


local function debug(...)
    if debug_mode then
        log(DEBUG, "healthcheck: ", ...)
    end
end


-- shm keys, prefixed with the group's name so groups can share a zone
local function peer_key(prefix, ctx, peer)
    return prefix .. ctx.upstream .. (peer.backup and ":b" or ":p") .. peer.id
end


-- "127.0.0.1:80" -> "127.0.0.1", 80; "[::1]:80" -> "[::1]", 80
local function split_name(name)
    local host, port = match(name, "^(.*):(%d+)$")
    if not host then
        return name, nil
    end
    return host, tonumber(port)
end


-- the worker's view of the group, refreshed from ngx.upstream
local function load_peers(u)
    local primary, err = get_primary_peers(u)
    if not primary then
        return nil, "failed to get primary peers: " .. err
    end

    local backup
    backup, err = get_backup_peers(u)
    if not backup then
        return nil, "failed to get backup peers: " .. err
    end

    local peers = {}

    for _, list in ipairs({ primary, backup }) do
        local is_backup = list == backup
        for _, p in ipairs(list) do
            local host, port = split_name(p.name)
            peers[#peers + 1] = {
                id = p.id,
                name = p.name,
                host = host,
                port = port,
                backup = is_backup,
                down = p.down or false,
            }
        end
    end

    return peers
end


local function mark_peer(ctx, peer, down)
    local ok, err = set_peer_down(ctx.upstream, peer.backup, peer.id, down)
    if not ok then
        errlog("failed to set peer down: ", err)
    end

    peer.down = down

    local key = peer_key("d:", ctx, peer)
    if down then
        ok, err = ctx.dict:set(key, true)
    else
        ok, err = ctx.dict:delete(key)
    end

    if not ok then
        errlog("failed to set peer down state: ", err)
    end

    ctx.changed = true
end


-- counts a result in the shm; the opposite streak starts over
local function count(ctx, peer, key, other)
    local dict = ctx.dict
    local n, err = dict:incr(peer_key(key, ctx, peer), 1, 0)
    if not n then
        errlog("failed to count a ", key, " result: ", err)
        return nil
    end

    if n == 1 then
        dict:set(peer_key(other, ctx, peer), 0)
    end

    return n
end


local function peer_failed(ctx, peer, ...)
    if not peer.down then
        errlog(...)
    end

    debug("peer ", peer.name, " was checked to be not ok")

    local fails = count(ctx, peer, "nok:", "ok:")
    if fails and not peer.down and fails >= ctx.fall then
        warn("peer ", peer.name, " is turned down after ", fails,
             " failure(s)")
        mark_peer(ctx, peer, true)
    end
end


local function peer_ok(ctx, peer)
    debug("peer ", peer.name, " was checked to be ok")

    local succ = count(ctx, peer, "ok:", "nok:")
    if succ and peer.down and succ >= ctx.rise then
        warn("peer ", peer.name, " is turned up after ", succ,
             " success(es)")
        mark_peer(ctx, peer, false)
    end
end


local function check_peer(ctx, peer)
    local name = peer.name
    local sock, err = tcp()
    if not sock then
        errlog("failed to create stream socket: ", err)
        return
    end

    sock:settimeout(ctx.timeout)

    local ok
    if peer.port then
        ok, err = sock:connect(peer.host, ctx.port or peer.port)
    else
        ok, err = sock:connect(name)
    end

    if not ok then
        return peer_failed(ctx, peer, "failed to connect to ", name, ": ",
                           err)
    end

    if ctx.https then
        ok, err = sock:sslhandshake(nil, ctx.host, ctx.ssl_verify)
        if not ok then
            sock:close()
            return peer_failed(ctx, peer, "failed to ssl handshake to ",
                               name, ": ", err)
        end
    end

    ok, err = sock:send(ctx.http_req)
    if not ok then
        sock:close()
        return peer_failed(ctx, peer, "failed to send request to ", name,
                           ": ", err)
    end

    local line
    line, err = sock:receive()
    sock:close()

    if not line then
        return peer_failed(ctx, peer, "failed to receive status line from ",
                           name, ": ", err)
    end

    if ctx.statuses then
        local status = tonumber(match(line, "^HTTP/%d+%.%d+%s+(%d%d%d)"))
        if not status then
            return peer_failed(ctx, peer, "bad status line from ", name,
                               ": ", line)
        end

        if not ctx.statuses[status] then
            return peer_failed(ctx, peer, "bad status code from ", name,
                               ": ", status)
        end
    end

    peer_ok(ctx, peer)
end


local function check_list(ctx, list)
    for _, peer in ipairs(list) do
        check_peer(ctx, peer)
    end
end


-- up to ctx.concurrency light threads, each with its share of the peers
local function check_peers(ctx)
    local peers = ctx.peers
    local n = #peers
    local nthreads = ctx.concurrency

    if nthreads > n then
        nthreads = n
    end

    if nthreads <= 1 then
        return check_list(ctx, peers)
    end

    local lists = {}
    for i = 1, nthreads do
        lists[i] = {}
    end

    for i, peer in ipairs(peers) do
        local l = lists[(i - 1) % nthreads + 1]
        l[#l + 1] = peer
    end

    local threads = {}
    for i = 2, nthreads do
        local t, err = spawn(check_list, ctx, lists[i])
        if t then
            threads[#threads + 1] = t
        else
            errlog("failed to spawn a check thread: ", err)
            check_list(ctx, lists[i])
        end
    end

    check_list(ctx, lists[1])

    for _, t in ipairs(threads) do
        wait(t)
    end
end


-- applies what other workers decided since this worker last looked
local function sync_peers(ctx)
    local dict = ctx.dict
    local ver, err = dict:get("v:" .. ctx.upstream)
    if not ver then
        if err then
            errlog("failed to get peers version: ", err)
        end
        return
    end

    if ver <= ctx.version then
        return
    end

    debug("upgrading peers version to ", ver)

    for _, peer in ipairs(ctx.peers) do
        local down = dict:get(peer_key("d:", ctx, peer)) and true or false
        if down ~= peer.down then
            local ok
            ok, err = set_peer_down(ctx.upstream, peer.backup, peer.id, down)
            if not ok then
                errlog("failed to set peer down: ", err)
            else
                peer.down = down
            end
        end
    end

    ctx.version = ver
end


local function publish(ctx)
    local dict = ctx.dict
    local key = "v:" .. ctx.upstream

    local ver, err = dict:incr(key, 1, 0)
    if not ver then
        errlog("failed to publish new peers version: ", err)
        return
    end

    debug("publishing peers version ", ver)

    ctx.version = ver
    ctx.changed = nil
end


local function run_cycle(ctx)
    sync_peers(ctx)

    -- held for the interval, never released: one worker probes per
    -- interval, however many run the timer
    local ok, err = ctx.dict:add("l:" .. ctx.upstream, true,
                                 ctx.interval - 0.001)
    if not ok then
        if err ~= "exists" then
            errlog("failed to add key \"l:", ctx.upstream, "\": ", err)
        end
        return
    end

    check_peers(ctx)

    if ctx.changed then
        publish(ctx)
    end
end


local tick

tick = function(premature, ctx)
    if premature then
        return
    end

    local ok, err = pcall(run_cycle, ctx)
    if not ok then
        errlog("failed to run healthcheck cycle: ", err)
    end

    ok, err = timer_at(ctx.interval, tick, ctx)
    if not ok and err ~= "process exiting" then
        errlog("failed to create timer: ", err)
    end
end


function _M.spawn_checker(opts)
    if type(opts) ~= "table" then
        return nil, "options table required"
    end

    local typ = opts.type
    if not typ then
        return nil, "\"type\" option required"
    end

    if typ ~= "http" and typ ~= "https" then
        return nil, "only \"http\" and \"https\" are supported right now"
    end

    local http_req = opts.http_req
    if not http_req then
        return nil, "\"http_req\" option required"
    end

    local interval = 1
    if opts.interval then
        interval = opts.interval / 1000
        if interval < 0.002 then
            interval = 0.002
        end
    end

    local statuses
    if opts.valid_statuses then
        statuses = {}
        for _, status in ipairs(opts.valid_statuses) do
            statuses[status] = true
        end
    end

    local shm = opts.shm
    if not shm then
        return nil, "\"shm\" option required"
    end

    local dict = shared[shm]
    if not dict then
        return nil, "shm \"" .. tostring(shm) .. "\" not found"
    end

    local u = opts.upstream
    if not u then
        return nil, "no upstream specified"
    end

    local peers, err = load_peers(u)
    if not peers then
        return nil, err
    end

    local ctx = {
        upstream = u,
        peers = peers,
        dict = dict,
        http_req = http_req,
        https = typ == "https",
        ssl_verify = opts.ssl_verify ~= false,
        host = opts.host,
        port = opts.port,
        timeout = opts.timeout or 1000,
        interval = interval,
        fall = opts.fall or 5,
        rise = opts.rise or 2,
        statuses = statuses,
        concurrency = opts.concurrency or 1,
        version = 0,
    }

    local ok
    ok, err = timer_at(0, tick, ctx)
    if not ok then
        return nil, "failed to create timer: " .. err
    end

    checkers[u] = (checkers[u] or 0) + 1

    return true
end


local function peers_lines(bits, peers)
    for _, peer in ipairs(peers) do
        bits[#bits + 1] = "        " .. peer.name
                          .. (peer.down and " DOWN\n" or " UP\n")
    end
end


function _M.status_page()
    local us, err = get_upstreams()
    if not us then
        return "failed to get upstream names: " .. tostring(err)
    end

    local bits = {}

    for i, u in ipairs(us) do
        if i > 1 then
            bits[#bits + 1] = "\n"
        end

        bits[#bits + 1] = "Upstream " .. u
        if not checkers[u] then
            bits[#bits + 1] = " (NO checkers)"
        end

        bits[#bits + 1] = "\n    Primary Peers\n"

        local peers
        peers, err = get_primary_peers(u)
        if not peers then
            return "failed to get primary peers in upstream " .. u .. ": "
                   .. err
        end

        peers_lines(bits, peers)

        bits[#bits + 1] = "    Backup Peers\n"

        peers, err = get_backup_peers(u)
        if not peers then
            return "failed to get backup peers in upstream " .. u .. ": "
                   .. err
        end

        peers_lines(bits, peers)
    end

    return concat(bits)
end


return _M
