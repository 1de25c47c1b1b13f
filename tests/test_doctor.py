"""`isobench doctor` on a machine that has every prerequisite, then misses each one in turn.

Nothing of ours is mocked: the doctor runs as a subprocess against a real project with a real
submodule (a gitlink and a clone), a real PATH (with or without an `nvidia-smi`, a stand-in
script printing what the real one prints), a real environment (keys set or not), a real Hugging
Face cache folder and a real Docker address (an unreachable socket for "Docker is down").
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import _git

NVIDIA_SMI = """#!/bin/sh
# Stand-in for nvidia-smi: what `--query-gpu=index,name,memory.total --format=csv,noheader` prints.
echo "0, NVIDIA H100 80GB HBM3, 81559 MiB"
"""
CONFIG = """\
repos:
  vllm: {{source: submodule, path: vllm, commits: commits.yaml, gpus: 1}}
agents:
  - {{id: cc, adapter: claude_code, model: claude-sonnet-4-5, env: [ANTHROPIC_API_KEY]}}
evaluation: {{executor: {executor}}}
"""
COMMITS = """\
- commit: {commit}
  perf_command: python benchmarks/benchmark_latency.py --model org/model-7b
  models: [org/model-7b]
"""


@pytest.fixture(scope="module")
def machine(toy_repo, tmp_path_factory):
    """A project with the toy repository as its pinned `vllm` submodule, and all it needs."""
    root = tmp_path_factory.mktemp("doctor")
    project = root / "project"
    project.mkdir()
    _git(project, "init", "-q", "-b", "main")
    pin = toy_repo["docs"]
    _git(project, "update-index", "--add", "--cacheinfo", f"160000,{pin},vllm")
    _git(project, "commit", "-q", "-m", "pin vllm")
    subprocess.run(["git", "clone", "-q", str(toy_repo["path"]), str(project / "vllm")], check=True)
    _git(project / "vllm", "checkout", "-q", pin)
    for executor in ("local", "docker"):
        (project / f"{executor}.yaml").write_text(CONFIG.format(executor=executor))
    (project / "commits.yaml").write_text(COMMITS.format(commit=toy_repo["perf"]))
    (root / "hf" / "hub" / "models--org--model-7b" / "snapshots" / "abc").mkdir(parents=True)
    (root / "empty-hf").mkdir()
    for name, smi in (("bin", True), ("bin-no-gpu", False)):
        (root / name).mkdir()
        os.symlink(shutil.which("git"), root / name / "git")
        if smi:
            (root / name / "nvidia-smi").write_text(NVIDIA_SMI)
            (root / name / "nvidia-smi").chmod(0o755)
    return {"root": root, "project": project, "toy": toy_repo}


def doctor(machine, config="local.yaml", min_free_gb="0.001", **env_changes):
    """Run the doctor in the project; env_changes: None removes a variable."""
    root = machine["root"]
    env = {
        "PATH": str(root / "bin"),
        "HOME": str(root),
        "HF_HOME": str(root / "hf"),
        "ANTHROPIC_API_KEY": "sk-test-not-a-key",
    }
    for key, value in env_changes.items():
        env.pop(key, None) if value is None else env.__setitem__(key, value)
    proc = subprocess.run(
        [sys.executable, "-m", "isobench.cli", "doctor", "--configfile", config,
         "--min-free-gb", min_free_gb],
        cwd=machine["project"], env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    failed = [line for line in proc.stdout.splitlines() if line.startswith("FAIL")]
    return proc, failed


def test_everything_present_is_ready(machine):
    proc, failed = doctor(machine)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert failed == []
    out = proc.stdout
    assert "ok   submodule vllm: vllm at pinned" in out and "holds all 1 tasks" in out
    assert "ok   gpu: 1 visible: 0: NVIDIA H100 80GB HBM3 (81559 MiB)" in out
    assert "ok   key ANTHROPIC_API_KEY" in out and "sk-test" not in out
    assert "ok   model cache: all 1 models" in out
    assert "skip docker: evaluation.executor is local" in out
    assert out.rstrip().endswith("ready to run")


def _only_failure(proc, failed, name, fix):
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert len(failed) == 1, proc.stdout
    assert failed[0].startswith(f"FAIL {name}") and f"Fix: {fix}" in failed[0], failed[0]


def test_empty_submodule_folder(machine):
    project = machine["project"]
    (project / "vllm").rename(project / "vllm.away")
    (project / "vllm").mkdir()
    try:
        proc, failed = doctor(machine)
    finally:
        (project / "vllm").rmdir()
        (project / "vllm.away").rename(project / "vllm")
    _only_failure(proc, failed, "submodule vllm", "`git submodule update --init vllm`")
    assert "not checked out" in failed[0]


def test_submodule_at_the_wrong_commit(machine):
    checkout = machine["project"] / "vllm"
    _git(checkout, "checkout", "-q", machine["toy"]["perf"])
    try:
        proc, failed = doctor(machine)
    finally:
        _git(checkout, "checkout", "-q", machine["toy"]["docs"])
    _only_failure(proc, failed, "submodule vllm", "`git submodule update vllm`")
    assert f"not at its pinned commit {machine['toy']['docs'][:12]}" in failed[0]


def test_docker_down(machine):
    nowhere = f"unix://{machine['root']}/no-docker.sock"
    proc, failed = doctor(machine, "docker.yaml", DOCKER_HOST=nowhere)
    _only_failure(proc, failed, "docker", "start the daemon")
    assert nowhere in failed[0]


def test_docker_up_when_this_machine_has_a_daemon(machine):
    proc, failed = doctor(machine, "docker.yaml", DOCKER_HOST=os.environ.get("DOCKER_HOST"))
    if any(line.startswith("FAIL docker") for line in failed):
        pytest.skip("no Docker daemon reachable here")
    assert proc.returncode == 0 and "ok   docker: daemon" in proc.stdout, proc.stdout


def test_no_nvidia_smi_on_path(machine):
    proc, failed = doctor(machine, PATH=str(machine["root"] / "bin-no-gpu"))
    _only_failure(proc, failed, "gpu", "install the NVIDIA driver")
    assert "nvidia-smi is not on PATH" in failed[0]


def test_key_unset(machine):
    proc, failed = doctor(machine, ANTHROPIC_API_KEY=None)
    _only_failure(proc, failed, "key ANTHROPIC_API_KEY", "export ANTHROPIC_API_KEY=...")
    assert "needed by agent cc" in failed[0]


def test_not_enough_disk(machine):
    proc, failed = doctor(machine, min_free_gb="1e12")  # more than any disk has
    _only_failure(proc, failed, "disk", "free space")


def test_empty_model_cache(machine):
    proc, failed = doctor(machine, HF_HOME=str(machine["root"] / "empty-hf"))
    _only_failure(proc, failed, "model cache", "HF_HOME=")
    assert "1 of 1 models missing" in failed[0] and "org/model-7b" in failed[0]
