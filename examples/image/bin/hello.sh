#!/bin/sh
# The example image's main program: shows that a HostProcess container runs on the host
# itself (host name, host root filesystem, host processes) while its own files sit in the
# per-container workspace at $CONTAINER_SANDBOX_MOUNT_POINT.
set -u

echo "hello from a HostProcess container"
echo "host name:     $(cat /proc/sys/kernel/hostname 2>/dev/null || hostname)"
echo "running as:    $(id)"
echo "workspace:     ${CONTAINER_SANDBOX_MOUNT_POINT:-(CONTAINER_SANDBOX_MOUNT_POINT is not set)}"
echo "this script:   $0"
echo "host / holds:  $(ls / | tr '\n' ' ')"
# The host's network: the interfaces the kernel lists for this network namespace.
echo "network:       $(awk -F: 'NR > 2 { gsub(/ /, "", $1); printf "%s ", $1 }' /proc/net/dev)"
echo "pid 1 is:      $(cat /proc/1/comm 2>/dev/null) (the host's init: same process table)"
echo "host processes (first 5):"
n=0
for d in /proc/[0-9]*; do
  [ -r "$d/comm" ] || continue
  printf '  %7s %s\n' "${d#/proc/}" "$(cat "$d/comm" 2>/dev/null)"
  n=$((n + 1))
  [ "$n" -ge 5 ] && break
done
