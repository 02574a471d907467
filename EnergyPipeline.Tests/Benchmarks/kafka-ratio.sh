#!/usr/bin/env bash
# This project's Kafka work against kcat doing the same work on the same broker, in one run.
#   file -> topic : `ingest` of the full generated file  vs  `kcat -P` of the same pre-rendered messages (key and
#                   value, no headers, as the ingestor sends them)
#   topic -> table: `--engine local` job                   vs  `kcat -C` of the whole topic to /dev/null
# Each timed RUNS times (default 3); medians of wall time, CPU time (user + sys) and peak RSS (/usr/bin/time); ratios.
# The job also runs on the same topic once it holds the file four times (memory should follow distinct minutes).
#
# Usage: EnergyPipeline.Tests/Benchmarks/kafka-ratio.sh [--no-build]
# Environment: RUNS (3), PARTITIONS (per topic, sized for four copies: the mock keeps 5 MiB per partition, about
#   45 bytes per reading, so 8.3 M readings need at least 72; 128), WORK (a fresh /tmp directory),
#   INGEST_ARGS / JOB_ARGS (extra --Key=value configuration for the ingestor / the job, e.g. librdkafka limits).
# Needs: dotnet, kcat, /usr/bin/time, PostgreSQL 15 binaries (ENERGY_PG_BIN, /usr/lib/postgresql/15/bin).
set -euo pipefail

usage() { sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; }
case "${1:-}" in
  "" | --no-build) ;;
  -h | --help | help) usage; exit 0 ;;
  *) echo "kafka-ratio: unknown argument $1 (see --help)" >&2; exit 2 ;;
esac

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUNS=${RUNS:-3}
PARTITIONS=${PARTITIONS:-128}
PG_BIN=${ENERGY_PG_BIN:-/usr/lib/postgresql/15/bin}
WORK=${WORK:-$(mktemp -d /tmp/kafka-ratio.XXXXXX)}
mkdir -p "$WORK" && chmod 755 "$WORK"
INGEST_ARGS=${INGEST_ARGS:-}
JOB_ARGS=${JOB_ARGS:-}
CONFIG=Release
INGESTOR="$ROOT/EnergyPipeline.Ingestor/bin/$CONFIG/net10.0/EnergyPipeline.Ingestor.dll"
JOB="$ROOT/EnergyPipeline.SparkJob/bin/$CONFIG/net10.0/EnergyPipeline.SparkJob.dll"
TESTS="$ROOT/EnergyPipeline.Tests/bin/$CONFIG/net10.0/EnergyPipeline.Tests"
FILE="$WORK/household-full.txt"
KCAT_PRODUCER=(-X enable.idempotence=true -X acks=all -X compression.type=lz4 -X linger.ms=50)

say() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

BROKER_PID=""
PG_DATA="$WORK/pg/data"
cleanup() {
  touch "$WORK/broker.stop"
  if [[ -n "$BROKER_PID" ]]; then wait "$BROKER_PID" 2>/dev/null || true; fi
  if [[ -f "$PG_DATA/postmaster.pid" ]]; then as_postgres "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m immediate -w >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

as_postgres() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [[ "${1:-}" != "--no-build" ]]; then
  say "building ($CONFIG)"
  dotnet build "$ROOT/EnergyPipeline.Tests" -c "$CONFIG" -v quiet -nologo >"$WORK/build.log"
fi

say "generating the full file"
dotnet "$INGESTOR" generate --output "$FILE" >/dev/null
ROWS=$(($(wc -l <"$FILE") - 1))
say "file: $ROWS rows, $(stat -c %s "$FILE") bytes"

# --- PostgreSQL, throw-away, loopback only, generated password (as PostgresServerFixture does) ---
mkdir -p "$WORK/pg"
PG_PASSWORD=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$PG_PASSWORD" >"$WORK/pg/pw"
if [[ $(id -u) -eq 0 ]]; then chown -R postgres: "$WORK/pg"; fi
as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --pwfile "$WORK/pg/pw" --auth scram-sha-256 -E UTF8 --locale C --no-sync >/dev/null
rm -f "$WORK/pg/pw"
PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_postgres "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$WORK/pg/server.log" -w -t 60 \
  -o "-c port=$PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$WORK/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
export ConnectionStrings__energy_db="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Password=$PG_PASSWORD;Database=postgres"

# --- the broker: librdkafka's mock cluster (ServiceDefaults/Kafka/MockKafkaCluster), hosted by the test executable ---
# ing1..N: ingest targets (ing1 later takes three more ingestions: the four-copies run); kp1..N: kcat -P targets.
# Every topic has the same partition count; <topic>_completions exist for ingestors that write completion records.
TOPICS=""
for i in $(seq 1 "$RUNS"); do TOPICS+="ing$i:$PARTITIONS,ing${i}_completions:1,kp$i:$PARTITIONS,"; done
say "starting the mock broker ($PARTITIONS partitions per topic)"
ENERGY_BENCH_BROKER_FILE="$WORK/broker.address" ENERGY_BENCH_STOP_FILE="$WORK/broker.stop" ENERGY_BENCH_TOPICS="$TOPICS" \
  "$TESTS" -method "*Hosts_a_broker_until_told_to_stop" -explicit only >"$WORK/broker.log" 2>&1 &
BROKER_PID=$!
for _ in $(seq 1 600); do
  [[ -s "$WORK/broker.address" ]] && break
  kill -0 "$BROKER_PID" 2>/dev/null || { say "the broker host exited:"; cat "$WORK/broker.log" >&2; exit 1; }
  sleep 0.2
done
BROKER=$(cat "$WORK/broker.address")
export ConnectionStrings__kafka="$BROKER"
say "broker at $BROKER, PostgreSQL on 127.0.0.1:$PG_PORT, work in $WORK"

# measure NAME CMD...: one run; appends "NAME wall_s peak_kb cpu_s" to $WORK/results (cpu = user + sys, which
# depends far less on other load than wall time does)
measure() {
  local name=$1; shift
  /usr/bin/time -f '%e %M %U %S' -o "$WORK/time.out" "$@" >"$WORK/last.out" 2>"$WORK/last.err" \
    || { say "$name failed:"; tail -5 "$WORK/last.err" >&2; tail -3 "$WORK/last.out" >&2; return 1; }
  read -r wall kb user sys <"$WORK/time.out"
  local cpu
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  echo "$name $wall $kb $cpu" >>"$WORK/results"
  say "$name: ${wall} s wall, ${cpu} s CPU (user+sys), peak $((kb / 1024)) MB, load $(cut -d' ' -f1 /proc/loadavg)"
}

# Fails the run when the mock's retention dropped anything: every low watermark must be 0.
check_low_watermarks() {
  local topic=$1 args=()
  for p in $(seq 0 $((PARTITIONS - 1))); do args+=(-t "$topic:$p:-2"); done
  local dropped
  # kcat -Q prints "TOPIC [PARTITION] offset N" per partition
  dropped=$(kcat -Q -b "$BROKER" "${args[@]}" | awk '$(NF - 1) == "offset" && $NF != 0 {n++} END {print n+0}')
  [[ "$dropped" == 0 ]] || { say "$topic: $dropped partitions lost data to the mock's retention; raise PARTITIONS"; exit 1; }
}

count_messages() { kcat -C -b "$BROKER" -t "$1" -o beginning -e -q -f '\n' | wc -l; }

: >"$WORK/results"
for i in $(seq 1 "$RUNS"); do
  # shellcheck disable=SC2086
  measure ingest dotnet "$INGESTOR" ingest --file "$FILE" --Ingestor:Topic=ing$i --Ingestor:Partitions=$PARTITIONS $INGEST_ARGS
done
check_low_watermarks ing1
SENT=$(count_messages ing1)
[[ "$SENT" == "$ROWS" ]] || { say "ing1 holds $SENT messages, the file $ROWS rows"; exit 1; }

# The ingestor sends key and value only (no headers): kcat -P sends the same messages.
say "rendering the messages once (key TAB value)"
kcat -C -b "$BROKER" -t ing1 -o beginning -e -q -f '%k\t%s\n' >"$WORK/messages.tsv"
for i in $(seq 1 "$RUNS"); do
  measure kcat-P kcat -P -b "$BROKER" -t "kp$i" -K $'\t' "${KCAT_PRODUCER[@]}" -l "$WORK/messages.tsv"
done
check_low_watermarks kp1
[[ $(count_messages kp1) == "$ROWS" ]] || { say "kp1 does not hold $ROWS messages"; exit 1; }

for i in $(seq 1 "$RUNS"); do
  measure kcat-C kcat -C -b "$BROKER" -t ing1 -o beginning -e -q -f '%s\n'
done
for i in $(seq 1 "$RUNS"); do
  # shellcheck disable=SC2086
  measure job-1x dotnet "$JOB" --engine local --topic ing1 $JOB_ARGS
done
say "job summary (1x): $(grep "^{" "$WORK/last.out" | tail -1)"

say "ingesting the file three more times into ing1 (four copies, same partitions)"
for _ in 1 2 3; do
  # shellcheck disable=SC2086
  dotnet "$INGESTOR" ingest --file "$FILE" --Ingestor:Topic=ing1 --Ingestor:Partitions=$PARTITIONS $INGEST_ARGS >/dev/null
done
check_low_watermarks ing1
HELD=$(count_messages ing1)
[[ "$HELD" == $((4 * ROWS)) ]] || { say "ing1 holds $HELD messages, not four copies of $ROWS: the mock's retention dropped some; raise PARTITIONS"; exit 1; }
for i in $(seq 1 "$RUNS"); do
  # shellcheck disable=SC2086
  measure job-4x dotnet "$JOB" --engine local --topic ing1 $JOB_ARGS
done
say "job summary (4x): $(grep "^{" "$WORK/last.out" | tail -1)"
for i in $(seq 1 "$RUNS"); do
  measure kcat-C-4x kcat -C -b "$BROKER" -t ing1 -o beginning -e -q -f '%s\n'
done

# --- medians and ratios ---
awk -v rows="$ROWS" '
  { wall[$1] = wall[$1] " " $2; rss[$1] = rss[$1] " " $3; cpu[$1] = cpu[$1] " " $4 }
  function median(list,   a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  END {
    printf "%-10s %10s %10s %12s   %s\n", "work", "wall s", "CPU s", "peak RSS MB", "runs (wall s)"
    split("ingest kcat-P job-1x kcat-C job-4x kcat-C-4x", order, " ")
    for (k = 1; k <= 6; k++) { w = order[k]; if (!(w in wall)) continue
      m[w] = median(wall[w]); r[w] = median(rss[w]); c[w] = median(cpu[w])
      printf "%-10s %10.2f %10.2f %12.0f  %s\n", w, m[w], c[w], r[w] / 1024, wall[w] }
    printf "\nrows %d; CPU = user + sys of the whole process (median)\n", rows
    printf "ingest / kcat -P      : %.2fx wall (target <= 2x), %.2fx CPU; ingest peak RSS %.0f MB (target <= 150)\n", m["ingest"] / m["kcat-P"], c["ingest"] / c["kcat-P"], r["ingest"] / 1024
    printf "job 1x / kcat -C      : %.2fx wall (target <= 2x), %.2fx CPU; job peak RSS %.0f MB (target <= 200)\n", m["job-1x"] / m["kcat-C"], c["job-1x"] / c["kcat-C"], r["job-1x"] / 1024
    printf "job 4x / job 1x       : %.2fx wall (target <= 4x), %.2fx CPU, %.2fx peak RSS (target <= 1.10x)\n", m["job-4x"] / m["job-1x"], c["job-4x"] / c["job-1x"], r["job-4x"] / r["job-1x"]
  }' "$WORK/results" | tee "$WORK/summary.txt"
