-- ngx.ctx: one table per request, the same in every phase, started
-- afresh by an internal redirect (ngx.exec, error_page...). The tables
-- live in registry.ngx_lua_ctx_tables (as in lua-resty-core), found by a
-- ref the C side keeps in the request's Lua context and releases when
-- the request ends.


local ffi = require "ffi"
local debug = require "debug"
local base = require "resty.core.base"
local misc = require "resty.core.misc"


local C = ffi.C
local error = error
local type = type
local register_getter = misc.register_ngx_magic_key_getter
local register_setter = misc.register_ngx_magic_key_setter
local new_tab = base.new_tab
local ref_in_table = base.ref_in_table
local get_request = base.get_request
local no_request_error = base.no_request_error
local FFI_BAD_CONTEXT = base.FFI_BAD_CONTEXT


ffi.cdef[[
    int mx_ffi_get_ctx_ref(mx_http_request_t *r);
    int mx_ffi_set_ctx_ref(mx_http_request_t *r, int ref);
]]


local _M = {
    _VERSION = base.version
}


local registry = debug.getregistry()

-- a table of our own, so that JIT-compiled code indexes it directly
local ctxs = registry.ngx_lua_ctx_tables
if not ctxs then
    ctxs = {}
    registry.ngx_lua_ctx_tables = ctxs
end


-- init_worker_by_lua* has a ctx of its own, as lua-nginx-module's fake
-- request gives it
local worker_ctx

local function get_ctx_table(ctx)
    local r = get_request()
    if not r then
        if no_request_error(nil) then
            if not worker_ctx then
                worker_ctx = ctx or new_tab(0, 4)
            end

            return worker_ctx
        end

        error("no request found")
    end

    local ref = C.mx_ffi_get_ctx_ref(r)
    if ref == FFI_BAD_CONTEXT then
        error("no request ctx found")
    end

    if ref < 0 then
        if not ctx then
            ctx = new_tab(0, 4)
        end

        ref = ref_in_table(ctxs, ctx)
        C.mx_ffi_set_ctx_ref(r, ref)
        return ctx
    end

    return ctxs[ref]
end
register_getter("ctx", get_ctx_table)
_M.get_ctx_table = get_ctx_table


local function set_ctx_table(ctx)
    local ctx_type = type(ctx)
    if ctx_type ~= "table" then
        error("ctx should be a table while getting a " .. ctx_type)
    end

    local r = get_request()
    if not r then
        error("no request found")
    end

    local ref = C.mx_ffi_get_ctx_ref(r)
    if ref == FFI_BAD_CONTEXT then
        error("no request ctx found")
    end

    if ref < 0 then
        ref = ref_in_table(ctxs, ctx)
        C.mx_ffi_set_ctx_ref(r, ref)
        return
    end

    ctxs[ref] = ctx
end
register_setter("ctx", set_ctx_table)


return _M
