-- wrk script of loadtest/bindings_bench.sh: each thread (one connection each, -t8 -c8) binds in
-- its own tenant, alternating two revisions so every bind changes its cell. The tenants are
-- the lines of the file named by BENCH_TENANTS: `slug token revision_a revision_b`.
local threads, next_id = {}, 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

function init(args)
  local n = 0
  for line in io.lines(os.getenv("BENCH_TENANTS")) do
    n = n + 1
    if n == tid then
      local _, token, a, b = line:match("(%S+) (%S+) (%S+) (%S+)")
      bodies = {
        '{"config_id":"' .. a .. '","env":"prod"}',
        '{"config_id":"' .. b .. '","env":"prod"}',
      }
      headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }
    end
  end
  if not bodies then error("no tenant line " .. tid) end
  sent, created, other = 0, 0, 0
end

function request()
  sent = sent + 1
  return wrk.format("POST", "/v1/bindings", headers, bodies[sent % 2 + 1])
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  else
    other = other + 1
    if other <= 3 then io.stderr:write("status " .. status .. ": " .. body .. "\n") end
  end
end

function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    o = o + t:get("other")
  end
  io.write(string.format("RESULT created=%d other=%d secs=%.3f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f\n",
    c, o, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3))
end
