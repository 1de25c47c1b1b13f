"""Our retry policy for provider calls, and what a final failure tells the researcher to do.

litellm's and the OpenAI SDK's own retries are switched off by the client, so this is the only
policy: exponential backoff with jitter (tenacity), raised to the provider's ``retry-after`` when
that is longer (capped), on rate limits (429), 5xx, connection errors and timeouts; never on other
4xx (authentication, bad request, unknown model), which no retry can fix.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from isobench.llm.errors import LLMCallError
from isobench.llm.provider import loaded_litellm
from isobench.secrets import redact

log = logging.getLogger("isobench.llm")


def status_of(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    if status is None:
        status = getattr(getattr(exc, "response", None), "status_code", None)
    try:
        return int(status) if status is not None else None
    except (TypeError, ValueError):
        return None


def retry_after_s(exc: BaseException) -> float | None:
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
    litellm = loaded_litellm()
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
    status = status_of(exc)
    return status is not None and (status in (408, 409, 425, 429) or status >= 500)


def failure_advice(
    exc: BaseException, status: int | None, retryable: bool, timeout_s: float
) -> str:
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


def error_detail(exc: BaseException, limit: int = 400) -> str:
    """The exception's message on one line, secrets redacted, cut to ``limit`` characters."""
    text = " ".join(redact(str(exc)).split())
    return text[:limit] + ("..." if len(text) > limit else "")


@dataclass
class Attempts:
    """What one retried call took: provider requests made, and each backoff slept before a retry."""

    count: int = 0
    waits: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff before retry ``n`` (1-based) is ``min(backoff_max_s, backoff_initial_s * 2**(n-1)
    + U(0, backoff_jitter_s))`` (tenacity ``wait_exponential_jitter``), raised to the provider's
    ``retry-after`` when that is longer (capped at ``backoff_max_s``)."""

    max_retries: int
    backoff_initial_s: float
    backoff_max_s: float
    backoff_jitter_s: float
    sleep: Callable[[float], None] = time.sleep

    def call(
        self, request: Callable[[], Any], *, stage: str, model: str, timeout_s: float
    ) -> tuple[Any, Attempts]:
        """``request()`` until it succeeds or fails for good (then :class:`LLMCallError`)."""
        import tenacity

        attempts = Attempts()

        def attempt():
            attempts.count += 1
            return request()

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.max_retries + 1),
            wait=self._wait(tenacity),
            retry=tenacity.retry_if_exception(is_transient),
            before_sleep=lambda state: self._before_sleep(state, attempts, stage, model),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            return retrying(attempt), attempts
        except Exception as exc:
            status = status_of(exc)
            retryable = is_transient(exc)
            raise LLMCallError(
                stage,
                model,
                status=status,
                kind=type(exc).__name__,
                detail=error_detail(exc),
                attempts=attempts.count,
                retryable=retryable,
                advice=failure_advice(exc, status, retryable, timeout_s),
            ) from exc

    def _wait(self, tenacity):
        base_wait = tenacity.wait_exponential_jitter(
            multiplier=self.backoff_initial_s, max=self.backoff_max_s, jitter=self.backoff_jitter_s
        )

        def wait(retry_state) -> float:
            delay = base_wait(retry_state)
            hinted = retry_after_s(retry_state.outcome.exception())
            if hinted is not None:
                delay = max(delay, min(hinted, self.backoff_max_s))
            return delay

        return wait

    @staticmethod
    def _before_sleep(retry_state, attempts: Attempts, stage: str, model: str) -> None:
        exc = retry_state.outcome.exception()
        pause = retry_state.next_action.sleep if retry_state.next_action else 0.0
        attempts.waits.append(pause)
        log.warning(
            "LLM %s (%s): attempt %d failed (%s: %s); retrying in %.2f s",
            stage,
            model,
            retry_state.attempt_number,
            type(exc).__name__,
            error_detail(exc, 200),
            pause,
        )
