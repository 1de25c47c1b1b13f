"""Ask, parse, and on an unusable reply ask once more with the error: the classifier's and the
judge's conversation shape (test synthesis has its own loop: its checks run code).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# parse(text) -> (value, error): value None means the reply is unusable, error says why.
Parse = Callable[[str], tuple[Any, str]]


def complete_with_repair(
    client,
    stage: str,
    model: str,
    messages: list[dict],
    params: dict,
    parse: Parse,
    repair_message: Callable[[str], str],
    repairs: int = 1,
) -> tuple[Any, list, list[str]]:
    """(value, responses, errors): up to ``repairs`` follow-ups, each sending the conversation so
    far plus ``repair_message(error)``. ``value`` is None when every reply was unusable;
    ``errors`` holds the parse error of each unusable reply, in order."""
    conversation = list(messages)
    responses = [client.complete(stage, model, conversation, **params)]
    value, error = parse(responses[-1].text)
    errors: list[str] = []
    while value is None:
        errors.append(error)
        if len(responses) > repairs:
            break
        conversation = [
            *conversation,
            {"role": "assistant", "content": responses[-1].text},
            {"role": "user", "content": repair_message(error)},
        ]
        responses.append(client.complete(stage, model, conversation, **params))
        value, error = parse(responses[-1].text)
    return value, responses, errors


def summed_cost(responses: list) -> float | None:
    """Sum of the responses' costs; None when any is unknown (a partial sum would understate)."""
    costs = [r.cost_usd for r in responses]
    return None if any(c is None for c in costs) else sum(costs)
