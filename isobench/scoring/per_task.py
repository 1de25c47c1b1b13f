"""This study's scores as per-(task, agent) rows of the published ISO-Bench schema.

The paper's tables and figures (quadrants, success rates with Wilson intervals, McNemar tests,
approaches) are derived from such rows by ``isobench.paper`` for the published results and for
ours alike: one code path, the published data being just another input. A row is attempt 1 of
an agent on a task (the paper evaluates one rollout per task and setup), with our hard class
and the judge's labels; without the judge (or before it ran) the labels are ``unknown``, which
the rules count as a soft failure, as the paper counts a missing judgement.
"""

from __future__ import annotations

import pandas as pd

from isobench.scoring.labels import UNKNOWN

COLUMNS = ["project", "commit", "in_paper_set", "agent", "hard", "bottleneck", "approach"]
ATTEMPT = 1


def _label(value) -> str:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return text.strip() or UNKNOWN


def published_rows(scores: pd.DataFrame) -> pd.DataFrame:
    """One row per (repository, task, agent): attempt 1's hard class and judge labels."""
    first = scores[scores["k"].astype(int) == ATTEMPT]
    rows = pd.DataFrame(
        {
            "project": first["repo"].astype(str),
            "commit": first["commit"].astype(str),
            "in_paper_set": True,
            "agent": first["agent"].astype(str),
            "hard": first["hard_class"].astype(str),
            "bottleneck": [_label(v) for v in first["bottleneck"]],
            "approach": [_label(v) for v in first["approach"]],
        }
    )
    return rows.sort_values(["project", "commit", "agent"]).reset_index(drop=True)[COLUMNS]
