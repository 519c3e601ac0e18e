#ifndef MX_HTTP_LOG_MODULE_H
#define MX_HTTP_LOG_MODULE_H

#include "mx_http.h"

extern mx_module_t  mx_http_log_module;

/* access log files are mx_log_file_t: mx_log_reopen_files() reopens them */

#endif /* MX_HTTP_LOG_MODULE_H */
