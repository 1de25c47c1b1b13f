"""Finding a coding-agent CLI and asking it for its version.

A CLI is looked up where ``.ci/setup-agents.sh`` installs the pinned ones (the project's
``.tools/`` folders), then on ``PATH``; its version is the first line of ``<cli> --version``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TOOLS_BIN = Path(".tools") / "npm" / "bin"


def resolve_command(
    command: str | list[str] | tuple[str, ...],
    tool_dirs: tuple[Path, ...] = (TOOLS_BIN,),
) -> list[str] | None:
    """The argv prefix of a CLI: its first word resolved, or None when it cannot be found.

    A bare name is looked up in ``tool_dirs`` (relative folders, default ``.tools/npm/bin``; of
    the working directory, then of the project), then on ``PATH``; a path (with a slash) must
    exist.
    """
    argv = [command] if isinstance(command, str) else list(command)
    if not argv:
        return None
    head = argv[0]
    if os.sep in head or "/" in head:
        path = Path(head).expanduser()
        return [str(path.resolve()), *argv[1:]] if path.exists() else None
    for base in (Path.cwd(), PROJECT_ROOT):
        for tools in tool_dirs:
            candidate = base / tools / head
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return [str(candidate), *argv[1:]]
    found = shutil.which(head)
    return [found, *argv[1:]] if found else None


def first_line(argv: list[str], env: dict | None = None, timeout_s: float = 60) -> str | None:
    """First line of what ``argv`` prints (stdout, else stderr), or None when it fails."""
    try:
        proc = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            env=env,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (proc.stdout or proc.stderr).strip()
    return text.splitlines()[0].strip() if proc.returncode == 0 and text else None


def cli_version(argv: list[str], env: dict | None = None, timeout_s: float = 60) -> str | None:
    """First line of ``<cli> --version``, or None when it fails."""
    return first_line([*argv, "--version"], env=env, timeout_s=timeout_s)
