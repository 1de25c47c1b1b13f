"""GSO-style figures for our own runs: Opt@K vs K, Opt_p@1 vs p, per-task speedups.

TODO(judge): quadrant figures for our runs come with the LLM judge stage.
"""

import pandas as pd

from isobench.figures import runs
from isobench.scriptutil import run_script


def main(input, output, params):
    opt_k = pd.read_csv(input.opt_at_k)
    opt_p = pd.read_csv(input.opt_p)
    best = pd.read_csv(input.best_attempts, dtype={"commit": str, "instance_id": str})
    runs.opt_at_k(opt_k, output.opt_at_k_png, output.opt_at_k_pdf)
    runs.opt_p_at_1(
        opt_p,
        output.opt_p_png,
        output.opt_p_pdf,
        opt_commit_threshold=float(params.opt_commit_threshold),
    )
    runs.speedups(
        best,
        output.speedups_png,
        output.speedups_pdf,
        opt_base_threshold=float(params.opt_base_threshold),
    )


if "snakemake" in globals():
    run_script(main, snakemake)  # noqa: F821
