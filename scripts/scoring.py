"""Scores: every attempt of one repository (rule `scores`), Opt@K over all (`opt_at_k`), and the
per-(task, agent) rows of the published schema (`per_task`)."""

import logging

import pandas as pd

from isobench.io import read_json, write_csv
from isobench.scoring.per_task import published_rows
from isobench.scoring.tables import (
    OPT_COLUMNS,
    SCORE_COLUMNS,
    attempt_rows,
    opt_at_k_rows,
    to_frame,
)
from isobench.scriptutil import run_rule

log = logging.getLogger("scoring")


def _by_attempt(paths) -> dict:
    out = {}
    for path in paths:
        record = read_json(path)
        out[(record["agent"], record["commit"], record["k"])] = record
    return out


def scores(input, output, params):
    bench = [read_json(p) for p in input.bench]
    runs = _by_attempt(input.runs)
    judges = _by_attempt(input.judge) if params.judge else None
    df = to_frame(attempt_rows(bench, runs, dict(params.scoring), judges), SCORE_COLUMNS)
    write_csv(output.scores, df)
    log.info("%d attempt rows; statuses: %s", len(df), df["status"].value_counts().to_dict())
    if judges is not None:
        log.info("quadrants: %s", df["quadrant"].value_counts().to_dict())


def opt_at_k(input, output, params):
    frames = pd.concat([pd.read_csv(p) for p in input.scores], ignore_index=True)
    df = to_frame(opt_at_k_rows(frames, dict(params.attempts), dict(params.scoring)), OPT_COLUMNS)
    write_csv(output.table, df, float_format="%.4f")
    log.info("\n%s", df.to_string(index=False))


def per_task(input, output, params):
    frames = pd.concat([pd.read_csv(p, dtype={"commit": str}) for p in input.scores])
    rows = published_rows(frames)
    write_csv(output.per_task, rows)
    log.info("%d per-(task, agent) rows (attempt 1) in the published schema", len(rows))


if "snakemake" in globals():
    functions = {"scores": scores, "opt_at_k": opt_at_k, "per_task": per_task}
    run_rule(functions, snakemake)  # noqa: F821
