#include "mx_log.h"
#include "mx_times.h"

#include <fcntl.h>

static mx_log_file_t  mx_stderr_file = { STDERR_FILENO, mx_string("stderr"),
                                         NULL };
static mx_log_file_t *mx_log_files;

mx_log_capture_pt  mx_log_capture;

mx_log_t  mx_log_main = { MX_LOG_NOTICE, &mx_stderr_file, 0, NULL, NULL,
                          NULL };
int       mx_log_use_stderr = 1;
pid_t     mx_pid;

static const char *mx_log_levels[] = {
    "", "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"
};


mx_log_file_t *
mx_log_open_file(const char *path)
{
    mx_log_file_t  *f;
    size_t          len;

    if (strcmp(path, "stderr") == 0) {
        return &mx_stderr_file;
    }

    for (f = mx_log_files; f; f = f->next) {
        if (strcmp((char *) f->name.data, path) == 0) {
            return f;
        }
    }

    len = strlen(path);
    f = malloc(sizeof(mx_log_file_t) + len + 1);
    if (f == NULL) {
        return NULL;
    }

    f->name.data = (u_char *) (f + 1);
    f->name.len = len;
    memcpy(f->name.data, path, len + 1);

    f->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (f->fd == -1) {
        free(f);
        return NULL;
    }

    f->next = mx_log_files;
    mx_log_files = f;

    return f;
}


void
mx_log_reopen_files(void)
{
    mx_log_file_t  *f;
    int             fd;

    for (f = mx_log_files; f; f = f->next) {
        fd = open((char *) f->name.data,
                  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd == -1) {
            mx_log_error(MX_LOG_ALERT, &mx_log_main, errno,
                         "open() \"%s\" failed", f->name.data);
            continue;
        }

        /* keep the descriptor number so that copies of it stay valid */
        dup2(fd, f->fd);
        close(fd);
    }

    mx_log_redirect_stderr();
}


void
mx_log_redirect_stderr(void)
{
    int  fd = mx_log_main.file->fd;

    if (fd != STDERR_FILENO && fd != -1) {
        (void) dup2(fd, STDERR_FILENO);
    }
}


int
mx_log_parse_level(const mx_str_t *name)
{
    mx_uint_t  i;

    for (i = 1; i < mx_nelems(mx_log_levels); i++) {
        if (name->len == strlen(mx_log_levels[i])
            && memcmp(name->data, mx_log_levels[i], name->len) == 0)
        {
            return (int) i;
        }
    }

    return MX_ERROR;
}


static u_char *
mx_log_errno(u_char *p, u_char *last, int err)
{
    int  n;

    if (p >= last) {
        return p;
    }

    n = snprintf((char *) p, last - p, " (%d: %s)", err, strerror(err));
    if (n < 0) {
        return p;
    }

    return p + mx_min((size_t) n, (size_t) (last - p));
}


void
mx_log_error_core(mx_uint_t level, mx_log_t *log, int err,
    const char *fmt, ...)
{
    va_list   args;
    u_char    errstr[MX_MAX_ERROR_STR], *p, *last, *msg;
    int       n;
    size_t    room;

    last = errstr + MX_MAX_ERROR_STR - 1;   /* room for "\n" */

    n = snprintf((char *) errstr, MX_MAX_ERROR_STR, "%.*s [%s] %d#%d: ",
                 MX_STR_ARG(mx_cached_err_log_time), mx_log_levels[level],
                 (int) mx_pid, (int) mx_pid);
    p = errstr + n;

    if (log->connection) {
        n = snprintf((char *) p, last - p, "*%lu ",
                     (unsigned long) log->connection);
        p += mx_min((size_t) n, (size_t) (last - p));
    }

    msg = p;

    va_start(args, fmt);
    room = last - p;
    n = vsnprintf((char *) p, room, fmt, args);
    va_end(args);
    if (n > 0) {
        p += mx_min((size_t) n, room ? room - 1 : 0);
    }

    if (err) {
        p = mx_log_errno(p, last, err);
    }

    if (level != MX_LOG_DEBUG && log->action && p < last) {
        n = snprintf((char *) p, last - p, " while %s", log->action);
        p += mx_min((size_t) n, (size_t) (last - p));
    }

    if (log->handler && p < last) {
        p = log->handler(log, p, last - p);
    }

    if (p > last) {
        p = last;
    }

    if (mx_log_capture) {
        mx_log_capture(level, errstr, p - errstr);
    }

    *p++ = '\n';

    if (write(log->file->fd, errstr, p - errstr) == -1) {
        /* nothing better to do with a failing error log */
    }

    if (mx_log_use_stderr && level <= MX_LOG_WARN
        && log->file->fd != STDERR_FILENO)
    {
        char   hdr[32];
        int    hn;

        hn = snprintf(hdr, sizeof(hdr), "moxy: [%s] ", mx_log_levels[level]);
        if (write(STDERR_FILENO, hdr, hn) == -1
            || write(STDERR_FILENO, msg, p - msg) == -1)
        {
            /* ignored */
        }
    }
}


void
mx_log_stderr(int err, const char *fmt, ...)
{
    va_list   args;
    u_char    buf[MX_MAX_ERROR_STR], *p, *last;
    int       n;

    last = buf + sizeof(buf) - 1;
    p = buf;
    memcpy(p, "moxy: ", 6);
    p += 6;

    va_start(args, fmt);
    n = vsnprintf((char *) p, last - p, fmt, args);
    va_end(args);
    if (n > 0) {
        p += mx_min((size_t) n, (size_t) (last - p - 1));
    }

    if (err) {
        p = mx_log_errno(p, last, err);
    }

    *p++ = '\n';
    if (write(STDERR_FILENO, buf, p - buf) == -1) {
        /* ignored */
    }
}
