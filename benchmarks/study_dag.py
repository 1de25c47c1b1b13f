"""Part "study" of benchmarks/workflow_scale.py: the real study's DAG build (config/isobench.yaml).

    python benchmarks/workflow_scale.py --part study

A copy of the project with empty vllm/ and sglang/ folders (a fresh clone without submodules
checked out): `snakemake -n results/opt_at_k.csv` wall time, peak memory and jobs per rule.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from benchmarks.workflow_scale import job_counts, measure
from tests.support.workflow_helpers import copy_project

STUDY_ARGS = ("--configfile", "config/isobench.yaml")


def bench_study(repeats: int) -> None:
    print("== DAG build of the real study (config/isobench.yaml), submodules not checked out")
    dry = ("results/opt_at_k.csv", *STUDY_ARGS, "-n", "--cores", "2", "--quiet", "rules")
    with tempfile.TemporaryDirectory(prefix="isobench-study-") as tmp:
        workdir = Path(tmp)
        copy_project(workdir)
        for submodule in ("vllm", "sglang"):
            (workdir / submodule).mkdir()
        samples = [measure(workdir, *dry) for _ in range(repeats)]
    counts = job_counts(samples[0][2])
    total = counts.pop("total", 0)
    print(f"jobs: {total} (" + ", ".join(f"{r} {n}" for r, n in counts.items()) + ")")
    walls = [w for w, _, _ in samples]
    print(
        f"dry run: median {statistics.median(walls):.2f} s (runs "
        f"{', '.join(f'{w:.2f}' for w in walls)}), peak RSS {max(r for _, r, _ in samples):.0f} MB"
    )
