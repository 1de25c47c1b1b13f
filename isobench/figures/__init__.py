"""Figures: the shared style (``style``), the paper's figures (``paper``), our runs' (``runs``)."""
