#include "mx_times.h"

static mx_time_t  mx_time_slot;
/* larger than needed: the formats' worst cases for any int */
static u_char     mx_err_log_time_buf[96];
static u_char     mx_http_time_buf[96];
static u_char     mx_http_log_time_buf[96];
static u_char     mx_iso8601_buf[96];

volatile mx_time_t  *mx_cached_time = &mx_time_slot;
volatile mx_msec_t   mx_current_msec;

mx_str_t  mx_cached_err_log_time;
mx_str_t  mx_cached_http_time;
mx_str_t  mx_cached_http_log_time;
mx_str_t  mx_cached_http_log_iso8601;

static const char *week[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
                              "Sat" };
static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };


void
mx_time_init(void)
{
    mx_cached_err_log_time.data = mx_err_log_time_buf;
    mx_cached_http_time.data = mx_http_time_buf;
    mx_cached_http_log_time.data = mx_http_log_time_buf;
    mx_cached_http_log_iso8601.data = mx_iso8601_buf;

    tzset();
    mx_time_update();
}


void
mx_time_update(void)
{
    struct timespec  ts;
    struct tm        tm, gmt;
    time_t           sec;
    long             off;
    char             sign;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    mx_current_msec = (mx_msec_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;

    clock_gettime(CLOCK_REALTIME, &ts);
    sec = ts.tv_sec;
    mx_time_slot.msec = ts.tv_nsec / 1000000;

    if (sec == mx_time_slot.sec && mx_cached_http_time.data[0]) {
        return;
    }

    mx_time_slot.sec = sec;

    gmtime_r(&sec, &gmt);
    localtime_r(&sec, &tm);
    off = tm.tm_gmtoff / 60;
    mx_time_slot.gmtoff = (int) off;

    mx_cached_http_time.len = mx_http_time(mx_http_time_buf, sec)
                              - mx_http_time_buf;

    mx_cached_err_log_time.len = snprintf((char *) mx_err_log_time_buf, sizeof(mx_err_log_time_buf),
             "%4d/%02d/%02d %02d:%02d:%02d",
             (tm.tm_year + 1900) % 10000, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);

    sign = off < 0 ? '-' : '+';
    if (off < 0) {
        off = -off;
    }

    mx_cached_http_log_time.len = snprintf((char *) mx_http_log_time_buf, sizeof(mx_http_log_time_buf),
             "%02d/%s/%4d:%02d:%02d:%02d %c%02ld%02ld",
             tm.tm_mday, months[tm.tm_mon], (tm.tm_year + 1900) % 10000,
             tm.tm_hour, tm.tm_min, tm.tm_sec, sign, off / 60, off % 60);

    mx_cached_http_log_iso8601.len = snprintf((char *) mx_iso8601_buf, sizeof(mx_iso8601_buf),
             "%4d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
             (tm.tm_year + 1900) % 10000, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, sign, off / 60, off % 60);
}


static u_char *
mx_time_2digits(u_char *p, int v)
{
    *p++ = (u_char) ('0' + v / 10 % 10);
    *p++ = (u_char) ('0' + v % 10);
    return p;
}


u_char *
mx_http_time(u_char *buf, time_t t)
{
    int          year;
    u_char      *p;
    struct tm    gmt;

    /* Last-Modified of the same file comes again and again */
    static time_t  last_t = (time_t) -1;
    static u_char  last[29];

    if (t == last_t) {
        memcpy(buf, last, 29);
        return buf + 29;
    }

    gmtime_r(&t, &gmt);

    /* "Sun, 06 Nov 1994 08:49:37 GMT" */
    p = buf;
    memcpy(p, week[gmt.tm_wday], 3);
    p += 3;
    *p++ = ',';
    *p++ = ' ';
    p = mx_time_2digits(p, gmt.tm_mday);
    *p++ = ' ';
    memcpy(p, months[gmt.tm_mon], 3);
    p += 3;
    *p++ = ' ';
    year = (gmt.tm_year + 1900) % 10000;
    p = mx_time_2digits(p, year / 100);
    p = mx_time_2digits(p, year % 100);
    *p++ = ' ';
    p = mx_time_2digits(p, gmt.tm_hour);
    *p++ = ':';
    p = mx_time_2digits(p, gmt.tm_min);
    *p++ = ':';
    p = mx_time_2digits(p, gmt.tm_sec);
    memcpy(p, " GMT", 4);
    p += 4;

    memcpy(last, buf, 29);
    last_t = t;

    return p;
}


u_char *
mx_http_cookie_time(u_char *buf, time_t t)
{
    struct tm  gmt;
    int        n;

    gmtime_r(&t, &gmt);

    /* Netscape's cookie format has a two-digit year until 2037 */
    n = sprintf((char *) buf, "%s, %02d-%s-%02d %02d:%02d:%02d GMT",
                 week[gmt.tm_wday], gmt.tm_mday, months[gmt.tm_mon],
                 (gmt.tm_year + 1900) % 100, gmt.tm_hour, gmt.tm_min,
                 gmt.tm_sec);
    if (gmt.tm_year + 1900 > 2037) {
        n = sprintf((char *) buf, "%s, %02d-%s-%4d %02d:%02d:%02d GMT",
                     week[gmt.tm_wday], gmt.tm_mday, months[gmt.tm_mon],
                     (gmt.tm_year + 1900) % 10000, gmt.tm_hour, gmt.tm_min,
                     gmt.tm_sec);
    }

    return buf + n;
}


static int
mx_2digits(const u_char *p)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9') {
        return -1;
    }

    return (p[0] - '0') * 10 + (p[1] - '0');
}


static int
mx_4digits(const u_char *p)
{
    int  hi, lo;

    hi = mx_2digits(p);
    lo = mx_2digits(p + 2);

    return (hi < 0 || lo < 0) ? -1 : hi * 100 + lo;
}


static const u_char  mx_mday[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
                                       31, 30, 31 };


/*
 * nginx's ngx_parse_http_time(), so that If-Modified-Since and
 * ngx.parse_http_time() accept and reject the same strings: the length checks up front keep every
 * read below inside s.
 */
static int
mx_parse_http_time_nginx(const u_char *s, size_t len, long *time)
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
        day = mx_2digits(p);
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
        year = mx_4digits(p);
        if (year < 0) {
            return MX_ERROR;
        }

        p += 4;

    } else if (fmt == fmt_rfc850) {
        year = mx_2digits(p);
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

    hour = mx_2digits(p);
    if (hour < 0 || p[2] != ':') {
        return MX_ERROR;
    }

    p += 3;

    min = mx_2digits(p);
    if (min < 0 || p[2] != ':') {
        return MX_ERROR;
    }

    p += 3;

    sec = mx_2digits(p);
    if (sec < 0) {
        return MX_ERROR;
    }

    if (fmt == fmt_isoc) {
        p += 2;

        if (*p++ != ' ') {
            return MX_ERROR;
        }

        year = mx_4digits(p);
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

    } else if (day > mx_mday[month]) {
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


time_t
mx_parse_http_time(const u_char *s, size_t len)
{
    long  t;

    if (mx_parse_http_time_nginx(s, len, &t) != MX_OK) {
        return -1;
    }

    return (time_t) t;
}
