"""Soft metrics: the LLM patch judge; its rule-based similarity is in :mod:`.similarity`.

Judge (spec section 4.3, ISO-Bench V4 patch-quality call, categorical only): the human diff and
the agent patch (each cut to 50 kB) go to ``config/prompts/judge_v1.md``; the reply must be one
JSON object with ``bottleneck_target.category`` in ``BOTTLENECK_CATEGORIES`` and
``approach_comparison.category`` in ``APPROACH_CATEGORIES`` (:mod:`isobench.scoring.labels`),
each with a ``discussion``. Invalid or garbage output gets one repair round (the error is sent back); after that the result
has status ``invalid``, both categories ``unknown`` and the error.  An empty agent patch is not
sent to the judge: it is ``no_optimization`` / ``ineffective`` with status ``no_patch``.

The result's ``soft_pass`` follows :mod:`isobench.scoring.quadrants` (same_target or related_target);
the quadrants themselves are derived in the score stage, where the hard class is known.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from isobench.judge.similarity import patch_similarity
from isobench.llm import PromptTemplate, prompt_path, truncate_bytes
from isobench.llm.repair import complete_with_repair, summed_cost
from isobench.scoring.labels import (
    APPROACH_CATEGORIES,
    BOTTLENECK_CATEGORIES,
    UNKNOWN,
    norm_category,
)
from isobench.scoring.quadrants import soft_pass
from isobench.secrets import redact

PROMPT_NAME = "judge_v1"
STAGE = "judge"
MAX_PATCH_BYTES = 50_000
# What of the rule-based similarity the judge is shown (the whole of it is recorded).
SIMILARITY_SHOWN = (
    "common_files",
    "file_jaccard",
    "line_jaccard",
    "sequence_ratio",
    "similarity_score",
)
NO_PATCH_DISCUSSION = "The agent produced no patch; judged without an LLM call."

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n(.*?)```", re.DOTALL)


def extract_json(text: str) -> dict:
    """The JSON object in a reply (bare, fenced, or surrounded by prose); ValueError if none."""
    text = (text or "").strip()
    candidates = [text]
    candidates += [m.strip() for m in _FENCE.findall(text)]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    error = "no JSON object in the reply"
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except ValueError as exc:
            error = f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
            continue
        if isinstance(value, dict):
            return value
        error = f"the reply is JSON but a {type(value).__name__}, not an object"
    raise ValueError(error)


def validate_judgement(obj: dict) -> dict:
    """The two verdicts from a parsed reply, normalised; ValueError naming what is wrong."""
    problems = []
    out = {}
    for field, allowed, extra in (
        ("bottleneck_target", BOTTLENECK_CATEGORIES, ("human_target", "agent_target")),
        ("approach_comparison", APPROACH_CATEGORIES, ()),
    ):
        section = obj.get(field)
        if not isinstance(section, dict):
            problems.append(f'"{field}" must be an object')
            continue
        category = norm_category(section.get("category"))
        if category not in allowed:
            problems.append(
                f'"{field}.category" is {section.get("category")!r}, not one of {", ".join(allowed)}'
            )
        discussion = section.get("discussion")
        if not isinstance(discussion, str) or not discussion.strip():
            problems.append(f'"{field}.discussion" must be a non-empty string')
        clean = {
            "category": category,
            "discussion": discussion if isinstance(discussion, str) else "",
        }
        for name in extra:
            value = section.get(name)
            clean[name] = value if isinstance(value, str) else ""
        out[field] = clean
    if problems:
        raise ValueError("; ".join(problems))
    return out


def _task_text(task) -> str:
    if task is None:
        return "(no task description)"
    if isinstance(task, str):
        return task
    subject = task.get("subject") or task.get("commit_subject") or ""
    message = task.get("message") or task.get("commit_message") or ""
    sha = task.get("commit_hash") or task.get("sha") or ""
    parts = [f"Commit {sha[:12]}"] if sha else []
    if subject:
        parts.append(f"Subject: {subject}")
    if message and message.strip() != subject.strip():
        parts.append(f"Message:\n{message.strip()}")
    return "\n".join(parts) or "(no task description)"


def _verdict(bottleneck: str, approach: str, discussion: str) -> dict:
    return {
        "bottleneck_target": {
            "category": bottleneck,
            "human_target": "",
            "agent_target": "",
            "discussion": discussion,
        },
        "approach_comparison": {"category": approach, "discussion": discussion},
    }


def judge_patch(
    client,
    model: str,
    *,
    human_diff: str,
    agent_patch: str,
    task: dict | str | None = None,
    template_path: str | Path | None = None,
    max_patch_bytes: int = MAX_PATCH_BYTES,
    temperature: float = 0.0,
    max_tokens: int = 4096,
    stage: str = STAGE,
) -> dict:
    """Judge ``agent_patch`` against ``human_diff``.

    Returns ``{status: ok|invalid|no_patch, bottleneck_target{category, human_target,
    agent_target, discussion}, approach_comparison{category, discussion}, soft_pass, error,
    similarity, key, keys, repaired, raw_responses, truncated{human, agent}, prompt,
    prompt_sha256, model, cost_usd, cached}``. Provider failures and replay misses propagate.
    """
    template = PromptTemplate.load(template_path or prompt_path(PROMPT_NAME))
    similarity = patch_similarity(human_diff, agent_patch)
    provenance = {
        "similarity": similarity,
        "prompt": template.name,
        "prompt_sha256": template.sha256,
        "model": model,
    }
    if not (agent_patch or "").strip():
        return {**_no_patch_result(), **provenance}

    human_text, human_cut = truncate_bytes(human_diff or "", max_patch_bytes, "human diff")
    agent_text, agent_cut = truncate_bytes(agent_patch, max_patch_bytes, "agent patch")
    messages = template.messages(
        task=_task_text(task),
        human_diff=human_text.rstrip("\n"),
        agent_patch=agent_text.rstrip("\n"),
        similarity=json.dumps({k: similarity[k] for k in SIMILARITY_SHOWN}, sort_keys=True),
    )
    verdict, responses, errors = complete_with_repair(
        client,
        stage,
        model,
        messages,
        {"temperature": temperature, "max_tokens": max_tokens},
        _parse,
        lambda error: template.render("repair", error=error),
    )
    result = _judged_result(verdict, responses, errors)
    result["truncated"] = {"human": human_cut, "agent": agent_cut}
    return {
        **result,
        "cost_usd": summed_cost(responses),
        "cached": all(r.cached for r in responses),
        **provenance,
    }


def _no_patch_result() -> dict:
    """An empty patch is judged without the LLM: it targets nothing and is ineffective."""
    return {
        "status": "no_patch",
        **_verdict("no_optimization", "ineffective", NO_PATCH_DISCUSSION),
        "soft_pass": False,
        "error": None,
        "key": None,
        "keys": [],
        "repaired": False,
        "raw_responses": [],
        "truncated": {"human": False, "agent": False},
        "cost_usd": 0.0,
        "cached": True,
    }


def _judged_result(verdict: dict | None, responses: list, errors: list[str]) -> dict:
    """The verdict (``unknown`` when every reply stayed invalid) and the calls behind it."""
    error = None
    if verdict is None:
        error = (
            f"invalid judge output after one repair round: {errors[-1]} (first reply: {errors[0]})"
        )
    verdict = verdict or _verdict(UNKNOWN, UNKNOWN, error)
    return {
        "status": "ok" if error is None else "invalid",
        **verdict,
        "soft_pass": soft_pass(verdict["bottleneck_target"]["category"]),
        "error": error,
        "key": responses[-1].key,
        "keys": [r.key for r in responses],
        "repaired": len(responses) > 1,
        "raw_responses": [redact(r.text) for r in responses],
    }


def _parse(text: str) -> tuple[dict | None, str]:
    try:
        return validate_judgement(extract_json(text)), ""
    except ValueError as exc:
        return None, str(exc)
