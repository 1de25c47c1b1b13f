"""The real OpenHands (openhands-ai 0.62.0, headless) makes a scripted edit in the sandbox.

OpenHands runs from .tools/openhands (Python 3.12, installed pinned by .ci/setup-agents.sh) under
bubblewrap, with its CLI runtime, against the loopback fake provider speaking the OpenAI Chat
Completions API that OpenHands' litellm calls; the scripted model answers with native tool calls
(str_replace_editor, execute_bash, finish). Without OpenHands or bwrap these tests skip, except
under CI (env CI set), where that is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from isobench import gitutil
from isobench.agents import run_agent
from isobench.agents.base import run_record
from tests.support.fake_provider import (
    Delay,
    FakeProvider,
    Reply,
    ToolCall,
    has_tool_result,
    tool_names,
    tool_results,
)
from tests.support.procs import processes_with_argv

pytestmark = pytest.mark.agents


ROOT = Path(__file__).resolve().parent.parent
OPENHANDS_PYTHON = ROOT / ".tools" / "openhands" / "bin" / "python"
OPENAI_KEY = "sk-openai-test-0123456789abcdef"
ANTHROPIC_KEY = "sk-ant-test-0123456789abcdef"
MODEL = "openai/gpt-4o"  # OpenHands uses native tool calling for gpt-4o*; litellm has its price
# OpenHands 0.62's CLI runtime drops the output of a command that exits before its first line is
# read (see isobench/agents/openhands.py), so the probes sleep first.
SETTLE = "sleep 0.5; "
STRAY_SLEEP = "sleep 987.654"  # a command the wall-clock kill must take down, found by its argv


def require(what: str, present: bool, fix: str) -> None:
    if present:
        return
    message = f"{what} is not installed ({fix})"
    if os.environ.get("CI"):
        pytest.fail(f"CI is set and {message}")
    pytest.skip(message)


@pytest.fixture
def openhands_ready(monkeypatch):
    require(
        "OpenHands",
        OPENHANDS_PYTHON.is_file() and os.access(OPENHANDS_PYTHON, os.X_OK),
        "run .ci/setup-agents.sh to install openhands-ai 0.62.0 into .tools/openhands",
    )
    require("bubblewrap (bwrap)", shutil.which("bwrap") is not None, "apt-get install bubblewrap")
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)


@pytest.fixture
def study(tmp_path, toy_repo, monkeypatch):
    """The workflow's working directory, with a task record that gives the human commit away."""
    study = tmp_path / "study"
    (study / "results" / "tasks").mkdir(parents=True)
    secret = study / "results" / "tasks" / "task.json"
    secret.write_text(json.dumps({"commit_hash": toy_repo["perf"], "diff": "the human diff"}))
    monkeypatch.chdir(study)
    return {"dir": study, "secret": secret}


def agent_config(fake: FakeProvider, tmp_path: Path, **budgets) -> dict:
    return {
        "id": "openhands",
        "adapter": "openhands",  # no command: .tools/openhands/bin/python is found first
        "model": MODEL,
        "api_base": fake.api_base,
        "env": ["OPENAI_API_KEY"],
        "sandbox": "bwrap",
        "budgets": {"wall_clock_s": 300, **budgets},
        "run_dir": str(tmp_path / "run"),
    }


def human_diff(toy_repo) -> bytes:
    return gitutil.diff_bytes(toy_repo["path"], toy_repo["root"], toy_repo["perf"])


def workdir(body: dict) -> str:
    """The workspace OpenHands tells its model about (the runtime information of the prompt)."""
    text = json.dumps(body.get("messages"))
    return re.search(r"The current working directory is ([^\s\\\"]+)", text).group(1)


def edit_call(body: dict) -> ToolCall:
    path = f"{workdir(body)}/work.py"
    args = {"command": "str_replace", "path": path, "old_str": "DELAY = 0.12"}
    return ToolCall("str_replace_editor", args | {"new_str": "DELAY = 0.03"})


def bash_call(command: str) -> ToolCall:
    return ToolCall("execute_bash", {"command": command, "is_input": "false"})


def probe_command(toy_repo, secret: Path) -> str:
    """What the agent's shell can see: its key, HOME, commits, the human commit, the study."""
    return SETTLE + "; ".join(
        [
            "printenv ANTHROPIC_API_KEY || echo no-anthropic-key",
            "echo home=$HOME",
            "echo commits=$(git rev-list --all | wc -l)",
            f"git cat-file -t {toy_repo['perf']} 2>/dev/null || echo no-human-commit-here",
            f"git -C {toy_repo['path']} cat-file -t {toy_repo['perf']} 2>/dev/null"
            " || echo no-human-commit-there",
            f"echo repo-entries=$(ls -A {toy_repo['path']} | wc -l)",
            f"cat {secret} 2>/dev/null || echo no-task-record",
        ]
    )


def test_openhands_makes_the_scripted_edit_in_the_sandbox(
    task, toy_repo, tmp_path, openhands_ready, study
):
    probe = probe_command(toy_repo, study["secret"])

    def script(request: dict):
        """View work.py, edit its DELAY line, probe the sandbox from the shell, finish."""
        body = request["body"]
        step = has_tool_result(body)
        if step == 0:
            path = f"{workdir(body)}/work.py"
            view = {"command": "view", "path": path}
            return Reply("Reading the code.", tool_calls=[ToolCall("str_replace_editor", view)])
        if step == 1:
            return Reply("Optimizing.", tool_calls=[edit_call(body)])
        if step == 2:
            return Reply("", tool_calls=[bash_call(probe)])
        return Reply("", tool_calls=[ToolCall("finish", {"message": "DELAY lowered."})])

    with FakeProvider(default=script) as fake:
        agent = agent_config(fake, tmp_path, turns=10)
        result = run_agent(task, toy_repo["path"], agent, 1)
        requests = list(fake.requests)
    assert result.status == "ok", (result.reason, result.details.get("stderr_tail"))
    assert result.patch == human_diff(toy_repo)  # exactly the one-line edit, nothing else
    assert result.returncode == 0 and not result.timed_out
    assert result.agent_version == "OpenHands version: 0.62.0"
    assert result.details["command"][:3] == ["python", "-m", "openhands.core.main"]
    assert result.turns == 4 and result.details["final_agent_state"] == "finished"
    assert result.tokens["prompt_tokens"] > 0 and result.tokens["completion_tokens"] > 0
    assert isinstance(result.cost_usd, float) and result.cost_usd > 0
    assert result.time_to_first_edit_s is not None
    # What the provider saw: chat completions with our key, our prompt, no browsing tools.
    assert len(requests) == 4 and {r["path"] for r in requests} == {"/v1/chat/completions"}
    auth = [{k.lower(): v for k, v in r["headers"].items()}["authorization"] for r in requests]
    assert set(auth) == {f"Bearer {OPENAI_KEY}"}
    first = requests[0]["body"]
    assert "python bench.py" in json.dumps(first["messages"])
    assert {"execute_bash", "str_replace_editor", "finish"} <= set(tool_names(first))
    assert not [n for n in tool_names(first) if "brows" in n or "ipython" in n]
    # The sandbox: the workspace is the parent commit alone; the human commit, the task's
    # repository and the study's records are out of reach; its own key and HOME only.
    seen = tool_results(requests[-1]["body"])[-1]
    assert "no-anthropic-key" in seen and OPENAI_KEY not in seen
    assert "commits=1" in seen and "no-human-commit-here" in seen
    assert "no-human-commit-there" in seen and "repo-entries=0" in seen
    assert "no-task-record" in seen and "the human diff" not in seen
    home = re.search(r"home=(\S+)", seen).group(1)
    assert home != os.environ.get("HOME") and "isobench-agent-" in home
    sandbox = result.details["sandbox"]
    assert sandbox["mode"] == "bwrap"
    assert {str(study["dir"]), str(toy_repo["path"])} <= set(sandbox["hidden"])
    # The trajectory (OpenHands' event store) is kept beside run.json, credentials redacted.
    trajectory = Path(result.trajectory)
    assert trajectory.parent == tmp_path / "run" and trajectory.name == "trajectory.json"
    text = trajectory.read_text()
    assert "str_replace_editor" in text and "agent_state_changed" in text
    assert OPENAI_KEY not in text
    record = run_record(
        result, agent=agent, repo="toy", commit=task["commit_hash"], instance="i", k=1
    )
    assert record["prompt_hash"] and record["patch_stats"]["files_changed"] == 1


def test_openhands_iteration_budget_keeps_its_patch(
    task, toy_repo, tmp_path, openhands_ready, study
):
    def script(request: dict):
        """Edit, then list files forever: OpenHands stops at its iteration limit (-i 2)."""
        body = request["body"]
        if has_tool_result(body) == 0:
            return Reply("", tool_calls=[edit_call(body)])
        return Reply("", tool_calls=[bash_call(SETTLE + "ls")])

    with FakeProvider(default=script) as fake:
        result = run_agent(task, toy_repo["path"], agent_config(fake, tmp_path, turns=2), 1)
        calls = fake.count
    assert result.status == "ok", (result.reason, result.details.get("stderr_tail"))
    assert result.reason == "stopped at its budget (max_iterations); its patch is kept"
    assert result.patch == human_diff(toy_repo) and not result.timed_out
    assert result.turns == 2 and calls == 2
    assert result.details["final_agent_state"] == "error"
    assert result.details["sandbox"]["mode"] == "bwrap"


def test_openhands_wall_clock_kill_keeps_the_partial_patch(
    task, toy_repo, tmp_path, openhands_ready, study
):
    def script(request: dict):
        """Edit, then run a command that outlives the wall clock (in its own session)."""
        body = request["body"]
        if has_tool_result(body) == 0:
            return Reply("", tool_calls=[edit_call(body)])
        if has_tool_result(body) == 1:
            return Reply("", tool_calls=[bash_call(STRAY_SLEEP)])
        return Delay(600)

    with FakeProvider(default=script) as fake:
        agent = agent_config(fake, tmp_path, turns=10, wall_clock_s=45)
        result = run_agent(task, toy_repo["path"], agent, 1)
        calls = fake.count
    assert calls == 2, f"OpenHands made {calls} model calls before the kill (2 expected)"
    assert result.status == "timeout" and result.timed_out, result.reason
    assert "wall-clock limit of 45 s" in result.reason
    assert result.patch == human_diff(toy_repo)  # the partial patch is kept
    assert result.returncode is None
    # OpenHands wrote no trajectory file, but its event store has the turns so far
    assert result.turns == 2 and result.details["openhands_source"] == "event store"
    assert result.tokens["prompt_tokens"] > 0
    assert "execute_bash" in Path(result.trajectory).read_text()
    assert (
        processes_with_argv(STRAY_SLEEP) == []
    )  # the runtime's setsid command died with the sandbox
