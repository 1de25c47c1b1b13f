"""Time base, human and agent of one (agent, task, attempt), interleaved and repeated."""

import logging
from pathlib import Path

from isobench.bench.local import LocalExecutor
from isobench.bench.runner import (
    BenchSettings,
    bench_attempt,
    invalid_test_result,
    task_under_test,
)
from isobench.io import read_json, write_json
from isobench.scriptutil import run_script

log = logging.getLogger("bench")


def main(input, output, params):
    task = read_json(input.task)
    repo = read_json(input.repo)
    run = read_json(input.run)
    patch = Path(input.patch).read_text(encoding="utf-8")
    settings = BenchSettings(
        warmup=params.warmup,
        repetitions=params.repetitions,
        timeout_s=params.timeout_s,
        bootstrap_resamples=params.bootstrap_resamples,
        seed=params.seed,
    )
    task, invalid = task_under_test(task, read_json(input.synthesis))
    if invalid is not None:
        result = invalid_test_result(LocalExecutor.name, task, run, settings, invalid)
    else:
        with LocalExecutor(Path(repo["path"]), Path(input.perf_test), params.cpu_threads) as ex:
            result = bench_attempt(ex, task, run, patch, settings)
    result["env"] = read_json(input.env)
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
    run_script(main, snakemake)  # noqa: F821
