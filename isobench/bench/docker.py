"""The docker executor: one warm container per bench job, every variant and round run inside it.

The trees are exported on the host exactly as for the local executor (``TreeExecutor``: the agent's
patch applied with ``git apply``, never forced, never baked into an image) and bind-mounted at
``/isobench``; the container (no network, CPU/memory limits, labels) is started once, on the first
run, and each run is a ``docker exec`` of the perf test in the variant's folder. Runs are wrapped
in ``timeout -s KILL`` inside the container, which kills the perf test's whole process group, and
every run ends with ``kill -9 -1`` so nothing a benchmark forked survives into the next variant's
timing (PID 1, the container's ``sleep``, is exempt from ``kill -1``).

The container runs as the caller's uid/gid so files a benchmark writes in its tree belong to the
caller and the temporary folder can be removed. It is killed and removed in ``close()``; one left
behind by a killed job is removed by the sweep when the next bench job starts.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

from isobench.bench.dockerd import DockerUnavailable, connect, docker_call
from isobench.bench.gpu import NVIDIA_SMI_QUERY, parse_nvidia_smi_csv
from isobench.bench.images import ImageError, image_id
from isobench.bench.rebuild import needs_rebuild, patch_paths
from isobench.bench.trees import TreeExecutor, benchmark_variables
from isobench.process import RunResult

log = logging.getLogger(__name__)

MOUNT = "/isobench"
MODEL_MOUNT = "/models"
LABEL_JOB = "isobench.job"
LABEL_HOST = "isobench.host"
LABEL_PID = "isobench.pid"
# An image may ship this script (envs/docker/vllm, sglang): run once per variant at container
# start as `prepare-variant TREE [rebuild]`, e.g. to reuse or rebuild compiled extensions.
PREPARE_HOOK = "/opt/isobench/prepare-variant"
TIMEOUT_EXIT_CODES = (
    124,
    137,
)  # timeout's own code, and SIGKILL (timeout -s KILL kills itself too)


@dataclass(frozen=True)
class DockerSettings:
    """``evaluation.docker`` of the config (see its schema for the meaning of each key)."""

    cpus: float = 0.0  # 0: no limit
    memory: str | None = None  # e.g. "4g"; None: no limit
    shm_size: str | None = None
    ipc: str | None = None  # e.g. "host" (vLLM/NCCL); then shm_size must stay unset
    model_cache: str | None = None  # host folder mounted read-only at /models (HF_HOME)
    extra_env: dict = field(default_factory=dict)

    @classmethod
    def from_config(cls, docker: dict) -> DockerSettings:
        return cls(
            cpus=float(docker.get("cpus") or 0),
            memory=docker.get("memory"),
            shm_size=docker.get("shm_size"),
            ipc=docker.get("ipc"),
            model_cache=docker.get("model_cache"),
        )


def container_labels(job_id: str) -> dict[str, str]:
    return {LABEL_JOB: job_id, LABEL_HOST: socket.gethostname(), LABEL_PID: str(os.getpid())}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(client, job_id: str | None = None) -> int:
    """Remove labelled containers whose owner is gone; returns how many were removed.

    Stale = a container of this same job (Snakemake never runs one job twice at once, so it is a
    leftover of a killed attempt) or one started on this host by a process that no longer exists.
    Containers of live jobs running in parallel are left alone.
    """
    import docker.errors

    removed = 0
    host = socket.gethostname()
    for container in docker_call(client.containers.list, all=True, filters={"label": LABEL_JOB}):
        labels = container.labels or {}
        same_job = job_id is not None and labels.get(LABEL_JOB) == job_id
        orphan = labels.get(LABEL_HOST) == host and not _pid_alive(
            int(labels.get(LABEL_PID, 0) or 0)
        )
        if not (same_job or orphan):
            continue
        try:
            docker_call(container.remove, force=True)
            removed += 1
            log.info("removed stale container %s (%s)", container.short_id, labels.get(LABEL_JOB))
        except docker.errors.NotFound:
            pass
    return removed


def gpu_device_requests(gpus: int, visible: str | None = None) -> list:
    """Device requests for ``gpus`` GPUs: the scheduler's devices (CUDA_VISIBLE_DEVICES) if set."""
    if gpus <= 0:
        return []
    from docker.types import DeviceRequest

    ids = [d.strip() for d in (visible or "").split(",") if d.strip()]
    if ids:
        return [DeviceRequest(device_ids=ids[:gpus], capabilities=[["gpu"]])]
    return [DeviceRequest(count=gpus, capabilities=[["gpu"]])]


class DockerExecutor(TreeExecutor):
    """Variants run with ``docker exec`` in one container per bench job (see the module doc)."""

    name = "docker"

    def __init__(
        self,
        repo_path: Path,
        perf_test: Path,
        image: str,
        job_id: str,
        settings: DockerSettings | None = None,
        cpu_threads: int = 1,
        gpus: int = 0,
        client=None,
        expected_image_id: str | None = None,
        gpu: str | None = None,
    ):
        super().__init__(repo_path, perf_test, gpu)
        try:
            self._setup(image, job_id, settings, cpu_threads, gpus, client, expected_image_id)
        except BaseException:
            super().close()  # no temporary folder left behind by a job that could not start
            raise

    def _setup(self, image, job_id, settings, cpu_threads, gpus, client, expected_image_id):
        self.settings = settings or DockerSettings()
        self.image = image
        self.job_id = job_id
        self.gpus = gpus
        self.container = None
        self.prepared: set[str] = set()
        # Variants whose diff touches compiled sources (isobench.bench.rebuild); only images
        # with a prepare-variant hook (vLLM, SGLang) act on it.
        self.rebuild: dict[str, bool] = {}
        self.container_starts = 0  # the overhead benchmark checks this stays 1 per job
        self.client = client or connect()
        self.uid = f"{os.getuid()}:{os.getgid()}"
        env = {"HOME": "/tmp", **benchmark_variables(cpu_threads), **self.settings.extra_env}
        if self.settings.model_cache:
            env.update({"HF_HOME": MODEL_MOUNT, "HF_HUB_OFFLINE": "1"})
        self.env = env
        found = image_id(self.client, image)
        if found is None:
            raise ImageError(
                f"The image {image} is not in the Docker daemon (it was built by this task's "
                f"envs job). Fix: delete the task's results/envs/<repo>/<commit>.json and run "
                f"snakemake again so the image is rebuilt from its recipe, or use "
                f"evaluation.executor: local."
            )
        if expected_image_id and found != expected_image_id:
            raise ImageError(
                f"The image {image} is {found} but this task's environment record says "
                f"{expected_image_id}: the image was rebuilt since. Fix: delete the task's "
                f"results/envs/<repo>/<commit>.json and run snakemake again."
            )
        self.image_id = found
        self.has_hook = False
        sweep_stale(self.client, job_id)

    def _start(self):
        volumes = {str(self.root): {"bind": MOUNT, "mode": "rw"}}
        if self.settings.model_cache:
            cache = str(Path(self.settings.model_cache).resolve())
            volumes[cache] = {"bind": MODEL_MOUNT, "mode": "ro"}
        kwargs = {
            "command": ["sleep", "infinity"],
            "detach": True,
            "labels": container_labels(self.job_id),
            "network_mode": "none",
            "user": self.uid,
            "working_dir": MOUNT,
            "volumes": volumes,
            "environment": self.env,
        }
        if self.settings.cpus > 0:
            kwargs["nano_cpus"] = int(self.settings.cpus * 1e9)
        if self.settings.memory:
            kwargs["mem_limit"] = self.settings.memory
        if self.settings.shm_size:
            kwargs["shm_size"] = self.settings.shm_size
        if self.settings.ipc:
            kwargs["ipc_mode"] = self.settings.ipc
        # The leased device, else what the scheduler made visible (a job started by hand).
        requests = gpu_device_requests(
            self.gpus, self.gpu or os.environ.get("CUDA_VISIBLE_DEVICES")
        )
        if requests:
            kwargs["device_requests"] = requests
        self.container = docker_call(self.client.containers.run, self.image_id, **kwargs)
        self.container_starts += 1
        log.info("started container %s from %s", self.container.short_id, self.image)
        self.has_hook = self.exec(["test", "-x", PREPARE_HOOK])[0] == 0
        return self.container

    def _prepare(self, variant: str) -> tuple[int, str]:
        """Once per variant, before its first run: the image's prepare-variant hook, if any."""
        self.prepared.add(variant)
        if not self.has_hook:
            return 0, ""
        argv = [PREPARE_HOOK, f"{MOUNT}/{variant}"]
        if self.rebuild.get(variant):
            argv.append("rebuild")
        code, output = self.exec(argv)
        log.info("prepare-variant %s: exit %s", " ".join(argv[1:]), code)
        return code, output

    def exec(
        self, argv: list[str], workdir: str = MOUNT, environment: dict | None = None
    ) -> tuple[int, str]:
        container = self.container or self._start()
        res = docker_call(
            container.exec_run,
            argv,
            workdir=workdir,
            user=self.uid,
            environment=environment or self.env,
        )
        return res.exit_code, (res.output or b"").decode("utf-8", errors="replace")

    def run(self, variant: str, timeout_s: float) -> RunResult:
        tree = f"{MOUNT}/{variant}"
        if self.container is None:
            self._start()
        if variant not in self.prepared:
            code, output = self._prepare(variant)
            if code != 0:  # the variant cannot be built: a failed run, not an infrastructure error
                return RunResult(code, f"prepare-variant failed:\n{output}", 0.0, False)
        script = (
            f"timeout -s KILL {timeout_s:g} python3 {MOUNT}/perf_test.py; rc=$?; "
            # Whatever the benchmark left behind dies now (kill -1 spares PID 1 and this shell).
            'kill -9 -1 2>/dev/null; exit "$rc"'
        )
        start = time.perf_counter()
        env = dict(self.env)
        if self.has_hook:  # the variant's own package shadows the one installed in the image
            env["PYTHONPATH"] = f"{tree}:{tree}/python"
        code, output = self.exec(["sh", "-c", script], workdir=tree, environment=env)
        wall = time.perf_counter() - start
        timed_out = code in TIMEOUT_EXIT_CODES and wall >= timeout_s * 0.98
        return RunResult(
            returncode=None if timed_out else code,
            output=output,
            wall_s=wall,
            timed_out=timed_out,
        )

    def seen_path(self, variant: str | None = None) -> str:
        return MOUNT if variant is None else f"{MOUNT}/{variant}"

    def prepare(self, task: dict, patch: bytes) -> None:
        """A variant whose diff touches compiled sources is rebuilt by the image's hook."""
        self.rebuild = {
            "human": needs_rebuild(task["files_changed"]),
            "agent": needs_rebuild(patch_paths(patch)),
        }

    def result_extras(self) -> dict:
        extras = {"container_starts": self.container_starts}
        if self.gpus > 0:
            extras["gpu"] = self.gpu_info()
        return extras

    def gpu_info(self) -> list[dict] | None:
        """Device name, driver, clocks and memory of the job's GPUs (None without a GPU)."""
        if self.gpus <= 0:
            return None
        code, output = self.exec(["nvidia-smi", f"--query-gpu={NVIDIA_SMI_QUERY}", "--format=csv"])
        if code != 0:
            return [{"error": f"nvidia-smi exit code {code}", "output": output[-500:]}]
        return parse_nvidia_smi_csv(output)

    def close(self) -> None:
        container, self.container = self.container, None
        if container is not None:
            try:
                docker_call(container.remove, force=True)  # kill + remove in one call
            except DockerUnavailable:
                # The daemon is gone; the sweep of the next bench job removes the container.
                log.warning("could not remove container %s: daemon unreachable", container.short_id)
            except Exception as err:  # noqa: BLE001 - cleanup must not hide the job's own error
                log.warning("could not remove container %s: %s", container.short_id, err)
        super().close()
