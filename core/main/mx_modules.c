#include "mx_conf.h"

/*
 * Every module compiled in, in initialisation order. Filters and phase
 * handlers registered at postconfiguration run in reverse order of this
 * list for header/body filters, as in nginx.
 */

extern mx_module_t  mx_core_module;
extern mx_module_t  mx_events_module;
extern mx_module_t  mx_event_core_module;
extern mx_module_t  mx_http_module;
extern mx_module_t  mx_http_core_module;
extern mx_module_t  mx_http_rewrite_module;
extern mx_module_t  mx_http_log_module;
extern mx_module_t  mx_http_static_module;
extern mx_module_t  mx_http_upstream_module;
extern mx_module_t  mx_http_proxy_module;
extern mx_module_t  mx_http_lua_module;
extern mx_module_t  mx_http_lua_shdict_module;

mx_module_t  *mx_modules[] = {
    &mx_core_module,
    &mx_conf_module,
    &mx_events_module,
    &mx_event_core_module,
    &mx_http_module,
    &mx_http_core_module,
    &mx_http_rewrite_module,
    &mx_http_log_module,
    &mx_http_static_module,
    &mx_http_upstream_module,
    &mx_http_proxy_module,
    &mx_http_lua_module,
    &mx_http_lua_shdict_module,
    NULL
};

mx_uint_t  mx_modules_n = mx_nelems(mx_modules) - 1;
