"""The OpenAI Codex CLI (npm ``@openai/codex``) as an agent adapter, and its ``--json`` event parser.

Verified against the real CLI (0.169.0) in tests/test_agent_clis.py with a loopback fake provider.
"""

from __future__ import annotations

import json
from pathlib import Path

from isobench.agents.cli import CLIAdapter, RunContext, extra_args
from isobench.agents.cli_output import Parsed, estimated_cost, json_lines, read_text
from isobench.process import ProcessOutcome


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
        return argv + extra_args(ctx) + ["-"]

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


codex_cli = CodexCLI()
