/*
 * Unit tests of core/http/mx_http_location.c: mx_http_find_location() and
 * mx_http_find_named_location(), against nginx's location matching order:
 *
 *   - "=" exact match wins at once (at any nesting level);
 *   - otherwise the longest prefix ("/x" or "^~ /x") is remembered and its
 *     nested locations are searched (their regexes included);
 *   - unless that longest prefix is "^~", the regexes of the level are then
 *     tried in config order, the first match wins ("~" case-sensitive,
 *     "~*" caseless) and its nested locations are searched;
 *   - a "^~" nested in a plain prefix only stops the regexes of its own
 *     level: the outer levels' regexes are still tried;
 *   - named locations ("@x") never match a URI.
 *
 * Every expectation marked "nginx:" was checked against nginx 1.22 with
 * the same locations in a real config.
 *
 * The structures are built by hand as mx_http_core_module's "location"
 * handler builds them: each location has its own loc_conf array whose
 * slot [mx_http_core_module.ctx_index] points back at the clcf.
 *
 * core/main/ (the real mx_modules[]) is not linked into unit tests.
 */

#include <check.h>
#include <pcre2.h>
#include <string.h>

#include "mx_http.h"


mx_module_t  *mx_modules[] = { NULL };
mx_uint_t     mx_modules_n = 0;


#define T_SLOTS      8
#define T_CTX_INDEX  3       /* a slot other than 0, on purpose */
#define T_MAX_RE     64


static mx_pool_t                *t_pool;
static mx_http_core_loc_conf_t  *t_root;       /* the server's loc conf */
static mx_http_core_srv_conf_t   t_srv;
static pcre2_code               *t_re[T_MAX_RE];
static mx_uint_t                 t_nre;
static mx_uint_t                 t_saved_ctx_index;


static void **
t_loc_conf_array(mx_http_core_loc_conf_t *clcf)
{
    void  **lc;

    lc = mx_pcalloc(t_pool, T_SLOTS * sizeof(void *));
    ck_assert_ptr_nonnull(lc);
    lc[mx_http_core_module.ctx_index] = clcf;

    return lc;
}


/*
 * Adds a location to parent, written as in nginx.conf:
 * "= /x", "^~ /x", "~ re", "~* re", "@name" or "/x".
 */
static mx_http_core_loc_conf_t *
t_loc(mx_http_core_loc_conf_t *parent, const char *spec)
{
    mx_http_core_loc_conf_t  *clcf, **slot;
    const char               *name;
    int                       caseless, errcode;
    PCRE2_SIZE                erroff;

    clcf = mx_pcalloc(t_pool, sizeof(mx_http_core_loc_conf_t));
    ck_assert_ptr_nonnull(clcf);

    caseless = 0;
    name = spec;
    clcf->type = MX_HTTP_LOC_PREFIX;

    if (strncmp(spec, "= ", 2) == 0) {
        clcf->type = MX_HTTP_LOC_EXACT;
        clcf->exact_match = 1;
        name = spec + 2;

    } else if (strncmp(spec, "^~ ", 3) == 0) {
        clcf->type = MX_HTTP_LOC_NOREGEX;
        clcf->noregex = 1;
        name = spec + 3;

    } else if (strncmp(spec, "~* ", 3) == 0) {
        clcf->type = MX_HTTP_LOC_REGEX_CASELESS;
        caseless = 1;
        name = spec + 3;

    } else if (strncmp(spec, "~ ", 2) == 0) {
        clcf->type = MX_HTTP_LOC_REGEX;
        name = spec + 2;

    } else if (spec[0] == '@') {
        clcf->type = MX_HTTP_LOC_NAMED;
        clcf->named = 1;
    }

    clcf->name.data = (u_char *) name;
    clcf->name.len = strlen(name);

    if (clcf->type == MX_HTTP_LOC_REGEX
        || clcf->type == MX_HTTP_LOC_REGEX_CASELESS)
    {
        ck_assert_uint_lt(t_nre, T_MAX_RE);
        t_re[t_nre] = pcre2_compile((PCRE2_SPTR) name, clcf->name.len,
                                    caseless ? PCRE2_CASELESS : 0,
                                    &errcode, &erroff, NULL);
        ck_assert_msg(t_re[t_nre] != NULL, "regex \"%s\" compiles", name);
        clcf->regex = mx_pcalloc(t_pool, sizeof(mx_http_regex_t));
        ck_assert_ptr_nonnull(clcf->regex);
        clcf->regex->code = t_re[t_nre++];
    }

    clcf->loc_conf = t_loc_conf_array(clcf);
    clcf->parent = parent;

    if (parent->locations == NULL) {
        parent->locations = mx_array_create(t_pool, 2,
                                        sizeof(mx_http_core_loc_conf_t *));
        ck_assert_ptr_nonnull(parent->locations);
    }

    slot = mx_array_push(parent->locations);
    ck_assert_ptr_nonnull(slot);
    *slot = clcf;

    return clcf;
}


static const char *
t_name(mx_http_core_loc_conf_t *clcf)
{
    static char  buf[256];

    if (clcf == NULL) {
        return "(null)";
    }

    if (clcf == t_root) {
        return "(server level)";
    }

    snprintf(buf, sizeof(buf), "%s\"%.*s\"",
             clcf->type == MX_HTTP_LOC_EXACT ? "= "
             : clcf->type == MX_HTTP_LOC_NOREGEX ? "^~ "
             : clcf->type == MX_HTTP_LOC_REGEX ? "~ "
             : clcf->type == MX_HTTP_LOC_REGEX_CASELESS ? "~* " : "",
             (int) clcf->name.len, clcf->name.data);

    return buf;
}


/* runs mx_http_find_location() for uri[0..len) and returns the clcf */
static mx_http_core_loc_conf_t *
t_find_n(const char *uri, size_t len)
{
    mx_http_request_t         r;
    mx_http_core_loc_conf_t  *clcf;
    int                       rc;

    memset(&r, 0, sizeof(r));
    r.pool = t_pool;
    r.srv = &t_srv;
    r.uri.data = (u_char *) uri;
    r.uri.len = len;
    r.loc_conf = NULL;

    rc = mx_http_find_location(&r);
    ck_assert_msg(rc == MX_OK, "find \"%.*s\": rc %d, expected MX_OK",
                  (int) len, uri, rc);
    ck_assert_msg(r.loc_conf != NULL, "find \"%.*s\": loc_conf is set",
                  (int) len, uri);

    clcf = r.loc_conf[mx_http_core_module.ctx_index];
    ck_assert_msg(clcf != NULL, "find \"%.*s\": loc_conf[ctx_index] is set",
                  (int) len, uri);
    ck_assert_msg(clcf->loc_conf == r.loc_conf,
                  "find \"%.*s\": r->loc_conf is the found location's own "
                  "loc_conf array", (int) len, uri);

    return clcf;
}


static mx_http_core_loc_conf_t *
t_find(const char *uri)
{
    return t_find_n(uri, strlen(uri));
}


#define T_EXPECT(uri, want)                                                \
    do {                                                                   \
        mx_http_core_loc_conf_t  *got_ = t_find(uri);                      \
        mx_http_core_loc_conf_t  *want_ = (want);                          \
        char  gn_[256];                                                    \
        snprintf(gn_, sizeof(gn_), "%s", t_name(got_));                    \
        ck_assert_msg(got_ == want_, "URI \"%s\": got %s, expected %s",    \
                      (uri), gn_, t_name(want_));                          \
    } while (0)


static mx_http_core_loc_conf_t *
t_named(const char *name)
{
    mx_http_request_t  r;
    mx_str_t           s;

    memset(&r, 0, sizeof(r));
    r.pool = t_pool;
    r.srv = &t_srv;

    s.data = (u_char *) name;
    s.len = strlen(name);

    return mx_http_find_named_location(&r, &s);
}


static void
setup(void)
{
    t_saved_ctx_index = mx_http_core_module.ctx_index;
    mx_http_core_module.ctx_index = T_CTX_INDEX;

    t_pool = mx_pool_create(4096);
    ck_assert_ptr_nonnull(t_pool);

    t_nre = 0;

    t_root = mx_pcalloc(t_pool, sizeof(mx_http_core_loc_conf_t));
    ck_assert_ptr_nonnull(t_root);
    t_root->type = MX_HTTP_LOC_PREFIX;
    t_root->loc_conf = t_loc_conf_array(t_root);

    memset(&t_srv, 0, sizeof(t_srv));
    t_srv.root_locations = t_root;
    t_srv.ctx_loc_conf = t_root->loc_conf;
}


static void
teardown(void)
{
    mx_uint_t  i;

    for (i = 0; i < t_nre; i++) {
        pcre2_code_free(t_re[i]);
    }

    t_nre = 0;
    mx_pool_destroy(t_pool);
    t_pool = NULL;

    mx_http_core_module.ctx_index = t_saved_ctx_index;
}


/* ------------------------------------------------------------ tests */

START_TEST(test_no_locations)
{
    T_EXPECT("/", t_root);
    T_EXPECT("/anything/at/all", t_root);
    ck_assert_ptr_null(t_named("@x"));
}
END_TEST


START_TEST(test_no_match_stays_at_server_level)
{
    t_loc(t_root, "/a/");
    t_loc(t_root, "= /b");
    t_loc(t_root, "~ \\.php$");

    T_EXPECT("/", t_root);
    T_EXPECT("/a", t_root);        /* shorter than the prefix "/a/" */
    T_EXPECT("/b/", t_root);       /* "= /b" is exact only */
    T_EXPECT("/c.phpx", t_root);
}
END_TEST


START_TEST(test_exact)
{
    mx_http_core_loc_conf_t  *ex, *pre;

    ex = t_loc(t_root, "= /");
    pre = t_loc(t_root, "/");

    T_EXPECT("/", ex);
    T_EXPECT("/x", pre);
    T_EXPECT("/index.html", pre);
}
END_TEST


START_TEST(test_exact_and_prefix_same_name)
{
    mx_http_core_loc_conf_t  *ex, *pre;

    /* nginx: "= /x" and "/x" may both exist; order does not matter */
    pre = t_loc(t_root, "/x");
    ex = t_loc(t_root, "= /x");

    T_EXPECT("/x", ex);
    T_EXPECT("/xy", pre);
    T_EXPECT("/x/", pre);
}
END_TEST


START_TEST(test_exact_is_case_sensitive)
{
    mx_http_core_loc_conf_t  *ex;

    ex = t_loc(t_root, "= /Abc");

    T_EXPECT("/Abc", ex);
    T_EXPECT("/abc", t_root);
    T_EXPECT("/ABC", t_root);
}
END_TEST


START_TEST(test_longest_prefix)
{
    mx_http_core_loc_conf_t  *a, *abc, *ab, *slash;

    /* not in length order on purpose */
    a = t_loc(t_root, "/a");
    abc = t_loc(t_root, "/a/b/c");
    slash = t_loc(t_root, "/");
    ab = t_loc(t_root, "/a/b");

    T_EXPECT("/a/b/c/d", abc);
    T_EXPECT("/a/b/c", abc);
    T_EXPECT("/a/b/cd", abc);
    T_EXPECT("/a/bx", ab);
    T_EXPECT("/a/b", ab);
    T_EXPECT("/a/", a);
    T_EXPECT("/ax", a);
    T_EXPECT("/b", slash);
    T_EXPECT("/", slash);
}
END_TEST


START_TEST(test_prefix_is_case_sensitive)
{
    mx_http_core_loc_conf_t  *a;

    a = t_loc(t_root, "/a/");

    T_EXPECT("/a/x", a);
    T_EXPECT("/A/x", t_root);
}
END_TEST


START_TEST(test_uri_length_is_respected)
{
    mx_http_core_loc_conf_t  *longer, *re;

    /* the URI is not NUL-terminated: bytes after uri.len are not part of it */
    longer = t_loc(t_root, "/a.phpX");
    re = t_loc(t_root, "~ \\.php$");

    ck_assert_ptr_eq(t_find_n("/a.phpXYZ", 6), re);
    ck_assert_ptr_eq(t_find_n("/a.phpXYZ", 7), longer);
    ck_assert_ptr_eq(t_find_n("/a.phpXYZ", 5), t_root);
}
END_TEST


START_TEST(test_exact_beats_regex)
{
    mx_http_core_loc_conf_t  *ex, *re;

    re = t_loc(t_root, "~ \\.php$");
    ex = t_loc(t_root, "= /a.php");

    T_EXPECT("/a.php", ex);
    T_EXPECT("/b.php", re);
}
END_TEST


START_TEST(test_regex_beats_prefix)
{
    mx_http_core_loc_conf_t  *img, *jpg, *slash;

    slash = t_loc(t_root, "/");
    img = t_loc(t_root, "/img/");
    jpg = t_loc(t_root, "~ \\.jpg$");

    T_EXPECT("/img/x.jpg", jpg);
    T_EXPECT("/x.jpg", jpg);
    T_EXPECT("/img/x.png", img);
    T_EXPECT("/x.png", slash);
}
END_TEST


START_TEST(test_regex_first_match_in_order)
{
    mx_http_core_loc_conf_t  *m1, *m2, *b1, *b2;

    /* nginx: the first regex in config order wins, not the longest */
    m1 = t_loc(t_root, "~ /m");
    m2 = t_loc(t_root, "~ /m/b");
    b1 = t_loc(t_root, "~ /n/b");
    b2 = t_loc(t_root, "~ /n");

    T_EXPECT("/m/b", m1);
    T_EXPECT("/m/x", m1);
    T_EXPECT("/n/b", b1);
    T_EXPECT("/n/x", b2);
    ck_assert_ptr_ne(m2, NULL);
}
END_TEST


START_TEST(test_regex_anchoring)
{
    mx_http_core_loc_conf_t  *any, *anch;

    anch = t_loc(t_root, "~ ^/foo$");
    any = t_loc(t_root, "~ bar");

    T_EXPECT("/foo", anch);
    T_EXPECT("/foo/", t_root);
    T_EXPECT("/xfoo", t_root);
    T_EXPECT("/xbarx", any);      /* unanchored: matches anywhere */
}
END_TEST


START_TEST(test_regex_caseless)
{
    mx_http_core_loc_conf_t  *gif, *png;

    gif = t_loc(t_root, "~* \\.GIF$");
    png = t_loc(t_root, "~ \\.PNG$");

    T_EXPECT("/z.gif", gif);
    T_EXPECT("/z.Gif", gif);
    T_EXPECT("/z.GIF", gif);
    T_EXPECT("/z.PNG", png);
    T_EXPECT("/z.png", t_root);   /* nginx: 404, "~" is case-sensitive */
}
END_TEST


START_TEST(test_noregex)
{
    mx_http_core_loc_conf_t  *st, *jpg;

    st = t_loc(t_root, "^~ /static/");
    jpg = t_loc(t_root, "~ \\.jpg$");

    T_EXPECT("/static/x.jpg", st);
    T_EXPECT("/static/", st);
    T_EXPECT("/other/x.jpg", jpg);
    T_EXPECT("/static", t_root);
}
END_TEST


START_TEST(test_noregex_only_when_longest)
{
    mx_http_core_loc_conf_t  *s, *slong, *jpg;

    /* "^~ /s/" is shorter than the plain "/s/long/": regexes apply there */
    s = t_loc(t_root, "^~ /s/");
    slong = t_loc(t_root, "/s/long/");
    jpg = t_loc(t_root, "~ \\.jpg$");

    T_EXPECT("/s/long/x.jpg", jpg);
    T_EXPECT("/s/long/x", slong);
    T_EXPECT("/s/x.jpg", s);
}
END_TEST


START_TEST(test_noregex_longer_than_plain)
{
    mx_http_core_loc_conf_t  *s, *slong, *jpg;

    /* nginx: /s/long/x.jpg -> "^~ /s/long/", /s/x.jpg -> the regex */
    s = t_loc(t_root, "/s/");
    slong = t_loc(t_root, "^~ /s/long/");
    jpg = t_loc(t_root, "~ \\.jpg$");

    T_EXPECT("/s/long/x.jpg", slong);
    T_EXPECT("/s/x.jpg", jpg);
    T_EXPECT("/s/x", s);
}
END_TEST


START_TEST(test_nested)
{
    mx_http_core_loc_conf_t  *a, *ab, *aphp, *aex, *php, *jpg;

    /*
     * location /a/ {
     *     location /a/b/   { }
     *     location ~ \.php$ { }
     *     location = /a/e  { }
     * }
     * location ~ \.php$ { }
     * location ~ \.jpg$ { }
     */
    a = t_loc(t_root, "/a/");
    ab = t_loc(a, "/a/b/");
    aphp = t_loc(a, "~ \\.php$");
    aex = t_loc(a, "= /a/e");
    php = t_loc(t_root, "~ \\.php$");
    jpg = t_loc(t_root, "~ \\.jpg$");

    /* nginx: */
    T_EXPECT("/a/b/x.php", aphp);  /* the nested regex before the outer */
    T_EXPECT("/a/x.php", aphp);
    T_EXPECT("/a/e", aex);
    T_EXPECT("/a/e.php", aphp);
    T_EXPECT("/a/b/z", ab);
    T_EXPECT("/a/b/x.jpg", jpg);   /* no nested match: the outer regex */
    T_EXPECT("/a/z", a);
    T_EXPECT("/z.php", php);
}
END_TEST


START_TEST(test_nested_in_noregex)
{
    mx_http_core_loc_conf_t  *s, *st, *sphp, *jpg, *php;

    /*
     * location ^~ /s/ {
     *     location /s/t/    { }
     *     location ~ \.php$ { }    # nested regexes of a ^~ are tried
     * }
     */
    s = t_loc(t_root, "^~ /s/");
    st = t_loc(s, "/s/t/");
    sphp = t_loc(s, "~ \\.php$");
    jpg = t_loc(t_root, "~ \\.jpg$");
    php = t_loc(t_root, "~ \\.php$");

    /* nginx: */
    T_EXPECT("/s/t/x.jpg", st);
    T_EXPECT("/s/t/x.php", sphp);
    T_EXPECT("/s/x.php", sphp);
    T_EXPECT("/s/x.jpg", s);
    T_EXPECT("/x.jpg", jpg);
    T_EXPECT("/x.php", php);
}
END_TEST


START_TEST(test_nested_noregex_stops_its_own_level_only)
{
    mx_http_core_loc_conf_t  *p, *pq, *pgif, *jpg;

    /*
     * location /p/ {
     *     location ^~ /p/q/ { }
     *     location ~ \.gif$ { }
     * }
     * location ~ \.jpg$ { }
     *
     * nginx (ngx_http_core_find_location): the "^~" of /p/q/ only turns
     * off the regexes of /p/'s level; the server level's regexes are
     * still tried because /p/ itself is a plain prefix.
     */
    p = t_loc(t_root, "/p/");
    pq = t_loc(p, "^~ /p/q/");
    pgif = t_loc(p, "~ \\.gif$");
    jpg = t_loc(t_root, "~ \\.jpg$");

    /* nginx: */
    T_EXPECT("/p/q/x.jpg", jpg);
    T_EXPECT("/p/q/x.gif", pq);
    T_EXPECT("/p/q/x", pq);
    T_EXPECT("/p/x.gif", pgif);
    T_EXPECT("/p/x.jpg", jpg);
    T_EXPECT("/p/x", p);
}
END_TEST


START_TEST(test_nested_in_regex)
{
    mx_http_core_loc_conf_t  *r, *rtxt;

    /* location ~ ^/r { location ~ \.txt$ { } } */
    r = t_loc(t_root, "~ ^/r");
    rtxt = t_loc(r, "~ \\.txt$");

    /* nginx: */
    T_EXPECT("/r/x.txt", rtxt);
    T_EXPECT("/r/x", r);
    T_EXPECT("/x.txt", t_root);
}
END_TEST


START_TEST(test_three_levels)
{
    mx_http_core_loc_conf_t  *a, *ab, *abc, *abcd, *re;

    a = t_loc(t_root, "/a/");
    ab = t_loc(a, "/a/b/");
    abc = t_loc(ab, "/a/b/c/");
    abcd = t_loc(abc, "= /a/b/c/d");
    re = t_loc(ab, "~ /x$");

    T_EXPECT("/a/b/c/d", abcd);
    T_EXPECT("/a/b/c/dd", abc);
    T_EXPECT("/a/b/c/x", re);      /* the regex of a level above abc */
    T_EXPECT("/a/b/y", ab);
    T_EXPECT("/a/y", a);
}
END_TEST


START_TEST(test_exact_nested_wins_over_outer_regex)
{
    mx_http_core_loc_conf_t  *a, *aex, *re;

    a = t_loc(t_root, "/a/");
    aex = t_loc(a, "= /a/x.php");
    re = t_loc(t_root, "~ \\.php$");

    T_EXPECT("/a/x.php", aex);
    T_EXPECT("/a/y.php", re);
    T_EXPECT("/a/y", a);
}
END_TEST


START_TEST(test_named_never_matches_a_uri)
{
    mx_http_core_loc_conf_t  *slash;

    t_loc(t_root, "@named");
    T_EXPECT("@named", t_root);
    T_EXPECT("@", t_root);

    slash = t_loc(t_root, "/");
    T_EXPECT("@named", t_root);
    T_EXPECT("/@named", slash);
}
END_TEST


START_TEST(test_find_named)
{
    mx_http_core_loc_conf_t  *a, *b, *x;

    x = t_loc(t_root, "/x");
    a = t_loc(t_root, "@a");
    t_loc(x, "/x/y");
    b = t_loc(t_root, "@b");
    t_loc(t_root, "~ @c");

    ck_assert_ptr_eq(t_named("@a"), a);
    ck_assert_ptr_eq(t_named("@b"), b);
    ck_assert_ptr_null(t_named("@c"));    /* a regex, not a name */
    ck_assert_ptr_null(t_named("@"));
    ck_assert_ptr_null(t_named("@bb"));
    ck_assert_ptr_null(t_named("@B"));    /* case-sensitive (strcmp) */
    ck_assert_ptr_null(t_named("/x"));    /* not named */
    ck_assert_ptr_null(t_named("/x/y"));
    ck_assert_ptr_null(t_named(""));
}
END_TEST


START_TEST(test_find_named_without_named_locations)
{
    t_loc(t_root, "/");
    ck_assert_ptr_null(t_named("@a"));
}
END_TEST


START_TEST(test_loc_conf_slot)
{
    mx_http_core_loc_conf_t  *a;
    mx_http_request_t         r;

    a = t_loc(t_root, "/a");

    memset(&r, 0, sizeof(r));
    r.pool = t_pool;
    r.srv = &t_srv;
    r.uri.data = (u_char *) "/a/b";
    r.uri.len = 4;

    ck_assert_int_eq(mx_http_find_location(&r), MX_OK);
    ck_assert_ptr_eq(r.loc_conf, a->loc_conf);
    ck_assert_ptr_eq(r.loc_conf[T_CTX_INDEX], a);

    /* a second lookup on the same request after a URI change */
    r.uri.data = (u_char *) "/b";
    r.uri.len = 2;
    ck_assert_int_eq(mx_http_find_location(&r), MX_OK);
    ck_assert_ptr_eq(r.loc_conf, t_root->loc_conf);
}
END_TEST


static Suite *
location_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("mx_http_location");
    tc = tcase_create("find");

    tcase_add_checked_fixture(tc, setup, teardown);

    tcase_add_test(tc, test_no_locations);
    tcase_add_test(tc, test_no_match_stays_at_server_level);
    tcase_add_test(tc, test_exact);
    tcase_add_test(tc, test_exact_and_prefix_same_name);
    tcase_add_test(tc, test_exact_is_case_sensitive);
    tcase_add_test(tc, test_longest_prefix);
    tcase_add_test(tc, test_prefix_is_case_sensitive);
    tcase_add_test(tc, test_uri_length_is_respected);
    tcase_add_test(tc, test_exact_beats_regex);
    tcase_add_test(tc, test_regex_beats_prefix);
    tcase_add_test(tc, test_regex_first_match_in_order);
    tcase_add_test(tc, test_regex_anchoring);
    tcase_add_test(tc, test_regex_caseless);
    tcase_add_test(tc, test_noregex);
    tcase_add_test(tc, test_noregex_only_when_longest);
    tcase_add_test(tc, test_noregex_longer_than_plain);
    tcase_add_test(tc, test_nested);
    tcase_add_test(tc, test_nested_in_noregex);
    tcase_add_test(tc, test_nested_noregex_stops_its_own_level_only);
    tcase_add_test(tc, test_nested_in_regex);
    tcase_add_test(tc, test_three_levels);
    tcase_add_test(tc, test_exact_nested_wins_over_outer_regex);
    tcase_add_test(tc, test_named_never_matches_a_uri);
    tcase_add_test(tc, test_find_named);
    tcase_add_test(tc, test_find_named_without_named_locations);
    tcase_add_test(tc, test_loc_conf_slot);

    suite_add_tcase(s, tc);

    return s;
}


int
main(void)
{
    int       failed;
    SRunner  *sr;

    sr = srunner_create(location_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
