"""The price of LLM calls, in USD.

Prices come from litellm's bundled model cost map (``cost_per_token``; imported lazily, with
``LITELLM_LOCAL_MODEL_COST_MAP=True`` so no network is touched) unless an explicit ``prices``
mapping ``{model: (usd_per_prompt_token, usd_per_completion_token)}`` is given.  A model without
a known price costs ``None`` (unknown), never 0 and never an exception.  Both the client (the
price of a fetched response) and the cost tables (:mod:`isobench.llm.costs`) use this module, so
neither imports the other.
"""

from __future__ import annotations

from collections.abc import Mapping

from isobench.llm.provider import load_litellm


def cost_for(
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    prices: Mapping[str, tuple[float, float]] | None = None,
) -> float | None:
    """USD for one call's token counts, or None when the model has no known price."""
    if prices and model in prices:
        per_in, per_out = prices[model]
        return float(prompt_tokens) * float(per_in) + float(completion_tokens) * float(per_out)
    litellm = load_litellm()
    try:
        cost_in, cost_out = litellm.cost_per_token(
            model=model, prompt_tokens=int(prompt_tokens), completion_tokens=int(completion_tokens)
        )
    except Exception:  # litellm raises for models missing from its map
        return None
    return float(cost_in) + float(cost_out)


def response_cost(
    raw, model: str, usage: Mapping, prices: Mapping[str, tuple[float, float]] | None = None
) -> float | None:
    """USD of one fetched litellm response: an explicit price first, then the price litellm
    computed for the call, then its bundled map for the model; None when none knows the model."""
    prompt = int(usage.get("prompt_tokens") or 0)
    completion = int(usage.get("completion_tokens") or 0)
    if prices and model in prices:
        return cost_for(model, prompt, completion, prices=prices)
    hidden = getattr(raw, "_hidden_params", None) or {}
    cost = hidden.get("response_cost")
    if cost is None:
        try:
            cost = load_litellm().completion_cost(completion_response=raw)
        except Exception:  # unknown model / provider: no price, not a crash
            cost = None
    if cost is None:
        cost = cost_for(model, prompt, completion)
    return None if cost is None else float(cost)
