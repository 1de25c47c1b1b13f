"""Helpers for scripting agents by request content (any of the APIs)."""

from __future__ import annotations

import json

TOOL_RESULT_TYPES = {
    "tool_result",
    "function_call_output",
    "custom_tool_call_output",
    "local_shell_call_output",
}


def _message_parts(body: dict) -> list:
    """Every message / input item / content block of a request, flattened (any of the APIs)."""
    parts: list = []
    items = list(body.get("messages") or [])
    raw_input = body.get("input")
    if isinstance(raw_input, list):
        items += raw_input
    for item in items:
        if not isinstance(item, dict):
            continue
        parts.append(item)
        content = item.get("content")
        if isinstance(content, list):
            parts += [c for c in content if isinstance(c, dict)]
    return parts


def has_tool_result(body: dict) -> int:
    """How many tool results the conversation of a request carries (0: the first turn)."""
    return sum(
        1
        for p in _message_parts(body)
        if p.get("role") == "tool" or p.get("type") in TOOL_RESULT_TYPES
    )


def tool_results(body: dict) -> list[str]:
    """The text of every tool result of a request, oldest first (any of the APIs)."""
    out = []
    for part in _message_parts(body):
        if part.get("role") == "tool":
            value = part.get("content")
        elif part.get("type") == "tool_result":
            value = part.get("content")
        elif part.get("type") in ("function_call_output", "custom_tool_call_output"):
            value = part.get("output")
        else:
            continue
        if isinstance(value, list):
            value = "".join(v.get("text", "") for v in value if isinstance(v, dict))
        elif not isinstance(value, str):
            value = json.dumps(value)
        out.append(value)
    return out


def tool_names(body: dict) -> list[str]:
    """Names of the tools a request offers the model (chat, messages or responses format)."""
    names = []
    for tool in body.get("tools") or []:
        if not isinstance(tool, dict):
            continue
        name = tool.get("name") or (tool.get("function") or {}).get("name") or tool.get("type")
        if name:
            names.append(name)
    return names
