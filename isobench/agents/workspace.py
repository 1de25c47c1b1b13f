"""Where an agent works: a history-free copy of the parent commit, and everything around it.

Layout of one run (a fresh temporary directory, removed afterwards)::

    <root>/<repo>/            the workspace: the parent commit's tree, a fresh git repository with
                              one commit ("Initial state", fixed identity and date) - no remote, no
                              other ref, object or reflog entry, so nothing leads to the human
                              commit (ISO-Bench spec section 3.3 step 2, done without its bugs)
    <root>/<repo>/.bench_scratch/   the agent's own scripts; never part of the patch
    <root>/harness.git/       the harness's own copy of the repository's git directory: the patch
                              and the time to first edit are computed through it (GIT_DIR +
                              GIT_WORK_TREE), so nothing the agent does to its .git (config with
                              core.fsmonitor or diff.external, hooks, rewritten history, a deleted
                              .git) can change or break what the harness measures
    <root>/home/, <root>/xdg/{config,cache,data,state}/, <root>/tmp/
                              HOME, XDG_* and TMPDIR of the agent: its settings, caches and session
                              files, none inside the workspace and none shared between runs
    <root>/out/               stdout/stderr/trajectory files of the agent process

The patch is ``git add -A`` + ``git diff --cached --binary <initial commit>`` of the whole working
tree (new, deleted and binary files included; commits the agent made are irrelevant), without
``.bench_scratch/`` and the adapter's excluded paths.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from isobench import gitutil
from isobench.agents.prompt import SCRATCH_DIR
from isobench.bench.process import signal_group
from isobench.secrets import scrubbed_env

IDENTITY = {
    "GIT_AUTHOR_NAME": "isobench",
    "GIT_AUTHOR_EMAIL": "isobench@localhost",
    "GIT_COMMITTER_NAME": "isobench",
    "GIT_COMMITTER_EMAIL": "isobench@localhost",
    # Fixed dates: the initial commit of a task's workspace has the same sha in every attempt.
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+00:00",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+00:00",
}
INITIAL_MESSAGE = "Initial state"
# Variables that would point an agent at another provider, account or config than the harness
# chose; removed unless the agent's config lists them in `env`.
PROVIDER_PREFIXES = ("ANTHROPIC_", "OPENAI_", "CLAUDE_", "CODEX_", "AZURE_OPENAI", "LLM_", "MSWEA_")
RUN_MARKER = "ISOBENCH_AGENT_RUN"  # in the agent's environment: every descendant carries it


class WorkspaceError(RuntimeError):
    pass


def _clean_git_env(extra: dict | None = None) -> dict:
    """Environment for the harness's own git calls: no user or system config, no prompts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        {
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_PAGER": "cat",
            "LC_ALL": "C",
        }
    )
    if extra:
        env.update(extra)
    return env


def _git(args: list[str], *, cwd: Path, env: dict, input: bytes | None = None) -> bytes:
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, input=input, capture_output=True)
    if proc.returncode != 0:
        raise WorkspaceError(
            f"git {' '.join(args)} failed in {cwd} (exit {proc.returncode}): "
            f"{proc.stderr.decode(errors='replace').strip()}"
        )
    return proc.stdout


@dataclass
class Workspace:
    root: Path
    path: Path  # the agent's working directory (the repository)
    initial_commit: str
    excludes: tuple[str, ...] = (SCRATCH_DIR,)
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)  # RUN_MARKER's value

    @property
    def harness_git_dir(self) -> Path:
        return self.root / "harness.git"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def out(self) -> Path:
        return self.root / "out"

    def xdg(self, kind: str) -> Path:
        return self.root / "xdg" / kind

    def _harness_env(self) -> dict:
        return _clean_git_env(
            {
                "GIT_DIR": str(self.harness_git_dir),
                "GIT_WORK_TREE": str(self.path),
                "GIT_OPTIONAL_LOCKS": "0",
                **IDENTITY,
            }
        )

    def _pathspec(self) -> list[str]:
        return ["--", ".", *(f":(exclude){p}" for p in self.excludes)]

    # ---------------------------------------------------------------------------------------
    def patch(self) -> bytes:
        """Every change of the working tree against the initial commit, as a binary-safe diff."""
        if not self.path.is_dir():
            raise WorkspaceError(f"the workspace {self.path} is gone")
        env = self._harness_env()
        # The excluded paths are in the harness's info/exclude, so `add -A .` skips them.
        _git(["add", "-A", "--ignore-errors", "--", "."], cwd=self.path, env=env)
        out = _git(
            [
                "diff",
                "--cached",
                "--binary",
                "--no-color",
                "--no-ext-diff",
                "--no-textconv",
                "--src-prefix=a/",
                "--dst-prefix=b/",
                self.initial_commit,
                *self._pathspec(),
            ],
            cwd=self.path,
            env=env,
        )
        return out

    def changed(self) -> bool:
        """Whether the working tree differs from the initial commit (cheap; for polling)."""
        env = self._harness_env()
        proc = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all", *self._pathspec()],
            cwd=self.path,
            env=env,
            capture_output=True,
        )
        return proc.returncode == 0 and bool(proc.stdout.strip())

    def agent_env(
        self, keep: tuple[str, ...] = (), extra: dict | None = None, base: dict | None = None
    ) -> dict:
        """The agent's environment: no credentials but its own, per-run HOME/XDG/TMPDIR.

        Also removed: other providers' settings (``ANTHROPIC_*``, ``OPENAI_*``, ...), ``GIT_*``
        and ``PYTHONPATH`` (which could make the benchmark import the original checkout instead
        of the workspace), unless ``keep`` names them.
        """
        env = scrubbed_env(os.environ if base is None else base, keep=tuple(keep))
        for name in list(env):
            if name in keep:
                continue
            if name.startswith(PROVIDER_PREFIXES) or name.startswith("GIT_"):
                del env[name]
            elif name in ("PYTHONPATH", "VIRTUAL_ENV_PROMPT"):
                del env[name]
        for kind in ("config", "cache", "data", "state"):
            env[f"XDG_{kind.upper()}_HOME"] = str(self.xdg(kind))
        env.update(
            {
                "HOME": str(self.home),
                "TMPDIR": str(self.root / "tmp"),
                "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_TERMINAL_PROMPT": "0",
                "PAGER": "cat",
                RUN_MARKER: self.run_id,
            }
        )
        if extra:
            env.update(extra)
        return env


def prepare_workspace(
    repo_path: str | Path,
    parent: str,
    *,
    name: str = "repo",
    root: str | Path | None = None,
    excludes: tuple[str, ...] = (),
) -> Workspace:
    """Export ``parent``'s tree into a fresh single-commit repository under a new temp root."""
    root = Path(root) if root is not None else Path(tempfile.mkdtemp(prefix="isobench-agent-"))
    root.mkdir(parents=True, exist_ok=True)
    path = root / name
    if path.exists():
        raise WorkspaceError(f"{path} already exists")
    gitutil.export_tree(repo_path, parent, path)  # git archive: the tree only, no history
    for sub in ("home", "tmp", "out", "xdg/config", "xdg/cache", "xdg/data", "xdg/state"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    env = _clean_git_env(IDENTITY)
    _git(["init", "-q", "-b", "main", "--template="], cwd=path, env=env)
    for key, value in (
        ("user.name", IDENTITY["GIT_AUTHOR_NAME"]),
        ("user.email", IDENTITY["GIT_AUTHOR_EMAIL"]),
        ("commit.gpgsign", "false"),
    ):
        _git(["config", key, value], cwd=path, env=env)
    info = path / ".git" / "info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "exclude").write_text(f"/{SCRATCH_DIR}/\n", encoding="utf-8")
    _git(["add", "-A", "--force", "."], cwd=path, env=env)
    _git(
        ["commit", "-q", "--allow-empty", "--no-verify", "-m", INITIAL_MESSAGE],
        cwd=path,
        env=env,
    )
    initial = _git(["rev-parse", "HEAD"], cwd=path, env=env).decode().strip()
    (path / SCRATCH_DIR).mkdir(exist_ok=True)
    # The harness's private git directory: same objects and index, outside the agent's reach.
    shutil.copytree(path / ".git", root / "harness.git", symlinks=True)
    ws = Workspace(root=root, path=path, initial_commit=initial, excludes=(SCRATCH_DIR, *excludes))
    (ws.harness_git_dir / "info" / "exclude").write_text(
        "".join(f"/{p.strip('/')}/\n/{p.strip('/')}\n" for p in ws.excludes), encoding="utf-8"
    )
    refresh = {**ws._harness_env(), "GIT_OPTIONAL_LOCKS": "1"}
    subprocess.run(
        ["git", "update-index", "-q", "--refresh"], cwd=path, env=refresh, capture_output=True
    )
    return ws


def remove_workspace(ws: Workspace) -> None:
    """Delete the run's temporary root (read-only files and directories included)."""
    if not ws.root.exists():
        return
    try:
        shutil.rmtree(ws.root)
        return
    except OSError:
        pass
    for dirpath, dirnames, filenames in os.walk(ws.root):
        for name in dirnames + filenames:
            target = os.path.join(dirpath, name)
            try:
                if not os.path.islink(target):
                    os.chmod(target, 0o700)
            except OSError:
                pass
    shutil.rmtree(ws.root, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Time to first edit


class FirstEditWatcher:
    """Polls the workspace (``git status`` through the harness's git dir) about once a second.

    ``seconds`` is the time from the start to the first poll that saw a change (resolution: the
    interval), or None when the tree never changed. A change first seen by the final check at
    :meth:`stop` is timed at the stop (an upper bound, for runs shorter than one interval).
    """

    def __init__(self, ws: Workspace, interval_s: float = 1.0) -> None:
        self.ws = ws
        self.interval_s = interval_s
        self.seconds: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="first-edit", daemon=True)
        self._start = 0.0

    def __enter__(self) -> FirstEditWatcher:
        self._start = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        stopped = time.monotonic()
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        if self.seconds is None and self._start:
            try:
                if self.ws.changed():
                    self.seconds = round(stopped - self._start, 3)
            except OSError:
                pass

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                if self.ws.changed():
                    self.seconds = round(time.monotonic() - self._start, 3)
                    return
            except OSError:
                return


# --------------------------------------------------------------------------------------------
# Running an agent process


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
    :meth:`Workspace.agent_env`; it survives ``setsid``) is killed as well.
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
