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

Running the agent's process tree in it: :mod:`isobench.process`; the time to its first edit:
:mod:`isobench.agents.first_edit`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from isobench import gitutil
from isobench.agents.prompt import SCRATCH_DIR
from isobench.process import RUN_MARKER
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
    initial = _commit_initial_state(path)
    (path / SCRATCH_DIR).mkdir(exist_ok=True)
    ws = Workspace(root=root, path=path, initial_commit=initial, excludes=(SCRATCH_DIR, *excludes))
    _make_harness_git_dir(ws)
    return ws


def _commit_initial_state(path: Path) -> str:
    """``git init`` the exported tree and commit all of it once, with the fixed identity and
    date; returns the commit's sha."""
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
    return _git(["rev-parse", "HEAD"], cwd=path, env=env).decode().strip()


def _make_harness_git_dir(ws: Workspace) -> None:
    """The harness's private git directory: same objects and index, outside the agent's reach,
    with the excluded paths in its info/exclude."""
    shutil.copytree(ws.path / ".git", ws.harness_git_dir, symlinks=True)
    (ws.harness_git_dir / "info" / "exclude").write_text(
        "".join(f"/{p.strip('/')}/\n/{p.strip('/')}\n" for p in ws.excludes), encoding="utf-8"
    )
    refresh = {**ws._harness_env(), "GIT_OPTIONAL_LOCKS": "1"}
    subprocess.run(
        ["git", "update-index", "-q", "--refresh"], cwd=ws.path, env=refresh, capture_output=True
    )


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
