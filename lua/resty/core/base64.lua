-- ngx.encode_base64(str, no_padding?) and ngx.decode_base64(str), as
-- lua-resty-core's: nil on bad input, padding optional when decoding.


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local ngx = ngx
local type = type
local error = error
local floor = math.floor
local tostring = tostring
local ffi_str = ffi.string
local get_string_buf = base.get_string_buf
local get_size_ptr = base.get_size_ptr
local FFI_OK = base.FFI_OK


ffi.cdef[[
    size_t mx_ffi_encode_base64(const unsigned char *src, size_t len,
        unsigned char *dst, int flags);
    int mx_ffi_decode_base64(const unsigned char *src, size_t len,
        unsigned char *dst, size_t *dlen, int flags);
]]


local NO_PADDING = 1


function ngx.encode_base64(s, no_padding)
    if type(s) ~= "string" then
        if not s then
            s = ""

        else
            s = tostring(s)
        end
    end

    local flags = 0

    if no_padding then
        if no_padding ~= true then
            error("bad no_padding: boolean expected, got " .. type(no_padding),
                  2)
        end

        flags = NO_PADDING
    end

    local slen = #s
    local dst = get_string_buf(floor((slen + 2) / 3) * 4)
    local dlen = C.mx_ffi_encode_base64(s, slen, dst, flags)
    -- through a local: a trace cannot return from a tail call to a builtin
    local ret = ffi_str(dst, dlen)
    return ret
end


function ngx.decode_base64(s)
    if type(s) ~= "string" then
        error("string argument only", 2)
    end

    local slen = #s
    local dst = get_string_buf(floor((slen + 3) / 4) * 3)
    local dlen = get_size_ptr()

    if C.mx_ffi_decode_base64(s, slen, dst, dlen, 0) ~= FFI_OK then
        return nil
    end

    local ret = ffi_str(dst, dlen[0])
    return ret
end


return {
    version = base.version
}
