#!/usr/bin/env bash
# Bubblewrap, the agent sandbox (isobench/agents/sandbox.py), for tests/test_agent_sandbox.py
# (Debian/Ubuntu, root). Idempotent: nothing happens when bwrap is already installed.
set -euo pipefail
if command -v bwrap >/dev/null 2>&1; then
	echo "setup-sandbox: $(bwrap --version) already installed" >&2
	exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends bubblewrap >/dev/null
echo "setup-sandbox: installed $(bwrap --version)" >&2
