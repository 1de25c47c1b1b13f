"""Time base, human and agent of one (agent, task, attempt), interleaved and repeated."""

import logging
from contextlib import ExitStack
from pathlib import Path

from isobench.bench.gpu import lease_gpu
from isobench.bench.local import LocalExecutor
from isobench.bench.runner import BenchSettings, bench_attempt
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
    with ExitStack() as stack:
        gpu = stack.enter_context(lease_gpu()) if params.gpus > 0 else None
        if gpu is not None:
            log.info("leased GPU %s", gpu)
        executor = stack.enter_context(
            LocalExecutor(Path(repo["path"]), Path(input.perf_test), params.cpu_threads, gpu)
        )
        result = bench_attempt(executor, task, run, patch, settings)
    result["env"] = read_json(input.env)
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
    run_script(main, snakemake)  # noqa: F821
