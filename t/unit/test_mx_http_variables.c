/*
 * Unit tests of core/http/mx_http_variables.c through its public API:
 * built-in and prefix variables on a hand-made request, complex values,
 * added ("set") variables and the deferred "unknown variable" check.
 */

#include <check.h>

#include "mx_http.h"


/* unit tests do not link core/main: no modules are needed here */
mx_module_t  *mx_modules[] = { NULL };
mx_uint_t     mx_modules_n = 0;

static mx_pool_t                 *t_pool;
static mx_http_core_main_conf_t  *t_cmcf;
static void                      *t_main_conf[8];
static mx_http_conf_ctx_t         t_ctx;
static mx_conf_t                  t_cf;


static void
t_setup(void)
{
    t_pool = mx_pool_create(4096);
    ck_assert_ptr_nonnull(t_pool);

    t_cmcf = mx_pcalloc(t_pool, sizeof(mx_http_core_main_conf_t));
    ck_assert_ptr_nonnull(t_cmcf);

    memset(t_main_conf, 0, sizeof(t_main_conf));
    t_main_conf[mx_http_core_module.ctx_index] = t_cmcf;

    t_ctx.main_conf = t_main_conf;
    t_ctx.srv_conf = NULL;
    t_ctx.loc_conf = NULL;

    memset(&t_cf, 0, sizeof(t_cf));
    t_cf.pool = t_pool;
    t_cf.ctx = &t_ctx;
    t_cf.module_type = MX_HTTP_MODULE;
    t_cf.log = &mx_log_main;

    /* the [emerg] lines the error cases log stay out of the output */
    mx_log_use_stderr = 0;
    mx_log_main.level = 0;
}


static void
t_teardown(void)
{
    mx_pool_destroy(t_pool);
}


static mx_http_request_t *
t_request(const char *uri, const char *args)
{
    mx_http_request_t  *r;

    r = mx_pcalloc(t_pool, sizeof(mx_http_request_t));
    ck_assert_ptr_nonnull(r);

    r->pool = t_pool;
    r->main_conf = t_main_conf;

    ck_assert_int_eq(mx_array_init(&r->headers_in.headers, t_pool, 4,
                                   sizeof(mx_table_elt_t)), MX_OK);
    ck_assert_int_eq(mx_array_init(&r->headers_out.headers, t_pool, 4,
                                   sizeof(mx_table_elt_t)), MX_OK);

    r->uri.data = (u_char *) uri;
    r->uri.len = strlen(uri);

    if (args) {
        r->args.data = (u_char *) args;
        r->args.len = strlen(args);
    }

    r->headers_in.content_length_n = -1;
    r->headers_out.content_length_n = -1;
    r->headers_out.last_modified_time = -1;

    return r;
}


static mx_table_elt_t *
t_header(mx_http_request_t *r, const char *key, const char *value)
{
    mx_table_elt_t  *h;

    h = mx_array_push(&r->headers_in.headers);
    ck_assert_ptr_nonnull(h);

    h->key.data = (u_char *) key;
    h->key.len = strlen(key);
    h->value.data = (u_char *) value;
    h->value.len = strlen(value);
    h->lowcase_key = NULL;
    h->hash = mx_hash_key_lc(h->key.data, h->key.len);

    return h;
}


/* the value of a variable as a C string, or "<none>" when not found */
static const char *
t_var(mx_http_request_t *r, const char *name)
{
    static char  buf[512];
    mx_str_t     v;

    if (mx_http_variable_get(r, (u_char *) name, strlen(name), &v)
        != MX_OK)
    {
        return "<none>";
    }

    ck_assert_uint_lt(v.len, sizeof(buf));
    memcpy(buf, v.data, v.len);
    buf[v.len] = '\0';
    return buf;
}


static const char *
t_cv(mx_http_request_t *r, const mx_http_complex_value_t *cv)
{
    static char  buf[512];
    mx_str_t     v;

    ck_assert_int_eq(mx_http_complex_value(r, cv, &v), MX_OK);
    ck_assert_uint_lt(v.len, sizeof(buf));
    memcpy(buf, v.data, v.len);
    buf[v.len] = '\0';
    return buf;
}


static int
t_compile(mx_http_complex_value_t *cv, const char *raw)
{
    cv->raw.data = (u_char *) raw;
    cv->raw.len = strlen(raw);
    return mx_http_compile_complex_value(&t_cf, cv);
}


START_TEST(test_request_line_vars)
{
    mx_http_request_t  *r;

    r = t_request("/p/a.txt", "x=1");
    mx_str_set(&r->method_name, "GET");
    mx_str_set(&r->unparsed_uri, "/p/a%2Etxt?x=1");

    ck_assert_str_eq(t_var(r, "uri"), "/p/a.txt");
    ck_assert_str_eq(t_var(r, "document_uri"), "/p/a.txt");
    ck_assert_str_eq(t_var(r, "request_uri"), "/p/a%2Etxt?x=1");
    ck_assert_str_eq(t_var(r, "args"), "x=1");
    ck_assert_str_eq(t_var(r, "query_string"), "x=1");
    ck_assert_str_eq(t_var(r, "is_args"), "?");
    ck_assert_str_eq(t_var(r, "request_method"), "GET");
    ck_assert_str_eq(t_var(r, "URI"), "/p/a.txt");
    ck_assert_str_eq(t_var(r, "no_such_thing"), "<none>");

    r = t_request("/", NULL);
    ck_assert_str_eq(t_var(r, "args"), "<none>");
    ck_assert_str_eq(t_var(r, "is_args"), "");
}
END_TEST


START_TEST(test_arg)
{
    mx_http_request_t  *r;

    r = t_request("/", "a=1&bb=2&b=3&flag&C=4&e=");

    ck_assert_str_eq(t_var(r, "arg_a"), "1");
    ck_assert_str_eq(t_var(r, "arg_b"), "3");
    ck_assert_str_eq(t_var(r, "arg_bb"), "2");
    ck_assert_str_eq(t_var(r, "arg_c"), "4");
    ck_assert_str_eq(t_var(r, "arg_e"), "");
    /* "flag" without "=" is not a value, as in nginx */
    ck_assert_str_eq(t_var(r, "arg_flag"), "<none>");
    ck_assert_str_eq(t_var(r, "arg_d"), "<none>");
}
END_TEST


START_TEST(test_http_headers)
{
    mx_http_request_t  *r;
    mx_table_elt_t     *h;

    r = t_request("/", NULL);
    t_header(r, "User-Agent", "ua/1");
    t_header(r, "X-Multi", "one");
    t_header(r, "x-multi", "two");
    t_header(r, "Cookie", "a=1; ab=2");
    t_header(r, "Cookie", "b=3");
    h = t_header(r, "X-Gone", "removed");
    h->hash = 0;

    ck_assert_str_eq(t_var(r, "http_user_agent"), "ua/1");
    ck_assert_str_eq(t_var(r, "HTTP_USER_AGENT"), "ua/1");
    ck_assert_str_eq(t_var(r, "http_x_multi"), "one, two");
    ck_assert_str_eq(t_var(r, "http_cookie"), "a=1; ab=2; b=3");
    ck_assert_str_eq(t_var(r, "http_x_gone"), "<none>");
    ck_assert_str_eq(t_var(r, "http_referer"), "<none>");

    ck_assert_str_eq(t_var(r, "cookie_a"), "1");
    ck_assert_str_eq(t_var(r, "cookie_ab"), "2");
    ck_assert_str_eq(t_var(r, "cookie_b"), "3");
    ck_assert_str_eq(t_var(r, "cookie_c"), "<none>");
}
END_TEST


START_TEST(test_response_vars)
{
    mx_http_request_t  *r;

    r = t_request("/", NULL);
    ck_assert_str_eq(t_var(r, "status"), "000");

    r->headers_out.status = 204;
    ck_assert_str_eq(t_var(r, "status"), "204");

    r->err_status = 404;
    ck_assert_str_eq(t_var(r, "status"), "404");

    r->headers_out.content_length_n = 12;
    r->headers_out.last_modified_time = 0;
    mx_str_set(&r->headers_out.content_type, "text/x");
    ck_assert_str_eq(t_var(r, "sent_http_content_length"), "12");
    ck_assert_str_eq(t_var(r, "sent_http_last_modified"),
                     "Thu, 01 Jan 1970 00:00:00 GMT");
    ck_assert_str_eq(t_var(r, "sent_http_content_type"), "text/x");
    ck_assert_str_eq(t_var(r, "sent_http_x_none"), "<none>");

    r->body_sent = 7;
    r->bytes_sent = 107;
    ck_assert_str_eq(t_var(r, "body_bytes_sent"), "7");
    ck_assert_str_eq(t_var(r, "bytes_sent"), "107");
}
END_TEST


START_TEST(test_remote_user_and_ids)
{
    mx_http_request_t  *r;
    char                id[64];

    r = t_request("/", NULL);
    ck_assert_str_eq(t_var(r, "remote_user"), "<none>");

    /* "user1:password" */
    t_header(r, "Authorization", "Basic dXNlcjE6cGFzc3dvcmQ=");
    ck_assert_str_eq(t_var(r, "remote_user"), "user1");

    r = t_request("/", NULL);
    t_header(r, "Authorization", "Basic !!!");
    ck_assert_str_eq(t_var(r, "remote_user"), "<none>");

    strcpy(id, t_var(r, "request_id"));
    ck_assert_uint_eq(strlen(id), 32);
    ck_assert_str_eq(t_var(r, "request_id"), id);

    r = t_request("/", NULL);
    ck_assert_str_ne(t_var(r, "request_id"), id);
}
END_TEST


START_TEST(test_complex_value)
{
    mx_http_request_t        *r;
    mx_http_complex_value_t   cv;

    r = t_request("/p", "a=1");

    ck_assert_int_eq(t_compile(&cv, "plain text"), MX_OK);
    ck_assert_ptr_null(cv.parts);
    ck_assert_str_eq(t_cv(r, &cv), "plain text");

    ck_assert_int_eq(t_compile(&cv, "x$uri-${arg_a}y$1z$arg_none."), MX_OK);
    ck_assert_ptr_nonnull(cv.parts);
    ck_assert_str_eq(t_cv(r, &cv), "x/p-1yz.");

    ck_assert_int_eq(t_compile(&cv, "$uri"), MX_OK);
    ck_assert_str_eq(t_cv(r, &cv), "/p");

    ck_assert_int_eq(t_compile(&cv, "a$"), MX_ERROR);
    ck_assert_int_eq(t_compile(&cv, "a$-"), MX_ERROR);
    ck_assert_int_eq(t_compile(&cv, "${uri"), MX_ERROR);
    ck_assert_int_eq(t_compile(&cv, "${}"), MX_ERROR);
}
END_TEST


START_TEST(test_unknown_is_deferred)
{
    mx_http_complex_value_t   cv;

    /* referenced before any "set": fine until the end of http {} */
    ck_assert_int_eq(t_compile(&cv, "[$later]"), MX_OK);
    ck_assert_int_eq(mx_http_variables_init_vars(&t_cf), MX_ERROR);
}
END_TEST


START_TEST(test_added_variables)
{
    mx_http_request_t        *r;
    mx_http_complex_value_t   cv;
    mx_http_variable_t       *v;
    mx_str_t                  val;

    ck_assert_int_eq(t_compile(&cv, "[$later][$args]"), MX_OK);

    v = mx_http_add_variable(&t_cf, (u_char *) "Later", 5,
                             MX_HTTP_VAR_CHANGEABLE);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(mx_http_variables_init_vars(&t_cf), MX_OK);

    /* "set $later" twice is fine; built-ins are not changeable but args */
    ck_assert_ptr_eq(mx_http_add_variable(&t_cf, (u_char *) "later", 5,
                                          MX_HTTP_VAR_CHANGEABLE), v);
    ck_assert_ptr_null(mx_http_add_variable(&t_cf, (u_char *) "uri", 3,
                                            MX_HTTP_VAR_CHANGEABLE));
    ck_assert_ptr_nonnull(mx_http_add_variable(&t_cf, (u_char *) "args", 4,
                                               MX_HTTP_VAR_CHANGEABLE));

    r = t_request("/", "q=1");
    ck_assert_str_eq(t_var(r, "later"), "<none>");
    ck_assert_str_eq(t_cv(r, &cv), "[][q=1]");

    mx_str_set(&val, "now");
    ck_assert_int_eq(mx_http_variable_set(r, (u_char *) "LATER", 5, &val),
                     MX_OK);
    mx_str_set(&val, "z=2");
    ck_assert_int_eq(mx_http_variable_set(r, (u_char *) "args", 4, &val),
                     MX_OK);
    ck_assert_int_eq(mx_http_variable_set(r, (u_char *) "uri", 3, &val),
                     MX_DECLINED);
    ck_assert_int_eq(mx_http_variable_set(r, (u_char *) "nope", 4, &val),
                     MX_DECLINED);

    ck_assert_str_eq(t_var(r, "later"), "now");
    ck_assert_str_eq(t_var(r, "arg_z"), "2");
    ck_assert_str_eq(t_cv(r, &cv), "[now][z=2]");
}
END_TEST


START_TEST(test_exists)
{
    ck_assert_int_eq(mx_http_variable_exists((u_char *) "uri", 3), MX_OK);
    ck_assert_int_eq(mx_http_variable_exists((u_char *) "Host", 4), MX_OK);
    ck_assert_int_eq(mx_http_variable_exists((u_char *) "http_x_y", 8),
                     MX_OK);
    ck_assert_int_eq(mx_http_variable_exists((u_char *) "arg_", 4),
                     MX_DECLINED);
    ck_assert_int_eq(mx_http_variable_exists((u_char *) "nope", 4),
                     MX_DECLINED);
}
END_TEST


static Suite *
t_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("mx_http_variables");
    tc = tcase_create("core");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);

    tcase_add_test(tc, test_request_line_vars);
    tcase_add_test(tc, test_arg);
    tcase_add_test(tc, test_http_headers);
    tcase_add_test(tc, test_response_vars);
    tcase_add_test(tc, test_remote_user_and_ids);
    tcase_add_test(tc, test_complex_value);
    tcase_add_test(tc, test_unknown_is_deferred);
    tcase_add_test(tc, test_added_variables);
    tcase_add_test(tc, test_exists);

    suite_add_tcase(s, tc);
    return s;
}


int
main(void)
{
    SRunner  *sr;
    int       failed;

    mx_time_init();

    sr = srunner_create(t_suite());
    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
