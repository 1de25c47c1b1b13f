"""The paper's tables (quadrants, success rates, McNemar tests, approaches) from per-task results."""

import logging

from isobench.io import write_csv, write_text_atomic
from isobench.paper import derive, tables
from isobench.scriptutil import run_script

log = logging.getLogger("paper_tables")


def main(input, output, params):
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


if "snakemake" in globals():
    run_script(main, snakemake)  # noqa: F821
