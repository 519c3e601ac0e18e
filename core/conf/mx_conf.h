#ifndef MX_CONF_H
#define MX_CONF_H

#include "mx_core.h"
#include "mx_pool.h"
#include "mx_array.h"
#include "mx_log.h"
#include "mx_cycle.h"

/*
 * nginx-syntax configuration: the tokenizer, the block parser, includes,
 * the directive tables modules declare, and the generic value setters.
 *
 * Parsing works as in nginx: mx_conf_parse() reads statements and calls
 * the handler of each directive as soon as the statement is complete; a
 * block directive's handler sets cf->ctx / cf->cmd_type and calls
 * mx_conf_parse(cf, NULL) to read the block's contents.
 */

/* argument counts (low bits) */
#define MX_CONF_NOARGS      0x00000001
#define MX_CONF_TAKE1       0x00000002
#define MX_CONF_TAKE2       0x00000004
#define MX_CONF_TAKE3       0x00000008
#define MX_CONF_TAKE4       0x00000010
#define MX_CONF_TAKE5       0x00000020
#define MX_CONF_TAKE6       0x00000040
#define MX_CONF_TAKE7       0x00000080
#define MX_CONF_MAX_ARGS    8
#define MX_CONF_TAKE12      (MX_CONF_TAKE1|MX_CONF_TAKE2)
#define MX_CONF_TAKE13      (MX_CONF_TAKE1|MX_CONF_TAKE3)
#define MX_CONF_TAKE23      (MX_CONF_TAKE2|MX_CONF_TAKE3)
#define MX_CONF_TAKE123     (MX_CONF_TAKE1|MX_CONF_TAKE2|MX_CONF_TAKE3)
#define MX_CONF_TAKE1234    (MX_CONF_TAKE123|MX_CONF_TAKE4)
#define MX_CONF_ARGS_NUMBER 0x000000ff
#define MX_CONF_BLOCK       0x00000100
#define MX_CONF_FLAG        0x00000200   /* exactly one arg: on|off */
#define MX_CONF_ANY         0x00000400   /* any number of args */
#define MX_CONF_1MORE       0x00000800
#define MX_CONF_2MORE       0x00001000
/* the block's body is raw text (Lua code), given as the last argument */
#define MX_CONF_RAW_BLOCK   0x00002000

/* contexts (high bits) */
#define MX_MAIN_CONF        0x01000000
#define MX_EVENT_CONF       0x02000000
#define MX_HTTP_MAIN_CONF   0x04000000
#define MX_HTTP_SRV_CONF    0x08000000
#define MX_HTTP_LOC_CONF    0x10000000
#define MX_HTTP_UPS_CONF    0x20000000
#define MX_HTTP_LIF_CONF    0x40000000   /* "if" in location */
#define MX_HTTP_SIF_CONF    0x80000000   /* "if" in server */
#define MX_ANY_CONF         0xff000000

#define MX_CONF_OK          NULL
#define MX_CONF_ERROR       ((char *) -1)

/* the type of module; the parser matches it with cf->module_type */
#define MX_CORE_MODULE      0x45524f43
#define MX_EVENT_MODULE     0x544e5645
#define MX_HTTP_MODULE      0x50545448
/* directives usable in every context (include) */
#define MX_CONF_MODULE      0x464e4f43

/* where an http directive's conf lives, for mx_command_t.conf */
#define MX_HTTP_MAIN_CONF_OFFSET  0
#define MX_HTTP_SRV_CONF_OFFSET   1
#define MX_HTTP_LOC_CONF_OFFSET   2

#define MX_CONF_BLOCK_START  1
#define MX_CONF_BLOCK_DONE   2
#define MX_CONF_FILE_DONE    3

typedef struct mx_conf_s     mx_conf_t;
typedef struct mx_command_s  mx_command_t;

/* returns MX_CONF_OK, MX_CONF_ERROR (already logged) or a short phrase */
typedef char *(*mx_conf_set_pt)(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);

/* a custom handler for blocks such as types {}: sees every statement */
typedef char *(*mx_conf_handler_pt)(mx_conf_t *cf, mx_command_t *dummy,
    void *conf);

struct mx_command_s {
    mx_str_t          name;
    mx_uint_t         type;     /* contexts | arg counts | flags */
    mx_conf_set_pt    set;
    mx_uint_t         conf;     /* MX_HTTP_*_CONF_OFFSET for http */
    size_t            offset;   /* field offset for the slot setters */
    void             *post;     /* setter-specific extra data */
};

#define mx_null_command  { mx_null_string, 0, NULL, 0, 0, NULL }

struct mx_module_s {
    const char       *name;
    mx_uint_t         index;      /* in mx_modules[] */
    mx_uint_t         ctx_index;  /* among modules of the same type */
    mx_uint_t         type;       /* MX_CORE_MODULE, ... */
    void             *ctx;        /* type-specific module context */
    mx_command_t     *commands;   /* ends with mx_null_command */

    int             (*init_module)(mx_cycle_t *cycle);   /* after config */
    int             (*init_process)(mx_cycle_t *cycle);  /* in a worker */
    void            (*exit_process)(mx_cycle_t *cycle);
};

typedef struct {
    const char       *name;
    void           *(*create_conf)(mx_cycle_t *cycle);
    char           *(*init_conf)(mx_cycle_t *cycle, void *conf);
} mx_core_module_t;

typedef struct {
    int               fd;
    mx_str_t          name;       /* the file's path as given */
    mx_uint_t         line;
    u_char           *start;      /* the whole file, read at once */
    u_char           *pos;
    u_char           *end;
} mx_conf_file_t;

struct mx_conf_s {
    const char           *name;
    mx_array_t           *args;       /* mx_str_t; args[0] is the name */

    mx_cycle_t           *cycle;
    mx_pool_t            *pool;       /* the cycle's pool */
    mx_pool_t            *temp_pool;
    mx_conf_file_t       *conf_file;
    mx_log_t             *log;

    void                 *ctx;        /* void ** for core/event, else
                                         a module family's ctx struct */
    mx_uint_t             module_type;
    mx_uint_t             cmd_type;   /* the current context bit */

    mx_conf_handler_pt    handler;    /* custom statement handler */
    void                 *handler_conf;
};

/*
 * How the parser finds the conf a directive's handler receives:
 *  - MX_CORE_MODULE: cf->ctx is void **conf_ctx; a module with a
 *    create_conf gets conf_ctx[module->index], one without (the "http"
 *    and "events" block modules) gets &conf_ctx[module->index];
 *  - MX_EVENT_MODULE: cf->ctx is void **; conf = ctx[module->ctx_index];
 *  - MX_HTTP_MODULE: cf->ctx points at a struct starting with
 *    void **main_conf, **srv_conf, **loc_conf;
 *    conf = (that array chosen by cmd->conf)[module->ctx_index];
 *  - MX_CONF_MODULE: conf is NULL.
 * A directive is looked up among modules whose type is cf->module_type
 * or MX_CONF_MODULE, and must have cf->cmd_type among its contexts.
 */

/* all modules, NULL-terminated; defined in mx_modules.c */
extern mx_module_t  *mx_modules[];
extern mx_uint_t     mx_modules_n;

/* the "include" directive (MX_CONF_MODULE); list it in mx_modules[] */
extern mx_module_t   mx_conf_module;

/* assigns index and ctx_index to every module */
void mx_modules_init(void);

/* number of modules of a type; sets their ctx_index */
mx_uint_t mx_count_modules(mx_uint_t type);

/*
 * Parses a file (filename != NULL), a block (filename == NULL, after the
 * handler of a block directive), or the -g parameter string (when
 * cf->conf_file->start was set up by mx_conf_param()).
 * Errors are logged as "[emerg] ... in FILE:LINE"; returns MX_CONF_OK
 * or MX_CONF_ERROR.
 */
char *mx_conf_parse(mx_conf_t *cf, const mx_str_t *filename);

/*
 * The tokenizer: reads the next statement's words into cf->args.
 * Returns MX_OK (statement ended by ';'), MX_CONF_BLOCK_START (ended by
 * '{'), MX_CONF_BLOCK_DONE ('}' with no words before it),
 * MX_CONF_FILE_DONE (end of input), or MX_ERROR (logged).
 */
int mx_conf_read_token(mx_conf_t *cf);

/* parses cycle->conf_param (the -g argument) in the main context */
char *mx_conf_param(mx_conf_t *cf);

/*
 * Logs "[emerg] msg in FILE:LINE" (or without location outside a file)
 * through cf->log; err adds " (errno: text)".
 */
void mx_conf_log_error(mx_uint_t level, mx_conf_t *cf, int err,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Resolves name against the prefix (conf_prefix when conf_prefix is set,
 * used for include and mime.types) into a pool string, NUL-terminated.
 * Absolute names are returned as they are. MX_OK or MX_ERROR.
 */
int mx_conf_full_name(mx_cycle_t *cycle, mx_str_t *name, int conf_prefix);

/* handler of the "include" directive (globs allowed), any context */
char *mx_conf_include(mx_conf_t *cf, mx_command_t *cmd, void *conf);

/*
 * Generic setters; the field is at cmd->offset in conf and must still be
 * unset, else the directive "is duplicate".
 */
char *mx_conf_set_flag_slot(mx_conf_t *cf, mx_command_t *cmd, void *conf);
char *mx_conf_set_str_slot(mx_conf_t *cf, mx_command_t *cmd, void *conf);
char *mx_conf_set_num_slot(mx_conf_t *cf, mx_command_t *cmd, void *conf);
char *mx_conf_set_size_slot(mx_conf_t *cf, mx_command_t *cmd, void *conf);
/* mx_msec_t, milliseconds; "60" without a unit is seconds, as in nginx */
char *mx_conf_set_msec_slot(mx_conf_t *cf, mx_command_t *cmd, void *conf);
/* mx_msec_t holding SECONDS (unset: MX_CONF_UNSET_MSEC); "ms" is refused */
char *mx_conf_set_sec_slot(mx_conf_t *cf, mx_command_t *cmd, void *conf);
/* ignores the directive (accepted for compatibility); flags are checked */
char *mx_conf_noop_slot(mx_conf_t *cf, mx_command_t *cmd, void *conf);

#define mx_conf_init_value(conf, default)                                  \
    if (conf == MX_CONF_UNSET) {                                           \
        conf = default;                                                    \
    }

#define mx_conf_merge_value(conf, prev, default)                           \
    if (conf == MX_CONF_UNSET) {                                           \
        conf = (prev == MX_CONF_UNSET) ? default : prev;                   \
    }

#define mx_conf_merge_ptr_value(conf, prev, default)                       \
    if (conf == MX_CONF_UNSET_PTR) {                                       \
        conf = (prev == MX_CONF_UNSET_PTR) ? default : prev;               \
    }

#define mx_conf_merge_uint_value(conf, prev, default)                      \
    if (conf == MX_CONF_UNSET_UINT) {                                      \
        conf = (prev == MX_CONF_UNSET_UINT) ? default : prev;              \
    }

#define mx_conf_merge_msec_value(conf, prev, default)                      \
    if (conf == MX_CONF_UNSET_MSEC) {                                      \
        conf = (prev == MX_CONF_UNSET_MSEC) ? default : prev;              \
    }

#define mx_conf_merge_size_value(conf, prev, default)                      \
    if (conf == MX_CONF_UNSET_SIZE) {                                      \
        conf = (prev == MX_CONF_UNSET_SIZE) ? default : prev;              \
    }

#define mx_conf_merge_str_value(conf, prev, default)                       \
    if (conf.data == NULL) {                                               \
        if (prev.data) {                                                   \
            conf = prev;                                                   \
        } else {                                                           \
            conf.len = sizeof(default) - 1;                                \
            conf.data = (u_char *) default;                                \
        }                                                                  \
    }

#endif /* MX_CONF_H */
