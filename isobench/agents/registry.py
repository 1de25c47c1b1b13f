"""Adapter registry: the config's ``adapter`` name -> the function that runs it."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from isobench.agents import builtin, cli_agents, mini
from isobench.agents.base import AgentResult

Adapter = Callable[[dict, Path, dict, int], AgentResult]

ADAPTERS: dict[str, Adapter] = {
    "oracle": builtin.oracle,
    "noop": builtin.noop,
    "predictions": builtin.predictions,
    # Model-backed agents (isobench.agents.mini, isobench.agents.cli_agents).
    "mini": mini.mini_agent,
    "claude_code": cli_agents.claude_code,
    "codex_cli": cli_agents.codex_cli,
    "openhands": cli_agents.openhands,
    "trae": cli_agents.trae,
}
# Adapters that need no model, no workspace and no budget.
BUILTIN_ADAPTERS = ("oracle", "noop", "predictions")


def run_agent(task: dict, repo_path: Path, agent: dict, k: int) -> AgentResult:
    try:
        adapter = ADAPTERS[agent["adapter"]]
    except KeyError:
        raise ValueError(
            f"agent {agent['id']!r}: unknown adapter {agent['adapter']!r}; known: {', '.join(ADAPTERS)}"
        ) from None
    start = time.monotonic()
    try:
        result = adapter(task, repo_path, agent, k)
    except Exception as exc:  # an adapter crash is a status row, not a crashed workflow
        result = AgentResult(status="error", reason=f"{type(exc).__name__}: {exc}")
    if not result.duration_s:
        result.duration_s = time.monotonic() - start
    return result
