#!/usr/bin/env bash
# Throughput of the commerce-events flow on a running Caravan (USE_RABBITMQ=true): posts N events to
# POST /events/batch and measures events/s until BOTH workers have stored every one of them, read from
# Caravan's own counters caravan_messages_stored_total{queue="events.neo4j"} and {queue="events.qdrant"}
# (a message counts once its sink committed). Events spread over U users and P products in 8 categories.
#
# Usage: bench/commerce-events.sh [N=2000] [BATCH=100] [RUNS=3] [USERS=50] [PRODUCTS=500]
#   env: CARAVAN_URL (default http://127.0.0.1:8080), TOKEN (roles user and admin: the events are posted for
#        many users and the counters are on /actuator); without TOKEN one is minted with the dev-only /dev/token.
# Needs curl, jq. Nothing else may post events meanwhile (it would be counted).
set -euo pipefail
n="${1:-2000}"; batch="${2:-100}"; runs="${3:-3}"; users="${4:-50}"; products="${5:-500}"
url="${CARAVAN_URL:-http://127.0.0.1:8080}"
token="${TOKEN:-$(curl -fsS -XPOST "$url/dev/token?user=bench&roles=user,admin" | jq -r .token)}"
auth="Authorization: Bearer $token"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
types=(view view view view cart cart remove_from_cart purchase)
categories=(electronics.smartphone electronics.audio computers.notebook appliances.kitchen furniture.chair furniture.sofa apparel.shoes sport.bicycle)

now_ms() { date +%s%3N; }

stored() { # events stored by one queue's worker so far
  curl -fsS "$url/actuator/prometheus" -H "$auth" \
    | awk -v q="queue=\"$1\"" 'index($0, "caravan_messages_stored_total{") == 1 && index($0, q) { s += $NF } END { printf "%d", s }'
}

make_batches() { # $1 = run number; writes $work/batch-*.json, each a bare JSON array (seed 002's batch body)
  rm -f "$work"/batch-*.json
  local i=0 b=0 body="" p
  while [ "$i" -lt "$n" ]; do
    p=$(( (i * 7919 + $1) % products ))
    body+="${body:+,}{\"user_id\":\"bench-u$(( (i * 31 + $1) % users ))\",\"product_id\":\"bench-p$p\","
    body+="\"event_type\":\"${types[$(( i % 8 ))]}\",\"user_session\":\"bench-$1\","
    body+="\"category\":\"${categories[$(( p % 8 ))]}\",\"price\":$(( 5 + p % 200 )).99}"
    i=$(( i + 1 ))
    if [ $(( i % batch )) -eq 0 ] || [ "$i" -eq "$n" ]; then
      printf '[%s]' "$body" > "$work/batch-$(printf %05d "$b").json"; body=""; b=$(( b + 1 ))
    fi
  done
}

results=()
for run in $(seq 1 "$runs"); do
  make_batches "$run"
  neo0=$(stored events.neo4j); qd0=$(stored events.qdrant)
  t0=$(now_ms)
  for f in "$work"/batch-*.json; do
    code=$(curl -sS -o "$work/answer" -w '%{http_code}' "$url/events/batch" -H "$auth" -H 'content-type: application/json' --data-binary "@$f")
    [ "$code" = 202 ] || { echo "POST /events/batch answered $code: $(cat "$work/answer")" >&2; exit 1; }
  done
  t1=$(now_ms)
  until [ $(( $(stored events.neo4j) - neo0 )) -ge "$n" ] && [ $(( $(stored events.qdrant) - qd0 )) -ge "$n" ]; do
    [ $(( $(now_ms) - t0 )) -gt 600000 ] && { echo "not stored by both workers within 10 min" >&2; exit 1; }
    sleep 0.2
  done
  t2=$(now_ms)
  rate=$(( n * 1000 / (t2 - t0) ))
  results+=("$rate")
  echo "run $run: $n events in $(( n / batch + (n % batch > 0) )) batches: accepted in $(( t1 - t0 )) ms ($(( n * 1000 / (t1 - t0 + 1) )) events/s), in Neo4j and Qdrant after $(( t2 - t0 )) ms: $rate events/s"
done
median=$(printf '%s\n' "${results[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median over $runs runs: $median events/s through both workers (N=$n, batch=$batch, users=$users, products=$products)"
