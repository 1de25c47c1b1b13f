"""Target repositories: the demo rebuilt from its patch series, a submodule, or a checkout."""

from __future__ import annotations

import logging
from pathlib import Path

from isobench import gitutil
from isobench.config import ConfigError
from isobench.repos import submodules

log = logging.getLogger(__name__)


def prepare_repo(name: str, cfg: dict, stamp: Path) -> dict:
    """Make the repository available and describe it; the result is written to ``stamp``.

    The demo repository is built next to its stamp (results/repos/<name>/), so deleting results/
    rebuilds it with the same shas.
    """
    source = cfg["source"]
    extra: dict = {}
    if source == "demo":
        from isobench.repos.demo import build_repo

        series = cfg.get("series")
        if not series:
            raise ConfigError(f"repos.{name}: source demo needs `series` (the patch series file).")
        dest = stamp.with_suffix("")
        commits = build_repo(Path(series), dest)
        log.info("built demo repository %s: %d commits", dest, len(commits))
        path = dest
    elif source == "submodule":
        # The project's submodule (default: the folder named like the repository).
        found = submodules.state(cfg.get("path") or name)
        if found.head is None or found.pinned is None:
            raise ConfigError(f"repos.{name}: {found.problem()}")
        if not found.at_pin:
            log.warning("repos.%s: %s", name, found.problem())
        path = Path(found.path)
        extra = {"pinned": found.pinned}
    elif source == "path":
        if not cfg.get("path"):
            raise ConfigError(f"repos.{name}: source path needs `path` (an existing git checkout).")
        path = Path(cfg["path"])
        if not (path / ".git").exists():
            raise ConfigError(
                f"repos.{name}.path = {path} is not a git checkout. Fix: clone the repository "
                f"there (e.g. `git submodule update --init {path}`) or correct the path."
            )
    else:  # the schema rules this out; kept for callers outside the workflow
        raise ConfigError(f"repos.{name}.source must be demo, submodule or path, got {source!r}")
    head = gitutil.git(path, "rev-parse", "HEAD").strip()
    count = int(gitutil.git(path, "rev-list", "--count", "HEAD").strip())
    return {
        "name": name,
        "source": source,
        "path": str(path),
        "head": head,
        "commit_count": count,
        **extra,
    }
