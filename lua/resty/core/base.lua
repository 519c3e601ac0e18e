-- What every module of the ngx API shares: the FFI types, finding the
-- current request, reusable C buffers, the C return codes.
--
-- Same interface as lua-resty-core's resty.core.base, so that code
-- written against it keeps working.


local ffi = require "ffi"
local exdata = require "thread.exdata"


local ffi_new = ffi.new
local C = ffi.C
local pcall = pcall
local pairs = pairs
local rawget = rawget
local tostring = tostring
local type = type
local error = error
local select = select
local ceil = math.ceil
local subsystem = ngx.config and ngx.config.subsystem or "http"


local ok, new_tab = pcall(require, "table.new")
if not ok then
    new_tab = function (narr, nrec) return {} end
end


local clear_tab
ok, clear_tab = pcall(require, "table.clear")
if not ok then
    local pairs = pairs
    clear_tab = function (tab)
        for k in pairs(tab) do
            tab[k] = nil
        end
    end
end


-- declared once for the whole API; see core/lua/mx_lua_ffi.h
ffi.cdef[[
    typedef struct mx_http_request_s  mx_http_request_t;

    typedef struct {
        int                    len;
        const unsigned char   *data;
    } mx_ffi_str_t;

    typedef struct {
        mx_ffi_str_t           key;
        mx_ffi_str_t           value;
    } mx_ffi_table_elt_t;
]]


-- lua-resty-core's type names, for code that declares its own cdata
if not pcall(ffi.typeof, "ngx_str_t") then
    ffi.cdef[[
        typedef struct {
            size_t                 len;
            const unsigned char   *data;
        } ngx_str_t;
    ]]
end

if not pcall(ffi.typeof, "ngx_http_request_t") then
    ffi.cdef[[
        typedef struct mx_http_request_s  ngx_http_request_t;
    ]]
end

if not pcall(ffi.typeof, "ngx_http_lua_ffi_str_t") then
    ffi.cdef[[
        typedef mx_ffi_str_t  ngx_http_lua_ffi_str_t;
    ]]
end


local c_buf_type = ffi.typeof("char[?]")
local str_buf_size = 4096
local str_buf
local size_ptr
local errmsg
local FREE_LIST_REF = 0


local _M = new_tab(0, 24)


_M.version = "0.1.28"
_M.new_tab = new_tab
_M.clear_tab = clear_tab


-- the C codes, nginx's numbers (core/util/mx_core.h)
_M.FFI_OK = 0
_M.FFI_ERROR = -1
_M.FFI_AGAIN = -2
_M.FFI_BUSY = -3
_M.FFI_DONE = -4
_M.FFI_DECLINED = -5
_M.FFI_BAD_CONTEXT = -100
_M.FFI_NO_REQ_CTX = -100


-- the request is the entry thread's exdata, inherited by the coroutines
-- it creates; reading it compiles to a load in JIT-ed code
local function get_request()
    local r = exdata()
    if r ~= nil then
        return r
    end
end
_M.get_request = get_request


-- lua-nginx-module's error for an API refused in a context, by the
-- MX_LUA_CONTEXT_* number (core/lua/mx_lua_module.h)
local context_errors = {
    [0x0001] = "API disabled in the context of set_by_lua*",
    [0x0002] = "API disabled in the context of rewrite_by_lua*",
    [0x0004] = "API disabled in the context of access_by_lua*",
    [0x0008] = "API disabled in the context of content_by_lua*",
    [0x0010] = "API disabled in the context of log_by_lua*",
    [0x0020] = "API disabled in the context of header_filter_by_lua*",
    [0x0040] = "API disabled in the context of body_filter_by_lua*",
    [0x0080] = "API disabled in the context of ngx.timer",
    [0x0100] = "API disabled in the context of init_worker_by_lua*",
    [0x0200] = "API disabled in the context of balancer_by_lua*",
    [0x0400] = "API disabled in the context of ssl_certificate_by_lua*",
    [0x0800] = "API disabled in the context of ssl_session_store_by_lua*",
    [0x1000] = "API disabled in the context of ssl_session_fetch_by_lua*",
    [0x2000] = "API disabled in the context of exit_worker_by_lua*",
}

function _M.context_error(context)
    return context_errors[context] or "API disabled in the current context"
end


-- The error for a request API called without a request: in
-- init_worker_by_lua* and exit_worker_by_lua* it is lua-nginx-module's
-- "API disabled in the context of ...", elsewhere (init_by_lua*) msg.
local request_less_contexts = {
    [0x0100] = context_errors[0x0100],
    [0x2000] = context_errors[0x2000],
}

function _M.no_request_error(msg)
    return request_less_contexts[C.mx_ffi_get_phase(nil)] or msg
end


-- Yielding to the phase runner (core/lua/mx_lua_coroutine.c). The C side
-- is told why first (a wait, ngx.exit, ngx.exec...); the yield carries
-- this sentinel so that resty.core.coroutine passes it up through the
-- coroutines the handler made itself, to the entry thread.
local YIELD = {}
local co_yield = coroutine._yield or coroutine.yield

_M.YIELD = YIELD


ffi.cdef[[
    int mx_ffi_yield_wait(mx_http_request_t *r, const char **err);
]]


-- to the runner, for what the C side recorded (ngx.exit, ngx.exec...)
function _M.yield_runner()
    return co_yield(YIELD)
end


-- An FFI call returned ngx.AGAIN and will call mx_http_lua_wakeup(r) when
-- it can go on: the running coroutine waits for it (other requests run
-- meanwhile). Returns when woken; the caller retries or collects the
-- result. Raises where Lua cannot wait (filters, log, set_by_lua*...).
function _M.yield_wait(r)
    if r == nil then
        r = get_request()
        if r == nil then
            error("no request found", 2)
        end
    end

    if not errmsg then
        errmsg = ffi_new("const char *[1]")
    end

    local rc = C.mx_ffi_yield_wait(r, errmsg)
    if rc ~= 0 then
        error(ffi.string(errmsg[0]), 2)
    end

    return co_yield(YIELD)
end


function _M.get_errmsg_ptr()
    if not errmsg then
        errmsg = ffi_new("const char *[1]")
    end

    return errmsg
end


function _M.set_string_buf_size(size)
    if size <= 0 then
        return
    end

    if str_buf then
        str_buf = nil
    end

    str_buf_size = ceil(size)
end


function _M.get_string_buf_size()
    return str_buf_size
end


function _M.get_size_ptr()
    if not size_ptr then
        size_ptr = ffi_new("size_t[1]")
    end

    return size_ptr
end


-- a scratch C buffer; the shared one is reused by every caller, so its
-- contents are only valid until the next call
function _M.get_string_buf(size, must_alloc)
    if size > str_buf_size or must_alloc then
        return ffi_new(c_buf_type, size)
    end

    if not str_buf then
        str_buf = ffi_new(c_buf_type, str_buf_size)
    end

    return str_buf
end


function _M.ref_in_table(tb, key)
    if key == nil then
        return -1
    end

    local ref = tb[FREE_LIST_REF]
    if ref and ref ~= 0 then
        tb[FREE_LIST_REF] = tb[ref]

    else
        ref = #tb + 1
    end

    tb[ref] = key

    return ref
end


function _M.allows_subsystem(...)
    local total = select("#", ...)

    for i = 1, total do
        if select(i, ...) == subsystem then
            return
        end
    end

    error("unsupported subsystem: " .. subsystem, 2)
end


-- The array tables the sockets' send() takes (nested arrays of strings
-- and numbers), flattened into out[n + 1...]: the new count, or nil and
-- what is wrong ("non-array table found", "bad data type T found").
local function flatten(t, out, n)
    local max = 0

    for k in pairs(t) do
        if type(k) ~= "number" or k < 1 or k % 1 ~= 0 then
            return nil, "non-array table found"
        end

        if k > max then
            max = k
        end
    end

    for i = 1, max do
        local v = rawget(t, i)
        local tv = type(v)
        local err

        if tv == "string" then
            n = n + 1
            out[n] = v

        elseif tv == "number" then
            n = n + 1
            out[n] = tostring(v)

        elseif tv == "table" then
            n, err = flatten(v, out, n)
            if not n then
                return nil, err
            end

        else
            return nil, "bad data type " .. tv .. " found"
        end
    end

    return n
end

_M.flatten = flatten


return _M
