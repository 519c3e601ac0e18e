#ifndef MX_LOG_H
#define MX_LOG_H

#include "mx_core.h"

/* nginx's levels and numbers: ngx.ERR == MX_LOG_ERR == 4 */
#define MX_LOG_STDERR   0
#define MX_LOG_EMERG    1
#define MX_LOG_ALERT    2
#define MX_LOG_CRIT     3
#define MX_LOG_ERR      4
#define MX_LOG_WARN     5
#define MX_LOG_NOTICE   6
#define MX_LOG_INFO     7
#define MX_LOG_DEBUG    8

#define MX_MAX_ERROR_STR  4096

typedef struct mx_log_s  mx_log_t;

/* appends ", client: ..., server: ..." context; returns the new end */
typedef u_char *(*mx_log_handler_pt)(mx_log_t *log, u_char *buf,
    size_t len);

typedef struct mx_log_file_s {
    int                     fd;
    mx_str_t                name;       /* NUL-terminated; "stderr" */
    struct mx_log_file_s   *next;
} mx_log_file_t;

struct mx_log_s {
    mx_uint_t            level;
    mx_log_file_t       *file;
    mx_uint_t            connection;    /* "*N" when non-zero */
    mx_log_handler_pt    handler;
    void                *data;
    const char          *action;        /* "while reading ..." */
};

/*
 * Sees every error-log line written, without its newline (Lua's
 * lua_capture_error_log); NULL when nothing captures.
 */
typedef void (*mx_log_capture_pt)(mx_uint_t level, const u_char *line,
    size_t len);

extern mx_log_capture_pt  mx_log_capture;

/* the process-wide log, used before and outside any connection */
extern mx_log_t   mx_log_main;

/* when set, messages at warn or above also go to stderr as "moxy: ..." */
extern int        mx_log_use_stderr;

/* tid shown after the pid; the pid is read from mx_pid */
extern pid_t      mx_pid;

/*
 * Opens (or finds, when already open) a log file by its absolute path;
 * "stderr" names the standard error. NULL on failure with errno set.
 * Files live until the process exits; mx_log_reopen_files() reopens all.
 */
mx_log_file_t *mx_log_open_file(const char *path);

void mx_log_reopen_files(void);

/*
 * stderr goes to the main error log, as in nginx: what libraries, Lua's
 * io.stderr and the sanitizers print lands there.
 */
void mx_log_redirect_stderr(void);

/* closes every file but the one given (after a reload) */
void mx_log_close_unused(void);

/* "debug" -> MX_LOG_DEBUG; MX_ERROR when unknown */
int mx_log_parse_level(const mx_str_t *name);

void mx_log_error_core(mx_uint_t level, mx_log_t *log, int err,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define mx_log_error(lvl, lg, ...)                                        \
    do {                                                                  \
        if ((lg)->level >= (mx_uint_t) (lvl)) {                           \
            mx_log_error_core(lvl, lg, __VA_ARGS__);                      \
        }                                                                 \
    } while (0)

#define mx_log_debug(log, ...)                                            \
    mx_log_error(MX_LOG_DEBUG, log, 0, __VA_ARGS__)

/* writes "moxy: msg" to stderr, for command-line output */
void mx_log_stderr(int err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* MX_LOG_H */
