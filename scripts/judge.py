"""Judge one attempt's patch against the human diff (LLM categories + rule-based similarity)."""

import logging

from isobench.io import read_json, write_json
from isobench.judge import judge_patch
from isobench.patches import read_patch, readable
from isobench.scriptutil import run_llm_script

log = logging.getLogger("judge")


def main(input, output, params, client):
    task = read_json(input.task)
    run = read_json(input.run)
    result = judge_patch(
        client,
        params.model,
        human_diff=task["diff_text"],
        agent_patch=readable(read_patch(input.patch)),
        task=task,
    )
    record = {
        "schema": 1,
        "agent": run["agent"],
        "repo": task["repo"],
        "instance_id": task["instance_id"],
        "commit": task["commit_hash"],
        "k": run["k"],
        **result,
        "llm_calls": client.calls,  # per-call records: results/llm_costs.csv sums them
    }
    log.info(
        "%s k=%s %s: %s, target %s, approach %s, similarity %s",
        run["agent"],
        run["k"],
        task["instance_id"],
        result["status"],
        result["bottleneck_target"]["category"],
        result["approach_comparison"]["category"],
        result["similarity"]["similarity_score"],
    )
    write_json(output.judge, record)


if "snakemake" in globals():
    run_llm_script(main, snakemake)  # noqa: F821
