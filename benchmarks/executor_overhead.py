"""Overhead of the executors on a 0.2 s workload: local and docker vs the bare process.

    python benchmarks/executor_overhead.py [--runs 10] [--workload-s 0.2]

The workload busy-loops ``--workload-s`` seconds and prints its own time as vLLM's latency
script does. Bare = ``subprocess.run`` of the perf test in the tree; local = LocalExecutor.run;
docker = DockerExecutor.run (one container, ``docker exec`` per run). Printed per executor:

* metric ratio: median of the workload's own reported time vs bare's (what the bench stage
  compares; goal <= 1.05: the container must not slow the code under test),
* wall ratio: median wall clock of one run (process start, exec round trip) vs bare's,
* container starts per bench job (goal 1): the executor's counter, checked against the daemon's
  `start` events for the job's label.

Needs a Docker daemon and the base image (.ci/setup-docker.sh) for the docker rows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from isobench import gitutil  # noqa: E402
from isobench.bench import metrics  # noqa: E402
from isobench.bench.docker import LABEL_JOB, DockerExecutor  # noqa: E402
from isobench.bench.local import LocalExecutor  # noqa: E402

WORKLOAD = """import time
start = time.perf_counter()
while time.perf_counter() - start < {seconds}:
    pass
print(f"Avg latency: {{time.perf_counter() - start:.6f}} seconds")
"""
PERF_TEST = "import subprocess, sys\nsys.exit(subprocess.call('python work.py', shell=True))\n"


def make_repo(root: Path, seconds: float) -> tuple[Path, str, Path]:
    repo = root / "repo"
    repo.mkdir()
    (repo / "work.py").write_text(WORKLOAD.format(seconds=seconds))
    git = ["git", "-C", str(repo), "-c", "user.name=b", "-c", "user.email=b@b.invalid"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "workload"], check=True)
    sha = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    perf = root / "perf_test.py"
    perf.write_text(PERF_TEST)
    return repo, sha.strip(), perf


def time_runs(run, runs: int) -> tuple[list[float], list[float]]:
    metric, wall = [], []
    run()  # warm-up: page cache, interpreter, container start
    for _ in range(runs):
        start = time.perf_counter()
        output = run()
        wall.append(time.perf_counter() - start)
        metric.append(metrics.parse_metrics(output)["latency_avg_ms"])
    return metric, wall


def time_bare(tree: Path, perf: Path, runs: int) -> tuple[list[float], list[float]]:
    """The perf test as a plain ``subprocess.run`` in an exported tree: the baseline."""
    # `python` in the perf test must be the same interpreter for every row (as the local
    # executor arranges), not whatever shim comes first on PATH.
    env = {
        **os.environ,
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],
    }

    def bare() -> str:
        return subprocess.run(
            [sys.executable, str(perf)], cwd=tree, capture_output=True, text=True, env=env
        ).stdout

    return time_runs(bare, runs)


def time_docker(
    results: dict, repo: Path, perf: Path, sha: str, runs: int
) -> tuple[int | None, int | None]:
    """Add the docker row to ``results``; returns (the executor's container starts, the daemon's
    start events for the job), None where not reached. Without a daemon or image: skipped."""
    starts = events = None
    try:
        from isobench.bench.dockerd import connect
        from tests.support.docker_helpers import task_image

        client = connect()
        image = task_image(client)
        job = f"overhead/{uuid.uuid4().hex[:8]}"
        since = int(time.time()) - 1
        with DockerExecutor(repo, perf, image, job, client=client) as docker:
            docker.add_tree("base", sha)
            results["docker"] = time_runs(lambda: docker.run("base", 60).output, runs)
            starts = docker.container_starts
        events = sum(
            1
            for e in client.events(
                since=since,
                until=int(time.time()) + 1,
                decode=True,
                filters={"type": "container", "event": "start", "label": f"{LABEL_JOB}={job}"},
            )
        )
    except Exception as err:  # noqa: BLE001 - report and go on with the local numbers
        print(f"docker: skipped ({err})")
    return starts, events


def print_report(
    results: dict, workload_s: float, runs: int, starts: int | None, events: int | None
) -> None:
    base_metric = statistics.median(results["bare"][0])
    base_wall = statistics.median(results["bare"][1])
    print(f"workload {workload_s} s, {runs} runs each (medians)")
    print(
        f"{'executor':<8} {'metric ms':>10} {'wall s':>8} {'metric ratio':>13} {'wall ratio':>11}"
    )
    for name, (metric, wall) in results.items():
        m, w = statistics.median(metric), statistics.median(wall)
        print(f"{name:<8} {m:>10.2f} {w:>8.3f} {m / base_metric:>13.3f} {w / base_wall:>11.3f}")
    if starts is not None:
        print(f"docker container starts per bench job: {starts} (daemon start events: {events})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--workload-s", type=float, default=0.2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo, sha, perf = make_repo(Path(tmp), args.workload_s)
        tree = Path(tmp) / "bare"
        gitutil.export_tree(repo, sha, tree)
        results = {"bare": time_bare(tree, perf, args.runs)}
        with LocalExecutor(repo, perf) as local:
            local.add_tree("base", sha)
            results["local"] = time_runs(lambda: local.run("base", 60).output, args.runs)
        starts, events = time_docker(results, repo, perf, sha, args.runs)
    print_report(results, args.workload_s, args.runs, starts, events)


if __name__ == "__main__":
    main()
