"""Pure parts of the docker executor: no daemon needed (tag hashing, rebuild decision,
nvidia-smi parsing, serving command normalization, recipe arguments)."""

from __future__ import annotations

from pathlib import Path

import pytest

from isobench.bench import images, rebuild, serving
from isobench.bench.docker import gpu_device_requests
from isobench.bench.gpu import parse_nvidia_smi_csv

ROOT = Path(__file__).resolve().parent.parent

# In the format of `nvidia-smi --query-gpu=<NVIDIA_SMI_QUERY> --format=csv` (header with units,
# "[N/A]" and "[Not Supported]" cells). Written by hand: no GPU machine was available to record
# one; replace it with a real recording when one is.
NVIDIA_SMI_SAMPLE = """\
name, uuid, pci.bus_id, driver_version, memory.total [MiB], clocks.current.sm [MHz], clocks.current.memory [MHz], clocks.max.sm [MHz], clocks.max.memory [MHz], power.limit [W], temperature.gpu
NVIDIA H100 80GB HBM3, GPU-5e1c2a7b-0c1d-4e2f-9a3b-7c6d5e4f3a2b, 00000000:18:00.0, 535.161.08, 81559 MiB, 1980 MHz, 2619 MHz, 1980 MHz, 2619 MHz, 700.00 W, 34
NVIDIA H100 80GB HBM3, GPU-0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d, 00000000:2A:00.0, 535.161.08, 81559 MiB, [N/A], 2619 MHz, 1980 MHz, 2619 MHz, [Not Supported], 31
"""


def test_nvidia_smi_csv_rows_with_units_and_missing_values():
    rows = parse_nvidia_smi_csv(NVIDIA_SMI_SAMPLE)
    assert len(rows) == 2
    first, second = rows
    assert first["name"] == "NVIDIA H100 80GB HBM3"
    assert first["driver_version"] == "535.161.08"
    assert first["memory_total_mib"] == 81559.0
    assert first["clocks_current_sm_mhz"] == 1980.0
    assert first["clocks_max_memory_mhz"] == 2619.0
    assert first["power_limit_w"] == 700.0
    assert first["temperature_gpu"] == "34"  # no unit in the header: kept as printed
    assert second["clocks_current_sm_mhz"] is None and second["power_limit_w"] is None
    assert parse_nvidia_smi_csv("") == []


def test_gpu_device_requests_one_per_job_from_the_scheduler():
    assert gpu_device_requests(0, "0,1") == []
    (req,) = gpu_device_requests(1, "3,5")
    assert req["DeviceIDs"] == ["3"] and req["Capabilities"] == [["gpu"]]
    (req,) = gpu_device_requests(1, None)
    assert req["Count"] == 1 and req["DeviceIDs"] == []


DOCKERFILE = "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nARG PARENT\nARG ARCH=9.0\nRUN true\n"


def _recipe(text=DOCKERFILE, extra=b"", **values):
    files = (("Dockerfile", text.encode()), ("prepare-variant", b"#!/bin/sh\n" + extra))
    return images.make_recipe("vllm", files, "isobench-base:x", "sha256:base", **values)


def test_tag_is_a_hash_of_recipe_files_declared_args_and_base():
    tag = _recipe(PARENT="a" * 40).tag
    assert tag.startswith("isobench-vllm:") and len(tag.split(":")[1]) == images.TAG_HEX
    assert _recipe(PARENT="a" * 40).tag == tag  # deterministic
    assert _recipe(PARENT="b" * 40).tag != tag  # an image per parent
    assert _recipe(PARENT="a" * 40, extra=b"echo\n").tag != tag  # any recipe file counts
    assert _recipe(DOCKERFILE + "RUN echo\n", PARENT="a" * 40).tag != tag
    # a value the recipe does not declare is not an input: it changes nothing
    assert _recipe(PARENT="a" * 40, UNUSED="1").tag == tag
    other_base = images.make_recipe(
        "vllm", _recipe(PARENT="a" * 40).files, "isobench-base:x", "sha256:other", PARENT="a" * 40
    )
    assert other_base.tag != tag


def test_recipe_without_parent_is_one_image_for_every_task():
    files = images.read_recipe_dir(ROOT / "envs" / "docker" / "python")
    one = images.make_recipe("minserve", files, "b", "sha256:1", PARENT="a" * 40, REPO="minserve")
    two = images.make_recipe("minserve", files, "b", "sha256:1", PARENT="c" * 40, REPO="minserve")
    assert one.tag == two.tag
    assert dict(one.args) == {"BASE_IMAGE": "b"}


def test_recipe_with_an_unset_argument_names_it():
    with pytest.raises(images.ImageError, match="PARENT"):
        _recipe()


def test_shipped_recipes_declare_their_inputs():
    for name, wanted in (("vllm", {"PARENT", "WHEEL_INDEX"}), ("sglang", {"PARENT"})):
        text = (ROOT / "envs" / "docker" / name / "Dockerfile").read_text()
        assert wanted <= set(images.recipe_args(text))


def test_base_tag_is_stable_and_mirror_independent(monkeypatch):
    tag = images.base_tag()
    monkeypatch.setenv("ISOBENCH_DEBIAN_MIRROR", "http://mirror.invalid/debian")
    assert images.base_tag() == tag
    assert images.debian_mirror() == "http://mirror.invalid/debian"


def test_debian_mirror_read_from_deb822_and_list_sources(tmp_path, monkeypatch):
    monkeypatch.delenv("ISOBENCH_DEBIAN_MIRROR", raising=False)
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://security.example.invalid/debian-security\nSuites: x\n\n"
        "Types: deb\nURIs: http://archive.example.invalid/debian\nSuites: bookworm\n"
    )
    assert images.debian_mirror(tmp_path) == "http://archive.example.invalid/debian"
    (tmp_path / "sources.list.d" / "debian.sources").unlink()
    (tmp_path / "sources.list").write_text(
        "deb [arch=amd64] http://old.example.invalid/d bookworm main\n"
    )
    assert images.debian_mirror(tmp_path) == "http://old.example.invalid/d"
    (tmp_path / "sources.list").unlink()
    with pytest.raises(images.ImageError, match="ISOBENCH_DEBIAN_MIRROR"):
        images.debian_mirror(tmp_path)


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (["vllm/worker/model_runner.py"], False),
        (["vllm/core/scheduler.py", "tests/core/test_scheduler.py", "docs/x.md"], False),
        (["csrc/attention/attention_kernels.cu"], True),
        (["csrc/ops.h"], True),
        (["vllm/model_executor/layers/fused_moe/moe_align.cpp"], True),
        (["CMakeLists.txt"], True),
        (["cmake/utils.cmake"], True),
        (["setup.py"], True),
        (["sgl-kernel/csrc/allreduce/custom_all_reduce.cuh"], True),
        (["sgl-kernel/python/sgl_kernel/__init__.py"], True),
        (["python/sglang/srt/managers/scheduler.py"], False),
        (["benchmarks/setup.py.md"], False),
        ([], False),
    ],
)
def test_needs_rebuild(paths, expected):
    assert rebuild.needs_rebuild(paths) is expected


def test_patch_paths_reads_both_sides_of_a_diff():
    patch = (
        "diff --git a/csrc/a.cu b/csrc/a.cu\n--- a/csrc/a.cu\n+++ b/csrc/a.cu\n"
        "diff --git a/old.py b/new.py\nrename from old.py\nrename to new.py\n"
    )
    assert rebuild.patch_paths(patch) == ["csrc/a.cu", "old.py", "new.py"]
    assert rebuild.needs_rebuild(rebuild.patch_paths(patch))


def test_serving_command_normalized_into_server_and_client():
    spec = serving.normalize_serving_command(
        "python benchmarks/benchmark_serving.py --backend vllm --model meta-llama/Llama-3.1-8B-Instruct "
        "--dataset-name random --random-input-len 256 --enable-prefix-caching "
        "--max-model-len=4096 -tp 1 --num-prompts 100 --port 9999",
        port=8123,
    )
    assert spec.backend == "vllm"
    assert spec.server[:3] == ("python3", "-m", "vllm.entrypoints.openai.api_server")
    server = " ".join(spec.server)
    assert "--model meta-llama/Llama-3.1-8B-Instruct" in server
    assert "--enable-prefix-caching" in server and "--max-model-len=4096" in server
    assert "-tp 1" in server and "--port 8123" in server
    client = " ".join(spec.client)
    assert client.startswith("python benchmarks/benchmark_serving.py --backend vllm")
    assert "--model meta-llama/Llama-3.1-8B-Instruct" in client
    assert "--random-input-len 256" in client and "--num-prompts 100" in client
    for flag in ("--enable-prefix-caching", "--max-model-len", "-tp", "9999"):
        assert flag not in client
    assert client.endswith("--host 127.0.0.1 --port 8123")
    assert spec.health_url == "http://127.0.0.1:8123/health"


def test_sglang_serving_command_uses_launch_server_and_model_path():
    spec = serving.normalize_serving_command(
        "python3 -m sglang.bench_serving --backend sglang --model-path m/x --num-prompts 480 "
        "--request-rate 8 --disable-radix-cache"
    )
    assert spec.backend == "sglang"
    assert "sglang.launch_server" in spec.server
    assert "--model-path m/x" in " ".join(spec.server)
    assert "--disable-radix-cache" in spec.server
    assert "--disable-radix-cache" not in spec.client
    assert "--request-rate 8" in " ".join(spec.client)


def test_normalization_is_the_same_for_every_call():
    cmd = "python benchmarks/benchmark_serving.py --model m --num-prompts 10"
    assert serving.normalize_serving_command(cmd) == serving.normalize_serving_command(cmd)


def test_only_unreached_daemons_count_as_connection_errors():
    import docker.errors
    import requests.exceptions

    from isobench.bench.dockerd import is_connection_error

    assert is_connection_error(requests.exceptions.ConnectionError("refused"))
    assert is_connection_error(docker.errors.DockerException("Error while fetching server API"))
    assert not is_connection_error(docker.errors.BuildError("RUN failed", []))
    assert not is_connection_error(docker.errors.ImageNotFound("no such image"))
    assert not is_connection_error(ValueError("x"))
