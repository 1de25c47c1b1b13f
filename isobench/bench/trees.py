"""What every executor shares: clean exports of the variants' trees in a private temporary folder.

Base = parent tree, human = commit tree, agent = parent tree + patch (``git apply``, never forced;
a patch that does not apply is reported, and the runner makes the attempt ``patch_failed``).
Executors differ only in where the perf test then runs (``run``).
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
    """Owns the temporary folder with one exported tree per variant; subclasses implement run()."""

    name = "abstract"

    def __init__(self, repo_path: Path, perf_test: Path):
        self.repo_path = Path(repo_path)
        self.perf_test = Path(perf_test).resolve()
        self.root = Path(tempfile.mkdtemp(prefix="isobench-bench-"))
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

    def run(self, variant: str, timeout_s: float):
        raise NotImplementedError
