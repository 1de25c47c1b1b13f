"""litellm, imported only when a request must really reach a provider (or a price is looked up).

Replay runs never get here, so an offline run never pays for litellm's import, and never risks
its network fetch of the price map: ``LITELLM_LOCAL_MODEL_COST_MAP=True`` is set before the import.
Also here: what of a litellm ``ModelResponse`` goes into the store.
"""

from __future__ import annotations

import os
import threading

_LITELLM = None
_LITELLM_LOCK = threading.Lock()


def load_litellm():
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


def loaded_litellm():
    """litellm if some call already imported it, else None (never imports it)."""
    return _LITELLM


def response_fields(raw) -> dict:
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
