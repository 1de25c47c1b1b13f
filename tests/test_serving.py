"""Serving orchestration for real, with a stand-in HTTP server instead of vLLM/SGLang (no GPU):
healthy after a delay, crashing at start-up, never healthy, and dying mid-benchmark."""

from __future__ import annotations

import socket
import sys
import time

from isobench.bench import serving
from isobench.bench.runner import _sample
from isobench.process import RunResult

# A stand-in server: `python server.py PORT MODE DELAY`. MODE healthy: /health answers 200 after
# DELAY s; crash: exits 3 after DELAY s; hang: /health answers 503 forever; die: healthy, then
# exits when the first /v1 request arrives.
SERVER = r"""
import http.server, sys, time, os
port, mode, delay = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
start = time.monotonic()
if mode == "crash":
    time.sleep(delay)
    print("CUDA error: out of memory", flush=True)
    sys.exit(3)

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ready = mode != "hang" and time.monotonic() - start >= delay
        if self.path.startswith("/v1") and mode == "die":
            os._exit(9)
        self.send_response(200 if (ready or self.path.startswith("/v1")) else 503)
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *args):
        pass

print("server starting", flush=True)
http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
"""
# A stand-in benchmark client: one request, then vLLM's serving summary.
CLIENT = r"""
import sys, time, urllib.request
port = sys.argv[1]
start = time.perf_counter()
urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=5).read()
ms = (time.perf_counter() - start) * 1000
print("============ Serving Benchmark Result ============")
print("Successful requests:                     1")
print(f"Mean TTFT (ms):                          {ms:.3f}")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _scripts(tmp_path):
    (tmp_path / "server.py").write_text(SERVER)
    (tmp_path / "client.py").write_text(CLIENT)
    return tmp_path / "server.py", tmp_path / "client.py"


def _run(tmp_path, mode: str, delay: float = 0.5, startup_timeout_s: float = 10.0):
    server, client = _scripts(tmp_path)
    port = _free_port()
    return serving.serve_and_bench(
        [sys.executable, str(server), str(port), mode, str(delay)],
        [sys.executable, str(client), str(port)],
        f"http://127.0.0.1:{port}/health",
        startup_timeout_s=startup_timeout_s,
        client_timeout_s=20,
    ), port


def _port_closed(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_healthy_after_a_delay_runs_the_client_and_stops_the_server(tmp_path):
    outcome, port = _run(tmp_path, "healthy", delay=1.0)
    assert outcome.status == serving.OK
    assert outcome.startup_s >= 1.0
    assert "Mean TTFT (ms)" in outcome.output
    assert "server starting" in outcome.server_log
    assert _port_closed(port)  # the server is gone


def test_server_that_exits_at_start_up_is_server_crash(tmp_path):
    start = time.monotonic()
    outcome, _ = _run(tmp_path, "crash", delay=0.3, startup_timeout_s=30)
    assert outcome.status == serving.SERVER_CRASH
    assert time.monotonic() - start < 10  # noticed at once, not at the start-up limit
    assert "out of memory" in outcome.server_log
    assert outcome.output == ""


def test_server_never_healthy_is_server_timeout_and_is_killed(tmp_path):
    outcome, port = _run(tmp_path, "hang", startup_timeout_s=2.0)
    assert outcome.status == serving.SERVER_TIMEOUT
    assert 2.0 <= outcome.startup_s < 6
    assert _port_closed(port)


def test_server_dying_during_the_benchmark_is_server_crash(tmp_path):
    outcome, _ = _run(tmp_path, "die", delay=0.2)
    assert outcome.status == serving.SERVER_CRASH


def test_cli_prints_status_line_that_the_runner_turns_into_the_error(tmp_path, capsys):
    server, client = _scripts(tmp_path)
    port = _free_port()
    code = serving.main(
        [
            "--server",
            f"{sys.executable} {server} {port} hang 0",
            "--client",
            f"{sys.executable} {client} {port}",
            "--health-url",
            f"http://127.0.0.1:{port}/health",
            "--startup-timeout",
            "1",
        ]
    )
    out = capsys.readouterr().out
    assert code == serving.EXIT_CODES[serving.SERVER_TIMEOUT]
    assert serving.parse_status(out) == serving.SERVER_TIMEOUT
    sample = _sample("agent", 0, False, RunResult(code, out, 1.0, False), "ttft_mean_ms")
    assert sample["error"] == "server_timeout"
    ok = "Mean TTFT (ms): 5.0\n" + serving.STATUS_PREFIX + serving.OK + "\n"
    assert _sample("agent", 0, False, RunResult(0, ok, 1.0, False), "ttft_mean_ms")["error"] is None
