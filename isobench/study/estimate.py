"""``isobench estimate``: what the configured study costs, before it runs.

LLM spend:
- agents: attempts (tasks x K per agent) x the cost of one run: measured (the mean ``cost_usd``
  of that agent's archived runs, ``run_archive``), else its ``budgets.cost_usd`` cap, else the
  assumed ``--agent-run-usd``; the source of every number is printed beside it;
- LLM stages (judge, LLM test synthesis, LLM mining): calls x the mean prompt and completion
  tokens per call of that stage in the record store (its token accounting; the demo's store when
  the configured one has none), priced at the stage model's litellm or ``llm.prices`` price.

GPU hours: bench jobs (tasks this machine can run x agents x K) x runs per job (3 variants x
(warm-up + repetitions) rounds) x the time of one run: measured (mean ``wall_s`` of existing bench
samples of the repository), else the assumed ``--run-minutes``; the upper bound uses
``evaluation.timeout_s``. Agent time is wall-clock (no GPU), at most ``budgets.wall_clock_s``.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path

DEMO_STORE = "demo/llm-store"
DEFAULT_AGENT_RUN_USD = 2.0
DEFAULT_RUN_MINUTES = 5.0
DEFAULT_COMMITS = 15234 + 8421  # vLLM + SGLang histories as the paper counts them
VARIANTS = 3  # base, human, agent


@dataclass
class Line:
    what: str
    units: float
    per_unit: float | None
    total: float | None
    source: str


def _agent_llm_name(agent: dict) -> str | None:
    """The litellm name of an agent's model (the CLIs take bare ids)."""
    model = agent.get("model")
    prefix = {"claude_code": "anthropic", "codex_cli": "openai"}.get(agent["adapter"])
    if model and prefix and "/" not in model:
        return f"{prefix}/{model}"
    return model


def archived_runs(archive: Path) -> list[dict]:
    runs = []
    for path in sorted(archive.glob("??/*/run.json")) if archive.is_dir() else []:
        try:
            runs.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return runs


def agent_lines(config: dict, tasks: dict, args) -> list[Line]:
    from isobench.dag import BUILTIN_ADAPTERS

    n_tasks = sum(len(entries) for entries in tasks.values())
    runs = archived_runs(Path(config["run_archive"]))
    lines = []
    for agent in config["agents"]:
        if agent["adapter"] in BUILTIN_ADAPTERS:
            continue
        attempts = n_tasks * int(agent.get("attempts", 1))
        costs = [r["cost_usd"] for r in runs if r.get("agent") == agent["id"] and r.get("cost_usd")]
        cap = (agent.get("budgets") or {}).get("cost_usd")
        if costs:
            per, source = statistics.mean(costs), f"measured: {len(costs)} archived runs"
        elif cap:
            per, source = float(cap), "budgets.cost_usd (a cap: an upper bound)"
        else:
            per, source = args.agent_run_usd, "assumed (--agent-run-usd)"
        model = _agent_llm_name(agent) or "its default model"
        lines.append(Line(f"agent {agent['id']} ({model})", attempts, per, attempts * per, source))
    return lines


def _stage_units(config: dict, tasks: dict, args) -> dict[str, tuple[int, str]]:
    n_tasks = sum(len(entries) for entries in tasks.values())
    attempts = sum(n_tasks * int(a.get("attempts", 1)) for a in config["agents"])
    units = {}
    if str(config["judge"]["enabled"]).lower() == "true":
        units["judge"] = (attempts, "judge")
    if config["synthesis"]["source"] == "llm":
        units["synthesize"] = (n_tasks, "synthesis")
    if config["mining"]["classifier"] == "llm":
        units["classify"] = (args.commits, "mining")
    return units


def stage_lines(config: dict, tasks: dict, args) -> list[Line]:
    from isobench.llm import RecordStore
    from isobench.llm.costs import cost_for, per_call_profile

    profiles = {}
    for store in (config["llm"]["store"], DEMO_STORE):
        profiles[store] = per_call_profile(RecordStore(store).entries())
    prices = {k: tuple(v) for k, v in (config["llm"].get("prices") or {}).items()}
    lines = []
    for stage, (units, section) in _stage_units(config, tasks, args).items():
        model = config[section].get("model") or config["llm"]["model"]
        store = next((s for s, p in profiles.items() if stage in p), None)
        if store is None:
            lines.append(Line(f"{stage} ({model})", units, None, None, "no calls recorded"))
            continue
        row = profiles[store][stage]
        prompt, completion = row["mean_prompt_tokens"], row["mean_completion_tokens"]
        per = cost_for(model, round(prompt), round(completion), prices=prices)
        source = f"{store}: {prompt:.0f} + {completion:.0f} tokens per call ({row['calls']} calls)"
        if not per:  # litellm's map prices some routes (OpenRouter's) at 0: not a real price
            per, source = None, source + "; unpriced model (set llm.prices)"
        total = None if per is None else per * units
        lines.append(Line(f"{stage} ({model})", units, per, total, source))
    return lines


def measured_run_s(repo: str) -> list[float]:
    walls = []
    for path in Path("results/bench").glob(f"*/{repo}/*/*.json"):
        try:
            samples = json.loads(path.read_text(encoding="utf-8")).get("samples") or []
        except (OSError, ValueError):
            continue
        walls += [s["wall_s"] for s in samples if s.get("wall_s") and not s.get("error")]
    return walls


def gpu_lines(config: dict, tasks: dict, args) -> list[Line]:
    evaluation = config["evaluation"]
    rounds = int(evaluation["warmup"]) + int(evaluation["repetitions"])
    k_total = sum(int(a.get("attempts", 1)) for a in config["agents"])
    lines = []
    for repo, entries in sorted(tasks.items()):
        gpus = int(config["repos"][repo].get("gpus", 0))
        if gpus == 0:
            continue
        runnable = [e for e in entries if (e.needed_gpus() or 1) <= gpus]
        jobs = len(runnable) * k_total
        runs = jobs * VARIANTS * rounds
        walls = measured_run_s(repo)
        if walls:
            per_h, source = statistics.mean(walls) / 3600, f"measured: {len(walls)} bench runs"
        else:
            per_h, source = args.run_minutes / 60, "assumed (--run-minutes)"
        skipped = len(entries) - len(runnable)
        what = (
            f"bench {repo}: {len(runnable)} tasks x {k_total} attempts x {VARIANTS * rounds} runs"
        )
        if skipped:
            what += f" ({skipped} tasks skipped_hardware)"
        lines.append(Line(what, runs, per_h * gpus, runs * per_h * gpus, source))
        upper = float(evaluation["timeout_s"]) / 3600 * gpus
        lines.append(
            Line(f"  upper bound {repo}", runs, upper, runs * upper, "evaluation.timeout_s")
        )
    return lines


def agent_hours(config: dict, tasks: dict) -> float:
    from isobench.dag import BUILTIN_ADAPTERS

    n_tasks = sum(len(entries) for entries in tasks.values())
    total = 0.0
    for agent in config["agents"]:
        if agent["adapter"] not in BUILTIN_ADAPTERS:
            wall = float((agent.get("budgets") or {}).get("wall_clock_s", 7200))
            total += n_tasks * int(agent.get("attempts", 1)) * wall / 3600
    return total


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "?"
    if unit == "$":
        return f"${value:,.4f}" if value < 0.1 else f"${value:,.2f}"
    return f"{value:,.3f} h" if value < 1 else f"{value:,.1f} h"


def render(title: str, lines: list[Line], unit: str) -> list[str]:
    out = [title]
    for line in lines:
        per = _fmt(line.per_unit, unit)
        total = _fmt(line.total, unit)
        out.append(f"  {line.what}: {line.units:,.0f} x {per} = {total}  [{line.source}]")
    totals = [line.total for line in lines if not line.what.startswith("  upper")]
    known = None if any(t is None for t in totals) else sum(totals)
    out.append(
        f"  total: {_fmt(known, unit)}" + (" (some items unpriced)" if known is None else "")
    )
    return out


def estimate(config: dict, tasks: dict, args) -> str:
    llm = agent_lines(config, tasks, args) + stage_lines(config, tasks, args)
    gpu = gpu_lines(config, tasks, args)
    out = render("LLM spend", llm, "$") + render("GPU hours", gpu, "h")
    out.append(f"Agent wall-clock (no GPU): at most {agent_hours(config, tasks):,.1f} h")
    return "\n".join(out) + "\n"
