#!/usr/bin/env bash
# Retakes the dashboard pictures of docs/operations.md (docs/dashboard-*.png) from one fresh run of the main command,
# `dotnet run --project EnergyPipeline.AppHost` with its defaults: starts it, waits until the job has finished,
# photographs the dashboard with headless Chromium (docs/capture-dashboard.mjs), stops the AppHost as Ctrl+C would
# and checks that nothing it started is left: DCP, the dashboard, the embedded PostgreSQL and its directory.
#
# Needs Debian's chromium (apt-get install chromium) and npm (playwright-core goes into a temporary folder).
# Usage: docs/capture-dashboard.sh [output directory, default docs/]
set -euo pipefail

usage() { sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; }
case "${1:-}" in
  -h | --help | help) usage; exit 0 ;;
  -*) echo "capture: unknown option $1 (see --help)" >&2; exit 2 ;;
esac

repo=$(cd "$(dirname "$0")/.." && pwd)
out=$(cd "${1:-$repo/docs}" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/dashboard-capture-XXXXXX")
log=$work/apphost.log
timeout_seconds=${CAPTURE_TIMEOUT_SECONDS:-1800}

for tool in /usr/bin/chromium node npm dotnet; do
  command -v "$tool" >/dev/null || { echo "capture: needs $tool" >&2; exit 1; }
done

echo "capture: installing playwright-core into $work"
npm install --silent --no-save --no-audit --no-fund --prefix "$work" playwright-core@1.65.1
cp "$repo/docs/capture-dashboard.mjs" "$work/"

run_pid=
started=()

# Everything the AppHost started, by PID: the AppHost under `dotnet run`, DCP (which detaches and watches the
# AppHost's PID) with its children, and the embedded PostgreSQL server.
collect_started() {
  local apphost dcp pg_dir queue pid child
  apphost=$(pgrep -P "$run_pid" | head -n 1 || true)
  [[ -n $apphost ]] || return 0
  started=("$apphost")
  dcp=$(ps -eo pid=,args= | awk -v watch="--monitor $apphost" 'index($0, watch) && $2 ~ /\/dcp$/ { print $1 }')
  queue=($dcp)
  for pg_dir in /tmp/energy-pipeline-pg-"$apphost"-*; do
    [[ -f $pg_dir/data/postmaster.pid ]] && queue+=("$(head -n 1 "$pg_dir/data/postmaster.pid")")
  done
  while ((${#queue[@]})); do
    pid=${queue[0]}
    queue=("${queue[@]:1}")
    [[ " ${started[*]} " == *" $pid "* ]] && continue
    started+=("$pid")
    for child in $(pgrep -P "$pid" || true); do queue+=("$child"); done
  done
}

stop_apphost() {
  [[ -n $run_pid ]] || return 0
  collect_started
  echo "capture: stopping the AppHost (SIGTERM to dotnet run, PID $run_pid); watching PIDs ${started[*]}"
  kill -TERM "$run_pid" 2>/dev/null || true
  local left=() pid i
  for i in $(seq 1 60); do
    left=()
    for pid in "${started[@]}" "$run_pid"; do kill -0 "$pid" 2>/dev/null && left+=("$pid"); done
    ((${#left[@]} == 0)) && break
    sleep 1
  done
  run_pid=
  if ((${#left[@]})); then
    echo "capture: left behind after 60 s: PIDs ${left[*]}" >&2
    ps -o pid,ppid,args -p "$(IFS=,; echo "${left[*]}")" >&2 || true
    return 1
  fi
  if compgen -G "/tmp/energy-pipeline-pg-${started[0]:-none}-*" >/dev/null; then
    echo "capture: the embedded PostgreSQL directory was not removed" >&2
    return 1
  fi
  echo "capture: the AppHost and everything it started have stopped"
}

trap 'stop_apphost || true' EXIT

cd "$repo"
echo "capture: dotnet run --project EnergyPipeline.AppHost (log: $log)"
dotnet run --project EnergyPipeline.AppHost >"$log" 2>&1 &
run_pid=$!

deadline=$((SECONDS + timeout_seconds))
until grep -Eq '^spark-job: (succeeded|failed|not started)|^ingestor: failed' "$log"; do
  if ! kill -0 "$run_pid" 2>/dev/null; then
    echo "capture: the AppHost exited early:" >&2; tail -n 20 "$log" >&2; exit 1
  fi
  if ((SECONDS > deadline)); then
    echo "capture: no result after $timeout_seconds s" >&2; tail -n 20 "$log" >&2; exit 1
  fi
  sleep 5
done
grep -E '^(ingestor|spark-job|Results|Kafka):' "$log"
grep -q '^spark-job: succeeded' "$log" || { echo "capture: the pipeline did not succeed" >&2; exit 1; }

login=$(grep -Eo 'http://[^ ]+/login\?t=[0-9a-f]+' "$log" | head -n 1)
node "$work/capture-dashboard.mjs" "$login" "$out"
ls -l "$out"/dashboard-*.png

trap - EXIT
stop_apphost
rm -rf "$work"
