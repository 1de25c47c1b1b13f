"""Claude Code (npm ``@anthropic-ai/claude-code``) as an agent adapter, and its stream-json parser.

Verified against the real CLI (2.1.197) in tests/test_agent_clis.py with a loopback fake provider.
"""

from __future__ import annotations

from pathlib import Path

from isobench.agents.cli import CLIAdapter, RunContext, extra_args
from isobench.agents.cli_output import Parsed, json_lines, read_text
from isobench.process import ProcessOutcome


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
        return argv + extra_args(ctx)

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


claude_code = ClaudeCode()
