"""The workflow with `evaluation.executor: docker` on the toy study: the same statuses as the local
executor, speedups within each other's intervals, and a daemon that is missing or goes away
mid-run fails jobs with one clear paragraph, keeps completed results, and a re-run resumes.

Needs a Docker daemon and the base image (`.ci/setup-docker.sh`), except the missing-daemon test.
Without them the others are skipped, except under CI (`CI` set), where that is a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from isobench.bench.docker import LABEL_HOST
from tests.support.docker_helpers import daemon_or_skip
from tests.support.lanes import require_mark
from tests.support.toy_project import make_toy_project

pytestmark = [pytest.mark.e2e, pytest.mark.docker]


TARGET = "results/scores/toy.csv"
KEY = ["agent", "commit", "k"]
PARAGRAPH = "Cannot reach the Docker daemon at"
HERE = Path(__file__).resolve().parent


def _use_docker(workdir: Path) -> None:
    config = workdir / "config" / "config.yaml"
    config.write_text(
        config.read_text().replace("evaluation: {", "evaluation: {executor: docker, ")
    )


def _snakemake(workdir: Path, *args: str, env: dict | None = None, timeout: float = 600):
    require_mark("e2e", "starts Snakemake")
    return subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=workdir,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _scores(workdir: Path) -> pd.DataFrame:
    frame = pd.read_csv(workdir / TARGET, dtype={"k": str}, keep_default_na=False)
    return frame.sort_values(KEY).reset_index(drop=True)


def _bench(workdir: Path, agent: str, commit: str) -> dict:
    return json.loads((workdir / "results/bench" / agent / "toy" / commit / "1.json").read_text())


def test_docker_executor_matches_the_local_executor(tmp_path):
    client = daemon_or_skip()
    (tmp_path / "local").mkdir()
    (tmp_path / "docker").mkdir()
    local = make_toy_project(tmp_path / "local")
    docker = make_toy_project(tmp_path / "docker")
    _use_docker(docker["dir"])
    for project in (local, docker):
        proc = _snakemake(project["dir"], "--cores", "2", TARGET)
        assert proc.returncode == 0, proc.stderr[-4000:]
    ours, theirs = _scores(docker["dir"]), _scores(local["dir"])
    pd.testing.assert_frame_equal(ours[KEY + ["status"]], theirs[KEY + ["status"]])
    assert set(ours["status"]) == {"passed", "base_failed", "empty_patch"}
    env = json.loads(next((docker["dir"] / "results/envs/toy").glob("*.json")).read_text())
    assert env["executor"] == "docker" and env["image_id"].startswith("sha256:")
    assert client.images.get(env["image"]).id == env["image_id"]
    run_d, run_l = (
        _bench(docker["dir"], "oracle", docker["fast"]),
        _bench(local["dir"], "oracle", local["fast"]),
    )
    assert run_d["executor"] == "docker" and run_d["container_starts"] == 1
    d, lo = run_d["speedups"]["human_vs_base"], run_l["speedups"]["human_vs_base"]
    # each estimate inside the other's 95 % interval (a 4x sleep-based speedup in both)
    assert (
        d["ci_low"] <= lo["estimate"] <= d["ci_high"]
        or lo["ci_low"] <= d["estimate"] <= lo["ci_high"]
    )


def test_workflow_without_a_daemon_fails_with_one_paragraph(tmp_path):
    """No daemon needed: DOCKER_HOST names a socket nobody listens on."""
    toy = make_toy_project(tmp_path, broken=False)
    _use_docker(toy["dir"])
    dead = {"DOCKER_HOST": f"unix://{tmp_path}/no-daemon.sock"}
    proc = _snakemake(toy["dir"], "--cores", "1", TARGET, env=dead)
    assert proc.returncode != 0
    logs = list((toy["dir"] / "logs" / "envs").rglob("*.log"))
    assert logs
    text = logs[0].read_text()
    assert PARAGRAPH in text and "evaluation.executor: local" in text
    assert "Traceback" not in text
    assert not (toy["dir"] / "results" / "envs").exists() or not any(
        (toy["dir"] / "results" / "envs").rglob("*.json")
    )


def test_daemon_gone_mid_run_keeps_results_and_a_rerun_resumes(tmp_path):
    client = daemon_or_skip()
    real = client.api.base_url.replace("http+docker://localhost", "unix:///var/run/docker.sock")
    target = os.environ.get("DOCKER_HOST", real).removeprefix("unix://")
    sock = tmp_path / "proxy.sock"
    (tmp_path / "study").mkdir()
    toy = make_toy_project(tmp_path / "study", delay=0.2, repetitions=4)
    _use_docker(toy["dir"])
    env = {"DOCKER_HOST": f"unix://{sock}"}

    def start_proxy() -> subprocess.Popen:
        proxy = subprocess.Popen(
            [sys.executable, str(HERE / "support" / "docker_proxy.py"), str(sock), target],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proxy.stdout.readline().strip() == "ready"
        return proxy

    proxy = start_proxy()
    bench_dir = toy["dir"] / "results" / "bench"
    require_mark("e2e", "starts Snakemake")
    run = subprocess.Popen(
        [sys.executable, "-m", "snakemake", "--cores", "1", TARGET],
        cwd=toy["dir"],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 300
        while time.time() < deadline and not list(bench_dir.rglob("*.json")):
            assert run.poll() is None, "the run ended before the daemon went away"
            time.sleep(0.1)
        done_before = {p: p.read_text() for p in bench_dir.rglob("*.json")}
        assert done_before, "no bench job finished within 300 s"
        proxy.kill()  # the daemon is gone for the workflow
        proxy.wait()
        assert run.wait(timeout=300) != 0
    finally:
        if run.poll() is None:
            run.kill()
        proxy.kill()
    # completed results are intact; failed jobs left no result and a clear paragraph
    for path, text in done_before.items():
        assert path.read_text() == text
        json.loads(text)
    failed_logs = [
        p for p in (toy["dir"] / "logs" / "bench").rglob("*.log") if PARAGRAPH in p.read_text()
    ]
    assert failed_logs, "no bench log names the unreachable daemon"
    for log in failed_logs:
        assert "Traceback" not in log.read_text()
        rel = log.relative_to(toy["dir"] / "logs" / "bench").with_suffix(".json")
        assert not (bench_dir / rel).exists()
    assert len(list(bench_dir.rglob("*.json"))) < 4

    # the daemon is back: the same command resumes and finishes
    proxy = start_proxy()
    try:
        again = _snakemake(toy["dir"], "--cores", "1", TARGET, env=env)
        assert again.returncode == 0, again.stderr[-4000:]
    finally:
        proxy.kill()
    assert len(list(bench_dir.rglob("*.json"))) == 4
    for path, text in done_before.items():
        assert path.read_text() == text  # not re-run
    statuses = set(_scores(toy["dir"])["status"])
    assert statuses == {"passed", "base_failed", "empty_patch"}
    # the container the lost job could not remove was swept by a later job
    import socket

    leftovers = client.containers.list(
        all=True, filters={"label": f"{LABEL_HOST}={socket.gethostname()}"}
    )
    assert not [c for c in leftovers if not _owner_alive(c)]


def _owner_alive(container) -> bool:
    try:
        os.kill(int(container.labels.get("isobench.pid", "0")), 0)
    except (ProcessLookupError, ValueError):
        return False
    except PermissionError:
        return True
    return True
