-- ngx.re.match, ngx.re.find, ngx.re.gmatch, ngx.re.sub, ngx.re.gsub
-- over PCRE2 (core/lua/mx_lua_ffi_regex.c), with lua-resty-core's
-- interface: the option letters, the compile-once ("o") cache bounded by
-- lua_regex_cache_max_entries, the captures tables, and the helpers
-- ngx.re (lua/ngx/re.lua) builds on.


local ffi = require "ffi"
local base = require "resty.core.base"
local bit = require "bit"


local ffi_string = ffi.string
local ffi_gc = ffi.gc
local ffi_copy = ffi.copy
local ffi_cast = ffi.cast
local C = ffi.C
local bor = bit.bor
local band = bit.band
local lshift = bit.lshift
local sub = string.sub
local fmt = string.format
local byte = string.byte
local ngx = ngx
local type = type
local tostring = tostring
local tonumber = tonumber
local error = error
local setmetatable = setmetatable
local get_string_buf = base.get_string_buf
local get_string_buf_size = base.get_string_buf_size
local new_tab = base.new_tab


local _M = {
    version = base.version
}


ngx.re = new_tab(0, 5)


ffi.cdef[[
    typedef struct {
        const unsigned char   *name_table;
        int                    name_count;
        int                    name_entry_size;

        int                    ncaptures;
        int                   *captures;

        const unsigned char   *replace;
        int                    replace_len;
        void                  *replace_tpl;

        void                  *code;
    } mx_ffi_regex_t;

    mx_ffi_regex_t *mx_ffi_regex_compile(const unsigned char *pat,
        size_t pat_len, int flags, int pcre_opts, unsigned char *errstr,
        size_t errstr_size);

    int mx_ffi_regex_exec(mx_ffi_regex_t *re, int flags,
        const unsigned char *s, size_t len, int pos);

    void mx_ffi_regex_destroy(mx_ffi_regex_t *re);

    int mx_ffi_regex_compile_replace(mx_ffi_regex_t *re,
        const unsigned char *tpl, size_t len);

    size_t mx_ffi_regex_replace_len(mx_ffi_regex_t *re, int rc);

    void mx_ffi_regex_replace_copy(mx_ffi_regex_t *re,
        const unsigned char *subj, int rc, unsigned char *dst);

    uint32_t mx_ffi_regex_max_cache_size(void);
]]


local MAX_ERR_MSG_LEN = 128


-- core/lua/mx_lua_ffi.h, MX_FFI_REGEX_*
local FLAG_COMPILE_ONCE  = 0x01
local FLAG_DFA           = 0x02
local FLAG_JIT           = 0x04
local FLAG_DUPNAMES      = 0x08
local FLAG_NO_UTF8_CHECK = 0x10


-- MX_FFI_PCRE_* (lua-resty-core's numbers; C maps them to PCRE2's)
local PCRE_CASELESS          = 0x0000001
local PCRE_MULTILINE         = 0x0000002
local PCRE_DOTALL            = 0x0000004
local PCRE_EXTENDED          = 0x0000008
local PCRE_ANCHORED          = 0x0000010
local PCRE_UTF8              = 0x0000800
local PCRE_DUPNAMES          = 0x0080000
local PCRE_JAVASCRIPT_COMPAT = 0x2000000


local PCRE_ERROR_NOMATCH = -1


local mx_ffi_regex_compile = C.mx_ffi_regex_compile
local mx_ffi_regex_exec = C.mx_ffi_regex_exec
local mx_ffi_regex_destroy = C.mx_ffi_regex_destroy
local mx_ffi_regex_compile_replace = C.mx_ffi_regex_compile_replace
local mx_ffi_regex_replace_len = C.mx_ffi_regex_replace_len
local mx_ffi_regex_replace_copy = C.mx_ffi_regex_replace_copy


local c_str_type = ffi.typeof("const char *")

local cached_re_opts = new_tab(0, 4)

local buf_grow_ratio = 2

local max_regex_cache_size

-- the "o" caches of ngx.re.sub/gsub, [opts][regex] and
-- [opts][regex][replace]; they stop growing at max_regex_cache_size
-- entries in all, as lua-resty-core's
local regex_sub_func_cache = new_tab(0, 4)
local regex_sub_str_cache = new_tab(0, 4)
local regex_cache_size = 0


function _M.set_buf_grow_ratio(ratio)
    buf_grow_ratio = ratio
end


local function get_max_regex_cache_size()
    if max_regex_cache_size then
        return max_regex_cache_size
    end

    max_regex_cache_size = C.mx_ffi_regex_max_cache_size()
    return max_regex_cache_size
end


-- The "o" cache of ngx.re.match/find/gmatch and ngx.re.split: least
-- recently used first out, as resty.lrucache in lua-resty-core. Nodes
-- are found by [opts][regex] (no key string to build per call) and kept
-- in a ring after the sentinel; a full cache reuses its oldest node.
local match_cache_map = new_tab(0, 4)
local match_cache_head
local match_cache_count = 0
local regex_cache_is_empty = true


function _M.is_regex_cache_empty()
    return regex_cache_is_empty
end


local function match_cache_get(regex, opts)
    local sub_map = match_cache_map[opts]
    if not sub_map then
        return nil
    end

    local node = sub_map[regex]
    if not node then
        return nil
    end

    local head = match_cache_head
    if head.next ~= node then
        -- unlink, then in first
        node.prev.next = node.next
        node.next.prev = node.prev

        local first = head.next
        node.prev = head
        node.next = first
        first.prev = node
        head.next = node
    end

    return node.value
end


local function match_cache_set(regex, opts, compiled)
    local head = match_cache_head
    local node

    regex_cache_is_empty = false

    if match_cache_count < max_regex_cache_size then
        match_cache_count = match_cache_count + 1
        node = new_tab(0, 5)

    else
        -- the oldest goes; its regex is freed when the GC finds it
        node = head.prev
        node.prev.next = head
        head.prev = node.prev
        match_cache_map[node.opts][node.regex] = nil
    end

    node.regex = regex
    node.opts = opts
    node.value = compiled

    local first = head.next
    node.prev = head
    node.next = first
    first.prev = node
    head.next = node

    local sub_map = match_cache_map[opts]
    if not sub_map then
        sub_map = new_tab(0, 4)
        match_cache_map[opts] = sub_map
    end

    sub_map[regex] = node
end


-- opts -> flags, pcre_opts; an unknown letter is the caller's mistake
local function parse_regex_opts(opts)
    local t = cached_re_opts[opts]
    if t then
        return t[1], t[2]
    end

    local flags = 0
    local pcre_opts = 0
    local len = #opts

    for i = 1, len do
        local opt = byte(opts, i)
        if opt == byte("o") then
            flags = bor(flags, FLAG_COMPILE_ONCE)

        elseif opt == byte("j") then
            flags = bor(flags, FLAG_JIT)

        elseif opt == byte("i") then
            pcre_opts = bor(pcre_opts, PCRE_CASELESS)

        elseif opt == byte("s") then
            pcre_opts = bor(pcre_opts, PCRE_DOTALL)

        elseif opt == byte("m") then
            pcre_opts = bor(pcre_opts, PCRE_MULTILINE)

        elseif opt == byte("u") then
            pcre_opts = bor(pcre_opts, PCRE_UTF8)

        elseif opt == byte("U") then
            pcre_opts = bor(pcre_opts, PCRE_UTF8)
            flags = bor(flags, FLAG_NO_UTF8_CHECK)

        elseif opt == byte("x") then
            pcre_opts = bor(pcre_opts, PCRE_EXTENDED)

        elseif opt == byte("d") then
            flags = bor(flags, FLAG_DFA)

        elseif opt == byte("a") then
            pcre_opts = bor(pcre_opts, PCRE_ANCHORED)

        elseif opt == byte("D") then
            pcre_opts = bor(pcre_opts, PCRE_DUPNAMES)
            flags = bor(flags, FLAG_DUPNAMES)

        elseif opt == byte("J") then
            pcre_opts = bor(pcre_opts, PCRE_JAVASCRIPT_COMPAT)

        else
            error(fmt('unknown flag "%s" (flags "%s")', sub(opts, i, i), opts),
                  3)
        end
    end

    cached_re_opts[opts] = {flags, pcre_opts}
    return flags, pcre_opts
end


local function collect_named_captures(compiled, flags, res)
    local name_count = compiled.name_count
    local name_table = compiled.name_table
    local entry_size = compiled.name_entry_size

    local ind = 0
    local dup_names = (band(flags, FLAG_DUPNAMES) ~= 0)
    for _ = 1, name_count do
        local n = bor(lshift(name_table[ind], 8), name_table[ind + 1])
        local name = ffi_string(name_table + ind + 2)
        local cap = res[n]
        if dup_names then
            -- unmatched groups (false) are not collected
            if cap then
                local old = res[name]
                if old then
                    old[#old + 1] = cap

                else
                    res[name] = {cap}
                end
            end

        else
            res[name] = cap
        end

        ind = ind + entry_size
    end
end


-- the match's captures as a table: [0] the whole match, [n] group n
-- (false when it did not take part), and the named groups by name
local function collect_captures(compiled, rc, subj, flags, res)
    local cap = compiled.captures
    local ncap = compiled.ncaptures
    local name_count = compiled.name_count

    if not res then
        res = new_tab(ncap, name_count)
    end

    local i = 0
    local n = 0
    while i <= ncap do
        if i > rc then
            res[i] = false

        else
            local from = cap[n]
            if from >= 0 then
                local to = cap[n + 1]
                res[i] = sub(subj, from + 1, to)

            else
                res[i] = false
            end
        end

        i = i + 1
        n = n + 2
    end

    if name_count > 0 then
        collect_named_captures(compiled, flags, res)
    end

    return res
end


_M.collect_captures = collect_captures


local function destroy_compiled_regex(compiled)
    mx_ffi_regex_destroy(ffi_gc(compiled, nil))
end


_M.destroy_compiled_regex = destroy_compiled_regex


-- compiled, compile_once, flags; or nil, err
local function re_match_compile(regex, opts)
    local flags = 0
    local pcre_opts = 0

    if opts then
        flags, pcre_opts = parse_regex_opts(opts)

    else
        opts = ""
    end

    local compiled
    local compile_once = (band(flags, FLAG_COMPILE_ONCE) == 1)

    if not match_cache_head then
        if get_max_regex_cache_size() <= 0 then
            compile_once = false

        else
            local head = new_tab(0, 2)
            head.prev = head
            head.next = head
            match_cache_head = head
        end
    end

    if compile_once then
        compiled = match_cache_get(regex, opts)
    end

    if compiled == nil then
        local errbuf = get_string_buf(MAX_ERR_MSG_LEN)

        compiled = mx_ffi_regex_compile(regex, #regex, flags, pcre_opts,
                                        errbuf, MAX_ERR_MSG_LEN)

        if compiled == nil then
            return nil, ffi_string(errbuf)
        end

        ffi_gc(compiled, mx_ffi_regex_destroy)

        if compile_once then
            match_cache_set(regex, opts, compiled)
        end
    end

    return compiled, compile_once, flags
end


_M.re_match_compile = re_match_compile


local function re_match_helper(subj, regex, opts, ctx, want_caps, res, nth)
    -- anything but a string is matched as tostring() gives it
    subj = tostring(subj)

    local compiled, compile_once, flags = re_match_compile(regex, opts)
    if compiled == nil then
        -- compile_once holds the error string
        if not want_caps then
            return nil, nil, compile_once
        end
        return nil, compile_once
    end

    local rc
    do
        local pos
        if ctx then
            pos = ctx.pos
            if not pos or pos <= 0 then
                pos = 0

            else
                pos = pos - 1
            end

        else
            pos = 0
        end

        rc = mx_ffi_regex_exec(compiled, flags, subj, #subj, pos)
    end

    if rc == PCRE_ERROR_NOMATCH then
        if not compile_once then
            destroy_compiled_regex(compiled)
        end
        return nil
    end

    if rc < 0 then
        if not compile_once then
            destroy_compiled_regex(compiled)
        end
        if not want_caps then
            return nil, nil, "pcre_exec() failed: " .. rc
        end
        return nil, "pcre_exec() failed: " .. rc
    end

    if rc == 0 then
        if band(flags, FLAG_DFA) == 0 then
            if not want_caps then
                return nil, nil, "capture size too small"
            end
            return nil, "capture size too small"
        end

        rc = 1
    end

    if ctx then
        ctx.pos = compiled.captures[1] + 1
    end

    if not want_caps then
        if not nth or nth < 0 then
            nth = 0
        end

        if nth > compiled.ncaptures then
            return nil, nil, "nth out of bound"
        end

        if nth >= rc then
            return nil, nil
        end

        local from = compiled.captures[nth * 2] + 1
        local to = compiled.captures[nth * 2 + 1]

        if from < 0 or to < 0 then
            return nil, nil
        end

        return from, to
    end

    res = collect_captures(compiled, rc, subj, flags, res)

    if not compile_once then
        destroy_compiled_regex(compiled)
    end

    return res
end


function ngx.re.match(subj, regex, opts, ctx, res)
    return re_match_helper(subj, regex, opts, ctx, true, res)
end


function ngx.re.find(subj, regex, opts, ctx, nth)
    return re_match_helper(subj, regex, opts, ctx, false, nil, nth)
end


do
    local function destroy_re_gmatch_iterator(iterator)
        if not iterator._compile_once then
            destroy_compiled_regex(iterator._compiled)
        end
        iterator._compiled = nil
        iterator._pos = nil
        iterator._subj = nil
    end


    local function iterate_re_gmatch(self)
        local compiled = self._compiled
        local subj = self._subj
        local subj_len = self._subj_len
        local flags = self._flags
        local pos = self._pos

        if not pos then
            -- exhausted
            return nil
        end

        local rc = mx_ffi_regex_exec(compiled, flags, subj, subj_len, pos)

        if rc == PCRE_ERROR_NOMATCH then
            destroy_re_gmatch_iterator(self)
            return nil
        end

        if rc < 0 then
            destroy_re_gmatch_iterator(self)
            return nil, "pcre_exec() failed: " .. rc
        end

        if rc == 0 then
            if band(flags, FLAG_DFA) == 0 then
                destroy_re_gmatch_iterator(self)
                return nil, "capture size too small"
            end

            rc = 1
        end

        local cp_pos = tonumber(compiled.captures[1])
        if cp_pos == compiled.captures[0] then
            -- an empty match: the next try starts one byte further
            cp_pos = cp_pos + 1
            if cp_pos > subj_len then
                local res = collect_captures(compiled, rc, subj, flags)
                destroy_re_gmatch_iterator(self)
                return res
            end
        end
        self._pos = cp_pos
        return collect_captures(compiled, rc, subj, flags)
    end


    local re_gmatch_iterator_mt = { __call = iterate_re_gmatch }

    function ngx.re.gmatch(subj, regex, opts)
        subj = tostring(subj)

        local compiled, compile_once, flags = re_match_compile(regex, opts)
        if compiled == nil then
            -- compile_once holds the error string
            return nil, compile_once
        end

        local re_gmatch_iterator = {
            _compiled = compiled,
            _compile_once = compile_once,
            _subj = subj,
            _subj_len = #subj,
            _flags = flags,
            _pos = 0,
        }

        -- through a local: a trace cannot return from a tail call to a builtin
        local ret = setmetatable(re_gmatch_iterator, re_gmatch_iterator_mt)
        return ret
    end
end  -- do


-- grows the output buffer of sub/gsub to hold new_len bytes
local function check_buf_size(buf, buf_size, pos, len, new_len, must_alloc)
    if new_len > buf_size then
        buf_size = buf_size * buf_grow_ratio
        if buf_size < new_len then
            buf_size = new_len
        end
        local new_buf = get_string_buf(buf_size, must_alloc)
        ffi_copy(new_buf, buf, len)
        buf = new_buf
        pos = buf + len
    end
    return buf, buf_size, pos, new_len
end


_M.check_buf_size = check_buf_size


local function re_sub_compile(regex, opts, replace, func)
    local flags = 0
    local pcre_opts = 0

    if opts then
        flags, pcre_opts = parse_regex_opts(opts)

    else
        opts = ""
    end

    local compiled
    local compile_once = (band(flags, FLAG_COMPILE_ONCE) == 1)
    if compile_once then
        if func then
            local subcache = regex_sub_func_cache[opts]
            if subcache then
                compiled = subcache[regex]
            end

        else
            local subcache = regex_sub_str_cache[opts]
            if subcache then
                local subsubcache = subcache[regex]
                if subsubcache then
                    compiled = subsubcache[replace]
                end
            end
        end
    end

    if compiled == nil then
        local errbuf = get_string_buf(MAX_ERR_MSG_LEN)

        compiled = mx_ffi_regex_compile(regex, #regex, flags, pcre_opts,
                                        errbuf, MAX_ERR_MSG_LEN)

        if compiled == nil then
            return nil, ffi_string(errbuf)
        end

        ffi_gc(compiled, mx_ffi_regex_destroy)

        if func == nil then
            local rc = mx_ffi_regex_compile_replace(compiled, replace,
                                                    #replace)
            if rc ~= 0 then
                destroy_compiled_regex(compiled)
                return nil, "failed to compile the replacement template"
            end
        end

        if compile_once then
            if regex_cache_size < get_max_regex_cache_size() then
                if func then
                    local subcache = regex_sub_func_cache[opts]
                    if not subcache then
                        regex_sub_func_cache[opts] = {[regex] = compiled}

                    else
                        subcache[regex] = compiled
                    end

                else
                    local subcache = regex_sub_str_cache[opts]
                    if not subcache then
                        regex_sub_str_cache[opts] =
                            {[regex] = {[replace] = compiled}}

                    else
                        local subsubcache = subcache[regex]
                        if not subsubcache then
                            subcache[regex] = {[replace] = compiled}

                        else
                            subsubcache[replace] = compiled
                        end
                    end
                end

                regex_cache_size = regex_cache_size + 1

            else
                compile_once = false
            end
        end
    end

    return compiled, compile_once, flags
end


_M.re_sub_compile = re_sub_compile


local function re_sub_func_helper(subj, regex, replace, opts, global)
    local compiled, compile_once, flags =
                                    re_sub_compile(regex, opts, nil, replace)
    if not compiled then
        -- compile_once holds the error string
        return nil, nil, compile_once
    end

    subj = tostring(subj)
    local subj_len = #subj
    local count = 0
    local pos = 0
    local cp_pos = 0

    local dst_buf_size = get_string_buf_size()
    -- the callback may call this API again: the shared buffer is not ours
    local dst_buf = get_string_buf(dst_buf_size, true)
    local dst_pos = dst_buf
    local dst_len = 0

    while true do
        local rc = mx_ffi_regex_exec(compiled, flags, subj, subj_len, pos)
        if rc == PCRE_ERROR_NOMATCH then
            break
        end

        if rc < 0 then
            if not compile_once then
                destroy_compiled_regex(compiled)
            end
            return nil, nil, "pcre_exec() failed: " .. rc
        end

        if rc == 0 then
            if band(flags, FLAG_DFA) == 0 then
                if not compile_once then
                    destroy_compiled_regex(compiled)
                end
                return nil, nil, "capture size too small"
            end

            rc = 1
        end

        count = count + 1
        local prefix_len = compiled.captures[0] - cp_pos

        local res = collect_captures(compiled, rc, subj, flags)

        local piece = tostring(replace(res))
        local piece_len = #piece

        local new_dst_len = dst_len + prefix_len + piece_len
        dst_buf, dst_buf_size, dst_pos, dst_len =
            check_buf_size(dst_buf, dst_buf_size, dst_pos, dst_len,
                           new_dst_len, true)

        if prefix_len > 0 then
            ffi_copy(dst_pos, ffi_cast(c_str_type, subj) + cp_pos,
                     prefix_len)
            dst_pos = dst_pos + prefix_len
        end

        if piece_len > 0 then
            ffi_copy(dst_pos, piece, piece_len)
            dst_pos = dst_pos + piece_len
        end

        cp_pos = compiled.captures[1]
        pos = cp_pos
        if pos == compiled.captures[0] then
            pos = pos + 1
            if pos > subj_len then
                break
            end
        end

        if not global then
            break
        end
    end

    if not compile_once then
        destroy_compiled_regex(compiled)
    end

    if count > 0 then
        if cp_pos < subj_len then
            local suffix_len = subj_len - cp_pos

            local new_dst_len = dst_len + suffix_len
            local _
            dst_buf, _, dst_pos, dst_len =
                check_buf_size(dst_buf, dst_buf_size, dst_pos, dst_len,
                               new_dst_len, true)

            ffi_copy(dst_pos, ffi_cast(c_str_type, subj) + cp_pos,
                     suffix_len)
        end
        return ffi_string(dst_buf, dst_len), count
    end

    return subj, 0
end


local function re_sub_str_helper(subj, regex, replace, opts, global)
    local compiled, compile_once, flags =
                                    re_sub_compile(regex, opts, replace, nil)
    if not compiled then
        -- compile_once holds the error string
        return nil, nil, compile_once
    end

    subj = tostring(subj)
    local subj_len = #subj
    local count = 0
    local pos = 0
    local cp_pos = 0

    local dst_buf_size = get_string_buf_size()
    local dst_buf = get_string_buf(dst_buf_size)
    local dst_pos = dst_buf
    local dst_len = 0

    while true do
        local rc = mx_ffi_regex_exec(compiled, flags, subj, subj_len, pos)
        if rc == PCRE_ERROR_NOMATCH then
            break
        end

        if rc < 0 then
            if not compile_once then
                destroy_compiled_regex(compiled)
            end
            return nil, nil, "pcre_exec() failed: " .. rc
        end

        if rc == 0 then
            if band(flags, FLAG_DFA) == 0 then
                if not compile_once then
                    destroy_compiled_regex(compiled)
                end
                return nil, nil, "capture size too small"
            end

            rc = 1
        end

        count = count + 1
        local prefix_len = compiled.captures[0] - cp_pos

        if compiled.replace_tpl ~= nil then
            local bit_len = tonumber(mx_ffi_regex_replace_len(compiled, rc))
            local new_dst_len = dst_len + prefix_len + bit_len
            dst_buf, dst_buf_size, dst_pos, dst_len =
                check_buf_size(dst_buf, dst_buf_size, dst_pos, dst_len,
                               new_dst_len)

            if prefix_len > 0 then
                ffi_copy(dst_pos, ffi_cast(c_str_type, subj) + cp_pos,
                         prefix_len)
                dst_pos = dst_pos + prefix_len
            end

            if bit_len > 0 then
                mx_ffi_regex_replace_copy(compiled, subj, rc, dst_pos)
                dst_pos = dst_pos + bit_len
            end

        else
            local bit_len = compiled.replace_len

            dst_buf, dst_buf_size, dst_pos, dst_len =
                check_buf_size(dst_buf, dst_buf_size, dst_pos, dst_len,
                               dst_len + prefix_len + bit_len)

            if prefix_len > 0 then
                ffi_copy(dst_pos, ffi_cast(c_str_type, subj) + cp_pos,
                         prefix_len)
                dst_pos = dst_pos + prefix_len
            end

            if bit_len > 0 then
                ffi_copy(dst_pos, compiled.replace, bit_len)
                dst_pos = dst_pos + bit_len
            end
        end

        cp_pos = compiled.captures[1]
        pos = cp_pos
        if pos == compiled.captures[0] then
            pos = pos + 1
            if pos > subj_len then
                break
            end
        end

        if not global then
            break
        end
    end

    if not compile_once then
        destroy_compiled_regex(compiled)
    end

    if count > 0 then
        if cp_pos < subj_len then
            local suffix_len = subj_len - cp_pos

            local new_dst_len = dst_len + suffix_len
            local _
            dst_buf, _, dst_pos, dst_len =
                check_buf_size(dst_buf, dst_buf_size, dst_pos, dst_len,
                               new_dst_len)

            ffi_copy(dst_pos, ffi_cast(c_str_type, subj) + cp_pos,
                     suffix_len)
        end
        return ffi_string(dst_buf, dst_len), count
    end

    return subj, 0
end


local function re_sub_helper(subj, regex, replace, opts, global)
    local repl_type = type(replace)
    if repl_type == "function" then
        return re_sub_func_helper(subj, regex, replace, opts, global)
    end

    if repl_type ~= "string" then
        replace = tostring(replace)
    end

    return re_sub_str_helper(subj, regex, replace, opts, global)
end


function ngx.re.sub(subj, regex, replace, opts)
    return re_sub_helper(subj, regex, replace, opts, false)
end


function ngx.re.gsub(subj, regex, replace, opts)
    return re_sub_helper(subj, regex, replace, opts, true)
end


return _M
