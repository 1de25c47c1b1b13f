"""Time base, human and agent of one (agent, task, attempt), interleaved and repeated."""

import logging
import os
from contextlib import ExitStack
from pathlib import Path

from isobench.bench.gpu import lease_gpu
from isobench.bench.local import LocalExecutor
from isobench.bench.rebuild import needs_rebuild, patch_paths
from isobench.bench.runner import (
    BenchSettings,
    bench_attempt,
    hardware_shortfall,
    invalid_test_result,
    task_under_test,
)
from isobench.io import read_json, write_json
from isobench.patches import read_patch
from isobench.scriptutil import run_script

log = logging.getLogger("bench")


def make_executor(params, repo_path: Path, perf_test: Path, env: dict, gpus: int, gpu: str | None):
    if params.executor != "docker":
        return LocalExecutor(repo_path, perf_test, params.cpu_threads, gpu)
    from isobench.bench.docker import DockerExecutor, DockerSettings

    docker = params.docker
    return DockerExecutor(
        repo_path,
        perf_test,
        image=env["image"],
        expected_image_id=env["image_id"],
        job_id=params.job_id,
        settings=DockerSettings(
            cpus=float(docker.get("cpus") or 0),
            memory=docker.get("memory"),
            shm_size=docker.get("shm_size"),
            ipc=docker.get("ipc"),
            model_cache=docker.get("model_cache"),
        ),
        cpu_threads=params.cpu_threads,
        gpus=gpus,
    )


def main(input, output, params, gpus: int = 0):
    task = read_json(input.task)
    repo = read_json(input.repo)
    run = read_json(input.run)
    env = read_json(input.env)
    patch = read_patch(input.patch)
    settings = BenchSettings(
        warmup=params.warmup,
        repetitions=params.repetitions,
        timeout_s=params.timeout_s,
        bootstrap_resamples=params.bootstrap_resamples,
        seed=params.seed,
    )
    if env.get("executor", "local") != params.executor:
        raise ValueError(
            f"{input.env} was recorded for executor {env.get('executor')!r}, this run uses "
            f"{params.executor!r}; delete results/envs/ (or that file) and run again"
        )
    task, invalid = task_under_test(task, read_json(input.synthesis))
    gpu = None
    if invalid is not None:
        # A perf test that never validated: status rows with the reason, nothing to time.
        result = invalid_test_result(params.executor, task, run, settings, invalid)
    elif (short := hardware_shortfall(task, gpus)) is not None:
        # More GPUs than this job gets (a -tp 4 task on a 1-GPU job): a status row, not a run.
        result = invalid_test_result(
            params.executor, task, run, settings, short, "skipped_hardware"
        )
    else:
        with ExitStack() as stack:
            gpu = stack.enter_context(lease_gpu()) if gpus > 0 else None
            if gpu is not None:
                log.info("leased GPU %s", gpu)
                # The docker executor requests the devices CUDA_VISIBLE_DEVICES names: this one.
                os.environ["CUDA_VISIBLE_DEVICES"] = gpu
            executor = stack.enter_context(
                make_executor(params, Path(repo["path"]), Path(input.perf_test), env, gpus, gpu)
            )
            if params.executor == "docker":
                executor.rebuild = {
                    "human": needs_rebuild(task["files_changed"]),
                    "agent": needs_rebuild(patch_paths(patch)),
                }
            result = bench_attempt(executor, task, run, patch, settings)
            if getattr(executor, "gpus", 0):
                result["gpu"] = executor.gpu_info()
            if params.executor == "docker":
                result["container_starts"] = executor.container_starts
    result["env"] = env
    if gpu is not None:
        result["host"]["gpu"] = gpu
    log.info(
        "%s k=%s %s: %s %s",
        run["agent"],
        run["k"],
        task["instance_id"],
        result["status"],
        result["reason"],
    )
    write_json(output.bench, result)


if "snakemake" in globals():
    # The GPU count is the job's `gpu` resource (one callable in the rule, not a param as well).
    gpus = int(snakemake.resources.get("gpu", 0))  # noqa: F821
    run_script(lambda i, o, p: main(i, o, p, gpus), snakemake)  # noqa: F821
