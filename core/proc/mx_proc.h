#ifndef MX_PROC_H
#define MX_PROC_H

#include "mx_core.h"
#include "mx_conf.h"
#include "mx_event.h"

/* the main context's settings (worker_processes, daemon, ...) */
typedef struct {
    mx_flag_t       daemon;
    mx_flag_t       master;
    mx_int_t        worker_processes;
    mx_int_t        rlimit_nofile;
    mx_str_t        pid;            /* absolute */
    mx_str_t        user;
    mx_str_t        error_log;      /* absolute path or "stderr" */
    mx_int_t        error_log_level;
    mx_array_t      env;            /* mx_str_t */
} mx_core_conf_t;

typedef struct {
    mx_uint_t       connections;
} mx_event_conf_t;

extern mx_module_t  mx_core_module;
extern mx_module_t  mx_events_module;
extern mx_module_t  mx_event_core_module;

/* which kind of process this is */
#define MX_PROCESS_SINGLE   0
#define MX_PROCESS_MASTER   1
#define MX_PROCESS_WORKER   2

extern mx_uint_t   mx_process;
extern mx_int_t    mx_worker;         /* worker id, 0-based */
extern mx_uint_t   mx_worker_count;   /* worker_processes in use */

/*
 * Reads the configuration into a new cycle. With old != NULL (reload),
 * listening sockets with the same address are taken over from old.
 * NULL on failure, with the reason logged.
 */
mx_cycle_t *mx_init_cycle(mx_cycle_t *old, mx_cycle_t *proto);

/* frees a cycle's memory (not inherited sockets); accepts NULL */
void mx_free_cycle(mx_cycle_t *cycle);

/* opens the error log of the cycle and makes it the main log */
int mx_cycle_open_error_log(mx_cycle_t *cycle);

/* writes the pid file; MX_OK or MX_ERROR */
int mx_create_pidfile(const mx_str_t *name, mx_log_t *log);
void mx_delete_pidfile(mx_cycle_t *cycle);

/* reads the pid file and sends the signal named by -s; exit code */
int mx_signal_process(mx_cycle_t *cycle, const char *sig);

/* puts the process in the background; MX_OK in the child */
int mx_daemon(mx_log_t *log, int *notify_fd);

/* runs the master (never returns) or the single process loop */
void mx_master_process_cycle(mx_cycle_t *cycle);
void mx_single_process_cycle(mx_cycle_t *cycle);

/*
 * Process titles as nginx shows them in ps: "moxy: master process ARGS",
 * "moxy: worker process". mx_proctitle_init() must run first in main():
 * it moves the environment out of the way of argv.
 */
int mx_proctitle_init(int argc, char **argv);
void mx_setproctitle(const char *title);
void mx_setproctitle_master(void);

/* the environment variables to keep (env directive), applied in workers */
void mx_set_environment(mx_cycle_t *cycle);

#endif /* MX_PROC_H */
