#include "mx_lua_module.h"
#include "mx_lua_ffi.h"

#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

/*
 * The string helpers: base64, URI escaping, query args, SQL quoting,
 * digests. Pure functions of their input: no request, usable anywhere.
 */


static const u_char  mx_ffi_base64_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static const u_char  mx_ffi_base64_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";


size_t
mx_ffi_encode_base64(const u_char *src, size_t len, u_char *dst, int flags)
{
    u_char        *d;
    const u_char  *basis;

    basis = (flags & MX_FFI_BASE64_URL) ? mx_ffi_base64_url
                                        : mx_ffi_base64_std;
    d = dst;

    while (len > 2) {
        *d++ = basis[(src[0] >> 2) & 0x3f];
        *d++ = basis[((src[0] & 3) << 4) | (src[1] >> 4)];
        *d++ = basis[((src[1] & 0x0f) << 2) | (src[2] >> 6)];
        *d++ = basis[src[2] & 0x3f];

        src += 3;
        len -= 3;
    }

    if (len) {
        *d++ = basis[(src[0] >> 2) & 0x3f];

        if (len == 1) {
            *d++ = basis[(src[0] & 3) << 4];
            if (!(flags & MX_FFI_BASE64_NO_PADDING)) {
                *d++ = '=';
            }

        } else {
            *d++ = basis[((src[0] & 3) << 4) | (src[1] >> 4)];
            *d++ = basis[(src[1] & 0x0f) << 2];
        }

        if (!(flags & MX_FFI_BASE64_NO_PADDING)) {
            *d++ = '=';
        }
    }

    return d - dst;
}


/* a base64 digit's value by byte, 64 for bytes outside the alphabet */
static u_char  mx_ffi_base64_std_values[256];
static u_char  mx_ffi_base64_url_values[256];


static const u_char *
mx_ffi_base64_values(int url)
{
    int                   i;
    static int            ready;

    if (!ready) {
        memset(mx_ffi_base64_std_values, 64, 256);
        memset(mx_ffi_base64_url_values, 64, 256);

        for (i = 0; i < 64; i++) {
            mx_ffi_base64_std_values[mx_ffi_base64_std[i]] = (u_char) i;
            mx_ffi_base64_url_values[mx_ffi_base64_url[i]] = (u_char) i;
        }

        ready = 1;
    }

    return url ? mx_ffi_base64_url_values : mx_ffi_base64_std_values;
}


int
mx_ffi_decode_base64(const u_char *src, size_t len, u_char *dst,
    size_t *dlen, int flags)
{
    size_t         n;
    u_char        *d;
    const u_char  *v;

    v = mx_ffi_base64_values((flags & MX_FFI_BASE64_URL) != 0);

    /* like nginx: the input ends at the first "=" */
    for (n = 0; n < len; n++) {
        if (src[n] == '=') {
            break;
        }

        if (v[src[n]] == 64) {
            return MX_ERROR;
        }
    }

    if (n % 4 == 1) {
        return MX_ERROR;
    }

    d = dst;

    while (n > 3) {
        *d++ = (u_char) (v[src[0]] << 2 | v[src[1]] >> 4);
        *d++ = (u_char) (v[src[1]] << 4 | v[src[2]] >> 2);
        *d++ = (u_char) (v[src[2]] << 6 | v[src[3]]);

        src += 4;
        n -= 4;
    }

    if (n > 1) {
        *d++ = (u_char) (v[src[0]] << 2 | v[src[1]] >> 4);
    }

    if (n > 2) {
        *d++ = (u_char) (v[src[1]] << 4 | v[src[2]] >> 2);
    }

    *dlen = d - dst;

    return MX_OK;
}


/*
 * The bytes each ngx.escape_uri type escapes, one bit per byte value
 * (bit c & 31 of word c >> 5); read off lua-nginx-module 0.10.23.
 */
static const uint32_t  mx_ffi_escape[7][8] = {
    /* 0 URI: " ", "#", "%", "?", controls, >= 0x7f */
    { 0xffffffff, 0x80000029, 0x00000000, 0x80000000,
      0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff },

    /* 1 ARGS: the same and "+" */
    { 0xffffffff, 0x80000829, 0x00000000, 0x80000000,
      0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff },

    /* 2 URI_COMPONENT: all but ALPHA DIGIT - . _ ~ ! * ' ( ) */
    { 0xffffffff, 0xfc00987d, 0x78000001, 0xb8000001,
      0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff },

    /* 3 HTML: " ", "\"", "#", "%", "'", "?", controls, >= 0x7f */
    { 0xffffffff, 0x000000ad, 0x00000000, 0x80000000,
      0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff },

    /* 4 REFRESH: " ", "\"", "'", controls, >= 0x7f */
    { 0xffffffff, 0x00000085, 0x00000000, 0x80000000,
      0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff },

    /* 5 MEMCACHED: " ", "%", controls */
    { 0xffffffff, 0x00000021, 0x00000000, 0x00000000,
      0x00000000, 0x00000000, 0x00000000, 0x00000000 },

    /* 6 MAIL_AUTH: as MEMCACHED */
    { 0xffffffff, 0x00000021, 0x00000000, 0x00000000,
      0x00000000, 0x00000000, 0x00000000, 0x00000000 },
};


#define mx_ffi_escaped(map, c)  ((map)[(c) >> 5] & (1U << ((c) & 0x1f)))


size_t
mx_ffi_uri_escaped_length(const u_char *src, size_t len, int type)
{
    size_t           i, n;
    const uint32_t  *map;

    if (type < 0 || type >= (int) mx_nelems(mx_ffi_escape)) {
        return len;
    }

    map = mx_ffi_escape[type];
    n = len;

    for (i = 0; i < len; i++) {
        if (mx_ffi_escaped(map, src[i])) {
            n += 2;
        }
    }

    return n;
}


void
mx_ffi_escape_uri(const u_char *src, size_t len, u_char *dst, int type)
{
    size_t           i;
    const uint32_t  *map;
    static const u_char  hex[] = "0123456789ABCDEF";

    if (type < 0 || type >= (int) mx_nelems(mx_ffi_escape)) {
        memcpy(dst, src, len);
        return;
    }

    map = mx_ffi_escape[type];

    for (i = 0; i < len; i++) {
        if (mx_ffi_escaped(map, src[i])) {
            *dst++ = '%';
            *dst++ = hex[src[i] >> 4];
            *dst++ = hex[src[i] & 0xf];

        } else {
            *dst++ = src[i];
        }
    }
}


static int
mx_ffi_hex_value(u_char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


size_t
mx_ffi_unescape_uri(const u_char *src, size_t len, u_char *dst)
{
    int            hi, lo;
    u_char        *d;
    const u_char  *end;

    /* dst may be src: it never gets ahead of the input */
    d = dst;
    end = src + len;

    while (src < end) {
        if (*src == '+') {
            *d++ = ' ';
            src++;
            continue;
        }

        if (*src == '%' && end - src > 2) {
            hi = mx_ffi_hex_value(src[1]);
            lo = mx_ffi_hex_value(src[2]);

            if (hi >= 0 && lo >= 0) {
                *d++ = (u_char) ((hi << 4) | lo);
                src += 3;
                continue;
            }
        }

        /* a "%" without two hex digits stays as it is */
        *d++ = *src++;
    }

    return d - dst;
}


int
mx_ffi_decode_args_count(const u_char *src, size_t len, int max)
{
    size_t  i, n;

    if (len == 0) {
        return 0;
    }

    n = 1;

    for (i = 0; i < len; i++) {
        if (src[i] == '&') {
            n++;
        }
    }

    if (max > 0 && n > (size_t) max) {
        n = (size_t) max;
    }

    return n > INT32_MAX ? INT32_MAX : (int) n;
}


/* one key=value (or bare key) into out; MX_DECLINED for an empty key */
static int
mx_ffi_decode_arg(mx_ffi_table_elt_t *out, u_char *key, size_t key_len,
    u_char *value, size_t value_len, int has_value)
{
    if (key_len == 0) {
        return MX_DECLINED;
    }

    out->key.data = key;
    out->key.len = (int) key_len;

    if (has_value) {
        out->value.data = value;
        out->value.len = (int) value_len;

    } else {
        out->value.data = NULL;
        out->value.len = -1;
    }

    return MX_OK;
}


/*
 * lua-nginx-module's ngx_http_lua_parse_args(): every "&" ends a pair,
 * empty keys included, and counts towards max.
 */
int
mx_ffi_decode_args(const u_char *src, size_t len, u_char *buf,
    mx_ffi_table_elt_t *out, int count, int max, int *truncated)
{
    int      i, pairs, parsing_value;
    size_t   key_len, n;
    u_char  *p, *q, *key, *last;

    *truncated = 0;

    if (len == 0 || count <= 0) {
        return 0;
    }

    memcpy(buf, src, len);

    i = 0;
    pairs = 0;
    parsing_value = 0;
    key = buf;
    key_len = 0;
    last = buf + len;
    p = buf;
    q = buf;

    while (p != last) {
        if (*p == '=' && !parsing_value) {
            key = q;
            key_len = mx_ffi_unescape_uri(q, p - q, q);
            p++;
            q = p;
            parsing_value = 1;
            continue;
        }

        if (*p != '&') {
            p++;
            continue;
        }

        n = mx_ffi_unescape_uri(q, p - q, q);

        if (parsing_value) {
            parsing_value = 0;
            if (mx_ffi_decode_arg(&out[i], key, key_len, q, n, 1) == MX_OK) {
                i++;
            }

        } else if (mx_ffi_decode_arg(&out[i], q, n, NULL, 0, 0) == MX_OK) {
            i++;
        }

        p++;
        q = p;

        if ((max > 0 && ++pairs == max) || i == count) {
            *truncated = (max > 0 && pairs == max);
            return i;
        }
    }

    if (p != q || parsing_value) {
        n = mx_ffi_unescape_uri(q, p - q, q);

        if (parsing_value) {
            if (mx_ffi_decode_arg(&out[i], key, key_len, q, n, 1) == MX_OK) {
                i++;
            }

        } else if (mx_ffi_decode_arg(&out[i], q, n, NULL, 0, 0) == MX_OK) {
            i++;
        }
    }

    return i;
}


/* the bytes quote_sql_str escapes, and what follows the backslash */
static u_char
mx_ffi_sql_escape(u_char c)
{
    switch (c) {
    case '\0':
        return '0';
    case '\b':
        return 'b';
    case '\t':
        return 't';
    case '\n':
        return 'n';
    case '\r':
        return 'r';
    case '\032':
        return 'Z';
    case '"':
    case '\'':
    case '\\':
        return c;
    default:
        return 0;
    }
}


size_t
mx_ffi_sql_quoted_length(const u_char *src, size_t len)
{
    size_t  i, n;

    n = len + 2;

    for (i = 0; i < len; i++) {
        if (mx_ffi_sql_escape(src[i])) {
            n++;
        }
    }

    return n;
}


size_t
mx_ffi_quote_sql_str(const u_char *src, size_t len, u_char *dst)
{
    size_t   i;
    u_char  *d, e;

    d = dst;
    *d++ = '\'';

    for (i = 0; i < len; i++) {
        e = mx_ffi_sql_escape(src[i]);

        if (e) {
            *d++ = '\\';
            *d++ = e;

        } else {
            *d++ = src[i];
        }
    }

    *d++ = '\'';

    return d - dst;
}


/* an algorithm fetched once, with a context kept for it */
typedef struct {
    const char         *name;
    EVP_MD             *md;
    EVP_MD_CTX         *ctx;
} mx_ffi_digest_t;


/*
 * Digests through OpenSSL 3's EVP. The algorithm is fetched and its
 * context made once per process: fetching (or switching a context to
 * another algorithm) on every call costs more than hashing a short
 * string. Both stay until the process exits.
 */
static int
mx_ffi_digest(mx_ffi_digest_t *dg, const u_char *src, size_t len,
    u_char *dst)
{
    if (dg->md == NULL) {
        dg->md = EVP_MD_fetch(NULL, dg->name, NULL);
        if (dg->md == NULL) {
            return MX_ERROR;
        }
    }

    if (dg->ctx == NULL) {
        dg->ctx = EVP_MD_CTX_new();
        if (dg->ctx == NULL) {
            return MX_ERROR;
        }
    }

    if (EVP_DigestInit_ex2(dg->ctx, dg->md, NULL) != 1
        || EVP_DigestUpdate(dg->ctx, src, len) != 1
        || EVP_DigestFinal_ex(dg->ctx, dst, NULL) != 1)
    {
        return MX_ERROR;
    }

    return MX_OK;
}


void
mx_ffi_md5_bin(const u_char *src, size_t len, u_char *dst)
{
    static mx_ffi_digest_t  md5 = { "MD5", NULL, NULL };

    if (mx_ffi_digest(&md5, src, len, dst) != MX_OK) {
        /* the default provider always has MD5; keep the output defined */
        memset(dst, 0, 16);
    }
}


void
mx_ffi_md5(const u_char *src, size_t len, u_char *dst)
{
    int            i;
    u_char         bin[16];
    static const u_char  hex[] = "0123456789abcdef";

    mx_ffi_md5_bin(src, len, bin);

    for (i = 0; i < 16; i++) {
        *dst++ = hex[bin[i] >> 4];
        *dst++ = hex[bin[i] & 0xf];
    }
}


int
mx_ffi_sha1_bin(const u_char *src, size_t len, u_char *dst)
{
    static mx_ffi_digest_t  sha1 = { "SHA1", NULL, NULL };

    return mx_ffi_digest(&sha1, src, len, dst);
}


int
mx_ffi_hmac_sha1(const u_char *key, size_t key_len, const u_char *src,
    size_t len, u_char *dst)
{
    size_t               out_len;
    OSSL_PARAM           params[2];
    static EVP_MAC      *mac;
    static EVP_MAC_CTX  *ctx;
    static char          digest[] = "SHA1";

    if (ctx == NULL) {
        if (mac == NULL) {
            mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
            if (mac == NULL) {
                return MX_ERROR;
            }
        }

        ctx = EVP_MAC_CTX_new(mac);
        if (ctx == NULL) {
            return MX_ERROR;
        }
    }

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 digest, 0);
    params[1] = OSSL_PARAM_construct_end();

    /* an empty key is a valid HMAC key, but OpenSSL wants a pointer */
    if (EVP_MAC_init(ctx, key_len ? key : (const u_char *) "", key_len,
                     params) != 1
        || EVP_MAC_update(ctx, src, len) != 1
        || EVP_MAC_final(ctx, dst, &out_len, 20) != 1
        || out_len != 20)
    {
        return MX_ERROR;
    }

    return MX_OK;
}


uint32_t
mx_ffi_crc32(const u_char *src, size_t len)
{
    size_t           i;
    uint32_t         crc, c;
    int              k;
    static uint32_t  table[256];
    static int       table_ready;

    if (!table_ready) {
        for (i = 0; i < 256; i++) {
            c = (uint32_t) i;

            for (k = 0; k < 8; k++) {
                c = (c & 1) ? 0xedb88320 ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        table_ready = 1;
    }

    crc = 0xffffffff;

    for (i = 0; i < len; i++) {
        crc = table[(crc ^ src[i]) & 0xff] ^ (crc >> 8);
    }

    return crc ^ 0xffffffff;
}
