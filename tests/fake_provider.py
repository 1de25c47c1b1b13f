"""A loopback fake LLM provider: a real HTTP server on 127.0.0.1 that scripted tests drive.

It speaks enough of the OpenAI Chat Completions API (``POST /v1/chat/completions``) and the
Anthropic Messages API (``POST /v1/messages``) for litellm's real HTTP path, and replays a
queue of scripted behaviours, one per request:

    with FakeProvider() as fake:
        fake.push(RateLimit(retry_after=0), Reply("[ANSWER]YES[/ANSWER]"))
        litellm.completion(model="openai/fake", api_base=fake.api_base, api_key="sk-dummy", ...)
        assert fake.count == 2

Behaviours: :class:`Reply` (assistant text), :class:`HTTPError` / :class:`RateLimit` (status,
body, headers such as ``retry-after``), :class:`Delay` (sleep, then another behaviour: longer
than the client timeout it makes the client give up), :class:`Garbage` (a 200 with a non-JSON
body), or any callable ``f(request) -> behaviour`` (answers computed from the request).  When the
queue is empty the ``default`` behaviour answers (by default an HTTP 500 saying so, so a test that
sends more requests than it scripted fails loudly).

Every request is recorded (:attr:`FakeProvider.requests`: path, parsed JSON body, headers) and
counted (:attr:`FakeProvider.count`).  Another API is added by registering a path in
:attr:`FakeProvider.routes` with a function that renders a :class:`Reply` in that API's format;
errors, delays and garbage are API-independent.
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
class Reply:
    """A successful completion whose assistant message is ``text``."""

    text: str
    prompt_tokens: int | None = None  # None: estimated from the request (len/4)
    completion_tokens: int | None = None  # None: estimated from ``text`` (len/4)
    finish_reason: str = "stop"
    model: str | None = None  # None: echo the requested model


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


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _openai_chat(body: dict, reply: Reply, request_id: str) -> dict:
    prompt = json.dumps(body.get("messages", []))
    prompt_tokens = (
        reply.prompt_tokens if reply.prompt_tokens is not None else _estimate_tokens(prompt)
    )
    completion_tokens = (
        reply.completion_tokens
        if reply.completion_tokens is not None
        else _estimate_tokens(reply.text)
    )
    return {
        "id": f"chatcmpl-{request_id}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": reply.model or body.get("model", "fake-model"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.text},
                "finish_reason": reply.finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _anthropic_messages(body: dict, reply: Reply, request_id: str) -> dict:
    prompt = json.dumps([body.get("system", ""), body.get("messages", [])])
    input_tokens = (
        reply.prompt_tokens if reply.prompt_tokens is not None else _estimate_tokens(prompt)
    )
    output_tokens = (
        reply.completion_tokens
        if reply.completion_tokens is not None
        else _estimate_tokens(reply.text)
    )
    stop = {"stop": "end_turn", "length": "max_tokens"}.get(reply.finish_reason, "end_turn")
    return {
        "id": f"msg_{request_id}",
        "type": "message",
        "role": "assistant",
        "model": reply.model or body.get("model", "fake-model"),
        "content": [{"type": "text", "text": reply.text}],
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
    }


DEFAULT_ROUTES: dict[str, Callable[[dict, Reply, str], dict]] = {
    "/v1/chat/completions": _openai_chat,
    "/chat/completions": _openai_chat,
    "/v1/messages": _anthropic_messages,
}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep tests quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"_unparsed": raw.decode("utf-8", "replace")}
        path = self.path.split("?", 1)[0]
        provider = self.server.provider
        request = {"path": path, "body": body, "headers": dict(self.headers.items())}
        behaviour = provider._next(request)
        self._answer(path, body, behaviour)

    def _answer(self, path: str, body: dict, behaviour: Any) -> None:
        provider = self.server.provider
        while callable(behaviour) and not isinstance(behaviour, type):
            behaviour = behaviour({"path": path, "body": body})
        if isinstance(behaviour, Delay):
            if provider._stopping.wait(behaviour.seconds):
                return
            self._answer(
                path, body, behaviour.then if behaviour.then is not None else Reply("late")
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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    provider: FakeProvider


class FakeProvider:
    """A scripted fake provider on an ephemeral loopback port; use as a context manager."""

    def __init__(self, *behaviours: Behaviour, default: Behaviour | None = None) -> None:
        self.routes: dict[str, Callable[[dict, Reply, str], dict]] = dict(DEFAULT_ROUTES)
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
