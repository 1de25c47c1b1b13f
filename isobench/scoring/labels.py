"""The label vocabularies of an attempt, each written only here: hard classes, judge categories.

The hard class compares the agent's patch with the human's on the task's metric
(:func:`isobench.scoring.rules.hard_class`); the judge's bottleneck and approach categories are
what the LLM judge may answer (``config/prompts/judge_v1.md``, :mod:`isobench.judge`). The score
stage, the judge and the paper's published data (:mod:`isobench.paper.derive`) all import them
from here. Kept free of imports so the judge and the DAG can use it cheaply.
"""

from __future__ import annotations

import re

BEATS, SIMILAR, WORSE = "beats", "similar", "worse"
HARD_CLASSES = (BEATS, SIMILAR, WORSE)

BOTTLENECK_CATEGORIES = (
    "same_target",
    "related_target",
    "different_target",
    "no_optimization",
    "other",
)
APPROACH_CATEGORIES = (
    "same_approach",
    "similar_approach",
    "valid_alternative",
    "partial_solution",
    "ineffective",
    "harmful",
    "other",
)
UNKNOWN = "unknown"  # the label of an attempt the judge could not (or did not) classify


def norm_category(value) -> str:
    """``"Same Target"`` / ``"same-target"`` -> ``"same_target"``; a non-string -> ``""``."""
    if not isinstance(value, str):
        return ""
    return re.sub(r"[\s\-]+", "_", value.strip().lower())
