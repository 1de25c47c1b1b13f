"""The LLM client through litellm's real HTTP path against the loopback fake provider."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from isobench.llm import (
    LLMCallError,
    LLMClient,
    RecordStore,
    ReplayMissError,
    canonical_request,
    cost_table,
    estimate_cost,
    request_key,
)
from isobench.llm.costs import cost_csv
from isobench.llm.store import make_entry
from tests.support.fake_provider import Delay, FakeProvider, Garbage, HTTPError, RateLimit, Reply

ROOT = Path(__file__).resolve().parent.parent
DUMMY_KEY = "sk-dummy-test-key-0000"
PRICED = "openai/gpt-4o-mini"  # in litellm's bundled price map
UNPRICED = "openai/fake-model"  # not in it
MSG = [{"role": "user", "content": "Say hello."}]


@pytest.fixture
def fake():
    with FakeProvider() as provider:
        yield provider


def make_client(store, fake, mode="record", **kwargs) -> LLMClient:
    options = {
        "timeout_s": 2.0,
        "max_retries": 3,
        "api_base": fake.api_base,
        "api_key": DUMMY_KEY,
        "backoff_initial_s": 0.02,
        "backoff_max_s": 0.1,
        "backoff_jitter_s": 0.01,
    }
    options.update(kwargs)
    return LLMClient(store, mode, **options)


def store_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_success_stores_entry_with_cost(tmp_path, fake):
    fake.push(Reply("hello there", prompt_tokens=1000, completion_tokens=500))
    client = make_client(tmp_path / "store", fake)
    response = client.complete("classify", PRICED, MSG, temperature=0.0, max_tokens=50)

    assert response.text == "hello there"
    assert response.cached is False and response.attempts == 1
    assert response.usage == {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500}
    expected = estimate_cost(1, 1000, 500, PRICED)
    assert response.cost_usd == pytest.approx(expected) and response.cost_usd > 0

    # The request that reached the provider carried the explicit parameters.
    body = fake.bodies()[0]
    assert body["messages"] == MSG and body["max_tokens"] == 50

    path = tmp_path / "store" / response.key[:2] / f"{response.key}.json"
    entry = json.loads(path.read_text())
    assert entry["key"] == response.key and entry["stage"] == "classify"
    assert entry["request"] == {
        "model": PRICED,
        "messages": MSG,
        "temperature": 0.0,
        "max_tokens": 50,
    }
    assert entry["response"]["text"] == "hello there"
    assert entry["response"]["finish_reason"] == "stop"
    assert entry["response"]["usage"]["prompt_tokens"] == 1000
    assert entry["cost_usd"] == pytest.approx(expected)
    assert request_key(entry["request"]) == entry["key"]

    # Cost accounting from the store and from the client's call records agree.
    rows = cost_table(RecordStore(tmp_path / "store").entries())
    assert rows == [
        {
            "stage": "classify",
            "model": PRICED,
            "calls": 1,
            "prompt_tokens": 1000,
            "completion_tokens": 500,
            "cost_usd": pytest.approx(expected),
            "calls_paid": 1,
            "cost_paid_usd": pytest.approx(expected),
        }
    ]
    assert cost_table(client.calls)[0]["cost_usd"] == pytest.approx(expected)
    csv_text = cost_csv(rows)
    assert csv_text.splitlines()[0] == (
        "stage,model,calls,prompt_tokens,completion_tokens,cost_usd,calls_paid,cost_paid_usd"
    )
    # Replayed, the same call still costs the study its recorded price but is paid nothing now.
    replay = LLMClient(tmp_path / "store", "replay", timeout_s=2, max_retries=0)
    replay.complete("classify", PRICED, MSG, temperature=0.0, max_tokens=50)
    (row,) = cost_table(replay.calls)
    assert row["cost_usd"] == pytest.approx(expected)
    assert row["calls_paid"] == 0 and row["cost_paid_usd"] == 0.0


def test_unknown_model_has_no_cost_and_no_crash(tmp_path, fake):
    fake.push(Reply("hi"), Reply("again"))
    client = make_client(tmp_path, fake)
    first = client.complete("judge", UNPRICED, MSG)
    second = client.complete("judge", UNPRICED, [{"role": "user", "content": "more"}])
    assert first.cost_usd is None and second.cost_usd is None
    rows = cost_table(RecordStore(tmp_path).entries(), total=True)
    assert rows[0]["calls"] == 2 and rows[0]["cost_usd"] is None
    assert rows[-1]["stage"] == "*" and rows[-1]["cost_usd"] is None
    assert ",judge," not in cost_csv(rows) or cost_csv(rows).splitlines()[1].endswith(",")
    assert estimate_cost(10, 100, 100, UNPRICED) is None
    assert estimate_cost(2, 100, 10, UNPRICED, prices={UNPRICED: (0.01, 0.1)}) == pytest.approx(4.0)


def test_rate_limit_storm_backs_off_then_succeeds(tmp_path, fake):
    fake.push(
        RateLimit(retry_after=0.05), RateLimit(retry_after=0.05), RateLimit(None), Reply("ok")
    )
    client = make_client(tmp_path, fake, max_retries=4)
    started = time.perf_counter()
    response = client.complete("classify", UNPRICED, MSG)
    elapsed = time.perf_counter() - started

    assert response.text == "ok" and response.attempts == 4 and fake.count == 4
    # Two waits honoured retry-after (0.05 s each), one used the exponential backoff.
    assert response.retry_wait_s >= 0.05 + 0.05 + 0.02
    assert elapsed >= response.retry_wait_s


def test_retry_after_is_capped_by_backoff_max(tmp_path, fake):
    fake.push(RateLimit(retry_after=30), Reply("ok"))
    client = make_client(tmp_path, fake, backoff_max_s=0.05)
    started = time.perf_counter()
    assert client.complete("classify", UNPRICED, MSG).text == "ok"
    assert time.perf_counter() - started < 5


def test_server_errors_exhaust_retry_budget(tmp_path, fake, caplog):
    fake.default = HTTPError(500, "upstream exploded")
    client = make_client(tmp_path / "store", fake, max_retries=2)
    with caplog.at_level(logging.WARNING, logger="isobench.llm"):
        with pytest.raises(LLMCallError) as info:
            client.complete("judge", UNPRICED, MSG)
    error = info.value
    assert fake.count == 3 and error.attempts == 3 and error.status == 500 and error.retryable
    text = str(error)
    assert "'judge'" in text and UNPRICED in text and "HTTP 500" in text
    assert "retry later" in text and "max_retries" in text
    assert len([r for r in caplog.records if "retrying" in r.getMessage()]) == 2
    assert store_files(tmp_path / "store") == []  # nothing stored for a failed call


@pytest.mark.parametrize("behaviour", [HTTPError(503), HTTPError(502), Garbage()])
def test_transient_failures_are_retried(tmp_path, fake, behaviour):
    fake.push(behaviour, Reply("recovered"))
    response = make_client(tmp_path, fake).complete("classify", UNPRICED, MSG)
    assert response.text == "recovered" and response.attempts == 2 and fake.count == 2


@pytest.mark.parametrize(
    ("status", "hint"), [(401, "API key"), (400, "rejected"), (404, "llm.model")]
)
def test_client_errors_are_not_retried(tmp_path, fake, status, hint):
    fake.default = HTTPError(status)
    with pytest.raises(LLMCallError) as info:
        make_client(tmp_path, fake).complete("classify", UNPRICED, MSG)
    assert fake.count == 1 and info.value.status == status and not info.value.retryable
    assert hint in str(info.value)


def test_timeout_is_retried_then_reported(tmp_path, fake):
    fake.default = Delay(5)
    client = make_client(tmp_path, fake, timeout_s=0.3, max_retries=1)
    started = time.perf_counter()
    with pytest.raises(LLMCallError) as info:
        client.complete("synthesize", UNPRICED, MSG)
    assert time.perf_counter() - started < 3
    assert fake.count == 2 and "Timeout" in info.value.kind
    assert "llm.timeout_s" in str(info.value)


def test_timeout_then_success(tmp_path, fake):
    fake.push(Delay(5), Reply("in time"))
    response = make_client(tmp_path, fake, timeout_s=0.3).complete("classify", UNPRICED, MSG)
    assert response.text == "in time" and response.attempts == 2


def test_replay_sends_zero_requests(tmp_path, fake):
    store = tmp_path / "store"
    fake.push(Reply("recorded answer"))
    recorded = make_client(store, fake).complete("classify", PRICED, MSG, temperature=0)
    assert fake.count == 1

    replayer = make_client(store, fake, mode="replay")
    replayed = replayer.complete("classify", PRICED, MSG, temperature=0.0)
    again = make_client(store, fake, mode="record").complete("classify", PRICED, MSG, temperature=0)
    assert fake.count == 1  # neither replay nor record-with-a-hit touched the provider
    assert replayed.text == again.text == "recorded answer"
    assert replayed.cached and again.cached and replayed.key == recorded.key
    assert replayed.cost_usd == recorded.cost_usd and replayed.usage == recorded.usage


def test_replay_miss_says_how_to_record(tmp_path, fake):
    client = make_client(tmp_path / "store", fake, mode="replay")
    with pytest.raises(ReplayMissError) as info:
        client.complete("judge", "openai/gpt-4o", MSG, temperature=0.0)
    text = str(info.value)
    assert fake.count == 0
    assert "'judge'" in text and "openai/gpt-4o" in text and "Say hello." in text
    assert info.value.key[:12] in text and "--config 'llm={mode: record}'" in text
    assert "key in the environment" in text


def test_record_after_crash_does_not_resend_stored_requests(tmp_path, fake):
    store = tmp_path / "store"
    prompts = [[{"role": "user", "content": f"question {i}"}] for i in range(3)]
    fake.push(Reply("answer 0"), Reply("answer 1"))
    fake.default = HTTPError(500)
    first = make_client(store, fake, max_retries=0)
    first.complete("classify", UNPRICED, prompts[0])
    first.complete("classify", UNPRICED, prompts[1])
    with pytest.raises(LLMCallError):  # the run "crashes" on the third call
        first.complete("classify", UNPRICED, prompts[2])
    assert fake.count == 3 and len(RecordStore(store)) == 2

    fake.push(Reply("answer 2"))
    second = make_client(store, fake)
    texts = [second.complete("classify", UNPRICED, p).text for p in prompts]
    assert texts == ["answer 0", "answer 1", "answer 2"]
    assert fake.count == 4  # only the missing request went out again
    assert fake.bodies()[-1]["messages"] == prompts[2]
    assert [c["cached"] for c in second.calls] == [True, True, False]


def test_api_key_canary_never_reaches_store_logs_or_errors(tmp_path, fake, monkeypatch, caplog):
    canary = "sk-canary-9f8e7d6c5b4a39281706"
    monkeypatch.setenv("OPENAI_API_KEY", canary)
    store = tmp_path / "store"
    client = make_client(store, fake, api_key=None)  # litellm reads the key from the environment
    # Even a prompt and a reply that contain the key (a leaked key in a diff) are redacted.
    fake.push(Reply(f"I saw {canary} in the diff"), HTTPError(400, f"bad request {canary}"))
    leaky = [{"role": "user", "content": f"diff: +API_KEY = '{canary}'"}]
    with caplog.at_level(logging.DEBUG):
        response = client.complete("classify", UNPRICED, leaky, temperature=0)
        with pytest.raises(LLMCallError) as info:
            client.complete("classify", UNPRICED, MSG)
    assert fake.requests[0]["headers"].get("authorization") == f"Bearer {canary}"
    assert canary not in str(info.value) and "[REDACTED]" in str(info.value)
    assert canary not in repr(client)
    files = store_files(store)
    assert files, "the successful call was stored"
    for path in files:
        assert canary not in path.read_text()
    assert "[REDACTED]" in files[0].read_text()
    assert all(
        canary not in r.getMessage() for r in caplog.records if r.name.startswith("isobench")
    )
    assert response.key == request_key(canonical_request(UNPRICED, leaky, {"temperature": 0}))


def test_request_key_ignores_transport_and_normalises_numbers():
    base = canonical_request("openai/x", MSG, {"temperature": 0, "max_tokens": 10})
    same = canonical_request(
        "openai/x",
        MSG,
        {
            "temperature": 0.0,
            "max_tokens": 10,
            "timeout": 5,
            "api_key": "sk-secret-secret",
            "api_base": "http://elsewhere",
            "seed": None,
        },
    )
    assert request_key(base) == request_key(same)
    assert "api_key" not in same and "timeout" not in same
    for change in ({"temperature": 0.2}, {"max_tokens": 11}, {"seed": 1}, {"tools": []}):
        other = canonical_request("openai/x", MSG, {"temperature": 0, "max_tokens": 10, **change})
        assert request_key(other) != request_key(base)
    assert request_key(canonical_request("openai/y", MSG, {})) != request_key(
        canonical_request("openai/x", MSG, {})
    )


def test_concurrent_writers_of_one_key_leave_a_valid_entry(tmp_path):
    root = tmp_path / "store"
    request = canonical_request("openai/x", MSG, {})
    key = request_key(request)
    n = 8
    barrier = threading.Barrier(n)
    errors = []

    def writer(i: int) -> None:
        try:
            for _ in range(25):
                entry = make_entry(key, request, {"text": f"writer {i}" * 500}, None, f"s{i}")
                barrier.wait()
                # bypass "first wins" to force real overwrite races
                RecordStore(root).put(entry) if i == 0 else _force_put(root, entry)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    entry = RecordStore(root).get(key)
    assert entry["key"] == key and entry["response"]["text"].startswith("writer ")
    assert [p.name for p in store_files(root)] == [f"{key}.json"]  # no temp files left


def _force_put(root: Path, entry: dict) -> None:
    from isobench.io import write_text_atomic

    path = RecordStore(root).path(entry["key"])
    write_text_atomic(path, json.dumps(entry, indent=2, sort_keys=True) + "\n")


def test_live_mode_calls_every_time_and_stores_nothing(tmp_path, fake):
    fake.push(Reply("one"), Reply("two"))
    client = make_client(tmp_path / "store", fake, mode="live")
    assert client.complete("x", UNPRICED, MSG).text == "one"
    assert client.complete("x", UNPRICED, MSG).text == "two"
    assert fake.count == 2 and store_files(tmp_path) == []


def test_argument_checks(tmp_path, fake):
    with pytest.raises(ValueError, match="mode"):
        LLMClient(tmp_path, "auto", timeout_s=1, max_retries=0)
    with pytest.raises(ValueError, match="store"):
        LLMClient(None, "replay", timeout_s=1, max_retries=0)
    client = make_client(tmp_path, fake)
    with pytest.raises(ValueError, match="num_retries"):
        client.complete("x", UNPRICED, MSG, num_retries=3)
    assert fake.count == 0


def test_from_config(tmp_path):
    client = LLMClient.from_config(
        {"mode": "replay", "store": str(tmp_path), "timeout_s": 30, "max_retries": 2}
    )
    assert client.mode == "replay" and client.timeout_s == 30 and client.max_retries == 2
    assert client.store.root == tmp_path


def test_anthropic_messages_route(tmp_path, fake):
    fake.push(Reply("bonjour"))
    client = make_client(tmp_path, fake, api_base=fake.url)
    response = client.complete("judge", "anthropic/claude-sonnet-4-5", MSG, max_tokens=20)
    assert response.text == "bonjour" and fake.requests[0]["path"] == "/v1/messages"


def test_replay_never_imports_litellm(tmp_path, fake):
    store = tmp_path / "store"
    fake.push(Reply("offline answer"))
    make_client(store, fake).complete("classify", UNPRICED, MSG)
    script = (
        "import sys, json\n"
        "import isobench, isobench.llm, isobench.mining.llm, isobench.judge, isobench.synthesis.llm\n"
        "from isobench.llm import LLMClient\n"
        f"c = LLMClient({str(store)!r}, 'replay', timeout_s=1, max_retries=0)\n"
        f"r = c.complete('classify', {UNPRICED!r}, {MSG!r})\n"
        "assert 'litellm' not in sys.modules, 'litellm was imported'\n"
        "print(json.dumps([r.text, r.cached]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == ["offline answer", True]


@pytest.mark.parametrize(
    ("module", "absent"),
    [("isobench.llm.costs", "isobench.llm.client"), ("isobench.llm.client", "isobench.llm.costs")],
)
def test_client_and_cost_tables_import_independently(module, absent):
    # Both price calls through isobench.llm.prices; neither needs the other (no import cycle).
    script = f"import sys, {module}\nassert {absent!r} not in sys.modules, sorted(sys.modules)\n"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert out.returncode == 0, out.stderr
