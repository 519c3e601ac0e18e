-- ngx.socket.udp(): datagram cosockets over core/lua/mx_lua_socket_udp.c,
-- with lua-nginx-module's arguments, results and error messages.
--
-- An object is a table sharing one metatable, like the reference's:
-- [1] holds the C state once setpeername() made it (a cdata that closes
-- its descriptor when collected), [2] the settimeout() value.


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local ngx = ngx
local ffi_gc = ffi.gc
local ffi_new = ffi.new
local ffi_str = ffi.string
local type = type
local error = error
local pairs = pairs
local rawget = rawget
local rawset = rawset
local select = select
local tostring = tostring
local tonumber = tonumber
local setmetatable = setmetatable
local floor = math.floor
local fmt = string.format
local concat = table.concat
local new_tab = base.new_tab
local flatten = base.flatten
local get_request = base.get_request
local no_request_error = base.no_request_error
local yield_wait = base.yield_wait
local FFI_OK = base.FFI_OK
local FFI_AGAIN = base.FFI_AGAIN
local FFI_BAD_CONTEXT = base.FFI_BAD_CONTEXT


ffi.cdef[[
    typedef struct mx_lua_socket_udp_s  mx_lua_socket_udp_t;

    int mx_ffi_socket_udp_check(mx_http_request_t *r, const char **err);

    mx_lua_socket_udp_t *mx_ffi_socket_udp_new(void);

    void mx_ffi_socket_udp_free(mx_lua_socket_udp_t *u);

    int mx_ffi_socket_udp_setpeername(mx_http_request_t *r,
        mx_lua_socket_udp_t *u, const unsigned char *host, size_t len,
        int port, long timeout, const char **err);

    int mx_ffi_socket_udp_resolved(mx_http_request_t *r,
        mx_lua_socket_udp_t *u, const char **err);

    int mx_ffi_socket_udp_send(mx_http_request_t *r, mx_lua_socket_udp_t *u,
        const unsigned char *data, size_t len, const char **err);

    int mx_ffi_socket_udp_receive(mx_http_request_t *r,
        mx_lua_socket_udp_t *u, int resumed, unsigned char *buf,
        size_t size, size_t *n, const char **err);

    void mx_ffi_socket_udp_settimeout(mx_lua_socket_udp_t *u, long timeout);

    int mx_ffi_socket_udp_close(mx_http_request_t *r,
        mx_lua_socket_udp_t *u, const char **err);
]]


local SOCKET_CTX_INDEX = 1
local SOCKET_TIMEOUT_INDEX = 2

-- MX_LUA_SOCKET_UDP_MAX_DATAGRAM
local MAX_DATAGRAM = 65536

local errmsg = base.get_errmsg_ptr()
local size_ptr = ffi_new("size_t[1]")
local recv_buf


local mt = new_tab(0, 6)
mt.__index = mt


-- luaL_checktype()'s words for the object, raised at the method's caller
local function check_self(self, fname)
    if type(self) ~= "table" then
        error(fmt("bad argument #1 to '%s' (table expected, got %s)", fname,
                  type(self)), 3)
    end
end


local function udp(...)
    local n = select("#", ...)
    if n ~= 0 then
        error("expecting zero arguments, but got " .. n, 2)
    end

    local r = get_request()
    if not r then
        error(no_request_error("no request found"), 2)
    end

    if C.mx_ffi_socket_udp_check(r, errmsg) ~= FFI_OK then
        error(ffi_str(errmsg[0]), 2)
    end

    local ret = setmetatable(new_tab(3, 1), mt)
    return ret
end


function mt.setpeername(...)
    local n = select("#", ...)
    if n ~= 2 and n ~= 3 then
        error("ngx.socket.udp setpeername: expecting 2 or 3 arguments "
              .. "(including the object), but seen " .. n, 2)
    end

    local r = get_request()
    if not r then
        error(no_request_error("no request found"), 2)
    end

    if C.mx_ffi_socket_udp_check(r, errmsg) ~= FFI_OK then
        error(ffi_str(errmsg[0]), 2)
    end

    local self, host, port = ...

    check_self(self, "setpeername")

    local typ = type(host)
    if typ == "number" then
        host = tostring(host)

    elseif typ ~= "string" then
        error("bad argument #1 to 'setpeername' (string expected, got "
              .. typ .. ")", 2)
    end

    if n == 3 then
        local num = tonumber(port)
        if num == nil then
            error("bad argument #2 to 'setpeername' (number expected, got "
                  .. type(port) .. ")", 2)
        end

        -- lua_Integer: towards zero
        if num >= 0 then
            port = floor(num)
        else
            port = -floor(-num)
        end

        if port < 0 or port > 65535 then
            return nil, fmt("bad port number: %d", port)
        end

    else
        port = 0
    end

    local u = rawget(self, SOCKET_CTX_INDEX)
    if type(u) ~= "cdata" then
        u = C.mx_ffi_socket_udp_new()
        if u == nil then
            error("no memory", 2)
        end

        u = ffi_gc(u, C.mx_ffi_socket_udp_free)
        rawset(self, SOCKET_CTX_INDEX, u)
    end

    local timeout = tonumber(rawget(self, SOCKET_TIMEOUT_INDEX)) or 0

    local rc = C.mx_ffi_socket_udp_setpeername(r, u, host, #host, port,
                                               timeout, errmsg)
    if rc == FFI_AGAIN then
        -- a name: the resolver answers, then we connect
        yield_wait(r)
        rc = C.mx_ffi_socket_udp_resolved(r, u, errmsg)
    end

    if rc == FFI_OK then
        return 1
    end

    if rc == FFI_BAD_CONTEXT then
        error(ffi_str(errmsg[0]), 2)
    end

    return nil, ffi_str(errmsg[0])
end




-- what send() makes of a value other than a string, or nil and the
-- argument error
local function tostr(data, typ)
    if typ == "number" then
        -- integers the way nginx prints them ("%d"), so -0 is "0"
        if data >= -2147483648 and data <= 2147483647
           and floor(data) == data
        then
            local ret = fmt("%d", data)
            return ret
        end

        local ret = tostring(data)
        return ret
    end

    if typ == "table" then
        local pieces = {}
        local n, err = flatten(data, pieces, 0)
        if not n then
            return nil, err
        end

        local ret = concat(pieces, "", 1, n)
        return ret
    end

    if typ == "nil" then
        return "nil"
    end

    if typ == "boolean" then
        return data and "true" or "false"
    end

    return nil, "string, number, boolean, nil, or array table expected, "
                .. "got " .. typ
end


function mt.send(...)
    local n = select("#", ...)
    if n ~= 2 then
        error("expecting 2 arguments (including the object), but got " .. n,
              2)
    end

    local r = get_request()
    if not r then
        error(no_request_error("request object not found"), 2)
    end

    local self, data = ...

    check_self(self, "send")

    local u = rawget(self, SOCKET_CTX_INDEX)
    local rc

    local typ = type(data)
    if typ ~= "string" then
        -- the state is checked before the data, as the reference does
        rc = C.mx_ffi_socket_udp_send(r, u, nil, 0, errmsg)
        if rc ~= FFI_OK then
            if rc == FFI_BAD_CONTEXT then
            error(ffi_str(errmsg[0]), 2)
        end

        return nil, ffi_str(errmsg[0])
        end

        local err
        data, err = tostr(data, typ)
        if not data then
            error("bad argument #1 to 'send' (" .. err .. ")", 2)
        end
    end

    rc = C.mx_ffi_socket_udp_send(r, u, data, #data, errmsg)
    if rc == FFI_OK then
        return 1
    end

    if rc == FFI_BAD_CONTEXT then
        error(ffi_str(errmsg[0]), 2)
    end

    return nil, ffi_str(errmsg[0])
end


function mt.receive(...)
    local n = select("#", ...)
    if n ~= 1 and n ~= 2 then
        error("expecting 1 or 2 arguments (including the object), but got "
              .. n, 2)
    end

    local r = get_request()
    if not r then
        error(no_request_error("no request found"), 2)
    end

    local self, size = ...

    check_self(self, "receive")

    local u = rawget(self, SOCKET_CTX_INDEX)
    local rc

    if size == nil then
        size = MAX_DATAGRAM

    else
        local num = tonumber(size)
        if num == nil then
            -- a closed socket says so before the argument is looked at
            rc = C.mx_ffi_socket_udp_receive(r, u, 0, nil, 0, size_ptr,
                                             errmsg)
            if rc ~= FFI_OK then
                if rc == FFI_BAD_CONTEXT then
            error(ffi_str(errmsg[0]), 2)
        end

        return nil, ffi_str(errmsg[0])
            end

            error("bad argument #1 to 'receive' (number expected, got "
                  .. type(size) .. ")", 2)
        end

        -- the reference's (size_t) cast, then its bound
        if num >= 0 then
            size = num >= MAX_DATAGRAM and MAX_DATAGRAM or floor(num)

        elseif num > -1 then
            size = 0

        else
            size = MAX_DATAGRAM
        end
    end

    if not recv_buf then
        recv_buf = ffi_new("unsigned char[?]", MAX_DATAGRAM)
    end

    local resumed = 0

    while true do
        rc = C.mx_ffi_socket_udp_receive(r, u, resumed, recv_buf, size,
                                         size_ptr, errmsg)
        if rc == FFI_OK then
            local ret = ffi_str(recv_buf, size_ptr[0])
            return ret
        end

        if rc ~= FFI_AGAIN then
            if rc == FFI_BAD_CONTEXT then
            error(ffi_str(errmsg[0]), 2)
        end

        return nil, ffi_str(errmsg[0])
        end

        -- woken by a datagram, an error on the socket or the timeout
        yield_wait(r)
        resumed = 1
    end
end


function mt.settimeout(...)
    local n = select("#", ...)
    if n ~= 2 then
        error("ngx.socket settimeout: expecting at least 2 arguments "
              .. "(including the object) but seen " .. n, 2)
    end

    local self, timeout = ...

    check_self(self, "settimeout")

    rawset(self, SOCKET_TIMEOUT_INDEX, timeout)

    local u = rawget(self, SOCKET_CTX_INDEX)
    if type(u) == "cdata" then
        C.mx_ffi_socket_udp_settimeout(u, tonumber(timeout) or 0)
    end
end


function mt.close(...)
    local n = select("#", ...)
    if n ~= 1 then
        error("expecting 1 argument (including the object) but seen " .. n,
              2)
    end

    local r = get_request()
    if not r then
        error(no_request_error("no request found"), 2)
    end

    local self = ...

    check_self(self, "close")

    local rc = C.mx_ffi_socket_udp_close(r, rawget(self, SOCKET_CTX_INDEX),
                                         errmsg)
    if rc == FFI_OK then
        return 1
    end

    if rc == FFI_BAD_CONTEXT then
        error(ffi_str(errmsg[0]), 2)
    end

    return nil, ffi_str(errmsg[0])
end


local socket = ngx.socket
if not socket then
    socket = {}
    ngx.socket = socket
end

socket.udp = udp


return {
    version = base.version
}
