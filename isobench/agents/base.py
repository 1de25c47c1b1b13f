"""The adapter contract and the run record every adapter produces."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from isobench import patches

# Statuses of the agent stage; the bench stage maps them onto the attempt status ladder:
#   ok            the agent finished (or stopped at its turn/cost budget) with a patch: benchmarked
#   timeout       killed at its wall-clock limit with a partial patch: the patch is benchmarked
#                 (a timeout without a patch is agent_failed, see AgentResult.__post_init__)
#   empty_patch   it finished without changing anything
#   agent_failed  it crashed, exited non-zero, or hit a budget or the wall clock without a patch
#   error         the harness failed (CLI missing, version pin mismatch, workspace error)
AGENT_STATUSES = ("ok", "timeout", "empty_patch", "agent_failed", "error")


@dataclass
class AgentResult:
    status: str
    patch: bytes = b""  # exactly as `git diff --binary` wrote it (see isobench.patches)
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
    timed_out: bool = False
    details: dict = field(default_factory=dict)  # adapter-specific facts, stored in run.json

    def __post_init__(self) -> None:
        if self.status not in AGENT_STATUSES:
            raise ValueError(f"unknown agent status {self.status!r}")
        if self.status == "timeout":
            self.timed_out = True
        if self.status == "ok" and not self.patch.strip():
            # Status comes from the patch the harness sees, not from what the agent claims.
            self.status = "empty_patch"
        if self.status == "timeout" and not self.patch.strip():
            # Nothing to benchmark: the bench stage must see a failed run, not an empty patch.
            self.status = "agent_failed"


def patch_stats(patch: bytes) -> dict:
    files = re.findall(rb"^diff --git ", patch, flags=re.MULTILINE)
    added = removed = 0
    for line in patch.split(b"\n"):
        if line.startswith(b"+++") or line.startswith(b"---"):
            continue
        if line.startswith(b"+"):
            added += 1
        elif line.startswith(b"-"):
            removed += 1
    return {
        "files_changed": len(files),
        "lines_added": added,
        "lines_removed": removed,
        "bytes": len(patch),
        "sha256": patches.sha256(patch),
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
        "timed_out": result.timed_out,
        "patch_stats": patch_stats(result.patch),
        "details": result.details,
    }


DEFAULT_WALL_CLOCK_S = 7200.0  # the paper's 120 minutes per attempt


def budgets_of(agent: dict) -> dict:
    """The agent's budgets with defaults: turns (None: unlimited), wall_clock_s, cost_usd (None)."""
    raw = dict(agent.get("budgets") or {})
    return {
        "turns": int(raw["turns"]) if raw.get("turns") else None,
        "wall_clock_s": float(raw.get("wall_clock_s") or DEFAULT_WALL_CLOCK_S),
        "cost_usd": float(raw["cost_usd"]) if raw.get("cost_usd") else None,
    }


def decide_status(
    *,
    patch: bytes,
    timed_out: bool = False,
    wall_clock_s: float | None = None,
    failure: str | None = None,
    budget_stop: str | None = None,
) -> tuple[str, str]:
    """(status, reason) of a finished agent run, from how it ended and the harness's own patch.

    Never from what the agent claims or from whether it committed: a wall-clock kill is
    ``timeout`` (partial patch kept and benchmarked) or ``agent_failed`` (no patch); a crash or a
    non-zero exit that is not a budget stop is ``agent_failed`` (its patch is kept in patch.diff
    for inspection but not benchmarked); a turn/cost budget stop is ``ok`` with a patch and
    ``agent_failed`` without one; a clean finish is ``ok`` (``empty_patch`` without changes).
    """
    has_patch = bool(patch.strip())
    if timed_out:
        limit = f" of {wall_clock_s:g} s" if wall_clock_s else ""
        if has_patch:
            return "timeout", f"killed at its wall-clock limit{limit}; its partial patch is kept"
        return "agent_failed", f"killed at its wall-clock limit{limit} without a patch"
    if failure:
        return "agent_failed", failure
    if budget_stop:
        if has_patch:
            return "ok", f"stopped at its budget ({budget_stop}); its patch is kept"
        return "agent_failed", f"budget exceeded without a patch ({budget_stop})"
    return ("ok", "") if has_patch else ("empty_patch", "the agent finished without a change")
