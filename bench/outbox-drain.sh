#!/usr/bin/env bash
# How fast Caravan recovers, against what the broker can do in the same run:
#   ceiling (batch)  RabbitMQ PerfTest, 1 producer, persistent messages, up to 500 unconfirmed: the
#                    broker's confirmed-publish rate when confirms are awaited together
#   drain            a 10,000-message outbox (rows for chat_history, left while the broker was cut) emptied
#                    by route outbox.relay once the broker is back: messages/s from the first relayed row
#                    to an empty outbox
#   ceiling (serial) PerfTest, persistent, 1 unconfirmed at a time: one confirm per round trip
#   (stored)         how fast the chat-history consumer then stored those 10,000 good messages, for comparison
#   dead letters     2,000 poison messages (PerfTest's binary bodies: not JSON) published to chat_history:
#                    dead letters/s parked by the chat-history consumer (caravan_messages_dead_lettered_total)
# ROUNDS rounds, the four steps interleaved in each; the median of each is reported.
#
# The script starts its own Caravan from SRC (./mvnw spring-boot:run, dev profile, worker chat-history
# only) on port 18080, its broker link through a TCP proxy (socat) that the script cuts and restores, and
# stops both at the end. The machine's RabbitMQ, PostgreSQL and Redis stay up.
#
# Usage: bench/outbox-drain.sh [ROUNDS=3] [SRC=this repository]
#   To compare with another version, pass its source tree: git archive main | tar -x -C /tmp/before
#   env: RABBITMQ_VHOST (default caravan-bench; must exist, guest allowed), BENCH_DB (default caravan_bench),
#        OUTBOX_N (10000), POISON_N (2000)
# Needs: curl, jq, psql (trust auth on 127.0.0.1), socat, rabbitmqctl, a JDK; PerfTest (com.rabbitmq:perf-test)
# is fetched from Maven Central by Maven on first use.
#
# Measured on the shared 2-core development VM (load average 10-27 from other builds: absolute numbers are
# low and noisy, read the ratios to the same run's ceiling), ROUNDS=3, medians (docs/failures.md, "Measured"):
#   before (one confirmed publish per message, 200 per 1-s tick): ceiling 7307 msg/s, drain 197 msg/s,
#          serial ceiling 606 msg/s, dead letters 156/s (good messages stored at 194/s)
#   after:  ceiling 4826 msg/s, drain 4486 msg/s (92 %), serial ceiling 551 msg/s, dead letters 136/s
#          (good messages stored at 101/s)
#   quieter machine (load 2-9), final code: before: ceiling 16074 msg/s, drain 200 msg/s, serial ceiling
#          1486 msg/s, dead letters 299/s; after: ceiling 18609 msg/s, drain 9470 msg/s (51 %), serial
#          ceiling 1877 msg/s, dead letters 404/s (good messages stored at 663/s)
set -euo pipefail
rounds="${1:-3}"
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$(cd "${2:-$root}" && pwd)"
vhost="${RABBITMQ_VHOST:-caravan-bench}"
db="${BENCH_DB:-caravan_bench}"
outbox_n="${OUTBOX_N:-10000}"
poison_n="${POISON_N:-2000}"
port=18080
proxy_port=15680
amqp="amqp://guest:guest@127.0.0.1:5672/$(jq -rn --arg v "$vhost" '$v|@uri')"
url="http://127.0.0.1:$port"
work="$(mktemp -d)"
caravan_pid=""; proxy_pid=""

cleanup() {
  [ -n "$proxy_pid" ] && kill -- "-$proxy_pid" 2>/dev/null || true
  [ -n "$caravan_pid" ] && kill -- "-$caravan_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

now_ms() { date +%s%3N; }
sql() { psql -h 127.0.0.1 -U postgres -d "$db" -tAqc "$1"; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# PerfTest from Maven Central: its class path, resolved once
cat > "$work/pom.xml" <<'EOF'
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>bench</groupId><artifactId>perf-test-classpath</artifactId><version>1</version>
  <dependencies><dependency><groupId>com.rabbitmq</groupId><artifactId>perf-test</artifactId><version>2.22.1</version></dependency></dependencies>
</project>
EOF
"$root/mvnw" -B -q -f "$work/pom.xml" dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" >/dev/null
perftest() { java -cp "$(cat "$work/cp.txt")" com.rabbitmq.perf.PerfTest -h "$amqp" "$@" 2>&1; }

proxy_up() { # its own process group: cutting it also ends the forked children that carry open connections.
  # nodelay: without it Nagle's algorithm holds each small publish up to 40 ms (the delayed ACK)
  setsid socat TCP-LISTEN:$proxy_port,bind=127.0.0.1,reuseaddr,fork,nodelay TCP:127.0.0.1:5672,nodelay &
  proxy_pid=$!
  sleep 0.3
}
proxy_down() { kill -- "-$proxy_pid" 2>/dev/null || true; wait "$proxy_pid" 2>/dev/null || true; proxy_pid=""; }

metric() { # sum of a Caravan counter's samples whose line contains $2
  curl -fsS "$url/actuator/prometheus" -H "Authorization: Bearer $token" \
    | awk -v m="$1{" -v f="$2" 'index($0, m) == 1 && index($0, f) { s += $NF } END { printf "%d", s }'
}

wait_until() { # $1 = seconds, then a command (run again each time) that must succeed
  local limit=$(( $(now_ms) + $1 * 1000 )); shift
  until "$@"; do
    [ "$(now_ms)" -gt "$limit" ] && { echo "timed out waiting for: $*" >&2; exit 1; }
    sleep 0.1
  done
}

# --- start Caravan ---------------------------------------------------------------------------------
psql -h 127.0.0.1 -U postgres -tAqc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db"
proxy_up
echo "starting Caravan from $src (log: $work/caravan.log)"
( cd "$src" && DB_URL="jdbc:postgresql://127.0.0.1:5432/$db" RABBITMQ_VHOST="$vhost" RABBITMQ_PORT=$proxy_port \
    CARAVAN_WORKERS=chat-history CARAVAN_DATA_DIR="$work/data" \
    exec setsid ./mvnw -B -q -o spring-boot:run -Dspring-boot.run.arguments="--server.port=$port --logging.level.root=WARN" \
    > "$work/caravan.log" 2>&1 ) &
caravan_pid=$!
wait_until 600 curl -fs -o /dev/null "$url/actuator/health/liveness"
token="$(curl -fsS -XPOST "$url/dev/token?user=bench&roles=user,admin" | jq -r .token)"
sql "DELETE FROM outbox"
rabbitmqctl -q -p "$vhost" purge_queue chat_history.dlq >/dev/null

# each step sets $result (msg/s); run in this shell, not $(...), so that the proxy's pid stays known
ceiling() { # $1 = max unconfirmed
  local out
  out="$(perftest -x 1 -y 0 -f persistent -c "$1" -s 200 -z 8 -u bench.ceiling -ad false)"
  rabbitmqctl -q -p "$vhost" delete_queue bench.ceiling >/dev/null
  result="$(echo "$out" | sed -n 's/.*sending rate avg: \([0-9]*\) msg\/s.*/\1/p' | tail -1)"
}

at_least() { # $1 = counter, $2 = label filter, $3 = value
  [ "$(metric "$1" "$2")" -ge "$3" ]
}

drain() {
  proxy_down
  sql "INSERT INTO outbox (exchange, routing_key, message_id, content_type, headers, body)
       SELECT '', 'chat_history', id, 'application/json', '{}',
              convert_to(json_build_object('id', id, 'user_id', 'bench-drain', 'user_input', 'm' || g,
                         'bot_response', 'ok', 'timestamp', now())::text, 'UTF8')
       FROM (SELECT g, gen_random_uuid()::text AS id FROM generate_series(1, $outbox_n) g) r" >/dev/null
  # one request while the broker is away: Caravan learns the outbox holds messages (as after an outage)
  curl -fsS -o /dev/null "$url/chat" -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"user_id":"bench","message":"hello"}'
  local total stored0 t_first="" t_empty n
  total=$(sql "SELECT count(*) FROM outbox")
  stored0=$(metric caravan_messages_stored_total 'queue="chat_history"')
  proxy_up
  local limit=$(( $(now_ms) + 600000 ))
  while :; do
    n=$(sql "SELECT count(*) FROM outbox")
    [ -z "$t_first" ] && [ "$n" -lt "$total" ] && t_first=$(now_ms)
    [ "$n" -eq 0 ] && { t_empty=$(now_ms); break; }
    [ "$(now_ms)" -gt "$limit" ] && { echo "outbox not empty after 10 min" >&2; exit 1; }
    sleep 0.1
  done
  result=$(( total * 1000 / (t_empty - t_first + 100) ))
  # the consumer stores them (the next step waits for it, so that it does not compete): the rate at which
  # it stores good messages, to compare the dead-letter rate with
  wait_until 600 at_least caravan_messages_stored_total 'queue="chat_history"' $(( stored0 + total ))
  stored_rate=$(( total * 1000 / ($(now_ms) - t_first) ))
}

dead_letters() {
  local d0 t0 t1
  d0=$(metric caravan_messages_dead_lettered_total 'queue="chat_history"')
  t0=$(now_ms)
  perftest -x 1 -y 0 -f persistent -c 500 -C "$poison_n" -e "" -k chat_history -u chat_history -p >/dev/null
  wait_until 600 at_least caravan_messages_dead_lettered_total 'queue="chat_history"' $(( d0 + poison_n ))
  t1=$(now_ms)
  rabbitmqctl -q -p "$vhost" purge_queue chat_history.dlq >/dev/null
  result=$(( poison_n * 1000 / (t1 - t0) ))
}

cb=(); dr=(); cs=(); dl=(); st=()
for r in $(seq 1 "$rounds"); do
  ceiling 500; cb+=("$result")
  drain; dr+=("$result"); st+=("$stored_rate")
  ceiling 1; cs+=("$result")
  dead_letters; dl+=("$result")
  echo "round $r: ceiling(batch) ${cb[-1]} msg/s | drain of $outbox_n ${dr[-1]} msg/s (stored by the consumer at ${st[-1]}/s) | ceiling(serial) ${cs[-1]} msg/s | dead letters ${dl[-1]}/s"
done
mb=$(median "${cb[@]}"); md=$(median "${dr[@]}"); ms=$(median "${cs[@]}"); ml=$(median "${dl[@]}")
echo "median of $rounds: confirmed-publish ceiling ${mb} msg/s (500 in flight), ${ms} msg/s (1 in flight)"
echo "median of $rounds: outbox drain ${md} msg/s ($(( md * 100 / (mb > 0 ? mb : 1) ))% of the batch ceiling)"
echo "median of $rounds: dead letters ${ml}/s ($(( ml * 100 / (ms > 0 ? ms : 1) ))% of the serial ceiling; the same consumer stored good messages at $(median "${st[@]}")/s)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
