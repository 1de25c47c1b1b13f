"""A study of a repository isobench was not written for, set up the way the README tells a user.

The repository (tests/support/foreign_repo.py) has a CRLF file with a Latin-1 comment, a binary
file, a file without a trailing newline, a rename and a mode change in its performance commits;
the study directory holds the user's own benchmark script and workloads (perf_inputs), and its
config is the whole config: nothing of the demo may run or leak in.
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from tests.support.foreign_repo import TASKS, build_textlib, write_study
from tests.support.workflow_helpers import copy_project, dry_run_jobs, snakemake

pytestmark = pytest.mark.e2e

# The README's command for "another study" (section "Another study"), run from the checkout.
README_COMMAND = ("--cores", "2", "--directory", "{study}", "results/opt_at_k.csv")


def study_command(study) -> list[str]:
    return [part.format(study=study) for part in README_COMMAND]


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("foreign")
    (root / "isobench").mkdir()
    project = copy_project(root / "isobench")
    shas = build_textlib(root / "textlib")
    study = write_study(root / "study", root / "textlib", shas)
    proc = snakemake(project, *study_command(study), timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return {"project": project, "study": study, "shas": shas, "log": proc.stderr}


def test_the_readme_documents_the_command():
    from tests.support.workflow_helpers import ROOT

    readme = (ROOT / "README.md").read_text()
    assert "snakemake --cores 2 --directory ~/studies/textlib results/opt_at_k.csv" in readme


def test_nothing_of_the_demo_runs_or_is_written(study):
    assert "minserve" not in study["log"]
    assert not (study["project"] / "results").exists()  # the checkout stays clean
    results = study["study"] / "results"
    assert sorted(p.name for p in (results / "repos").iterdir()) == ["textlib.json"]
    assert not (study["study"] / "demo").exists()


def test_oracle_scores_one_and_noop_zero(study):
    opt = pd.read_csv(study["study"] / "results" / "opt_at_k.csv").set_index(["agent", "k"])
    assert opt.loc[("oracle", 1), "n_tasks"] == len(TASKS)  # every task is human-valid
    assert opt.loc[("oracle", 1), "opt_at_k"] == 1.0
    assert opt.loc[("noop", 1), "opt_at_k"] == 0.0


def test_every_status_is_right(study):
    scores = pd.read_csv(study["study"] / "results" / "scores" / "textlib.csv")
    by = {(r.agent, r.commit): r.status for r in scores.itertuples()}
    shas = study["shas"]
    for name in TASKS:
        assert by[("oracle", shas[name])] == "passed", name  # CRLF, binary, no EOL, rename, mode
        assert by[("noop", shas[name])] == "empty_patch"
    assert by[("preds", shas["crlf"])] == "passed"  # CRLF + Latin-1 bytes through JSON
    assert by[("preds", shas["rename"])] == "patch_failed"
    assert by[("preds", shas["noeol"])] == "agent_failed"  # no prediction for it


def test_patches_are_the_human_diffs_byte_for_byte(study):
    from tests.support.foreign_repo import git_bytes

    repo = study["study"].parent / "textlib"
    for name in TASKS:
        sha = study["shas"][name]
        patch = (
            study["study"] / "results" / "runs" / "oracle" / "textlib" / sha / "1" / "patch.diff"
        )
        assert patch.read_bytes() == git_bytes(repo, "diff", "--binary", f"{sha}^", sha)
    crlf = study["shas"]["crlf"]
    data = (study["study"] / "results/runs/preds/textlib" / crlf / "1/patch.diff").read_bytes()
    assert b"\r\n" in data and b"\xe9" in data


def test_the_generic_command_is_recorded_as_such(study):
    tasks = study["study"] / "results" / "tasks" / "textlib"
    rows = [json.loads((tasks / study["shas"][name] / "task.json").read_text()) for name in TASKS]
    assert {r["mode"] for r in rows} == {"generic"}
    assert not any(r["has_serving"] or r["has_latency"] or r["has_throughput"] for r in rows)
    bench = json.loads(
        (
            study["study"] / "results/bench/oracle/textlib" / study["shas"]["crlf"] / "1.json"
        ).read_text()
    )
    assert bench["primary_metric"] == "run_ms" and bench["direction"] == "lower"


def test_editing_a_perf_input_reruns_exactly_that_tasks_bench_jobs(study, tmp_path):
    # A copy, so the other tests keep their results.
    study_copy = tmp_path / "study"
    shutil.copytree(study["study"], study_copy, symlinks=True)
    # Results were copied with their mtimes; the config points at the same repository.
    assert (
        dry_run_jobs(study["project"], "--directory", str(study_copy), "results/opt_at_k.csv") == {}
    )
    workload = study_copy / "workload_noeol.txt"
    workload.write_text("320\n")
    jobs = dry_run_jobs(study["project"], "--directory", str(study_copy), "results/opt_at_k.csv")
    assert jobs == {"synthesis": 1, "bench": 3, "scores": 1, "opt_at_k": 1}, jobs
    proc = snakemake(study["project"], *study_command(study_copy), timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    synthesis = json.loads(
        (
            study_copy / "results/tasks/textlib" / study["shas"]["noeol"] / "synthesis.json"
        ).read_text()
    )
    assert {i["name"] for i in synthesis["perf_inputs"]} == {
        "bench_textlib.py",
        "workload_noeol.txt",
    }


@pytest.mark.docker
def test_the_oracle_passes_every_kind_of_change_under_docker(tmp_path):
    from tests.support.docker_helpers import daemon_or_skip

    daemon_or_skip()
    (tmp_path / "isobench").mkdir()
    project = copy_project(tmp_path / "isobench")
    shas = build_textlib(tmp_path / "textlib")
    # One agent: its bench job alone must make every task human-valid (5 paired rounds).
    study = write_study(
        tmp_path / "study",
        tmp_path / "textlib",
        shas,
        repetitions=5,
        agents="  - {id: oracle, adapter: oracle}\n",
    )
    config = study / "config" / "config.yaml"
    config.write_text(
        config.read_text().replace("evaluation: {", "evaluation: {executor: docker, ")
    )
    proc = snakemake(project, *study_command(study), timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    scores = pd.read_csv(study / "results" / "scores" / "textlib.csv")
    assert set(scores.status) == {"passed"} and len(scores) == len(TASKS)
    opt = pd.read_csv(study / "results" / "opt_at_k.csv").set_index(["agent", "k"])
    assert opt.loc[("oracle", 1), "opt_at_k"] == 1.0
    bench = json.loads(
        (study / "results/bench/oracle/textlib" / shas["rename"] / "1.json").read_text()
    )
    assert bench["executor"] == "docker"
