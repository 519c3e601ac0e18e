-- ngx.shared.DICT: the dicts declared by lua_shared_dict, with
-- lua-nginx-module's API, return values and messages (lua-resty-core's
-- resty.core.shdict for get/set/incr/..., lua-nginx-module's C functions
-- for the list operations, flush_expired and get_keys), over
-- core/lua/mx_lua_ffi_shdict.c.
--
-- ngx.shared is filled when this module is loaded (every VM, when it
-- boots): one table per dict, { <dict pointer> }, sharing one metatable
-- whose __index holds the methods, so that dict:get(k) works and
-- dict.get(k) fails with 'bad "zone" argument' as in OpenResty.


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local ngx = ngx
local ffi_new = ffi.new
local ffi_str = ffi.string
local type = type
local error = error
local tostring = tostring
local tonumber = tonumber
local setmetatable = setmetatable
local get_string_buf = base.get_string_buf
local get_string_buf_size = base.get_string_buf_size
local get_size_ptr = base.get_size_ptr
local new_tab = base.new_tab
local FFI_DECLINED = base.FFI_DECLINED


local _M = {
    version = base.version
}


ffi.cdef[[
    typedef struct mx_lua_shdict_s  mx_lua_shdict_t;

    int mx_ffi_shdict_count(void);

    mx_lua_shdict_t *mx_ffi_shdict_at(int i, const unsigned char **name,
        size_t *name_len);

    int mx_ffi_shdict_store(mx_lua_shdict_t *d, int op,
        const unsigned char *key, size_t key_len, int value_type,
        const unsigned char *str_value_buf, size_t str_value_len,
        double num_value, long exptime, int user_flags,
        const char **errmsg, int *forcible);

    int mx_ffi_shdict_get(mx_lua_shdict_t *d, const unsigned char *key,
        size_t key_len, int *value_type, unsigned char **str_value_buf,
        size_t *str_value_len, double *num_value, int *user_flags,
        int get_stale, int *is_stale, const char **err);

    int mx_ffi_shdict_incr(mx_lua_shdict_t *d, const unsigned char *key,
        size_t key_len, double *value, const char **err, int has_init,
        double init, long init_ttl, int *forcible);

    int mx_ffi_shdict_flush_all(mx_lua_shdict_t *d);

    int mx_ffi_shdict_flush_expired(mx_lua_shdict_t *d, int max);

    long mx_ffi_shdict_get_ttl(mx_lua_shdict_t *d,
        const unsigned char *key, size_t key_len);

    int mx_ffi_shdict_set_expire(mx_lua_shdict_t *d,
        const unsigned char *key, size_t key_len, long exptime);

    size_t mx_ffi_shdict_capacity(mx_lua_shdict_t *d);

    size_t mx_ffi_shdict_free_space(mx_lua_shdict_t *d);

    int mx_ffi_shdict_push(mx_lua_shdict_t *d, int left,
        const unsigned char *key, size_t key_len, int value_type,
        const unsigned char *str_value_buf, size_t str_value_len,
        double num_value, const char **err);

    int mx_ffi_shdict_pop(mx_lua_shdict_t *d, int left,
        const unsigned char *key, size_t key_len, int *value_type,
        unsigned char **str_value_buf, size_t *str_value_len,
        double *num_value, const char **err);

    int mx_ffi_shdict_llen(mx_lua_shdict_t *d, const unsigned char *key,
        size_t key_len, const char **err);

    int mx_ffi_shdict_get_keys(mx_lua_shdict_t *d, int max,
        mx_ffi_str_t **keys);

    void mx_ffi_shdict_free(void *p);
]]


-- value types (Lua's type numbers) and store ops, as in the C side
local TNIL = 0
local TBOOLEAN = 1
local TNUMBER = 3
local TSTRING = 4

local OP_SET = 0
local OP_ADD = 0x0001
local OP_REPLACE = 0x0002
local OP_SAFE = 0x0004


local value_type = ffi_new("int[1]")
local user_flags = ffi_new("int[1]")
local num_value = ffi_new("double[1]")
local is_stale = ffi_new("int[1]")
local forcible = ffi_new("int[1]")
local str_value_buf = ffi_new("unsigned char *[1]")
local keys_ptr = ffi_new("mx_ffi_str_t *[1]")
local errmsg = base.get_errmsg_ptr()


local function check_zone(zone)
    if not zone or type(zone) ~= "table" then
        error("bad \"zone\" argument", 3)
    end

    zone = zone[1]
    if type(zone) ~= "cdata" then
        error("bad \"zone\" argument", 3)
    end

    return zone
end


-- nil, err for a key the dict cannot take; else the key as a string
local function check_key(key)
    if key == nil then
        return nil, "nil key"
    end

    if type(key) ~= "string" then
        key = tostring(key)
    end

    local key_len = #key
    if key_len == 0 then
        return nil, "empty key"
    end

    if key_len > 65535 then
        return nil, "key too long"
    end

    return key
end


local function shdict_store(zone, op, key, value, exptime, flags)
    zone = check_zone(zone)

    if not exptime then
        exptime = 0

    elseif exptime < 0 then
        error('bad "exptime" argument', 2)
    end

    if not flags then
        flags = 0
    end

    local err
    key, err = check_key(key)
    if not key then
        return nil, err
    end

    local str_val_buf
    local str_val_len = 0
    local num_val = 0
    local valtyp = type(value)

    if valtyp == "string" then
        valtyp = TSTRING
        str_val_buf = value
        str_val_len = #value

    elseif valtyp == "number" then
        valtyp = TNUMBER
        num_val = value

    elseif value == nil then
        valtyp = TNIL

    elseif valtyp == "boolean" then
        valtyp = TBOOLEAN
        num_val = value and 1 or 0

    else
        return nil, "bad value type"
    end

    local rc = C.mx_ffi_shdict_store(zone, op, key, #key, valtyp,
                                     str_val_buf, str_val_len, num_val,
                                     exptime * 1000, flags, errmsg,
                                     forcible)

    if rc == 0 then
        return true, nil, forcible[0] == 1
    end

    return false, ffi_str(errmsg[0]), forcible[0] == 1
end


local function shdict_set(zone, key, value, exptime, flags)
    return shdict_store(zone, OP_SET, key, value, exptime, flags)
end


local function shdict_safe_set(zone, key, value, exptime, flags)
    return shdict_store(zone, OP_SAFE, key, value, exptime, flags)
end


local function shdict_add(zone, key, value, exptime, flags)
    return shdict_store(zone, OP_ADD, key, value, exptime, flags)
end


local function shdict_safe_add(zone, key, value, exptime, flags)
    return shdict_store(zone, OP_ADD + OP_SAFE, key, value, exptime, flags)
end


local function shdict_replace(zone, key, value, exptime, flags)
    return shdict_store(zone, OP_REPLACE, key, value, exptime, flags)
end


local function shdict_delete(zone, key)
    return shdict_set(zone, key, nil)
end


-- the value the C side left in value_type, str_value_buf, num_value
local function fetched_value(buf, len)
    local typ = value_type[0]

    if typ == TSTRING then
        local p = str_value_buf[0]
        if p ~= buf then
            -- too large for our buffer: the C side malloc()ed it
            local val = ffi_str(p, len)
            C.mx_ffi_shdict_free(p)
            return val
        end

        -- through a local: a trace cannot return from a tail call to a builtin
        local ret = ffi_str(buf, len)
        return ret

    elseif typ == TNUMBER then
        local ret = tonumber(num_value[0])
        return ret

    elseif typ == TBOOLEAN then
        return tonumber(buf[0]) ~= 0
    end

    error("unknown value type: " .. typ)
end


local function shdict_get_helper(zone, key, stale)
    local err
    key, err = check_key(key)
    if not key then
        return nil, err
    end

    local size = get_string_buf_size()
    local buf = get_string_buf(size)
    str_value_buf[0] = buf
    local value_len = get_size_ptr()
    value_len[0] = size

    local rc = C.mx_ffi_shdict_get(zone, key, #key, value_type,
                                   str_value_buf, value_len, num_value,
                                   user_flags, stale, is_stale, errmsg)
    if rc ~= 0 then
        if errmsg[0] ~= nil then
            return nil, ffi_str(errmsg[0])
        end

        error("failed to get the key")
    end

    if value_type[0] == TNIL then
        return nil
    end

    return fetched_value(buf, value_len[0]), tonumber(user_flags[0])
end


local function shdict_get(zone, key)
    zone = check_zone(zone)

    local val, flags = shdict_get_helper(zone, key, 0)
    if val == nil then
        if flags then
            return nil, flags   -- the error message
        end

        return nil
    end

    if flags ~= 0 then
        return val, flags
    end

    return val
end


local function shdict_get_stale(zone, key)
    zone = check_zone(zone)

    local val, flags = shdict_get_helper(zone, key, 1)
    if val == nil then
        if flags then
            return nil, flags
        end

        return nil
    end

    if flags ~= 0 then
        return val, flags, is_stale[0] == 1
    end

    return val, nil, is_stale[0] == 1
end


local function shdict_incr(zone, key, value, init, init_ttl)
    zone = check_zone(zone)

    local err
    key, err = check_key(key)
    if not key then
        return nil, err
    end

    if type(value) ~= "number" then
        value = tonumber(value)
    end
    num_value[0] = value

    if init then
        local typ = type(init)
        if typ ~= "number" then
            init = tonumber(init)

            if not init then
                error("bad init arg: number expected, got " .. typ, 2)
            end
        end
    end

    if init_ttl ~= nil then
        local typ = type(init_ttl)
        if typ ~= "number" then
            init_ttl = tonumber(init_ttl)

            if not init_ttl then
                error("bad init_ttl arg: number expected, got " .. typ, 2)
            end
        end

        if init_ttl < 0 then
            error('bad "init_ttl" argument', 2)
        end

        if not init then
            error('must provide "init" when providing "init_ttl"', 2)
        end

    else
        init_ttl = 0
    end

    local rc = C.mx_ffi_shdict_incr(zone, key, #key, num_value, errmsg,
                                    init and 1 or 0, init or 0,
                                    init_ttl * 1000, forcible)
    if rc ~= 0 then
        return nil, ffi_str(errmsg[0])
    end

    if not init then
        local ret = tonumber(num_value[0])
        return ret
    end

    return tonumber(num_value[0]), nil, forcible[0] == 1
end


local function shdict_flush_all(zone)
    zone = check_zone(zone)

    C.mx_ffi_shdict_flush_all(zone)
end


local function shdict_flush_expired(zone, max)
    zone = check_zone(zone)

    if max == nil then
        max = 0

    elseif type(max) ~= "number" then
        local n = tonumber(max)
        if not n then
            error("bad argument #1 to 'flush_expired' (number expected, "
                  .. "got " .. type(max) .. ")", 2)
        end
        max = n
    end

    local ret = C.mx_ffi_shdict_flush_expired(zone, max)
    return ret
end


local function shdict_get_keys(zone, max)
    zone = check_zone(zone)

    if max == nil then
        max = 1024

    elseif type(max) ~= "number" then
        local n = tonumber(max)
        if not n then
            error("bad argument #1 to 'get_keys' (number expected, got "
                  .. type(max) .. ")", 2)
        end
        max = n
    end

    local n = C.mx_ffi_shdict_get_keys(zone, max, keys_ptr)
    if n < 0 then
        error("no memory", 2)
    end

    if n == 0 then
        return {}
    end

    local keys = keys_ptr[0]
    local res = new_tab(n, 0)

    for i = 0, n - 1 do
        res[i + 1] = ffi_str(keys[i].data, keys[i].len)
    end

    C.mx_ffi_shdict_free(keys)

    return res
end


local function shdict_ttl(zone, key)
    zone = check_zone(zone)

    local err
    key, err = check_key(key)
    if not key then
        return nil, err
    end

    local rc = C.mx_ffi_shdict_get_ttl(zone, key, #key)

    if rc == FFI_DECLINED then
        return nil, "not found"
    end

    return tonumber(rc) / 1000
end


local function shdict_expire(zone, key, exptime)
    zone = check_zone(zone)

    if not exptime then
        error('bad "exptime" argument', 2)
    end

    local err
    key, err = check_key(key)
    if not key then
        return nil, err
    end

    local rc = C.mx_ffi_shdict_set_expire(zone, key, #key, exptime * 1000)

    if rc == FFI_DECLINED then
        return nil, "not found"
    end

    return true
end


local function shdict_capacity(zone)
    zone = check_zone(zone)

    local ret = tonumber(C.mx_ffi_shdict_capacity(zone))
    return ret
end


local function shdict_free_space(zone)
    zone = check_zone(zone)

    local ret = tonumber(C.mx_ffi_shdict_free_space(zone))
    return ret
end


local function shdict_push(zone, left, key, value)
    local err
    key, err = check_key(key)
    if not key then
        return nil, err
    end

    local valtyp = type(value)
    local str_val_buf
    local str_val_len = 0
    local num_val = 0

    if valtyp == "string" then
        valtyp = TSTRING
        str_val_buf = value
        str_val_len = #value

    elseif valtyp == "number" then
        valtyp = TNUMBER
        num_val = value

    else
        return nil, "bad value type"
    end

    local rc = C.mx_ffi_shdict_push(zone, left, key, #key, valtyp,
                                    str_val_buf, str_val_len, num_val,
                                    errmsg)
    if rc >= 0 then
        return rc
    end

    if rc == FFI_DECLINED then
        return nil, ffi_str(errmsg[0])
    end

    return false, ffi_str(errmsg[0])
end


local function shdict_lpush(zone, key, value)
    return shdict_push(check_zone(zone), 1, key, value)
end


local function shdict_rpush(zone, key, value)
    return shdict_push(check_zone(zone), 0, key, value)
end


local function shdict_pop(zone, left, key)
    local err
    key, err = check_key(key)
    if not key then
        return nil, err
    end

    local size = get_string_buf_size()
    local buf = get_string_buf(size)
    str_value_buf[0] = buf
    local value_len = get_size_ptr()
    value_len[0] = size

    local rc = C.mx_ffi_shdict_pop(zone, left, key, #key, value_type,
                                   str_value_buf, value_len, num_value,
                                   errmsg)
    if rc ~= 0 then
        return nil, ffi_str(errmsg[0])
    end

    if value_type[0] == TNIL then
        return nil
    end

    return fetched_value(buf, value_len[0])
end


local function shdict_lpop(zone, key)
    return shdict_pop(check_zone(zone), 1, key)
end


local function shdict_rpop(zone, key)
    return shdict_pop(check_zone(zone), 0, key)
end


local function shdict_llen(zone, key)
    zone = check_zone(zone)

    local err
    key, err = check_key(key)
    if not key then
        return nil, err
    end

    local rc = C.mx_ffi_shdict_llen(zone, key, #key, errmsg)
    if rc < 0 then
        return nil, ffi_str(errmsg[0])
    end

    return rc
end


local methods = {
    get = shdict_get,
    get_stale = shdict_get_stale,
    set = shdict_set,
    safe_set = shdict_safe_set,
    add = shdict_add,
    safe_add = shdict_safe_add,
    replace = shdict_replace,
    incr = shdict_incr,
    delete = shdict_delete,
    lpush = shdict_lpush,
    rpush = shdict_rpush,
    lpop = shdict_lpop,
    rpop = shdict_rpop,
    llen = shdict_llen,
    ttl = shdict_ttl,
    expire = shdict_expire,
    flush_all = shdict_flush_all,
    flush_expired = shdict_flush_expired,
    get_keys = shdict_get_keys,
    capacity = shdict_capacity,
    free_space = shdict_free_space,
}

-- lua-nginx-module's shared metatable is its own __index
methods.__index = methods


-- ngx.shared: built once per VM from the dicts of the configuration
if not ngx.shared then
    local shared = {}
    local namep = ffi_new("const unsigned char *[1]")
    local lenp = ffi_new("size_t[1]")

    for i = 0, C.mx_ffi_shdict_count() - 1 do
        local d = C.mx_ffi_shdict_at(i, namep, lenp)
        if d ~= nil then
            shared[ffi_str(namep[0], lenp[0])] = setmetatable({ d }, methods)
        end
    end

    ngx.shared = shared
end


return _M
