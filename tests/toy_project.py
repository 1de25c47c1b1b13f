"""A toy study on a tiny git repository: the real workflow, seconds instead of minutes.

Tasks: `fast` (a 4x speedup), `broken` (its benchmark command fails on every variant).
Agents: oracle, noop.
"""

from __future__ import annotations

from pathlib import Path

from tests import conftest
from tests.workflow_helpers import copy_project

CONFIG = """repos:
  toy:
    source: path
    path: toyrepo
    commits: config/commits/toy.yaml
agents:
  - {{id: oracle, adapter: oracle}}
  - {{id: noop, adapter: noop}}
evaluation: {{warmup: 1, repetitions: {repetitions}, timeout_s: 20}}
"""


def make_toy_project(
    dest: Path, *, delay: float = 0.12, repetitions: int = 3, broken: bool = True
) -> dict:
    copy_project(dest)
    repo = dest / "toyrepo"
    repo.mkdir()
    conftest._git(repo, "init", "-q", "-b", "main")
    work = "DELAY = {}\n\ndef compute(n):\n    return [i * i for i in range(n)]\n"
    conftest._commit(
        repo, {"work.py": work.format(delay), "bench.py": conftest.BENCH}, "Add engine"
    )
    fast = conftest._commit(repo, {"work.py": work.format(delay / 4)}, "Speed up compute")
    other = conftest._commit(repo, {"NOTES.md": "notes\n"}, "Add notes")
    lines = [f"- commit: {fast}\n  perf_command: python bench.py\n  mode: latency\n"]
    if broken:
        lines.append(
            f"- commit: {other}\n  perf_command: python does_not_exist.py\n  mode: latency\n"
        )
    (dest / "config" / "commits" / "toy.yaml").write_text("".join(lines))
    (dest / "config" / "config.yaml").write_text(CONFIG.format(repetitions=repetitions))
    return {"dir": dest, "fast": fast, "other": other}
