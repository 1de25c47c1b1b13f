"""Task records: everything about one human optimization commit that later stages need.

The record carries what the ISO-Bench dataset needs (commit_hash, parent, subject/message/date,
files_changed, stats, diff_text, perf_command, models, the mode flags, lm_eval_commands and the
commit list's dataset fields under ``extra``; isobench.dataset writes it in that schema), the
structured benchmark spec (isobench.tasks.benchspec) and the GPUs one run needs (``gpus``; None: not
stated, one GPU on a GPU repository).
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from isobench import gitutil
from isobench.config import ConfigError, TaskEntry, instance_id
from isobench.tasks.benchspec import bench_spec

DOC_SUFFIXES = {".md", ".rst", ".txt", ".adoc"}


def is_test_file(path: str) -> bool:
    """ISO-Bench's rule: under tests/, or named test_* / *_test.py."""
    base = posixpath.basename(path)
    return "/tests/" in f"/{path}" or base.startswith("test_") or base.endswith("_test.py")


def is_doc_file(path: str) -> bool:
    return path.startswith("docs/") or posixpath.splitext(path)[1].lower() in DOC_SUFFIXES


def diff_stats(numstat: list[tuple[int, int, str]], diff_text: str, year: int) -> dict:
    tests = [row for row in numstat if is_test_file(row[2])]
    non_tests = [row for row in numstat if not is_test_file(row[2])]
    return {
        "num_files": len(numstat),
        "num_test_files": len(tests),
        "num_non_test_files": len(non_tests),
        "only_test_files": bool(numstat) and not non_tests,
        "only_non_test_files": bool(numstat) and not tests,
        "num_hunks": len(re.findall(r"^@@ ", diff_text, flags=re.MULTILINE)),
        "num_edited_lines": sum(a + r for a, r, _ in numstat),
        "num_non_test_edited_lines": sum(a + r for a, r, _ in non_tests),
        "commit_year": year,
    }


def build_task(repo_name: str, repo_path: Path, entry: TaskEntry, list_path: str) -> dict:
    if not gitutil.is_commit(repo_path, entry.commit):
        raise ConfigError(
            f"{list_path}, line {entry.line}: commit {entry.commit} is not in repository "
            f"{repo_name} ({repo_path}). Fix: correct the sha, or update the checkout so it has it."
        )
    meta = gitutil.commit_metadata(repo_path, entry.commit)
    parent = entry.parent or (meta["parents"][0] if meta["parents"] else None)
    if parent is None:
        raise ConfigError(
            f"{list_path}, line {entry.line}: commit {entry.commit} has no parent (a root commit "
            f"cannot be a task: there is no baseline). Fix: remove it from the list."
        )
    diff_text = gitutil.diff(repo_path, parent, entry.commit)
    rows = gitutil.numstat(repo_path, parent, entry.commit)
    spec = entry.spec or bench_spec(
        entry.perf_command, entry.mode, entry.primary_metric, entry.direction
    )
    mode = entry.mode or spec["mode"]
    primary = entry.primary_metric or spec["primary_metric"]
    direction = entry.direction or spec["direction"]
    return {
        "schema": 1,
        "repo": repo_name,
        "instance_id": instance_id(repo_name, entry.commit),
        "commit_hash": entry.commit,
        "parent": parent,
        "subject": meta["subject"],
        "message": meta["message"],
        "date": meta["commit_date"],
        "files_changed": [path for _, _, path in rows],
        "stats": diff_stats(rows, diff_text, int(meta["commit_date"][:4])),
        "diff_text": diff_text,
        "perf_command": entry.perf_command,
        "models": list(entry.models),
        "mode": mode,
        "primary_metric": primary,
        "direction": direction,
        "has_serving": mode == "serving",
        "has_latency": mode == "latency",
        "has_throughput": mode == "throughput",
        "gpus": entry.needed_gpus(),
        "spec": spec,
        "lm_eval_commands": list(entry.lm_eval_commands),
        "extra": dict(entry.extra),
    }


def repo_path_from_stamp(stamp: dict) -> Path:
    return Path(stamp["path"])
