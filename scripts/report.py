"""Our own runs' tables (rule `report_tables`: Opt@K, Opt_p@1, best attempts, per-task
contributions) and figures (rule `report_figures`: Opt@K vs K, Opt_p@1 vs p, speedups)."""

import logging

import pandas as pd

from isobench.io import write_csv, write_text_atomic
from isobench.paper import tables as latex
from isobench.report import figures, tables
from isobench.scoring.rules import Thresholds
from isobench.scriptutil import run_rule

log = logging.getLogger("report")


def report_tables(input, output, params):
    scores = tables.load_scores(input.scores)
    thresholds = Thresholds(opt_base=float(params.opt_base_threshold))
    opt_k = pd.read_csv(input.opt_at_k)

    # Opt@K lists every configured agent per repository, also those without any score row.
    agents = {repo: list(df["agent"]) for repo, df in opt_k.groupby("repo")}
    opt_p = tables.opt_p_at_1(scores, thresholds, agents=agents)
    best = tables.best_attempts(scores)
    contributions = tables.task_contributions(best)

    write_text_atomic(output.opt_at_k_tex, latex.opt_at_k_latex(opt_k))
    write_csv(output.opt_p_csv, opt_p, float_format="%.4f")
    write_text_atomic(output.opt_p_tex, latex.opt_p_latex(opt_p))
    write_csv(output.best_attempts, best, float_format="%.4f")
    write_csv(output.contributions_csv, contributions, float_format="%.4f")
    write_text_atomic(
        output.contributions_tex,
        latex.task_contributions_latex(contributions, tables.agents_of(contributions)),
    )
    log.info(
        "%d score rows, %d tasks, %d Opt_p@1 rows", len(scores), len(contributions), len(opt_p)
    )


def report_figures(input, output, params):
    opt_k = pd.read_csv(input.opt_at_k)
    opt_p = pd.read_csv(input.opt_p)
    best = pd.read_csv(input.best_attempts, dtype={"commit": str, "instance_id": str})
    figures.opt_at_k(opt_k, output.opt_at_k_png, output.opt_at_k_pdf)
    figures.opt_p_at_1(
        opt_p,
        output.opt_p_png,
        output.opt_p_pdf,
        opt_commit_threshold=float(params.opt_commit_threshold),
    )
    figures.speedups(
        best,
        output.speedups_png,
        output.speedups_pdf,
        opt_base_threshold=float(params.opt_base_threshold),
    )


if "snakemake" in globals():
    run_rule({"report_tables": report_tables, "report_figures": report_figures}, snakemake)  # noqa: F821
