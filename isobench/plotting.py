"""One look for every figure: colours, fonts, sizes, and an atomic PNG + PDF writer.

Colours carry meaning and never change between figures: a project is always its colour (vLLM
blue, SGLang red), a quadrant always its colour; a lighter tint of a project's colour is a broader
rate (hard success, correct target) drawn behind the full-colour true success.
"""

from __future__ import annotations

import colorsys
import logging
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
# Embedding fonts in PDFs makes fontTools log every subsetting step at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

from isobench.io import atomic_path  # noqa: E402

PROJECT_COLORS = {"vllm": "#4e79a7", "sglang": "#e15759", "all": "#76b7b2"}
QUADRANT_COLORS = {"Q1": "#59a14f", "Q2": "#edc948", "Q3": "#f28e2b", "Q4": "#e15759"}
APPROACH_COLORS = {
    "same_approach": "#59a14f",
    "harmful": "#e15759",
    "similar_approach": "#76b7b2",
    "valid_alternative": "#b07aa1",
    "partial_solution": "#ff9da7",
    "ineffective": "#9c755f",
    "other": "#7f7f7f",
    "unknown": "#d9d9d9",
}
# Agents of our own runs (arbitrary ids): assigned in sorted order, the same in every figure of
# our runs. A palette apart from the paper's (ColorBrewer Dark2), so no agent of ours wears a
# project's or a quadrant's colour.
AGENT_PALETTE = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#666666")
AGENT_MARKERS = ("o", "s", "^", "D", "v", "P", "X")
HUMAN_COLOR = "#333333"
REFERENCE_COLOR = "#9a9a9a"

FONT_SIZE = 9
FIG_WIDTH = 7.0  # inches: a two-column paper's full text width
PNG_DPI = 200

RC = {
    "font.size": FONT_SIZE,
    "axes.titlesize": FONT_SIZE + 1,
    "axes.labelsize": FONT_SIZE,
    "xtick.labelsize": FONT_SIZE - 0.5,
    "ytick.labelsize": FONT_SIZE - 0.5,
    "legend.fontsize": FONT_SIZE - 0.5,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#e6e6e6",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.05,
    "pdf.fonttype": 42,  # embed TrueType, so the PDF text stays editable and searchable
    "svg.fonttype": "none",
    "figure.constrained_layout.use": True,
}


def apply_style() -> None:
    plt.rcParams.update(RC)


def tint(color: str, amount: float = 0.55) -> str:
    """``color`` mixed with white (``amount`` = share of white)."""
    r, g, b = mcolors.to_rgb(color)
    return mcolors.to_hex((r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount))


def shade(color: str, amount: float = 0.3) -> str:
    """``color`` darkened (lightness scaled by 1 - ``amount``)."""
    h, lightness, s = colorsys.rgb_to_hls(*mcolors.to_rgb(color))
    return mcolors.to_hex(colorsys.hls_to_rgb(h, lightness * (1 - amount), s))


def agent_colors(agents) -> dict[str, str]:
    return {a: AGENT_PALETTE[i % len(AGENT_PALETTE)] for i, a in enumerate(sorted(set(agents)))}


def agent_markers(agents) -> dict[str, str]:
    return {a: AGENT_MARKERS[i % len(AGENT_MARKERS)] for i, a in enumerate(sorted(set(agents)))}


def wrap_label(label: str) -> str:
    """'TRAE (GPT-5)' -> 'TRAE\\n(GPT-5)': two short lines fit under a bar without rotation."""
    return label.replace(" ", "\n", 1)


def _save_one(fig, path: Path) -> None:
    save_kw = {"dpi": PNG_DPI} if path.suffix == ".png" else {}
    if path.suffix == ".pdf":
        save_kw["metadata"] = {"CreationDate": None}  # reproducible bytes
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lstrip("."), **save_kw)


def save_figure(fig, *paths) -> None:
    """Write ``fig`` to every path (format from the suffix), atomically, then close it."""
    try:
        for path in paths:
            _save_one(fig, Path(path))
    finally:
        plt.close(fig)


def subplots(ncols: int, *, width: float, height: float, nrows: int = 1, **kwargs):
    """``plt.subplots`` returning the figure and a flat list of axes (always a list)."""
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False, **kwargs)
    return fig, list(axes.ravel())
