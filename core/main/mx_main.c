#include "mx_core.h"
#include "mx_conf.h"
#include "mx_event.h"
#include "mx_proc.h"

#include <openssl/opensslv.h>
#include <openssl/crypto.h>
#include <libgen.h>

static int          mx_show_help, mx_show_version, mx_show_configure;
static int          mx_test_config, mx_dump_config, mx_quiet_mode;
static const char  *mx_prefix, *mx_conf_file, *mx_conf_params, *mx_signal;
static const char  *mx_error_log;
mx_pool_t          *mx_main_pool;     /* lives as long as the process */


static void
mx_print_version(void)
{
    fprintf(stderr, "nginx version: openresty/" MX_OPENRESTY_VERSION
           " (moxy/" MX_VERSION ")\n");
}


static void
mx_print_help(void)
{
    fprintf(stderr,
        "Usage: moxy [-?hvVtTq] [-s signal] [-p prefix]\n"
        "             [-e filename] [-c filename] [-g directives]\n\n"
        "Options:\n"
        "  -?,-h         : this help\n"
        "  -v            : show version and exit\n"
        "  -V            : show version and configure options then exit\n"
        "  -t            : test configuration and exit\n"
        "  -T            : test configuration, dump it and exit\n"
        "  -q            : suppress non-error messages "
        "during configuration testing\n"
        "  -s signal     : send signal to a master process: "
        "stop, quit, reopen, reload\n"
        "  -p prefix     : set prefix path (default: " MX_PREFIX ")\n"
        "  -e filename   : set error log file (default: logs/error.log)\n"
        "  -c filename   : set configuration file "
        "(default: conf/nginx.conf)\n"
        "  -g directives : set global directives out of configuration "
        "file\n\n");
}


static int
mx_get_options(int argc, char *const *argv)
{
    const char  *p;
    int          i;

    for (i = 1; i < argc; i++) {
        p = argv[i];

        if (*p++ != '-') {
            mx_log_stderr(0, "invalid option: \"%s\"", argv[i]);
            return MX_ERROR;
        }

        while (*p) {
            switch (*p++) {

            case '?':
            case 'h':
                mx_show_version = 1;
                mx_show_help = 1;
                break;

            case 'v':
                mx_show_version = 1;
                break;

            case 'V':
                mx_show_version = 1;
                mx_show_configure = 1;
                break;

            case 't':
                mx_test_config = 1;
                break;

            case 'T':
                mx_test_config = 1;
                mx_dump_config = 1;
                break;

            case 'q':
                mx_quiet_mode = 1;
                break;

            case 'p':
            case 'c':
            case 'g':
            case 'e':
            case 's':
                {
                    char         opt = p[-1];
                    const char  *val;

                    if (*p) {
                        val = p;
                    } else if (argv[++i]) {
                        val = argv[i];
                    } else {
                        mx_log_stderr(0, "option \"-%c\" requires %s", opt,
                                      opt == 'p' ? "directory name"
                                      : opt == 'g' ? "parameter"
                                      : opt == 's' ? "parameter"
                                      : "file name");
                        return MX_ERROR;
                    }

                    /* the process title is written over argv later */
                    val = strdup(val);
                    if (val == NULL) {
                        return MX_ERROR;
                    }

                    switch (opt) {
                    case 'p':
                        free((char *) mx_prefix);
                        mx_prefix = val;
                        break;
                    case 'c':
                        free((char *) mx_conf_file);
                        mx_conf_file = val;
                        break;
                    case 'g':
                        free((char *) mx_conf_params);
                        mx_conf_params = val;
                        break;
                    case 'e':
                        free((char *) mx_error_log);
                        mx_error_log = val;
                        break;
                    case 's':
                        if (strcmp(val, "stop") && strcmp(val, "quit")
                            && strcmp(val, "reopen")
                            && strcmp(val, "reload"))
                        {
                            mx_log_stderr(0, "invalid option: \"-s %s\"",
                                          val);
                            free((char *) val);
                            return MX_ERROR;
                        }
                        free((char *) mx_signal);
                        mx_signal = val;
                        break;
                    }

                    goto next;
                }

            default:
                mx_log_stderr(0, "invalid option: \"%c\"", p[-1]);
                return MX_ERROR;
            }
        }

    next:
        continue;
    }

    return MX_OK;
}


static int
mx_set_paths(mx_pool_t *pool, mx_cycle_t *proto)
{
    char    cwd[4096], *tmp;
    size_t  len;
    u_char *p;

    if (mx_prefix) {
        len = strlen(mx_prefix);

        if (mx_prefix[0] != '/') {
            if (getcwd(cwd, sizeof(cwd)) == NULL) {
                mx_log_stderr(errno, "[emerg] getcwd() failed");
                return MX_ERROR;
            }

            p = mx_pnalloc(pool, strlen(cwd) + 1 + len + 2);
            if (p == NULL) {
                return MX_ERROR;
            }

            len = sprintf((char *) p, "%s/%s", cwd, mx_prefix);

        } else {
            p = mx_pnalloc(pool, len + 2);
            if (p == NULL) {
                return MX_ERROR;
            }
            memcpy(p, mx_prefix, len + 1);
        }

        if (p[len - 1] != '/') {
            p[len++] = '/';
            p[len] = '\0';
        }

        proto->prefix.data = p;
        proto->prefix.len = len;

    } else {
        mx_str_set(&proto->prefix, MX_PREFIX);
    }

    if (mx_conf_file) {
        proto->conf_file.data = (u_char *) mx_conf_file;
        proto->conf_file.len = strlen(mx_conf_file);
    } else {
        mx_str_set(&proto->conf_file, "conf/nginx.conf");
    }

    if (mx_conf_full_name(proto, &proto->conf_file, 0) != MX_OK) {
        return MX_ERROR;
    }

    tmp = strdup((char *) proto->conf_file.data);
    if (tmp == NULL) {
        return MX_ERROR;
    }

    len = strlen(dirname(tmp));
    p = mx_pnalloc(pool, len + 2);
    if (p == NULL) {
        free(tmp);
        return MX_ERROR;
    }

    memcpy(p, tmp, len);
    free(tmp);
    if (len == 0 || p[len - 1] != '/') {
        p[len++] = '/';
    }
    p[len] = '\0';
    proto->conf_prefix.data = p;
    proto->conf_prefix.len = len;

    if (mx_conf_params) {
        proto->conf_param.data = (u_char *) mx_conf_params;
        proto->conf_param.len = strlen(mx_conf_params);
    }

    if (mx_error_log) {
        proto->error_log.data = (u_char *) mx_error_log;
        proto->error_log.len = strlen(mx_error_log);
    } else {
        mx_str_set(&proto->error_log, "logs/error.log");
    }

    if (strcmp((char *) proto->error_log.data, "stderr") != 0
        && mx_conf_full_name(proto, &proto->error_log, 0) != MX_OK)
    {
        return MX_ERROR;
    }

    return MX_OK;
}


static void
mx_dump_conf(mx_cycle_t *cycle)
{
    mx_conf_dump_t  *cd;
    mx_uint_t        i;

    cd = cycle->conf_dump.elts;
    for (i = 0; i < cycle->conf_dump.nelts; i++) {
        printf("# configuration file %.*s:\n", MX_STR_ARG(cd[i].name));
        fwrite(cd[i].buffer.data, 1, cd[i].buffer.len, stdout);
        if (cd[i].buffer.len == 0
            || cd[i].buffer.data[cd[i].buffer.len - 1] != '\n')
        {
            printf("\n");
        }
        printf("\n");
    }
}


int
main(int argc, char **argv)
{
    mx_pool_t       *pool;
    mx_cycle_t       proto, *cycle;
    mx_core_conf_t  *ccf;
    mx_log_file_t   *f;
    int              notify = -1;

    mx_pid = getpid();
    mx_time_init();

    if (mx_get_options(argc, argv) != MX_OK) {
        return 1;
    }

    if (mx_proctitle_init(argc, argv) != MX_OK) {
        return 1;
    }

    if (mx_show_version) {
        mx_print_version();

        if (mx_show_help) {
            mx_print_help();
        }

        if (mx_show_configure) {
            fprintf(stderr, "built with %s\n", OPENSSL_VERSION_TEXT);
            fprintf(stderr, "TLS SNI support enabled\n");
            fprintf(stderr, "configure arguments: %s\n", MX_CONFIGURE);
        }

        if (!mx_test_config) {
            return 0;
        }
    }

    pool = mx_pool_create(4096);
    if (pool == NULL) {
        return 1;
    }

    mx_main_pool = pool;

    memset(&proto, 0, sizeof(proto));
    proto.pool = pool;
    proto.log = &mx_log_main;

    if (mx_set_paths(pool, &proto) != MX_OK) {
        return 1;
    }

    /* the error log used while reading the config: -e or the default */
    f = mx_log_open_file((char *) proto.error_log.data);
    if (f == NULL) {
        mx_log_stderr(errno, "[alert] could not open error log file: "
                      "open() \"%s\" failed", proto.error_log.data);
    } else {
        mx_log_main.file = f;
    }

    mx_log_main.level = MX_LOG_NOTICE;
    mx_log_use_stderr = 1;

    proto.test_config = mx_test_config;
    proto.dump_config = mx_dump_config;

    mx_modules_init();

    cycle = mx_init_cycle(NULL, &proto);
    if (cycle == NULL) {
        if (mx_test_config) {
            mx_log_stderr(0, "configuration file %s test failed",
                          proto.conf_file.data);
        }
        return 1;
    }

    mx_cycle = cycle;

    if (mx_test_config) {
        if (!mx_quiet_mode) {
            mx_log_stderr(0, "the configuration file %s syntax is ok",
                          cycle->conf_file.data);
            mx_log_stderr(0, "configuration file %s test is successful",
                          cycle->conf_file.data);
        }

        if (mx_dump_config) {
            mx_dump_conf(cycle);
        }

        return 0;
    }

    if (mx_signal) {
        return mx_signal_process(cycle, mx_signal);
    }

    ccf = cycle->conf_ctx[mx_core_module.index];

    if (mx_listening_open(&cycle->listening, &mx_log_main) != MX_OK) {
        return 1;
    }

    if (mx_cycle_open_error_log(cycle) != MX_OK) {
        return 1;
    }

    if (ccf->daemon) {
        if (mx_daemon(&mx_log_main, &notify) != MX_OK) {
            return 1;
        }
        mx_pid = getpid();
    }

    if (mx_create_pidfile(&ccf->pid, &mx_log_main) != MX_OK) {
        return 1;
    }

    mx_log_redirect_stderr();

    mx_set_environment(cycle);

    if (mx_event_init() != MX_OK) {
        mx_log_error(MX_LOG_EMERG, &mx_log_main, 0, "ev_default_loop() "
                     "failed");
        return 1;
    }

    mx_log_use_stderr = 0;

    if (notify != -1) {
        if (write(notify, "1", 1) != 1) {
            /* the parent has gone: nothing to tell */
        }
        close(notify);
    }

    if (ccf->master) {
        mx_master_process_cycle(cycle);
    } else {
        mx_single_process_cycle(cycle);
    }

    return 0;
}
