"""The one place that talks to LLM providers: litellm behind a record/replay store.

Modes:

``replay``  the store only; a request that was never recorded raises :class:`ReplayMissError`
            (offline runs, CI, the demo). litellm is never imported in this mode.
``record``  replay what is stored, call the provider for the rest and store each response as
            soon as it arrives, so a run that crashes half-way pays again for nothing.
``live``    always call the provider, store nothing (experiments).

litellm is imported lazily on the first real call (:mod:`isobench.llm.provider`). Every call
carries an explicit ``timeout``; litellm's and the OpenAI SDK's own retries are switched off
(``num_retries=0, max_retries=0``) and the retry policy is ours (:mod:`isobench.llm.retries`).
API keys never enter the store, the request key, log lines or error messages
(:func:`isobench.secrets.redact`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from isobench.llm.errors import ReplayMissError
from isobench.llm.prices import response_cost
from isobench.llm.provider import load_litellm, response_fields
from isobench.llm.retries import Attempts, RetryPolicy
from isobench.llm.store import (
    RecordStore,
    canonical_request,
    make_entry,
    request_digest,
    request_key,
)

log = logging.getLogger("isobench.llm")

MODES = ("live", "record", "replay")
# Parameters the client owns: a caller cannot switch the retry policy back to litellm's.
_OWNED_PARAMS = ("num_retries", "max_retries")


@dataclass(frozen=True)
class LLMResponse:
    text: str
    usage: dict
    cost_usd: float | None
    key: str
    cached: bool
    stage: str = ""
    model: str = ""
    finish_reason: str | None = None
    attempts: int = 0  # provider requests made for this response (0 when replayed)
    retry_wait_s: float = 0.0  # total backoff slept before it arrived
    tool_calls: list | None = None

    def record(self) -> dict:
        """A flat call record (what :func:`isobench.llm.costs.cost_table` sums)."""
        return {
            "stage": self.stage,
            "model": self.model,
            "key": self.key,
            "cached": self.cached,
            "prompt_tokens": int(self.usage.get("prompt_tokens") or 0),
            "completion_tokens": int(self.usage.get("completion_tokens") or 0),
            "cost_usd": self.cost_usd,
            "attempts": self.attempts,
        }

    def to_dict(self) -> dict:
        return asdict(self)


class LLMClient:
    """Chat completions with record/replay, retries, timeouts and cost accounting.

    ``store_root`` may be None only in ``live`` mode. ``timeout_s`` is the per-attempt HTTP
    timeout; ``max_retries`` the number of retries after the first attempt, with the backoff of
    :class:`isobench.llm.retries.RetryPolicy`. ``prices`` maps a model to ``(usd_per_prompt_token,
    usd_per_completion_token)`` for models litellm has no price for. ``transport`` holds extra
    litellm keyword arguments that do not change the answer (``drop_params``, ``extra_headers``);
    they are never part of the request key.
    """

    def __init__(
        self,
        store_root: str | os.PathLike | None,
        mode: str,
        *,
        timeout_s: float,
        max_retries: int,
        api_base: str | None = None,
        api_key: str | None = None,
        backoff_initial_s: float = 1.0,
        backoff_max_s: float = 60.0,
        backoff_jitter_s: float = 1.0,
        prices: Mapping[str, tuple[float, float]] | None = None,
        transport: Mapping[str, Any] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"llm mode must be one of {', '.join(MODES)}, not {mode!r}")
        if store_root is None and mode != "live":
            raise ValueError(f"llm mode {mode!r} needs a store directory")
        if not timeout_s or timeout_s <= 0:
            raise ValueError("timeout_s must be a positive number of seconds")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.store = RecordStore(store_root) if store_root is not None else None
        self.mode = mode
        self.timeout_s = float(timeout_s)
        self.max_retries = int(max_retries)
        self.api_base = api_base
        self._api_key = api_key
        self.backoff_initial_s = float(backoff_initial_s)
        self.backoff_max_s = float(backoff_max_s)
        self.backoff_jitter_s = float(backoff_jitter_s)
        self.prices = dict(prices or {})
        self.transport = dict(transport or {})
        self._sleep = sleep
        self.calls: list[dict] = []  # one flat record per complete() (see LLMResponse.record)
        self._key_locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def __repr__(self) -> str:  # never shows the api key
        return (
            f"LLMClient(store={self.store!r}, mode={self.mode!r}, timeout_s={self.timeout_s}, "
            f"max_retries={self.max_retries}, api_base={self.api_base!r})"
        )

    @classmethod
    def from_config(cls, llm_cfg: Mapping[str, Any], **overrides: Any) -> LLMClient:
        """Build from the workflow's ``llm:`` config block.

        Keys: ``mode`` (default replay), ``store`` (directory), ``timeout_s`` (600),
        ``max_retries`` (5), ``api_base``, ``backoff_initial_s`` (1), ``backoff_max_s`` (60),
        ``prices`` ({model: [in, out] USD per token}). API keys come from the environment only.
        """
        cfg = dict(llm_cfg or {})
        kwargs: dict[str, Any] = {
            "timeout_s": float(cfg.get("timeout_s", 600)),
            "max_retries": int(cfg.get("max_retries", 5)),
            "api_base": cfg.get("api_base") or None,
            "backoff_initial_s": float(cfg.get("backoff_initial_s", 1.0)),
            "backoff_max_s": float(cfg.get("backoff_max_s", 60.0)),
            "prices": {k: tuple(v) for k, v in (cfg.get("prices") or {}).items()},
        }
        kwargs.update(overrides)
        return cls(cfg.get("store"), cfg.get("mode", "replay"), **kwargs)

    # ----------------------------------------------------------------------------------------
    def key_for(self, model: str, messages: list[dict], **params: Any) -> str:
        """The store key a :meth:`complete` call with these arguments would use."""
        return request_key(canonical_request(model, messages, params))

    def complete(self, stage: str, model: str, messages: list[dict], **params: Any) -> LLMResponse:
        """One chat completion for ``stage``: replayed from the store or fetched (and stored).

        ``params`` are litellm/OpenAI parameters (temperature, max_tokens, response_format,
        seed, tools, ...); those that change the answer are part of the key. ``timeout`` may be
        given per call; ``num_retries``/``max_retries`` may not (the client owns retries).
        """
        for name in _OWNED_PARAMS:
            if name in params:
                raise ValueError(f"{name} is set by LLMClient (max_retries=...), not per call")
        if not messages:
            raise ValueError("an LLM request needs at least one message")
        request = canonical_request(model, messages, params)
        key = request_key(request)

        if self.mode == "live":
            response = self._fetch(stage, model, messages, params, request, key, store=False)
        else:
            with self._lock_for(key):
                response = self._lookup(stage, model, key)
                if response is None:
                    if self.mode == "replay":
                        raise ReplayMissError(
                            stage, model, key, request_digest(request), str(self.store.root)
                        )
                    response = self._fetch(stage, model, messages, params, request, key, store=True)
        self.calls.append(response.record())
        return response

    # ----------------------------------------------------------------------------------------
    def _lock_for(self, key: str) -> threading.Lock:
        # Two threads of one process asking the same thing: the second waits and replays.
        with self._locks_guard:
            return self._key_locks.setdefault(key, threading.Lock())

    def _lookup(self, stage: str, model: str, key: str) -> LLMResponse | None:
        entry = self.store.get(key)
        if entry is None:
            return None
        stored = entry["response"]
        log.debug("LLM %s (%s): replayed %s", stage, model, key[:12])
        return LLMResponse(
            text=stored.get("text") or "",
            usage=dict(stored.get("usage") or {}),
            cost_usd=entry.get("cost_usd"),
            key=key,
            cached=True,
            stage=stage,
            model=model,
            finish_reason=stored.get("finish_reason"),
            attempts=0,
            tool_calls=stored.get("tool_calls"),
        )

    def _fetch(
        self,
        stage: str,
        model: str,
        messages: list[dict],
        params: Mapping[str, Any],
        request: dict,
        key: str,
        *,
        store: bool,
    ) -> LLMResponse:
        litellm = load_litellm()
        kwargs = self._litellm_kwargs(model, messages, params)
        raw, attempts = self._retry_policy().call(
            lambda: litellm.completion(**kwargs),
            stage=stage,
            model=model,
            timeout_s=kwargs["timeout"],
        )
        response = response_fields(raw)
        if response.get("finish_reason") == "length":
            log.warning(
                "LLM %s (%s): reply cut at max_tokens (finish_reason=length); raise max_tokens",
                stage,
                model,
            )
        cost = response_cost(raw, model, response["usage"], self.prices)
        if store:
            self.store.put(make_entry(key, request, response, cost, stage))
        _log_fetched(stage, model, key, response["usage"], cost, attempts)
        return LLMResponse(
            text=response["text"],
            usage=response["usage"],
            cost_usd=cost,
            key=key,
            cached=False,
            stage=stage,
            model=model,
            finish_reason=response.get("finish_reason"),
            attempts=attempts.count,
            retry_wait_s=round(sum(attempts.waits), 6),
            tool_calls=response.get("tool_calls"),
        )

    def _litellm_kwargs(
        self, model: str, messages: list[dict], params: Mapping[str, Any]
    ) -> dict[str, Any]:
        """litellm.completion's arguments: transport, the caller's parameters, and ours."""
        kwargs: dict[str, Any] = {**self.transport, **params}
        timeout = float(kwargs.pop("timeout", None) or self.timeout_s)
        kwargs.update(model=model, messages=messages, timeout=timeout, num_retries=0, max_retries=0)
        if self.api_base and "api_base" not in kwargs:
            kwargs["api_base"] = self.api_base
        if self._api_key and "api_key" not in kwargs:
            kwargs["api_key"] = self._api_key
        return kwargs

    def _retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_retries=self.max_retries,
            backoff_initial_s=self.backoff_initial_s,
            backoff_max_s=self.backoff_max_s,
            backoff_jitter_s=self.backoff_jitter_s,
            sleep=self._sleep,
        )


def _log_fetched(
    stage: str, model: str, key: str, usage: dict, cost: float | None, attempts: Attempts
) -> None:
    log.info(
        "LLM %s (%s): %s, %d+%d tokens, cost %s, %d attempt(s)",
        stage,
        model,
        key[:12],
        usage.get("prompt_tokens", 0),
        usage.get("completion_tokens", 0),
        "unknown" if cost is None else f"${cost:.6f}",
        attempts.count,
    )


def default_store_root(path: str | os.PathLike | None = None) -> Path:
    """``path``, else ``$ISOBENCH_LLM_STORE``, else ``.isobench-store`` (git-ignored)."""
    return Path(path or os.environ.get("ISOBENCH_LLM_STORE") or ".isobench-store")
