"""Running the workflow from tests: a private copy of the project, Snakemake as a subprocess or API."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.lanes import require_mark

ROOT = Path(__file__).resolve().parents[2]
# What a workflow run needs from the project (the isobench package itself is installed).
PROJECT_PARTS = (
    "Snakefile",
    "rules",
    "scripts",
    "config",
    "envs",
    "demo",
    "profiles",
    "data",
    "report",
)


def require_torch() -> None:
    """Skip a test that needs torch when it is missing, except under CI (``CI`` set): fail there."""
    import importlib.util
    import os

    import pytest

    if importlib.util.find_spec("torch") is not None:
        return
    message = "torch is not installed: `make setup` (or pip install torch==2.13.0) installs it"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; under CI the torch demo must run, not skip")
    pytest.skip(message)


def copy_project(dest: Path) -> Path:
    for part in PROJECT_PARTS:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, dest / part)
    return dest


def snakemake(
    workdir: Path, *args: str, timeout: float = 900, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run ``python -m snakemake`` in ``workdir`` (a separate process isolates cwd and logging)."""
    require_mark("e2e", "starts Snakemake")
    return subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def mini_fake_agent(api_base: str, store: Path, attempts: int, turns: int) -> dict:
    """A config entry of a mini agent whose model is a loopback fake provider at ``api_base``."""
    return {
        "id": "mini-fake",
        "adapter": "mini",
        "model": "openai/fake-coder",
        "attempts": attempts,
        "api_base": api_base,
        "env": ["OPENAI_API_KEY"],
        "budgets": {"turns": turns, "wall_clock_s": 120},
        "llm": {"mode": "record", "store": str(store), "timeout_s": 30, "max_retries": 0},
    }


def dry_run_jobs(workdir: Path, *targets: str) -> dict[str, int]:
    """Jobs per rule that a dry run would execute (empty dict: nothing to do)."""
    proc = snakemake(workdir, *targets, "-n", "--cores", "2", "--quiet", "rules")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    counts: dict[str, int] = {}
    in_table = False
    for line in proc.stdout.splitlines():
        parts = line.split()
        if parts[:2] == ["job", "count"]:
            in_table = True
            continue
        if in_table and len(parts) == 2 and parts[1].isdigit() and parts[0] != "total":
            counts[parts[0]] = int(parts[1])
    return counts


def api_dry_run(workdir: Path, *targets: str) -> list[str]:
    """Dry run through Snakemake's Python API; returns the output files that would be (re)made."""
    import os

    from snakemake.api import DAGSettings, OutputSettings, ResourceSettings, SnakemakeApi

    require_mark("e2e", "builds a Snakemake DAG")
    from snakemake.settings.types import ConfigSettings

    updated: list[str] = []
    cwd = os.getcwd()  # workflow(workdir=...) changes the process's directory
    try:
        with SnakemakeApi(OutputSettings(dryrun=True, quiet={"all"})) as api:
            workflow = api.workflow(
                resource_settings=ResourceSettings(cores=1),
                config_settings=ConfigSettings(),
                snakefile=workdir / "Snakefile",
                workdir=workdir,
            )
            dag = workflow.dag(DAGSettings(targets=set(targets) if targets else set()))
            dag.execute_workflow(executor="local", pseudo_executor="dryrun", updated_files=updated)
    finally:
        os.chdir(cwd)
    return sorted(str(Path(p)) for p in updated)
