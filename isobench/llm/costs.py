"""What the LLM stages cost: per-(stage, model) tables and estimates for a full run.

Prices per call are :mod:`isobench.llm.prices`' (litellm's bundled map, or explicit ``prices``);
a model without a known price costs ``None`` (unknown), never 0 and never an exception.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Mapping
from typing import Any

from isobench.io import write_text_atomic
from isobench.llm.prices import cost_for

COLUMNS = (
    "stage",
    "model",
    "calls",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
    "calls_paid",
    "cost_paid_usd",
)


def estimate_cost(
    n_calls: int,
    prompt_tokens: int,
    completion_tokens: int,
    model: str,
    prices: Mapping[str, tuple[float, float]] | None = None,
) -> float | None:
    """USD for ``n_calls`` calls averaging ``prompt_tokens`` in and ``completion_tokens`` out.

    For "what would a full run cost" notes, e.g. ``estimate_cost(54 * 3, 12_000, 2_000,
    "openai/gpt-4o")`` for three judge calls per task on 54 tasks. None if the price is unknown.
    """
    one = cost_for(model, prompt_tokens, completion_tokens, prices=prices)
    return None if one is None else one * int(n_calls)


def _flat(entry: Any) -> dict:
    """A call record from a store entry, a flat record, or an LLMResponse."""
    if hasattr(entry, "record") and callable(entry.record):
        entry = entry.record()
    if "response" in entry:  # a store entry
        usage = (entry.get("response") or {}).get("usage") or {}
        model = (entry.get("request") or {}).get("model") or (entry.get("response") or {}).get(
            "model"
        )
        return {
            "stage": entry.get("stage") or "",
            "model": model or "",
            "prompt_tokens": int(usage.get("prompt_tokens") or 0),
            "completion_tokens": int(usage.get("completion_tokens") or 0),
            "cost_usd": entry.get("cost_usd"),
            "paid": True,  # every store entry was fetched (and paid) once, when recorded
        }
    return {
        "stage": entry.get("stage") or "",
        "model": entry.get("model") or "",
        "prompt_tokens": int(entry.get("prompt_tokens") or 0),
        "completion_tokens": int(entry.get("completion_tokens") or 0),
        "cost_usd": entry.get("cost_usd"),
        "paid": not entry.get("cached", False),
    }


def _add(total: float | None, cost) -> float | None:
    return None if total is None or cost is None else total + float(cost)


def cost_table(entries: Iterable[Any], *, total: bool = False) -> list[dict]:
    """One row per (stage, model): calls, token sums and cost, sorted by stage then model.

    ``entries`` may be store entries (:meth:`RecordStore.entries`), flat call records
    (:attr:`LLMClient.calls`, :meth:`LLMResponse.record`) or LLMResponse objects.  ``cost_usd``
    of a row is None when any of its calls has no known price (a partial sum would understate
    it).  ``total=True`` appends a row with stage and model ``"*"``.

    Two views of money per row: ``cost_usd`` is what the calls cost by the store's accounting
    (the recorded cost, whether this run replayed the response or fetched it: what the study
    costs), ``calls_paid`` / ``cost_paid_usd`` only the calls that went to a provider (a replayed
    call is free: in a replay run both are 0; a store entry counts as paid once, when recorded).
    """
    groups: dict[tuple[str, str], dict] = {}
    for raw in entries:
        rec = _flat(raw)
        row = groups.setdefault(
            (rec["stage"], rec["model"]),
            {
                "stage": rec["stage"],
                "model": rec["model"],
                "calls": 0,
                "prompt_tokens": 0,
                "completion_tokens": 0,
                "cost_usd": 0.0,
                "calls_paid": 0,
                "cost_paid_usd": 0.0,
            },
        )
        row["calls"] += 1
        row["prompt_tokens"] += rec["prompt_tokens"]
        row["completion_tokens"] += rec["completion_tokens"]
        row["cost_usd"] = _add(row["cost_usd"], rec["cost_usd"])
        if rec["paid"]:
            row["calls_paid"] += 1
            row["cost_paid_usd"] = _add(row["cost_paid_usd"], rec["cost_usd"])
    rows = [groups[k] for k in sorted(groups)]
    for row in rows:
        for name in ("cost_usd", "cost_paid_usd"):
            if row[name] is not None:
                row[name] = round(row[name], 8)
    if total:
        costs = [r["cost_usd"] for r in rows]
        paid = [r["cost_paid_usd"] for r in rows]
        rows.append(
            {
                "stage": "*",
                "model": "*",
                "calls": sum(r["calls"] for r in rows),
                "prompt_tokens": sum(r["prompt_tokens"] for r in rows),
                "completion_tokens": sum(r["completion_tokens"] for r in rows),
                "cost_usd": None if any(c is None for c in costs) else round(sum(costs), 8),
                "calls_paid": sum(r["calls_paid"] for r in rows),
                "cost_paid_usd": None if any(c is None for c in paid) else round(sum(paid), 8),
            }
        )
    return rows


def cost_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """CSV text of :func:`cost_table` rows (unknown cost = empty cell)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in COLUMNS})
    return out.getvalue()


def write_cost_csv(path: str | os.PathLike, rows: Iterable[Mapping[str, Any]]) -> None:
    write_text_atomic(path, cost_csv(rows))


def per_call_profile(entries: Iterable[Any]) -> dict[str, dict]:
    """Per stage: calls and mean prompt/completion tokens per call, from store entries.

    Repair calls are included, so a stage's mean reflects its conversations as they were
    actually sent (a repair resends the whole conversation so far).
    """
    out: dict[str, dict] = {}
    for raw in entries:
        rec = _flat(raw)
        row = out.setdefault(rec["stage"], {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0})
        row["calls"] += 1
        row["prompt_tokens"] += rec["prompt_tokens"]
        row["completion_tokens"] += rec["completion_tokens"]
    for row in out.values():
        row["mean_prompt_tokens"] = row["prompt_tokens"] / row["calls"]
        row["mean_completion_tokens"] = row["completion_tokens"] / row["calls"]
    return out


def study_estimate(
    profile: Mapping[str, Mapping],
    units: Mapping[str, tuple[int, int]],
    model: str,
    prices: Mapping[str, tuple[float, float]] | None = None,
) -> list[dict]:
    """What a study would cost with ``model``: one row per stage and a total.

    ``units[stage] = (study_units, measured_units)``: how many units (commits classified, tasks
    synthesized, attempts judged) the study has, and how many the measured ``profile`` came from;
    the study's calls are the profile's calls per unit times its units. Cost per call is the
    profile's mean tokens at ``model``'s litellm (or explicit) prices; None when unpriced.
    """
    rows = []
    for stage, (study_units, measured_units) in units.items():
        measured = profile.get(stage)
        if not measured or not measured_units:
            continue
        calls = measured["calls"] / measured_units * study_units
        prompt = measured["mean_prompt_tokens"]
        completion = measured["mean_completion_tokens"]
        one = cost_for(model, round(prompt), round(completion), prices=prices)
        rows.append(
            {
                "stage": stage,
                "model": model,
                "units": study_units,
                "calls_per_unit": round(measured["calls"] / measured_units, 3),
                "calls": round(calls),
                "prompt_tokens": round(calls * prompt),
                "completion_tokens": round(calls * completion),
                "cost_usd": None if one is None else round(one * calls, 2),
            }
        )
    costs = [r["cost_usd"] for r in rows]
    rows.append(
        {
            "stage": "*",
            "model": model,
            "units": None,
            "calls_per_unit": None,
            "calls": sum(r["calls"] for r in rows),
            "prompt_tokens": sum(r["prompt_tokens"] for r in rows),
            "completion_tokens": sum(r["completion_tokens"] for r in rows),
            "cost_usd": None if any(c is None for c in costs) else round(sum(costs), 2),
        }
    )
    return rows
