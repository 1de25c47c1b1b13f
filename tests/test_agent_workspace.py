"""The agent workspace: no way back to the human commit, the harness's own patch, isolation."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from isobench import gitutil
from isobench.agents.base import AgentResult, budgets_of, decide_status, run_record
from isobench.agents.first_edit import FirstEditWatcher
from isobench.agents.prompt import SCRATCH_DIR, render_task_prompt
from isobench.agents.workspace import prepare_workspace, remove_workspace
from isobench.llm import PROMPTS_DIR
from isobench.process import RUN_MARKER, marked_pids, run_process

ISOLATED_GIT = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CEILING_DIRECTORIES": "/",
}


def agit(ws_path: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """git as the agent would run it, inside the workspace."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")} | ISOLATED_GIT
    return subprocess.run(
        ["git", *args], cwd=ws_path, env=env, capture_output=True, text=True, check=check
    )


@pytest.fixture
def ws(toy_repo, tmp_path):
    workspace = prepare_workspace(
        toy_repo["path"], toy_repo["root"], name="toy", root=tmp_path / "run"
    )
    yield workspace
    remove_workspace(workspace)


def test_workspace_cannot_reach_the_human_commit(ws, toy_repo):
    for sha in (toy_repo["perf"], toy_repo["docs"], toy_repo["root"]):
        assert agit(ws.path, "cat-file", "-e", sha, check=False).returncode != 0
        assert agit(ws.path, "cat-file", "-e", f"{sha}^{{commit}}", check=False).returncode != 0
    log = agit(ws.path, "log", "--all", "--format=%H %s").stdout.splitlines()
    assert log == [f"{ws.initial_commit} Initial state"]
    assert agit(ws.path, "remote").stdout == ""
    assert agit(ws.path, "for-each-ref", "--format=%(refname)").stdout.split() == [
        "refs/heads/main"
    ]
    reflog = agit(ws.path, "reflog", "--all", "--format=%H").stdout.split()
    assert set(reflog) == {ws.initial_commit}
    assert not (ws.path / ".git" / "packed-refs").exists()
    assert not (ws.path / ".git" / "shallow").exists()
    assert agit(ws.path, "stash", "list").stdout == ""
    # Every object in the repository is reachable from the single commit: nothing dangling.
    objects = {
        line.split()[0]
        for line in agit(ws.path, "rev-list", "--all", "--objects").stdout.splitlines()
    }
    listed = agit(ws.path, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)")
    assert set(listed.stdout.split()) <= objects
    # The tree is exactly the parent's.
    tree = agit(ws.path, "rev-parse", "HEAD^{tree}").stdout.strip()
    assert (
        tree == gitutil.git(toy_repo["path"], "rev-parse", f"{toy_repo['root']}^{{tree}}").strip()
    )
    # No file of the run (workspace, harness git dir, home) names the human commit or its message.
    for path in ws.root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert toy_repo["perf"].encode() not in data, path
            assert b"caching the warm path" not in data, path


def test_the_initial_commit_is_the_same_in_every_attempt(toy_repo, tmp_path):
    a = prepare_workspace(toy_repo["path"], toy_repo["root"], name="toy", root=tmp_path / "a")
    b = prepare_workspace(toy_repo["path"], toy_repo["root"], name="toy", root=tmp_path / "b")
    assert a.initial_commit == b.initial_commit


def test_patch_has_every_kind_of_change_and_no_scratch(ws, toy_repo, tmp_path):
    (ws.path / "work.py").write_text("DELAY = 0.01\n\ndef compute(n):\n    return list(range(n))\n")
    (ws.path / "pkg").mkdir()
    (ws.path / "pkg" / "new.py").write_text("X = 1\n")
    (ws.path / "blob.bin").write_bytes(bytes(range(256)) * 4)
    (ws.path / "bench.py").unlink()
    (ws.path / SCRATCH_DIR / "timing.py").write_text("print('scratch')\n")
    # The agent committing part of its work does not hide it from the patch.
    agit(ws.path, "add", "pkg/new.py")
    agit(ws.path, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "wip")
    patch = ws.patch()
    assert b"pkg/new.py" in patch and b"GIT binary patch" in patch
    assert b"deleted file mode" in patch and SCRATCH_DIR.encode() not in patch
    tree = gitutil.export_tree(toy_repo["path"], toy_repo["root"], tmp_path / "check")
    ok, why = gitutil.apply_patch(tree, patch)
    assert ok, why
    assert (tree / "work.py").read_text() == (ws.path / "work.py").read_text()
    assert (tree / "blob.bin").read_bytes() == (ws.path / "blob.bin").read_bytes()
    assert not (tree / "bench.py").exists() and not (tree / SCRATCH_DIR).exists()


def test_nothing_the_agent_does_to_its_git_changes_the_patch(ws):
    (ws.path / "work.py").write_text("DELAY = 0.05\n")
    marker = ws.root / "fsmonitor-ran"
    config = [
        ("core.fsmonitor", f"touch {marker}; false"),
        ("diff.noprefix", "true"),
        ("diff.external", "false"),
        ("core.pager", "false"),
    ]
    for key, value in config:
        agit(ws.path, "config", key, value)
    expected = b"diff --git a/work.py b/work.py"
    assert expected in ws.patch()
    assert not marker.exists()
    # History rewritten, then the whole .git deleted: the harness still sees the change.
    agit(ws.path, "-c", "core.fsmonitor=false", "commit", "-qam", "x", check=False)
    import shutil

    shutil.rmtree(ws.path / ".git")
    patch = ws.patch()
    assert expected in patch and b"+DELAY = 0.05" in patch and b".git/" not in patch


def test_agent_env_keeps_only_its_own_key(ws, monkeypatch):
    for name, value in {
        "ANTHROPIC_API_KEY": "sk-ant-keep-1234567890",
        "OPENAI_API_KEY": "sk-openai-drop-1234567890",
        "TAVILY_API_KEY": "tvly-drop-1234567890",
        "ANTHROPIC_BASE_URL": "http://elsewhere.invalid",
        "GIT_DIR": "/somewhere/else",
        "HOME": "/root-of-the-user",
    }.items():
        monkeypatch.setenv(name, value)
    env = ws.agent_env(keep=("ANTHROPIC_API_KEY",), extra={"X_EXTRA": "1"})
    assert env["ANTHROPIC_API_KEY"] == "sk-ant-keep-1234567890"
    for gone in ("OPENAI_API_KEY", "TAVILY_API_KEY", "ANTHROPIC_BASE_URL", "GIT_DIR"):
        assert gone not in env
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "TMPDIR"):
        assert Path(env[name]).is_relative_to(ws.root) and Path(env[name]).is_dir()
    assert not Path(env["HOME"]).is_relative_to(ws.path)
    assert env[RUN_MARKER] == ws.run_id and env["X_EXTRA"] == "1"
    assert env["PATH"] == os.environ["PATH"]


def test_first_edit_watcher_times_the_first_change(ws):
    with FirstEditWatcher(ws, interval_s=0.1) as watcher:
        (ws.path / SCRATCH_DIR / "scratch.py").write_text("x = 1\n")  # not an edit
        time.sleep(0.6)
        assert watcher.seconds is None
        (ws.path / "work.py").write_text("DELAY = 0\n")
        deadline = time.monotonic() + 10
        while watcher.seconds is None and time.monotonic() < deadline:
            time.sleep(0.05)
    assert watcher.seconds is not None and 0.5 <= watcher.seconds < 10


NEVER_ENDING = """import os, subprocess, sys, time
open("work.py", "a").write("# edited\\n")
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])  # same group
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
print("started", flush=True)
while True:
    time.sleep(0.1)
"""


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs Linux /proc")
def test_run_process_kills_the_whole_tree_at_the_limit(ws):
    script = ws.out / "forever.py"
    script.write_text(NEVER_ENDING)
    env = ws.agent_env()
    start = time.monotonic()
    outcome = run_process(
        [sys.executable, str(script)],
        cwd=ws.path,
        env=env,
        timeout_s=2,
        stdout_path=ws.out / "o.txt",
        stderr_path=ws.out / "e.txt",
        grace_s=0.5,
    )
    assert outcome.timed_out and outcome.returncode is None
    assert time.monotonic() - start < 10
    assert (ws.out / "o.txt").read_text().startswith("started")
    assert outcome.killed_stragglers >= 1  # the child that left the group with setsid
    time.sleep(0.2)
    assert marked_pids(RUN_MARKER, env[RUN_MARKER]) == []


def test_prompt_has_no_human_data(task, toy_repo):
    prompt = render_task_prompt(task, {"id": "a"})
    text = prompt.system + prompt.text + prompt.mini_protocol
    assert "python bench.py" in text and f"{SCRATCH_DIR}/" in text
    assert "functional" in text.lower()
    for leak in (task["subject"], "Cuts latency by 4x", toy_repo["perf"], toy_repo["perf"][:7]):
        assert leak not in text
    assert "DELAY = 0.03" not in text and "work.py" not in text  # neither diff nor targets
    assert "/tmp" not in text and str(toy_repo["path"]) not in text
    template = (PROMPTS_DIR / "agent_task_v1.md").read_bytes()
    assert prompt.template_sha256 == hashlib.sha256(template).hexdigest()
    assert prompt.name == "agent_task_v1"


def test_prompt_discloses_target_files_only_when_asked(task):
    shown = render_task_prompt(task, {"id": "a", "disclose_target_files": True})
    assert "- work.py" in shown.text
    hidden = render_task_prompt(task, {"id": "a", "disclose_target_files": False})
    assert "work.py" not in hidden.text and hidden.sha256 != shown.sha256
    assert hidden.template_sha256 == shown.template_sha256
    with pytest.raises(FileNotFoundError, match="agents\\[\\].prompt"):
        render_task_prompt(task, {"id": "a", "prompt": "no_such_prompt_v9"})


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"patch": "diff"}, "ok"),
        ({"patch": ""}, "empty_patch"),
        ({"patch": "diff", "timed_out": True}, "timeout"),
        ({"patch": "", "timed_out": True}, "agent_failed"),
        ({"patch": "diff", "failure": "exit code 2"}, "agent_failed"),
        ({"patch": "diff", "budget_stop": "max_turns"}, "ok"),
        ({"patch": "", "budget_stop": "max_turns"}, "agent_failed"),
    ],
)
def test_status_comes_from_how_the_run_ended_and_the_patch(kwargs, expected):
    status, reason = decide_status(wall_clock_s=60, **kwargs)
    assert status == expected
    assert AgentResult(status=status, patch=kwargs["patch"], reason=reason).status == expected


def test_timeout_without_patch_is_agent_failed_and_recorded():
    result = AgentResult(status="timeout", patch=b"")
    assert result.status == "agent_failed" and result.timed_out
    kept = AgentResult(status="timeout", patch=b"diff --git a/x b/x\n", details={"a": 1})
    record = run_record(
        kept, agent={"id": "a", "adapter": "mini"}, repo="r", commit="c" * 40, instance="i", k=1
    )
    assert record["status"] == "timeout" and record["timed_out"] and record["details"] == {"a": 1}


def test_budget_defaults():
    assert budgets_of({}) == {"turns": None, "wall_clock_s": 7200.0, "cost_usd": None}
    assert budgets_of({"budgets": {"turns": 5, "wall_clock_s": 30, "cost_usd": 1.5}}) == {
        "turns": 5,
        "wall_clock_s": 30.0,
        "cost_usd": 1.5,
    }
