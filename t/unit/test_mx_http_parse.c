/*
 * Unit tests of core/http/mx_http_parse.c: header lines as nginx reads
 * them, and chunked bodies decoded whole, split at every byte, and
 * broken.
 */

#include <check.h>
#include <string.h>

#include "mx_http.h"


mx_module_t  *mx_modules[] = { NULL };
mx_uint_t     mx_modules_n = 0;


static int
t_line(const char *in, char *name, char *value)
{
    u_char    buf[256], *p, *bad;
    mx_str_t  n, v;
    size_t    len = strlen(in);
    int       rc;

    memcpy(buf, in, len);
    p = buf;
    rc = mx_http_parse_header_line(&p, buf + len, &n, &v, &bad);

    if (rc == MX_OK) {
        memcpy(name, n.data, n.len);
        name[n.len] = '\0';
        memcpy(value, v.data, v.len);
        value[v.len] = '\0';
    }

    return rc;
}


START_TEST(test_header_lines)
{
    char  name[64], value[64];

    ck_assert_int_eq(t_line("Host: example.com\r\n", name, value), MX_OK);
    ck_assert_str_eq(name, "Host");
    ck_assert_str_eq(value, "example.com");

    /* spaces around the value go; a tab at its end stays */
    ck_assert_int_eq(t_line("X-A:   a b  \r\n", name, value), MX_OK);
    ck_assert_str_eq(value, "a b");
    ck_assert_int_eq(t_line("X-A: a\t\n", name, value), MX_OK);
    ck_assert_str_eq(value, "a\t");

    ck_assert_int_eq(t_line("X-Empty:\r\n", name, value), MX_OK);
    ck_assert_str_eq(value, "");

    /* control bytes other than NUL and CR are taken in values */
    ck_assert_int_eq(t_line("X-C: a\001b\n", name, value), MX_OK);
    ck_assert_str_eq(value, "a\001b");

    ck_assert_int_eq(t_line("\r\n", name, value), MX_DONE);
    ck_assert_int_eq(t_line("\n", name, value), MX_DONE);
    ck_assert_int_eq(t_line("Host: no end", name, value), MX_AGAIN);

    ck_assert_int_eq(t_line("No colon\r\n", name, value), MX_ERROR);
    ck_assert_int_eq(t_line(": no name\r\n", name, value), MX_ERROR);
    ck_assert_int_eq(t_line("Bad Name: x\r\n", name, value), MX_ERROR);
    ck_assert_int_eq(t_line(" folded\r\n", name, value), MX_ERROR);
    ck_assert_int_eq(t_line("X: a\rb\r\n", name, value), MX_ERROR);
}
END_TEST


/* decodes in pieces of step bytes; the body, or "ERROR" */
static int
t_chunked(const char *in, size_t step, char *out, size_t *rest)
{
    mx_http_chunked_t  ctx;
    mx_str_t           d;
    u_char             buf[512], *p, *last, *end;
    size_t             len = strlen(in), o = 0;
    int                rc;

    memset(&ctx, 0, sizeof(ctx));
    memcpy(buf, in, len);
    end = buf + len;
    p = buf;

    while (p < end) {
        last = (size_t) (end - p) > step ? p + step : end;

        for ( ;; ) {
            rc = mx_http_parse_chunked(&ctx, &p, last, &d);

            if (rc == MX_OK) {
                memcpy(out + o, d.data, d.len);
                o += d.len;
                continue;
            }

            if (rc == MX_DONE) {
                out[o] = '\0';
                *rest = end - p;
                return MX_DONE;
            }

            if (rc == MX_ERROR) {
                return MX_ERROR;
            }

            break;
        }
    }

    out[o] = '\0';
    return MX_AGAIN;
}


START_TEST(test_chunked)
{
    static const char  *body =
        "5;name=value\r\nhello\r\n"
        "A\r\n, chunked \r\n"
        "6 ; x\r\nworld\n\r\n"
        "0\r\nX-Trailer: yes\r\n\r\nNEXT";
    char    out[512];
    size_t  step, rest;

    /* whole, and cut at every possible place */
    for (step = 1; step <= strlen(body); step++) {
        ck_assert_int_eq(t_chunked(body, step, out, &rest), MX_DONE);
        ck_assert_str_eq(out, "hello, chunked world\n");
        ck_assert_uint_eq(rest, 4);
    }

    ck_assert_int_eq(t_chunked("3\nabc\n0\n\n", 100, out, &rest), MX_DONE);
    ck_assert_str_eq(out, "abc");

    ck_assert_int_eq(t_chunked("3\r\nab", 100, out, &rest), MX_AGAIN);
    ck_assert_str_eq(out, "ab");

    ck_assert_int_eq(t_chunked("zz\r\n", 100, out, &rest), MX_ERROR);
    ck_assert_int_eq(t_chunked("\r\n", 100, out, &rest), MX_ERROR);
    ck_assert_int_eq(t_chunked("3\r\nabcd\r\n", 100, out, &rest), MX_ERROR);
    ck_assert_int_eq(t_chunked("3x\r\n", 100, out, &rest), MX_ERROR);
    ck_assert_int_eq(t_chunked("fffffffffffffffff\r\n", 100, out, &rest),
                     MX_ERROR);
}
END_TEST


int
main(void)
{
    Suite    *s = suite_create("mx_http_parse");
    TCase    *tc = tcase_create("core");
    SRunner  *sr;
    int       failed;

    tcase_add_test(tc, test_header_lines);
    tcase_add_test(tc, test_chunked);
    suite_add_tcase(s, tc);

    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    return failed ? 1 : 0;
}
