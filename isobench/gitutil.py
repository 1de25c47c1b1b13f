"""Thin wrappers over the git command line (one process per call, nothing long-lived).

GitPython keeps persistent `git cat-file` children per Repo object; Snakemake jobs are short and
parallel, so plain subprocess calls are both simpler and safer here.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
from pathlib import Path

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


class GitError(RuntimeError):
    pass


def _env(extra: dict | None = None) -> dict:
    env = dict(os.environ)
    # Never let a user's pager, editor or locale change what we parse.
    env.update({"GIT_PAGER": "cat", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
    if extra:
        env.update(extra)
    return env


def git(repo: str | Path, *args: str, input: bytes | None = None, env: dict | None = None) -> str:
    """Run ``git -C repo args`` and return stdout as text; raise GitError with stderr on failure."""
    proc = subprocess.run(
        ["git", "-C", str(repo), *args],
        input=input,
        capture_output=True,
        env=_env(env),
    )
    if proc.returncode != 0:
        raise GitError(
            f"git {' '.join(args)} failed in {repo} (exit {proc.returncode}): "
            f"{proc.stderr.decode(errors='replace').strip()}"
        )
    return proc.stdout.decode("utf-8", errors="replace")


def git_bytes(repo: str | Path, *args: str) -> bytes:
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, env=_env())
    if proc.returncode != 0:
        raise GitError(
            f"git {' '.join(args)} failed in {repo}: {proc.stderr.decode(errors='replace').strip()}"
        )
    return proc.stdout


def is_commit(repo: str | Path, sha: str) -> bool:
    proc = subprocess.run(
        ["git", "-C", str(repo), "cat-file", "-e", f"{sha}^{{commit}}"],
        capture_output=True,
        env=_env(),
    )
    return proc.returncode == 0


def first_parent(repo: str | Path, sha: str) -> str | None:
    parents = git(repo, "rev-list", "--parents", "-n", "1", sha).split()
    return parents[1] if len(parents) > 1 else None


def commit_metadata(repo: str | Path, sha: str) -> dict:
    sep = "\x1f"
    fmt = sep.join(["%H", "%P", "%an", "%aI", "%cI", "%s", "%B"])
    out = git(repo, "show", "-s", f"--format={fmt}", sha)
    full, parents, author, adate, cdate, subject, body = out.split(sep, 6)
    return {
        "commit": full,
        "parents": parents.split(),
        "author": author,
        "author_date": adate,
        "commit_date": cdate,
        "subject": subject,
        "message": body.rstrip("\n"),
    }


DIFF_ARGS = ("diff", "--binary", "--no-color", "--no-ext-diff", "--no-textconv")


def diff(repo: str | Path, base: str, head: str) -> str:
    """The diff from base to head as text, for reading (line ends kept, bad bytes replaced)."""
    return git(repo, *DIFF_ARGS, base, head)


def diff_bytes(repo: str | Path, base: str, head: str) -> bytes:
    """Full binary-safe diff from base to head, byte for byte (what `git apply` on base reproduces)."""
    return git_bytes(repo, *DIFF_ARGS, base, head)


def numstat(repo: str | Path, base: str, head: str) -> list[tuple[int, int, str]]:
    rows = []
    for line in git(repo, "diff", "--numstat", "--no-renames", base, head).splitlines():
        added, removed, path = line.split("\t", 2)
        # Binary files report "-": count them as changed files with no text lines.
        rows.append(
            (int(added) if added != "-" else 0, int(removed) if removed != "-" else 0, path)
        )
    return rows


def export_tree(repo: str | Path, sha: str, dest: str | Path) -> Path:
    """Write the tree of ``sha`` into ``dest`` (a clean copy: no .git, nothing untracked)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    data = git_bytes(repo, "archive", "--format=tar", sha)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def apply_patch(tree: str | Path, patch: bytes) -> tuple[bool, str]:
    """Apply a patch to a plain directory with `git apply`; never forced, never fuzzed.

    Returns (applied, message). GIT_CEILING_DIRECTORIES stops git from discovering an enclosing
    repository, so the patch is applied to ``tree`` itself wherever it lives.
    """
    tree = Path(tree).resolve()
    env = _env({"GIT_CEILING_DIRECTORIES": str(tree.parent)})
    for args in (["apply", "--check", "--whitespace=nowarn"], ["apply", "--whitespace=nowarn"]):
        proc = subprocess.run(
            ["git", *args, "-"], cwd=tree, input=patch, capture_output=True, env=env
        )
        if proc.returncode != 0:
            return False, proc.stderr.decode(errors="replace").strip() or "git apply failed"
    return True, ""
