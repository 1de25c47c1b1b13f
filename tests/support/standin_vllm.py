"""A stand-in for vLLM on the CPU: a repository with vLLM's interfaces, for the serving path.

The repository has a package ``vllm`` whose ``vllm.entrypoints.openai.api_server`` is a small
OpenAI-compatible HTTP server (``/health``, ``/v1/completions`` with ``logprobs.tokens``) over a
deterministic toy "engine", ``benchmarks/benchmark_serving.py`` is a client printing vLLM's
serving summary, and ``tools/lm_eval_standin.py`` prints lm-eval's results table. So the
harness starts it exactly as it starts vLLM (``python3 -m vllm.entrypoints.openai.api_server
--model ... --port ...``) and reads its output with the same parsers.

History: ``base`` answers each request in 40 ms; ``fast`` (the human optimisation) in 10 ms with
the same tokens. :data:`WRONG_PATCH` is as fast but generates other tokens for one prompt of the
correctness gate's set (a "faster by changing what it generates" patch).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ENGINE = """import hashlib
import time

DELAY = {delay}
WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]


def step(prompt, i):
    digest = hashlib.sha256(f"{{prompt}}|{{i}}".encode()).digest()
    return WORDS[digest[0] % len(WORDS)]


def generate(prompt, max_tokens):
    time.sleep(DELAY)
    return [" " + step(prompt, i) for i in range(max_tokens)]
"""
SERVER = """import argparse, json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from vllm import engine

parser = argparse.ArgumentParser()
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, default=8000)
parser.add_argument("--model", required=True)
args, _ = parser.parse_known_args()


class Handler(BaseHTTPRequestHandler):
    def _send(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._send(200, {"ok": True} if self.path == "/health" else {"data": [{"id": args.model}]})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if body.get("model") != args.model:
            return self._send(404, {"error": "unknown model"})
        tokens = engine.generate(body["prompt"], int(body.get("max_tokens", 16)))
        self._send(200, {"choices": [{"text": "".join(tokens), "logprobs": {"tokens": tokens}}]})

    def log_message(self, *a):
        pass


ThreadingHTTPServer((args.host, args.port), Handler).serve_forever()
"""
CLIENT = """import argparse, json, statistics, time, urllib.request

parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
parser.add_argument("--num-prompts", type=int, default=10)
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, default=8000)
args, _ = parser.parse_known_args()
times = []
for i in range(args.num_prompts):
    body = json.dumps({"model": args.model, "prompt": f"request {i}", "max_tokens": 4}).encode()
    req = urllib.request.Request(f"http://{args.host}:{args.port}/v1/completions", data=body,
                                 headers={"Content-Type": "application/json"})
    start = time.perf_counter()
    urllib.request.urlopen(req, timeout=10).read()
    times.append((time.perf_counter() - start) * 1000)
print("============ Serving Benchmark Result ============")
print(f"Successful requests:                     {len(times)}")
print(f"Mean TTFT (ms):                          {statistics.mean(times):.3f}")
print(f"Median TTFT (ms):                        {statistics.median(times):.3f}")
print("==================================================")
"""
LM_EVAL = """# lm-eval stand-in: "accuracy" = share of questions the engine answers as the original did.
import sys

sys.path.insert(0, ".")  # the variant's tree, as an installed vllm would be
from vllm import engine

EXPECTED = {expected!r}
hits = sum(engine.generate(q, 4) == a for q, a in EXPECTED.items())
print("|Tasks|Version|Filter|n-shot|Metric|   |Value|   |Stderr|")
print("|-----|------:|------|-----:|------|---|----:|---|-----:|")
print(f"|gsm8k|      3|strict-match|     5|exact_match|\\u2191  |{{hits / len(EXPECTED):.4f}}|\\u00b1  |0.0100|")
"""
# The gate's prompt set includes "The capital of Australia is"; the wrong patch changes only it.
WRONG_ENGINE = ENGINE.format(delay=0.01).replace(
    "    time.sleep(DELAY)\n",
    '    time.sleep(DELAY)\n    if "capital" in prompt:\n        return [" kappa"] * max_tokens\n',
)
ENV = {
    "GIT_AUTHOR_NAME": "Stand-in",
    "GIT_AUTHOR_EMAIL": "s@example.invalid",
    "GIT_COMMITTER_NAME": "Stand-in",
    "GIT_COMMITTER_EMAIL": "s@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, **ENV}
    done = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)
    return done.stdout.decode().strip()


def _expected() -> dict:
    """The stand-in lm-eval's questions and the base engine's answers to them."""
    import hashlib

    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]
    questions = ["What is 2 + 2?", "The capital of France is", "Name a prime number."]
    return {
        q: [" " + words[hashlib.sha256(f"{q}|{i}".encode()).digest()[0] % 10] for i in range(4)]
        for q in questions
    }


def build_standin_vllm(repo: Path) -> dict:
    """The repository; returns the shas (base, fast) and the wrong patch (bytes, on base)."""
    files = {
        "vllm/__init__.py": "",
        "vllm/entrypoints/__init__.py": "",
        "vllm/entrypoints/openai/__init__.py": "",
        "vllm/entrypoints/openai/api_server.py": SERVER,
        "vllm/engine.py": ENGINE.format(delay=0.04),
        "benchmarks/benchmark_serving.py": CLIENT,
        "tools/lm_eval_standin.py": LM_EVAL.format(expected=_expected()),
    }
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "Stand-in engine, server and benchmark")
    base = _git(repo, "rev-parse", "HEAD")
    (repo / "vllm/engine.py").write_text(WRONG_ENGINE)
    wrong = subprocess.run(
        ["git", "-C", str(repo), "diff", "--binary"], check=True, capture_output=True
    ).stdout
    (repo / "vllm/engine.py").write_text(ENGINE.format(delay=0.01))
    _git(repo, "commit", "-q", "-am", "Speed up request handling")
    return {"base": base, "fast": _git(repo, "rev-parse", "HEAD"), "wrong_patch": wrong}
