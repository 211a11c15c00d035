#!/usr/bin/env bash
# Time from POST /chat/send to the session being completed, on a running Caravan (dev profile).
#   answer  = time until POST /chat/send returned 202
#   done    = time until GET /chat/session/{id} says completed (polled every ~10 ms)
# Usage: bench/chat-relay-latency.sh [N=15]   (env: CARAVAN_URL; N within the per-user rate limit, 20 per minute by default)
set -euo pipefail
n="${1:-15}"
url="${CARAVAN_URL:-http://127.0.0.1:8080}"
user="bench-$(date +%s)-$$"
token=$(curl -fsS -XPOST "$url/dev/token?user=$user&roles=user" | sed -E 's/.*"token":"([^"]+)".*/\1/')
auth="Authorization: Bearer $token"
answers=(); done_ms=()
now_ms() { date +%s%3N; }

for i in $(seq 1 "$n"); do
  t0=$(now_ms)
  # distinct questions: the reply cache would otherwise answer all but the first
  id=$(curl -fsS -XPOST "$url/chat/send" -H "$auth" -H 'content-type: application/json' \
        -d "{\"message\":\"bench question $i of $user\"}" | sed -E 's/.*"session_id": *"([^"]+)".*/\1/')
  t1=$(now_ms)
  until curl -fsS "$url/chat/session/$id" -H "$auth" | grep -q '"status":"completed"'; do
    [ $(( $(now_ms) - t0 )) -gt 10000 ] && { echo "session $id not completed within 10 s" >&2; exit 1; }
    sleep 0.01
  done
  t2=$(now_ms)
  answers+=($((t1 - t0))); done_ms+=($((t2 - t0)))
done

stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "median %d ms, p95 %d ms, max %d ms", a[int((NR+1)/2)], a[int(NR*0.95+0.999)], a[NR]}'; }
echo "sessions: $n"
echo "POST /chat/send answered: $(stats "${answers[@]}")"
echo "session completed:        $(stats "${done_ms[@]}")   (includes curl polling)"
