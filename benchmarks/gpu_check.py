"""The Python half of benchmarks/gpu_check.sh: the study's config, and the report of its results.

    python benchmarks/gpu_check.py config STUDY_DIR --gpus 1 [--repetitions 3] [--tasks N]
    python benchmarks/gpu_check.py report STUDY_DIR [--wall-s S] [--budget-s S]

``config`` writes ``STUDY_DIR/gpu-check.yaml`` from config/torch-demo.yaml (in STUDY_DIR, a copy
of the project): the torch demo with ``gpus`` set, agents oracle and noop only, and the given
number of timed rounds (and, with ``--tasks``, a task list of the first N tasks beside it).

``report`` prints, from the result files only: the GPU's name and driver as nvidia-smi recorded
them with the bench results (or that none was recorded), the devices the perf tests reported,
every task's human speedup with its 95 % interval, Opt@1 of oracle and noop, and the wall time.
It exits 1 when oracle's Opt@1 is not 1 or noop's is not 0 (the path is not proven).

Standard library, PyYAML and pandas only (what the GPU machine's python3 has).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd
import yaml

SOURCE_CONFIG = "config/torch-demo.yaml"
CONFIG_NAME = "gpu-check.yaml"
TASKS_NAME = "gpu-check-commits.yaml"
AGENTS = ("oracle", "noop")


def write_config(study: Path, gpus: int, repetitions: int, tasks: int) -> Path:
    """The gpu-check study config (see the module doc); returns its path."""
    config = yaml.safe_load((study / SOURCE_CONFIG).read_text())
    [(name, repo)] = config["repos"].items()
    repo["gpus"] = gpus
    if tasks > 0:
        entries = yaml.safe_load((study / repo["commits"]).read_text())[:tasks]
        (study / TASKS_NAME).write_text(yaml.safe_dump(entries, sort_keys=False))
        repo["commits"] = TASKS_NAME
    config["agents"] = [a for a in config["agents"] if a["id"] in AGENTS]
    config["evaluation"]["repetitions"] = repetitions
    path = study / CONFIG_NAME
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    print(
        f"study: repository {name}, gpus: {gpus}, agents {', '.join(AGENTS)}, {repetitions} rounds"
    )
    return path


def _benches(results: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(results.glob("bench/*/*/*/*.json"))]


def device_lines(benches: list[dict]) -> list[str]:
    """What nvidia-smi recorded about the leased GPU, and what the perf tests said they ran on."""
    gpus = sorted(
        {
            (row.get("name", "?"), row.get("driver_version", "?"), row.get("error"))
            for bench in benches
            for row in bench.get("gpu") or []
        },
        key=str,
    )
    lines = []
    for name, driver, error in gpus:
        lines.append(
            f"GPU: nvidia-smi error: {error}" if error else f"GPU: {name}, driver {driver}"
        )
    if not gpus:
        lines.append("GPU: none recorded (no device leased: the CPU fallback, gpus: 0)")
    reported = sorted({d for b in benches for ds in (b.get("devices") or {}).values() for d in ds})
    lines.append(f"perf tests ran on: {', '.join(reported) or 'nothing reported'}")
    return lines


def speedup_lines(results: Path) -> list[str]:
    """Each task's human speedup (pooled over its bench jobs) with its 95 % interval."""
    lines = ["human speedup per task (base time / human time, 95 % interval, p):"]
    for scores in sorted(results.glob("scores/*.csv")):
        table = pd.read_csv(scores).drop_duplicates("instance_id")
        for row in table.itertuples():
            task = json.loads((results / "tasks" / row.repo / row.commit / "task.json").read_text())
            valid = "human-valid" if row.human_valid else "NOT human-valid"
            lines.append(
                f"  {row.instance_id}  {task['perf_command']:<30} {row.task_human_speedup:6.2f}x"
                f"  [{row.task_human_ci_low:.2f}, {row.task_human_ci_high:.2f}]"
                f"  p={row.task_human_p:.1e}  {valid}"
            )
    return lines


def opt_at_1(results: Path) -> dict[str, float]:
    table = pd.read_csv(results / "opt_at_k.csv")
    return {row.agent: float(row.opt_at_k) for row in table[table.k == 1].itertuples()}


def report(study: Path, wall_s: float | None, budget_s: float) -> int:
    results = study / "results"
    for line in device_lines(_benches(results)) + speedup_lines(results):
        print(line)
    scores = opt_at_1(results)
    print("Opt@1: " + ", ".join(f"{a} {scores.get(a, float('nan')):.2f}" for a in AGENTS))
    if wall_s is not None:
        over = "  OVER THE BUDGET" if wall_s > budget_s else ""
        print(f"wall time: {wall_s:.0f} s (budget {budget_s:.0f} s){over}")
    if scores.get("oracle") != 1.0 or scores.get("noop") != 0.0:
        print("GPU CHECK FAILED: oracle's Opt@1 must be 1 and noop's 0", file=sys.stderr)
        return 1
    print("GPU check passed")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/gpu_check.py", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    config = sub.add_parser("config", help="write the study config into STUDY_DIR")
    config.add_argument("study", type=Path)
    config.add_argument("--gpus", type=int, choices=(0, 1), required=True)
    config.add_argument("--repetitions", type=int, default=3)
    config.add_argument("--tasks", type=int, default=0, help="only the first N tasks (0: all)")
    rep = sub.add_parser("report", help="print the report of a finished study")
    rep.add_argument("study", type=Path)
    rep.add_argument("--wall-s", type=float)
    rep.add_argument("--budget-s", type=float, default=300.0)
    args = parser.parse_args(argv)
    if args.command == "config":
        write_config(args.study, args.gpus, args.repetitions, args.tasks)
        return 0
    return report(args.study, args.wall_s, args.budget_s)


if __name__ == "__main__":
    raise SystemExit(main())
