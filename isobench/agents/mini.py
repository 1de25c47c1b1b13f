"""The ``mini`` adapter: mini-swe-agent (2.4.6) as a library, its model calls through isobench.llm.

mini-swe-agent's control flow is kept as it is (``minisweagent.agents.default.DefaultAgent``:
query the model, run its bash tool calls, stop on ``echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT``
or a limit) and two of its protocol slots are filled with our own classes:

- :class:`LLMClientModel` (mini's ``Model``): each step is one
  :meth:`isobench.llm.LLMClient.complete` call (stage ``agent``) with mini's ``bash`` tool, so
  every model call is recorded in, and replayed from, the LLM store like the workflow's other
  LLM stages. Attempt ``k`` sends ``seed=k`` (part of the request key; dropped for providers
  without it), so the K attempts are K independent recordings, not one replayed K times. Tool
  calls are parsed and observations rendered with mini's own helpers and templates
  (``minisweagent/config/mini.yaml``).
- :class:`WorkspaceEnvironment` (mini's ``Environment``): each command runs with ``bash -c`` in
  the workspace, in its own process group, with the scrubbed per-run environment
  (:meth:`isobench.agents.workspace.Workspace.agent_env`), killed at its time limit (clamped to
  what is left of the wall-clock budget).

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
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from isobench.agents.base import AgentResult, budgets_of, decide_status
from isobench.agents.cli_output import keep_trajectory
from isobench.agents.first_edit import FirstEditWatcher
from isobench.agents.prompt import render_task_prompt
from isobench.agents.sandbox import Sandbox, SandboxError, agent_sandbox
from isobench.agents.workspace import (
    Workspace,
    WorkspaceError,
    prepare_workspace,
    remove_workspace,
)
from isobench.process import RUN_MARKER, kill_marked, run_command
from isobench.secrets import is_secret_name, redact

STAGE = "agent"
COMMAND_TIMEOUT_S = 600  # one command of the agent; mini's own default is 30 s
SUBMIT = "COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT"


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


def _tool_call_objects(tool_calls: list[dict]) -> list[SimpleNamespace]:
    """Stored tool-call dicts as the attribute objects mini's parser expects."""
    return [
        SimpleNamespace(
            id=call.get("id"),
            function=SimpleNamespace(
                name=(call.get("function") or {}).get("name"),
                arguments=(call.get("function") or {}).get("arguments") or "",
            ),
        )
        for call in tool_calls
    ]


def _normalise_tool_calls(tool_calls: list[dict] | None) -> list[dict]:
    out = []
    for call in tool_calls or []:
        function = call.get("function") or {}
        out.append(
            {
                "id": call.get("id"),
                "type": "function",
                "function": {
                    "name": function.get("name"),
                    "arguments": function.get("arguments") or "",
                },
            }
        )
    return out


class LLMClientModel:
    """mini-swe-agent's ``Model`` protocol over :class:`isobench.llm.LLMClient`."""

    def __init__(self, client, model_name: str, *, params: dict, mini, templates: dict) -> None:
        self.client = client
        self.model_name = model_name
        self.params = dict(params)
        self.mini = mini
        self.config = SimpleNamespace(model_name=model_name, **templates)
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0}
        self.cost_usd: float | None = None
        self.replayed = 0
        self.calls = 0

    def query(self, messages: list[dict], **kwargs: Any) -> dict:
        prepared = [{k: v for k, v in m.items() if k != "extra"} for m in messages]
        response = self.client.complete(
            STAGE,
            self.model_name,
            prepared,
            tools=[self.mini.BASH_TOOL],
            **{**self.params, **kwargs},
        )
        self.calls += 1
        self.replayed += int(response.cached)
        for name in self.usage:
            self.usage[name] += int(response.usage.get(name) or 0)
        if response.cost_usd is not None:
            self.cost_usd = (self.cost_usd or 0.0) + response.cost_usd
        tool_calls = _normalise_tool_calls(response.tool_calls)
        extra = {
            "cost": float(response.cost_usd or 0.0),
            "usage": response.usage,
            "llm_key": response.key,
            "replayed": response.cached,
            "timestamp": time.time(),
        }
        try:
            actions = self.mini.parse_actions(
                _tool_call_objects(tool_calls),
                format_error_template=self.config.format_error_template,
                template_kwargs={"finish_reason": response.finish_reason},
            )
        except self.mini.FormatError as exc:
            exc.messages[0]["extra"].update(extra)
            raise
        message: dict[str, Any] = {"role": "assistant", "content": response.text or None}
        if tool_calls:
            message["tool_calls"] = tool_calls
        message["extra"] = {"actions": actions, **extra}
        return message

    def format_message(self, **kwargs: Any) -> dict:
        return dict(kwargs)

    def format_observation_messages(
        self, message: dict, outputs: list[dict], template_vars: dict | None = None
    ) -> list[dict]:
        return self.mini.format_observations(
            actions=message.get("extra", {}).get("actions", []),
            outputs=outputs,
            observation_template=self.config.observation_template,
            template_vars=template_vars,
        )

    def get_template_vars(self, **kwargs: Any) -> dict:
        return {"model_name": self.model_name}

    def serialize(self) -> dict:
        return {
            "info": {
                "config": {
                    "model": {"model_name": self.model_name, "params": self.params},
                    "model_type": f"{type(self).__module__}.{type(self).__name__}",
                }
            }
        }


class WorkspaceEnvironment:
    """mini-swe-agent's ``Environment`` protocol: bash commands in the workspace."""

    def __init__(
        self,
        ws: Workspace,
        env: dict,
        *,
        mini,
        timeout_s: float,
        deadline: float | None,
        sandbox: Sandbox | None = None,
    ) -> None:
        self.ws = ws
        self.sandbox = sandbox or Sandbox("none")
        self.env = env
        self.mini = mini
        self.timeout_s = timeout_s
        self.deadline = deadline
        self.config = SimpleNamespace(cwd=str(ws.path), timeout=timeout_s)
        self.shell = ["bash", "-c"] if shutil.which("bash") else ["sh", "-c"]

    def execute(self, action: dict, cwd: str = "", *, timeout: int | None = None) -> dict:
        command = action.get("command", "")
        limit = float(timeout or self.timeout_s)
        if self.deadline is not None:
            limit = max(1.0, min(limit, self.deadline - time.monotonic()))
        # The benchmark runner's process handling: own session, output merged, the whole group
        # killed at the limit and again at the end (a server the command started must not stay).
        res = run_command(
            self.sandbox.wrap([*self.shell, command]), str(cwd or self.ws.path), self.env, limit
        )
        output = {
            "output": res.output,
            "returncode": -1 if res.timed_out else res.returncode,
            "exception_info": (
                f"The command timed out after {limit:g} seconds and was killed."
                if res.timed_out
                else ""
            ),
        }
        lines = res.output.lstrip().splitlines(keepends=True)
        if lines and lines[0].strip() == SUBMIT and output["returncode"] == 0:
            submission = "".join(lines[1:])
            raise self.mini.Submitted(
                {
                    "role": "exit",
                    "content": submission,
                    "extra": {"exit_status": "Submitted", "submission": submission},
                }
            )
        return output

    def get_template_vars(self, **kwargs: Any) -> dict:
        return {"cwd": ".", **kwargs}

    def serialize(self) -> dict:
        return {
            "info": {
                "config": {
                    "environment": {"timeout_s": self.timeout_s},
                    "environment_type": f"{type(self).__module__}.{type(self).__name__}",
                }
            }
        }


def make_client(agent: dict):
    """The LLMClient of a mini agent: its ``llm`` block (mode, store, ...) and ``api_base``."""
    from isobench.llm import LLMClient, default_store_root

    cfg = dict(agent.get("llm") or {})
    if cfg.get("mode", "replay") != "live":
        cfg.setdefault("store", str(default_store_root()))
    if agent.get("api_base"):
        cfg["api_base"] = agent["api_base"]
    key_name = next((n for n in agent.get("env") or () if is_secret_name(n)), None)
    api_key = os.environ.get(key_name) if key_name else None
    return LLMClient.from_config(cfg, api_key=api_key, transport={"drop_params": True})


def mini_agent(task: dict, repo_path: Path, agent: dict, k: int) -> AgentResult:
    """Run mini-swe-agent on ``task`` (attempt ``k``); see the module docstring."""
    from isobench.llm import LLMCallError, ReplayMissError

    model_name = agent.get("model")
    if not model_name:
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
    try:
        # The model is called in this process: the agent's commands need no credential at all.
        env = ws.agent_env(keep=())
        builtin = mini.builtin_config
        model = LLMClientModel(
            client,
            model_name,
            params={"seed": k},
            mini=mini,
            templates={
                "observation_template": builtin["model"]["observation_template"],
                "format_error_template": builtin["model"]["format_error_template"],
            },
        )
        start = time.monotonic()
        environment = WorkspaceEnvironment(
            ws,
            env,
            mini=mini,
            timeout_s=COMMAND_TIMEOUT_S,
            deadline=start + budgets["wall_clock_s"],
            sandbox=sandbox,
        )
        trajectory = ws.out / "trajectory.json"
        runner = mini.DefaultAgent(
            model,
            environment,
            system_template="{{ isobench_system }}",
            instance_template="{{ task }}",
            step_limit=budgets["turns"] or 0,
            cost_limit=budgets["cost_usd"] or 0.0,
            wall_time_limit_seconds=int(budgets["wall_clock_s"]),
            output_path=trajectory,
        )
        task_text = prompt.text + ("\n" + prompt.mini_protocol if prompt.mini_protocol else "")
        exit_status, crash = "", None
        with FirstEditWatcher(ws) as watcher:
            try:
                info = runner.run(task_text, isobench_system=prompt.system)
                exit_status = str(info.get("exit_status") or "")
            except ReplayMissError as exc:
                crash = ("error", f"{exc} (For this agent: `llm: {{mode: record}}` in its entry.)")
            except LLMCallError as exc:
                crash = ("agent_failed", str(exc))
            except Exception as exc:  # the agent crashed: a status row, not a crashed job
                crash = ("agent_failed", f"mini crashed: {type(exc).__name__}: {exc}")
        duration = time.monotonic() - start
        killed = kill_marked(RUN_MARKER, env[RUN_MARKER])
        patch = ws.patch()
        if crash and crash[0] == "error":
            status, reason = crash
        else:
            status, reason = decide_status(
                patch=patch,
                timed_out=exit_status == "TimeExceeded",
                wall_clock_s=budgets["wall_clock_s"],
                failure=crash[1]
                if crash
                else (
                    None
                    if exit_status in ("Submitted", "LimitsExceeded", "TimeExceeded")
                    else f"mini ended with {exit_status or 'no exit status'}"
                ),
                budget_stop="step or cost limit" if exit_status == "LimitsExceeded" else None,
            )
        details.update(
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
            details["killed_stragglers"] = killed
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
            prompt_hash=prompt.template_sha256,
            agent_version=version,
            trajectory=keep_trajectory(trajectory, agent, "trajectory.json", env),
            timed_out=exit_status == "TimeExceeded",
            details=details,
        )
    finally:
        remove_workspace(ws)
