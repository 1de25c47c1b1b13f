"""LLM test synthesis with execution validation: the fake provider writes scripts that really run."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from isobench.llm import LLMClient
from isobench.synthesis.llm import check_code, extract_code, synthesize_test
from tests.support.fake_provider import FakeProvider, Reply

MODEL = "openai/fake-synth"

# The "repository" at the parent commit (base) and at the optimization commit (human).
WORK_BASE = (
    "import time\n\ndef compute(xs):\n    time.sleep(0.004)\n    return [x * x for x in xs]\n"
)
WORK_HUMAN = (
    "import time\n\ndef compute(xs):\n    time.sleep(0.001)\n    return [x * x for x in xs]\n"
)

GOOD = textwrap.dedent(
    """\
    import hashlib, json, os, statistics, sys, time
    sys.path.insert(0, os.getcwd())
    from work import compute

    data = list(range(64))
    for _ in range(3):
        compute(data)
    times = []
    for _ in range(10):
        start = time.perf_counter()
        out = compute(data)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print("diagnostics before the contract line are fine")
    print(json.dumps({
        "avg_ms": statistics.mean(times),
        "p50_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "result_digest": hashlib.sha256(repr(out).encode()).hexdigest(),
        "device": "cpu",
        "iters": len(times),
    }))
    """
)
CRASH = "import sys\nfrom work import compute\n\nresult = 1 / 0\nprint(result)\n"
# The digest depends on the tree (it hashes the timing): never equal on base and human.
UNSTABLE = GOOD.replace("repr(out).encode()", "repr(times).encode()")

TASK = {
    "commit_hash": "b" * 40,
    "instance_id": "toy__bbbbbbb",
    "subject": "Speed up compute",
    "message": "Speed up compute\n\nSleep less.",
    "diff_text": "--- a/work.py\n+++ b/work.py\n@@ -3,1 +3,1 @@\n-    time.sleep(0.004)\n+    time.sleep(0.001)\n",
    "files_changed": ["work.py"],
    "perf_command": "python bench.py",
    "mode": "latency",
    "primary_metric": "latency_avg_ms",
    "direction": "lower",
}


def fenced(code: str) -> str:
    return f"Here is the benchmark.\n\n```python\n{code}```\n\nIt measures compute()."


@pytest.fixture
def trees(tmp_path):
    out = {}
    for variant, text in (("base", WORK_BASE), ("human", WORK_HUMAN)):
        tree = tmp_path / variant
        tree.mkdir()
        (tree / "work.py").write_text(text)
        out[variant] = tree
    return out


@pytest.fixture
def run_variant(trees):
    calls = []

    def run(variant: str, code: str) -> dict:
        tree = trees[variant]
        (tree / "perf_test.py").write_text(code)
        proc = subprocess.run(
            [sys.executable, "perf_test.py"],
            cwd=tree,
            capture_output=True,
            text=True,
            timeout=30,
        )
        calls.append(variant)
        return {"returncode": proc.returncode, "output": proc.stdout + proc.stderr}

    run.calls = calls
    return run


@pytest.fixture
def fake():
    with FakeProvider() as provider:
        yield provider


def make_client(store, fake, mode="record"):
    return LLMClient(
        store, mode, timeout_s=2, max_retries=0, api_base=fake.api_base, api_key="sk-dummy-0000000"
    )


def test_extract_code_variants():
    assert extract_code(fenced(GOOD)) == GOOD
    # untagged fence, and the longest python block wins over a shell block
    assert extract_code(f"```\n{GOOD}```") == GOOD
    assert extract_code(f"```bash\npython x.py\n```\n```python\n{GOOD}```") == GOOD
    # no fence: leading and trailing prose stripped
    assert extract_code("Sure! Here it is:\n" + GOOD + "\nHope this helps.") == GOOD
    assert extract_code("I cannot do that.") is None
    assert check_code(None)[0] == "no_code"
    assert check_code("def f(:\n    pass\n" + "#" * 40)[0] == "syntax_error"
    assert check_code(GOOD) is None


def test_validated_in_first_round(tmp_path, fake, run_variant):
    fake.push(Reply(fenced(GOOD)))
    code, record = synthesize_test(make_client(tmp_path, fake), MODEL, TASK, run_variant)
    assert code == GOOD
    assert record["verdict"] == "validated" and record["validation"]["verdict"] == "validated"
    assert run_variant.calls == ["base", "human"]
    rounds = record["validation"]["rounds"]
    assert len(rounds) == 1 and rounds[0]["verdict"] == "validated"
    runs = rounds[0]["runs"]
    assert (
        runs["base"]["result_digest"] == runs["human"]["result_digest"] == record["result_digest"]
    )
    assert record["human_speedup"] > 1.5  # 4 ms vs 1 ms of sleep per iteration
    assert record["base_avg_ms"] > record["human_avg_ms"]
    assert record["perf_test_sha256"] and record["instance_id"] == "toy__bbbbbbb"
    prompt = fake.bodies()[0]["messages"]
    assert "result_digest" in prompt[0]["content"] and "time.sleep(0.001)" in prompt[1]["content"]


def test_prose_only_reply_is_repaired(tmp_path, fake, run_variant):
    fake.push(Reply("I would benchmark compute() with a loop."), Reply(fenced(GOOD)))
    code, record = synthesize_test(make_client(tmp_path, fake), MODEL, TASK, run_variant)
    assert code == GOOD and record["verdict"] == "validated"
    verdicts = [r["verdict"] for r in record["validation"]["rounds"]]
    assert verdicts == ["no_code", "validated"]
    repair = fake.bodies()[1]["messages"]
    assert repair[-2]["role"] == "assistant" and "no Python script" in repair[-1]["content"]


def test_crash_output_goes_back_to_the_model(tmp_path, fake, run_variant):
    fake.push(Reply(fenced(CRASH)), Reply(fenced(GOOD)))
    code, record = synthesize_test(make_client(tmp_path, fake), MODEL, TASK, run_variant)
    assert record["verdict"] == "validated" and code == GOOD
    first = record["validation"]["rounds"][0]
    assert first["verdict"] == "run_failed" and first["variant"] == "base"
    assert "human" not in first["runs"]  # a failing base run is not followed by a human run
    repair = fake.bodies()[1]["messages"][-1]["content"]
    assert "ZeroDivisionError" in repair and "exited with status 1 on the base tree" in repair


def test_failed_after_max_repairs(tmp_path, fake, run_variant):
    fake.push(
        Reply(fenced(UNSTABLE)), Reply("```python\ndef broken(:\n```"), Reply(fenced(UNSTABLE))
    )
    code, record = synthesize_test(
        make_client(tmp_path, fake), MODEL, TASK, run_variant, max_repairs=2
    )
    assert code is None and record["verdict"] == "failed"
    verdicts = [r["verdict"] for r in record["validation"]["rounds"]]
    assert verdicts == ["digest_mismatch", "no_code", "digest_mismatch"]
    assert fake.count == 3
    assert record["reason"].startswith("digest_mismatch") and "3 round(s)" in record["reason"]
    assert record["human_speedup"] is None and record["perf_test_sha256"] is None
    assert "result_digest differs" in fake.bodies()[1]["messages"][-1]["content"]


def test_callback_exception_is_a_failed_round(tmp_path, fake):
    def explode(variant, code):
        raise TimeoutError("container did not start")

    fake.push(Reply(fenced(GOOD)))
    code, record = synthesize_test(make_client(tmp_path, fake), MODEL, TASK, explode, max_repairs=0)
    assert code is None and record["validation"]["rounds"][0]["verdict"] == "run_error"
    assert "container did not start" in record["reason"]


def test_replay_reproduces_the_synthesis_offline(tmp_path, fake, run_variant):
    fake.push(Reply(fenced(CRASH)), Reply(fenced(GOOD)))
    synthesize_test(make_client(tmp_path, fake), MODEL, TASK, run_variant)
    assert fake.count == 2
    replay = make_client(tmp_path, fake, mode="replay")
    code, record = synthesize_test(replay, MODEL, TASK, run_variant)
    assert fake.count == 2 and code == GOOD and record["cached"] is True
    assert [r["verdict"] for r in record["validation"]["rounds"]] == ["run_failed", "validated"]
