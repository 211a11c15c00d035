#!/usr/bin/env bash
# Throughput of a running Caravan against the ceilings measured in the same run (issue 13). In each of R
# interleaved rounds, first the ceilings, then Caravan's scenarios:
#   ceilings  RabbitMQ PerfTest (com.rabbitmq:perf-test from Maven Central): persistent messages, publisher
#             confirms (100 outstanding), 1 producer / 1 consumer, manual ack, prefetch 100, on a vhost of its own;
#             pgbench: single-row INSERT and 100-row INSERT into a scratch table of a scratch database (1 client)
#   (a)       POST /chat at saturation (wrk -t2 -cC for each C of --connections, --seconds): req/s, p99, rows
#             stored in chat_history while the load ran, time until the backlog was drained after it
#   (b)       POST /chat at a fixed rate (--rate, open loop, bench/throughput/FixedRate.java): achieved rate,
#             p99 (from the time each request was due), end-to-end p50/p99 (interaction "timestamp" -> stored_at)
#   (c)       backlog drain: chat-history's consumer route stopped (Jolokia), --drain-n seed-000-shaped messages
#             published to chat_history with confirms, the route started: rows/s until all are stored
#   (d)       commerce-events: bench/commerce-events.sh for each N of --commerce-n (events/s through both sinks)
#   (e)       JVM CPU per accepted-and-stored chat message: utime+stime of the process listening on the URL's
#             port (/proc/PID/stat), over (a) until its backlog is drained, divided by the rows stored
# Prints a Markdown table (median, min-max over the rounds, ratio to the same run's ceiling, target) with the
# date, the commit of this checkout and the machine. Progress goes to stderr, the table to stdout (and --output).
# docs/benchmarks.md explains each figure.
#
# Usage: bench/throughput.sh [--rounds 3] [--seconds 20] [--url http://127.0.0.1:8080] [--quick] [options]
#   --connections "16 32"   wrk connections for (a), one figure each       --rate 1000        (b)'s fixed rate
#   --drain-n 20000         messages in (c)'s backlog                      --commerce-n "1000 10000"   (d)
#   --ceiling-seconds 10    PerfTest and each pgbench run                  --wait-timeout 300  bound on every wait for rows
#   --pg postgresql://postgres@127.0.0.1:5432   PostgreSQL server (trust auth); --db caravan   Caravan's database
#   --amqp-host 127.0.0.1:5672  --amqp-user guest --amqp-password guest    --vhost  Caravan's vhost ($RABBITMQ_VHOST or /)
#   --output FILE           also write the table there                     --quick  1 round, 5 s, c16, small N
# Needs: a Caravan with the dev profile (its /dev/token; Jolokia and /actuator open to an admin token) and the
# chat-history and commerce workers; curl, jq, psql, pgbench, wrk, a JDK 17+, ss; rabbitmqctl or RabbitMQ's
# management API (for PerfTest's vhost). Nothing else may use chat_history or post events meanwhile.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
here="$root/bench/throughput"

invocation="bench/throughput.sh $*"
rounds=3; seconds=20; url="http://127.0.0.1:8080"; connections="16 32"; rate=1000; drain_n=20000
commerce_n="1000 10000"; ceiling_seconds=10; wait_timeout=300; pg="postgresql://postgres@127.0.0.1:5432"; db=caravan
amqp_host="127.0.0.1:5672"; amqp_user=guest; amqp_password=guest; vhost="${RABBITMQ_VHOST:-/}"; output=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;            --seconds) seconds="$2"; shift 2 ;;
    --url) url="${2%/}"; shift 2 ;;              --connections) connections="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;                --drain-n) drain_n="$2"; shift 2 ;;
    --commerce-n) commerce_n="$2"; shift 2 ;;    --ceiling-seconds) ceiling_seconds="$2"; shift 2 ;;
    --wait-timeout) wait_timeout="$2"; shift 2 ;; --pg) pg="${2%/}"; shift 2 ;;
    --db) db="$2"; shift 2 ;;                    --amqp-host) amqp_host="$2"; shift 2 ;;
    --amqp-user) amqp_user="$2"; shift 2 ;;      --amqp-password) amqp_password="$2"; shift 2 ;;
    --vhost) vhost="$2"; shift 2 ;;              --output) output="$2"; shift 2 ;;
    --quick) rounds=1; seconds=5; connections=16; drain_n=2000; commerce_n=200; ceiling_seconds=5; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (--help)" >&2; exit 2 ;;
  esac
done

say() { echo "[$(date +%H:%M:%S)] $*" >&2; }
die() { echo "throughput.sh: $*" >&2; exit 1; }
now() { date +%s.%N; }
urlencode() { jq -rn --arg s "$1" '$s|@uri'; }

# ---- prerequisites -------------------------------------------------------------------------------------------
missing=()
for tool in curl jq psql pgbench java ss awk; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[[ " ${missing[*]-} " == *" pgbench "* || " ${missing[*]-} " == *" psql "* ]] && missing+=("(psql and pgbench: Debian/Ubuntu postgresql-client)")
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing wrk (apt-get install -y wrk)"; apt-get install -y -q wrk >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
  fi
  command -v wrk >/dev/null || missing+=("wrk (Debian/Ubuntu: sudo apt-get install wrk)")
fi
java -version 2>&1 | grep -q 'version "\(1[7-9]\|[2-9][0-9]\)' || missing+=("a JDK 17 or newer (java)")
[ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]}"
curl -fsS -o /dev/null -XPOST "$url/dev/token?user=bench-probe&roles=user" \
  || die "no Caravan with the dev profile at $url (POST /dev/token failed): start one (./mvnw spring-boot:run) or pass --url"
caravan_db="$pg/$db"
psql "$caravan_db" -Atqc 'SELECT 1 FROM chat_history LIMIT 1' >/dev/null || die "cannot read chat_history in $caravan_db (--pg, --db)"

run_id="tp$(date +%s)-$$"
work="$(mktemp -d)"
perf_vhost="caravan-bench-perftest-$$"
scratch_db="caravan_bench_scratch_$$"
route_stopped=false; perf_vhost_made=""; scratch_made=false

token() { curl -fsS -XPOST "$url/dev/token?user=$1&roles=$2" | jq -r .token; }
admin_token="$(token "bench-$run_id-admin" user,admin)"
admin="Authorization: Bearer $admin_token"

jolokia() { curl -fsS "$url/actuator/jolokia" -H "$admin" -H 'content-type: application/json' -d "$1"; }
route_mbean="$(jolokia '{"type":"search","mbean":"org.apache.camel:type=routes,name=\"chat-history.consume\",*"}' | jq -r '.value[0] // empty')" \
  || die "Jolokia at $url/actuator/jolokia did not answer an admin token"
[ -n "$route_mbean" ] || die "no route chat-history.consume on this Caravan: still starting, or caravan.workers leaves chat-history out"
route() { # $1 = stop() | start() | State
  if [ "$1" = State ]; then jolokia "{\"type\":\"read\",\"mbean\":$(jq -Rn --arg m "$route_mbean" '$m'),\"attribute\":\"State\"}" | jq -r .value
  else jolokia "{\"type\":\"exec\",\"mbean\":$(jq -Rn --arg m "$route_mbean" '$m'),\"operation\":\"$1\"}" >/dev/null; fi
}
[ "$(route State)" = Started ] || die "route chat-history.consume is $(route State), not Started"

port="$(echo "$url" | sed -E 's#^[a-z]+://[^/:]+:?([0-9]*).*#\1#')"; port="${port:-80}"
caravan_pid="$(ss -ltnpH "sport = :$port" 2>/dev/null | sed -nE 's/.*pid=([0-9]+).*/\1/p' | head -1)"
[ -n "$caravan_pid" ] && [ -r "/proc/$caravan_pid/stat" ] || { say "no process found listening on port $port: (e) JVM CPU is not measured"; caravan_pid=""; }
clk_tck="$(getconf CLK_TCK)"
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$caravan_pid/stat"; } # utime + stime (fields 14, 15)

cleanup() {
  set +e
  [ "$route_stopped" = true ] && route 'start()'
  if [ -n "$perf_vhost_made" ]; then
    if [ "$perf_vhost_made" = rabbitmqctl ]; then rabbitmqctl -q delete_vhost "$perf_vhost" >/dev/null 2>&1
    else curl -fsS -u "$amqp_user:$amqp_password" -XDELETE "$mgmt/api/vhosts/$(urlencode "$perf_vhost")" >/dev/null; fi
  fi
  [ "$scratch_made" = true ] && psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $scratch_db WITH (FORCE)" >/dev/null 2>&1
  psql "$caravan_db" -qc "DELETE FROM chat_history WHERE user_id LIKE 'bench-$run_id-%'" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
child=""
trap '[ -z "$child" ] || kill "$child" 2>/dev/null; exit 130' INT TERM
interruptible() { # runs "$@" as a child that INT/TERM stop at once (a foreground one would delay the trap); output in $out
  local status=0
  "$@" > "$work/child.out" 2>&1 & child=$!
  wait "$child" || status=$?
  child=""; out="$(cat "$work/child.out")"; return "$status"
}

# ---- PerfTest from Maven Central (class path resolved once, cached by Maven) --------------------------------
cp_cache="$root/target/bench/perf-test.classpath"   # Maven's answer, kept while the pom is unchanged and the jars exist
if [ -s "$cp_cache" ] && [ "$cp_cache" -nt "$here/perf-test-pom.xml" ] \
   && tr ':' '\n' < "$cp_cache" | while read -r jar; do [ -f "$jar" ] || exit 1; done; then
  perf_cp="$(cat "$cp_cache")"
else
  say "resolving RabbitMQ PerfTest with Maven (bench/throughput/perf-test-pom.xml)"
  mvn_cp() { "$root/mvnw" -B -q -ntp "$@" -f "$here/perf-test-pom.xml" dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" >"$work/mvn.log" 2>&1; }
  mvn_cp -o || mvn_cp || { cat "$work/mvn.log" >&2; die "could not fetch com.rabbitmq:perf-test with Maven"; }
  perf_cp="$(cat "$work/cp.txt")"
  mkdir -p "$(dirname "$cp_cache")" && cp "$work/cp.txt" "$cp_cache"
fi

mgmt="${RABBITMQ_MANAGEMENT_URL:-http://${amqp_host%:*}:15672}"
if command -v rabbitmqctl >/dev/null && rabbitmqctl -q add_vhost "$perf_vhost" >/dev/null 2>&1; then
  perf_vhost_made=rabbitmqctl; rabbitmqctl -q set_permissions -p "$perf_vhost" "$amqp_user" '.*' '.*' '.*' >/dev/null
elif curl -fsS -u "$amqp_user:$amqp_password" -XPUT "$mgmt/api/vhosts/$(urlencode "$perf_vhost")" >/dev/null 2>&1; then
  perf_vhost_made=management
  curl -fsS -u "$amqp_user:$amqp_password" -XPUT -H 'content-type: application/json' \
    -d '{"configure":".*","write":".*","read":".*"}' "$mgmt/api/permissions/$(urlencode "$perf_vhost")/$amqp_user" >/dev/null
else
  die "cannot create PerfTest's vhost: neither rabbitmqctl nor the management API at $mgmt answered"
fi
perf_uri="amqp://$amqp_user:$amqp_password@$amqp_host/$(urlencode "$perf_vhost")"
caravan_amqp="amqp://$amqp_user:$amqp_password@$amqp_host/$(urlencode "$vhost")"

psql "$pg/postgres" -qc "CREATE DATABASE $scratch_db" >/dev/null && scratch_made=true
psql "$pg/$scratch_db" -qc 'CREATE TABLE bench_rows (id text PRIMARY KEY, user_id text NOT NULL, user_input text NOT NULL,
  bot_response text NOT NULL, "timestamp" timestamptz NOT NULL DEFAULT now(), stored_at timestamptz NOT NULL DEFAULT now())' >/dev/null

# ---- measurements: each appends "round key value" to $work/results ------------------------------------------
round=0
record() { # $1 key, $2 value (empty or "inf": not recorded, so the figure shows what the other rounds had)
  case "$2" in ''|inf) ;; *) echo "$round $1 $2" >> "$work/results" ;; esac; say "  $1 = ${2:-n/a}"; }
rows_of() { psql "$caravan_db" -Atqc "SELECT count(*) FROM chat_history WHERE user_id = '$1'"; }
wait_rows() { # $1 user, $2 expected count: waits (bounded) until stored; sets $reached to the count reached
  local deadline=$(( $(date +%s) + wait_timeout ))
  while reached="$(rows_of "$1")"; [ "$reached" -lt "$2" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
  [ "$reached" -ge "$2" ] || say "  only $reached of $2 rows of $1 stored within $wait_timeout s"
}
settle() { # waits (bounded) until chat_history and the outbox are empty, so that no scenario inherits the last one's backlog
  local deadline=$(( $(date +%s) + wait_timeout )) q o
  while q="$(curl -fsS "$url/rabbitmq/queues" -H "$admin" | jq '[.queues[] | select(.name == "chat_history")
              | .messages_ready + (.messages_unacknowledged // 0)] | add // 0')" \
        && o="$(curl -fsS "$url/ops/outbox" -H "$admin" | jq '.depth // 0')" && [ $(( q + o )) -gt 0 ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { say "  chat_history still holds $q messages and the outbox $o after $wait_timeout s"; return; }
    sleep 0.5
  done
}
calc() { awk "BEGIN { printf \"%.${2:-1}f\", $1 }"; }

ceiling_perftest() {
  local out send recv
  interruptible java -cp "$perf_cp" com.rabbitmq.perf.PerfTest -h "$perf_uri" -x 1 -y 1 -f persistent -c 100 -q 100 \
         -z "$ceiling_seconds" -u bench.perftest -ad false || { echo "$out" | tail -5 >&2; die "PerfTest failed"; }
  send="$(echo "$out" | sed -n 's/.*sending rate avg: \([0-9]*\) msg\/s.*/\1/p' | tail -1)"
  recv="$(echo "$out" | sed -n 's/.*receiving rate avg: \([0-9]*\) msg\/s.*/\1/p' | tail -1)"
  [ -n "$send" ] && [ -n "$recv" ] || { echo "$out" | tail -5 >&2; die "no rates in PerfTest's output"; }
  record ceiling.perftest "$(( send < recv ? send : recv ))"
}

ceiling_perftest_rate() { # PerfTest at (b)'s fixed rate: the broker's confirm latency p99, in ms
  local out p99
  interruptible java -cp "$perf_cp" com.rabbitmq.perf.PerfTest -h "$perf_uri" -x 1 -y 1 -f persistent -c 100 -q 100 -r "$rate" \
         -z "$ceiling_seconds" -u bench.perftest -ad false || { echo "$out" | tail -5 >&2; die "PerfTest failed"; }
  p99="$(echo "$out" | sed -n 's/.*confirm latency min\/median\/75th\/95th\/99th [0-9]*\/[0-9]*\/[0-9]*\/[0-9]*\/\([0-9]*\) µs.*/\1/p' | tail -1)"
  [ -n "$p99" ] || { echo "$out" | tail -5 >&2; die "no confirm latency in PerfTest's output"; }
  record ceiling.perftest_rate_p99 "$(calc "$p99 / 1000" 2)"
}

ceiling_pgbench() { # $1 = 1 | 100 rows per INSERT
  local tps
  psql "$pg/$scratch_db" -qc 'TRUNCATE bench_rows' >/dev/null
  tps="$(pgbench -n -c 1 -T "$ceiling_seconds" -f "$here/insert-$1.sql" "$pg/$scratch_db" 2>&1 \
        | sed -nE 's/^tps = ([0-9.]+) .*/\1/p' | head -1)"
  [ -n "$tps" ] || die "pgbench failed on $scratch_db"
  record "ceiling.pg$1" "$(calc "$tps * $1" 0)"
}

saturation() { # $1 = connections
  local c="$1" user="bench-$run_id-sat$1-r$round" tok out t1 requests non2xx accepted during drained end cpu0 cpu1 drain
  tok="$(token "$user" user)"
  [ -n "$caravan_pid" ] && cpu0="$(cpu_ticks)"
  interruptible env TOKEN="$tok" BENCH_USER="$user" wrk -t2 -c"$c" -d"${seconds}s" --timeout 10s -s "$here/chat-post.lua" "$url/chat" \
    || { echo "$out" >&2; die "wrk failed"; }
  t1="$(now)"
  during="$(rows_of "$user")"
  echo "$out" | grep -q '^RESULT ' || { echo "$out" >&2; die "wrk printed no RESULT line (is it built with Lua?)"; }
  eval "$(echo "$out" | sed -n 's/^RESULT //p' | tr ' ' '\n' | sed 's/^/w_/')"
  accepted=$(( w_requests - w_non2xx ))
  [ "$w_non2xx" -eq 0 ] && [ "$w_socket_errors" -eq 0 ] || say "  wrk: $w_non2xx answers other than 2xx, $w_socket_errors socket errors"
  record "a.c$c.rps" "$(calc "$accepted / ($w_duration_us / 1e6)")"
  record "a.c$c.p99" "$w_p99_ms"
  record "a.c$c.rows" "$(calc "$during / ($w_duration_us / 1e6)")"
  wait_rows "$user" "$accepted"; drained="$reached"
  if [ "$drained" -ge "$accepted" ]; then
    end="$(psql "$caravan_db" -Atqc "SELECT extract(epoch FROM max(stored_at)) FROM chat_history WHERE user_id = '$user'")"
    drain="$(calc "$end - $t1" 2)"; record "a.c$c.drain" "$(calc "($drain < 0 ? 0 : $drain)" 2)"
    if [ -n "$caravan_pid" ]; then
      cpu1="$(cpu_ticks)"
      record "e.c$c.cpu" "$(calc "($cpu1 - $cpu0) * 1000 / $clk_tck / $drained" 3)"
    fi
  fi
}

fixed_rate() {
  local user="bench-$run_id-rate-r$round" tok out stored e2e
  tok="$(token "$user" user)"
  interruptible java "$here/FixedRate.java" "$url" "$tok" "$user" "$rate" "$seconds" || { echo "$out" >&2; die "FixedRate failed"; }
  echo "$out" | grep -q '^RESULT ' || { echo "$out" >&2; die "FixedRate.java printed no RESULT line"; }
  eval "$(echo "$out" | sed -n 's/^RESULT //p' | tr ' ' '\n' | sed 's/^/f_/')"
  [ "$f_failed" -eq 0 ] && [ "$f_dropped" -eq 0 ] && [ "$f_unanswered" -eq 0 ] \
    || say "  fixed rate: $f_failed failed, $f_dropped dropped (over 4000 in flight), $f_unanswered unanswered"
  record b.rate "$f_achieved_rps"
  record b.p99 "$f_p99_ms"   # inf: more than 1 % not answered with 200 within 30 s
  wait_rows "$user" "$f_ok"; stored="$reached"
  if [ "$stored" -ge "$f_ok" ] && [ "$f_ok" -gt 0 ]; then
    e2e="$(psql "$caravan_db" -Atqc "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1) || ' ' ||
             round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1)
           FROM (SELECT extract(epoch FROM stored_at - \"timestamp\") * 1000 AS ms FROM chat_history WHERE user_id = '$user') t")"
    record b.e2e50 "${e2e% *}"; record b.e2e99 "${e2e#* }"
  fi
}

drain() {
  local user="bench-$run_id-drain-r$round" out t0 stored end
  route 'stop()'; route_stopped=true
  [ "$(route State)" = Stopped ] || die "route chat-history.consume did not stop"
  interruptible java -cp "$perf_cp" "$here/SeedPublish.java" "$caravan_amqp" chat_history "$user" "$drain_n" \
    || { echo "$out" >&2; die "publishing the backlog to chat_history failed"; }
  say "  backlog: $(echo "$out" | sed -n 's/^RESULT //p')"
  t0="$(now)"
  route 'start()'; route_stopped=false
  wait_rows "$user" "$drain_n"; stored="$reached"
  if [ "$stored" -ge "$drain_n" ]; then
    end="$(psql "$caravan_db" -Atqc "SELECT extract(epoch FROM max(stored_at)) FROM chat_history WHERE user_id = '$user'")"
    record c.drain "$(calc "$drain_n / ($end - $t0)" 0)"
  fi
}

commerce() { # $1 = N
  local out ms
  if ! interruptible env CARAVAN_URL="$url" TOKEN="$admin_token" "$root/bench/commerce-events.sh" "$1" 100 1; then
    say "  bench/commerce-events.sh failed (this figure is n/a for the round): $(echo "$out" | tail -2 | tr '\n' ' ')"; return
  fi
  ms="$(echo "$out" | sed -nE 's/^run 1: .* in Neo4j and Qdrant after ([0-9]+) ms: .*/\1/p')"
  [ -n "$ms" ] || { echo "$out" >&2; die "no result from commerce-events.sh"; }
  record "d.n$1" "$(calc "$1 * 1000 / $ms")"
}

load_start="$(cut -d' ' -f1-3 /proc/loadavg)"; started="$(date +%s)"
for round in $(seq 1 "$rounds"); do
  say "round $round of $rounds: ceilings"
  ceiling_perftest; ceiling_perftest_rate; ceiling_pgbench 1; ceiling_pgbench 100
  say "round $round: Caravan"
  for c in $connections; do settle; say " (a) POST /chat, wrk -t2 -c$c, ${seconds}s"; saturation "$c"; done
  settle; say " (b) POST /chat at $rate req/s, ${seconds}s"; fixed_rate
  settle; say " (c) drain $drain_n seed messages"; drain
  for n in $commerce_n; do say " (d) commerce-events N=$n"; commerce "$n"; done
done
elapsed=$(( $(date +%s) - started ))

# ---- the table ---------------------------------------------------------------------------------------------
stat() { # $1 = key: "median min max n" over the rounds (median of an even count: mean of the middle two)
  awk -v k="$1" '$2 == k { v[++n] = $3 } END {
    if (!n) { print "- - - 0"; exit }
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    print m, v[1], v[n], n }' "$work/results"
}
ratio() { # $1 = key, $2 = ceiling key: median over the rounds of the per-round ratio, in %
  awk -v k="$1" -v c="$2" '$2 == k { x[$1] = $3 } $2 == c { y[$1] = $3 } END {
    for (r in x) if (y[r] > 0) v[++n] = 100 * x[r] / y[r]
    if (!n) { print "-"; exit }
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    printf "%.1f %%", n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }' "$work/results"
}
fmt() { awk -v x="$1" 'BEGIN { if (x == "-") print "-"; else if (x >= 100) printf "%d", x + 0.5; else if (x >= 10) printf "%.1f", x; else printf "%.2f", x }'; }
row() { # $1 key, $2 figure, $3 unit, $4 target, $5 ratio text
  local s; read -r m lo hi n <<<"$(stat "$1")"
  [ "$n" = 0 ] && s="| $2 | n/a | | | $4 |" || s="| $2 | **$(fmt "$m") $3** | $(fmt "$lo")–$(fmt "$hi") | ${5:--} | $4 |"
  echo "$s"
}
cpu_model="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
mem="$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
git -C "$root" diff --quiet HEAD 2>/dev/null || commit="$commit (with local changes)"
pt="ceiling.perftest"
{
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit, $(nproc) cores ($cpu_model), $mem;"
  echo "\`$invocation\`: rounds $rounds, ${seconds} s per load, each round the ceilings then Caravan; took $(( elapsed / 60 )) min $(( elapsed % 60 )) s;"
  echo "load average $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end. Median over the rounds, min–max, ratio to the same round's ceiling."
  echo
  echo "| figure | median | min–max | ratio to ceiling | target |"
  echo "|---|---|---|---|---|"
  row ceiling.perftest "ceiling: RabbitMQ PerfTest, persistent + confirms, 1 producer / 1 consumer, manual ack, prefetch 100" msg/s "" ""
  row ceiling.pg1 "ceiling: PostgreSQL single-row INSERT (pgbench, 1 client)" rows/s "" ""
  row ceiling.pg100 "ceiling: PostgreSQL 100-row INSERT (pgbench, 1 client)" rows/s "" ""
  for c in $connections; do
    row "a.c$c.rps" "(a) \`POST /chat\` at saturation (wrk -t2 -c$c, ${seconds} s)" req/s "≥ 3,000 req/s (≥ 30 % of PerfTest)" "$(ratio "a.c$c.rps" $pt) of PerfTest"
    row "a.c$c.p99" "(a) p99, -c$c" ms "≤ 50 ms" ""
    row "a.c$c.rows" "(a) rows stored in chat_history during that load, -c$c" rows/s "the req/s rate" "$(ratio "a.c$c.rows" $pt) of PerfTest; $(ratio "a.c$c.rows" "a.c$c.rps") of req/s"
    row "a.c$c.drain" "(a) backlog left at the end of that load drained in, -c$c" s "≈ 0" ""
    row "e.c$c.cpu" "(e) Caravan JVM CPU per accepted-and-stored message, -c$c" ms "≤ 0.4 ms" ""
  done
  row ceiling.perftest_rate_p99 "ceiling: PerfTest as above at a fixed $rate msg/s: confirm latency p99" ms "" ""
  row b.rate "(b) \`POST /chat\` at a fixed $rate req/s: achieved" req/s "$rate (keeps up)" ""
  row b.p99 "(b) p99 (from when each request was due)" ms "≤ 25 ms" ""
  row b.e2e50 "(b) end-to-end p50 (interaction time → row stored)" ms "" ""
  row b.e2e99 "(b) end-to-end p99" ms "≤ 200 ms" ""
  row c.drain "(c) drain a backlog of $drain_n seed messages into chat_history" rows/s "≥ 8,000 rows/s (≥ 80 % of PerfTest)" \
      "$(ratio c.drain $pt) of PerfTest; $(ratio c.drain ceiling.pg1) of 1-row, $(ratio c.drain ceiling.pg100) of 100-row INSERT"
  for n in $commerce_n; do
    row "d.n$n" "(d) commerce-events N = $n, through both sinks" events/s "≥ 1,000 events/s" "$(ratio "d.n$n" $pt) of PerfTest"
  done
} > "$work/table.md"
cat "$work/table.md"
[ -z "$output" ] || cp "$work/table.md" "$output"
