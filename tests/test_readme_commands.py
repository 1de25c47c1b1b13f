"""Every command the README shows runs as written: the cheap ones are run, Snakemake as a dry run.

Commands come from the README's ```bash blocks (each line; `# ...` comments dropped) and from
inline code that starts with `snakemake `. They run in a fresh copy of the project with HOME set
to a temporary directory (so `~/studies/...` lands there): the study set-up first (`isobench`
and `$EDITOR` lines, in README order), then the rest in README order; `~/src/textlib` is a git
repository there (tests/support/foreign_repo.py). A `snakemake` command gets
`~/src/textlib` is a git repository (tests/support/foreign_repo.py). A `snakemake` command gets
`-n` right after the program name (a flag placed at the end would be eaten by `--config`), so its
arguments, config and DAG are checked without running jobs. Placeholders of the prose (`DIR`,
`<name>`, `FILE`, `my.yaml`) are filled in with that study. Commands that install software,
start daemons or run the whole suite (make, sudo, .ci/, pytest, python benchmarks/...) are listed
by `test_every_command_is_classified` and not run here: the rest of the suite runs them.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.foreign_repo import build_textlib, write_study
from tests.support.workflow_helpers import ROOT, copy_project

pytestmark = pytest.mark.e2e

README = ROOT / "README.md"
SKIPPED = ("make ", "sudo ", ".ci/", "pytest", "python benchmarks/", "source ", "bash ")
# Commands a dry run cannot check, run as written by another test instead.
RUN_ELSEWHERE = {
    # tests/test_workflow.py::test_a_plain_report_holds_every_table_and_figure_of_both_sets
    "snakemake --report results/report.html",
}
# `snakemake` invocations that are allowed without --cores: no job runs for them.
NO_CORES_NEEDED = ("-n", "--lint", "--unlock", "--report", "--dry-run", "--help")


def readme_commands(text: str) -> list[str]:
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL):
        for line in block.splitlines():
            line = re.sub(r"\s+#\s.*$", "", line).strip()
            if line and not line.startswith("#"):
                commands.append(line)
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    for span in re.findall(r"`([^`]+)`", prose):
        span = " ".join(span.split())
        if span.startswith("snakemake "):
            commands.append(span)
    return commands


COMMANDS = readme_commands(README.read_text(encoding="utf-8"))


def test_every_command_is_classified():
    run = [c for c in COMMANDS if not c.startswith(SKIPPED)]
    assert any(c.startswith("isobench init") for c in run)
    assert sum(c.startswith("snakemake") for c in run) >= 10
    unknown = [c for c in run if not c.startswith(("snakemake", "isobench", "$EDITOR"))]
    assert not unknown, f"README commands this test does not know how to run: {unknown}"


def test_snakemake_commands_that_run_jobs_say_how_many_cores():
    for command in COMMANDS:
        if command.startswith("snakemake") and command != "snakemake --cores 2":
            words = command.split()
            if not any(w in NO_CORES_NEEDED for w in words):
                assert "--cores" in words or "--workflow-profile" in words, command


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("readme")
    project = root / "isobench"
    project.mkdir()
    copy_project(project)
    shutil.copy2(README, project / "README.md")
    home = root / "home"
    shas = build_textlib(home / "src" / "textlib")
    # What the user's editor leaves in the study (a commit list, their benchmark and workloads),
    # and a config file of their own elsewhere, whose paths are absolute (relative ones would be
    # relative to the directory snakemake runs in).
    written = write_study(root / "written", home / "src" / "textlib", shas)
    config = (written / "config" / "config.yaml").read_text()
    commits = (written / "config" / "commits" / "textlib.yaml").read_text()
    for name in ("bench_textlib.py", "workload_", "config/commits/", "preds.jsonl"):
        config, commits = (text.replace(name, f"{written}/{name}") for text in (config, commits))
    (written / "commits-abs.yaml").write_text(commits)
    config = config.replace(f"{written}/config/commits/textlib.yaml", f"{written}/commits-abs.yaml")
    (written / "my.yaml").write_text(config)
    return {"project": project, "home": home, "written": written}


def _fill(command: str, box: dict) -> str:
    study = box["home"] / "studies" / "textlib"
    command = command.replace("<name>", "textlib").replace("<agent>", "oracle")
    replacements = {
        "DIR": str(study),
        "FILE": str(box["written"] / "my.yaml"),
        "my.yaml": str(box["written"] / "my.yaml"),
    }
    for placeholder, value in replacements.items():
        command = re.sub(rf"(?<![\w/.-]){re.escape(placeholder)}(?![\w-])", value, command)
    return command.replace("~/", f"{box['home']}/")


def _run(command: str, box: dict) -> subprocess.CompletedProcess | None:
    env = {**os.environ, "HOME": str(box["home"])}
    words = shlex.split(_fill(command, box))
    if words[0] == "$EDITOR":  # the user fills in the commit list, adds their benchmark files
        shutil.copy2(box["written"] / "config" / "commits" / "textlib.yaml", words[1])
        study = Path(words[1]).parents[2]
        for path in box["written"].glob("*"):
            if path.name.startswith(("bench_", "workload_", "preds")):
                shutil.copy2(path, study / path.name)
        return None
    if words[0] == "snakemake":
        if "--workflow-profile" in words and shutil.which("sbatch") is None:
            if os.environ.get("CI"):
                pytest.fail(f"CI is set, so SLURM is required for: {command}")
            return None  # the SLURM plugin needs the cluster's commands even for a dry run
        words = [sys.executable, "-m", "snakemake", "-n", *words[1:]]
    elif words[0] == "isobench":
        words = [str(Path(sys.executable).with_name("isobench")), *words[1:]]
    return subprocess.run(
        words, cwd=box["project"], env=env, capture_output=True, text=True, timeout=300
    )


def test_the_readme_commands_run_as_written(sandbox):
    setup = [c for c in COMMANDS if c.startswith(("isobench", "$EDITOR"))]
    rest = [
        c
        for c in COMMANDS
        if c not in setup and not c.startswith(SKIPPED) and c not in RUN_ELSEWHERE
    ]
    failures = []
    for command in setup + rest:
        proc = _run(command, sandbox)
        if proc is not None and proc.returncode != 0:
            failures.append(f"$ {command}\n{(proc.stdout + proc.stderr)[-1500:]}")
    assert not failures, "\n\n".join(failures)
