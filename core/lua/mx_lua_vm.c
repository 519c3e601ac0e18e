#include "mx_lua_vm.h"

#include <lauxlib.h>
#include <lualib.h>

/* where lua/ (the ngx API) and lualib/ (resty.*) live; the Makefile
 * gives absolute paths, relative ones are taken from the build prefix */
#ifndef MX_LUA_DIR
#define MX_LUA_DIR     "lua/"
#endif

#ifndef MX_LUALIB_DIR
#define MX_LUALIB_DIR  "lualib/"
#endif

#ifndef MX_PREFIX
#define MX_PREFIX      ""
#endif

/* as lua-nginx-module: deeper frames are elided */
#define MX_LUA_BT_DEPTH  22


lua_State  *mx_lua_vm;

/*
 * Entry threads that ended normally, kept for the next requests of the
 * worker VM (as lua-nginx-module does): a new coroutine costs a state and
 * a stack on the GC heap, and a registry slot.
 */
#define MX_LUA_THREAD_CACHE  64

static struct {
    lua_State   *co;
    int          ref;
}            mx_lua_thread_cache[MX_LUA_THREAD_CACHE];
static int   mx_lua_thread_cached;

/* registry keys: their addresses are unique light userdata */
static char  mx_lua_code_cache_key;
static char  mx_lua_coroutines_key;
static char  mx_lua_traceback_key;


/*
 * lua-nginx-module's global write guard, line for line: the ngx.log call
 * must stay on line 12, test suites grep "_G write guard:12:".
 */
static const char  mx_lua_write_guard[] =
    "local ngx_log = ngx.log\n"
    "local ngx_WARN = ngx.WARN\n"
    "local tostring = tostring\n"
    "local ngx_get_phase = ngx.get_phase\n"
    "local traceback = require 'debug'.traceback\n"
    "local function newindex(table, key, value)\n"
        "rawset(table, key, value)\n"
        "local phase = ngx_get_phase()\n"
        "if phase == 'init_worker' or phase == 'init' then\n"
            "return\n"
        "end\n"
        "ngx_log(ngx_WARN, 'writing a global Lua variable "
                 "(\\'', tostring(key), '\\') which may lead to "
                 "race conditions between concurrent requests, so "
                 "prefer the use of \\'local\\' variables', "
                 "traceback('', 2))\n"
    "end\n"
    "setmetatable(_G, { __newindex = newindex })\n";


typedef struct {
    mx_cycle_t      *cycle;
    const mx_str_t  *path;
    const mx_str_t  *cpath;
} mx_lua_vm_init_t;


static int mx_lua_vm_init(lua_State *L);
static int mx_lua_vm_traceback_handler(lua_State *L);
static void mx_lua_vm_push_dir(lua_State *L, const char *dir);
static void mx_lua_vm_set_path(lua_State *L, mx_cycle_t *cycle,
    const char *field, int ours, const mx_str_t *user);


lua_State *
mx_lua_vm_new(mx_cycle_t *cycle, const mx_str_t *path, const mx_str_t *cpath,
    mx_log_t *log)
{
    int                rc;
    lua_State         *L;
    mx_lua_vm_init_t   args;

    L = luaL_newstate();
    if (L == NULL) {
        mx_log_error(MX_LOG_ALERT, log, 0, "failed to create the Lua VM");
        return NULL;
    }

    args.cycle = cycle;
    args.path = path;
    args.cpath = cpath;

    /* protected: the API boot runs Lua code that may fail */
    rc = lua_cpcall(L, mx_lua_vm_init, &args);
    if (rc != 0) {
        mx_log_error(MX_LOG_ALERT, log, 0,
                     "failed to initialize the Lua VM: %s",
                     lua_isstring(L, -1) ? lua_tostring(L, -1)
                                         : "unknown error");
        lua_close(L);
        return NULL;
    }

    lua_settop(L, 0);

    return L;
}


void
mx_lua_vm_free(lua_State *L)
{
    if (L == NULL) {
        return;
    }

    if (L == mx_lua_vm) {
        mx_lua_thread_cached = 0;
    }

    lua_close(L);
}


static int
mx_lua_vm_init(lua_State *L)
{
    mx_lua_vm_init_t  *args;

    args = lua_touserdata(L, 1);
    lua_settop(L, 0);

    luaL_openlibs(L);

    lua_getglobal(L, "package");
    if (!lua_istable(L, -1)) {
        return luaL_error(L, "the \"package\" table does not exist");
    }

    mx_lua_vm_set_path(L, args->cycle, "path", 1, args->path);
    mx_lua_vm_set_path(L, args->cycle, "cpath", 0, args->cpath);
    lua_pop(L, 1);

    lua_pushlightuserdata(L, &mx_lua_code_cache_key);
    lua_createtable(L, 0, 8);
    lua_rawset(L, LUA_REGISTRYINDEX);

    lua_pushlightuserdata(L, &mx_lua_coroutines_key);
    lua_createtable(L, 0, 32);
    lua_rawset(L, LUA_REGISTRYINDEX);

    /* made once: pushing a C function allocates a closure */
    lua_pushlightuserdata(L, &mx_lua_traceback_key);
    lua_pushcfunction(L, mx_lua_vm_traceback_handler);
    lua_rawset(L, LUA_REGISTRYINDEX);

    /* the classic C functions of the API, for lua/ to pick up */
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "loaded");
    lua_createtable(L, 0, 4);
    luaL_register(L, NULL, mx_lua_core_cfuncs);
    lua_setfield(L, -2, "mx.c");
    lua_pop(L, 2);

    /*
     * The "ngx" table, with what Lua cannot make (ngx.null, a NULL light
     * userdata, equal to cjson.null), global and in package.loaded;
     * lua/ngx/base.lua fills in the API.
     */
    lua_createtable(L, 0, 96);
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null");

    lua_pushvalue(L, -1);
    lua_setglobal(L, "ngx");

    lua_getglobal(L, "package");
    lua_getfield(L, -1, "loaded");
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "ngx");
    lua_pop(L, 3);

    lua_getglobal(L, "require");
    lua_pushliteral(L, "ngx.base");
    lua_call(L, 1, 0);

    if (luaL_loadbuffer(L, mx_lua_write_guard,
                        sizeof(mx_lua_write_guard) - 1, "=_G write guard")
        != 0)
    {
        return lua_error(L);
    }

    lua_call(L, 0, 0);

    return 0;
}


/* pushes dir with a trailing "/", made absolute against MX_PREFIX */
static void
mx_lua_vm_push_dir(lua_State *L, const char *dir)
{
    size_t  len;

    len = strlen(dir);

    if (dir[0] != '/') {
        lua_pushstring(L, MX_PREFIX);
        lua_pushstring(L, dir);
        lua_concat(L, 2);

    } else {
        lua_pushstring(L, dir);
    }

    if (len == 0 || dir[len - 1] != '/') {
        lua_pushliteral(L, "/");
        lua_concat(L, 2);
    }
}


/*
 * package[field] = [our dirs] .. user, where ";;" in user stands for the
 * default (LuaJIT's) value and $prefix / ${prefix} for the -p prefix, as
 * in lua-nginx-module; with no user setting, the default.
 * The "package" table is on the stack top.
 */
static void
mx_lua_vm_set_path(lua_State *L, mx_cycle_t *cycle, const char *field,
    int ours, const mx_str_t *user)
{
    int          base, n;
    const char  *def, *s;

    base = lua_gettop(L);

    lua_getfield(L, base, field);
    def = lua_tostring(L, -1);
    if (def == NULL) {
        def = "";
    }

    n = 0;

    if (ours) {
        mx_lua_vm_push_dir(L, MX_LUA_DIR);
        s = lua_tostring(L, -1);
        lua_pushfstring(L, "%s?.lua;%s?/init.lua;", s, s);
        lua_remove(L, -2);

        mx_lua_vm_push_dir(L, MX_LUALIB_DIR);
        s = lua_tostring(L, -1);
        lua_pushfstring(L, "%s?.lua;%s?/init.lua;", s, s);
        lua_remove(L, -2);

        n = 2;
    }

    if (user != NULL && user->len) {
        lua_pushlstring(L, (const char *) user->data, user->len);

        /* ";;" -> ";\1;" then "\1" -> the default, as the reference */
        s = luaL_gsub(L, lua_tostring(L, -1), ";;", ";\1;");
        lua_remove(L, -2);

        lua_pushlstring(L, (const char *) cycle->prefix.data,
                        cycle->prefix.len);
        s = luaL_gsub(L, s, "${prefix}", lua_tostring(L, -1));
        s = luaL_gsub(L, s, "$prefix", lua_tostring(L, -2));
        luaL_gsub(L, s, "\1", def);

        /* keep only the final string */
        lua_replace(L, base + 2 + n);
        lua_settop(L, base + 2 + n);

    } else {
        lua_pushstring(L, def);
    }

    lua_concat(L, n + 1);
    lua_setfield(L, base, field);
    lua_settop(L, base);
}


int
mx_lua_vm_load_inline(lua_State *L, const void *key, const mx_str_t *src,
    const char *chunkname, mx_log_t *log)
{
    int          rc;
    const char  *err;

    lua_pushlightuserdata(L, &mx_lua_code_cache_key);
    lua_rawget(L, LUA_REGISTRYINDEX);

    lua_pushlightuserdata(L, (void *) key);
    lua_rawget(L, -2);

    if (lua_isfunction(L, -1)) {
        lua_remove(L, -2);
        return MX_OK;
    }

    lua_pop(L, 1);

    rc = luaL_loadbuffer(L, (const char *) src->data, src->len, chunkname);
    if (rc != 0) {
        if (rc == LUA_ERRMEM) {
            err = "memory allocation error";

        } else {
            err = lua_isstring(L, -1) ? lua_tostring(L, -1) : "syntax error";
        }

        mx_log_error(MX_LOG_ERR, log, 0, "failed to load inlined Lua code: %s",
                     err);
        lua_pop(L, 2);
        return MX_ERROR;
    }

    lua_pushlightuserdata(L, (void *) key);
    lua_pushvalue(L, -2);
    lua_rawset(L, -4);

    lua_remove(L, -2);

    return MX_OK;
}


int
mx_lua_vm_load_file(lua_State *L, const char *path, mx_log_t *log)
{
    int          rc, status;
    const char  *err;

    lua_pushlightuserdata(L, &mx_lua_code_cache_key);
    lua_rawget(L, LUA_REGISTRYINDEX);

    lua_getfield(L, -1, path);

    if (lua_isfunction(L, -1)) {
        lua_remove(L, -2);
        return MX_OK;
    }

    lua_pop(L, 1);

    rc = luaL_loadfile(L, path);
    if (rc != 0) {
        status = MX_ERROR;

        switch (rc) {
        case LUA_ERRMEM:
            err = "memory allocation error";
            break;

        case LUA_ERRFILE:
            status = 404;
            /* fall through */

        default:
            err = lua_isstring(L, -1) ? lua_tostring(L, -1) : "syntax error";
        }

        mx_log_error(MX_LOG_ERR, log, 0,
                     "failed to load external Lua file \"%s\": %s", path, err);
        lua_pop(L, 2);
        return status;
    }

    lua_pushvalue(L, -1);
    lua_setfield(L, -3, path);

    lua_remove(L, -2);

    return MX_OK;
}


lua_State *
mx_lua_vm_new_thread(lua_State *L, int *ref)
{
    int         base;
    lua_State  *co;

    if (L == mx_lua_vm && mx_lua_thread_cached) {
        mx_lua_thread_cached--;
        *ref = mx_lua_thread_cache[mx_lua_thread_cached].ref;
        return mx_lua_thread_cache[mx_lua_thread_cached].co;
    }

    base = lua_gettop(L);

    lua_pushlightuserdata(L, &mx_lua_coroutines_key);
    lua_rawget(L, LUA_REGISTRYINDEX);

    co = lua_newthread(L);

    *ref = luaL_ref(L, -2);

    lua_settop(L, base);

    if (*ref == LUA_NOREF) {
        return NULL;
    }

    return co;
}


void
mx_lua_vm_free_thread(lua_State *L, lua_State *co, int ref)
{
    if (co != NULL && L == mx_lua_vm && lua_status(co) == 0
        && mx_lua_thread_cached < MX_LUA_THREAD_CACHE)
    {
        /* it ran to its end: clean, reusable */
        lua_settop(co, 0);
        lua_setexdata(co, NULL);

        mx_lua_thread_cache[mx_lua_thread_cached].co = co;
        mx_lua_thread_cache[mx_lua_thread_cached].ref = ref;
        mx_lua_thread_cached++;
        return;
    }

    mx_lua_vm_del_thread(L, ref);
}


void
mx_lua_vm_del_thread(lua_State *L, int ref)
{
    if (ref == LUA_NOREF || ref == LUA_REFNIL) {
        return;
    }

    lua_pushlightuserdata(L, &mx_lua_coroutines_key);
    lua_rawget(L, LUA_REGISTRYINDEX);
    luaL_unref(L, -1, ref);
    lua_pop(L, 1);
}


void
mx_lua_vm_traceback(lua_State *L, lua_State *co)
{
    int         base, level;
    lua_Debug   ar;

    base = lua_gettop(L);

    lua_pushliteral(L, "stack traceback:");

    /* one coroutine for now; light threads will add their parents */
    lua_pushliteral(L, "\ncoroutine 0:");

    level = 0;

    while (lua_getstack(co, level++, &ar)) {

        if (level > MX_LUA_BT_DEPTH) {
            lua_pushliteral(L, "\n\t...");
            break;
        }

        lua_pushliteral(L, "\n\t");
        lua_getinfo(co, "Snl", &ar);
        lua_pushfstring(L, "%s:", ar.short_src);

        if (ar.currentline > 0) {
            lua_pushfstring(L, "%d:", ar.currentline);
        }

        if (*ar.namewhat != '\0') {
            lua_pushfstring(L, " in function '%s'", ar.name);

        } else if (*ar.what == 'm') {
            lua_pushliteral(L, " in main chunk");

        } else if (*ar.what == 'C' || *ar.what == 't') {
            lua_pushliteral(L, " ?");

        } else {
            lua_pushfstring(L, " in function <%s:%d>", ar.short_src,
                            ar.linedefined);
        }

        if (lua_gettop(L) - base >= 15) {
            lua_concat(L, lua_gettop(L) - base);
        }
    }

    lua_concat(L, lua_gettop(L) - base);
}


/* lua-nginx-module's error handler: the message and debug.traceback() */
static int
mx_lua_vm_traceback_handler(lua_State *L)
{
    if (!lua_isstring(L, 1)) {
        return 1;
    }

    lua_getglobal(L, "debug");
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        return 1;
    }

    lua_getfield(L, -1, "traceback");
    if (!lua_isfunction(L, -1)) {
        lua_pop(L, 2);
        return 1;
    }

    lua_pushvalue(L, 1);
    lua_pushinteger(L, 2);
    lua_call(L, 2, 1);

    return 1;
}


void
mx_lua_vm_push_traceback(lua_State *L)
{
    lua_pushlightuserdata(L, &mx_lua_traceback_key);
    lua_rawget(L, LUA_REGISTRYINDEX);
}
