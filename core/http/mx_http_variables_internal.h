#ifndef MX_HTTP_VARIABLES_INTERNAL_H
#define MX_HTTP_VARIABLES_INTERNAL_H

#include "mx_http.h"

/*
 * Shared by the variables engine (mx_http_variables.c) and the built-in
 * variables (mx_http_variables_builtin.c) and by nothing else: modules
 * reach variables through mx_http.h only.
 */

/* a row of the built-in tables, static for the life of the process */
typedef struct {
    mx_str_t                      name;  /* lowercase; a prefix ends in '_' */
    mx_http_variable_handler_pt   get;
    mx_http_variable_set_pt       set;   /* NULL: "set" may not assign it */
    uintptr_t                     data;  /* passed to get/set as is */
} mx_http_builtin_var_t;

/* per-request state, in r->variables */
typedef struct {
    mx_uint_t      nvalues;
    mx_str_t      *values;       /* by index; data == NULL: not assigned */
    mx_str_t       request_id;   /* $request_id, made once per request */
} mx_http_var_ctx_t;

/* the built-in named exactly name[len] (lowercase), or NULL */
mx_http_builtin_var_t *mx_http_var_find_builtin(const u_char *name,
    size_t len);

/*
 * The built-in prefix ("http_", "arg_", ...) that name[len] (lowercase)
 * starts with and is longer than, or NULL. Its getter takes as data a
 * (const mx_str_t *) with the full name, which must outlive the value.
 */
mx_http_builtin_var_t *mx_http_var_find_builtin_prefix(const u_char *name,
    size_t len);

/* $1..$9: data is the group number; "" (MX_OK) when it did not match */
int mx_http_var_capture(mx_http_request_t *r, mx_str_t *v, uintptr_t data);

/*
 * r->variables, created in r->pool or grown to hold a value for each of
 * cmcf's added variables (cmcf NULL: no values, e.g. for $request_id
 * alone). NULL on allocation failure.
 */
mx_http_var_ctx_t *mx_http_var_ctx(mx_http_request_t *r,
    mx_http_core_main_conf_t *cmcf);

#endif /* MX_HTTP_VARIABLES_INTERNAL_H */
