"""OpenHands (PyPI ``openhands-ai``, headless ``openhands.core.main``) as an agent adapter.

Verified against the real package, ``openhands-ai`` 0.62.0 (the version the paper ran), in
tests/test_agent_openhands.py: ``.ci/setup-agents.sh`` installs it, pinned with its whole
dependency set (``.ci/openhands.lock``), into its own Python 3.12 environment,
``.tools/openhands``, whose interpreter the adapter finds first.

What the installed source says (and the adapter therefore does):

- ``python -m openhands.core.main`` takes ``--config-file`` (default: ``config.toml`` *of the
  working directory*, which is the task's repository here, so the adapter always passes its own),
  ``-f <task file>``, ``-i <max iterations>``, ``-b <max budget USD>``, ``-v/--version``. ``-d``
  is parsed but unused in 0.62: the workspace is ``[core] workspace_base``. When the agent waits
  for the user, the headless loop answers "please continue" itself.
- Configuration: the TOML file first, then environment variables over it (``LLM_*``, ``AGENT_*``,
  ``SANDBOX_*`` and the ``[core]`` names in capitals); a variable listed in the agent's ``env``
  (``RUNTIME``, ``LLM_NUM_RETRIES``, ...) therefore overrides what the adapter writes.
- ``runtime = "cli"`` (``CLIRuntime``): commands run as plain subprocesses in the workspace and
  files are edited in place, with no Docker container or action-execution server of OpenHands'
  own; the bubblewrap sandbox of :mod:`isobench.agents.sandbox` is what confines it. Its
  CodeActAgent tools are then ``execute_bash``, ``str_replace_editor``, ``think``,
  ``task_tracker`` and ``finish``; browsing, Jupyter and MCP are turned off (the CLI runtime has
  no browser or kernel; MCP would reach outside).
- The model is called through litellm: ``[llm] model`` is a litellm model string
  (``openai/...``, ``anthropic/...``), ``base_url`` = ``api_base``, the key from ``LLM_API_KEY``
  (the value of the provider key named in ``env``). Native tool calling is used for the models
  OpenHands knows to support it (``gpt-4o*``, ``gpt-5*``, ``claude-sonnet-4*``, ...).
- Results: the trajectory file (``save_trajectory_path``) is written only at a clean exit and
  leaves out the state changes; every event is also stored as it happens under
  ``<file_store_path>/sessions/<sid>/events/<n>.json``. The adapter reads the event store (so a
  run killed at its wall clock still has its turns and tokens) and falls back to the trajectory.
  How it ended: a ``finish`` action / state ``finished``; the budget stops are state ``error``
  with the reason "Agent reached maximum iteration" / "maximum budget".

Known limitation of 0.62's CLI runtime: a shell command that exits before its first output line
is read (a fast ``ls``, ~1 % of such calls here) comes back with empty output (upstream
``CLIRuntime._execute_shell_command`` reads an unbound ``line``); the agent sees an empty result.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from isobench.agents.cli import CLIAdapter, RunContext, extra_args
from isobench.agents.cli_lookup import cli_version, first_line
from isobench.agents.cli_output import Parsed, read_text
from isobench.io import write_text_atomic
from isobench.process import ProcessOutcome

TOOLS_DIR = Path(".tools") / "openhands" / "bin"  # where .ci/setup-agents.sh installs it
MODULE = ("-m", "openhands.core.main")
# What ``--version`` prints, without the ~10 s import of the whole agent that it costs.
VERSION_PROBE = (
    "import importlib.metadata as m; print('OpenHands version: ' + m.version('openhands-ai'))"
)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


def toml_text(sections: dict[str, dict]) -> str:
    """A TOML document of flat sections (strings, numbers, booleans)."""
    lines: list[str] = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in values.items() if v is not None]
        lines.append("")
    return "\n".join(lines)


class OpenHands(CLIAdapter):
    """``python -m openhands.core.main --config-file <run>/openhands_config.toml -f <task> -i N``.

    ``command`` is the interpreter + module (default ``python -m openhands.core.main``, the
    ``python`` of ``.tools/openhands/bin`` first, then ``PATH``), e.g. ``[/opt/oh/bin/python, -m,
    openhands.core.main]``; ``-b USD`` is added with a cost budget. See the module docstring for
    what the configuration holds and why.
    """

    adapter = "openhands"
    default_command = ("python", *MODULE)
    tool_dirs = (TOOLS_DIR,)
    version_required = True  # a PATH python without openhands-ai fails here, with the fix
    install_hint = (
        "run .ci/setup-agents.sh (installs openhands-ai into .tools/openhands, Python 3.12) or "
        "set agents[].command to an interpreter that has it, e.g. "
        "[/opt/oh/bin/python, -m, openhands.core.main]"
    )
    excludes = (".openhands",)
    trajectory_name = "trajectory.json"
    default_iterations = 100

    # files of the run (outside the workspace) --------------------------------------------
    def config_file(self, ctx: RunContext) -> Path:
        return ctx.ws.out / "openhands_config.toml"

    def trajectory_file(self, ctx: RunContext) -> Path:
        return ctx.ws.out / "openhands_trajectory.json"

    def events_file(self, ctx: RunContext) -> Path:
        return ctx.ws.out / "openhands_events.json"

    def store_dir(self, ctx: RunContext) -> Path:
        return ctx.ws.root / "openhands_store"

    def iterations(self, ctx: RunContext) -> int:
        return ctx.budgets["turns"] or self.default_iterations

    # hooks -------------------------------------------------------------------------------
    def setup(self, ctx: RunContext) -> None:
        core = {
            "runtime": "cli",
            "workspace_base": str(ctx.ws.path),
            "save_trajectory_path": str(self.trajectory_file(ctx)),
            "file_store": "local",
            "file_store_path": str(self.store_dir(ctx)),
            "cache_dir": str(ctx.ws.root / "openhands_cache"),
            "enable_browser": False,
            "max_iterations": self.iterations(ctx),
            "max_budget_per_task": ctx.budgets["cost_usd"] or None,
        }
        llm = {"model": ctx.model, "base_url": ctx.api_base}
        agent = {"enable_browsing": False, "enable_jupyter": False, "enable_mcp": False}
        text = toml_text({"core": core, "llm": llm, "agent": agent})
        self.config_file(ctx).write_text(text, encoding="utf-8")

    def env_extra(self, ctx: RunContext) -> dict:
        env = {"LITELLM_LOCAL_MODEL_COST_MAP": "True"}  # no price-table download at import
        key = ctx.key_name("")
        if key and os.environ.get(key):
            env["LLM_API_KEY"] = os.environ[key]
        return env

    def argv(self, ctx: RunContext) -> list[str]:
        argv = [
            *ctx.command,
            "--config-file",
            str(self.config_file(ctx)),
            "-f",
            str(ctx.prompt_file),
            "-i",
            str(self.iterations(ctx)),
        ]
        if ctx.budgets["cost_usd"]:
            argv += ["-b", f"{ctx.budgets['cost_usd']:g}"]
        return argv + extra_args(ctx)

    def version(self, ctx: RunContext) -> str | None:
        """``OpenHands version: X`` of the interpreter's installed ``openhands-ai``."""
        if tuple(ctx.command[-2:]) == MODULE:
            return first_line([*ctx.command[:-2], "-c", VERSION_PROBE], env=ctx.env)
        return cli_version(ctx.command, env=ctx.env)

    def parse(self, ctx: RunContext, outcome: ProcessOutcome) -> Parsed:
        events = stored_events(self.store_dir(ctx))
        if events:
            write_text_atomic(self.events_file(ctx), json.dumps(events, indent=1))
            parsed = parse_openhands_events(events, self.iterations(ctx))
            parsed.details["openhands_source"] = "event store"
            return parsed
        return parse_openhands_trajectory(
            read_text(self.trajectory_file(ctx)), self.iterations(ctx)
        )

    def trajectory_source(self, ctx: RunContext) -> Path | None:
        events = self.events_file(ctx)
        return events if events.is_file() else self.trajectory_file(ctx)


def stored_events(store: Path) -> list[dict]:
    """Every event OpenHands stored under ``<store>/sessions/*/events/<n>.json``, in order."""
    found = []
    for path in store.glob("sessions/*/events/*.json"):
        try:
            event = json.loads(path.read_text(encoding="utf-8", errors="replace"))
        except (OSError, ValueError):
            continue  # half-written at a kill
        if isinstance(event, dict):
            found.append((path.parent.parent.name, int(event.get("id", -1) or 0), event))
    found.sort(key=lambda item: (item[0], item[1]))
    return [event for _, _, event in found]


# --------------------------------------------------------------------------------------------
# Parsing the events


def _trajectory_events(text: str) -> list | None:
    """The events of a trajectory file: a JSON list, or ``{"history"|"events": [...]}``."""
    try:
        data = json.loads(text) if text.strip() else None
    except ValueError:
        return None
    if isinstance(data, dict):
        data = data.get("history") or data.get("events")
    return data if isinstance(data, list) else None


@dataclass
class _Scan:
    actions: int = 0
    finished: bool = False
    state: str | None = None
    errors: list[str] = field(default_factory=list)
    metrics: dict | None = None


def _scan_events(events: list) -> _Scan:
    """Count the agent's actions; find its finish, last state, errors and last LLM metrics."""
    scan = _Scan()
    for event in events:
        if not isinstance(event, dict):
            continue
        if event.get("llm_metrics"):
            scan.metrics = event["llm_metrics"]
        if "action" in event and event.get("source") == "agent":
            if event["action"] not in ("change_agent_state", "recall", "system"):
                scan.actions += 1
            if event["action"] == "finish":
                scan.finished = True
        observation = event.get("observation")
        if observation == "agent_state_changed":
            extras = event.get("extras") or {}
            scan.state = extras.get("agent_state") or scan.state
            if extras.get("reason"):
                scan.errors.append(str(extras["reason"]))
        elif observation == "error":
            scan.errors.append(str(event.get("content") or event.get("message") or "error"))
    return scan


def _usage(parsed: Parsed, metrics: dict | None) -> None:
    """Tokens and cost from OpenHands' accumulated ``llm_metrics``."""
    if not isinstance(metrics, dict):
        return
    usage = metrics.get("accumulated_token_usage") or {}
    parsed.tokens = {
        n: int(usage[n])
        for n in ("prompt_tokens", "completion_tokens", "cache_read_tokens")
        if isinstance(usage.get(n), int | float)
    }
    cost = metrics.get("accumulated_cost")
    parsed.cost_usd = float(cost) if isinstance(cost, int | float) else None


def _budget_stop(text_errors: str) -> str | None:
    if "maximum iteration" in text_errors or "max_iter" in text_errors:
        return "max_iterations"
    if "budget" in text_errors:
        return "max_budget"
    return None


def parse_openhands_events(events: list, max_iterations: int | None = None) -> Parsed:
    """How an OpenHands run ended, from its events (event store or trajectory file).

    Turns = the agent's actions (one per model call); tokens/cost = the last ``llm_metrics``
    seen; the end state = the last ``agent_state_changed`` observation (``finished`` / ``error``
    / ``stopped`` ...), whose ``reason`` names a budget stop.
    """
    parsed = Parsed()
    scan = _scan_events(events)
    parsed.turns = scan.actions or None
    _usage(parsed, scan.metrics)
    parsed.details = {"final_agent_state": scan.state}
    budget = _budget_stop(" ".join(scan.errors).lower())
    if scan.finished or scan.state == "finished":
        parsed.finished = True
    elif budget:
        parsed.budget_stop = budget
    elif max_iterations and scan.actions >= max_iterations:
        parsed.budget_stop = "max_iterations"
    elif scan.state == "error" or scan.errors:
        detail = "; ".join(e[:300] for e in scan.errors[-3:]) or "error state"
        parsed.failure = "openhands: " + detail
    else:
        parsed.failure = f"openhands ended in state {scan.state!r} without finishing"
    return parsed


def parse_openhands_trajectory(text: str, max_iterations: int | None = None) -> Parsed:
    """Parse an OpenHands trajectory file (a JSON list of events, or ``{"history": []}``)."""
    events = _trajectory_events(text)
    if events is None:
        parsed = Parsed()
        parsed.failure = "no OpenHands trajectory was written (the run crashed or was killed)"
        return parsed
    return parse_openhands_events(events, max_iterations)


openhands = OpenHands()
