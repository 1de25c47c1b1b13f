#!/usr/bin/env bash
# Install the coding-agent CLIs the agent adapters drive, pinned, into a project-local npm prefix
# (.tools/npm, git-ignored), so tests and runs never depend on a global install.
#   .ci/setup-agents.sh            install (idempotent: a present, matching version is kept)
#   NPM_PREFIX=/elsewhere .ci/setup-agents.sh
# The adapters and tests look for .tools/npm/bin/{claude,codex} first, then PATH.
# Versions: the newest that install with node 20 (claude-code >= 2.1.2xx needs node >= 22).
set -euo pipefail
cd "$(dirname "$0")/.."
CLAUDE_CODE_VERSION=2.1.197
CODEX_VERSION=0.169.0
PREFIX="${NPM_PREFIX:-.tools/npm}"

if ! command -v npm >/dev/null 2>&1; then
	echo "setup-agents: npm not found; install node >= 20 and npm first" >&2
	exit 1
fi

installed() { # installed <package> <version>: is exactly that version in the prefix?
	local manifest="$PREFIX/lib/node_modules/$1/package.json"
	[ -f "$manifest" ] && grep -q "\"version\": *\"$2\"" "$manifest"
}

wanted=()
installed @anthropic-ai/claude-code "$CLAUDE_CODE_VERSION" || wanted+=("@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION")
installed @openai/codex "$CODEX_VERSION" || wanted+=("@openai/codex@$CODEX_VERSION")
if [ "${#wanted[@]}" -gt 0 ]; then
	mkdir -p "$PREFIX"
	# --ignore-scripts is not used: claude-code's postinstall picks its native binary.
	npm install --global --prefix "$PREFIX" --no-fund --no-audit --loglevel=error "${wanted[@]}"
fi
export DISABLE_AUTOUPDATER=1
echo "setup-agents: claude $("$PREFIX/bin/claude" --version), codex $("$PREFIX/bin/codex" --version)"
