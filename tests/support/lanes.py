"""Test lanes: `make test-fast` deselects the tests marked e2e (start Snakemake), docker (need a
Docker daemon) and slurm (need a cluster). A test that starts one of those without its mark would
slow the fast lane down or fail there, so the helpers that start them check the mark."""

from __future__ import annotations

import os

MARKS_VARIABLE = "ISOBENCH_TEST_MARKS"  # set by tests/conftest.py for the running test


def require_mark(mark: str, what: str) -> None:
    marks = os.environ.get(MARKS_VARIABLE)
    if marks is not None and mark not in marks.split(","):
        raise AssertionError(
            f"this test {what}: mark it @pytest.mark.{mark} (see tests/support/lanes.py), so "
            "`make test-fast` leaves it out"
        )
