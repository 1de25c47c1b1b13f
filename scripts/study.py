"""Before a study spends anything: `snakemake doctor` (can it run here?, isobench/study/doctor.py)
and `snakemake estimate` (LLM spend and GPU hours, isobench/study/estimate.py)."""

import logging
from pathlib import Path
from types import SimpleNamespace

from isobench.config import load_commit_list
from isobench.scriptutil import run_rule
from isobench.study import doctor as checks
from isobench.study import estimate as est


def doctor(input, output, params):
    text, code = checks.report(checks.run_checks(dict(params.config), Path.cwd()))
    logging.getLogger("doctor").info("\n%s", text)
    if code:
        raise SystemExit("isobench doctor: the configured study cannot run here (see above)")


def estimate(input, output, params):
    config = dict(params.config)
    tasks = {name: load_commit_list(r["commits"]) for name, r in sorted(config["repos"].items())}
    options = SimpleNamespace(
        agent_run_usd=est.DEFAULT_AGENT_RUN_USD,
        run_minutes=est.DEFAULT_RUN_MINUTES,
        commits=est.DEFAULT_COMMITS,
    )
    logging.getLogger("estimate").info("\n%s", est.estimate(config, tasks, options))


if "snakemake" in globals():
    run_rule({"doctor": doctor, "estimate": estimate}, snakemake)  # noqa: F821
