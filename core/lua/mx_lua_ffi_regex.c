#include "mx_lua_module.h"
#include "mx_lua_ffi.h"

#include <limits.h>
#include <pcre2.h>

/* ngx.re: PCRE2 compile, match and replacement templates */


#define MX_REGEX_MIN_JIT_STACK    (32 * 1024)
#define MX_REGEX_DFA_WORKSPACE    1000       /* ints, on the C stack */
#define MX_REGEX_MAX_GROUP        65535      /* PCRE2's own limit */


/* one piece of a compiled replacement template */
typedef struct {
    int                 group;      /* capture group, or -1: literal */
    size_t              off;        /* literal: bytes of tpl->src */
    size_t              len;
} mx_regex_tpl_op_t;

typedef struct {
    mx_uint_t           nops;
    const u_char       *src;        /* our copy of the template */
    mx_regex_tpl_op_t   ops[];
} mx_regex_tpl_t;


static mx_log_t *mx_regex_log(void);
static pcre2_match_context *mx_regex_match_context(void);
static void mx_regex_set_match_limit(pcre2_match_context *mctx);
static uint32_t mx_regex_options(int pcre_opts);
static void mx_regex_tpl_add(mx_regex_tpl_t *tpl, int group, size_t off,
    size_t len);


static mx_uint_t             mx_regex_cache_max = 1024;
static mx_uint_t             mx_regex_match_limit;     /* 0: PCRE2's */

/* shared by every regex of the worker: a match only lives until its
 * offsets are copied out, and a worker runs one match at a time */
static pcre2_match_context  *mx_regex_mctx;
static pcre2_match_data     *mx_regex_md;
static uint32_t              mx_regex_md_pairs;
static pcre2_jit_stack      *mx_regex_jit_stack;


void
mx_lua_regex_configure(mx_uint_t cache_max_entries, mx_uint_t match_limit)
{
    mx_regex_cache_max = cache_max_entries;
    mx_regex_match_limit = match_limit;

    if (mx_regex_mctx != NULL) {
        mx_regex_set_match_limit(mx_regex_mctx);
    }
}


uint32_t
mx_ffi_regex_max_cache_size(void)
{
    return (uint32_t) mx_min(mx_regex_cache_max, UINT32_MAX);
}


mx_ffi_regex_t *
mx_ffi_regex_compile(const u_char *pat, size_t pat_len, int flags,
    int pcre_opts, u_char *errstr, size_t errstr_size)
{
    int              errcode, rc;
    size_t           n, size;
    uint32_t         ncaptures, name_count, name_entry_size;
    PCRE2_SIZE       erroff;
    PCRE2_SPTR       name_table;
    pcre2_code      *code;
    const char      *msg;
    mx_ffi_regex_t  *re;
    PCRE2_UCHAR      buf[128];

    code = pcre2_compile(pat, pat_len, mx_regex_options(pcre_opts), &errcode,
                         &erroff, NULL);

    if (code == NULL) {
        pcre2_get_error_message(errcode, buf, sizeof(buf));

        if (erroff >= pat_len) {
            snprintf((char *) errstr, errstr_size,
                     "pcre2_compile() failed: %s in \"%.*s\"", buf,
                     (int) mx_min(pat_len, (size_t) INT_MAX),
                     (const char *) pat);

        } else {
            snprintf((char *) errstr, errstr_size,
                     "pcre2_compile() failed: %s in \"%.*s\" at \"%.*s\"",
                     buf, (int) mx_min(pat_len, (size_t) INT_MAX),
                     (const char *) pat,
                     (int) mx_min(pat_len - erroff, (size_t) INT_MAX),
                     (const char *) pat + erroff);
        }

        return NULL;
    }

    if (flags & MX_FFI_REGEX_JIT) {
        rc = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);

        /* the interpreter still runs it */
        if (rc != 0) {
            mx_log_error(MX_LOG_INFO, mx_regex_log(), 0,
                         "pcre2_jit_compile() failed: %d in \"%.*s\", "
                         "ignored", rc,
                         (int) mx_min(pat_len, (size_t) INT_MAX),
                         (const char *) pat);
        }
    }

    name_count = 0;
    name_entry_size = 0;
    name_table = NULL;

    if (pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &ncaptures) != 0) {
        msg = "cannot acquire the capture count";
        goto failed;
    }

    if (pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &name_count) != 0) {
        msg = "cannot acquire named subpattern count";
        goto failed;
    }

    if (name_count > 0
        && (pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE,
                               &name_entry_size) != 0
            || pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE,
                                  &name_table) != 0))
    {
        msg = "cannot acquire named subpattern table";
        goto failed;
    }

    /* DFA mode reports the whole match only, as lua-nginx-module */
    if (flags & MX_FFI_REGEX_DFA) {
        ncaptures = 0;
    }

    /* ncaptures is at most 65535: no overflow */
    n = 2 * ((size_t) ncaptures + 1);
    size = sizeof(mx_ffi_regex_t) + n * sizeof(int);

    re = malloc(size);
    if (re == NULL) {
        msg = "no memory";
        goto failed;
    }

    re->name_table = name_table;
    re->name_count = (int) name_count;
    re->name_entry_size = (int) name_entry_size;
    re->ncaptures = (int) ncaptures;
    re->captures = (int *) (re + 1);
    re->replace = NULL;
    re->replace_len = 0;
    re->replace_tpl = NULL;
    re->code = code;

    memset(re->captures, 0xff, n * sizeof(int));    /* -1 */

    return re;

failed:

    snprintf((char *) errstr, errstr_size, "%s", msg);
    pcre2_code_free(code);

    return NULL;
}


int
mx_ffi_regex_exec(mx_ffi_regex_t *re, int flags, const u_char *s,
    size_t len, int pos)
{
    int                   rc;
    uint32_t              pairs, i;
    uint32_t              opts;
    PCRE2_SIZE           *ov;
    pcre2_match_context  *mctx;
    int                   ws[MX_REGEX_DFA_WORKSPACE];

    /* the offsets are ints, as in lua-nginx-module */
    if (len > INT_MAX) {
        return PCRE2_ERROR_BADOFFSET;
    }

    pairs = (flags & MX_FFI_REGEX_DFA) ? 1 : (uint32_t) re->ncaptures + 1;

    if (mx_regex_md == NULL || mx_regex_md_pairs < pairs) {
        if (mx_regex_md != NULL) {
            pcre2_match_data_free(mx_regex_md);
        }

        mx_regex_md_pairs = mx_max(pairs, 10);
        mx_regex_md = pcre2_match_data_create(mx_regex_md_pairs, NULL);

        if (mx_regex_md == NULL) {
            mx_regex_md_pairs = 0;
            return PCRE2_ERROR_NOMEMORY;
        }
    }

    mctx = mx_regex_match_context();
    if (mctx == NULL) {
        return PCRE2_ERROR_NOMEMORY;
    }

    opts = (flags & MX_FFI_REGEX_NO_UTF8_CHECK) ? PCRE2_NO_UTF_CHECK : 0;

    if (flags & MX_FFI_REGEX_DFA) {
        /*
         * No match limit in DFA mode, as lua-nginx-module with PCRE1
         * (NULL: PCRE2's defaults); several matches come longest first,
         * and only that one is reported.
         */
        rc = pcre2_dfa_match(re->code, s, len, (PCRE2_SIZE) pos, opts,
                             mx_regex_md, NULL, ws, mx_nelems(ws));
        if (rc >= 0) {
            rc = 1;
        }

    } else {
        rc = pcre2_match(re->code, s, len, (PCRE2_SIZE) pos, opts,
                         mx_regex_md, mctx);
    }

    if (rc <= 0) {
        return rc;
    }

    ov = pcre2_get_ovector_pointer(mx_regex_md);

    /* groups past rc are PCRE2_UNSET too: Lua reads the one at rc */
    for (i = 0; i < 2 * pairs; i++) {
        re->captures[i] = (ov[i] == PCRE2_UNSET) ? -1 : (int) ov[i];
    }

    return rc;
}


void
mx_ffi_regex_destroy(mx_ffi_regex_t *re)
{
    if (re == NULL) {
        return;
    }

    /* replace points into replace_tpl when there is one */
    if (re->replace_tpl != NULL) {
        free(re->replace_tpl);

    } else {
        free((void *) re->replace);
    }

    pcre2_code_free(re->code);
    free(re);
}


int
mx_ffi_regex_compile_replace(mx_ffi_regex_t *re, const u_char *tpl,
    size_t len)
{
    int              digits, bracket;
    u_char           ch, *src;
    size_t           i, start, name_len, nmax, size;
    mx_uint_t        n;
    mx_regex_tpl_t  *t;

    if (len > INT_MAX) {
        return MX_ERROR;
    }

    nmax = 1;
    for (i = 0; i < len; i++) {
        if (tpl[i] == '$') {
            nmax += 2;     /* a reference and the text after it */
        }
    }

    if (nmax == 1) {
        src = malloc(len ? len : 1);
        if (src == NULL) {
            return MX_ERROR;
        }

        memcpy(src, tpl, len);

        re->replace = src;
        re->replace_len = (int) len;

        return MX_OK;
    }

    size = sizeof(mx_regex_tpl_t) + nmax * sizeof(mx_regex_tpl_op_t) + len;

    t = malloc(size);
    if (t == NULL) {
        return MX_ERROR;
    }

    src = (u_char *) &t->ops[nmax];
    memcpy(src, tpl, len);

    t->nops = 0;
    t->src = src;

    for (i = 0; i < len; /* void */ ) {

        if (src[i] != '$') {
            start = i;

            while (i < len && src[i] != '$') {
                i++;
            }

            mx_regex_tpl_add(t, -1, start, i - start);
            continue;
        }

        if (++i == len) {
            goto invalid;
        }

        if (src[i] == '$') {
            mx_regex_tpl_add(t, -1, i, 1);
            i++;
            continue;
        }

        digits = (src[i] >= '0' && src[i] <= '9');
        bracket = 0;

        if (src[i] == '{') {
            bracket = 1;

            if (++i == len) {
                goto invalid;
            }

            digits = (src[i] >= '0' && src[i] <= '9');
        }

        start = i;
        n = 0;

        for (name_len = 0; i < len; i++, name_len++) {
            ch = src[i];

            if (ch == '}' && bracket) {
                i++;
                bracket = 0;
                break;
            }

            if (digits) {
                if (ch >= '0' && ch <= '9') {
                    /* past PCRE2's limit it names no group: empty */
                    n = mx_min(n * 10 + (ch - '0'),
                               (mx_uint_t) MX_REGEX_MAX_GROUP + 1);
                    continue;
                }

                break;
            }

            if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')
                || (ch >= '0' && ch <= '9') || ch == '_')
            {
                continue;
            }

            break;
        }

        if (bracket) {
            mx_log_error(MX_LOG_ERR, mx_regex_log(), 0,
                         "the closing bracket in \"%.*s\" variable is "
                         "missing", (int) name_len,
                         (const char *) src + start);
            goto failed;
        }

        if (name_len == 0) {
            goto invalid;
        }

        if (!digits) {
            mx_log_error(MX_LOG_ERR, mx_regex_log(), 0,
                         "attempt to use named capturing variable \"%.*s\" "
                         "(named captures not supported yet)",
                         (int) name_len, (const char *) src + start);
            goto failed;
        }

        mx_regex_tpl_add(t, (int) n, 0, 0);
    }

    re->replace_tpl = t;
    re->replace = t->src;
    re->replace_len = (int) len;

    return MX_OK;

failed:

    free(t);

    return MX_ERROR;

invalid:

    mx_log_error(MX_LOG_ERR, mx_regex_log(), 0,
                 "lua script: invalid capturing variable name found in "
                 "\"%.*s\"", (int) len, (const char *) src);
    free(t);

    return MX_ERROR;
}


size_t
mx_ffi_regex_replace_len(mx_ffi_regex_t *re, int rc)
{
    int                 g, *cap;
    size_t              len;
    mx_uint_t           i;
    mx_regex_tpl_t     *t;
    mx_regex_tpl_op_t  *op;

    t = re->replace_tpl;
    cap = re->captures;
    len = 0;

    for (i = 0; i < t->nops; i++) {
        op = &t->ops[i];
        g = op->group;

        if (g < 0) {
            len += op->len;

        } else if (g < rc && cap[2 * g] >= 0) {
            len += (size_t) (cap[2 * g + 1] - cap[2 * g]);
        }
    }

    return len;
}


void
mx_ffi_regex_replace_copy(mx_ffi_regex_t *re, const u_char *subj, int rc,
    u_char *dst)
{
    int                 g, *cap;
    size_t              n;
    mx_uint_t           i;
    mx_regex_tpl_t     *t;
    mx_regex_tpl_op_t  *op;

    t = re->replace_tpl;
    cap = re->captures;

    for (i = 0; i < t->nops; i++) {
        op = &t->ops[i];
        g = op->group;

        if (g < 0) {
            memcpy(dst, t->src + op->off, op->len);
            dst += op->len;

        } else if (g < rc && cap[2 * g] >= 0) {
            n = (size_t) (cap[2 * g + 1] - cap[2 * g]);
            memcpy(dst, subj + cap[2 * g], n);
            dst += n;
        }
    }
}


int
mx_ffi_regex_set_jit_stack_size(int size, u_char *errstr,
    size_t *errstr_size)
{
    int                   n;
    pcre2_match_context  *mctx;

    mctx = mx_regex_match_context();
    if (mctx == NULL) {
        n = snprintf((char *) errstr, *errstr_size, "no memory");
        *errstr_size = n < 0 ? 0 : mx_min((size_t) n, *errstr_size);
        return MX_ERROR;
    }

    if (size < MX_REGEX_MIN_JIT_STACK) {
        size = MX_REGEX_MIN_JIT_STACK;
    }

    /* back to PCRE2's own stack until the new one is there */
    pcre2_jit_stack_assign(mctx, NULL, NULL);

    if (mx_regex_jit_stack != NULL) {
        pcre2_jit_stack_free(mx_regex_jit_stack);
    }

    mx_regex_jit_stack = pcre2_jit_stack_create(MX_REGEX_MIN_JIT_STACK,
                                                (PCRE2_SIZE) size, NULL);

    if (mx_regex_jit_stack == NULL) {
        n = snprintf((char *) errstr, *errstr_size,
                     "pcre jit stack allocation failed");
        *errstr_size = n < 0 ? 0 : mx_min((size_t) n, *errstr_size);
        return MX_ERROR;
    }

    pcre2_jit_stack_assign(mctx, NULL, mx_regex_jit_stack);

    return MX_OK;
}


static mx_log_t *
mx_regex_log(void)
{
    if (mx_cycle && mx_cycle->log) {
        return mx_cycle->log;
    }

    return &mx_log_main;
}


static pcre2_match_context *
mx_regex_match_context(void)
{
    if (mx_regex_mctx != NULL) {
        return mx_regex_mctx;
    }

    mx_regex_mctx = pcre2_match_context_create(NULL);
    if (mx_regex_mctx == NULL) {
        return NULL;
    }

    mx_regex_set_match_limit(mx_regex_mctx);

    return mx_regex_mctx;
}


/* lua_regex_match_limit, or PCRE2's default when it is 0 */
static void
mx_regex_set_match_limit(pcre2_match_context *mctx)
{
    uint32_t  limit;

    if (mx_regex_match_limit > 0) {
        limit = (uint32_t) mx_min(mx_regex_match_limit, UINT32_MAX);

    } else if (pcre2_config(PCRE2_CONFIG_MATCHLIMIT, &limit) < 0) {
        return;
    }

    pcre2_set_match_limit(mctx, limit);
}


static uint32_t
mx_regex_options(int pcre_opts)
{
    uint32_t  o;

    o = 0;

    if (pcre_opts & MX_FFI_PCRE_CASELESS) {
        o |= PCRE2_CASELESS;
    }

    if (pcre_opts & MX_FFI_PCRE_MULTILINE) {
        o |= PCRE2_MULTILINE;
    }

    if (pcre_opts & MX_FFI_PCRE_DOTALL) {
        o |= PCRE2_DOTALL;
    }

    if (pcre_opts & MX_FFI_PCRE_EXTENDED) {
        o |= PCRE2_EXTENDED;
    }

    if (pcre_opts & MX_FFI_PCRE_ANCHORED) {
        o |= PCRE2_ANCHORED;
    }

    if (pcre_opts & MX_FFI_PCRE_UTF8) {
        o |= PCRE2_UTF;
    }

    if (pcre_opts & MX_FFI_PCRE_DUPNAMES) {
        o |= PCRE2_DUPNAMES;
    }

    /* PCRE2 split PCRE1's JAVASCRIPT_COMPAT into these */
    if (pcre_opts & MX_FFI_PCRE_JAVASCRIPT) {
        o |= PCRE2_ALT_BSUX | PCRE2_ALLOW_EMPTY_CLASS
             | PCRE2_MATCH_UNSET_BACKREF;
    }

    return o;
}


/* the caller counted the room: two ops per "$" and one more */
static void
mx_regex_tpl_add(mx_regex_tpl_t *tpl, int group, size_t off, size_t len)
{
    mx_regex_tpl_op_t  *op;

    op = &tpl->ops[tpl->nops++];
    op->group = group;
    op->off = off;
    op->len = len;
}
