-- ngx.log(level, ...) and print(...), lua-nginx-module's format:
--   [lua] FILE:LINE: [FUNC(): ]MSG
-- written through the request's connection log, so the core appends
-- ", client: ..., server: ..., request: ..." to the line.


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local ngx = ngx
local type = type
local select = select
local error = error
local tostring = tostring
local tonumber = tonumber
local getmetatable = getmetatable
local floor = math.floor
local concat = table.concat
local getinfo = debug.getinfo
local find = string.find
local sub = string.sub
local fmt = string.format
local null = ngx.null
local get_request = base.get_request
local new_tab = base.new_tab


local NOTICE = 6


ffi.cdef[[
    int mx_ffi_log_level(mx_http_request_t *r);
    int mx_ffi_log(mx_http_request_t *r, int level,
        const unsigned char *msg, size_t len);
]]


local function arg_to_str(v, i, fname)
    local t = type(v)

    if t == "string" then
        return v
    end

    if t == "number" then
        -- through a local: a trace cannot return from a tail call to a builtin
        local ret = tostring(v)
        return ret
    end

    if t == "nil" then
        return "nil"
    end

    if t == "boolean" then
        return v and "true" or "false"
    end

    if t == "table" then
        local mt = getmetatable(v)
        if mt and mt.__tostring then
            local ret = tostring(v)
            return ret
        end

        -- level 4: arg_to_str, write, ngx.log/print, their caller
        error(fmt("bad argument #%d to '%s' (expected table to have "
                  .. "__tostring metamethod)", i, fname), 4)
    end

    if v == null then
        return "null"
    end

    error(fmt("bad argument #%d to '%s' (string, number, boolean, or nil "
              .. "expected, got %s)", i, fname, t), 4)
end


-- level 3 of the stack is whoever called ngx.log or print
local function write(r, level, fname, ...)
    local ar = getinfo(3, "Sln")
    local prefix

    if ar then
        local src = ar.short_src or ""

        -- the basename
        local from = 1
        while true do
            local s = find(src, "[/\\]", from)
            if not s then
                break
            end

            from = s + 1
        end

        if from > 1 then
            src = sub(src, from)
        end

        local line = ar.currentline
        if line == 0 then
            line = ar.linedefined
        end

        if ar.namewhat ~= "" and ar.what == "Lua" then
            prefix = src .. ":" .. line .. ": " .. tostring(ar.name) .. "(): "

        else
            prefix = src .. ":" .. line .. ": "
        end

    else
        prefix = "?:0: "
    end

    local n = select("#", ...)
    local msg

    if n == 1 then
        msg = prefix .. arg_to_str((...), 1, fname)

    elseif n == 0 then
        msg = prefix

    else
        local parts = new_tab(n + 1, 0)
        parts[1] = prefix

        for i = 1, n do
            parts[i + 1] = arg_to_str((select(i, ...)), i, fname)
        end

        msg = concat(parts, "", 1, n + 1)
    end

    C.mx_ffi_log(r, level, msg, #msg)
end


-- The level argument checked and compared with the log's: the level and
-- the request when the message is to be written, nil when it is filtered
-- out. Apart from ngx.log, a vararg function (never compiled on its own),
-- so that the common case runs compiled.
local function log_level(level, nargs)
    if type(level) ~= "number" then
        local l = tonumber(level)
        if not l then
            -- level 3: log_level, ngx.log, its caller
            error(fmt("bad argument #1 to 'log' (number expected, got %s)",
                      nargs == 0 and "no value" or type(level)), 3)
        end

        level = l
    end

    level = floor(level)

    if level < 0 or level > 8 then
        error(fmt("bad argument #1 to 'log' (bad log level: %d)", level), 3)
    end

    local r = get_request()

    if level > C.mx_ffi_log_level(r) then
        return nil
    end

    return level, r
end


function ngx.log(...)
    local level, r = log_level((...), select("#", ...))
    if level then
        write(r, level, "log", select(2, ...))
    end
end


-- as log_level() for print(): whether NOTICE is written, and the request
local function notice_on()
    local r = get_request()
    return NOTICE <= C.mx_ffi_log_level(r), r
end


local function print(...)
    local on, r = notice_on()
    if on then
        write(r, NOTICE, "print", ...)
    end
end


rawset(_G, "print", print)


return {
    version = base.version
}
