"""Export one agent's declared attempts as SWE-bench/GSO predictions JSONL."""

from isobench.predictions import write_predictions
from isobench.scriptutil import run_script


def main(input, output, params):
    write_predictions(input.runs, output.predictions)


if "snakemake" in globals():
    run_script(main, snakemake)  # noqa: F821
