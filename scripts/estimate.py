"""`snakemake estimate`: LLM spend and GPU hours of the configured study (isobench/estimate.py)."""

import logging
from types import SimpleNamespace

from isobench import estimate as est
from isobench.config import load_commit_list
from isobench.scriptutil import run_script


def main(input, output, params):
    config = dict(params.config)
    tasks = {name: load_commit_list(r["commits"]) for name, r in sorted(config["repos"].items())}
    options = SimpleNamespace(
        agent_run_usd=est.DEFAULT_AGENT_RUN_USD,
        run_minutes=est.DEFAULT_RUN_MINUTES,
        commits=est.DEFAULT_COMMITS,
    )
    logging.getLogger("estimate").info("\n%s", est.estimate(config, tasks, options))


if "snakemake" in globals():
    run_script(main, snakemake)  # noqa: F821
