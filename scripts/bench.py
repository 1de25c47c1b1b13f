"""Time base, human and agent of one (agent, task, attempt), interleaved and repeated."""

import logging
from pathlib import Path

from isobench.bench.executors import ExecutorSettings, check_env_record, open_executor
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


def main(input, output, params, gpus: int = 0):
    task = read_json(input.task)
    run = read_json(input.run)
    env = read_json(input.env)
    patch = read_patch(input.patch)
    settings = BenchSettings(
        warmup=params.warmup,
        repetitions=params.repetitions,
        timeout_s=params.timeout_s,
        bootstrap_resamples=params.bootstrap_resamples,
        seed=params.seed,
        correctness=dict(params.correctness),
    )
    executor = ExecutorSettings.from_params(params)
    check_env_record(env, executor.executor, input.env)
    task, invalid = task_under_test(task, read_json(input.synthesis))
    if invalid is not None:
        # A perf test that never validated: status rows with the reason, nothing to time.
        result = invalid_test_result(executor.executor, task, run, settings, invalid)
    elif (short := hardware_shortfall(task, gpus)) is not None:
        # More GPUs than this job gets (a -tp 4 task on a 1-GPU job): a status row, not a run.
        result = invalid_test_result(
            executor.executor, task, run, settings, short, "skipped_hardware"
        )
    else:
        repo = Path(read_json(input.repo)["path"])
        with open_executor(executor, repo, Path(input.perf_test), env, gpus) as ex:
            result = bench_attempt(ex, task, run, patch, settings)
    result["env"] = env
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
