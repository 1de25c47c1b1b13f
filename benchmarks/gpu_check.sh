#!/usr/bin/env bash
# Prove the GPU path in one command: the torch demo study (demo/torchkern, config/torch-demo.yaml)
# with gpus: 1 through the local executor, then a report from its result files: the GPU's name
# and driver as nvidia-smi recorded them, every task's human speedup with its interval, Opt@1 of
# oracle and noop, and the wall time. Without a CUDA device it runs the same study on the CPU
# (gpus: 0): the CPU fallback, which is how this script is tested (tests/test_gpu_check.py).
#
#   benchmarks/gpu_check.sh                  # the check (from any directory)
#   benchmarks/gpu_check.sh --fetch-wheels   # where pip reaches an index: download into .whl/
#                                            # the wheels a torch-only python3 lacks (Python 3.12)
#
# The python3 that runs it must already have torch (this script never installs torch). Other
# missing packages are installed from the wheels in .whl/ into a temporary folder (PYTHONPATH),
# never into that python. Everything happens in a temporary copy of the project; the checkout's
# results/ is not touched. benchmarks/README.md says more.
#
# Environment: PYTHON (python3), GPU_CHECK_REPETITIONS (3 timed rounds), GPU_CHECK_TASKS (0: all
# tasks; N: the first N), GPU_CHECK_BUDGET_S (300: the study is stopped when it would run past
# it), GPU_CHECK_KEEP (a folder to keep the study in), ISOBENCH_WHEELS (the wheels, .whl).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${PYTHON:-python3}
WHEELS=${ISOBENCH_WHEELS:-$ROOT/.whl}
REPETITIONS=${GPU_CHECK_REPETITIONS:-3}
TASKS=${GPU_CHECK_TASKS:-0}
BUDGET_S=${GPU_CHECK_BUDGET_S:-300}
START_S=$(date +%s)
# What a workflow run needs from the project (as tests/workflow_helpers.py copies it).
PARTS=(Snakefile rules scripts config envs demo profiles data report)
# Packages the check imports (the rest of the workflow's needs come with them).
NEEDED="snakemake, jsonschema, git, yaml, pandas, scipy, numpy"

die() {
	echo "gpu_check: $*" >&2
	exit 2
}

fetch_wheels() {
	mkdir -p "$WHEELS"
	local platforms=() tag
	for tag in manylinux_2_28 manylinux_2_27 manylinux_2_17 manylinux2014 manylinux1; do
		platforms+=(--platform "${tag}_x86_64")
	done
	grep -v -E '^\s*(#|$)' "$ROOT/benchmarks/gpu_wheels.txt" | while read -r pin; do
		# A wheel for CPython 3.12 on x86-64 Linux; a package published only as source (pure
		# Python) is built into a wheel here.
		"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
			--implementation cp "${platforms[@]}" -d "$WHEELS" "$pin" 2>/dev/null ||
			"$PY" -m pip wheel -q --no-deps -w "$WHEELS" "$pin" ||
			die "no wheel for $pin"
	done
	echo "wheels in $WHEELS: $(find "$WHEELS" -type f -name '*.whl' | wc -l) files, $(du -sh "$WHEELS" | cut -f1)"
}

if [ "${1:-}" = "--fetch-wheels" ]; then
	fetch_wheels
	exit 0
fi
[ $# -eq 0 ] || die "unknown argument $1 (usage: benchmarks/gpu_check.sh [--fetch-wheels])"

command -v git >/dev/null || die "git is not on PATH (the demo repository is rebuilt with git)"
command -v "$PY" >/dev/null || die "no $PY (set PYTHON to the python that has torch)"
"$PY" -c "import torch" 2>/dev/null ||
	die "$PY cannot import torch; this script never installs torch: run it with the python that has it (PYTHON=...)"

WORK=${GPU_CHECK_KEEP:-$(mktemp -d "${TMPDIR:-/tmp}/isobench-gpu-check.XXXXXX")}
mkdir -p "$WORK"
[ -n "${GPU_CHECK_KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT

if ! "$PY" -c "import ${NEEDED}" 2>/dev/null; then
	compgen -G "$WHEELS/*.whl" >/dev/null ||
		die "$PY lacks some of: ${NEEDED}, and $WHEELS has no wheels (run benchmarks/gpu_check.sh --fetch-wheels where pip reaches an index, and bring .whl along)"
	"$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$WORK/site" "$WHEELS"/*.whl
	export PYTHONPATH="$WORK/site${PYTHONPATH:+:$PYTHONPATH}"
	"$PY" -c "import ${NEEDED}" || die "still missing packages after installing the wheels in $WHEELS"
	echo "installed $(find "$WHEELS" -type f -name '*.whl' | wc -l) wheels from $WHEELS into $WORK/site"
fi
"$PY" -c "import isobench" 2>/dev/null || export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
# Benchmark commands say `python`: make sure it names this interpreter when nothing else does.
mkdir -p "$WORK/bin"
ln -sf "$(command -v "$PY")" "$WORK/bin/python"
export PATH="$PATH:$WORK/bin"

GPUS=0
if "$PY" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)"; then
	command -v nvidia-smi >/dev/null ||
		die "torch sees a CUDA device but nvidia-smi is not on PATH (needed to lease and describe it)"
	GPUS=1
	echo "CUDA device found: the torch demo with gpus: 1"
else
	echo "no CUDA device: the CPU fallback, the torch demo with gpus: 0"
fi

STUDY="$WORK/study"
mkdir -p "$STUDY"
for part in "${PARTS[@]}"; do
	cp -R "$ROOT/$part" "$STUDY/"
done
"$PY" "$ROOT/benchmarks/gpu_check.py" config "$STUDY" --gpus "$GPUS" \
	--repetitions "$REPETITIONS" --tasks "$TASKS"

CORES=$(nproc)
[ "$CORES" -le 8 ] || CORES=8
# Leave 15 s of the budget for the report; `timeout` ends a study that would run past it.
LEFT_S=$((BUDGET_S - ($(date +%s) - START_S) - 15))
[ "$LEFT_S" -gt 0 ] || die "no time left of the ${BUDGET_S} s budget before the study starts"
set +e
(cd "$STUDY" && timeout -k 10 "$LEFT_S" "$PY" -m snakemake --cores "$CORES" results/opt_at_k.csv \
	--configfile gpu-check.yaml) >"$WORK/snakemake.log" 2>&1
STATUS=$?
set -e
if [ "$STATUS" -ne 0 ]; then
	tail -n 60 "$WORK/snakemake.log" >&2
	[ "$STATUS" -ne 124 ] || echo "gpu_check: the study ran past the ${BUDGET_S} s budget" >&2
	echo "gpu_check: the study failed (exit $STATUS); its log: $WORK/snakemake.log" >&2
	trap - EXIT
	exit 1
fi
"$PY" "$ROOT/benchmarks/gpu_check.py" report "$STUDY" --wall-s "$(($(date +%s) - START_S))" \
	--budget-s "$BUDGET_S"
