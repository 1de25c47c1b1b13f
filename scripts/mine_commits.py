"""Mine a repository's history for performance commits (keyword pre-filter + classifier)."""

import logging

from isobench import mining
from isobench.io import read_json, write_json, write_jsonl
from isobench.scriptutil import run_script

log = logging.getLogger("mine_commits")


def main(input, output, params):
    repo = read_json(input.repo)["path"]
    rows = mining.mine(repo, list(params.keywords), params.min_source_lines, params.max_commits)
    write_jsonl(output.candidates, rows)
    summary = {
        "repo": params.name,
        "classifier": params.classifier,
        "keyword_matches": len(rows),
        "classified_perf": sum(r["is_perf"] for r in rows),
    }
    if params.labels:
        labels = mining.load_labels(params.labels)
        pr = mining.precision_recall({r["sha"] for r in rows if r["is_perf"]}, labels)
        summary.update(pr)
        summary["labelled_commits"] = len(labels)
        msg = (
            f"miner on {params.name}: precision {pr['precision']:.2f}, recall {pr['recall']:.2f} "
            f"({pr['true_positives']} TP, {pr['false_positives']} FP, {pr['false_negatives']} FN)"
        )
        log.info(msg)
        print(msg)
    write_json(output.summary, summary)


if "snakemake" in globals():
    run_script(main, snakemake)  # noqa: F821
