#include "mx_lua_module.h"
#include "mx_lua_ffi.h"
#include "mx_proc.h"

#include <fcntl.h>
#include <signal.h>

/* ngx.worker, ngx.process and ngx.config.nginx_configure */


/*
 * What `moxy -V` prints as "configure arguments". core/main/mx_main.c
 * defines it; until it moves to a header both can see, the same text
 * is kept here (an #ifndef, so a shared definition wins).
 */
/* room for the master's children as text: 1024 pids of up to 7 digits */
#define MX_FFI_PIDS_TEXT  8192

/* nginx's NGX_PROCESS_*, which lua/ngx/process.lua names */
#define MX_FFI_PROCESS_SINGLE  0
#define MX_FFI_PROCESS_MASTER  1
#define MX_FFI_PROCESS_WORKER  3


int
mx_ffi_worker_id(void)
{
    if (mx_process != MX_PROCESS_WORKER && mx_process != MX_PROCESS_SINGLE) {
        return -1;
    }

    return (int) mx_worker;
}


int
mx_ffi_worker_count(void)
{
    mx_core_conf_t  *ccf;

    /* nginx answers worker_processes even with master_process off */
    if (mx_cycle != NULL && mx_cycle->conf_ctx != NULL) {
        ccf = mx_cycle->conf_ctx[mx_core_module.index];
        if (ccf != NULL && ccf->worker_processes > 0) {
            return (int) ccf->worker_processes;
        }
    }

    return mx_worker_count ? (int) mx_worker_count : 1;
}


int
mx_ffi_worker_exiting(void)
{
    return mx_exiting ? 1 : 0;
}


static pid_t
mx_ffi_self_pid(void)
{
    return mx_pid ? mx_pid : getpid();
}


/*
 * The master's children, from /proc/PID/task/PID/children: a worker has
 * no table of its siblings, and this file is on procfs (no disk wait).
 */
static int
mx_ffi_read_children(pid_t master, int *pids, size_t *len)
{
    int       fd;
    char      path[64], buf[MX_FFI_PIDS_TEXT];
    ssize_t   n;
    size_t    count, got;
    long      v;
    char     *p, *end;

    snprintf(path, sizeof(path), "/proc/%d/task/%d/children",
             (int) master, (int) master);

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        return MX_ERROR;
    }

    got = 0;

    do {
        n = read(fd, buf + got, sizeof(buf) - 1 - got);
        if (n > 0) {
            got += n;
        }
    } while (n > 0 && got < sizeof(buf) - 1);

    close(fd);

    if (got == 0) {
        return MX_ERROR;
    }

    buf[got] = '\0';
    count = 0;
    p = buf;

    while (count < *len) {
        v = strtol(p, &end, 10);
        if (end == p) {
            break;
        }

        pids[count++] = (int) v;
        p = end;
    }

    if (count == 0) {
        return MX_ERROR;
    }

    *len = count;

    return MX_OK;
}


int
mx_ffi_worker_pids(int *pids, size_t *len)
{
    pid_t  master;

    if (*len == 0) {
        return MX_OK;
    }

    if (mx_process == MX_PROCESS_WORKER || mx_process == MX_PROCESS_MASTER) {
        master = mx_process == MX_PROCESS_WORKER ? getppid()
                                                 : mx_ffi_self_pid();

        if (mx_ffi_read_children(master, pids, len) == MX_OK) {
            return MX_OK;
        }
    }

    pids[0] = (int) mx_ffi_self_pid();
    *len = 1;

    return MX_OK;
}


int
mx_ffi_process_type(void)
{
    mx_core_conf_t  *ccf;

    /* init_by_lua* runs before the master takes its role: nginx answers
     * "master" there when master_process is on */
    if (mx_process == MX_PROCESS_SINGLE && mx_cycle != NULL
        && mx_cycle->conf_ctx != NULL)
    {
        ccf = mx_cycle->conf_ctx[mx_core_module.index];
        if (ccf != NULL && ccf->master == 1) {
            return MX_FFI_PROCESS_MASTER;
        }
    }

    switch (mx_process) {
    case MX_PROCESS_MASTER:
        return MX_FFI_PROCESS_MASTER;
    case MX_PROCESS_WORKER:
        return MX_FFI_PROCESS_WORKER;
    default:
        return MX_FFI_PROCESS_SINGLE;
    }
}


int
mx_ffi_master_pid(void)
{
    if (mx_process == MX_PROCESS_WORKER) {
        return (int) getppid();
    }

    return (int) mx_ffi_self_pid();
}


void
mx_ffi_process_signal_graceful_exit(void)
{
    /* the same path as "moxy -s quit": the loop sees it on its next turn */
    kill(mx_ffi_self_pid(), SIGQUIT);
}


int
mx_ffi_enable_privileged_agent(const char **err, unsigned int connections)
{
    mx_unused(connections);

    *err = "not supported";

    return MX_ERROR;
}


void
mx_ffi_config_nginx_configure(const u_char **data, size_t *len)
{
    static const char  configure[] = MX_CONFIGURE;

    *data = (const u_char *) configure;
    *len = sizeof(configure) - 1;
}
