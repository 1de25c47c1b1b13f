"""Precision and recall of the offline (heuristic) miner on the labelled commit histories.

    python benchmarks/miner_precision.py

Builds each labelled set of tests/support/mining_cases.py as a real git repository, mines it with
and without the keyword pre-filter (GSO's keyword list, the schema default) and prints precision
and recall per set, then every misclassified commit with the miner's reason. The sets differ in
how they relate to the rules: CASES is what the rules were written against, HELD_OUT, FRESH and
FINAL each prompted one later revision, BLIND (tests/support/mining_blind.py, written by someone
who saw neither the rules nor their misses) has never been used to change them: quote BLIND.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from isobench import mining  # noqa: E402
from tests.support import mining_blind, mining_cases  # noqa: E402

SETS = {
    "CASES": mining_cases.CASES,
    "HELD_OUT": mining_cases.HELD_OUT,
    "FRESH": mining_cases.FRESH,
    "FINAL": mining_cases.FINAL,
    "BLIND": mining_blind.BLIND,
}


def default_keywords() -> list[str]:
    schema = yaml.safe_load((ROOT / "config/schemas/config.schema.yaml").read_text())
    return schema["properties"]["mining"]["properties"]["keywords"]["default"]


def fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:5.2f}"


def main() -> None:
    keywords = default_keywords()
    misses = []
    print(f"{'set':<9} {'commits':>7} {'perf':>5} | {'prefilter':<10} {'P':>5} {'R':>5}")
    for name, cases in SETS.items():
        with tempfile.TemporaryDirectory() as tmp:
            labels = mining_cases.build_history(Path(tmp) / "repo", cases)
            positives = sum(label == "perf" for label in labels.values())
            for prefilter, words in (("keywords", keywords), ("none", [])):
                rows = mining.mine(Path(tmp) / "repo", words, min_source_lines=1)
                predicted = {r["sha"] for r in rows if r["is_perf"]}
                pr = mining.precision_recall(predicted, labels)
                print(
                    f"{name:<9} {len(labels):>7} {positives:>5} | {prefilter:<10} "
                    f"{fmt(pr['precision'])} {fmt(pr['recall'])}"
                )
                if prefilter == "none":
                    misses += [
                        (name, labels[r["sha"]], r["subject"], r["reason"])
                        for r in rows
                        if r["sha"] in labels and (labels[r["sha"]] == "perf") != r["is_perf"]
                    ]
    print("\nmisclassified without the pre-filter:")
    for name, label, subject, reason in misses:
        print(f"  {name:<9} {label:<9} {subject!r}: {reason}")


if __name__ == "__main__":
    main()
