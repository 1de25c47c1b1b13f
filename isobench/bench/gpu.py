"""One GPU per bench job: lease a device that no other job on this machine holds.

Snakemake's `resources: gpu=N` only caps how many GPU jobs run at once; it does not say *which*
device a job may use, so two concurrent jobs would both see every GPU and time each other's load.
A job therefore takes an exclusive lease on one visible device (an flock on a per-device file,
released by the kernel even when the job is killed) and hands only that device to the benchmark
(CUDA_VISIBLE_DEVICES for processes, the device id for a container).

Under SLURM, `--gpus=1` makes CUDA_VISIBLE_DEVICES name the one allocated device, so the lease
takes exactly that one.
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
