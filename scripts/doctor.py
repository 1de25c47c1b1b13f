"""`snakemake doctor`: the prerequisites of the configured study (see isobench/doctor.py)."""

import logging
from pathlib import Path

from isobench.doctor import report, run_checks
from isobench.scriptutil import run_script


def main(input, output, params):
    text, code = report(run_checks(dict(params.config), Path.cwd()))
    logging.getLogger("doctor").info("\n%s", text)
    if code:
        raise SystemExit("isobench doctor: the configured study cannot run here (see above)")


if "snakemake" in globals():
    run_script(main, snakemake)  # noqa: F821
