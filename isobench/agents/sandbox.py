"""What an agent's processes can see: its own workspace, never the study's data.

The workspace holds only the parent commit, but an agent runs as the same user as the workflow,
so without more it could read the human commit from the study itself: the repository clone,
`results/` (task records carry the human diff), the demo's patch series, the LLM store, other
attempts' runs. So every agent process (a CLI agent, or each command of mini) runs under
bubblewrap in a mount namespace where

- the workflow's working directory, the task's repository and any other given path are empty
  tmpfs mounts (``hide``);
- the tools it needs from there (the pinned agent CLIs in `.tools/`, the Python environment)
  are re-exposed read-only (``expose``);
- its own run root (workspace, HOME, tmp) is writable;
- a private PID namespace with its own /proc, so ``/proc/<pid>/cwd`` of the workflow's
  processes cannot lead back into the hidden tree.

Modes (``agents[].sandbox``): ``auto`` (bubblewrap when installed, else unsandboxed with a warning
recorded in run.json), ``bwrap`` (required: a missing bwrap is a harness error), ``none``.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

MODES = ("auto", "bwrap", "none")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
INSTALL_HINT = "install bubblewrap (Debian: apt-get install bubblewrap)"


class SandboxError(RuntimeError):
    pass


@dataclass(frozen=True)
class Sandbox:
    mode: str  # what is in force: "bwrap" or "none"
    prefix: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    note: str = ""

    def wrap(self, argv: list[str]) -> list[str]:
        return [*self.prefix, *argv]

    def record(self) -> dict:
        """For run.json: what the agent could not see, and why it was not sandboxed if so."""
        out = {"mode": self.mode, "hidden": list(self.hidden)}
        if self.note:
            out["note"] = self.note
        return out


def _inside(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


def build_sandbox(
    mode: str,
    *,
    hide: list[Path],
    writable: list[Path],
    expose: list[Path] = (),
) -> Sandbox:
    if mode not in MODES:
        raise SandboxError(f"unknown sandbox mode {mode!r}; use one of {', '.join(MODES)}")
    if mode == "none":
        return Sandbox("none", note="sandbox: none (configured)")
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        if mode == "bwrap":
            raise SandboxError(
                f"sandbox: bwrap is required but not installed; {INSTALL_HINT}, "
                "or set the agent's sandbox to none"
            )
        note = f"UNSANDBOXED: bwrap not found ({INSTALL_HINT}); the agent could read the study"
        log.warning(note)
        return Sandbox("none", note=note)
    writable = [Path(p).resolve() for p in writable]
    hidden: list[Path] = []
    for path in sorted({Path(p).resolve() for p in hide}, key=lambda p: len(p.parts)):
        if not path.exists() or path == Path("/") or any(_inside(path, h) for h in hidden):
            continue  # nothing to hide, or already under a hidden tree
        hidden.append(path)
    args = [bwrap, "--die-with-parent", "--unshare-pid", "--bind", "/", "/"]
    args += ["--proc", "/proc", "--dev", "/dev"]
    for path in hidden:
        args += ["--tmpfs", str(path)]
    for path in expose:
        path = Path(path).resolve()
        if path.exists() and any(_inside(path, h) for h in hidden):
            args += ["--ro-bind", str(path), str(path)]
    for path in writable:
        # A run root under a hidden tree (TMPDIR inside the project) is mounted back, writable.
        if any(_inside(path, h) for h in hidden):
            args += ["--bind", str(path), str(path)]
    args.append("--")
    return Sandbox("bwrap", prefix=tuple(args), hidden=tuple(str(h) for h in hidden))


def agent_sandbox(agent: dict, repo_path: Path, run_root: Path) -> Sandbox:
    """The sandbox of one agent run: hide the study (cwd, the repository, the LLM store and the
    run archive, wherever they are configured)."""
    cwd = Path.cwd()
    hide = [cwd, Path(repo_path)]
    stores = [(agent.get("llm") or {}).get("store"), agent.get("run_archive")]
    stores.append(os.environ.get("ISOBENCH_LLM_STORE"))
    hide += [Path(path) for path in stores if path]
    # What agents run from inside a hidden tree: the pinned CLIs (.tools of the working directory
    # and of this project: npm CLIs, OpenHands' environment) and the Python environment.
    expose = [cwd / ".tools", PROJECT_ROOT / ".tools", Path(sys.prefix), Path(sys.base_prefix)]
    return build_sandbox(
        agent.get("sandbox", "auto"), hide=hide, writable=[Path(run_root)], expose=expose
    )
