"""A content-addressed archive of model-backed agent runs, outside results/.

An agent run costs real money and minutes to hours; Snakemake deletes a job's outputs before it
runs the job again (after a code edit, `--forcerun`, a deleted results/ tree). So every finished
run of a model-backed agent is copied here, keyed by everything that defines the experiment:
the agent's settings, the task (instance and parent commit), the attempt number and the prompt
template's content. A job whose key is archived restores that run instead of paying for it
again; its run.json says so (``restored_from``). To really run an attempt again, delete its
archive entry (the job's log names it) or change what defines it (a new agent id, model, prompt).

Harness failures (status ``error``: CLI missing, workspace error) are not archived: nothing was
paid, and fixing the harness must be enough to get a real run.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

# Agent keys that do not change what one attempt does.
NOT_IN_KEY = ("run_dir", "run_archive", "attempts", "llm")


def default_archive_root(path: str | os.PathLike | None = None) -> Path:
    """``path``, else ``$ISOBENCH_RUN_ARCHIVE``, else ``.isobench-runs`` (git-ignored)."""
    return Path(path or os.environ.get("ISOBENCH_RUN_ARCHIVE") or ".isobench-runs")


def run_key(agent: dict, task: dict, k: int, prompt_sha256: str | None) -> str:
    settings = {key: value for key, value in agent.items() if key not in NOT_IN_KEY}
    llm = agent.get("llm") or {}
    # The model endpoint defines the run; where the LLM store lives does not.
    settings["llm"] = {key: value for key, value in llm.items() if key not in ("store", "mode")}
    identity = {
        "agent": settings,
        "instance_id": task["instance_id"],
        "parent": task["parent"],
        "k": k,
        "prompt_template_sha256": prompt_sha256,
    }
    canonical = json.dumps(identity, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(canonical).hexdigest()


class RunArchive:
    def __init__(self, root: str | os.PathLike | None = None):
        self.root = default_archive_root(root)

    def entry(self, key: str) -> Path:
        return self.root / key[:2] / key

    def restore(self, key: str, run_dir: Path) -> dict | None:
        """Copy an archived run into ``run_dir``; its run record, or None if there is none."""
        entry = self.entry(key)
        record_path = entry / "run.json"
        if not record_path.is_file():
            return None
        run_dir.mkdir(parents=True, exist_ok=True)
        for item in entry.iterdir():
            if item.name == "run.json":
                continue  # written last by the caller, as a fresh run's record would be
            target = run_dir / item.name
            if item.is_dir():
                shutil.copytree(item, target, dirs_exist_ok=True)
            else:
                shutil.copy2(item, target)
        return json.loads(record_path.read_text(encoding="utf-8"))

    def save(self, key: str, run_dir: Path) -> Path:
        """Archive a finished run directory (patch, run.json, trajectory) all at once."""
        entry = self.entry(key)
        entry.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{key[:12]}-", dir=entry.parent))
        try:
            shutil.copytree(run_dir, staging, dirs_exist_ok=True)
            if entry.exists():  # a forced re-run replaces the entry
                shutil.rmtree(entry)
            # A rename of a complete directory: a crash leaves a stale staging dir, never a
            # half-written entry that restore() would take for a run.
            os.rename(staging, entry)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return entry
