#!/usr/bin/env bash
# Install the coding agents the agent adapters drive, pinned, into project-local folders
# (.tools/, git-ignored), so tests and runs never depend on a global install:
#   - the Claude Code and Codex CLIs into an npm prefix (.tools/npm);
#   - OpenHands (openhands-ai, Python >= 3.12) into its own virtual environment
#     (.tools/openhands), from the exact pins of .ci/openhands.lock, with a pinned uv from PyPI
#     (.tools/uv; pip is the fallback).
#   .ci/setup-agents.sh            install (idempotent: a present, matching version is kept)
#   NPM_PREFIX=/elsewhere OPENHANDS_PREFIX=/elsewhere .ci/setup-agents.sh
#   OPENHANDS_PYTHON=/path/to/python3.12 .ci/setup-agents.sh   (default: python3.12 on PATH,
#                                   else pyenv's newest 3.12)
# The adapters and tests look for .tools/npm/bin/{claude,codex} and .tools/openhands/bin/python
# first, then PATH.
# Versions: the newest npm CLIs that install with node 20 (claude-code >= 2.1.2xx needs node >= 22);
# OpenHands 0.62.0, the version the paper ran.
set -euo pipefail
cd "$(dirname "$0")/.."
CLAUDE_CODE_VERSION=2.1.197
CODEX_VERSION=0.169.0
OPENHANDS_VERSION=0.62.0
OPENHANDS_LOCK=.ci/openhands.lock
UV_VERSION=0.13.9 # installs the ~350 pins in about a minute where pip takes several
PREFIX="${NPM_PREFIX:-.tools/npm}"
OH_PREFIX="${OPENHANDS_PREFIX:-.tools/openhands}"
UV_PREFIX="${UV_PREFIX:-.tools/uv}"

# ---- npm CLIs -------------------------------------------------------------------------------
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

# ---- OpenHands ------------------------------------------------------------------------------
is_py312() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1; }
python312() { # the interpreter OpenHands' environment is made with
	if [ -n "${OPENHANDS_PYTHON:-}" ]; then
		echo "$OPENHANDS_PYTHON"
		return
	fi
	local root candidate
	root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
	# python3.12 on PATH may be a pyenv shim that refuses to run: try each, keep one that works
	for candidate in "$(command -v python3.12 || true)" \
		$(ls -d "$root"/versions/3.12.*/bin/python3.12 2>/dev/null | sort -rV); do
		if [ -n "$candidate" ] && is_py312 "$candidate"; then
			echo "$candidate"
			return
		fi
	done
}

pinned_uv() { # pinned_uv <python>: the path of uv $UV_VERSION in $UV_PREFIX, installed if need be
	if ! "$UV_PREFIX/bin/uv" --version 2>/dev/null | grep -q "^uv $UV_VERSION\b"; then
		rm -rf "$UV_PREFIX"
		"$1" -m venv "$UV_PREFIX" && "$UV_PREFIX/bin/python" -m pip install -qq "uv==$UV_VERSION" || return 1
	fi
	echo "$UV_PREFIX/bin/uv"
}

lock_sum="$(sha256sum "$OPENHANDS_LOCK" | cut -d' ' -f1)"
stamp="$OH_PREFIX/.isobench-lock-sha256"
oh_version() { # the installed distribution's version (fast: no import of openhands)
	"$OH_PREFIX/bin/python" -c 'import importlib.metadata as m; print(m.version("openhands-ai"))' 2>/dev/null
}

if [ -x "$OH_PREFIX/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$lock_sum" ]; then
	: # the environment was installed from this very lock
else
	py="$(python312 || true)"
	if [ -z "$py" ] || ! is_py312 "$py"; then
		echo "setup-agents: OpenHands needs Python 3.12 (none found; set OPENHANDS_PYTHON)" >&2
		exit 1
	fi
	echo "setup-agents: installing openhands-ai $OPENHANDS_VERSION into $OH_PREFIX ($("$py" --version))" >&2
	start=$SECONDS
	rm -rf "$OH_PREFIX"
	"$py" -m venv "$OH_PREFIX"
	if ! uv="$(pinned_uv "$py")" ||
		! "$uv" pip install --quiet --compile-bytecode --python "$OH_PREFIX/bin/python" \
			-r "$OPENHANDS_LOCK"; then
		echo "setup-agents: uv failed; installing with pip (several minutes)" >&2
		# -qq: errors only (not the machine-local index warnings pip prints for every package)
		"$OH_PREFIX/bin/python" -m pip install -qq --progress-bar off -r "$OPENHANDS_LOCK"
	fi
	echo "$lock_sum" >"$stamp"
	echo "setup-agents: OpenHands installed in $((SECONDS - start)) s" >&2
fi
version="$(oh_version)"
if [ "$version" != "$OPENHANDS_VERSION" ]; then
	echo "setup-agents: $OH_PREFIX reports '${version:-nothing}', expected $OPENHANDS_VERSION" >&2
	exit 1
fi
echo "setup-agents: openhands $OPENHANDS_VERSION ($OH_PREFIX/bin/python)"
