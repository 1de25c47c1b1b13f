"""The local executor: each variant is a clean export of its tree in a private temporary folder."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from isobench import gitutil
from isobench.bench.process import RunResult, run_command
from isobench.secrets import scrubbed_env

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


class LocalExecutor:
    """Plain processes on this machine. Base = parent tree, human = commit tree, agent = parent + patch."""

    name = "local"

    def __init__(
        self,
        repo_path: Path,
        perf_test: Path,
        cpu_threads: int = 1,
        gpu: str | None = None,
    ):
        self.repo_path = Path(repo_path)
        self.perf_test = Path(perf_test).resolve()
        self.root = Path(tempfile.mkdtemp(prefix="isobench-bench-"))
        self.trees: dict[str, Path] = {}
        env = scrubbed_env()
        # `python` in a benchmark command means this environment's interpreter.
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        env["PYTHONHASHSEED"] = "0"
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        if cpu_threads > 0:
            # Two parallel bench jobs with multi-threaded BLAS would fight over the same cores.
            for name in THREAD_VARS:
                env[name] = str(cpu_threads)
        if gpu is not None:
            # Only the leased device: a benchmark must not see (or load) another job's GPU.
            env["CUDA_VISIBLE_DEVICES"] = gpu
        self.env = env

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def add_tree(self, variant: str, sha: str, patch: str | None = None) -> tuple[bool, str]:
        """Export ``sha`` for ``variant`` and apply ``patch`` if given; (False, why) if it does not apply."""
        tree = gitutil.export_tree(self.repo_path, sha, self.root / variant)
        if patch is not None:
            ok, message = gitutil.apply_patch(tree, patch)
            if not ok:
                return False, message
        self.trees[variant] = tree
        return True, ""

    def run(self, variant: str, timeout_s: float) -> RunResult:
        return run_command(
            [sys.executable, str(self.perf_test)], str(self.trees[variant]), self.env, timeout_s
        )
