#!/usr/bin/env bash
# Quorum against classic queues, on the same three-node RabbitMQ cluster (docs/rabbitmq-cluster.md):
#   1. POST /chat -> row in PostgreSQL throughput, once with classic and once with quorum queues
#      (each in a vhost of its own, a fresh Caravan each time, only the chat-history workers);
#   2. RabbitMQ PerfTest (com.rabbitmq:perf-test from Maven Central) on the same cluster, classic and
#      --quorum-queue, confirmed publishes, for what the broker alone does;
#   3. platform/broker/QuorumClusterTest: failover time (last confirm before kill -9 of the leader -> first after)
#      and lost / duplicated messages (the test fails unless both are 0).
# Usage: bench/quorum-cluster.sh [N=2000 requests] [C=8 client threads]
# Needs: Debian's rabbitmq-server (not running on the ports below), PostgreSQL on 127.0.0.1:5432, Redis,
# a JDK. The nodes (caravan-b1..3@localhost, AMQP 26801-26803, distribution 26811-26813, data under
# target/bench-cluster) and Caravan are stopped by pid when the script ends, however it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-2000}"
c="${2:-8}"
work="$PWD/target/bench-cluster"
pg_db="caravan_bench_quorum"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for i in 1 2 3; do
    [ -f "$work/b$i/beam.pid" ] && kill -9 "$(cat "$work/b$i/beam.pid")" 2>/dev/null || true
  done
}
trap cleanup EXIT
log() { printf '[bench] %s\n' "$*"; }
now_ms() { date +%s%3N; }

# ---------------------------------------------------------------- the cluster
rm -rf "$work"; mkdir -p "$work"
ctl() { HOME="$work/b1/home" ERL_EPMD_ADDRESS=127.0.0.1 /usr/lib/rabbitmq/bin/rabbitmqctl -q "$@" </dev/null; }
start_node() {
  local i=$1 base="$work/b$1"
  mkdir -p "$base/home"
  [ -f "$base/home/.erlang.cookie" ] || { printf 'caravan-bench-cookie' > "$base/home/.erlang.cookie"; chmod 400 "$base/home/.erlang.cookie"; }
  echo '[].' > "$base/enabled_plugins"; echo 'loopback_users.guest = true' > "$base/rabbitmq.conf"; : > "$base/rabbitmq-env.conf"
  env -i PATH="$PATH" HOME="$base/home" RABBITMQ_NODENAME="caravan-b$i@localhost" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT=$((26800 + i)) RABBITMQ_DIST_PORT=$((26810 + i)) RABBITMQ_MNESIA_BASE="$base/mnesia" \
    RABBITMQ_LOG_BASE="$base/log" RABBITMQ_PID_FILE="$base/beam.pid" RABBITMQ_CONFIG_FILE="$base/rabbitmq.conf" \
    RABBITMQ_CONF_ENV_FILE="$base/rabbitmq-env.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$base/enabled_plugins" \
    RABBITMQ_PLUGINS_EXPAND_DIR="$base/plugins" ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_SERVER_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    /usr/lib/rabbitmq/bin/rabbitmq-server </dev/null >"$base/console.log" 2>&1 &
  pids+=($!)
}
await_port() { for _ in $(seq 1 240); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.5; done; echo "port $1 not open" >&2; return 1; }
epmd -names >/dev/null 2>&1 || { epmd -address 127.0.0.1 </dev/null >/dev/null 2>&1 & pids+=($!); }
log "starting three nodes"
for i in 1 2 3; do start_node "$i"; done
for i in 1 2 3; do await_port $((26800 + i)); done
for i in 2 3; do
  ctl -n "caravan-b$i@localhost" stop_app
  ctl -n "caravan-b$i@localhost" join_cluster caravan-b1@localhost
  ctl -n "caravan-b$i@localhost" start_app
done
for i in 1 2 3; do await_port $((26800 + i)); done
addresses="127.0.0.1:26801,127.0.0.1:26802,127.0.0.1:26803"
log "cluster: $(ctl -n caravan-b1@localhost eval 'rabbit_nodes:all_running().' | tr -d '\n ')"

# ---------------------------------------------------------------- Caravan, classic then quorum
jar=$(ls target/caravan-*.jar 2>/dev/null | grep -v original | head -n1 || true)
if [ -z "$jar" ]; then
  log "building the jar"
  ./mvnw -B -q -ntp -Dmaven.test.skip=true package
  jar=$(ls target/caravan-*.jar | grep -v original | head -n1)
fi
psql -h 127.0.0.1 -U postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = '$pg_db'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $pg_db"

declare -A results=()
run=0
for type in classic quorum; do
  ctl -n caravan-b1@localhost add_vhost "bench-$type"
  ctl -n caravan-b1@localhost set_permissions -p "bench-$type" guest '.*' '.*' '.*'
  port=$((18900 + run)); run=$((run + 1))
  log "Caravan on $type queues (port $port)"
  java -jar "$jar" --server.port="$port" --spring.datasource.url="jdbc:postgresql://127.0.0.1:5432/$pg_db" \
    --spring.rabbitmq.addresses="$addresses" --spring.rabbitmq.virtual-host="bench-$type" \
    --caravan.broker.queue-type="$type" --caravan.workers=chat-history --caravan.dev.stand-ins=false \
    --caravan.broker.management.url=http://127.0.0.1:1 --camel.main.routes-reload-enabled=false \
    </dev/null >"$work/caravan-$type.log" 2>&1 &
  app=$!; pids+=($app)
  for _ in $(seq 1 600); do curl -fsS "http://127.0.0.1:$port/actuator/health/readiness" >/dev/null 2>&1 && break; sleep 0.5; done
  user="bench-$type-$(date +%s)"
  token=$(curl -fsS -XPOST "http://127.0.0.1:$port/dev/token?user=$user&roles=user" | sed -E 's/.*"token":"([^"]+)".*/\1/')
  java bench/ChatLoad.java "http://127.0.0.1:$port" "$token" "$user-warmup" 200 "$c" >/dev/null
  t0=$(now_ms)
  out=$(java bench/ChatLoad.java "http://127.0.0.1:$port" "$token" "$user" "$n" "$c")
  accepted=$(sed -E 's/.*accepted=([0-9]+).*/\1/' <<<"$out")
  until [ "$(psql -h 127.0.0.1 -U postgres -d "$pg_db" -Atqc "SELECT count(*) FROM chat_history WHERE user_id = '$user'")" -ge "$accepted" ]; do
    [ $(( $(now_ms) - t0 )) -gt 600000 ] && { echo "rows of $user not all stored within 10 min" >&2; exit 1; }
    sleep 0.2
  done
  t1=$(now_ms)
  rows=$(psql -h 127.0.0.1 -U postgres -d "$pg_db" -Atqc "SELECT count(*) FROM chat_history WHERE user_id = '$user'")
  results[$type]="$out rows=$rows stored_ms=$((t1 - t0)) throughput=$(( accepted * 1000 / (t1 - t0) ))/s"
  log "$type: ${results[$type]}"
  kill "$app"; wait "$app" 2>/dev/null || true
done

# ---------------------------------------------------------------- PerfTest on the same cluster
pt="$work/perftest"; mkdir -p "$pt"
cat > "$pt/pom.xml" <<'POM'
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>bench</groupId><artifactId>perftest</artifactId><version>1</version>
  <dependencies><dependency><groupId>com.rabbitmq</groupId><artifactId>perf-test</artifactId><version>2.22.1</version></dependency></dependencies>
</project>
POM
./mvnw -B -q -ntp -f "$pt/pom.xml" dependency:copy-dependencies -DoutputDirectory="$pt/lib"
perftest() { # $1: label, rest: PerfTest options
  local label=$1; shift
  java -cp "$pt/lib/*" com.rabbitmq.perf.PerfTest --uri "amqp://guest:guest@127.0.0.1:26801/%2F" \
    --producers 1 --consumers 1 --confirm 100 --size 300 --flag persistent --time 30 "$@" >"$pt/$label.log" 2>&1 || true
  results[perftest-$label]=$(grep -E "sending rate avg|receiving rate avg" "$pt/$label.log" | tr '\n' ' ')
  log "PerfTest $label: ${results[perftest-$label]}"
}
perftest classic --queue perf-classic --auto-delete false
perftest quorum --queue perf-quorum --quorum-queue

cleanup; pids=()

# ---------------------------------------------------------------- failover, lost and duplicated
log "QuorumClusterTest (failover, lost, duplicated)"
./mvnw -B -ntp test -Dtest=QuorumClusterTest -Dsurefire.failIfNoSpecifiedTests=false >"$work/cluster-test.log" 2>&1 \
  && verdict="passed: 0 lost, 0 duplicated" || verdict="FAILED (see $work/cluster-test.log)"

echo
echo "== quorum vs classic, three-node cluster on $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) =="
echo "POST /chat -> row ($n requests, $c threads):"
echo "  classic: ${results[classic]}"
echo "  quorum:  ${results[quorum]}"
echo "PerfTest (1 producer, 1 consumer, confirms 100 in flight, 300 B persistent, 30 s):"
echo "  classic: ${results[perftest-classic]}"
echo "  quorum:  ${results[perftest-quorum]}"
echo "QuorumClusterTest: $verdict"
grep -h "\[quorum-cluster\]" "$work/cluster-test.log" | sed 's/^/  /' || true
