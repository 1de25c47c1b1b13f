"""Task records, mining, agents and the bench runner on a tiny real git repository."""

import json

import pytest

from isobench import mining, synthesis
from isobench.agents import run_agent
from isobench.agents.base import patch_stats, run_record
from isobench.bench.local import LocalExecutor
from isobench.bench.runner import BenchSettings, bench_attempt
from isobench.config import ConfigError, TaskEntry
from isobench.tasks import build_task, diff_stats, is_test_file

CMD = "python bench.py"


def entry(commit, line=1, **kw):
    base = dict(
        commit=commit,
        perf_command=CMD,
        mode=None,
        primary_metric=None,
        models=("toy",),
        parent=None,
    )
    return TaskEntry(**{**base, **kw, "line": line})


@pytest.fixture(scope="module")
def task(toy_repo):
    # No mode: a command of the repository's own is generic, and names its metric.
    task_entry = entry(toy_repo["perf"], primary_metric="latency_avg_ms")
    return build_task("toy", toy_repo["path"], task_entry, "commits.yaml")


def test_task_record_fields(task, toy_repo):
    assert task["parent"] == toy_repo["root"]
    assert task["instance_id"] == "toy-" + toy_repo["perf"][:12]
    assert task["subject"] == "Speed up compute by caching the warm path"
    assert task["files_changed"] == ["work.py"]
    assert task["mode"] == "generic" and not task["has_serving"]  # no vLLM/SGLang command
    assert task["primary_metric"] == "latency_avg_ms" and task["direction"] == "lower"
    assert task["stats"]["num_files"] == 1 and task["stats"]["num_edited_lines"] == 2
    assert "-DELAY = 0.12" in task["diff_text"]


def test_task_record_with_explicit_mode(toy_repo):
    t = build_task("toy", toy_repo["path"], entry(toy_repo["perf"], mode="latency"), "c.yaml")
    assert (
        t["primary_metric"] == "latency_avg_ms" and t["direction"] == "lower" and t["has_latency"]
    )


def test_unknown_commit_names_list_line_and_commit(toy_repo):
    with pytest.raises(
        ConfigError, match=r"c\.yaml, line 7: commit f{40} is not in repository toy"
    ):
        build_task("toy", toy_repo["path"], entry("f" * 40, line=7), "c.yaml")


def test_root_commit_cannot_be_a_task(toy_repo):
    with pytest.raises(ConfigError, match="no parent"):
        build_task("toy", toy_repo["path"], entry(toy_repo["root"], line=2), "c.yaml")


def test_test_file_rule_and_stats():
    assert (
        is_test_file("tests/test_x.py")
        and is_test_file("a/tests/b.py")
        and is_test_file("x_test.py")
    )
    assert not is_test_file("src/testing.py")
    stats = diff_stats([(3, 1, "src/a.py"), (2, 0, "tests/test_a.py")], "@@ x\n@@ y\n", 2025)
    assert stats["num_test_files"] == 1 and stats["num_non_test_edited_lines"] == 4
    assert stats["num_hunks"] == 2 and not stats["only_test_files"]


def test_mining_keyword_filter_and_heuristic(toy_repo):
    rows = mining.mine(toy_repo["path"], ["faster", "speed up"], min_source_lines=1)
    by_sha = {r["sha"]: r for r in rows}
    assert set(by_sha) == {toy_repo["perf"], toy_repo["docs"]}
    assert by_sha[toy_repo["perf"]]["is_perf"]
    assert not by_sha[toy_repo["docs"]]["is_perf"]  # touches docs only
    labels = {toy_repo["perf"]: "perf", toy_repo["docs"]: "decoy", toy_repo["root"]: "feature"}
    pr = mining.precision_recall({r["sha"] for r in rows if r["is_perf"]}, labels)
    assert pr["precision"] == 1.0 and pr["recall"] == 1.0


def test_oracle_noop_and_predictions(task, toy_repo, tmp_path):
    oracle = run_agent(task, toy_repo["path"], {"id": "o", "adapter": "oracle"}, 1)
    assert oracle.status == "ok" and oracle.patch == task["diff_text"].encode()
    noop = run_agent(task, toy_repo["path"], {"id": "n", "adapter": "noop"}, 1)
    assert noop.status == "empty_patch" and noop.patch == b""
    preds = tmp_path / "p.jsonl"
    rows = [
        {"instance_id": task["instance_id"], "model_patch": "first", "model_name_or_path": "m"},
        {"instance_id": "other-000000000000", "model_patch": "x", "model_name_or_path": "m"},
        {"instance_id": task["instance_id"], "model_patch": "", "model_name_or_path": "m"},
    ]
    preds.write_text("".join(json.dumps(r) + "\n" for r in rows))
    agent = {"id": "p", "adapter": "predictions", "predictions": str(preds)}
    assert run_agent(task, toy_repo["path"], agent, 1).patch == b"first"
    assert run_agent(task, toy_repo["path"], agent, 2).status == "empty_patch"
    third = run_agent(task, toy_repo["path"], agent, 3)
    assert third.status == "agent_failed" and "attempt 3" in third.reason


def test_adapter_crash_is_a_status(task, toy_repo):
    res = run_agent(
        task,
        toy_repo["path"],
        {"id": "p", "adapter": "predictions", "predictions": "/nonexistent.jsonl"},
        1,
    )
    assert res.status == "error"


def test_patch_stats():
    s = patch_stats(b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1,2 @@\n-a\n+b\n+c\n")
    assert (s["files_changed"], s["lines_added"], s["lines_removed"]) == (1, 2, 1)


def _bench(task, toy_repo, tmp_path, patch: str, agent_status="ok", **settings):
    patch = patch.encode()  # the harness reads patch.diff as bytes
    text, _ = synthesis.command_perf_test(task)
    perf_test = tmp_path / "perf_test.py"
    perf_test.write_text(text)
    from isobench.agents.base import AgentResult

    run = run_record(
        AgentResult(status=agent_status, patch=patch),
        agent={"id": "a", "adapter": "x"},
        repo="toy",
        commit=task["commit_hash"],
        instance=task["instance_id"],
        k=1,
    )
    with LocalExecutor(toy_repo["path"], perf_test) as ex:
        return bench_attempt(
            ex, task, run, patch, BenchSettings(warmup=1, repetitions=3, **settings)
        )


@pytest.fixture(scope="module")
def latency_task(toy_repo):
    return build_task("toy", toy_repo["path"], entry(toy_repo["perf"], mode="latency"), "c.yaml")


def test_bench_oracle_passes_and_measures_the_speedup(latency_task, toy_repo, tmp_path):
    res = _bench(latency_task, toy_repo, tmp_path, latency_task["diff_text"])
    assert res["status"] == "passed", res["reason"]
    # 4 rounds x 3 variants, interleaved with a rotating order
    assert len(res["samples"]) == 12
    assert [s["variant"] for s in res["samples"][:6]] == [
        "base",
        "human",
        "agent",
        "human",
        "agent",
        "base",
    ]
    assert res["speedups"]["human_vs_base"]["estimate"] > 2.5
    assert res["speedups"]["agent_vs_base"]["estimate"] > 2.5
    assert 0.7 < res["speedups"]["agent_vs_human"]["estimate"] < 1.4
    assert res["equivalence"]["agent_matches_base"] is True


def test_bench_patch_that_does_not_apply(latency_task, toy_repo, tmp_path):
    bad = latency_task["diff_text"].replace("-DELAY = 0.12", "-DELAY = 0.99")
    res = _bench(latency_task, toy_repo, tmp_path, bad)
    assert res["status"] == "patch_failed" and "git apply" in res["reason"]
    assert res["variants"] == ["base", "human"]


def test_bench_patch_that_changes_results(latency_task, toy_repo, tmp_path):
    # as fast as the human commit, but compute() now returns different values
    wrong = (
        "diff --git a/work.py b/work.py\n--- a/work.py\n+++ b/work.py\n@@ -1,4 +1,4 @@\n"
        "-DELAY = 0.12\n+DELAY = 0.03\n \n def compute(n):\n"
        "-    return [i * i for i in range(n)]\n+    return [i + i for i in range(n)]\n"
    )
    res = _bench(latency_task, toy_repo, tmp_path, wrong)
    assert res["status"] == "test_failed" and "output differs" in res["reason"]


def test_bench_crashing_patch_is_test_failed(latency_task, toy_repo, tmp_path):
    crash = (
        "diff --git a/work.py b/work.py\n--- a/work.py\n+++ b/work.py\n@@ -1,4 +1,4 @@\n"
        "-DELAY = 0.12\n+DELAY = undefined_name\n \n def compute(n):\n     return [i * i for i in range(n)]\n"
    )
    res = _bench(latency_task, toy_repo, tmp_path, crash)
    assert res["status"] == "test_failed" and "exit code" in res["reason"]
    # the agent is dropped after its first failure; base and human go on
    assert sum(s["variant"] == "agent" for s in res["samples"]) == 1
    assert res["samples"][-1]["variant"] in {"base", "human"}
    assert "NameError" in next(s for s in res["samples"] if s["variant"] == "agent")["output_tail"]


def test_bench_hanging_patch_is_killed_at_the_timeout(latency_task, toy_repo, tmp_path):
    hang = (
        "diff --git a/work.py b/work.py\n--- a/work.py\n+++ b/work.py\n@@ -1,4 +1,4 @@\n"
        "-DELAY = 0.12\n+DELAY = 30\n \n def compute(n):\n     return [i * i for i in range(n)]\n"
    )
    res = _bench(latency_task, toy_repo, tmp_path, hang, timeout_s=1.5)
    assert res["status"] == "test_failed" and res["timed_out"]
    agent = next(s for s in res["samples"] if s["variant"] == "agent")
    assert agent["timed_out"] and agent["wall_s"] < 5


def test_bench_empty_patch_times_base_and_human_only(latency_task, toy_repo, tmp_path):
    res = _bench(latency_task, toy_repo, tmp_path, "", agent_status="empty_patch")
    assert res["status"] == "empty_patch" and res["variants"] == ["base", "human"]
    assert res["speedups"]["human_vs_base"]["estimate"] > 2.5


def test_bench_base_failure(toy_repo, tmp_path):
    broken = build_task(
        "toy",
        toy_repo["path"],
        entry(toy_repo["perf"], perf_command="python nope.py", mode="latency"),
        "c",
    )
    res = _bench(broken, toy_repo, tmp_path, broken["diff_text"])
    assert res["status"] == "base_failed" and "exit code" in res["reason"]
