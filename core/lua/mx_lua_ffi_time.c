#include "mx_lua_module.h"
#include "mx_lua_ffi.h"

/* ngx.time, ngx.now, ngx.today, ngx.http_time, ngx.parse_http_time... */

/* nginx prints no more than 4 year digits: 9999-12-31 23:59:59 */
#define MX_FFI_MAX_TIME  253402300799L


static const u_char  mx_ffi_mday[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
                                       31, 30, 31 };


double
mx_ffi_now(void)
{
    return (double) mx_cached_time->sec + mx_cached_time->msec / 1000.0;
}


long
mx_ffi_time(void)
{
    return (long) mx_cached_time->sec;
}


long
mx_ffi_monotonic_msec(void)
{
    return (long) mx_current_msec;
}


void
mx_ffi_update_time(void)
{
    mx_time_update();
}


/* writes exactly n digits of v (v < 10^n) */
static u_char *
mx_ffi_digits(u_char *p, unsigned v, int n)
{
    int  i;

    for (i = n - 1; i >= 0; i--) {
        p[i] = (u_char) ('0' + v % 10);
        v /= 10;
    }

    return p + n;
}


/* "2010-11-19" and, with with_time, " 20:56:31" */
static void
mx_ffi_format_tm(u_char *p, time_t t, int with_time)
{
    struct tm  tm;

    gmtime_r(&t, &tm);

    p = mx_ffi_digits(p, (unsigned) (tm.tm_year + 1900) % 10000, 4);
    *p++ = '-';
    p = mx_ffi_digits(p, (unsigned) tm.tm_mon + 1, 2);
    *p++ = '-';
    p = mx_ffi_digits(p, (unsigned) tm.tm_mday, 2);

    if (!with_time) {
        return;
    }

    *p++ = ' ';
    p = mx_ffi_digits(p, (unsigned) tm.tm_hour, 2);
    *p++ = ':';
    p = mx_ffi_digits(p, (unsigned) tm.tm_min, 2);
    *p++ = ':';
    (void) mx_ffi_digits(p, (unsigned) tm.tm_sec, 2);
}


void
mx_ffi_today(u_char *buf)
{
    mx_ffi_format_tm(buf, mx_cached_time->sec + mx_cached_time->gmtoff * 60,
                     0);
}


void
mx_ffi_localtime(u_char *buf)
{
    mx_ffi_format_tm(buf, mx_cached_time->sec + mx_cached_time->gmtoff * 60,
                     1);
}


void
mx_ffi_utctime(u_char *buf)
{
    mx_ffi_format_tm(buf, mx_cached_time->sec, 1);
}


static time_t
mx_ffi_clamp_time(long t)
{
    if (t < 0) {
        return 0;
    }

    return t > MX_FFI_MAX_TIME ? MX_FFI_MAX_TIME : (time_t) t;
}


static u_char *
mx_ffi_copy3(u_char *p, const char *s)
{
    p[0] = (u_char) s[0];
    p[1] = (u_char) s[1];
    p[2] = (u_char) s[2];

    return p + 3;
}


/*
 * "Thu, 18 Nov 2010 11:27:35 GMT", or the cookie form with "-" between
 * the date's parts; returns the end. Digits are written by hand: this is
 * per call here, not once a second as the core's Date header.
 */
static u_char *
mx_ffi_format_http(u_char *p, long t, int cookie)
{
    unsigned    year;
    struct tm   tm;
    time_t      sec;
    static const char  *week[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
                                   "Sat" };
    static const char  *months[] = { "Jan", "Feb", "Mar", "Apr", "May",
                                     "Jun", "Jul", "Aug", "Sep", "Oct",
                                     "Nov", "Dec" };

    sec = mx_ffi_clamp_time(t);
    gmtime_r(&sec, &tm);
    year = (unsigned) tm.tm_year + 1900;

    p = mx_ffi_copy3(p, week[tm.tm_wday]);
    *p++ = ',';
    *p++ = ' ';
    p = mx_ffi_digits(p, (unsigned) tm.tm_mday, 2);
    *p++ = cookie ? '-' : ' ';
    p = mx_ffi_copy3(p, months[tm.tm_mon]);
    *p++ = cookie ? '-' : ' ';

    /* Netscape's cookies have two-digit years until 2037 */
    if (cookie && year < 2038) {
        p = mx_ffi_digits(p, year % 100, 2);

    } else {
        p = mx_ffi_digits(p, year, 4);
    }

    *p++ = ' ';
    p = mx_ffi_digits(p, (unsigned) tm.tm_hour, 2);
    *p++ = ':';
    p = mx_ffi_digits(p, (unsigned) tm.tm_min, 2);
    *p++ = ':';
    p = mx_ffi_digits(p, (unsigned) tm.tm_sec, 2);

    memcpy(p, " GMT", 4);

    return p + 4;
}


void
mx_ffi_http_time(u_char *buf, long t)
{
    (void) mx_ffi_format_http(buf, t, 0);
}


int
mx_ffi_cookie_time(u_char *buf, long t)
{
    return (int) (mx_ffi_format_http(buf, t, 1) - buf);
}


static int
mx_ffi_2digits(const u_char *p)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9') {
        return -1;
    }

    return (p[0] - '0') * 10 + (p[1] - '0');
}


static int
mx_ffi_4digits(const u_char *p)
{
    int  hi, lo;

    hi = mx_ffi_2digits(p);
    lo = mx_ffi_2digits(p + 2);

    return (hi < 0 || lo < 0) ? -1 : hi * 100 + lo;
}


/*
 * nginx's ngx_parse_http_time(), so that ngx.parse_http_time() accepts
 * and rejects the same strings: the length checks up front keep every
 * read below inside s.
 */
int
mx_ffi_parse_http_time(const u_char *s, size_t len, long *time)
{
    int             month, day, year, hour, min, sec;
    uint64_t        y, t;
    const u_char   *p, *end;
    enum {
        fmt_none = 0,
        fmt_rfc822,     /* Tue, 10 Nov 2002 23:50:13 */
        fmt_rfc850,     /* Tuesday, 10-Dec-02 23:50:13 */
        fmt_isoc        /* Tue Dec 10 23:50:13 2002 */
    } fmt;

    fmt = fmt_none;
    end = s + len;
    day = 0;
    year = 0;

    for (p = s; p < end; p++) {
        if (*p == ',') {
            break;
        }

        if (*p == ' ') {
            fmt = fmt_isoc;
            break;
        }
    }

    if (p == end) {
        return MX_ERROR;
    }

    for (p++; p < end; p++) {
        if (*p != ' ') {
            break;
        }
    }

    if (end - p < 18) {
        return MX_ERROR;
    }

    if (fmt != fmt_isoc) {
        day = mx_ffi_2digits(p);
        if (day < 0) {
            return MX_ERROR;
        }

        p += 2;

        if (*p == ' ') {
            if (end - p < 18) {
                return MX_ERROR;
            }

            fmt = fmt_rfc822;

        } else if (*p == '-') {
            fmt = fmt_rfc850;

        } else {
            return MX_ERROR;
        }

        p++;
    }

    /* nginx looks at as few letters as tell the months apart */
    switch (*p) {
    case 'J':
        month = p[1] == 'a' ? 0 : p[2] == 'n' ? 5 : 6;
        break;
    case 'F':
        month = 1;
        break;
    case 'M':
        month = p[2] == 'r' ? 2 : 4;
        break;
    case 'A':
        month = p[1] == 'p' ? 3 : 7;
        break;
    case 'S':
        month = 8;
        break;
    case 'O':
        month = 9;
        break;
    case 'N':
        month = 10;
        break;
    case 'D':
        month = 11;
        break;
    default:
        return MX_ERROR;
    }

    p += 3;

    if ((fmt == fmt_rfc822 && *p != ' ') || (fmt == fmt_rfc850 && *p != '-'))
    {
        return MX_ERROR;
    }

    p++;

    if (fmt == fmt_rfc822) {
        year = mx_ffi_4digits(p);
        if (year < 0) {
            return MX_ERROR;
        }

        p += 4;

    } else if (fmt == fmt_rfc850) {
        year = mx_ffi_2digits(p);
        if (year < 0) {
            return MX_ERROR;
        }

        year += (year < 70) ? 2000 : 1900;
        p += 2;
    }

    if (fmt == fmt_isoc) {
        if (*p == ' ') {
            p++;
        }

        if (*p < '0' || *p > '9') {
            return MX_ERROR;
        }

        day = *p++ - '0';

        if (*p != ' ') {
            if (*p < '0' || *p > '9') {
                return MX_ERROR;
            }

            day = day * 10 + (*p++ - '0');
        }

        if (end - p < 14) {
            return MX_ERROR;
        }
    }

    if (*p++ != ' ') {
        return MX_ERROR;
    }

    hour = mx_ffi_2digits(p);
    if (hour < 0 || p[2] != ':') {
        return MX_ERROR;
    }

    p += 3;

    min = mx_ffi_2digits(p);
    if (min < 0 || p[2] != ':') {
        return MX_ERROR;
    }

    p += 3;

    sec = mx_ffi_2digits(p);
    if (sec < 0) {
        return MX_ERROR;
    }

    if (fmt == fmt_isoc) {
        p += 2;

        if (*p++ != ' ') {
            return MX_ERROR;
        }

        year = mx_ffi_4digits(p);
        if (year < 0) {
            return MX_ERROR;
        }
    }

    if (hour > 23 || min > 59 || sec > 59) {
        return MX_ERROR;
    }

    if (day == 29 && month == 1) {
        if ((year & 3) || (year % 100 == 0 && year % 400 != 0)) {
            return MX_ERROR;
        }

    } else if (day > mx_ffi_mday[month]) {
        return MX_ERROR;
    }

    /* Gauss' formula counts from March 1: shift the year, months 1..12 */
    if (--month <= 0) {
        month += 12;
        year -= 1;
    }

    /*
     * days since March 1, 1 BC, minus those up to January 1, 1970, in
     * nginx's unsigned arithmetic: dates before 1970 wrap to negative
     * times the same way (and year 0 shifted to -1 gives the same junk)
     */
    y = (uint64_t) (int64_t) year;

    t = (365 * y + y / 4 - y / 100 + y / 400 + 367 * (uint64_t) month / 12
         - 30 + (uint64_t) day - 1 - 719527 + 31 + 28) * 86400
        + (uint64_t) (hour * 3600 + min * 60 + sec);

    if ((int64_t) t == -1) {
        return MX_ERROR;
    }

    *time = (long) (int64_t) t;

    return MX_OK;
}
