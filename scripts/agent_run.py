"""Run one attempt of one agent on one task; write its patch and run record."""

import logging
from pathlib import Path

from isobench.agents import run_agent
from isobench.agents.base import run_record
from isobench.io import read_json, write_json, write_text_atomic
from isobench.scriptutil import run_script

log = logging.getLogger("agent_run")


def main(input, output, params):
    task = read_json(input.task)
    repo = read_json(input.repo)
    agent = dict(params.agent)
    result = run_agent(task, Path(repo["path"]), agent, int(params.k))
    record = run_record(
        result,
        agent=agent,
        repo=task["repo"],
        commit=task["commit_hash"],
        instance=task["instance_id"],
        k=int(params.k),
    )
    log.info(
        "%s attempt %s on %s: %s %s",
        agent["id"],
        params.k,
        task["instance_id"],
        result.status,
        result.reason,
    )
    # The patch first, the record last: a run record always has its patch beside it.
    write_text_atomic(output.patch, result.patch)
    write_json(output.run, record)


if "snakemake" in globals():
    run_script(main, snakemake)  # noqa: F821
