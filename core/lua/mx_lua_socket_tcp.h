#ifndef MX_LUA_SOCKET_TCP_H
#define MX_LUA_SOCKET_TCP_H

#include "mx_lua_module.h"
#include "mx_lua_ffi.h"

/*
 * ngx.socket.tcp: lua-nginx-module's TCP cosockets (lua/resty/core/
 * socket_tcp.lua over these exports). Everything runs on the worker's
 * loop: connect (through the resolver for names), send, the receive
 * patterns, receiveuntil, sslhandshake (after which all of it runs over
 * TLS), and the per-worker keepalive pools of setkeepalive(), whose idle
 * connections (TLS state included) outlive the requests that made them.
 *
 * A socket is a malloc'ed mx_lua_socket_tcp_t held by a Lua cdata (its
 * finalizer calls mx_ffi_socket_tcp_free). It belongs to the request of
 * its last connect(): another request's calls raise "bad request". When
 * that request ends, the connection is closed (not pooled), the socket's
 * watchers stop, and its methods answer "closed" (connect() still raises
 * "bad request").
 *
 * Waiting follows core/lua/mx_lua_module.h: an operation that cannot end
 * at once returns MX_AGAIN with the calling thread recorded; the event
 * handlers finish it and wake that thread, which then collects the
 * outcome with the matching *_result function (MX_AGAIN again when woken
 * for something else: wait again). A socket has at most one reader and
 * one writer waiting; connecting counts as writing.
 *
 * Messages (*err) are NUL-terminated, static or in the socket, valid
 * until the next call on it. Return codes besides their own:
 * MX_FFI_BAD_CONTEXT means "raise *err" (a context where cosockets are
 * disabled, or a socket of another request: "bad request").
 */

/* where cosockets may be used, as they wait (and log_by_lua* with
 * lua_log_cosockets on: mx_http_lua_check_context() lets it in) */
#define MX_LUA_CONTEXT_COSOCKET                                            \
    (MX_LUA_CONTEXT_YIELDABLE|MX_LUA_CONTEXT_TIMER)

/* receive() modes */
#define MX_LUA_SOCKET_RECV_LINE   0     /* "*l" */
#define MX_LUA_SOCKET_RECV_ALL    1     /* "*a" */
#define MX_LUA_SOCKET_RECV_BYTES  2     /* a number */
#define MX_LUA_SOCKET_RECV_ANY    3     /* receiveany(max) */
#define MX_LUA_SOCKET_RECV_BAD    4     /* a bad pattern: the checks only */

/* setoption()/getoption() names, lua-nginx-module's numbers */
#define MX_LUA_SOCKOPT_KEEPALIVE    1
#define MX_LUA_SOCKOPT_REUSEADDR    2
#define MX_LUA_SOCKOPT_TCP_NODELAY  3
#define MX_LUA_SOCKOPT_SNDBUF       4
#define MX_LUA_SOCKOPT_RCVBUF       5

typedef struct mx_lua_socket_tcp_s      mx_lua_socket_tcp_t;
typedef struct mx_lua_socket_pattern_s  mx_lua_socket_pattern_t;

/*
 * ngx.socket.tcp(): MX_OK where cosockets may be used, else
 * MX_FFI_BAD_CONTEXT with *err ("API disabled in the context of ...").
 */
int mx_ffi_socket_tcp_check(mx_http_request_t *r, const char **err);

/*
 * ngx.req.socket(raw): *sp gets a socket (freed by
 * mx_ffi_socket_tcp_free) on a dup of the client's connection, which
 * starts with the bytes the connection already read past the header.
 * Not raw: a reader of the Content-Length body (chunked ones are
 * refused), whose end reads as the peer closing. Raw: the connection
 * itself, both ways, after any body left; the response header is then
 * the socket's to send, and the connection closes after the request.
 * MX_OK; MX_ERROR with *err ("no body", "request body already exists",
 * "chunked request bodies not supported yet", "request body
 * discarded", "pending request body reading in some other thread",
 * "pending data to write", "duplicate call"...); MX_FFI_BAD_CONTEXT
 * with *err to raise.
 */
int mx_ffi_req_socket(mx_http_request_t *r, int raw, mx_lua_socket_tcp_t **sp,
    const char **err);

/* a closed socket; NULL on memory failure */
mx_lua_socket_tcp_t *mx_ffi_socket_tcp_new(void);

/* the cdata's finalizer: closes the connection (never pools it) */
void mx_ffi_socket_tcp_free(mx_lua_socket_tcp_t *s);

/*
 * connect(): host is an IP literal ("[::1]" or "::1" too), a name to
 * resolve, or "unix:/path" (port 0); key names the keepalive pool
 * ("host:port", the path, or opts.pool; NULL: "host:port" made from host
 * and port). pool_size > 0 (opts.pool_size;
 * < 0: lua_socket_pool_size, for opts.backlog alone) creates the pool
 * now; backlog >= 0 queues connects beyond pool_size (up to backlog of
 * them, each for the connect timeout). An open connection is closed
 * first. MX_OK connected (an idle pooled connection, or at once);
 * MX_AGAIN wait, then mx_ffi_socket_tcp_connect_result; MX_ERROR with
 * *err ("connection refused", "timeout", 'no resolver defined to resolve
 * "x"', "socket busy reading"...).
 */
int mx_ffi_socket_tcp_connect(mx_http_request_t *r, mx_lua_socket_tcp_t *s,
    const u_char *host, size_t host_len, int port, const u_char *key,
    size_t key_len, int pool_size, int backlog, const char **err);

int mx_ffi_socket_tcp_connect_result(mx_http_request_t *r,
    mx_lua_socket_tcp_t *s, const char **err);

/*
 * send(): data (len bytes) stays the caller's and must live until the
 * result is collected (the waiting Lua thread holds it). MX_OK when all
 * is sent; MX_AGAIN wait, then mx_ffi_socket_tcp_send_result; MX_ERROR
 * with *err ("closed", "timeout", "broken pipe"...): the writing side is
 * closed then. bad_arg: the caller found a bad argument; once the socket
 * passed the checks, MX_DECLINED tells it to raise its error.
 */
int mx_ffi_socket_tcp_send(mx_http_request_t *r, mx_lua_socket_tcp_t *s,
    const u_char *data, size_t len, int bad_arg, const char **err);

int mx_ffi_socket_tcp_send_result(mx_http_request_t *r,
    mx_lua_socket_tcp_t *s, const char **err);

/*
 * receive() and receiveany(): mode MX_LUA_SOCKET_RECV_*, size the bytes
 * of RECV_BYTES (0: "" at once) or the maximum of RECV_ANY. MX_OK with
 * *data, *len (in the socket, valid until its next call); MX_AGAIN wait,
 * then mx_ffi_socket_tcp_receive_result; MX_ERROR with *err and the
 * partial data in *data, *len (the reading side is closed, but for
 * "timeout"); MX_DECLINED: RECV_BAD passed the checks, raise the caller's
 * pattern error.
 */
int mx_ffi_socket_tcp_receive(mx_http_request_t *r, mx_lua_socket_tcp_t *s,
    int mode, size_t size, const u_char **data, size_t *len,
    const char **err);

int mx_ffi_socket_tcp_receive_result(mx_http_request_t *r,
    mx_lua_socket_tcp_t *s, const u_char **data, size_t *len,
    const char **err);

/*
 * receiveuntil(): a compiled pattern (copied), freed by
 * mx_ffi_socket_tcp_pattern_free; NULL on memory failure.
 */
mx_lua_socket_pattern_t *mx_ffi_socket_tcp_pattern_new(const u_char *pat,
    size_t len, int inclusive);

void mx_ffi_socket_tcp_pattern_free(mx_lua_socket_pattern_t *p);

/*
 * One call of a receiveuntil() iterator: size 0 reads up to the pattern;
 * size > 0 returns at most about size bytes a call, then the last piece
 * when the pattern comes, then MX_DONE once (the iterator's nil, nil,
 * nil). Otherwise as mx_ffi_socket_tcp_receive (result included).
 */
int mx_ffi_socket_tcp_receive_until(mx_http_request_t *r,
    mx_lua_socket_tcp_t *s, mx_lua_socket_pattern_t *p, size_t size,
    const u_char **data, size_t *len, const char **err);

/*
 * sslhandshake(reused_session, server_name, ssl_verify, send_status_req):
 * TLS on the connection, with the location's lua_ssl_* settings. sess:
 * an SSL_SESSION from an earlier handshake to resume, or NULL; reuse:
 * hand the session out (always when sess is given); name (name_len
 * bytes, NULL: none) goes in the SNI and, with verify, must match the
 * certificate, whose chain must then verify against
 * lua_ssl_trusted_certificate. The handshake has the connect timeout and
 * counts as connecting. Returns
 *   MX_OK       the outcome is in: collect it with _result;
 *   MX_AGAIN    wait, then mx_ffi_socket_tcp_sslhandshake_result;
 *   MX_DONE     the connection is TLS already (a pooled one) and sess was
 *               given: it is the answer;
 *   MX_ERROR    *err at once ("closed", "bad request", "socket busy
 *               ...", "SSL_set_tlsext_host_name failed"...), the
 *               connection as it was;
 *   MX_DECLINED the socket never connected: raise "socket is never
 *               created nor connected".
 */
int mx_ffi_socket_tcp_sslhandshake(mx_http_request_t *r,
    mx_lua_socket_tcp_t *s, void *sess, int reuse, const u_char *name,
    size_t name_len, int verify, int ocsp_status_req, const char **err);

/*
 * MX_OK with *sess (the caller's reference, freed with
 * mx_ffi_socket_tcp_ssl_free_session; NULL unless reuse); MX_AGAIN: wait
 * again; MX_ERROR with *err ("handshake failed", "timeout", "certificate
 * host mismatch", or OpenSSL's text of the X509_V_ERR_* in *code, else
 * 0): the socket is closed then.
 */
int mx_ffi_socket_tcp_sslhandshake_result(mx_http_request_t *r,
    mx_lua_socket_tcp_t *s, void **sess, const char **err, int *code);

void mx_ffi_socket_tcp_ssl_free_session(void *sess);

/* close(): MX_OK; MX_ERROR with *err ("closed", "socket busy ...") */
int mx_ffi_socket_tcp_close(mx_http_request_t *r, mx_lua_socket_tcp_t *s,
    const char **err);

/*
 * settimeout(ms) and settimeouts(): 0 means the lua_socket_*_timeout of
 * the location; applies from the next operation.
 */
void mx_ffi_socket_tcp_settimeouts(mx_lua_socket_tcp_t *s,
    long connect_timeout, long send_timeout, long read_timeout);

/*
 * setkeepalive(): timeout < 0 / pool_size <= 0 mean the location's
 * lua_socket_keepalive_timeout / lua_socket_pool_size (timeout 0: no
 * limit). The connection joins the pool of the socket's key and the
 * socket is closed. MX_OK; MX_ERROR with *err ("closed", "unread data
 * in buffer", "invalid connection", "connection in dubious state"...);
 * MX_DECLINED when bad_arg and the checks passed: raise the caller's
 * argument error.
 */
int mx_ffi_socket_tcp_setkeepalive(mx_http_request_t *r,
    mx_lua_socket_tcp_t *s, long timeout, long pool_size, int bad_arg,
    const char **err);

/* getreusedtimes(): >= 0; -1 when closed */
int mx_ffi_socket_tcp_getreusedtimes(mx_lua_socket_tcp_t *s);

/*
 * setoption()/getoption() (MX_LUA_SOCKOPT_*): MX_OK; MX_ERROR with *err
 * ("closed", or the system's message).
 */
int mx_ffi_socket_tcp_setoption(mx_lua_socket_tcp_t *s, int option,
    int value, const char **err);

int mx_ffi_socket_tcp_getoption(mx_lua_socket_tcp_t *s, int option,
    int *value, const char **err);

#endif /* MX_LUA_SOCKET_TCP_H */
