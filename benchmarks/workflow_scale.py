"""How the workflow itself scales: DAG-build cost at paper scale, and incremental re-runs.

    python benchmarks/workflow_scale.py                 # all parts (4-5 minutes on 2 cores)
    python benchmarks/workflow_scale.py --part dag      # only the paper-scale dry run
    python benchmarks/workflow_scale.py --part rerun    # only the incremental re-runs (toy study)
    python benchmarks/workflow_scale.py --part study    # only the real study's DAG (isobench.yaml)

Part "dag": a synthetic study of paper size (ISO-Bench: 39 vLLM + 15 SGLang tasks, 6 agents,
K=10 attempts each) on fake `path` repositories with made-up but valid commit shas and `noop`
agents; `snakemake -n` wall time and peak memory (max RSS of the snakemake process), against a
bare, generated Snakefile with the same number of jobs and the same shape (per-task jobs,
per-attempt jobs, one aggregate). The ratio isobench / bare is the workflow's own overhead
(goal <= 1.25). Nothing is executed and no git work happens: input functions only read YAML.

Part "rerun": the toy study (tests/support/toy_project.py) plus a `predictions` agent (2 attempts):
after a full run, (1) a no-op re-run, (2) one recorded patch of the predictions agent edited,
(3) a new agent added; for each, the jobs that would re-run, per rule, and which bench results.
Goals: (1) nothing, in seconds; (2) the edited attempt's bench job and the aggregates only;
(3) no existing bench job.

Part "study" (benchmarks/study_dag.py): the dry run of config/isobench.yaml, empty submodules.

Prints numbers and asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import conftest  # noqa: E402
from tests.support.toy_project import make_toy_project, write_predictions  # noqa: E402
from tests.support.workflow_helpers import copy_project  # noqa: E402

PAPER_REPOS = {"vllm": 39, "sglang": 15}  # ISO-Bench's 54 tasks
PAPER_AGENTS = 6
PAPER_ATTEMPTS = 10


# --- measuring one snakemake process -----------------------------------------------------------


def measure(workdir: Path, *args: str) -> tuple[float, float, str]:
    """Run `python -m snakemake ARGS` in workdir: (wall seconds, max RSS in MB, stdout+stderr)."""
    with tempfile.TemporaryFile(mode="w+") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "snakemake", *args],
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # wait4 gives this child's own resource usage (its peak RSS), unlike getrusage(CHILDREN)
        # which keeps the maximum over every child this process ever waited for.
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if proc.returncode != 0:
        raise RuntimeError(f"snakemake {' '.join(args)} failed in {workdir}:\n{text[-4000:]}")
    return wall, usage.ru_maxrss / 1024, text


def job_counts(text: str) -> dict[str, int]:
    """The 'job count' table Snakemake prints before running (or dry-running) jobs."""
    counts: dict[str, int] = {}
    in_table = False
    for line in text.splitlines():
        parts = line.split()
        if parts[:2] == ["job", "count"]:
            in_table, counts = True, {}
            continue
        if in_table and parts and set(parts[0]) == {"-"}:
            continue
        if in_table and len(parts) == 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
            if parts[0] == "total":
                in_table = False
        elif in_table:
            in_table = False
    return counts


def fake_sha(*parts: object) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()


# --- part 1: DAG-build cost at paper scale -----------------------------------------------------


def make_paper_scale_project(dest: Path, repos: dict[str, int], agents: int, attempts: int):
    dest.mkdir(parents=True, exist_ok=True)
    copy_project(dest)
    lines = ["repos:"]
    for repo, n_tasks in repos.items():
        checkout = dest / "fake" / repo
        checkout.mkdir(parents=True)
        conftest._git(checkout, "init", "-q", "-b", "main")
        conftest._commit(checkout, {"README.md": f"fake {repo}\n"}, "Initial commit")
        commits = "".join(
            f"- commit: {fake_sha(repo, i)}\n"
            f"  perf_command: python benchmarks/benchmark_latency.py --model m{i}\n"
            f"  mode: latency\n"
            for i in range(n_tasks)
        )
        (dest / "config" / "commits" / f"{repo}.yaml").write_text(commits)
        lines += [
            f"  {repo}:",
            "    source: path",
            f"    path: fake/{repo}",
            f"    commits: config/commits/{repo}.yaml",
        ]
    lines.append("agents:")
    lines += [f"  - {{id: agent{a}, adapter: noop, attempts: {attempts}}}" for a in range(agents)]
    (dest / "config" / "config.yaml").write_text("\n".join(lines) + "\n")


MIRROR_HEADER = """\
# Generated: isobench's DAG (same jobs, same files, same edges) with trivial rules and no input
# functions from rules/common.smk.
TASKS = {tasks!r}
AGENTS = [f"a{{i}}" for i in range({n_agents})]
K = list(range(1, {attempts} + 1))
REPOS = sorted(TASKS)


def attempts(repo, pattern):
    return [
        pattern.format(agent=a, repo=repo, commit=c, k=k)
        for a in AGENTS
        for c in TASKS[repo]
        for k in K
    ]


rule all:
    input:
        "results/opt_at_k.csv",
        [f for r in REPOS for f in attempts(r, "results/bench/{{agent}}/{{repo}}/{{commit}}/{{k}}.json")],
        expand("results/mining/{{repo}}/candidates.jsonl", repo=REPOS),
        expand("results/dataset/{{repo}}.jsonl", repo=REPOS),
"""
T = "results/tasks/{repo}/{commit}"
RUN = "results/runs/{agent}/{repo}/{commit}/{k}"
# (rule, inputs, outputs, local): the rules of rules/*.smk that `rule all` reaches.
MIRROR_RULES = [
    ("repos", [], ["results/repos/{repo}.json"], True),
    (
        "mining",
        ['"results/repos/{repo}.json"'],
        ["results/mining/{repo}/candidates.jsonl", "results/mining/{repo}/summary.json"],
        False,
    ),
    ("tasks", ['"results/repos/{repo}.json"', '"Snakefile"'], [f"{T}/task.json"], False),
    (
        "dataset",
        [f'lambda w: expand("{T}/task.json", repo=w.repo, commit=TASKS[w.repo])'],
        ["results/dataset/{repo}.jsonl"],
        True,
    ),
    ("synthesis", [f'"{T}/task.json"'], [f"{T}/perf_test.py", f"{T}/synthesis.json"], False),
    ("envs", [f'"{T}/task.json"'], ["results/envs/{repo}/{commit}.json"], False),
    (
        "agents",
        [f'"{T}/task.json"', '"results/repos/{repo}.json"'],
        [f"{RUN}/patch.diff", f"{RUN}/run.json"],
        False,
    ),
    (
        "bench",
        [
            f'"{T}/task.json"',
            f'"{T}/perf_test.py"',
            f'"{T}/synthesis.json"',
            '"results/envs/{repo}/{commit}.json"',
            '"results/repos/{repo}.json"',
            f'"{RUN}/patch.diff"',
            f'"{RUN}/run.json"',
        ],
        ["results/bench/{agent}/{repo}/{commit}/{k}.json"],
        False,
    ),
    (
        "scores",
        [
            'lambda w: attempts(w.repo, "results/bench/{agent}/{repo}/{commit}/{k}.json")',
            f'lambda w: attempts(w.repo, "{RUN}/run.json")',
        ],
        ["results/scores/{repo}.csv"],
        True,
    ),
    (
        "opt_at_k",
        ['expand("results/scores/{repo}.csv", repo=REPOS)'],
        ["results/opt_at_k.csv"],
        True,
    ),
]
WILDCARDS = re.compile(r"\{(\w+)\}")


def mirror_snakefile(tasks: dict, agents: int, attempts: int, directives: bool) -> str:
    """The mirror DAG; with `directives`, each rule also has isobench's log, conda, script and
    static params (so only the input functions and the config handling differ)."""
    text = MIRROR_HEADER.format(tasks=tasks, n_agents=agents, attempts=attempts)
    for name, inputs, outputs, local in MIRROR_RULES:
        wildcards = sorted(set(WILDCARDS.findall(outputs[0])))
        text += f"\nrule {name}:\n"
        if inputs:
            text += "    input:\n" + "".join(f"        {i},\n" for i in inputs)
        text += "    output:\n" + "".join(f'        "{o}",\n' for o in outputs)
        if directives:
            log = "/".join("{" + w + "}" for w in wildcards) or name
            text += f'    log:\n        "logs/{name}/{log}.log",\n'
            if local:
                text += "    localrule: True\n"
            text += '    conda:\n        "envs/isobench.yaml"\n'
            text += f'    params:\n        name="{name}",\n        n=3,\n'
            text += '    script:\n        "scripts/touch.py"\n'
        else:
            text += '    shell:\n        "touch {output}"\n'
    return text


FLAT_SNAKEFILE = """\
# Generated: {n} independent `touch` jobs under one target rule (a lower bound).
rule all:
    input: expand("out/{{i}}.txt", i=range({n}))

rule make:
    output: "out/{{i}}.txt"
    shell: "touch {{output}}"
"""


def make_mirror_project(
    dest: Path, repos: dict[str, int], agents: int, attempts: int, directives: bool = False
) -> None:
    tasks = {repo: [fake_sha(repo, i) for i in range(n)] for repo, n in repos.items()}
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "Snakefile").write_text(mirror_snakefile(tasks, agents, attempts, directives))
    if directives:
        (dest / "envs").mkdir(exist_ok=True)
        (dest / "envs" / "isobench.yaml").write_text("dependencies: [python]\n")
        (dest / "scripts").mkdir(exist_ok=True)
        (dest / "scripts" / "touch.py").write_text(
            "from pathlib import Path\n\nfor f in snakemake.output:  # noqa: F821\n    Path(f).touch()\n"
        )


def make_flat_project(dest: Path, total_jobs: int) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "Snakefile").write_text(FLAT_SNAKEFILE.format(n=total_jobs - 1))


def bench_dag(repeats: int, repos: dict[str, int], agents: int, attempts: int) -> None:
    n_tasks = sum(repos.values())
    print(
        f"== DAG build at paper scale: {n_tasks} tasks "
        f"({', '.join(f'{r} {n}' for r, n in repos.items())}) x {agents} agents x K={attempts}"
    )
    dry = ("-n", "--cores", "2", "--quiet", "rules", "--workflow-profile", "none")
    with tempfile.TemporaryDirectory(prefix="isobench-scale-") as tmp:
        dirs = {
            "isobench": Path(tmp) / "isobench",
            "mirror": Path(tmp) / "mirror",
            "mirror+directives": Path(tmp) / "mirror-directives",
            "flat": Path(tmp) / "flat",
        }
        make_paper_scale_project(dirs["isobench"], repos, agents, attempts)
        make_mirror_project(dirs["mirror"], repos, agents, attempts)
        make_mirror_project(dirs["mirror+directives"], repos, agents, attempts, directives=True)
        counts = {
            name: job_counts(measure(d, *dry)[2]) for name, d in dirs.items() if name != "flat"
        }
        total = counts["isobench"].get("total", 0)
        make_flat_project(dirs["flat"], total)
        counts["flat"] = job_counts(measure(dirs["flat"], *dry)[2])
        print("jobs: " + ", ".join(f"{n} {c.get('total', 0)}" for n, c in counts.items()))
        print(
            "isobench jobs per rule: "
            + ", ".join(f"{r} {n}" for r, n in counts["isobench"].items() if r != "total")
        )
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in dirs}
        for _ in range(repeats):  # interleaved, so that machine drift hits all alike
            for name, workdir in dirs.items():
                wall, rss, _ = measure(workdir, *dry)
                runs[name].append((wall, rss))
        # Startup alone (imports, plugin registry): `snakemake --version`.
        startup = statistics.median(measure(dirs["flat"], "--version")[0] for _ in range(3))
    summary = {}
    for name, samples in runs.items():
        walls = [w for w, _ in samples]
        summary[name] = (statistics.median(walls), max(r for _, r in samples))
        print(
            f"{name:17s} dry run: median {summary[name][0]:.2f} s "
            f"(runs {', '.join(f'{w:.2f}' for w in walls)}), peak RSS {summary[name][1]:.0f} MB, "
            f"{1000 * summary[name][0] / total:.2f} ms/job"
        )
    print(f"snakemake startup alone (--version): {startup:.2f} s")
    iso_wall, iso_rss = summary["isobench"]
    for base in ("mirror", "mirror+directives", "flat"):
        wall, rss = summary[base]
        print(
            f"ratio isobench/{base}: wall {iso_wall / wall:.2f}"
            f"{' (goal <= 1.25)' if base == 'mirror' else ''}, memory {iso_rss / rss:.2f}"
        )


# --- part 2: incremental re-runs on the toy study ----------------------------------------------


def rerun_plan(workdir: Path) -> tuple[dict[str, int], list[str], float]:
    """Dry run: jobs per rule, the bench outputs that would be (re)made, and the wall time."""
    wall, _, text = measure(workdir, "-n", "--cores", "2")
    bench = sorted(set(re.findall(r"output: (results/bench/\S+\.json)", text)))
    return job_counts(text), bench, wall


def report_step(title: str, workdir: Path, goal: str) -> None:
    counts, bench, dry_wall = rerun_plan(workdir)
    total = counts.pop("total", 0)
    print(f"-- {title} (goal: {goal})")
    print(
        f"   dry run {dry_wall:.2f} s: {total} jobs: "
        + (", ".join(f"{r} {n}" for r, n in counts.items()) or "none")
    )
    for path in bench:
        print(f"   bench re-run: {path}")
    if total:
        wall, _, _ = measure(workdir, "--cores", "2")
        print(f"   executing them: {wall:.1f} s")


def bench_rerun() -> None:
    print("== Incremental re-runs on the toy study (oracle, noop, preds x2 attempts; 2 tasks)")
    delay = 0.12
    with tempfile.TemporaryDirectory(prefix="isobench-rerun-") as tmp:
        workdir = Path(tmp)
        toy = make_toy_project(workdir, delay=delay, predictions=True)
        preds = workdir / "config" / "preds.jsonl"
        config = workdir / "config" / "config.yaml"
        wall, _, text = measure(workdir, "--cores", "2")
        print(f"full run: {job_counts(text).get('total', 0)} jobs in {wall:.1f} s")

        walls = [measure(workdir, "--cores", "2")[0] for _ in range(3)]
        _, bench, dry = rerun_plan(workdir)
        print(
            f"-- no-op re-run (goal: nothing to do): `snakemake --cores 2` median "
            f"{statistics.median(walls):.2f} s (runs {', '.join(f'{w:.2f}' for w in walls)}); "
            f"dry run {dry:.2f} s; bench re-runs: {len(bench)}"
        )

        time.sleep(1)  # a visibly newer mtime for the edited file
        write_predictions(preds, toy, delay, delay / 3)
        report_step(
            f"edit attempt 2 of preds on toy-{toy['fast'][:12]} in {preds.name}",
            workdir,
            f"bench/preds/toy/{toy['fast'][:12]}…/2.json + scores + opt_at_k",
        )

        config.write_text(
            config.read_text().replace("agents:\n", "agents:\n  - {id: noop2, adapter: noop}\n")
        )
        report_step("add agent noop2 (1 attempt)", workdir, "0 existing bench jobs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["all", "dag", "rerun", "study"], default="all")
    parser.add_argument("--repeats", type=int, default=3, help="dry runs per DAG (median)")
    parser.add_argument("--attempts", type=int, default=PAPER_ATTEMPTS, help="K per agent")
    parser.add_argument("--agents", type=int, default=PAPER_AGENTS)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    if args.part in ("all", "dag"):
        bench_dag(args.repeats, PAPER_REPOS, args.agents, args.attempts)
    if args.part in ("all", "rerun"):
        bench_rerun()
    if args.part in ("all", "study"):
        from benchmarks.study_dag import bench_study  # its own file: it reuses measure() etc.

        bench_study(args.repeats)


if __name__ == "__main__":
    main()
