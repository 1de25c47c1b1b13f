"""ISO-Bench's quadrant rules (spec section 4.4), the one place they are defined.

The labels they read (hard classes, the judge's categories) are defined in
:mod:`isobench.scoring.labels`.

Soft pass ("correct target") = the judge's bottleneck category is ``same_target`` or
``related_target`` (a missing or ``unknown`` label is not a pass); hard pass = the hard class of
the agent against the human is ``beats`` or ``similar``. Q1 true success = both, Q2 good intent =
soft only, Q3 lucky win = hard only, Q4 failure = neither. Used by the judge, by the score stage
for this workflow's own attempts and by :mod:`isobench.paper.derive` for the published data; kept
free of heavy imports so every one of them can use it.
"""

from __future__ import annotations

from isobench.scoring.labels import BEATS, SIMILAR, norm_category

HARD_PASS = frozenset({BEATS, SIMILAR})
SOFT_PASS = frozenset({"same_target", "related_target"})
QUADRANTS = ("Q1", "Q2", "Q3", "Q4")
QUADRANT_NAMES = {"Q1": "true_success", "Q2": "good_intent", "Q3": "lucky_win", "Q4": "failure"}


def soft_pass(bottleneck: str | None) -> bool:
    """Correct target: the judge's bottleneck category is same_target or related_target."""
    return norm_category(bottleneck) in SOFT_PASS


def hard_pass(hard_class: str | None) -> bool:
    """Hard pass: the agent-vs-human hard class is ``beats`` or ``similar``."""
    return (hard_class or "").strip().lower() in HARD_PASS


def quadrant_of(hard_ok: bool, soft_ok: bool) -> str:
    """Q1 hard and soft, Q2 soft only, Q3 hard only, Q4 neither."""
    if hard_ok and soft_ok:
        return "Q1"
    if soft_ok:
        return "Q2"
    if hard_ok:
        return "Q3"
    return "Q4"


def quadrant(hard_class: str | None, bottleneck: str | None) -> str:
    """The quadrant of one attempt from its hard class and the judge's bottleneck category."""
    return quadrant_of(hard_pass(hard_class), soft_pass(bottleneck))
