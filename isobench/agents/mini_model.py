"""mini-swe-agent's ``Model`` slot filled with :class:`isobench.llm.LLMClient`: every model call
of the ``mini`` adapter is recorded in, and replayed from, the LLM store (stage ``agent``)."""

from __future__ import annotations

import os
import time
from types import SimpleNamespace
from typing import Any

from isobench.secrets import is_secret_name

STAGE = "agent"


def _tool_call_objects(tool_calls: list[dict]) -> list[SimpleNamespace]:
    """Stored tool-call dicts as the attribute objects mini's parser expects."""
    return [
        SimpleNamespace(
            id=call.get("id"),
            function=SimpleNamespace(
                name=(call.get("function") or {}).get("name"),
                arguments=(call.get("function") or {}).get("arguments") or "",
            ),
        )
        for call in tool_calls
    ]


def _normalise_tool_calls(tool_calls: list[dict] | None) -> list[dict]:
    out = []
    for call in tool_calls or []:
        function = call.get("function") or {}
        out.append(
            {
                "id": call.get("id"),
                "type": "function",
                "function": {
                    "name": function.get("name"),
                    "arguments": function.get("arguments") or "",
                },
            }
        )
    return out


class LLMClientModel:
    """mini-swe-agent's ``Model`` protocol over :class:`isobench.llm.LLMClient`."""

    def __init__(self, client, model_name: str, *, params: dict, mini, templates: dict) -> None:
        self.client = client
        self.model_name = model_name
        self.params = dict(params)
        self.mini = mini
        self.config = SimpleNamespace(model_name=model_name, **templates)
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0}
        self.cost_usd: float | None = None
        self.replayed = 0
        self.calls = 0

    def query(self, messages: list[dict], **kwargs: Any) -> dict:
        prepared = [{k: v for k, v in m.items() if k != "extra"} for m in messages]
        response = self.client.complete(
            STAGE,
            self.model_name,
            prepared,
            tools=[self.mini.BASH_TOOL],
            **{**self.params, **kwargs},
        )
        self.calls += 1
        self.replayed += int(response.cached)
        for name in self.usage:
            self.usage[name] += int(response.usage.get(name) or 0)
        if response.cost_usd is not None:
            self.cost_usd = (self.cost_usd or 0.0) + response.cost_usd
        tool_calls = _normalise_tool_calls(response.tool_calls)
        extra = {
            "cost": float(response.cost_usd or 0.0),
            "usage": response.usage,
            "llm_key": response.key,
            "replayed": response.cached,
            "timestamp": time.time(),
        }
        try:
            actions = self.mini.parse_actions(
                _tool_call_objects(tool_calls),
                format_error_template=self.config.format_error_template,
                template_kwargs={"finish_reason": response.finish_reason},
            )
        except self.mini.FormatError as exc:
            exc.messages[0]["extra"].update(extra)
            raise
        message: dict[str, Any] = {"role": "assistant", "content": response.text or None}
        if tool_calls:
            message["tool_calls"] = tool_calls
        message["extra"] = {"actions": actions, **extra}
        return message

    def format_message(self, **kwargs: Any) -> dict:
        return dict(kwargs)

    def format_observation_messages(
        self, message: dict, outputs: list[dict], template_vars: dict | None = None
    ) -> list[dict]:
        return self.mini.format_observations(
            actions=message.get("extra", {}).get("actions", []),
            outputs=outputs,
            observation_template=self.config.observation_template,
            template_vars=template_vars,
        )

    def get_template_vars(self, **kwargs: Any) -> dict:
        return {"model_name": self.model_name}

    def serialize(self) -> dict:
        return {
            "info": {
                "config": {
                    "model": {"model_name": self.model_name, "params": self.params},
                    "model_type": f"{type(self).__module__}.{type(self).__name__}",
                }
            }
        }


def make_client(agent: dict):
    """The LLMClient of a mini agent: its ``llm`` block (mode, store, ...) and ``api_base``."""
    from isobench.llm import LLMClient, default_store_root

    cfg = dict(agent.get("llm") or {})
    if cfg.get("mode", "replay") != "live":
        cfg.setdefault("store", str(default_store_root()))
    if agent.get("api_base"):
        cfg["api_base"] = agent["api_base"]
    key_name = next((n for n in agent.get("env") or () if is_secret_name(n)), None)
    api_key = os.environ.get(key_name) if key_name else None
    return LLMClient.from_config(cfg, api_key=api_key, transport={"drop_params": True})
