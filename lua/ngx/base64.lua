-- ngx.base64: base64url (RFC 4648 section 5, no padding), the module of
-- lua-resty-core: `local b64 = require "ngx.base64"`.
--   b64.encode_base64url(str)  -> string | nil, "must provide a string"
--   b64.decode_base64url(str)  -> string | nil, "invalid input"


local ffi = require "ffi"
local base = require "resty.core.base"

require "resty.core.base64"    -- the FFI declarations


local C = ffi.C
local type = type
local floor = math.floor
local ffi_str = ffi.string
local get_string_buf = base.get_string_buf
local get_size_ptr = base.get_size_ptr
local FFI_OK = base.FFI_OK


local NO_PADDING = 1
local URL = 2


local _M = { version = base.version }


function _M.encode_base64url(s)
    if type(s) ~= "string" then
        return nil, "must provide a string"
    end

    local slen = #s
    local dst = get_string_buf(floor((slen + 2) / 3) * 4)
    local dlen = C.mx_ffi_encode_base64(s, slen, dst, NO_PADDING + URL)
    -- through a local: a trace cannot return from a tail call to a builtin
    local ret = ffi_str(dst, dlen)
    return ret
end


function _M.decode_base64url(s)
    if type(s) ~= "string" then
        return nil, "must provide a string"
    end

    local slen = #s
    local dst = get_string_buf(floor((slen + 3) / 4) * 3)
    local dlen = get_size_ptr()

    if C.mx_ffi_decode_base64(s, slen, dst, dlen, URL) ~= FFI_OK then
        return nil, "invalid input"
    end

    local ret = ffi_str(dst, dlen[0])
    return ret
end


return _M
