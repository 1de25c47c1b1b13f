"""Score every attempt of every agent on one repository's tasks."""

import logging

from isobench.io import read_json, write_csv
from isobench.score_tables import SCORE_COLUMNS, attempt_rows, to_frame
from isobench.scriptutil import run_script

log = logging.getLogger("score_repo")


def _by_attempt(paths) -> dict:
    out = {}
    for path in paths:
        record = read_json(path)
        out[(record["agent"], record["commit"], record["k"])] = record
    return out


def main(input, output, params):
    bench = [read_json(p) for p in input.bench]
    runs = _by_attempt(input.runs)
    judges = _by_attempt(input.judge) if params.judge else None
    df = to_frame(attempt_rows(bench, runs, dict(params.scoring), judges), SCORE_COLUMNS)
    write_csv(output.scores, df)
    log.info("%d attempt rows; statuses: %s", len(df), df["status"].value_counts().to_dict())
    if judges is not None:
        log.info("quadrants: %s", df["quadrant"].value_counts().to_dict())


if "snakemake" in globals():
    run_script(main, snakemake)  # noqa: F821
