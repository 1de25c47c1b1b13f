"""The workflow as a whole: shipped configs validate, the DAG is as expected, the demo runs.

The end-to-end test runs the real demo (real benchmarks, local executor) in a private copy of the
project, then checks the acceptance criteria: oracle Opt@1 = 1.0 over human-valid tasks, noop 0.0,
the predictions agent in between, a second run has nothing to do, and deleting one bench result
re-runs exactly that job and the aggregates.
"""

from __future__ import annotations

import json
import shutil
from itertools import pairwise
from pathlib import Path

import pandas as pd
import pytest
import yaml
from snakemake.utils import validate

from isobench.config import agent_table, load_commit_list
from tests.support.fake_provider import FakeProvider
from tests.support.workflow_helpers import ROOT, api_dry_run, copy_project, dry_run_jobs, snakemake

SCHEMA = str(ROOT / "config" / "schemas" / "config.schema.yaml")
CONFIGS = sorted((ROOT / "config").glob("*.yaml"))
COMMIT_LISTS = sorted((ROOT / "config" / "commits").glob("*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_shipped_config_validates(path):
    config = yaml.safe_load(path.read_text())
    validate(config, SCHEMA)
    agent_table(config["agents"])
    assert config["evaluation"]["repetitions"] >= 2  # defaults were filled in


@pytest.mark.parametrize("path", COMMIT_LISTS, ids=lambda p: p.name)
def test_shipped_commit_list_loads(path):
    assert load_commit_list(path)


@pytest.mark.e2e
def test_unknown_config_key_is_a_schema_error_naming_the_key(fresh_project):
    proc = snakemake(
        fresh_project, "results/opt_at_k.csv", "-n", "--config", "evaluation={'repetitons': 3}"
    )
    assert proc.returncode != 0
    assert "repetitons" in proc.stdout + proc.stderr


def demo_config():
    return yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


@pytest.mark.e2e
def test_dry_run_dag_has_one_job_per_attempt(fresh_project):
    jobs = dry_run_jobs(fresh_project, "results/opt_at_k.csv")
    config = demo_config()
    n_tasks = len(load_commit_list(ROOT / config["repos"]["minserve"]["commits"]))
    attempts = sum(a.get("attempts", 1) for a in config["agents"])
    assert jobs["bench"] == n_tasks * attempts
    assert jobs["agents"] == n_tasks * attempts
    assert jobs["tasks"] == jobs["synthesis"] == jobs["envs"] == n_tasks
    assert jobs["repos"] == jobs["scores"] == jobs["opt_at_k"] == 1


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    workdir = copy_project(tmp_path_factory.mktemp("demo"))
    proc = snakemake(workdir, "--cores", "2", timeout=1200)  # the default target: rule all
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-10000:]
    return workdir


@pytest.mark.e2e
def test_demo_opt_at_k(demo_run):
    table = pd.read_csv(demo_run / "results" / "opt_at_k.csv")
    by = table.set_index(["agent", "k"])
    scores = pd.read_csv(demo_run / "results" / "scores" / "minserve.csv")
    detail = scores[
        ["agent", "instance_id", "k", "status", "agent_speedup", "agent_vs_human", "human_valid"]
    ]
    msg = f"\n{table.to_string()}\n{detail.to_string()}"
    assert by.loc[("oracle", 1), "n_tasks"] >= 6, msg  # every real perf commit is human-valid
    assert by.loc[("oracle", 1), "opt_at_k"] == 1.0, msg
    assert by.loc[("noop", 1), "opt_at_k"] == 0.0, msg
    kmax = int(table[table.agent == "demo-predictions"]["k"].max())
    assert 0.0 < by.loc[("demo-predictions", kmax), "opt_at_k"] < 1.0, msg
    # Opt@K never decreases with K
    preds = table[table.agent == "demo-predictions"].sort_values("k")["opt_at_k"].tolist()
    assert preds == sorted(preds), msg


@pytest.mark.e2e
def test_demo_statuses_cover_the_ladder(demo_run):
    scores = pd.read_csv(demo_run / "results" / "scores" / "minserve.csv")
    statuses = set(scores[scores.agent == "demo-predictions"]["status"])
    assert {"passed", "test_failed", "patch_failed"} <= statuses
    assert set(scores[scores.agent == "noop"]["status"]) == {"empty_patch"}
    # decoys in the task list are measured but not human-valid
    assert not scores.groupby("commit")["human_valid"].any().all()


@pytest.mark.e2e
def test_demo_outputs_are_complete(demo_run):
    results = demo_run / "results"
    rows = [
        json.loads(line)
        for line in (results / "dataset" / "minserve.jsonl").read_text().splitlines()
    ]
    assert len(rows) == len(load_commit_list(ROOT / "config" / "commits" / "minserve.yaml"))
    assert all(row["diff_text"] and row["perf_command"] for row in rows)
    mining = json.loads((results / "mining" / "minserve" / "summary.json").read_text())
    assert mining["precision"] is not None and mining["recall"] is not None
    bench = json.loads(
        next((results / "bench" / "oracle" / "minserve").glob("*/1.json")).read_text()
    )
    assert bench["status"] == "passed"
    timed = [s for s in bench["samples"] if not s["warmup"]]
    assert len(timed) == 3 * demo_config()["evaluation"]["repetitions"]


def timing_overlaps(results: Path) -> list[tuple[str, str]]:
    """Pairs of bench jobs whose timed rounds ran at the same time (sorted by start)."""
    windows = []
    for path in (results / "bench").glob("*/*/*/*.json"):
        timed = json.loads(path.read_text()).get("timed")
        if timed:
            windows.append((timed["started_at"], timed["finished_at"], str(path)))
    windows.sort()
    assert len(windows) >= 10, windows
    return [(a[2], b[2]) for a, b in pairwise(windows) if b[0] < a[1]]


@pytest.mark.e2e
def test_demo_bench_jobs_never_time_side_by_side(demo_run):
    # The demo runs on 2 cores, but the profile's timing=1 lets one bench job time at a time.
    assert timing_overlaps(demo_run / "results") == []


@pytest.mark.e2e
def test_demo_second_run_has_nothing_to_do(demo_run):
    assert dry_run_jobs(demo_run) == {}
    assert api_dry_run(demo_run) == []


@pytest.mark.e2e
def test_deleting_one_bench_result_reruns_it_and_the_aggregates_only(demo_run):
    target = next((demo_run / "results" / "bench" / "noop" / "minserve").glob("*/1.json"))
    target.unlink()
    # the default target lists every attempt, so a deleted intermediate is re-made, and the
    # aggregates over the scores with it: Opt@K, the per-task rows, our tables and figures
    aggregates = ("per_task", "paper_tables", "paper_figures", "report_tables", "report_figures")
    assert dry_run_jobs(demo_run) == {
        "bench": 1,
        "scores": 1,
        "opt_at_k": 1,
        **dict.fromkeys(aggregates, 1),
        "all": 1,
    }
    planned = api_dry_run(demo_run)
    assert str(target.relative_to(demo_run)) in planned
    assert "results/scores/minserve.csv" in planned and "results/opt_at_k.csv" in planned
    others = [p for p in planned if p.startswith(("results/bench/", "results/runs/"))]
    assert others == [str(target.relative_to(demo_run))]  # no other attempt re-runs
    assert not any(p.startswith("results/paper/six_agents") for p in planned)


@pytest.mark.e2e
def test_our_quadrant_table_counts_the_attempts(demo_run):
    """The paper's quadrant table, derived for our runs by the paper's code, from attempt 1."""
    results = demo_run / "results"
    counts = pd.read_csv(results / "paper" / "study" / "tables" / "quadrants.csv")
    scores = pd.read_csv(results / "scores" / "minserve.csv")
    first = scores[scores["k"] == 1]
    for row in counts.to_dict("records"):
        mine = first[(first["repo"] == row["project"]) & (first["agent"] == row["agent"])]
        expected = mine["quadrant"].value_counts().to_dict()
        assert row["n"] == len(mine) == first["commit"].nunique()
        assert {q: row[q] for q in ("Q1", "Q2", "Q3", "Q4")} == {
            q: expected.get(q, 0) for q in ("Q1", "Q2", "Q3", "Q4")
        }, row
    rates = pd.read_csv(results / "paper" / "study" / "tables" / "success_rates.csv")
    assert {"true_success_ci_low", "true_success_ci_high"} <= set(rates.columns)
    for name in ("true_success", "quadrants", "approach"):
        assert (results / "paper" / "study" / "figures" / f"{name}.png").stat().st_size > 0


@pytest.mark.e2e
def test_a_plain_report_holds_every_table_and_figure_of_both_sets(demo_run):
    proc = snakemake(demo_run, "--report", "results/report.html")
    assert proc.returncode == 0, proc.stderr[-3000:]
    html = (demo_run / "results" / "report.html").read_text(errors="replace")
    for path in (
        "results/paper/study/tables/quadrants.csv",
        "results/paper/study/figures/quadrants.png",
        "results/paper/tables/quadrants.csv",
        "results/paper/six_agents/figures/approach.png",
        "results/figures/opt_at_k.png",
        "results/tables/opt_p_at_1.csv",
    ):
        assert path in html, path


@pytest.mark.e2e
def test_demo_llm_stages_replay_into_quadrants_and_costs(demo_run):
    results = demo_run / "results"
    mining = json.loads((results / "mining" / "minserve" / "summary.json").read_text())
    assert mining["classifier"] == "llm" and mining["recall"] == 1.0
    scores = pd.read_csv(results / "scores" / "minserve.csv")
    assert scores["quadrant"].notna().all()
    assert set(scores[scores.agent == "noop"]["quadrant"]) == {"Q4"}  # no patch, no call
    assert "Q1" in set(scores[scores.agent == "oracle"]["quadrant"])
    costs = pd.read_csv(results / "llm_costs.csv").set_index("stage")
    assert set(costs.index) == {"classify", "judge", "*"}
    assert costs.loc["*", "calls_paid"] == 0 and costs.loc["*", "cost_usd"] > 0


# The acceptance run of LLM-written tests, kept small for CI: two agents, two timed rounds.
LLM_TESTS_CONFIG = """\
synthesis: {source: llm}
agents:
  - {id: oracle, adapter: oracle}
  - {id: noop, adapter: noop}
evaluation: {warmup: 0, repetitions: 2, timeout_s: 60}
"""


@pytest.mark.e2e
def test_llm_perf_tests_offline_then_a_rerun_sends_no_request(tmp_path, monkeypatch):
    workdir = copy_project(tmp_path)
    (workdir / "llm-tests.yaml").write_text(LLM_TESTS_CONFIG)
    args = ("--cores", "2", "--configfile", "config/config.yaml", "llm-tests.yaml", "--")
    targets = ("results/opt_at_k.csv", "results/llm_costs.csv")
    proc = snakemake(workdir, *args, *targets, timeout=1200)  # replay mode: no provider at all
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-10000:]

    results = workdir / "results"
    verdicts = {}
    for path in sorted((results / "tasks" / "minserve").glob("*/synthesis.json")):
        record = json.loads(path.read_text())
        verdicts[record["instance_id"]] = record["verdict"]
        assert record["source"] == "llm" and record["validation"]["rounds"]
    assert list(verdicts.values()).count("validated") == 7, verdicts
    invalid = [i for i, v in verdicts.items() if v == "failed"]
    scores = pd.read_csv(results / "scores" / "minserve.csv")
    rows = scores[scores.instance_id.isin(invalid)]
    assert len(rows) == 2 and set(rows["status"]) == {"test_invalid"}  # visible, not dropped
    assert rows["reason"].str.contains("never validated").all()
    oracle = scores[(scores.agent == "oracle") & ~scores.instance_id.isin(invalid)]
    assert set(oracle["status"]) == {"passed"} and oracle["human_valid"].sum() >= 4
    assert (oracle["primary_metric"] == "test_avg_ms").all()
    table = pd.read_csv(results / "opt_at_k.csv").set_index("agent")
    # Two timed rounds only: opt_commit (vs the human) is left to the full demo; the speedup over
    # the base is large on every human-valid task.
    assert table.loc["oracle", "opt_base_at_k"] == 1.0 and table.loc["noop", "opt_at_k"] == 0.0
    costs = pd.read_csv(results / "llm_costs.csv").set_index("stage")
    assert {"classify", "synthesize", "judge"} <= set(costs.index)
    assert costs.loc["*", "calls_paid"] == 0

    # Results gone, store kept: a record-mode run against a provider that counts requests
    # makes every LLM call again and sends none of them.
    shutil.rmtree(results)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-dummy-not-a-key")
    with FakeProvider() as fake:
        (workdir / "record.yaml").write_text(
            yaml.safe_dump({"llm": {"mode": "record", "api_base": fake.api_base}})
        )
        proc = snakemake(
            workdir, *args[:-1], "record.yaml", "--", "results/llm_costs.csv", timeout=1200
        )
        assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-10000:]
        assert fake.count == 0
    assert pd.read_csv(results / "llm_costs.csv").set_index("stage").loc["*", "calls"] > 0
