"""Write a task's performance test and its provenance record (command, or LLM-written and
validated with the bench stage's executor)."""

import logging
from pathlib import Path

from isobench.bench.executors import ExecutorSettings, open_executor
from isobench.io import read_json, write_json, write_text_atomic
from isobench.scriptutil import run_llm_script, run_script
from isobench.synthesis import command_perf_test, llm_perf_test

log = logging.getLogger("synthesis")


def main(input, output, params, client=None, gpus: int = 0):
    task = read_json(input.task)
    if params.source == "command":
        text, record = command_perf_test(task, input.get("perf_inputs", []), dict(params.serving))
    else:
        repo = Path(read_json(input.repo)["path"])
        llm = params.llm
        settings = ExecutorSettings(
            llm["executor"],
            int(llm["cpu_threads"]),
            llm["docker"],
            f"synthesis/{task['instance_id']}",
        )
        with open_executor(settings, repo, None, read_json(input.env), gpus) as executor:
            text, record = llm_perf_test(
                task,
                executor,
                client,
                llm["model"],
                max_repairs=llm["max_repairs"],
                timeout_s=llm["timeout_s"],
            )
        record["executor"] = settings.executor
        record["llm_calls"] = client.calls  # per-call records: results/llm_costs.csv sums them
        log.info("%s: %s", task["instance_id"], record["reason"])
    write_text_atomic(output.perf_test, text)
    write_json(output.synthesis, record)


if "snakemake" in globals():
    gpus = int(snakemake.resources.get("gpu", 0))  # noqa: F821
    if snakemake.params.source == "llm":  # noqa: F821
        run_llm_script(lambda i, o, p, c: main(i, o, p, c, gpus), snakemake)  # noqa: F821
    else:
        run_script(main, snakemake)  # noqa: F821
