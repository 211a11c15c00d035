#!/usr/bin/env bash
# Latency of the chat-history flow on a running Caravan:
#   answer = time until POST /chat returns; stored = time until the row is in PostgreSQL.
# Usage: bench/chat-latency.sh [N=50]   (env: CARAVAN_URL, PGURL; dev profile, for its /dev/token)
set -euo pipefail
n="${1:-50}"
url="${CARAVAN_URL:-http://127.0.0.1:8080}"
pg="${PGURL:-postgresql://postgres@127.0.0.1:5432/caravan}"
user="bench-$(date +%s)-$$"
token=$(curl -fsS -XPOST "$url/dev/token?user=$user&roles=user" | sed -E 's/.*"token":"([^"]+)".*/\1/')
answers=(); stored=()

now_ms() { date +%s%3N; }

for i in $(seq 1 "$n"); do
  t0=$(now_ms)
  id=$(curl -fsS "$url/chat" -H "Authorization: Bearer $token" -H 'content-type: application/json' \
        -d "{\"user_id\":\"$user\",\"message\":\"bench message $i\"}" | sed -E 's/.*"interaction_id":"([^"]+)".*/\1/')
  t1=$(now_ms)
  until [ "$(psql "$pg" -Atqc "SELECT count(*) FROM chat_history WHERE id = '$id'")" = 1 ]; do
    [ $(( $(now_ms) - t0 )) -gt 10000 ] && { echo "row $id not stored within 10 s" >&2; exit 1; }
  done
  t2=$(now_ms)
  answers+=($((t1 - t0))); stored+=($((t2 - t0)))
done

stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "median %d ms, p95 %d ms, max %d ms", a[int((NR+1)/2)], a[int(NR*0.95+0.999)], a[NR]}'; }
echo "requests: $n"
echo "POST /chat answered: $(stats "${answers[@]}")"
echo "row in PostgreSQL:   $(stats "${stored[@]}")   (includes psql polling, ~5-10 ms per poll)"
