"""The toy study on a real SLURM cluster, through profiles/slurm, scores like a local run.

Needs a running cluster (`.ci/setup-slurm.sh` makes a single-node one on Debian). Without one the
test is skipped, except under CI (`CI` set), where a missing cluster is a failure.
The partition is `ISOBENCH_SLURM_PARTITION` if set, else the cluster's default partition.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time

import pandas as pd
import pytest

from tests.support.toy_project import make_toy_project
from tests.support.workflow_helpers import snakemake

pytestmark = [pytest.mark.e2e, pytest.mark.slurm]


TARGET = "results/scores/toy.csv"
# Outcome columns of a score row (timings and speedups differ from run to run).
STATUS_COLUMNS = ["status", "agent_status"]
KEY = ["agent", "commit", "k"]
USABLE_NODE_STATES = ("idle", "mixed", "allocated", "completing")


def _run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30)


def find_partition() -> tuple[str | None, str]:
    """(partition to submit to, '') when a cluster is usable, else (None, why not)."""
    missing = [t for t in ("sbatch", "sinfo", "squeue", "scontrol") if shutil.which(t) is None]
    if missing:
        return None, f"SLURM client tools not on PATH: {', '.join(missing)}"
    try:
        proc = _run("sinfo", "--noheader", "--format=%P %a %T")
    except subprocess.TimeoutExpired:
        return None, "sinfo did not answer within 30 s (is slurmctld running?)"
    if proc.returncode != 0:
        return None, f"sinfo failed (is slurmctld running?): {proc.stderr.strip()[-500:]}"
    usable: list[str] = []
    default = None
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        name, avail, state = parts
        if name.endswith("*"):
            name = name[:-1]
            default = default or name
        if avail == "up" and state.rstrip("*~#!%$@^-").lower() in USABLE_NODE_STATES:
            usable.append(name)
    wanted = os.environ.get("ISOBENCH_SLURM_PARTITION") or default or (usable[:1] or [None])[0]
    if wanted is None or wanted not in usable:
        return None, (
            f"no partition {wanted or ''} with an up node in state {'/'.join(USABLE_NODE_STATES)}; "
            f"sinfo says:\n{proc.stdout.strip()}"
        )
    return wanted, ""


@pytest.fixture(scope="module")
def partition() -> str:
    from tests.support.lanes import require_mark

    require_mark("slurm", "needs a SLURM cluster")
    name, why = find_partition()
    if name is None:
        message = f"no usable SLURM cluster: {why} (run .ci/setup-slurm.sh as root to make one)"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set, so a SLURM cluster is required: {message}")
        pytest.skip(message)
    return name


def statuses(workdir) -> pd.DataFrame:
    scores = pd.read_csv(workdir / TARGET, dtype=str, keep_default_na=False)
    return scores[KEY + STATUS_COLUMNS].sort_values(KEY).reset_index(drop=True)


def test_toy_study_on_slurm_matches_local_statuses(tmp_path, partition):
    local_dir, slurm_dir = tmp_path / "local", tmp_path / "slurm"
    local_dir.mkdir()
    slurm_dir.mkdir()
    toy = make_toy_project(local_dir)
    make_toy_project(slurm_dir)

    proc = snakemake(local_dir, TARGET, "--cores", "2", timeout=300)
    assert proc.returncode == 0, proc.stderr[-5000:]

    started = time.monotonic()
    proc = snakemake(
        slurm_dir,
        TARGET,
        "--workflow-profile",
        "profiles/slurm",
        "--jobs",
        "4",
        # Small requests, so that every job fits a 1-2 core CI node; the partition found above.
        "--default-resources",
        "runtime=10",
        "mem_mb=500",
        f"slurm_partition={partition}",
        "--set-resources",
        "bench:runtime=10",
        "bench:mem_mb=500",
        # Poll squeue 1 s after a submission instead of the profile's 20 s.
        "--slurm-init-seconds-before-status-checks",
        "1",
        "--latency-wait",
        "5",
        timeout=600,
    )
    elapsed = time.monotonic() - started
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"SLURM run failed after {elapsed:.0f} s:\n{log[-8000:]}"

    # Every bench job went through sbatch (one per agent x task x attempt), none ran locally.
    submitted = re.findall(r"submitted with SLURM jobid \d+ \(log: [^)]*/rule_bench/", log)
    assert len(submitted) == 4, log[-8000:]
    assert not re.search(r"^localrule bench:", log, re.MULTILINE)

    local, slurm = statuses(local_dir), statuses(slurm_dir)
    assert len(local) == 4
    pd.testing.assert_frame_equal(slurm, local)
    # The toy's known outcomes, so that "equal" cannot mean "equally broken".
    by_key = local.set_index(["agent", "commit"])["status"]
    assert by_key[("oracle", toy["fast"])] == "passed"
    assert by_key[("oracle", toy["other"])] == "base_failed"
