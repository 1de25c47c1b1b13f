"""The torch demo: torchkern's history (demo/torchkern) and its study (config/torch-demo.yaml).

The history checks need only git. The end-to-end test runs the whole study on the CPU with the
local executor, exactly as shipped (5 timed rounds), and checks the acceptance criteria: every
task human-valid, oracle Opt@1 = 1.0, noop 0.0, the wrong-output prediction `test_failed` by the
equivalence check, and the device each perf test reported in every bench result. It needs torch
(`make setup` installs torch==2.13.0): without it the test is skipped, except under CI (the `CI`
variable set), where a missing torch is a failure.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import time

import pandas as pd
import pytest
import yaml

from isobench.repos.demo import SeriesError, build_repo, load_series
from tests.support.workflow_helpers import ROOT, copy_project, require_torch, snakemake

SERIES = ROOT / "demo" / "torchkern" / "series.yaml"
LABELS = ROOT / "demo" / "torchkern" / "labels.csv"
TASKS = ROOT / "config" / "commits" / "torchkern.yaml"
PREDICTIONS = ROOT / "demo" / "torchkern" / "predictions.jsonl"
CONFIG = "config/torch-demo.yaml"
# What each replayed prediction is (demo/torchkern/README.md), by the task's perf test.
KINDS = {
    "perf/test_qk_norm.py": "good",
    "perf/test_kv_gather.py": "wrong-output",
    "perf/test_sampler.py": "does-not-apply",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    dest = tmp_path_factory.mktemp("torchkern") / "repo"
    return dest, build_repo(SERIES, dest)


@pytest.fixture(scope="module")
def tasks():
    return yaml.safe_load(TASKS.read_text())


def predictions_by_instance() -> dict[str, str]:
    rows = [json.loads(line) for line in PREDICTIONS.read_text().splitlines() if line.strip()]
    return {row["instance_id"]: row["model_patch"] for row in rows}


def test_history_labels_and_task_list_match_the_series(built, tasks):
    _, commits = built
    with LABELS.open(newline="") as fh:
        labels = [(r["sha"], r["label"], r["subject"]) for r in csv.DictReader(fh)]
    assert labels == [(c["sha"], c["label"], c["subject"]) for c in commits]
    perf = [c for c in commits if c["label"] == "perf"]
    assert [t["commit"] for t in tasks] == [c["sha"] for c in perf]  # task_decoys: 0
    assert load_series(SERIES)["tasks"] == {"models": [], "decoys": 0}
    for task, commit in zip(tasks, perf, strict=True):
        assert task["perf_command"] == commit["benchmark"]
        assert task["perf_command"].split()[1] in KINDS
        assert (task["mode"], task["primary_metric"]) == ("generic", "test_avg_ms")


@pytest.mark.parametrize(
    "settings, match",
    [({"task_decoys": -1}, "task_decoys"), ({"task_models": "tiny"}, "task_models")],
)
def test_malformed_task_settings_are_rejected(tmp_path, settings, match):
    data = {**yaml.safe_load(SERIES.read_text()), **settings}
    (tmp_path / "series.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(SeriesError, match=match):
        load_series(tmp_path / "series.yaml")


def git(repo, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, **kw)


def test_perf_tests_exist_before_the_commits_they_time_and_are_not_changed_by_them(built, tasks):
    dest, commits = built
    parents = {c["sha"]: c["parent"] for c in commits}
    for task in tasks:
        script, parent = task["perf_command"].split()[1], parents[task["commit"]]
        for sha in (parent, task["commit"]):
            assert git(dest, "cat-file", "-e", f"{sha}:{script}").returncode == 0, (script, sha)
        changed = git(dest, "diff", "--name-only", parent, task["commit"]).stdout.split()
        assert changed and not [path for path in changed if path.startswith("perf/")]


def test_predictions_apply_exactly_when_documented(built, tasks, tmp_path):
    dest, commits = built
    parents = {c["sha"]: c["parent"] for c in commits}
    patches = predictions_by_instance()
    assert set(patches) == {f"torchkern-{t['commit'][:12]}" for t in tasks}
    env = {**os.environ, "GIT_INDEX_FILE": str(tmp_path / "index")}
    for task in tasks:
        kind = KINDS[task["perf_command"].split()[1]]
        assert git(dest, "read-tree", parents[task["commit"]], env=env).returncode == 0
        patch = patches[f"torchkern-{task['commit'][:12]}"]
        check = git(dest, "apply", "--cached", "--check", "-", input=patch, env=env)
        assert (check.returncode != 0) == (kind == "does-not-apply"), (task["commit"], kind)


def instances_by_kind() -> dict[str, str]:
    return {
        KINDS[t["perf_command"].split()[1]]: f"torchkern-{t['commit'][:12]}"
        for t in yaml.safe_load(TASKS.read_text())
    }


@pytest.fixture(scope="module")
def torch_study(tmp_path_factory):
    require_torch()
    workdir = copy_project(tmp_path_factory.mktemp("torch-demo"))
    start = time.monotonic()
    # The README's command: the file is the whole config (nothing of the minserve demo).
    args = ("--cores", "2", "results/opt_at_k.csv", "--configfile", CONFIG)
    proc = snakemake(workdir, *args, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-10000:]
    print(f"torch demo study on the CPU: {time.monotonic() - start:.0f} s")
    return workdir


@pytest.mark.e2e
def test_torch_demo_opt_at_1_and_statuses(torch_study):
    results = torch_study / "results"
    table = pd.read_csv(results / "opt_at_k.csv").set_index("agent")
    scores = pd.read_csv(results / "scores" / "torchkern.csv")
    detail = scores[["agent", "instance_id", "status", "task_human_speedup", "task_human_ci_low"]]
    msg = f"\n{table.to_string()}\n{detail.to_string()}\n{scores['reason'].tolist()}"
    assert table.loc["oracle", "n_tasks"] == 3, msg  # every task human-valid on the CPU
    assert table.loc["oracle", "opt_at_k"] == 1.0, msg
    assert table.loc["noop", "opt_at_k"] == 0.0, msg
    oracle = scores[scores.agent == "oracle"]
    assert (oracle["task_human_speedup"] >= 1.3).all() and (oracle["task_human_ci_low"] > 1).all()
    preds = scores[scores.agent == "torch-predictions"].set_index("instance_id")["status"]
    by_kind = instances_by_kind()
    assert preds[by_kind["good"]] == "passed", msg
    assert preds[by_kind["does-not-apply"]] == "patch_failed", msg
    wrong = scores[
        (scores.agent == "torch-predictions") & (scores.instance_id == by_kind["wrong-output"])
    ]
    assert wrong["status"].tolist() == ["test_failed"], msg
    assert wrong["reason"].str.startswith("output differs from base").all(), msg


@pytest.mark.e2e
def test_torch_demo_bench_results_carry_the_reported_device(torch_study):
    benches = sorted((torch_study / "results" / "bench").glob("*/torchkern/*/1.json"))
    assert len(benches) == 9
    for path in benches:
        bench = json.loads(path.read_text())
        assert bench["devices"] == {v: ["cpu"] for v in bench["variants"]}, path
        assert all(s["device"] == "cpu" for s in bench["samples"] if not s["error"]), path
        assert "gpu" not in bench  # gpus: 0, no device leased
        assert bench["equivalence"]["human_matches_base"] is True, path
