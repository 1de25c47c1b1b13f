"""The LLM record store: content-addressed request -> response entries, one JSON file each.

Layout: ``<root>/<key[:2]>/<key>.json`` where ``key`` is the sha256 of the canonical request
JSON (:func:`request_key`).  One small pretty-printed file per entry keeps the store
git-friendly: demo recordings are committed, merges of two recording sessions never conflict
(different keys are different files), and a reviewer can read what a stage asked and got.

An entry::

    {
      "key": "<64 hex>",
      "request": {"model": ..., "messages": [...], "temperature": ..., ...},   # canonical, redacted
      "response": {"text": ..., "usage": {"prompt_tokens": .., "completion_tokens": ..,
                   "total_tokens": ..}, "model": ..., "finish_reason": ...},
      "cost_usd": 0.0012 | null,            # null: the model has no known price
      "stage": "classify",                  # the stage that first recorded it (not in the key)
      "created_at": "2025-01-01T00:00:00Z", # informative only (not in the key)
      "schema": 1
    }

What goes into the key: the model, the messages and every parameter that changes the response
(temperature, max_tokens, response_format, seed, tools, ...).  What never does: transport and
credentials (timeouts, api keys, api_base, retry counts, headers) - see :data:`NON_KEY_PARAMS`.
``None``-valued parameters are dropped (they mean "provider default"); integral sampling
parameters are normalised to floats so ``temperature=0`` and ``temperature=0.0`` share a key.

Writes are atomic (temporary file + rename, :func:`isobench.io.write_text_atomic`): a concurrent
second writer of the same key replaces a complete file with another complete file, never a torn
one, and readers see one or the other.  :meth:`RecordStore.put` keeps an existing entry (the
first recording wins), so a response that is stored is never replaced or paid for again.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from isobench.io import write_text_atomic
from isobench.secrets import redact

SCHEMA = 1

# Parameters that change how a request travels, not what the model answers; never in the key and
# never stored (several carry credentials).
NON_KEY_PARAMS = frozenset(
    {
        "timeout",
        "request_timeout",
        "api_key",
        "api_base",
        "base_url",
        "api_version",
        "organization",
        "num_retries",
        "max_retries",
        "retry_strategy",
        "extra_headers",
        "headers",
        "metadata",
        "drop_params",
        "caching",
        "cache",
        "client",
        "litellm_logging_obj",
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "aws_region_name",
        "vertex_credentials",
    }
)
# Sampling parameters compared as floats (0 == 0.0).
FLOAT_PARAMS = frozenset({"temperature", "top_p", "presence_penalty", "frequency_penalty"})


class StoreError(RuntimeError):
    """A store file that cannot be used (unreadable, not an entry, or filed under a wrong key)."""


def _normalise(value: Any) -> Any:
    """JSON-able form of a request parameter (Pydantic response_format classes -> schema)."""
    if isinstance(value, type) and hasattr(value, "model_json_schema"):
        return {"type": "json_schema", "name": value.__name__, "schema": value.model_json_schema()}
    if hasattr(value, "model_dump"):
        return value.model_dump()
    if isinstance(value, Mapping):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalise(v) for v in value]
    return value


def canonical_request(model: str, messages: list[dict], params: Mapping[str, Any]) -> dict:
    """The part of a request that determines the response, as a JSON-able dict."""
    request: dict[str, Any] = {"model": model, "messages": _normalise(list(messages))}
    for name, value in sorted(params.items()):
        if name in NON_KEY_PARAMS or value is None or name in request:
            continue
        if name in FLOAT_PARAMS and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        request[name] = _normalise(value)
    return request


def canonical_json(request: Mapping[str, Any]) -> str:
    try:
        return json.dumps(
            request, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"LLM request is not canonical JSON ({exc}); pass plain JSON values"
        ) from exc


def request_key(request: Mapping[str, Any]) -> str:
    """sha256 hex of the canonical JSON of a :func:`canonical_request`."""
    return hashlib.sha256(canonical_json(request).encode("utf-8")).hexdigest()


def request_digest(request: Mapping[str, Any], width: int = 60) -> str:
    """A short human-readable summary of a request (for error messages; secrets redacted)."""
    messages = request.get("messages") or []
    chars = sum(len(json.dumps(m.get("content", ""), ensure_ascii=False)) for m in messages)
    first_user = next((m for m in messages if m.get("role") == "user"), None)
    preview = ""
    if first_user is not None:
        content = first_user.get("content")
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
        text = " ".join(redact(text).split())
        preview = text[:width] + ("..." if len(text) > width else "")
    params = ", ".join(
        f"{k}={request[k]!r}" for k in sorted(request) if k not in ("model", "messages")
    )
    summary = f"{len(messages)} message(s), {chars} chars"
    if params:
        summary += f", {params}"
    if preview:
        summary += f", first user message {preview!r}"
    return summary


def _redact_json(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_json(v) for v in value]
    return value


def _utc_now() -> str:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def make_entry(
    key: str, request: Mapping[str, Any], response: Mapping[str, Any], cost_usd, stage: str
) -> dict:
    """A store entry; every string in request and response has environment secrets redacted.

    The key is computed before redaction, so it still identifies the exact request sent.
    """
    return {
        "schema": SCHEMA,
        "key": key,
        "stage": stage,
        "request": _redact_json(dict(request)),
        "response": _redact_json(dict(response)),
        "cost_usd": cost_usd,
        "created_at": _utc_now(),
    }


class RecordStore:
    """A directory of entries ``<root>/<key[:2]>/<key>.json``."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"RecordStore({str(self.root)!r})"

    def path(self, key: str) -> Path:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ValueError(f"not a store key (64 lower-case hex): {key!r}")
        return self.root / key[:2] / f"{key}.json"

    def __contains__(self, key: str) -> bool:
        return self.path(key).is_file()

    def get(self, key: str) -> dict | None:
        """The entry for ``key``, or None. A damaged file raises :class:`StoreError`."""
        path = self.path(key)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        return self._parse(path, text, expect_key=key)

    def put(self, entry: Mapping[str, Any]) -> Path:
        """Store ``entry`` unless its key is already stored (the first recording wins)."""
        key = entry["key"]
        path = self.path(key)
        if path.is_file():
            return path
        text = json.dumps(entry, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        write_text_atomic(path, text)
        return path

    def keys(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.stem for p in self.root.glob("??/*.json") if p.parent.name == p.stem[:2])

    def __len__(self) -> int:
        return len(self.keys())

    def entries(self) -> Iterator[dict]:
        """Every entry, in key order."""
        for key in self.keys():
            entry = self.get(key)
            if entry is not None:
                yield entry

    @staticmethod
    def _parse(path: Path, text: str, expect_key: str | None = None) -> dict:
        try:
            entry = json.loads(text)
        except ValueError as exc:
            raise StoreError(
                f"{path}: not valid JSON ({exc}); delete the file to record the call again"
            ) from exc
        if not isinstance(entry, dict) or "response" not in entry or "key" not in entry:
            raise StoreError(f"{path}: not an LLM store entry (no key/response)")
        if expect_key is not None and entry["key"] != expect_key:
            raise StoreError(f"{path}: holds key {entry['key']!r}, expected {expect_key!r}")
        return entry
