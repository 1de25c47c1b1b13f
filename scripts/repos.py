"""Make a target repository available (demo: rebuild from its patch series) and describe it."""

from pathlib import Path

from isobench.io import write_json
from isobench.repos import prepare_repo
from isobench.scriptutil import run_script


def main(input, output, params):
    stamp = Path(output.stamp)
    write_json(stamp, prepare_repo(params.name, dict(params.cfg), stamp))


if "snakemake" in globals():
    run_script(main, snakemake)  # noqa: F821
