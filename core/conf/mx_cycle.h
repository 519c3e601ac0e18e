#ifndef MX_CYCLE_H
#define MX_CYCLE_H

#include "mx_core.h"
#include "mx_pool.h"
#include "mx_array.h"
#include "mx_log.h"

/*
 * A cycle is one generation of configuration: what was read from the
 * config files, the modules' conf structures, and the listening sockets.
 * A reload builds a new cycle and keeps the old one until it is ready.
 */

typedef struct mx_module_s   mx_module_t;
typedef struct mx_cycle_s    mx_cycle_t;

struct mx_cycle_s {
    void               **conf_ctx;     /* core modules' confs, by index */
    mx_pool_t           *pool;
    mx_log_t            *log;
    mx_log_t             new_log;      /* error_log of this config */

    mx_array_t           listening;    /* mx_listening_t, see event/ */
    mx_array_t           env;          /* mx_str_t "NAME" or "NAME=VALUE" */

    mx_str_t             prefix;       /* ends with '/' */
    mx_str_t             conf_file;    /* absolute */
    mx_str_t             conf_prefix;  /* folder of conf_file, ends '/' */
    mx_str_t             conf_param;   /* -g directives */
    mx_str_t             error_log;    /* -e, absolute or "stderr" */

    mx_array_t           conf_dump;    /* mx_conf_dump_t, for -T */

    mx_cycle_t          *old_cycle;
    unsigned             test_config:1;
    unsigned             dump_config:1;
};

typedef struct {
    mx_str_t             name;
    mx_str_t             buffer;
} mx_conf_dump_t;

/* the cycle in use in this process */
extern mx_cycle_t  *mx_cycle;

#endif /* MX_CYCLE_H */
