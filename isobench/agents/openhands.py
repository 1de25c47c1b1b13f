"""OpenHands (PyPI ``openhands-ai``, headless ``openhands.core.main``) as an agent adapter."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from isobench.agents.cli import CLIAdapter, Parsed, RunContext, extra_args, read_text
from isobench.agents.workspace import ProcessOutcome


class OpenHands(CLIAdapter):
    """OpenHands' headless mode: ``python -m openhands.core.main -d <ws> -f <task> -i N -b USD``.

    The paper ran OpenHands 0.62 this way. Configuration through its environment variables:
    ``LLM_MODEL``, ``LLM_API_KEY`` (the value of the key named in ``env``), ``LLM_BASE_URL``
    (``api_base``), ``RUNTIME`` (``cli``: on the host, in the workspace, no Docker; list
    ``RUNTIME`` in ``env`` to pass your own), ``SAVE_TRAJECTORY_PATH`` (read back as the result),
    browsing off. ``command`` is the interpreter + module (default ``python -m
    openhands.core.main``), e.g. ``[uvx, --python, "3.12", --from, "openhands-ai==0.62.0",
    python, -m, openhands.core.main]``.
    """

    adapter = "openhands"
    default_command = ("python", "-m", "openhands.core.main")
    install_hint = (
        "install openhands-ai (Python >= 3.12) in its own environment and set agents[].command "
        "to its interpreter, e.g. [/opt/oh/bin/python, -m, openhands.core.main]"
    )
    excludes = (".openhands",)
    trajectory_name = "trajectory.json"
    default_iterations = 100

    def trajectory_file(self, ctx: RunContext) -> Path:
        return ctx.ws.out / "openhands_trajectory.json"

    def env_extra(self, ctx: RunContext) -> dict:
        env = {
            "SAVE_TRAJECTORY_PATH": str(self.trajectory_file(ctx)),
            "AGENT_ENABLE_BROWSING": "false",
            "ENABLE_BROWSER": "false",
            "SANDBOX_VOLUMES": f"{ctx.ws.path}:/workspace:rw",
            "WORKSPACE_BASE": str(ctx.ws.path),
            "FILE_STORE_PATH": str(ctx.ws.root / "openhands_store"),
            "LOG_ALL_EVENTS": "true",
        }
        if "RUNTIME" not in ctx.keep:
            env["RUNTIME"] = "cli"
        if ctx.model:
            env["LLM_MODEL"] = ctx.model
        if ctx.api_base:
            env["LLM_BASE_URL"] = ctx.api_base
        key = ctx.key_name("")
        if key and os.environ.get(key):
            env["LLM_API_KEY"] = os.environ[key]
        return env

    def argv(self, ctx: RunContext) -> list[str]:
        iterations = ctx.budgets["turns"] or self.default_iterations
        argv = [
            *ctx.command,
            "-d",
            str(ctx.ws.path),
            "-f",
            str(ctx.prompt_file),
            "-i",
            str(iterations),
        ]
        if ctx.budgets["cost_usd"]:
            argv += ["-b", f"{ctx.budgets['cost_usd']:g}"]
        return argv + extra_args(ctx)

    def parse(self, ctx: RunContext, outcome: ProcessOutcome) -> Parsed:
        return parse_openhands_trajectory(
            read_text(self.trajectory_file(ctx)), ctx.budgets["turns"] or self.default_iterations
        )

    def trajectory_source(self, ctx: RunContext) -> Path | None:
        return self.trajectory_file(ctx)


def _trajectory_events(text: str) -> list | None:
    """The events of a trajectory file: a JSON list, or ``{"history"|"events": [...]}``."""
    try:
        data = json.loads(text) if text.strip() else None
    except ValueError:
        return None
    if isinstance(data, dict):
        data = data.get("history") or data.get("events")
    return data if isinstance(data, list) else None


@dataclass
class _Scan:
    actions: int = 0
    finished: bool = False
    state: str | None = None
    errors: list[str] = field(default_factory=list)
    metrics: dict | None = None


def _scan_events(events: list) -> _Scan:
    """Count the agent's actions; find its finish, last state, errors and last LLM metrics."""
    scan = _Scan()
    for event in events:
        if not isinstance(event, dict):
            continue
        if event.get("llm_metrics"):
            scan.metrics = event["llm_metrics"]
        if "action" in event and event.get("source") == "agent":
            if event["action"] not in ("change_agent_state", "recall", "system"):
                scan.actions += 1
            if event["action"] == "finish":
                scan.finished = True
        observation = event.get("observation")
        if observation == "agent_state_changed":
            scan.state = (event.get("extras") or {}).get("agent_state") or scan.state
        elif observation == "error":
            scan.errors.append(str(event.get("content") or event.get("message") or "error"))
    return scan


def _usage(parsed: Parsed, metrics: dict | None) -> None:
    """Tokens and cost from OpenHands' accumulated ``llm_metrics``."""
    if not isinstance(metrics, dict):
        return
    usage = metrics.get("accumulated_token_usage") or {}
    parsed.tokens = {
        n: int(usage[n])
        for n in ("prompt_tokens", "completion_tokens", "cache_read_tokens")
        if isinstance(usage.get(n), int | float)
    }
    cost = metrics.get("accumulated_cost")
    parsed.cost_usd = float(cost) if isinstance(cost, int | float) else None


def parse_openhands_trajectory(text: str, max_iterations: int | None = None) -> Parsed:
    """Parse an OpenHands trajectory (a JSON list of serialized events, or ``{"history": []}``).

    Turns = the agent's actions; tokens/cost = the last ``llm_metrics`` seen; the end state =
    the last ``agent_state_changed`` observation (``finished`` / ``error`` / ``stopped`` ...).
    """
    parsed = Parsed()
    events = _trajectory_events(text)
    if events is None:
        parsed.failure = "no OpenHands trajectory was written (the run crashed or was killed)"
        return parsed
    scan = _scan_events(events)
    parsed.turns = scan.actions or None
    _usage(parsed, scan.metrics)
    parsed.details = {"final_agent_state": scan.state}
    text_errors = " ".join(scan.errors).lower()
    if scan.finished or scan.state == "finished":
        parsed.finished = True
    elif "budget" in text_errors or "maximum iteration" in text_errors or "max_iter" in text_errors:
        parsed.budget_stop = "max_iterations" if "iteration" in text_errors else "max_budget"
    elif max_iterations and scan.actions >= max_iterations:
        parsed.budget_stop = "max_iterations"
    elif scan.state == "error" or scan.errors:
        detail = "; ".join(e[:300] for e in scan.errors[-3:]) or "error state"
        parsed.failure = "openhands: " + detail
    else:
        parsed.failure = f"openhands ended in state {scan.state!r} without finishing"
    return parsed


openhands = OpenHands()
