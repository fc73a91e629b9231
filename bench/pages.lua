-- wrk script: GET /wiki/api/v2/pages/{id}?body-format=storage over a list of
-- page ids the signed-in viewer may see, with Basic e-mail:token auth.
-- Environment: BENCH_IDS (a file with one id per line), BENCH_AUTH (the
-- Authorization header value). Prints one JSON line at the end.
local ids = {}
local auth = os.getenv("BENCH_AUTH")
local path = os.getenv("BENCH_PATH")

function init(args)
  local file = os.getenv("BENCH_IDS")
  if file then
    for line in io.lines(file) do ids[#ids + 1] = line end
  end
  math.randomseed(os.time() + math.random(1, 100000))
end

function request()
  local target = path or "/"
  if #ids > 0 then
    target = "/wiki/api/v2/pages/" .. ids[math.random(1, #ids)] .. "?body-format=storage"
  end
  local headers = {}
  if auth then headers["Authorization"] = auth end
  return wrk.format("GET", target, headers)
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local non2xx = (summary.errors.status or 0)
  io.write(string.format(
    'BENCH {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"non2xx":%d,"socket_errors":%d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    non2xx, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
