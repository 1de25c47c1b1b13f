"""Run one attempt of one agent on one task; write its patch and run record."""

import logging
from pathlib import Path

from isobench.agents import run_agent
from isobench.agents.archive import RunArchive, run_key
from isobench.agents.base import run_record
from isobench.agents.prompt import load_template
from isobench.dag import BUILTIN_ADAPTERS
from isobench.io import read_json, write_json
from isobench.patches import write_patch
from isobench.scriptutil import run_script

log = logging.getLogger("agents")


def _template_sha256(agent: dict) -> str | None:
    """The prompt template's hash, as run.json's prompt_hash has it (None: the run reports why)."""
    try:
        return load_template(agent.get("prompt")).sha256
    except (OSError, ValueError):
        return None


def main(input, output, params):
    task = read_json(input.task)
    repo = read_json(input.repo)
    agent = dict(params.agent)
    k = int(params.k)
    run_dir = Path(output.run).parent
    archive = key = None
    if agent["adapter"] not in BUILTIN_ADAPTERS:
        archive = RunArchive(params.archive)
        key = run_key(agent, task, k, _template_sha256(agent))
        record = archive.restore(key, run_dir)
        if record is not None:
            record["restored_from"] = key
            log.info(
                "%s attempt %s on %s: restored from the run archive (%s), not run again; "
                "delete %s to pay for a new run",
                agent["id"],
                k,
                task["instance_id"],
                record["status"],
                archive.entry(key),
            )
            write_json(output.run, record)
            return
        # Other attempts' runs are no business of this one: the sandbox hides the archive too.
        agent["run_archive"] = str(archive.root)
    result = run_agent(task, Path(repo["path"]), agent, k)
    record = run_record(
        result,
        agent=agent,
        repo=task["repo"],
        commit=task["commit_hash"],
        instance=task["instance_id"],
        k=k,
    )
    log.info(
        "%s attempt %s on %s: %s %s",
        agent["id"],
        k,
        task["instance_id"],
        result.status,
        result.reason,
    )
    # The patch first, the record last: a run record always has its patch beside it.
    write_patch(output.patch, result.patch)
    write_json(output.run, record)
    if archive is not None and record["status"] != "error":
        log.info("archived as %s", archive.save(key, run_dir))


if "snakemake" in globals():
    run_script(main, snakemake)  # noqa: F821
