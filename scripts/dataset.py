"""Collect a repository's task records into the ISO-Bench dataset (JSONL and parquet).

Both files have the published schema (isobench/dataset.py); the parquet file carries its exact
feature types (a JSON reader infers ``null`` for a column that is null in every row).
"""

from isobench.dataset import dataset_row, write_jsonl, write_parquet
from isobench.io import read_json
from isobench.scriptutil import run_script


def main(input, output, params):
    rows = [dataset_row(read_json(path)) for path in input.tasks]
    write_jsonl(output.dataset, rows)
    write_parquet(output.parquet, rows)


if "snakemake" in globals():
    run_script(main, snakemake)  # noqa: F821
