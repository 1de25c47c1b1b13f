"""Scoring rules: the status ladder, GSO's opt_base / opt_commit and Opt@K, ISO-Bench's hard class.

All thresholds come from the ``scoring`` section of the config. Their defaults, the published ones
(GSO: 1.2x over base, 0.95 of the human speedup; ISO-Bench: a +-5 % band around the human patch),
are written once, in the config schema: Snakemake's validation fills them into the config, and
:func:`scoring_defaults` reads them for code that runs without it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import yaml

from isobench.config import SCHEMA_DIR
from isobench.scoring.labels import BEATS, SIMILAR, WORSE

# Best first. An attempt's status is the first rung it fails on; merging attempts keeps the best.
STATUS_LADDER = (
    "passed",
    "test_failed",
    "patch_failed",
    "empty_patch",
    "agent_failed",
    "base_failed",
    "test_invalid",  # the task's LLM-written perf test never validated: the task is excluded
    "skipped_hardware",  # the task needs more GPUs than a bench job gets: not run here
    "error",
)


def status_rank(status: str) -> int:
    try:
        return STATUS_LADDER.index(status)
    except ValueError:
        raise ValueError(
            f"unknown status {status!r}; expected one of {', '.join(STATUS_LADDER)}"
        ) from None


def best_status(statuses: Iterable[str]) -> str:
    ranked = sorted(statuses, key=status_rank)
    if not ranked:
        raise ValueError("best_status needs at least one status")
    return ranked[0]


@functools.cache
def scoring_defaults() -> dict:
    """The ``scoring`` section's defaults, as ``config/schemas/config.schema.yaml`` states them."""
    schema = yaml.safe_load((SCHEMA_DIR / "config.schema.yaml").read_text(encoding="utf-8"))
    section = schema["properties"]["scoring"]["properties"]
    return {name: spec["default"] for name, spec in section.items() if "default" in spec}


def with_defaults(scoring: Mapping) -> dict:
    """A ``scoring`` section with the schema's default for every key it lacks."""
    return {**scoring_defaults(), **scoring}


_DEFAULTS = scoring_defaults()


@dataclass(frozen=True)
class Thresholds:
    opt_base: float = float(_DEFAULTS["opt_base_threshold"])  # GSO MIN_PROB_SPEEDUP: over base
    opt_commit: float = float(_DEFAULTS["opt_commit_threshold"])  # GSO OPT_THRESH: share of human
    hard_band_pct: float = float(_DEFAULTS["hard_band_pct"])  # ISO-Bench: +-band that is similar
    alpha: float = float(_DEFAULTS["alpha"])  # significance level for "the human speedup is real"
    min_human_speedup: float = float(_DEFAULTS["min_human_speedup"])  # ... and at least this large
    absurd_speedup: float = float(_DEFAULTS["absurd_speedup"])  # x the human: flagged for review
    opt_commit_rule: str = str(_DEFAULTS["opt_commit_rule"])  # "ci": interval end; "point": GSO's

    @classmethod
    def from_config(cls, scoring: Mapping) -> Thresholds:
        scoring = with_defaults(scoring)
        return cls(
            opt_base=float(scoring["opt_base_threshold"]),
            opt_commit=float(scoring["opt_commit_threshold"]),
            hard_band_pct=float(scoring["hard_band_pct"]),
            alpha=float(scoring["alpha"]),
            min_human_speedup=float(scoring["min_human_speedup"]),
            absurd_speedup=float(scoring["absurd_speedup"]),
            opt_commit_rule=str(scoring["opt_commit_rule"]),
        )


def _finite(x) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)


def opt_flags(
    status: str,
    speedup_vs_base: float | None,
    speedup_vs_human: float | None,
    th: Thresholds,
    vs_human_ci_high: float | None = None,
) -> tuple[bool, bool]:
    """GSO: opt_base = correct and >= threshold over base; opt_commit = opt_base and > p of human.

    With a single perf test per task, GSO's geometric mean (over base) and harmonic mean (over the
    commit) reduce to the one speedup itself. With ``th.opt_commit_rule == "ci"`` (the default)
    the human comparison fails only when the evidence says so: the upper end of the 95 % interval
    of the speedup relative to the human must exceed the threshold. A patch identical to the human
    commit then never fails on timing noise, while a clearly slower one still does. ``"point"``
    is GSO's rule on the point estimate.
    """
    if status != "passed" or not _finite(speedup_vs_base):
        return False, False
    opt_base = speedup_vs_base >= th.opt_base
    evidence = speedup_vs_human
    if th.opt_commit_rule == "ci" and _finite(vs_human_ci_high):
        evidence = max(vs_human_ci_high, speedup_vs_human if _finite(speedup_vs_human) else 0.0)
    opt_commit = opt_base and _finite(evidence) and evidence > th.opt_commit
    return bool(opt_base), bool(opt_commit)


def opt_p_flag(status: str, speedup_vs_base, speedup_vs_human, p: float, th: Thresholds) -> bool:
    """GSO's Opt_p@1 ingredient: opt_commit with the 0.95 replaced by ``p`` (p=0: only opt_base)."""
    if status != "passed" or not _finite(speedup_vs_base) or speedup_vs_base < th.opt_base:
        return False
    if p <= 0:
        return True
    return _finite(speedup_vs_human) and speedup_vs_human > p


def pct_from_speedup(speedup_vs_human: float | None, direction: str) -> float | None:
    """ISO-Bench's percent improvement of the agent over the human patch (positive: agent better).

    ISO-Bench computes (human - agent) / human for lower-is-better metrics and (agent - human) /
    human for higher-is-better ones. With s = the agent's speedup relative to the human (> 1:
    agent better) these are 1 - 1/s and s - 1.
    """
    if not _finite(speedup_vs_human) or speedup_vs_human <= 0:
        return None
    if direction == "lower":
        return (1.0 - 1.0 / speedup_vs_human) * 100.0
    return (speedup_vs_human - 1.0) * 100.0


def hard_class(status: str, pct: float | None, band_pct: float) -> str:
    """beats (> +band), similar (within +-band), worse (< -band); a failed attempt is worse."""
    if status != "passed" or pct is None or not math.isfinite(pct):
        return WORSE
    if pct > band_pct:
        return BEATS
    if pct < -band_pct:
        return WORSE
    return SIMILAR


def opt_at_k(success: Mapping[str, Sequence[bool]], k: int) -> float:
    """Share of tasks where any of the first ``k`` attempts succeeded (tasks with none count 0)."""
    if not success:
        return math.nan
    hits = sum(1 for attempts in success.values() if any(list(attempts)[:k]))
    return hits / len(success)


def opt_at_k_bootstrap(
    success: Mapping[str, Sequence[bool]], k: int, *, trials: int = 500, seed: int = 0
) -> tuple[float, float, float]:
    """GSO's smoothed Opt@K: shuffle each task's attempt order, take the first k; mean and 95 % band."""
    if not success:
        return (math.nan, math.nan, math.nan)
    rng = np.random.default_rng(seed)
    tasks = [np.asarray(list(v), dtype=bool) for v in success.values()]
    values = np.empty(trials)
    for t in range(trials):
        hits = 0
        for attempts in tasks:
            order = rng.permutation(attempts.size)
            hits += bool(attempts[order[:k]].any())
        values[t] = hits / len(tasks)
    lo, hi = np.quantile(values, [0.025, 0.975])
    return float(values.mean()), float(lo), float(hi)
