"""Our own study's tables and figures (``tables``, ``figures``), from the score tables, with the
same derivation and rendering code the paper's published results go through (isobench.paper)."""
