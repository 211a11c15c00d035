#!/usr/bin/env bash
# Start-up time and memory of the packaged dev jar on its embedded stand-ins.
#   Runs `java -jar target/caravan-*.jar` from the project directory with the addresses of the
#   services in ABSENT on a closed port (default: all five, so all five stand-ins start), waits until every
#   dependency's health is UP, sends one POST /chat, then reports:
#     - "Started CaravanApplication in N s" (Spring's own figure), the wall time to all-UP and the JVM's
#       CPU time until then (less sensitive to other load on the machine),
#     - resident memory (RSS and PSS, /proc) of the JVM and of each stand-in child process,
#   then stops it with SIGTERM and checks that no child process is left.
# Usage: bench/stand-ins-jar.sh [runs=1]   (run 1 on an empty data directory, later runs reuse it)
# Env:   JAR, DATA_DIR (default: a new temporary directory), CARAVAN_ARGS (extra arguments), JAVA_OPTS
#        ABSENT: the services put on a closed port (unset: "postgresql rabbitmq redis neo4j qdrant"; empty: none); the
#        others are used at their configured addresses (application.yaml, env, CARAVAN_ARGS)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-1}"
jar="${JAR:-$(ls target/caravan-*.jar | head -n1)}"
data="${DATA_DIR:-$(mktemp -d /tmp/caravan-stand-ins-bench.XXXXXX)}"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
addresses=()
for service in ${ABSENT-postgresql rabbitmq redis neo4j qdrant}; do
  case "$service" in
    postgresql) addresses+=(--spring.datasource.url=jdbc:postgresql://127.0.0.1:1/caravan) ;;
    rabbitmq)   addresses+=(--spring.rabbitmq.port=1) ;;
    redis)      addresses+=(--spring.data.redis.port=1) ;;
    neo4j)      addresses+=(--spring.neo4j.uri=bolt://127.0.0.1:1) ;;
    qdrant)     addresses+=(--camel.component.qdrant.port=1) ;;
    *) echo "unknown service in ABSENT: $service" >&2; exit 2 ;;
  esac
done

now_ms() { date +%s%3N; }
kb() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/$3" 2>/dev/null || echo 0; }
descendants() { local p; for p in $(pgrep -P "$1" || true); do echo "$p"; descendants "$p"; done; }
# the JVM, its children (Redis) and the embedded PostgreSQL, which pg_ctl detached (its pid is in its data directory)
processes() {
  echo "$1"; descendants "$1"
  if [[ -f "$data/postgres/postmaster.pid" ]] && grep -q '127.0.0.1:1/' <<<"${addresses[*]}"; then
    local pm; pm=$(head -n1 "$data/postgres/postmaster.pid"); echo "$pm"; descendants "$pm"
  fi
}

for run in $(seq 1 "$runs"); do
  log="$data/caravan-run$run.log"
  t0=$(now_ms)
  # shellcheck disable=SC2086
  java ${JAVA_OPTS:-} -jar "$jar" --server.port="$port" --caravan.dev.stand-ins=true --caravan.dev.data-dir="$data" \
       "${addresses[@]}" ${CARAVAN_ARGS:-} </dev/null >"$log" 2>&1 &
  pid=$!
  token=""
  until [[ -n "$token" ]]; do
    kill -0 "$pid" 2>/dev/null || { echo "Caravan exited; see $log" >&2; exit 1; }
    token=$(curl -fsS -XPOST "127.0.0.1:$port/dev/token?user=bench&roles=user,admin" 2>/dev/null \
            | sed -E 's/.*"token":"([^"]+)".*/\1/') || true
    [[ -n "$token" ]] || sleep 0.5
  done
  until curl -fsS "127.0.0.1:$port/actuator/health" -H "Authorization: Bearer $token" 2>/dev/null \
        | python3 -c 'import json,sys; c=json.load(sys.stdin)["components"]; sys.exit(0 if all(c[k]["status"]=="UP" for k in ("db","rabbit","redis","neo4j","qdrant")) else 1)' 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "Caravan exited; see $log" >&2; exit 1; }
    sleep 0.5
  done
  t_up=$(( $(now_ms) - t0 ))
  # CPU seconds (user + system) the JVM spent until then, with its finished children (initdb, pg_ctl): on a
  # shared machine this says more than the wall time, which grows with everyone else's load
  cpu=$(sed -E 's/^.*\) //' "/proc/$pid/stat" | awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($12 + $13 + $14 + $15) / hz}')
  load=$(cut -d' ' -f1 /proc/loadavg)
  curl -fsS "127.0.0.1:$port/chat" -H "Authorization: Bearer $token" -H 'content-type: application/json' \
       -d '{"user_id": "bench", "message": "Hello there"}' >/dev/null
  echo "run $run ($( [[ $run == 1 && -z "${DATA_DIR:-}" ]] && echo 'empty data directory' || echo 'data directory kept')):"
  grep -o 'Started CaravanApplication in [0-9.]* seconds' "$log" | sed 's/^/  /'
  echo "  all dependencies UP after $(( t_up / 1000 )).$(( t_up % 1000 / 100 )) s (wall, from exec; load average $load on $(nproc) cores)"
  echo "  CPU time of the JVM until then: $cpu s (user + system)"
  printf '  %-8s %-14s %9s %9s\n' pid process "RSS MB" "PSS MB"
  total_rss=0; total_pss=0
  for p in $(processes "$pid"); do
    rss=$(kb "$p" VmRSS status); pss=$(kb "$p" Pss smaps_rollup)
    total_rss=$(( total_rss + rss )); total_pss=$(( total_pss + pss ))
    printf '  %-8s %-14s %9d %9d\n' "$p" "$(cat /proc/"$p"/comm 2>/dev/null || echo gone)" $(( rss / 1024 )) $(( pss / 1024 ))
  done
  printf '  %-23s %9d %9d\n' "total" $(( total_rss / 1024 )) $(( total_pss / 1024 ))
  children=$(processes "$pid" | tail -n +2)
  t1=$(now_ms); kill -TERM "$pid"; status=0; wait "$pid" || status=$?
  echo "  SIGTERM: exited with $status after $(( ($(now_ms) - t1) / 1000 )) s"
  # pg_ctl returns once the postmaster removed its pid file, a moment before the process ends
  for _ in $(seq 1 20); do
    left=""; for p in $children; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
    [[ -z "$left" ]] && break; sleep 0.5
  done
  if [[ -n "$left" ]]; then echo "  LEFT BEHIND:$left" >&2; exit 1; else echo "  no child process left"; fi
done
echo "logs and data: $data"
