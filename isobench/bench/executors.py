"""The executor of one job, made from the config the same way wherever it is needed.

The bench stage and LLM test synthesis both run perf tests through :func:`open_executor`, so a
test that validated during synthesis runs the same way when it is timed (same executor, same
image, same limits). The executor comes with its GPU lease: a job that needs a GPU holds one
device exclusively for as long as the executor is open and only that device is visible to the
benchmark (``isobench.bench.gpu``).
"""

from __future__ import annotations

import logging
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from isobench.bench.gpu import lease_gpu

log = logging.getLogger(__name__)
EXECUTORS = ("local", "docker")


@dataclass(frozen=True)
class ExecutorSettings:
    """``evaluation.executor``, ``evaluation.cpu_threads``, ``evaluation.docker`` and a job id."""

    executor: str = "local"
    cpu_threads: int = 1
    docker: dict = field(default_factory=dict)
    job_id: str = "isobench"

    @classmethod
    def from_params(cls, params) -> ExecutorSettings:
        return cls(
            executor=params.executor,
            cpu_threads=int(params.cpu_threads),
            docker=dict(params.docker or {}),
            job_id=params.job_id,
        )


def check_env_record(env: dict, executor: str, where: str = "the env record") -> None:
    if env.get("executor", "local") != executor:
        raise ValueError(
            f"{where} was recorded for executor {env.get('executor')!r}, this run uses "
            f"{executor!r}; delete results/envs/ (or that file) and run again"
        )


def _make(settings: ExecutorSettings, repo_path: Path, perf_test, env: dict, gpus: int, gpu):
    if settings.executor not in EXECUTORS:
        raise ValueError(f"unknown executor {settings.executor!r}; known: {', '.join(EXECUTORS)}")
    if settings.executor == "local":
        from isobench.bench.local import LocalExecutor

        return LocalExecutor(repo_path, perf_test, settings.cpu_threads, gpu)
    from isobench.bench.docker import DockerExecutor, DockerSettings

    return DockerExecutor(
        repo_path,
        perf_test,
        image=env["image"],
        expected_image_id=env["image_id"],
        job_id=settings.job_id,
        settings=DockerSettings.from_config(settings.docker),
        cpu_threads=settings.cpu_threads,
        gpus=gpus,
        gpu=gpu,
    )


@contextmanager
def open_executor(
    settings: ExecutorSettings, repo_path: Path, perf_test: Path | None, env: dict, gpus: int = 0
):
    """The job's executor (closed on exit), holding a GPU lease when ``gpus`` > 0."""
    check_env_record(env, settings.executor)
    with ExitStack() as stack:
        gpu = stack.enter_context(lease_gpu()) if gpus > 0 else None
        if gpu is not None:
            log.info("leased GPU %s", gpu)
        yield stack.enter_context(_make(settings, Path(repo_path), perf_test, env, gpus, gpu))
