#!/bin/sh
# A long-running example: prints a line every ${INTERVAL:-5} seconds until stopped, and says
# goodbye on SIGTERM (what a graceful stop sends first).
set -u
trap 'echo "heartbeat: got SIGTERM, exiting"; exit 0' TERM
i=0
while :; do
  i=$((i + 1))
  echo "heartbeat $i from pid $$ on $(cat /proc/sys/kernel/hostname 2>/dev/null || hostname)"
  sleep "${INTERVAL:-5}" &
  wait $!
done
