"""Mine a repository's history for performance commits (keyword pre-filter + classifier)."""

import logging

from isobench import mining
from isobench.io import read_json, write_json, write_jsonl
from isobench.mining import llm as mining_llm
from isobench.scriptutil import run_llm_script, run_script

log = logging.getLogger("mining")


def main(input, output, params, client=None):
    repo = read_json(input.repo)["path"]
    classify = None
    if params.classifier == "llm":
        classify = mining_llm.llm_classifier(client, params.model, repo)
    rows = mining.mine(
        repo,
        list(params.keywords),
        params.min_source_lines,
        params.max_commits,
        classify=classify,
        classifier=params.classifier,
    )
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
            f"miner on {params.name} ({params.classifier}): precision {_num(pr['precision'])}, "
            f"recall {_num(pr['recall'])} ({pr['true_positives']} TP, "
            f"{pr['false_positives']} FP, {pr['false_negatives']} FN)"
        )
        log.info(msg)
        print(msg)
    if client is not None:
        summary["model"] = params.model
        summary["llm_calls"] = client.calls  # per-call records: results/llm_costs.csv sums them
    write_json(output.summary, summary)


def _num(value):
    return "n/a" if value is None else f"{value:.2f}"


if "snakemake" in globals():
    if snakemake.params.classifier == "llm":  # noqa: F821
        run_llm_script(main, snakemake)  # noqa: F821
    else:
        run_script(main, snakemake)  # noqa: F821
