"""The one place that talks to LLM providers: litellm behind a record/replay store.

Modes:

``replay``  the store only; a request that was never recorded raises :class:`ReplayMissError`
            (offline runs, CI, the demo). litellm is never imported in this mode.
``record``  replay what is stored, call the provider for the rest and store each response as
            soon as it arrives, so a run that crashes half-way pays again for nothing.
``live``    always call the provider, store nothing (experiments).

litellm is imported lazily on the first real call (``LITELLM_LOCAL_MODEL_COST_MAP=True`` is set
first, so the import never tries to fetch the price map from the network). Every call carries an
explicit ``timeout``; litellm's and the OpenAI SDK's own retries are switched off
(``num_retries=0, max_retries=0``) and the retry policy is ours (tenacity): exponential backoff
with jitter, honouring ``retry-after`` (capped), on rate limits (429), 5xx, connection errors and
timeouts; never on other 4xx (authentication, bad request, unknown model). API keys never enter
the store, the request key, log lines or error messages (:func:`isobench.secrets.redact`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from isobench.llm.store import (
    RecordStore,
    canonical_request,
    make_entry,
    request_digest,
    request_key,
)
from isobench.secrets import redact

log = logging.getLogger("isobench.llm")

MODES = ("live", "record", "replay")
# Snakemake rejects dotted keys (`--config llm.mode=record`); a YAML mapping is merged into the
# section, and it must follow the targets, because --config takes every word after it.
RECORD_HINT = (
    "run the same snakemake command again with --config 'llm={mode: record}' at its end (or set "
    "`llm: {mode: record}` in the config file), with the provider's key in the environment "
    "(e.g. OPENAI_API_KEY or ANTHROPIC_API_KEY for the model's provider)"
)
# Parameters the client owns: a caller cannot switch the retry policy back to litellm's.
_OWNED_PARAMS = ("num_retries", "max_retries")


class ReplayMissError(LookupError):
    """Replay mode found no recorded response for a request."""

    def __init__(self, stage: str, model: str, key: str, digest: str, store_root: str) -> None:
        self.stage, self.model, self.key, self.digest, self.store_root = (
            stage,
            model,
            key,
            digest,
            store_root,
        )
        super().__init__(
            f"no recorded LLM response for stage {stage!r}, model {model!r}, request "
            f"[{digest}] (key {key[:12]}..., file {store_root}/{key[:2]}/{key}.json). "
            f"The LLM store is in replay mode (offline). To record it, {RECORD_HINT}; "
            f"then commit the new store files if the recording should ship with the repository."
        )


class LLMCallError(RuntimeError):
    """A provider call that failed for good (non-retryable error, or retries exhausted)."""

    def __init__(
        self,
        stage: str,
        model: str,
        *,
        status: int | None,
        kind: str,
        detail: str,
        attempts: int,
        retryable: bool,
        advice: str,
    ) -> None:
        self.stage, self.model, self.status, self.kind = stage, model, status, kind
        self.attempts, self.retryable = attempts, retryable
        status_text = f"HTTP {status}" if status is not None else "no HTTP status"
        super().__init__(
            f"LLM call for stage {stage!r} (model {model!r}) failed after {attempts} "
            f"attempt(s): {kind} ({status_text}): {detail}. {advice}"
        )


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


# --------------------------------------------------------------------------------------------
# litellm, lazily


_LITELLM = None
_LITELLM_LOCK = threading.Lock()


def _litellm():
    """Import and configure litellm once (no network at import, no debug banners)."""
    global _LITELLM
    with _LITELLM_LOCK:
        if _LITELLM is None:
            os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            import litellm

            litellm.suppress_debug_info = True
            if hasattr(litellm, "telemetry"):
                litellm.telemetry = False
            _LITELLM = litellm
    return _LITELLM


def _status_of(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    if status is None:
        status = getattr(getattr(exc, "response", None), "status_code", None)
    try:
        return int(status) if status is not None else None
    except (TypeError, ValueError):
        return None


def _retry_after_s(exc: BaseException) -> float | None:
    """Seconds from a ``retry-after`` / ``retry-after-ms`` response header, if any."""
    headers = getattr(getattr(exc, "response", None), "headers", None)
    if headers is None:
        headers = getattr(exc, "litellm_response_headers", None)
    if not headers:
        return None
    try:
        if headers.get("retry-after-ms") is not None:
            return max(0.0, float(headers.get("retry-after-ms")) / 1000.0)
        if headers.get("retry-after") is not None:
            return max(0.0, float(headers.get("retry-after")))
    except (TypeError, ValueError):
        return None  # an HTTP date: fall back to our own backoff
    return None


def is_transient(exc: BaseException) -> bool:
    """Worth retrying: rate limit, timeout, connection failure, 5xx. Other 4xx are final."""
    litellm = _LITELLM
    if litellm is not None:
        final = (litellm.AuthenticationError, litellm.BadRequestError, litellm.NotFoundError)
        if isinstance(exc, final):
            return False
        transient = (
            litellm.RateLimitError,
            litellm.Timeout,
            litellm.APIConnectionError,
            litellm.InternalServerError,
            litellm.ServiceUnavailableError,
            litellm.BadGatewayError,
        )
        if isinstance(exc, transient):
            return True
    if isinstance(exc, TimeoutError | ConnectionError):
        return True
    status = _status_of(exc)
    return status is not None and (status in (408, 409, 425, 429) or status >= 500)


def _advice(exc: BaseException, status: int | None, retryable: bool, timeout_s: float) -> str:
    name = type(exc).__name__
    if status in (401, 403) or "Authentication" in name or "PermissionDenied" in name:
        return (
            "Check the provider API key in the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY, "
            "... for the model's provider) and that it may use this model."
        )
    if status == 404 or "NotFound" in name:
        return "Unknown model or endpoint: check llm.model (with its provider prefix) and llm.api_base."
    if "Timeout" in name or status == 408:
        return (
            f"No answer within {timeout_s:g} s on any attempt: raise llm.timeout_s, or retry later. "
            "Responses already recorded are replayed, so a rerun pays only for missing calls."
        )
    if retryable:
        return (
            "The provider kept failing: retry later or raise llm.max_retries. Responses already "
            "recorded are replayed, so a rerun pays only for the calls that are missing."
        )
    return (
        "The provider rejected the request (not retried): check llm.model and the request "
        "parameters (context length, unsupported parameters)."
    )


def _detail(exc: BaseException, limit: int = 400) -> str:
    text = " ".join(redact(str(exc)).split())
    return text[:limit] + ("..." if len(text) > limit else "")


# --------------------------------------------------------------------------------------------


@dataclass
class _CallStats:
    attempts: int = 0
    waits: list[float] = field(default_factory=list)


class LLMClient:
    """Chat completions with record/replay, retries, timeouts and cost accounting.

    ``store_root`` may be None only in ``live`` mode. ``timeout_s`` is the per-attempt HTTP
    timeout; ``max_retries`` the number of retries after the first attempt. Backoff before retry
    ``n`` (1-based) is ``min(backoff_max_s, backoff_initial_s * 2**(n-1) + U(0, backoff_jitter_s))``
    (tenacity ``wait_exponential_jitter``), raised to the provider's ``retry-after`` when that is
    longer (capped at ``backoff_max_s``). ``prices`` maps a model to ``(usd_per_prompt_token,
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
        import tenacity

        litellm = _litellm()
        kwargs: dict[str, Any] = {**self.transport, **params}
        timeout = float(kwargs.pop("timeout", None) or self.timeout_s)
        kwargs.update(model=model, messages=messages, timeout=timeout, num_retries=0, max_retries=0)
        if self.api_base and "api_base" not in kwargs:
            kwargs["api_base"] = self.api_base
        if self._api_key and "api_key" not in kwargs:
            kwargs["api_key"] = self._api_key

        stats = _CallStats()
        base_wait = tenacity.wait_exponential_jitter(
            multiplier=self.backoff_initial_s, max=self.backoff_max_s, jitter=self.backoff_jitter_s
        )

        def wait(retry_state: tenacity.RetryCallState) -> float:
            delay = base_wait(retry_state)
            hinted = _retry_after_s(retry_state.outcome.exception())
            if hinted is not None:
                delay = max(delay, min(hinted, self.backoff_max_s))
            return delay

        def before_sleep(retry_state: tenacity.RetryCallState) -> None:
            exc = retry_state.outcome.exception()
            pause = retry_state.next_action.sleep if retry_state.next_action else 0.0
            stats.waits.append(pause)
            log.warning(
                "LLM %s (%s): attempt %d failed (%s: %s); retrying in %.2f s",
                stage,
                model,
                retry_state.attempt_number,
                type(exc).__name__,
                _detail(exc, 200),
                pause,
            )

        def attempt():
            stats.attempts += 1
            return litellm.completion(**kwargs)

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.max_retries + 1),
            wait=wait,
            retry=tenacity.retry_if_exception(is_transient),
            before_sleep=before_sleep,
            sleep=self._sleep,
            reraise=True,
        )
        try:
            raw = retrying(attempt)
        except Exception as exc:
            status = _status_of(exc)
            retryable = is_transient(exc)
            raise LLMCallError(
                stage,
                model,
                status=status,
                kind=type(exc).__name__,
                detail=_detail(exc),
                attempts=stats.attempts,
                retryable=retryable,
                advice=_advice(exc, status, retryable, timeout),
            ) from exc

        response = _response_fields(raw)
        if response.get("finish_reason") == "length":
            log.warning(
                "LLM %s (%s): reply cut at max_tokens (finish_reason=length); raise max_tokens",
                stage,
                model,
            )
        cost = self._cost(litellm, raw, model, response["usage"])
        if store:
            self.store.put(make_entry(key, request, response, cost, stage))
        log.info(
            "LLM %s (%s): %s, %d+%d tokens, cost %s, %d attempt(s)",
            stage,
            model,
            key[:12],
            response["usage"].get("prompt_tokens", 0),
            response["usage"].get("completion_tokens", 0),
            "unknown" if cost is None else f"${cost:.6f}",
            stats.attempts,
        )
        return LLMResponse(
            text=response["text"],
            usage=response["usage"],
            cost_usd=cost,
            key=key,
            cached=False,
            stage=stage,
            model=model,
            finish_reason=response.get("finish_reason"),
            attempts=stats.attempts,
            retry_wait_s=round(sum(stats.waits), 6),
            tool_calls=response.get("tool_calls"),
        )

    def _cost(self, litellm, raw, model: str, usage: dict) -> float | None:
        from isobench.llm.costs import cost_for

        prompt = int(usage.get("prompt_tokens") or 0)
        completion = int(usage.get("completion_tokens") or 0)
        if model in self.prices:
            return cost_for(model, prompt, completion, prices=self.prices)
        hidden = getattr(raw, "_hidden_params", None) or {}
        cost = hidden.get("response_cost")
        if cost is None:
            try:
                cost = litellm.completion_cost(completion_response=raw)
            except Exception:  # unknown model / provider: no price, not a crash
                cost = None
        if cost is None:
            cost = cost_for(model, prompt, completion)
        return None if cost is None else float(cost)


def _response_fields(raw) -> dict:
    """The stored part of a litellm ModelResponse: text, usage, model, finish_reason."""
    choice = raw.choices[0]
    message = choice.message
    usage_obj = getattr(raw, "usage", None)
    usage = {}
    for name in ("prompt_tokens", "completion_tokens", "total_tokens"):
        value = getattr(usage_obj, name, None) if usage_obj is not None else None
        usage[name] = int(value) if value is not None else 0
    out = {
        "text": message.content or "",
        "usage": usage,
        "model": getattr(raw, "model", None),
        "finish_reason": getattr(choice, "finish_reason", None),
    }
    tool_calls = getattr(message, "tool_calls", None)
    if tool_calls:
        out["tool_calls"] = [
            tc.model_dump() if hasattr(tc, "model_dump") else dict(tc) for tc in tool_calls
        ]
    return out


def default_store_root(path: str | os.PathLike | None = None) -> Path:
    """``path``, else ``$ISOBENCH_LLM_STORE``, else ``.isobench-store`` (git-ignored)."""
    return Path(path or os.environ.get("ISOBENCH_LLM_STORE") or ".isobench-store")
