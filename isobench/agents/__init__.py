"""Agent adapters: each turns (task, attempt) into a patch against the task's parent commit."""

from isobench.agents.base import AgentResult, patch_stats
from isobench.agents.registry import ADAPTERS, run_agent

__all__ = ["ADAPTERS", "AgentResult", "patch_stats", "run_agent"]
