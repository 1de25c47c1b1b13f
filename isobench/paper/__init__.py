"""The ISO-Bench paper's tables, derived from its published per-(task, agent) results.

``derive`` holds the derivation rules (quadrants, rates, McNemar tests, approach counts),
``tables`` the LaTeX rendering, ``runs`` the same kind of tables for this workflow's own runs.
"""
