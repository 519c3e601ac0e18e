#include "mx_http.h"

/*
 * Sending responses: the header and body filter chains, helpers that
 * send a whole response, nginx's status lines and built-in error pages.
 */

static int mx_http_header_filter_core(mx_http_request_t *r);
static int mx_http_body_filter_core(mx_http_request_t *r, mx_chain_t *in);

mx_http_output_header_filter_pt  mx_http_top_header_filter =
    mx_http_header_filter_core;
mx_http_output_body_filter_pt    mx_http_top_body_filter =
    mx_http_body_filter_core;


typedef struct {
    mx_uint_t   status;
    mx_str_t    line;
} mx_http_status_t;

static mx_http_status_t  mx_http_statuses[] = {
    { 100, mx_string("100 Continue") },
    { 101, mx_string("101 Switching Protocols") },
    { 200, mx_string("200 OK") },
    { 201, mx_string("201 Created") },
    { 202, mx_string("202 Accepted") },
    { 204, mx_string("204 No Content") },
    { 206, mx_string("206 Partial Content") },
    { 301, mx_string("301 Moved Permanently") },
    { 302, mx_string("302 Moved Temporarily") },
    { 303, mx_string("303 See Other") },
    { 304, mx_string("304 Not Modified") },
    { 307, mx_string("307 Temporary Redirect") },
    { 308, mx_string("308 Permanent Redirect") },
    { 400, mx_string("400 Bad Request") },
    { 401, mx_string("401 Unauthorized") },
    { 402, mx_string("402 Payment Required") },
    { 403, mx_string("403 Forbidden") },
    { 404, mx_string("404 Not Found") },
    { 405, mx_string("405 Not Allowed") },
    { 406, mx_string("406 Not Acceptable") },
    { 408, mx_string("408 Request Time-out") },
    { 409, mx_string("409 Conflict") },
    { 410, mx_string("410 Gone") },
    { 411, mx_string("411 Length Required") },
    { 412, mx_string("412 Precondition Failed") },
    { 413, mx_string("413 Request Entity Too Large") },
    { 414, mx_string("414 Request-URI Too Large") },
    { 415, mx_string("415 Unsupported Media Type") },
    { 416, mx_string("416 Requested Range Not Satisfiable") },
    { 421, mx_string("421 Misdirected Request") },
    { 429, mx_string("429 Too Many Requests") },
    { 500, mx_string("500 Internal Server Error") },
    { 501, mx_string("501 Not Implemented") },
    { 502, mx_string("502 Bad Gateway") },
    { 503, mx_string("503 Service Temporarily Unavailable") },
    { 504, mx_string("504 Gateway Time-out") },
    { 505, mx_string("505 HTTP Version Not Supported") },
    { 507, mx_string("507 Insufficient Storage") },
};

static mx_str_t  mx_http_empty_line = mx_null_string;


const mx_str_t *
mx_http_status_line(mx_uint_t status)
{
    mx_uint_t  i;

    for (i = 0; i < mx_nelems(mx_http_statuses); i++) {
        if (mx_http_statuses[i].status == status) {
            return &mx_http_statuses[i].line;
        }
    }

    return &mx_http_empty_line;
}


/* add_header: for the statuses nginx adds them to, or always */
static int
mx_http_apply_add_headers(mx_http_request_t *r)
{
    mx_http_core_loc_conf_t  *clcf;
    mx_http_add_header_t     *ah;
    mx_str_t                  v;
    mx_uint_t                 i, st;

    clcf = r->loc_conf[mx_http_core_module.ctx_index];
    if (clcf->add_headers == NULL) {
        return MX_OK;
    }

    st = r->headers_out.status;
    ah = clcf->add_headers->elts;

    for (i = 0; i < clcf->add_headers->nelts; i++) {
        if (!ah[i].always && st != 200 && st != 201 && st != 204
            && st != 206 && st != 301 && st != 302 && st != 303
            && st != 304 && st != 307 && st != 308)
        {
            continue;
        }

        v = ah[i].value;

        if (ah[i].cv && mx_http_complex_value(r, ah[i].cv, &v) != MX_OK) {
            return MX_ERROR;
        }

        if (v.len == 0) {
            continue;
        }

        if (mx_http_add_header_out(r, ah[i].name.data, ah[i].name.len,
                                   v.data, v.len) == NULL)
        {
            return MX_ERROR;
        }
    }

    return MX_OK;
}


static int
mx_http_header_filter_core(mx_http_request_t *r)
{
    if (mx_http_apply_add_headers(r) != MX_OK) {
        return MX_ERROR;
    }

    return r->proto->send_header(r);
}


static int
mx_http_body_filter_core(mx_http_request_t *r, mx_chain_t *in)
{
    return r->proto->send_chain(r, in);
}


int
mx_http_send_header(mx_http_request_t *r)
{
    if (r->header_sent) {
        mx_log_error(MX_LOG_ALERT, &r->connection->log, 0,
                     "header already sent");
        return MX_ERROR;
    }

    if (r->err_status) {
        r->headers_out.status = r->err_status;
        r->headers_out.status_line.len = 0;
    }

    if (r->headers_out.status == 0) {
        r->headers_out.status = 200;
    }

    if (r->method == MX_HTTP_HEAD || r->headers_out.status == 204
        || r->headers_out.status == 304)
    {
        r->header_only = 1;
    }

    r->header_sent = 1;

    return mx_http_top_header_filter(r);
}


int
mx_http_output_filter(mx_http_request_t *r, mx_chain_t *in)
{
    mx_chain_t  *cl;

    if (r->last_sent) {
        return MX_OK;
    }

    for (cl = in; cl; cl = cl->next) {
        if (cl->buf->last_buf) {
            r->last_sent = 1;
        }
    }

    return mx_http_top_body_filter(r, in);
}


int
mx_http_send_data(mx_http_request_t *r, const u_char *data, size_t len,
    int last)
{
    mx_buf_t    *b;
    mx_chain_t  *cl;
    int          rc;

    if (!r->header_sent) {
        rc = mx_http_send_header(r);
        if (rc == MX_ERROR) {
            return rc;
        }
    }

    if (len == 0 && !last) {
        return MX_OK;
    }

    b = mx_pcalloc(r->pool, sizeof(mx_buf_t) + sizeof(mx_chain_t));
    if (b == NULL) {
        return MX_ERROR;
    }

    cl = (mx_chain_t *) (b + 1);

    if (len) {
        b->start = mx_pnalloc(r->pool, len);
        if (b->start == NULL) {
            return MX_ERROR;
        }
        memcpy(b->start, data, len);
        b->pos = b->start;
        b->last = b->start + len;
        b->end = b->last;
    }

    b->fd = -1;
    b->last_buf = last ? 1 : 0;
    cl->buf = b;
    cl->next = NULL;

    return mx_http_output_filter(r, cl);
}


int
mx_http_send_response(mx_http_request_t *r, mx_uint_t status,
    const mx_str_t *content_type, const mx_str_t *body)
{
    int  rc;

    /* a response made here does not need the body, as in nginx */
    rc = mx_http_discard_request_body(r);
    if (rc != MX_OK) {
        return mx_http_special_response_handler(r, (mx_uint_t) rc);
    }

    r->headers_out.status = status;
    if (content_type && content_type->len) {
        r->headers_out.content_type = *content_type;
        r->headers_out.content_type_set = 1;
    }

    r->headers_out.content_length_n = body ? (off_t) body->len : 0;

    rc = mx_http_send_header(r);
    if (rc == MX_ERROR) {
        return rc;
    }

    if (r->header_only) {
        return mx_http_send_data(r, NULL, 0, 1);
    }

    return mx_http_send_data(r, body ? body->data : NULL,
                             body ? body->len : 0, 1);
}


/* ---------------------------------------------------- error pages */

static const char  mx_http_page_tail[] =
    "<hr><center>moxy</center>\r\n"
    "</body>\r\n"
    "</html>\r\n";


static int
mx_http_send_error_page(mx_http_request_t *r, mx_http_err_page_t *err,
    mx_uint_t status)
{
    mx_str_t         uri, args;
    u_char          *q;
    mx_table_elt_t  *h;

    r->error_page = 1;
    uri = err->uri;

    if (err->overwrite > 0) {
        r->err_status = (mx_uint_t) err->overwrite;
    } else if (err->overwrite == 0) {
        r->err_status = 0;
    } else {
        r->err_status = status;
    }

    if (uri.len && (uri.data[0] == '/' || uri.data[0] == '@')) {
        if (r->method != MX_HTTP_HEAD) {
            r->method = MX_HTTP_GET;
            mx_str_set(&r->method_name, "GET");
        }

        /* the request body is not for the error page */
        mx_str_null(&args);
        q = memchr(uri.data, '?', uri.len);
        if (q && uri.data[0] == '/') {
            args.data = q + 1;
            args.len = uri.data + uri.len - q - 1;
            uri.len = q - uri.data;
        }

        r->headers_out.content_length_n = -1;
        r->headers_out.content_type.len = 0;
        r->headers_out.content_type_set = 0;

        return mx_http_internal_redirect(r, &uri, args.data ? &args : NULL);
    }

    /* an URL: redirect the client */
    h = mx_http_add_header_out(r, (u_char *) "Location", 8, uri.data,
                               uri.len);
    if (h == NULL) {
        return MX_ERROR;
    }

    r->headers_out.location = h;
    r->err_status = 0;

    if (err->overwrite > 0 && (err->overwrite == 301 || err->overwrite == 302
                               || err->overwrite == 303
                               || err->overwrite == 307
                               || err->overwrite == 308))
    {
        status = (mx_uint_t) err->overwrite;
    } else {
        status = 302;
    }

    return mx_http_special_response_handler(r, status);
}


int
mx_http_special_response_handler(mx_http_request_t *r, mx_uint_t status)
{
    mx_http_core_loc_conf_t  *clcf;
    mx_http_err_page_t       *err;
    const mx_str_t           *line;
    mx_str_t                  body, ct, title;
    mx_uint_t                 i;
    u_char                   *p;
    int                       rc;

    r->err_status = 0;

    switch (status) {
    case 400: case 413: case 414: case 494: case 500: case 501:
        r->keepalive = 0;
        break;
    }

    clcf = r->loc_conf[mx_http_core_module.ctx_index];

    if (!r->error_page && clcf->error_pages && r->uri_changes == 0
        && status != 494)
    {
        err = clcf->error_pages->elts;
        for (i = 0; i < clcf->error_pages->nelts; i++) {
            if (err[i].status == status) {
                return mx_http_send_error_page(r, &err[i], status);
            }
        }
    }

    if (status == 494) {
        mx_str_set(&title, "400 Request Header Or Cookie Too Large");
        r->headers_out.status = 400;

    } else if (status == 302) {
        /* nginx's page says "Found" where its status line does not */
        mx_str_set(&title, "302 Found");
        r->headers_out.status = status;

    } else {
        line = mx_http_status_line(status);
        title = *line;
        r->headers_out.status = status;
        if (title.len == 0) {
            /* unknown statuses: an empty body, as nginx */
            r->headers_out.content_length_n = 0;
            return mx_http_send_response(r, status, NULL, NULL);
        }
    }

    r->headers_out.status_line.len = 0;

    /* 1xx, 204 and 3xx with no page of their own get none */
    if (status < 300 || status == 304) {
        return mx_http_send_response(r, status, NULL, NULL);
    }

    body.len = sizeof("<html>\r\n<head><title></title></head>\r\n"
                      "<body>\r\n<center><h1></h1></center>\r\n") - 1
               + 2 * title.len + sizeof(mx_http_page_tail) - 1;

    if (status == 494) {
        body.len += sizeof("<center>Request Header Or Cookie Too Large"
                           "</center>\r\n") - 1;
    }

    body.data = mx_pnalloc(r->pool, body.len + 1);
    if (body.data == NULL) {
        return MX_ERROR;
    }

    p = body.data;
    p += sprintf((char *) p, "<html>\r\n<head><title>%.*s</title></head>\r\n"
                 "<body>\r\n", MX_STR_ARG(title));

    if (status == 494) {
        p += sprintf((char *) p, "<center><h1>400 Bad Request</h1>"
                     "</center>\r\n<center>Request Header Or Cookie Too "
                     "Large</center>\r\n");
    } else {
        p += sprintf((char *) p, "<center><h1>%.*s</h1></center>\r\n",
                     MX_STR_ARG(title));
    }

    memcpy(p, mx_http_page_tail, sizeof(mx_http_page_tail) - 1);
    p += sizeof(mx_http_page_tail) - 1;
    body.len = p - body.data;

    mx_str_set(&ct, "text/html");

    rc = mx_http_send_response(r, status == 494 ? 400 : status, &ct, &body);
    if (rc == MX_AGAIN) {
        rc = MX_OK;
    }

    return rc;
}
