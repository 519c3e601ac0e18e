#include "mx_proc.h"
#include "mx_shm.h"

#include <fcntl.h>
#include <signal.h>

mx_cycle_t  *mx_cycle;


static int
mx_cycle_take_listening(mx_cycle_t *cycle, mx_cycle_t *old)
{
    mx_listening_t  *nls, *ols;
    mx_uint_t        i, j;

    if (old == NULL) {
        return MX_OK;
    }

    nls = cycle->listening.elts;
    ols = old->listening.elts;

    for (i = 0; i < cycle->listening.nelts; i++) {
        for (j = 0; j < old->listening.nelts; j++) {
            if (ols[j].fd == -1 || ols[j].socklen != nls[i].socklen
                || memcmp(&ols[j].sockaddr, &nls[i].sockaddr,
                          nls[i].socklen) != 0)
            {
                continue;
            }

            nls[i].fd = ols[j].fd;
            nls[i].bound = 1;
            /* the old cycle must not close what the new one uses */
            ols[j].inherited = 1;
            break;
        }
    }

    return MX_OK;
}


mx_cycle_t *
mx_init_cycle(mx_cycle_t *old, mx_cycle_t *proto)
{
    mx_cycle_t        *cycle;
    mx_pool_t         *pool;
    mx_conf_t          conf;
    mx_core_module_t  *m;
    mx_uint_t          i;
    void              *rv;

    pool = mx_pool_create(16384);
    if (pool == NULL) {
        return NULL;
    }

    cycle = mx_pcalloc(pool, sizeof(mx_cycle_t));
    if (cycle == NULL) {
        mx_pool_destroy(pool);
        return NULL;
    }

    cycle->pool = pool;
    cycle->log = &mx_log_main;
    cycle->old_cycle = old;
    cycle->prefix = proto->prefix;
    cycle->conf_file = proto->conf_file;
    cycle->conf_prefix = proto->conf_prefix;
    cycle->conf_param = proto->conf_param;
    cycle->error_log = proto->error_log;
    cycle->test_config = proto->test_config;
    cycle->dump_config = proto->dump_config;

    if (mx_array_init(&cycle->listening, pool, 4, sizeof(mx_listening_t))
        != MX_OK
        || mx_array_init(&cycle->conf_dump, pool, 1, sizeof(mx_conf_dump_t))
           != MX_OK
        || mx_array_init(&cycle->env, pool, 4, sizeof(mx_str_t)) != MX_OK)
    {
        mx_pool_destroy(pool);
        return NULL;
    }

    cycle->conf_ctx = mx_pcalloc(pool, (mx_modules_n + 1) * sizeof(void *));
    if (cycle->conf_ctx == NULL) {
        mx_pool_destroy(pool);
        return NULL;
    }

    for (i = 0; mx_modules[i]; i++) {
        if (mx_modules[i]->type != MX_CORE_MODULE) {
            continue;
        }

        m = mx_modules[i]->ctx;
        if (m->create_conf) {
            rv = m->create_conf(cycle);
            if (rv == NULL) {
                mx_pool_destroy(pool);
                return NULL;
            }
            cycle->conf_ctx[mx_modules[i]->index] = rv;
        }
    }

    memset(&conf, 0, sizeof(mx_conf_t));
    conf.args = mx_array_create(pool, 10, sizeof(mx_str_t));
    conf.temp_pool = mx_pool_create(16384);
    if (conf.args == NULL || conf.temp_pool == NULL) {
        mx_pool_destroy(conf.temp_pool);
        mx_pool_destroy(pool);
        return NULL;
    }

    conf.ctx = cycle->conf_ctx;
    conf.cycle = cycle;
    conf.pool = pool;
    conf.log = &mx_log_main;
    conf.module_type = MX_CORE_MODULE;
    conf.cmd_type = MX_MAIN_CONF;

    if (mx_conf_param(&conf) != MX_CONF_OK) {
        goto failed;
    }

    if (mx_conf_parse(&conf, &cycle->conf_file) != MX_CONF_OK) {
        goto failed;
    }

    for (i = 0; mx_modules[i]; i++) {
        if (mx_modules[i]->type != MX_CORE_MODULE) {
            continue;
        }

        m = mx_modules[i]->ctx;
        if (m->init_conf) {
            if (m->init_conf(cycle, cycle->conf_ctx[mx_modules[i]->index])
                != MX_CONF_OK)
            {
                goto failed;
            }
        }
    }

    if (cycle->conf_ctx[mx_events_module.index] == NULL) {
        mx_log_error(MX_LOG_EMERG, &mx_log_main, 0,
                     "no \"events\" section in configuration");
        goto failed;
    }

    mx_pool_destroy(conf.temp_pool);
    conf.temp_pool = NULL;

    /* zones declared anywhere in the config, mapped before init_module */
    if (mx_shm_cycle_init(cycle) != MX_OK) {
        goto failed;
    }

    if (cycle->test_config) {
        return cycle;
    }

    if (mx_cycle_take_listening(cycle, old) != MX_OK) {
        goto failed;
    }

    for (i = 0; mx_modules[i]; i++) {
        if (mx_modules[i]->init_module) {
            if (mx_modules[i]->init_module(cycle) != MX_OK) {
                goto failed;
            }
        }
    }

    return cycle;

failed:

    mx_pool_destroy(conf.temp_pool);
    mx_free_cycle(cycle);
    return NULL;
}


void
mx_free_cycle(mx_cycle_t *cycle)
{
    mx_listening_t  *ls;
    mx_uint_t        i;

    if (cycle == NULL) {
        return;
    }

    /* sockets this cycle opened itself and nobody took over */
    ls = cycle->listening.elts;
    for (i = 0; i < cycle->listening.nelts; i++) {
        if (mx_loop && ev_is_active(&ls[i].watcher)) {
            ev_io_stop(mx_loop, &ls[i].watcher);
        }
    }

    mx_pool_destroy(cycle->pool);
}


int
mx_cycle_open_error_log(mx_cycle_t *cycle)
{
    mx_core_conf_t  *ccf;
    mx_log_file_t   *f;

    ccf = cycle->conf_ctx[mx_core_module.index];

    f = mx_log_open_file((char *) ccf->error_log.data);
    if (f == NULL) {
        mx_log_error(MX_LOG_EMERG, &mx_log_main, errno,
                     "open() \"%s\" failed", ccf->error_log.data);
        return MX_ERROR;
    }

    mx_log_main.file = f;
    mx_log_main.level = ccf->error_log_level;
    return MX_OK;
}


int
mx_create_pidfile(const mx_str_t *name, mx_log_t *log)
{
    char  buf[32];
    int   fd, n;

    fd = open((char *) name->data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
              0644);
    if (fd == -1) {
        mx_log_error(MX_LOG_EMERG, log, errno, "open() \"%s\" failed",
                     name->data);
        return MX_ERROR;
    }

    n = snprintf(buf, sizeof(buf), "%d\n", (int) getpid());
    if (write(fd, buf, n) != n) {
        mx_log_error(MX_LOG_EMERG, log, errno, "write() \"%s\" failed",
                     name->data);
        close(fd);
        return MX_ERROR;
    }

    close(fd);
    return MX_OK;
}


void
mx_delete_pidfile(mx_cycle_t *cycle)
{
    mx_core_conf_t  *ccf;

    ccf = cycle->conf_ctx[mx_core_module.index];
    if (unlink((char *) ccf->pid.data) == -1 && errno != ENOENT) {
        mx_log_error(MX_LOG_ALERT, cycle->log, errno,
                     "unlink() \"%s\" failed", ccf->pid.data);
    }
}


int
mx_signal_process(mx_cycle_t *cycle, const char *name)
{
    static const struct {
        const char  *name;
        int          signo;
    } sigs[] = {
        { "stop", SIGTERM }, { "quit", SIGQUIT }, { "reopen", SIGUSR1 },
        { "reload", SIGHUP }
    };

    mx_core_conf_t  *ccf;
    char             buf[32];
    ssize_t          n;
    mx_uint_t        i;
    int              fd;
    long             pid;
    char            *end;

    ccf = cycle->conf_ctx[mx_core_module.index];

    fd = open((char *) ccf->pid.data, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        mx_log_error(MX_LOG_ERR, &mx_log_main, errno,
                     "open() \"%s\" failed", ccf->pid.data);
        return 1;
    }

    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);

    if (n <= 0) {
        mx_log_error(MX_LOG_ERR, &mx_log_main, n == 0 ? 0 : errno,
                     "read() \"%s\" failed", ccf->pid.data);
        return 1;
    }

    buf[n] = '\0';
    pid = strtol(buf, &end, 10);
    if (pid <= 0 || (*end != '\0' && *end != '\n')) {
        mx_log_error(MX_LOG_ERR, &mx_log_main, 0,
                     "invalid PID number \"%.*s\" in \"%s\"", (int) n, buf,
                     ccf->pid.data);
        return 1;
    }

    for (i = 0; i < mx_nelems(sigs); i++) {
        if (strcmp(name, sigs[i].name) == 0) {
            if (kill((pid_t) pid, sigs[i].signo) == -1) {
                mx_log_error(MX_LOG_ALERT, &mx_log_main, errno,
                             "kill(%ld, %d) failed", pid, sigs[i].signo);
                return 1;
            }
            return 0;
        }
    }

    return 1;
}


void
mx_set_environment(mx_cycle_t *cycle)
{
    mx_core_conf_t  *ccf;
    mx_str_t        *var;
    mx_uint_t        i;
    char           **e, *eq;
    size_t           n;
    int              keep;
    extern char    **environ;

    ccf = cycle->conf_ctx[mx_core_module.index];
    var = ccf->env.elts;

    /* NAME=VALUE entries set variables; others name ones to keep */
    for (i = 0; i < ccf->env.nelts; i++) {
        eq = strchr((char *) var[i].data, '=');
        if (eq) {
            *eq = '\0';
            setenv((char *) var[i].data, eq + 1, 1);
            *eq = '=';
        }
    }

    /* nginx removes every variable not named by "env", except TZ */
    for (e = environ; e && *e; ) {
        eq = strchr(*e, '=');
        n = eq ? (size_t) (eq - *e) : strlen(*e);
        keep = (n == 2 && strncmp(*e, "TZ", 2) == 0);

        for (i = 0; !keep && i < ccf->env.nelts; i++) {
            if (strncmp((char *) var[i].data, *e, n) == 0
                && (var[i].data[n] == '\0' || var[i].data[n] == '='))
            {
                keep = 1;
            }
        }

        if (keep) {
            e++;
            continue;
        }

        {
            char  name[256];

            if (n >= sizeof(name)) {
                e++;
                continue;
            }
            memcpy(name, *e, n);
            name[n] = '\0';
            unsetenv(name);  /* shifts environ down: do not advance */
        }
    }
}
