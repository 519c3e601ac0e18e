#ifndef MX_TIMES_H
#define MX_TIMES_H

#include "mx_core.h"
#include <time.h>

/*
 * The cached clock. mx_time_update() is called once per event loop
 * iteration; everything else reads the cached values.
 */

typedef struct {
    time_t      sec;
    mx_uint_t   msec;
    int         gmtoff;     /* minutes east of UTC */
} mx_time_t;

extern volatile mx_time_t  *mx_cached_time;
extern volatile mx_msec_t   mx_current_msec;   /* monotonic, ms */

extern mx_str_t  mx_cached_err_log_time;       /* 1970/09/28 12:00:00 */
extern mx_str_t  mx_cached_http_time;          /* Mon, 28 Sep 1970 06:00:00 GMT */
extern mx_str_t  mx_cached_http_log_time;      /* 28/Sep/1970:12:00:00 +0600 */
extern mx_str_t  mx_cached_http_log_iso8601;   /* 1970-09-28T12:00:00+06:00 */

void mx_time_init(void);
void mx_time_update(void);

/* "Mon, 28 Sep 1970 06:00:00 GMT" into buf (>= 64 bytes); returns end */
u_char *mx_http_time(u_char *buf, time_t t);

/* "Mon, 28-Sep-70 06:00:00 GMT" cookie format into buf (>= 64 bytes) */
u_char *mx_http_cookie_time(u_char *buf, time_t t);

/* parses an HTTP date; -1 on error */
time_t mx_parse_http_time(const u_char *s, size_t len);

#endif /* MX_TIMES_H */
