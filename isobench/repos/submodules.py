"""The target repositories as git submodules of this project (``vllm/``, ``sglang/``).

The pin is the gitlink the project records for the path (``git ls-tree HEAD -- <path>``): the
commit the study runs on. Nothing needs the submodule checked out to build the DAG; the jobs
that read the repository (repos, task records, agents, benchmarks) and the doctor do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from isobench import gitutil


@dataclass(frozen=True)
class SubmoduleState:
    path: str
    pinned: str | None  # the recorded gitlink (None: the project records none for the path)
    head: str | None  # the checked-out commit (None: not checked out)

    @property
    def at_pin(self) -> bool:
        return self.pinned is not None and self.head == self.pinned

    def problem(self) -> str | None:
        """What is wrong with the checkout, with the fix; None when it is at its pin."""
        if self.pinned is None:
            return (
                f"{self.path}: the project records no submodule at this path. Fix: use "
                f"`source: path` for an existing checkout, or add the submodule "
                f"(`git submodule add <url> {self.path}`)."
            )
        if self.head is None:
            return (
                f"{self.path}/ is not checked out (the submodule is empty). Fix: "
                f"`git submodule update --init {self.path}` (a full clone: the history is "
                f"needed for task diffs)."
            )
        if self.head != self.pinned:
            return (
                f"{self.path} is at {self.head[:12]}, not at its pinned commit "
                f"{self.pinned[:12]}. Fix: `git submodule update {self.path}` (or commit the new "
                f"pin if the move was intended)."
            )
        return None


def pinned_commit(path: str, project: str | Path = ".") -> str | None:
    """The gitlink the project's HEAD records for ``path`` (None without one, or without git)."""
    try:
        out = gitutil.git(project, "ls-tree", "HEAD", "--", path).strip()
    except (gitutil.GitError, OSError):
        return None
    parts = out.split()
    if len(parts) >= 3 and parts[0] == "160000" and parts[1] == "commit":
        return parts[2]
    return None


def checked_out_commit(path: str | Path) -> str | None:
    """HEAD of the checkout at ``path`` when it is a git work tree of its own, else None."""
    path = Path(path)
    if not (path / ".git").exists():
        return None
    try:
        return gitutil.git(path, "rev-parse", "HEAD").strip()
    except gitutil.GitError:
        return None


def state(path: str, project: str | Path = ".") -> SubmoduleState:
    project = Path(project)
    return SubmoduleState(
        path=path, pinned=pinned_commit(path, project), head=checked_out_commit(project / path)
    )


def missing_ancestors(repo: str | Path, commits: list[str], tip: str = "HEAD") -> list[str]:
    """The ``commits`` that are not ancestors of ``tip`` in ``repo`` (or not in it at all)."""
    missing = []
    for commit in commits:
        try:
            gitutil.git(repo, "merge-base", "--is-ancestor", commit, tip)
        except gitutil.GitError:
            missing.append(commit)
    return missing
