"""Finding performance commits: a keyword pre-filter, then a classifier.

Stage 1 keeps commits whose message contains a performance keyword (GSO/ISO-Bench list); an
empty keyword list disables it (GSO's ``--no-grep``: every non-root commit goes to stage 2).
Stage 2 is either a transparent heuristic (:mod:`isobench.mining.heuristic`: offline, no keys) or the LLM classifier of
:mod:`isobench.mining.llm` (through the record/replay store). Either way the result is a proposal
for a commit list, never an implicit input of later stages. Precision and recall against
ground-truth labels are reported when the repository has them (the demo does).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path

from isobench import gitutil
from isobench.mining.heuristic import classify_heuristic

_REC, _FIELD = "\x1e", "\x1f"


def log_commits(repo: str | Path, max_commits: int = 0) -> list[dict]:
    """All commits of HEAD, newest first, with numstat, from one streamed `git log`."""
    args = [
        "log",
        "--no-merges",
        "--numstat",
        "--no-renames",
        f"--format={_REC}%H{_FIELD}%P{_FIELD}%cI{_FIELD}%s{_FIELD}%B{_FIELD}",
    ]
    if max_commits:
        args.append(f"--max-count={max_commits}")
    commits = []
    for chunk in gitutil.git(repo, *args).split(_REC)[1:]:
        sha, parents, date, subject, body, rest = chunk.split(_FIELD, 5)
        files = []
        for line in rest.strip().splitlines():
            parts = line.split("\t", 2)
            if len(parts) == 3:
                added, removed, path = parts
                files.append(
                    (int(added) if added != "-" else 0, int(removed) if removed != "-" else 0, path)
                )
        commits.append(
            {
                "sha": sha,
                "parent": parents.split()[0] if parents.split() else None,
                "date": date,
                "subject": subject,
                "message": body.strip(),
                "files": files,
            }
        )
    return commits


def keyword_hits(message: str, keywords: list[str]) -> list[str]:
    text = message.lower()
    return [kw for kw in keywords if re.search(rf"\b{re.escape(kw.lower())}", text)]


def load_labels(path: str | Path) -> dict[str, str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["sha"]: row["label"] for row in csv.DictReader(handle)}


def precision_recall(predicted: set[str], labels: dict[str, str], positive: str = "perf") -> dict:
    truth = {sha for sha, label in labels.items() if label == positive}
    predicted = predicted & labels.keys()
    tp = len(predicted & truth)
    precision = tp / len(predicted) if predicted else None
    recall = tp / len(truth) if truth else None
    return {
        "true_positives": tp,
        "false_positives": len(predicted - truth),
        "false_negatives": len(truth - predicted),
        "precision": precision,
        "recall": recall,
        "false_positive_labels": sorted({labels[s] for s in predicted - truth}),
    }


def mine(
    repo: str | Path,
    keywords: list[str],
    min_source_lines: int,
    max_commits: int = 0,
    classify: Callable[[dict], tuple] | None = None,
    classifier: str = "heuristic",
) -> list[dict]:
    """Candidate rows, newest first. ``classify(commit) -> (verdict, reason, extra fields)``
    replaces the heuristic (``classifier`` names it in the rows)."""
    rows = []
    for commit in log_commits(repo, max_commits):
        hits = keyword_hits(commit["message"], keywords)
        if keywords and not hits:
            continue
        if classify is None:
            verdict, reason = classify_heuristic(commit, min_source_lines)
            extra = {}
        else:
            verdict, reason, extra = classify(commit)
        rows.append(
            {
                "sha": commit["sha"],
                "parent": commit["parent"],
                "date": commit["date"],
                "subject": commit["subject"],
                "keywords": hits,
                "classifier": classifier,
                "is_perf": verdict,
                "reason": reason,
                "files": [p for _, _, p in commit["files"]],
                **extra,
            }
        )
    return rows
