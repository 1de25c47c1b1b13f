"""What the fake provider answers a request with: scripted behaviours, API-independent."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ToolCall:
    """A scripted tool call of the model: ``name`` with JSON ``arguments``.

    ``kind`` matters for the Responses API only: ``function`` (a ``function_call`` item with JSON
    arguments), ``custom`` (a ``custom_tool_call`` whose ``input`` is ``arguments["input"]``, e.g.
    Codex's freeform ``apply_patch``) or ``local_shell`` (a ``local_shell_call`` running
    ``arguments["command"]``, an argv list).
    """

    name: str
    arguments: dict = field(default_factory=dict)
    call_id: str | None = None  # None: generated
    kind: str = "function"


@dataclass
class Reply:
    """A successful completion whose assistant message is ``text`` (plus optional tool calls)."""

    text: str
    prompt_tokens: int | None = None  # None: estimated from the request (len/4)
    completion_tokens: int | None = None  # None: estimated from ``text`` (len/4)
    finish_reason: str = "stop"  # with tool calls, "stop" is rendered as the API's tool stop
    model: str | None = None  # None: echo the requested model
    tool_calls: list[ToolCall] = field(default_factory=list)


@dataclass
class HTTPError:
    """An error response: ``status`` with an OpenAI-style JSON error body."""

    status: int
    message: str = "fake provider error"
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None  # raw body instead of the JSON error object


def RateLimit(retry_after: float | None = 0, message: str = "rate limited (fake)") -> HTTPError:
    """HTTP 429 with an optional ``retry-after`` header (seconds)."""
    headers = {} if retry_after is None else {"retry-after": f"{retry_after:g}"}
    return HTTPError(429, message, headers)


@dataclass
class Delay:
    """Sleep ``seconds`` (interruptible by server shutdown), then answer with ``then``."""

    seconds: float
    then: Any = None  # None: Reply("late")


@dataclass
class Garbage:
    """HTTP 200 whose body is not JSON."""

    body: bytes = b"<html>this is not JSON</html>"
    content_type: str = "application/json"


Behaviour = Reply | HTTPError | Delay | Garbage | Callable[[dict], Any]


# --------------------------------------------------------------------------------------------
# Helpers of the per-API renderers.


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def reply_tokens(reply: Reply, prompt: str) -> tuple[int, int]:
    """(prompt, completion) tokens of a reply: its own counts, else estimated from the text."""
    prompt_tokens = (
        reply.prompt_tokens if reply.prompt_tokens is not None else estimate_tokens(prompt)
    )
    completion = reply.text + json.dumps([c.arguments for c in reply.tool_calls])
    completion_tokens = (
        reply.completion_tokens
        if reply.completion_tokens is not None
        else estimate_tokens(completion)
    )
    return prompt_tokens, completion_tokens


def call_id(call: ToolCall, request_id: str, index: int, prefix: str) -> str:
    return call.call_id or f"{prefix}{request_id}{index}"
