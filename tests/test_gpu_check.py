"""benchmarks/gpu_check.sh: its CPU fallback for real, its report and its wheel list.

No GPU is lent to CI, so the script's GPU branch cannot run here; what it shares with the CPU
fallback (prerequisite checks, the study in a temporary copy, the report from the result files)
runs for real, and the report's GPU lines are checked on a hand-written bench result in
nvidia-smi's recorded form.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys

import pytest
import yaml

from tests.support.workflow_helpers import ROOT, require_torch

SCRIPT = ROOT / "benchmarks" / "gpu_check.sh"


def load_helper():
    spec = importlib.util.spec_from_file_location("gpu_check", ROOT / "benchmarks" / "gpu_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_script(tmp_path, **env) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHON": sys.executable, "TMPDIR": str(tmp_path), **env}
    return subprocess.run(
        ["bash", str(SCRIPT)], env=full, capture_output=True, text=True, timeout=900
    )


@pytest.mark.e2e
def test_cpu_fallback_runs_the_torch_demo_and_reports(tmp_path):
    require_torch()
    # One task (the QK-norm one), three timed rounds: the path, not the whole study again.
    proc = run_script(tmp_path, GPU_CHECK_TASKS="1", GPU_CHECK_REPETITIONS="3")
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr[-5000:]
    assert "no CUDA device: the CPU fallback, the torch demo with gpus: 0" in out
    assert "GPU: none recorded (no device leased: the CPU fallback, gpus: 0)" in out
    assert "perf tests ran on: cpu" in out
    row = r"torchkern-[0-9a-f]{12}\s+python perf/test_qk_norm\.py\s+(\d+\.\d+)x\s+\[(\d+\.\d+), "
    speedup, low = map(float, re.search(row, out).groups())
    assert speedup >= 1.3 and low > 1.0, out
    assert "Opt@1: oracle 1.00, noop 0.00" in out
    assert re.search(r"^wall time: \d+ s \(budget 300 s\)$", out, re.MULTILINE), out
    assert out.rstrip().endswith("GPU check passed")
    assert not list(tmp_path.glob("isobench-gpu-check.*"))  # its temporary study is gone


def test_a_python_without_torch_is_refused_not_provisioned(tmp_path):
    # The same interpreter without its site-packages: no torch there.
    python = tmp_path / "python-no-site"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n')
    python.chmod(0o755)
    proc = run_script(tmp_path, PYTHON=str(python))
    assert proc.returncode == 2
    assert "cannot import torch; this script never installs torch" in proc.stderr


def test_report_names_the_recorded_gpu_and_the_reported_device():
    helper = load_helper()
    bench = {
        # scripts/bench.py's `gpu` rows (isobench.bench.gpu.parse_nvidia_smi_csv of nvidia-smi)
        "gpu": [{"name": "NVIDIA H200", "driver_version": "580.159.03", "memory_total_mib": 1.0}],
        "devices": {"base": ["NVIDIA H200"], "human": ["NVIDIA H200"]},
    }
    failed = {"gpu": [{"error": "nvidia-smi exit code 6", "output": "No devices"}], "devices": {}}
    assert helper.device_lines([bench, bench]) == [
        "GPU: NVIDIA H200, driver 580.159.03",
        "perf tests ran on: NVIDIA H200",
    ]
    assert helper.device_lines([failed])[0] == "GPU: nvidia-smi error: nvidia-smi exit code 6"


def test_config_sets_gpus_agents_rounds_and_tasks(tmp_path):
    helper = load_helper()
    (tmp_path / "config" / "commits").mkdir(parents=True)
    for name in ("torch-demo.yaml", "commits/torchkern.yaml"):
        (tmp_path / "config" / name).write_text((ROOT / "config" / name).read_text())
    config = yaml.safe_load(helper.write_config(tmp_path, 1, 4, 2).read_text())
    assert config["repos"]["torchkern"]["gpus"] == 1
    assert [a["id"] for a in config["agents"]] == ["oracle", "noop"]
    assert config["evaluation"]["repetitions"] == 4
    tasks = yaml.safe_load((tmp_path / config["repos"]["torchkern"]["commits"]).read_text())
    assert len(tasks) == 2


def test_wheel_list_pins_match_the_lock():
    def pins(path):
        lines = path.read_text().splitlines()
        return dict(line.lower().replace("_", "-").split("==") for line in lines if "==" in line)

    lock = pins(ROOT / "requirements.lock")
    wheels = pins(ROOT / "benchmarks" / "gpu_wheels.txt")
    assert wheels and {name: lock.get(name) for name in wheels} == wheels
    assert "torch" not in wheels  # never carried: the GPU machine's own torch is used
