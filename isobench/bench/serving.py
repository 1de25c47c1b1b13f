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
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

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


def serve_and_bench(
    server: list[str],
    client: list[str],
    health_url: str,
    startup_timeout_s: float = 600.0,
    client_timeout_s: float = 1800.0,
    poll_s: float = 0.25,
) -> ServingOutcome:
    """Start ``server``, poll ``health_url`` until 200 (or crash/timeout), run ``client``, stop."""
    with tempfile.TemporaryFile() as server_out:
        start = time.monotonic()
        proc = subprocess.Popen(
            server,
            stdout=server_out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = start + startup_timeout_s
            status = None
            while True:
                if proc.poll() is not None:
                    status = SERVER_CRASH
                    break
                if _healthy(health_url):
                    break
                if time.monotonic() > deadline:
                    status = SERVER_TIMEOUT
                    break
                time.sleep(poll_s)
            startup = time.monotonic() - start
            output = ""
            if status is None:
                try:
                    done = subprocess.run(
                        client,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                        timeout=client_timeout_s,
                    )
                    output = done.stdout.decode("utf-8", errors="replace")
                    status = OK if done.returncode == 0 else CLIENT_FAILED
                    # A server that died during the run makes the client fail: say which it was.
                    if status == CLIENT_FAILED and proc.poll() is not None:
                        status = SERVER_CRASH
                except subprocess.TimeoutExpired as err:
                    output = (err.stdout or b"").decode("utf-8", errors="replace")
                    status = CLIENT_TIMEOUT
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="server command line (one string)")
    parser.add_argument("--client", required=True, help="benchmark client command line")
    parser.add_argument("--health-url", required=True)
    parser.add_argument("--startup-timeout", type=float, default=600.0)
    parser.add_argument("--client-timeout", type=float, default=1800.0)
    args = parser.parse_args(argv)
    outcome = serve_and_bench(
        shlex.split(args.server),
        shlex.split(args.client),
        args.health_url,
        args.startup_timeout,
        args.client_timeout,
    )
    sys.stdout.write(outcome.output)
    if outcome.status != OK:
        sys.stdout.write("\n--- server log (tail) ---\n" + outcome.server_log[-3000:] + "\n")
    print(f"server start-up: {outcome.startup_s} s")
    print(STATUS_PREFIX + outcome.status, flush=True)
    return EXIT_CODES[outcome.status]


if __name__ == "__main__":
    raise SystemExit(main())
