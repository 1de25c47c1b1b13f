"""A full disk while a result is written: no partial file is left as a result; a re-run completes.

The disk is a real tmpfs of a few KiB (ENOSPC from the kernel, not a simulated error), which
needs mount rights: root, or password-less sudo. Without them the tests skip, except under CI
(CI set), where a skip would hide a missing check and is a failure instead.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from isobench.io import write_json
from tests.support.toy_project import make_toy_project
from tests.support.workflow_helpers import snakemake


def _sudo() -> list[str]:
    return [] if os.geteuid() == 0 else ["sudo", "-n"]


@contextmanager
def tiny_disk(path: Path, size: str = "32k"):
    """A tmpfs of ``size`` mounted on ``path`` for the duration of the block."""
    path.mkdir(parents=True, exist_ok=True)
    mount = subprocess.run(
        [*_sudo(), "mount", "-t", "tmpfs", "-o", f"size={size},mode=0777", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if mount.returncode != 0:
        reason = f"cannot mount a tmpfs (needs root or sudo -n): {mount.stderr.strip()}"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {reason}")
        pytest.skip(reason)
    try:
        yield path
    finally:
        subprocess.run([*_sudo(), "umount", "-l", str(path)], check=True)


def fill(disk: Path) -> Path:
    """Fill the disk up to the last byte; returns the filler file (delete it to free the space)."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 1024)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def test_write_json_on_a_full_disk_leaves_nothing(tmp_path):
    with tiny_disk(tmp_path / "disk") as disk:
        fill(disk)
        target = disk / "result.json"
        with pytest.raises(OSError) as caught:
            write_json(target, {"samples": list(range(20000))})
        assert caught.value.errno == errno.ENOSPC
        assert sorted(p.name for p in disk.iterdir()) == ["filler"]


@pytest.mark.e2e
def test_bench_result_on_a_full_disk_fails_the_job_and_a_rerun_completes(tmp_path):
    toy = make_toy_project(tmp_path, repetitions=2, broken=False)
    first = snakemake(tmp_path, "--cores", "2", "results/opt_at_k.csv")
    assert first.returncode == 0, first.stderr[-3000:]
    scores = (tmp_path / "results" / "scores" / "toy.csv").read_text()
    bench_dir = tmp_path / "results" / "bench" / "oracle" / "toy" / toy["fast"]
    target = bench_dir / "1.json"

    # the bench result's directory is now a full disk (which hides the finished result)
    with tiny_disk(bench_dir) as disk:
        filler = fill(disk)
        failed = snakemake(tmp_path, "--cores", "1")  # the default target: every result
        assert failed.returncode != 0
        assert sorted(p.name for p in disk.iterdir()) == ["filler"]  # no partial 1.json, no temp
        log = tmp_path / "logs" / "bench" / "oracle" / "toy" / toy["fast"] / "1.log"
        assert "No space left on device" in log.read_text()
        # the aggregates were not rebuilt from a missing or partial result
        assert (tmp_path / "results" / "scores" / "toy.csv").read_text() == scores

        filler.unlink()  # space again: the same command completes the study
        again = snakemake(tmp_path, "--cores", "1")
        assert again.returncode == 0, again.stderr[-3000:]
        assert json.loads(target.read_text())["status"] == "passed"
