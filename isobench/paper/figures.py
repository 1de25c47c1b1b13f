"""The ISO-Bench paper's figures, drawn from the derived tables (``isobench.paper.derive``).

Every function takes the table it plots and the output paths (PNG, PDF, ...). Agents are drawn in
the order of the table's rows, which ``derive`` writes in the paper's chart order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.legend_handler import HandlerTuple
from matplotlib.patches import Patch

from isobench.paper.derive import (
    APPROACH_LABELS,
    QUADRANT_LABELS,
    QUADRANTS,
    UNKNOWN,
    agent_label,
    approach_categories,
    order_projects,
    project_label,
)
from isobench.plotting import (
    APPROACH_COLORS,
    FIG_WIDTH,
    PROJECT_COLORS,
    QUADRANT_COLORS,
    apply_style,
    save_figure,
    subplots,
    tint,
    wrap_label,
)

BAR_EDGE = {"edgecolor": "white", "linewidth": 0.6}
ERR_KW = {"elinewidth": 0.8, "capsize": 2, "capthick": 0.8, "ecolor": "#444444"}


def _unique(values) -> list:
    return list(dict.fromkeys(values))


def _agent_axis(ax, agents: list[str]) -> None:
    x = np.arange(len(agents))
    ax.set_xticks(x)
    if len(agents) > 4:
        ax.set_xticklabels([agent_label(a) for a in agents], rotation=30, ha="right")
    else:
        ax.set_xticklabels([wrap_label(agent_label(a)) for a in agents])
    ax.set_xlim(-0.6, len(agents) - 0.4)
    ax.tick_params(axis="x", length=0)


def _percent_axis(ax) -> None:
    """0-100 % ticks; the headroom above 100 holds the value labels."""
    ax.set_ylim(0, 108)
    ax.set_yticks(range(0, 101, 20))
    ax.spines["left"].set_bounds(0, 100)


def _err(df: pd.DataFrame, prefix: str) -> np.ndarray:
    pct = df[f"{prefix}_pct"].to_numpy(float)
    low = df[f"{prefix}_ci_low"].to_numpy(float)
    high = df[f"{prefix}_ci_high"].to_numpy(float)
    return np.vstack([pct - low, high - pct])


def _bar_with_ci(
    ax, x, df: pd.DataFrame, prefix: str, width: float, color: str, label: str
) -> None:
    """Bars of ``{prefix}_pct`` with Wilson error bars and value labels."""
    values = df[f"{prefix}_pct"].to_numpy(float)
    bars = ax.bar(
        x,
        values,
        width,
        color=color,
        label=label,
        yerr=_err(df, prefix),
        error_kw=ERR_KW,
        **BAR_EDGE,
    )
    _value_labels(ax, bars, values, df[f"{prefix}_ci_high"].to_numpy(float))


def _value_labels(ax, bars, values, tops) -> None:
    """The bar's value (rounded %) just above its error bar."""
    for bar, value, top in zip(bars, values, tops, strict=True):
        if np.isfinite(value):
            ax.annotate(
                f"{value:.0f}",
                (bar.get_x() + bar.get_width() / 2, top if np.isfinite(top) else value),
                xytext=(0, 1.5),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=6.5,
                color="#333333",
            )


def _rows(table: pd.DataFrame, project: str, agents: list[str]) -> pd.DataFrame:
    return table[table["project"] == project].set_index("agent").loc[agents].reset_index()


def true_success(rates: pd.DataFrame, *paths) -> None:
    """Grouped bars: x = agent, one bar per project, y = true success % with Wilson 95 % CI."""
    apply_style()
    agents = _unique(rates["agent"])
    projects = order_projects(rates["project"])
    fig_width = FIG_WIDTH * min(1.0, 0.62 * max(1.0, len(agents) / 4))
    fig, (ax,) = subplots(1, width=fig_width, height=2.8 if len(agents) <= 4 else 3.2)
    width = 0.8 / len(projects)
    x = np.arange(len(agents))
    for i, project in enumerate(projects):
        df = _rows(rates, project, agents)
        n = int(df["n"].iloc[0])
        offset = (i - (len(projects) - 1) / 2) * width
        label = f"{project_label(project)} (n = {n})"
        _bar_with_ci(ax, x + offset, df, "true_success", width, PROJECT_COLORS.get(project), label)
    _agent_axis(ax, agents)
    ax.set_ylabel("True success (%)")
    _percent_axis(ax)
    fig.legend(loc="outside upper center", ncols=len(projects))
    save_figure(fig, *paths)


def _paired_panels(rates: pd.DataFrame, broad: str, broad_label: str, *paths) -> None:
    """One panel per project: light bar = ``broad`` rate, dark bar = true success (Q1)."""
    apply_style()
    agents = _unique(rates["agent"])
    projects = order_projects(rates["project"])
    height = 2.9 if len(agents) <= 4 else 3.3
    fig, axes = subplots(len(projects), width=FIG_WIDTH, height=height, sharey=True)
    x = np.arange(len(agents))
    width = 0.38
    for ax, project in zip(axes, projects, strict=True):
        df = _rows(rates, project, agents)
        color = PROJECT_COLORS.get(project, "#777777")
        _bar_with_ci(ax, x - width / 2, df, broad, width, tint(color), broad_label)
        _bar_with_ci(ax, x + width / 2, df, "true_success", width, color, "True success (Q1)")
        _agent_axis(ax, agents)
        _percent_axis(ax)
        ax.set_title(f"{project_label(project)} (n = {int(df['n'].iloc[0])})", loc="left")
    axes[0].set_ylabel("Tasks (%)")
    # One legend for both panels: each entry shows the light (or dark) bar of every project.
    colors = [PROJECT_COLORS.get(p, "#777777") for p in projects]
    handles = [
        tuple(Patch(facecolor=tint(c)) for c in colors),
        tuple(Patch(facecolor=c) for c in colors),
    ]
    fig.legend(
        handles,
        [broad_label, "True success (Q1)"],
        loc="outside upper center",
        ncols=2,
        handler_map={tuple: HandlerTuple(ndivide=None, pad=0)},
        handlelength=2.4,
    )
    save_figure(fig, *paths)


def hard_vs_true(rates: pd.DataFrame, *paths) -> None:
    """Hard success (Q1+Q3) next to true success (Q1), one panel per project."""
    _paired_panels(
        rates,
        "hard_success",
        "Hard success (Q1+Q3)",
        *paths,
    )


def intent_vs_execution(rates: pd.DataFrame, *paths) -> None:
    """Correct target (Q1+Q2, light) next to true success (Q1, dark), one panel per project."""
    _paired_panels(
        rates,
        "correct_target",
        "Correct target (Q1+Q2)",
        *paths,
    )


def _stacked(ax, agents, table: pd.DataFrame, categories, colors, labels, *, min_label: int = 1):
    x = np.arange(len(agents))
    bottom = np.zeros(len(agents))
    for cat in categories:
        values = table[cat].to_numpy(float)
        bars = ax.bar(
            x, values, 0.65, bottom=bottom, color=colors[cat], label=labels[cat], **BAR_EDGE
        )
        for bar, value, base in zip(bars, values, bottom, strict=True):
            if value >= min_label:
                ax.text(
                    bar.get_x() + bar.get_width() / 2,
                    base + value / 2,
                    f"{value:.0f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="#222222",
                )
        bottom += values
    _agent_axis(ax, agents)


def _stacked_panels(counts, categories, colors, labels, ncols, paths) -> None:
    """Stacked category counts per agent, one panel per project, bars adding up to n."""
    agents = _unique(counts["agent"])
    projects = order_projects(counts["project"])
    fig, axes = subplots(len(projects), width=FIG_WIDTH, height=3.1)
    for ax, project in zip(axes, projects, strict=True):
        df = _rows(counts, project, agents)
        n = int(df["n"].iloc[0])
        _stacked(ax, agents, df, categories, colors, labels, min_label=1 if n < 25 else 2)
        ax.set_ylim(0, n * 1.02)
        ax.set_title(f"{project_label(project)} (n = {n})", loc="left")
    axes[0].set_ylabel("Tasks")
    handles, legend_labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, legend_labels, loc="outside upper center", ncols=ncols)
    save_figure(fig, *paths)


def quadrants(counts: pd.DataFrame, *paths) -> None:
    """Stacked Q1..Q4 task counts per agent, one panel per project (bars add up to n)."""
    apply_style()
    _stacked_panels(counts, QUADRANTS, QUADRANT_COLORS, QUADRANT_LABELS, 4, paths)


def approach(counts: pd.DataFrame, *paths) -> None:
    """Stacked approach categories per agent, one panel per project (``all`` rows not drawn)."""
    apply_style()
    counts = counts[counts["project"] != "all"]
    categories = approach_categories(counts) + ([UNKNOWN] if counts[UNKNOWN].sum() > 0 else [])
    _stacked_panels(counts, categories, APPROACH_COLORS, APPROACH_LABELS, len(categories), paths)
