"""Running a command as a process tree that cannot outlive its limit.

Every command the harness starts for code it does not trust (a benchmark, an agent CLI, one of
an agent's shell commands) runs in its own session, so its process group is the whole tree it
forks; at the wall-clock limit, and again when it ends, the group is killed, so a server it left
running does not stay behind. Two ways to run one:

* :func:`run_command`: output collected in memory (stdout and stderr merged), SIGKILL at the
  limit; for benchmarks and an agent's single commands.
* :func:`run_process`: output to files, SIGTERM at the limit and ``grace_s`` to exit, then
  SIGKILL; afterwards every process still carrying the run's marker variable (:data:`RUN_MARKER`)
  is killed too, which catches descendants that left the group with ``setsid``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

RUN_MARKER = "ISOBENCH_AGENT_RUN"  # in the agent's environment: every descendant carries it


def signal_group(pgid: int, sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to a process group; a group that is already gone is not an error."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


# --------------------------------------------------------------------------------------------
# Output in memory


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


# --------------------------------------------------------------------------------------------
# Output to files


@dataclass
class ProcessOutcome:
    returncode: int | None  # None when killed at the wall-clock limit
    timed_out: bool
    duration_s: float
    killed_stragglers: int = 0


def run_process(
    argv: list[str],
    *,
    cwd: str | Path,
    env: dict,
    timeout_s: float | None,
    stdout_path: str | Path,
    stderr_path: str | Path,
    stdin_path: str | Path | None = None,
    grace_s: float = 5.0,
) -> ProcessOutcome:
    """Run ``argv`` in its own session with output to files; at the limit kill its process group.

    On timeout: SIGTERM to the group, ``grace_s`` to exit, then SIGKILL. Whatever the outcome,
    the group is SIGKILLed at the end (a server the agent left running must not outlive it) and
    every process still carrying the run's marker variable (``RUN_MARKER``, set by
    :meth:`isobench.agents.workspace.Workspace.agent_env`; it survives ``setsid``) is killed as
    well.
    """
    start = time.monotonic()
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL  # noqa: SIM115
    try:
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            proc = subprocess.Popen(
                argv,
                cwd=cwd,
                env=env,
                stdin=stdin,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
            timed_out = _wait_or_terminate(proc, timeout_s, grace_s)
    finally:
        if stdin is not subprocess.DEVNULL:
            stdin.close()
    marker = env.get(RUN_MARKER)
    stragglers = kill_marked(RUN_MARKER, marker) if marker else 0
    return ProcessOutcome(
        returncode=None if timed_out else proc.returncode,
        timed_out=timed_out,
        duration_s=time.monotonic() - start,
        killed_stragglers=stragglers,
    )


def _wait_or_terminate(proc: subprocess.Popen, timeout_s: float | None, grace_s: float) -> bool:
    """Wait for ``proc`` up to ``timeout_s``; past it SIGTERM, then SIGKILL its group after
    ``grace_s``. The group is SIGKILLed in every case. Returns whether the limit was hit."""
    timed_out = False
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        timed_out = True
        signal_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            pass
    finally:
        signal_group(proc.pid, signal.SIGKILL)
        proc.wait()
    return timed_out


# --------------------------------------------------------------------------------------------
# Processes by marker variable


def marked_pids(name: str, value: str) -> list[int]:
    """Live processes (not zombies) whose environment has ``name=value`` (Linux /proc)."""
    needle = f"{name}={value}".encode()
    found = []
    proc_dir = Path("/proc")
    if not proc_dir.is_dir():
        return found
    for entry in proc_dir.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            if needle not in environ.split(b"\0"):
                continue
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state = stat.rsplit(")", 1)[-1].split()[0] if ")" in stat else ""
        if state != "Z":
            found.append(int(entry.name))
    return found


def kill_marked(name: str, value: str) -> int:
    """SIGKILL every live process carrying ``name=value``; returns how many were found."""
    pids = marked_pids(name, value)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return len(pids)
