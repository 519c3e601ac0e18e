#ifndef MX_LUA_FFI_H
#define MX_LUA_FFI_H

#include "mx_http.h"

/*
 * The flat C functions lua/ calls through LuaJIT's FFI (ffi.C.mx_ffi_*).
 * The binary is linked with -rdynamic so that ffi.C finds them; none may
 * be static. lua/ declares each one once in an ffi.cdef with exactly the
 * prototype given here.
 *
 * The request-taking functions check r first and return, besides their
 * own results, MX_FFI_BAD_CONTEXT when r has no Lua context (the API is
 * not usable where it was called). They never raise Lua errors: lua/
 * turns the codes into error() or "nil, err" as lua-nginx-module does.
 *
 * Strings handed back to Lua point into request memory (valid for the
 * request's life) or into static storage; Lua copies them with
 * ffi.string() right away.
 */

/* same layout as lua-nginx-module's ngx_http_lua_ffi_str_t */
typedef struct {
    int                 len;
    const u_char       *data;
} mx_ffi_str_t;

typedef struct {
    mx_ffi_str_t        key;
    mx_ffi_str_t        value;    /* len -1: a query arg without "=" */
} mx_ffi_table_elt_t;

/* ---------------------------------------------- mx_lua_ffi_base.c */

/* the MX_LUA_CONTEXT_* the request's Lua code runs in; BAD_CONTEXT */
int mx_ffi_get_phase(mx_http_request_t *r);

/* MX_NGINX_VERSION_NUM and MX_LUA_VERSION_NUM */
int mx_ffi_config_nginx_version(void);
int mx_ffi_config_lua_version(void);

/* the -p prefix (ends with "/"); *data is static for the cycle's life */
void mx_ffi_config_prefix(const u_char **data, size_t *len);

int mx_ffi_worker_pid(void);

/* ---------------------------------------------- mx_lua_ffi_output.c */

#define MX_FFI_OUTPUT_NEWLINE  1   /* append "\n" (ngx.say) */
#define MX_FFI_OUTPUT_MORE     2   /* another piece of the same call */

/*
 * ngx.print/ngx.say: appends len bytes to the response body (flags
 * above), preparing the header on a call's first piece. MX_OK;
 * MX_DECLINED with *err "header only" (HEAD) or "seen eof"; MX_ERROR
 * with *err set.
 */
int mx_ffi_output(mx_http_request_t *r, const u_char *data, size_t len,
    int flags, const char **err);

/* ---------------------------------------------- mx_lua_ffi_control.c */

/*
 * ngx.exit(status): records the exit; MX_OK means the caller must yield
 * the entry thread now. MX_ERROR with the message in err (*errlen in:
 * room, out: length).
 */
int mx_ffi_exit(mx_http_request_t *r, int status, u_char *err,
    size_t *errlen);

/* ngx.status: the response status, 0 when not set yet */
int mx_ffi_get_resp_status(mx_http_request_t *r);

/* MX_OK; MX_DECLINED (logged) when the header is already out */
int mx_ffi_set_resp_status(mx_http_request_t *r, int status);

/* ngx.headers_sent: 1 or 0 */
int mx_ffi_headers_sent(mx_http_request_t *r);

/* ---------------------------------------------- mx_lua_ffi_log.c */

/* the level of the log ngx.log writes to (r may be NULL) */
int mx_ffi_log_level(mx_http_request_t *r);

/* writes "[lua] msg" at level through r's connection log (or the main
 * log when r is NULL); MX_OK */
int mx_ffi_log(mx_http_request_t *r, int level, const u_char *msg,
    size_t len);

/* ---------------------------------------------- mx_lua_ffi_header.c */

/*
 * ngx.header.KEY = value: "_" in key becomes "-"; is_nil (or an empty
 * value) clears; mvals (mvals_len entries) gives several values;
 * override replaces existing ones. MX_OK; MX_DECLINED (logged) after
 * the header went out; MX_ERROR with *errmsg.
 */
int mx_ffi_set_resp_header(mx_http_request_t *r, const u_char *key,
    size_t key_len, int is_nil, const u_char *sval, size_t sval_len,
    mx_ffi_str_t *mvals, size_t mvals_len, int override,
    const char **errmsg);

/*
 * ngx.header.KEY: fills up to max values (key_buf has key_len bytes of
 * room for the transformed key); returns how many (0: none), or
 * MX_ERROR with *errmsg.
 */
int mx_ffi_get_resp_header(mx_http_request_t *r, const u_char *key,
    size_t key_len, u_char *key_buf, mx_ffi_str_t *values, int max,
    const char **errmsg);

/* ngx.req.get_headers: the count to fetch (max < 0: 100, 0: all) */
int mx_ffi_req_get_headers_count(mx_http_request_t *r, int max,
    int *truncated);

/* fills count entries, keys lowercased unless raw; MX_OK */
int mx_ffi_req_get_headers(mx_http_request_t *r, mx_ffi_table_elt_t *out,
    int count, int raw);

/* ---------------------------------------------- mx_lua_ffi_req.c */

/* r->method (MX_HTTP_GET...) */
int mx_ffi_req_get_method(mx_http_request_t *r);

/* the method as received; MX_OK */
int mx_ffi_req_get_method_name(mx_http_request_t *r, const u_char **name,
    size_t *len);

/* ngx.req.get_uri_args: the number of entries to allocate */
int mx_ffi_req_get_uri_args_count(mx_http_request_t *r, int max,
    int *truncated);

size_t mx_ffi_req_get_querystring_len(mx_http_request_t *r);

/*
 * Copies the query string to buf (querystring_len bytes), unescapes the
 * keys and values in place and fills up to count entries pointing into
 * buf. Returns the number filled.
 */
int mx_ffi_req_get_uri_args(mx_http_request_t *r, u_char *buf,
    mx_ffi_table_elt_t *out, int count);

/* ---------------------------------------------- mx_lua_ffi_var.c */

/*
 * ngx.var.NAME: the name is lowercased into lowcase_buf (len bytes).
 * MX_OK with *value (request memory); MX_DECLINED when not found;
 * MX_ERROR with *err.
 */
int mx_ffi_var_get(mx_http_request_t *r, const u_char *name, size_t len,
    u_char *lowcase_buf, const u_char **value, size_t *value_len,
    const char **err);

/*
 * ngx.var.NAME = value. Variable writes are not supported yet: always
 * MX_ERROR with lua-nginx-module's message for the name in err
 * (*errlen in: room, out: length).
 */
int mx_ffi_var_set(mx_http_request_t *r, const u_char *name, size_t len,
    u_char *lowcase_buf, const u_char *value, size_t value_len,
    u_char *err, size_t *errlen);

#endif /* MX_LUA_FFI_H */
