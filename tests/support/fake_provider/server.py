"""The loopback HTTP server of the fake provider, common to every API it speaks.

The per-API modules render a :class:`Reply` (``render``) and its server-sent events
(``render_stream``); errors, delays and garbage are answered here, the same for every API.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.fake_provider import anthropic_messages, openai_chat, openai_responses
from tests.support.fake_provider.behaviours import Behaviour, Delay, Garbage, HTTPError, Reply

Render = Callable[[dict, Reply, str], dict]
RenderStream = Callable[[dict, Reply, str], list]
APIS = (openai_chat, anthropic_messages, openai_responses)
DEFAULT_ROUTES: dict[str, Render] = {p: api.render for api in APIS for p in api.PATHS}
DEFAULT_STREAM_ROUTES: dict[str, RenderStream] = {
    p: api.render_stream for api in APIS for p in api.PATHS
}


def _sse(events: list) -> bytes:
    """Server-sent events: ``event: <name>`` (when named) and ``data: <json>`` per event."""
    out = []
    for name, data in events:
        text = data if isinstance(data, str) else json.dumps(data)
        out.append((f"event: {name}\n" if name else "") + f"data: {text}\n\n")
    return "".join(out).encode()


def _error_payload(error: HTTPError) -> bytes:
    if error.body is not None:
        return error.body
    error_type = {429: "rate_limit_error", 401: "authentication_error"}.get(
        error.status, "server_error" if error.status >= 500 else "invalid_request_error"
    )
    return json.dumps(
        {"error": {"message": error.message, "type": error_type, "code": None}}
    ).encode()


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
        request = {"path": path, "body": body, "headers": dict(self.headers.items())}
        behaviour = self.server.provider._next(request)
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
            then = behaviour.then if behaviour.then is not None else Reply("late")
            self._answer(path, body, then, headers)
        elif isinstance(behaviour, Garbage):
            self._send(200, behaviour.body, {"content-type": behaviour.content_type})
        elif isinstance(behaviour, HTTPError):
            headers = {"content-type": "application/json", **behaviour.headers}
            self._send(behaviour.status, _error_payload(behaviour), headers)
        elif isinstance(behaviour, Reply):
            self._reply(path, body, behaviour)
        else:
            raise TypeError(f"fake provider: unknown behaviour {behaviour!r}")

    def _reply(self, path: str, body: dict, reply: Reply) -> None:
        provider = self.server.provider
        request_id = uuid.uuid4().hex[:12]
        if body.get("stream") is True and path in provider.stream_routes:
            events = provider.stream_routes[path](body, reply, request_id)
            self._send(200, _sse(events), {"content-type": "text/event-stream"})
            return
        render = provider.routes.get(path)
        if render is None:
            self._send(404, json.dumps({"error": {"message": f"no route {path}"}}).encode(), {})
            return
        data = render(body, reply, request_id)
        self._send(200, json.dumps(data).encode(), {"content-type": "application/json"})

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
        self.routes: dict[str, Render] = dict(DEFAULT_ROUTES)
        self.stream_routes: dict[str, RenderStream] = dict(DEFAULT_STREAM_ROUTES)
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
