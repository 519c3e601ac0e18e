#include "mx_conf.h"
#include "mx_string.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>

/*
 * Limits that keep a hostile or broken file from eating the process.
 * MX_CONF_MAX_WORD follows nginx, whose 4096-byte read buffer caps a
 * word at 4094 bytes, quotes not counted.
 */
#define MX_CONF_MAX_FILE   (16 * 1024 * 1024)
#define MX_CONF_MAX_WORD   4096
#define MX_CONF_MAX_NARGS  65536
#define MX_CONF_MAX_DEPTH  100


typedef struct {
    void   **main_conf;
    void   **srv_conf;
    void   **loc_conf;
} mx_conf_http_ctx_t;


static int mx_conf_read_file(mx_conf_t *cf, mx_conf_file_t *file);
static int mx_conf_add_dump(mx_conf_t *cf, mx_conf_file_t *file);
static int mx_conf_handler(mx_conf_t *cf, int last);
static int mx_conf_push_word(mx_conf_t *cf, u_char *start, u_char *end);
static int mx_conf_read_raw_block(mx_conf_t *cf);
static u_char *mx_conf_lua_long_open(u_char *p, u_char *end,
    size_t *level);
static u_char *mx_conf_lua_long_close(u_char *p, u_char *end, size_t level,
    mx_uint_t *line);
static void *mx_conf_get_conf(mx_conf_t *cf, mx_module_t *module,
    mx_command_t *cmd);


static mx_command_t  mx_conf_commands[] = {

    { mx_string("include"),
      MX_ANY_CONF|MX_CONF_TAKE1,
      mx_conf_include,
      0,
      0,
      NULL },

    mx_null_command
};


mx_module_t  mx_conf_module = {
    "mx_conf_module",
    0,
    0,
    MX_CONF_MODULE,
    NULL,
    mx_conf_commands,
    NULL,
    NULL,
    NULL
};


static const mx_uint_t  mx_conf_argument_number[] = {
    MX_CONF_NOARGS,
    MX_CONF_TAKE1,
    MX_CONF_TAKE2,
    MX_CONF_TAKE3,
    MX_CONF_TAKE4,
    MX_CONF_TAKE5,
    MX_CONF_TAKE6,
    MX_CONF_TAKE7
};


/* nested mx_conf_parse() calls (blocks and includes); parsing is serial */
static mx_uint_t  mx_conf_depth;


void
mx_modules_init(void)
{
    mx_uint_t  i, j, n;

    for (i = 0; mx_modules[i]; i++) {
        mx_modules[i]->index = i;

        n = 0;
        for (j = 0; j < i; j++) {
            if (mx_modules[j]->type == mx_modules[i]->type) {
                n++;
            }
        }

        mx_modules[i]->ctx_index = n;
    }

    mx_modules_n = i;
}


mx_uint_t
mx_count_modules(mx_uint_t type)
{
    mx_uint_t  i, n;

    n = 0;

    for (i = 0; mx_modules[i]; i++) {
        if (mx_modules[i]->type == type) {
            mx_modules[i]->ctx_index = n++;
        }
    }

    return n;
}


char *
mx_conf_param(mx_conf_t *cf)
{
    char            *rv;
    mx_str_t        *param;
    mx_conf_file_t   file, *prev;

    param = &cf->cycle->conf_param;

    if (param->len == 0) {
        return MX_CONF_OK;
    }

    memset(&file, 0, sizeof(mx_conf_file_t));

    /* fd == -1 tells the parser and the error log "command line" */
    file.fd = -1;
    file.line = 1;
    file.start = param->data;
    file.pos = param->data;
    file.end = param->data + param->len;

    prev = cf->conf_file;
    cf->conf_file = &file;

    rv = mx_conf_parse(cf, NULL);

    cf->conf_file = prev;

    return rv;
}


char *
mx_conf_parse(mx_conf_t *cf, const mx_str_t *filename)
{
    char            *rv;
    int              rc;
    mx_conf_file_t   file, *prev;
    enum {
        parse_file = 0,
        parse_block,
        parse_param
    } type;

    if (cf->args == NULL) {
        cf->args = mx_array_create(cf->pool, 10, sizeof(mx_str_t));
        if (cf->args == NULL) {
            return MX_CONF_ERROR;
        }
    }

    if (mx_conf_depth >= MX_CONF_MAX_DEPTH) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "too deeply nested blocks or includes "
                          "(more than %d levels)", MX_CONF_MAX_DEPTH);
        return MX_CONF_ERROR;
    }

    prev = NULL;

    if (filename) {
        memset(&file, 0, sizeof(mx_conf_file_t));

        if (mx_str_dup(cf->pool, &file.name, filename->data, filename->len)
            != MX_OK)
        {
            return MX_CONF_ERROR;
        }

        /* errors while opening point at the including statement */
        if (mx_conf_read_file(cf, &file) != MX_OK) {
            return MX_CONF_ERROR;
        }

        prev = cf->conf_file;
        cf->conf_file = &file;
        type = parse_file;

        if (mx_conf_add_dump(cf, &file) != MX_OK) {
            rc = MX_ERROR;
            goto done;
        }

    } else if (cf->conf_file == NULL) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "no configuration file to parse");
        return MX_CONF_ERROR;

    } else if (cf->conf_file->fd != -1) {
        type = parse_block;

    } else {
        type = parse_param;
    }

    mx_conf_depth++;

    for ( ;; ) {
        rc = mx_conf_read_token(cf);

        if (rc == MX_ERROR) {
            break;
        }

        if (rc == MX_CONF_BLOCK_DONE) {

            if (type != parse_block) {
                mx_conf_log_error(MX_LOG_EMERG, cf, 0, "unexpected \"}\"");
                rc = MX_ERROR;
            }

            break;
        }

        if (rc == MX_CONF_FILE_DONE) {

            if (type == parse_block) {
                mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                                  "unexpected end of file, expecting \"}\"");
                rc = MX_ERROR;
            }

            break;
        }

        if (rc == MX_CONF_BLOCK_START && type == parse_param) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "block directives are not supported "
                              "in -g option");
            rc = MX_ERROR;
            break;
        }

        /* rc == MX_OK || rc == MX_CONF_BLOCK_START */

        if (cf->handler) {

            /* a custom block such as "types { ... }" sees each statement */

            if (rc == MX_CONF_BLOCK_START) {
                mx_conf_log_error(MX_LOG_EMERG, cf, 0, "unexpected \"{\"");
                rc = MX_ERROR;
                break;
            }

            rv = cf->handler(cf, NULL, cf->handler_conf);

            if (rv == MX_CONF_OK) {
                continue;
            }

            if (rv != MX_CONF_ERROR) {
                mx_conf_log_error(MX_LOG_EMERG, cf, 0, "%s", rv);
            }

            rc = MX_ERROR;
            break;
        }

        if (mx_conf_handler(cf, rc) != MX_OK) {
            rc = MX_ERROR;
            break;
        }
    }

    mx_conf_depth--;

done:

    if (filename) {
        free(file.start);
        close(file.fd);
        cf->conf_file = prev;
    }

    return (rc == MX_ERROR) ? MX_CONF_ERROR : MX_CONF_OK;
}


/* opens file->name and reads it whole; file->fd stays open */
static int
mx_conf_read_file(mx_conf_t *cf, mx_conf_file_t *file)
{
    int           fd;
    u_char       *buf, *nbuf;
    size_t        size, n;
    ssize_t       r;
    struct stat   st;

    fd = open((char *) file->name.data, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        mx_conf_log_error(MX_LOG_EMERG, cf, errno, "open() \"%s\" failed",
                          file->name.data);
        return MX_ERROR;
    }

    if (fstat(fd, &st) == -1) {
        mx_conf_log_error(MX_LOG_EMERG, cf, errno, "fstat() \"%s\" failed",
                          file->name.data);
        close(fd);
        return MX_ERROR;
    }

    if (st.st_size > MX_CONF_MAX_FILE) {
        goto too_large;
    }

    /*
     * st_size is only a hint: read to the end so that pipes and
     * directories (EISDIR) behave, growing up to one byte past the cap
     */
    size = (size_t) st.st_size + 1;
    n = 0;

    buf = malloc(size + 1);
    if (buf == NULL) {
        mx_conf_log_error(MX_LOG_EMERG, cf, errno, "malloc(%zu) failed",
                          size + 1);
        close(fd);
        return MX_ERROR;
    }

    for ( ;; ) {
        if (n == size) {
            if (size > MX_CONF_MAX_FILE) {
                free(buf);
                goto too_large;
            }

            size = mx_min(size * 2, (size_t) MX_CONF_MAX_FILE + 1);

            nbuf = realloc(buf, size + 1);
            if (nbuf == NULL) {
                mx_conf_log_error(MX_LOG_EMERG, cf, errno,
                                  "realloc(%zu) failed", size + 1);
                free(buf);
                close(fd);
                return MX_ERROR;
            }

            buf = nbuf;
        }

        r = read(fd, buf + n, size - n);

        if (r == -1) {
            if (errno == EINTR) {
                continue;
            }

            mx_conf_log_error(MX_LOG_EMERG, cf, errno, "read() \"%s\" failed",
                              file->name.data);
            free(buf);
            close(fd);
            return MX_ERROR;
        }

        if (r == 0) {
            break;
        }

        n += r;
    }

    if (n > MX_CONF_MAX_FILE) {
        free(buf);
        goto too_large;
    }

    buf[n] = '\0';

    file->fd = fd;
    file->line = 1;
    file->start = buf;
    file->pos = buf;
    file->end = buf + n;

    return MX_OK;

too_large:

    mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                      "configuration file \"%s\" is too large "
                      "(more than %d bytes)",
                      file->name.data, MX_CONF_MAX_FILE);
    close(fd);
    return MX_ERROR;
}


/* keeps a copy of each file once, for -T */
static int
mx_conf_add_dump(mx_conf_t *cf, mx_conf_file_t *file)
{
    mx_uint_t        i;
    mx_cycle_t      *cycle;
    mx_conf_dump_t  *d;

    cycle = cf->cycle;

    if (cycle == NULL || !cycle->dump_config) {
        return MX_OK;
    }

    if (cycle->conf_dump.elts == NULL) {
        if (mx_array_init(&cycle->conf_dump, cycle->pool, 4,
                          sizeof(mx_conf_dump_t))
            != MX_OK)
        {
            return MX_ERROR;
        }
    }

    d = cycle->conf_dump.elts;

    for (i = 0; i < cycle->conf_dump.nelts; i++) {
        if (d[i].name.len == file->name.len
            && memcmp(d[i].name.data, file->name.data, file->name.len) == 0)
        {
            return MX_OK;
        }
    }

    d = mx_array_push(&cycle->conf_dump);
    if (d == NULL) {
        return MX_ERROR;
    }

    if (mx_str_dup(cycle->pool, &d->name, file->name.data, file->name.len)
        != MX_OK
        || mx_str_dup(cycle->pool, &d->buffer, file->start,
                      file->end - file->start)
           != MX_OK)
    {
        cycle->conf_dump.nelts--;
        return MX_ERROR;
    }

    return MX_OK;
}


static int
mx_conf_handler(mx_conf_t *cf, int last)
{
    char          *rv;
    void          *conf;
    mx_uint_t      i, found, nargs, block;
    mx_str_t      *name;
    mx_module_t   *module;
    mx_command_t  *cmd;

    name = cf->args->elts;
    found = 0;

    for (i = 0; mx_modules[i]; i++) {

        module = mx_modules[i];
        cmd = module->commands;

        if (cmd == NULL) {
            continue;
        }

        for ( /* void */ ; cmd->name.len; cmd++) {

            if (name->len != cmd->name.len
                || memcmp(name->data, cmd->name.data, name->len) != 0)
            {
                continue;
            }

            found = 1;

            if (module->type != MX_CONF_MODULE
                && module->type != cf->module_type)
            {
                continue;
            }

            if (!(cmd->type & cf->cmd_type)) {
                continue;
            }

            block = cmd->type & (MX_CONF_BLOCK|MX_CONF_RAW_BLOCK);

            if (!block && last != MX_OK) {
                mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                                  "directive \"%s\" is not terminated by \";\"",
                                  name->data);
                return MX_ERROR;
            }

            if (block && last != MX_CONF_BLOCK_START) {
                mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                                  "directive \"%s\" has no opening \"{\"",
                                  name->data);
                return MX_ERROR;
            }

            /* the raw block's body is not counted: it is not a word */

            nargs = cf->args->nelts;

            if (!(cmd->type & MX_CONF_ANY)) {

                if (cmd->type & MX_CONF_FLAG) {

                    if (nargs != 2) {
                        goto invalid;
                    }

                } else if (cmd->type & MX_CONF_1MORE) {

                    if (nargs < 2) {
                        goto invalid;
                    }

                } else if (cmd->type & MX_CONF_2MORE) {

                    if (nargs < 3) {
                        goto invalid;
                    }

                } else if (nargs > MX_CONF_MAX_ARGS) {
                    goto invalid;

                } else if (!(cmd->type & mx_conf_argument_number[nargs - 1])) {
                    goto invalid;
                }
            }

            if (cmd->type & MX_CONF_RAW_BLOCK) {
                if (mx_conf_read_raw_block(cf) != MX_OK) {
                    return MX_ERROR;
                }

                name = cf->args->elts;
            }

            if (cmd->set == NULL) {
                return MX_OK;
            }

            conf = mx_conf_get_conf(cf, module, cmd);

            rv = cmd->set(cf, cmd, conf);

            if (rv == MX_CONF_OK) {
                return MX_OK;
            }

            if (rv == MX_CONF_ERROR) {
                return MX_ERROR;
            }

            /* the handler may have parsed a block over cf->args */
            mx_conf_log_error(MX_LOG_EMERG, cf, 0, "\"%s\" directive %s",
                              cmd->name.data, rv);

            return MX_ERROR;
        }
    }

    if (found) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "\"%s\" directive is not allowed here", name->data);
        return MX_ERROR;
    }

    mx_conf_log_error(MX_LOG_EMERG, cf, 0, "unknown directive \"%s\"",
                      name->data);
    return MX_ERROR;

invalid:

    mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                      "invalid number of arguments in \"%s\" directive",
                      name->data);
    return MX_ERROR;
}


static void *
mx_conf_get_conf(mx_conf_t *cf, mx_module_t *module, mx_command_t *cmd)
{
    void                 **confp;
    mx_core_module_t      *core;
    mx_conf_http_ctx_t    *hctx;

    if (cf->ctx == NULL) {
        return NULL;
    }

    switch (module->type) {

    case MX_CORE_MODULE:
        core = module->ctx;

        /* block modules (http, events) fill their own slot */
        if (core == NULL || core->create_conf == NULL) {
            return &((void **) cf->ctx)[module->index];
        }

        return ((void **) cf->ctx)[module->index];

    case MX_EVENT_MODULE:
        return ((void **) cf->ctx)[module->ctx_index];

    case MX_HTTP_MODULE:
        hctx = cf->ctx;

        switch (cmd->conf) {
        case MX_HTTP_MAIN_CONF_OFFSET:
            confp = hctx->main_conf;
            break;
        case MX_HTTP_SRV_CONF_OFFSET:
            confp = hctx->srv_conf;
            break;
        case MX_HTTP_LOC_CONF_OFFSET:
            confp = hctx->loc_conf;
            break;
        default:
            confp = NULL;
        }

        return confp ? confp[module->ctx_index] : NULL;

    default:
        return NULL;
    }
}


#define mx_conf_space(ch)                                                  \
    ((ch) == ' ' || (ch) == '\t' || (ch) == '\r' || (ch) == '\n')


/*
 * The scanner works a word at a time: blanks and comments are skipped,
 * then a character either ends the statement (";", "{", "}") or starts a
 * word, quoted or bare, which mx_conf_scan_word() reads to its end.
 */

/* longest word content: nginx's 4 KiB read buffer less quote and NUL */
#define MX_CONF_WORD_LIMIT  (MX_CONF_MAX_WORD - 2)


static int
mx_conf_eof_error(mx_conf_t *cf)
{
    if (cf->conf_file->fd == -1) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "unexpected end of parameter, expecting \";\"");
    } else {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "unexpected end of file, expecting \";\" or \"}\"");
    }

    return MX_ERROR;
}


/*
 * Reads one word starting at f->pos (its first character already seen
 * but not consumed). For a quoted word *quote is the quote character.
 * On success the word is pushed and f->pos is left on the character
 * that ended it (for bare words) or just past the closing quote.
 */
static int
mx_conf_scan_word(mx_conf_t *cf, u_char quote)
{
    mx_conf_file_t  *f = cf->conf_file;
    u_char          *start, *p, prev;
    mx_uint_t        line;

    line = f->line;
    p = f->pos + (quote ? 1 : 0);
    start = p;
    prev = '\0';

    for ( ;; ) {
        if ((size_t) (p - start) > MX_CONF_WORD_LIMIT) {
            f->line = line;

            /* nginx blames the quote only when none closes the word */
            if (quote && memchr(p, quote, f->end - p) == NULL) {
                mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                                  "too long parameter, probably missing "
                                  "terminating \"%c\" character", quote);
            } else {
                mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                                  "too long parameter \"%.10s...\" started",
                                  (char *) start);
            }

            return MX_ERROR;
        }

        if (p >= f->end) {
            f->pos = p;
            return mx_conf_eof_error(cf);
        }

        if (*p == '\\') {
            /* the next character belongs to the word whatever it is */
            if (p + 1 < f->end && p[1] == '\n') {
                f->line++;
            }
            p += 2;
            prev = '\\';
            continue;
        }

        if (*p == '\n') {
            f->line++;
        }

        if (quote) {
            if (*p == quote) {
                if (mx_conf_push_word(cf, start, p) != MX_OK) {
                    return MX_ERROR;
                }
                f->pos = p + 1;
                return MX_OK;
            }

        } else if (mx_conf_space(*p) || *p == ';'
                   || (*p == '{' && prev != '$'))
        {
            if (*p == '\n') {
                f->line--;    /* counted again by the caller */
            }

            if (mx_conf_push_word(cf, start, p) != MX_OK) {
                return MX_ERROR;
            }
            f->pos = p;
            return MX_OK;
        }

        prev = *p++;
    }
}


int
mx_conf_read_token(mx_conf_t *cf)
{
    mx_conf_file_t  *f = cf->conf_file;
    u_char           ch;
    int              after_quote;

    cf->args->nelts = 0;
    after_quote = 0;

    for ( ;; ) {
        if (f->pos >= f->end) {
            if (cf->args->nelts) {
                return mx_conf_eof_error(cf);
            }
            return MX_CONF_FILE_DONE;
        }

        ch = *f->pos;

        if (after_quote) {
            after_quote = 0;

            /* a quoted word ends at a blank, ";", "{", or ")" of "if" */
            if (!mx_conf_space(ch) && ch != ';' && ch != '{' && ch != ')') {
                mx_conf_log_error(MX_LOG_EMERG, cf, 0, "unexpected \"%c\"",
                                  ch);
                return MX_ERROR;
            }
        }

        if (mx_conf_space(ch)) {
            if (ch == '\n') {
                f->line++;
            }
            f->pos++;
            continue;
        }

        if (ch == '#') {
            while (f->pos < f->end && *f->pos != '\n') {
                f->pos++;
            }
            continue;
        }

        if (ch == ';' || ch == '{') {
            f->pos++;

            if (cf->args->nelts == 0) {
                mx_conf_log_error(MX_LOG_EMERG, cf, 0, "unexpected \"%c\"",
                                  ch);
                return MX_ERROR;
            }

            return ch == ';' ? MX_OK : MX_CONF_BLOCK_START;
        }

        if (ch == '}') {
            f->pos++;

            if (cf->args->nelts) {
                mx_conf_log_error(MX_LOG_EMERG, cf, 0, "unexpected \"}\"");
                return MX_ERROR;
            }

            return MX_CONF_BLOCK_DONE;
        }

        if (ch == '"' || ch == '\'') {
            if (mx_conf_scan_word(cf, ch) != MX_OK) {
                return MX_ERROR;
            }
            after_quote = 1;
            continue;
        }

        if (mx_conf_scan_word(cf, 0) != MX_OK) {
            return MX_ERROR;
        }
    }
}


/* copies [start, end) into cf->pool, unescaping as nginx does */
static int
mx_conf_push_word(mx_conf_t *cf, u_char *start, u_char *end)
{
    u_char    *src, *dst;
    size_t     len;
    mx_str_t  *word;

    if (cf->args->nelts >= MX_CONF_MAX_NARGS) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "too many parameters (more than %d)",
                          MX_CONF_MAX_NARGS);
        return MX_ERROR;
    }

    word = mx_array_push(cf->args);
    if (word == NULL) {
        return MX_ERROR;
    }

    word->data = mx_pnalloc(cf->pool, end - start + 1);
    if (word->data == NULL) {
        cf->args->nelts--;
        return MX_ERROR;
    }

    for (dst = word->data, src = start, len = 0; src < end; len++) {

        if (*src == '\\' && src + 1 < end) {
            switch (src[1]) {

            case '"':
            case '\'':
            case '\\':
                src++;
                break;

            case 't':
                *dst++ = '\t';
                src += 2;
                continue;

            case 'r':
                *dst++ = '\r';
                src += 2;
                continue;

            case 'n':
                *dst++ = '\n';
                src += 2;
                continue;
            }
        }

        *dst++ = *src++;
    }

    *dst = '\0';
    word->len = len;

    return MX_OK;
}


/*
 * Reads the body of a raw block (Lua code) after its "{" up to the
 * matching "}", skipping braces in Lua strings, long strings and
 * comments, and pushes it as one more argument.
 */
static int
mx_conf_read_raw_block(mx_conf_t *cf)
{
    u_char           ch, q, *p, *end, *start, *next;
    size_t           depth, level;
    mx_str_t        *body;
    mx_uint_t        line;
    mx_conf_file_t  *f;

    f = cf->conf_file;
    p = f->pos;
    end = f->end;
    start = p;
    line = f->line;
    depth = 0;

    while (p < end) {
        ch = *p++;

        switch (ch) {

        case '\n':
            line++;
            break;

        case '{':
            depth++;
            break;

        case '}':
            if (depth) {
                depth--;
                break;
            }

            f->pos = p;
            f->line = line;

            if (cf->args->nelts >= MX_CONF_MAX_NARGS) {
                mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                                  "too many parameters (more than %d)",
                                  MX_CONF_MAX_NARGS);
                return MX_ERROR;
            }

            body = mx_array_push(cf->args);
            if (body == NULL) {
                return MX_ERROR;
            }

            if (mx_str_dup(cf->pool, body, start, p - 1 - start) != MX_OK) {
                cf->args->nelts--;
                return MX_ERROR;
            }

            return MX_OK;

        case '"':
        case '\'':
            /* a short string; Lua ends it (in error) at a bare newline */
            q = ch;

            while (p < end) {
                ch = *p++;

                if (ch == '\\') {
                    if (p < end) {
                        if (*p == '\n') {
                            line++;
                        }
                        p++;
                    }
                    continue;
                }

                if (ch == '\n') {
                    line++;
                    break;
                }

                if (ch == q) {
                    break;
                }
            }

            break;

        case '[':
            next = mx_conf_lua_long_open(p - 1, end, &level);
            if (next) {
                p = mx_conf_lua_long_close(next, end, level, &line);
            }

            break;

        case '-':
            if (p >= end || *p != '-') {
                break;
            }

            p++;

            next = mx_conf_lua_long_open(p, end, &level);
            if (next) {
                p = mx_conf_lua_long_close(next, end, level, &line);
                break;
            }

            while (p < end && *p != '\n') {
                p++;
            }

            break;
        }
    }

    f->pos = end;
    f->line = line;

    mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                      "unexpected end of file, expecting \"}\"");
    return MX_ERROR;
}


/* "[[" or "[==[" at p: returns the byte after it, else NULL */
static u_char *
mx_conf_lua_long_open(u_char *p, u_char *end, size_t *level)
{
    size_t  n;

    if (p >= end || *p != '[') {
        return NULL;
    }

    for (p++, n = 0; p < end && *p == '='; p++, n++) {
        /* void */
    }

    if (p >= end || *p != '[') {
        return NULL;
    }

    *level = n;

    return p + 1;
}


/* returns the byte after the matching "]==]", or end when unterminated */
static u_char *
mx_conf_lua_long_close(u_char *p, u_char *end, size_t level,
    mx_uint_t *line)
{
    u_char  *q;
    size_t   n;

    while (p < end) {
        if (*p == '\n') {
            (*line)++;
        }

        if (*p++ != ']') {
            continue;
        }

        for (q = p, n = 0; q < end && *q == '=' && n < level; q++, n++) {
            /* void */
        }

        if (n == level && q < end && *q == ']') {
            return q + 1;
        }
    }

    return end;
}


char *
mx_conf_include(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    char      *rv;
    size_t     i;
    glob_t     gl;
    mx_str_t  *value, file, name;

    mx_unused(cmd);
    mx_unused(conf);

    value = cf->args->elts;
    file = value[1];

    if (mx_conf_full_name(cf->cycle, &file, 1) != MX_OK) {
        return MX_CONF_ERROR;
    }

    if (strpbrk((char *) file.data, "*?[") == NULL) {
        return mx_conf_parse(cf, &file);
    }

    memset(&gl, 0, sizeof(glob_t));

    /* sorted, as nginx does; a pattern matching nothing is fine */
    switch (glob((char *) file.data, 0, NULL, &gl)) {

    case 0:
    case GLOB_NOMATCH:
        break;

    default:
        mx_conf_log_error(MX_LOG_EMERG, cf, errno, "glob() \"%s\" failed",
                          file.data);
        globfree(&gl);
        return MX_CONF_ERROR;
    }

    rv = MX_CONF_OK;

    for (i = 0; i < gl.gl_pathc; i++) {
        name.len = strlen(gl.gl_pathv[i]);
        name.data = (u_char *) gl.gl_pathv[i];

        rv = mx_conf_parse(cf, &name);

        if (rv != MX_CONF_OK) {
            break;
        }
    }

    globfree(&gl);

    return rv;
}


int
mx_conf_full_name(mx_cycle_t *cycle, mx_str_t *name, int conf_prefix)
{
    u_char    *p;
    size_t     len, slash;
    mx_str_t  *prefix;

    if (name->len && name->data[0] == '/') {
        return MX_OK;
    }

    prefix = conf_prefix ? &cycle->conf_prefix : &cycle->prefix;

    slash = (prefix->len && prefix->data[prefix->len - 1] != '/') ? 1 : 0;

    if (name->len > SIZE_MAX - prefix->len - slash - 1) {
        return MX_ERROR;
    }

    len = prefix->len + slash + name->len;

    p = mx_pnalloc(cycle->pool, len + 1);
    if (p == NULL) {
        return MX_ERROR;
    }

    if (prefix->len) {
        memcpy(p, prefix->data, prefix->len);
    }

    if (slash) {
        p[prefix->len] = '/';
    }

    if (name->len) {
        memcpy(p + prefix->len + slash, name->data, name->len);
    }

    p[len] = '\0';

    name->len = len;
    name->data = p;

    return MX_OK;
}


void
mx_conf_log_error(mx_uint_t level, mx_conf_t *cf, int err,
    const char *fmt, ...)
{
    int        n;
    char       msg[MX_MAX_ERROR_STR];
    size_t     len;
    va_list    args;
    mx_log_t  *log;

    log = cf->log ? cf->log : &mx_log_main;

    if (log->level < level) {
        return;
    }

    va_start(args, fmt);
    n = vsnprintf(msg, sizeof(msg), fmt, args);
    va_end(args);

    len = (n < 0) ? 0 : mx_min((size_t) n, sizeof(msg) - 1);
    msg[len] = '\0';

    if (err) {
        snprintf(msg + len, sizeof(msg) - len, " (%d: %s)", err,
                 strerror(err));
    }

    if (cf->conf_file == NULL) {
        mx_log_error(level, log, 0, "%s", msg);
        return;
    }

    if (cf->conf_file->fd == -1) {
        mx_log_error(level, log, 0, "%s in command line", msg);
        return;
    }

    mx_log_error(level, log, 0, "%s in %.*s:%lu", msg,
                 MX_STR_ARG(cf->conf_file->name),
                 (unsigned long) cf->conf_file->line);
}


char *
mx_conf_set_flag_slot(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_str_t   *value;
    mx_flag_t  *fp;

    fp = (mx_flag_t *) ((char *) conf + cmd->offset);

    if (*fp != MX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (mx_str_eq_ci(&value[1], "on") == MX_OK) {
        *fp = 1;

    } else if (mx_str_eq_ci(&value[1], "off") == MX_OK) {
        *fp = 0;

    } else {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "invalid value \"%s\" in \"%s\" directive, "
                          "it must be \"on\" or \"off\"",
                          value[1].data, cmd->name.data);
        return MX_CONF_ERROR;
    }

    return MX_CONF_OK;
}


char *
mx_conf_set_str_slot(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_str_t  *field, *value;

    field = (mx_str_t *) ((char *) conf + cmd->offset);

    if (field->data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    *field = value[1];

    return MX_CONF_OK;
}


char *
mx_conf_set_num_slot(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_int_t  *np;
    mx_str_t  *value;

    np = (mx_int_t *) ((char *) conf + cmd->offset);

    if (*np != MX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    *np = mx_atoi(value[1].data, value[1].len);
    if (*np == MX_ERROR) {
        return "invalid number";
    }

    return MX_CONF_OK;
}


char *
mx_conf_set_size_slot(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    size_t    *sp;
    ssize_t    size;
    mx_str_t  *value;

    sp = (size_t *) ((char *) conf + cmd->offset);

    if (*sp != MX_CONF_UNSET_SIZE) {
        return "is duplicate";
    }

    value = cf->args->elts;

    size = mx_parse_size(&value[1]);
    if (size == MX_ERROR) {
        return "invalid value";
    }

    *sp = (size_t) size;

    return MX_CONF_OK;
}


char *
mx_conf_set_msec_slot(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_msec_t  *msp, v;
    mx_str_t   *value;

    msp = (mx_msec_t *) ((char *) conf + cmd->offset);

    if (*msp != MX_CONF_UNSET_MSEC) {
        return "is duplicate";
    }

    value = cf->args->elts;

    /* as in nginx, a number without a unit is seconds */
    v = mx_parse_time(&value[1], 1);
    if (v == MX_ERROR) {
        return "invalid value";
    }

    *msp = v;

    return MX_CONF_OK;
}


char *
mx_conf_set_sec_slot(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    size_t      i;
    mx_msec_t  *sp, v;
    mx_str_t   *value;

    sp = (mx_msec_t *) ((char *) conf + cmd->offset);

    if (*sp != MX_CONF_UNSET_MSEC) {
        return "is duplicate";
    }

    value = cf->args->elts;

    /* nginx refuses "ms" where the value is kept in seconds */
    for (i = 0; i + 1 < value[1].len; i++) {
        if (value[1].data[i] == 'm' && value[1].data[i + 1] == 's') {
            return "invalid value";
        }
    }

    v = mx_parse_time(&value[1], 1);
    if (v == MX_ERROR) {
        return "invalid value";
    }

    *sp = v / 1000;

    return MX_CONF_OK;
}


char *
mx_conf_noop_slot(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_flag_t     flag;
    mx_command_t  check;

    /* an ignored flag is still checked, so typos do not go unnoticed */
    if (cmd->type & MX_CONF_FLAG) {
        flag = MX_CONF_UNSET;
        check = *cmd;
        check.offset = 0;
        return mx_conf_set_flag_slot(cf, &check, &flag);
    }

    mx_unused(conf);
    return MX_CONF_OK;
}
