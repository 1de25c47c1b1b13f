"""LLM classification of performance commits (ISO-Bench / GSO stage 2, spec section 2.1).

One user prompt per commit (message + changed files + diff) rendered from
``config/prompts/classify_v1.md``; the model answers ``[REASON]...[/REASON]`` and
``[ANSWER]YES|NO[/ANSWER]``.  A reply without a parsable answer gets one repair request (the
conversation plus the template's ``repair`` section); if that fails too the verdict is ``None``
with reason ``"unparsable"``.  Provider failures (:class:`~isobench.llm.LLMCallError`) and replay
misses (:class:`~isobench.llm.ReplayMissError`) propagate: they are not verdicts.

Diff budget: the diff is cut (at a line boundary) to ``max_diff_tokens`` tokens, default 20,000
(the reference's ``MAX_COMMIT_TOKENS``).  Tokens are *approximated* as ``len(text) / 4``
characters - no tokenizer is loaded, so the budget is model-independent and deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from isobench import gitutil
from isobench.llm import PromptTemplate, prompt_path, truncate_chars
from isobench.llm.repair import complete_with_repair, summed_cost

PROMPT_NAME = "classify_v1"
STAGE = "classify"
DEFAULT_MAX_DIFF_TOKENS = 20_000
CHARS_PER_TOKEN = 4

_ANSWER = re.compile(r"\[ANSWER\]\s*\**\s*(YES|NO)\b\s*\**\s*\[/ANSWER\]", re.IGNORECASE)
_REASON = re.compile(r"\[REASON\](.*?)\[/REASON\]", re.IGNORECASE | re.DOTALL)


def approx_tokens(text: str) -> int:
    """Token estimate used for budgets: characters / 4, rounded up."""
    return -(-len(text) // CHARS_PER_TOKEN)


def parse_answer(text: str) -> tuple[bool | None, str]:
    """(verdict, reason) from a reply; verdict None when there is no [ANSWER]YES|NO[/ANSWER].

    The last answer tag wins (models sometimes quote the format before answering).
    """
    answers = _ANSWER.findall(text or "")
    reasons = _REASON.findall(text or "")
    reason = " ".join(reasons[-1].split()) if reasons else ""
    if not answers:
        return None, reason
    return answers[-1].upper() == "YES", reason


def _files_block(commit: dict) -> str:
    files = commit.get("files") or commit.get("files_changed") or []
    lines = []
    for item in files:
        if isinstance(item, list | tuple) and len(item) == 3:
            added, removed, path = item
            lines.append(f"{path} (+{added}/-{removed})")
        else:
            lines.append(str(item))
    return "\n".join(lines) if lines else "(not listed)"


def build_messages(
    commit: dict,
    template: PromptTemplate,
    max_diff_tokens: int = DEFAULT_MAX_DIFF_TOKENS,
) -> tuple[list[dict], bool]:
    """The chat messages for ``commit`` and whether its diff was truncated.

    ``commit`` keys: ``message`` (full message; ``commit_message`` also accepted), ``subject``
    (defaults to the message's first line), ``diff`` or ``diff_text``, optional ``files`` /
    ``files_changed`` (paths, or ``(added, removed, path)`` numstat rows).
    """
    message = commit.get("message") or commit.get("commit_message") or ""
    subject = commit.get("subject") or commit.get("commit_subject") or message.split("\n", 1)[0]
    diff = commit.get("diff") or commit.get("diff_text") or ""
    diff, truncated = truncate_chars(diff, max_diff_tokens * CHARS_PER_TOKEN, "diff")
    note = f"(The diff was truncated to about {max_diff_tokens} tokens.)\n" if truncated else ""
    messages = template.messages(
        subject=subject,
        message=message.strip() or subject,
        files=_files_block(commit),
        diff=diff.rstrip("\n"),
        truncation=note,
    )
    return messages, truncated


def classify_commit(
    client,
    model: str,
    commit: dict,
    *,
    template_path: str | Path | None = None,
    max_diff_tokens: int = DEFAULT_MAX_DIFF_TOKENS,
    temperature: float = 0.0,
    max_tokens: int = 1024,
    stage: str = STAGE,
) -> dict:
    """Ask ``model`` whether ``commit`` is a performance optimization.

    Returns ``{is_perf: bool | None, reason, key, keys, repaired, truncated, prompt, prompt_sha256,
    model, cost_usd, cached}``: ``key`` is the store key of the reply the verdict came from
    (the repair call's when there was one), ``keys`` every call's key, ``cost_usd`` their sum
    (None when a price is unknown), ``cached`` whether every reply was replayed.
    """
    template = PromptTemplate.load(template_path or prompt_path(PROMPT_NAME))
    messages, truncated = build_messages(commit, template, max_diff_tokens)
    params = {"temperature": temperature, "max_tokens": max_tokens}

    def parse(text: str) -> tuple[tuple[bool, str] | None, str]:
        verdict, reason = parse_answer(text)
        return ((verdict, reason), "") if verdict is not None else (None, reason)

    answer, responses, _errors = complete_with_repair(
        client, stage, model, messages, params, parse, lambda _error: template.render("repair")
    )
    verdict, reason = answer if answer is not None else (None, "unparsable")
    return {
        "is_perf": verdict,
        "reason": reason,
        "key": responses[-1].key,
        "keys": [r.key for r in responses],
        "repaired": len(responses) > 1,
        "truncated": truncated,
        "prompt": template.name,
        "prompt_sha256": template.sha256,
        "model": model,
        "cost_usd": summed_cost(responses),
        "cached": all(r.cached for r in responses),
    }


def llm_classifier(client, model: str, repo: str | Path) -> Callable[[dict], tuple]:
    """A stage-2 classifier asking ``model`` about each commit (message, files and diff).

    Returns ``(verdict, reason, provenance)``; an unparsable answer after the repair round is
    ``False`` with reason ``unparsable`` (not a perf commit, visibly so). A root commit has no
    diff to judge and costs no call.
    """

    def classify(commit: dict) -> tuple[bool, str, dict]:
        if commit["parent"] is None:
            return False, "root commit: no parent to compare against", {}
        diff = gitutil.diff(repo, commit["parent"], commit["sha"])
        result = classify_commit(client, model, {**commit, "diff": diff})
        provenance = {
            k: result[k]
            for k in ("key", "keys", "repaired", "truncated", "prompt", "prompt_sha256", "cost_usd")
        }
        return bool(result["is_perf"]), result["reason"], {"llm": provenance}

    return classify
