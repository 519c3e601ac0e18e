/*
 * Unit tests of core/lua/mx_lua_ffi_regex.c: compiling (options, error
 * texts), matching (offsets, unset groups, DFA, UTF-8 checks, the match
 * limit), replacement templates and the JIT stack.
 */

#include <check.h>
#include <pcre2.h>

#include "mx_lua_ffi.h"


mx_module_t  *mx_modules[] = { NULL };
mx_uint_t     mx_modules_n = 0;


static u_char  t_err[128];


static mx_ffi_regex_t *
t_compile(const char *pat, int flags, int pcre_opts)
{
    t_err[0] = '\0';

    return mx_ffi_regex_compile((const u_char *) pat, strlen(pat), flags,
                                pcre_opts, t_err, sizeof(t_err));
}


static int
t_exec(mx_ffi_regex_t *re, int flags, const char *s, int pos)
{
    return mx_ffi_regex_exec(re, flags, (const u_char *) s, strlen(s), pos);
}


/* re's template expanded with its last match of subj */
static char *
t_expand(mx_ffi_regex_t *re, const char *subj, int rc)
{
    size_t       len;
    static char  out[256];

    len = mx_ffi_regex_replace_len(re, rc);
    ck_assert_uint_lt(len, sizeof(out));

    mx_ffi_regex_replace_copy(re, (const u_char *) subj, rc, (u_char *) out);
    out[len] = '\0';

    return out;
}


START_TEST(test_compile_errors)
{
    ck_assert_ptr_null(t_compile("(abc", 0, 0));
    ck_assert_str_eq((char *) t_err, "pcre2_compile() failed: missing "
                     "closing parenthesis in \"(abc\"");

    ck_assert_ptr_null(t_compile("a{2,1}", 0, 0));
    ck_assert_str_eq((char *) t_err, "pcre2_compile() failed: numbers out "
                     "of order in {} quantifier in \"a{2,1}\" at \"}\"");

    /* the message is cut to the room given, and NUL-terminated */
    ck_assert_ptr_null(mx_ffi_regex_compile((const u_char *) "(abc", 4, 0, 0,
                                            t_err, 10));
    ck_assert_str_eq((char *) t_err, "pcre2_com");
}
END_TEST


START_TEST(test_captures)
{
    int              rc;
    mx_ffi_regex_t  *re;

    re = t_compile("(h)(x)?(e)(y)?", MX_FFI_REGEX_JIT, 0);
    ck_assert_ptr_nonnull(re);
    ck_assert_int_eq(re->ncaptures, 4);
    ck_assert_int_eq(re->name_count, 0);

    rc = t_exec(re, MX_FFI_REGEX_JIT, "ohello", 0);
    ck_assert_int_eq(rc, 4);                     /* group 3 + 1 */
    ck_assert_int_eq(re->captures[0], 1);
    ck_assert_int_eq(re->captures[1], 3);
    ck_assert_int_eq(re->captures[2], 1);
    ck_assert_int_eq(re->captures[4], -1);       /* (x)? unset */
    ck_assert_int_eq(re->captures[5], -1);
    ck_assert_int_eq(re->captures[6], 2);
    ck_assert_int_eq(re->captures[8], -1);       /* past rc: unset too */
    ck_assert_int_eq(re->captures[9], -1);

    ck_assert_int_eq(t_exec(re, 0, "ohello", 2), PCRE2_ERROR_NOMATCH);
    ck_assert_int_lt(t_exec(re, 0, "ohello", 7), -1);   /* bad offset */

    mx_ffi_regex_destroy(re);
    mx_ffi_regex_destroy(NULL);
}
END_TEST


START_TEST(test_named)
{
    const u_char    *e;
    mx_ffi_regex_t  *re;

    re = t_compile("(?<w>a)(?<w>b)", 0, MX_FFI_PCRE_DUPNAMES);
    ck_assert_ptr_nonnull(re);
    ck_assert_int_eq(re->name_count, 2);

    e = re->name_table;
    ck_assert_int_eq(e[0] << 8 | e[1], 1);
    ck_assert_str_eq((const char *) e + 2, "w");
    e += re->name_entry_size;
    ck_assert_int_eq(e[0] << 8 | e[1], 2);

    mx_ffi_regex_destroy(re);
}
END_TEST


START_TEST(test_options)
{
    mx_ffi_regex_t  *re;

    re = t_compile("^B.C$", 0, MX_FFI_PCRE_CASELESS | MX_FFI_PCRE_MULTILINE
                                | MX_FFI_PCRE_DOTALL);
    ck_assert_int_eq(t_exec(re, 0, "a\nb\nc", 0), 1);
    mx_ffi_regex_destroy(re);

    re = t_compile("b c # comment", 0, MX_FFI_PCRE_EXTENDED);
    ck_assert_int_eq(t_exec(re, 0, "abc", 0), 1);
    mx_ffi_regex_destroy(re);

    re = t_compile("b", 0, MX_FFI_PCRE_ANCHORED);
    ck_assert_int_eq(t_exec(re, 0, "abc", 0), PCRE2_ERROR_NOMATCH);
    ck_assert_int_eq(t_exec(re, 0, "abc", 1), 1);
    mx_ffi_regex_destroy(re);

    re = t_compile("\\u0041[^]", 0, MX_FFI_PCRE_JAVASCRIPT);
    ck_assert_ptr_nonnull(re);
    ck_assert_int_eq(t_exec(re, 0, "AB", 0), 1);
    mx_ffi_regex_destroy(re);

    /* "u" checks the subject, "U" does not */
    re = t_compile("a", 0, MX_FFI_PCRE_UTF8);
    ck_assert_int_lt(t_exec(re, 0, "a\xff", 0), -1);
    ck_assert_int_eq(t_exec(re, MX_FFI_REGEX_NO_UTF8_CHECK, "a\xff", 0), 1);
    mx_ffi_regex_destroy(re);
}
END_TEST


START_TEST(test_dfa)
{
    mx_ffi_regex_t  *re;

    re = t_compile("(a)|(ab)|(abc)", MX_FFI_REGEX_DFA, 0);
    ck_assert_int_eq(re->ncaptures, 0);
    ck_assert_int_eq(t_exec(re, MX_FFI_REGEX_DFA, "xabcd", 0), 1);
    ck_assert_int_eq(re->captures[0], 1);
    ck_assert_int_eq(re->captures[1], 4);
    mx_ffi_regex_destroy(re);
}
END_TEST


START_TEST(test_match_limit)
{
    int              rc;
    mx_ffi_regex_t  *re;

    mx_lua_regex_configure(1024, 1000);

    re = t_compile("(a+)+$", 0, 0);
    rc = t_exec(re, 0, "aaaaaaaaaaaaaaaaaaaab", 0);
    ck_assert_int_eq(rc, PCRE2_ERROR_MATCHLIMIT);
    mx_ffi_regex_destroy(re);

    ck_assert_uint_eq(mx_ffi_regex_max_cache_size(), 1024);
}
END_TEST


START_TEST(test_templates)
{
    int              rc;
    const char      *tpl;
    mx_ffi_regex_t  *re;

    re = t_compile("([a-z])([a-z]+)(x)?", 0, 0);
    rc = t_exec(re, 0, "-hello-", 0);
    ck_assert_int_eq(rc, 3);

    tpl = "[$0|$1|${2}|$3|$4|$$|$10]";
    ck_assert_int_eq(mx_ffi_regex_compile_replace(re, (const u_char *) tpl,
                                                  strlen(tpl)), MX_OK);
    ck_assert_ptr_nonnull(re->replace_tpl);
    ck_assert_str_eq(t_expand(re, "-hello-", rc), "[hello|h|ello|||$|]");
    mx_ffi_regex_destroy(re);

    /* without "$" the template is copied as is */
    re = t_compile("l", 0, 0);
    ck_assert_int_eq(mx_ffi_regex_compile_replace(re,
                         (const u_char *) "xy", 2), MX_OK);
    ck_assert_ptr_null(re->replace_tpl);
    ck_assert_int_eq(re->replace_len, 2);
    ck_assert_int_eq(memcmp(re->replace, "xy", 2), 0);
    mx_ffi_regex_destroy(re);

    re = t_compile("l", 0, 0);
    ck_assert_int_eq(mx_ffi_regex_compile_replace(re, (const u_char *) "", 0),
                     MX_OK);
    ck_assert_int_eq(re->replace_len, 0);
    mx_ffi_regex_destroy(re);
}
END_TEST


START_TEST(test_bad_templates)
{
    size_t           i;
    mx_ffi_regex_t  *re;
    static const char  *bad[] = {
        "$", "x$", "${", "${}", "${1", "${1a}", "$a", "${name}", "$_"
    };

    for (i = 0; i < mx_nelems(bad); i++) {
        re = t_compile("(l)", 0, 0);
        ck_assert_msg(mx_ffi_regex_compile_replace(re,
                          (const u_char *) bad[i], strlen(bad[i]))
                      == MX_ERROR, "template \"%s\"", bad[i]);
        mx_ffi_regex_destroy(re);
    }
}
END_TEST


START_TEST(test_jit_stack)
{
    size_t           n;
    char            *s;
    u_char           err[64];
    mx_ffi_regex_t  *re;

    s = malloc(20001);
    ck_assert_ptr_nonnull(s);
    memset(s, 'a', 20000);
    s[20000] = '\0';

    re = t_compile("(a|b)*", MX_FFI_REGEX_JIT, 0);

    n = sizeof(err);
    ck_assert_int_eq(mx_ffi_regex_set_jit_stack_size(1, err, &n), MX_OK);
    ck_assert_int_eq(t_exec(re, MX_FFI_REGEX_JIT, s, 0),
                     PCRE2_ERROR_JIT_STACKLIMIT);

    n = sizeof(err);
    ck_assert_int_eq(mx_ffi_regex_set_jit_stack_size(4 * 1024 * 1024, err,
                                                     &n), MX_OK);
    ck_assert_int_eq(t_exec(re, MX_FFI_REGEX_JIT, s, 0), 2);
    ck_assert_int_eq(re->captures[1], 20000);

    mx_ffi_regex_destroy(re);
    free(s);
}
END_TEST


static Suite *
t_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("mx_lua_ffi_regex");
    tc = tcase_create("regex");

    tcase_add_test(tc, test_compile_errors);
    tcase_add_test(tc, test_captures);
    tcase_add_test(tc, test_named);
    tcase_add_test(tc, test_options);
    tcase_add_test(tc, test_dfa);
    tcase_add_test(tc, test_match_limit);
    tcase_add_test(tc, test_templates);
    tcase_add_test(tc, test_bad_templates);
    tcase_add_test(tc, test_jit_stack);

    suite_add_tcase(s, tc);
    return s;
}


int
main(void)
{
    SRunner  *sr;
    int       failed;

    /* the bad templates are logged: keep the output to the results */
    mx_log_main.level = MX_LOG_EMERG;

    sr = srunner_create(t_suite());
    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
