"""Quadrants, success rates, McNemar tests and approach counts from per-(task, agent) rows.

Input: one row per (project, commit, agent) with the ISO-Bench labels ``hard`` (beats / similar /
worse / NO_DATA), ``bottleneck`` (LLM-judge targeting) and ``approach`` (LLM-judge approach), as
in ``data/paper/isobench_paper_per_task.csv``. The rules (ISO-Bench, reproduced from its
generating scripts):

- hard pass = ``hard`` in {beats, similar}; soft pass = ``bottleneck`` in {same_target,
  related_target} (:mod:`isobench.scoring.quadrants`, shared with the score stage of our own runs);
- Q1 (true success) = hard and soft pass, Q2 (good intent) = soft only, Q3 (lucky win) = hard
  only, Q4 (failure) = neither;
- every rate of a project has the same denominator n = the project's number of paper-set tasks,
  so a task an agent has no row for, or ``NO_DATA``, or a failed agent counts against the agent.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence

import pandas as pd
from scipy import stats as sps

from isobench.scoring.labels import (
    APPROACH_CATEGORIES,
    BOTTLENECK_CATEGORIES,
    HARD_CLASSES,
    UNKNOWN,
)
from isobench.scoring.quadrants import HARD_PASS, QUADRANT_NAMES, QUADRANTS, SOFT_PASS, quadrant
from isobench.scoring.stats import wilson_interval

AGENT_ORDER = (
    "claude_code",
    "codex_cli",
    "trae_sonnet",
    "trae_gpt5",
    "openhands_sonnet45",
    "openhands_gpt5",
)
AGENT_LABELS = {
    "claude_code": "Claude Code",
    "codex_cli": "Codex CLI",
    "trae_sonnet": "TRAE (Sonnet)",
    "trae_gpt5": "TRAE (GPT-5)",
    "openhands_sonnet45": "OpenHands (Sonnet-4.5)",
    "openhands_gpt5": "OpenHands (GPT-5)",
}
PROJECT_ORDER = ("vllm", "sglang")
PROJECT_LABELS = {"vllm": "vLLM", "sglang": "SGLang", "all": "Both"}

NO_DATA = "NO_DATA"  # the published hard label of a task an agent has no result for
HARD_LABELS = (*HARD_CLASSES, NO_DATA)
# The judge's approach categories that occur in the published data (it has no same_approach or
# harmful label); the approach tables and figures have one column each, in the judge's order.
APPROACHES = tuple(c for c in APPROACH_CATEGORIES if c not in ("same_approach", "harmful"))
APPROACH_LABELS = {
    "same_approach": "Same approach",
    "harmful": "Harmful",
    "similar_approach": "Similar approach",
    "valid_alternative": "Valid alternative",
    "partial_solution": "Partial solution",
    "ineffective": "Ineffective",
    "other": "Other",
    "unknown": "Not judged",
}
QUADRANT_LABELS = {q: f"{q} {QUADRANT_NAMES[q].replace('_', ' ')}" for q in QUADRANTS}

REQUIRED_COLUMNS = ("project", "commit", "in_paper_set", "agent", "hard", "bottleneck", "approach")
# What a task without a row for an agent is filled in with: no result, not judged.
MISSING_ROW = {
    "hard": NO_DATA,
    "primary_metric": "none",
    "bottleneck": UNKNOWN,
    "approach": UNKNOWN,
}


def agent_label(agent: str) -> str:
    return AGENT_LABELS.get(agent, agent)


def project_label(project: str) -> str:
    return PROJECT_LABELS.get(project, project)


def order_agents(agents: Iterable[str]) -> list[str]:
    """The paper's chart order; agents it does not know follow, alphabetically."""
    present = set(agents)
    known = [a for a in AGENT_ORDER if a in present]
    return known + sorted(present - set(known))


def order_projects(projects: Iterable[str]) -> list[str]:
    present = set(projects)
    return [p for p in PROJECT_ORDER if p in present] + sorted(present - set(PROJECT_ORDER))


def _check_values(df: pd.DataFrame, column: str, allowed: Iterable[str]) -> None:
    bad = sorted(set(df[column]) - set(allowed))
    if bad:
        raise ValueError(
            f"column {column!r}: unexpected value(s) {bad}; expected one of {sorted(allowed)}"
        )


def load_per_task(path) -> pd.DataFrame:
    """Read a per-task results file as text (an empty cell stays ''), checking labels and keys."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}")
    df["in_paper_set"] = df["in_paper_set"].str.lower().map({"true": True, "false": False})
    if df["in_paper_set"].isna().any():
        raise ValueError(f"{path}: in_paper_set must be true or false")
    _check_values(df, "hard", HARD_LABELS)
    _check_values(df, "bottleneck", (*BOTTLENECK_CATEGORIES, UNKNOWN))
    _check_values(df, "approach", (*APPROACH_CATEGORIES, UNKNOWN))
    dup = df.duplicated(["project", "commit", "agent"], keep=False)
    if dup.any():
        rows = df.loc[dup, ["project", "commit", "agent"]].drop_duplicates().to_dict("records")
        raise ValueError(f"{path}: duplicate (project, commit, agent) rows: {rows[:5]}")
    return df


def paper_set(df: pd.DataFrame, agents: Sequence[str] | None = None) -> pd.DataFrame:
    """The evaluated tasks only, completed to every (task, agent) pair.

    The task set of a project is every commit with ``in_paper_set`` true; an agent without a row
    for one of them gets a ``NO_DATA`` / ``unknown`` row, so it counts as a failure (Q4).
    """
    agents = order_agents(df["agent"]) if agents is None else list(agents)
    evaluated = df[df["in_paper_set"]]
    tasks = evaluated[["project", "commit"]].drop_duplicates()
    grid = tasks.merge(pd.DataFrame({"agent": agents}), how="cross")
    full = grid.merge(
        evaluated.drop(columns=["in_paper_set"]), on=["project", "commit", "agent"], how="left"
    )
    for column, value in MISSING_ROW.items():
        if column in full.columns:
            full[column] = full[column].fillna(value)
    full["in_paper_set"] = True
    return classify(full)


def classify(df: pd.DataFrame) -> pd.DataFrame:
    """Add ``hard_pass``, ``soft_pass`` and ``quadrant`` columns."""
    out = df.copy()
    out["hard_pass"] = out["hard"].isin(HARD_PASS)
    out["soft_pass"] = out["bottleneck"].isin(SOFT_PASS)
    out["quadrant"] = [quadrant(h, b) for h, b in zip(out["hard"], out["bottleneck"], strict=True)]
    return out


def _projects_agents(df: pd.DataFrame, agents: Sequence[str] | None) -> tuple[list[str], list[str]]:
    return order_projects(df["project"]), (
        order_agents(df["agent"]) if agents is None else list(agents)
    )


def quadrant_counts(df: pd.DataFrame, agents: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per (project, agent): n (the project's task count) and Q1..Q4."""
    projects, agents = _projects_agents(df, agents)
    rows = []
    for project in projects:
        pdf = df[df["project"] == project]
        n = pdf["commit"].nunique()
        for agent in agents:
            adf = pdf[pdf["agent"] == agent]
            if adf["commit"].nunique() != len(adf) or len(adf) > n:
                raise ValueError(f"{project}/{agent}: more than one row per task")
            counts = adf["quadrant"].value_counts()
            row = {"project": project, "agent": agent, "n": n}
            row.update({q: int(counts.get(q, 0)) for q in QUADRANTS})
            # A task without a row is a failure (Q4); paper_set() already fills them in.
            row["Q4"] += n - len(adf)
            rows.append(row)
    return pd.DataFrame(rows, columns=["project", "agent", "n", *QUADRANTS])


def _rate(successes: int, n: int) -> tuple[float, float, float]:
    """Percent and its Wilson 95 % interval, in percent."""
    if n == 0:
        return (math.nan, math.nan, math.nan)
    lo, hi = wilson_interval(successes, n)
    return (100.0 * successes / n, 100.0 * lo, 100.0 * hi)


RATE_COLUMNS = [
    "project", "agent", "n", "Q1", "Q2", "Q3", "Q4",
    "true_success_pct", "true_success_ci_low", "true_success_ci_high",
    "hard_success_pct", "hard_success_ci_low", "hard_success_ci_high",
    "gap_pp",
    "correct_target_pct", "correct_target_ci_low", "correct_target_ci_high",
    "good_intent_pct",
]  # fmt: skip


def success_rates(counts: pd.DataFrame) -> pd.DataFrame:
    """True (Q1/n), hard ((Q1+Q3)/n), gap (hard - true, pp), correct target ((Q1+Q2)/n), Q2/n.

    Percentages with Wilson 95 % intervals.
    """
    rows = []
    for rec in counts.to_dict("records"):
        n = int(rec["n"])
        q1, q2, q3 = int(rec["Q1"]), int(rec["Q2"]), int(rec["Q3"])
        true = _rate(q1, n)
        hard = _rate(q1 + q3, n)
        target = _rate(q1 + q2, n)
        rows.append(
            {
                **{k: rec[k] for k in ("project", "agent", "n", *QUADRANTS)},
                "true_success_pct": true[0],
                "true_success_ci_low": true[1],
                "true_success_ci_high": true[2],
                "hard_success_pct": hard[0],
                "hard_success_ci_low": hard[1],
                "hard_success_ci_high": hard[2],
                "gap_pp": hard[0] - true[0],
                "correct_target_pct": target[0],
                "correct_target_ci_low": target[1],
                "correct_target_ci_high": target[2],
                "good_intent_pct": 100.0 * q2 / n if n else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=RATE_COLUMNS)


def mcnemar_exact(a: Sequence[bool], b: Sequence[bool]) -> dict:
    """Exact McNemar test of two paired success indicators.

    Under the null hypothesis the discordant pairs split 50/50, so the p-value is the two-sided
    exact binomial test of ``a_only`` successes in ``a_only + b_only`` trials (1.0 without any
    discordant pair).
    """
    if len(a) != len(b):
        raise ValueError("McNemar needs two indicators of the same length (paired by task)")
    both = sum(1 for x, y in zip(a, b, strict=True) if x and y)
    a_only = sum(1 for x, y in zip(a, b, strict=True) if x and not y)
    b_only = sum(1 for x, y in zip(a, b, strict=True) if y and not x)
    neither = len(a) - both - a_only - b_only
    discordant = a_only + b_only
    p = float(sps.binomtest(a_only, discordant, 0.5).pvalue) if discordant else 1.0
    return {"both": both, "a_only": a_only, "b_only": b_only, "neither": neither, "p_value": p}


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (step-down, monotone, capped at 1)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


MCNEMAR_COLUMNS = [
    "project", "agent_a", "agent_b", "n", "both", "a_only", "b_only", "neither",
    "true_a_pct", "true_b_pct", "p_value", "p_holm",
]  # fmt: skip


def mcnemar_table(df: pd.DataFrame, agents: Sequence[str] | None = None) -> pd.DataFrame:
    """Every pair of agents, per project, paired by task on the true-success (Q1) indicator.

    ``p_holm`` adjusts for the number of pairs within the project.
    """
    projects, agents = _projects_agents(df, agents)
    rows = []
    for project in projects:
        pdf = df[df["project"] == project]
        tasks = sorted(pdf["commit"].unique())
        q1 = {
            agent: pdf[pdf["agent"] == agent].set_index("commit")["quadrant"].eq("Q1").to_dict()
            for agent in agents
        }
        block = []
        for a, b in itertools.combinations(agents, 2):
            xa = [q1[a].get(t, False) for t in tasks]
            xb = [q1[b].get(t, False) for t in tasks]
            test = mcnemar_exact(xa, xb)
            n = len(tasks)
            block.append(
                {
                    "project": project,
                    "agent_a": a,
                    "agent_b": b,
                    "n": n,
                    **{k: test[k] for k in ("both", "a_only", "b_only", "neither")},
                    "true_a_pct": 100.0 * sum(xa) / n if n else math.nan,
                    "true_b_pct": 100.0 * sum(xb) / n if n else math.nan,
                    "p_value": test["p_value"],
                }
            )
        for row, adj in zip(block, holm([r["p_value"] for r in block]), strict=True):
            row["p_holm"] = adj
        rows.extend(block)
    return pd.DataFrame(rows, columns=MCNEMAR_COLUMNS)


APPROACH_COLUMNS = ["project", "agent", "n", *APPROACHES, UNKNOWN]


def approach_categories(counts: pd.DataFrame) -> list[str]:
    """The approach columns of an approach table, without ``unknown``, in the judge's order."""
    return [c for c in APPROACH_CATEGORIES if c in counts.columns]


def approach_counts(df: pd.DataFrame, agents: Sequence[str] | None = None) -> pd.DataFrame:
    """Approach categories per (project, agent), plus ``all`` (both projects); ``unknown`` apart.

    The columns are the published data's categories, plus any other judge category the rows use
    (our own judge also says ``same_approach`` and ``harmful``).
    """
    categories = [c for c in APPROACH_CATEGORIES if c in APPROACHES or c in set(df["approach"])]
    projects, agents = _projects_agents(df, agents)
    rows = []
    for project in [*projects, "all"]:
        pdf = df if project == "all" else df[df["project"] == project]
        n = len(pdf[["project", "commit"]].drop_duplicates())
        for agent in agents:
            adf = pdf[pdf["agent"] == agent]
            counts = adf["approach"].value_counts()
            row = {"project": project, "agent": agent, "n": n}
            row.update({c: int(counts.get(c, 0)) for c in categories})
            # Not judged, or no row for the task at all.
            row[UNKNOWN] = int(counts.get(UNKNOWN, 0)) + (n - len(adf))
            rows.append(row)
    return pd.DataFrame(rows, columns=["project", "agent", "n", *categories, UNKNOWN])
