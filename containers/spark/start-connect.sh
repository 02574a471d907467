#!/usr/bin/env bash
# Starts the Spark Connect server in the foreground, logging to stdout. spark-submit is exec'd directly (not through
# sbin/start-connect-server.sh, whose spark-daemon.sh keeps a bash parent even with SPARK_NO_DAEMONIZE), so the
# JVM is tini's direct child and receives its SIGTERM. SPARK_DRIVER_MEMORY (default 2g) sizes the driver;
# extra arguments go to spark-submit (the AppHost passes --master and the driver's address for a standalone cluster).
set -euo pipefail
exec /opt/spark/bin/spark-submit \
  --class org.apache.spark.sql.connect.service.SparkConnectServer \
  --name "Spark Connect server" \
  --driver-memory "${SPARK_DRIVER_MEMORY:-2g}" \
  "$@"
