-- ngx.md5, ngx.md5_bin, ngx.sha1_bin, ngx.hmac_sha1, ngx.crc32_short,
-- ngx.crc32_long.
--
-- As in lua-resty-core, the one-argument digests take nil as "" and
-- anything else through tostring(); ngx.hmac_sha1 keeps the argument
-- checks of lua-nginx-module's C function.


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local ngx = ngx
local type = type
local error = error
local select = select
local tostring = tostring
local getinfo = debug.getinfo
local ffi_new = ffi.new
local ffi_str = ffi.string
local FFI_OK = base.FFI_OK


ffi.cdef[[
    void mx_ffi_md5_bin(const unsigned char *src, size_t len,
        unsigned char *dst);
    void mx_ffi_md5(const unsigned char *src, size_t len,
        unsigned char *dst);
    int mx_ffi_sha1_bin(const unsigned char *src, size_t len,
        unsigned char *dst);
    int mx_ffi_hmac_sha1(const unsigned char *key, size_t key_len,
        const unsigned char *src, size_t len, unsigned char *dst);
    uint32_t mx_ffi_crc32(const unsigned char *src, size_t len);
]]


local MD5_DIGEST_LEN = 16
local SHA_DIGEST_LEN = 20

local md5_buf = ffi_new("unsigned char[?]", MD5_DIGEST_LEN)
local md5_hex_buf = ffi_new("unsigned char[?]", MD5_DIGEST_LEN * 2)
local sha_buf = ffi_new("unsigned char[?]", SHA_DIGEST_LEN)


local function to_str(s)
    if type(s) ~= "string" then
        if not s then
            return ""
        end

        -- through a local: a trace cannot return from a tail call to a builtin
        local ret = tostring(s)
        return ret
    end

    return s
end


function ngx.md5_bin(s)
    s = to_str(s)
    C.mx_ffi_md5_bin(s, #s, md5_buf)
    local ret = ffi_str(md5_buf, MD5_DIGEST_LEN)
    return ret
end


function ngx.md5(s)
    s = to_str(s)
    C.mx_ffi_md5(s, #s, md5_hex_buf)
    local ret = ffi_str(md5_hex_buf, MD5_DIGEST_LEN * 2)
    return ret
end


function ngx.sha1_bin(s)
    s = to_str(s)
    if C.mx_ffi_sha1_bin(s, #s, sha_buf) ~= FFI_OK then
        error("SHA-1 support missing in Nginx")
    end

    local ret = ffi_str(sha_buf, SHA_DIGEST_LEN)
    return ret
end


function ngx.crc32_short(s)
    s = to_str(s)
    local ret = C.mx_ffi_crc32(s, #s)
    return ret
end


ngx.crc32_long = ngx.crc32_short


-- luaL_checklstring()'s "bad argument" error, raised at the caller of
-- the API function (level 3 from here), named as that caller called it
local function check_string(v, i)
    local t = type(v)

    if t == "string" then
        return v
    end

    if t == "number" then
        local ret = tostring(v)
        return ret
    end

    local ar = getinfo(2, "n")
    error("bad argument #" .. i .. " to '" .. (ar and ar.name or "?")
          .. "' (string expected, got " .. t .. ")", 3)
end


function ngx.hmac_sha1(...)
    local n = select("#", ...)
    if n ~= 2 then
        error("expecting 2 arguments, but got " .. n, 2)
    end

    local key, s = ...
    key = check_string(key, 1)
    s = check_string(s, 2)

    if C.mx_ffi_hmac_sha1(key, #key, s, #s, sha_buf) ~= FFI_OK then
        error("HMAC-SHA1 failed", 2)
    end

    local ret = ffi_str(sha_buf, SHA_DIGEST_LEN)
    return ret
end


return {
    version = base.version
}
