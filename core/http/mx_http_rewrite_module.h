#ifndef MX_HTTP_REWRITE_MODULE_H
#define MX_HTTP_REWRITE_MODULE_H

#include "mx_http.h"

extern mx_module_t  mx_http_rewrite_module;

/* a code of another module; MX_OK, or MX_ERROR for a 500 */
typedef int (*mx_http_rewrite_code_pt)(mx_http_request_t *r, void *data);

/*
 * Appends a code to the rewrite codes of the server or location being
 * parsed (cf), so that it runs in config order with "set", "rewrite" and
 * "return" (set_by_lua does this). MX_OK or MX_ERROR.
 */
int mx_http_rewrite_add_code(mx_conf_t *cf, mx_http_rewrite_code_pt handler,
    void *data);

#endif /* MX_HTTP_REWRITE_MODULE_H */
