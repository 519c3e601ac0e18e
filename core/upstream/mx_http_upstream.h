#ifndef MX_HTTP_UPSTREAM_H
#define MX_HTTP_UPSTREAM_H

#include "mx_http.h"
#include "mx_upstream.h"
#include "mx_ssl.h"


/*
 * Running a request against an upstream group over HTTP/1.x: peer choice
 * and connect with timeouts, sending the request (memory and a body in a
 * temporary file), parsing the response with http-parser, retries by
 * proxy_next_upstream, and streaming the body to the client through fixed
 * buffers with backpressure (reading stops while the client is slow).
 * The proxy module (mx_http_proxy_*.c) builds the request and copies the
 * response header; the keepalive pool and the balancer are in
 * mx_upstream*.c.
 */

/* proxy_next_upstream conditions (nginx's names) */
#define MX_UPSTREAM_FT_ERROR           0x00000002
#define MX_UPSTREAM_FT_TIMEOUT         0x00000004
#define MX_UPSTREAM_FT_INVALID_HEADER  0x00000008
#define MX_UPSTREAM_FT_HTTP_500        0x00000010
#define MX_UPSTREAM_FT_HTTP_502        0x00000020
#define MX_UPSTREAM_FT_HTTP_503        0x00000040
#define MX_UPSTREAM_FT_HTTP_504        0x00000080
#define MX_UPSTREAM_FT_HTTP_403        0x00000100
#define MX_UPSTREAM_FT_HTTP_404        0x00000200
#define MX_UPSTREAM_FT_HTTP_429        0x00000400
#define MX_UPSTREAM_FT_NON_IDEMPOTENT  0x00004000
#define MX_UPSTREAM_FT_NOLIVE          0x40000000
#define MX_UPSTREAM_FT_OFF             0x80000000

typedef struct {
    mx_upstream_srv_conf_t   *upstream;

    mx_msec_t                 connect_timeout;
    mx_msec_t                 send_timeout;
    mx_msec_t                 read_timeout;
    mx_msec_t                 next_upstream_timeout;

    size_t                    buffer_size;       /* proxy_buffer_size */
    mx_uint_t                 bufs_num;          /* proxy_buffers */
    size_t                    bufs_size;

    mx_flag_t                 buffering;
    mx_flag_t                 request_buffering;
    mx_flag_t                 ignore_client_abort;
    mx_flag_t                 pass_request_headers;
    mx_flag_t                 pass_request_body;
    mx_flag_t                 intercept_errors;

    mx_uint_t                 next_upstream;     /* MX_UPSTREAM_FT_* */
    mx_uint_t                 next_upstream_tries;

    /* https upstreams */
    SSL_CTX                  *ssl_ctx;           /* NULL: no https */
    mx_http_complex_value_t  *ssl_name;          /* NULL: the host */
    mx_flag_t                 ssl_server_name;   /* send SNI */
    mx_flag_t                 ssl_verify;
    mx_flag_t                 ssl_session_reuse;
} mx_http_upstream_conf_t;

/* one try, for $upstream_addr, $upstream_status and the timings */
typedef struct {
    mx_str_t                 *peer;
    mx_uint_t                 status;            /* 0: none ("-") */
    mx_msec_t                 start;
    mx_msec_t                 connect_time;      /* -1: not reached */
    mx_msec_t                 header_time;
    mx_msec_t                 response_time;
    off_t                     response_length;
    off_t                     bytes_received;
} mx_http_upstream_state_t;

typedef struct mx_http_upstream_s  mx_http_upstream_t;

/* a piece of the request to send: memory, or a file region */
typedef struct {
    u_char                   *data;
    size_t                    len;
    int                       fd;                /* -1: memory */
    off_t                     offset;
} mx_http_upstream_out_t;

struct mx_http_upstream_s {
    mx_http_request_t        *r;
    mx_http_upstream_conf_t  *conf;

    /* set by the module */
    int                     (*create_request)(mx_http_request_t *r);
    int                     (*process_header)(mx_http_request_t *r);
    /*
     * When the group is not known yet (a name to resolve): called once
     * the request body is read, before anything else; MX_OK goes on,
     * MX_AGAIN waits (the module sets conf->upstream, clears resolve and
     * calls mx_http_upstream_init() again), or a status ends r.
     */
    int                     (*resolve)(mx_http_request_t *r);
    mx_str_t                  schema;            /* "http://" */
    mx_str_t                  ssl_host;          /* the https host */
    mx_str_t                  uri;               /* as sent, for the log */
    mx_str_t                  request_head;      /* request line, headers */

    mx_upstream_rr_peer_data_t  rrp;
    mx_connection_t          *peer_c;
    mx_ssl_conn_t            *peer_ssl;          /* TLS on peer_c */
    mx_str_t                  ssl_name;          /* SNI, verified name */
    u_char                   *ssl_buf;           /* the request to send */
    int                       ssl_want;          /* MX_SSL_WANT_* */
    mx_log_t                  log;               /* with "upstream: ..." */
    mx_log_handler_pt         client_handler;
    void                     *client_data;

    /* the request being sent */
    mx_http_upstream_out_t   *out;
    mx_uint_t                 nout;
    mx_uint_t                 out_idx;
    size_t                    out_off;
    mx_uint_t                 out_alloc;         /* room in out */
    u_char                    chunk_head[24];    /* "<hex>\r\n" */

    /* the response header (mx_http_upstream_parse.c) */
    u_char                   *hbuf;
    size_t                    hsize;
    size_t                    hlast;
    size_t                    hparsed;
    mx_array_t                headers_in;        /* mx_table_elt_t */
    mx_uint_t                 http_major;
    mx_uint_t                 http_minor;
    mx_uint_t                 status_n;
    mx_str_t                  status_line;       /* "200 OK" */
    u_char                   *reason;
    size_t                    reason_len;
    off_t                     content_length_n;

    /* the response body */
    off_t                     body_rest;         /* of the length */
    mx_http_chunked_t         chunked;
    u_char                   *bbuf;
    size_t                    bsize;
    size_t                    out_last;          /* decoded bytes to send */
    size_t                    raw_pos;           /* unparsed input */
    size_t                    raw_last;
    mx_buf_t                  obuf;
    mx_chain_t                ochain;

    /* after a 101: a byte tunnel (mx_http_upstream_tunnel.c) */
    mx_connection_t          *client_c;
    void                     *client_c_data;     /* the protocol's */
    u_char                   *tbuf;              /* client to upstream */
    size_t                    tsize;
    size_t                    tpos;
    size_t                    tlast;
    size_t                    dpos;              /* upstream to client */
    size_t                    dlast;             /*   in bbuf */

    mx_array_t                states;            /* of every try */
    mx_http_upstream_state_t *state;
    mx_msec_t                 peer_start_time;

    unsigned                  ssl:1;             /* https */
    unsigned                  ssl_name_set:1;
    unsigned                  connecting:1;
    unsigned                  request_sent:1;
    unsigned                  request_done:1;
    unsigned                  cached:1;
    unsigned                  header_done:1;     /* headers complete */
    unsigned                  status_seen:1;
    unsigned                  message_done:1;
    unsigned                  http09:1;
    unsigned                  resp_chunked:1;
    unsigned                  resp_length:1;     /* Content-Length */
    unsigned                  resp_close:1;      /* Connection: close */
    unsigned                  out_pending:1;     /* client is slow */
    unsigned                  connection_close:1;
    unsigned                  finished:1;
    unsigned                  body_error:1;
    unsigned                  upgraded:1;
    unsigned                  body_started:1;    /* the body reader was
                                                    called back once */
    /* an unbuffered request body (proxy_request_buffering off): sent on
     * piece by piece as the client sends it, chunked when its length is
     * not known */
    unsigned                  body_unbuffered:1;
    unsigned                  body_chunked:1;
    unsigned                  body_waiting:1;    /* for the client */
    unsigned                  body_in_out:1;     /* out has rb->bufs */
    unsigned                  body_all_out:1;    /* out ends the body */
    unsigned                  body_consumed:1;   /* pieces were released:
                                                    no retry now */
    unsigned                  body_abandoned:1;  /* the upstream answered
                                                    before the end */
    unsigned                  client_eof;        /* addressed: no bits */
    unsigned                  peer_eof;
};

/*
 * A new upstream state for r (in r->pool, with a cleanup that closes the
 * peer connection when r ends early); NULL on failure.
 */
mx_http_upstream_t *mx_http_upstream_create(mx_http_request_t *r);

/* the upstream state of r, also after an internal redirect, or NULL */
mx_http_upstream_t *mx_http_upstream_get(mx_http_request_t *r);

/*
 * Reads the request body when it is to be passed (and drops it
 * otherwise), then builds the request and starts the first try. Returns
 * MX_DONE (the request is finalized later) or an HTTP status.
 */
int mx_http_upstream_init(mx_http_request_t *r);

/*
 * After a "101 Switching Protocols" answering a client's Upgrade: writes
 * the 101 header to the client and relays bytes both ways until either
 * side closes (proxy_read_timeout is the idle timeout upstream side).
 * Takes the client connection over from the protocol for that time.
 */
void mx_http_upstream_tunnel_start(mx_http_upstream_t *u);

/*
 * Internal to the upstream files: recv and send on u->peer_c, through TLS
 * for https; as mx_peer_recv() / mx_conn_send().
 */
ssize_t mx_http_upstream_peer_recv(mx_http_upstream_t *u, u_char *buf,
    size_t size);
ssize_t mx_http_upstream_peer_send(mx_http_upstream_t *u, u_char *buf,
    size_t size);

/* internal to the upstream files: ends the upstream part, finalizes r */
void mx_http_upstream_finalize_request(mx_http_upstream_t *u, int rc);

/*
 * Internal: the response (mx_http_upstream_parse.c). parse_init readies u
 * for a new response. parse_header parses hbuf up to hlast: MX_OK when
 * the header is complete (hparsed is where the body starts; status_n,
 * headers_in, the framing and connection_close are set; an HTTP/0.9
 * answer sets http09), MX_AGAIN, MX_DECLINED (invalid, logged), MX_ERROR
 * (no memory). parse_body decodes len bytes at data, not before
 * bbuf + out_last, into bbuf + out_last (out_last grows; message_done is
 * set at the end): MX_OK or MX_ERROR (logged). parse_eof: the peer
 * closed; a body up to the close is complete.
 */
void mx_http_upstream_parse_init(mx_http_upstream_t *u);
int mx_http_upstream_parse_header(mx_http_upstream_t *u);
int mx_http_upstream_parse_body(mx_http_upstream_t *u, u_char *data,
    size_t len);
void mx_http_upstream_parse_eof(mx_http_upstream_t *u);

#endif /* MX_HTTP_UPSTREAM_H */
