#ifndef MX_LUA_VM_H
#define MX_LUA_VM_H

#include "mx_core.h"
#include "mx_log.h"
#include "mx_cycle.h"

#include <lua.h>
#include <lauxlib.h>

/*
 * The LuaJIT side of the runtime: creating a VM with the ngx API loaded,
 * the code cache, entry threads (coroutines anchored in the registry)
 * and lua-nginx-module's traceback format.
 */

/* the worker's VM; NULL until the http Lua module's init_process */
extern lua_State  *mx_lua_vm;

/*
 * Creates a VM: the standard libraries, package.path with our lua/ and
 * lualib/ first, then path (lua_package_path, ";;" = LuaJIT's default,
 * "$prefix" = the -p prefix; empty = the default), the same for cpath,
 * "ngx" booted from lua/ngx/base.lua, and the _G write guard.
 * NULL on failure, logged at alert level through log.
 */
lua_State *mx_lua_vm_new(mx_cycle_t *cycle, const mx_str_t *path,
    const mx_str_t *cpath, mx_log_t *log);

/* closes a VM; accepts NULL */
void mx_lua_vm_free(lua_State *L);

/*
 * Pushes the function compiled from inline code, compiling it on the
 * first call and caching it under key (any stable pointer: the loc conf
 * owning the code). MX_OK with the function on L's stack top, or
 * MX_ERROR with "failed to load inlined Lua code: ..." logged.
 */
int mx_lua_vm_load_inline(lua_State *L, const void *key,
    const mx_str_t *src, const char *chunkname, mx_log_t *log);

/*
 * Pushes the function compiled from the file path (NUL-terminated,
 * absolute), cached by path. MX_OK with the function on L's stack top;
 * else "failed to load external Lua file ..." is logged and the result
 * is 404 when the file cannot be opened, MX_ERROR otherwise.
 */
int mx_lua_vm_load_file(lua_State *L, const char *path, mx_log_t *log);

/*
 * A new coroutine of L, anchored in L's registry until
 * mx_lua_vm_del_thread(L, *ref). NULL on failure.
 */
lua_State *mx_lua_vm_new_thread(lua_State *L, int *ref);

/* releases the anchor of a coroutine; ref LUA_NOREF is ignored */
void mx_lua_vm_del_thread(lua_State *L, int ref);

/*
 * Done with a coroutine of mx_lua_vm_new_thread(): one that ran to its end
 * is kept for reuse by the worker VM (a later mx_lua_vm_new_thread()
 * returns it), others are released as mx_lua_vm_del_thread() does.
 */
void mx_lua_vm_free_thread(lua_State *L, lua_State *co, int ref);

/*
 * Pushes onto L lua-nginx-module's traceback of co:
 * "stack traceback:\ncoroutine 0:\n\t[C]: in function 'error'\n\t..."
 */
void mx_lua_vm_traceback(lua_State *L, lua_State *co);

/* pushes the error handler mx_http_lua_pcall() uses: the message with
 * "\nstack traceback:..." from debug.traceback() appended */
void mx_lua_vm_push_traceback(lua_State *L);

/*
 * The API's classic C functions (those that may run Lua themselves, such
 * as ngx.flush running Lua filters, which an FFI call must not); a new VM
 * puts them in package.loaded["mx.c"] for lua/ to pick up. Defined by the
 * http Lua module.
 */
extern const luaL_Reg  mx_lua_core_cfuncs[];

#endif /* MX_LUA_VM_H */
