"""GSO-style figures for this workflow's own runs: Opt@K vs K, Opt_p@1 vs p, speedups per task.

Every agent keeps its colour and marker in all three figures (assigned in sorted agent order).

TODO(judge): quadrant figures (hard x soft) for our runs come with the LLM judge stage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

from isobench.plotting import (
    FIG_WIDTH,
    HUMAN_COLOR,
    REFERENCE_COLOR,
    agent_colors,
    agent_markers,
    apply_style,
    save_figure,
    subplots,
)

NEUTRAL = "#555555"
SPEEDUP_TICKS = (0.1, 0.2, 0.5, 0.8, 1.0, 1.2, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0)


def _no_data(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="#777777")


def _repos(table: pd.DataFrame) -> list[str]:
    return sorted(table["repo"].unique()) if not table.empty else []


def _empty_figure(text: str, *paths) -> None:
    fig, (ax,) = subplots(1, width=FIG_WIDTH * 0.6, height=2.0)
    ax.set_axis_off()
    _no_data(ax, text)
    save_figure(fig, *paths)


def _agent_handles(agents, colors, markers, *, line: bool = True) -> list[Line2D]:
    return [
        Line2D(
            [],
            [],
            color=colors[a],
            marker=markers[a],
            markersize=4,
            linewidth=1.4 if line else 0,
            linestyle="-" if line else "none",
            label=a,
        )
        for a in agents
    ]


def _repo_panels(table: pd.DataFrame, empty: str, paths):
    """One panel per repository with shared agent colors and markers; None (and a figure saying
    ``empty``) when the table has no rows."""
    apply_style()
    repos = _repos(table)
    if not repos:
        _empty_figure(empty, *paths)
        return None
    agents = sorted(table["agent"].unique())
    fig, axes = subplots(
        len(repos), width=min(FIG_WIDTH, 3.6 * len(repos)), height=3.0, sharey=True
    )
    return fig, axes, repos, agents, agent_colors(agents), agent_markers(agents)


def opt_at_k(table: pd.DataFrame, *paths) -> None:
    """Opt@K (%) vs K per agent, one panel per repository.

    Line and band: the bootstrap mean and 95 % band over attempt orders; markers: Opt@K in the
    recorded attempt order.
    """
    panels = _repo_panels(table, "no Opt@K rows", paths)
    if panels is None:
        return
    fig, axes, repos, agents, colors, markers = panels
    kmax = int(table["k"].max())
    for ax, repo in zip(axes, repos, strict=True):
        rdf = table[table["repo"] == repo]
        n = int(rdf["n_tasks"].max())
        for agent, df in rdf.groupby("agent", sort=True):
            df = df.sort_values("k")
            color = colors[agent]
            k = df["k"].to_numpy(int)
            mean = 100 * df["opt_at_k_mean"].to_numpy(float)
            lo = 100 * df["opt_at_k_ci_low"].to_numpy(float)
            hi = 100 * df["opt_at_k_ci_high"].to_numpy(float)
            if len(k) > 1:
                ax.fill_between(k, lo, hi, color=color, alpha=0.15, linewidth=0)
                ax.plot(k, mean, color=color, linewidth=1.4)
            else:
                # One attempt: no curve; the band collapses to an error bar.
                ax.errorbar(
                    k, mean, yerr=[mean - lo, hi - mean], color=color, capsize=3, linewidth=1.2
                )
            observed = 100 * df["opt_at_k"].to_numpy(float)
            ax.plot(k, observed, markers[agent], color=color, markersize=4.5, linestyle="none")
        if n == 0:
            _no_data(ax, "no human-valid tasks")
        ax.set_title(f"{repo} (n = {n} human-valid tasks)", loc="left")
        ax.set_xlabel("K (attempts)")
        ax.set_xticks(range(1, kmax + 1))
        ax.set_xlim(0.7, kmax + 0.3)
        ax.set_ylim(-3, 103)
        ax.grid(True, axis="both")
    axes[0].set_ylabel("Opt@K (%)")
    handles = _agent_handles(agents, colors, markers)
    handles += [
        Line2D([], [], color=NEUTRAL, linewidth=1.4, label="bootstrap mean, 95% band"),
        Line2D(
            [],
            [],
            color=NEUTRAL,
            marker="o",
            linestyle="none",
            markersize=4,
            label="recorded order",
        ),
    ]
    fig.legend(handles=handles, loc="outside upper center", ncols=min(len(handles), 4))
    save_figure(fig, *paths)


def opt_p_at_1(table: pd.DataFrame, *paths, opt_commit_threshold: float = 0.95) -> None:
    """Opt_p@1 (%) vs p per agent, one panel per repository (intervals are in the table)."""
    panels = _repo_panels(table, "no Opt_p@1 rows", paths)
    if panels is None:
        return
    fig, axes, repos, agents, colors, markers = panels
    for ax, repo in zip(axes, repos, strict=True):
        rdf = table[table["repo"] == repo]
        n = int(rdf["n_tasks"].max())
        for agent, df in rdf.groupby("agent", sort=True):
            df = df.sort_values("p")
            ax.plot(
                df["p"].to_numpy(float),
                100 * df["opt_p_at_1"].to_numpy(float),
                color=colors[agent],
                marker=markers[agent],
                markersize=3,
                linewidth=1.3,
            )
        ax.axvline(opt_commit_threshold, color=REFERENCE_COLOR, linestyle=":", linewidth=1.2)
        if n == 0:
            _no_data(ax, "no human-valid tasks")
        ax.set_title(f"{repo} (n = {n} human-valid tasks)", loc="left")
        ax.set_xlabel("p (share of the human speedup to exceed)")
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-3, 103)
        ax.grid(True, axis="both")
    axes[0].set_ylabel("Opt$_p$@1 (%)")
    handles = _agent_handles(agents, colors, markers)
    handles.append(
        Line2D(
            [],
            [],
            color=REFERENCE_COLOR,
            linestyle=":",
            linewidth=1.2,
            label=f"Opt@1 (p = {opt_commit_threshold:g})",
        )
    )
    fig.legend(handles=handles, loc="outside upper center", ncols=min(len(handles), 4))
    save_figure(fig, *paths)


def _finite(value) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _xerr(value: float, lo, hi) -> list[list[float]]:
    return [[value - lo if _finite(lo) else 0.0], [hi - value if _finite(hi) else 0.0]]


def _speedup_axis(ax, xmin: float, xmax: float) -> None:
    ax.set_xscale("log")
    ax.set_xlim(xmin, xmax)
    ticks = [t for t in SPEEDUP_TICKS if xmin <= t <= xmax]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}\u00d7"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())


def speedups(best: pd.DataFrame, *paths, opt_base_threshold: float = 1.2) -> None:
    """Forest plot per repository: per task, each agent's best passing speedup over the base with
    its 95 % interval (filled marker: opt_commit within K), the human's as a black diamond;
    x marks an agent without a passing attempt."""
    apply_style()
    repos = _repos(best)
    if not repos:
        _empty_figure("no scored attempts", *paths)
        return
    agents = sorted(best["agent"].unique())
    style = AgentStyle(agents, agent_colors(agents), agent_markers(agents))
    ntasks = [best[best["repo"] == r]["commit"].nunique() for r in repos]
    row_height = 0.16 * (len(agents) + 2)
    height = 1.2 + sum(row_height * n + 0.5 for n in ntasks)
    fig, axes = subplots(
        1,
        nrows=len(repos),
        width=FIG_WIDTH * 0.8,
        height=height,
        gridspec_kw={"height_ratios": ntasks},
    )
    xmin, xmax = _speedup_range(best, opt_base_threshold)
    for ax, repo in zip(axes, repos, strict=True):
        rdf = best[best["repo"] == repo]
        tasks = rdf.drop_duplicates("commit").sort_values("instance_id")
        for y, task in enumerate(tasks.itertuples()):
            _plot_task(ax, y, task, rdf, style, fail_x=xmin * 1.1)
        ax.axvline(1.0, color=REFERENCE_COLOR, linewidth=0.9)
        ax.axvline(opt_base_threshold, color=REFERENCE_COLOR, linewidth=0.9, linestyle="--")
        _speedup_axis(ax, xmin, xmax)
        _task_axis(ax, tasks)
        ax.set_title(repo, loc="left")
    axes[-1].set_xlabel(
        f"Speedup over the base (log scale; dashed: opt_base {opt_base_threshold:g}\u00d7)"
    )
    fig.legend(handles=_speedup_handles(style), loc="outside upper center", ncols=3)
    save_figure(fig, *paths)


@dataclass(frozen=True)
class AgentStyle:
    """The agents of a figure, in plotting order, with the colour and marker each keeps."""

    agents: list[str]
    colors: dict[str, str]
    markers: dict[str, str]


def _speedup_range(best: pd.DataFrame, opt_base_threshold: float) -> tuple[float, float]:
    """The x range: every finite positive speedup and interval end, and the opt_base line."""
    columns = ["best_speedup_ci_low", "best_speedup_ci_high", "best_speedup", "human_speedup"]
    values = pd.to_numeric(best[columns].stack(), errors="coerce").to_numpy(float)
    values = values[np.isfinite(values) & (values > 0)]
    xmin = min([1 / opt_base_threshold, *values]) / 1.5
    xmax = max([opt_base_threshold, *values]) * 1.3
    return xmin, xmax


def _plot_task(ax, y: int, task, rdf: pd.DataFrame, style: AgentStyle, *, fail_x: float) -> None:
    """Row ``y``: the human's speedup, then each agent's best one (x at ``fail_x``: none)."""
    offsets = np.linspace(-0.3, 0.3, len(style.agents) + 1)
    if _finite(task.human_speedup):
        ax.errorbar(
            task.human_speedup,
            y + offsets[0],
            xerr=_xerr(task.human_speedup, task.human_ci_low, task.human_ci_high),
            fmt="D",
            color=HUMAN_COLOR,
            markersize=4.5,
            elinewidth=1,
            capsize=2,
        )
    for j, agent in enumerate(style.agents, start=1):
        row = rdf[(rdf["commit"] == task.commit) & (rdf["agent"] == agent)]
        if row.empty:
            continue
        r = row.iloc[0]
        color = style.colors[agent]
        if not _finite(r["best_speedup"]):
            ax.plot(fail_x, y + offsets[j], "x", color=color, markersize=4.5)
            continue
        ax.errorbar(
            r["best_speedup"],
            y + offsets[j],
            xerr=_xerr(r["best_speedup"], r["best_speedup_ci_low"], r["best_speedup_ci_high"]),
            fmt=style.markers[agent],
            color=color,
            markerfacecolor=color if r["opt_commit_within_k"] else "white",
            markersize=4.5,
            elinewidth=1,
            capsize=2,
        )


def _task_axis(ax, tasks: pd.DataFrame) -> None:
    """One row per task, top down, labelled by instance id; a task whose human speedup is not
    significant is greyed and says so."""
    ax.set_yticks(range(len(tasks)))
    labels = [
        t.instance_id + ("" if t.human_valid else "\n(human n.s.)") for t in tasks.itertuples()
    ]
    ax.set_yticklabels(labels)
    for tick, t in zip(ax.get_yticklabels(), tasks.itertuples(), strict=True):
        tick.set_color("#222222" if t.human_valid else "#8a8a8a")
    ax.set_ylim(len(tasks) - 0.5, -0.5)
    ax.grid(True, axis="x")
    ax.grid(False, axis="y")


def _speedup_handles(style: AgentStyle) -> list[Line2D]:
    handles = [
        Line2D(
            [],
            [],
            marker="D",
            color=HUMAN_COLOR,
            linestyle="none",
            markersize=4.5,
            label="human commit",
        )
    ]
    handles += _agent_handles(style.agents, style.colors, style.markers, line=False)
    handles += [
        Line2D([], [], marker="o", color=NEUTRAL, markerfacecolor="white", linestyle="none", markersize=4.5,
               label="hollow: not opt_commit"),
        Line2D([], [], marker="x", color=NEUTRAL, linestyle="none", markersize=4.5, label="no passing attempt"),
    ]  # fmt: skip
    return handles
