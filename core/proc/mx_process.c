#include "mx_proc.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#define MX_MAX_WORKERS  1024

mx_uint_t   mx_process = MX_PROCESS_SINGLE;
mx_int_t    mx_worker;
mx_uint_t   mx_worker_count;

typedef struct {
    pid_t       pid;
    mx_int_t    id;
    unsigned    exiting:1;    /* told to quit; not respawned */
    unsigned    exited:1;
} mx_worker_slot_t;

static mx_worker_slot_t  mx_workers[MX_MAX_WORKERS * 2];
static mx_uint_t         mx_nworkers;

static volatile sig_atomic_t  mx_sig_quit, mx_sig_terminate, mx_sig_reload,
                              mx_sig_reopen, mx_sig_child;

static ev_timer   mx_exit_timer;


int
mx_daemon(mx_log_t *log, int *notify_fd)
{
    int    fd, pipefd[2];
    pid_t  pid;
    char   c;

    /* the parent leaves only when the child is ready (pid file, sockets) */
    if (pipe2(pipefd, O_CLOEXEC) == -1) {
        mx_log_error(MX_LOG_EMERG, log, errno, "pipe() failed");
        return MX_ERROR;
    }

    pid = fork();
    if (pid == -1) {
        mx_log_error(MX_LOG_EMERG, log, errno, "fork() failed");
        return MX_ERROR;
    }

    if (pid > 0) {
        close(pipefd[1]);
        if (read(pipefd[0], &c, 1) == 1 && c == '1') {
            _exit(0);
        }
        _exit(1);
    }

    close(pipefd[0]);
    *notify_fd = pipefd[1];

    if (setsid() == -1) {
        mx_log_error(MX_LOG_EMERG, log, errno, "setsid() failed");
        return MX_ERROR;
    }

    umask(0);

    fd = open("/dev/null", O_RDWR);
    if (fd == -1) {
        mx_log_error(MX_LOG_EMERG, log, errno, "open(\"/dev/null\") failed");
        return MX_ERROR;
    }

    dup2(fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    if (log->file->fd != STDERR_FILENO) {
        dup2(fd, STDERR_FILENO);
    }

    if (fd > STDERR_FILENO) {
        close(fd);
    }

    return MX_OK;
}


/* signals seen and not yet logged: the sender of each, by number */
static volatile sig_atomic_t  mx_sig_from[NSIG];
static volatile sig_atomic_t  mx_sig_seen[NSIG];
static ev_async               mx_sig_async;
static int                    mx_sig_async_on;


static void
mx_signal_handler(int signo, siginfo_t *si, void *ucontext)
{
    int  saved = errno;

    mx_unused(ucontext);

    switch (signo) {
    case SIGQUIT:
        mx_sig_quit = 1;
        break;
    case SIGTERM:
    case SIGINT:
        mx_sig_terminate = 1;
        break;
    case SIGHUP:
        mx_sig_reload = 1;
        break;
    case SIGUSR1:
        mx_sig_reopen = 1;
        break;
    case SIGCHLD:
        mx_sig_child = 1;
        break;
    }

    if (signo > 0 && signo < NSIG) {
        mx_sig_from[signo] = si ? (sig_atomic_t) si->si_pid : 0;
        mx_sig_seen[signo] = 1;
    }

    /* wakes the event loop of a worker or single process */
    if (mx_sig_async_on) {
        ev_async_send(mx_loop, &mx_sig_async);
    }

    errno = saved;
}


/* logs the signals received since the last call, as nginx words them */
static void
mx_log_signals(mx_log_t *log)
{
    static const struct {
        int          signo;
        const char  *name;
        const char  *action;
    } sigs[] = {
        { SIGQUIT, "SIGQUIT", ", shutting down" },
        { SIGTERM, "SIGTERM", ", exiting" },
        { SIGINT, "SIGINT", ", exiting" },
        { SIGHUP, "SIGHUP", ", reconfiguring" },
        { SIGUSR1, "SIGUSR1", ", reopening logs" },
        { SIGCHLD, "SIGCHLD", "" },
    };

    mx_uint_t  i;
    int        signo;

    for (i = 0; i < mx_nelems(sigs); i++) {
        signo = sigs[i].signo;
        if (!mx_sig_seen[signo]) {
            continue;
        }

        mx_sig_seen[signo] = 0;
        mx_log_error(MX_LOG_NOTICE, log, 0,
                     "signal %d (%s) received from %d%s", signo,
                     sigs[i].name, (int) mx_sig_from[signo], sigs[i].action);
    }
}


static void
mx_sig_async_cb(struct ev_loop *loop, ev_async *w, int revents)
{
    mx_unused(w);
    mx_unused(revents);

    ev_break(loop, EVBREAK_ALL);
}


static void
mx_init_signals(void)
{
    struct sigaction  sa;
    int               sigs[] = { SIGQUIT, SIGTERM, SIGINT, SIGHUP, SIGUSR1,
                                 SIGCHLD };
    mx_uint_t         i;

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = mx_signal_handler;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);

    for (i = 0; i < mx_nelems(sigs); i++) {
        sigaction(sigs[i], &sa, NULL);
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGWINCH, &sa, NULL);
}


static void
mx_exit_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    mx_unused(loop);
    mx_unused(w);
    mx_unused(revents);
}


static void
mx_worker_init(mx_cycle_t *cycle)
{
    mx_event_conf_t  *ecf;
    void            **ctx;
    mx_uint_t         i;

    ctx = cycle->conf_ctx[mx_events_module.index];
    ecf = ctx[mx_event_core_module.ctx_index];
    mx_worker_connections = ecf->connections;

    mx_pid = getpid();

    /* workers must not draw the same random() sequence (random balancing) */
    srandom((unsigned) (mx_pid ^ (pid_t) time(NULL)));

    for (i = 0; mx_modules[i]; i++) {
        if (mx_modules[i]->init_process) {
            if (mx_modules[i]->init_process(cycle) != MX_OK) {
                exit(2);
            }
        }
    }

    mx_listening_enable(&cycle->listening);

    ev_async_init(&mx_sig_async, mx_sig_async_cb);
    ev_async_start(mx_loop, &mx_sig_async);
    mx_sig_async_on = 1;
    mx_init_signals();

    /* a periodic wake-up to notice a master that is gone */
    ev_timer_init(&mx_exit_timer, mx_exit_timer_cb, 1.0, 1.0);
    ev_timer_start(mx_loop, &mx_exit_timer);
}


static void
mx_worker_exit(mx_cycle_t *cycle)
{
    mx_uint_t  i;

    for (i = 0; mx_modules[i]; i++) {
        if (mx_modules[i]->exit_process) {
            mx_modules[i]->exit_process(cycle);
        }
    }
}


/* runs the event loop until told to stop; the caller exits */
static void
mx_worker_loop(mx_cycle_t *cycle, int single)
{
    for ( ;; ) {
        ev_run(mx_loop, EVRUN_ONCE);
        mx_time_update();

        if (single) {
            mx_log_signals(cycle->log);
        } else {
            /* a worker hears from its master only: nothing to report */
            memset((void *) mx_sig_seen, 0, sizeof(mx_sig_seen));
        }

        if (mx_sig_terminate) {
            mx_terminate = 1;
            break;
        }

        /* mx_quit: a module asks to stop (the Lua VM ran out of memory) */
        if ((mx_sig_quit || mx_quit) && !mx_exiting) {
            mx_exiting = 1;
            if (!single) {
                mx_log_error(MX_LOG_NOTICE, cycle->log, 0,
                             "gracefully shutting down");
            }
            mx_listening_disable(&cycle->listening);
            mx_conn_close_idle();

            if (mx_exiting_hook) {
                mx_exiting_hook();
            }
        }

        if (mx_exiting) {
            mx_conn_close_idle();
            if (mx_conn_busy_count() == 0 && mx_busy_tasks == 0) {
                break;
            }
        }

        if (mx_sig_reopen) {
            mx_sig_reopen = 0;
            mx_log_reopen_files();
        }

        if (!single && getppid() == 1) {
            /* the master is gone */
            break;
        }
    }

    if (!single) {
        mx_log_error(MX_LOG_NOTICE, cycle->log, 0, "exiting");
    }

    mx_worker_exit(cycle);

    if (single) {
        mx_delete_pidfile(cycle);
    }

    mx_log_error(MX_LOG_NOTICE, cycle->log, 0, "exit");
}


void
mx_single_process_cycle(mx_cycle_t *cycle)
{
    mx_process = MX_PROCESS_SINGLE;
    mx_worker = 0;
    mx_worker_count = 1;

    mx_worker_init(cycle);
    mx_worker_loop(cycle, 1);

    exit(0);
}


static pid_t
mx_spawn_worker(mx_cycle_t *cycle, mx_int_t id)
{
    pid_t     pid;
    sigset_t  set;

    pid = fork();

    if (pid == -1) {
        mx_log_error(MX_LOG_ALERT, cycle->log, errno,
                     "fork() failed while spawning \"worker process\"");
        return -1;
    }

    if (pid > 0) {
        mx_log_error(MX_LOG_NOTICE, cycle->log, 0,
                     "start worker process %d", (int) pid);
        return pid;
    }

    /* the worker */
    mx_process = MX_PROCESS_WORKER;
    mx_setproctitle("worker process");
    mx_worker = id;
    prctl(PR_SET_PDEATHSIG, SIGTERM);

    sigemptyset(&set);
    sigprocmask(SIG_SETMASK, &set, NULL);

    ev_loop_fork(mx_loop);
    mx_sig_quit = mx_sig_terminate = mx_sig_reload = mx_sig_child = 0;

    mx_worker_init(cycle);
    mx_worker_loop(cycle, 0);

    exit(0);
}


static void
mx_start_workers(mx_cycle_t *cycle, mx_int_t n)
{
    mx_int_t   i;
    pid_t      pid;
    mx_uint_t  j;

    for (i = 0; i < n; i++) {
        pid = mx_spawn_worker(cycle, i);
        if (pid == -1) {
            continue;
        }

        for (j = 0; j < mx_nelems(mx_workers); j++) {
            if (mx_workers[j].pid == 0) {
                mx_workers[j].pid = pid;
                mx_workers[j].id = i;
                mx_workers[j].exiting = 0;
                mx_workers[j].exited = 0;
                if (j >= mx_nworkers) {
                    mx_nworkers = j + 1;
                }
                break;
            }
        }
    }
}


static void
mx_signal_workers(int signo, int mark_exiting)
{
    mx_uint_t  i;

    for (i = 0; i < mx_nworkers; i++) {
        if (mx_workers[i].pid == 0 || mx_workers[i].exiting) {
            continue;
        }

        if (kill(mx_workers[i].pid, signo) == -1) {
            mx_log_error(MX_LOG_ALERT, &mx_log_main, errno,
                         "kill(%d, %d) failed", (int) mx_workers[i].pid,
                         signo);
        }

        if (mark_exiting) {
            mx_workers[i].exiting = 1;
        }
    }
}


static mx_uint_t
mx_reap_children(mx_cycle_t *cycle)
{
    pid_t      pid;
    int        status;
    mx_uint_t  i, live;

    for ( ;; ) {
        pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0) {
            break;
        }

        for (i = 0; i < mx_nworkers; i++) {
            if (mx_workers[i].pid != pid) {
                continue;
            }

            if (WIFSIGNALED(status)) {
                mx_log_error(MX_LOG_ALERT, cycle->log, 0,
                             "worker process %d exited on signal %d",
                             (int) pid, WTERMSIG(status));

            } else {
                mx_log_error(WEXITSTATUS(status) ? MX_LOG_ALERT
                                                 : MX_LOG_NOTICE,
                             cycle->log, 0,
                             "worker process %d exited with code %d",
                             (int) pid, WEXITSTATUS(status));
            }

            /* a worker that died without being told to is respawned */
            if (!mx_workers[i].exiting && !mx_sig_quit
                && !mx_sig_terminate && WEXITSTATUS(status) != 2)
            {
                mx_workers[i].pid = mx_spawn_worker(cycle, mx_workers[i].id);
                if (mx_workers[i].pid == -1) {
                    mx_workers[i].pid = 0;
                }
                continue;
            }

            mx_workers[i].pid = 0;
        }
    }

    live = 0;
    for (i = 0; i < mx_nworkers; i++) {
        if (mx_workers[i].pid) {
            live++;
        }
    }

    return live;
}


static mx_cycle_t *
mx_reload(mx_cycle_t *cycle)
{
    mx_cycle_t  *new;
    mx_uint_t    i;

    mx_log_use_stderr = 0;
    new = mx_init_cycle(cycle, cycle);
    if (new == NULL) {
        /* keep the old workers; the reason is in the log */
        return cycle;
    }

    if (mx_listening_open(&new->listening, new->log) != MX_OK) {
        mx_free_cycle(new);
        return cycle;
    }

    if (mx_cycle_open_error_log(new) != MX_OK) {
        mx_free_cycle(new);
        return cycle;
    }

    mx_log_redirect_stderr();

    /* old workers finish their requests and leave */
    for (i = 0; i < mx_nworkers; i++) {
        if (mx_workers[i].pid && !mx_workers[i].exiting) {
            kill(mx_workers[i].pid, SIGQUIT);
            mx_workers[i].exiting = 1;
        }
    }

    mx_set_environment(new);
    mx_worker_count = ((mx_core_conf_t *)
                       new->conf_ctx[mx_core_module.index])->worker_processes;
    mx_start_workers(new, mx_worker_count);

    mx_listening_close(&cycle->listening);
    mx_free_cycle(cycle);
    mx_cycle = new;

    return new;
}


void
mx_master_process_cycle(mx_cycle_t *cycle)
{
    mx_core_conf_t  *ccf;
    mx_uint_t        live;
    sigset_t         set, empty;
    int              terminating = 0, quitting = 0;
    mx_msec_t        deadline = 0;

    mx_process = MX_PROCESS_MASTER;
    mx_init_signals();

    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGQUIT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sigemptyset(&empty);

    mx_setproctitle_master();

    ccf = cycle->conf_ctx[mx_core_module.index];
    mx_worker_count = ccf->worker_processes;
    mx_log_error(MX_LOG_NOTICE, cycle->log, 0, "start worker processes");
    mx_start_workers(cycle, mx_worker_count);

    for ( ;; ) {
        if (!mx_sig_child && !mx_sig_quit && !mx_sig_terminate
            && !mx_sig_reload && !mx_sig_reopen)
        {
            if (terminating || quitting) {
                /* poll children while they exit */
                sigprocmask(SIG_UNBLOCK, &set, NULL);
                usleep(10000);
                sigprocmask(SIG_BLOCK, &set, NULL);

            } else {
                sigsuspend(&empty);
            }
        }

        mx_time_update();
        mx_log_signals(cycle->log);

        if (mx_sig_child) {
            mx_sig_child = 0;
        }

        live = mx_reap_children(cycle);

        if ((terminating || quitting) && live == 0) {
            mx_delete_pidfile(cycle);
            mx_listening_close(&cycle->listening);
            mx_log_error(MX_LOG_NOTICE, cycle->log, 0, "exit");
            exit(0);
        }

        if (terminating && mx_current_msec > deadline) {
            mx_signal_workers(SIGKILL, 0);
        }

        if (mx_sig_terminate && !terminating) {
            terminating = 1;
            deadline = mx_current_msec + 1000;
            mx_signal_workers(SIGTERM, 1);
            continue;
        }

        if (mx_sig_quit && !quitting && !terminating) {
            quitting = 1;
            mx_signal_workers(SIGQUIT, 1);
            mx_listening_close(&cycle->listening);
            continue;
        }

        if (mx_sig_reload) {
            mx_sig_reload = 0;
            if (!quitting && !terminating) {
                cycle = mx_reload(cycle);
            }
        }

        if (mx_sig_reopen) {
            mx_sig_reopen = 0;
            mx_log_reopen_files();
            mx_signal_workers(SIGUSR1, 0);
        }
    }
}
