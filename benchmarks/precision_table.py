"""The table of ``precision.py``: per-trial outcomes aggregated per method (a column each).

An outcome is one bench job's verdicts (``precision.bench_outcome`` / ``single_run_outcome``);
``results[task][method]`` is the list of them over trials, ``method`` a repetition count or
``"single"``. Shares carry their Wilson 95 % interval: ``k/n pct% [low-high]``.
"""

from __future__ import annotations

import math

import numpy as np

from isobench.scoring import stats

TRUE_SPEEDUP = {"A/A": 1.0, "1.1x": 1.1, "1.2x": 1.2}


def share(flags: list) -> str:
    flags = [f for f in flags if f is not None]
    if not flags:
        return "n/a"
    k, n = sum(map(bool, flags)), len(flags)
    lo, hi = stats.wilson_interval(k, n)
    return f"{k}/{n} {100 * k / n:.0f}% [{100 * lo:.0f}-{100 * hi:.0f}]"


def _pct(values: list[float], q: float | None = None) -> str:
    values = [v for v in values if v is not None and math.isfinite(v)]
    if not values:
        return "n/a"
    x = float(np.median(values) if q is None else np.quantile(values, q))
    return f"{100 * x:.1f}%"


def spread_rows(results: dict, method) -> dict[str, str]:
    """Interval half-width, its coverage of the truth, the trial-to-trial spread of estimates."""
    half, cover, rel, cv = [], [], [], []
    for task, true in TRUE_SPEEDUP.items():
        for o in results[task][method]:
            rel.append(o["est"] / true)
            cv.append(o["cv"])
            if math.isfinite(o["lo"]):
                half.append((o["hi"] - o["lo"]) / 2 / o["est"])
                cover.append(o["lo"] <= true <= o["hi"])
    lo, hi = np.quantile(rel, [0.025, 0.975])
    return {
        "CI half-width / estimate, median": _pct(half),
        "CI half-width / estimate, 90th pct": _pct(half, 0.9),
        "CI covers the true speedup": share(cover) if cover else "n/a",
        "estimate / true: half of 95% range": f"{100 * (hi - lo) / 2:.1f}%",
        "estimate / true: median": f"{float(np.median(rel)):.3f}",
        "run-to-run CV of base, median": _pct(cv),
    }


def table_rows(results: dict, method) -> dict[str, str]:
    def col(task: str, key: str, negate: bool = False) -> str:
        flags = [o[key] for o in results[task][method]]
        return share([None if f is None else f != negate for f in flags])

    rows = {
        "A/A: 'significant' speedup (p<a, CI>1)": col("A/A", "sig"),
        "A/A: human_valid (also >= 1.05x)": col("A/A", "valid"),
        "1.1x: significant": col("1.1x", "sig"),
        "1.1x: human_valid": col("1.1x", "valid"),
        "1.2x: significant": col("1.2x", "sig"),
        "1.2x: human_valid": col("1.2x", "valid"),
        "1.2x, agent = human: opt_base false": col("1.2x", "opt_base", True),
        "  opt_commit false, ci rule": col("1.2x", "opt_commit_ci", True),
        "  opt_commit false, point rule": col("1.2x", "opt_commit_point", True),
        "  vs-human part false, ci rule": col("1.2x", "vs_human_ci", True),
        "  vs-human part false, point rule": col("1.2x", "vs_human_point", True),
        "  hard class 'worse' (< -5%)": col("1.2x", "agent_worse"),
    }
    rows.update(spread_rows(results, method))
    failed = sum(o["status"] != "passed" for task in TRUE_SPEEDUP for o in results[task][method])
    rows["attempts not 'passed'"] = str(failed)
    return rows


def print_table(results: dict, reps: list[int], default_reps: int) -> None:
    methods = [*reps, "single"]
    heads = [f"R={n}{' (default)' if n == default_reps else ''}" for n in reps]
    heads.append("single run (ISO-Bench)")
    columns = [table_rows(results, m) for m in methods]
    width = max(len(k) for k in columns[0]) + 1
    cell = max(len(text) for text in heads + [v for c in columns for v in c.values()]) + 2
    print(f"{'':<{width}}" + "".join(f"{h:>{cell}}" for h in heads))
    for key in columns[0]:
        print(f"{key:<{width}}" + "".join(f"{c[key]:>{cell}}" for c in columns))


def print_noise_table(reps: list[int], scoring_cfg: dict, jobs: int = 200) -> None:
    """The same interval (``stats.compare``, paired) on synthetic runs of known noise.

    Independent log-normal noise of a given run-to-run CV on a true 1.2x, ``jobs`` jobs a cell:
    the median half-width (of the estimate) and the coverage of 1.2, per repetition count. It
    tells which noise a machine may have for the half-width goal to hold at R repetitions.
    """
    rng = np.random.default_rng(scoring_cfg["seed"])
    print(f"\nsynthetic runs, independent log-normal noise, true 1.2x, {jobs} jobs a cell:")
    print(f"{'run-to-run CV':<14}" + "".join(f"{f'R={n}: half-width, coverage':>30}" for n in reps))
    for cv in (0.01, 0.02, 0.03, 0.05):
        cells = []
        for n in reps:
            half, cover = [], []
            for _ in range(jobs):
                base = 120.0 * np.exp(rng.normal(0.0, cv, n))
                human = 100.0 * np.exp(rng.normal(0.0, cv, n))
                c = stats.compare(
                    base,
                    human,
                    "lower",
                    paired=True,
                    n_resamples=scoring_cfg["bootstrap_resamples"],
                    seed=scoring_cfg["seed"],
                )
                half.append((c.ci_high - c.ci_low) / 2 / c.estimate)
                cover.append(c.ci_low <= 1.2 <= c.ci_high)
            cells.append(f"{_pct(half)}, {100 * np.mean(cover):.0f}%")
        print(f"{100 * cv:>12.0f}% " + "".join(f"{c:>30}" for c in cells))
