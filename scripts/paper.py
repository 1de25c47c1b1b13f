"""The paper's tables (rule `paper_tables`: quadrants, success rates, McNemar tests, approaches)
and figures (rule `paper_figures`) from its published per-task results."""

import logging

import pandas as pd

from isobench.io import write_csv, write_text_atomic
from isobench.paper import derive, figures, tables
from isobench.scriptutil import run_rule

log = logging.getLogger("paper")


def paper_tables(input, output, params):
    rows = derive.paper_set(derive.load_per_task(input.per_task))
    agents = derive.order_agents(rows["agent"])
    log.info("%s: %d paper-set rows, agents %s", input.per_task, len(rows), ", ".join(agents))

    counts = derive.quadrant_counts(rows, agents)
    rates = derive.success_rates(counts)
    mcnemar = derive.mcnemar_table(rows, agents)
    approach = derive.approach_counts(rows, agents)

    columns = ["project", "commit", "agent", "hard", "bottleneck", "approach"]
    write_csv(output.per_task, rows[[*columns, "hard_pass", "soft_pass", "quadrant"]])
    write_csv(output.quadrants_csv, counts)
    write_text_atomic(output.quadrants_tex, tables.quadrants_latex(counts))
    write_csv(output.rates_csv, rates, float_format="%.4f")
    write_text_atomic(output.rates_tex, tables.rates_latex(rates))
    write_csv(output.mcnemar_csv, mcnemar, float_format="%.6g")
    write_text_atomic(output.mcnemar_tex, tables.mcnemar_latex(mcnemar))
    write_csv(output.approach_csv, approach)
    write_text_atomic(output.approach_tex, tables.approach_latex(approach))
    log.info("quadrants:\n%s", counts.to_string(index=False))


def paper_figures(input, output, params):
    rates = pd.read_csv(input.rates)
    counts = pd.read_csv(input.quadrants)
    approach = pd.read_csv(input.approach)
    figures.true_success(rates, output.true_success_png, output.true_success_pdf)
    figures.hard_vs_true(rates, output.hard_vs_true_png, output.hard_vs_true_pdf)
    figures.intent_vs_execution(rates, output.intent_png, output.intent_pdf)
    figures.quadrants(counts, output.quadrants_png, output.quadrants_pdf)
    figures.approach(approach, output.approach_png, output.approach_pdf)


if "snakemake" in globals():
    run_rule({"paper_tables": paper_tables, "paper_figures": paper_figures}, snakemake)  # noqa: F821
