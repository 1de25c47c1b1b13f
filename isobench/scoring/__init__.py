"""Scores of every attempt and their aggregates.

``rules``: the status ladder, GSO's opt_base/opt_commit, ISO-Bench's hard classes, Opt@K;
``stats``: speedup estimates, bootstrap intervals, Mann-Whitney tests, Wilson intervals;
``quadrants``: ISO-Bench's hard x soft quadrants (shared with the paper's tables);
``tables``: the per-attempt score rows and the Opt@K rows the workflow writes.
"""
