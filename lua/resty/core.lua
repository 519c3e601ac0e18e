-- `require "resty.core"` keeps working: the ngx API is already the FFI
-- one (lua/resty/core/*.lua, loaded when the VM starts), so this only
-- makes sure its modules are there.


local base = require "resty.core.base"

require "resty.core.phase"
require "resty.core.log"
require "resty.core.output"
require "resty.core.exit"
require "resty.core.misc"
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


return {
    version = base.version
}
