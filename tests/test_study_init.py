"""A study made by `isobench init` proposes its tasks before any is listed, as the README says.

`isobench init DIR --repo PATH` writes an empty, commented commit list; the README's next step is
`snakemake --cores 2 --directory DIR results/mining/<name>/candidates.jsonl`, which must mine the
history then, while a target that needs tasks still fails at DAG time naming the list to fill in.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.foreign_repo import build_textlib
from tests.support.workflow_helpers import ROOT, snakemake

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("init")
    shas = build_textlib(root / "textlib")
    isobench = Path(sys.executable).with_name("isobench")
    proc = subprocess.run(
        [str(isobench), "init", str(root / "study"), "--repo", str(root / "textlib")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root / "study", shas


def test_a_new_study_mines_its_history_before_any_task_is_listed(study):
    directory, shas = study
    target = "results/mining/textlib/candidates.jsonl"
    proc = snakemake(ROOT, "--cores", "2", "--directory", str(directory), target)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {r["sha"]: r for r in map(json.loads, (directory / target).read_text().splitlines())}
    # The template has no keyword pre-filter: every commit is classified ("Update README" too).
    assert set(rows) == set(shas.values())
    assert rows[shas["rename"]]["is_perf"] and rows[shas["noeol"]]["is_perf"]
    assert not rows[shas["docs"]]["is_perf"], rows[shas["docs"]]["reason"]


def test_a_target_that_needs_tasks_names_the_empty_list(study):
    directory, _ = study
    proc = snakemake(ROOT, "-n", "--cores", "2", "--directory", str(directory))
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "commit list config/commits/textlib.yaml has no tasks. Fix: add one entry" in out, out
