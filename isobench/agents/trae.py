"""TRAE agent (bytedance/trae-agent, ``trae-cli``) as an agent adapter, and its trajectory parser.

TRAE is published on neither PyPI nor npm (no ``trae-agent``, ``trae_agent`` or ``trae-cli``
distribution; no ``trae-agent`` / ``@bytedance/trae-agent`` package), and its git install needs
GitHub, which the project's machines cannot reach; so it is covered by command-line and parsing
tests with a stand-in CLI only (tests/test_agent_adapters.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from isobench.agents.cli import CLIAdapter, RunContext, extra_args
from isobench.agents.cli_output import Parsed, estimated_cost, read_text
from isobench.process import ProcessOutcome


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
        return argv + extra_args(ctx)

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


trae = Trae()
