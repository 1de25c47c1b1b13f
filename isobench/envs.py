"""The environment every variant of a task is timed in (local executor: this interpreter)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def local_env(repo: str, commit: str) -> dict:
    git_version = subprocess.run(
        ["git", "--version"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "schema": 1,
        "executor": "local",
        "repo": repo,
        "commit": commit,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(terse=True),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "numpy": _version("numpy"),
        "git": git_version,
        "in_virtualenv": sys.prefix != sys.base_prefix,
    }
