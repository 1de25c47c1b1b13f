"""Opt@K for K = 1..attempts, per repository and agent, from the per-attempt score tables."""

import logging

import pandas as pd

from isobench.io import write_csv
from isobench.score_tables import OPT_COLUMNS, opt_at_k_rows, to_frame
from isobench.scriptutil import run_script

log = logging.getLogger("opt_at_k")


def main(input, output, params):
    scores = pd.concat([pd.read_csv(p) for p in input.scores], ignore_index=True)
    df = to_frame(opt_at_k_rows(scores, dict(params.attempts), dict(params.scoring)), OPT_COLUMNS)
    write_csv(output.table, df, float_format="%.4f")
    log.info("\n%s", df.to_string(index=False))


if "snakemake" in globals():
    run_script(main, snakemake)  # noqa: F821
