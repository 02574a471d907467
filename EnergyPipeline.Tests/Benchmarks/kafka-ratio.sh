#!/usr/bin/env bash
# The services' Kafka work against the floor of their own client and against kcat, on one broker, in one run.
#   file -> topic : ingest of the file   vs  the produce floor (Floor/KafkaFloor.cs: the ingestor's messages, rendered
#                   in memory, sent with the ingestor's producer settings)  vs  kcat -P of the same messages
#   topic -> table: the job, local engine vs  the consume floor (the job's consumer settings, key and value only, to
#                   the end offsets)  vs  kcat -C of the whole topic
#   fixed costs   : ingest of a one-row file; the job on a topic of one message
#   the file      : validate  vs  wc -l  vs  awk summing one column
# The job runs again once the topic holds the file four times, when four copies fit the mock's retention. Its memory
# at 6 partitions: the job on the first SMALL_ROWS rows in a 6-partition topic and in a PARTITIONS topic; the cost
# per distinct minute ((RSS of the whole file - RSS of the small file) / (ROWS - SMALL_ROWS), both at PARTITIONS)
# extrapolates the 6-partition figure to the whole file, which the mock cannot hold in 6 partitions.
# Runs are interleaved (A B C A B C ...), each RUNS times. Before each run the script waits (up to LOAD_WAIT seconds)
# for the 1-minute load average to fall to 0.5 per core and prints it. It prints medians of wall time, CPU time
# (user + sys) and peak RSS, the floors' own timing of their Kafka work, and the ratios; a target is claimed only
# when no run started above that load, otherwise the load is printed with no claim.
#
# Usage: EnergyPipeline.Tests/Benchmarks/kafka-ratio.sh [--no-build]
# Environment: RUNS (3), PARTITIONS (per topic, 128), ROWS (rows of the generated file, the full 2,075,259 when
#   unset; the mock keeps 5 MiB per partition, about 47 bytes per reading: 6 partitions hold about 550,000 rows),
#   SMALL_ROWS (rows of the 6-partition file, 550000; 0 skips the 6-partition runs),
#   LOAD_WAIT (seconds to wait for a quiet machine before each run, 120), WORK (a fresh /tmp directory),
#   INGEST_ARGS / JOB_ARGS (extra --Key=value configuration of the ingestor / the job and their floors).
# Needs: dotnet, kcat, /usr/bin/time, awk, PostgreSQL 15 binaries (ENERGY_PG_BIN, /usr/lib/postgresql/15/bin).
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
ROWS_WANTED=${ROWS:-}
SMALL_ROWS=${SMALL_ROWS:-550000}
LOAD_WAIT=${LOAD_WAIT:-120}
PG_BIN=${ENERGY_PG_BIN:-/usr/lib/postgresql/15/bin}
WORK=${WORK:-$(mktemp -d /tmp/kafka-ratio.XXXXXX)}
mkdir -p "$WORK" && chmod 755 "$WORK"
INGEST_ARGS=${INGEST_ARGS:-}
JOB_ARGS=${JOB_ARGS:-}
CONFIG=Release
INGESTOR="$ROOT/EnergyPipeline.Ingestor/bin/$CONFIG/net10.0/EnergyPipeline.Ingestor.dll"
JOB="$ROOT/EnergyPipeline.SparkJob/bin/$CONFIG/net10.0/EnergyPipeline.SparkJob.dll"
TESTS="$ROOT/EnergyPipeline.Tests/bin/$CONFIG/net10.0/EnergyPipeline.Tests"
FLOOR="$WORK/floor/KafkaFloor.dll"
FILE="$WORK/household.txt"
ONE_ROW="$WORK/one-row.txt"
SMALL="$WORK/household-small.txt"
KCAT_PRODUCER=(-X enable.idempotence=true -X acks=all -X compression.type=lz4 -X linger.ms=50)
CORES=$(nproc)
LOAD_LIMIT=$(awk -v c="$CORES" 'BEGIN { printf "%.2f", c / 2 }')
# Bytes one reading takes of the mock's 5 MiB per partition (lz4, key and value; BENCHMARKS.md, Embedded Kafka sizing).
BYTES_PER_READING=47

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
say "building the floor program"
dotnet build "$ROOT/EnergyPipeline.Tests/Benchmarks/Floor/KafkaFloor.cs" -c "$CONFIG" -o "$WORK/floor" -v quiet -nologo >"$WORK/floor-build.log"

say "generating the file"
dotnet "$INGESTOR" generate --output "$FILE" ${ROWS_WANTED:+--rows "$ROWS_WANTED"} >/dev/null
dotnet "$INGESTOR" generate --output "$ONE_ROW" --rows 1 >/dev/null
ROWS=$(($(wc -l <"$FILE") - 1))
say "file: $ROWS rows, $(stat -c %s "$FILE") bytes; $PARTITIONS partitions per topic"
CAPACITY=$((PARTITIONS * 5 * 1024 * 1024 * 9 / 10 / BYTES_PER_READING))
((ROWS <= CAPACITY)) || { say "$ROWS rows do not fit $PARTITIONS partitions of the mock (about $CAPACITY): raise PARTITIONS or lower ROWS"; exit 1; }
FOUR_COPIES=$((4 * ROWS <= CAPACITY ? 1 : 0))
SMALL_CAPACITY=$((6 * 5 * 1024 * 1024 * 9 / 10 / BYTES_PER_READING))
if ((SMALL_ROWS > 0 && SMALL_ROWS < ROWS)); then
  ((SMALL_ROWS <= SMALL_CAPACITY)) || { say "SMALL_ROWS $SMALL_ROWS do not fit 6 partitions of the mock (about $SMALL_CAPACITY)"; exit 1; }
  head -n $((SMALL_ROWS + 1)) "$FILE" >"$SMALL"
else
  SMALL_ROWS=0
fi

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
# warm: an unmeasured first ingestion (page cache, the messages kcat -P sends); ing<i>: ingest targets (ing1 later
# takes three more ingestions: the four-copies run); fp<i>: produce-floor targets; kp<i>: kcat -P targets; one<i>:
# one-row ingestions; onemsg: the one-message topic of the job's fixed cost; small, small6: the small file in PARTITIONS
# and in 6 partitions. <topic>_completions: completion records.
TOPICS="warm:$PARTITIONS,warm_completions:1,onemsg:$PARTITIONS,onemsg_completions:1,"
TOPICS+="small:$PARTITIONS,small_completions:1,small6:6,small6_completions:1,"
for i in $(seq 1 "$RUNS"); do
  TOPICS+="ing$i:$PARTITIONS,ing${i}_completions:1,fp$i:$PARTITIONS,kp$i:$PARTITIONS,one$i:$PARTITIONS,one${i}_completions:1,"
done
say "starting the mock broker"
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

load1() { cut -d' ' -f1 /proc/loadavg; }

# Waits up to LOAD_WAIT seconds for the 1-minute load average to fall to LOAD_LIMIT; prints the load it starts at.
quiet_load() {
  local waited=0
  while awk -v l="$(load1)" -v m="$LOAD_LIMIT" 'BEGIN { exit !(l > m) }' && ((waited < LOAD_WAIT)); do
    sleep 5
    waited=$((waited + 5))
  done
  load1
}

# measure NAME CMD...: one run, its output in $WORK/NAME.out and .err; appends "NAME wall_s peak_kb cpu_s load inner_s inner_cpu_s" to $WORK/results.
# cpu = user + sys of the whole process; inner = the floor's own timing of its Kafka work ("-" for the others).
measure() {
  local name=$1; shift
  local load
  load=$(quiet_load)
  local start=$EPOCHREALTIME
  /usr/bin/time -f '%M %U %S' -o "$WORK/time.out" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" \
    || { say "$name failed:"; tail -5 "$WORK/$name.err" >&2; tail -3 "$WORK/$name.out" >&2; return 1; }
  local wall kb user sys cpu inner=- inner_cpu=-
  # Wall time from the shell's microsecond clock: /usr/bin/time rounds to 10 ms, wc -l takes a few.
  wall=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.4f", b - a }')
  read -r kb user sys <"$WORK/time.out"
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  if grep -q '^{"floor"' "$WORK/$name.out"; then
    inner=$(sed -n 's/.*"seconds":\([0-9.]*\).*/\1/p' "$WORK/$name.out")
    inner_cpu=$(sed -n 's/.*"cpu_seconds":\([0-9.]*\).*/\1/p' "$WORK/$name.out")
  fi
  echo "$name $wall $kb $cpu $load $inner $inner_cpu" >>"$WORK/results"
  say "$name: ${wall} s wall, ${cpu} s CPU, peak $((kb / 1024)) MB$([[ $inner != - ]] && echo ", Kafka work ${inner} s (${inner_cpu} s CPU)"), load before $load"
}

# Fails the run when the mock's retention dropped anything: every low watermark must be 0.
check_low_watermarks() {
  local topic=$1 partitions=${2:-$PARTITIONS} args=()
  for p in $(seq 0 $((partitions - 1))); do args+=(-t "$topic:$p:-2"); done
  local dropped
  # kcat -Q prints "TOPIC [PARTITION] offset N" per partition
  dropped=$(kcat -Q -b "$BROKER" "${args[@]}" | awk '$(NF - 1) == "offset" && $NF != 0 {n++} END {print n+0}')
  [[ "$dropped" == 0 ]] || { say "$topic: $dropped partitions lost data to the mock's retention; raise PARTITIONS"; exit 1; }
}

count_messages() { kcat -C -b "$BROKER" -t "$1" -o beginning -e -q -f '\n' | wc -l; }

# expect_messages TOPIC COUNT [PARTITIONS]: nothing dropped, COUNT messages held
expect_messages() {
  local held
  check_low_watermarks "$1" "${3:-}"
  held=$(count_messages "$1")
  [[ "$held" == "$2" ]] || { say "$1 holds $held messages, expected $2"; exit 1; }
}

# ingest_command FILE TOPIC [PARTITIONS]: the ingestor's command line in INGEST (an array, so /usr/bin/time runs it)
ingest_command() {
  # shellcheck disable=SC2206
  INGEST=(dotnet "$INGESTOR" ingest --file "$1" --Ingestor:Topic="$2" --Ingestor:Partitions="${3:-$PARTITIONS}" $INGEST_ARGS)
}

: >"$WORK/results"
say "unmeasured first ingestion (the file into the page cache; the messages kcat -P sends)"
ingest_command "$FILE" warm && "${INGEST[@]}" >/dev/null
ingest_command "$ONE_ROW" onemsg && "${INGEST[@]}" >/dev/null
expect_messages warm "$ROWS"
kcat -C -b "$BROKER" -t warm -o beginning -e -q -f '%k\t%s\n' >"$WORK/messages.tsv"

say "the file: validate, wc -l, awk"
for _ in $(seq 1 "$RUNS"); do
  measure validate dotnet "$INGESTOR" validate --file "$FILE"
  measure wc-l wc -l "$FILE"
  measure awk-sum awk -F';' '{s+=$3} END {print s}' "$FILE"
done

say "file -> topic"
for i in $(seq 1 "$RUNS"); do
  ingest_command "$FILE" "ing$i" && measure ingest "${INGEST[@]}"
  # shellcheck disable=SC2086
  measure floor-P dotnet "$FLOOR" produce --file "$FILE" --topic "fp$i" $INGEST_ARGS
  measure kcat-P kcat -P -b "$BROKER" -t "kp$i" -K $'\t' "${KCAT_PRODUCER[@]}" -l "$WORK/messages.tsv"
  ingest_command "$ONE_ROW" "one$i" && measure ingest-1row "${INGEST[@]}"
done
expect_messages ing1 "$ROWS"
expect_messages fp1 "$ROWS"
expect_messages kp1 "$ROWS"

say "topic -> table"
for _ in $(seq 1 "$RUNS"); do
  # shellcheck disable=SC2086
  measure job-1x dotnet "$JOB" --engine local --topic ing1 $JOB_ARGS
  # shellcheck disable=SC2086
  measure floor-C dotnet "$FLOOR" consume --topic ing1 $JOB_ARGS
  measure kcat-C kcat -C -b "$BROKER" -t ing1 -o beginning -e -q -f '%s\n'
  # shellcheck disable=SC2086
  measure job-fixed dotnet "$JOB" --engine local --topic onemsg $JOB_ARGS
done
say "job summary (1x): $(grep "^{" "$WORK/job-1x.out" | tail -1)"

if ((SMALL_ROWS > 0)); then
  say "the job's memory at 6 partitions: $SMALL_ROWS rows in 6 and in $PARTITIONS partitions"
  ingest_command "$SMALL" small && "${INGEST[@]}" >/dev/null
  ingest_command "$SMALL" small6 6 && "${INGEST[@]}" >/dev/null
  expect_messages small "$SMALL_ROWS"
  expect_messages small6 "$SMALL_ROWS" 6
  for _ in $(seq 1 "$RUNS"); do
    # shellcheck disable=SC2086
    measure job-small dotnet "$JOB" --engine local --topic small $JOB_ARGS
    # shellcheck disable=SC2086
    measure job-small-6p dotnet "$JOB" --engine local --topic small6 $JOB_ARGS
  done
fi

if ((FOUR_COPIES)); then
  say "ingesting the file three more times into ing1 (four copies, same partitions)"
  ingest_command "$FILE" ing1
  for _ in 1 2 3; do "${INGEST[@]}" >/dev/null; done
  expect_messages ing1 $((4 * ROWS))
  for _ in $(seq 1 "$RUNS"); do
    # shellcheck disable=SC2086
    measure job-4x dotnet "$JOB" --engine local --topic ing1 $JOB_ARGS
    # shellcheck disable=SC2086
    measure floor-C-4x dotnet "$FLOOR" consume --topic ing1 $JOB_ARGS
    measure kcat-C-4x kcat -C -b "$BROKER" -t ing1 -o beginning -e -q -f '%s\n'
  done
  say "job summary (4x): $(grep "^{" "$WORK/job-4x.out" | tail -1)"
else
  say "four copies of $ROWS rows do not fit $PARTITIONS partitions of the mock: no four-copies run"
fi

# --- medians and ratios ---
awk -v rows="$ROWS" -v small="$SMALL_ROWS" -v partitions="$PARTITIONS" -v limit="$LOAD_LIMIT" -v cores="$CORES" '
  { wall[$1] = wall[$1] " " $2; rss[$1] = rss[$1] " " $3; cpu[$1] = cpu[$1] " " $4
    if ($5 + 0 > maxload[$1] + 0) maxload[$1] = $5
    if ($6 != "-") { inner[$1] = inner[$1] " " $6; innercpu[$1] = innercpu[$1] " " $7 } }
  function median(list,   a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  # verdict(value, target, works...): "met"/"missed", or "no claim" when a run of those works started above the load limit
  function verdict(value, target, w1, w2, w3, w4,   l) {
    l = maxload[w1] + 0
    if (maxload[w2] + 0 > l) l = maxload[w2] + 0
    if (w3 != "" && maxload[w3] + 0 > l) l = maxload[w3] + 0
    if (w4 != "" && maxload[w4] + 0 > l) l = maxload[w4] + 0
    if (l > limit) return sprintf("no claim (load %.2f > %.2f)", l, limit)
    return value <= target ? "met" : "missed"
  }
  # service / (the floor Kafka work + the fixed cost), target 1.25x; service / kcat, target 2x; the floor against kcat
  function floor_line(label, s, f, x,   v) {
    v = m[s] / (fi[f] + m[x])
    printf "%-41s: %6.2fx wall (target <= 1.25x)  %s; %.2fx CPU\n", label, v, verdict(v, 1.25, s, f, x), c[s] / (fc[f] + c[x])
  }
  function kcat_line(label, s, k,   v) {
    v = m[s] / m[k]
    printf "%-41s: %6.2fx wall (target <= 2x)     %s; %.2fx CPU\n", label, v, verdict(v, 2, s, k), c[s] / c[k]
  }
  function client_line(label, f, k) {
    printf "%-41s: %6.2fx wall, %.2fx CPU (Kafka work only)\n", label, fi[f] / m[k], fc[f] / c[k]
  }
  function rss_line(label, mb, target) {
    printf "%-41s: %6.0f MB   (target <= %d)    %s\n", label, mb, target, mb <= target ? "met" : "missed"
  }
  END {
    printf "%-12s %8s %8s %8s %11s %11s %8s   %s\n", "work", "wall s", "CPU s", "RSS MB", "Kafka s", "Kafka CPU", "max load", "runs (wall s)"
    n = split("validate wc-l awk-sum ingest floor-P kcat-P ingest-1row job-1x floor-C kcat-C job-fixed job-small job-small-6p job-4x floor-C-4x kcat-C-4x", order, " ")
    for (k = 1; k <= n; k++) { w = order[k]; if (!(w in wall)) continue
      m[w] = median(wall[w]); r[w] = median(rss[w]) / 1024; c[w] = median(cpu[w])
      if (w in inner) { fi[w] = median(inner[w]); fc[w] = median(innercpu[w]); fis = sprintf("%11.2f %11.2f", fi[w], fc[w]) } else fis = sprintf("%11s %11s", "", "")
      printf "%-12s %8.3f %8.2f %8.0f %s %8.2f  %s\n", w, m[w], c[w], r[w], fis, maxload[w], wall[w] }
    printf "\nrows %d, %d partitions per topic; medians; CPU = user + sys of the whole process; Kafka s = the floor'"'"'s own timing of its Kafka work\n", rows, partitions
    printf "load limit %.2f (0.5 per core, %d cores): a target whose runs started above it is not claimed\n\n", limit, cores

    v = m["validate"] / m["wc-l"]
    printf "%-41s: %6.2fx wall (target <= 10x)     %s\n", "validate / wc -l", v, verdict(v, 10, "validate", "wc-l")
    v = m["validate"] / m["awk-sum"]
    printf "%-41s: %6.2fx wall (target < 1x)       %s\n", "validate / awk sum", v, verdict(v, 0.9999, "validate", "awk-sum")

    floor_line("ingest / (produce floor + 1-row ingest)", "ingest", "floor-P", "ingest-1row")
    kcat_line("ingest / kcat -P", "ingest", "kcat-P")
    rss_line("ingest peak RSS", r["ingest"], 150)
    client_line("produce floor / kcat -P (the client)", "floor-P", "kcat-P")

    floor_line("job / (consume floor + job fixed cost)", "job-1x", "floor-C", "job-fixed")
    kcat_line("job / kcat -C", "job-1x", "kcat-C")
    rss_line("job peak RSS", r["job-1x"], 200)
    client_line("consume floor / kcat -C (the client)", "floor-C", "kcat-C")
    if ("job-small" in wall) {
      perminute = (r["job-1x"] - r["job-small"]) * 1024 * 1024 / (rows - small)
      v = r["job-small-6p"] + perminute * (rows - small) / 1024 / 1024
      rss_line("job peak RSS at 6 partitions", v, 200)
      printf "%-41s  (%.0f MB with %d rows + %.1f bytes per distinct minute x %d more)\n", "", r["job-small-6p"], small, perminute, rows - small
    }
    if ("job-4x" in wall) {
      floor_line("job 4x / (consume floor 4x + fixed cost)", "job-4x", "floor-C-4x", "job-fixed")
      kcat_line("job 4x / kcat -C 4x", "job-4x", "kcat-C-4x")
      v = r["job-4x"] / r["job-1x"]
      printf "%-41s: %6.2fx      (target <= 1.10x)  %s (%.0f MB)\n", "job 4x / job 1x peak RSS", v, v <= 1.10 ? "met" : "missed", r["job-4x"]
    }
  }' "$WORK/results" | tee "$WORK/summary.txt"
