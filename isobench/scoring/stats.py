"""Statistics for timing samples: speedup estimates, bootstrap intervals, significance tests.

Conventions: a *speedup* is always "how many times better the candidate is than the reference",
so > 1 means the candidate is better whatever the metric's direction. For a lower-is-better metric
(latency, TTFT) it is ``median(reference) / median(candidate)``; for a higher-is-better metric
(throughput) it is ``median(candidate) / median(reference)``. Medians, not means, because a single
slow outlier (a scheduler hiccup on a shared machine) must not decide a task.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats as sps

DIRECTIONS = ("lower", "higher")


def _check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise ValueError(f"metric direction must be 'lower' or 'higher', got {direction!r}")


def geometric_mean(values: Sequence[float]) -> float:
    arr = np.asarray(values, dtype=float)
    if arr.size == 0 or np.any(arr <= 0):
        return math.nan
    return float(np.exp(np.mean(np.log(arr))))


def harmonic_mean(values: Sequence[float]) -> float:
    arr = np.asarray(values, dtype=float)
    if arr.size == 0 or np.any(arr <= 0):
        return math.nan
    return float(arr.size / np.sum(1.0 / arr))


def ratio_of_medians(reference: Sequence[float], candidate: Sequence[float], direction: str):
    """Speedup of ``candidate`` over ``reference`` (> 1: candidate better)."""
    _check_direction(direction)
    ref = float(np.median(reference))
    cand = float(np.median(candidate))
    if direction == "lower":
        return ref / cand if cand > 0 else math.nan
    return cand / ref if ref > 0 else math.nan


@dataclass(frozen=True)
class Comparison:
    """Candidate vs reference: point estimate, 95 % bootstrap interval, one-sided p-value."""

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    n_reference: int
    n_candidate: int

    def as_dict(self) -> dict:
        return {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in asdict(self).items()
        }


def compare(
    reference: Sequence[float],
    candidate: Sequence[float],
    direction: str,
    *,
    paired: bool = False,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Comparison:
    """Compare two timing samples of the same metric.

    Unpaired: the estimate is the ratio of medians and the interval a percentile bootstrap that
    resamples each sample on its own. Paired (``reference[i]`` and ``candidate[i]`` measured in the
    same interleaved round): the estimate is the median of the per-round ratios and the bootstrap
    resamples rounds, so load that hits both runs of a round cancels out. BCa is not used: with
    the handful of repetitions a benchmark affords, its jackknife step degenerates whenever samples
    tie. The p-value is always a one-sided Mann-Whitney U test of "the candidate is better".
    """
    _check_direction(direction)
    ref = np.asarray(reference, dtype=float)
    cand = np.asarray(candidate, dtype=float)
    if ref.size == 0 or cand.size == 0:
        return Comparison(math.nan, math.nan, math.nan, math.nan, int(ref.size), int(cand.size))
    if paired and ref.size != cand.size:
        raise ValueError(f"paired comparison needs equal sizes, got {ref.size} and {cand.size}")
    rng = np.random.default_rng(seed)
    with np.errstate(divide="ignore", invalid="ignore"):
        if paired:
            per_round = ref / cand if direction == "lower" else cand / ref
            estimate = float(np.median(per_round))
            idx = rng.integers(0, per_round.size, size=(n_resamples, per_round.size))
            ratios = np.median(per_round[idx], axis=1)
        else:
            estimate = ratio_of_medians(ref, cand, direction)
            ref_med = np.median(
                ref[rng.integers(0, ref.size, size=(n_resamples, ref.size))], axis=1
            )
            cand_med = np.median(
                cand[rng.integers(0, cand.size, size=(n_resamples, cand.size))], axis=1
            )
            ratios = ref_med / cand_med if direction == "lower" else cand_med / ref_med
    ratios = ratios[np.isfinite(ratios)]
    alpha = (1.0 - confidence) / 2.0
    if ratios.size:
        lo, hi = (float(x) for x in np.quantile(ratios, [alpha, 1.0 - alpha]))
    else:
        lo = hi = math.nan
    # "candidate better" = candidate values smaller (lower-is-better) or larger (higher-is-better).
    alternative = "greater" if direction == "lower" else "less"
    if np.all(ref == ref[0]) and np.all(cand == ref[0]):
        p_value = 1.0
    else:
        p_value = float(sps.mannwhitneyu(ref, cand, alternative=alternative).pvalue)
    return Comparison(estimate, lo, hi, p_value, int(ref.size), int(cand.size))


def summarize(values: Sequence[float]) -> dict:
    """Per-variant summary of the timed (non-warm-up) samples."""
    arr = np.asarray(values, dtype=float)
    if arr.size == 0:
        return {
            "n": 0,
            "median": None,
            "mean": None,
            "std": None,
            "min": None,
            "max": None,
            "cv": None,
        }
    mean = float(np.mean(arr))
    std = float(np.std(arr, ddof=1)) if arr.size > 1 else 0.0
    return {
        "n": int(arr.size),
        "median": float(np.median(arr)),
        "mean": mean,
        "std": std,
        "min": float(np.min(arr)),
        "max": float(np.max(arr)),
        "cv": std / mean if mean else None,
    }


def significant_improvement(comparison: Comparison, alpha: float = 0.05) -> bool:
    """Improvement iff the one-sided test rejects at ``alpha`` and the whole interval is above 1."""
    return (
        math.isfinite(comparison.p_value)
        and comparison.p_value < alpha
        and math.isfinite(comparison.ci_low)
        and comparison.ci_low > 1.0
    )


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion."""
    if n == 0:
        return (math.nan, math.nan)
    z = float(sps.norm.ppf(1 - (1 - confidence) / 2))
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))
