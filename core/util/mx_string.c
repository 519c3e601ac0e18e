#include "mx_string.h"


mx_int_t
mx_atoi(const u_char *s, size_t n)
{
    mx_int_t  v;

    if (n == 0) {
        return MX_ERROR;
    }

    for (v = 0; n--; s++) {
        if (*s < '0' || *s > '9') {
            return MX_ERROR;
        }

        if (v > (INTPTR_MAX - (*s - '0')) / 10) {
            return MX_ERROR;
        }

        v = v * 10 + (*s - '0');
    }

    return v;
}


ssize_t
mx_parse_size(const mx_str_t *s)
{
    size_t     len;
    mx_int_t   v, scale;

    len = s->len;
    if (len == 0) {
        return MX_ERROR;
    }

    switch (s->data[len - 1]) {
    case 'k': case 'K':
        scale = 1024; len--;
        break;
    case 'm': case 'M':
        scale = 1024 * 1024; len--;
        break;
    case 'g': case 'G':
        scale = 1024 * 1024 * 1024; len--;
        break;
    default:
        scale = 1;
    }

    v = mx_atoi(s->data, len);
    if (v == MX_ERROR || v > INTPTR_MAX / scale) {
        return MX_ERROR;
    }

    return (ssize_t) (v * scale);
}


mx_msec_t
mx_parse_time(const mx_str_t *s, int seconds_default)
{
    const u_char  *p, *last, *start;
    mx_msec_t      total, v, scale;

    p = s->data;
    last = p + s->len;
    total = 0;

    if (p == last) {
        return MX_ERROR;
    }

    /* nginx accepts sums such as "1m30s" */
    while (p < last) {
        start = p;
        v = 0;

        while (p < last && *p >= '0' && *p <= '9') {
            if (v > (INT64_MAX / 10 - 10)) {
                return MX_ERROR;
            }
            v = v * 10 + (*p++ - '0');
        }

        if (p == start) {
            return MX_ERROR;
        }

        if (p == last) {
            scale = seconds_default ? 1000 : 1;

        } else if (last - p >= 2 && p[0] == 'm' && p[1] == 's') {
            scale = 1; p += 2;

        } else {
            switch (*p++) {
            case 's': scale = 1000; break;
            case 'm': scale = 60 * 1000; break;
            case 'h': scale = 3600 * 1000; break;
            case 'd': scale = 86400 * 1000LL; break;
            case 'w': scale = 7 * 86400 * 1000LL; break;
            case 'M': scale = 30 * 86400 * 1000LL; break;
            case 'y': scale = 365 * 86400 * 1000LL; break;
            default: return MX_ERROR;
            }
        }

        if (v > (INT64_MAX - total) / scale) {
            return MX_ERROR;
        }

        total += v * scale;
    }

    return total;
}


int
mx_strcasecmp_n(const u_char *a, const u_char *b, size_t n)
{
    u_char  c1, c2;

    while (n--) {
        c1 = mx_tolower(*a);
        c2 = mx_tolower(*b);
        if (c1 != c2) {
            return c1 - c2;
        }
        a++;
        b++;
    }

    return 0;
}


int
mx_str_eq_ci(const mx_str_t *s, const char *lit)
{
    size_t  n = strlen(lit);

    return (s->len == n && mx_strcasecmp_n(s->data, (const u_char *) lit, n)
            == 0) ? MX_OK : MX_DECLINED;
}


int
mx_str_eq(const mx_str_t *s, const char *lit)
{
    size_t  n = strlen(lit);

    return (s->len == n && memcmp(s->data, lit, n) == 0)
           ? MX_OK : MX_DECLINED;
}


void
mx_strlow(u_char *dst, const u_char *src, size_t n)
{
    while (n--) {
        *dst++ = mx_tolower(*src);
        src++;
    }
}


int
mx_str_dup(mx_pool_t *pool, mx_str_t *dst, const u_char *src, size_t n)
{
    dst->data = mx_pstrdup(pool, src, n);
    if (dst->data == NULL) {
        return MX_ERROR;
    }

    dst->len = n;
    return MX_OK;
}


u_char *
mx_sprint_uint(u_char *buf, uint64_t v)
{
    u_char   tmp[21], *p;
    size_t   n;

    p = tmp + sizeof(tmp);
    do {
        *--p = (u_char) ('0' + v % 10);
        v /= 10;
    } while (v);

    n = tmp + sizeof(tmp) - p;
    memcpy(buf, p, n);
    return buf + n;
}


u_char *
mx_sprint_hex(u_char *buf, uint64_t v)
{
    static const u_char  hex[] = "0123456789abcdef";
    u_char               tmp[16], *p;
    size_t               n;

    p = tmp + sizeof(tmp);
    do {
        *--p = hex[v & 0xf];
        v >>= 4;
    } while (v);

    n = tmp + sizeof(tmp) - p;
    memcpy(buf, p, n);
    return buf + n;
}


int
mx_str_dup_raw(mx_pool_t *pool, mx_str_t *dst, const char *src)
{
    return mx_str_dup(pool, dst, (const u_char *) src, strlen(src));
}
