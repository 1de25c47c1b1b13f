"""OpenAI Responses (``POST /v1/responses``), plain and streamed (Codex's API)."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.support.fake_provider.behaviours import Reply, ToolCall, call_id, reply_tokens

PATHS = ("/v1/responses", "/responses")


def _tool_item(call: ToolCall, request_id: str, index: int) -> dict:
    """A ``function_call``, ``custom_tool_call`` or ``local_shell_call`` output item."""
    cid = call_id(call, request_id, index, "call_")
    item: dict[str, Any] = {"id": f"fc_{request_id}{index}", "status": "completed"}
    if call.kind == "custom":
        return item | {
            "type": "custom_tool_call",
            "call_id": cid,
            "name": call.name,
            "input": call.arguments.get("input", ""),
        }
    if call.kind == "local_shell":
        return item | {
            "type": "local_shell_call",
            "call_id": cid,
            "action": {"type": "exec", "env": {}, **call.arguments},
        }
    return item | {
        "type": "function_call",
        "call_id": cid,
        "name": call.name,
        "arguments": json.dumps(call.arguments),
    }


def _output(reply: Reply, request_id: str) -> list[dict]:
    output: list[dict] = []
    if reply.text:
        output.append(
            {
                "type": "message",
                "id": f"msg_{request_id}",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": reply.text, "annotations": []}],
            }
        )
    output += [_tool_item(call, request_id, i) for i, call in enumerate(reply.tool_calls)]
    return output


def render(body: dict, reply: Reply, request_id: str) -> dict:
    prompt = json.dumps([body.get("instructions", ""), body.get("input", [])])
    input_tokens, output_tokens = reply_tokens(reply, prompt)
    return {
        "id": f"resp_{request_id}",
        "object": "response",
        "created_at": int(time.time()),
        "status": "completed" if reply.finish_reason != "length" else "incomplete",
        "model": reply.model or body.get("model", "fake-model"),
        "output": _output(reply, request_id),
        "usage": {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": input_tokens + output_tokens,
        },
    }


def render_stream(body: dict, reply: Reply, request_id: str) -> list:
    full = render(body, reply, request_id)
    pending = {**full, "status": "in_progress", "output": [], "usage": None}
    events: list = [
        ("response.created", {"type": "response.created", "response": pending}),
        ("response.in_progress", {"type": "response.in_progress", "response": pending}),
    ]
    for index, item in enumerate(full["output"]):
        for kind in ("response.output_item.added", "response.output_item.done"):
            events.append((kind, {"type": kind, "output_index": index, "item": item}))
    events.append(("response.completed", {"type": "response.completed", "response": full}))
    return events
