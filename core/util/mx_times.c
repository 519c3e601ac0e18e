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


u_char *
mx_http_time(u_char *buf, time_t t)
{
    struct tm  gmt;

    gmtime_r(&t, &gmt);
    sprintf((char *) buf, "%s, %02d %s %04d %02d:%02d:%02d GMT",
            week[gmt.tm_wday], gmt.tm_mday % 100, months[gmt.tm_mon],
            (gmt.tm_year + 1900) % 10000, gmt.tm_hour % 100,
            gmt.tm_min % 100, gmt.tm_sec % 100);

    return buf + 29;
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


time_t
mx_parse_http_time(const u_char *s, size_t len)
{
    char        tmp[64], mon[4];
    struct tm   tm;
    int         day, year, h, m, sec, i;

    if (len == 0 || len >= sizeof(tmp)) {
        return -1;
    }

    memcpy(tmp, s, len);
    tmp[len] = '\0';
    memset(&tm, 0, sizeof(tm));

    /* RFC 1123, RFC 850 and asctime() forms */
    if (sscanf(tmp, "%*3s, %2d %3s %4d %2d:%2d:%2d GMT",
               &day, mon, &year, &h, &m, &sec) == 6)
    {
        /* ok */

    } else if (sscanf(tmp, "%*[A-Za-z], %2d-%3s-%2d %2d:%2d:%2d GMT",
                      &day, mon, &year, &h, &m, &sec) == 6)
    {
        year += (year < 70) ? 2000 : 1900;

    } else if (sscanf(tmp, "%*3s %3s %2d %2d:%2d:%2d %4d",
                      mon, &day, &h, &m, &sec, &year) == 6)
    {
        /* ok */

    } else {
        return -1;
    }

    mon[3] = '\0';
    for (i = 0; i < 12; i++) {
        if (strcmp(mon, months[i]) == 0) {
            break;
        }
    }

    if (i == 12 || day < 1 || day > 31 || h > 23 || m > 59 || sec > 59
        || year < 1970)
    {
        return -1;
    }

    tm.tm_mday = day;
    tm.tm_mon = i;
    tm.tm_year = year - 1900;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec;

    return timegm(&tm);
}
