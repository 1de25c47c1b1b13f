"""A toy study on a tiny git repository: the real workflow, seconds instead of minutes.

Tasks: `fast` (a 4x speedup), `broken` (its benchmark command fails on every variant).
Agents: oracle, noop; with ``predictions=True`` also `preds`, 2 attempts replayed from
config/preds.jsonl (attempt 1: the human's 4x, attempt 2: 2x).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests import conftest
from tests.support.workflow_helpers import copy_project

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


WORK = "DELAY = {}\n\ndef compute(n):\n    return [i * i for i in range(n)]\n"
PREDS_AGENT = (
    "  - {id: preds, adapter: predictions, attempts: 2, predictions: config/preds.jsonl}\n"
)


def delay_patch(old: float, new: float) -> str:
    """A unified diff of work.py changing DELAY (3 lines of context, as `git apply` wants)."""
    return (
        "diff --git a/work.py b/work.py\n--- a/work.py\n+++ b/work.py\n@@ -1,4 +1,4 @@\n"
        f"-DELAY = {old}\n+DELAY = {new}\n \n def compute(n):\n     return [i * i for i in range(n)]\n"
    )


def write_predictions(path: Path, toy: dict, delay: float, second: float) -> None:
    """Two attempts per task: `fast` gets DELAY/4 then ``second``; `other` gets empty patches."""
    rows = [
        {"instance_id": f"toy-{toy['fast'][:12]}", "model_patch": delay_patch(delay, delay / 4)},
        {"instance_id": f"toy-{toy['fast'][:12]}", "model_patch": delay_patch(delay, second)},
        {"instance_id": f"toy-{toy['other'][:12]}", "model_patch": ""},
        {"instance_id": f"toy-{toy['other'][:12]}", "model_patch": ""},
    ]
    path.write_text("".join(json.dumps({**r, "model_name_or_path": "replay"}) + "\n" for r in rows))


def make_toy_project(
    dest: Path,
    *,
    delay: float = 0.12,
    repetitions: int = 3,
    broken: bool = True,
    predictions: bool = False,
) -> dict:
    copy_project(dest)
    repo = dest / "toyrepo"
    repo.mkdir()
    conftest._git(repo, "init", "-q", "-b", "main")
    conftest._commit(
        repo, {"work.py": WORK.format(delay), "bench.py": conftest.BENCH}, "Add engine"
    )
    fast = conftest._commit(repo, {"work.py": WORK.format(delay / 4)}, "Speed up compute")
    other = conftest._commit(repo, {"NOTES.md": "notes\n"}, "Add notes")
    lines = [f"- commit: {fast}\n  perf_command: python bench.py\n  mode: latency\n"]
    if broken:
        lines.append(
            f"- commit: {other}\n  perf_command: python does_not_exist.py\n  mode: latency\n"
        )
    (dest / "config" / "commits" / "toy.yaml").write_text("".join(lines))
    config = CONFIG.format(repetitions=repetitions)
    toy = {"dir": dest, "fast": fast, "other": other}
    if predictions:
        write_predictions(dest / "config" / "preds.jsonl", toy, delay, delay / 2)
        config = config.replace("agents:\n", "agents:\n" + PREDS_AGENT)
    (dest / "config" / "config.yaml").write_text(config)
    return toy
