"""What the LLM stages cost, by stage and model, from the per-call records of their outputs."""

import logging

from isobench.io import read_json
from isobench.llm import cost_table, write_cost_csv
from isobench.scriptutil import run_script

log = logging.getLogger("llm_costs")


def main(input, output, params):
    calls = [call for path in input.records for call in read_json(path).get("llm_calls") or []]
    rows = cost_table(calls, total=True)
    write_cost_csv(output.table, rows)
    total = rows[-1]
    log.info(
        "%d LLM call(s): study cost %s USD by the store's accounting, %d paid now (%s USD)",
        total["calls"],
        total["cost_usd"],
        total["calls_paid"],
        total["cost_paid_usd"],
    )


if "snakemake" in globals():
    run_script(main, snakemake)  # noqa: F821
