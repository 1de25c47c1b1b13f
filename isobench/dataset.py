"""ISO-Bench's dataset schema: task records written in it, and its files read as task sources.

The released dataset (Hugging Face ``Lossfunk/ISO-Bench``; ISO-BENCH-SPEC.md section 2.3) has
these features, in this order:

    commit_hash, pr_url, pr_date, timeline_extracted_at, analysis_extracted_at   string
    models                                                                       list[string]
    perf_command                                                                 string
    has_serving, has_latency, has_throughput, uses_lm_eval                       bool
    commit_subject, commit_message, commit_date                                  string
    files_changed                                                                list[string]
    stats      struct of int64: commit_year, num_edited_lines, num_files, num_hunks,
               num_non_test_edited_lines, num_non_test_files, num_test_files,
               only_non_test_files, only_test_files
    diff_text                                                                    string
    lm_eval_commands, affected_paths                                             list[string]
    hardware                                                                     string

Fields the task does not know are ``null``. Our own fields (repo, instance id, parent, mode,
primary metric and direction, GPUs, the structured spec, fixes, caveats) are one extra column,
``isobench``, a JSON string, so the ISO-Bench columns stay exactly the published ones and a
reader of the published schema can ignore it.

Reading: a ``.jsonl`` or ``.parquet`` file in this schema (the published dataset, or one of ours)
is a task source (``repos.<name>.commits``): each row becomes a commit-list entry. Rows we wrote
carry their parent, mode, metric, GPUs and spec back through the ``isobench`` column.
"""

from __future__ import annotations

import json
from pathlib import Path

STATS_FIELDS = (
    "commit_year",
    "num_edited_lines",
    "num_files",
    "num_hunks",
    "num_non_test_edited_lines",
    "num_non_test_files",
    "num_test_files",
    "only_non_test_files",
    "only_test_files",
)
STRING_FIELDS = (
    "commit_hash",
    "pr_url",
    "pr_date",
    "timeline_extracted_at",
    "analysis_extracted_at",
)
FLAG_FIELDS = ("has_serving", "has_latency", "has_throughput", "uses_lm_eval")
ISOBENCH_FIELDS = (
    *STRING_FIELDS,
    "models",
    "perf_command",
    *FLAG_FIELDS,
    "commit_subject",
    "commit_message",
    "commit_date",
    "files_changed",
    "stats",
    "diff_text",
    "lm_eval_commands",
    "affected_paths",
    "hardware",
)
EXTRA_COLUMN = "isobench"
# Our fields in the extra column, from the task record.
EXTRA_FIELDS = ("repo", "instance_id", "parent", "mode", "primary_metric", "direction", "gpus")
EXTRA_ENTRY_FIELDS = ("item_id", "perf_command_source", "dataset_perf_command", "fixes", "caveats")
# Which ISO-Bench flag a benchmark mode sets (prefix caching counts as serving, SGLang's
# standalone bench_one_batch as latency: composition.md counts it so).
MODE_FLAGS = {
    "serving": "has_serving",
    "prefix_caching": "has_serving",
    "latency": "has_latency",
    "standalone": "has_latency",
    "throughput": "has_throughput",
}


def features():
    """The published features as a ``datasets.Features`` (plus our JSON-string column)."""
    from datasets import Features, List, Value

    string, strings = Value("string"), List(Value("string"))
    spec = {name: string for name in STRING_FIELDS}
    spec.update(models=strings, perf_command=string)
    spec.update({name: Value("bool") for name in FLAG_FIELDS})
    spec.update(commit_subject=string, commit_message=string, commit_date=string)
    spec.update(files_changed=strings, stats={k: Value("int64") for k in STATS_FIELDS})
    spec.update(diff_text=string, lm_eval_commands=strings, affected_paths=strings)
    spec.update(hardware=string)
    spec[EXTRA_COLUMN] = string
    return Features({name: spec[name] for name in (*ISOBENCH_FIELDS, EXTRA_COLUMN)})


def dataset_row(task: dict) -> dict:
    """One task record in the ISO-Bench schema (field order as published), plus ``isobench``."""
    extra = task.get("extra") or {}
    lm_eval = list(task.get("lm_eval_commands") or [])
    flag = MODE_FLAGS.get(task["mode"])
    row = {name: extra.get(name) for name in STRING_FIELDS}
    row["commit_hash"] = task["commit_hash"]
    row["models"] = list(task["models"])
    row["perf_command"] = task["perf_command"]
    row.update({name: name == flag for name in FLAG_FIELDS[:3]})
    row["uses_lm_eval"] = bool(lm_eval)
    row["commit_subject"] = task["subject"]
    row["commit_message"] = task["message"]
    row["commit_date"] = task["date"]
    row["files_changed"] = list(task["files_changed"])
    row["stats"] = {k: int(task["stats"][k]) for k in STATS_FIELDS}  # bools as 0/1, as published
    row["diff_text"] = task["diff_text"]
    row["lm_eval_commands"] = lm_eval or None
    row["affected_paths"] = extra.get("affected_paths")
    row["hardware"] = extra.get("hardware")
    ours = {name: task.get(name) for name in EXTRA_FIELDS}
    ours["spec"] = task.get("spec")
    ours.update({name: extra[name] for name in EXTRA_ENTRY_FIELDS if name in extra})
    row[EXTRA_COLUMN] = json.dumps(ours, sort_keys=True)
    return row


def write_jsonl(path: str | Path, rows: list[dict]) -> None:
    """``rows`` as JSON lines with the published field order (not sorted)."""
    from isobench.io import write_text_atomic

    write_text_atomic(path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))


def write_parquet(path: str | Path, rows: list[dict]) -> None:
    """``rows`` as parquet with exactly ``features()`` (types fixed even for all-null columns)."""
    from datasets import Dataset

    from isobench.io import atomic_path

    with atomic_path(path) as tmp:
        Dataset.from_list(rows, features=features()).to_parquet(str(tmp))


# --- reading ---------------------------------------------------------------------------------


def read_rows(path: str | Path) -> list[dict]:
    """The rows of an ISO-Bench dataset file (``.jsonl``: one JSON object a line; ``.parquet``)."""
    path = Path(path)
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}, line {number}: not a JSON object: {exc}") from exc
    return rows


def entry_of_row(row: dict) -> dict:
    """A commit-list item (commits.schema.yaml) from one dataset row."""
    ours = json.loads(row.get(EXTRA_COLUMN) or "{}")
    item: dict = {"commit": row.get("commit_hash"), "perf_command": row.get("perf_command")}
    models = [m for m in row.get("models") or [] if m and m != "N/A"]  # N/A: not model-specific
    if models:
        item["models"] = models
    if row.get("lm_eval_commands"):
        item["lm_eval_commands"] = list(row["lm_eval_commands"])
    for name in (*STRING_FIELDS[1:], "hardware", "affected_paths"):
        if row.get(name) is not None:
            item[name] = list(row[name]) if name == "affected_paths" else row[name]
    for name in ("parent", "mode", "primary_metric", "gpus", "spec", *EXTRA_ENTRY_FIELDS):
        if ours.get(name) is not None:
            item[name] = ours[name]
    return item


def read_dataset_entries(path: str | Path) -> tuple[list[dict], list[int]]:
    """(commit-list items, their line or row numbers) of a dataset file used as a task source.

    A row without a command cannot be a task: it is an error naming the row, never dropped.
    """
    from isobench.config import ConfigError

    try:
        rows = read_rows(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"task source {path}: {exc}") from exc
    items, numbers = [], []
    for number, row in enumerate(rows, 1):
        item = entry_of_row(row)
        if not item["perf_command"]:
            raise ConfigError(
                f"{path}, row {number}: commit {item['commit']} has no perf_command. Fix: give "
                "the row a benchmark command, or remove it from the task source."
            )
        items.append(item)
        numbers.append(number)
    return items, numbers
