"""Collect a repository's task records into the HF-compatible ISO-Bench dataset JSONL."""

from isobench.io import read_json, write_jsonl
from isobench.scriptutil import run_script
from isobench.tasks import dataset_record


def main(input, output, params):
    write_jsonl(output.dataset, [dataset_record(read_json(path)) for path in input.tasks])


if "snakemake" in globals():
    run_script(main, snakemake)  # noqa: F821
