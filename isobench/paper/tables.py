"""LaTeX renderings (booktabs) of the derived tables.

A small writer of our own rather than ``DataFrame.to_latex``: the output is plain, stable text
with escaped cells, an optional grouped header row, and no dependence on pandas' Styler.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from isobench.paper.derive import (
    APPROACH_LABELS,
    QUADRANTS,
    UNKNOWN,
    agent_label,
    approach_categories,
    project_label,
)

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def escape(text) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


def latex_table(
    header: Sequence[str],
    rows: Sequence[Sequence],
    *,
    align: str,
    caption: str = "",
    label: str = "",
    groups: Sequence[tuple[str, int]] = (),
    midrules_before: Sequence[int] = (),
) -> str:
    """A ``table`` with a booktabs ``tabular``; cells are escaped.

    ``groups`` is an optional top header row of (title, span) pairs; ``midrules_before`` lists row
    indices that start a new block (a ``\\midrule`` is put before them).
    """
    ncols = len(header)
    if len(align) != ncols:
        raise ValueError(f"align {align!r} has {len(align)} columns, header has {ncols}")
    lines = [r"\begin{table}[htbp]", r"\centering", r"\small"]
    if caption:
        lines.append(rf"\caption{{{escape(caption)}}}")
    if label:
        lines.append(rf"\label{{{label}}}")
    lines += [rf"\begin{{tabular}}{{{align}}}", r"\toprule"]
    if groups:
        if sum(span for _, span in groups) != ncols:
            raise ValueError("group spans must add up to the number of columns")
        cells, rules, start = [], [], 1
        for title, span in groups:
            cells.append(
                rf"\multicolumn{{{span}}}{{c}}{{{escape(title)}}}" if span > 1 else escape(title)
            )
            if title:
                rules.append(rf"\cmidrule(lr){{{start}-{start + span - 1}}}")
            start += span
        lines.append(" & ".join(cells) + r" \\")
        lines.append(" ".join(rules))
    lines.append(" & ".join(escape(h) for h in header) + r" \\")
    lines.append(r"\midrule")
    for i, row in enumerate(rows):
        if len(row) != ncols:
            raise ValueError(f"row {i} has {len(row)} cells, expected {ncols}")
        if i in midrules_before and i > 0:
            lines.append(r"\midrule")
        lines.append(" & ".join(escape(c) for c in row) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def fmt_pct_ci(pct: float, lo: float, hi: float) -> str:
    if not all(math.isfinite(x) for x in (pct, lo, hi)):
        return "--"
    return f"{pct:.1f} [{lo:.1f}, {hi:.1f}]"


def fmt_p(p: float) -> str:
    if not math.isfinite(p):
        return "--"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _block_starts(values: Sequence) -> list[int]:
    return [i for i in range(1, len(values)) if values[i] != values[i - 1]]


def quadrants_latex(counts: pd.DataFrame) -> str:
    rows = [
        [project_label(r["project"]), agent_label(r["agent"]), r["n"], *(r[q] for q in QUADRANTS)]
        for r in counts.to_dict("records")
    ]
    return latex_table(
        ["Project", "Agent", "n", "Q1", "Q2", "Q3", "Q4"],
        rows,
        align="llrrrrr",
        caption=(
            "Quadrant counts per project and agent. Q1 true success (hard and soft pass), "
            "Q2 good intent (soft only), Q3 lucky win (hard only), Q4 failure (neither)."
        ),
        label="tab:paper-quadrants",
        midrules_before=_block_starts(list(counts["project"])),
    )


def rates_latex(rates: pd.DataFrame) -> str:
    rows = []
    for r in rates.to_dict("records"):
        rows.append(
            [
                project_label(r["project"]),
                agent_label(r["agent"]),
                r["n"],
                fmt_pct_ci(
                    r["true_success_pct"], r["true_success_ci_low"], r["true_success_ci_high"]
                ),
                fmt_pct_ci(
                    r["hard_success_pct"], r["hard_success_ci_low"], r["hard_success_ci_high"]
                ),
                f"{r['gap_pp']:+.1f}" if math.isfinite(r["gap_pp"]) else "--",
                fmt_pct_ci(
                    r["correct_target_pct"], r["correct_target_ci_low"], r["correct_target_ci_high"]
                ),
            ]
        )
    return latex_table(
        [
            "Project",
            "Agent",
            "n",
            "True success %",
            "Hard success %",
            "Gap (pp)",
            "Correct target %",
        ],
        rows,
        align="llrrrrr",
        caption=(
            "Success rates in percent with Wilson 95% intervals. True = Q1/n, hard = (Q1+Q3)/n, "
            "gap = hard - true, correct target = (Q1+Q2)/n."
        ),
        label="tab:paper-rates",
        midrules_before=_block_starts(list(rates["project"])),
    )


def mcnemar_latex(table: pd.DataFrame) -> str:
    rows = [
        [
            project_label(r["project"]),
            agent_label(r["agent_a"]),
            agent_label(r["agent_b"]),
            r["n"],
            r["a_only"],
            r["b_only"],
            fmt_p(r["p_value"]),
            fmt_p(r["p_holm"]),
        ]
        for r in table.to_dict("records")
    ]
    return latex_table(
        ["Project", "Agent A", "Agent B", "n", "A only", "B only", "p", "p (Holm)"],
        rows,
        align="lllrrrrr",
        caption=(
            "Exact McNemar tests of true success between agents, paired by task: A only / B only "
            "are the discordant tasks; p is the two-sided exact binomial test, Holm-adjusted "
            "within a project."
        ),
        label="tab:paper-mcnemar",
        midrules_before=_block_starts(list(table["project"])),
    )


def approach_latex(counts: pd.DataFrame) -> str:
    categories = [*approach_categories(counts), UNKNOWN]
    rows = [
        [project_label(r["project"]), agent_label(r["agent"]), r["n"], *(r[c] for c in categories)]
        for r in counts.to_dict("records")
    ]
    return latex_table(
        ["Project", "Agent", "n", *(APPROACH_LABELS[c] for c in categories)],
        rows,
        align="llr" + "r" * len(categories),
        caption="Implementation approach of the agent patch vs the human patch (LLM judge), task counts.",
        label="tab:paper-approach",
        midrules_before=_block_starts(list(counts["project"])),
    )


# --- our own runs -------------------------------------------------------------------------------


def _fmt_speedup(value: float, lo: float = math.nan, hi: float = math.nan) -> str:
    if not math.isfinite(value):
        return "--"
    if math.isfinite(lo) and math.isfinite(hi):
        return f"{value:.2f} [{lo:.2f}, {hi:.2f}]"
    return f"{value:.2f}"


def opt_at_k_latex(table: pd.DataFrame) -> str:
    """Opt@K per repository, agent and K (human-valid tasks), with the bootstrap band."""
    rows = []
    for r in table.to_dict("records"):
        n = r["n_tasks"]
        opt = r["opt_at_k"]
        rows.append(
            [
                r["repo"],
                r["agent"],
                r["k"],
                n,
                f"{100 * opt:.1f}" if _finite(opt) else "--",
                fmt_pct_ci(
                    100 * _num(r["opt_at_k_mean"]),
                    100 * _num(r["opt_at_k_ci_low"]),
                    100 * _num(r["opt_at_k_ci_high"]),
                ),
                f"{100 * r['opt_base_at_k']:.1f}" if _finite(r["opt_base_at_k"]) else "--",
                f"{100 * r['passed_at_k']:.1f}" if _finite(r["passed_at_k"]) else "--",
            ]
        )
    return latex_table(
        [
            "Repo",
            "Agent",
            "K",
            "n",
            "Opt@K %",
            "bootstrap mean [95%]",
            "Opt(base)@K %",
            "Passed@K %",
        ],
        rows,
        align="llrrrrrr",
        caption=(
            "Opt@K over the human-valid tasks; the bootstrap shuffles each task's attempt order "
            "(mean and 95% band)."
        ),
        label="tab:opt-at-k",
        midrules_before=_block_starts([(r["repo"], r["agent"]) for r in table.to_dict("records")]),
    )


def _num(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _finite(value) -> bool:
    return math.isfinite(_num(value))


def opt_p_latex(table: pd.DataFrame, ps: Sequence[float] = (0.0, 0.5, 0.95, 1.0)) -> str:
    """Opt_p@1 at a few p per repository and agent (the CSV has the whole sweep)."""
    wanted = [p for p in ps if (table["p"].round(2) == round(p, 2)).any()]
    rows = []
    for (repo, agent), df in table.groupby(["repo", "agent"], sort=True):
        by_p = df.set_index(df["p"].round(2))
        cells = []
        for p in wanted:
            r = by_p.loc[round(p, 2)]
            value = r["opt_p_at_1"]
            cells.append(
                f"{100 * value:.1f} ({int(r['n_opt'])}/{int(r['n_tasks'])})"
                if _finite(value)
                else "--"
            )
        rows.append([repo, agent, *cells])
    return latex_table(
        ["Repo", "Agent", *(f"p = {p:g}" for p in wanted)],
        rows,
        align="ll" + "r" * len(wanted),
        caption=(
            "Opt_p@1 in percent (tasks): first attempt passed, at least the opt_base threshold "
            "over the base and, for p > 0, more than p times the human speedup; human-valid tasks."
        ),
        label="tab:opt-p-at-1",
        midrules_before=_block_starts([row[0] for row in rows]),
    )


def task_contributions_latex(table: pd.DataFrame, agents: Sequence[str]) -> str:
    """Per task: human speedup [CI], human-valid, then per agent best status / speedup / opt."""
    header = ["Repo", "Task", "Human speedup", "Valid"]
    groups: list[tuple[str, int]] = [("", 4)]
    for agent in agents:
        header += ["status", "best", "opt@K"]
        groups.append((agent, 3))
    rows = []
    for r in table.to_dict("records"):
        row = [
            r["repo"],
            r["instance_id"],
            _fmt_speedup(
                _num(r["human_speedup"]), _num(r["human_ci_low"]), _num(r["human_ci_high"])
            ),
            "yes" if r["human_valid"] else "no",
        ]
        for agent in agents:
            attempts = int(r[f"{agent}.attempts"])
            row += [
                r[f"{agent}.best_status"] or "--",
                _fmt_speedup(_num(r[f"{agent}.best_speedup"])),
                ("yes" if r[f"{agent}.opt_commit_within_k"] else "no") + f" (K={attempts})",
            ]
        rows.append(row)
    return latex_table(
        header,
        rows,
        align="ll" + "r" * (len(header) - 2),
        caption=(
            "Per-task contributions: the human speedup over the base with its 95% interval and "
            "whether it is significant (human-valid); per agent the best status over its K "
            "attempts, the best passing speedup over the base, and whether any attempt is "
            "opt_commit (counts for Opt@K)."
        ),
        label="tab:task-contributions",
        groups=groups,
        midrules_before=_block_starts(list(table["repo"])),
    )
