-- require "ngx.resp": ngx.resp.add_header, as lua-resty-core's ngx.resp.


local base = require "resty.core.base"
base.allows_subsystem("http")


local core_response = require "resty.core.response"
local set_resp_header = core_response.set_resp_header


local _M = { version = base.version }


-- adds a response header, keeping those of the same name
function _M.add_header(key, value)
    set_resp_header(nil, key, value, true)
end


return _M
