-- wrk script of the tables bench (bench/tables_bench.py runs it): each wrk thread is one logged-in user
-- with one connection, requesting the page kind's sample URLs in turn and pausing between requests.
--
-- Environment: HUB_LOAD_URLS (a file of paths, one per line), HUB_LOAD_COOKIES (a file of Cookie header
-- values, one per user), HUB_LOAD_THINK_MS (mean pause; 0 for none). `done` prints one JSON line.

local counter = 0

local function lines(path)
  local out = {}
  for line in io.lines(path) do
    if line ~= "" then out[#out + 1] = line end
  end
  return out
end

function setup(thread)
  local cookies = lines(os.getenv("HUB_LOAD_COOKIES"))
  counter = counter + 1
  thread:set("id", counter)
  thread:set("cookie", cookies[((counter - 1) % #cookies) + 1])
end

function init(args)
  paths = lines(os.getenv("HUB_LOAD_URLS"))
  think = tonumber(os.getenv("HUB_LOAD_THINK_MS") or "0")
  math.randomseed(id * 7919)
  position = math.random(#paths)
  wrk.headers["Cookie"] = cookie
  for name, value in string.gmatch(os.getenv("HUB_LOAD_HEADERS") or "", "([^:\n]+): ([^\n]+)") do
    wrk.headers[name] = value
  end
end

function request()
  position = (position % #paths) + 1
  return wrk.format("GET", paths[position])
end

function delay()
  if think <= 0 then return 0 end
  return math.floor(think * (0.5 + math.random()))
end

-- The latency distribution as 200 quantiles (every 0.5 %), so the bench can merge page kinds into one.
function done(summary, latency, requests)
  local errors = summary.errors
  local quantiles = {}
  for step = 1, 200 do
    quantiles[step] = string.format("%d", latency:percentile(step * 0.5))
  end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": %d, "status_errors": %d, "quantiles_us": [%s]}\n',
    summary.requests, summary.duration, errors.connect + errors.read + errors.write + errors.timeout,
    errors.status, table.concat(quantiles, ", ")))
end
