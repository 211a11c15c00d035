-- wrk script for bench/throughput.sh: POST /chat as the token's user (env TOKEN, BENCH_USER), and at the end
-- one machine-readable line: requests, non-2xx, socket errors, duration and latency percentiles (ms).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.body = '{"user_id":"' .. os.getenv("BENCH_USER") .. '","message":"Hello there, how are you?"}'

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d non2xx=%d socket_errors=%d duration_us=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
