"""`isobench init DIR`: a study directory of its own, apart from the demo and from other studies.

The directory gets ``config/config.yaml`` (one repository of source ``path``, the oracle and noop
agents) and ``config/commits/<name>.yaml`` (the task list to fill in), from the templates in
``config/study/``. Snakemake runs it from the isobench checkout with ``--directory DIR``: the
Snakefile loads the working directory's ``config/config.yaml``, so the study's own config is the
whole config (the demo's is never read), and results/, logs/, the LLM record store and the run
archive are created inside DIR.
"""

from __future__ import annotations

import re
from pathlib import Path

from isobench.config import ConfigError

TEMPLATES = Path(__file__).resolve().parents[2] / "config" / "study"
NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def init_study(directory: Path, repo: Path | None = None, name: str | None = None) -> list[Path]:
    """Write the study's config files; returns them. Existing files are never overwritten."""
    directory = directory.expanduser().resolve()
    repo_path = repo.expanduser().resolve() if repo is not None else None
    name = name or (repo_path.name if repo_path is not None else "myrepo")
    if not NAME.match(name):
        raise ConfigError(
            f"repository name {name!r} is not usable in result paths. Fix: pass --name with "
            "letters, digits, '.', '_' or '-' only."
        )
    if repo_path is not None and not (repo_path / ".git").exists():
        raise ConfigError(
            f"{repo_path} is not a git checkout. Fix: pass --repo the root of a git repository."
        )
    values = {
        "study": str(directory),
        "name": name,
        "repo": str(repo_path) if repo_path else "/path/to/your/git/checkout",
    }
    targets = {
        directory / "config" / "config.yaml": TEMPLATES / "config.yaml",
        directory / "config" / "commits" / f"{name}.yaml": TEMPLATES / "commits.yaml",
    }
    existing = [path for path in targets if path.exists()]
    if existing:
        raise ConfigError(
            f"{existing[0]} already exists. Fix: choose a new directory, or edit the files there."
        )
    for path, template in targets.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        text = template.read_text(encoding="utf-8")
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        path.write_text(text, encoding="utf-8")
    return list(targets)
