"""The ISO-Bench paper's tables and figures, derived from its published per-(task, agent) results.

``derive`` holds the derivation rules (quadrants, rates, McNemar tests, approach counts),
``tables`` the LaTeX rendering, ``figures`` the figures, ``sets`` which published file each
output directory comes from. Our own runs go through the same code (isobench.report).
"""
