"""The perf test of a serving task whose server the harness starts (``repos.<name>.serve``).

A PR's serving benchmark is a client that needs a running vLLM/SGLang server. Its perf test runs
``isobench/bench/serving.py`` (carried inside the perf test with ``correctness.py``): it starts
the server of the task's structured spec on a free loopback port (so concurrent bench jobs never
share one), waits for /health, asks for the correctness gate's greedy completions, runs the
client, stops the server, and with ``correctness.lm_eval`` runs the task's lm-eval commands.
"""

from __future__ import annotations

import shlex
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"
CARRIED = (BENCH / "serving.py", BENCH / "correctness.py")
MODEL_FLAGS = ("--model", "--model-path")


def _on_free_port(argv: list[str]) -> list[str]:
    """``argv`` with the value of ``--port`` replaced by the placeholder serving.py fills in."""
    out = list(argv)
    for i, token in enumerate(out[:-1]):
        if token == "--port":
            out[i + 1] = "{port}"
    return out


def _model(server: list[str]) -> str | None:
    for flag in MODEL_FLAGS:
        if flag in server[:-1]:
            return server[server.index(flag) + 1]
    return None


def needs_server(task: dict, serve: bool) -> bool:
    spec = task.get("spec") or {}
    return bool(serve) and spec.get("mode") == "serving" and bool(spec.get("server"))


def serving_command(task: dict, settings: dict) -> str:
    """The shell command of the perf test: serving.py around the task's server and client."""
    spec = task["spec"]
    server, client = _on_free_port(spec["server"]), _on_free_port(spec["client"])
    timeout = str(settings.get("timeout_s", 1800))
    argv = [
        "--free-port",
        "--server",
        shlex.join(server),
        "--client",
        shlex.join(client),
        "--health-url",
        "http://127.0.0.1:{port}/health",
        "--startup-timeout",
        timeout,
        "--client-timeout",
        timeout,
    ]
    model = _model(server)
    if model and settings.get("greedy_prompts", 0) > 0:
        argv += ["--greedy-model", model, "--greedy-prompts", str(settings["greedy_prompts"])]
        argv += ["--greedy-tokens", str(settings["greedy_tokens"])]
    if settings.get("lm_eval"):
        for command in task.get("lm_eval_commands") or ():
            argv += ["--lm-eval", command]
    env = " ".join(f"{k}={shlex.quote(str(v))}" for k, v in (spec.get("env") or {}).items())
    # $ISOBENCH_INPUTS stays unquoted for the shell to expand; everything else is quoted.
    line = f'python3 "$ISOBENCH_INPUTS/serving.py" {shlex.join(argv)}'
    return f"{env} {line}" if env else line
