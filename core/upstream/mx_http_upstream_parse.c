#include "mx_http_upstream.h"

/*
 * The upstream's response, parsed as nginx's upstream parser takes it:
 * the status line (anything else is an HTTP/0.9 answer), header lines
 * (mx_http_parse.c), then the body's framing: a length, chunks decoded
 * in place, or up to the close.
 */

#define mx_http_key_is(key, len, lit)                                         \
    ((len) == sizeof(lit) - 1                                                 \
     && mx_strcasecmp_n(key, (u_char *) lit, sizeof(lit) - 1) == 0)


void
mx_http_upstream_parse_init(mx_http_upstream_t *u)
{
    u->hlast = 0;
    u->hparsed = 0;
    u->headers_in.nelts = 0;
    u->status_n = 0;
    u->reason = NULL;
    u->reason_len = 0;
    u->content_length_n = -1;
    u->body_rest = 0;
    u->chunked.state = 0;
    u->chunked.size = 0;

    u->header_done = 0;
    u->status_seen = 0;
    u->message_done = 0;
    u->http09 = 0;
    u->connection_close = 0;
    u->resp_chunked = 0;
    u->resp_close = 0;
    u->resp_length = 0;
}


/* the line of hbuf holding p, up to p, in the log as nginx shows it */
static int
mx_http_upstream_invalid(mx_http_upstream_t *u, u_char *p)
{
    u_char  *start;

    if (p >= u->hbuf + u->hlast) {
        p = u->hbuf + u->hlast - 1;
    }

    start = p;
    while (start > u->hbuf && start[-1] != '\n') {
        start--;
    }

    mx_log_error(MX_LOG_ERR, &u->log, 0,
                 "upstream sent invalid header: \"%.*s\\x%02x...\"",
                 (int) (p - start), start, (unsigned) *p);

    return MX_DECLINED;
}


static int
mx_http_upstream_http09(mx_http_upstream_t *u)
{
    mx_log_error(MX_LOG_ERR, &u->log, 0,
                 "upstream sent no valid HTTP/1.0 header");

    u->http09 = 1;
    u->status_n = 200;
    u->connection_close = 1;
    u->header_done = 1;
    u->hparsed = 0;

    return MX_OK;
}


/* "HTTP/d.d ddd[ reason]": MX_OK, MX_AGAIN, MX_DECLINED (not a status) */
static int
mx_http_upstream_status_line(mx_http_upstream_t *u)
{
    u_char  *p, *nl, *end;
    size_t   n;

    p = u->hbuf;
    n = mx_min(u->hlast, (size_t) 5);

    if (memcmp(p, "HTTP/", n) != 0) {
        return MX_DECLINED;
    }

    nl = memchr(p, '\n', u->hlast);
    if (nl == NULL) {
        return MX_AGAIN;
    }

    end = (nl > p && nl[-1] == '\r') ? nl - 1 : nl;

    if (end - p < 12
        || p[5] < '0' || p[5] > '9' || p[6] != '.'
        || p[7] < '0' || p[7] > '9' || p[8] != ' '
        || p[9] < '1' || p[9] > '9'
        || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9'
        || (end - p > 12 && p[12] != ' '))
    {
        return MX_DECLINED;
    }

    u->http_major = p[5] - '0';
    u->http_minor = p[7] - '0';
    u->status_n = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');

    if (end - p > 13) {
        u->reason = p + 13;
        u->reason_len = end - (p + 13);
    }

    u->status_seen = 1;
    u->hparsed = nl + 1 - u->hbuf;

    return MX_OK;
}


/* the framing headers, as they come */
static int
mx_http_upstream_framing(mx_http_upstream_t *u, mx_table_elt_t *h)
{
    mx_table_elt_t  *prev;
    u_char          *p, *end;
    off_t            n;

    switch (h->key.len) {

    case 10:
        if (!mx_http_key_is(h->key.data, h->key.len, "connection")) {
            return MX_OK;
        }

        p = h->value.data;
        end = p + h->value.len;

        /* a token list: "close" anywhere closes */
        while (p < end) {
            while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) {
                p++;
            }

            if (end - p >= 5 && mx_strcasecmp_n(p, (u_char *) "close", 5) == 0
                && (end - p == 5 || p[5] == ',' || p[5] == ' '
                    || p[5] == '\t'))
            {
                u->resp_close = 1;
            }

            while (p < end && *p != ',') {
                p++;
            }
        }

        return MX_OK;

    case 14:
        if (!mx_http_key_is(h->key.data, h->key.len, "content-length")) {
            return MX_OK;
        }

        n = 0;
        for (p = h->value.data, end = p + h->value.len; p < end; p++) {
            if (*p < '0' || *p > '9' || n > (INT64_MAX - 9) / 10) {
                /* said by the module, which reads the header too */
                return MX_OK;
            }
            n = n * 10 + (*p - '0');
        }

        if (h->value.len == 0) {
            return MX_OK;
        }

        if (u->resp_length && n != u->body_rest) {
            prev = u->headers_in.elts;
            while (!mx_http_key_is(prev->key.data, prev->key.len,
                                   "content-length"))
            {
                prev++;
            }

            mx_log_error(MX_LOG_ERR, &u->log, 0,
                         "upstream sent duplicate header line: \"%.*s: "
                         "%.*s\", previous value: \"%.*s: %.*s\"",
                         MX_STR_ARG(h->key), MX_STR_ARG(h->value),
                         MX_STR_ARG(prev->key), MX_STR_ARG(prev->value));
            return MX_DECLINED;
        }

        u->resp_length = 1;
        u->body_rest = n;
        return MX_OK;

    case 17:
        if (!mx_http_key_is(h->key.data, h->key.len, "transfer-encoding")) {
            return MX_OK;
        }

        if (h->value.len == 7
            && mx_strcasecmp_n(h->value.data, (u_char *) "chunked", 7) == 0)
        {
            u->resp_chunked = 1;
            return MX_OK;
        }

        mx_log_error(MX_LOG_ERR, &u->log, 0,
                     "upstream sent unknown \"Transfer-Encoding\": \"%.*s\"",
                     MX_STR_ARG(h->value));
        return MX_DECLINED;

    default:
        return MX_OK;
    }
}


static int
mx_http_upstream_header_end(mx_http_upstream_t *u)
{
    mx_uint_t  s = u->status_n;

    if (u->resp_chunked && u->resp_length) {
        mx_log_error(MX_LOG_ERR, &u->log, 0,
                     "upstream sent \"Content-Length\" and "
                     "\"Transfer-Encoding\" headers at the same time");
        return MX_DECLINED;
    }

    u->header_done = 1;

    if (u->http_major < 1 || (u->http_major == 1 && u->http_minor == 0)
        || u->resp_close || s == 101)
    {
        u->connection_close = 1;
    }

    /* the answer to HEAD has no body, whatever its header says */
    if (u->r->method == MX_HTTP_HEAD || s < 200 || s == 204 || s == 304) {
        u->message_done = 1;
        return MX_OK;
    }

    if (u->resp_chunked) {
        return MX_OK;
    }

    if (u->resp_length) {
        if (u->body_rest == 0) {
            u->message_done = 1;
        }
        return MX_OK;
    }

    /* up to the close: nothing to keep alive */
    u->connection_close = 1;
    return MX_OK;
}


int
mx_http_upstream_parse_header(mx_http_upstream_t *u)
{
    mx_table_elt_t  *h;
    mx_str_t         name, value;
    u_char          *p, *bad;
    int              rc;

    if (!u->status_seen) {
        rc = mx_http_upstream_status_line(u);

        if (rc == MX_AGAIN) {
            return MX_AGAIN;
        }

        if (rc == MX_DECLINED) {
            /* nginx's answer to a response without a status line */
            return mx_http_upstream_http09(u);
        }
    }

    for ( ;; ) {
        p = u->hbuf + u->hparsed;

        rc = mx_http_parse_header_line(&p, u->hbuf + u->hlast, &name, &value,
                                       &bad);

        if (rc == MX_AGAIN) {
            return MX_AGAIN;
        }

        if (rc == MX_ERROR) {
            return mx_http_upstream_invalid(u, bad);
        }

        u->hparsed = p - u->hbuf;

        if (rc == MX_DONE) {
            return mx_http_upstream_header_end(u);
        }

        h = mx_array_push(&u->headers_in);
        if (h == NULL) {
            return MX_ERROR;
        }

        h->key = name;
        h->value = value;
        h->lowcase_key = NULL;
        h->hash = 1;

        if (mx_http_upstream_framing(u, h) != MX_OK) {
            return MX_DECLINED;
        }
    }
}


/* moves n decoded bytes from p to the end of the decoded ones */
static void
mx_http_upstream_take(mx_http_upstream_t *u, u_char *p, size_t n)
{
    if (p != u->bbuf + u->out_last) {
        memmove(u->bbuf + u->out_last, p, n);
    }

    u->out_last += n;
}


static int
mx_http_upstream_chunked(mx_http_upstream_t *u, u_char *p, u_char *end)
{
    mx_str_t  data;
    int       rc;

    for ( ;; ) {
        rc = mx_http_parse_chunked(&u->chunked, &p, end, &data);

        if (rc == MX_OK) {
            mx_http_upstream_take(u, data.data, data.len);
            continue;
        }

        if (rc == MX_AGAIN) {
            return MX_OK;
        }

        if (rc == MX_DONE) {
            break;
        }

        mx_log_error(MX_LOG_ERR, &u->log, 0,
                     "upstream sent invalid chunked response");
        return MX_ERROR;
    }

    u->message_done = 1;

    if (p < end) {
        mx_log_error(MX_LOG_WARN, &u->log, 0,
                     "upstream sent data after final chunk");
        u->connection_close = 1;
    }

    return MX_OK;
}


int
mx_http_upstream_parse_body(mx_http_upstream_t *u, u_char *data, size_t len)
{
    size_t  n;

    if (u->message_done) {
        if (len) {
            u->connection_close = 1;
        }
        return MX_OK;
    }

    if (len == 0) {
        return MX_OK;
    }

    if (u->resp_chunked) {
        return mx_http_upstream_chunked(u, data, data + len);
    }

    if (!u->resp_length) {
        mx_http_upstream_take(u, data, len);
        return MX_OK;
    }

    n = (size_t) mx_min((off_t) len, u->body_rest);
    mx_http_upstream_take(u, data, n);
    u->body_rest -= n;

    if (u->body_rest == 0) {
        u->message_done = 1;

        if (n < len) {
            mx_log_error(MX_LOG_WARN, &u->log, 0,
                         "upstream sent more data than specified in "
                         "\"Content-Length\" header");
            u->connection_close = 1;
        }
    }

    return MX_OK;
}


void
mx_http_upstream_parse_eof(mx_http_upstream_t *u)
{
    if (!u->resp_chunked && !u->resp_length && u->header_done) {
        /* the body was up to the close */
        u->message_done = 1;
    }
}
