"""Shared fixtures: a tiny git repository whose history has a real (sleep-based) speedup."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def fresh_project(tmp_path_factory):
    """One copy of the project (as a fresh clone has it), shared by the tests that only dry-run
    the workflow in it; a test that runs jobs or edits files makes its own copy."""
    from tests.support.workflow_helpers import copy_project

    return copy_project(tmp_path_factory.mktemp("fresh-project"))


@pytest.fixture(autouse=True)
def _marks_of_the_running_test(request, monkeypatch):
    """The running test's marks, for the helpers that check them (tests/support/lanes.py)."""
    from tests.support.lanes import MARKS_VARIABLE

    monkeypatch.setenv(MARKS_VARIABLE, ",".join(m.name for m in request.node.iter_markers()))


BENCH = """import hashlib, sys, time
from work import compute, DELAY
start = time.perf_counter()
tokens = compute(8)
time.sleep(DELAY)
elapsed = time.perf_counter() - start
print(f"Avg latency: {elapsed:.6f} seconds")
print("Output digest: " + hashlib.sha256(repr(tokens).encode()).hexdigest())
"""

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_AUTHOR_DATE": "2025-01-01T00:00:00+00:00",
    "GIT_COMMITTER_DATE": "2025-01-01T00:00:00+00:00",
}


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout.strip()


def _commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD")


@pytest.fixture(scope="session")
def toy_repo(tmp_path_factory) -> dict:
    """root -> slow (0.12 s) -> perf commit (0.03 s) -> docs commit; shas in the returned dict."""
    repo = tmp_path_factory.mktemp("toy") / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    shas = {}
    shas["root"] = _commit(
        repo,
        {
            "work.py": "DELAY = 0.12\n\ndef compute(n):\n    return [i * i for i in range(n)]\n",
            "bench.py": BENCH,
        },
        "Add engine and benchmark",
    )
    shas["perf"] = _commit(
        repo,
        {"work.py": "DELAY = 0.03\n\ndef compute(n):\n    return [i * i for i in range(n)]\n"},
        "Speed up compute by caching the warm path\n\nCuts latency by 4x.",
    )
    shas["docs"] = _commit(
        repo, {"README.md": "# toy\nMakes the docs faster to read.\n"}, "docs: faster onboarding"
    )
    return {"path": repo, **shas}


def git(repo: Path, *args: str) -> str:
    return _git(repo, *args)


@pytest.fixture(scope="module")
def task(toy_repo):
    """The toy repository's perf commit as a latency task (modules may define their own)."""
    from isobench.config import TaskEntry
    from isobench.tasks import build_task

    entry = TaskEntry(
        commit=toy_repo["perf"],
        perf_command="python bench.py",
        mode="latency",
        primary_metric=None,
        models=(),
        parent=None,
        line=1,
    )
    return build_task("toy", toy_repo["path"], entry, "commits.yaml")
