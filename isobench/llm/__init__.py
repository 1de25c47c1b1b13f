"""LLM access for the workflow's LLM stages (classification, test synthesis, judging).

Importing this package is cheap and offline: its names are loaded on first use, so importing one
part (the store, the cost tables, the prompts) never loads the others, and litellm is imported
only when a request must really go to a provider (:mod:`isobench.llm.provider`).

- :mod:`~isobench.llm.client`: :class:`LLMClient`, record/replay of every model call;
- :mod:`~isobench.llm.store`: the content-addressed record store and its request keys;
- :mod:`~isobench.llm.retries`: the retry policy; :mod:`~isobench.llm.errors`: its failures;
- :mod:`~isobench.llm.prices` and :mod:`~isobench.llm.costs`: prices of calls, cost tables;
- :mod:`~isobench.llm.prompts`: the versioned prompt templates of ``config/prompts/``;
- :mod:`~isobench.llm.repair`: ask, parse, and ask once more with the error.
"""

from __future__ import annotations

import importlib

# name -> the module that defines it
_EXPORTS = {
    "LLMClient": "client",
    "LLMResponse": "client",
    "default_store_root": "client",
    "LLMCallError": "errors",
    "ReplayMissError": "errors",
    "cost_table": "costs",
    "estimate_cost": "costs",
    "write_cost_csv": "costs",
    "PROMPTS_DIR": "prompts",
    "PromptTemplate": "prompts",
    "prompt_path": "prompts",
    "truncate_bytes": "prompts",
    "truncate_chars": "prompts",
    "RecordStore": "store",
    "StoreError": "store",
    "canonical_request": "store",
    "request_key": "store",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
