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
