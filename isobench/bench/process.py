"""Run one benchmark command with a wall-clock limit that kills the whole process tree."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass


@dataclass
class RunResult:
    returncode: int | None
    output: str
    wall_s: float
    timed_out: bool


def run_command(argv: list[str], cwd: str, env: dict, timeout_s: float) -> RunResult:
    """Run ``argv`` in its own session; on timeout SIGKILL the process group, children included."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    timed_out = False
    try:
        out, _ = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        timed_out = True
        signal_group(proc.pid)
        out, _ = proc.communicate()
    finally:
        # A benchmark that forks a server must not leave it behind, even on success.
        signal_group(proc.pid)
    wall = time.perf_counter() - start
    return RunResult(
        returncode=None if timed_out else proc.returncode,
        output=out.decode("utf-8", errors="replace"),
        wall_s=wall,
        timed_out=timed_out,
    )


def signal_group(pgid: int, sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to a process group; a group that is already gone is not an error."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
