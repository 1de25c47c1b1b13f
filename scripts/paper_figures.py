"""The paper's figures from the derived tables (see scripts/paper_tables.py)."""

import pandas as pd

from isobench.figures import paper
from isobench.scriptutil import run_script


def main(input, output, params):
    rates = pd.read_csv(input.rates)
    counts = pd.read_csv(input.quadrants)
    approach = pd.read_csv(input.approach)
    paper.true_success(rates, output.true_success_png, output.true_success_pdf)
    paper.hard_vs_true(rates, output.hard_vs_true_png, output.hard_vs_true_pdf)
    paper.intent_vs_execution(rates, output.intent_png, output.intent_pdf)
    paper.quadrants(counts, output.quadrants_png, output.quadrants_pdf)
    paper.approach(approach, output.approach_png, output.approach_pdf)


if "snakemake" in globals():
    run_script(main, snakemake)  # noqa: F821
