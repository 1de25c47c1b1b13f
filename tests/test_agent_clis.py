"""The real Claude Code and Codex CLIs make a scripted edit against the loopback fake provider.

The CLIs come from .ci/setup-agents.sh (pinned, in .tools/npm) or PATH. Without them these tests
skip, except under CI (env CI set), where a missing CLI is a failure.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from isobench import gitutil
from isobench.agents import run_agent
from isobench.agents.base import run_record
from isobench.agents.cli_lookup import resolve_command
from tests.support.fake_provider import FakeProvider, Reply, ToolCall, has_tool_result, tool_names

pytestmark = pytest.mark.agents


ANTHROPIC_KEY = "sk-ant-test-0123456789abcdef"
OPENAI_KEY = "sk-openai-test-0123456789abcdef"
ENV_PROBE = (
    "printenv OPENAI_API_KEY || echo no-openai-key; "
    "printenv ANTHROPIC_API_KEY || echo no-anthropic-key; echo home=$HOME"
)


def require_cli(name: str) -> list[str]:
    found = resolve_command(name)
    if found is None:
        message = (
            f"the {name} CLI is not installed (run .ci/setup-agents.sh to install the pinned "
            f"version into .tools/npm, or put it on PATH)"
        )
        if os.environ.get("CI"):
            pytest.fail(f"CI is set and {message}")
        pytest.skip(message)
    return found


@pytest.fixture
def keys(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)


def human_diff(toy_repo) -> bytes:
    return gitutil.diff_bytes(toy_repo["path"], toy_repo["root"], toy_repo["perf"])


def header(request: dict, name: str) -> str | None:
    return {k.lower(): v for k, v in request["headers"].items()}.get(name.lower())


def claude_script(request: dict):
    """Read work.py, Edit its DELAY line, probe the environment with Bash, then finish."""
    body = request["body"]
    if "Edit" not in tool_names(body):  # a side request (title, quota): plain text
        return Reply("ok")
    system = json.dumps(body.get("system"))
    cwd = re.search(r"Primary working directory: ([^\\\s\"]+)", system).group(1)
    path = f"{cwd}/work.py"
    step = has_tool_result(body)
    if step == 0:
        return Reply("Reading the code.", tool_calls=[ToolCall("Read", {"file_path": path})])
    if step == 1:
        edit = {"file_path": path, "old_string": "DELAY = 0.12", "new_string": "DELAY = 0.03"}
        return Reply("Optimizing.", tool_calls=[ToolCall("Edit", edit)])
    if step == 2:
        probe = {"command": ENV_PROBE, "description": "check the environment"}
        return Reply("", tool_calls=[ToolCall("Bash", probe)])
    return Reply("Done: DELAY lowered.")


def test_claude_code_makes_the_scripted_edit(task, toy_repo, tmp_path, keys):
    require_cli("claude")
    with FakeProvider(default=claude_script) as fake:
        agent = {
            "id": "claude",
            "adapter": "claude_code",
            "model": "claude-sonnet-4-5",
            "api_base": fake.url,
            "env": ["ANTHROPIC_API_KEY"],
            "budgets": {"turns": 10, "wall_clock_s": 180},
            "run_dir": str(tmp_path / "run"),
        }
        result = run_agent(task, toy_repo["path"], agent, 1)
        main = [r for r in fake.requests if "Edit" in tool_names(r["body"])]
    assert result.status == "ok", (result.reason, result.details)
    assert result.patch == human_diff(toy_repo)  # exactly the one-line edit, nothing else
    assert result.returncode == 0 and not result.timed_out
    assert result.turns == 4 and result.tokens["output_tokens"] > 0
    assert isinstance(result.cost_usd, float)
    assert result.agent_version.startswith("2.1.197")
    assert result.time_to_first_edit_s is not None
    assert result.details["result_subtype"] == "success"
    # What the provider saw: our key, our prompt, no web tools; the environment probe's output.
    assert all(header(r, "x-api-key") == ANTHROPIC_KEY for r in main)
    first_user = json.dumps(main[0]["body"]["messages"][0])
    assert "python bench.py" in first_user and ".bench_scratch" in first_user
    assert not {"WebFetch", "WebSearch"} & set(tool_names(main[0]["body"]))
    probe = json.dumps(main[-1]["body"]["messages"])
    assert "no-openai-key" in probe and ANTHROPIC_KEY in probe  # its own key only
    home = re.search(r"home=(/[^\s\\\"]+)", probe).group(1)
    assert home != os.environ.get("HOME") and "isobench-agent-" in home
    # The trajectory is kept beside run.json, credentials redacted.
    trajectory = Path(result.trajectory)
    assert trajectory.parent == tmp_path / "run" and trajectory.name == "trajectory.jsonl"
    text = trajectory.read_text()
    assert '"name":"Edit"' in text.replace(" ", "") and ANTHROPIC_KEY not in text
    record = run_record(
        result, agent=agent, repo="toy", commit=task["commit_hash"], instance="i", k=1
    )
    assert record["prompt_hash"] and record["patch_stats"]["files_changed"] == 1


def test_claude_code_turn_budget_without_a_patch(task, toy_repo, tmp_path, keys):
    require_cli("claude")

    def reader(request):
        body = request["body"]
        if "Read" not in tool_names(body):
            return Reply("ok")
        return Reply("", tool_calls=[ToolCall("Glob", {"pattern": "*.py"})])

    with FakeProvider(default=reader) as fake:
        agent = {
            "id": "claude",
            "adapter": "claude_code",
            "api_base": fake.url,
            "env": ["ANTHROPIC_API_KEY"],
            "budgets": {"turns": 1, "wall_clock_s": 120},
        }
        result = run_agent(task, toy_repo["path"], agent, 1)
    assert result.status == "agent_failed", result.reason
    assert "budget exceeded without a patch" in result.reason and "max_turns" in result.reason
    assert result.patch == b"" and result.trajectory is None  # no run_dir: nothing kept


def codex_script(request: dict):
    """exec_command a sed that edits work.py, probe the environment, then finish."""
    body = request["body"]
    step = has_tool_result(body)
    if step == 0:
        sed = "sed -i 's/DELAY = 0.12/DELAY = 0.03/' work.py"
        return Reply("", tool_calls=[ToolCall("exec_command", {"cmd": sed})])
    if step == 1:
        return Reply("", tool_calls=[ToolCall("exec_command", {"cmd": ENV_PROBE})])
    return Reply("Done: DELAY lowered.")


def test_codex_cli_makes_the_scripted_edit(task, toy_repo, tmp_path, keys):
    require_cli("codex")
    with FakeProvider(default=codex_script) as fake:
        agent = {
            "id": "codex",
            "adapter": "codex_cli",
            "model": "gpt-5",
            "api_base": fake.api_base,
            "env": ["OPENAI_API_KEY"],
            "budgets": {"wall_clock_s": 180},
            "run_dir": str(tmp_path / "run"),
        }
        result = run_agent(task, toy_repo["path"], agent, 1)
        requests = list(fake.requests)
    assert result.status == "ok", (result.reason, result.details)
    assert result.patch == human_diff(toy_repo)
    assert result.returncode == 0 and result.turns == 3
    assert result.tokens["input_tokens"] > 0 and result.tokens["output_tokens"] > 0
    assert result.agent_version.startswith("codex-cli 0.169.0")
    assert result.details["commands"] == 2
    assert {r["path"] for r in requests} == {"/v1/responses"}
    assert all(header(r, "authorization") == f"Bearer {OPENAI_KEY}" for r in requests)
    assert "web_search" not in tool_names(requests[0]["body"])
    assert "python bench.py" in json.dumps(requests[0]["body"]["input"])
    probe = json.dumps(requests[-1]["body"]["input"])
    assert "no-anthropic-key" in probe and "isobench-agent-" in probe
    trajectory = Path(result.trajectory)
    assert trajectory.name == "trajectory.jsonl" and "command_execution" in trajectory.read_text()
    assert OPENAI_KEY not in trajectory.read_text()
