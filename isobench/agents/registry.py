"""Adapter registry: the config's ``adapter`` name -> the function that runs it."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from isobench.agents import builtin, mini
from isobench.agents.base import AgentResult
from isobench.agents.claude_code import claude_code
from isobench.agents.codex_cli import codex_cli
from isobench.agents.openhands import openhands
from isobench.agents.trae import trae
from isobench.dag import BUILTIN_ADAPTERS  # noqa: F401  (one definition, shared with the DAG)

Adapter = Callable[[dict, Path, dict, int], AgentResult]

ADAPTERS: dict[str, Adapter] = {
    "oracle": builtin.oracle,
    "noop": builtin.noop,
    "predictions": builtin.predictions,
    # Model-backed agents (isobench.agents.mini; the CLIs: isobench.agents.cli and one module each).
    "mini": mini.mini_agent,
    "claude_code": claude_code,
    "codex_cli": codex_cli,
    "openhands": openhands,
    "trae": trae,
}


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
