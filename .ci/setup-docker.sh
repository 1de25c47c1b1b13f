#!/usr/bin/env bash
# A Docker engine and the isobench base image on this machine, for the docker tests (Debian, root).
#
#   .ci/setup-docker.sh     install (apt) docker.io + debootstrap if missing, start dockerd unless
#                           a daemon answers, then build the base image without any registry:
#                           debootstrap --variant=minbase (python3, numpy, git) -> docker import
#
# Idempotent: a running daemon is reused, and the base image is content-addressed
# (isobench-base:<hash of its recipe>), so a second run only checks that it exists.
# No systemd needed: dockerd is started directly, its pid kept in /run/isobench-dockerd.pid and
# its log in /var/log/isobench-dockerd.log. The Debian mirror is the machine's own apt source.
set -euo pipefail
cd "$(dirname "$0")/.."

WAIT_S=${DOCKER_SETUP_WAIT_S:-60}
PIDFILE=/run/isobench-dockerd.pid
LOG=/var/log/isobench-dockerd.log
PYTHON=${PYTHON:-.venv/bin/python}

log() { echo "setup-docker: $*" >&2; }
die() {
	log "ERROR: $*"
	[ -f "$LOG" ] && tail -n 25 "$LOG" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages, starts dockerd and runs debootstrap)"

# --- 1. packages -------------------------------------------------------------------------------
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if [ "${#missing[@]}" -gt 0 ]; then
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/setup-docker-apt.log 2>&1; then
		apt-get update -q >>/tmp/setup-docker-apt.log 2>&1 || true
		apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/setup-docker-apt.log 2>&1 ||
			{
				tail -n 30 /tmp/setup-docker-apt.log >&2
				die "apt-get install failed (full log: /tmp/setup-docker-apt.log)"
			}
	fi
fi

# --- 2. the daemon -----------------------------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
	log "starting dockerd (log: $LOG)"
	nohup dockerd >"$LOG" 2>&1 &
	echo $! >"$PIDFILE"
	deadline=$((SECONDS + WAIT_S))
	until docker info >/dev/null 2>&1; do
		kill -0 "$(cat "$PIDFILE")" 2>/dev/null || die "dockerd exited"
		[ "$SECONDS" -lt "$deadline" ] || die "dockerd did not answer within ${WAIT_S}s"
		sleep 0.5
	done
fi
log "daemon up: $(docker version --format '{{.Server.Version}}')"
# Run through `sudo -n` by a CI user: let that user's primary group use the socket now (joining the
# docker group would only count from its next login). CI machines are throw-away.
if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ] && [ -S /var/run/docker.sock ]; then
	chgrp "$(id -gn "$SUDO_USER")" /var/run/docker.sock
	chmod g+rw /var/run/docker.sock
fi

# --- 3. the base image (no registry) -------------------------------------------------------------
[ -x "$PYTHON" ] || die "$PYTHON not found: run 'make setup' first"
tag=$("$PYTHON" -m isobench.bench.images base) || die "building the base image failed"
log "base image $tag ($(docker image inspect --format '{{.Size}}' "$tag") bytes)"
