-- coroutine.resume and coroutine.wrap that let the code inside a
-- coroutine of the handler's own wait (sockets, ngx.sleep, reading the
-- body) or leave (ngx.exit, ngx.exec): such a yield carries base.YIELD,
-- and is passed up, coroutine by coroutine, to the entry thread and the
-- phase runner; when the runner resumes the entry thread, each level
-- resumes the one below with what it got back. Other yields are the
-- user's own and behave as plain Lua's.
--
-- The raw functions stay as coroutine._yield, _resume and _wrap.


local base = require "resty.core.base"


local coroutine = coroutine
local select = select
local error = error
local YIELD = base.YIELD

local raw_create = coroutine._create or coroutine.create
local raw_resume = coroutine._resume or coroutine.resume
local raw_yield = coroutine._yield or coroutine.yield
local raw_wrap = coroutine._wrap or coroutine.wrap
local raw_status = coroutine._status or coroutine.status
local thread_status = package.loaded["mx.c"].thread_status


coroutine._create = raw_create
coroutine._resume = raw_resume
coroutine._yield = raw_yield
coroutine._wrap = raw_wrap
coroutine._status = raw_status


local function pass(co, ok, ...)
    if ok and (...) == YIELD and select("#", ...) == 1
       and raw_status(co) == "suspended"
    then
        -- the runner's business: up, then back down with its answer
        return pass(co, raw_resume(co, raw_yield(YIELD)))
    end

    return ok, ...
end


-- as lua-nginx-module: no coroutines in init_worker_by_lua*, whose
-- request does not outlive it
local get_request = base.get_request

local function check_context()
    if get_request() ~= nil and ngx.get_phase() == "init_worker" then
        error("API disabled in the context of init_worker_by_lua*", 3)
    end
end


function coroutine.create(f)
    check_context()
    return raw_create(f)
end


function coroutine.resume(co, ...)
    return pass(co, raw_resume(co, ...))
end


local function wrap_result(ok, ...)
    if ok then
        return ...
    end

    -- as the raw wrap: the error goes on as it is
    error((...), 0)
end


function coroutine.wrap(f)
    check_context()
    local co = raw_create(f)

    return function (...)
        return wrap_result(pass(co, raw_resume(co, ...)))
    end
end


-- a light thread that ended but is not waited for yet is a "zombie"
function coroutine.status(co)
    return thread_status(co) or raw_status(co)
end


return {
    version = base.version
}
