"""The files generated from a built demo series: its task list and its ground-truth labels.

``python -m isobench.repos.demo SERIES DEST --write-tasks ... --write-labels ...`` writes
them (``config/commits/<name>.yaml``, ``demo/<name>/labels.csv``).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import yaml

# Defaults of a series' task settings (its `task_decoys`, `task_models`): minserve's. A task list
# includes every perf commit and the first TASK_DECOYS decoys in series order.
TASK_DECOYS = 2
TASK_MODELS = ["minserve-tiny"]


def task_entries(
    commits: Sequence[dict], decoys: int = TASK_DECOYS, models: Sequence[str] = TASK_MODELS
) -> list[dict]:
    """The demo's task list: every perf commit plus the first ``decoys`` decoys, in series order."""
    tasks = []
    seen_decoys = 0
    for commit in commits:
        if commit["label"] == "decoy":
            seen_decoys += 1
            if seen_decoys > decoys:
                continue
        elif commit["label"] != "perf":
            continue
        tasks.append(
            {
                "commit": commit["sha"],
                "perf_command": commit["benchmark"],
                "mode": commit["mode"],
                "primary_metric": commit["primary_metric"],
                "models": list(models),
            }
        )
    return tasks


def write_labels_csv(commits: Sequence[dict], path: str | Path) -> None:
    """Ground truth ``sha,parent,subject,label,module`` (one row per commit, series order)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["sha", "parent", "subject", "label", "module"])
        for c in commits:
            writer.writerow([c["sha"], c["parent"] or "", c["subject"], c["label"], c["module"]])


def write_tasks_yaml(
    commits: Sequence[dict],
    path: str | Path,
    series_file: str | Path = "demo/minserve/series.yaml",
    settings: dict | None = None,
) -> None:
    """Write the task list of ``series_file`` with an explanatory header.

    ``settings`` are the series' task settings (``load_series(...)["tasks"]``: ``models`` and
    ``decoys``); without them, minserve's.
    """
    series = Path(series_file)
    name = series.parent.name
    settings = settings or {"models": TASK_MODELS, "decoys": TASK_DECOYS}
    decoys = settings["decoys"]
    which = (
        f"# plus its first {decoys} decoys (commits that sound like performance work but do not\n"
        "# change speed)."
        if decoys
        else "# (no decoys)."
    )
    header = (
        f"# Task list of the embedded demo ({name}): every perf commit of {series.as_posix()}\n"
        f"{which}  The base of each task is the commit's parent.  Generated; regenerate\n"
        "# after editing the series with\n"
        f"#   python -m isobench.repos.demo {series.as_posix()} <tmpdir> \\\n"
        f"#       --write-labels {series.parent.as_posix()}/labels.csv \\\n"
        f"#       --write-tasks config/commits/{name}.yaml\n"
    )
    entries = task_entries(commits, settings["decoys"], settings["models"])
    body = yaml.safe_dump(entries, sort_keys=False, default_flow_style=None, width=1000)
    Path(path).write_text(header + body, encoding="utf-8")
