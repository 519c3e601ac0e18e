-- ngx.upstream, lua-upstream-nginx-module's API over the configured
-- upstream groups (core/lua/mx_lua_ffi_upstream.c).
--   get_upstreams()                  -> { "foo", "127.0.0.1:8080", ... }
--   get_servers(name)                -> { {addr=, weight=, ...}, ... }
--                                       | nil, "upstream not found"
--   get_primary_peers(name)          -> { {id=0, name=, weight=, ...}, ... }
--   get_backup_peers(name)              | nil, err
--   set_peer_down(name, is_backup, id, down) -> true | nil, err
--   current_upstream_name()          -> name | nil
-- Peer state belongs to the calling worker: set_peer_down() changes the
-- balancing of this worker only.


local base = require "resty.core.base"
base.allows_subsystem("http")


local ffi = require "ffi"


local C = ffi.C
local ffi_str = ffi.string
local error = error
local select = select
local type = type
local tostring = tostring
local tonumber = tonumber
local new_tab = base.new_tab
local get_request = base.get_request
local errmsg = base.get_errmsg_ptr()
local FFI_OK = base.FFI_OK
local FFI_BAD_CONTEXT = base.FFI_BAD_CONTEXT


ffi.cdef[[
    typedef struct {
        mx_ffi_str_t        name;
        int                 naddrs;
        int                 weight;
        int                 max_fails;
        int                 fail_timeout;
        int                 backup;
        int                 down;
    } mx_ffi_upstream_server_t;

    typedef struct {
        mx_ffi_str_t        name;
        int                 weight;
        int                 current_weight;
        int                 effective_weight;
        int                 conns;
        int                 fails;
        int                 max_fails;
        int                 fail_timeout;
        double              accessed;
        double              checked;
        int                 down;
    } mx_ffi_upstream_peer_t;

    int mx_ffi_upstream_count(void);
    int mx_ffi_upstream_name(int i, mx_ffi_str_t *name, int *port);
    void *mx_ffi_upstream_find(const unsigned char *name, size_t len);
    int mx_ffi_upstream_server_count(void *us);
    int mx_ffi_upstream_server_get(void *us, int i,
        mx_ffi_upstream_server_t *out);
    int mx_ffi_upstream_server_addr(void *us, int i, int j,
        unsigned char *buf, size_t size);
    int mx_ffi_upstream_peer_count(void *us, int backup, const char **err);
    int mx_ffi_upstream_peer_get(void *us, int backup, int id,
        mx_ffi_upstream_peer_t *out, const char **err);
    int mx_ffi_upstream_set_peer_down(void *us, int backup, int id,
        int down, const char **err);
    int mx_ffi_upstream_current_name(mx_http_request_t *r,
        mx_ffi_str_t *name, int *port);
]]


local str_out = ffi.new("mx_ffi_str_t[1]")
local int_out = ffi.new("int[1]")
local server_out = ffi.new("mx_ffi_upstream_server_t[1]")
local peer_out = ffi.new("mx_ffi_upstream_peer_t[1]")
local addr_buf = ffi.new("unsigned char[128]")


local _M = { version = base.version }


-- "name" or "host:port", as get_upstreams() lists a group
local function group_name(s, port)
    local name = ffi_str(s.data, s.len)
    if port ~= 0 then
        return name .. ":" .. port
    end
    return name
end


local function find(name)
    if type(name) ~= "string" then
        name = tostring(name)
    end

    local us = C.mx_ffi_upstream_find(name, #name)
    if us == nil then
        return nil
    end
    return us
end


function _M.get_upstreams(...)
    if select("#", ...) ~= 0 then
        error("no argument expected", 2)
    end

    local n = C.mx_ffi_upstream_count()
    local names = new_tab(n, 0)

    for i = 0, n - 1 do
        if C.mx_ffi_upstream_name(i, str_out, int_out) == FFI_OK then
            names[#names + 1] = group_name(str_out[0], int_out[0])
        end
    end

    return names
end


function _M.get_servers(...)
    if select("#", ...) ~= 1 then
        error("exactly one argument expected", 2)
    end

    local us = find(...)
    if not us then
        return nil, "upstream not found"
    end

    local n = C.mx_ffi_upstream_server_count(us)
    local servers = new_tab(n, 0)

    for i = 0, n - 1 do
        if C.mx_ffi_upstream_server_get(us, i, server_out) == FFI_OK then
            local s = server_out[0]
            local srv = new_tab(0, 7)

            if s.name.len > 0 then
                srv.name = ffi_str(s.name.data, s.name.len)
            end

            local addrs = new_tab(s.naddrs, 0)
            for j = 0, s.naddrs - 1 do
                local len = C.mx_ffi_upstream_server_addr(us, i, j, addr_buf,
                                                          128)
                if len >= 0 then
                    addrs[#addrs + 1] = ffi_str(addr_buf, len)
                end
            end

            if #addrs == 1 then
                srv.addr = addrs[1]
            else
                srv.addr = addrs
            end

            srv.weight = s.weight
            srv.max_fails = s.max_fails
            srv.fail_timeout = s.fail_timeout

            if s.backup ~= 0 then
                srv.backup = true
            end

            if s.down ~= 0 then
                srv.down = true
            end

            servers[i + 1] = srv
        end
    end

    return servers
end


local function get_peers(name, backup)
    local us = find(name)
    if not us then
        return nil, "upstream not found"
    end

    local n = C.mx_ffi_upstream_peer_count(us, backup, errmsg)
    if n < 0 then
        local msg = ffi_str(errmsg[0])
        if backup == 1 and msg == "no backup peers" then
            return {}
        end
        return nil, msg
    end

    local peers = new_tab(n, 0)

    for id = 0, n - 1 do
        if C.mx_ffi_upstream_peer_get(us, backup, id, peer_out, errmsg)
           == FFI_OK
        then
            local p = peer_out[0]
            local peer = new_tab(0, 12)

            peer.id = id
            peer.name = ffi_str(p.name.data, p.name.len)
            peer.weight = p.weight
            peer.current_weight = p.current_weight
            peer.effective_weight = p.effective_weight
            peer.conns = p.conns
            peer.fails = p.fails
            peer.max_fails = p.max_fails
            peer.fail_timeout = p.fail_timeout

            if p.accessed ~= 0 then
                peer.accessed = p.accessed
            end

            if p.checked ~= 0 then
                peer.checked = p.checked
            end

            if p.down ~= 0 then
                peer.down = true
            end

            peers[id + 1] = peer
        end
    end

    return peers
end


function _M.get_primary_peers(...)
    if select("#", ...) ~= 1 then
        error("exactly one argument expected", 2)
    end

    return get_peers(..., 0)
end


function _M.get_backup_peers(...)
    if select("#", ...) ~= 1 then
        error("exactly one argument expected", 2)
    end

    return get_peers(..., 1)
end


function _M.set_peer_down(...)
    if select("#", ...) ~= 4 then
        error("exactly 4 arguments expected", 2)
    end

    local name, is_backup, id, down = ...

    if type(id) ~= "number" then
        local n = tonumber(id)
        if not n then
            error("bad argument #3 to 'set_peer_down' (number expected, got "
                  .. type(id) .. ")", 2)
        end
        id = n
    end

    local us = find(name)
    if not us then
        return nil, "upstream not found"
    end

    local rc = C.mx_ffi_upstream_set_peer_down(us, is_backup and 1 or 0, id,
                                               down and 1 or 0, errmsg)
    if rc ~= FFI_OK then
        return nil, ffi_str(errmsg[0])
    end

    return true
end


function _M.current_upstream_name()
    local r = get_request()
    if not r then
        error("no request found", 2)
    end

    local rc = C.mx_ffi_upstream_current_name(r, str_out, int_out)
    if rc == FFI_OK then
        return group_name(str_out[0], int_out[0])
    end

    if rc == FFI_BAD_CONTEXT then
        error("no request ctx found", 2)
    end

    return nil
end


return _M
