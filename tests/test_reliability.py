"""Faults and bad inputs injected into real workflow runs on a toy study."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from tests.support.lanes import require_mark
from tests.support.toy_project import make_toy_project, write_predictions
from tests.support.workflow_helpers import api_dry_run, dry_run_jobs, snakemake

MISSING = "d3b07384d113edec49eaa6238ad5ff00c0ffee42"
CANARY = "sk-canary-0123456789abcdef0123456789abcdef"


@pytest.mark.e2e
def test_failing_task_is_a_status_row_and_secrets_stay_out(tmp_path):
    toy = make_toy_project(tmp_path)
    env = {**os.environ, "OPENAI_API_KEY": CANARY, "ISOBENCH_CANARY_TOKEN": CANARY}
    proc = snakemake(tmp_path, "--cores", "2", "results/opt_at_k.csv", env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-5000:]
    scores = pd.read_csv(tmp_path / "results" / "scores" / "toy.csv")
    status = scores.set_index(["agent", "commit"])["status"]
    assert status[("oracle", toy["fast"])] == "passed"
    assert status[("oracle", toy["other"])] == "base_failed"
    reason = scores.set_index(["agent", "commit"])["reason"][("oracle", toy["other"])]
    assert "exit code" in reason
    bench = json.loads(
        (tmp_path / "results/bench/oracle/toy" / toy["other"] / "1.json").read_text()
    )
    assert "does_not_exist.py" in bench["samples"][0]["output_tail"]
    table = pd.read_csv(tmp_path / "results" / "opt_at_k.csv").set_index("agent")
    assert table.loc["oracle", "n_tasks"] == 1 and table.loc["oracle", "n_tasks_all"] == 2
    assert table.loc["oracle", "opt_at_k"] == 1.0
    # the canary key is in the environment of every job, and must be nowhere on disk
    for top in ("results", "logs", ".snakemake"):
        for path in (tmp_path / top).rglob("*"):
            if path.is_file():
                assert CANARY not in path.read_bytes().decode(errors="replace"), path


@pytest.mark.e2e
def test_commit_not_in_repository_names_list_line_and_commit(tmp_path):
    make_toy_project(tmp_path, broken=False)
    commits = tmp_path / "config" / "commits" / "toy.yaml"
    commits.write_text(
        commits.read_text()
        + f"- commit: {MISSING}\n  perf_command: python bench.py\n  mode: latency\n"
    )
    proc = snakemake(tmp_path, "--cores", "1", f"results/tasks/toy/{MISSING}/task.json")
    assert proc.returncode != 0
    assert (
        f"config/commits/toy.yaml, line 4: commit {MISSING} is not in repository toy"
        in proc.stdout + proc.stderr
    )


@pytest.mark.e2e
def test_kill_9_mid_job_leaves_no_partial_result_and_a_rerun_completes(tmp_path):
    toy = make_toy_project(tmp_path, delay=0.4, repetitions=6, broken=False)
    bench_dir = tmp_path / "results" / "bench"
    require_mark("e2e", "starts Snakemake")
    proc = subprocess.Popen(
        [sys.executable, "-m", "snakemake", "--cores", "1", "results/opt_at_k.csv"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 120
    logs = tmp_path / "logs" / "bench"
    while time.time() < deadline and not (logs.exists() and any(logs.rglob("*.log"))):
        time.sleep(0.2)
    time.sleep(1.0)  # inside the bench job now, timing the variants
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    # whatever is on disk is either absent or a complete result
    for path in bench_dir.rglob("*.json") if bench_dir.exists() else []:
        json.loads(path.read_text())
    assert dry_run_jobs(tmp_path, "results/opt_at_k.csv").get("bench", 0) >= 1
    # the documented recovery: release the killed run's lock, then run again
    assert snakemake(tmp_path, "--unlock").returncode == 0
    done = snakemake(tmp_path, "--cores", "2", "results/opt_at_k.csv", timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    table = pd.read_csv(tmp_path / "results" / "opt_at_k.csv").set_index("agent")
    assert table.loc["oracle", "opt_at_k"] == 1.0
    assert toy["fast"]


AGGREGATES = (
    "results/scores/",
    "results/opt_at_k.csv",
    "results/paper/study/",
    "results/tables/",
    "results/figures/",
)


@pytest.mark.e2e
def test_mid_study_edits_rerun_only_what_they_change(tmp_path):
    toy = make_toy_project(tmp_path, predictions=True, repetitions=2, broken=False)
    first = snakemake(tmp_path, "--cores", "2")
    assert first.returncode == 0, first.stderr[-3000:]
    fast = toy["fast"]

    # one recorded patch edited: that attempt, its bench job and the aggregates
    write_predictions(tmp_path / "config" / "preds.jsonl", toy, 0.12, 0.04)
    planned = api_dry_run(tmp_path)
    assert [p for p in planned if p.startswith(("results/runs/", "results/bench/"))] == [
        f"results/bench/preds/toy/{fast}/2.json",
        f"results/runs/preds/toy/{fast}/2/patch.diff",
        f"results/runs/preds/toy/{fast}/2/run.json",
    ]
    # ... and the aggregates over the scores; the published paper's tables stay as they are
    rest = {p for p in planned if not p.startswith(("results/runs/", "results/bench/"))}
    assert {"results/scores/toy.csv", "results/opt_at_k.csv", "results/scores/per_task.csv"} <= rest
    assert all(p.startswith(AGGREGATES) for p in rest), rest
    assert snakemake(tmp_path, "--cores", "2").returncode == 0

    # more attempts and a new agent: new jobs only, no existing attempt re-runs
    config = tmp_path / "config" / "config.yaml"
    text = config.read_text().replace("attempts: 2", "attempts: 3")
    config.write_text(text.replace("agents:\n", "agents:\n  - {id: noop2, adapter: noop}\n"))
    planned = api_dry_run(tmp_path)
    reruns = [p for p in planned if p.startswith(("results/runs/", "results/bench/"))]
    assert reruns and all(
        "/noop2/" in p or p.startswith(f"results/runs/preds/toy/{fast}/3/") or p.endswith("/3.json")
        for p in reruns
    ), reruns


@pytest.mark.e2e
def test_exported_predictions_hold_the_declared_attempts_only(tmp_path):
    toy = make_toy_project(tmp_path, predictions=True, repetitions=2, broken=False)
    target = "results/predictions/preds.jsonl"
    assert snakemake(tmp_path, "--cores", "2", target).returncode == 0
    instance = f"toy-{toy['fast'][:12]}"
    rows = [json.loads(line) for line in (tmp_path / target).read_text().splitlines()]
    assert [r["instance_id"] for r in rows] == [instance, instance]  # attempts 1 and 2
    # Lowering K leaves attempt 2's files on disk; the export must not pick them up again.
    config = tmp_path / "config" / "config.yaml"
    config.write_text(config.read_text().replace("attempts: 2", "attempts: 1"))
    assert (tmp_path / f"results/runs/preds/toy/{toy['fast']}/2/run.json").is_file()
    proc = snakemake(tmp_path, "--cores", "2", target, "--forcerun", "predictions")
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [json.loads(line) for line in (tmp_path / target).read_text().splitlines()]
    assert [r["instance_id"] for r in rows] == [instance]
    assert (
        rows[0]["model_patch"]
        == (tmp_path / f"results/runs/preds/toy/{toy['fast']}/1/patch.diff").read_text()
    )


@pytest.mark.e2e
def test_missing_predictions_file_is_an_error_naming_agent_and_fix(tmp_path):
    make_toy_project(tmp_path, predictions=True, broken=False)
    (tmp_path / "config" / "preds.jsonl").unlink()
    proc = snakemake(tmp_path, "-n", "--cores", "1")
    assert proc.returncode != 0
    assert "agent 'preds': predictions file config/preds.jsonl does not exist" in proc.stdout
