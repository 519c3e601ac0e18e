-- ngx.socket.tcp() (ngx.socket.stream) and ngx.socket.connect(): TCP
-- cosockets with lua-nginx-module's API, return values and messages, over
-- core/lua/mx_lua_socket_tcp.c.
--
-- A socket is a table { <state cdata> } whose methods come from one
-- shared metatable (also at debug.getregistry().__tcp_cosocket_mt, where
-- lua-resty-core's users look for it); the cdata is made by the first
-- connect() or settimeout(), and closes its connection when collected.
--
-- Errors are raised at the caller's level, as the reference's C functions
-- raise them under LuaJIT; argument numbers count as for a method call
-- (sock:receive({}) is "bad argument #1").


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local ngx = ngx
local ffi_new = ffi.new
local ffi_str = ffi.string
local ffi_gc = ffi.gc
local type = type
local error = error
local select = select
local rawget = rawget
local rawset = rawset
local pairs = pairs
local ipairs = ipairs
local tostring = tostring
local tonumber = tonumber
local setmetatable = setmetatable
local floor = math.floor
local ceil = math.ceil
local fmt = string.format
local byte = string.byte
local sub = string.sub
local lower = string.lower
local concat = table.concat
local get_request = base.get_request
local yield_wait = base.yield_wait
local new_tab = base.new_tab
local flatten = base.flatten
local FFI_OK = base.FFI_OK
local FFI_ERROR = base.FFI_ERROR
local FFI_AGAIN = base.FFI_AGAIN
local FFI_DONE = base.FFI_DONE
local FFI_DECLINED = base.FFI_DECLINED
local FFI_BAD_CONTEXT = base.FFI_BAD_CONTEXT


ffi.cdef[[
    typedef struct mx_lua_socket_tcp_s  mx_lua_socket_tcp_t;
    typedef struct mx_lua_socket_pattern_s  mx_lua_socket_pattern_t;

    int mx_ffi_socket_tcp_check(mx_http_request_t *r, const char **err);

    mx_lua_socket_tcp_t *mx_ffi_socket_tcp_new(void);

    int mx_ffi_req_socket(mx_http_request_t *r, int raw,
        mx_lua_socket_tcp_t **sp, const char **err);

    void mx_ffi_socket_tcp_free(mx_lua_socket_tcp_t *s);

    int mx_ffi_socket_tcp_connect(mx_http_request_t *r,
        mx_lua_socket_tcp_t *s, const unsigned char *host, size_t host_len,
        int port, const unsigned char *key, size_t key_len, int pool_size,
        int backlog, const char **err);

    int mx_ffi_socket_tcp_connect_result(mx_http_request_t *r,
        mx_lua_socket_tcp_t *s, const char **err);

    int mx_ffi_socket_tcp_send(mx_http_request_t *r, mx_lua_socket_tcp_t *s,
        const unsigned char *data, size_t len, int bad_arg,
        const char **err);

    int mx_ffi_socket_tcp_send_result(mx_http_request_t *r,
        mx_lua_socket_tcp_t *s, const char **err);

    int mx_ffi_socket_tcp_receive(mx_http_request_t *r,
        mx_lua_socket_tcp_t *s, int mode, size_t size,
        const unsigned char **data, size_t *len, const char **err);

    int mx_ffi_socket_tcp_receive_result(mx_http_request_t *r,
        mx_lua_socket_tcp_t *s, const unsigned char **data, size_t *len,
        const char **err);

    mx_lua_socket_pattern_t *mx_ffi_socket_tcp_pattern_new(
        const unsigned char *pat, size_t len, int inclusive);

    void mx_ffi_socket_tcp_pattern_free(mx_lua_socket_pattern_t *p);

    int mx_ffi_socket_tcp_receive_until(mx_http_request_t *r,
        mx_lua_socket_tcp_t *s, mx_lua_socket_pattern_t *p, size_t size,
        const unsigned char **data, size_t *len, const char **err);

    int mx_ffi_socket_tcp_sslhandshake(mx_http_request_t *r,
        mx_lua_socket_tcp_t *s, void *sess, int reuse,
        const unsigned char *name, size_t name_len, int verify,
        int ocsp_status_req, const char **err);

    int mx_ffi_socket_tcp_sslhandshake_result(mx_http_request_t *r,
        mx_lua_socket_tcp_t *s, void **sess, const char **err, int *code);

    void mx_ffi_socket_tcp_ssl_free_session(void *sess);

    int mx_ffi_socket_tcp_close(mx_http_request_t *r,
        mx_lua_socket_tcp_t *s, const char **err);

    void mx_ffi_socket_tcp_settimeouts(mx_lua_socket_tcp_t *s,
        long connect_timeout, long send_timeout, long read_timeout);

    int mx_ffi_socket_tcp_setkeepalive(mx_http_request_t *r,
        mx_lua_socket_tcp_t *s, long timeout, long pool_size, int bad_arg,
        const char **err);

    int mx_ffi_socket_tcp_getreusedtimes(mx_lua_socket_tcp_t *s);

    int mx_ffi_socket_tcp_setoption(mx_lua_socket_tcp_t *s, int option,
        int value, const char **err);

    int mx_ffi_socket_tcp_getoption(mx_lua_socket_tcp_t *s, int option,
        int *value, const char **err);
]]


-- receive() modes, as in the C header
local RECV_LINE = 0
local RECV_ALL = 1
local RECV_BYTES = 2
local RECV_ANY = 3
local RECV_BAD = 4

local SOCKET_CTX_INDEX = 1

local option_index = {
    ["keepalive"] = 1,
    ["reuseaddr"] = 2,
    ["tcp-nodelay"] = 3,
    ["sndbuf"] = 4,
    ["rcvbuf"] = 5,
}


local errmsg = base.get_errmsg_ptr()
local data_ptr = ffi_new("const unsigned char *[1]")
local len_ptr = ffi_new("size_t[1]")
local int_ptr = ffi_new("int[1]")
local sess_ptr = ffi_new("void *[1]")
local sock_ptr = ffi_new("mx_lua_socket_tcp_t *[1]")

local socket_free = C.mx_ffi_socket_tcp_free
local pattern_free = C.mx_ffi_socket_tcp_pattern_free
local session_free = C.mx_ffi_socket_tcp_ssl_free_session


local mt = new_tab(0, 20)
mt.__index = mt


-- lua_isnumber(): numbers and strings that convert
local function is_number(v)
    local t = type(v)
    return t == "number" or (t == "string" and tonumber(v) ~= nil)
end


-- lua_tointeger(): toward zero. (Never "return floor(v)": a builtin
-- tail-called where a trace began cannot be compiled.)
local function to_integer(v)
    v = tonumber(v)
    if v >= 0 then
        v = floor(v)

    else
        v = ceil(v)
    end

    return v
end


local function check_self(self, fname)
    if type(self) ~= "table" then
        error(fmt("bad argument #1 to '%s' (table expected, got %s)", fname,
                  type(self)), 3)
    end
end


local function check_request()
    local r = get_request()
    if not r then
        error("no request found", 3)
    end

    return r
end


-- the state of a socket, made on first need
local function get_state(self)
    local s = rawget(self, SOCKET_CTX_INDEX)
    if s == nil then
        s = C.mx_ffi_socket_tcp_new()
        if s == nil then
            error("no memory", 3)
        end

        s = ffi_gc(s, socket_free)
        rawset(self, SOCKET_CTX_INDEX, s)
    end

    return s
end


-- Waiting for an operation's outcome. The C side wakes the thread once
-- the outcome is in, so the tail call (a loop) is for a wake-up meant for
-- something else only; a loop in the common path would keep the callers'
-- traces from compiling.

local function connect_wait(r, s)
    yield_wait(r)

    local rc = C.mx_ffi_socket_tcp_connect_result(r, s, errmsg)
    if rc == FFI_AGAIN then
        return connect_wait(r, s)
    end

    return rc
end


-- data: the string being sent, kept alive while C points into it
local function send_wait(r, s, data)
    yield_wait(r)

    local rc = C.mx_ffi_socket_tcp_send_result(r, s, errmsg)
    if rc == FFI_AGAIN then
        return send_wait(r, s, data)
    end

    return rc
end


local function recv_wait(r, s)
    yield_wait(r)

    local rc = C.mx_ffi_socket_tcp_receive_result(r, s, data_ptr, len_ptr,
                                                  errmsg)
    if rc == FFI_AGAIN then
        return recv_wait(r, s)
    end

    return rc
end


local function ssl_wait(r, s)
    yield_wait(r)

    local rc = C.mx_ffi_socket_tcp_sslhandshake_result(r, s, sess_ptr,
                                                       errmsg, int_ptr)
    if rc == FFI_AGAIN then
        return ssl_wait(r, s)
    end

    return rc
end


-- ngx.socket.tcp()

-- The methods take their arguments as "..." to count them as the
-- reference does, and pass them on to a function of fixed arguments: a
-- vararg function is never where a trace begins, and the methods are
-- called from handler code that runs in the interpreter, where an FFI
-- call costs as much as the rest of the method. Being tail calls, these
-- leave no frame: error(msg, 2) in the bodies points at the caller.

local function new_socket()
    local r = check_request()

    if C.mx_ffi_socket_tcp_check(r, errmsg) ~= FFI_OK then
        error(ffi_str(errmsg[0]), 2)
    end

    local sock = new_tab(1, 0)
    setmetatable(sock, mt)

    return sock
end


local function tcp(...)
    local n = select("#", ...)
    if n ~= 0 then
        error("expecting zero arguments, but got " .. n, 2)
    end

    return new_socket()
end


-- sock:connect(host, port?, opts?); n counts the arguments, self included
local function connect_impl(self, n, host, port, arg3)
    local r = check_request()

    if C.mx_ffi_socket_tcp_check(r, errmsg) ~= FFI_OK then
        error(ffi_str(errmsg[0]), 2)
    end

    check_self(self, "connect")

    local th = type(host)

    if th == "number" then
        host = tostring(host)

    elseif th ~= "string" then
        error(fmt("bad argument #1 to 'connect' (string expected, got %s)",
                  th), 2)
    end

    local pool_size = 0
    local backlog = -1
    local key

    -- the options table is the last argument
    local opts
    if n == 4 then
        opts = arg3

    elseif n == 3 then
        opts = port
    end

    if type(opts) == "table" then
        local v = opts.pool_size

        if is_number(v) then
            pool_size = to_integer(v)
            if pool_size <= 0 then
                error(fmt("bad argument #%d to 'connect' (bad \"pool_size\" "
                          .. "option value: %d)", n - 1, pool_size), 2)
            end

        elseif v ~= nil then
            error(fmt("bad argument #%d to 'connect' (bad \"pool_size\" "
                      .. "option type: %s)", n - 1, type(v)), 2)
        end

        v = opts.backlog

        if is_number(v) then
            backlog = to_integer(v)
            if backlog < 0 then
                error(fmt("bad argument #%d to 'connect' (bad \"backlog\" "
                          .. "option value: %d)", n - 1, backlog), 2)
            end

            if pool_size == 0 then
                -- lua_socket_pool_size
                pool_size = -1
            end
        end

        v = opts.pool
        local tv = type(v)

        if tv == "number" then
            key = tostring(v)

        elseif tv == "string" then
            key = v

        elseif v ~= nil then
            error(fmt("bad argument #%d to 'connect' (bad \"pool\" option "
                      .. "type: %s)", n - 1, tv), 2)
        end

        n = n - 1
    end

    if n == 4 then
        n = 3
    end

    if n == 3 and is_number(port) then
        local p = to_integer(port)
        if p < 0 or p > 65535 then
            return nil, "bad port number: " .. p
        end

        -- the C side makes "host:port" when port is the number it prints
        if not key and (p ~= port or p <= 0) then
            key = host .. ":" .. tostring(port)
        end

        port = p

    elseif lower(sub(host, 1, 5)) == "unix:" then
        port = 0

        if not key then
            key = host
        end

    else
        return nil, "missing the port number"
    end

    local s = get_state(self)

    local rc = C.mx_ffi_socket_tcp_connect(r, s, host, #host, port, key,
                                           key and #key or 0, pool_size,
                                           backlog, errmsg)
    if rc == FFI_OK then
        return 1
    end

    if rc == FFI_AGAIN then
        rc = connect_wait(r, s)
        if rc == FFI_OK then
            return 1
        end
    end

    if rc == FFI_BAD_CONTEXT then
        error(ffi_str(errmsg[0]), 2)
    end

    local err = ffi_str(errmsg[0])
    return nil, err
end


function mt.connect(self, ...)
    local n = select("#", ...) + 1
    if n < 2 or n > 4 then
        error(fmt("ngx.socket connect: expecting 2, 3, or 4 arguments "
                  .. "(including the object), but seen %d", n), 2)
    end

    return connect_impl(self, n, ...)
end


-- send()'s array tables, flattened: the string, or nil and the error
local function send_table(data)
    local pieces = new_tab(8, 0)
    local np, bad = flatten(data, pieces, 0)
    if np then
        return concat(pieces, "", 1, np)
    end

    return nil, "bad argument #1 to 'send' (" .. bad .. ")"
end


local function send_impl(self, data)
    local r = check_request()

    check_self(self, "send")

    local t = type(data)
    local bad

    if t == "string" then
        -- as it is

    elseif t == "number" then
        data = tostring(data)

    elseif t == "table" then
        data, bad = send_table(data)

    elseif t == "nil" then
        data = "nil"

    elseif t == "boolean" then
        data = data and "true" or "false"

    else
        bad = fmt("bad argument #1 to 'send' (string, number, boolean, nil, "
                  .. "or array table expected, got %s)", t)
    end

    local s = rawget(self, SOCKET_CTX_INDEX)

    local rc
    if bad then
        rc = C.mx_ffi_socket_tcp_send(r, s, nil, 0, 1, errmsg)

    else
        rc = C.mx_ffi_socket_tcp_send(r, s, data, #data, 0, errmsg)
    end

    if rc == FFI_OK then
        return #data
    end

    if rc == FFI_AGAIN then
        rc = send_wait(r, s, data)
        if rc == FFI_OK then
            return #data
        end
    end

    if rc == FFI_DECLINED then
        error(bad, 2)
    end

    if rc == FFI_BAD_CONTEXT then
        error(ffi_str(errmsg[0]), 2)
    end

    local err = ffi_str(errmsg[0])
    return nil, err
end


function mt.send(self, ...)
    local n = select("#", ...) + 1
    if n ~= 2 then
        error(fmt("expecting 2 arguments (including the object), but got %d",
                  n), 2)
    end

    return send_impl(self, ...)
end


-- What a receive returned, rc from its first call: data, or nil, err[,
-- partial]. Always tail-called from what the user called.
local function recv_result(r, s, rc, bad)
    if rc == FFI_AGAIN then
        rc = recv_wait(r, s)
    end

    if rc == FFI_OK then
        local data = ffi_str(data_ptr[0], len_ptr[0])
        return data
    end

    if rc == FFI_ERROR then
        local err = ffi_str(errmsg[0])

        if data_ptr[0] == nil then
            return nil, err
        end

        local partial = ffi_str(data_ptr[0], len_ptr[0])
        return nil, err, partial
    end

    if rc == FFI_DECLINED then
        error(bad, 2)
    end

    error(ffi_str(errmsg[0]), 2)
end


-- n: 1 without a pattern, 2 with one
local function receive_impl(self, n, pat)
    local r = check_request()

    check_self(self, "receive")

    local mode = RECV_LINE
    local size = 0
    local bad

    if n == 2 then
        local tp = type(pat)

        -- "*l" and "*a" first: no number starts with "*", and tonumber()
        -- of a string would end the trace
        if tp == "string" and byte(pat, 1) == 42 then
            if #pat ~= 2 then
                mode = RECV_BAD
                bad = "bad argument #1 to 'receive' (bad pattern argument: "
                      .. pat .. ")"

            elseif pat == "*a" then
                mode = RECV_ALL

            elseif pat ~= "*l" then
                mode = RECV_BAD
                bad = "bad argument #1 to 'receive' (bad pattern argument)"
            end

        elseif is_number(pat) then
            size = to_integer(pat)

            if size < 0 then
                mode = RECV_BAD
                bad = "bad argument #1 to 'receive' (bad pattern argument)"

            else
                mode = RECV_BYTES
            end

        elseif tp == "string" then
            mode = RECV_BAD
            bad = "bad argument #1 to 'receive' (bad pattern argument: "
                  .. pat .. ")"

        else
            mode = RECV_BAD
            bad = "bad argument #1 to 'receive' (bad pattern argument)"
        end
    end

    local s = rawget(self, SOCKET_CTX_INDEX)

    local rc = C.mx_ffi_socket_tcp_receive(r, s, mode, size, data_ptr,
                                           len_ptr, errmsg)

    return recv_result(r, s, rc, bad)
end


function mt.receive(self, ...)
    local n = select("#", ...) + 1
    if n ~= 1 and n ~= 2 then
        error(fmt("expecting 1 or 2 arguments (including the object), but "
                  .. "got %d", n), 2)
    end

    return receive_impl(self, n, ...)
end


local function receiveany_impl(self, max)
    local r = check_request()

    check_self(self, "receiveany")

    local mode = RECV_ANY
    local size = 0
    local bad

    if is_number(max) then
        size = to_integer(max)
    end

    if size <= 0 then
        mode = RECV_BAD
        bad = "bad argument #1 to 'receiveany' (bad max argument)"
        size = 0
    end

    local s = rawget(self, SOCKET_CTX_INDEX)

    local rc = C.mx_ffi_socket_tcp_receive(r, s, mode, size, data_ptr,
                                           len_ptr, errmsg)

    return recv_result(r, s, rc, bad)
end


function mt.receiveany(self, ...)
    local n = select("#", ...) + 1
    if n ~= 2 then
        error(fmt("expecting 2 arguments (including the object), but got %d",
                  n), 2)
    end

    return receiveany_impl(self, ...)
end


-- a call of a receiveuntil() iterator; nargs: its argument count
local function until_impl(self, p, nargs, v)
    local size = 0

    if nargs == 1 then
        if not is_number(v) then
            error(fmt("bad argument #1 to '?' (number expected, got %s)",
                      type(v)), 2)
        end

        size = to_integer(v)
        if size < 0 then
            size = 0
        end
    end

    local s = rawget(self, SOCKET_CTX_INDEX)
    local r = get_request()

    local rc = C.mx_ffi_socket_tcp_receive_until(r, s, p, size, data_ptr,
                                                 len_ptr, errmsg)
    if rc == FFI_DONE then
        return nil, nil, nil
    end

    return recv_result(r, s, rc)
end


function mt.receiveuntil(self, ...)
    local n = select("#", ...) + 1
    if n ~= 2 and n ~= 3 then
        error(fmt("expecting 2 or 3 arguments (including the object), but "
                  .. "got %d", n), 2)
    end

    local pat, opts = ...
    local inclusive = 0

    if n == 3 then
        if type(opts) ~= "table" then
            error(fmt("bad argument #2 to 'receiveuntil' (table expected, "
                      .. "got %s)", type(opts)), 2)
        end

        local v = opts.inclusive
        local tv = type(v)

        if tv == "boolean" then
            if v then
                inclusive = 1
            end

        elseif v ~= nil then
            error("bad \"inclusive\" option value type: " .. tv, 2)
        end
    end

    check_request()

    check_self(self, "receiveuntil")

    local tp = type(pat)
    if tp == "number" then
        pat = tostring(pat)

    elseif tp ~= "string" then
        error(fmt("bad argument #1 to 'receiveuntil' (string expected, got "
                  .. "%s)", tp), 2)
    end

    if #pat == 0 then
        return nil, "pattern is empty"
    end

    local p = C.mx_ffi_socket_tcp_pattern_new(pat, #pat, inclusive)
    if p == nil then
        error("no memory", 2)
    end

    p = ffi_gc(p, pattern_free)

    return function (...)
        local nargs = select("#", ...)
        if nargs > 1 then
            error(fmt("expecting 0 or 1 arguments, but seen %d", nargs), 2)
        end

        return until_impl(self, p, nargs, ...)
    end
end


-- sock:sslhandshake(reused_session?, server_name?, ssl_verify?,
-- send_status_req?): the session (a cdata to resume later), true when
-- reused_session is false, or nil, err ("19: self-signed certificate in
-- certificate chain" for a failed verification)
local function sslhandshake_impl(self, reused_session, server_name,
                                 ssl_verify, send_status_req)
    local r = check_request()

    local s = type(self) == "table" and rawget(self, SOCKET_CTX_INDEX)
    if not s then
        error("socket is never created nor connected", 2)
    end

    local sess = nil
    if type(reused_session) == "cdata" then
        sess = reused_session
    end

    local name, name_len
    if server_name then
        name = tostring(server_name)
        name_len = #name
    end

    local rc = C.mx_ffi_socket_tcp_sslhandshake(r, s, sess,
                                                reused_session ~= false
                                                and 1 or 0,
                                                name, name_len or 0,
                                                ssl_verify and 1 or 0,
                                                send_status_req and 1 or 0,
                                                errmsg)

    if rc == FFI_AGAIN then
        rc = ssl_wait(r, s)

    elseif rc == FFI_OK then
        rc = C.mx_ffi_socket_tcp_sslhandshake_result(r, s, sess_ptr, errmsg,
                                                     int_ptr)

    elseif rc == FFI_DONE then
        return reused_session

    elseif rc == FFI_DECLINED then
        error("socket is never created nor connected", 2)

    elseif rc == FFI_BAD_CONTEXT then
        error(ffi_str(errmsg[0]), 2)

    else
        local err = ffi_str(errmsg[0])
        return nil, err
    end

    if rc == FFI_OK then
        local sp = sess_ptr[0]
        sess_ptr[0] = nil

        if reused_session == false then
            if sp ~= nil then
                session_free(sp)
            end

            return true
        end

        if sp == nil then
            return nil
        end

        sp = ffi_gc(sp, session_free)
        return sp
    end

    if int_ptr[0] ~= 0 then
        return nil, int_ptr[0] .. ": " .. ffi_str(errmsg[0])
    end

    local err = ffi_str(errmsg[0])
    return nil, err
end


function mt.sslhandshake(self, ...)
    local n = select("#", ...)
    if self == nil or n > 4 then
        error(fmt("ngx.socket sslhandshake: expecting 1 ~ 5 arguments "
                  .. "(including the object), but seen %d",
                  self == nil and 0 or n + 1), 2)
    end

    return sslhandshake_impl(self, ...)
end


local function close_impl(self)
    local r = check_request()

    check_self(self, "close")

    local rc = C.mx_ffi_socket_tcp_close(r, rawget(self, SOCKET_CTX_INDEX),
                                         errmsg)
    if rc == FFI_OK then
        return 1
    end

    if rc == FFI_BAD_CONTEXT then
        error(ffi_str(errmsg[0]), 2)
    end

    local err = ffi_str(errmsg[0])
    return nil, err
end


function mt.close(self, ...)
    local n = select("#", ...) + 1
    if n ~= 1 then
        error(fmt("expecting 1 argument (including the object) but seen %d",
                  n), 2)
    end

    return close_impl(self)
end


-- lua_tonumber() into ngx_int_t, then the reference's "timeout >> 31"
local function check_timeout(v)
    v = tonumber(v) or 0
    if v >= 0 then
        v = floor(v)

    else
        v = ceil(v)
    end

    if v < 0 or v >= 2147483648 then
        error("bad timeout value", 3)
    end

    return v
end


local function settimeout_impl(self, t)
    t = check_timeout(t)

    check_self(self, "settimeout")

    C.mx_ffi_socket_tcp_settimeouts(get_state(self), t, t, t)
end


function mt.settimeout(self, ...)
    local n = select("#", ...) + 1
    if n ~= 2 then
        error(fmt("ngx.socket settimeout: expecting 2 arguments (including "
                  .. "the object) but seen %d", n), 2)
    end

    return settimeout_impl(self, ...)
end


local function settimeouts_impl(self, connect_timeout, send_timeout,
                                read_timeout)
    connect_timeout = check_timeout(connect_timeout)
    send_timeout = check_timeout(send_timeout)
    read_timeout = check_timeout(read_timeout)

    check_self(self, "settimeouts")

    C.mx_ffi_socket_tcp_settimeouts(get_state(self), connect_timeout,
                                    send_timeout, read_timeout)
end


function mt.settimeouts(self, ...)
    local n = select("#", ...) + 1
    if n ~= 4 then
        error(fmt("ngx.socket settimeout: expecting 4 arguments (including "
                  .. "the object) but seen %d", n), 2)
    end

    return settimeouts_impl(self, ...)
end


local function setkeepalive_impl(self, timeout, size)
    check_self(self, "setkeepalive")

    local s = rawget(self, SOCKET_CTX_INDEX)
    if s == nil then
        return nil, "closed"
    end

    local bad

    if timeout == nil then
        timeout = -1

    elseif is_number(timeout) then
        timeout = to_integer(timeout)
        if timeout < 0 then
            timeout = 0
        end

    else
        bad = fmt("bad argument #1 to 'setkeepalive' (number expected, got "
                  .. "%s)", type(timeout))
    end

    if size == nil then
        size = -1

    elseif is_number(size) then
        size = to_integer(size)

        if size <= 0 and not bad then
            bad = fmt("bad argument #2 to 'setkeepalive' (bad \"pool_size\" "
                      .. "option value: %d)", size)
        end

    elseif not bad then
        bad = fmt("bad argument #2 to 'setkeepalive' (number expected, got "
                  .. "%s)", type(size))
    end

    local r = get_request()

    local rc
    if bad then
        rc = C.mx_ffi_socket_tcp_setkeepalive(r, s, 0, 0, 1, errmsg)

    else
        rc = C.mx_ffi_socket_tcp_setkeepalive(r, s, timeout, size, 0, errmsg)
    end

    if rc == FFI_OK then
        return 1
    end

    if rc == FFI_DECLINED then
        error(bad, 2)
    end

    if rc == FFI_BAD_CONTEXT then
        error(ffi_str(errmsg[0]), 2)
    end

    local err = ffi_str(errmsg[0])
    return nil, err
end


function mt.setkeepalive(self, ...)
    local n = select("#", ...) + 1
    if n < 1 or n > 3 then
        error(fmt("expecting 1 to 3 arguments (including the object), but "
                  .. "got %d", n), 2)
    end

    return setkeepalive_impl(self, ...)
end


local function getreusedtimes_impl(self)
    check_self(self, "getreusedtimes")

    local s = rawget(self, SOCKET_CTX_INDEX)
    if s == nil then
        return nil, "closed"
    end

    local times = C.mx_ffi_socket_tcp_getreusedtimes(s)
    if times < 0 then
        return nil, "closed"
    end

    return times
end


function mt.getreusedtimes(self, ...)
    local n = select("#", ...) + 1
    if n ~= 1 then
        error(fmt("expecting 1 argument (including the object), but got %d",
                  n), 2)
    end

    return getreusedtimes_impl(self)
end


-- lua-resty-core's getoption/setoption (resty.core.socket)
local function get_tcp_socket(cosocket)
    local s = rawget(cosocket, SOCKET_CTX_INDEX)
    if not s then
        error("socket is never created nor connected", 3)
    end

    return s
end


function mt.getoption(self, option)
    local s = get_tcp_socket(self)

    if option == nil then
        return nil, 'missing the "option" argument'
    end

    local opt = option_index[option]
    if opt == nil then
        return nil, "unsupported option " .. tostring(option)
    end

    if C.mx_ffi_socket_tcp_getoption(s, opt, int_ptr, errmsg) ~= FFI_OK then
        return nil, ffi_str(errmsg[0])
    end

    return tonumber(int_ptr[0])
end


function mt.setoption(self, option, value)
    local s = get_tcp_socket(self)

    if option == nil then
        return nil, 'missing the "option" argument'
    end

    if value == nil then
        return nil, 'missing the "value" argument'
    end

    local opt = option_index[option]
    if opt == nil then
        return nil, "unsupported option " .. tostring(option)
    end

    if C.mx_ffi_socket_tcp_setoption(s, opt, value, errmsg) ~= FFI_OK then
        return nil, ffi_str(errmsg[0])
    end

    return true
end


-- ngx.socket.connect(...): tcp() and connect() at once
local function connect(...)
    local sock = tcp()

    local ok, err = sock:connect(...)
    if not ok then
        return nil, err
    end

    return sock
end


-- ngx.req.socket(raw?): the methods of the reference's request sockets,
-- read-only for the body, both ways for the raw connection
local req_mt = new_tab(0, 6)
local raw_req_mt = new_tab(0, 8)

for _, name in ipairs({ "receive", "receiveany", "receiveuntil",
                        "settimeout", "settimeouts" })
do
    req_mt[name] = mt[name]
    raw_req_mt[name] = mt[name]
end

raw_req_mt.send = mt.send
req_mt.__index = req_mt
raw_req_mt.__index = raw_req_mt


local function req_socket(...)
    local n = select("#", ...)
    if n > 1 then
        error("expecting zero arguments, but got " .. n, 2)
    end

    local raw = ...

    local r = get_request()
    if not r then
        error("no request found", 2)
    end

    local rc = C.mx_ffi_req_socket(r, raw and 1 or 0, sock_ptr, errmsg)
    if rc == FFI_BAD_CONTEXT then
        error(ffi_str(errmsg[0]), 2)
    end

    if rc ~= FFI_OK then
        return nil, ffi_str(errmsg[0])
    end

    local s = ffi_gc(sock_ptr[0], socket_free)
    sock_ptr[0] = nil

    local sock = new_tab(5, 1)
    rawset(sock, SOCKET_CTX_INDEX, s)

    return setmetatable(sock, raw and raw_req_mt or req_mt)
end


local req = ngx.req
if not req then
    req = {}
    ngx.req = req
end

req.socket = req_socket


local socket = ngx.socket
if not socket then
    socket = {}
    ngx.socket = socket
end

socket.tcp = tcp
socket.stream = tcp
socket.connect = connect


do
    local ok, debug = pcall(require, "debug")
    if ok and debug and debug.getregistry then
        debug.getregistry().__tcp_cosocket_mt = mt
    end
end


return {
    version = base.version
}
