#ifndef MX_HTTP_LOG_MODULE_H
#define MX_HTTP_LOG_MODULE_H

#include "mx_http.h"

extern mx_module_t  mx_http_log_module;

/*
 * Reopens every access log file opened by the configuration (SIGUSR1,
 * "-s reopen"), keeping the descriptor numbers so that the copies a
 * forked worker holds stay valid. Failures are logged at alert.
 */
void mx_http_log_reopen(void);

#endif /* MX_HTTP_LOG_MODULE_H */
