"""Write a task's performance test and its provenance record."""

from isobench.io import read_json, write_json, write_text_atomic
from isobench.scriptutil import run_script
from isobench.synthesis import command_perf_test


def main(input, output, params):
    task = read_json(input.task)
    if params.source != "command":
        raise ValueError(f"synthesis.source {params.source!r} is not supported by this version")
    text, record = command_perf_test(task)
    write_text_atomic(output.perf_test, text)
    write_json(output.synthesis, record)


if "snakemake" in globals():
    run_script(main, snakemake)  # noqa: F821
