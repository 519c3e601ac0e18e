#ifndef MX_STRING_H
#define MX_STRING_H

#include "mx_core.h"
#include "mx_pool.h"

/* value parsers for config arguments; MX_ERROR on a malformed value */

/* a decimal integer >= 0 */
mx_int_t mx_atoi(const u_char *s, size_t n);

/* "1024", "8k", "30M", "1g": bytes */
ssize_t mx_parse_size(const mx_str_t *s);

/* "68000ms", "60s", "60", "5m", "1h", "1d": milliseconds ("60" = seconds) */
mx_msec_t mx_parse_time(const mx_str_t *s, int seconds_default);

int mx_strcasecmp_n(const u_char *a, const u_char *b, size_t n);

/* MX_OK when s equals the C string lit, ignoring case */
int mx_str_eq_ci(const mx_str_t *s, const char *lit);

/* MX_OK when s equals the C string lit */
int mx_str_eq(const mx_str_t *s, const char *lit);

/* lowercases src into dst (which may equal src) */
void mx_strlow(u_char *dst, const u_char *src, size_t n);

/* pool copy of a mx_str_t, NUL-terminated; MX_ERROR on failure */
int mx_str_dup(mx_pool_t *pool, mx_str_t *dst, const u_char *src, size_t n);

/* pool copy of a C string; MX_OK or MX_ERROR */
int mx_str_dup_raw(mx_pool_t *pool, mx_str_t *dst, const char *src);

/* decimal digits of v into buf (needs 21 bytes); returns the end */
u_char *mx_sprint_uint(u_char *buf, uint64_t v);

/* copies n bytes to dst; returns the end */
#define mx_cpymem(dst, src, n)  (((u_char *) memcpy(dst, src, n)) + (n))

/* v in lower-case hex, without leading zeros; returns the end */
u_char *mx_sprint_hex(u_char *buf, uint64_t v);

#endif /* MX_STRING_H */
