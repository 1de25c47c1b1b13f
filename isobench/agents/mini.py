"""The ``mini`` adapter: mini-swe-agent (2.4.6) as a library, its model calls through isobench.llm.

mini-swe-agent's control flow is kept as it is (``minisweagent.agents.default.DefaultAgent``:
query the model, run its bash tool calls, stop on ``echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT``
or a limit) and two of its protocol slots are filled with our own classes:

- :class:`isobench.agents.mini_model.LLMClientModel` (mini's ``Model``): each step is one
  :meth:`isobench.llm.LLMClient.complete` call (stage ``agent``) with mini's ``bash`` tool, so
  every model call is recorded in, and replayed from, the LLM store like the workflow's other
  LLM stages. Attempt ``k`` sends ``seed=k`` (part of the request key; dropped for providers
  without it), so the K attempts are K independent recordings, not one replayed K times. Tool
  calls are parsed and observations rendered with mini's own helpers and templates
  (``minisweagent/config/mini.yaml``).
- :class:`isobench.agents.mini_environment.WorkspaceEnvironment` (mini's ``Environment``): each
  command runs with ``bash -c`` in the workspace, in its own process group, with the scrubbed
  per-run environment (:meth:`isobench.agents.workspace.Workspace.agent_env`), killed at its time
  limit (clamped to what is left of the wall-clock budget).

Budgets: ``turns`` -> ``step_limit`` (model calls), ``cost_usd`` -> ``cost_limit``,
``wall_clock_s`` -> ``wall_time_limit_seconds`` (checked between steps) plus the clamped command
timeouts. Replay is exact only while the commands' outputs are deterministic: a benchmark that
prints timings makes a re-run diverge from the recording at that step (in record mode only the
calls from there on are paid for; in replay mode the run fails with the store's hint).

Importing this module is cheap; mini-swe-agent is imported on the first run, with its start-up
banner off and its global config directory pointed at an empty per-process directory (it would
otherwise load ``~/.config/mini-swe-agent/.env`` into the environment).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from isobench.agents.base import AgentResult, budgets_of, decide_status
from isobench.agents.cli_output import keep_trajectory
from isobench.agents.first_edit import FirstEditWatcher
from isobench.agents.mini_environment import WorkspaceEnvironment
from isobench.agents.mini_model import LLMClientModel, make_client
from isobench.agents.prompt import TaskPrompt, render_task_prompt
from isobench.agents.sandbox import Sandbox, SandboxError, agent_sandbox
from isobench.agents.workspace import (
    Workspace,
    WorkspaceError,
    prepare_workspace,
    remove_workspace,
)
from isobench.process import RUN_MARKER, kill_marked
from isobench.secrets import redact

COMMAND_TIMEOUT_S = 600  # one command of the agent; mini's own default is 30 s
# How mini's DefaultAgent ends a run that is not a crash; any other exit status is a failure.
CLEAN_EXITS = ("Submitted", "LimitsExceeded", "TimeExceeded")


def _import_mini():
    """Import mini-swe-agent without its side effects (banner, global .env, remote price map)."""
    if "minisweagent" not in __import__("sys").modules:
        os.environ.setdefault("MSWEA_SILENT_STARTUP", "1")
        config_dir = tempfile.mkdtemp(prefix="isobench-mswea-")
        atexit.register(shutil.rmtree, config_dir, ignore_errors=True)
        os.environ["MSWEA_GLOBAL_CONFIG_DIR"] = config_dir
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import minisweagent
    from minisweagent.agents.default import DefaultAgent
    from minisweagent.config import get_config_from_spec
    from minisweagent.exceptions import FormatError, Submitted
    from minisweagent.models.utils.actions_toolcall import (
        BASH_TOOL,
        format_toolcall_observation_messages,
        parse_toolcall_actions,
    )

    return SimpleNamespace(
        version=minisweagent.__version__,
        DefaultAgent=DefaultAgent,
        FormatError=FormatError,
        Submitted=Submitted,
        BASH_TOOL=BASH_TOOL,
        format_observations=format_toolcall_observation_messages,
        parse_actions=parse_toolcall_actions,
        builtin_config=get_config_from_spec("mini"),
    )


@dataclass
class MiniRun:
    """One attempt, set up: what its steps share."""

    agent: dict
    k: int
    mini: SimpleNamespace  # what _import_mini returns
    version: str
    budgets: dict
    prompt: TaskPrompt
    client: object  # isobench.llm.LLMClient
    ws: Workspace
    sandbox: Sandbox
    details: dict


def mini_agent(task: dict, repo_path: Path, agent: dict, k: int) -> AgentResult:
    """Run mini-swe-agent on ``task`` (attempt ``k``); see the module docstring."""
    run = _set_up(task, repo_path, agent, k)
    if isinstance(run, AgentResult):
        return run
    try:
        return _run(run)
    finally:
        remove_workspace(run.ws)


# --------------------------------------------------------------------------------------------
# Setup


def _set_up(task: dict, repo_path: Path, agent: dict, k: int) -> MiniRun | AgentResult:
    """The attempt's model client, workspace and sandbox, or the ``error`` result that stops it
    (no model, a version pin that does not match, a workspace or sandbox that cannot be made)."""
    if not agent.get("model"):
        return AgentResult(
            status="error", reason="mini: no `model` configured (a litellm model name)"
        )
    mini = _import_mini()
    version = f"mini-swe-agent {mini.version}"
    pin = agent.get("version")
    if pin and str(pin) not in mini.version:
        return AgentResult(
            status="error",
            reason=f"mini: version pin {pin!r} does not match the installed {version}",
            agent_version=version,
        )
    budgets = budgets_of(agent)
    try:
        prompt = render_task_prompt(task, agent)
        client = make_client(agent)
        ws = prepare_workspace(repo_path, task["parent"], name=task["repo"])
    except (OSError, ValueError, WorkspaceError) as exc:
        return AgentResult(status="error", reason=f"mini: {exc}", agent_version=version)
    try:
        sandbox = agent_sandbox(agent, repo_path, ws.root)
    except SandboxError as exc:
        remove_workspace(ws)
        return AgentResult(status="error", reason=f"mini: {exc}", agent_version=version)
    details = {
        "budgets": budgets,
        "prompt_name": prompt.name,
        "prompt_sha256": prompt.sha256,
        "initial_commit": ws.initial_commit,
        "disclosed_target_files": bool(agent.get("disclose_target_files")),
        "llm_mode": client.mode,
        "seed": k,
        "sandbox": sandbox.record(),
    }
    return MiniRun(agent, k, mini, version, budgets, prompt, client, ws, sandbox, details)


def _model(run: MiniRun) -> LLMClientModel:
    """The model slot: attempt ``k`` sends ``seed=k``, so K attempts are K recordings."""
    builtin = run.mini.builtin_config
    return LLMClientModel(
        run.client,
        run.agent["model"],
        params={"seed": run.k},
        mini=run.mini,
        templates={
            "observation_template": builtin["model"]["observation_template"],
            "format_error_template": builtin["model"]["format_error_template"],
        },
    )


def _default_agent(
    run: MiniRun, model: LLMClientModel, environment: WorkspaceEnvironment, trajectory: Path
):
    """mini's own DefaultAgent, its limits taken from the budgets (0: no limit)."""
    return run.mini.DefaultAgent(
        model,
        environment,
        system_template="{{ isobench_system }}",
        instance_template="{{ task }}",
        step_limit=run.budgets["turns"] or 0,
        cost_limit=run.budgets["cost_usd"] or 0.0,
        wall_time_limit_seconds=int(run.budgets["wall_clock_s"]),
        output_path=trajectory,
    )


# --------------------------------------------------------------------------------------------
# The run


def _run(run: MiniRun) -> AgentResult:
    """The turn loop under the first-edit watcher, then the stragglers, the patch, the result."""
    # The model is called in this process: the agent's commands need no credential at all.
    env = run.ws.agent_env(keep=())
    model = _model(run)
    start = time.monotonic()
    environment = WorkspaceEnvironment(
        run.ws,
        env,
        mini=run.mini,
        timeout_s=COMMAND_TIMEOUT_S,
        deadline=start + run.budgets["wall_clock_s"],
        sandbox=run.sandbox,
    )
    trajectory = run.ws.out / "trajectory.json"
    runner = _default_agent(run, model, environment, trajectory)
    with FirstEditWatcher(run.ws) as watcher:
        exit_status, crash = _run_turns(runner, run.prompt)
    duration = time.monotonic() - start
    killed = kill_marked(RUN_MARKER, env[RUN_MARKER])
    patch = run.ws.patch()
    status, reason = _decide(exit_status, crash, patch, run.budgets["wall_clock_s"])
    run.details.update(
        {
            "exit_status": exit_status,
            "replayed_calls": model.replayed,
            "llm_keys": [
                m["extra"]["llm_key"]
                for m in runner.messages
                if m.get("role") == "assistant" and "llm_key" in m.get("extra", {})
            ],
        }
    )
    if killed:
        run.details["killed_stragglers"] = killed
    return AgentResult(
        status=status,
        patch=patch,
        reason=redact(reason, env) if reason else "",
        returncode=None,
        duration_s=duration,
        turns=runner.n_calls,
        tokens=dict(model.usage),
        cost_usd=model.cost_usd,
        time_to_first_edit_s=watcher.seconds,
        prompt_hash=run.prompt.template_sha256,
        agent_version=run.version,
        trajectory=keep_trajectory(trajectory, run.agent, "trajectory.json", env),
        timed_out=exit_status == "TimeExceeded",
        details=run.details,
    )


def _run_turns(runner, prompt: TaskPrompt) -> tuple[str, tuple[str, str] | None]:
    """mini's turn loop (query the model, run its commands) until it submits or hits a limit.

    Returns mini's exit status and, when the run crashed, ``(status, reason)``.
    """
    from isobench.llm import LLMCallError, ReplayMissError

    task_text = prompt.text + ("\n" + prompt.mini_protocol if prompt.mini_protocol else "")
    try:
        info = runner.run(task_text, isobench_system=prompt.system)
        return str(info.get("exit_status") or ""), None
    except ReplayMissError as exc:
        return "", ("error", f"{exc} (For this agent: `llm: {{mode: record}}` in its entry.)")
    except LLMCallError as exc:
        return "", ("agent_failed", str(exc))
    except Exception as exc:  # the agent crashed: a status row, not a crashed job
        return "", ("agent_failed", f"mini crashed: {type(exc).__name__}: {exc}")


# --------------------------------------------------------------------------------------------
# Finishing


def _decide(
    exit_status: str, crash: tuple[str, str] | None, patch: bytes, wall_clock_s: float
) -> tuple[str, str]:
    """(status, reason): a harness error as it is, else from the patch and how mini ended."""
    if crash and crash[0] == "error":
        return crash
    if crash:
        failure = crash[1]
    elif exit_status in CLEAN_EXITS:
        failure = None
    else:
        failure = f"mini ended with {exit_status or 'no exit status'}"
    return decide_status(
        patch=patch,
        timed_out=exit_status == "TimeExceeded",
        wall_clock_s=wall_clock_s,
        failure=failure,
        budget_stop="step or cost limit" if exit_status == "LimitsExceeded" else None,
    )
