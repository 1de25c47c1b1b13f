"""The LLM stages as the workflow runs them: classifier over a real git history, perf-test
synthesis validated in real exported trees, the test_invalid path through the bench stage, and
the per-call cost records, all through the loopback fake provider and litellm's HTTP path."""

from __future__ import annotations

import subprocess
import sys

import pytest

from isobench import mining
from isobench.bench.executors import ExecutorSettings, open_executor
from isobench.bench.runner import BenchSettings, invalid_test_result, task_under_test
from isobench.llm import LLMClient, cost_table
from isobench.mining import llm as mining_llm
from isobench.scoring.tables import SCORE_COLUMNS, attempt_rows, to_frame
from isobench.synthesis import llm_perf_test
from isobench.synthesis.llm import stable_feedback
from tests.support.fake_provider import FakeProvider, Garbage, RateLimit, Reply

MODEL = "openai/fake-stage"

# Sleeps a tenth of the tree's DELAY, so base (0.12) is 4x slower than human (0.03).
GOOD = """\
import hashlib, json, os, statistics, sys, time
sys.path.insert(0, os.getcwd())
import work

times = []
for _ in range(4):
    start = time.perf_counter()
    time.sleep(work.DELAY / 10)
    out = work.compute(200)
    times.append((time.perf_counter() - start) * 1000)
print(json.dumps({"avg_ms": statistics.mean(times), "p50_ms": statistics.median(times),
                  "p95_ms": max(times), "iters": len(times), "device": "cpu",
                  "result_digest": hashlib.sha256(repr(out).encode()).hexdigest()}))
"""
CRASH = "import os, sys\nsys.path.insert(0, os.getcwd())\nimport work\nwork.missing_function()\n"


def fenced(code: str) -> str:
    return f"Here it is.\n```python\n{code}```\n"


@pytest.fixture
def fake():
    with FakeProvider() as provider:
        yield provider


def client(store, fake=None, mode="record"):
    return LLMClient(
        store,
        mode,
        timeout_s=2,
        max_retries=3,
        backoff_initial_s=0.01,
        backoff_max_s=0.05,
        api_base=fake.api_base if fake else None,
        api_key="sk-dummy-0000000",
    )


def synthesize(task, toy_repo, llm):
    """LLM synthesis with the executor the bench stage would open for a local study."""
    with open_executor(ExecutorSettings(), toy_repo["path"], None, {"executor": "local"}) as ex:
        return llm_perf_test(task, ex, llm, MODEL, max_repairs=2, timeout_s=30)


def test_synthesis_repairs_then_validates_in_exported_trees(tmp_path, fake, task, toy_repo):
    fake.push(Reply(fenced(CRASH)), RateLimit(retry_after=0), Reply(fenced(GOOD)))
    llm = client(tmp_path / "store", fake)
    code, record = synthesize(task, toy_repo, llm)
    assert record["verdict"] == "validated", record["reason"]
    assert code == GOOD and record["primary_metric"] == "test_avg_ms"
    rounds = record["validation"]["rounds"]
    assert [r["verdict"] for r in rounds] == ["run_failed", "validated"]
    assert record["human_speedup"] > 1.5  # measured on the two trees
    # The repair request quotes the failing run without this machine's paths.
    repair = fake.bodies()[-1]["messages"][-1]["content"]
    assert "missing_function" in repair and 'File "perf_test.py"' in repair
    assert str(tmp_path) not in repair and "isobench-bench-" not in repair
    assert fake.count == 3  # the 429 was retried
    rows = cost_table(llm.calls)
    assert rows[0]["stage"] == "synthesize" and rows[0]["calls"] == 2

    # Replay: the same synthesis with no provider at all (the repair request is stable).
    again, replayed = synthesize(task, toy_repo, client(tmp_path / "store", mode="replay"))
    assert again == code and replayed["verdict"] == "validated" and replayed["cached"]


def test_a_test_that_never_validates_is_a_test_invalid_row(tmp_path, fake, task, toy_repo):
    fake.push(Reply("no code here, sorry"), Garbage(), Reply(fenced(CRASH)), Reply(fenced(CRASH)))
    code, record = synthesize(task, toy_repo, client(tmp_path / "store", fake))
    assert record["verdict"] == "failed" and "run_failed" in record["reason"]
    assert [r["verdict"] for r in record["validation"]["rounds"]] == [
        "no_code",
        "run_failed",
        "run_failed",
    ]
    script = tmp_path / "perf_test.py"
    script.write_text(code)
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert proc.returncode != 0 and "no valid perf test" in proc.stderr

    view, why = task_under_test(task, record)
    assert why.startswith("perf test never validated")
    run = {"agent": "oracle", "k": 1, "patch_stats": {"sha256": "0" * 64}}
    bench = invalid_test_result("local", view, run, BenchSettings(), why)
    assert bench["status"] == "test_invalid" and bench["samples"] == []
    (row,) = attempt_rows([bench], {}, {"bootstrap_resamples": 100})
    assert row["status"] == "test_invalid" and row["human_valid"] is False
    assert row["reason"].startswith("perf test never validated")
    assert to_frame([row], SCORE_COLUMNS)["quadrant"].isna().all()


def test_task_under_a_validated_llm_test_uses_its_metric(task):
    record = {"source": "llm", "verdict": "validated"}
    view, why = task_under_test(
        task, {**record, "primary_metric": "test_avg_ms", "direction": "lower"}
    )
    assert why is None and view["primary_metric"] == "test_avg_ms"
    assert task_under_test(task, {"source": "command"}) == (task, None)


def test_llm_classifier_over_the_whole_history_then_replay(tmp_path, fake, toy_repo):
    def answer(request):
        user = request["body"]["messages"][-1]["content"]
        verdict = "YES" if "Speed up compute" in user else "NO"
        return Reply(f"[REASON]because[/REASON]\n[ANSWER]{verdict}[/ANSWER]")

    fake.default = answer
    llm = client(tmp_path / "store", fake)
    classify = mining_llm.llm_classifier(llm, MODEL, toy_repo["path"])
    rows = mining.mine(toy_repo["path"], [], 4, classify=classify, classifier="llm")
    by_sha = {r["sha"]: r for r in rows}
    # no keyword pre-filter: every commit, the root without a call
    assert set(by_sha) == {toy_repo["root"], toy_repo["perf"], toy_repo["docs"]}
    assert by_sha[toy_repo["perf"]]["is_perf"] is True
    assert by_sha[toy_repo["docs"]]["is_perf"] is False
    assert by_sha[toy_repo["root"]]["reason"].startswith("root commit")
    assert by_sha[toy_repo["perf"]]["llm"]["prompt"] == "classify_v1"
    asked = [body["messages"][-1]["content"] for body in fake.bodies()]
    assert fake.count == 2 and any("Speed up compute" in text for text in asked)
    assert all("diff --git" in text for text in asked)  # message, files and the diff

    count = fake.count
    replay = client(tmp_path / "store", mode="replay")
    again = mining.mine(
        toy_repo["path"],
        [],
        4,
        classify=mining_llm.llm_classifier(replay, MODEL, toy_repo["path"]),
        classifier="llm",
    )
    assert [r["is_perf"] for r in again] == [r["is_perf"] for r in rows]
    assert fake.count == count and all(c["cached"] for c in replay.calls)


def test_feedback_to_the_model_is_stable_across_runs():
    one = 'done in 12.3456 ms; <object at 0x7f3a2b4c5d60>; {"avg_ms": 3.14159}; exit 1'
    two = 'done in 98.7654 ms; <object at 0x7f00deadbeef>; {"avg_ms": 2.71828}; exit 1'
    assert stable_feedback(one) == stable_feedback(two)
    assert "exit 1" in stable_feedback(one) and "ab12cd34" in stable_feedback("digest ab12cd34")
