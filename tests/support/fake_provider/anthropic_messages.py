"""Anthropic Messages (``POST /v1/messages``), plain and streamed (Claude Code's API)."""

from __future__ import annotations

import json

from tests.support.fake_provider.behaviours import Reply, call_id, reply_tokens

PATHS = ("/v1/messages",)


def render(body: dict, reply: Reply, request_id: str) -> dict:
    prompt = json.dumps([body.get("system", ""), body.get("messages", [])])
    input_tokens, output_tokens = reply_tokens(reply, prompt)
    stop = {"stop": "end_turn", "length": "max_tokens"}.get(reply.finish_reason, "end_turn")
    content: list[dict] = [{"type": "text", "text": reply.text}] if reply.text else []
    for i, call in enumerate(reply.tool_calls):
        content.append(
            {
                "type": "tool_use",
                "id": call_id(call, request_id, i, "toolu_"),
                "name": call.name,
                "input": call.arguments,
            }
        )
    if reply.tool_calls and reply.finish_reason == "stop":
        stop = "tool_use"
    if not content:
        content = [{"type": "text", "text": ""}]
    return {
        "id": f"msg_{request_id}",
        "type": "message",
        "role": "assistant",
        "model": reply.model or body.get("model", "fake-model"),
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
    }


def _block_events(index: int, block: dict) -> list:
    """content_block_start / _delta / _stop of one text or tool_use block."""
    if block["type"] == "text":
        opened = {"type": "text", "text": ""}
        delta = {"type": "text_delta", "text": block["text"]}
    else:
        opened = {**block, "input": {}}
        delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
    return [
        (
            "content_block_start",
            {"type": "content_block_start", "index": index, "content_block": opened},
        ),
        ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}),
        ("content_block_stop", {"type": "content_block_stop", "index": index}),
    ]


def render_stream(body: dict, reply: Reply, request_id: str) -> list:
    full = render(body, reply, request_id)
    usage = full["usage"]
    start = {**full, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 1}}
    events: list = [("message_start", {"type": "message_start", "message": start})]
    for index, block in enumerate(full["content"]):
        events += _block_events(index, block)
    events += [
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": full["stop_reason"], "stop_sequence": None},
                "usage": {"output_tokens": usage["output_tokens"]},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    return events
