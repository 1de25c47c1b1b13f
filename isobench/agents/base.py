"""The adapter contract and the run record every adapter produces."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

# Statuses of the agent stage; the bench stage maps them onto the attempt status ladder.
AGENT_STATUSES = ("ok", "empty_patch", "agent_failed", "error")


@dataclass
class AgentResult:
    status: str
    patch: str = ""
    reason: str = ""
    returncode: int | None = None
    duration_s: float = 0.0
    turns: int | None = None
    tokens: dict = field(default_factory=dict)
    cost_usd: float | None = None
    time_to_first_edit_s: float | None = None
    prompt_hash: str | None = None
    agent_version: str | None = None
    trajectory: str | None = None

    def __post_init__(self) -> None:
        if self.status not in AGENT_STATUSES:
            raise ValueError(f"unknown agent status {self.status!r}")
        if self.status == "ok" and not self.patch.strip():
            # Status comes from the patch the harness sees, not from what the agent claims.
            self.status = "empty_patch"


def patch_stats(patch: str) -> dict:
    files = re.findall(r"^diff --git ", patch, flags=re.MULTILINE)
    added = removed = 0
    for line in patch.splitlines():
        if line.startswith("+++") or line.startswith("---"):
            continue
        if line.startswith("+"):
            added += 1
        elif line.startswith("-"):
            removed += 1
    return {
        "files_changed": len(files),
        "lines_added": added,
        "lines_removed": removed,
        "bytes": len(patch.encode()),
        "sha256": hashlib.sha256(patch.encode()).hexdigest(),
    }


def run_record(
    result: AgentResult, *, agent: dict, repo: str, commit: str, instance: str, k: int
) -> dict:
    return {
        "schema": 1,
        "agent": agent["id"],
        "adapter": agent["adapter"],
        "model": agent.get("model"),
        "repo": repo,
        "commit": commit,
        "instance_id": instance,
        "k": k,
        "status": result.status,
        "reason": result.reason,
        "returncode": result.returncode,
        "duration_s": round(result.duration_s, 3),
        "turns": result.turns,
        "tokens": result.tokens,
        "cost_usd": result.cost_usd,
        "time_to_first_edit_s": result.time_to_first_edit_s,
        "prompt_hash": result.prompt_hash,
        "agent_version": result.agent_version,
        "trajectory": result.trajectory,
        "patch_stats": patch_stats(result.patch),
    }
