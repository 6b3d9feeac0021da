-- mix.lua: wrk's script for tests/load/test_load.sh: a mix of reads and writes against
-- `dorf serve`, with every write carrying a marker the test finds in the database afterwards.
--
-- Settings come from the environment (wrk passes no arguments to setup()):
--   LOAD_TOKEN    a citizen's session token (orders and DorfFunk posts)
--   LOAD_SHOP, LOAD_PRODUCT   the shop and a product with plenty of stock
--   LOAD_NEAR     "lon,lat": the point the places are searched around
--   LOAD_TILES    base tiles as "z/x/y z/x/y ..."
--   LOAD_RUN      a word naming the run, part of every marker (markers stay unique over runs)
--   LOAD_OUT      a folder: each thread writes what its writes got back to OUT/thread-N.log,
--                 one line each: "order ID" (the id of a 201 order) or "post MARKER"
--
-- Of every 10 requests: 3 GET /api/places near the point, 3 GET base tiles, 2 GET /api/news,
-- 1 POST /api/orders, 1 POST /api/funk/general. wrk cannot tell which request an answer
-- belongs to, so response() recognises the writes by their bodies: an order's answer carries
-- "citizen_id", a post's answer its title, the marker "load-RUN-THREAD-N".

local threads = {}
local counter = 0

function setup(thread)
    thread:set("id", #threads + 1)
    table.insert(threads, thread)
end

local function split(text)
    local out = {}
    for item in string.gmatch(text or "", "%S+") do
        table.insert(out, item)
    end
    return out
end

function init(args)
    token = os.getenv("LOAD_TOKEN")
    run = os.getenv("LOAD_RUN") or "run"
    order_body = string.format(
        '{"shop_id":%s,"items":[{"product_id":%s,"quantity":1}],"delivery":false}',
        os.getenv("LOAD_SHOP"), os.getenv("LOAD_PRODUCT"))
    places_path = "/api/places?near=" .. os.getenv("LOAD_NEAR") ..
        "&radius=3000&sort=distance&limit=20"
    tiles = split(os.getenv("LOAD_TILES"))
    log = assert(io.open(os.getenv("LOAD_OUT") .. "/thread-" .. id .. ".log", "w"))
    log:setvbuf("line")
    -- Counters read by done(); a 429 is not a server error but must not happen here (the
    -- test turns the write limit off).
    ok_orders, ok_posts, s2xx, s4xx, s429, s5xx, other = 0, 0, 0, 0, 0, 0, 0
    json_headers = {["Content-Type"] = "application/json",
                    ["Authorization"] = "Bearer " .. token}
end

function request()
    counter = counter + 1
    local k = counter % 10
    if k < 3 then
        return wrk.format("GET", places_path)
    elseif k < 6 then
        return wrk.format("GET", "/tiles/base/" .. tiles[counter % #tiles + 1] .. ".mvt")
    elseif k < 8 then
        return wrk.format("GET", "/api/news?limit=20")
    elseif k == 8 then
        return wrk.format("POST", "/api/orders", json_headers, order_body)
    else
        local marker = string.format("load-%s-%d-%d", run, id, counter)
        return wrk.format("POST", "/api/funk/general", json_headers,
            string.format('{"title":"%s","body":"load test post %s"}', marker, marker))
    end
end

function response(status, headers, body)
    if status >= 200 and status < 300 then
        s2xx = s2xx + 1
        if status == 201 then
            if string.find(body, '"citizen_id"', 1, true) then
                ok_orders = ok_orders + 1
                log:write("order ", string.match(body, '^{"id":(%d+)') or "?", "\n")
            else
                local marker = string.match(body, "load%-%w+%-%d+%-%d+")
                if marker then
                    ok_posts = ok_posts + 1
                    log:write("post ", marker, "\n")
                end
            end
        end
    elseif status == 429 then
        s429 = s429 + 1
    elseif status >= 500 then
        s5xx = s5xx + 1
    elseif status >= 400 then
        s4xx = s4xx + 1
    else
        other = other + 1
    end
end

function done(summary, latency, requests)
    local t = {ok_orders = 0, ok_posts = 0, s2xx = 0, s4xx = 0, s429 = 0, s5xx = 0, other = 0}
    for _, thread in ipairs(threads) do
        for name, _ in pairs(t) do
            t[name] = t[name] + (thread:get(name) or 0)
        end
    end
    -- One line for the shell script to parse.
    io.write(string.format(
        "mix: 2xx %d orders_ok %d posts_ok %d 4xx %d 429 %d 5xx %d other %d p99_us %d " ..
        "timeouts %d connect_errors %d read_errors %d write_errors %d\n",
        t.s2xx, t.ok_orders, t.ok_posts, t.s4xx, t.s429, t.s5xx, t.other,
        latency:percentile(99), summary.errors.timeout, summary.errors.connect,
        summary.errors.read, summary.errors.write))
end
