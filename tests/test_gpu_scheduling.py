"""GPU scheduling: the bench rule's gpu resource, and one exclusive device per concurrent job."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time

import pytest

from isobench.bench.gpu import NoGPUError, lease_gpu, visible_devices
from tests.support.toy_project import make_toy_project
from tests.support.workflow_helpers import snakemake


def _hold(devices, lock_dir, seconds, queue):
    with lease_gpu(devices, lock_dir, wait_s=30, poll_s=0.05) as device:
        queue.put((os.getpid(), device, time.monotonic()))
        time.sleep(seconds)


def test_concurrent_leases_get_distinct_devices(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_hold, args=(["0", "1"], tmp_path, 1.5, queue)) for _ in range(2)]
    for p in procs:
        p.start()
    got = [queue.get(timeout=30) for _ in procs]
    for p in procs:
        p.join(30)
    assert sorted(device for _, device, _ in got) == ["0", "1"]


def test_a_third_job_waits_for_a_free_device(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    holder = ctx.Process(target=_hold, args=(["3"], tmp_path, 1.0, queue))
    holder.start()
    _, _, held_at = queue.get(timeout=30)
    with lease_gpu(["3"], tmp_path, wait_s=30, poll_s=0.05) as device:
        got_at = time.monotonic()
    holder.join(30)
    assert device == "3"
    assert got_at - held_at >= 0.9  # only after the holder let go


def test_a_killed_job_releases_its_device(tmp_path):
    script = (
        "import sys, time\n"
        "from isobench.bench.gpu import lease_gpu\n"
        "with lease_gpu(['0'], sys.argv[1]) as d:\n"
        "    print(d, flush=True)\n"
        "    time.sleep(600)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "0"
    with pytest.raises(NoGPUError, match="stayed leased"):
        with lease_gpu(["0"], tmp_path, wait_s=0.3, poll_s=0.05):
            pass
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    with lease_gpu(["0"], tmp_path, wait_s=5, poll_s=0.05) as device:
        assert device == "0"


def test_visible_devices_follow_cuda_visible_devices():
    assert visible_devices({"CUDA_VISIBLE_DEVICES": "2, 5"}) == ["2", "5"]
    assert visible_devices({"CUDA_VISIBLE_DEVICES": ""}) == []


def test_no_gpu_is_an_error_naming_the_fix(tmp_path):
    with pytest.raises(NoGPUError, match="set the repository's gpus to 0"):
        with lease_gpu([], tmp_path):
            pass


def _gpu_toy(tmp_path):
    toy = make_toy_project(tmp_path, broken=False, repetitions=2)
    config = tmp_path / "config" / "config.yaml"
    config.write_text(
        config.read_text().replace("    source: path\n", "    source: path\n    gpus: 1\n")
    )
    return toy


# In the format of `nvidia-smi --query-gpu=<NVIDIA_SMI_QUERY> --format=csv -i 7` (hand-written);
# the stand-in answers only for device 7, as the real one answers only for a device it has.
FAKE_NVIDIA_SMI = """#!/bin/sh
case " $* " in *" -i 7 "*) ;; *) echo "No devices were found" >&2; exit 6;; esac
echo "name, uuid, pci.bus_id, driver_version, memory.total [MiB], clocks.current.sm [MHz], \
clocks.current.memory [MHz], clocks.max.sm [MHz], clocks.max.memory [MHz], power.limit [W], \
temperature.gpu"
echo "NVIDIA H200, GPU-0f1e, 00000000:19:00.0, 580.159.03, 143771 MiB, 1980 MHz, 3201 MHz, \
1980 MHz, 3201 MHz, 700.00 W, 31"
"""


@pytest.mark.e2e
def test_bench_of_a_gpu_repository_requests_a_gpu_and_sees_one_device(tmp_path):
    toy = _gpu_toy(tmp_path)
    target = f"results/bench/oracle/toy/{toy['fast']}/1.json"
    dry = snakemake(tmp_path, "-n", "--cores", "2", target)
    assert dry.returncode == 0, dry.stderr[-3000:]
    bench_block = dry.stdout.split("rule bench:")[1].split("\n\n")[0]
    assert "gpu=1" in bench_block
    # a machine whose only visible device is 7: the benchmark processes see exactly that one,
    # and the result records nvidia-smi's description of it
    fake_bin = tmp_path / "fake-bin"
    fake_bin.mkdir()
    (fake_bin / "nvidia-smi").write_text(FAKE_NVIDIA_SMI)
    (fake_bin / "nvidia-smi").chmod(0o755)
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "7", "TMPDIR": str(tmp_path)}
    env["PATH"] = f"{fake_bin}{os.pathsep}{env['PATH']}"
    proc = snakemake(tmp_path, "--cores", "2", target, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    bench = json.loads((tmp_path / target).read_text())
    assert bench["status"] == "passed"
    assert bench["host"]["gpu"] == "7"
    [gpu] = bench["gpu"]
    assert (gpu["name"], gpu["driver_version"], gpu["memory_total_mib"]) == (
        "NVIDIA H200",
        "580.159.03",
        143771.0,
    )


@pytest.mark.e2e
def test_gpu_task_without_a_gpu_fails_the_job_with_the_fix(tmp_path):
    toy = _gpu_toy(tmp_path)
    target = f"results/bench/oracle/toy/{toy['fast']}/1.json"
    env = {k: v for k, v in os.environ.items() if k != "CUDA_VISIBLE_DEVICES"}
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + "/usr/bin:/bin"  # no nvidia-smi
    proc = snakemake(tmp_path, "--cores", "2", target, env=env, timeout=300)
    assert proc.returncode != 0
    assert not (tmp_path / target).exists()
    log = (tmp_path / "logs/bench/oracle/toy" / toy["fast"] / "1.log").read_text()
    assert "no GPU is visible" in log
