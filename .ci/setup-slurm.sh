#!/usr/bin/env bash
# A real single-node SLURM cluster on this machine, for tests/test_slurm.py (Debian/Ubuntu, root).
#
#   .ci/setup-slurm.sh          install (apt) munge + slurmctld + slurmd + slurm-client, write
#                               /etc/slurm/slurm.conf, start the daemons, wait for the node to be idle
#
# Idempotent: run it again and it only starts what is not running (and restarts the daemons it
# started if the generated slurm.conf changed). No systemd needed: the daemons are started directly
# and their pids are kept in /run. No accounting database (AccountingStorageType=none), so the
# Snakemake SLURM executor must query job states with squeue (profiles/slurm sets that).
# No cgroups: processes are tracked with proctrack/linuxproc and tasks are not bound (task/none),
# which works inside containers and VMs whose cgroup hierarchy slurmd cannot manage.
# No GPUs are declared (no GresTypes/gres.conf): gres lines for devices that do not exist make the
# node invalid, so a CI cluster has none and a job asking for --gpus is rejected by sbatch. A GPU
# cluster's own slurm.conf/gres.conf declares its GPUs.
set -euo pipefail

CONF_DIR=/etc/slurm
CONF=$CONF_DIR/slurm.conf
STATE_DIR=/var/lib/slurm/slurmctld
SPOOL_DIR=/var/lib/slurm/slurmd
LOG_DIR=/var/log/slurm
CTLD_PID=/run/slurmctld.pid
SLURMD_PID=/run/slurmd.pid
MUNGE_KEY=/etc/munge/munge.key
PARTITION=${SLURM_PARTITION_NAME:-debug}
WAIT_S=${SLURM_SETUP_WAIT_S:-90}

log() { echo "setup-slurm: $*" >&2; }
die() {
	log "ERROR: $*"
	for f in "$LOG_DIR/slurmctld.log" "$LOG_DIR/slurmd.log"; do
		[ -f "$f" ] && {
			log "--- last lines of $f"
			tail -n 25 "$f" >&2
		}
	done
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages and starts daemons)"

# --- 1. packages -------------------------------------------------------------------------------
need_install=0
for cmd in munged slurmctld slurmd sbatch sinfo squeue scontrol; do
	command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || need_install=1
done
if [ "$need_install" -eq 1 ]; then
	log "installing munge slurmctld slurmd slurm-client"
	# Keep the packages' maintainer scripts from starting daemons (there is no config yet, and
	# there may be no init system): a temporary policy-rc.d denies it, unless one already exists.
	created_policy=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		created_policy=1
	fi
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -q --no-install-recommends munge slurmctld slurmd slurm-client >/tmp/setup-slurm-apt.log 2>&1; then
		apt-get update -q >>/tmp/setup-slurm-apt.log 2>&1 || true
		apt-get install -y -q --no-install-recommends munge slurmctld slurmd slurm-client \
			>>/tmp/setup-slurm-apt.log 2>&1 || {
			[ "$created_policy" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
			tail -n 30 /tmp/setup-slurm-apt.log >&2
			die "apt-get install failed (full log: /tmp/setup-slurm-apt.log)"
		}
	fi
	[ "$created_policy" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
fi
export PATH="$PATH:/usr/sbin:/sbin"

# --- 2. munge ----------------------------------------------------------------------------------
if [ ! -s "$MUNGE_KEY" ]; then
	log "creating $MUNGE_KEY"
	install -d -o munge -g munge -m 0700 /etc/munge
	if command -v mungekey >/dev/null 2>&1; then
		mungekey --create --keyfile="$MUNGE_KEY" --force
	else
		dd if=/dev/urandom of="$MUNGE_KEY" bs=1 count=1024 status=none
	fi
	chown munge:munge "$MUNGE_KEY"
	chmod 0400 "$MUNGE_KEY"
fi
install -d -o munge -g munge -m 0755 /run/munge
install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge
if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
	log "starting munged"
	runuser -u munge -- munged || die "munged did not start (see /var/log/munge/munged.log)"
	for _ in $(seq 1 20); do
		munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && break
		sleep 0.5
	done
	munge -n </dev/null | unmunge >/dev/null || die "munge credentials do not round-trip"
fi

# --- 3. slurm.conf -----------------------------------------------------------------------------
host=$(hostname -s)
# The node line as slurmd sees this machine: real CPUs, sockets, cores, threads, RealMemory.
node_line=$(slurmd -C | grep '^NodeName=' | head -n 1)
[ -n "$node_line" ] || die "'slurmd -C' printed no NodeName line"
case "$node_line" in
"NodeName=$host "*) ;;
*) die "'slurmd -C' names another host than '$host': $node_line" ;;
esac
install -d -m 0755 "$CONF_DIR" "$LOG_DIR" /var/lib/slurm "$SPOOL_DIR"
install -d -m 0700 "$STATE_DIR"

new_conf=$(mktemp)
trap 'rm -f "$new_conf"' EXIT
cat >"$new_conf" <<EOF
# Written by .ci/setup-slurm.sh: a single-node test cluster (no accounting, no cgroups, no GPUs).
ClusterName=isobench
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
MailProg=/bin/true
StateSaveLocation=$STATE_DIR
SlurmdSpoolDir=$SPOOL_DIR
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups: track job processes by their parent pids, do not bind tasks.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
# Cores and memory are consumable, as on a real cluster; jobs without a memory request get 1 GB/CPU.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
SchedulerType=sched/backfill
# No accounting database: sacct cannot answer, so clients use squeue (finished jobs stay visible
# for MinJobAge seconds, longer than the executor's status-check interval).
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=300
# A node that was down comes back when its slurmd registers with a valid configuration.
ReturnToService=2
$node_line State=UNKNOWN
PartitionName=$PARTITION Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
stop_daemon() { # stop a daemon this script started, by the pid in its pid file
	local pidfile=$1 pid
	pid_alive "$pidfile" || return 0
	pid=$(cat "$pidfile")
	log "stopping pid $pid ($pidfile)"
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 1 40); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.25
	done
	kill -9 "$pid" 2>/dev/null || true
}

if ! cmp -s "$new_conf" "$CONF"; then
	log "writing $CONF ($node_line)"
	stop_daemon "$SLURMD_PID"
	stop_daemon "$CTLD_PID"
	install -m 0644 "$new_conf" "$CONF"
fi

# --- 4. daemons --------------------------------------------------------------------------------
if ! pid_alive "$CTLD_PID"; then
	log "starting slurmctld"
	slurmctld || die "slurmctld did not start"
fi
for _ in $(seq 1 40); do
	scontrol ping 2>/dev/null | grep -q 'is UP' && break
	sleep 0.5
done
scontrol ping 2>/dev/null | grep -q 'is UP' || die "slurmctld does not answer 'scontrol ping'"
if ! pid_alive "$SLURMD_PID"; then
	log "starting slurmd"
	slurmd || die "slurmd did not start"
fi

# --- 5. wait until the node is idle ------------------------------------------------------------
deadline=$((SECONDS + WAIT_S))
resumed=0
state=""
while [ "$SECONDS" -lt "$deadline" ]; do
	state=$(sinfo -h -n "$host" -o '%T' 2>/dev/null | head -n 1 || true)
	case "$state" in
	idle | mixed | allocated | completing) break ;;
	down* | drain* | fail*)
		if [ "$resumed" -eq 0 ]; then
			log "node $host is $state; resuming it"
			scontrol update NodeName="$host" State=RESUME 2>/dev/null || true
			resumed=1
		fi
		;;
	esac
	sleep 1
done
case "$state" in
idle | mixed | allocated | completing) ;;
*) die "node $host is '${state:-unknown}' after ${WAIT_S}s, not idle (scontrol show node $host: $(scontrol show node "$host" 2>&1 | tr '\n' ' '))" ;;
esac
log "cluster up: partition $PARTITION, node $host $state"
sinfo >&2
