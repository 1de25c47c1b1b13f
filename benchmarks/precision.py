"""Measured precision of the timing method: false positives, power, interval width.

    python benchmarks/precision.py [--trials 40] [--repetitions 3,5,10] [--quick]

A tiny git repository (temporary) holds a pure-Python workload: UNITS identical blocks of integer
arithmetic, timed by the workload itself and printed as vLLM's latency script prints it
(``Avg latency: X seconds``), with a constant ``Output digest:``. Its commits are the variants,
so every task's true speedup is known by construction:

* ``A/A``: the human commit has the base's tree (10 blocks each): true speedup 1.0;
* ``1.1x``: base 11 blocks, human 10; ``1.2x``: base 12 blocks, human 10.

The agent is the human's own patch (GSO's oracle) on the 1.1x and 1.2x tasks, and a comment-only
patch (the same work) on A/A. A trial is one real bench job per task: ``LocalExecutor``,
``bench_attempt`` (``run_interleaved``, paired bootstrap intervals, Mann-Whitney), scored by
``score_tables.attempt_rows`` (human_valid, opt_base, opt_commit with the ``ci`` and ``point``
rules, ISO-Bench's hard class) with the schema's defaults. Trials loop over the tasks in turn, so
machine drift is shared by all of them.

Each job runs ``max(--repetitions)`` timed rounds (after the default warm-up). A job with fewer
repetitions is the same job stopped earlier: its runs are the first ones of the long job (the
rotated run order of R rounds is a prefix of that of more rounds), so it is replayed from the
recorded runs through ``bench_attempt`` again: the same code path, no extra machine time.

The single-run method (what ISO-Bench did) is the first round of each job: one cold run of base,
then human, then agent, no warm-up and no repetition; "significant" = the ratio beyond the
+-5 % band (hard class ``beats``), opt_commit by GSO's point rule.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from precision_table import TRUE_SPEEDUP, print_noise_table, print_table  # noqa: E402

from isobench import gitutil  # noqa: E402
from isobench.agents.base import patch_stats  # noqa: E402
from isobench.bench import metrics as parsers  # noqa: E402
from isobench.bench.local import LocalExecutor  # noqa: E402
from isobench.bench.runner import BenchSettings, bench_attempt  # noqa: E402
from isobench.process import RunResult  # noqa: E402
from isobench.scoring import rules as scoring  # noqa: E402
from isobench.scoring import stats  # noqa: E402
from isobench.scoring.tables import attempt_rows  # noqa: E402
from isobench.synthesis import command_perf_test  # noqa: E402

WORK = '''"""Fixed CPU work: UNITS identical blocks of integer arithmetic."""
import hashlib
import time

UNITS = {units}
SIZE = {size}{comment}


def block():
    acc = 0
    for i in range(SIZE):
        acc = (acc * 1103515245 + i) & 0xFFFFFFFF
    return acc


start = time.perf_counter()
for _ in range(UNITS):
    result = block()
elapsed = time.perf_counter() - start
print(f"Avg latency: {{elapsed:.6f}} seconds")
print("Output digest: " + hashlib.sha256(str(result).encode()).hexdigest())
'''
HUMAN_UNITS = 10
TASKS = tuple(TRUE_SPEEDUP.items())  # name, true speedup = base blocks / human blocks
METRIC, MODE, DIRECTION = "latency_avg_ms", "latency", "lower"
SCHEMA = ROOT / "config" / "schemas" / "config.schema.yaml"
GIT = (
    "-c",
    "user.name=precision",
    "-c",
    "user.email=p@example.invalid",
    "-c",
    "commit.gpgsign=false",
)
DATES = {
    "GIT_AUTHOR_DATE": "2025-01-01T00:00:00+00:00",
    "GIT_COMMITTER_DATE": "2025-01-01T00:00:00+00:00",
}


def schema_defaults() -> tuple[dict, dict]:
    """The evaluation and scoring defaults of the config schema (what a study gets unset)."""
    props = yaml.safe_load(SCHEMA.read_text())["properties"]

    def defaults(section: str) -> dict:
        return {k: v["default"] for k, v in props[section]["properties"].items() if "default" in v}

    return defaults("evaluation"), defaults("scoring")


def _commit(repo: Path, units: int, size: int, message: str, comment: str = "") -> str:
    (repo / "work.py").write_text(WORK.format(units=units, size=size, comment=comment))
    gitutil.git(repo, "add", "-A")
    gitutil.git(repo, *GIT, "commit", "-q", "--allow-empty", "-m", message, env=DATES)
    return gitutil.git(repo, "rev-parse", "HEAD").strip()


def build_tasks(root: Path, size: int) -> tuple[Path, list[dict]]:
    """The repository and one task per entry of TASKS, each with its agent patch."""
    repo = root / "repo"
    repo.mkdir()
    gitutil.git(repo, "init", "-q", "-b", "main")
    tasks = []
    for name, speedup in TASKS:
        base_units = round(HUMAN_UNITS * speedup)
        assert math.isclose(base_units / HUMAN_UNITS, speedup)
        parent = _commit(repo, base_units, size, f"{name}: base")
        commit = _commit(repo, HUMAN_UNITS, size, f"{name}: human")
        patch = gitutil.diff_bytes(repo, parent, commit)
        if not patch.strip():  # A/A: the human tree is the base's; the agent adds a comment
            side = _commit(repo, HUMAN_UNITS, size, "A/A: agent", "\n# same work")
            patch = gitutil.diff_bytes(repo, commit, side)
        task = {
            "repo": "precision",
            "instance_id": f"precision-{name}",
            "commit_hash": commit,
            "parent": parent,
            "perf_command": "python work.py",
            "mode": MODE,
            "primary_metric": METRIC,
            "direction": DIRECTION,
        }
        run = {"agent": "oracle", "k": 1, "status": "ok", "patch_stats": patch_stats(patch)}
        tasks.append({"name": name, "true": speedup, "task": task, "run": run, "patch": patch})
    return repo, tasks


class Recorder:
    """An executor that keeps every run's result per variant, in call order."""

    def __init__(self, inner):
        self.inner = inner
        self.name = inner.name
        self.gpu = inner.gpu
        self.runs: dict[str, list] = defaultdict(list)

    def prepare(self, task, patch):
        self.inner.prepare(task, patch)

    def result_extras(self):
        return self.inner.result_extras()

    def add_tree(self, variant, sha, patch=None):
        return self.inner.add_tree(variant, sha, patch=patch)

    def run(self, variant, timeout_s):
        result = self.inner.run(variant, timeout_s)
        self.runs[variant].append(result)
        return result


class Replay:
    """Answers run() with a Recorder's results, in order: the same job with fewer rounds."""

    name = LocalExecutor.name
    gpu = None

    def __init__(self, runs: dict[str, list]):
        self.queues = {variant: iter(results) for variant, results in runs.items()}

    def prepare(self, task, patch):
        pass

    def result_extras(self):
        return {}

    def add_tree(self, variant, sha, patch=None):
        return True, ""

    def run(self, variant, timeout_s):
        return next(self.queues[variant])


def _cmp(d: dict | None) -> stats.Comparison:
    keys = ("estimate", "ci_low", "ci_high", "p_value", "n_reference", "n_candidate")
    d = d or {}
    return stats.Comparison(*(math.nan if d.get(k) is None else d[k] for k in keys))


def _vs_human_part(th: scoring.Thresholds, rule: str, estimate: float, ci_high=None) -> bool:
    """opt_commit's comparison with the human on its own (opt_flags with opt_base granted)."""
    rules = replace(th, opt_commit_rule=rule)
    return scoring.opt_flags("passed", th.opt_base, estimate, rules, ci_high)[1]


def bench_outcome(record: dict, scoring_cfg: dict) -> dict:
    """What one bench record says, through the workflow's own score row."""
    th = scoring.Thresholds.from_config(scoring_cfg)
    row = attempt_rows([record], {}, scoring_cfg)[0]
    human = _cmp(record["speedups"]["human_vs_base"])
    vs_human = _cmp(record["speedups"]["agent_vs_human"])
    return {
        "status": row["status"],
        "est": human.estimate,
        "lo": human.ci_low,
        "hi": human.ci_high,
        "sig": stats.significant_improvement(human, th.alpha),
        "valid": bool(row["human_valid"]),
        "opt_base": bool(row["opt_base"]),
        "opt_commit_ci": bool(row["opt_commit"]),
        "opt_commit_point": bool(row["opt_commit_point"]),
        "vs_human_ci": _vs_human_part(th, "ci", vs_human.estimate, vs_human.ci_high),
        "vs_human_point": _vs_human_part(th, "point", vs_human.estimate),
        "agent_worse": row["hard_class"] == "worse",
        "cv": record["summary"]["base"]["cv"],
    }


def single_run_outcome(runs: dict[str, list], scoring_cfg: dict) -> dict:
    """ISO-Bench's method on the first (cold) run of base, human and agent."""
    th = scoring.Thresholds.from_config(scoring_cfg)
    value = {v: parsers.parse_metrics(rs[0].output, MODE).get(METRIC) for v, rs in runs.items()}
    human = stats.ratio_of_medians([value["base"]], [value["human"]], DIRECTION)
    agent = stats.ratio_of_medians([value["base"]], [value["agent"]], DIRECTION)
    vs_human = stats.ratio_of_medians([value["human"]], [value["agent"]], DIRECTION)

    def band(speedup: float) -> str:
        pct = scoring.pct_from_speedup(speedup, DIRECTION)
        return scoring.hard_class("passed", pct, th.hard_band_pct)

    opt_base, opt_commit = scoring.opt_flags(
        "passed", agent, vs_human, replace(th, opt_commit_rule="point")
    )
    beats = band(human) == "beats"  # no test: beyond the band is what the method calls a speedup
    return {
        "status": "passed",
        "est": human,
        "lo": math.nan,
        "hi": math.nan,
        "sig": beats,
        "valid": beats and human >= th.min_human_speedup,
        "opt_base": opt_base,
        "opt_commit_ci": None,  # no interval
        "opt_commit_point": opt_commit,
        "vs_human_ci": None,
        "vs_human_point": _vs_human_part(th, "point", vs_human),
        "agent_worse": band(vs_human) == "worse",
        "cv": None,
    }


def _settings(evaluation: dict, scoring_cfg: dict, repetitions: int) -> BenchSettings:
    return BenchSettings(
        warmup=evaluation["warmup"],
        repetitions=repetitions,
        timeout_s=evaluation["timeout_s"],
        bootstrap_resamples=scoring_cfg["bootstrap_resamples"],
        seed=scoring_cfg["seed"],
    )


def measure_trial(repo: Path, perf: Path, spec: dict, repetitions: int, cfg: tuple) -> dict:
    """One real bench job of ``spec``'s task; every run's result per variant, in order."""
    evaluation, scoring_cfg = cfg
    settings = _settings(evaluation, scoring_cfg, repetitions)
    with LocalExecutor(repo, perf, cpu_threads=evaluation["cpu_threads"]) as local:
        recorder = Recorder(local)
        bench_attempt(recorder, spec["task"], spec["run"], spec["patch"], settings)
    return {variant: [asdict(r) for r in results] for variant, results in recorder.runs.items()}


def score_trial(runs: dict, spec: dict, reps: list[int], cfg: tuple) -> dict:
    """The job's outcome at each repetition count (replayed) and by the single-run method."""
    evaluation, scoring_cfg = cfg
    runs = {variant: [RunResult(**r) for r in results] for variant, results in runs.items()}
    out = {}
    for n in reps:
        settings = _settings(evaluation, scoring_cfg, n)
        record = bench_attempt(Replay(runs), spec["task"], spec["run"], spec["patch"], settings)
        out[n] = bench_outcome(record, scoring_cfg)
    out["single"] = single_run_outcome(runs, scoring_cfg)
    return out


def measure(args, repo: Path, specs: list[dict], cfg: tuple) -> dict:
    """Every trial's runs: ``{size, repetitions, trials: [{task: runs}], wall_s, load}``."""
    started = time.perf_counter()
    perf = repo.parent / "perf_test.py"
    perf.write_text(command_perf_test(specs[0]["task"])[0])
    trials = []
    for trial in range(args.trials):
        # The tasks in turn within a trial: drift of the machine is shared by all of them.
        trials.append({s["name"]: measure_trial(repo, perf, s, max(args.reps), cfg) for s in specs})
        print(f"trial {trial + 1}/{args.trials} measured", file=sys.stderr, flush=True)
    return {
        "size": args.size,
        "repetitions": max(args.reps),
        "trials": trials,
        "wall_s": time.perf_counter() - started,
        "load": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=40, help="bench jobs per task")
    parser.add_argument("--repetitions", default="3,5,10", help="timed rounds to compare")
    parser.add_argument("--size", type=int, default=60_000, help="loop length of one block")
    parser.add_argument("--quick", action="store_true", help="4 trials, short blocks")
    parser.add_argument("--save-runs", type=Path, help="write every run's output here (JSON)")
    parser.add_argument("--from-runs", type=Path, help="score saved runs instead of measuring")
    args = parser.parse_args()
    if args.quick:
        args.trials, args.size = 4, 30_000
    args.reps = sorted({int(x) for x in args.repetitions.split(",")})
    cfg = schema_defaults()
    data = json.loads(args.from_runs.read_text()) if args.from_runs else None
    if data is not None:
        args.size = data["size"]
        if max(args.reps) > data["repetitions"]:
            parser.error(f"{args.from_runs} holds {data['repetitions']} repetitions per job")
    with tempfile.TemporaryDirectory(prefix="isobench-precision-") as tmp:
        repo, specs = build_tasks(Path(tmp), args.size)
        if data is None:
            data = measure(args, repo, specs, cfg)
            if args.save_runs:
                args.save_runs.write_text(json.dumps(data))
    results = {s["name"]: defaultdict(list) for s in specs}
    for trial in data["trials"]:
        for spec in specs:
            for method, outcome in score_trial(trial[spec["name"]], spec, args.reps, cfg).items():
                results[spec["name"]][method].append(outcome)
    evaluation, scoring_cfg = cfg
    load = ", ".join(f"{x:.2f}" for x in data["load"])
    print(
        f"{len(data['trials'])} trials per task; warm-up {evaluation['warmup']}; block loop "
        f"{args.size}; alpha {scoring_cfg['alpha']}; measured in {data['wall_s']:.0f} s; "
        f"load average at the end {load}"
    )
    print_table(results, args.reps, evaluation["repetitions"])
    print_noise_table(args.reps, scoring_cfg)


if __name__ == "__main__":
    main()
