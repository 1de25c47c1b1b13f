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

Layout: :mod:`.server` (the common HTTP server and :class:`FakeProvider`), :mod:`.behaviours`
(the scripted behaviours), one module per API (:mod:`.openai_chat`, :mod:`.anthropic_messages`,
:mod:`.openai_responses`) and :mod:`.scripting` (request inspection for scripted agents).

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
counted (:attr:`FakeProvider.count`).  Another API is another module with ``PATHS``, ``render``
(a :class:`Reply` in that API's format) and ``render_stream`` (the same as a list of SSE events),
listed in ``server.APIS``; one provider can also take a route in :attr:`FakeProvider.routes` /
:attr:`FakeProvider.stream_routes`.  Errors, delays and garbage are API-independent.  ``GET``
requests (model lists, health checks
some clients make) are recorded too and answered from :attr:`FakeProvider.get_routes`, else 404.

Agent CLIs make side requests (titles, quota probes) besides their main loop, so a CLI test
usually scripts with a callable ``default`` that looks at the request (:func:`has_tool_result`,
:func:`tool_names`) rather than with a fixed queue.
"""

from tests.support.fake_provider.behaviours import (
    Behaviour,
    Delay,
    Garbage,
    HTTPError,
    RateLimit,
    Reply,
    ToolCall,
)
from tests.support.fake_provider.scripting import has_tool_result, tool_names, tool_results
from tests.support.fake_provider.server import FakeProvider

__all__ = [
    "Behaviour",
    "Delay",
    "FakeProvider",
    "Garbage",
    "HTTPError",
    "RateLimit",
    "Reply",
    "ToolCall",
    "has_tool_result",
    "tool_names",
    "tool_results",
]
