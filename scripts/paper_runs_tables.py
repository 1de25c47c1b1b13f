"""Paper-style tables for our own runs: Opt@K, Opt_p@1, per-task contributions (CSV + LaTeX).

TODO(judge): quadrant tables for our runs need the LLM judge's labels; not derived here.
"""

import logging

import pandas as pd

from isobench.io import write_csv, write_text_atomic
from isobench.paper import runs, tables
from isobench.scoring import Thresholds
from isobench.scriptutil import run_script

log = logging.getLogger("paper_runs_tables")


def main(input, output, params):
    scores = runs.load_scores(input.scores)
    thresholds = Thresholds(opt_base=float(params.opt_base_threshold))
    opt_k = pd.read_csv(input.opt_at_k)

    # Opt@K lists every configured agent per repository, also those without any score row.
    agents = {repo: list(df["agent"]) for repo, df in opt_k.groupby("repo")}
    opt_p = runs.opt_p_at_1(scores, thresholds, agents=agents)
    best = runs.best_attempts(scores)
    contributions = runs.task_contributions(best)

    write_text_atomic(output.opt_at_k_tex, tables.opt_at_k_latex(opt_k))
    write_csv(output.opt_p_csv, opt_p, float_format="%.4f")
    write_text_atomic(output.opt_p_tex, tables.opt_p_latex(opt_p))
    write_csv(output.best_attempts, best, float_format="%.4f")
    write_csv(output.contributions_csv, contributions, float_format="%.4f")
    write_text_atomic(
        output.contributions_tex,
        tables.task_contributions_latex(contributions, runs.agents_of(contributions)),
    )
    log.info(
        "%d score rows, %d tasks, %d Opt_p@1 rows", len(scores), len(contributions), len(opt_p)
    )


if "snakemake" in globals():
    run_script(main, snakemake)  # noqa: F821
