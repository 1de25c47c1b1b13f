"""A loopback fake LLM provider: a real HTTP server on 127.0.0.1 that scripted tests drive.

It speaks enough of the OpenAI Chat Completions API (``POST /v1/chat/completions``), the
Anthropic Messages API (``POST /v1/messages``) and the OpenAI Responses API (``POST
/v1/responses``) for litellm's real HTTP path and for the real coding-agent CLIs (Claude Code,
Codex), each with or without streaming (``"stream": true`` -> server-sent events), and replays a
queue of scripted behaviours, one per request:

    with FakeProvider() as fake:
        fake.push(RateLimit(retry_after=0), Reply("[ANSWER]YES[/ANSWER]"))
        litellm.completion(model="openai/fake", api_base=fake.api_base, api_key="sk-dummy", ...)
        assert fake.count == 2

Behaviours: :class:`Reply` (assistant text, optionally with scripted :class:`ToolCall` s that
the API's format renders as tool calls: ``tool_calls`` in chat completions, ``tool_use`` blocks in
Anthropic messages, ``function_call`` / ``custom_tool_call`` / ``local_shell_call`` items in
responses), :class:`HTTPError` / :class:`RateLimit` (status,
body, headers such as ``retry-after``), :class:`Delay` (sleep, then another behaviour: longer
than the client timeout it makes the client give up), :class:`Garbage` (a 200 with a non-JSON
body), or any callable ``f(request) -> behaviour`` (answers computed from the request).  When the
queue is empty the ``default`` behaviour answers (by default an HTTP 500 saying so, so a test that
sends more requests than it scripted fails loudly).

Every request is recorded (:attr:`FakeProvider.requests`: path, parsed JSON body, headers) and
counted (:attr:`FakeProvider.count`).  Another API is added by registering a path in
:attr:`FakeProvider.routes` with a function that renders a :class:`Reply` in that API's format
(and in :attr:`FakeProvider.stream_routes` with one that renders it as a list of SSE events);
errors, delays and garbage are API-independent.  ``GET`` requests (model lists, health checks
some clients make) are recorded too and answered from :attr:`FakeProvider.get_routes`, else 404.

Agent CLIs make side requests (titles, quota probes) besides their main loop, so a CLI test
usually scripts with a callable ``default`` that looks at the request (:func:`has_tool_result`,
:func:`tool_names`) rather than with a fixed queue.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
# Per-API renderers of a Reply: (request body, reply, request id) -> JSON-able response object.
# Stream renderers: (request body, reply, request id) -> [(event name or None, JSON-able data)].


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _tokens(reply: Reply, prompt: str) -> tuple[int, int]:
    prompt_tokens = (
        reply.prompt_tokens if reply.prompt_tokens is not None else _estimate_tokens(prompt)
    )
    completion = reply.text + json.dumps([c.arguments for c in reply.tool_calls])
    completion_tokens = (
        reply.completion_tokens
        if reply.completion_tokens is not None
        else _estimate_tokens(completion)
    )
    return prompt_tokens, completion_tokens


def _call_id(call: ToolCall, request_id: str, index: int, prefix: str) -> str:
    return call.call_id or f"{prefix}{request_id}{index}"


def _openai_chat(body: dict, reply: Reply, request_id: str) -> dict:
    prompt_tokens, completion_tokens = _tokens(reply, json.dumps(body.get("messages", [])))
    message: dict[str, Any] = {"role": "assistant", "content": reply.text}
    finish = reply.finish_reason
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": _call_id(call, request_id, i, "call_"),
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


def _openai_chat_stream(body: dict, reply: Reply, request_id: str) -> list:
    full = _openai_chat(body, reply, request_id)
    head = {k: full[k] for k in ("id", "created", "model")} | {"object": "chat.completion.chunk"}
    message = full["choices"][0]["message"]
    delta: dict[str, Any] = {"role": "assistant", "content": message["content"]}
    if "tool_calls" in message:
        delta["tool_calls"] = [{"index": i, **tc} for i, tc in enumerate(message["tool_calls"])]
    events = [
        (None, head | {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]}),
        (
            None,
            head
            | {
                "choices": [
                    {"index": 0, "delta": {}, "finish_reason": full["choices"][0]["finish_reason"]}
                ]
            },
        ),
    ]
    if (body.get("stream_options") or {}).get("include_usage"):
        events.append((None, head | {"choices": [], "usage": full["usage"]}))
    events.append((None, "[DONE]"))
    return events


def _anthropic_messages(body: dict, reply: Reply, request_id: str) -> dict:
    prompt = json.dumps([body.get("system", ""), body.get("messages", [])])
    input_tokens, output_tokens = _tokens(reply, prompt)
    stop = {"stop": "end_turn", "length": "max_tokens"}.get(reply.finish_reason, "end_turn")
    content: list[dict] = [{"type": "text", "text": reply.text}] if reply.text else []
    for i, call in enumerate(reply.tool_calls):
        content.append(
            {
                "type": "tool_use",
                "id": _call_id(call, request_id, i, "toolu_"),
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


def _anthropic_messages_stream(body: dict, reply: Reply, request_id: str) -> list:
    full = _anthropic_messages(body, reply, request_id)
    usage = full["usage"]
    start = {**full, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 1}}
    events: list = [("message_start", {"type": "message_start", "message": start})]
    for index, block in enumerate(full["content"]):
        if block["type"] == "text":
            opened, delta = (
                {"type": "text", "text": ""},
                {"type": "text_delta", "text": block["text"]},
            )
        else:
            opened = {**block, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        events += [
            (
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": opened},
            ),
            (
                "content_block_delta",
                {"type": "content_block_delta", "index": index, "delta": delta},
            ),
            ("content_block_stop", {"type": "content_block_stop", "index": index}),
        ]
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


def _responses_output(reply: Reply, request_id: str) -> list[dict]:
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
    for i, call in enumerate(reply.tool_calls):
        call_id = _call_id(call, request_id, i, "call_")
        item: dict[str, Any] = {"id": f"fc_{request_id}{i}", "status": "completed"}
        if call.kind == "custom":
            item |= {
                "type": "custom_tool_call",
                "call_id": call_id,
                "name": call.name,
                "input": call.arguments.get("input", ""),
            }
        elif call.kind == "local_shell":
            item |= {
                "type": "local_shell_call",
                "call_id": call_id,
                "action": {"type": "exec", "env": {}, **call.arguments},
            }
        else:
            item |= {
                "type": "function_call",
                "call_id": call_id,
                "name": call.name,
                "arguments": json.dumps(call.arguments),
            }
        output.append(item)
    return output


def _openai_responses(body: dict, reply: Reply, request_id: str) -> dict:
    prompt = json.dumps([body.get("instructions", ""), body.get("input", [])])
    input_tokens, output_tokens = _tokens(reply, prompt)
    return {
        "id": f"resp_{request_id}",
        "object": "response",
        "created_at": int(time.time()),
        "status": "completed" if reply.finish_reason != "length" else "incomplete",
        "model": reply.model or body.get("model", "fake-model"),
        "output": _responses_output(reply, request_id),
        "usage": {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": input_tokens + output_tokens,
        },
    }


def _openai_responses_stream(body: dict, reply: Reply, request_id: str) -> list:
    full = _openai_responses(body, reply, request_id)
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


DEFAULT_ROUTES: dict[str, Callable[[dict, Reply, str], dict]] = {
    "/v1/chat/completions": _openai_chat,
    "/chat/completions": _openai_chat,
    "/v1/messages": _anthropic_messages,
    "/v1/responses": _openai_responses,
    "/responses": _openai_responses,
}
DEFAULT_STREAM_ROUTES: dict[str, Callable[[dict, Reply, str], list]] = {
    "/v1/chat/completions": _openai_chat_stream,
    "/chat/completions": _openai_chat_stream,
    "/v1/messages": _anthropic_messages_stream,
    "/v1/responses": _openai_responses_stream,
    "/responses": _openai_responses_stream,
}


# --------------------------------------------------------------------------------------------
# Helpers for scripting agents by request content.


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
    kinds = {
        "tool_result",
        "function_call_output",
        "custom_tool_call_output",
        "local_shell_call_output",
    }
    return sum(1 for p in _message_parts(body) if p.get("role") == "tool" or p.get("type") in kinds)


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


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep tests quiet
        pass

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        raw = self._read_body()
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"_unparsed": raw.decode("utf-8", "replace")}
        path = self.path.split("?", 1)[0]
        provider = self.server.provider
        request = {"path": path, "body": body, "headers": dict(self.headers.items())}
        behaviour = provider._next(request)
        self._answer(path, body, behaviour, request["headers"])

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        path = self.path.split("?", 1)[0]
        provider = self.server.provider
        with provider._lock:
            provider.get_requests.append({"path": path, "headers": dict(self.headers.items())})
        data = provider.get_routes.get(path)
        if data is None:
            self._send(404, json.dumps({"error": {"message": f"no route GET {path}"}}).encode(), {})
            return
        self._send(200, json.dumps(data).encode(), {"content-type": "application/json"})

    def _answer(self, path: str, body: dict, behaviour: Any, headers: dict | None = None) -> None:
        provider = self.server.provider
        while callable(behaviour) and not isinstance(behaviour, type):
            behaviour = behaviour({"path": path, "body": body, "headers": headers or {}})
        if isinstance(behaviour, Delay):
            if provider._stopping.wait(behaviour.seconds):
                return
            self._answer(
                path,
                body,
                behaviour.then if behaviour.then is not None else Reply("late"),
                headers,
            )
            return
        if isinstance(behaviour, Garbage):
            self._send(200, behaviour.body, {"content-type": behaviour.content_type})
            return
        if isinstance(behaviour, HTTPError):
            payload = behaviour.body
            if payload is None:
                error_type = {429: "rate_limit_error", 401: "authentication_error"}.get(
                    behaviour.status,
                    "server_error" if behaviour.status >= 500 else "invalid_request_error",
                )
                payload = json.dumps(
                    {"error": {"message": behaviour.message, "type": error_type, "code": None}}
                ).encode()
            self._send(
                behaviour.status, payload, {"content-type": "application/json", **behaviour.headers}
            )
            return
        if isinstance(behaviour, Reply):
            if body.get("stream") is True and path in provider.stream_routes:
                events = provider.stream_routes[path](body, behaviour, uuid.uuid4().hex[:12])
                self._send(200, _sse(events), {"content-type": "text/event-stream"})
                return
            render = provider.routes.get(path)
            if render is None:
                self._send(404, json.dumps({"error": {"message": f"no route {path}"}}).encode(), {})
                return
            data = render(body, behaviour, uuid.uuid4().hex[:12])
            self._send(200, json.dumps(data).encode(), {"content-type": "application/json"})
            return
        raise TypeError(f"fake provider: unknown behaviour {behaviour!r}")

    def _send(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout): nothing to answer


def _sse(events: list) -> bytes:
    """Server-sent events: ``event: <name>`` (when named) and ``data: <json>`` per event."""
    out = []
    for name, data in events:
        text = data if isinstance(data, str) else json.dumps(data)
        out.append((f"event: {name}\n" if name else "") + f"data: {text}\n\n")
    return "".join(out).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    provider: FakeProvider


class FakeProvider:
    """A scripted fake provider on an ephemeral loopback port; use as a context manager."""

    def __init__(self, *behaviours: Behaviour, default: Behaviour | None = None) -> None:
        self.routes: dict[str, Callable[[dict, Reply, str], dict]] = dict(DEFAULT_ROUTES)
        self.stream_routes: dict[str, Callable[[dict, Reply, str], list]] = dict(
            DEFAULT_STREAM_ROUTES
        )
        self.get_routes: dict[str, Any] = {"/v1/models": {"object": "list", "data": []}}
        self.get_requests: list[dict] = []
        self.default: Behaviour = (
            default if default is not None else HTTPError(500, "fake provider: script exhausted")
        )
        self.requests: list[dict] = []
        self._queue: deque = deque(behaviours)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle ---------------------------------------------------------------------------
    def start(self) -> FakeProvider:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.provider = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # script ------------------------------------------------------------------------------
    def push(self, *behaviours: Behaviour) -> FakeProvider:
        with self._lock:
            self._queue.extend(behaviours)
        return self

    def _next(self, request: dict) -> Behaviour:
        with self._lock:
            self.requests.append(request)
            return self._queue.popleft() if self._queue else self.default

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    # introspection -----------------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._server is not None, "fake provider not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """What litellm's ``api_base`` wants for ``openai/<name>`` models."""
        return f"{self.url}/v1"

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    def bodies(self) -> list[dict]:
        with self._lock:
            return [r["body"] for r in self.requests]

    def last_user_message(self) -> str:
        """The text of the last user message of the latest request (OpenAI or Anthropic)."""
        messages = self.bodies()[-1].get("messages", [])
        for message in reversed(messages):
            if message.get("role") == "user":
                content = message.get("content")
                if isinstance(content, list):
                    return "".join(part.get("text", "") for part in content)
                return content or ""
        return ""
