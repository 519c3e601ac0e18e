-- require "ngx.req": ngx.req.add_header, as lua-resty-core's ngx.req.


local base = require "resty.core.base"
base.allows_subsystem("http")


local core_request = require "resty.core.request"
local set_req_header = core_request.set_req_header


local _M = { version = base.version }


-- adds a request header, keeping those of the same name; value is a
-- string or a non-empty table of them
function _M.add_header(key, value)
    set_req_header(key, value, false)
end


return _M
