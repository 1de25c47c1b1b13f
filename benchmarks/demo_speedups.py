"""Measure every perf and decoy commit of the demo series against its parent.

Builds the demo repository (demo/minserve/series.yaml) in a temporary directory, exports the
parent and the commit of every perf/decoy entry with ``git archive``, runs the entry's benchmark
command from each tree, interleaved (parent, commit, parent, ...), and prints one row per commit:
the medians of the primary metric, the speedup (> 1 means the commit is faster, whatever the
metric's direction) and whether the output digests of all runs agree.

    python benchmarks/demo_speedups.py [--runs 5] [--series demo/minserve/series.yaml]

``python`` in the benchmark commands is this interpreter.  Timings on a shared machine are noisy;
the medians of interleaved runs are what the demo's design targets (perf >= 1.3x, decoys within a
few percent).
"""

from __future__ import annotations

import argparse
import io
import os
import shlex
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from isobench.bench.metric_catalog import metric_direction  # noqa: E402
from isobench.bench.metrics import parse_metrics, parse_output_digest  # noqa: E402
from isobench.repos.demo import build_repo  # noqa: E402


def export_tree(repo: Path, sha: str, dest: Path) -> Path:
    """Write the tree of ``sha`` to ``dest`` (``git archive``), without git metadata."""
    data = subprocess.run(
        ["git", "-C", str(repo), "archive", "--format=tar", sha],
        check=True,
        capture_output=True,
    ).stdout
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def run_once(command: str, cwd: Path) -> tuple[str, float]:
    """Run a benchmark command in ``cwd``; returns (stdout+stderr, wall seconds)."""
    argv = shlex.split(command)
    if argv and argv[0] == "python":
        argv[0] = sys.executable
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"`{command}` failed in {cwd} (exit {proc.returncode}):\n{proc.stderr}")
    return proc.stdout + proc.stderr, wall


def measure(entry: dict, repo: Path, workdir: Path, runs: int) -> dict:
    trees = {
        "parent": export_tree(repo, entry["parent"], workdir / f"{entry['sha'][:12]}-parent"),
        "commit": export_tree(repo, entry["sha"], workdir / f"{entry['sha'][:12]}-commit"),
    }
    metric = entry["primary_metric"]
    values: dict[str, list[float]] = {"parent": [], "commit": []}
    walls: dict[str, list[float]] = {"parent": [], "commit": []}
    digests: set[str | None] = set()
    for _ in range(runs):
        for variant, tree in trees.items():
            output, wall = run_once(entry["benchmark"], tree)
            metrics = parse_metrics(output)
            if metric not in metrics:
                raise RuntimeError(f"{metric} missing from the output of {entry['benchmark']}")
            values[variant].append(metrics[metric])
            walls[variant].append(wall)
            digests.add(parse_output_digest(output))
    parent, commit = statistics.median(values["parent"]), statistics.median(values["commit"])
    lower_is_better = metric_direction(metric) == "lower"
    return {
        "parent": parent,
        "commit": commit,
        "speedup": parent / commit if lower_is_better else commit / parent,
        "same_output": len(digests) == 1 and None not in digests,
        "wall_parent": statistics.median(walls["parent"]),
        "wall_commit": statistics.median(walls["commit"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=Path, default=ROOT / "demo/minserve/series.yaml")
    parser.add_argument("--runs", type=int, default=5, help="runs per variant (default 5)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="demo-speedups-") as tmp:
        repo = Path(tmp) / "repo"
        commits = build_repo(args.series, repo)
        rows = []
        header = (
            f"{'commit':<12}  {'label':<5}  {'module':<9}  {'metric':<16}  {'parent':>10}  "
            f"{'commit':>10}  {'speedup':>7}  {'same output':<11}  {'wall p/c (s)':<12}"
        )
        print(header)
        print("-" * len(header))
        for entry in commits:
            if entry["label"] not in ("perf", "decoy"):
                continue
            result = measure(entry, repo, Path(tmp), args.runs)
            rows.append((entry, result))
            print(
                f"{entry['sha'][:12]:<12}  {entry['label']:<5}  {entry['module']:<9}  "
                f"{entry['primary_metric']:<16}  {result['parent']:>10.2f}  "
                f"{result['commit']:>10.2f}  {result['speedup']:>6.2f}x  "
                f"{'yes' if result['same_output'] else 'NO':<11}  "
                f"{result['wall_parent']:.2f}/{result['wall_commit']:.2f}",
                flush=True,
            )
        print()
        for entry, _ in rows:
            print(f"{entry['sha'][:12]}  {entry['subject']}")
            print(f"              {entry['benchmark']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
