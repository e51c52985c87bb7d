#!/usr/bin/env bash
# stop-local-cluster.sh -- stop the daemons setup-local-cluster.sh started, by the pids in their pid files.
set -u
# Under systemd the units own the daemons (setup-local-cluster.sh restarts them there).
if [ -d /run/systemd/system ]; then systemctl stop slurmd slurmctld munge; exit 0; fi
for pf in /run/slurmd.pid /run/slurmctld.pid /run/munge/munged.pid; do
  pid=$(cat "$pf" 2>/dev/null || true)
  if [ -n "$pid" ] && [ "$pid" -gt 1 ] && kill -0 "$pid" 2>/dev/null; then
    echo "[stop-local-cluster] kill $pid ($pf)"
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
done
