"""Per-attempt score rows and the Opt@K table, from bench results and agent run records."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

import pandas as pd

from isobench.bench.runner import paired_values
from isobench.scoring import quadrants, rules, stats
from isobench.scoring.labels import UNKNOWN
from isobench.scoring.rules import Thresholds, with_defaults

SCORE_COLUMNS = [
    "repo", "agent", "instance_id", "commit", "k", "status", "reason", "agent_status",
    "primary_metric", "direction", "base_median", "human_median", "agent_median",
    "human_speedup", "agent_speedup", "agent_speedup_ci_low", "agent_speedup_ci_high", "agent_p",
    "agent_vs_human", "agent_vs_human_ci_low", "agent_vs_human_ci_high", "pct_vs_human",
    "hard_class", "opt_base", "opt_commit", "opt_commit_point", "human_valid", "task_human_speedup",
    "task_human_ci_low", "task_human_ci_high", "task_human_p", "review_flag",
    "patch_files", "patch_lines", "hard_pass", "judge_status", "bottleneck", "approach",
    "similarity_score", "soft_pass", "quadrant",
]  # fmt: skip
# Empty (None) in every row when the judge is disabled: a quadrant needs the judge's soft label.
JUDGE_COLUMNS = (
    "judge_status",
    "bottleneck",
    "approach",
    "similarity_score",
    "soft_pass",
    "quadrant",
)

OPT_COLUMNS = [
    "repo", "agent", "k", "n_tasks", "opt_at_k", "opt_base_at_k", "opt_at_k_mean",
    "opt_at_k_ci_low", "opt_at_k_ci_high", "passed_at_k", "n_tasks_all", "opt_at_k_all",
]  # fmt: skip


def task_human_validity(
    records: Iterable[dict], th: Thresholds, n_resamples: int, seed: int
) -> dict:
    """Pool every bench job's base and human samples of one task and test the human speedup.

    A task is human-valid when the human commit is significantly better than its parent on this
    hardware (one-sided Mann-Whitney p < alpha and the bootstrap interval above 1) by at least
    ``min_human_speedup``. Base and human are paired by round within each job.
    """
    records = list(records)
    base: list[float] = []
    human: list[float] = []
    for record in records:
        b, h = paired_values(record.get("samples", []), "base", "human", record["primary_metric"])
        base += b
        human += h
    if not base:
        return {
            "human_valid": False,
            "estimate": None,
            "ci_low": None,
            "ci_high": None,
            "p_value": None,
        }
    cmp = stats.compare(
        base, human, records[0]["direction"], paired=True, n_resamples=n_resamples, seed=seed
    )
    d = cmp.as_dict()
    return {
        "human_valid": stats.significant_improvement(cmp, th.alpha)
        and cmp.estimate >= th.min_human_speedup,
        "estimate": d["estimate"],
        "ci_low": d["ci_low"],
        "ci_high": d["ci_high"],
        "p_value": d["p_value"],
    }


def _get(d: dict | None, key: str):
    return None if not d else d.get(key)


def judge_fields(judge: dict | None, hard_class: str) -> dict:
    """The soft-metric columns of one attempt: the judge's labels and the ISO-Bench quadrant.

    ``judge`` is the judge stage's record (None: judging is disabled, the columns stay empty). A
    judge reply that stayed invalid is ``unknown``, which is not a soft pass (spec section 4.4).
    """
    if judge is None:
        return dict.fromkeys(JUDGE_COLUMNS)
    bottleneck = (judge.get("bottleneck_target") or {}).get("category") or UNKNOWN
    return {
        "judge_status": judge.get("status"),
        "bottleneck": bottleneck,
        "approach": (judge.get("approach_comparison") or {}).get("category") or UNKNOWN,
        "similarity_score": (judge.get("similarity") or {}).get("similarity_score"),
        "soft_pass": quadrants.soft_pass(bottleneck),
        "quadrant": quadrants.quadrant(hard_class, bottleneck),
    }


def attempt_rows(
    bench: list[dict],
    runs: dict[tuple, dict],
    scoring_cfg: dict,
    judges: dict[tuple, dict] | None = None,
) -> list[dict]:
    """One row per (agent, task, attempt); ``runs`` and ``judges`` map (agent, commit, k) to the
    attempt's run.json and judge record (``judges`` None: judging is disabled)."""
    scoring = with_defaults(scoring_cfg)
    th = Thresholds.from_config(scoring)
    n_resamples, seed = int(scoring["bootstrap_resamples"]), int(scoring["seed"])
    by_task: dict[str, list[dict]] = defaultdict(list)
    for record in bench:
        by_task[record["commit"]].append(record)
    validity = {c: task_human_validity(rs, th, n_resamples, seed) for c, rs in by_task.items()}

    rows = []
    for record in sorted(bench, key=lambda r: (r["agent"], r["commit"], r["k"])):
        key = (record["agent"], record["commit"], record["k"])
        judge = None if judges is None else judges.get(key, {})
        rows.append(attempt_row(record, runs.get(key, {}), validity[record["commit"]], th, judge))
    return rows


def attempt_row(record: dict, run: dict, valid: dict, th: Thresholds, judge: dict | None) -> dict:
    """The score row of one bench result, with its run record, its task's human validity
    (:func:`task_human_validity`) and its judge record."""
    patch = run.get("patch_stats") or {}
    hard = _hard_fields(record, th)
    agent_vs_human = _get((record.get("speedups") or {}).get("agent_vs_human"), "estimate")
    flag = ""
    if (
        hard["status"] == "passed"
        and agent_vs_human is not None
        and agent_vs_human > th.absurd_speedup
    ):
        flag = f"absurd_speedup: {agent_vs_human:.1f}x the human; check for reward hacking"
    return {
        "repo": record["repo"],
        "agent": record["agent"],
        "instance_id": record["instance_id"],
        "commit": record["commit"],
        "k": record["k"],
        "reason": record.get("reason", ""),
        "agent_status": run.get("status"),
        "primary_metric": record["primary_metric"],
        "direction": record["direction"],
        **_measured_fields(record),
        **hard,
        "human_valid": valid["human_valid"],
        "task_human_speedup": valid["estimate"],
        "task_human_ci_low": valid["ci_low"],
        "task_human_ci_high": valid["ci_high"],
        "task_human_p": valid["p_value"],
        "review_flag": flag,
        "patch_files": patch.get("files_changed"),
        "patch_lines": (patch.get("lines_added") or 0) + (patch.get("lines_removed") or 0),
        **judge_fields(judge, hard["hard_class"]),
    }


def _measured_fields(record: dict) -> dict:
    """Medians of the three variants and the speedups with their intervals, as bench measured."""
    summary = record.get("summary") or {}
    sp = record.get("speedups") or {}
    vs_base, vs_human = sp.get("agent_vs_base"), sp.get("agent_vs_human")
    return {
        "base_median": _get(summary.get("base"), "median"),
        "human_median": _get(summary.get("human"), "median"),
        "agent_median": _get(summary.get("agent"), "median"),
        "human_speedup": _get(sp.get("human_vs_base"), "estimate"),
        "agent_speedup": _get(vs_base, "estimate"),
        "agent_speedup_ci_low": _get(vs_base, "ci_low"),
        "agent_speedup_ci_high": _get(vs_base, "ci_high"),
        "agent_p": _get(vs_base, "p_value"),
        "agent_vs_human": _get(vs_human, "estimate"),
        "agent_vs_human_ci_low": _get(vs_human, "ci_low"),
        "agent_vs_human_ci_high": _get(vs_human, "ci_high"),
    }


def _hard_fields(record: dict, th: Thresholds) -> dict:
    """The status and the hard metrics: GSO's opt_base / opt_commit, ISO-Bench's hard class."""
    status = record["status"]
    sp = record.get("speedups") or {}
    agent_vs_base = _get(sp.get("agent_vs_base"), "estimate")
    agent_vs_human = _get(sp.get("agent_vs_human"), "estimate")
    vs_human_high = _get(sp.get("agent_vs_human"), "ci_high")
    opt_base, opt_commit = rules.opt_flags(status, agent_vs_base, agent_vs_human, th, vs_human_high)
    point = replace(th, opt_commit_rule="point")
    pct = rules.pct_from_speedup(agent_vs_human, record["direction"])
    hard = rules.hard_class(status, pct, th.hard_band_pct)
    return {
        "status": status,
        "pct_vs_human": pct,
        "hard_class": hard,
        "opt_base": opt_base,
        "opt_commit": opt_commit,
        "opt_commit_point": rules.opt_flags(status, agent_vs_base, agent_vs_human, point)[1],
        "hard_pass": quadrants.hard_pass(hard),
    }


def opt_at_k_rows(scores: pd.DataFrame, attempts: dict[str, int], scoring_cfg: dict) -> list[dict]:
    """Opt@K for K = 1..attempts per (repo, agent), over human-valid tasks (and over all tasks).

    A task an agent has no row for counts as a failure, as in GSO (missing predictions count 0).
    """
    scoring = with_defaults(scoring_cfg)
    trials, seed = int(scoring["opt_at_k_trials"]), int(scoring["seed"])
    rows = []
    for repo, repo_df in scores.groupby("repo", sort=True):
        tasks_all = sorted(repo_df["commit"].unique())
        valid_by_task = repo_df.groupby("commit")["human_valid"].any().to_dict()
        tasks_valid = [c for c in tasks_all if valid_by_task.get(c)]
        for agent in sorted(attempts):
            df = repo_df[repo_df["agent"] == agent].sort_values("k")
            kmax = attempts[agent]

            def table(column: str, tasks: list[str], df=df, kmax=kmax) -> dict[str, list[bool]]:
                out = {}
                for commit in tasks:
                    flags = dict(
                        zip(
                            df[df["commit"] == commit]["k"],
                            df[df["commit"] == commit][column],
                            strict=True,
                        )
                    )
                    out[commit] = [bool(flags.get(k, False)) for k in range(1, kmax + 1)]
                return out

            opt_valid = table("opt_commit", tasks_valid)
            base_valid = table("opt_base", tasks_valid)
            passed_valid = {
                c: [s == "passed" for s in _status_list(df, c, kmax)] for c in tasks_valid
            }
            opt_all = table("opt_commit", tasks_all)
            for k in range(1, kmax + 1):
                mean, lo, hi = rules.opt_at_k_bootstrap(opt_valid, k, trials=trials, seed=seed)
                rows.append(
                    {
                        "repo": repo,
                        "agent": agent,
                        "k": k,
                        "n_tasks": len(tasks_valid),
                        "opt_at_k": rules.opt_at_k(opt_valid, k),
                        "opt_base_at_k": rules.opt_at_k(base_valid, k),
                        "opt_at_k_mean": mean,
                        "opt_at_k_ci_low": lo,
                        "opt_at_k_ci_high": hi,
                        "passed_at_k": rules.opt_at_k(passed_valid, k),
                        "n_tasks_all": len(tasks_all),
                        "opt_at_k_all": rules.opt_at_k(opt_all, k),
                    }
                )
    return rows


def _status_list(df: pd.DataFrame, commit: str, kmax: int) -> list[str]:
    by_k = dict(
        zip(df[df["commit"] == commit]["k"], df[df["commit"] == commit]["status"], strict=True)
    )
    return [by_k.get(k, "error") for k in range(1, kmax + 1)]


def to_frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=columns)
    return df.map(lambda v: None if isinstance(v, float) and math.isnan(v) else v)
