"""Coding-agent CLIs as adapters: Claude Code, Codex CLI, OpenHands (headless), TRAE.

Every adapter follows the same steps (:meth:`CLIAdapter.__call__`):

1. resolve the CLI (config ``command``; else ``.tools/npm/bin/<name>`` of the project, where
   ``.ci/setup-agents.sh`` installs the pinned npm CLIs; else ``PATH``) and its version
   (``<cli> --version``; a config ``version`` pin that does not match is an ``error``);
2. prepare the workspace (:mod:`isobench.agents.workspace`) and render the task prompt
   (:mod:`isobench.agents.prompt`);
3. run the CLI headless in the workspace with a scrubbed environment (only the provider keys the
   config lists in ``env``; per-run HOME/XDG/TMPDIR; web tools off where the CLI allows it),
   its turn/cost budgets as CLI flags where it has them, and the wall-clock budget enforced by
   killing its whole process group (:func:`isobench.agents.workspace.run_process`), while a
   thread polls the workspace for the time to the first edit;
4. parse the CLI's own result (stream-json, JSONL events or a trajectory file) for how it ended,
   turns, tokens and cost; compute the patch from the workspace; decide the status
   (:func:`isobench.agents.base.decide_status`); keep the trajectory, redacted, beside run.json.

What was verified against the real CLIs (tests/test_agent_clis.py, a loopback fake provider):
claude_code (``@anthropic-ai/claude-code`` 2.1.197) and codex_cli (``@openai/codex`` 0.169.0).
OpenHands (``openhands-ai`` 0.62, Python >= 3.12) and TRAE (not on PyPI) could not be installed
where this was written: their command lines follow their documented headless entry points and
their result files are parsed as documented; tests cover command construction and parsing only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from isobench.agents.base import AgentResult, budgets_of, decide_status
from isobench.agents.prompt import TaskPrompt, render_task_prompt
from isobench.agents.sandbox import Sandbox, SandboxError, agent_sandbox
from isobench.agents.workspace import (
    FirstEditWatcher,
    ProcessOutcome,
    Workspace,
    WorkspaceError,
    prepare_workspace,
    remove_workspace,
    run_process,
)
from isobench.io import write_text_atomic
from isobench.secrets import is_secret_name, redact

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TOOLS_BIN = Path(".tools") / "npm" / "bin"
TAIL = 2000  # characters of stderr kept in a failure reason / run details


# --------------------------------------------------------------------------------------------
# Finding and versioning a CLI


def resolve_command(command: str | list[str] | tuple[str, ...]) -> list[str] | None:
    """The argv prefix of a CLI: its first word resolved, or None when it cannot be found.

    A bare name is looked up in ``.tools/npm/bin`` (of the working directory, then of the
    project), then on ``PATH``; a path (with a slash) must exist.
    """
    argv = [command] if isinstance(command, str) else list(command)
    if not argv:
        return None
    head = argv[0]
    if os.sep in head or "/" in head:
        path = Path(head).expanduser()
        return [str(path.resolve()), *argv[1:]] if path.exists() else None
    for base in (Path.cwd(), PROJECT_ROOT):
        candidate = base / TOOLS_BIN / head
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return [str(candidate), *argv[1:]]
    found = shutil.which(head)
    return [found, *argv[1:]] if found else None


def cli_version(argv: list[str], env: dict | None = None, timeout_s: float = 60) -> str | None:
    """First line of ``<cli> --version``, or None when it fails."""
    try:
        proc = subprocess.run(
            [*argv, "--version"],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            env=env,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (proc.stdout or proc.stderr).strip()
    return text.splitlines()[0].strip() if proc.returncode == 0 and text else None


# --------------------------------------------------------------------------------------------
# One run


@dataclass
class RunContext:
    task: dict
    agent: dict
    k: int
    ws: Workspace
    prompt: TaskPrompt
    prompt_file: Path
    budgets: dict
    command: list[str]
    keep: tuple[str, ...]
    sandbox: Sandbox = field(default_factory=lambda: Sandbox("none"))
    env: dict = field(default_factory=dict)

    @property
    def model(self) -> str | None:
        return self.agent.get("model") or None

    @property
    def api_base(self) -> str | None:
        return self.agent.get("api_base") or None

    @property
    def stdout(self) -> Path:
        return self.ws.out / "stdout.txt"

    @property
    def stderr(self) -> Path:
        return self.ws.out / "stderr.txt"

    def key_name(self, default: str) -> str:
        """The provider key variable: the first credential-like name in ``env``, else ``default``."""
        return next((n for n in self.keep if is_secret_name(n)), default)


@dataclass
class Parsed:
    """How the CLI says its run ended, and what it used."""

    finished: bool = False
    failure: str | None = None
    budget_stop: str | None = None
    turns: int | None = None
    tokens: dict = field(default_factory=dict)
    cost_usd: float | None = None
    details: dict = field(default_factory=dict)


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def json_lines(text: str) -> list[dict]:
    """The JSON objects of a JSONL text; other lines (banners, warnings) are skipped."""
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict):
            rows.append(row)
    return rows


def keep_trajectory(source: Path | None, agent: dict, name: str, env: dict) -> str | None:
    """Copy the agent's trajectory beside run.json (``agent['run_dir']``), credentials redacted."""
    run_dir = agent.get("run_dir")
    if not run_dir or source is None or not source.is_file():
        return None
    text = redact(redact(read_text(source), env))
    dest = Path(run_dir) / name
    write_text_atomic(dest, text)
    return str(dest)


def estimated_cost(model: str | None, prompt_tokens: int, completion_tokens: int) -> float | None:
    """USD from litellm's price table, for CLIs that report tokens but no cost (None: unknown)."""
    if not model or not (prompt_tokens or completion_tokens):
        return None
    try:
        from isobench.llm.costs import cost_for

        return cost_for(model, prompt_tokens, completion_tokens)
    except Exception:  # no price for the model: unknown, not a crash
        return None


class CLIAdapter:
    """Base of the CLI adapters; subclasses build the command line and parse the result."""

    adapter = ""
    default_command: tuple[str, ...] = ()
    install_hint = ""
    excludes: tuple[str, ...] = ()  # workspace paths that are the CLI's artefacts, not patch
    trajectory_name = "trajectory.jsonl"

    # hooks ---------------------------------------------------------------------------------
    def setup(self, ctx: RunContext) -> None:
        """Write config files the CLI reads (under the run's temp root)."""

    def env_extra(self, ctx: RunContext) -> dict:
        return {}

    def argv(self, ctx: RunContext) -> list[str]:
        raise NotImplementedError

    def stdin(self, ctx: RunContext) -> Path | None:
        return None

    def parse(self, ctx: RunContext, outcome: ProcessOutcome) -> Parsed:
        raise NotImplementedError

    def trajectory_source(self, ctx: RunContext) -> Path | None:
        return ctx.stdout

    # the run -------------------------------------------------------------------------------
    def __call__(self, task: dict, repo_path: Path, agent: dict, k: int) -> AgentResult:
        command = resolve_command(agent.get("command") or self.default_command)
        if command is None:
            wanted = agent.get("command") or self.default_command[0]
            return AgentResult(
                status="error",
                reason=f"{self.adapter}: the CLI {wanted!r} was not found. Fix: {self.install_hint}",
            )
        budgets = budgets_of(agent)
        keep = tuple(agent.get("env") or ())
        try:
            prompt = render_task_prompt(task, agent)
            ws = prepare_workspace(
                repo_path, task["parent"], name=task["repo"], excludes=self.excludes
            )
        except (OSError, ValueError, WorkspaceError) as exc:
            return AgentResult(status="error", reason=f"{self.adapter}: {exc}")
        try:
            try:
                sandbox = agent_sandbox(agent, repo_path, ws.root)
            except SandboxError as exc:
                return AgentResult(status="error", reason=f"{self.adapter}: {exc}")
            ctx = RunContext(
                task=task,
                agent=agent,
                k=k,
                ws=ws,
                prompt=prompt,
                prompt_file=ws.out / "prompt.md",
                budgets=budgets,
                command=command,
                keep=keep,
                sandbox=sandbox,
            )
            ctx.prompt_file.write_text(prompt.text, encoding="utf-8")
            return self._run(ctx)
        finally:
            remove_workspace(ws)

    def _run(self, ctx: RunContext) -> AgentResult:
        agent = ctx.agent
        self.setup(ctx)
        ctx.env = ctx.ws.agent_env(keep=ctx.keep, extra=self.env_extra(ctx))
        version = cli_version(ctx.command, env=ctx.env)
        details = {
            "command": [Path(ctx.command[0]).name, *ctx.command[1:]],
            "budgets": ctx.budgets,
            "prompt_name": ctx.prompt.name,
            "prompt_sha256": ctx.prompt.sha256,
            "initial_commit": ctx.ws.initial_commit,
            "disclosed_target_files": bool(agent.get("disclose_target_files")),
            "sandbox": ctx.sandbox.record(),
        }
        pin = agent.get("version")
        if pin and (version is None or str(pin) not in version):
            return AgentResult(
                status="error",
                reason=f"{self.adapter}: version pin {pin!r} does not match the installed CLI "
                f"({version or 'no --version output'}). Fix: install the pinned version "
                f"({self.install_hint}) or change agents[].version.",
                agent_version=version,
                prompt_hash=ctx.prompt.template_sha256,
                details=details,
            )
        argv = ctx.sandbox.wrap(self.argv(ctx))
        with FirstEditWatcher(ctx.ws) as watcher:
            outcome = run_process(
                argv,
                cwd=ctx.ws.path,
                env=ctx.env,
                timeout_s=ctx.budgets["wall_clock_s"],
                stdout_path=ctx.stdout,
                stderr_path=ctx.stderr,
                stdin_path=self.stdin(ctx),
            )
        parsed = self.parse(ctx, outcome)
        try:
            patch = ctx.ws.patch()
        except WorkspaceError as exc:
            return AgentResult(
                status="error",
                reason=f"{self.adapter}: cannot compute the patch: {exc}",
                returncode=outcome.returncode,
                duration_s=outcome.duration_s,
                agent_version=version,
                prompt_hash=ctx.prompt.template_sha256,
                timed_out=outcome.timed_out,
                details=details,
            )
        stderr_tail = redact(redact(read_text(ctx.stderr)[-TAIL:], ctx.env))
        failure = parsed.failure
        if outcome.returncode not in (0, None) and not parsed.budget_stop:
            failure = f"exit code {outcome.returncode}" + (f": {failure}" if failure else "")
        if failure and stderr_tail.strip():
            failure += f"; stderr: {stderr_tail.strip()[-500:]}"
        status, reason = decide_status(
            patch=patch,
            timed_out=outcome.timed_out,
            wall_clock_s=ctx.budgets["wall_clock_s"],
            failure=failure,
            budget_stop=parsed.budget_stop,
        )
        reason = redact(redact(reason, ctx.env))
        details.update(parsed.details)
        details["stderr_tail"] = stderr_tail
        if outcome.killed_stragglers:
            details["killed_stragglers"] = outcome.killed_stragglers
        return AgentResult(
            status=status,
            patch=patch,
            reason=reason,
            returncode=outcome.returncode,
            duration_s=outcome.duration_s,
            turns=parsed.turns,
            tokens=parsed.tokens,
            cost_usd=parsed.cost_usd,
            time_to_first_edit_s=watcher.seconds,
            prompt_hash=ctx.prompt.template_sha256,
            agent_version=version,
            trajectory=keep_trajectory(
                self.trajectory_source(ctx), agent, self.trajectory_name, ctx.env
            ),
            timed_out=outcome.timed_out,
            details=details,
        )


# --------------------------------------------------------------------------------------------
# Claude Code


class ClaudeCode(CLIAdapter):
    """``claude -p --output-format stream-json --verbose`` with the prompt on stdin.

    Permissions: ``--permission-mode acceptEdits`` (file edits inside the workspace are
    accepted) plus ``--allowedTools`` for the shell and file tools, so a headless run never waits
    for an approval and never needs ``--dangerously-skip-permissions`` (refused as root);
    ``--disallowedTools WebFetch,WebSearch``. Budgets: ``--max-turns``, ``--max-budget-usd``.
    ``api_base`` -> ``ANTHROPIC_BASE_URL``. The stream-json output is the trajectory.
    """

    adapter = "claude_code"
    default_command = ("claude",)
    install_hint = "run .ci/setup-agents.sh (npm @anthropic-ai/claude-code) or set agents[].command"
    allowed_tools = "Bash Edit MultiEdit Write Read Glob Grep LS NotebookEdit TodoWrite"
    disallowed_tools = "WebFetch WebSearch"

    def env_extra(self, ctx: RunContext) -> dict:
        env = {
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1",
            "DISABLE_TELEMETRY": "1",
            "DISABLE_ERROR_REPORTING": "1",
        }
        if ctx.api_base:
            env["ANTHROPIC_BASE_URL"] = ctx.api_base
        return env

    def argv(self, ctx: RunContext) -> list[str]:
        argv = [*ctx.command, "-p", "--output-format", "stream-json", "--verbose"]
        if ctx.model:
            argv += ["--model", ctx.model]
        if ctx.budgets["turns"]:
            argv += ["--max-turns", str(ctx.budgets["turns"])]
        if ctx.budgets["cost_usd"]:
            argv += ["--max-budget-usd", f"{ctx.budgets['cost_usd']:g}"]
        argv += [
            "--permission-mode",
            "acceptEdits",
            "--allowedTools",
            self.allowed_tools,
            "--disallowedTools",
            self.disallowed_tools,
        ]
        return argv + [str(a) for a in ctx.agent.get("extra_args") or []]

    def stdin(self, ctx: RunContext) -> Path | None:
        return ctx.prompt_file

    def parse(self, ctx: RunContext, outcome: ProcessOutcome) -> Parsed:
        return parse_claude_stream(read_text(ctx.stdout))


def parse_claude_stream(text: str) -> Parsed:
    """Parse Claude Code's stream-json: the final ``result`` event says how the run ended."""
    events = json_lines(text)
    result = next((e for e in reversed(events) if e.get("type") == "result"), None)
    messages = {
        (e.get("message") or {}).get("id")
        for e in events
        if e.get("type") == "assistant" and isinstance(e.get("message"), dict)
    }
    parsed = Parsed(turns=len(messages) or None)
    if result is None:
        parsed.failure = "no result event in the stream-json output (the CLI crashed or was killed)"
        return parsed
    subtype = str(result.get("subtype") or "")
    usage = result.get("usage") or {}
    parsed.tokens = {
        name: int(usage[name])
        for name in (
            "input_tokens",
            "output_tokens",
            "cache_read_input_tokens",
            "cache_creation_input_tokens",
        )
        if isinstance(usage.get(name), int | float)
    }
    if isinstance(result.get("num_turns"), int):
        parsed.turns = result["num_turns"]
    cost = result.get("total_cost_usd")
    parsed.cost_usd = float(cost) if isinstance(cost, int | float) else None
    parsed.details = {
        "result_subtype": subtype,
        "terminal_reason": result.get("terminal_reason"),
        "session_id": result.get("session_id"),
        "permission_denials": len(result.get("permission_denials") or []),
    }
    if subtype.startswith("error_max"):
        parsed.budget_stop = subtype.removeprefix("error_")
    elif subtype == "success" and not result.get("is_error"):
        parsed.finished = True
    else:
        message = result.get("result") or result.get("errors") or ""
        parsed.failure = f"claude ended with {subtype or 'no subtype'}" + (
            f": {str(message)[:300]}" if message else ""
        )
    return parsed


# --------------------------------------------------------------------------------------------
# Codex CLI


def _toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


class CodexCLI(CLIAdapter):
    """``codex exec --json`` with the prompt on stdin and a per-run ``CODEX_HOME/config.toml``.

    The config holds one ``model_providers`` entry (``base_url`` = ``api_base`` or OpenAI's API,
    ``env_key`` = the provider key named in ``env``, Responses wire API), ``web_search =
    "disabled"``, ``approval_policy = "never"`` and ``sandbox_mode = "workspace-write"``. Codex
    has no turn or cost flag: only the wall clock bounds it. Its ``--json`` events are the
    trajectory; turns = the model's completed actions (commands, file changes, tool calls,
    messages), since it reports no count of model calls; cost is estimated from its token
    counts (litellm's price table) when the model has a known price.
    """

    adapter = "codex_cli"
    default_command = ("codex",)
    install_hint = "run .ci/setup-agents.sh (npm @openai/codex) or set agents[].command"

    def codex_home(self, ctx: RunContext) -> Path:
        return ctx.ws.root / "codex"

    def setup(self, ctx: RunContext) -> None:
        home = self.codex_home(ctx)
        home.mkdir(parents=True, exist_ok=True)
        lines = []
        if ctx.model:
            lines.append(f"model = {_toml_string(ctx.model)}")
        lines += [
            'model_provider = "isobench"',
            'approval_policy = "never"',
            'sandbox_mode = "workspace-write"',
            'web_search = "disabled"',
            "",
            "[model_providers.isobench]",
            'name = "isobench"',
            f"base_url = {_toml_string(ctx.api_base or 'https://api.openai.com/v1')}",
            f"env_key = {_toml_string(ctx.key_name('OPENAI_API_KEY'))}",
            'wire_api = "responses"',
            "",
        ]
        (home / "config.toml").write_text("\n".join(lines), encoding="utf-8")

    def env_extra(self, ctx: RunContext) -> dict:
        return {"CODEX_HOME": str(self.codex_home(ctx)), "NO_COLOR": "1"}

    def argv(self, ctx: RunContext) -> list[str]:
        argv = [
            *ctx.command,
            "exec",
            "--json",
            "--skip-git-repo-check",
            "--sandbox",
            "workspace-write",
            "--cd",
            str(ctx.ws.path),
            "--output-last-message",
            str(ctx.ws.out / "last_message.txt"),
        ]
        if ctx.model:
            argv += ["--model", ctx.model]
        return argv + [str(a) for a in ctx.agent.get("extra_args") or []] + ["-"]

    def stdin(self, ctx: RunContext) -> Path | None:
        return ctx.prompt_file

    def parse(self, ctx: RunContext, outcome: ProcessOutcome) -> Parsed:
        parsed = parse_codex_events(read_text(ctx.stdout))
        prompt = parsed.tokens.get("input_tokens", 0)
        completion = parsed.tokens.get("output_tokens", 0)
        parsed.cost_usd = estimated_cost(ctx.model, prompt, completion)
        if parsed.cost_usd is not None:
            parsed.details["cost_source"] = "estimated from tokens (litellm prices)"
        return parsed


ACTION_ITEMS = ("command_execution", "file_change", "mcp_tool_call", "web_search", "agent_message")


def parse_codex_events(text: str) -> Parsed:
    """Parse ``codex exec --json`` events: turn.completed / turn.failed say how it ended."""
    events = json_lines(text)
    parsed = Parsed()
    tokens: dict[str, int] = {}
    completed = failed = 0
    errors: list[str] = []
    actions = commands = 0
    for event in events:
        kind = event.get("type")
        if kind == "turn.completed":
            completed += 1
            for name, value in (event.get("usage") or {}).items():
                if isinstance(value, int | float):
                    tokens[name] = tokens.get(name, 0) + int(value)
        elif kind == "turn.failed":
            failed += 1
            errors.append(str((event.get("error") or {}).get("message") or "turn failed"))
        elif kind == "error":
            errors.append(str(event.get("message") or "error"))
        elif kind == "item.completed":
            item = event.get("item") or {}
            if item.get("type") in ACTION_ITEMS:
                actions += 1
            if item.get("type") == "command_execution":
                commands += 1
    parsed.tokens = tokens
    parsed.turns = actions or None
    parsed.details = {"codex_turns_completed": completed, "commands": commands}
    if failed or (errors and not completed):
        parsed.failure = "codex: " + "; ".join(e[:300] for e in errors[-3:])
    elif completed:
        parsed.finished = True
    else:
        parsed.failure = (
            "no turn.completed event in the --json output (the CLI crashed or was killed)"
        )
    return parsed


# --------------------------------------------------------------------------------------------
# OpenHands (0.x headless entry point; not installable here: Python >= 3.12)


class OpenHands(CLIAdapter):
    """OpenHands' headless mode: ``python -m openhands.core.main -d <ws> -f <task> -i N -b USD``.

    The paper ran OpenHands 0.62 this way. Configuration through its environment variables:
    ``LLM_MODEL``, ``LLM_API_KEY`` (the value of the key named in ``env``), ``LLM_BASE_URL``
    (``api_base``), ``RUNTIME`` (``cli``: on the host, in the workspace, no Docker; list
    ``RUNTIME`` in ``env`` to pass your own), ``SAVE_TRAJECTORY_PATH`` (read back as the result),
    browsing off. ``command`` is the interpreter + module (default ``python -m
    openhands.core.main``), e.g. ``[uvx, --python, "3.12", --from, "openhands-ai==0.62.0",
    python, -m, openhands.core.main]``.
    """

    adapter = "openhands"
    default_command = ("python", "-m", "openhands.core.main")
    install_hint = (
        "install openhands-ai (Python >= 3.12) in its own environment and set agents[].command "
        "to its interpreter, e.g. [/opt/oh/bin/python, -m, openhands.core.main]"
    )
    excludes = (".openhands",)
    trajectory_name = "trajectory.json"
    default_iterations = 100

    def trajectory_file(self, ctx: RunContext) -> Path:
        return ctx.ws.out / "openhands_trajectory.json"

    def env_extra(self, ctx: RunContext) -> dict:
        env = {
            "SAVE_TRAJECTORY_PATH": str(self.trajectory_file(ctx)),
            "AGENT_ENABLE_BROWSING": "false",
            "ENABLE_BROWSER": "false",
            "SANDBOX_VOLUMES": f"{ctx.ws.path}:/workspace:rw",
            "WORKSPACE_BASE": str(ctx.ws.path),
            "FILE_STORE_PATH": str(ctx.ws.root / "openhands_store"),
            "LOG_ALL_EVENTS": "true",
        }
        if "RUNTIME" not in ctx.keep:
            env["RUNTIME"] = "cli"
        if ctx.model:
            env["LLM_MODEL"] = ctx.model
        if ctx.api_base:
            env["LLM_BASE_URL"] = ctx.api_base
        key = ctx.key_name("")
        if key and os.environ.get(key):
            env["LLM_API_KEY"] = os.environ[key]
        return env

    def argv(self, ctx: RunContext) -> list[str]:
        iterations = ctx.budgets["turns"] or self.default_iterations
        argv = [
            *ctx.command,
            "-d",
            str(ctx.ws.path),
            "-f",
            str(ctx.prompt_file),
            "-i",
            str(iterations),
        ]
        if ctx.budgets["cost_usd"]:
            argv += ["-b", f"{ctx.budgets['cost_usd']:g}"]
        return argv + [str(a) for a in ctx.agent.get("extra_args") or []]

    def parse(self, ctx: RunContext, outcome: ProcessOutcome) -> Parsed:
        return parse_openhands_trajectory(
            read_text(self.trajectory_file(ctx)), ctx.budgets["turns"] or self.default_iterations
        )

    def trajectory_source(self, ctx: RunContext) -> Path | None:
        return self.trajectory_file(ctx)


def parse_openhands_trajectory(text: str, max_iterations: int | None = None) -> Parsed:
    """Parse an OpenHands trajectory (a JSON list of serialized events, or ``{"history": []}``).

    Turns = the agent's actions; tokens/cost = the last ``llm_metrics`` seen; the end state =
    the last ``agent_state_changed`` observation (``finished`` / ``error`` / ``stopped`` ...).
    """
    parsed = Parsed()
    try:
        data = json.loads(text) if text.strip() else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        data = data.get("history") or data.get("events")
    if not isinstance(data, list):
        parsed.failure = "no OpenHands trajectory was written (the run crashed or was killed)"
        return parsed
    actions = 0
    state = None
    finished = False
    errors: list[str] = []
    metrics = None
    for event in data:
        if not isinstance(event, dict):
            continue
        if event.get("llm_metrics"):
            metrics = event["llm_metrics"]
        if "action" in event and event.get("source") == "agent":
            if event["action"] not in ("change_agent_state", "recall", "system"):
                actions += 1
            if event["action"] == "finish":
                finished = True
        observation = event.get("observation")
        if observation == "agent_state_changed":
            state = (event.get("extras") or {}).get("agent_state") or state
        elif observation == "error":
            errors.append(str(event.get("content") or event.get("message") or "error"))
    parsed.turns = actions or None
    if isinstance(metrics, dict):
        usage = metrics.get("accumulated_token_usage") or {}
        parsed.tokens = {
            n: int(usage[n])
            for n in ("prompt_tokens", "completion_tokens", "cache_read_tokens")
            if isinstance(usage.get(n), int | float)
        }
        cost = metrics.get("accumulated_cost")
        parsed.cost_usd = float(cost) if isinstance(cost, int | float) else None
    parsed.details = {"final_agent_state": state}
    text_errors = " ".join(errors).lower()
    if finished or state == "finished":
        parsed.finished = True
    elif "budget" in text_errors or "maximum iteration" in text_errors or "max_iter" in text_errors:
        parsed.budget_stop = "max_iterations" if "iteration" in text_errors else "max_budget"
    elif max_iterations and actions >= max_iterations:
        parsed.budget_stop = "max_iterations"
    elif state == "error" or errors:
        parsed.failure = "openhands: " + ("; ".join(e[:300] for e in errors[-3:]) or "error state")
    else:
        parsed.failure = f"openhands ended in state {state!r} without finishing"
    return parsed


# --------------------------------------------------------------------------------------------
# TRAE agent (bytedance/trae-agent; not on PyPI)


class Trae(CLIAdapter):
    """``trae-cli run --file <task> --working-dir <ws> --provider P --model M --max-steps N``.

    ``model`` is ``provider/model`` (e.g. ``anthropic/claude-sonnet-4-5``; no provider: openai).
    A per-run ``trae_config.yaml`` turns Lakeview (extra LLM calls) off; the provider key comes
    from the environment (the names in ``env``). ``--trajectory-file`` is outside the workspace
    (TRAE's default is inside it and would pollute the diff) and is parsed as the result: turns =
    agent steps, tokens = summed LLM usage, ``success`` says whether it finished.
    """

    adapter = "trae"
    default_command = ("trae-cli",)
    install_hint = (
        "install trae-agent (git clone + uv sync, Python >= 3.12) and set agents[].command to "
        "its trae-cli"
    )
    excludes = ("trajectories",)
    trajectory_name = "trajectory.json"
    default_steps = 200

    def trajectory_file(self, ctx: RunContext) -> Path:
        return ctx.ws.out / "trae_trajectory.json"

    def config_file(self, ctx: RunContext) -> Path:
        return ctx.ws.out / "trae_config.yaml"

    def provider_model(self, ctx: RunContext) -> tuple[str, str]:
        model = ctx.model or "claude-sonnet-4-5"
        if "/" in model:
            provider, name = model.split("/", 1)
            return provider, name
        return "openai", model

    def setup(self, ctx: RunContext) -> None:
        import yaml

        provider, name = self.provider_model(ctx)
        provider_cfg = {"provider": provider}
        if ctx.api_base:
            provider_cfg["base_url"] = ctx.api_base
        config = {
            "agents": {
                "trae_agent": {
                    "enable_lakeview": False,
                    "model": "isobench_model",
                    "max_steps": ctx.budgets["turns"] or self.default_steps,
                    "tools": [
                        "bash",
                        "str_replace_based_edit_tool",
                        "sequentialthinking",
                        "task_done",
                    ],
                }
            },
            "model_providers": {provider: provider_cfg},
            "models": {
                "isobench_model": {
                    "model_provider": provider,
                    "model": name,
                    "max_tokens": 16384,
                    "temperature": 0.5,
                    "top_p": 1,
                    "max_retries": 10,
                    "parallel_tool_calls": True,
                }
            },
        }
        self.config_file(ctx).write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")

    def argv(self, ctx: RunContext) -> list[str]:
        provider, name = self.provider_model(ctx)
        argv = [
            *ctx.command,
            "run",
            "--file",
            str(ctx.prompt_file),
            "--working-dir",
            str(ctx.ws.path),
            "--config-file",
            str(self.config_file(ctx)),
            "--provider",
            provider,
            "--model",
            name,
            "--max-steps",
            str(ctx.budgets["turns"] or self.default_steps),
            "--trajectory-file",
            str(self.trajectory_file(ctx)),
            "--console-type",
            "simple",
        ]
        if ctx.api_base:
            argv += ["--model-base-url", ctx.api_base]
        return argv + [str(a) for a in ctx.agent.get("extra_args") or []]

    def parse(self, ctx: RunContext, outcome: ProcessOutcome) -> Parsed:
        parsed = parse_trae_trajectory(
            read_text(self.trajectory_file(ctx)), ctx.budgets["turns"] or self.default_steps
        )
        parsed.cost_usd = estimated_cost(
            ctx.model,
            parsed.tokens.get("input_tokens", 0),
            parsed.tokens.get("output_tokens", 0),
        )
        return parsed

    def trajectory_source(self, ctx: RunContext) -> Path | None:
        return self.trajectory_file(ctx)


def parse_trae_trajectory(text: str, max_steps: int | None = None) -> Parsed:
    """Parse a TRAE trajectory JSON (``agent_steps``, ``llm_interactions``, ``success``)."""
    parsed = Parsed()
    try:
        data = json.loads(text) if text.strip() else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        parsed.failure = "no TRAE trajectory was written (the run crashed or was killed)"
        return parsed
    steps = [s for s in data.get("agent_steps") or [] if isinstance(s, dict)]
    tokens: dict[str, int] = {}
    for call in data.get("llm_interactions") or []:
        usage = ((call or {}).get("response") or {}).get("usage") or {}
        for name in ("input_tokens", "output_tokens", "cache_read_input_tokens"):
            value = usage.get(name)
            if isinstance(value, int | float):
                tokens[name] = tokens.get(name, 0) + int(value)
    parsed.turns = len(steps) or None
    parsed.tokens = tokens
    step_errors = [str(s["error"]) for s in steps if s.get("error")]
    parsed.details = {
        "trae_success": data.get("success"),
        "execution_time_s": data.get("execution_time"),
        "final_result": str(data.get("final_result") or "")[:500],
    }
    if data.get("success"):
        parsed.finished = True
    elif max_steps and len(steps) >= max_steps:
        parsed.budget_stop = "max_steps"
    else:
        detail = "; ".join(e[:300] for e in step_errors[-3:]) or str(data.get("final_result") or "")
        parsed.failure = "trae did not finish" + (f": {detail[:300]}" if detail else "")
    return parsed


claude_code = ClaudeCode()
codex_cli = CodexCLI()
openhands = OpenHands()
trae = Trae()
