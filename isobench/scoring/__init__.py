"""Scores of every attempt and their aggregates.

``rules``: the status ladder, GSO's opt_base/opt_commit, ISO-Bench's hard classes, Opt@K;
``stats``: speedup estimates, bootstrap intervals, Mann-Whitney tests, Wilson intervals;
``labels``: the hard classes and the judge's categories, the one place they are written;
``quadrants``: ISO-Bench's hard x soft quadrants (shared with the paper's tables);
``tables``: the per-attempt score rows and the Opt@K rows the workflow writes.
"""
