#!/usr/bin/env bash
# Starts the Spark Connect server in the foreground (SPARK_NO_DAEMONIZE=1), logging to stdout.
# SPARK_DRIVER_MEMORY (default 2g) sizes the single local-mode JVM; extra arguments go to spark-submit.
set -euo pipefail
export SPARK_NO_DAEMONIZE=1
exec /opt/spark/sbin/start-connect-server.sh \
  --driver-memory "${SPARK_DRIVER_MEMORY:-2g}" \
  "$@"
