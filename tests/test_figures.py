"""Opt_p@1 and the per-task tables on hand-made score tables; figures render; the `figures` target.

Fixture ``fixtures/paper/scores_minserve.csv`` (hand-made). Human-valid tasks t1, t2, t3 (t4 is
not). First attempts (k = 1) of agent ``pred``, as (status, speedup over base, over human):

    t1 passed 1.3 0.65    -> opt_base (>= 1.2); exceeds p of the human for p < 0.65
    t2 passed 1.1 0.73    -> below 1.2: never counts
    t3 passed 2.4 0.80    -> counts for p < 0.80
    t4 passed 5.0 4.90    -> would count, but t4 is not human-valid

so Opt_p@1(pred) = 2/3 for p < 0.65, 1/3 for 0.65 <= p < 0.8, 0 from 0.8 on. ``oracle`` matches
the human exactly (1.0x of it): 3/3 up to p = 0.95, 0 at p = 1 (strictly better is required).
``noop`` has empty patches: 0. ``fixtures/paper/scores_tiny.csv`` adds a second repository where
``pred`` has no row at all for task u2 (a miss).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from isobench import plotting as style
from isobench.paper import derive, tables
from isobench.paper import figures as paper_figures
from isobench.report import figures as run_figures
from isobench.report import tables as runs
from isobench.scoring.rules import Thresholds
from tests.support.workflow_helpers import copy_project, snakemake

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURES = HERE / "fixtures" / "paper"
SCORES = [FIXTURES / "scores_minserve.csv", FIXTURES / "scores_tiny.csv"]
TH = Thresholds(opt_base=1.2)


@pytest.fixture
def scores() -> pd.DataFrame:
    return runs.load_scores(SCORES)


def opt_p(table: pd.DataFrame, repo: str, agent: str, p: float) -> float:
    row = table[(table["repo"] == repo) & (table["agent"] == agent) & (table["p"].round(2) == p)]
    assert len(row) == 1
    return float(row["opt_p_at_1"].iloc[0])


def test_load_scores_parses_booleans(scores):
    assert scores["human_valid"].dtype == bool
    assert scores["opt_commit"].dtype == bool
    assert runs.valid_tasks(scores)["minserve"] == sorted(
        scores[(scores["repo"] == "minserve") & scores["human_valid"]]["commit"].unique()
    )
    assert len(runs.valid_tasks(scores)["minserve"]) == 3


def test_opt_p_at_1_by_hand(scores):
    table = runs.opt_p_at_1(scores, TH)
    assert sorted(table["p"].round(2).unique()) == [round(0.05 * i, 2) for i in range(21)]
    assert set(table[table["repo"] == "minserve"]["n_tasks"]) == {3}
    for p, expected in [
        (0.0, 2 / 3),
        (0.6, 2 / 3),
        (0.65, 1 / 3),
        (0.75, 1 / 3),
        (0.8, 0.0),
        (0.95, 0.0),
    ]:
        assert opt_p(table, "minserve", "pred", p) == pytest.approx(expected), p
    assert opt_p(table, "minserve", "oracle", 0.95) == 1.0
    assert opt_p(table, "minserve", "oracle", 1.0) == 0.0
    assert opt_p(table, "minserve", "noop", 0.0) == 0.0
    # tiny: pred passes u1 (1.5x, 0.9 of the human) and has no row for u2: 1 of 2
    assert opt_p(table, "tiny", "pred", 0.0) == pytest.approx(0.5)
    assert opt_p(table, "tiny", "pred", 0.9) == 0.0


def test_opt_p_at_1_reads_the_opt_base_threshold(scores):
    # pred's t2 first attempt is 1.1x: it counts once the threshold is 1.1
    low = runs.opt_p_at_1(scores, Thresholds(opt_base=1.1))
    assert opt_p(low, "minserve", "pred", 0.0) == pytest.approx(1.0)
    high = runs.opt_p_at_1(scores, Thresholds(opt_base=2.0))
    assert opt_p(high, "minserve", "pred", 0.0) == pytest.approx(1 / 3)  # only t3 (2.4x)


def test_opt_p_at_1_includes_agents_without_rows(scores):
    table = runs.opt_p_at_1(scores, TH, agents={"tiny": ["noop", "oracle", "pred"]})
    assert opt_p(table, "tiny", "noop", 0.0) == 0.0
    assert set(runs.opt_p_at_1(scores, TH)[lambda d: d["repo"] == "tiny"]["agent"]) == {
        "oracle",
        "pred",
    }


def test_best_attempts_and_task_contributions(scores):
    best = runs.best_attempts(scores).set_index(["repo", "agent", "commit"])
    t1 = scores[scores["instance_id"].str.endswith("743100000000")]["commit"].iloc[0]
    t3 = scores[scores["instance_id"].str.endswith("743300000000")]["commit"].iloc[0]
    row = best.loc[("minserve", "pred", t1)]
    assert (row["best_status"], row["best_k"], row["best_speedup"]) == (
        "passed",
        2,
        pytest.approx(2.1),
    )
    assert row["opt_commit_within_k"] and row["attempts"] == 3
    assert not best.loc[("minserve", "pred", t3), "opt_commit_within_k"]  # 2.4x but 0.8 of human
    assert best.loc[("minserve", "noop", t1), "best_status"] == "empty_patch"

    wide = runs.task_contributions(runs.best_attempts(scores))
    assert len(wide) == 6
    assert runs.agents_of(wide) == ["noop", "oracle", "pred"]
    u2 = wide[wide["instance_id"].str.endswith("753200000000")].iloc[0]
    assert (
        u2["pred.attempts"] == 0
        and u2["pred.best_status"] == ""
        and not u2["pred.opt_commit_within_k"]
    )
    assert bool(u2["human_valid"])
    tex = tables.task_contributions_latex(wide, runs.agents_of(wide))
    assert r"\multicolumn{3}{c}{pred}" in tex and "empty\\_patch" in tex


def test_paper_colours_are_the_specified_ones():
    assert style.PROJECT_COLORS["vllm"] == "#4e79a7"
    assert style.PROJECT_COLORS["sglang"] == "#e15759"
    assert style.QUADRANT_COLORS == {
        "Q1": "#59a14f",
        "Q2": "#edc948",
        "Q3": "#f28e2b",
        "Q4": "#e15759",
    }
    # our agents never wear a project's or a quadrant's colour
    used = set(style.PROJECT_COLORS.values()) | set(style.QUADRANT_COLORS.values())
    assert not used & set(style.AGENT_PALETTE)
    assert style.agent_colors(["b", "a"]) == style.agent_colors(["a", "b", "a"])


def _nonempty(*paths):
    for p in paths:
        assert Path(p).stat().st_size > 1000, p


def test_paper_figures_render(tmp_path):
    rows = derive.paper_set(derive.load_per_task(FIXTURES / "per_task_small.csv"))
    counts = derive.quadrant_counts(rows)
    rates = derive.success_rates(counts)
    approach = derive.approach_counts(rows)
    out = {n: (tmp_path / f"{n}.png", tmp_path / f"{n}.pdf") for n in ("t", "h", "i", "q", "a")}
    paper_figures.true_success(rates, *out["t"])
    paper_figures.hard_vs_true(rates, *out["h"])
    paper_figures.intent_vs_execution(rates, *out["i"])
    paper_figures.quadrants(counts, *out["q"])
    paper_figures.approach(approach, *out["a"])
    _nonempty(*(p for pair in out.values() for p in pair))
    assert not list(tmp_path.glob(".*.tmp*"))  # no temporary files left behind


def test_run_figures_render_and_survive_empty_input(tmp_path, scores):
    opt_k = pd.read_csv(FIXTURES / "opt_at_k.csv")
    run_figures.opt_at_k(opt_k, tmp_path / "k.png", tmp_path / "k.pdf")
    run_figures.opt_p_at_1(runs.opt_p_at_1(scores, TH), tmp_path / "p.png")
    run_figures.speedups(runs.best_attempts(scores), tmp_path / "s.png", opt_base_threshold=1.2)
    _nonempty(tmp_path / "k.png", tmp_path / "k.pdf", tmp_path / "p.png", tmp_path / "s.png")
    empty = pd.DataFrame(columns=["repo", "agent"])
    run_figures.opt_at_k(empty, tmp_path / "e1.png")
    run_figures.opt_p_at_1(empty, tmp_path / "e2.png")
    run_figures.speedups(empty, tmp_path / "e3.png")
    _nonempty(tmp_path / "e1.png", tmp_path / "e2.png", tmp_path / "e3.png")


FIGURE_OUTPUTS = [
    *(
        f"results/figures/{f}.{e}"
        for f in ("opt_at_k", "opt_p_at_1", "speedups")
        for e in ("png", "pdf")
    ),
    "results/tables/opt_at_k.tex",
    "results/tables/opt_p_at_1.csv",
    "results/tables/opt_p_at_1.tex",
    "results/tables/best_attempts.csv",
    "results/tables/task_contributions.csv",
    "results/tables/task_contributions.tex",
]


@pytest.mark.e2e
def test_snakemake_figures_target_on_fixture_scores(tmp_path):
    """The `figures` rules on hand-made score tables (upstream rules are not allowed to run)."""
    work = tmp_path / "work"
    work.mkdir()
    copy_project(work)
    for part in ("envs", "data", "report"):
        if not (work / part).exists():
            shutil.copytree(ROOT / part, work / part)
    config = yaml.safe_load((work / "config" / "config.yaml").read_text())
    for repo, cfg in config["repos"].items():
        commits = work / cfg["commits"]
        if not commits.exists():  # parsing the workflow reads the commit lists
            commits.parent.mkdir(parents=True, exist_ok=True)
            commits.write_text('- commit: "' + "0" * 40 + '"\n  perf_command: "true"\n')
        df = pd.read_csv(FIXTURES / "scores_minserve.csv")
        df["repo"] = repo
        (work / "results" / "scores").mkdir(parents=True, exist_ok=True)
        df.to_csv(work / "results" / "scores" / f"{repo}.csv", index=False)
    shutil.copy(FIXTURES / "opt_at_k.csv", work / "results" / "opt_at_k.csv")
    allowed = ["report_tables", "report_figures", "report"]
    proc = snakemake(
        work, "-s", str(work / "Snakefile"), "--directory", str(work), "--cores", "1",
        "report", "--allowed-rules", *allowed,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for rel in FIGURE_OUTPUTS:
        assert (work / rel).is_file() and (work / rel).stat().st_size > 0, rel
