"""The embedded demo: the minserve history rebuilt from its patch series, its ground truth, its
task list and the replayed predictions.

Builds take about a second; the benchmark checks run each task's command once at its parent and
once at its commit (a few seconds in all) and compare output digests, never timings.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from isobench.bench.metrics import parse_metrics, parse_output_digest
from isobench.repos.demo import SeriesError, build_repo, load_series, series_labels

ROOT = Path(__file__).resolve().parent.parent
SERIES = ROOT / "demo" / "minserve" / "series.yaml"
LABELS = ROOT / "demo" / "minserve" / "labels.csv"
TASKS = ROOT / "config" / "commits" / "minserve.yaml"
PREDICTIONS = ROOT / "demo" / "predictions" / "minserve.jsonl"
PREDICTIONS_README = ROOT / "demo" / "predictions" / "README.md"

PERF_MODULES = {"allocator", "sampler", "scheduler", "tokenizer", "kv_cache", "serving"}
KINDS = {"good", "mediocre", "wrong-output", "does-not-apply"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, list[dict]]:
    dest = tmp_path_factory.mktemp("minserve") / "repo"
    return dest, build_repo(SERIES, dest)


@pytest.fixture(scope="module")
def tasks() -> list[dict]:
    return yaml.safe_load(TASKS.read_text())


@pytest.fixture(scope="module")
def predictions() -> list[dict]:
    return [json.loads(line) for line in PREDICTIONS.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def prediction_kinds() -> dict[str, list[str]]:
    """instance id -> kind of attempt 1, 2, 3, from the table in demo/predictions/README.md."""
    kinds: dict[str, list[str]] = {}
    row = re.compile(r"^\|\s*`?(minserve-[0-9a-f]{12})`?\s*\|(.*)\|\s*$")
    for line in PREDICTIONS_README.read_text().splitlines():
        match = row.match(line)
        if match:
            cells = [c.strip() for c in match.group(2).split("|")]
            kinds[match.group(1)] = cells[-3:]
    return kinds


def git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)


def export(repo: Path, sha: str, dest: Path) -> Path:
    data = subprocess.run(
        ["git", "-C", str(repo), "archive", "--format=tar", sha], check=True, capture_output=True
    ).stdout
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")
    return dest


# ----------------------------------------------------------------------------- the history


def test_build_is_reproducible(built, tmp_path):
    _, commits = built
    again = build_repo(SERIES, tmp_path / "again")
    assert [c["sha"] for c in again] == [c["sha"] for c in commits]
    assert commits[0]["parent"] is None
    assert all(c["parent"] == p["sha"] for p, c in zip(commits, commits[1:], strict=False))


def test_build_ignores_user_git_config(built, tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Someone Else\n[core]\n\tautocrlf = true\n[commit]\n\tgpgsign = true\n"
        "[apply]\n\twhitespace = fix\n[i18n]\n\tcommitEncoding = ISO-8859-1\n"
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Intruder")
    commits = build_repo(SERIES, tmp_path / "repo")
    assert commits[-1]["sha"] == built[1][-1]["sha"]


def test_labels_csv_matches_the_build(built):
    _, commits = built
    with LABELS.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["sha"] for r in rows] == [c["sha"] for c in commits]
    for row, commit in zip(rows, commits, strict=True):
        assert row["parent"] == (commit["parent"] or "")
        assert (row["subject"], row["label"], row["module"]) == (
            commit["subject"],
            commit["label"],
            commit["module"],
        )
    assert series_labels(SERIES) == [
        {"subject": r["subject"], "label": r["label"], "module": r["module"]} for r in rows
    ]


def test_history_shape(built):
    _, commits = built
    assert len(commits) >= 25
    perf = [c for c in commits if c["label"] == "perf"]
    decoys = [c for c in commits if c["label"] == "decoy"]
    assert len(perf) >= 6
    assert PERF_MODULES <= {c["module"] for c in perf}
    assert len(decoys) >= 3
    for c in perf + decoys:
        assert c["benchmark"] and c["mode"] and c["primary_metric"]
    for c in commits:
        if c["label"] not in ("perf", "decoy"):
            assert c["benchmark"] is None and c["mode"] is None and c["primary_metric"] is None


def test_commits_carry_the_series_metadata(built):
    dest, commits = built
    series = load_series(SERIES)
    for entry, commit in zip(series["commits"], commits, strict=True):
        raw = git(dest, "cat-file", "-p", commit["sha"]).stdout
        header, message = raw.split("\n\n", 1)
        assert message == entry["message"]
        assert f"author {series['author']['name']} <{series['author']['email']}>" in header
        assert f"committer {series['author']['name']} <{series['author']['email']}>" in header
    assert git(dest, "status", "--porcelain").stdout == ""


def test_existing_repository_is_a_noop(built):
    dest, commits = built
    before = git(dest, "rev-parse", "HEAD").stdout
    assert build_repo(SERIES, dest) == commits
    assert git(dest, "rev-parse", "HEAD").stdout == before


def test_non_empty_destination_is_refused(tmp_path):
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "file.txt").write_text("not a repository")
    with pytest.raises(SeriesError, match="not empty"):
        build_repo(SERIES, dest)
    assert (dest / "file.txt").read_text() == "not a repository"


def _small_series(tmp_path: Path, n: int) -> Path:
    """The first ``n`` entries of the series, with their patches."""
    data = yaml.safe_load(SERIES.read_text())
    data["commits"] = data["commits"][:n]
    (tmp_path / "patches").mkdir()
    for entry in data["commits"]:
        shutil.copyfile(
            SERIES.parent / "patches" / entry["patch"], tmp_path / "patches" / entry["patch"]
        )
    series = tmp_path / "series.yaml"
    series.write_text(yaml.safe_dump(data, sort_keys=False))
    return series


def test_missing_patch_is_named(tmp_path):
    series = _small_series(tmp_path, 3)
    victim = yaml.safe_load(series.read_text())["commits"][1]["patch"]
    (tmp_path / "patches" / victim).unlink()
    with pytest.raises(SeriesError, match=re.escape(victim)):
        build_repo(series, tmp_path / "repo")
    assert not (tmp_path / "repo").exists()


def test_patch_that_does_not_apply_is_named(tmp_path):
    series = _small_series(tmp_path, 2)
    data = yaml.safe_load(series.read_text())
    first = data["commits"][0]["patch"]
    data["commits"][1]["patch"] = first  # creates the same files a second time
    series.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(SeriesError, match=re.escape(first) + ".*does not apply"):
        build_repo(series, tmp_path / "repo")
    assert not (tmp_path / "repo").exists()


def test_malformed_series_is_rejected(tmp_path):
    series = _small_series(tmp_path, 2)
    data = yaml.safe_load(series.read_text())
    data["commits"][1]["label"] = "speedup"
    series.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(SeriesError, match="label"):
        load_series(series)


# ------------------------------------------------------------------------------- the tasks


def test_task_list_matches_the_series(built, tasks):
    _, commits = built
    by_sha = {c["sha"]: c for c in commits}
    perf = [c["sha"] for c in commits if c["label"] == "perf"]
    decoys = [c["sha"] for c in commits if c["label"] == "decoy"]
    listed = [t["commit"] for t in tasks]
    assert set(perf) <= set(listed)
    assert len(set(listed) & set(decoys)) == 2
    assert len(listed) == len(set(listed)) == len(perf) + 2
    for task in tasks:
        commit = by_sha[task["commit"]]
        assert task["perf_command"] == commit["benchmark"]
        assert task["mode"] == commit["mode"]
        assert task["primary_metric"] == commit["primary_metric"]
        assert task["models"] == ["minserve-tiny"]


@pytest.mark.e2e
def test_task_benchmarks_run_with_identical_outputs(built, tasks, tmp_path):
    dest, commits = built
    by_sha = {c["sha"]: c for c in commits}
    for task in tasks:
        argv = shlex.split(task["perf_command"])
        assert argv[0] == "python"
        argv[0] = sys.executable
        digests = []
        for sha in (by_sha[task["commit"]]["parent"], task["commit"]):
            tree = tmp_path / sha
            if not tree.exists():  # a decoy can be the parent of the next task
                export(dest, sha, tree)
            proc = subprocess.run(argv, cwd=tree, capture_output=True, text=True, timeout=120)
            assert proc.returncode == 0, f"{task['perf_command']} at {sha}:\n{proc.stderr}"
            assert task["primary_metric"] in parse_metrics(proc.stdout), proc.stdout
            digests.append(parse_output_digest(proc.stdout))
        assert digests[0] is not None and digests[0] == digests[1], task["perf_command"]


# -------------------------------------------------------------------------- the predictions


def test_predictions_parse(predictions, tasks):
    instance_ids = [f"minserve-{t['commit'][:12]}" for t in tasks]
    assert len(predictions) == 3 * len(tasks)
    for p in predictions:
        assert set(p) == {"instance_id", "model_patch", "model_name_or_path"}
        assert p["model_name_or_path"] == "demo-predictions"
        assert p["model_patch"].startswith("diff --git a/")
    counts = {iid: sum(p["instance_id"] == iid for p in predictions) for iid in instance_ids}
    assert counts == {iid: 3 for iid in instance_ids}


def test_prediction_kinds_are_documented(prediction_kinds, tasks):
    assert set(prediction_kinds) == {f"minserve-{t['commit'][:12]}" for t in tasks}
    kinds = [k for attempts in prediction_kinds.values() for k in attempts]
    assert set(kinds) == KINDS
    # "some good patch within the first K attempts" grows with K, and not every task has one
    solved = [
        sum(any(k == "good" for k in attempts[:cutoff]) for attempts in prediction_kinds.values())
        for cutoff in (1, 2, 3)
    ]
    assert solved[0] < solved[1] < solved[2] < len(prediction_kinds)


def test_predictions_apply_exactly_when_expected(
    built, tasks, predictions, prediction_kinds, tmp_path
):
    dest, commits = built
    parents = {f"minserve-{c['sha'][:12]}": c["parent"] for c in commits}
    index = {"GIT_INDEX_FILE": str(tmp_path / "index")}
    attempts: dict[str, int] = {}
    for p in predictions:
        iid = p["instance_id"]
        attempt = attempts[iid] = attempts.get(iid, 0) + 1
        kind = prediction_kinds[iid][attempt - 1]
        # check against the parent's tree in a private index; the checkout is untouched
        env = {**os.environ, **index}
        subprocess.run(["git", "-C", str(dest), "read-tree", parents[iid]], check=True, env=env)
        check = subprocess.run(
            ["git", "-C", str(dest), "apply", "--cached", "--check", "-"],
            input=p["model_patch"],
            capture_output=True,
            text=True,
            env=env,
        )
        assert (check.returncode != 0) == (kind == "does-not-apply"), (iid, attempt, kind)
