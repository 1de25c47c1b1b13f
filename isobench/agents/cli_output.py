"""Reading what a CLI run left behind: its JSON lines, its own account of how it ended, its
trajectory (kept beside run.json, redacted) and, where it reports none, its cost."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from isobench.io import write_text_atomic
from isobench.secrets import redact


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
