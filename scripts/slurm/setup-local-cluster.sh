#!/usr/bin/env bash
# setup-local-cluster.sh -- a one-node SLURM cluster on localhost for synthdiff's cluster test and for
# trying `synthdiff slurm --submit` on a workstation. Debian 12 (slurm-wlm 22.05); run as root (or sudo).
#
# Without systemd (containers) munged, slurmctld and slurmd are started directly as daemons; under
# systemd their units are restarted. Idempotent: if the node is already idle it returns at once; otherwise it
# (re)writes slurm.conf and restarts the daemons it finds through their pid files.
# On success the node "$(hostname -s)" is idle in partition "debug" (the default partition).
# Stop with scripts/slurm/stop-local-cluster.sh.
#
# Facts this script relies on (each one cost a failed start when it was missing):
# - /run/munge is normally made by systemd (RuntimeDirectory=munge); without systemd munged cannot
#   create its socket until we make it.
# - MailProg must name an existing program or slurmctld refuses to start (Debian lacks /bin/mail).
# - The node line's topology must match `slurmd -C`, and RealMemory must not exceed what slurmd
#   detects, or the node comes up drained ("Low RealMemory").
# - DependencyParameters=kill_invalid_depend: a job whose afterok dependency can never be met (the
#   train job failed) is cancelled instead of pending forever, so a failed chain ends.
# - SchedulerParameters=batch_sched_delay=0 and SchedulerType=sched/backfill: jobs start within a
#   second of becoming eligible, which keeps a dependent chain of short jobs fast.
set -euo pipefail

log() { echo "[setup-local-cluster] $*"; }
HOST=$(hostname -s)

node_state() { sinfo -h -N -n "$HOST" -o '%t' 2>/dev/null | head -n1 || true; }

if command -v sinfo >/dev/null && scontrol ping >/dev/null 2>&1 && [ "$(node_state)" = idle ]; then
  log "cluster already up: node $HOST idle"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  log "must run as root (try: sudo $0)"
  exit 1
fi

# ---------------------------------------------------------------- packages
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
   || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  log "installing slurm-wlm munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi

# ---------------------------------------------------------------- munge
if [ ! -s /etc/munge/munge.key ]; then
  log "creating /etc/munge/munge.key"
  install -d -o munge -g munge -m 0700 /etc/munge
  mungekey --create --keyfile=/etc/munge/munge.key
fi
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key

# Where systemd runs (a VM rather than a container), the packages' units own the daemons: a munged
# started by hand is undone when munge.service starts late in boot, fails on the taken socket, and
# systemd removes its RuntimeDirectory /run/munge, socket and all. There the units are restarted.
SYSTEMD=0; [ -d /run/systemd/system ] && SYSTEMD=1

munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
start_munged() {
  if [ $SYSTEMD = 1 ]; then
    systemctl restart munge
  else
    install -d -o munge -g munge -m 0755 /run/munge
    # --force: run even where a dead munged left its socket or pid file behind (a reused machine).
    runuser -u munge -- /usr/sbin/munged --force   # forks; pid in /run/munge/munged.pid
  fi
  for _ in $(seq 1 50); do munge_ok && return 0; sleep 0.1; done
  munge -n | unmunge >/dev/null          # fail loudly if munge still does not work
}

if munge_ok; then
  log "munged already running"
else
  log "starting munged"
  start_munged
fi

# ---------------------------------------------------------------- slurm.conf
# "CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1" as slurmd sees the hardware.
HW=$(slurmd -C | head -n1 | sed -e 's/^NodeName=[^ ]* *//' -e 's/ *RealMemory=[0-9]*//')
MEM=$(awk '/^MemAvailable:/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)

install -d -m 0755 /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat > /etc/slurm/slurm.conf <<CONF
# one-node cluster on localhost, written by synthdiff's scripts/slurm/setup-local-cluster.sh
ClusterName=localcluster
SlurmctldHost=${HOST}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
DependencyParameters=kill_invalid_depend
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
NodeName=${HOST} NodeAddr=127.0.0.1 ${HW} RealMemory=${MEM} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

# ---------------------------------------------------------------- daemons
start_slurm() {   # $1: slurmctld or slurmd
  if [ $SYSTEMD = 1 ]; then systemctl restart "$1"; else "$1"; fi   # by hand they daemonize
}
# Stop daemons a previous run left behind, by their own pid files (never by name).
[ $SYSTEMD = 1 ] && systemctl stop slurmd slurmctld 2>/dev/null || true
for pf in /run/slurmd.pid /run/slurmctld.pid; do
  pid=$(cat "$pf" 2>/dev/null || true)
  if [ -n "$pid" ] && [ "$pid" -gt 1 ] && kill -0 "$pid" 2>/dev/null; then
    log "stopping old daemon $pid ($pf)"
    kill "$pid"
    for _ in $(seq 1 100); do
      # gone, or a zombie waiting to be reaped by its parent
      { kill -0 "$pid" 2>/dev/null \
        && [ "$(sed -n 's/.*) \(.\).*/\1/p' "/proc/$pid/stat" 2>/dev/null)" != Z ]; } || break
      sleep 0.1
    done
  fi
done

# A CI run once saw munged's socket vanish right after munged had answered; every slurm command then
# spends 2 s failing to authenticate, so the loops below were 200 s + 240 s of waiting for nothing.
# Each check first makes sure munge answers (restarting munged, then slurmd, when it does not), and
# the waits are bounded by the clock, not by a count of tries.
ensure_munge() {
  munge_ok && return 0
  log "munge stopped answering; restarting munged"
  start_munged
  return 1
}

log "starting slurmctld"
start_slurm slurmctld   # log in /var/log/slurm/slurmctld.log
deadline=$((SECONDS + 30))
while [ $SECONDS -lt $deadline ]; do
  ensure_munge || true
  scontrol ping >/dev/null 2>&1 && break
  sleep 0.1
done
log "starting slurmd"
start_slurm slurmd      # log in /var/log/slurm/slurmd.log

# ---------------------------------------------------------------- wait for idle
state=""
deadline=$((SECONDS + 60))
while [ $SECONDS -lt $deadline ]; do
  if ! ensure_munge; then
    # slurmd retries registering with a growing back-off: restart it so it registers at once.
    log "restarting slurmd"
    if [ $SYSTEMD = 0 ]; then
      pid=$(cat /run/slurmd.pid 2>/dev/null || true)
      if [ -n "$pid" ] && [ "$pid" -gt 1 ]; then kill "$pid" 2>/dev/null || true; sleep 1; fi
    fi
    start_slurm slurmd
  fi
  state=$(node_state)
  [ "$state" = idle ] && break
  sleep 0.5
done
if [ "$state" != idle ]; then
  log "node $HOST is '$state', not idle; diagnostics:"
  sinfo -N -l || true
  scontrol show node "$HOST" || true
  tail -n 30 /var/log/munge/munged.log /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log || true
  exit 1
fi
log "node $HOST idle ($(sinfo -h -N -n "$HOST" -o '%c CPUs'))"
