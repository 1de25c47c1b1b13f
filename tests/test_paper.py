"""The paper's derivation rules on hand-made per-task rows, and the `paper` target end to end.

Fixture ``fixtures/paper/per_task_small.csv`` (hand-made, not the published data):

    vllm      claude_code                         codex_cli
    aaaa0001  beats   same_target      -> Q1      worse  no_optimization  -> Q4
    aaaa0002  similar related_target   -> Q1      beats  same_target      -> Q1
    aaaa0003  worse   same_target      -> Q2      similar different_target -> Q3
    aaaa0004  beats   different_target -> Q3      worse  related_target   -> Q2
    aaaa0005  NO_DATA unknown          -> Q4      (no row)                -> Q4
    aaaa0009  not in the paper set: ignored
    sglang
    bbbb0001  beats   same_target      -> Q1      similar related_target  -> Q1
    bbbb0002  worse   unknown          -> Q4      similar same_target     -> Q1
"""

from __future__ import annotations

import math
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from isobench.paper import derive, tables
from tests.support.workflow_helpers import copy_project, snakemake

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "paper"
SMALL = FIXTURES / "per_task_small.csv"
ROOT = HERE.parent


@pytest.fixture
def rows() -> pd.DataFrame:
    return derive.paper_set(derive.load_per_task(SMALL))


def by_agent(df: pd.DataFrame, project: str) -> dict:
    return df[df["project"] == project].set_index("agent").to_dict("index")


@pytest.mark.parametrize(
    ("hard", "bottleneck", "expected"),
    [
        ("beats", "same_target", "Q1"),
        ("similar", "related_target", "Q1"),
        ("worse", "same_target", "Q2"),
        ("NO_DATA", "related_target", "Q2"),
        ("beats", "different_target", "Q3"),
        ("similar", "no_optimization", "Q3"),
        ("similar", "unknown", "Q3"),
        ("worse", "unknown", "Q4"),
        ("NO_DATA", "unknown", "Q4"),
    ],
)
def test_quadrant_rule(hard, bottleneck, expected):
    assert derive.quadrant(hard, bottleneck) == expected


def test_paper_set_ignores_pool_rows_and_fills_missing_tasks(rows):
    assert "aaaa0009" not in set(rows["commit"])
    assert len(rows) == (5 + 2) * 2  # every (task, agent) pair, the missing one included
    filled = rows[(rows["commit"] == "aaaa0005") & (rows["agent"] == "codex_cli")].iloc[0]
    assert (filled["hard"], filled["bottleneck"], filled["approach"]) == (
        "NO_DATA",
        "unknown",
        "unknown",
    )
    assert filled["quadrant"] == "Q4"


def test_quadrant_counts_use_the_project_task_count(rows):
    counts = derive.quadrant_counts(rows)
    assert list(counts["agent"].unique()) == ["claude_code", "codex_cli"]  # chart order
    vllm = by_agent(counts, "vllm")
    assert {q: vllm["claude_code"][q] for q in derive.QUADRANTS} == {
        "Q1": 2,
        "Q2": 1,
        "Q3": 1,
        "Q4": 1,
    }
    assert {q: vllm["codex_cli"][q] for q in derive.QUADRANTS} == {
        "Q1": 1,
        "Q2": 1,
        "Q3": 1,
        "Q4": 2,
    }
    assert vllm["claude_code"]["n"] == vllm["codex_cli"]["n"] == 5
    sglang = by_agent(counts, "sglang")
    assert (
        sglang["claude_code"]["Q1"],
        sglang["claude_code"]["Q4"],
        sglang["claude_code"]["n"],
    ) == (1, 1, 2)
    assert sglang["codex_cli"]["Q1"] == 2
    assert (counts[list(derive.QUADRANTS)].sum(axis=1) == counts["n"]).all()


def test_quadrant_counts_count_a_task_without_row_against_the_agent():
    """Even without paper_set()'s filling, a missing (task, agent) row is a Q4."""
    df = derive.classify(
        pd.DataFrame(
            {
                "project": ["vllm"] * 3,
                "commit": ["c1", "c2", "c1"],
                "agent": ["a", "a", "b"],
                "hard": ["beats", "beats", "beats"],
                "bottleneck": ["same_target"] * 3,
            }
        )
    )
    counts = derive.quadrant_counts(df, ["a", "b"]).set_index("agent")
    assert counts.loc["b", "n"] == 2
    assert (counts.loc["b", "Q1"], counts.loc["b", "Q4"]) == (1, 1)


def test_success_rates_and_wilson_intervals(rows):
    rates = by_agent(derive.success_rates(derive.quadrant_counts(rows)), "vllm")
    claude = rates["claude_code"]
    assert claude["true_success_pct"] == pytest.approx(40.0)  # 2/5
    assert claude["hard_success_pct"] == pytest.approx(60.0)  # (2+1)/5
    assert claude["gap_pp"] == pytest.approx(20.0)
    assert claude["correct_target_pct"] == pytest.approx(60.0)  # (2+1)/5
    assert claude["good_intent_pct"] == pytest.approx(20.0)  # 1/5
    # Wilson 95 % for 2/5, by hand: centre (p + z^2/2n)/(1 + z^2/n) = 0.44345,
    # half-width z*sqrt(p(1-p)/n + z^2/4n^2)/(1 + z^2/n) = 0.32583.
    assert claude["true_success_ci_low"] == pytest.approx(11.762, abs=0.01)
    assert claude["true_success_ci_high"] == pytest.approx(76.928, abs=0.01)
    codex = rates["codex_cli"]
    assert codex["true_success_pct"] == pytest.approx(20.0)
    # Wilson for 1/5: (0.0362, 0.6245)
    assert codex["true_success_ci_low"] == pytest.approx(3.622, abs=0.01)
    assert codex["true_success_ci_high"] == pytest.approx(62.449, abs=0.01)


def test_wilson_interval_at_the_edges():
    counts = pd.DataFrame(
        [{"project": "p", "agent": "a", "n": 15, "Q1": 0, "Q2": 0, "Q3": 0, "Q4": 15}]
    )
    r = derive.success_rates(counts).iloc[0]
    # 0/15: lower bound 0, upper z^2/(n + z^2) = 3.8415/18.8415
    assert r["true_success_ci_low"] == pytest.approx(0.0)
    assert r["true_success_ci_high"] == pytest.approx(100 * 3.841459 / 18.841459, abs=1e-3)
    empty = pd.DataFrame(
        [{"project": "p", "agent": "a", "n": 0, "Q1": 0, "Q2": 0, "Q3": 0, "Q4": 0}]
    )
    assert math.isnan(derive.success_rates(empty).iloc[0]["true_success_pct"])


def test_mcnemar_exact_on_a_hand_made_discordant_table():
    # 7 tasks only A succeeds, 1 only B, 3 both, 4 neither.
    a = [True] * 7 + [False] * 1 + [True] * 3 + [False] * 4
    b = [False] * 7 + [True] * 1 + [True] * 3 + [False] * 4
    test = derive.mcnemar_exact(a, b)
    assert (test["both"], test["a_only"], test["b_only"], test["neither"]) == (3, 7, 1, 4)
    # two-sided exact binomial: 2 * P(X <= 1 | n=8, 1/2) = 2 * 9/256
    assert test["p_value"] == pytest.approx(18 / 256)
    assert derive.mcnemar_exact([True] * 6, [False] * 6)["p_value"] == pytest.approx(2 / 64)
    assert (
        derive.mcnemar_exact([True, False], [True, False])["p_value"] == 1.0
    )  # no discordant pair
    with pytest.raises(ValueError, match="same length"):
        derive.mcnemar_exact([True], [True, False])


def test_holm_adjustment():
    assert derive.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert derive.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])


def test_mcnemar_table_pairs_agents_by_task(rows):
    table = derive.mcnemar_table(rows)
    vllm = table[table["project"] == "vllm"].iloc[0]
    assert (vllm["agent_a"], vllm["agent_b"]) == ("claude_code", "codex_cli")
    # Q1: claude {aaaa0001, aaaa0002}, codex {aaaa0002}
    assert (vllm["both"], vllm["a_only"], vllm["b_only"], vllm["neither"]) == (1, 1, 0, 3)
    assert vllm["p_value"] == pytest.approx(1.0)
    sglang = table[table["project"] == "sglang"].iloc[0]
    assert (sglang["a_only"], sglang["b_only"]) == (0, 1)


def test_approach_counts_keep_unknown_apart(rows):
    counts = derive.approach_counts(rows)
    vllm = by_agent(counts, "vllm")
    assert {c: vllm["claude_code"][c] for c in (*derive.APPROACHES, "unknown")} == {
        "similar_approach": 1,
        "valid_alternative": 1,
        "partial_solution": 1,
        "ineffective": 1,
        "other": 0,
        "unknown": 1,
    }
    assert vllm["codex_cli"]["other"] == 1
    assert vllm["codex_cli"]["unknown"] == 1  # the task it has no row for
    both = by_agent(counts, "all")
    assert both["claude_code"]["n"] == 7
    assert both["claude_code"]["similar_approach"] == 2 and both["claude_code"]["unknown"] == 2
    assert both["codex_cli"]["valid_alternative"] == 2


def test_loader_rejects_unknown_labels_and_duplicates(tmp_path):
    text = SMALL.read_text()
    bad = tmp_path / "bad.csv"
    bad.write_text(text.replace("beats,ttft,12.0", "wins,ttft,12.0", 1))
    with pytest.raises(ValueError, match="hard"):
        derive.load_per_task(bad)
    dup = tmp_path / "dup.csv"
    lines = text.splitlines()
    dup.write_text("\n".join([*lines, lines[1]]) + "\n")
    with pytest.raises(ValueError, match="duplicate"):
        derive.load_per_task(dup)


def test_agent_order_follows_the_paper():
    assert derive.order_agents(["trae_gpt5", "zeta", "claude_code", "codex_cli"]) == [
        "claude_code",
        "codex_cli",
        "trae_gpt5",
        "zeta",
    ]


def test_latex_writer_escapes_and_groups():
    tex = tables.latex_table(
        ["a_b", "50%"], [["x&y", 1]], align="lr", caption="n_1 & 5%", groups=[("G", 2)]
    )
    assert r"a\_b & 50\% \\" in tex
    assert r"x\&y & 1 \\" in tex
    assert r"\caption{n\_1 \& 5\%}" in tex
    assert r"\multicolumn{2}{c}{G}" in tex
    assert tex.count(r"\begin{tabular}") == 1 and tex.rstrip().endswith(r"\end{table}")
    with pytest.raises(ValueError):
        tables.latex_table(["a"], [[1, 2]], align="l")


def test_paper_tables_script_writes_every_table(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("paper_script", ROOT / "scripts" / "paper.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    names = [
        "per_task",
        "quadrants_csv",
        "quadrants_tex",
        "rates_csv",
        "rates_tex",
        "mcnemar_csv",
        "mcnemar_tex",
        "approach_csv",
        "approach_tex",
    ]
    ext = {n: ("tex" if n.endswith("tex") else "csv") for n in names}
    output = SimpleNamespace(**{n: str(tmp_path / f"{n}.{ext[n]}") for n in names})
    module.paper_tables(SimpleNamespace(per_task=str(SMALL)), output, SimpleNamespace())
    for n in names:
        assert Path(getattr(output, n)).stat().st_size > 0
    counts = pd.read_csv(output.quadrants_csv)
    assert counts["Q1"].tolist() == [2, 1, 1, 2]
    assert r"\toprule" in Path(output.rates_tex).read_text()


PAPER_OUTPUTS = [
    f"results/{d}/{kind}/{name}"
    for d in ("paper", "paper/six_agents")
    for kind, names in (
        (
            "tables",
            [
                f"{t}.{e}"
                for t in ("quadrants", "success_rates", "mcnemar", "approach")
                for e in ("csv", "tex")
            ]
            + ["per_task_quadrants.csv"],
        ),
        (
            "figures",
            [
                f"{f}.{e}"
                for f in (
                    "true_success",
                    "hard_vs_true",
                    "intent_vs_execution",
                    "quadrants",
                    "approach",
                )
                for e in ("png", "pdf")
            ],
        ),
    )
    for name in names
]


def _ensure_commit_lists(workdir: Path) -> None:
    """The paper target needs no demo data, but parsing the workflow reads every commit list.

    While a configured list does not exist yet, a one-entry placeholder lets the workflow parse.
    """
    import yaml

    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    for repo in config["repos"].values():
        path = workdir / repo["commits"]
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text('- commit: "' + "0" * 40 + '"\n  perf_command: "true"\n')


@pytest.mark.e2e
def test_snakemake_paper_target(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    copy_project(work)
    for part in ("envs", "data", "report"):  # what the paper rules reference
        if not (work / part).exists():
            shutil.copytree(ROOT / part, work / part)
    _ensure_commit_lists(work)
    start = time.monotonic()
    proc = snakemake(
        work, "-s", str(work / "Snakefile"), "--directory", str(work), "--cores", "1", "paper"
    )
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for rel in PAPER_OUTPUTS:
        path = work / rel
        assert path.is_file(), rel
        assert path.stat().st_size > 0, rel
    assert elapsed < 120, f"`snakemake paper` took {elapsed:.0f} s"
    # The published four agents: every project row adds up to its task count.
    counts = pd.read_csv(work / "results/paper/tables/quadrants.csv")
    assert set(counts.groupby("project")["n"].first().items()) == {("vllm", 39), ("sglang", 15)}
    assert (counts[list(derive.QUADRANTS)].sum(axis=1) == counts["n"]).all()
    assert counts["agent"].tolist()[:4] == ["claude_code", "codex_cli", "trae_sonnet", "trae_gpt5"]
