"""Rebuild a demo repository from its patch series, with the same commit shas on every machine.

The series file (``demo/minserve/series.yaml``) lists the commits in order::

    author: {name: "Minserve Developers", email: "dev@minserve.invalid"}
    task_models: [minserve-tiny]  # optional: the task list's `models` (default minserve's)
    task_decoys: 2                # optional: how many decoys the task list includes (default 2)
    commits:
      - patch: 0001-initial.diff   # relative to <series dir>/patches/
        subject: "Start minserve"
        body: |                   # optional
          Longer message.
        date: "2025-01-06T10:00:00+00:00"
        label: feature            # perf | decoy | feature | fix | docs | test | refactor
        module: engine
        benchmark: "python benchmarks/benchmark_latency.py ..."   # perf and decoy only
        mode: latency                                              # perf and decoy only
        primary_metric: latency_avg_ms                             # perf and decoy only

(``test_avg_ms`` is the metric of a perf test that prints the JSON-line contract, as the torchkern
demo's do.)

Each patch is applied with ``git apply --index`` and committed with the series' author as author
and committer, the entry's date as both dates, and a message normalised to ``subject`` (plus a
blank line and ``body``).  Git runs with a private, empty configuration (``HOME`` and
``XDG_CONFIG_HOME`` point to a temporary directory, system and global config are off, no hooks,
no signing, no attribute or whitespace rewriting), so only ``git`` on ``PATH`` is needed and a
user's settings cannot change a sha.

Command line::

    python -m isobench.repos.demo demo/minserve/series.yaml DEST \\
        [--write-labels demo/minserve/labels.csv] [--write-tasks config/commits/minserve.yaml]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import yaml

from isobench.repos.task_list import (
    TASK_DECOYS,
    TASK_MODELS,
    task_entries,
    write_labels_csv,
    write_tasks_yaml,
)

__all__ = [
    "LABELS",
    "METRICS",
    "MODES",
    "SeriesError",
    "build_repo",
    "load_series",
    "series_labels",
    "task_entries",
    "write_labels_csv",
    "write_tasks_yaml",
]

LABELS = ("perf", "decoy", "feature", "fix", "docs", "test", "refactor")
MODES = ("latency", "throughput", "serving", "generic")
METRICS = (
    "latency_avg_ms",
    "throughput_tok_s",
    "ttft_mean_ms",
    "tpot_mean_ms",
    "request_throughput_req_s",
    "test_avg_ms",
)
BENCHMARKED = ("perf", "decoy")

_GIT_CONFIG = {
    "init.defaultBranch": "main",
    "core.autocrlf": "false",
    "core.safecrlf": "false",
    "core.eol": "lf",
    "core.fileMode": "true",
    "core.hooksPath": os.devnull,
    "core.attributesFile": os.devnull,
    "core.quotePath": "true",
    "commit.gpgSign": "false",
    "tag.gpgSign": "false",
    "i18n.commitEncoding": "UTF-8",
    "apply.whitespace": "nowarn",
    "gc.auto": "0",
    "maintenance.auto": "false",
}


class SeriesError(RuntimeError):
    """The series file is malformed, a patch is missing or does not apply, or dest is unusable."""


# ---------------------------------------------------------------------------------------- series


def load_series(series_file: str | Path) -> dict:
    """Read and validate the series: ``{"author": {...}, "commits": [entry, ...], "tasks": {...}}``.

    Every entry gets ``patch_path`` (the absolute patch path), a normalised ``message`` and
    ``None`` for the benchmark fields it does not have; ``tasks`` holds the task list's ``models``
    and ``decoys`` (``task_models``, ``task_decoys``).
    """
    series_file = Path(series_file)
    if not series_file.is_file():
        raise SeriesError(f"series file {series_file} does not exist")
    try:
        data = yaml.safe_load(series_file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SeriesError(f"series file {series_file} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("commits"), list):
        raise SeriesError(f"{series_file}: expected a mapping with a `commits` list")
    author = data.get("author") or {}
    if not (isinstance(author, dict) and author.get("name") and author.get("email")):
        raise SeriesError(f"{series_file}: `author` needs a name and an email")
    if not data["commits"]:
        raise SeriesError(f"{series_file}: the series has no commits")
    patch_dir = series_file.parent / "patches"
    entries = [
        _entry(raw, f"{series_file}, commit {index}", patch_dir)
        for index, raw in enumerate(data["commits"], start=1)
    ]
    author = {"name": author["name"], "email": author["email"]}
    return {"author": author, "commits": entries, "tasks": _task_settings(data, series_file)}


def _task_settings(data: dict, series_file: Path) -> dict:
    """The series' ``task_models`` and ``task_decoys`` (minserve's when it names none)."""
    tasks = {
        "models": data.get("task_models", TASK_MODELS),
        "decoys": data.get("task_decoys", TASK_DECOYS),
    }
    if not (isinstance(tasks["models"], list) and all(isinstance(m, str) for m in tasks["models"])):
        raise SeriesError(f"{series_file}: `task_models` must be a list of strings")
    if not (type(tasks["decoys"]) is int and tasks["decoys"] >= 0):
        raise SeriesError(f"{series_file}: `task_decoys` must be a non-negative integer")
    return tasks


def _entry(raw: object, where: str, patch_dir: Path) -> dict:
    """One validated commit entry of the series (``where`` names it in errors)."""
    if not isinstance(raw, dict):
        raise SeriesError(f"{where}: expected a mapping")
    for key in ("patch", "subject", "date", "label", "module"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise SeriesError(f"{where}: `{key}` is required (a non-empty string)")
    where = f"{where} ({raw['patch']})"
    if "\n" in raw["subject"]:
        raise SeriesError(f"{where}: the subject must be one line")
    if raw["label"] not in LABELS:
        raise SeriesError(f"{where}: label {raw['label']!r} is not one of {', '.join(LABELS)}")
    try:
        datetime.fromisoformat(raw["date"])
    except ValueError as exc:
        raise SeriesError(f"{where}: date {raw['date']!r} is not ISO 8601") from exc
    entry = {
        "patch": raw["patch"],
        "patch_path": (patch_dir / raw["patch"]).resolve(),
        "subject": raw["subject"].strip(),
        "body": raw.get("body") or "",
        "date": raw["date"],
        "label": raw["label"],
        "module": raw["module"],
        "benchmark": raw.get("benchmark"),
        "mode": raw.get("mode"),
        "primary_metric": raw.get("primary_metric"),
    }
    if entry["label"] in BENCHMARKED:
        for key in ("benchmark", "mode", "primary_metric"):
            if not entry[key]:
                raise SeriesError(f"{where}: a {entry['label']} commit needs `{key}`")
        if entry["mode"] not in MODES:
            raise SeriesError(f"{where}: mode {entry['mode']!r} is not one of {MODES}")
        if entry["primary_metric"] not in METRICS:
            raise SeriesError(
                f"{where}: primary_metric {entry['primary_metric']!r} is not one of {METRICS}"
            )
    entry["message"] = _message(entry["subject"], entry["body"])
    return entry


def series_labels(series_file: str | Path) -> list[dict]:
    """``[{subject, label, module}, ...]`` in series order (no git needed)."""
    return [
        {"subject": e["subject"], "label": e["label"], "module": e["module"]}
        for e in load_series(series_file)["commits"]
    ]


def _message(subject: str, body: str) -> str:
    """The exact commit message: subject, then an optional body; trailing spaces stripped."""
    lines = [subject.rstrip()]
    body_lines = [line.rstrip() for line in body.replace("\r\n", "\n").split("\n")]
    while body_lines and not body_lines[-1]:
        body_lines.pop()
    while body_lines and not body_lines[0]:
        body_lines.pop(0)
    if body_lines:
        lines += [""] + body_lines
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------ git


class _Git:
    """git with a private, empty configuration in a scratch HOME."""

    def __init__(self, home: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(
            {
                "HOME": str(home),
                "XDG_CONFIG_HOME": str(home),
                "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_CONFIG_GLOBAL": os.devnull,
                "GIT_TERMINAL_PROMPT": "0",
                "GIT_PAGER": "cat",
                "LC_ALL": "C",
                "TZ": "UTC",
            }
        )
        self.env = env
        self.config_args: list[str] = []
        for key, value in _GIT_CONFIG.items():
            self.config_args += ["-c", f"{key}={value}"]

    def run(
        self, cwd: Path, *args: str, env: dict | None = None, check: bool = True
    ) -> subprocess.CompletedProcess:
        if shutil.which("git") is None:
            raise SeriesError("git is not on PATH")
        proc = subprocess.run(
            ["git", *self.config_args, *args],
            cwd=cwd,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
        )
        if check and proc.returncode != 0:
            raise SeriesError(
                f"git {' '.join(args)} failed in {cwd} (exit {proc.returncode}): "
                f"{proc.stderr.strip()}"
            )
        return proc


def _head(git: _Git, repo: Path) -> str | None:
    proc = git.run(repo, "rev-parse", "--verify", "-q", "HEAD^{commit}", check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def _build_into(series: dict, dest: Path, git: _Git) -> list[dict]:
    dest.mkdir(parents=True, exist_ok=True)
    git.run(dest, "init", "-q", "--template=", ".")
    author = series["author"]
    commits: list[dict] = []
    parent = None
    for entry in series["commits"]:
        patch = entry["patch_path"]
        if not patch.is_file():
            raise SeriesError(f"patch {entry['patch']} does not exist (expected at {patch})")
        check = git.run(dest, "apply", "--index", "--check", str(patch), check=False)
        if check.returncode != 0:
            raise SeriesError(
                f"patch {entry['patch']} ({entry['subject']!r}) does not apply on top of "
                f"{parent or 'the empty repository'}: {check.stderr.strip()}"
            )
        git.run(dest, "apply", "--index", str(patch))
        stamp = entry["date"]
        env = {
            "GIT_AUTHOR_NAME": author["name"],
            "GIT_AUTHOR_EMAIL": author["email"],
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_NAME": author["name"],
            "GIT_COMMITTER_EMAIL": author["email"],
            "GIT_COMMITTER_DATE": stamp,
        }
        _commit(git, dest, entry["message"], env)
        sha = _head(git, dest)
        commits.append(
            {
                "sha": sha,
                "parent": parent,
                "subject": entry["subject"],
                "label": entry["label"],
                "module": entry["module"],
                "benchmark": entry["benchmark"],
                "mode": entry["mode"],
                "primary_metric": entry["primary_metric"],
            }
        )
        parent = sha
    return commits


def _commit(git: _Git, repo: Path, message: str, env: dict) -> None:
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="\n", delete=False) as fh:
        fh.write(message)
        message_file = fh.name
    try:
        git.run(
            repo,
            "commit",
            "-q",
            "--no-verify",
            "--allow-empty",
            "--no-edit",
            "--cleanup=verbatim",
            "-F",
            message_file,
            env=env,
        )
    finally:
        os.unlink(message_file)


# -------------------------------------------------------------------------------------- public


def build_repo(series_file: str | Path, dest: str | Path) -> list[dict]:
    """Create the git repository of the series at ``dest`` and describe its commits.

    ``dest`` must not exist or be an empty directory.  If it already is a repository whose HEAD
    is the series' final commit, nothing is changed (the series is still rebuilt in a temporary
    directory to know the shas).  Returns one dict per commit, oldest first: ``sha``, ``parent``
    (None for the root), ``subject``, ``label``, ``module``, ``benchmark``, ``mode``,
    ``primary_metric`` (the last three None where the series has none).

    Raises SeriesError naming the patch when a patch is missing or does not apply, and when
    ``dest`` is a non-empty directory that is not the expected repository.
    """
    series = load_series(series_file)
    dest = Path(dest)
    with tempfile.TemporaryDirectory(prefix="isobench-demo-") as tmp:
        git = _Git(Path(tmp))
        if dest.exists() and not dest.is_dir():
            raise SeriesError(f"{dest} exists and is not a directory")
        if dest.is_dir() and any(dest.iterdir()):
            head = _head(git, dest) if (dest / ".git").exists() else None
            expected = _build_into(series, Path(tmp) / "repo", git)
            if head is not None and head == expected[-1]["sha"]:
                return expected
            raise SeriesError(
                f"{dest} is not empty and is not the demo repository of {series_file} "
                f"(HEAD {head or 'none'}, expected {expected[-1]['sha']}). Fix: delete it or "
                f"choose another destination."
            )
        try:
            return _build_into(series, dest, git)
        except BaseException:
            shutil.rmtree(dest, ignore_errors=True)
            raise


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m isobench.repos.demo",
        description="Rebuild a demo repository from its patch series (stable shas).",
    )
    parser.add_argument("series", type=Path, help="the series file (demo/minserve/series.yaml)")
    parser.add_argument("dest", type=Path, help="where to create the repository")
    parser.add_argument("--write-labels", type=Path, metavar="CSV", help="write labels.csv")
    parser.add_argument("--write-tasks", type=Path, metavar="YAML", help="write the task list")
    args = parser.parse_args(argv)
    try:
        commits = build_repo(args.series, args.dest)
    except SeriesError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for c in commits:
        print(f"{c['sha']} {c['label']:<8} {c['subject']}")
    if args.write_labels:
        write_labels_csv(commits, args.write_labels)
    if args.write_tasks:
        settings = load_series(args.series)["tasks"]
        write_tasks_yaml(commits, args.write_tasks, args.series, settings)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
