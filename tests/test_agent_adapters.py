"""Agent adapters without the real CLIs: budgets and kills (fake CLI scripts), OpenHands and TRAE
command lines and result parsing, mini-swe-agent over the LLM store and the fake provider, and the
toy study run through Snakemake with a mini agent.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from isobench import gitutil
from isobench.agents import ADAPTERS, run_agent
from isobench.agents.claude_code import parse_claude_stream
from isobench.agents.codex_cli import parse_codex_events
from isobench.agents.openhands import parse_openhands_trajectory
from isobench.agents.registry import BUILTIN_ADAPTERS
from isobench.agents.trae import parse_trae_trajectory
from isobench.bench.local import LocalExecutor
from isobench.bench.runner import BenchSettings, bench_attempt
from isobench.io import read_json, read_jsonl
from isobench.llm import RecordStore
from isobench.process import RUN_MARKER
from tests.support.fake_provider import FakeProvider, HTTPError, Reply, ToolCall
from tests.support.procs import alive, group_members, processes_with_env
from tests.support.toy_project import make_toy_project
from tests.support.workflow_helpers import mini_fake_agent, snakemake

SED = "sed -i 's/DELAY = 0.12/DELAY = 0.03/' work.py"


def human_diff(toy_repo) -> bytes:
    return gitutil.diff_bytes(toy_repo["path"], toy_repo["root"], toy_repo["perf"])


def test_every_adapter_is_registered():
    assert set(BUILTIN_ADAPTERS) | {"mini", "claude_code", "codex_cli", "openhands", "trae"} == set(
        ADAPTERS
    )


# --------------------------------------------------------------------------------------------
# A fake agent CLI: a Python script standing in for claude / openhands / trae-cli.

FAKE_CLI = """#!{python}
import json, os, subprocess, sys, time
if sys.argv[-1:] == ["--version"] or sys.argv[1:2] == ["-c"]:  # -c: the openhands probe
    print("fake-agent 1.2.3")
    sys.exit(0)
mode = os.environ["FAKE_CLI_MODE"]
report = {{
    "argv": sys.argv[1:],
    "cwd": os.getcwd(),
    "pid": os.getpid(),
    "stdin": sys.stdin.read(),
    "env": {{k: v for k, v in os.environ.items() if k.startswith(("LLM_", "RUNTIME", "SAVE_",
        "SANDBOX_", "AGENT_", "HOME", "ANTHROPIC", "OPENAI", "TAVILY", "{marker}"))}},
}}
if mode != "forever_noedit":
    with open("work.py") as handle:
        text = handle.read()
    with open("work.py", "w") as handle:
        handle.write(text.replace("DELAY = 0.12", "DELAY = 0.03"))
if mode.startswith("forever"):
    same = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    away = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                            start_new_session=True)
    report["children"] = [same.pid, away.pid]
with open(os.environ["FAKE_CLI_LOG"], "w") as handle:
    json.dump(report, handle)
if mode.startswith("forever"):
    while True:
        time.sleep(0.1)
if mode == "crash":
    print("Traceback: something broke", file=sys.stderr)
    sys.exit(3)
if mode == "openhands":
    import tomllib
    with open(sys.argv[sys.argv.index("--config-file") + 1], "rb") as handle:
        config = tomllib.load(handle)
    report["config"] = config
    events = [
        {{"id": 0, "source": "agent", "action": "run", "args": {{"command": "ls"}}}},
        {{"id": 1, "source": "agent", "action": "edit", "args": {{"path": "work.py"}}}},
        {{"id": 2, "source": "agent", "action": "finish", "llm_metrics": {{
            "accumulated_cost": 0.25,
            "accumulated_token_usage": {{"prompt_tokens": 1000, "completion_tokens": 50}}}}}},
        {{"id": 3, "source": "environment", "observation": "agent_state_changed",
          "extras": {{"agent_state": "finished"}}}},
    ]
    # like OpenHands: every event in the file store as it happens, the trajectory at the end
    store = os.path.join(config["core"]["file_store_path"], "sessions", "s1", "events")
    os.makedirs(store)
    for event in events:
        with open(os.path.join(store, f"{{event['id']}}.json"), "w") as handle:
            json.dump(event, handle)
    with open(config["core"]["save_trajectory_path"], "w") as handle:
        json.dump(events[:3], handle)
    with open(os.environ["FAKE_CLI_LOG"], "w") as handle:
        json.dump(report, handle)
if mode == "trae":
    path = sys.argv[sys.argv.index("--trajectory-file") + 1]
    usage = {{"input_tokens": 700, "output_tokens": 30}}
    with open(path, "w") as handle:
        json.dump({{"success": True, "final_result": "done", "execution_time": 1.5,
                   "agent_steps": [{{"step_number": 1}}, {{"step_number": 2}}],
                   "llm_interactions": [{{"response": {{"usage": usage}}}}] * 2}}, handle)
"""


@pytest.fixture
def fake_cli(tmp_path, monkeypatch):
    """(path of the fake CLI, function reading what its last run reported)."""
    script = tmp_path / "fake-agent"
    script.write_text(FAKE_CLI.format(python=sys.executable, marker=RUN_MARKER))
    script.chmod(0o755)
    log = tmp_path / "fake-cli.json"
    monkeypatch.setenv("FAKE_CLI_LOG", str(log))
    return script, lambda: json.loads(log.read_text())


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs Linux /proc")
def test_never_ending_agent_is_killed_at_its_wall_clock_with_its_partial_patch(
    task, toy_repo, tmp_path, fake_cli, monkeypatch
):
    script, report = fake_cli
    monkeypatch.setenv("FAKE_CLI_MODE", "forever")
    agent = {
        "id": "loop",
        "adapter": "claude_code",
        "command": str(script),
        "budgets": {"wall_clock_s": 3},
        "run_dir": str(tmp_path / "run"),
        "sandbox": "none",  # host pids below; the next test has the sandboxed case
    }
    start = time.monotonic()
    result = run_agent(task, toy_repo["path"], agent, 1)
    elapsed = time.monotonic() - start
    assert result.status == "timeout" and result.timed_out, result.reason
    assert "wall-clock limit of 3 s" in result.reason
    assert result.patch == human_diff(toy_repo)  # the partial patch is kept
    assert result.returncode is None and 3 <= elapsed < 30
    assert result.agent_version == "fake-agent 1.2.3"
    seen = report()
    time.sleep(0.2)
    assert group_members(seen["pid"]) == []  # the agent's process group is gone
    assert not any(alive(pid) for pid in seen["children"])  # the setsid child too
    assert result.details["killed_stragglers"] >= 1


def test_never_ending_agent_without_a_patch_is_agent_failed(task, toy_repo, fake_cli, monkeypatch):
    script, report = fake_cli
    monkeypatch.setenv("FAKE_CLI_MODE", "forever_noedit")
    agent = {"id": "loop", "adapter": "claude_code", "command": str(script)}
    agent["budgets"] = {"wall_clock_s": 2}
    result = run_agent(task, toy_repo["path"], agent, 1)
    assert result.status == "agent_failed" and result.timed_out and result.patch == b""
    assert "without a patch" in result.reason
    # Sandboxed (when bwrap is installed): its pids are the sandbox's own, so look for its
    # processes by the run's marker variable instead: none may be left anywhere on the host.
    marker = report()["env"][RUN_MARKER]
    assert result.details["sandbox"]["mode"] in ("bwrap", "none")
    assert processes_with_env(RUN_MARKER, marker) == []


def test_crashing_agent_is_agent_failed_with_its_patch_kept(task, toy_repo, fake_cli, monkeypatch):
    script, report = fake_cli
    monkeypatch.setenv("FAKE_CLI_MODE", "crash")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret-1234567890")
    monkeypatch.setenv("TAVILY_API_KEY", "tvly-secret-1234567890")
    agent = {"id": "c", "adapter": "claude_code", "command": str(script), "model": "m1"}
    agent |= {"env": ["ANTHROPIC_API_KEY"], "api_base": "http://127.0.0.1:9", "extra_args": ["-x"]}
    result = run_agent(task, toy_repo["path"], agent, 1)
    assert result.status == "agent_failed" and result.returncode == 3
    assert "exit code 3" in result.reason and "something broke" in result.reason
    assert result.patch == human_diff(toy_repo)  # kept in patch.diff, not benchmarked
    seen = report()
    argv = seen["argv"]
    assert argv[:4] == ["-p", "--output-format", "stream-json", "--verbose"]
    assert argv[argv.index("--model") + 1] == "m1" and argv[-1] == "-x"
    assert (
        "WebFetch WebSearch" in argv and argv[argv.index("--permission-mode") + 1] == "acceptEdits"
    )
    assert "python bench.py" in seen["stdin"]  # the prompt comes on stdin
    assert seen["env"]["ANTHROPIC_API_KEY"] == "sk-ant-secret-1234567890"
    assert seen["env"]["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:9"
    assert "TAVILY_API_KEY" not in seen["env"] and "isobench-agent-" in seen["env"]["HOME"]
    assert seen["cwd"].endswith("/toy")


def test_missing_cli_and_version_pin_are_errors(task, toy_repo, fake_cli):
    missing = {"id": "x", "adapter": "codex_cli", "command": "/nonexistent/codex"}
    result = run_agent(task, toy_repo["path"], missing, 1)
    assert result.status == "error" and "setup-agents.sh" in result.reason
    script, _ = fake_cli
    pinned = {"id": "x", "adapter": "claude_code", "command": str(script), "version": "9.9.9"}
    result = run_agent(task, toy_repo["path"], pinned, 1)
    assert result.status == "error" and "version pin '9.9.9'" in result.reason
    assert result.agent_version == "fake-agent 1.2.3"


def test_bench_benchmarks_a_timeout_patch_but_not_a_failed_run(task, toy_repo, tmp_path):
    from isobench import synthesis
    from isobench.agents.base import AgentResult, run_record

    text, _ = synthesis.command_perf_test(task)
    perf_test = tmp_path / "perf_test.py"
    perf_test.write_text(text)
    patch = human_diff(toy_repo)
    statuses = {}
    for agent_status in ("timeout", "agent_failed"):
        run = run_record(
            AgentResult(status=agent_status, patch=patch),
            agent={"id": "a", "adapter": "x"},
            repo="toy",
            commit=task["commit_hash"],
            instance=task["instance_id"],
            k=1,
        )
        with LocalExecutor(toy_repo["path"], perf_test) as ex:
            res = bench_attempt(ex, task, run, patch, BenchSettings(warmup=0, repetitions=2))
        statuses[agent_status] = (res["status"], res["variants"])
    assert statuses["timeout"] == ("passed", ["base", "human", "agent"])
    assert statuses["agent_failed"] == ("agent_failed", ["base", "human"])


# --------------------------------------------------------------------------------------------
# OpenHands and TRAE without their packages: a fake CLI checks the command line and writes result
# files in their formats (the real OpenHands: tests/test_agent_openhands.py; TRAE is not on PyPI).


def test_openhands_command_line_and_result(task, toy_repo, tmp_path, fake_cli, monkeypatch):
    script, report = fake_cli
    monkeypatch.setenv("FAKE_CLI_MODE", "openhands")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-oh-key-1234567890")
    agent = {
        "id": "oh",
        "adapter": "openhands",
        "command": [str(script), "-m", "openhands.core.main"],
        "model": "openai/gpt-5",
        "api_base": "http://127.0.0.1:9/v1",
        "env": ["OPENAI_API_KEY"],
        "budgets": {"turns": 30, "cost_usd": 2.5, "wall_clock_s": 60},
        "run_dir": str(tmp_path / "run"),
    }
    result = run_agent(task, toy_repo["path"], agent, 1)
    assert result.status == "ok", result.reason
    assert result.patch == human_diff(toy_repo)
    assert (result.turns, result.cost_usd) == (3, 0.25)
    assert result.tokens == {"prompt_tokens": 1000, "completion_tokens": 50}
    assert Path(result.trajectory).name == "trajectory.json"
    assert result.details["final_agent_state"] == "finished"
    assert result.details["openhands_source"] == "event store"
    seen = report()
    argv = seen["argv"]
    assert argv[:2] == ["-m", "openhands.core.main"]
    assert Path(argv[argv.index("-f") + 1]).name == "prompt.md"
    assert argv[argv.index("-i") + 1] == "30" and argv[argv.index("-b") + 1] == "2.5"
    config_file = Path(argv[argv.index("--config-file") + 1])
    assert not config_file.is_relative_to(seen["cwd"])  # never the repository's config.toml
    core, llm, agent_cfg = (seen["config"][k] for k in ("core", "llm", "agent"))
    assert core["runtime"] == "cli" and core["workspace_base"] == seen["cwd"]
    assert (core["max_iterations"], core["max_budget_per_task"]) == (30, 2.5)
    assert not Path(core["file_store_path"]).is_relative_to(seen["cwd"])
    assert llm == {"model": "openai/gpt-5", "base_url": "http://127.0.0.1:9/v1"}
    assert agent_cfg == {"enable_browsing": False, "enable_jupyter": False, "enable_mcp": False}
    assert core["enable_browser"] is False
    assert seen["env"]["LLM_API_KEY"] == "sk-oh-key-1234567890"
    assert "OPENAI_API_KEY" in seen["env"]  # the key named in env, and no other
    # the kept trajectory is the event store (it has the state changes the trajectory lacks)
    assert "agent_state_changed" in Path(result.trajectory).read_text()


def test_openhands_without_a_usable_interpreter_is_an_error(task, toy_repo):
    """A python that cannot run openhands.core.main (no --version) is a harness error."""
    agent = {"id": "oh", "adapter": "openhands"}
    agent["command"] = [sys.executable, "-m", "openhands.core.main"]
    result = run_agent(task, toy_repo["path"], agent, 1)
    assert result.status == "error" and "not usable" in result.reason
    assert "setup-agents.sh" in result.reason and result.patch == b""


def test_trae_command_line_and_result(task, toy_repo, tmp_path, fake_cli, monkeypatch):
    script, report = fake_cli
    monkeypatch.setenv("FAKE_CLI_MODE", "trae")
    agent = {
        "id": "trae",
        "adapter": "trae",
        "command": str(script),
        "model": "anthropic/claude-sonnet-4-5",
        "api_base": "http://127.0.0.1:9",
        "budgets": {"turns": 120, "wall_clock_s": 60},
        "run_dir": str(tmp_path / "run"),
    }
    result = run_agent(task, toy_repo["path"], agent, 1)
    assert result.status == "ok", result.reason
    assert result.patch == human_diff(toy_repo)
    assert result.turns == 2 and result.tokens == {"input_tokens": 1400, "output_tokens": 60}
    argv = report()["argv"]
    assert argv[0] == "run"
    options = dict(zip(argv[1::2], argv[2::2], strict=False))
    assert options["--provider"] == "anthropic" and options["--model"] == "claude-sonnet-4-5"
    assert options["--max-steps"] == "120" and options["--model-base-url"] == "http://127.0.0.1:9"
    assert options["--working-dir"] == report()["cwd"]
    assert not Path(options["--trajectory-file"]).is_relative_to(report()["cwd"])
    assert Path(result.trajectory).name == "trajectory.json"


def test_openhands_trajectory_parsing():
    finished = parse_openhands_trajectory(
        json.dumps(
            [
                {"source": "agent", "action": "run"},
                {
                    "source": "environment",
                    "observation": "agent_state_changed",
                    "extras": {"agent_state": "finished"},
                },
            ]
        )
    )
    assert finished.finished and finished.turns == 1
    errored = parse_openhands_trajectory(
        json.dumps(
            {
                "history": [
                    {"observation": "error", "content": "LLM auth failed"},
                    {"observation": "agent_state_changed", "extras": {"agent_state": "error"}},
                ]
            }
        )
    )
    assert "LLM auth failed" in errored.failure
    budget = parse_openhands_trajectory(
        json.dumps([{"observation": "error", "content": "Agent reached maximum iteration 30"}])
    )
    assert budget.budget_stop == "max_iterations" and budget.failure is None
    assert parse_openhands_trajectory("").failure.startswith("no OpenHands trajectory")


def test_trae_trajectory_parsing():
    steps = [{"step_number": i} for i in range(5)]
    stopped = parse_trae_trajectory(json.dumps({"success": False, "agent_steps": steps}), 5)
    assert stopped.budget_stop == "max_steps" and stopped.turns == 5
    failed = parse_trae_trajectory(
        json.dumps({"success": False, "agent_steps": [{"error": "provider 401"}]}), 50
    )
    assert "provider 401" in failed.failure
    assert parse_trae_trajectory("{not json").failure.startswith("no TRAE trajectory")


def test_claude_stream_parsing():
    def stream(result: dict) -> str:
        lines = [
            {"type": "system", "subtype": "init"},
            {"type": "assistant", "message": {"id": "m1"}},
        ]
        return "\n".join(json.dumps(x) for x in [*lines, result]) + "\n"

    ok = parse_claude_stream(
        stream(
            {
                "type": "result",
                "subtype": "success",
                "is_error": False,
                "num_turns": 3,
                "total_cost_usd": 0.5,
                "usage": {"input_tokens": 10, "output_tokens": 2},
            }
        )
    )
    assert ok.finished and ok.turns == 3 and ok.cost_usd == 0.5 and ok.tokens["input_tokens"] == 10
    turns = parse_claude_stream(stream({"type": "result", "subtype": "error_max_turns"}))
    assert turns.budget_stop == "max_turns" and not turns.failure
    money = parse_claude_stream(stream({"type": "result", "subtype": "error_max_budget_usd"}))
    assert money.budget_stop == "max_budget_usd"
    api = parse_claude_stream(
        stream(
            {"type": "result", "subtype": "success", "is_error": True, "result": "API Error: 500"}
        )
    )
    assert "API Error: 500" in api.failure
    crashed = parse_claude_stream('{"type": "system"}\nnot json\n')
    assert "no result event" in crashed.failure


def test_codex_event_parsing():
    events = [
        {"type": "thread.started"},
        {"type": "item.completed", "item": {"type": "error", "message": "metadata"}},
        {"type": "item.completed", "item": {"type": "command_execution", "exit_code": 0}},
        {"type": "item.completed", "item": {"type": "agent_message", "text": "done"}},
        {"type": "turn.completed", "usage": {"input_tokens": 100, "output_tokens": 7}},
    ]
    ok = parse_codex_events("\n".join(json.dumps(e) for e in events))
    assert ok.finished and ok.turns == 2 and ok.tokens == {"input_tokens": 100, "output_tokens": 7}
    failed = parse_codex_events(
        json.dumps({"type": "turn.failed", "error": {"message": "stream disconnected"}})
    )
    assert "stream disconnected" in failed.failure
    assert "no turn.completed" in parse_codex_events("").failure


# --------------------------------------------------------------------------------------------
# mini-swe-agent over isobench.llm, against the fake provider


def mini_script(*commands: str):
    """A chat-completions responder: the i-th tool result gets the i-th command back."""

    def respond(request: dict):
        body = request["body"]
        done = sum(1 for m in body.get("messages", []) if m.get("role") == "tool")
        command = commands[min(done, len(commands) - 1)]
        return Reply("Next step.", tool_calls=[ToolCall("bash", {"command": command})])

    return respond


def mini_agent_cfg(fake, store: Path, mode: str = "record", **extra) -> dict:
    return {
        "id": "mini",
        "adapter": "mini",
        "model": "openai/fake-coder",
        "api_base": fake.api_base,
        "env": ["OPENAI_API_KEY"],
        "llm": {"mode": mode, "store": str(store), "timeout_s": 30, "max_retries": 0},
        **extra,
    }


@pytest.fixture
def openai_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-mini-test-1234567890")


def test_mini_makes_the_edit_and_replays_it_offline(task, toy_repo, tmp_path, openai_key):
    store = tmp_path / "store"
    probe = "printenv OPENAI_API_KEY || echo no-key-for-commands"
    script = mini_script(SED, probe, "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT")
    with FakeProvider(default=script) as fake:
        agent = mini_agent_cfg(fake, store, run_dir=str(tmp_path / "run"))
        result = run_agent(task, toy_repo["path"], agent, 1)
        bodies = fake.bodies()
    assert result.status == "ok", result.reason
    assert result.patch == human_diff(toy_repo)
    assert result.turns == 3 and result.details["exit_status"] == "Submitted"
    assert result.tokens["prompt_tokens"] > 0 and result.details["replayed_calls"] == 0
    assert result.agent_version == "mini-swe-agent 2.4.6" and result.prompt_hash
    assert len(bodies) == 3 and all(b["seed"] == 1 for b in bodies)
    assert [t["function"]["name"] for t in bodies[0]["tools"]] == ["bash"]
    first = bodies[0]["messages"]
    assert first[0]["role"] == "system" and "performance engineer" in first[0]["content"]
    assert "python bench.py" in first[1]["content"]
    assert "COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT" in first[1]["content"]
    assert "no-key-for-commands" in json.dumps(bodies[-1]["messages"])
    trajectory = json.loads(Path(result.trajectory).read_text())
    assert trajectory["info"]["exit_status"] == "Submitted"
    assert "sk-mini-test" not in Path(result.trajectory).read_text()
    assert len(list(RecordStore(store).keys())) == 3

    # Offline: the same attempt replays from the store, the provider is never asked.
    with FakeProvider(default=HTTPError(500, "must not be called")) as fake:
        again = run_agent(task, toy_repo["path"], mini_agent_cfg(fake, store, "replay"), 1)
        assert fake.count == 0
    assert again.status == "ok" and again.patch == result.patch
    assert again.details["replayed_calls"] == 3
    # Attempt 2 is a different request (seed 2): not in the store, and replay says how to record.
    with FakeProvider(default=HTTPError(500, "must not be called")) as fake:
        other = run_agent(task, toy_repo["path"], mini_agent_cfg(fake, store, "replay"), 2)
    assert other.status == "error" and "--config 'llm={mode: record}'" in other.reason


def test_mini_turn_budget_keeps_the_patch(task, toy_repo, tmp_path, openai_key):
    with FakeProvider(default=mini_script(SED, "ls", "ls")) as fake:
        agent = mini_agent_cfg(fake, tmp_path / "store", budgets={"turns": 2})
        result = run_agent(task, toy_repo["path"], agent, 1)
    assert result.status == "ok" and "budget" in result.reason and result.turns == 2
    assert result.patch == human_diff(toy_repo)
    assert result.details["exit_status"] == "LimitsExceeded"


def test_mini_wall_clock_stops_a_hanging_command(task, toy_repo, tmp_path, openai_key):
    with FakeProvider(default=mini_script(SED, "sleep 60", "ls")) as fake:
        agent = mini_agent_cfg(fake, tmp_path / "store", budgets={"wall_clock_s": 2})
        start = time.monotonic()
        result = run_agent(task, toy_repo["path"], agent, 1)
    assert time.monotonic() - start < 20
    assert result.status == "timeout" and result.timed_out, result.reason
    assert result.patch == human_diff(toy_repo)


def test_mini_without_a_model_is_a_config_error(task, toy_repo):
    result = run_agent(task, toy_repo["path"], {"id": "m", "adapter": "mini"}, 1)
    assert result.status == "error" and "model" in result.reason


# --------------------------------------------------------------------------------------------
# The toy study through Snakemake with a mini agent, K = 2


@pytest.mark.e2e
def test_toy_study_with_a_mini_agent(tmp_path, monkeypatch):
    (tmp_path / "study").mkdir()
    project = make_toy_project(tmp_path / "study", repetitions=2, broken=False)
    store = tmp_path / "llm-store"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-mini-study-1234567890")

    def respond(request: dict):
        # Attempt 1 makes the human's change; attempt 2 gives up without changing anything.
        body = request["body"]
        done = sum(1 for m in body.get("messages", []) if m.get("role") == "tool")
        edit = "sed -i 's/DELAY = 0.12/DELAY = 0.03/' work.py"
        plan = [edit] if body.get("seed") == 1 else []
        commands = [*plan, "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT"]
        command = commands[min(done, len(commands) - 1)]
        return Reply("", tool_calls=[ToolCall("bash", {"command": command})])

    with FakeProvider(default=respond) as fake:
        config_path = project["dir"] / "config" / "config.yaml"
        config = yaml.safe_load(config_path.read_text())
        config["agents"].append(mini_fake_agent(fake.api_base, store, attempts=2, turns=5))
        config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        proc = snakemake(
            project["dir"],
            "--cores",
            "4",
            "results/opt_at_k.csv",
            "results/predictions/mini-fake.jsonl",
        )
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-6000:]
        requests = fake.count
    assert requests > 0
    runs = project["dir"] / "results" / "runs" / "mini-fake" / "toy" / project["fast"]
    first, second = read_json(runs / "1" / "run.json"), read_json(runs / "2" / "run.json")
    assert first["status"] == "ok" and second["status"] == "empty_patch"
    assert "+DELAY = 0.03" in (runs / "1" / "patch.diff").read_text()
    assert (project["dir"] / first["trajectory"]).is_file()
    assert first["prompt_hash"] and first["agent_version"] == "mini-swe-agent 2.4.6"
    assert first["turns"] == 2 and first["details"]["exit_status"] == "Submitted"
    scores = pd.read_csv(project["dir"] / "results" / "scores" / "toy.csv")
    mini = scores[(scores.agent == "mini-fake") & (scores.commit == project["fast"])]
    assert dict(zip(mini.k, mini.status, strict=True)) == {1: "passed", 2: "empty_patch"}
    opt = pd.read_csv(project["dir"] / "results" / "opt_at_k.csv")
    assert sorted(opt[opt.agent == "mini-fake"]["k"]) == [1, 2]
    predictions = read_jsonl(project["dir"] / "results" / "predictions" / "mini-fake.jsonl")
    assert len(predictions) == 2  # 1 task x 2 attempts
    assert {p["model_name_or_path"] for p in predictions} == {"openai/fake-coder"}
    assert len(list(RecordStore(store).keys())) >= 3
    # The provider key was in the workflow's environment: no artifact of the run may hold it.
    key = os.environ["OPENAI_API_KEY"].encode()
    for top in ("results", "logs", ".snakemake", ".isobench-runs"):
        for path in (project["dir"] / top).rglob("*"):
            assert not path.is_file() or key not in path.read_bytes(), path
    for path in store.rglob("*"):
        assert not path.is_file() or key not in path.read_bytes(), path
    assert any((project["dir"] / ".isobench-runs").rglob("run.json"))

    # A forced re-run (as after a code edit or a deleted results/ tree) pays for nothing: even
    # without the LLM store and with the provider gone, every attempt comes back from the run
    # archive (a real run would fail to connect).
    shutil.rmtree(store)
    again = snakemake(
        project["dir"], "--cores", "4", "--forcerun", "agents", "results/opt_at_k.csv"
    )
    assert again.returncode == 0, again.stdout[-4000:] + again.stderr[-6000:]
    assert again.stderr.count("restored from the run archive") == 2
    restored = read_json(runs / "1" / "run.json")
    assert restored["restored_from"] and restored["status"] == "ok"
    assert {k: v for k, v in restored.items() if k != "restored_from"} == first
    assert "+DELAY = 0.03" in (runs / "1" / "patch.diff").read_text()
    assert (project["dir"] / first["trajectory"]).is_file()
