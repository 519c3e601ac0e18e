#include "mx_lua_module.h"
#include "mx_lua_ffi.h"

/* ngx.time, ngx.now, ngx.today, ngx.http_time, ngx.parse_http_time... */

/* nginx prints no more than 4 year digits: 9999-12-31 23:59:59 */
#define MX_FFI_MAX_TIME  253402300799L




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


/* nginx's parser lives in core/util/mx_times.c for every caller */
int
mx_ffi_parse_http_time(const u_char *s, size_t len, long *time)
{
    time_t  t;

    t = mx_parse_http_time(s, len);
    if (t == -1) {
        return MX_ERROR;
    }

    *time = (long) t;
    return MX_OK;
}
