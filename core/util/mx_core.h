#ifndef MX_CORE_H
#define MX_CORE_H

/*
 * Basic types and return codes shared by every part of moxy.
 * The codes have nginx's numbers so that lua/ mirrors them without a table.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define MX_OK           0
#define MX_ERROR       -1
#define MX_AGAIN       -2
#define MX_BUSY        -3
#define MX_DONE        -4
#define MX_DECLINED    -5
#define MX_ABORT       -6

#define MX_FFI_BAD_CONTEXT  -100

#define MX_VERSION          "0.1.0"
#define MX_NGINX_VERSION    "1.27.1"
#define MX_NGINX_VERSION_NUM 1027001
#define MX_OPENRESTY_VERSION "1.27.1.2"
#define MX_LUA_VERSION_NUM  10027

#ifndef MX_PREFIX
#define MX_PREFIX  "/usr/local/moxy/"
#endif

/* what "-V" prints and ngx.config.nginx_configure() returns */
#define MX_CONFIGURE                                                      \
    "--prefix=" MX_PREFIX " --with-http_ssl_module --with-http_v2_module " \
    "--with-pcre-jit --without-http_fastcgi_module "                      \
    "--without-http_scgi_module --without-http_uwsgi_module"

typedef unsigned char u_char;
typedef intptr_t      mx_int_t;
typedef uintptr_t     mx_uint_t;
typedef intptr_t      mx_flag_t;
typedef int64_t       mx_msec_t;

#define MX_CONF_UNSET       -1
#define MX_CONF_UNSET_UINT  ((mx_uint_t) -1)
#define MX_CONF_UNSET_SIZE  ((size_t) -1)
#define MX_CONF_UNSET_MSEC  ((mx_msec_t) -1)
#define MX_CONF_UNSET_PTR   ((void *) -1)

typedef struct {
    size_t      len;
    u_char     *data;
} mx_str_t;

#define mx_string(s)        { sizeof(s) - 1, (u_char *) (s) }
#define mx_null_string      { 0, NULL }
#define mx_str_set(str, t)  (str)->len = sizeof(t) - 1; \
                            (str)->data = (u_char *) (t)
#define mx_str_null(str)    (str)->len = 0; (str)->data = NULL

/* for printf-style formats: printf("%.*s", MX_STR_ARG(s)) */
#define MX_STR_ARG(s)       (int) (s).len, (const char *) (s).data

#define mx_min(a, b)        ((a) < (b) ? (a) : (b))
#define mx_max(a, b)        ((a) > (b) ? (a) : (b))
#define mx_nelems(a)        (sizeof(a) / sizeof((a)[0]))
#define mx_align(d, a)      (((d) + ((a) - 1)) & ~((a) - 1))

#define mx_tolower(c)       (u_char) (((c) >= 'A' && (c) <= 'Z') \
                                      ? ((c) | 0x20) : (c))
#define mx_toupper(c)       (u_char) (((c) >= 'a' && (c) <= 'z') \
                                      ? ((c) & ~0x20) : (c))

#define mx_unused(x)        (void) (x)

#endif /* MX_CORE_H */
