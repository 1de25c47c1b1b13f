"""OpenAI Chat Completions (``POST /v1/chat/completions``), plain and streamed."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.support.fake_provider.behaviours import Reply, call_id, reply_tokens

PATHS = ("/v1/chat/completions", "/chat/completions")


def render(body: dict, reply: Reply, request_id: str) -> dict:
    prompt_tokens, completion_tokens = reply_tokens(reply, json.dumps(body.get("messages", [])))
    message: dict[str, Any] = {"role": "assistant", "content": reply.text}
    finish = reply.finish_reason
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": call_id(call, request_id, i, "call_"),
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
            }
            for i, call in enumerate(reply.tool_calls)
        ]
        finish = "tool_calls" if finish == "stop" else finish
    return {
        "id": f"chatcmpl-{request_id}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": reply.model or body.get("model", "fake-model"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def render_stream(body: dict, reply: Reply, request_id: str) -> list:
    """Chunks: one delta with everything, one with the finish reason, usage if asked, [DONE]."""
    full = render(body, reply, request_id)
    head = {k: full[k] for k in ("id", "created", "model")} | {"object": "chat.completion.chunk"}
    message = full["choices"][0]["message"]
    delta: dict[str, Any] = {"role": "assistant", "content": message["content"]}
    if "tool_calls" in message:
        delta["tool_calls"] = [{"index": i, **tc} for i, tc in enumerate(message["tool_calls"])]
    finish = full["choices"][0]["finish_reason"]
    events = [
        (None, head | {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]}),
        (None, head | {"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}),
    ]
    if (body.get("stream_options") or {}).get("include_usage"):
        events.append((None, head | {"choices": [], "usage": full["usage"]}))
    events.append((None, "[DONE]"))
    return events
