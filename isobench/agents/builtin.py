"""Adapters that need no model: the oracle, the empty patch, and replayed predictions."""

from __future__ import annotations

from pathlib import Path

from isobench import gitutil, patches
from isobench.agents.base import AgentResult
from isobench.io import read_jsonl


def oracle(task: dict, repo_path: Path, agent: dict, k: int) -> AgentResult:
    """The human diff itself: must score ~100 %, which checks the harness end to end."""
    patch = gitutil.diff_bytes(repo_path, task["parent"], task["commit_hash"])
    return AgentResult(status="ok", patch=patch, returncode=0)


def noop(task: dict, repo_path: Path, agent: dict, k: int) -> AgentResult:
    """No change at all: must score 0 %."""
    return AgentResult(status="empty_patch", patch=b"", returncode=0, reason="noop agent")


def predictions(task: dict, repo_path: Path, agent: dict, k: int) -> AgentResult:
    """Replay SWE-bench/GSO predictions: the k-th line for an instance is attempt k."""
    path = Path(agent["predictions"])
    if not path.is_file():
        return AgentResult(status="error", reason=f"predictions file {path} does not exist")
    candidates = []
    for lineno, row in enumerate(read_jsonl(path), start=1):
        missing = {"instance_id", "model_patch"} - row.keys()
        if missing:
            return AgentResult(
                status="error", reason=f"{path}, line {lineno}: missing {sorted(missing)}"
            )
        if row["instance_id"] == task["instance_id"]:
            candidates.append(row)
    if len(candidates) < k:
        return AgentResult(
            status="agent_failed",
            reason=f"{path} has {len(candidates)} prediction(s) for {task['instance_id']}, attempt {k} has none",
        )
    row = candidates[k - 1]
    patch = patches.from_json_text(row.get("model_patch") or "")
    return AgentResult(status="ok" if patch.strip() else "empty_patch", patch=patch, returncode=0)
