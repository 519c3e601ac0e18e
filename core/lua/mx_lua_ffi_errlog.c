#include "mx_lua_module.h"
#include "mx_lua_ffi.h"

#include <stdlib.h>
#include <string.h>

/* ngx.errlog: the error log's level, raw lines, the capture buffer */


#define MX_FFI_NO_CAPTURE  "directive \"lua_capture_error_log\" is not set"


static mx_log_t *
mx_ffi_errlog_get(mx_http_request_t *r)
{
    if (r && r->connection) {
        return &r->connection->log;
    }

    if (mx_cycle && mx_cycle->log) {
        return mx_cycle->log;
    }

    return &mx_log_main;
}


int
mx_ffi_errlog_get_sys_filter_level(mx_http_request_t *r)
{
    return (int) mx_ffi_errlog_get(r)->level;
}


int
mx_ffi_raw_log(mx_http_request_t *r, int level, const u_char *msg,
    size_t len)
{
    mx_log_t  *log;

    if (level < MX_LOG_STDERR || level > MX_LOG_DEBUG) {
        return MX_ERROR;
    }

    log = mx_ffi_errlog_get(r);

    mx_log_error((mx_uint_t) level, log, 0, "%.*s",
                 (int) mx_min(len, (size_t) MX_MAX_ERROR_STR), msg);

    return MX_OK;
}


static int
mx_ffi_errlog_no_capture(u_char *err, size_t *errlen)
{
    size_t  n;

    n = mx_min(*errlen, sizeof(MX_FFI_NO_CAPTURE) - 1);
    memcpy(err, MX_FFI_NO_CAPTURE, n);
    *errlen = n;

    return MX_ERROR;
}


/* ------------------------------------------------ lua_capture_error_log */

/*
 * The captured lines of this process, oldest first, within a byte budget
 * (a line and its record count against it); the oldest go when a new one
 * needs room, a line larger than the whole budget is not kept. Made at
 * configuration time, so the workers start with what the master logged.
 */

typedef struct mx_errlog_entry_s  mx_errlog_entry_t;

struct mx_errlog_entry_s {
    mx_errlog_entry_t  *next;
    double              time;
    size_t              len;
    int                 level;
    u_char              data[];
};

static mx_errlog_entry_t   *mx_errlog_head;
static mx_errlog_entry_t  **mx_errlog_tail = &mx_errlog_head;
static mx_errlog_entry_t   *mx_errlog_taken;   /* handed to Lua last */
static size_t               mx_errlog_size;    /* 0: not capturing */
static size_t               mx_errlog_used;
static mx_uint_t            mx_errlog_filter = MX_LOG_DEBUG;


static void mx_errlog_capture(mx_uint_t level, const u_char *line,
    size_t len);


void
mx_lua_errlog_capture_init(size_t size)
{
    mx_errlog_entry_t  *e;

    while (mx_errlog_head) {
        e = mx_errlog_head;
        mx_errlog_head = e->next;
        free(e);
    }

    mx_errlog_tail = &mx_errlog_head;
    mx_errlog_used = 0;
    mx_errlog_size = size;
    mx_errlog_filter = MX_LOG_DEBUG;
    mx_log_capture = size ? mx_errlog_capture : NULL;
}


static void
mx_errlog_capture(mx_uint_t level, const u_char *line, size_t len)
{
    size_t              need;
    mx_errlog_entry_t  *e;

    if (level > mx_errlog_filter) {
        return;
    }

    need = sizeof(mx_errlog_entry_t) + len;
    if (need > mx_errlog_size) {
        return;
    }

    while (mx_errlog_used + need > mx_errlog_size && mx_errlog_head) {
        e = mx_errlog_head;
        mx_errlog_head = e->next;
        if (mx_errlog_head == NULL) {
            mx_errlog_tail = &mx_errlog_head;
        }

        mx_errlog_used -= sizeof(mx_errlog_entry_t) + e->len;
        free(e);
    }

    e = malloc(need);
    if (e == NULL) {
        return;
    }

    e->next = NULL;
    e->time = (double) mx_cached_time->sec
              + (double) mx_cached_time->msec / 1000.0;
    e->len = len;
    e->level = (int) level;
    memcpy(e->data, line, len);

    *mx_errlog_tail = e;
    mx_errlog_tail = &e->next;
    mx_errlog_used += need;
}


int
mx_ffi_errlog_set_filter_level(int level, u_char *err, size_t *errlen)
{
    static const char  bad[] = "bad log level";
    size_t             n;

    if (mx_errlog_size == 0) {
        return mx_ffi_errlog_no_capture(err, errlen);
    }

    if (level < MX_LOG_STDERR || level > MX_LOG_DEBUG) {
        n = mx_min(*errlen, sizeof(bad) - 1);
        memcpy(err, bad, n);
        *errlen = n;
        return MX_ERROR;
    }

    mx_errlog_filter = (mx_uint_t) level;

    return MX_OK;
}


/* the oldest captured line (valid until the next call): its length, or
 * MX_DECLINED when none is left (MX_ERROR is for "not capturing") */
int
mx_ffi_errlog_get_msg(char **log, int *loglevel, u_char *err,
    size_t *errlen, double *log_time)
{
    mx_errlog_entry_t  *e;

    if (mx_errlog_size == 0) {
        return mx_ffi_errlog_no_capture(err, errlen);
    }

    free(mx_errlog_taken);
    mx_errlog_taken = NULL;

    e = mx_errlog_head;
    if (e == NULL) {
        return MX_DECLINED;
    }

    mx_errlog_head = e->next;
    if (mx_errlog_head == NULL) {
        mx_errlog_tail = &mx_errlog_head;
    }

    mx_errlog_used -= sizeof(mx_errlog_entry_t) + e->len;
    mx_errlog_taken = e;

    *log = (char *) e->data;
    *loglevel = e->level;
    *log_time = e->time;

    return (int) e->len;
}
