"""One GPU per bench job: lease a device that no other job on this machine holds.

Snakemake's `resources: gpu=N` only caps how many GPU jobs run at once; it does not say *which*
device a job may use, so two concurrent jobs would both see every GPU and time each other's load.
A job therefore takes an exclusive lease on one visible device (an flock on a per-device file,
released by the kernel even when the job is killed) and hands only that device to the benchmark
(CUDA_VISIBLE_DEVICES for processes, the device id for a container).

Under SLURM, `--gpus=1` makes CUDA_VISIBLE_DEVICES name the one allocated device, so the lease
takes exactly that one.

The device's nvidia-smi metadata (name, driver, clocks, memory) goes into every bench result of a
GPU job: `nvidia_smi_info` for the local executor, the same query inside the container for docker.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from isobench.errors import InfrastructureError


class NoGPUError(InfrastructureError):
    pass


# Queried once per job when it has a GPU; parse_nvidia_smi_csv reads the answer.
NVIDIA_SMI_QUERY = (
    "name,uuid,pci.bus_id,driver_version,memory.total,clocks.sm,clocks.mem,"
    "clocks.max.sm,clocks.max.mem,power.limit,temperature.gpu"
)


def _number(value: str) -> float | str | None:
    value = value.strip()
    if not value or value.startswith("[") or value in ("N/A", "Not Supported"):
        return None
    try:
        return float(value.split()[0])
    except ValueError:
        return value


def parse_nvidia_smi_csv(text: str) -> list[dict]:
    """Rows of ``nvidia-smi --query-gpu=... --format=csv``: one dict per GPU.

    Header ``memory.total [MiB]`` becomes key ``memory_total_mib`` with a number; fields without
    a unit (name, uuid, driver_version) stay strings; ``[N/A]`` / ``[Not Supported]`` are None.
    """
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return []
    keys: list[tuple[str, bool]] = []
    for head in (h.strip() for h in lines[0].split(",")):
        name, _, unit = head.partition(" [")
        key = name.strip().replace(".", "_").replace(" ", "_")
        unit = unit.rstrip("]").strip().lower().replace("%", "pct").replace(" ", "")
        keys.append((f"{key}_{unit}" if unit else key, bool(unit)))
    rows = []
    for line in lines[1:]:
        values = [v.strip() for v in line.split(",")]
        if len(values) != len(keys):
            continue
        rows.append(
            {
                key: (_number(value) if numeric else value)
                for (key, numeric), value in zip(keys, values, strict=True)
            }
        )
    return rows


def nvidia_smi_info(device: str, env: dict | None = None) -> list[dict]:
    """Name, driver, clocks and memory of ``device`` (an index or uuid) from nvidia-smi on this host.

    Never raises: a missing or failing nvidia-smi gives one row with an ``error``.
    """
    argv = ["nvidia-smi", f"--query-gpu={NVIDIA_SMI_QUERY}", "--format=csv", "-i", device]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=30, env=env)
    except (OSError, subprocess.TimeoutExpired) as err:
        return [{"error": f"nvidia-smi: {err}"}]
    if proc.returncode != 0:
        output = (proc.stdout + proc.stderr)[-500:]
        return [{"error": f"nvidia-smi exit code {proc.returncode}", "output": output}]
    return parse_nvidia_smi_csv(proc.stdout)


def visible_devices(environ: dict | None = None) -> list[str]:
    """The GPU ids this job may use: CUDA_VISIBLE_DEVICES when set, else what nvidia-smi lists."""
    environ = os.environ if environ is None else environ
    if "CUDA_VISIBLE_DEVICES" in environ:
        return [d.strip() for d in environ["CUDA_VISIBLE_DEVICES"].split(",") if d.strip()]
    if shutil.which("nvidia-smi") is None:
        return []
    proc = subprocess.run(
        ["nvidia-smi", "--query-gpu=index", "--format=csv,noheader"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if proc.returncode != 0:
        return []
    return [line.strip() for line in proc.stdout.splitlines() if line.strip()]


def default_lock_dir() -> Path:
    # Per machine, shared by every job of every workflow run on it: the leases are about devices.
    return Path(tempfile.gettempdir()) / "isobench-gpu-leases"


@contextmanager
def lease_gpu(
    devices: list[str] | None = None,
    lock_dir: Path | None = None,
    wait_s: float = 3600.0,
    poll_s: float = 0.5,
):
    """Hold one device of ``devices`` (default: the visible ones) exclusively; yields its id.

    Waits (up to ``wait_s``) while all are leased, e.g. when the profile's gpu limit is higher
    than the number of devices. Raises NoGPUError naming the fix when there is no device at all.
    """
    devices = visible_devices() if devices is None else devices
    if not devices:
        raise NoGPUError(
            "This task needs a GPU (repos.<name>.gpus > 0) but no GPU is visible: nvidia-smi is "
            "missing or lists none, and CUDA_VISIBLE_DEVICES is not set. Run it on a GPU machine "
            "(or a SLURM partition with GPUs: --workflow-profile profiles/slurm), or set the "
            "repository's gpus to 0 if its benchmark runs on the CPU."
        )
    lock_dir = default_lock_dir() if lock_dir is None else Path(lock_dir)
    lock_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_s
    while True:
        for device in devices:
            handle = open(lock_dir / f"gpu-{device}.lock", "a+")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            try:
                handle.seek(0)
                handle.truncate()
                handle.write(f"{os.getpid()}\n")
                handle.flush()
                yield device
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()
            return
        if time.monotonic() > deadline:
            raise NoGPUError(
                f"All GPUs {devices} stayed leased by other bench jobs for {wait_s:.0f} s "
                f"(lock files under {lock_dir}). Lower the profile's `resources: gpu=` to the "
                "number of devices, or remove stale lock files if no isobench job is running."
            )
        time.sleep(poll_s)
