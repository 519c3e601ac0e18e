/*
 * Unit tests of core/conf/mx_conf_file.c: the tokenizer, the block
 * parser, raw (Lua) blocks, include, -g, the setters and every error
 * message with its FILE:LINE.
 *
 * The real mx_modules[] lives in core/main/, which is not linked into
 * unit tests: this file brings its own list of fake modules whose
 * directives record what the parser hands them.
 */

#include <check.h>
#include <ftw.h>
#include <limits.h>
#include <sys/stat.h>
#include <fcntl.h>

#include "mx_conf.h"
#include "mx_string.h"
#include "mx_times.h"


typedef struct {
    const char   *tag;
    mx_flag_t     flag;
    mx_str_t      str;
    mx_int_t      num;
    size_t        size;
    mx_msec_t     msec;
    mx_msec_t     sec;
} t_conf_t;

typedef struct {
    void        **main_conf;
    void        **srv_conf;
    void        **loc_conf;
} t_http_ctx_t;


static char        t_dir[PATH_MAX];
static char        t_conf_path[PATH_MAX + 32];
static char        t_log_path[PATH_MAX + 32];
static mx_pool_t  *t_pool;
static mx_cycle_t *t_cycle;
static mx_conf_t   t_cf;

static char        t_rec[1 << 16];
static size_t      t_rec_len;


static char *t_record(mx_conf_t *cf, mx_command_t *cmd, void *conf);
static char *t_phrase(mx_conf_t *cf, mx_command_t *cmd, void *conf);
static char *t_http_block(mx_conf_t *cf, mx_command_t *cmd, void *conf);
static char *t_events_block(mx_conf_t *cf, mx_command_t *cmd, void *conf);
static char *t_types_block(mx_conf_t *cf, mx_command_t *cmd, void *conf);
static char *t_server_block(mx_conf_t *cf, mx_command_t *cmd, void *conf);
static char *t_location_block(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static void *t_core_create_conf(mx_cycle_t *cycle);


#define T_MAIN  MX_MAIN_CONF
#define T_HTTP  (MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF)

static mx_command_t  t_core_commands[] = {
    { mx_string("t_flag"), T_MAIN|MX_CONF_FLAG, mx_conf_set_flag_slot, 0,
      offsetof(t_conf_t, flag), NULL },
    { mx_string("t_str"), T_MAIN|MX_CONF_TAKE1, mx_conf_set_str_slot, 0,
      offsetof(t_conf_t, str), NULL },
    { mx_string("t_num"), T_MAIN|MX_CONF_TAKE1, mx_conf_set_num_slot, 0,
      offsetof(t_conf_t, num), NULL },
    { mx_string("t_size"), T_MAIN|MX_CONF_TAKE1, mx_conf_set_size_slot, 0,
      offsetof(t_conf_t, size), NULL },
    { mx_string("t_msec"), T_MAIN|MX_CONF_TAKE1, mx_conf_set_msec_slot, 0,
      offsetof(t_conf_t, msec), NULL },
    { mx_string("t_sec"), T_MAIN|MX_CONF_TAKE1, mx_conf_set_sec_slot, 0,
      offsetof(t_conf_t, sec), NULL },
    { mx_string("t_noop"), T_MAIN|MX_CONF_ANY, mx_conf_noop_slot, 0, 0,
      NULL },
    { mx_string("t_args"), T_MAIN|MX_CONF_ANY, t_record, 0, 0, NULL },
    { mx_string("t_noargs"), T_MAIN|MX_CONF_NOARGS, t_record, 0, 0, NULL },
    { mx_string("t_take12"), T_MAIN|MX_CONF_TAKE12, t_record, 0, 0, NULL },
    { mx_string("t_take13"), T_MAIN|MX_CONF_TAKE13, t_record, 0, 0, NULL },
    { mx_string("t_take7"), T_MAIN|MX_CONF_TAKE7, t_record, 0, 0, NULL },
    { mx_string("t_1more"), T_MAIN|MX_CONF_1MORE, t_record, 0, 0, NULL },
    { mx_string("t_2more"), T_MAIN|MX_CONF_2MORE, t_record, 0, 0, NULL },
    { mx_string("t_fl"), T_MAIN|MX_CONF_FLAG, t_record, 0, 0, NULL },
    { mx_string("t_phrase"), T_MAIN|MX_CONF_NOARGS, t_phrase, 0, 0, NULL },
    { mx_string("t_types"), T_MAIN|MX_CONF_BLOCK|MX_CONF_NOARGS,
      t_types_block, 0, 0, NULL },
    { mx_string("t_lua"),
      T_MAIN|MX_CONF_BLOCK|MX_CONF_NOARGS|MX_CONF_RAW_BLOCK,
      t_record, 0, 0, NULL },
    mx_null_command
};

static mx_core_module_t  t_core_ctx = { "t_core", t_core_create_conf, NULL };

static mx_module_t  t_core_module = {
    "t_core", 0, 0, MX_CORE_MODULE, &t_core_ctx, t_core_commands,
    NULL, NULL, NULL
};


/* like nginx's http and events modules: no conf of their own */
static mx_command_t  t_blk_commands[] = {
    { mx_string("t_http"), T_MAIN|MX_CONF_BLOCK|MX_CONF_NOARGS,
      t_http_block, 0, 0, NULL },
    { mx_string("t_events"), T_MAIN|MX_CONF_BLOCK|MX_CONF_NOARGS,
      t_events_block, 0, 0, NULL },
    mx_null_command
};

static mx_core_module_t  t_blk_ctx = { "t_blk", NULL, NULL };

static mx_module_t  t_blk_module = {
    "t_blk", 0, 0, MX_CORE_MODULE, &t_blk_ctx, t_blk_commands,
    NULL, NULL, NULL
};


static mx_command_t  t_ev_commands[] = {
    { mx_string("t_evrec"), MX_EVENT_CONF|MX_CONF_ANY, t_record, 0, 0,
      NULL },
    mx_null_command
};

static mx_module_t  t_ev_module = {
    "t_ev", 0, 0, MX_EVENT_MODULE, NULL, t_ev_commands, NULL, NULL, NULL
};


/* takes ctx_index 0 so that t_http_b must use its own (1) */
static mx_module_t  t_http_a_module = {
    "t_http_a", 0, 0, MX_HTTP_MODULE, NULL, NULL, NULL, NULL, NULL
};

static mx_command_t  t_http_b_commands[] = {
    { mx_string("t_rec"), T_HTTP|MX_CONF_ANY, t_record,
      MX_HTTP_LOC_CONF_OFFSET, 0, NULL },
    { mx_string("t_mrec"), T_HTTP|MX_CONF_ANY, t_record,
      MX_HTTP_MAIN_CONF_OFFSET, 0, NULL },
    { mx_string("t_srec"), T_HTTP|MX_CONF_ANY, t_record,
      MX_HTTP_SRV_CONF_OFFSET, 0, NULL },
    { mx_string("t_srv_only"), MX_HTTP_SRV_CONF|MX_CONF_TAKE1, t_record,
      MX_HTTP_SRV_CONF_OFFSET, 0, NULL },
    { mx_string("t_server"), MX_HTTP_MAIN_CONF|MX_CONF_BLOCK|MX_CONF_NOARGS,
      t_server_block, 0, 0, NULL },
    { mx_string("t_location"),
      MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF|MX_CONF_BLOCK|MX_CONF_TAKE1,
      t_location_block, 0, 0, NULL },
    { mx_string("t_lua_block"),
      T_HTTP|MX_CONF_BLOCK|MX_CONF_NOARGS|MX_CONF_RAW_BLOCK,
      t_record, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },
    { mx_string("t_lua_arg"),
      MX_HTTP_LOC_CONF|MX_CONF_BLOCK|MX_CONF_TAKE1|MX_CONF_RAW_BLOCK,
      t_record, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },
    mx_null_command
};

static mx_module_t  t_http_b_module = {
    "t_http_b", 0, 0, MX_HTTP_MODULE, NULL, t_http_b_commands,
    NULL, NULL, NULL
};


mx_module_t  *mx_modules[] = {
    &t_core_module,
    &mx_conf_module,
    &t_blk_module,
    &t_ev_module,
    &t_http_a_module,
    &t_http_b_module,
    NULL
};

mx_uint_t  mx_modules_n;


/* the recorder and the fake block handlers */

static void
t_rec_add(const char *fmt, ...)
{
    int      n;
    va_list  args;

    va_start(args, fmt);
    n = vsnprintf(t_rec + t_rec_len, sizeof(t_rec) - t_rec_len, fmt, args);
    va_end(args);

    ck_assert_int_ge(n, 0);
    ck_assert_uint_lt(t_rec_len + n, sizeof(t_rec));
    t_rec_len += n;
}


/* "name[arg][arg]@tag file:line\n" */
static char *
t_record(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_uint_t   i;
    mx_str_t   *value;
    const char *file;

    value = cf->args->elts;

    if (cmd) {
        ck_assert_uint_eq(value[0].len, cmd->name.len);
    }
    t_rec_add("%s", (char *) value[0].data);

    for (i = 1; i < cf->args->nelts; i++) {
        /* words are NUL-terminated and the NUL is not counted */
        ck_assert_int_eq(value[i].data[value[i].len], '\0');
        t_rec_add("[%.*s]", MX_STR_ARG(value[i]));
    }

    if (cf->conf_file->fd == -1) {
        file = "cmdline";

    } else {
        file = strrchr((char *) cf->conf_file->name.data, '/') + 1;
    }

    t_rec_add("@%s %s:%lu\n", conf ? ((t_conf_t *) conf)->tag : "null",
              file, (unsigned long) cf->conf_file->line);

    return MX_CONF_OK;
}


static char *
t_phrase(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_unused(cf);
    mx_unused(cmd);
    mx_unused(conf);

    return "is weird";
}


static t_conf_t *
t_conf_new(mx_pool_t *pool, const char *tag)
{
    t_conf_t  *c;

    c = mx_pcalloc(pool, sizeof(t_conf_t));
    ck_assert_ptr_nonnull(c);

    c->tag = tag;
    c->flag = MX_CONF_UNSET;
    c->num = MX_CONF_UNSET;
    c->size = MX_CONF_UNSET_SIZE;
    c->msec = MX_CONF_UNSET_MSEC;
    c->sec = MX_CONF_UNSET_MSEC;

    return c;
}


static void *
t_core_create_conf(mx_cycle_t *cycle)
{
    return t_conf_new(cycle->pool, "core");
}


/* one conf array of the http modules: t_http_a at 0, t_http_b at 1 */
static void **
t_http_confs(mx_pool_t *pool, const char *tag)
{
    void  **confs;

    confs = mx_pcalloc(pool, 2 * sizeof(void *));
    ck_assert_ptr_nonnull(confs);

    confs[t_http_a_module.ctx_index] = t_conf_new(pool, "WRONG");
    confs[t_http_b_module.ctx_index] = t_conf_new(pool, tag);

    return confs;
}


static char *
t_enter_block(mx_conf_t *cf, void *ctx, mx_uint_t module_type,
    mx_uint_t cmd_type)
{
    char       *rv;
    mx_conf_t   save;

    save = *cf;

    cf->ctx = ctx;
    cf->module_type = module_type;
    cf->cmd_type = cmd_type;

    rv = mx_conf_parse(cf, NULL);

    *cf = save;

    return rv;
}


static char *
t_http_block(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    t_http_ctx_t  *ctx;

    mx_unused(cmd);

    /* a core module without create_conf gets its own slot */
    ck_assert_ptr_eq(conf, &t_cycle->conf_ctx[t_blk_module.index]);

    ctx = mx_pcalloc(cf->pool, sizeof(t_http_ctx_t));
    ck_assert_ptr_nonnull(ctx);

    ctx->main_conf = t_http_confs(cf->pool, "main");
    ctx->srv_conf = t_http_confs(cf->pool, "msrv");
    ctx->loc_conf = t_http_confs(cf->pool, "mloc");

    *(void **) conf = ctx;

    return t_enter_block(cf, ctx, MX_HTTP_MODULE, MX_HTTP_MAIN_CONF);
}


static char *
t_server_block(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    t_http_ctx_t  *ctx, *parent;

    mx_unused(cmd);

    parent = cf->ctx;
    ck_assert_ptr_eq(conf, parent->main_conf[t_http_b_module.ctx_index]);

    ctx = mx_pcalloc(cf->pool, sizeof(t_http_ctx_t));
    ck_assert_ptr_nonnull(ctx);

    ctx->main_conf = parent->main_conf;
    ctx->srv_conf = t_http_confs(cf->pool, "srv");
    ctx->loc_conf = t_http_confs(cf->pool, "sloc");

    return t_enter_block(cf, ctx, MX_HTTP_MODULE, MX_HTTP_SRV_CONF);
}


static char *
t_location_block(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    char          *tag;
    mx_str_t      *value;
    t_http_ctx_t  *ctx, *parent;

    mx_unused(cmd);
    mx_unused(conf);

    parent = cf->ctx;
    value = cf->args->elts;

    tag = mx_pnalloc(cf->pool, value[1].len + 5);
    ck_assert_ptr_nonnull(tag);
    snprintf(tag, value[1].len + 5, "loc:%s", (char *) value[1].data);

    ctx = mx_pcalloc(cf->pool, sizeof(t_http_ctx_t));
    ck_assert_ptr_nonnull(ctx);

    ctx->main_conf = parent->main_conf;
    ctx->srv_conf = parent->srv_conf;
    ctx->loc_conf = t_http_confs(cf->pool, tag);

    return t_enter_block(cf, ctx, MX_HTTP_MODULE, MX_HTTP_LOC_CONF);
}


static char *
t_events_block(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    void  **ctx;

    mx_unused(cmd);

    ck_assert_ptr_eq(conf, &t_cycle->conf_ctx[t_blk_module.index]);

    ctx = mx_pcalloc(cf->pool, sizeof(void *));
    ck_assert_ptr_nonnull(ctx);
    ctx[t_ev_module.ctx_index] = t_conf_new(cf->pool, "event");

    return t_enter_block(cf, ctx, MX_EVENT_MODULE, MX_EVENT_CONF);
}


static char *
t_types_handler(mx_conf_t *cf, mx_command_t *dummy, void *conf)
{
    mx_str_t  *value;

    ck_assert_ptr_null(dummy);
    ck_assert_str_eq((char *) conf, "types-conf");

    value = cf->args->elts;

    if (mx_str_eq(&value[0], "bad") == MX_OK) {
        return "bad mime type";
    }

    if (mx_str_eq(&value[0], "err") == MX_OK) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "handler failed");
        return MX_CONF_ERROR;
    }

    return t_record(cf, dummy, NULL);
}


static char *
t_types_block(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    char       *rv;
    mx_conf_t   save;

    mx_unused(cmd);
    mx_unused(conf);

    save = *cf;
    cf->handler = t_types_handler;
    cf->handler_conf = "types-conf";

    rv = mx_conf_parse(cf, NULL);

    *cf = save;

    return rv;
}


/* fixtures and helpers */

static int
t_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    mx_unused(sb);
    mx_unused(flag);
    mx_unused(ftw);

    return remove(path);
}


static void
setup(void)
{
    mx_uint_t          i;
    mx_core_module_t  *core;

    snprintf(t_dir, sizeof(t_dir), "/tmp/mx_conf_test.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(t_dir));

    snprintf(t_conf_path, sizeof(t_conf_path), "%s/nginx.conf", t_dir);
    snprintf(t_log_path, sizeof(t_log_path), "%s/error.log", t_dir);

    mx_time_init();
    mx_log_use_stderr = 0;
    mx_log_main.level = MX_LOG_NOTICE;
    mx_log_main.file = mx_log_open_file(t_log_path);
    ck_assert_ptr_nonnull(mx_log_main.file);

    mx_modules_init();

    t_pool = mx_pool_create(4096);
    ck_assert_ptr_nonnull(t_pool);

    t_cycle = mx_pcalloc(t_pool, sizeof(mx_cycle_t));
    ck_assert_ptr_nonnull(t_cycle);

    t_cycle->pool = t_pool;
    t_cycle->log = &mx_log_main;
    t_cycle->conf_ctx = mx_pcalloc(t_pool, mx_modules_n * sizeof(void *));
    ck_assert_ptr_nonnull(t_cycle->conf_ctx);

    for (i = 0; mx_modules[i]; i++) {
        if (mx_modules[i]->type != MX_CORE_MODULE) {
            continue;
        }

        core = mx_modules[i]->ctx;
        if (core && core->create_conf) {
            t_cycle->conf_ctx[i] = core->create_conf(t_cycle);
        }
    }

    t_cycle->prefix.len = strlen(t_dir) + 1;
    t_cycle->prefix.data = mx_pnalloc(t_pool, t_cycle->prefix.len + 1);
    snprintf((char *) t_cycle->prefix.data, t_cycle->prefix.len + 1, "%s/",
             t_dir);
    t_cycle->conf_prefix = t_cycle->prefix;

    memset(&t_cf, 0, sizeof(mx_conf_t));
    t_cf.args = mx_array_create(t_pool, 10, sizeof(mx_str_t));
    t_cf.cycle = t_cycle;
    t_cf.pool = t_pool;
    t_cf.temp_pool = mx_pool_create(4096);
    t_cf.log = &mx_log_main;
    t_cf.ctx = t_cycle->conf_ctx;
    t_cf.module_type = MX_CORE_MODULE;
    t_cf.cmd_type = MX_MAIN_CONF;

    t_rec_len = 0;
    t_rec[0] = '\0';
}


static void
teardown(void)
{
    mx_pool_destroy(t_cf.temp_pool);
    mx_pool_destroy(t_pool);
    nftw(t_dir, t_rm, 16, FTW_DEPTH | FTW_PHYS);
}


static t_conf_t *
t_core_conf(void)
{
    return t_cycle->conf_ctx[t_core_module.index];
}


static void
t_write(const char *rel, const char *text)
{
    int    fd;
    char   path[PATH_MAX + 64];
    size_t len;

    snprintf(path, sizeof(path), "%s/%s", t_dir, rel);

    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ne(fd, -1);

    len = strlen(text);
    ck_assert_int_eq(write(fd, text, len), (ssize_t) len);
    close(fd);
}


static void
t_mkdir(const char *rel)
{
    char  path[PATH_MAX + 64];

    snprintf(path, sizeof(path), "%s/%s", t_dir, rel);
    ck_assert_int_eq(mkdir(path, 0755), 0);
}


/* writes text as nginx.conf and parses it; MX_OK or MX_ERROR */
static int
t_parse(const char *text)
{
    char      *rv;
    mx_str_t   name;

    ck_assert_int_eq(truncate(t_log_path, 0), 0);

    t_write("nginx.conf", text);

    name.len = strlen(t_conf_path);
    name.data = (u_char *) t_conf_path;

    rv = mx_conf_parse(&t_cf, &name);

    /* every file parse restores the outer state */
    ck_assert_ptr_null(t_cf.conf_file);

    return rv == MX_CONF_OK ? MX_OK : MX_ERROR;
}


static int
t_param(const char *text)
{
    char  *rv;

    ck_assert_int_eq(truncate(t_log_path, 0), 0);

    t_cycle->conf_param.len = strlen(text);
    t_cycle->conf_param.data = (u_char *) text;

    rv = mx_conf_param(&t_cf);

    ck_assert_ptr_null(t_cf.conf_file);

    return rv == MX_CONF_OK ? MX_OK : MX_ERROR;
}


/* the error log, whole */
static char *
t_log(void)
{
    static char  buf[1 << 16];
    int          fd;
    ssize_t      n;

    fd = open(t_log_path, O_RDONLY);
    ck_assert_int_ne(fd, -1);

    n = read(fd, buf, sizeof(buf) - 1);
    ck_assert_int_ge(n, 0);
    close(fd);

    buf[n] = '\0';

    return buf;
}


/* the one error logged since the last parse, without its prefix */
static const char *
t_error(void)
{
    char  *log, *p, *nl;

    log = t_log();

    p = strstr(log, " [emerg] ");
    ck_assert_msg(p != NULL, "no [emerg] in the log: \"%s\"", log);

    p = strstr(p, ": ");
    ck_assert_ptr_nonnull(p);
    p += 2;

    nl = strchr(p, '\n');
    ck_assert_ptr_nonnull(nl);
    ck_assert_msg(nl[1] == '\0', "more than one line logged: \"%s\"", log);
    *nl = '\0';

    return p;
}


/* the message expected "in DIR/file:line" */
static const char *
t_at(const char *msg, const char *file, unsigned line)
{
    static char  buf[PATH_MAX + 8192];

    snprintf(buf, sizeof(buf), "%s in %s/%s:%u", msg, t_dir, file, line);

    return buf;
}


static void
t_expect_error(const char *text, const char *msg, unsigned line)
{
    ck_assert_msg(t_parse(text) == MX_ERROR, "parsed: \"%s\"", text);
    ck_assert_str_eq(t_error(), t_at(msg, "nginx.conf", line));
}


static void
t_expect_ok(const char *text)
{
    ck_assert_msg(t_parse(text) == MX_OK, "failed: \"%s\": %s", text,
                  t_log());
    ck_assert_str_eq(t_log(), "");
}


/* a string of n copies of c, for long words */
static char *
t_repeat(char c, size_t n)
{
    char  *s;

    s = mx_pnalloc(t_pool, n + 1);
    ck_assert_ptr_nonnull(s);
    memset(s, c, n);
    s[n] = '\0';

    return s;
}


static char *
t_fmt(const char *fmt, ...)
{
    char     *s;
    int       n;
    va_list   args;

    va_start(args, fmt);
    n = vsnprintf(NULL, 0, fmt, args);
    va_end(args);

    s = mx_pnalloc(t_pool, n + 1);
    ck_assert_ptr_nonnull(s);

    va_start(args, fmt);
    vsnprintf(s, n + 1, fmt, args);
    va_end(args);

    return s;
}


/* the tests */

START_TEST(test_tokens)
{
    t_expect_ok(
        "t_args a \"b c\" 'd e' \"q\\\"x\" 'y\\'z' \"t\\tx\" n\\nx \"r\\rx\""
        " \"bs\\\\x\" \"k\\qx\" un\"q ${var}x x${y}z a#b ok} \\;x;"
        "  # comment { } ;\n"
        "t_args\n"
        "  multi   # c ; {\n"
        "  \"li\n"
        "ne\";\n"
        "t_args ($a = \"x\") ;\n"
        "t_args \"\" '' \"${x}\";t_args\tcr\r\nt;\n"
        "t_args 'a;b{c}d#e' \"$\" ;\n");

    ck_assert_str_eq(t_rec,
        "t_args[a][b c][d e][q\"x][y'z][t\tx][n\nx][r\rx][bs\\x][k\\qx]"
        "[un\"q][${var}x][x${y}z][a#b][ok}][\\;x]@core nginx.conf:1\n"
        "t_args[multi][li\nne]@core nginx.conf:5\n"
        "t_args[($a][=][x][)]@core nginx.conf:6\n"
        "t_args[][][${x}]@core nginx.conf:7\n"
        "t_args[cr][t]@core nginx.conf:8\n"
        "t_args[a;b{c}d#e][$]@core nginx.conf:9\n");
}
END_TEST


START_TEST(test_empty_and_comments)
{
    t_expect_ok("");
    t_expect_ok("   \n\t\r\n");
    t_expect_ok("# only a comment");
    t_expect_ok("# a\n  # b ; { }\n");
    ck_assert_str_eq(t_rec, "");
}
END_TEST


START_TEST(test_blocks)
{
    t_expect_ok(
        "t_http {\n"
        "    t_rec a;\n"
        "    t_mrec b;\n"
        "    t_server {\n"
        "        t_srec c;\n"
        "        t_rec d;\n"
        "        t_location /x {\n"
        "            t_rec e;\n"
        "            t_location /y { t_rec f; }\n"
        "        }\n"
        "        t_srv_only g;\n"
        "    }\n"
        "}\n"
        "t_events { t_evrec h; }\n"
        "t_args end;\n");

    ck_assert_str_eq(t_rec,
        "t_rec[a]@mloc nginx.conf:2\n"
        "t_mrec[b]@main nginx.conf:3\n"
        "t_srec[c]@srv nginx.conf:5\n"
        "t_rec[d]@sloc nginx.conf:6\n"
        "t_rec[e]@loc:/x nginx.conf:8\n"
        "t_rec[f]@loc:/y nginx.conf:9\n"
        "t_srv_only[g]@srv nginx.conf:11\n"
        "t_evrec[h]@event nginx.conf:14\n"
        "t_args[end]@core nginx.conf:15\n");

    ck_assert_ptr_nonnull(t_cycle->conf_ctx[t_blk_module.index]);
}
END_TEST


START_TEST(test_raw_block)
{
    const char  *body =
        "\n"
        "                local t = { a = \"}\", b = '{', c = \"\\\"}\" }\n"
        "                -- a comment with } and { and 'quote\n"
        "                local s = [[ } ]] .. [==[ ]] } ]==]\n"
        "                --[[ } long\n"
        "                comment ]] --[=[ { ]=]\n"
        "                local u = \"a\\\n"
        "}\"\n"
        "                if #t > 0 then ngx.say(\"}\") end -- }\n"
        "            ";

    t_expect_ok(t_fmt(
        "t_http {\n"
        "    t_server {\n"
        "        t_location / {\n"
        "            t_lua_block {%s}\n"
        "            t_rec after;\n"
        "            t_lua_arg $v {return 1} t_lua_block{}\n"
        "        }\n"
        "    }\n"
        "}\n"
        "t_lua { } t_args end;\n"
        "t_lua {\n"
        "  local a = t[b[1]] -- not [[ a long string\n"
        "}\n",
        body));

    ck_assert_str_eq(t_rec, t_fmt(
        "t_lua_block[%s]@loc:/ nginx.conf:13\n"
        "t_rec[after]@loc:/ nginx.conf:14\n"
        "t_lua_arg[$v][return 1]@loc:/ nginx.conf:15\n"
        "t_lua_block[]@loc:/ nginx.conf:15\n"
        "t_lua[ ]@core nginx.conf:19\n"
        "t_args[end]@core nginx.conf:19\n"
        "t_lua[\n  local a = t[b[1]] -- not [[ a long string\n]"
        "@core nginx.conf:22\n",
        body));
}
END_TEST


START_TEST(test_raw_block_errors)
{
    t_expect_error("t_lua {\n  local s = \"}\"\n",
                   "unexpected end of file, expecting \"}\"", 3);
    t_expect_error("t_lua { x = [[ } }\n\n",
                   "unexpected end of file, expecting \"}\"", 3);
    t_expect_error("t_lua { --[==[ } ]] }\n",
                   "unexpected end of file, expecting \"}\"", 2);
    t_expect_error("t_lua { { }", "unexpected end of file, expecting \"}\"",
                   1);

    /* the words are checked before the body is read */
    t_expect_error("t_lua x {\n}",
                   "invalid number of arguments in \"t_lua\" directive", 1);
    t_expect_error("t_lua;", "directive \"t_lua\" has no opening \"{\"", 1);
    t_expect_error("t_http { t_lua_arg $v { } }",
                   "\"t_lua_arg\" directive is not allowed here", 1);

    /* after the body, parsing goes on in nginx syntax */
    t_expect_error("t_lua { }\n}", "unexpected \"}\"", 2);
}
END_TEST


START_TEST(test_types_handler)
{
    t_expect_ok("t_types {\n  text/html html htm;\n  image/png png;\n}\n"
                "t_args x;\n");

    ck_assert_str_eq(t_rec,
        "text/html[html][htm]@null nginx.conf:2\n"
        "image/png[png]@null nginx.conf:3\n"
        "t_args[x]@core nginx.conf:5\n");

    t_expect_error("t_types {\n a b { } }", "unexpected \"{\"", 2);
    t_expect_error("t_types { a b;\nbad x; }", "bad mime type", 2);
    t_expect_error("t_types { err x; }", "handler failed", 1);
}
END_TEST


START_TEST(test_include_glob)
{
    t_mkdir("conf.d");
    t_mkdir("http.d");
    t_write("conf.d/b.conf", "t_args b;\n");
    t_write("conf.d/a.conf", "\nt_args a1;\nt_args a2;\n");
    t_write("conf.d/c.txt", "bogus;\n");
    t_write("http.d/x.conf", "t_rec x;\nt_server { include s.conf; }\n");
    t_write("s.conf", "t_srec s;\n");
    t_write(t_fmt("abs.conf"), "t_args abs;\n");

    t_expect_ok(t_fmt(
        "t_args start;\n"
        "include conf.d/*.conf;\n"
        "include none/*.conf;\n"
        "t_http {\n"
        "    include http.d/*;\n"
        "}\n"
        "include %s/abs.conf;\n"
        "t_args end;\n", t_dir));

    ck_assert_str_eq(t_rec,
        "t_args[start]@core nginx.conf:1\n"
        "t_args[a1]@core a.conf:2\n"
        "t_args[a2]@core a.conf:3\n"
        "t_args[b]@core b.conf:1\n"
        "t_rec[x]@mloc x.conf:1\n"
        "t_srec[s]@srv s.conf:1\n"
        "t_args[abs]@core abs.conf:1\n"
        "t_args[end]@core nginx.conf:8\n");
}
END_TEST


START_TEST(test_include_errors)
{
    char  path[PATH_MAX + 64];
    int   fd;

    t_expect_error("t_args x;\ninclude missing.conf;",
                   t_fmt("open() \"%s/missing.conf\" failed "
                         "(2: No such file or directory)", t_dir), 2);

    t_write("inc.conf", "t_args ok;\nbogus;\n");
    ck_assert_int_eq(t_parse("t_http {\n}\ninclude inc.conf;\n"), MX_ERROR);
    ck_assert_str_eq(t_error(),
                     t_at("unknown directive \"bogus\"", "inc.conf", 2));

    t_write("unterm.conf", "t_http {\n");
    ck_assert_int_eq(t_parse("include unterm.conf;\n"), MX_ERROR);
    ck_assert_str_eq(t_error(),
                     t_at("unexpected end of file, expecting \"}\"",
                          "unterm.conf", 2));

    /* a file cannot close a block opened by the file including it */
    t_write("close.conf", "}\n");
    ck_assert_int_eq(t_parse("t_http {\ninclude close.conf;\n}\n"),
                     MX_ERROR);
    ck_assert_str_eq(t_error(), t_at("unexpected \"}\"", "close.conf", 1));

    t_write("loop.conf", "\ninclude loop.conf;\n");
    ck_assert_int_eq(t_parse("include loop.conf;\n"), MX_ERROR);
    ck_assert_str_eq(t_error(),
                     t_at("too deeply nested blocks or includes "
                          "(more than 100 levels)", "loop.conf", 2));

    t_mkdir("dir");
    t_expect_error("include dir;",
                   t_fmt("read() \"%s/dir\" failed (21: Is a directory)",
                         t_dir), 1);

    snprintf(path, sizeof(path), "%s/big.conf", t_dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ne(fd, -1);
    ck_assert_int_eq(ftruncate(fd, 16 * 1024 * 1024 + 1), 0);
    close(fd);

    t_expect_error("\ninclude big.conf;",
                   t_fmt("configuration file \"%s/big.conf\" is too large "
                         "(more than 16777216 bytes)", t_dir), 2);

    t_expect_error("include;",
                   "invalid number of arguments in \"include\" directive", 1);
}
END_TEST


START_TEST(test_main_file_errors)
{
    mx_str_t  name;
    char     *path;

    ck_assert_int_eq(truncate(t_log_path, 0), 0);

    path = t_fmt("%s/nope.conf", t_dir);
    name.len = strlen(path);
    name.data = (u_char *) path;

    ck_assert_ptr_eq(mx_conf_parse(&t_cf, &name), MX_CONF_ERROR);

    /* outside any file: no location */
    ck_assert_str_eq(t_error(),
                     t_fmt("open() \"%s\" failed "
                           "(2: No such file or directory)", path));
}
END_TEST


START_TEST(test_dump)
{
    mx_conf_dump_t  *d;

    t_cycle->dump_config = 1;

    t_write("a.conf", "t_args a;\n");
    t_expect_ok("include a.conf;\ninclude a.conf;\n");

    ck_assert_uint_eq(t_cycle->conf_dump.nelts, 2);
    d = t_cycle->conf_dump.elts;

    ck_assert_str_eq((char *) d[0].name.data, t_conf_path);
    ck_assert_uint_eq(d[0].buffer.len, strlen((char *) d[0].buffer.data));
    ck_assert_str_eq((char *) d[0].buffer.data,
                     "include a.conf;\ninclude a.conf;\n");
    ck_assert_str_eq((char *) d[1].name.data, t_fmt("%s/a.conf", t_dir));
    ck_assert_str_eq((char *) d[1].buffer.data, "t_args a;\n");

    ck_assert_str_eq(t_rec,
        "t_args[a]@core a.conf:1\n"
        "t_args[a]@core a.conf:1\n");
}
END_TEST


START_TEST(test_no_dump)
{
    t_expect_ok("t_args a;\n");
    ck_assert_uint_eq(t_cycle->conf_dump.nelts, 0);
}
END_TEST


START_TEST(test_param)
{
    ck_assert_int_eq(t_param(""), MX_OK);

    ck_assert_int_eq(t_param("t_args a \"b c\"; t_flag on;"), MX_OK);
    ck_assert_str_eq(t_log(), "");
    ck_assert_str_eq(t_rec, "t_args[a][b c]@core cmdline:1\n");
    ck_assert_int_eq(t_core_conf()->flag, 1);

    ck_assert_int_eq(t_param("t_args a"), MX_ERROR);
    ck_assert_str_eq(t_error(), "unexpected end of parameter, expecting \";\""
                     " in command line");

    ck_assert_int_eq(t_param("t_http { }"), MX_ERROR);
    ck_assert_str_eq(t_error(), "block directives are not supported in -g "
                     "option in command line");

    ck_assert_int_eq(t_param("t_num x;"), MX_ERROR);
    ck_assert_str_eq(t_error(),
                     "\"t_num\" directive invalid number in command line");

    ck_assert_int_eq(t_param("t_str a; }"), MX_ERROR);
    ck_assert_str_eq(t_error(), "unexpected \"}\" in command line");

    ck_assert_int_eq(t_param("foo;"), MX_ERROR);
    ck_assert_str_eq(t_error(), "unknown directive \"foo\" in command line");

    ck_assert_int_eq(t_param("t_size 1q;"), MX_ERROR);
    ck_assert_str_eq(t_error(),
                     "\"t_size\" directive invalid value in command line");
}
END_TEST


START_TEST(test_syntax_errors)
{
    t_expect_error("}", "unexpected \"}\"", 1);
    t_expect_error("t_args a;\n\n}\n", "unexpected \"}\"", 3);
    t_expect_error("t_args \"x\"}", "unexpected \"}\"", 1);
    t_expect_error("t_args a }", "unexpected \"}\"", 1);
    t_expect_error("t_args \"x\"a;", "unexpected \"a\"", 1);
    t_expect_error("t_args\n'x'#;", "unexpected \"#\"", 2);
    t_expect_error(";", "unexpected \";\"", 1);
    t_expect_error("\n{", "unexpected \"{\"", 2);
    t_expect_error("t_http { ; }", "unexpected \";\"", 1);
    t_expect_error("t_http {\n t_rec a;\n",
                   "unexpected end of file, expecting \"}\"", 3);
    t_expect_error("t_http { t_server {\n t_location / {\n t_rec a; }",
                   "unexpected end of file, expecting \"}\"", 3);
    t_expect_error("t_args a\n", "unexpected end of file, expecting \";\" or "
                   "\"}\"", 2);
    t_expect_error("t_args \"a\nb\n",
                   "unexpected end of file, expecting \";\" or \"}\"", 3);
    t_expect_error("t_args 'a", "unexpected end of file, expecting \";\" or "
                   "\"}\"", 1);
    t_expect_error("t_args a\\", "unexpected end of file, expecting \";\" or "
                   "\"}\"", 1);
    t_expect_error("t_args a {}",
                   "directive \"t_args\" is not terminated by \";\"", 1);
    t_expect_error("t_http;", "directive \"t_http\" has no opening \"{\"", 1);
    t_expect_error("t_http x {}",
                   "invalid number of arguments in \"t_http\" directive", 1);
    t_expect_error("\n\nfoo bar;", "unknown directive \"foo\"", 3);
    t_expect_error("t_srv_only x;",
                   "\"t_srv_only\" directive is not allowed here", 1);
    t_expect_error("t_http {\n t_args x;\n}",
                   "\"t_args\" directive is not allowed here", 2);
    t_expect_error("t_http { t_server { t_server { } } }",
                   "\"t_server\" directive is not allowed here", 1);
    t_expect_error("t_events { t_rec x; }",
                   "\"t_rec\" directive is not allowed here", 1);
    t_expect_error("t_phrase;", "\"t_phrase\" directive is weird", 1);
}
END_TEST


START_TEST(test_long_words)
{
    /* nginx's limits: 4094 bytes per word, quotes not counted */
    t_expect_ok(t_fmt("t_noop %s;", t_repeat('a', 4094)));
    t_expect_ok(t_fmt("t_noop \"%s\";", t_repeat('a', 4094)));
    t_expect_ok(t_fmt("t_noop '%s';", t_repeat('a', 4094)));

    t_expect_error(t_fmt("t_noop %s;", t_repeat('a', 4095)),
                   "too long parameter \"aaaaaaaaaa...\" started", 1);
    t_expect_error(t_fmt("t_noop\n%s;", t_repeat('b', 5000)),
                   "too long parameter \"bbbbbbbbbb...\" started", 2);
    t_expect_error(t_fmt("t_noop \"%s\";", t_repeat('a', 4095)),
                   "too long parameter \"aaaaaaaaaa...\" started", 1);
    t_expect_error(t_fmt("t_noop \"%s\n\n;", t_repeat('a', 5000)),
                   "too long parameter, probably missing terminating "
                   "\"\"\" character", 1);
    t_expect_error(t_fmt("\nt_noop '%s", t_repeat('a', 5000)),
                   "too long parameter, probably missing terminating "
                   "\"'\" character", 2);
}
END_TEST


static char *
t_statement(size_t nargs)
{
    char    *text, *p;
    size_t   i;

    text = mx_pnalloc(t_pool, sizeof("t_noop;") + 2 * nargs);
    ck_assert_ptr_nonnull(text);

    p = text + sprintf(text, "t_noop");
    for (i = 0; i < nargs; i++) {
        *p++ = ' ';
        *p++ = 'a';
    }
    strcpy(p, ";");

    return text;
}


START_TEST(test_too_many_args)
{
    /* the name is a word too */
    t_expect_ok(t_statement(65535));
    t_expect_error(t_statement(65536),
                   "too many parameters (more than 65536)", 1);
}
END_TEST


START_TEST(test_arg_counts)
{
    static const struct {
        const char  *text;
        int          ok;
    } cases[] = {
        { "t_noargs;", 1 },
        { "t_noargs x;", 0 },
        { "t_take12;", 0 },
        { "t_take12 a;", 1 },
        { "t_take12 a b;", 1 },
        { "t_take12 a b c;", 0 },
        { "t_take13 a;", 1 },
        { "t_take13 a b;", 0 },
        { "t_take13 a b c;", 1 },
        { "t_take7 1 2 3 4 5 6 7;", 1 },
        { "t_take7 1 2 3 4 5 6;", 0 },
        { "t_take7 1 2 3 4 5 6 7 8;", 0 },
        { "t_1more;", 0 },
        { "t_1more a;", 1 },
        { "t_1more a b c d e f g h i j;", 1 },
        { "t_2more a;", 0 },
        { "t_2more a b;", 1 },
        { "t_2more a b c d e f g h i j;", 1 },
        { "t_fl;", 0 },
        { "t_fl x;", 1 },
        { "t_fl x y;", 0 },
        { "t_args;", 1 },
        { "t_args 1 2 3 4 5 6 7 8 9 10;", 1 },
    };

    size_t       i;
    const char  *name;
    char         msg[128];

    for (i = 0; i < mx_nelems(cases); i++) {
        if (cases[i].ok) {
            t_expect_ok(cases[i].text);
            continue;
        }

        name = t_fmt("%.*s", (int) strcspn(cases[i].text, " ;"),
                     cases[i].text);
        snprintf(msg, sizeof(msg),
                 "invalid number of arguments in \"%s\" directive", name);
        t_expect_error(cases[i].text, msg, 1);
    }
}
END_TEST


START_TEST(test_setters)
{
    t_conf_t  *c;

    c = t_core_conf();

    t_expect_ok("t_flag ON; t_str \"hello world\"; t_num 42; t_size 30M;\n"
                "t_msec 68000ms; t_sec 2m;\n");

    ck_assert_int_eq(c->flag, 1);
    ck_assert_uint_eq(c->str.len, 11);
    ck_assert_str_eq((char *) c->str.data, "hello world");
    ck_assert_int_eq(c->num, 42);
    ck_assert_uint_eq(c->size, 30 * 1024 * 1024);
    ck_assert_int_eq(c->msec, 68000);
    ck_assert_int_eq(c->sec, 120);

    t_expect_error("t_flag off;", "\"t_flag\" directive is duplicate", 1);
    t_expect_error("t_str x;", "\"t_str\" directive is duplicate", 1);
    t_expect_error("t_num 1;", "\"t_num\" directive is duplicate", 1);
    t_expect_error("t_size 1;", "\"t_size\" directive is duplicate", 1);
    t_expect_error("\nt_msec 1;", "\"t_msec\" directive is duplicate", 2);
    t_expect_error("t_sec 1;", "\"t_sec\" directive is duplicate", 1);
}
END_TEST


START_TEST(test_setter_values)
{
    t_conf_t  *c;

    c = t_core_conf();

    t_expect_ok("t_flag off; t_msec 60; t_sec 60; t_size 8k;");
    ck_assert_int_eq(c->flag, 0);
    ck_assert_int_eq(c->msec, 60000);
    ck_assert_int_eq(c->sec, 60);
    ck_assert_uint_eq(c->size, 8192);

    c->msec = MX_CONF_UNSET_MSEC;
    c->sec = MX_CONF_UNSET_MSEC;
    t_expect_ok("t_msec 60s; t_sec 1h;");
    ck_assert_int_eq(c->msec, 60000);
    ck_assert_int_eq(c->sec, 3600);

    c->flag = MX_CONF_UNSET;
    c->size = MX_CONF_UNSET_SIZE;
    t_expect_error("t_flag maybe;",
                   "invalid value \"maybe\" in \"t_flag\" directive, "
                   "it must be \"on\" or \"off\"", 1);
    t_expect_error("t_num -1;", "\"t_num\" directive invalid number", 1);
    t_expect_error("t_num x;", "\"t_num\" directive invalid number", 1);
    t_expect_error("t_size 1x;", "\"t_size\" directive invalid value", 1);
    c->msec = MX_CONF_UNSET_MSEC;
    t_expect_error("t_msec x;", "\"t_msec\" directive invalid value", 1);
    c->sec = MX_CONF_UNSET_MSEC;
    t_expect_error("t_sec 5ms;", "\"t_sec\" directive invalid value", 1);

    t_expect_ok("t_noop; t_noop a b c;");
}
END_TEST


START_TEST(test_modules_init)
{
    ck_assert_uint_eq(mx_modules_n, 6);
    ck_assert_uint_eq(t_core_module.index, 0);
    ck_assert_uint_eq(mx_conf_module.index, 1);
    ck_assert_uint_eq(t_http_b_module.index, 5);

    ck_assert_uint_eq(t_core_module.ctx_index, 0);
    ck_assert_uint_eq(t_blk_module.ctx_index, 1);
    ck_assert_uint_eq(t_ev_module.ctx_index, 0);
    ck_assert_uint_eq(t_http_a_module.ctx_index, 0);
    ck_assert_uint_eq(t_http_b_module.ctx_index, 1);

    t_http_b_module.ctx_index = 7;
    ck_assert_uint_eq(mx_count_modules(MX_HTTP_MODULE), 2);
    ck_assert_uint_eq(t_http_b_module.ctx_index, 1);
    ck_assert_uint_eq(mx_count_modules(MX_CORE_MODULE), 2);
    ck_assert_uint_eq(mx_count_modules(MX_EVENT_MODULE), 1);
    ck_assert_uint_eq(mx_count_modules(0x12345678), 0);
}
END_TEST


START_TEST(test_full_name)
{
    mx_str_t  name;

    mx_str_set(&name, "mime.types");
    ck_assert_int_eq(mx_conf_full_name(t_cycle, &name, 1), MX_OK);
    ck_assert_str_eq((char *) name.data, t_fmt("%s/mime.types", t_dir));
    ck_assert_uint_eq(name.len, strlen((char *) name.data));

    mx_str_set(&name, "/etc/abs");
    ck_assert_int_eq(mx_conf_full_name(t_cycle, &name, 0), MX_OK);
    ck_assert_str_eq((char *) name.data, "/etc/abs");

    mx_str_set(&t_cycle->prefix, "/usr/local/moxy");
    mx_str_set(&t_cycle->conf_prefix, "/etc/moxy/");

    mx_str_set(&name, "logs/error.log");
    ck_assert_int_eq(mx_conf_full_name(t_cycle, &name, 0), MX_OK);
    ck_assert_str_eq((char *) name.data, "/usr/local/moxy/logs/error.log");

    mx_str_set(&name, "conf.d/x.conf");
    ck_assert_int_eq(mx_conf_full_name(t_cycle, &name, 1), MX_OK);
    ck_assert_str_eq((char *) name.data, "/etc/moxy/conf.d/x.conf");
}
END_TEST


START_TEST(test_log_error)
{
    mx_conf_file_t  file;

    ck_assert_int_eq(truncate(t_log_path, 0), 0);
    mx_conf_log_error(MX_LOG_EMERG, &t_cf, ENOENT, "open() \"%s\" failed",
                      "/x");
    ck_assert_str_eq(t_error(),
                     "open() \"/x\" failed (2: No such file or directory)");

    memset(&file, 0, sizeof(file));
    mx_str_set(&file.name, "/etc/moxy/nginx.conf");
    file.fd = 3;
    file.line = 42;
    t_cf.conf_file = &file;

    ck_assert_int_eq(truncate(t_log_path, 0), 0);
    mx_conf_log_error(MX_LOG_EMERG, &t_cf, 0, "bad %d", 7);
    ck_assert_str_eq(t_error(), "bad 7 in /etc/moxy/nginx.conf:42");

    ck_assert_int_eq(truncate(t_log_path, 0), 0);
    mx_conf_log_error(MX_LOG_EMERG, &t_cf, EACCES, "x");
    ck_assert_str_eq(t_error(),
                     "x (13: Permission denied) in /etc/moxy/nginx.conf:42");

    file.fd = -1;
    ck_assert_int_eq(truncate(t_log_path, 0), 0);
    mx_conf_log_error(MX_LOG_EMERG, &t_cf, 0, "y");
    ck_assert_str_eq(t_error(), "y in command line");

    /* below the log's level: nothing */
    ck_assert_int_eq(truncate(t_log_path, 0), 0);
    mx_conf_log_error(MX_LOG_INFO, &t_cf, 0, "quiet");
    ck_assert_str_eq(t_log(), "");

    t_cf.conf_file = NULL;
}
END_TEST


START_TEST(test_lines_after_error_free_parse)
{
    /* line counting through quotes, comments, escapes and raw blocks */
    t_expect_ok("# 1\n"
                "t_args \"2\n"
                "3\" '4\\\n"
                "5'; # ; \"\n"
                "t_lua { -- 6 }\n"
                " s = [[\n"
                "8 }]] }\n"
                "t_args\n"
                "10;\n");

    ck_assert_str_eq(t_rec,
        "t_args[2\n3][4\\\n5]@core nginx.conf:4\n"
        "t_lua[ -- 6 }\n s = [[\n8 }]] ]@core nginx.conf:7\n"
        "t_args[10]@core nginx.conf:9\n");
}
END_TEST


static Suite *
conf_file_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("mx_conf_file");
    tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);

    tcase_add_test(tc, test_tokens);
    tcase_add_test(tc, test_empty_and_comments);
    tcase_add_test(tc, test_blocks);
    tcase_add_test(tc, test_raw_block);
    tcase_add_test(tc, test_raw_block_errors);
    tcase_add_test(tc, test_types_handler);
    tcase_add_test(tc, test_include_glob);
    tcase_add_test(tc, test_include_errors);
    tcase_add_test(tc, test_main_file_errors);
    tcase_add_test(tc, test_dump);
    tcase_add_test(tc, test_no_dump);
    tcase_add_test(tc, test_param);
    tcase_add_test(tc, test_syntax_errors);
    tcase_add_test(tc, test_long_words);
    tcase_add_test(tc, test_too_many_args);
    tcase_add_test(tc, test_arg_counts);
    tcase_add_test(tc, test_setters);
    tcase_add_test(tc, test_setter_values);
    tcase_add_test(tc, test_modules_init);
    tcase_add_test(tc, test_full_name);
    tcase_add_test(tc, test_log_error);
    tcase_add_test(tc, test_lines_after_error_free_parse);

    suite_add_tcase(s, tc);

    return s;
}


int
main(void)
{
    int       failed;
    SRunner  *sr;

    sr = srunner_create(conf_file_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
