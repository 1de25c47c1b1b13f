"""Serving benchmarks: start the server, wait until it is healthy, run the client, stop the server.

Standard library only, so the same file runs inside a benchmark container
(``python3 serving.py --server ... --client ... --health-url ...``) as well as on the host.

A PR's serving command is normalized **once per task** (``normalize_serving_command``): flags
that configure the engine go onto the server command line, the rest stay with the benchmark
client, and the pair is then used unchanged for base, human and agent, so no variant gets a
different workload (the reference harness used different datasets for human and agent).

Outcomes are explicit: ``server_crash`` (the server exited before it became healthy),
``server_timeout`` (it never answered its health check within the start-up limit),
``client_timeout`` and ``client_failed``; the last line of the output carries the outcome
(``isobench-serving-status: <status>``) and the bench runner turns it into the sample's error.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

STATUS_PREFIX = "isobench-serving-status: "
OK = "ok"
SERVER_CRASH = "server_crash"
SERVER_TIMEOUT = "server_timeout"
CLIENT_TIMEOUT = "client_timeout"
CLIENT_FAILED = "client_failed"
EXIT_CODES = {OK: 0, CLIENT_FAILED: 1, SERVER_CRASH: 3, SERVER_TIMEOUT: 4, CLIENT_TIMEOUT: 5}

# Engine flags a PR may put on its benchmark command line; they configure the server, and the
# benchmark client rejects most of them. Value: whether the flag takes a value.
SERVER_FLAGS = {
    "--dtype": True,
    "--tensor-parallel-size": True,
    "-tp": True,
    "--tp-size": True,
    "--enforce-eager": False,
    "--gpu-memory-utilization": True,
    "--max-model-len": True,
    "--max-num-seqs": True,
    "--max-num-batched-tokens": True,
    "--enable-prefix-caching": False,
    "--enable-chunked-prefill": False,
    "--use-v2-block-manager": False,
    "--quantization": True,
    "--kv-cache-dtype": True,
    "--speculative-model": True,
    "--num-speculative-tokens": True,
    "--speculative-config": True,
    "--guided-decoding-backend": True,
    "--mem-fraction-static": True,
    "--chunked-prefill-size": True,
    "--attention-backend": True,
    "--disable-radix-cache": False,
    "--trust-remote-code": False,
}
# Flags both sides need (the client names the model in its requests).
SHARED_FLAGS = {"--model": True, "--model-path": True, "--tokenizer": True}
SERVERS = {
    "vllm": ["python3", "-m", "vllm.entrypoints.openai.api_server", "--disable-log-requests"],
    "sglang": ["python3", "-m", "sglang.launch_server"],
}


@dataclass(frozen=True)
class ServingSpec:
    backend: str
    server: tuple[str, ...]
    client: tuple[str, ...]
    health_url: str


def _flag_name(token: str) -> str:
    return token.split("=", 1)[0]


def normalize_serving_command(command: str, port: int = 8000) -> ServingSpec:
    """Split a serving benchmark command into (server argv, client argv) for every variant.

    The backend comes from ``--backend`` (default vllm; sglang for ``sglang.bench_serving``);
    server-only flags move to the server, the model goes to both, and both are pointed at
    127.0.0.1:``port`` (loopback works without a network in the container).
    """
    argv = shlex.split(command)
    backend = "sglang" if any("sglang" in a for a in argv[:3]) else "vllm"
    server_extra: list[str] = []
    client: list[str] = []
    model: str | None = None
    i = 0
    while i < len(argv):
        token, name = argv[i], _flag_name(argv[i])
        takes_value = "=" not in token
        if name == "--backend" and i + 1 < len(argv) and takes_value:
            backend = "sglang" if argv[i + 1].startswith("sglang") else backend
        if name in SERVER_FLAGS or name in SHARED_FLAGS:
            table = SERVER_FLAGS if name in SERVER_FLAGS else SHARED_FLAGS
            group = [token]
            if table[name] and takes_value and i + 1 < len(argv):
                group.append(argv[i + 1])
            value = group[-1] if len(group) == 2 else token.partition("=")[2]
            if name in SHARED_FLAGS and name != "--tokenizer":
                model = value
                client += group
            elif name in SHARED_FLAGS:
                client += group
                server_extra += group
            else:
                server_extra += group
            i += len(group)
            continue
        if name in ("--host", "--port", "--base-url"):
            i += 1 if not takes_value else 2
            continue
        client.append(token)
        i += 1
    model_flag = "--model-path" if backend == "sglang" else "--model"
    server = [*SERVERS[backend], "--host", "127.0.0.1", "--port", str(port)]
    if model:
        server += [model_flag, model]
    server += server_extra
    client += ["--host", "127.0.0.1", "--port", str(port)]
    return ServingSpec(
        backend=backend,
        server=tuple(server),
        client=tuple(client),
        health_url=f"http://127.0.0.1:{port}/health",
    )


@dataclass
class ServingOutcome:
    status: str
    output: str
    server_log: str
    startup_s: float | None


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _stop(proc: subprocess.Popen, grace_s: float = 10.0) -> None:
    """SIGTERM the server's process group, SIGKILL what is left after ``grace_s``."""
    for sig, wait in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            proc.wait(timeout=wait)
            # The leader is gone; make sure its workers are too.
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            return
        except subprocess.TimeoutExpired:
            continue
        return


def _wait_healthy(proc: subprocess.Popen, url: str, deadline: float, poll_s: float) -> str | None:
    """None once ``url`` answers 200; else why not (the server exited, or took too long)."""
    while True:
        if proc.poll() is not None:
            return SERVER_CRASH
        if _healthy(url):
            return None
        if time.monotonic() > deadline:
            return SERVER_TIMEOUT
        time.sleep(poll_s)


def _run_client(client: list[str], timeout_s: float, server: subprocess.Popen) -> tuple[str, str]:
    """(status, output) of the benchmark client against the running server."""
    try:
        done = subprocess.run(
            client,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            timeout=timeout_s,
        )
    except subprocess.TimeoutExpired as err:
        return CLIENT_TIMEOUT, (err.stdout or b"").decode("utf-8", errors="replace")
    status = OK if done.returncode == 0 else CLIENT_FAILED
    # A server that died during the run makes the client fail: say which it was.
    if status == CLIENT_FAILED and server.poll() is not None:
        status = SERVER_CRASH
    return status, done.stdout.decode("utf-8", errors="replace")


def serve_and_bench(
    server: list[str],
    client: list[str],
    health_url: str,
    startup_timeout_s: float = 600.0,
    client_timeout_s: float = 1800.0,
    poll_s: float = 0.25,
    before_client=None,
) -> ServingOutcome:
    """Start ``server``, poll ``health_url`` until 200 (or crash/timeout), run ``client``, stop.

    ``before_client()`` (the correctness gate's greedy requests) runs once the server is healthy;
    the text it returns comes first in the output.
    """
    with tempfile.TemporaryFile() as server_out:
        start = time.monotonic()
        proc = subprocess.Popen(
            server,
            stdout=server_out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        output = ""
        try:
            status = _wait_healthy(proc, health_url, start + startup_timeout_s, poll_s)
            startup = time.monotonic() - start
            if status is None and before_client is not None:
                try:
                    output = before_client()
                except OSError as err:  # the server answered /health but not a completion
                    output, status = f"correctness requests failed: {err}\n", CLIENT_FAILED
            if status is None:
                status, client_output = _run_client(client, client_timeout_s, proc)
                output += client_output
        finally:
            _stop(proc)
        server_out.seek(0)
        server_log = server_out.read().decode("utf-8", errors="replace")
    return ServingOutcome(
        status=status, output=output, server_log=server_log, startup_s=round(startup, 3)
    )


def parse_status(text: str) -> str | None:
    """The outcome line ``serve_and_bench``'s CLI prints last (None if absent)."""
    found = None
    for line in text.splitlines():
        if line.startswith(STATUS_PREFIX):
            found = line[len(STATUS_PREFIX) :].strip()
    return found


def _correctness():
    # Inside a perf test this file runs beside correctness.py, without the isobench package.
    try:
        from isobench.bench import correctness
    except ImportError:
        import correctness  # type: ignore[no-redef]
    return correctness


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lm_eval_scores(commands: list[str], timeout_s: float) -> str:
    """The lm-eval gate's line, computed once per tree (rounds after the first reuse it)."""
    correctness = _correctness()
    cache = Path(".isobench-lm-eval.json")
    if cache.is_file():
        scores = json.loads(cache.read_text())
    else:
        scores = {}
        for command in commands:
            done = subprocess.run(
                command, shell=True, capture_output=True, text=True, timeout=timeout_s
            )
            found = correctness.parse_lm_eval_table(done.stdout + done.stderr)
            if not found:  # say why in the run's output
                sys.stdout.write(f"lm-eval command printed no scores: {command}\n")
                sys.stdout.write((done.stdout + done.stderr)[-2000:] + "\n")
            scores.update(found)
        cache.write_text(json.dumps(scores))
    return json.dumps({correctness.LM_EVAL_KEY: scores}) + "\n"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="server command line (one string)")
    parser.add_argument("--client", required=True, help="benchmark client command line")
    parser.add_argument("--health-url", required=True)
    parser.add_argument("--startup-timeout", type=float, default=600.0)
    parser.add_argument("--client-timeout", type=float, default=1800.0)
    parser.add_argument(
        "--free-port", action="store_true", help="replace {port} by a free loopback port"
    )
    parser.add_argument("--greedy-model", help="the correctness gate: greedy-decode this model")
    parser.add_argument("--greedy-prompts", type=int, default=8)
    parser.add_argument("--greedy-tokens", type=int, default=32)
    parser.add_argument("--lm-eval", action="append", default=[], help="a gate command")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    port = str(free_port()) if args.free_port else "{port}"
    server, client, health = (
        text.replace("{port}", port) for text in (args.server, args.client, args.health_url)
    )
    before = None
    if args.greedy_model:
        base_url = health.rsplit("/", 1)[0]

        def before() -> str:
            correctness = _correctness()
            outputs = correctness.greedy_outputs(
                base_url, args.greedy_model, args.greedy_prompts, args.greedy_tokens
            )
            return json.dumps({correctness.GREEDY_KEY: outputs}) + "\n"

    outcome = serve_and_bench(
        shlex.split(server),
        shlex.split(client),
        health,
        args.startup_timeout,
        args.client_timeout,
        before_client=before,
    )
    sys.stdout.write(outcome.output)
    if outcome.status != OK:
        sys.stdout.write("\n--- server log (tail) ---\n" + outcome.server_log[-3000:] + "\n")
    elif args.lm_eval:  # after the server stopped: lm-eval starts an engine of its own
        sys.stdout.write(lm_eval_scores(args.lm_eval, args.client_timeout))
    print(f"server start-up: {outcome.startup_s} s")
    print(STATUS_PREFIX + outcome.status, flush=True)
    return EXIT_CODES[outcome.status]


if __name__ == "__main__":
    raise SystemExit(main())
