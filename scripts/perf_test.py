"""Write a task's performance test and its provenance record."""

import logging

from isobench.io import read_json, write_json, write_text_atomic
from isobench.scriptutil import run_llm_script, run_script
from isobench.synthesis import command_perf_test, llm_perf_test

log = logging.getLogger("perf_test")


def main(input, output, params, client=None):
    task = read_json(input.task)
    if params.source == "command":
        text, record = command_perf_test(task, input.get("perf_inputs", []))
    else:
        text, record = llm_perf_test(
            task,
            read_json(input.repo)["path"],
            client,
            params.llm["model"],
            max_repairs=params.llm["max_repairs"],
            timeout_s=params.llm["timeout_s"],
            cpu_threads=params.llm["cpu_threads"],
        )
        record["llm_calls"] = client.calls  # per-call records: results/llm_costs.csv sums them
        log.info("%s: %s", task["instance_id"], record["reason"])
    write_text_atomic(output.perf_test, text)
    write_json(output.synthesis, record)


if "snakemake" in globals():
    if snakemake.params.source == "llm":  # noqa: F821
        run_llm_script(main, snakemake)  # noqa: F821
    else:
        run_script(main, snakemake)  # noqa: F821
