-- Boots the ngx API. The C side created the global "ngx" table (with
-- ngx.null) and requires this module once per VM; it fills in the
-- constants, ngx.config and the API modules written over the core's
-- FFI exports (lua/resty/core/*.lua).


local ffi = require "ffi"


local ngx = ngx
local C = ffi.C


ffi.cdef[[
    int mx_ffi_config_nginx_version(void);
    int mx_ffi_config_lua_version(void);
    void mx_ffi_config_prefix(const unsigned char **data, size_t *len);
    void mx_ffi_config_nginx_configure(const unsigned char **data,
        size_t *len);
]]


-- core constants (nginx's return codes)
ngx.OK = 0
ngx.ERROR = -1
ngx.AGAIN = -2
ngx.DONE = -4
ngx.DECLINED = -5

-- log levels
ngx.STDERR = 0
ngx.EMERG = 1
ngx.ALERT = 2
ngx.CRIT = 3
ngx.ERR = 4
ngx.WARN = 5
ngx.NOTICE = 6
ngx.INFO = 7
ngx.DEBUG = 8

-- methods
ngx.HTTP_GET = 0x0002
ngx.HTTP_HEAD = 0x0004
ngx.HTTP_POST = 0x0008
ngx.HTTP_PUT = 0x0010
ngx.HTTP_DELETE = 0x0020
ngx.HTTP_MKCOL = 0x0040
ngx.HTTP_COPY = 0x0080
ngx.HTTP_MOVE = 0x0100
ngx.HTTP_OPTIONS = 0x0200
ngx.HTTP_PROPFIND = 0x0400
ngx.HTTP_PROPPATCH = 0x0800
ngx.HTTP_LOCK = 0x1000
ngx.HTTP_UNLOCK = 0x2000
ngx.HTTP_PATCH = 0x4000
ngx.HTTP_TRACE = 0x8000

-- statuses
ngx.HTTP_CONTINUE = 100
ngx.HTTP_SWITCHING_PROTOCOLS = 101
ngx.HTTP_OK = 200
ngx.HTTP_CREATED = 201
ngx.HTTP_ACCEPTED = 202
ngx.HTTP_NO_CONTENT = 204
ngx.HTTP_PARTIAL_CONTENT = 206
ngx.HTTP_SPECIAL_RESPONSE = 300
ngx.HTTP_MOVED_PERMANENTLY = 301
ngx.HTTP_MOVED_TEMPORARILY = 302
ngx.HTTP_SEE_OTHER = 303
ngx.HTTP_NOT_MODIFIED = 304
ngx.HTTP_TEMPORARY_REDIRECT = 307
ngx.HTTP_PERMANENT_REDIRECT = 308
ngx.HTTP_BAD_REQUEST = 400
ngx.HTTP_UNAUTHORIZED = 401
ngx.HTTP_PAYMENT_REQUIRED = 402
ngx.HTTP_FORBIDDEN = 403
ngx.HTTP_NOT_FOUND = 404
ngx.HTTP_NOT_ALLOWED = 405
ngx.HTTP_NOT_ACCEPTABLE = 406
ngx.HTTP_REQUEST_TIMEOUT = 408
ngx.HTTP_CONFLICT = 409
ngx.HTTP_GONE = 410
ngx.HTTP_UPGRADE_REQUIRED = 426
ngx.HTTP_TOO_MANY_REQUESTS = 429
ngx.HTTP_CLOSE = 444
ngx.HTTP_ILLEGAL = 451
ngx.HTTP_INTERNAL_SERVER_ERROR = 500
ngx.HTTP_METHOD_NOT_IMPLEMENTED = 501
ngx.HTTP_NOT_IMPLEMENTED = 501
ngx.HTTP_BAD_GATEWAY = 502
ngx.HTTP_SERVICE_UNAVAILABLE = 503
ngx.HTTP_GATEWAY_TIMEOUT = 504
ngx.HTTP_VERSION_NOT_SUPPORTED = 505
ngx.HTTP_INSUFFICIENT_STORAGE = 507


ngx.config = {
    subsystem = "http",
    debug = false,
    nginx_version = C.mx_ffi_config_nginx_version(),
    ngx_lua_version = C.mx_ffi_config_lua_version(),
}


do
    local data = ffi.new("const unsigned char *[1]")
    local len = ffi.new("size_t[1]")

    -- the -p prefix, with its trailing "/"
    function ngx.config.prefix()
        C.mx_ffi_config_prefix(data, len)
        -- through a local: a trace cannot return from a tail call to a builtin
        local ret = ffi.string(data[0], len[0])
        return ret
    end

    -- what `moxy -V` prints after "configure arguments: "
    function ngx.config.nginx_configure()
        C.mx_ffi_config_nginx_configure(data, len)
        local ret = ffi.string(data[0], len[0])
        return ret
    end
end

ngx.req = {}
ngx.worker = {}

-- classic C functions: sending may run Lua filters, which an FFI call
-- must not (core/lua/mx_lua_coroutine.c)
do
    local cfuncs = package.loaded["mx.c"]

    ngx.flush = cfuncs.flush
    ngx.eof = cfuncs.eof
end


-- the API; each module adds its functions to ngx
require "resty.core.base"
require "resty.core.coroutine"
require "resty.core.phase"
require "resty.core.log"
require "resty.core.output"
require "resty.core.exit"
require "resty.core.misc"
require "resty.core.ctx"
require "resty.core.param"
require "resty.core.response"
require "resty.core.var"
require "resty.core.request"
require "resty.core.worker"
require "resty.core.time"
require "resty.core.hash"
require "resty.core.uri"
require "resty.core.base64"
require "resty.core.regex"
require "resty.core.shdict"
require "resty.core.socket_tcp"
require "resty.core.thread"
require "resty.core.socket_udp"


return ngx
