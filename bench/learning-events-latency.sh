#!/usr/bin/env bash
# Latency of the learning-events flow on a running Caravan, one review.created event at a time:
#   accepted = until POST /domain-events returns 202 (broker confirmed);
#   rated    = until the course's rating aggregate counts the review (notification consumer);
#   logged   = until the event is in the event log (event-log consumer).
# Usage: bench/learning-events-latency.sh [N=50]   (env: CARAVAN_URL, PGURL)
set -euo pipefail
n="${1:-50}"
url="${CARAVAN_URL:-http://127.0.0.1:8080}"
pg="${PGURL:-postgresql://postgres@127.0.0.1:5432/caravan}"
course=$(( $(date +%s) * 1000 + $$ % 1000 ))
accepted=(); rated=(); logged=()

now_ms() { date +%s%3N; }

for i in $(seq 1 "$n"); do
  t0=$(now_ms)
  id=$(curl -fsS "$url/domain-events" -H 'content-type: application/json' \
        -d "{\"event_type\":\"review.created\",\"timestamp\":\"$(date -u +%Y-%m-%dT%H:%M:%S)\",\"data\":{\"review_id\":$((course * 1000 + i)),\"user_id\":1,\"course_id\":$course,\"rating\":$(( i % 5 + 1 ))}}" \
        | sed -E 's/.*"event_id":"([^"]+)".*/\1/')
  t1=$(now_ms); t2=; t3=
  # both consumers work in parallel: poll both, note when each is first seen
  until [ -n "$t2" ] && [ -n "$t3" ]; do
    read -r count logs <<<"$(psql "$pg" -AtqF' ' -c "SELECT (SELECT coalesce(max(review_count), 0) FROM course_ratings WHERE course_id = $course), (SELECT count(*) FROM learning_event_log WHERE event_id = '$id')")"
    [ -z "$t2" ] && [ "$count" = "$i" ] && t2=$(now_ms)
    [ -z "$t3" ] && [ "$logs" = 1 ] && t3=$(now_ms)
    [ $(( $(now_ms) - t0 )) -gt 10000 ] && { echo "event $id not rated and logged within 10 s" >&2; exit 1; }
  done
  accepted+=($((t1 - t0))); rated+=($((t2 - t0))); logged+=($((t3 - t0)))
done

stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "median %d ms, p95 %d ms, max %d ms", a[int((NR+1)/2)], a[int(NR*0.95+0.999)], a[NR]}'; }
echo "events: $n (course $course)"
echo "POST /domain-events accepted: $(stats "${accepted[@]}")"
echo "rating aggregate updated:     $(stats "${rated[@]}")   (includes psql polling, ~5-10 ms per poll)"
echo "event in the event log:       $(stats "${logged[@]}")   (both polled together)"
psql "$pg" -Atqc "SELECT 'aggregate: ' || review_count || ' reviews, sum ' || rating_sum || ', average ' || average_rating FROM course_ratings WHERE course_id = $course"
