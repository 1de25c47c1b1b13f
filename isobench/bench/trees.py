"""What every executor shares: clean exports of the variants' trees in a private temporary folder.

Base = parent tree, human = commit tree, agent = parent tree + patch (``git apply``, never forced;
a patch that does not apply is reported, and the runner makes the attempt ``patch_failed``).
Executors differ only in where the perf test then runs (``run``), what they do before the runs
(``prepare``) and what they add to the result (``result_extras``); ``isobench.bench.executors``
makes the one the config names.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from isobench import gitutil

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


def benchmark_variables(cpu_threads: int) -> dict[str, str]:
    """Variables every benchmark process gets, whichever executor runs it."""
    env = {"PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
    if cpu_threads > 0:
        # Two parallel bench jobs with multi-threaded BLAS would fight over the same cores.
        for name in THREAD_VARS:
            env[name] = str(cpu_threads)
    return env


class TreeExecutor:
    """Owns the temporary folder with one exported tree per variant and the perf test beside
    them (``root/perf_test.py``, so one folder carries everything a run needs); subclasses
    implement run()."""

    name = "abstract"

    def __init__(self, repo_path: Path, perf_test: Path | None, gpu: str | None = None):
        self.repo_path = Path(repo_path)
        self.root = Path(tempfile.mkdtemp(prefix="isobench-bench-"))
        self.perf_test = self.root / "perf_test.py"
        if perf_test is not None:
            shutil.copy2(perf_test, self.perf_test)
        self.gpu = gpu  # the one device this job leased, or None
        self.trees: dict[str, Path] = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def add_tree(self, variant: str, sha: str, patch: bytes | None = None) -> tuple[bool, str]:
        """Export ``sha`` for ``variant`` and apply ``patch`` if given; (False, why) if it does not apply."""
        tree = gitutil.export_tree(self.repo_path, sha, self.root / variant)
        if patch is not None:
            ok, message = gitutil.apply_patch(tree, patch)
            if not ok:
                return False, message
        self.trees[variant] = tree
        return True, ""

    def write_perf_test(self, text: str) -> None:
        """Replace the perf test (LLM synthesis tries one candidate after another)."""
        self.perf_test.write_text(text, encoding="utf-8")

    def seen_path(self, variant: str | None = None) -> str:
        """The folder (or a variant's tree) as the benchmark process sees it, for masking."""
        return str(self.root if variant is None else self.trees[variant])

    def prepare(self, task: dict, patch: bytes) -> None:
        """Before the runs of an attempt: nothing by default (docker: the rebuild decision)."""

    def result_extras(self) -> dict:
        """What this executor adds to a bench result (the device it ran on, ...)."""
        return {}

    def run(self, variant: str, timeout_s: float):
        raise NotImplementedError
