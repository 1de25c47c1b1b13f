"""Score every attempt of every agent on one repository's tasks."""

import logging

from isobench.io import read_json, write_csv
from isobench.score_tables import SCORE_COLUMNS, attempt_rows, to_frame
from isobench.scriptutil import run_script

log = logging.getLogger("score_repo")


def main(input, output, params):
    bench = [read_json(p) for p in input.bench]
    runs = {}
    for path in input.runs:
        run = read_json(path)
        runs[(run["agent"], run["commit"], run["k"])] = run
    df = to_frame(attempt_rows(bench, runs, dict(params.scoring)), SCORE_COLUMNS)
    write_csv(output.scores, df)
    log.info("%d attempt rows; statuses: %s", len(df), df["status"].value_counts().to_dict())


if "snakemake" in globals():
    run_script(main, snakemake)  # noqa: F821
