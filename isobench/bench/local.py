"""The local executor: each variant is a clean export of its tree, run as a plain process here."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from isobench.bench.gpu import nvidia_smi_info
from isobench.bench.trees import TreeExecutor, benchmark_variables
from isobench.process import RunResult, run_command
from isobench.secrets import scrubbed_env


class LocalExecutor(TreeExecutor):
    """Plain processes on this machine. Base = parent tree, human = commit tree, agent = parent + patch."""

    name = "local"

    def __init__(
        self,
        repo_path: Path,
        perf_test: Path | None,
        cpu_threads: int = 1,
        gpu: str | None = None,
    ):
        super().__init__(repo_path, perf_test, gpu)
        env = scrubbed_env()
        # `python` in a benchmark command means this environment's interpreter.
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        env.update(benchmark_variables(cpu_threads))
        if gpu is not None:
            # Only the leased device: a benchmark must not see (or load) another job's GPU.
            env["CUDA_VISIBLE_DEVICES"] = gpu
        self.env = env

    def result_extras(self) -> dict:
        """nvidia-smi's name, driver, clocks and memory of the leased GPU."""
        return {} if self.gpu is None else {"gpu": nvidia_smi_info(self.gpu, self.env)}

    def run(self, variant: str, timeout_s: float) -> RunResult:
        return run_command(
            [sys.executable, str(self.perf_test)], str(self.trees[variant]), self.env, timeout_s
        )
