#ifndef MX_HTTP_H
#define MX_HTTP_H

#include "mx_core.h"
#include "mx_pool.h"
#include "mx_array.h"
#include "mx_string.h"
#include "mx_log.h"
#include "mx_times.h"
#include "mx_conf.h"
#include "mx_event.h"
#include "mx_resolver.h"

#include <sys/uio.h>

/*
 * The HTTP core: module contexts and configuration, the request object,
 * the phase runner, the filter chains and the response API. Nothing here
 * knows the wire protocol: HTTP/1.x (mx_http_h1.c) and later HTTP/2 feed
 * the same request object and provide an mx_http_proto_t to send it.
 */

typedef struct mx_http_request_s   mx_http_request_t;
typedef struct mx_http_core_loc_conf_s  mx_http_core_loc_conf_t;
typedef struct mx_http_regex_s          mx_http_regex_t;

/* -------------------------------------------------------------- conf */

typedef struct {
    void        **main_conf;
    void        **srv_conf;
    void        **loc_conf;
} mx_http_conf_ctx_t;

typedef struct {
    int         (*preconfiguration)(mx_conf_t *cf);
    int         (*postconfiguration)(mx_conf_t *cf);

    void       *(*create_main_conf)(mx_conf_t *cf);
    char       *(*init_main_conf)(mx_conf_t *cf, void *conf);

    void       *(*create_srv_conf)(mx_conf_t *cf);
    char       *(*merge_srv_conf)(mx_conf_t *cf, void *prev, void *conf);

    void       *(*create_loc_conf)(mx_conf_t *cf);
    char       *(*merge_loc_conf)(mx_conf_t *cf, void *prev, void *conf);
} mx_http_module_t;

#define mx_http_get_module_main_conf(r, module)                            \
    (r)->main_conf[(module).ctx_index]
#define mx_http_get_module_srv_conf(r, module)                             \
    (r)->srv_conf[(module).ctx_index]
#define mx_http_get_module_loc_conf(r, module)                             \
    (r)->loc_conf[(module).ctx_index]
#define mx_http_get_module_ctx(r, module)  (r)->ctx[(module).ctx_index]
#define mx_http_set_ctx(r, c, module)      (r)->ctx[(module).ctx_index] = c

#define mx_http_conf_get_module_main_conf(cf, module)                      \
    ((mx_http_conf_ctx_t *) (cf)->ctx)->main_conf[(module).ctx_index]
#define mx_http_conf_get_module_srv_conf(cf, module)                       \
    ((mx_http_conf_ctx_t *) (cf)->ctx)->srv_conf[(module).ctx_index]
#define mx_http_conf_get_module_loc_conf(cf, module)                       \
    ((mx_http_conf_ctx_t *) (cf)->ctx)->loc_conf[(module).ctx_index]

extern mx_module_t  mx_http_module;        /* the "http" block */
extern mx_module_t  mx_http_core_module;
extern mx_uint_t    mx_http_max_module;

/* phases, in nginx's order */
typedef enum {
    MX_HTTP_POST_READ_PHASE = 0,
    MX_HTTP_SERVER_REWRITE_PHASE,
    MX_HTTP_FIND_CONFIG_PHASE,
    MX_HTTP_REWRITE_PHASE,
    MX_HTTP_POST_REWRITE_PHASE,
    MX_HTTP_PREACCESS_PHASE,
    MX_HTTP_ACCESS_PHASE,
    MX_HTTP_POST_ACCESS_PHASE,
    MX_HTTP_PRECONTENT_PHASE,
    MX_HTTP_CONTENT_PHASE,
    MX_HTTP_LOG_PHASE,
    MX_HTTP_NPHASES
} mx_http_phase_e;

/*
 * A phase handler returns:
 *   MX_DECLINED  go on with the next handler;
 *   MX_OK        this phase is done, go to the next phase;
 *   MX_DONE      the handler took the request over (it yielded, it waits
 *                for I/O) and will call mx_http_finalize_request() or
 *                mx_http_core_run_phases() later;
 *   MX_ERROR or an HTTP status >= 200: finalize with it.
 * A content handler (clcf->handler) returns MX_DONE, MX_OK, MX_ERROR or a
 * status; MX_OK means the response is complete.
 */
typedef int (*mx_http_handler_pt)(mx_http_request_t *r);

typedef struct {
    mx_array_t     handlers;     /* mx_http_handler_pt */
} mx_http_phase_t;

typedef struct {
    mx_str_t       name;         /* lowercase */
    u_char        *val;
} mx_http_header_val_t;

typedef struct {
    mx_array_t          servers;         /* mx_http_core_srv_conf_t * */
    mx_http_phase_t     phases[MX_HTTP_NPHASES];
    mx_array_t          ports;           /* mx_http_port_t */
    mx_array_t          variables;       /* mx_http_variable_t */
    mx_int_t            lua_log_cosockets_placeholder;
} mx_http_core_main_conf_t;

typedef struct {
    mx_str_t            name;            /* as written, lowercase */
    mx_http_regex_t    *regex;           /* for "~..." */
    unsigned            wildcard_head:1; /* "*.example.com" */
    unsigned            wildcard_tail:1; /* "www.example.*" */
    unsigned            leading_dot:1;   /* ".example.com" */
} mx_http_server_name_t;

typedef struct {
    mx_array_t          server_names;    /* mx_http_server_name_t */
    void              **ctx_main_conf;
    void              **ctx_srv_conf;
    void              **ctx_loc_conf;    /* the server's loc confs */
    mx_http_core_loc_conf_t  *root_locations;  /* the "server" loc conf */

    mx_str_t            server_name;     /* the first name */
    mx_str_t            file_name;       /* where "server" was */
    mx_uint_t           line;

    size_t              client_header_buffer_size;
    size_t              large_client_header_buffers_size;
    mx_flag_t           underscores_in_headers;
    mx_flag_t           ignore_invalid_headers;
    mx_uint_t           large_client_header_buffers_num;
    mx_msec_t           client_header_timeout;

    unsigned            listen:1;
} mx_http_core_srv_conf_t;

/* one listen address and the servers on it */
typedef struct {
    struct sockaddr_storage   sockaddr;
    socklen_t                 socklen;
    mx_str_t                  addr_text;
    mx_array_t                servers;          /* core_srv_conf * */
    mx_http_core_srv_conf_t  *default_server;
    unsigned                  default_set:1;
    unsigned                  reuseport:1;
    int                       backlog;
} mx_http_port_t;

typedef enum {
    MX_HTTP_LOC_PREFIX = 0,
    MX_HTTP_LOC_EXACT,           /* = */
    MX_HTTP_LOC_NOREGEX,         /* ^~ */
    MX_HTTP_LOC_REGEX,           /* ~ */
    MX_HTTP_LOC_REGEX_CASELESS,  /* ~* */
    MX_HTTP_LOC_NAMED            /* @ */
} mx_http_loc_type_e;

typedef struct {
    mx_uint_t       status;
    mx_str_t        uri;          /* "/50x.html", "@named", or a URL */
    mx_int_t        overwrite;    /* =CODE, -1 = keep, 0 = by target */
} mx_http_err_page_t;

typedef struct {
    mx_str_t        name;
    mx_str_t        value;        /* may contain $variables */
    struct mx_http_complex_value_s  *cv;  /* NULL without variables */
    mx_flag_t       always;
} mx_http_add_header_t;

struct mx_http_core_loc_conf_s {
    mx_str_t            name;           /* the location's pattern */
    mx_http_loc_type_e  type;
    mx_http_regex_t    *regex;
    void              **loc_conf;       /* this location's confs */

    mx_array_t         *locations;      /* nested mx_http_core_loc_conf_t * */
    mx_http_core_loc_conf_t  *parent;

    mx_http_handler_pt  handler;        /* content handler */

    mx_str_t            root;
    mx_flag_t           root_set;
    mx_array_t         *index;          /* mx_str_t */
    mx_str_t            default_type;
    void               *types;          /* mx_array_t of mx_http_type_t */

    mx_msec_t           keepalive_timeout;
    mx_uint_t           keepalive_requests;
    mx_msec_t           client_body_timeout;
    mx_msec_t           send_timeout;
    mx_uint_t           lingering_close;  /* MX_HTTP_LINGERING_* */
    mx_msec_t           lingering_time;
    mx_msec_t           lingering_timeout;
    off_t               client_max_body_size;
    size_t              client_body_buffer_size;
    mx_str_t            client_body_temp_path;  /* absolute */
    mx_flag_t           server_tokens;
    mx_flag_t           absolute_redirect;
    mx_flag_t           port_in_redirect;
    mx_flag_t           server_name_in_redirect;

    mx_log_t           *error_log;      /* NULL: the main error log */

    mx_resolver_t      *resolver;       /* NULL: no "resolver" */
    mx_msec_t           resolver_timeout;

    mx_array_t         *error_pages;    /* mx_http_err_page_t */
    mx_array_t         *add_headers;    /* mx_http_add_header_t */

    void               *access_log;     /* see mx_http_log_module.c */
    void               *error_log_unused;

    unsigned            exact_match:1;
    unsigned            noregex:1;
    unsigned            named:1;
    unsigned            internal:1;
};

typedef struct {
    mx_str_t        exten;   /* lowercase */
    mx_str_t        type;
} mx_http_type_t;

/* -------------------------------------------------------- buffers */

typedef struct mx_buf_s    mx_buf_t;
typedef struct mx_chain_s  mx_chain_t;

struct mx_buf_s {
    u_char         *start;        /* memory buffer, or NULL */
    u_char         *pos;
    u_char         *last;
    u_char         *end;

    int             fd;           /* file buffer when in_file */
    off_t           file_pos;
    off_t           file_last;

    unsigned        in_file:1;
    unsigned        last_buf:1;   /* the response's last buffer */
    unsigned        flush:1;
};

struct mx_chain_s {
    mx_buf_t       *buf;
    mx_chain_t     *next;
};

#define mx_buf_size(b)                                                     \
    ((b)->in_file ? (off_t) ((b)->file_last - (b)->file_pos)               \
                  : (off_t) ((b)->last - (b)->pos))

/* -------------------------------------------------------- headers */

typedef struct {
    mx_str_t        key;          /* as received / as set */
    mx_str_t        value;
    u_char         *lowcase_key;  /* key.len bytes */
    mx_uint_t       hash;         /* 0: removed */
} mx_table_elt_t;

typedef struct {
    mx_array_t          headers;          /* mx_table_elt_t in order */

    mx_table_elt_t     *host;
    mx_table_elt_t     *connection;
    mx_table_elt_t     *content_length;
    mx_table_elt_t     *transfer_encoding;
    mx_table_elt_t     *expect;
    mx_table_elt_t     *user_agent;
    mx_table_elt_t     *referer;
    mx_table_elt_t     *content_type;
    mx_table_elt_t     *cookie;
    mx_table_elt_t     *x_forwarded_for;

    mx_str_t            server;           /* Host without the port */
    off_t               content_length_n; /* -1: none */

    unsigned            chunked:1;
    unsigned            connection_close:1;
    unsigned            connection_keepalive:1;
    unsigned            connection_upgrade:1;
    unsigned            expect_continue:1;
} mx_http_headers_in_t;

typedef struct {
    mx_array_t          headers;          /* mx_table_elt_t to send */

    mx_uint_t           status;
    mx_str_t            status_line;      /* "200 OK" override or empty */

    mx_str_t            content_type;     /* empty: default_type */
    off_t               content_length_n; /* -1: unknown */
    time_t              last_modified_time; /* -1: none */
    mx_table_elt_t     *location;

    unsigned            content_type_set:1;
} mx_http_headers_out_t;

#define MX_HTTP_LINGERING_OFF     0
#define MX_HTTP_LINGERING_ON      1
#define MX_HTTP_LINGERING_ALWAYS  2

typedef struct {
    mx_chain_t         *bufs;             /* the body read in memory */
    mx_chain_t         *free;             /* unbuffered: links to reuse */
    int                 temp_fd;          /* the body in a file, or -1 */
    mx_str_t            temp_path;        /* that file's name */
    off_t               received;         /* body bytes so far */
    off_t               rest;             /* -1: chunked, unknown */
    mx_http_handler_pt  post_handler;     /* called when read */
    unsigned            done:1;
    unsigned            discard:1;
} mx_http_request_body_t;

/* ------------------------------------------------------- protocol */

typedef struct {
    /* serializes and queues headers_out (after the header filters) */
    int       (*send_header)(mx_http_request_t *r);
    /* queues/writes body buffers; MX_OK, MX_AGAIN (queued), MX_ERROR */
    int       (*send_chain)(mx_http_request_t *r, mx_chain_t *in);
    /* the response is complete: keepalive, next request, or close */
    void      (*finalize)(mx_http_request_t *r, int rc);
    /* starts reading the request body (see mx_http_read_client_body) */
    int       (*read_body)(mx_http_request_t *r);
    /* the body will be dropped: MX_OK, or a status for a bad body */
    int       (*discard_body)(mx_http_request_t *r);
    /*
     * Watches the client for a close before the response is complete
     * (from when the body is read): r->client_abort_handler is then
     * called once. Data the client sends meanwhile (a pipelined request)
     * ends the watch, as in nginx.
     */
    void      (*watch_client)(mx_http_request_t *r);
    /*
     * The body goes to a reader of the connection (ngx.req.socket), with
     * r->request_body NULL (raw: or done) and the body not discarded.
     * Makes r->request_body (done: the core's readers find nothing to read;
     * rest: the body bytes left on the connection) and sets *preread to
     * the bytes already received past the header, now consumed: at most
     * the body (its Content-Length, > 0) when !raw; when raw, all of
     * them (a pipelined request's too), and the connection is the
     * reader's from now on: no keep-alive, no client abort watch. The
     * reader keeps rest up to date and sets r->body_read when it is 0;
     * a body left unread is discarded after the response (!raw).
     * *preread points into a connection buffer, valid until the reader
     * returns to the loop. MX_OK; MX_DECLINED for a second raw reader;
     * MX_ERROR (no memory, a failed "100 Continue").
     */
    int       (*take_body)(mx_http_request_t *r, int raw,
                           mx_str_t *preread);
    /*
     * Unbuffered body (r->request_body_no_buffering): the reader has sent
     * on every piece of rb->bufs (now empty); reads what has arrived.
     * MX_OK: new pieces in rb->bufs, or rb->done; MX_AGAIN: nothing yet,
     * rb->post_handler is called when there is; or an HTTP status.
     */
    int       (*read_unbuffered)(mx_http_request_t *r);
} mx_http_proto_t;

/* ------------------------------------------------------- request */

#define MX_HTTP_UNKNOWN    0x00000001
#define MX_HTTP_GET        0x00000002
#define MX_HTTP_HEAD       0x00000004
#define MX_HTTP_POST       0x00000008
#define MX_HTTP_PUT        0x00000010
#define MX_HTTP_DELETE     0x00000020
#define MX_HTTP_MKCOL      0x00000040
#define MX_HTTP_COPY       0x00000080
#define MX_HTTP_MOVE       0x00000100
#define MX_HTTP_OPTIONS    0x00000200
#define MX_HTTP_PROPFIND   0x00000400
#define MX_HTTP_PROPPATCH  0x00000800
#define MX_HTTP_LOCK       0x00001000
#define MX_HTTP_UNLOCK     0x00002000
#define MX_HTTP_PATCH      0x00004000
#define MX_HTTP_TRACE      0x00008000
#define MX_HTTP_CONNECT    0x00010000

#define MX_HTTP_VERSION_9   9
#define MX_HTTP_VERSION_10  1000
#define MX_HTTP_VERSION_11  1001
#define MX_HTTP_VERSION_20  2000

/* statuses without a standard code */
#define MX_HTTP_CLIENT_CLOSED_REQUEST     499
#define MX_HTTP_REQUEST_HEADER_TOO_LARGE  494
#define MX_HTTP_CLOSE                     444

struct mx_http_request_s {
    mx_connection_t            *connection;
    mx_pool_t                  *pool;
    const mx_http_proto_t      *proto;
    void                       *proto_data;     /* h1/h2 stream state */

    void                      **ctx;            /* by module ctx_index */
    void                      **main_conf;
    void                      **srv_conf;
    void                      **loc_conf;

    mx_http_core_srv_conf_t    *srv;            /* the chosen server */
    mx_http_port_t             *port;

    /* the request line */
    mx_uint_t                   method;
    mx_str_t                    method_name;
    mx_uint_t                   http_version;
    mx_str_t                    http_protocol;  /* "HTTP/1.1" */
    mx_str_t                    request_line;
    mx_str_t                    unparsed_uri;   /* $request_uri */
    mx_str_t                    uri;            /* decoded, normalized */
    mx_str_t                    args;
    mx_str_t                    exten;
    mx_str_t                    schema;

    mx_http_headers_in_t        headers_in;
    mx_http_headers_out_t       headers_out;
    mx_http_request_body_t     *request_body;

    mx_int_t                    phase_handler;  /* index while running */
    mx_http_phase_e             phase;
    mx_http_handler_pt          content_handler;

    time_t                      start_sec;
    mx_uint_t                   start_msec;

    mx_chain_t                 *out;            /* queued output */

    /*
     * Called when queued output has all been written and the response is
     * not finished (a producer that stopped on MX_AGAIN goes on).
     */
    mx_http_handler_pt          write_event_handler;

    /* the client went away (see mx_http_proto_t.watch_client) */
    mx_http_handler_pt          client_abort_handler;
    off_t                       body_sent;      /* body bytes sent */
    off_t                       bytes_sent;     /* all bytes, $bytes_sent */
    off_t                       header_size;    /* of the response header */
    mx_uint_t                   err_status;

    void                       *variables;      /* indexed values */

    size_t                     *captures;       /* of the last regex match */
    mx_uint_t                   ncaptures;      /* pairs in captures */
    u_char                     *captures_data;  /* the subject matched */
    mx_uint_t                   uri_changes;
    mx_uint_t                   count;          /* references */
    mx_uint_t                   log_index;      /* the log handler to run
                                                   next */
    mx_uint_t                   filter_finalize_status; /* a header filter
                                                   replaced the response
                                                   by this status's error
                                                   page: finalization goes
                                                   there */

    unsigned                    header_sent:1;
    unsigned                    header_only:1;  /* HEAD, 204, 304 */
    unsigned                    keepalive:1;
    unsigned                    chunked:1;      /* response chunked */
    unsigned                    internal:1;
    unsigned                    error_page:1;
    unsigned                    done:1;         /* finalized */
    unsigned                    logged:1;
    unsigned                    blocked:1;      /* output is waiting */
    unsigned                    discard_body:1;
    unsigned                    valid_location:1;
    unsigned                    uri_changed:1;
    unsigned                    expect_tested:1;
    unsigned                    lingering_close:1;
    unsigned                    plain_http:1;
    unsigned                    last_sent:1;    /* last_buf went out */
    unsigned                    body_read:1;    /* body fully consumed */
    unsigned                    request_body_no_buffering:1; /* the body
                                                   is passed on piece by
                                                   piece as it arrives */
    unsigned                    request_complete:1; /* log phase done */
    unsigned                    log_pending:1;  /* a log handler waits */
    unsigned                    fake:1;         /* no client at all: Lua
                                                   timers and
                                                   init_worker_by_lua* */
    unsigned                    detached:1;     /* lives on without its
                                                   connection, until the
                                                   log handlers are done */
};

/* ------------------------------------------------------ the API */

/*
 * Creates a request on a connection, with its own pool, for a protocol.
 * NULL on failure.
 */
mx_http_request_t *mx_http_create_request(mx_connection_t *c,
    const mx_http_proto_t *proto, mx_http_port_t *port);

/* frees the request's pool; the connection stays */
void mx_http_free_request(mx_http_request_t *r);

/*
 * Called by the protocol when the request line and headers are complete
 * and parsed into r: validates them, picks the server and location and
 * runs the phases. Bad requests are finalized with a 4xx.
 */
void mx_http_process_request(mx_http_request_t *r);

/* (re)starts the phase runner at r->phase_handler */
void mx_http_core_run_phases(mx_http_request_t *r);

/*
 * Ends the request: rc is MX_OK/MX_DONE (response complete or complete
 * once the queued output is written), MX_ERROR (close the connection),
 * or an HTTP status >= 300 for which an error page is sent when the
 * header has not gone out yet. Runs the log phase once.
 */
void mx_http_finalize_request(mx_http_request_t *r, int rc);

/* sends r->headers_out through the header filters; MX_OK or MX_ERROR */
int mx_http_send_header(mx_http_request_t *r);

/*
 * Sends body buffers through the body filters. MX_OK when written,
 * MX_AGAIN when some is queued (the protocol writes it later),
 * MX_ERROR when the client is gone.
 */
int mx_http_output_filter(mx_http_request_t *r, mx_chain_t *in);

/* copies len bytes into a pool buffer and sends it; last ends the body */
int mx_http_send_data(mx_http_request_t *r, const u_char *data,
    size_t len, int last);

/* sends a response with a status and a body (for return, errors) */
int mx_http_send_response(mx_http_request_t *r, mx_uint_t status,
    const mx_str_t *content_type, const mx_str_t *body);

/* nginx's built-in error page for status, or error_page redirection */
int mx_http_special_response_handler(mx_http_request_t *r, mx_uint_t st);

/* adds a response header (never replacing); NULL on failure */
mx_table_elt_t *mx_http_add_header_out(mx_http_request_t *r,
    const u_char *key, size_t klen, const u_char *val, size_t vlen);

/* finds a request header by lowercase name; NULL when absent */
mx_table_elt_t *mx_http_find_header_in(mx_http_request_t *r,
    const u_char *lowcase, size_t len);

/* the status line text for a status: "404 Not Found"; empty if unknown */
const mx_str_t *mx_http_status_line(mx_uint_t status);

/* the MIME type of an extension by the location's types; MX_DECLINED */
int mx_http_set_content_type(mx_http_request_t *r);

/* starts an internal redirect to uri (or "@name"); MX_DONE */
int mx_http_internal_redirect(mx_http_request_t *r, const mx_str_t *uri,
    const mx_str_t *args);

/*
 * Reads the request body and calls post_handler(r) once it is complete.
 * A body that fits in client_body_buffer_size stays in memory
 * (r->request_body->bufs); a larger one goes whole to a temporary file in
 * client_body_temp_path (temp_fd, temp_path; bufs is NULL), removed when
 * the request ends. MX_OK when already done (post_handler was called),
 * MX_AGAIN when waiting, or an HTTP status (413, 400, 408, 500) on
 * failure.
 *
 * With r->request_body_no_buffering, post_handler is called at once, with
 * the pieces already received in rb->bufs (in the protocol's buffers),
 * and again whenever pieces arrive or the body ends (rb->done), until an
 * error finalizes r. Nothing more is read until the reader has sent
 * rb->bufs on and called mx_http_read_unbuffered_request_body(): memory
 * stays bounded and a slow reader slows the client down.
 */
int mx_http_read_client_body(mx_http_request_t *r,
    mx_http_handler_pt post_handler);

/*
 * Unbuffered body: the pieces of rb->bufs were sent on; their buffers are
 * reused. MX_OK with new pieces in rb->bufs or rb->done set, MX_AGAIN
 * (post_handler comes when there is more), or an HTTP status (400, 408,
 * 413, 499) to finalize r with.
 */
int mx_http_read_unbuffered_request_body(mx_http_request_t *r);

/*
 * Keeps len bytes of body just received (rb->received already counts
 * them): in memory, pointing at data, which must live as long as r, or
 * in the body's temporary file once the body outgrows
 * client_body_buffer_size. MX_OK or MX_ERROR.
 */
int mx_http_request_body_save(mx_http_request_t *r, const u_char *data,
    size_t len);

/*
 * The body will not be used: it is dropped as it arrives (after the
 * response), "100 Continue" is sent when the client waits for it, and
 * what already arrived is checked. MX_OK, or an HTTP status (400) for a
 * malformed body.
 */
int mx_http_discard_request_body(mx_http_request_t *r);

/* ------------------------------------------------------- parsing */

/* the bytes of a token (a header name, a method): RFC 9110 tchar */
extern const uint8_t  mx_http_tchar[256];

/*
 * One header line from *pos (lines end in LF or CRLF): MX_OK with name
 * and value (spaces around the value dropped, as nginx does), MX_DONE for
 * the empty line ending the block, MX_AGAIN when the line is not whole,
 * MX_ERROR with *bad at the first byte that is wrong. *pos moves past
 * the line.
 */
int mx_http_parse_header_line(u_char **pos, u_char *last, mx_str_t *name,
    mx_str_t *value, u_char **bad);

typedef struct {
    mx_uint_t   state;
    off_t       size;             /* of the chunk, left */
} mx_http_chunked_t;

/*
 * A chunked body from *pos up to last (ctx zeroed first): MX_OK with a
 * run of data (pointing into the input; *pos moves past it), MX_AGAIN
 * when all the input was used, MX_DONE after the last chunk and the
 * trailer (*pos is past the body), MX_ERROR on a malformed body.
 */
int mx_http_parse_chunked(mx_http_chunked_t *ctx, u_char **pos,
    u_char *last, mx_str_t *data);

/* finds the location for r->uri in the chosen server; sets loc_conf */
int mx_http_find_location(mx_http_request_t *r);

/*
 * A compiled regex of the config (location, server_name) with its named
 * groups registered as variables.
 */
struct mx_http_regex_s {
    void                 *code;        /* pcre2_code * */
    mx_uint_t             nnames;
    struct {
        mx_uint_t                        group;
        struct mx_http_variable_s       *var;
    }                    *names;
};

/*
 * Compiles a config regex (PCRE2, JIT when available) and registers its
 * named groups as variables; logs nginx's "pcre2_compile() failed" on
 * error. NULL on failure.
 */
mx_http_regex_t *mx_http_regex_compile(mx_conf_t *cf, const mx_str_t *re,
    int caseless);

/*
 * Matches s: MX_OK (r->captures and named variables set), MX_DECLINED,
 * MX_ERROR.
 */
int mx_http_regex_exec(mx_http_request_t *r, mx_http_regex_t *re,
    const mx_str_t *s);

/* after r->loc_conf changed: the location's error_log for r's lines */
void mx_http_set_error_log(mx_http_request_t *r);

/* finds a named location ("@name") of r's server; NULL if absent */
mx_http_core_loc_conf_t *mx_http_find_named_location(mx_http_request_t *r,
    const mx_str_t *name);

/*
 * Runs the log phase handlers once. A handler may return MX_AGAIN (Lua
 * that waits in log_by_lua*, lua_log_cosockets): the others then run
 * when it calls mx_http_log_resume(), and this returns MX_AGAIN. The
 * protocol must then hand r over with mx_http_request_detach() instead
 * of freeing it; the request is freed when its log phase ends.
 */
int mx_http_log_request(mx_http_request_t *r);
void mx_http_log_resume(mx_http_request_t *r);

/*
 * Lets r live on without its client connection (which goes on with the
 * next request or closes): r->connection becomes a socket-less copy made
 * in r->pool, with data (the protocol's connection state, size bytes)
 * copied too so that the error-log context still works; returns the
 * copy of data for the protocol to fix up, NULL on memory failure (then
 * r is freed at once, its log phase cut short). A graceful shutdown
 * waits for detached requests.
 */
void *mx_http_request_detach(mx_http_request_t *r, size_t size);

/* a hook point: returns the hash for header keys (case-insensitive) */
mx_uint_t mx_hash_key_lc(const u_char *data, size_t len);

/* filters: modules insert themselves at postconfiguration */
typedef int (*mx_http_output_header_filter_pt)(mx_http_request_t *r);
typedef int (*mx_http_output_body_filter_pt)(mx_http_request_t *r,
    mx_chain_t *in);

extern mx_http_output_header_filter_pt  mx_http_top_header_filter;
extern mx_http_output_body_filter_pt    mx_http_top_body_filter;

/* the log handler for r's connection log: ", client: ..., request: .." */
u_char *mx_http_log_error_handler(mx_log_t *log, u_char *buf, size_t len);

/* ----------------------------------------------------- variables */

/*
 * Reads a variable by lowercase name ("uri", "arg_foo", "http_host",
 * "1"...). MX_OK with *value set (pointing into request memory, valid
 * for the request's life), MX_DECLINED when it is unknown or not found.
 */
int mx_http_variable_get(mx_http_request_t *r, const u_char *name,
    size_t len, mx_str_t *value);

/* MX_OK when name is a known variable or prefix ($arg_, $http_ ...) */
int mx_http_variable_exists(const u_char *name, size_t len);

/*
 * A "complex value": a string with $var / ${var} parts evaluated per
 * request (log_format, return, add_header).
 */
typedef struct mx_http_complex_value_s {
    mx_str_t        raw;
    mx_array_t     *parts;   /* NULL when there are no variables */
} mx_http_complex_value_t;

/*
 * Appends the literal and $variable parts of text to parts (an array of
 * mx_http_cv_part_t); MX_OK or MX_ERROR with an [emerg] logged.
 */
int mx_http_compile_parts(mx_conf_t *cf, mx_array_t *parts,
    const mx_str_t *text);

/* compiles v->raw; MX_OK or MX_ERROR with an [emerg] logged */
int mx_http_compile_complex_value(mx_conf_t *cf, mx_http_complex_value_t *v);

/* evaluates into a pool string; MX_OK or MX_ERROR */
int mx_http_complex_value(mx_http_request_t *r,
    const mx_http_complex_value_t *v, mx_str_t *out);

/* needs of variables/log/static */

/*
 * A variable's getter: MX_OK with *v set (pointing into request memory
 * or static memory, valid for the request's life), MX_DECLINED when the
 * variable has no value ("not found": "-" in the access log, "" in a
 * complex value, nil in Lua). For prefix variables ("arg_", "http_" and
 * those added with MX_HTTP_VAR_PREFIX) data is a (const mx_str_t *) with
 * the full lowercase name, e.g. "http_user_agent".
 */
typedef int (*mx_http_variable_handler_pt)(mx_http_request_t *r,
    mx_str_t *v, uintptr_t data);

/* assigns a value (set, ngx.var.x = v); MX_OK or MX_ERROR */
typedef int (*mx_http_variable_set_pt)(mx_http_request_t *r,
    const mx_str_t *v, uintptr_t data);

#define MX_HTTP_VAR_CHANGEABLE   0x01   /* "set" and Lua may assign it */
#define MX_HTTP_VAR_PREFIX       0x02   /* name is a prefix: "upstream_http_" */
#define MX_HTTP_VAR_UNRESOLVED   0x100  /* referenced, not (yet) defined */

/*
 * A variable added by a module at config time (set, map, upstream, Lua).
 * cmcf->variables holds pointers (mx_http_variable_t *) that stay valid
 * for the cycle; index is the slot of the per-request value.
 */
typedef struct mx_http_variable_s {
    mx_str_t                      name;    /* lowercase, without '$' */
    mx_http_variable_handler_pt   get;     /* NULL: the value assigned */
    mx_http_variable_set_pt       set;     /* NULL: store the value */
    uintptr_t                     data;
    mx_uint_t                     flags;   /* MX_HTTP_VAR_* */
    mx_uint_t                     index;   /* in cmcf->variables */
} mx_http_variable_t;

/*
 * Finds or adds a variable in cmcf->variables (cf must be inside http).
 * Adding a variable that is already defined and not changeable, or a
 * built-in that is not changeable, logs [emerg] the duplicate "x" variable
 * and returns NULL; NULL also on allocation failure. The caller may set
 * get/set/data on the returned entry.
 */
mx_http_variable_t *mx_http_add_variable(mx_conf_t *cf, const u_char *name,
    size_t len, mx_uint_t flags);

/*
 * Assigns a changeable variable by name (Lua's ngx.var.x = v) or by entry
 * (set). value->data must live as long as r (r->pool or static).
 * MX_OK; MX_DECLINED when unknown or not changeable; MX_ERROR on failure.
 */
int mx_http_variable_set(mx_http_request_t *r, const u_char *name,
    size_t len, const mx_str_t *value);
int mx_http_variable_set_value(mx_http_request_t *r, mx_http_variable_t *v,
    const mx_str_t *value);

/*
 * Checks that every variable referenced in the configuration has been
 * defined by some module (nginx's "[emerg] unknown "x" variable", logged
 * without a file:line as nginx does). Called once after the http block's
 * postconfiguration handlers; calling it again is harmless. MX_OK or
 * MX_ERROR.
 */
int mx_http_variables_init_vars(mx_conf_t *cf);

/*
 * One part of a compiled complex value (v->parts holds these): a literal
 * (get == NULL, text is the literal) or a variable (text is its name).
 */
typedef struct {
    mx_str_t                      text;
    mx_http_variable_handler_pt   get;
    uintptr_t                     data;
} mx_http_cv_part_t;

/*
 * Resolves the variable name[len] (without '$', any case; "1".."9" are
 * regex captures) into a part, at config time. Unknown names are recorded
 * and checked by mx_http_variables_init_vars(). MX_OK or MX_ERROR.
 */
int mx_http_variable_compile(mx_conf_t *cf, const u_char *name, size_t len,
    mx_http_cv_part_t *part);

/* evaluates one part; MX_OK or MX_DECLINED (a variable without value) */
int mx_http_cv_part_value(mx_http_request_t *r, const mx_http_cv_part_t *p,
    mx_str_t *v);

/*
 * Maps r->uri to a file name under the location's root (relative roots
 * are taken from the prefix; no root means "html"): *path is allocated in
 * r->pool with `reserved` spare bytes after it and NUL-terminated,
 * *root_len is the length of the root part. MX_OK or MX_ERROR.
 */
int mx_http_map_uri_to_path(mx_http_request_t *r, mx_str_t *path,
    size_t *root_len, size_t reserved);

#endif /* MX_HTTP_H */
