"""The docker executor against a real daemon: one warm container per job, no network, labels,
cleanup, patch_failed, timeouts that kill the process tree, and clear errors without a daemon.

Needs a Docker daemon and the base image (`.ci/setup-docker.sh`). Without them the tests that need
them are skipped, except under CI (`CI` set), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from isobench.bench.docker import LABEL_JOB, LABEL_PID, DockerExecutor, sweep_stale
from isobench.bench.dockerd import DockerUnavailable, connect
from isobench.bench.images import ImageError
from isobench.bench.runner import BenchSettings, bench_attempt
from tests.support.docker_helpers import daemon_or_skip, task_image

pytestmark = pytest.mark.docker

SETTINGS = BenchSettings(warmup=1, repetitions=2, timeout_s=30, bootstrap_resamples=200)
PERF_TEST = "import subprocess, sys\nsys.exit(subprocess.call({command!r}, shell=True))\n"


@pytest.fixture(scope="module")
def client():
    return daemon_or_skip()


@pytest.fixture(scope="module")
def image(client):
    return task_image(client)


def _perf_test(tmp_path, command: str):
    path = tmp_path / f"perf_test_{uuid.uuid4().hex[:6]}.py"
    path.write_text(PERF_TEST.format(command=command))
    return path


def _job() -> str:
    return f"test/{uuid.uuid4().hex[:12]}"


def _labelled(client, job_id: str) -> list:
    return client.containers.list(all=True, filters={"label": f"{LABEL_JOB}={job_id}"})


def _run_record(task, agent="oracle"):
    return {"agent": agent, "k": 1, "status": "ok", "patch_stats": {"sha256": "x"}}


def test_one_container_per_job_no_network_and_removed_after(
    client, image, toy_repo, task, tmp_path
):
    job = _job()
    perf = _perf_test(tmp_path, "python bench.py")
    with DockerExecutor(toy_repo["path"], perf, image, job, client=client) as ex:
        result = bench_attempt(ex, task, _run_record(task), task["diff_text"].encode(), SETTINGS)
        assert result["status"] == "passed", result["reason"]
        assert result["executor"] == "docker"
        assert ex.container_starts == 1  # 3 variants x 3 rounds, one container
        (container,) = _labelled(client, job)
        container.reload()
        assert container.attrs["HostConfig"]["NetworkMode"] == "none"
        assert container.labels[LABEL_PID] == str(os.getpid())
        code, out = ex.exec(
            ["python3", "-c", "import socket; socket.create_connection(('192.0.2.1', 80), 3)"]
        )
        assert code != 0 and ("unreachable" in out or "OSError" in out), out
        # runs as the caller, so the trees stay removable
        code, out = ex.exec(["id", "-u"])
        assert out.strip() == str(os.getuid())
    assert _labelled(client, job) == []
    assert not ex.root.exists()
    speedup = result["speedups"]["human_vs_base"]["estimate"]
    assert speedup > 2.5  # 0.12 s -> 0.03 s in the toy repository


def test_patch_that_does_not_apply_is_patch_failed(client, image, toy_repo, task, tmp_path):
    bad = task["diff_text"].replace("DELAY = 0.12", "DELAY = 0.77")
    perf = _perf_test(tmp_path, "python bench.py")
    with DockerExecutor(toy_repo["path"], perf, image, _job(), client=client) as ex:
        result = bench_attempt(ex, task, _run_record(task), bad.encode(), SETTINGS)
    assert result["status"] == "patch_failed"
    assert "git apply" in result["reason"]
    assert result["variants"] == ["base", "human"]  # the human speedup is still measured


def test_timeout_kills_the_process_tree_inside_the_container(client, image, toy_repo, tmp_path):
    # The benchmark forks a grandchild that would outlive it, then hangs.
    perf = _perf_test(tmp_path, "sleep 300 & sleep 301 & wait")
    with DockerExecutor(toy_repo["path"], perf, image, _job(), client=client) as ex:
        assert ex.add_tree("base", toy_repo["root"])[0]
        start = time.perf_counter()
        res = ex.run("base", timeout_s=1.5)
        assert time.perf_counter() - start < 15
        assert res.timed_out and res.returncode is None
        code, out = ex.exec(["ps", "-eo", "pid,args"])
        assert "sleep 30" not in out, out  # nothing left but PID 1 and ps itself
        # the container is still warm for the next run
        assert ex.exec(["echo", "warm"]) == (0, "warm\n")
        assert ex.container_starts == 1


def test_timeout_in_docker_makes_the_agent_test_failed(client, image, toy_repo, task, tmp_path):
    hang = task["diff_text"].replace("DELAY = 0.03", "DELAY = 30")
    perf = _perf_test(tmp_path, "python bench.py")
    settings = BenchSettings(warmup=0, repetitions=2, timeout_s=3, bootstrap_resamples=200)
    with DockerExecutor(toy_repo["path"], perf, image, _job(), client=client) as ex:
        result = bench_attempt(ex, task, _run_record(task), hang.encode(), settings)
    assert result["status"] == "test_failed"
    assert result["reason"] == "agent run failed: timeout" and result["timed_out"]


def test_leftover_processes_of_a_successful_run_are_killed(client, image, toy_repo, tmp_path):
    perf = _perf_test(tmp_path, "(setsid sleep 300 &) ; echo 'Avg latency: 0.1 seconds'")
    with DockerExecutor(toy_repo["path"], perf, image, _job(), client=client) as ex:
        assert ex.add_tree("base", toy_repo["root"])[0]
        res = ex.run("base", timeout_s=10)
        assert res.returncode == 0 and "Avg latency" in res.output
        code, out = ex.exec(["ps", "-eo", "args"])
        assert "sleep 300" not in out, out


def test_stale_containers_of_dead_owners_are_swept(client, image):
    job = _job()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    import socket

    stale = client.containers.run(
        image,
        ["sleep", "infinity"],
        detach=True,
        network_mode="none",
        labels={LABEL_JOB: job, "isobench.host": socket.gethostname(), LABEL_PID: str(dead.pid)},
    )
    live = client.containers.run(
        image,
        ["sleep", "infinity"],
        detach=True,
        network_mode="none",
        labels={LABEL_JOB: job + "-live", "isobench.host": socket.gethostname(), LABEL_PID: "1"},
    )
    try:
        assert sweep_stale(client, "some/other/job") >= 1
        assert _labelled(client, job) == []
        assert len(_labelled(client, job + "-live")) == 1  # owner alive: left alone
        assert sweep_stale(client, job + "-live") == 1  # same job id: a leftover, removed
    finally:
        for c in (stale, live):
            try:
                c.remove(force=True)
            except Exception:  # noqa: BLE001 - already removed by the sweep
                pass


def test_missing_image_names_the_fix(client, toy_repo, tmp_path):
    perf = _perf_test(tmp_path, "true")
    with pytest.raises(ImageError) as err:
        DockerExecutor(toy_repo["path"], perf, "isobench-missing:0000", _job(), client=client)
    message = str(err.value)
    assert "isobench-missing:0000 is not in the Docker daemon" in message
    assert "results/envs/" in message and "evaluation.executor: local" in message


def test_daemon_missing_is_one_paragraph_naming_the_fix(tmp_path, monkeypatch):
    """No daemon needed: DOCKER_HOST points at a socket nobody listens on."""
    dead = tmp_path / "dead.sock"
    monkeypatch.setenv("DOCKER_HOST", f"unix://{dead}")
    with pytest.raises(DockerUnavailable) as err:
        connect(timeout=5)
    message = str(err.value)
    assert message.startswith(f"Cannot reach the Docker daemon at unix://{dead}")
    assert "dockerd" in message and "evaluation.executor: local" in message
    assert "\n" not in message


def test_prepare_variant_hook_runs_once_per_variant_with_rebuild_flag(client, toy_repo, tmp_path):
    """An image with /opt/isobench/prepare-variant (as the vLLM/SGLang recipes have) gets it run
    once per variant before its first run, with `rebuild` where the diff touches compiled code."""
    from isobench.bench import images

    base, base_id = images.resolve_base(client, None)
    files = (
        (
            "Dockerfile",
            b"ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY prepare-variant /opt/isobench/\n",
        ),
        ("prepare-variant", b'#!/bin/sh\necho "${2:-plain}" >> "$1/.prepared"\n'),
    )
    tag, _ = images.ensure_image(client, images.make_recipe("hooktest", files, base, base_id))
    perf = _perf_test(tmp_path, "cat .prepared; echo PYTHONPATH=$PYTHONPATH")
    with DockerExecutor(toy_repo["path"], perf, tag, _job(), client=client) as ex:
        ex.rebuild = {"human": True}
        assert ex.add_tree("base", toy_repo["root"])[0]
        assert ex.add_tree("human", toy_repo["perf"])[0]
        for _ in range(2):
            base_out = ex.run("base", 10).output
            human_out = ex.run("human", 10).output
    assert base_out.splitlines()[0] == "plain" and len(base_out.splitlines()) == 2
    assert human_out.splitlines()[0] == "rebuild"
    assert "PYTHONPATH=/isobench/human:/isobench/human/python" in human_out


def test_serving_orchestration_inside_a_container_without_network(
    client, image, toy_repo, tmp_path
):
    """The server and the client talk over loopback, which network_mode=none keeps."""
    from isobench.bench import serving
    from tests.test_serving import CLIENT, SERVER

    perf = _perf_test(tmp_path, "true")
    with DockerExecutor(toy_repo["path"], perf, image, _job(), client=client) as ex:
        shutil.copy(serving.__file__, ex.root / "serving.py")
        (ex.root / "server.py").write_text(SERVER)
        (ex.root / "client.py").write_text(CLIENT)
        results = {}
        for mode in ("healthy", "crash"):
            code, out = ex.exec(
                [
                    "python3",
                    "/isobench/serving.py",
                    "--server",
                    f"python3 /isobench/server.py 8000 {mode} 0.5",
                    "--client",
                    "python3 /isobench/client.py 8000",
                    "--health-url",
                    "http://127.0.0.1:8000/health",
                    "--startup-timeout",
                    "20",
                ]
            )
            results[mode] = (code, serving.parse_status(out), out)
    assert results["healthy"][:2] == (0, "ok"), results["healthy"][2]
    assert "Mean TTFT (ms)" in results["healthy"][2]
    assert results["crash"][:2] == (3, "server_crash")
