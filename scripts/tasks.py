"""Write the task record of one commit (diff, stats, benchmark command, metric)."""

from pathlib import Path

from isobench.config import TaskEntry
from isobench.io import read_json, write_json
from isobench.scriptutil import run_script
from isobench.tasks import build_task


def main(input, output, params):
    repo = read_json(input.repo)
    entry = TaskEntry.from_params(dict(params.entry), params.line)
    write_json(output.task, build_task(params.repo, Path(repo["path"]), entry, params.commit_list))


if "snakemake" in globals():
    run_script(main, snakemake)  # noqa: F821
