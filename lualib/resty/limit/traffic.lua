-- resty.limit.traffic: several limiters (resty.limit.req, .conn, .count)
-- applied to one request as one; see limit.md.

local max = math.max


local _M = { _VERSION = "0.09" }


-- limiters[i] is checked with keys[i]; the largest delay, or nil and the
-- first error ("rejected"). Nothing is recorded unless every limiter
-- accepts: all are first asked without committing (the last one commits,
-- which costs one call less), then committed, and on a late rejection
-- the ones committed are taken back. states[i], when given, receives the
-- second value of limiter i's incoming().
function _M.combine(limiters, keys, states)
    local n = #limiters
    local max_delay = 0

    for i = 1, n do
        local delay, state = limiters[i]:incoming(keys[i], i == n)
        if not delay then
            return nil, state
        end

        if i == n then
            if states then
                states[i] = state
            end

            max_delay = delay
        end
    end

    for i = 1, n - 1 do
        local delay, state = limiters[i]:incoming(keys[i], true)
        if not delay then
            -- errors of uncommit() leave nothing better to do
            for j = 1, i - 1 do
                limiters[j]:uncommit(keys[j])
            end
            limiters[n]:uncommit(keys[n])

            return nil, state
        end

        if states then
            states[i] = state
        end

        max_delay = max(max_delay, delay)
    end

    return max_delay
end


return _M
