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
 * not usable where it was called). Those on the client request's data
 * (headers, body, URI, args, method, variables, status) also return it
 * for a request without a client (mx_http_lua_check_fake(): timers,
 * init_worker_by_lua*); lua/ raises "API disabled in the current
 * context" then. They never raise Lua errors: lua/ turns the codes into
 * error() or "nil, err" as lua-nginx-module does.
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

/*
 * The MX_LUA_CONTEXT_* the request's Lua code runs in (BAD_CONTEXT when
 * r has no Lua context); r NULL: the request-less context running now
 * (0: init_by_lua*, INIT_WORKER, EXIT_WORKER).
 */
int mx_ffi_get_phase(mx_http_request_t *r);

/* MX_NGINX_VERSION_NUM and MX_LUA_VERSION_NUM */
int mx_ffi_config_nginx_version(void);
int mx_ffi_config_lua_version(void);

/* the -p prefix (ends with "/"); *data is static for the cycle's life */
void mx_ffi_config_prefix(const u_char **data, size_t *len);

int mx_ffi_worker_pid(void);

/* -------------------------------------------- mx_lua_coroutine.c */

/*
 * ngx.sleep(ms / 1000): MX_AGAIN, the caller yields (base.yield_wait())
 * and is woken when the time is up; MX_ERROR / MX_FFI_BAD_CONTEXT with
 * *err where Lua cannot wait.
 */
int mx_ffi_sleep(mx_http_request_t *r, int ms, const char **err);

/* ------------------------------------------------ mx_lua_timer.c */

int mx_ffi_timer_running_count(void);
int mx_ffi_timer_pending_count(void);

/* ---------------------------------------------- mx_lua_ffi_output.c */

#define MX_FFI_OUTPUT_NEWLINE  1   /* append "\n" (ngx.say) */
#define MX_FFI_OUTPUT_MORE     2   /* another piece of the same call */

/*
 * ngx.print/ngx.say: appends len bytes to the response body (flags
 * above), preparing the header on a call's first piece. MX_OK;
 * MX_DECLINED with *err "header only" (HEAD) or "seen eof"; MX_ERROR
 * with *err set; MX_FFI_BAD_CONTEXT with *err "API disabled in the
 * context of ..."; MX_AGAIN when the output must be passed on now but
 * Lua filters would run for it: Lua then calls flush_pending() of
 * package.loaded["mx.c"] (a classic C function).
 */
int mx_ffi_output(mx_http_request_t *r, const u_char *data, size_t len,
    int flags, const char **err);

/* ---------------------------------------------- mx_lua_ffi_control.c */

/*
 * ngx.exit(status): records the exit; MX_OK means the caller must yield
 * the entry thread now (base.yield_runner()); MX_DONE (header filters)
 * that it returns and goes on. MX_ERROR with the message in err (*errlen
 * in: room, out: length), "API disabled in the context of ..." included.
 */
int mx_ffi_exit(mx_http_request_t *r, int status, u_char *err,
    size_t *errlen);

/*
 * ngx.exec(uri, args): args is the string form (Lua encodes a table);
 * the query string of uri is split off and joined before it. Records the
 * redirect: MX_OK means yield now. MX_ERROR with the message in err.
 */
int mx_ffi_exec(mx_http_request_t *r, const u_char *uri, size_t uri_len,
    const u_char *args, size_t args_len, u_char *err, size_t *errlen);

/*
 * ngx.redirect(uri, status): status is checked by Lua; adds Location,
 * records the exit: MX_OK means yield now. MX_ERROR with err.
 */
int mx_ffi_redirect(mx_http_request_t *r, const u_char *uri, size_t len,
    int status, u_char *err, size_t *errlen);

/* ngx.ctx: the table's ref in registry.ngx_lua_ctx_tables (LUA_NOREF, -2,
 * when none yet), or BAD_CONTEXT; released when the request ends */
int mx_ffi_get_ctx_ref(mx_http_request_t *r);
int mx_ffi_set_ctx_ref(mx_http_request_t *r, int ref);

/* ngx.status: the response status, 0 when not set yet */
int mx_ffi_get_resp_status(mx_http_request_t *r);

/* MX_OK; MX_DECLINED (logged) when the header is already out */
int mx_ffi_set_resp_status(mx_http_request_t *r, int status);

/* ngx.headers_sent: 1 or 0 */
int mx_ffi_headers_sent(mx_http_request_t *r);

/* ------------------------------ mx_lua_coroutine.c, mx_lua_phase_*.c */

/*
 * base.yield_wait(): marks r's entry thread as waiting (the caller yields
 * right after). MX_OK; MX_FFI_BAD_CONTEXT with *err "API disabled in the
 * context of ..." where Lua cannot wait; MX_ERROR with *err.
 */
int mx_ffi_yield_wait(mx_http_request_t *r, const char **err);

/* set_by_lua*'s ngx.arg[idx]: MX_OK with the value (request memory),
 * MX_DECLINED out of range, BAD_CONTEXT elsewhere */
int mx_ffi_setby_get_param(mx_http_request_t *r, int idx,
    const u_char **data, size_t *len);

/*
 * body_filter_by_lua*'s ngx.arg[1]: MX_OK with the chunk (request
 * memory; "" when empty), or MX_AGAIN with *len its size when it is in
 * several buffers: then copy_body fills a buffer of *len bytes.
 * BAD_CONTEXT outside a body filter.
 */
int mx_ffi_body_filter_get_body(mx_http_request_t *r, const u_char **data,
    size_t *len);
int mx_ffi_body_filter_copy_body(mx_http_request_t *r, u_char *buf);

/* ngx.arg[2]: 1 or 0 */
int mx_ffi_body_filter_get_eof(mx_http_request_t *r);

/* ngx.arg[1] = data (copied); ngx.arg[2] = eof. MX_OK or BAD_CONTEXT */
int mx_ffi_body_filter_set_body(mx_http_request_t *r, const u_char *data,
    size_t len);
int mx_ffi_body_filter_set_eof(mx_http_request_t *r, int eof);

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

/*
 * ngx.resp.get_headers: the number of entries to fetch (max < 0: 100,
 * 0: all), counting the headers the core adds itself (Content-Type,
 * Content-Length, Connection, Transfer-Encoding) as lua-nginx-module
 * does; *truncated is set when max cut the list.
 */
int mx_ffi_resp_get_headers_count(mx_http_request_t *r, int max,
    int *truncated);

/*
 * Fills up to count entries (those core headers first, keys in lower
 * case; then the list, keys lowercased unless raw) and returns how many.
 * Keys and values point into request or static memory.
 */
int mx_ffi_resp_get_headers(mx_http_request_t *r, mx_ffi_table_elt_t *out,
    int count, int raw);

/* ngx.req.get_headers: the count to fetch (max < 0: 100, 0: all) */
int mx_ffi_req_get_headers_count(mx_http_request_t *r, int max,
    int *truncated);

/* fills count entries, keys lowercased unless raw; MX_OK */
int mx_ffi_req_get_headers(mx_http_request_t *r, mx_ffi_table_elt_t *out,
    int count, int raw);

/*
 * ngx.req.set_header/clear_header and ngx.req.add_header (override 0):
 * the request header key (escaped as lua-nginx-module does, "_" kept)
 * gets value (value_len 0 and no mvals: removed), or the mvals_len
 * values of mvals (none: removed). Removed headers keep their slot with
 * hash 0. The core's own fields follow (Host and $host, Content-Length,
 * Connection, User-Agent, Cookie...). MX_OK; MX_DECLINED for HTTP/0.9
 * (ignored); MX_ERROR with *errmsg (a bad Host or Content-Length gives
 * "failed to set header").
 */
int mx_ffi_req_set_header(mx_http_request_t *r, const u_char *key,
    size_t key_len, const u_char *value, size_t value_len,
    mx_ffi_str_t *mvals, size_t mvals_len, int override,
    const char **errmsg);

/* ---------------------------------------------- mx_lua_ffi_req.c */

/* r->method (MX_HTTP_GET...) */
int mx_ffi_req_get_method(mx_http_request_t *r);

/* the method as received; MX_OK */
int mx_ffi_req_get_method_name(mx_http_request_t *r, const u_char **name,
    size_t *len);

/*
 * ngx.req.set_method: one of the MX_HTTP_* methods (GET .. TRACE, not
 * CONNECT); r->method and r->method_name ($request_method) change.
 * MX_OK; MX_DECLINED for another number.
 */
int mx_ffi_req_set_method(mx_http_request_t *r, int method);

/* r->http_version: 9, 1000, 1001 or 2000 (nginx's numbers) */
int mx_ffi_req_http_version(mx_http_request_t *r);

/* ngx.req.start_time: when the request began, in seconds (ms precision);
 * 0 for a request without a client, as lua-nginx-module's fake ones */
double mx_ffi_req_start_time(mx_http_request_t *r);

/* ngx.req.is_internal: 1 after an internal redirect or set_uri, else 0 */
int mx_ffi_req_is_internal(mx_http_request_t *r);

/*
 * ngx.req.raw_header: the request line and headers as received (with
 * no_req_line: the headers only), up to and including the empty line.
 * Headers changed by ngx.req.set_header show their original values.
 * MX_OK with *data (request memory); MX_ERROR with *err.
 */
int mx_ffi_req_raw_header(mx_http_request_t *r, int no_req_line,
    const u_char **data, size_t *len, const char **err);

/*
 * ngx.req.set_uri: r->uri becomes a copy of uri (len > 0), r->internal
 * is set. Unless binary, control bytes (but HT) are refused with
 * lua-nginx-module's message in errbuf (*errlen in: room, out: length).
 * jump (rewrite_by_lua* only; elsewhere MX_ERROR with "API disabled in
 * the context of ..." in errbuf): ctx->uri_jump and r->uri_changed are
 * set, the caller yields to the runner, which ends the thread, and the
 * rewrite phase finds the location again. MX_OK, MX_ERROR, or
 * MX_FFI_BAD_CONTEXT (before any other check) for a request without a
 * client.
 */
int mx_ffi_req_set_uri(mx_http_request_t *r, const u_char *uri, size_t len,
    int jump, int binary, u_char *errbuf, size_t *errlen);

/* ngx.req.set_uri_args: r->args becomes a copy; MX_OK or MX_ERROR */
int mx_ffi_req_set_uri_args(mx_http_request_t *r, const u_char *args,
    size_t len);

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

/*
 * ngx.req.get_post_args: the number of entries to allocate, with the
 * body's length in *len. 0 when the body was discarded (an empty table);
 * MX_DECLINED when the body is in a file ("request body in temp file
 * not supported"); MX_ERROR with *err when it was not read.
 */
int mx_ffi_req_get_post_args_count(mx_http_request_t *r, size_t *len,
    const char **err);

/*
 * Copies the body (len bytes, as counted above) to buf and parses it as
 * lua-nginx-module does: max > 0 stops after max "&"-separated pieces,
 * empty ones included, and sets *truncated. Fills up to count entries
 * pointing into buf; returns the number filled.
 */
int mx_ffi_req_get_post_args(mx_http_request_t *r, u_char *buf,
    mx_ffi_table_elt_t *out, int count, int max, int *truncated);

/* ---------------------------------------------- mx_lua_ffi_body.c */

/*
 * ngx.req.read_body: MX_OK when the body is read (or was discarded);
 * MX_AGAIN when it is arriving: mx_http_lua_wakeup(r) is called once
 * it is complete and the caller yields until then; an HTTP status >= 300
 * (413, 400, 500...) to finish the request with.
 */
int mx_ffi_req_read_body(mx_http_request_t *r);

/* ngx.req.discard_body: MX_OK; MX_ERROR ("failed to discard ...") */
int mx_ffi_req_discard_body(mx_http_request_t *r);

/*
 * ngx.req.get_body_data: MX_OK with the body in memory (*data: request
 * memory; a body in several buffers is joined once); MX_DECLINED when
 * there is none, it is empty or it is in a file.
 */
int mx_ffi_req_get_body_data(mx_http_request_t *r, const u_char **data,
    size_t *len);

/* ngx.req.get_body_file: MX_OK with the file name; MX_DECLINED if none */
int mx_ffi_req_get_body_file(mx_http_request_t *r, const u_char **path,
    size_t *len);

/*
 * ngx.req.set_body_data: the body becomes a copy of data (a file body is
 * dropped) and Content-Length follows. MX_OK; MX_ERROR with *err
 * ("request body not read yet", "request body already discarded
 * asynchronously", "no memory").
 */
int mx_ffi_req_set_body_data(mx_http_request_t *r, const u_char *data,
    size_t len, const char **err);

/*
 * ngx.req.set_body_file: the body becomes the file path (opened now,
 * closed with the request; removed then too when clean) and
 * Content-Length its size. MX_OK; MX_ERROR with the message in errbuf
 * (*errlen in: room, out: length), e.g. "open() \"/x\" failed".
 */
int mx_ffi_req_set_body_file(mx_http_request_t *r, const u_char *path,
    size_t len, int clean, u_char *errbuf, size_t *errlen);

/*
 * ngx.req.init_body(size): a new empty body kept in a buffer of size
 * bytes (size < 0: client_body_buffer_size; 0: straight to a file);
 * ngx.req.append_body adds data, moving what fills the buffer to a
 * temporary file in client_body_temp_path; ngx.req.finish_body ends it
 * and sets Content-Length. MX_OK; MX_ERROR with *err.
 */
int mx_ffi_req_init_body(mx_http_request_t *r, long size, const char **err);
int mx_ffi_req_append_body(mx_http_request_t *r, const u_char *data,
    size_t len, const char **err);
int mx_ffi_req_finish_body(mx_http_request_t *r, const char **err);

/* ---------------------------------------------- mx_lua_ffi_var.c */

/*
 * ngx.var.NAME (name != NULL: lowercased into lowcase_buf, len bytes)
 * or ngx.var[N] (name NULL: the regex capture capture_id, as $N).
 * MX_OK with *value (request memory); MX_DECLINED when not found;
 * MX_ERROR with *err; MX_FFI_BAD_CONTEXT for a request without a client.
 */
int mx_ffi_var_get(mx_http_request_t *r, const u_char *name, size_t len,
    u_char *lowcase_buf, int capture_id, const u_char **value,
    size_t *value_len, const char **err);

/*
 * ngx.var.NAME = value (value NULL: nil, the variable becomes "not
 * found"), through mx_http_variable_set(): variables made by "set" and
 * the changeable built-ins ($args). MX_OK; MX_ERROR with
 * lua-nginx-module's message in err (*errlen in: room, out: length);
 * MX_FFI_BAD_CONTEXT for a request without a client.
 */
int mx_ffi_var_set(mx_http_request_t *r, const u_char *name, size_t len,
    u_char *lowcase_buf, const u_char *value, size_t value_len,
    u_char *err, size_t *errlen);

/* ---------------------------------------------- mx_lua_ffi_time.c */

/* the cached time (updated once per event loop turn), ms precision */
double mx_ffi_now(void);
long mx_ffi_time(void);

/* the cached monotonic clock in ms (resty.core.time.monotonic_msec) */
long mx_ffi_monotonic_msec(void);

/* refreshes the cached time now (ngx.update_time) */
void mx_ffi_update_time(void);

/* "2010-11-19" local (10 bytes written to buf, no NUL) */
void mx_ffi_today(u_char *buf);

/* "2010-11-19 20:56:31", local and UTC (19 bytes, no NUL) */
void mx_ffi_localtime(u_char *buf);
void mx_ffi_utctime(u_char *buf);

/*
 * ngx.http_time: "Thu, 18 Nov 2010 11:27:35 GMT" (29 bytes) into buf.
 * ngx.cookie_time: "Thu, 18-Nov-10 11:27:35 GMT" (4-digit years from
 * 2038) into buf (29 bytes of room); returns the length. Like nginx, t
 * is clamped to 0 .. 9999-12-31 23:59:59.
 */
void mx_ffi_http_time(u_char *buf, long t);
int mx_ffi_cookie_time(u_char *buf, long t);

/*
 * ngx.parse_http_time: nginx's grammar (RFC 1123, RFC 850, asctime;
 * the weekday and what follows the time are not checked). MX_OK with
 * *time; MX_ERROR when malformed (or when the result is -1, which
 * nginx cannot tell from an error either).
 */
int mx_ffi_parse_http_time(const u_char *s, size_t len, long *time);

/* ---------------------------------------------- mx_lua_ffi_string.c */

#define MX_FFI_BASE64_NO_PADDING  1
#define MX_FFI_BASE64_URL         2   /* "-_" instead of "+/" */

/*
 * ngx.encode_base64 and ngx.base64.encode_base64url: writes the encoding
 * of len bytes (flags above) to dst, which has room for
 * (len + 2) / 3 * 4 bytes; returns the length written.
 */
size_t mx_ffi_encode_base64(const u_char *src, size_t len, u_char *dst,
    int flags);

/*
 * Decodes base64 (URL alphabet with MX_FFI_BASE64_URL) like nginx: input
 * stops at the first "=", padding is optional. dst has room for
 * (len + 3) / 4 * 3 bytes. MX_OK with *dlen; MX_ERROR on a character
 * outside the alphabet or a dangling 6 bits.
 */
int mx_ffi_decode_base64(const u_char *src, size_t len, u_char *dst,
    size_t *dlen, int flags);

/*
 * ngx.escape_uri types, nginx's numbers: 0 URI, 1 ARGS, 2 URI_COMPONENT,
 * 3 HTML, 4 REFRESH, 5 MEMCACHED, 6 MAIL_AUTH. The length src has once
 * escaped (type out of range: len), and the escaping itself into dst
 * (that length); escapes are "%XX", upper case.
 */
size_t mx_ffi_uri_escaped_length(const u_char *src, size_t len, int type);
void mx_ffi_escape_uri(const u_char *src, size_t len, u_char *dst,
    int type);

/*
 * ngx.unescape_uri: "%XX" decoded, "+" to " ", a "%" without two hex
 * digits kept as it is. dst has room for len bytes; returns the length.
 */
size_t mx_ffi_unescape_uri(const u_char *src, size_t len, u_char *dst);

/*
 * ngx.decode_args: an upper bound of the pairs mx_ffi_decode_args can
 * return for src (max > 0 caps it).
 */
int mx_ffi_decode_args_count(const u_char *src, size_t len, int max);

/*
 * Parses the query string src into buf (len bytes, unescaped in place),
 * filling up to count entries that point into buf (value.len -1: a key
 * without "="); pairs with an empty key are skipped. With max > 0 stops
 * after max pairs and sets *truncated when that happened at a "&".
 * Returns the number of entries filled.
 */
int mx_ffi_decode_args(const u_char *src, size_t len, u_char *buf,
    mx_ffi_table_elt_t *out, int count, int max, int *truncated);

/*
 * ngx.quote_sql_str: the length of src quoted, and the quoting itself
 * into dst (that many bytes): "'" + MySQL escapes (\0 \b \t \n \r \Z
 * \" \' \\) + "'"; returns the length written.
 */
size_t mx_ffi_sql_quoted_length(const u_char *src, size_t len);
size_t mx_ffi_quote_sql_str(const u_char *src, size_t len, u_char *dst);

/* MD5 of src: 16 bytes, or 32 lower-case hex digits, into dst */
void mx_ffi_md5_bin(const u_char *src, size_t len, u_char *dst);
void mx_ffi_md5(const u_char *src, size_t len, u_char *dst);

/* SHA-1 (20 bytes) and HMAC-SHA1 (20 bytes) into dst; MX_OK or MX_ERROR
 * when OpenSSL fails (no SHA-1 in the loaded providers) */
int mx_ffi_sha1_bin(const u_char *src, size_t len, u_char *dst);
int mx_ffi_hmac_sha1(const u_char *key, size_t key_len, const u_char *src,
    size_t len, u_char *dst);

/* CRC-32 as zlib's crc32() (nginx's ngx_crc32_short/long agree) */
uint32_t mx_ffi_crc32(const u_char *src, size_t len);

/* ---------------------------------------------- mx_lua_ffi_worker.c */

/* ngx.worker.id(): 0-based, or -1 outside worker (and single) processes */
int mx_ffi_worker_id(void);

/* ngx.worker.count(): worker_processes as configured */
int mx_ffi_worker_count(void);

/* ngx.worker.exiting(): 1 during a graceful shutdown, else 0 */
int mx_ffi_worker_exiting(void);

/*
 * ngx.worker.pids(): the worker pids into pids (*len in: room, out:
 * count); this process only when single or when the master's children
 * cannot be listed. MX_OK.
 */
int mx_ffi_worker_pids(int *pids, size_t *len);

/* ngx.process.type(): nginx's numbers (0 single, 1 master, 3 worker) */
int mx_ffi_process_type(void);

/* the master's pid (this process's when single or master) */
int mx_ffi_master_pid(void);

/* ngx.process.signal_graceful_exit(): SIGQUIT to this process */
void mx_ffi_process_signal_graceful_exit(void);

/* ngx.process.enable_privileged_agent(): MX_ERROR, "not supported" */
int mx_ffi_enable_privileged_agent(const char **err,
    unsigned int connections);

/* ngx.config.nginx_configure(): what -V prints after "configure
 * arguments: "; *data is static */
void mx_ffi_config_nginx_configure(const u_char **data, size_t *len);

/* ---------------------------------------------- mx_lua_ffi_errlog.c */

/* ngx.errlog.get_sys_filter_level(): the error_log level (r may be NULL) */
int mx_ffi_errlog_get_sys_filter_level(mx_http_request_t *r);

/* ngx.errlog.raw_log(): msg as it is (no "[lua] file:line:"), through
 * r's connection log or the main log; MX_OK, MX_ERROR on a bad level */
int mx_ffi_raw_log(mx_http_request_t *r, int level, const u_char *msg,
    size_t len);

/*
 * ngx.errlog.set_filter_level() and get_logs(): they need
 * lua_capture_error_log, which moxy does not have yet: MX_ERROR with the
 * reason in err (*errlen in: room, out: length).
 */
int mx_ffi_errlog_set_filter_level(int level, u_char *err, size_t *errlen);
int mx_ffi_errlog_get_msg(char **log, int *loglevel, u_char *err,
    size_t *errlen, double *log_time);

/* ---------------------------------------------- mx_lua_ffi_regex.c */

/*
 * ngx.re over PCRE2 (lua/resty/core/regex.lua, lua/ngx/re.lua), with
 * lua-nginx-module's FFI contract: the Lua side parses the option
 * letters, keeps the compile-once cache and builds the results; C
 * compiles, matches and expands replacement templates.
 */

/* the flags argument (lua-nginx-module's NGX_LUA_RE_* numbers) */
#define MX_FFI_REGEX_COMPILE_ONCE   0x01   /* "o": Lua caches it */
#define MX_FFI_REGEX_DFA            0x02   /* "d": longest match, no groups */
#define MX_FFI_REGEX_JIT            0x04   /* "j" */
#define MX_FFI_REGEX_DUPNAMES       0x08   /* "D": Lua collects tables */
#define MX_FFI_REGEX_NO_UTF8_CHECK  0x10   /* "U" */

/* the pcre_opts argument: lua-resty-core's (PCRE1) numbers, mapped here */
#define MX_FFI_PCRE_CASELESS        0x0000001   /* "i" */
#define MX_FFI_PCRE_MULTILINE       0x0000002   /* "m" */
#define MX_FFI_PCRE_DOTALL          0x0000004   /* "s" */
#define MX_FFI_PCRE_EXTENDED        0x0000008   /* "x" */
#define MX_FFI_PCRE_ANCHORED        0x0000010   /* "a" */
#define MX_FFI_PCRE_UTF8            0x0000800   /* "u", "U" */
#define MX_FFI_PCRE_DUPNAMES        0x0080000   /* "D" */
#define MX_FFI_PCRE_JAVASCRIPT      0x2000000   /* "J": PCRE2_ALT_BSUX,
                                                   ALLOW_EMPTY_CLASS and
                                                   MATCH_UNSET_BACKREF */

typedef struct {
    /* PCRE2's name table: name_count entries of name_entry_size bytes,
     * each the group number (2 bytes, big-endian) and the name (NUL) */
    const u_char       *name_table;
    int                 name_count;
    int                 name_entry_size;

    int                 ncaptures;       /* groups; 0 in DFA mode */
    int                *captures;        /* the last match's offsets,
                                            2 * (ncaptures + 1); -1: unset */

    /* the replacement template of ngx.re.sub/gsub: either copied as is
     * (replace_tpl NULL: replace, replace_len) or, when it has "$",
     * expanded by mx_ffi_regex_replace_len/copy */
    const u_char       *replace;
    int                 replace_len;
    void               *replace_tpl;

    void               *code;            /* pcre2_code * */
} mx_ffi_regex_t;

/*
 * Compiles pat (flags and pcre_opts above). The result is malloc'ed and
 * independent of pat; free it with mx_ffi_regex_destroy(). NULL with a
 * NUL-terminated message in errstr (at most errstr_size bytes), e.g.
 * 'pcre2_compile() failed: missing closing parenthesis in "(a"'.
 */
mx_ffi_regex_t *mx_ffi_regex_compile(const u_char *pat, size_t pat_len,
    int flags, int pcre_opts, u_char *errstr, size_t errstr_size);

/*
 * Matches s from byte offset pos; flags as compiled. Returns PCRE2's
 * code: > 0 the highest matched group + 1 (1 in DFA mode, the longest
 * match) with re->captures set, PCRE2_ERROR_NOMATCH (-1), or another
 * negative PCRE2 error (bad offset, bad UTF-8, match limit...).
 * The match data is shared by all regexes of the process: the offsets
 * are copied to re->captures before returning.
 */
int mx_ffi_regex_exec(mx_ffi_regex_t *re, int flags, const u_char *s,
    size_t len, int pos);

/* frees re and its template; accepts NULL */
void mx_ffi_regex_destroy(mx_ffi_regex_t *re);

/*
 * Compiles the ngx.re.sub/gsub template ("$0", "$1", "${12}", "$$")
 * into re. MX_OK; MX_ERROR on memory failure or a bad template ("$"
 * at the end, "${1", "$name"), logged at error level as
 * lua-nginx-module does.
 */
int mx_ffi_regex_compile_replace(mx_ffi_regex_t *re, const u_char *tpl,
    size_t len);

/*
 * The length of re's template expanded with the last match of subj (rc
 * as returned by mx_ffi_regex_exec); references to groups that did not
 * match are empty.
 */
size_t mx_ffi_regex_replace_len(mx_ffi_regex_t *re, int rc);

/* writes that expansion to dst (replace_len bytes of room) */
void mx_ffi_regex_replace_copy(mx_ffi_regex_t *re, const u_char *subj,
    int rc, u_char *dst);

/* lua_regex_cache_max_entries: the bound of the compile-once cache */
uint32_t mx_ffi_regex_max_cache_size(void);

/*
 * ngx.re.opt("jit_stack_size", size): replaces the JIT stack (at least
 * 32k). MX_OK, or MX_ERROR with the message in errstr (*errstr_size
 * in: room, out: length).
 */
int mx_ffi_regex_set_jit_stack_size(int size, u_char *errstr,
    size_t *errstr_size);

/*
 * Not for Lua: the http Lua module hands over lua_regex_cache_max_entries
 * (default 1024) and lua_regex_match_limit (default 0: PCRE2's own) when
 * a worker starts, before its VM runs any Lua code.
 */
void mx_lua_regex_configure(mx_uint_t cache_max_entries,
    mx_uint_t match_limit);

/* ------------------------------------------ mx_lua_phase_balancer.c */

/*
 * ngx.balancer, for balancer_by_lua* only. Each returns MX_ERROR with
 * *err (static) where it cannot be used, lua-nginx-module's words: "no
 * upstream found" (r is not proxied), "API disabled in the current
 * context" (not in balancer_by_lua*).
 */

/*
 * The peer of this try: addr is "ip", "ip:port", "[ipv6]", "[ipv6]:port"
 * or "unix:/path", port the one used when addr has none. MX_OK; MX_ERROR
 * with *err "no host allowed" for a name (nothing is resolved), "invalid
 * port", "no host"...
 */
int mx_ffi_balancer_set_current_peer(mx_http_request_t *r,
    const u_char *addr, size_t addr_len, int port, const char **err);

/*
 * count more tries after this one (taken when this try's peer is set),
 * within proxy_next_upstream_tries: MX_OK with *err NULL, or with *err
 * "reduced tries due to limit" when cut to it.
 */
int mx_ffi_balancer_set_more_tries(mx_http_request_t *r, int count,
    const char **err);

/*
 * How the previous try of a script's peer ended: 0 (first try, or it
 * did not fail), 2 ("next": 403/404), 4 ("failed"), nginx's NGX_PEER_*
 * numbers; *status is the previous try's status (0 when none).
 */
int mx_ffi_balancer_get_last_failure(mx_http_request_t *r, int *status,
    const char **err);

/*
 * proxy_connect/send/read_timeout for this request, in milliseconds
 * (0 or less: unchanged). MX_OK.
 */
int mx_ffi_balancer_set_timeouts(mx_http_request_t *r, long connect_timeout,
    long send_timeout, long read_timeout, const char **err);

/*
 * Builds the request to the upstream again (after ngx.var or header
 * changes in the balancer). MX_OK; MX_ERROR with *err.
 */
int mx_ffi_balancer_recreate_request(mx_http_request_t *r,
    const char **err);

/* ---------------------------------------------- mx_lua_ffi_upstream.c */

/*
 * ngx.upstream (lua-upstream-nginx-module's API) over the configured
 * upstream groups. A group is handed to Lua as an opaque pointer into
 * the cycle's configuration, valid for the worker's life; Lua keeps it
 * for one call only. Peer state is the calling worker's own (memory
 * copied at fork): mx_ffi_upstream_set_peer_down() changes this worker.
 */

/* one "server" line of a group */
typedef struct {
    mx_ffi_str_t        name;          /* as written */
    int                 naddrs;
    int                 weight;
    int                 max_fails;
    int                 fail_timeout;  /* seconds */
    int                 backup;
    int                 down;
} mx_ffi_upstream_server_t;

/* one peer of a group, as the worker sees it now */
typedef struct {
    mx_ffi_str_t        name;          /* "127.0.0.1:8080" */
    int                 weight;
    int                 current_weight;
    int                 effective_weight;
    int                 conns;
    int                 fails;
    int                 max_fails;
    int                 fail_timeout;  /* seconds */
    double              accessed;      /* epoch seconds, 0: never */
    double              checked;
    int                 down;
} mx_ffi_upstream_peer_t;

/* the number of groups, explicit and those proxy_pass made */
int mx_ffi_upstream_count(void);

/*
 * The name of group i (0-based) into *name (static for the cycle's
 * life) and its port (0 for an "upstream" block). MX_OK; MX_DECLINED
 * when i is out of range.
 */
int mx_ffi_upstream_name(int i, mx_ffi_str_t *name, int *port);

/*
 * The group named name ("foo" for a block, "host:port" for a group
 * proxy_pass made), or NULL.
 */
void *mx_ffi_upstream_find(const u_char *name, size_t len);

/* the number of "server" lines of us */
int mx_ffi_upstream_server_count(void *us);

/* server i of us into *out; MX_OK, MX_DECLINED when out of range */
int mx_ffi_upstream_server_get(void *us, int i,
    mx_ffi_upstream_server_t *out);

/*
 * Address j of server i as text ("127.0.0.1:80") into buf (64 bytes or
 * more): its length, or MX_DECLINED when out of range.
 */
int mx_ffi_upstream_server_addr(void *us, int i, int j, u_char *buf,
    size_t size);

/*
 * The number of primary (backup 0) or backup peers of us; MX_DECLINED
 * when us has no peers built (*err "no peer data"), or for backup when
 * it has no backup peers (0 peers for Lua's get_backup_peers()).
 */
int mx_ffi_upstream_peer_count(void *us, int backup, const char **err);

/* peer id of us into *out; MX_OK, MX_DECLINED (*err "bad peer id"...) */
int mx_ffi_upstream_peer_get(void *us, int backup, int id,
    mx_ffi_upstream_peer_t *out, const char **err);

/*
 * Marks peer id down (down != 0) or up in this worker; the balancers
 * skip a down peer. MX_OK; MX_DECLINED with *err "no backup peers",
 * "bad peer id"...
 */
int mx_ffi_upstream_set_peer_down(void *us, int backup, int id, int down,
    const char **err);

/*
 * The group r is proxied to, as get_upstreams() names it: MX_OK with
 * *name (static for the cycle's life) and *port (0 for a block),
 * MX_DECLINED when r has no upstream (yet), MX_FFI_BAD_CONTEXT when r
 * has no Lua context.
 */
int mx_ffi_upstream_current_name(mx_http_request_t *r, mx_ffi_str_t *name,
    int *port);

#endif /* MX_LUA_FFI_H */
