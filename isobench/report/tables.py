"""The paper-style tables for this workflow's own runs, from ``results/scores/{repo}.csv``.

- ``opt_p_at_1``: GSO's Opt_p@1 sweep. A first attempt (k = 1) counts for a given p when it
  passed, is at least ``opt_base`` (1.2x) faster than the base, and, for p > 0, reaches more than
  p times the human speedup (GSO's opt_commit with 0.95 replaced by p). Computed over the
  human-valid tasks of a repository; a task an agent has no row for counts as a miss.
- ``best_attempts`` / ``task_contributions``: per task and agent, the best status over the
  attempts, the best passing speedup and whether any attempt is opt_commit (the task then counts
  for Opt@K at the agent's K).

TODO(judge): with the judge enabled, the score tables carry each attempt's quadrant (derived by
:mod:`isobench.scoring.quadrants`, the rules the paper tables use); per-agent quadrant tables and figures
for our runs are not derived here yet.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from isobench.scoring import rules
from isobench.scoring.rules import Thresholds
from isobench.scoring.stats import wilson_interval

OPT_P_GRID = tuple(round(0.05 * i, 2) for i in range(21))
BOOL_COLUMNS = ("opt_base", "opt_commit", "human_valid")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no", "", "nan", "none"}


def _to_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def load_scores(paths: Iterable) -> pd.DataFrame:
    """Concatenate per-repository score tables; boolean columns become real booleans."""
    frames = [pd.read_csv(p, dtype={"commit": str, "instance_id": str}) for p in paths]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["repo", "agent", "commit", "k", "status"])
    df = pd.concat(frames, ignore_index=True)
    for column in BOOL_COLUMNS:
        if column in df.columns:
            df[column] = df[column].map(_to_bool).astype(bool)
    df["k"] = df["k"].astype(int)
    return df


def valid_tasks(scores: pd.DataFrame) -> dict[str, list[str]]:
    """Human-valid task commits per repository (a task is valid if any of its rows says so)."""
    out = {}
    for repo, df in scores.groupby("repo", sort=True):
        valid = df.groupby("commit")["human_valid"].any()
        out[repo] = sorted(valid[valid].index)
    return out


OPT_P_COLUMNS = ["repo", "agent", "p", "n_tasks", "n_opt", "opt_p_at_1", "ci_low", "ci_high"]


def opt_p_at_1(
    scores: pd.DataFrame,
    thresholds: Thresholds,
    ps: Sequence[float] = OPT_P_GRID,
    agents: Mapping[str, Iterable[str]] | None = None,
) -> pd.DataFrame:
    """Opt_p@1 per (repo, agent, p) over the human-valid tasks, with a Wilson 95 % interval.

    ``agents`` (repo -> agent ids) adds agents that have no score row in a repository (they
    score 0, as in Opt@K); by default the agents are those of the repository's rows.
    """
    rows = []
    tasks_by_repo = valid_tasks(scores)
    for repo, repo_df in scores.groupby("repo", sort=True):
        tasks = tasks_by_repo[repo]
        first = repo_df[(repo_df["k"] == 1) & repo_df["commit"].isin(tasks)]
        repo_agents = set(repo_df["agent"]) | set((agents or {}).get(repo, ()))
        for agent in sorted(repo_agents):
            attempts = first[first["agent"] == agent].set_index("commit")
            for p in ps:
                hits = 0
                for commit in tasks:
                    if commit not in attempts.index:
                        continue  # no first attempt: a miss
                    row = attempts.loc[commit]
                    hits += rules.opt_p_flag(
                        row["status"], row["agent_speedup"], row["agent_vs_human"], p, thresholds
                    )
                n = len(tasks)
                lo, hi = wilson_interval(hits, n)
                rows.append(
                    {
                        "repo": repo,
                        "agent": agent,
                        "p": p,
                        "n_tasks": n,
                        "n_opt": hits,
                        "opt_p_at_1": hits / n if n else math.nan,
                        "ci_low": lo,
                        "ci_high": hi,
                    }
                )
    return pd.DataFrame(rows, columns=OPT_P_COLUMNS)


BEST_COLUMNS = [
    "repo", "agent", "commit", "instance_id", "attempts", "best_status", "best_k",
    "best_speedup", "best_speedup_ci_low", "best_speedup_ci_high", "opt_commit_within_k",
    "human_valid", "human_speedup", "human_ci_low", "human_ci_high",
]  # fmt: skip


def _first_finite(values) -> float:
    for v in values:
        if v is not None and isinstance(v, (int, float)) and math.isfinite(v):
            return float(v)
    return math.nan


def best_attempts(scores: pd.DataFrame) -> pd.DataFrame:
    """One row per (repo, agent, task): the best attempt (GSO's merge over K runs).

    Best status over the attempts; among passing attempts the one with the highest speedup over
    the base (its k and interval); opt_commit if any attempt is. Human columns are the task's.
    """
    rows = []
    for (repo, agent, commit), df in scores.groupby(["repo", "agent", "commit"], sort=True):
        passed = df[(df["status"] == "passed") & df["agent_speedup"].notna()]
        best = passed.loc[passed["agent_speedup"].idxmax()] if not passed.empty else None
        rows.append(
            {
                "repo": repo,
                "agent": agent,
                "commit": commit,
                "instance_id": df["instance_id"].iloc[0],
                "attempts": int(df["k"].nunique()),
                "best_status": rules.best_status(df["status"]),
                "best_k": int(best["k"]) if best is not None else None,
                "best_speedup": float(best["agent_speedup"]) if best is not None else math.nan,
                "best_speedup_ci_low": float(best["agent_speedup_ci_low"])
                if best is not None
                else math.nan,
                "best_speedup_ci_high": float(best["agent_speedup_ci_high"])
                if best is not None
                else math.nan,
                "opt_commit_within_k": bool(df["opt_commit"].any()),
                "human_valid": bool(df["human_valid"].any()),
                "human_speedup": _first_finite(df["task_human_speedup"]),
                "human_ci_low": _first_finite(df["task_human_ci_low"]),
                "human_ci_high": _first_finite(df["task_human_ci_high"]),
            }
        )
    return pd.DataFrame(rows, columns=BEST_COLUMNS)


TASK_COLUMNS = [
    "repo",
    "instance_id",
    "commit",
    "human_speedup",
    "human_ci_low",
    "human_ci_high",
    "human_valid",
]
AGENT_FIELDS = ("attempts", "best_status", "best_speedup", "opt_commit_within_k")


def task_contributions(best: pd.DataFrame) -> pd.DataFrame:
    """Wide per-task table: the human columns, then ``{agent}.{field}`` for every agent.

    An agent without any row for a task gets ``attempts`` 0 and an empty status.
    """
    if best.empty:
        return pd.DataFrame(columns=TASK_COLUMNS)
    agents = sorted(best["agent"].unique())
    tasks = (
        best.groupby(["repo", "commit"], sort=True)
        .agg(
            instance_id=("instance_id", "first"),
            human_speedup=("human_speedup", "first"),
            human_ci_low=("human_ci_low", "first"),
            human_ci_high=("human_ci_high", "first"),
            human_valid=("human_valid", "any"),
        )
        .reset_index()[TASK_COLUMNS]
    )
    for agent in agents:
        part = best[best["agent"] == agent].set_index(["repo", "commit"])
        key = pd.MultiIndex.from_frame(tasks[["repo", "commit"]])
        for field in AGENT_FIELDS:
            col = part[field].reindex(key)
            if field == "attempts":
                col = col.fillna(0).astype(int)
            elif field == "best_status":
                col = col.fillna("")
            elif field == "opt_commit_within_k":
                col = col.fillna(False).astype(bool)
            tasks[f"{agent}.{field}"] = col.to_numpy()
    return tasks


def agents_of(table: pd.DataFrame) -> list[str]:
    """The agents of a ``task_contributions`` table, in column order."""
    suffix = ".best_status"
    return [c[: -len(suffix)] for c in table.columns if c.endswith(suffix)]
