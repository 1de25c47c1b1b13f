"""Replayed predictions (SWE-bench/GSO JSONL): what the workflow needs to know at DAG-build time.

Kept apart from isobench.agents so the Snakefile can import it without loading the adapters.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def prediction_digests(path: str | Path) -> dict[tuple[str, int], str]:
    """A digest per (instance_id, attempt k) of a predictions file, for re-run decisions.

    The workflow passes an attempt's digest as a param of its agent job, so editing one
    prediction re-runs that attempt only (the file's mtime is ignored). A file that cannot be
    read row by row gets one digest of its whole content under the key ("*", 0): every attempt
    then changes with it, as every attempt's status does.
    """
    path = Path(path)
    if not path.is_file():
        return {}
    raw = path.read_bytes()
    digests: dict[tuple[str, int], str] = {}
    counts: dict[str, int] = {}
    try:
        for line in raw.decode("utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            iid = row["instance_id"]
            counts[iid] = counts.get(iid, 0) + 1
            canonical = json.dumps(row, sort_keys=True).encode("utf-8")
            digests[(iid, counts[iid])] = hashlib.sha256(canonical).hexdigest()[:16]
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        return {("*", 0): hashlib.sha256(raw).hexdigest()[:16]}
    return digests


def prediction_row(run_json: str | Path) -> dict:
    """One attempt (its run.json and the patch.diff beside it) as a predictions row."""
    from isobench.patches import read_patch, to_json_text

    run_json = Path(run_json)
    run = json.loads(run_json.read_text(encoding="utf-8"))
    return {
        "instance_id": run["instance_id"],
        "model_patch": to_json_text(read_patch(run_json.parent / "patch.diff")),
        "model_name_or_path": run.get("model") or run["agent"],
    }


def _attempt_order(path: Path) -> tuple:
    # results/runs/<agent>/<repo>/<commit>/<k>/run.json: by task, then attempt number.
    return (str(path.parent.parent), int(path.parent.name))


def write_predictions(run_jsons, out_path: str | Path) -> int:
    """Write the given attempts as predictions JSONL (the k-th line of an instance is attempt k).

    ``json.dumps`` escapes non-ASCII, so a patch's undecodable bytes survive as escapes.
    """
    from isobench.io import write_text_atomic

    paths = sorted((Path(p) for p in run_jsons), key=_attempt_order)
    lines = [json.dumps(prediction_row(p), ensure_ascii=True) + "\n" for p in paths]
    write_text_atomic(out_path, "".join(lines))
    return len(lines)
