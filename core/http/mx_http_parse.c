#include "mx_http.h"

/*
 * HTTP/1.x syntax shared by the server side (mx_http_h1.c) and the
 * upstream side: header lines as nginx reads them, and chunked bodies.
 * Lines are found whole with memchr(); a table checks the bytes.
 */

/* RFC 9110 tchar: the bytes of a header name or a method */
const uint8_t  mx_http_tchar[256] = {
    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
    ['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1,
    ['`'] = 1, ['|'] = 1, ['~'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
    ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
    ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
};


int
mx_http_parse_header_line(u_char **pos, u_char *last, mx_str_t *name,
    mx_str_t *value, u_char **bad)
{
    u_char  *p, *q, *nl, *end;

    p = *pos;

    nl = memchr(p, '\n', last - p);
    if (nl == NULL) {
        return MX_AGAIN;
    }

    end = (nl > p && nl[-1] == '\r') ? nl - 1 : nl;
    *pos = nl + 1;

    if (end == p) {
        return MX_DONE;
    }

    for (q = p; q < end && mx_http_tchar[*q]; q++) { /* void */ }

    if (q == p || q == end || *q != ':') {
        *bad = q;
        return MX_ERROR;
    }

    name->data = p;
    name->len = q - p;

    /* spaces around the value go, as nginx drops them (tabs stay) */
    for (q++; q < end && *q == ' '; q++) { /* void */ }

    while (end > q && end[-1] == ' ') {
        end--;
    }

    value->data = q;
    value->len = end - q;

    for ( /* void */ ; q < end; q++) {
        if (*q == '\0' || *q == '\r') {
            *bad = q;
            return MX_ERROR;
        }
    }

    return MX_OK;
}


enum {
    MX_CHUNK_SIZE_START = 0,
    MX_CHUNK_SIZE,
    MX_CHUNK_EXT,
    MX_CHUNK_SIZE_LF,
    MX_CHUNK_DATA,
    MX_CHUNK_DATA_CR,
    MX_CHUNK_DATA_LF,
    MX_CHUNK_TRAILER_START,
    MX_CHUNK_TRAILER,
    MX_CHUNK_LAST_LF
};


int
mx_http_parse_chunked(mx_http_chunked_t *ctx, u_char **pos, u_char *last,
    mx_str_t *data)
{
    u_char  *p, c;
    size_t   n;
    int      d;

    p = *pos;

    while (p < last) {

        switch (ctx->state) {

        case MX_CHUNK_SIZE_START:
        case MX_CHUNK_SIZE:
            c = *p;
            d = (c >= '0' && c <= '9') ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;

            if (d >= 0) {
                if (ctx->size > (INT64_MAX >> 4)) {
                    goto invalid;
                }
                ctx->size = ctx->size * 16 + d;
                ctx->state = MX_CHUNK_SIZE;
                p++;
                break;
            }

            if (ctx->state == MX_CHUNK_SIZE_START) {
                goto invalid;
            }

            if (c == '\r') {
                ctx->state = MX_CHUNK_SIZE_LF;
            } else if (c == '\n') {
                goto size_done;
            } else if (c == ';' || c == ' ' || c == '\t') {
                ctx->state = MX_CHUNK_EXT;
            } else {
                goto invalid;
            }
            p++;
            break;

        case MX_CHUNK_EXT:
            while (p < last && *p != '\n') {
                p++;
            }
            if (p == last) {
                break;
            }
            goto size_done;

        case MX_CHUNK_SIZE_LF:
            if (*p != '\n') {
                goto invalid;
            }

        size_done:

            p++;
            ctx->state = ctx->size ? MX_CHUNK_DATA : MX_CHUNK_TRAILER_START;
            break;

        case MX_CHUNK_DATA:
            n = (size_t) mx_min((off_t) (last - p), ctx->size);
            data->data = p;
            data->len = n;
            ctx->size -= n;
            if (ctx->size == 0) {
                ctx->state = MX_CHUNK_DATA_CR;
            }
            *pos = p + n;
            return MX_OK;

        case MX_CHUNK_DATA_CR:
            if (*p == '\r') {
                ctx->state = MX_CHUNK_DATA_LF;
                p++;
                break;
            }
            /* fall through */

        case MX_CHUNK_DATA_LF:
            if (*p != '\n') {
                goto invalid;
            }
            p++;
            ctx->state = MX_CHUNK_SIZE_START;
            break;

        case MX_CHUNK_TRAILER_START:
            if (*p == '\r') {
                ctx->state = MX_CHUNK_LAST_LF;
                p++;
                break;
            }

            if (*p == '\n') {
                *pos = p + 1;
                return MX_DONE;
            }

            ctx->state = MX_CHUNK_TRAILER;
            /* fall through */

        case MX_CHUNK_TRAILER:
            while (p < last && *p != '\n') {
                p++;
            }
            if (p < last) {
                p++;
                ctx->state = MX_CHUNK_TRAILER_START;
            }
            break;

        case MX_CHUNK_LAST_LF:
            if (*p != '\n') {
                goto invalid;
            }
            *pos = p + 1;
            return MX_DONE;
        }
    }

    *pos = p;
    return MX_AGAIN;

invalid:

    *pos = p;
    return MX_ERROR;
}
