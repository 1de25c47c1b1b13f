"""LLM-written performance tests, validated by running them (spec section 2.4, improved).

The reference validated generated tests only with ``ast.parse``; here a test counts only after
it has *run*: :func:`synthesize_test` renders ``config/prompts/synthesize_test_v1.md`` from a task
record, extracts the Python script from the reply, and runs it through a caller-supplied
``run_variant(variant, code) -> {"returncode": int, "output": str}`` on the parent tree
(``"base"``) and on the commit tree (``"human"``).  The test is ``validated`` when both runs exit 0,
print the contract's final JSON line (``avg_ms`` read by :func:`isobench.bench.metrics.parse_metrics` as
``test_avg_ms``; ``result_digest`` by :func:`isobench.bench.metrics.parse_output_digest`) and the two
digests are equal; the human speedup (base avg / human avg) is recorded.  Otherwise the error and
the tail of the failing output go back to the model with ``repair_test_v1.md``, for up to
``max_repairs`` rounds; then the verdict is ``failed`` with the last reason.

Diff budget as in :mod:`isobench.mining.llm`: ``max_diff_tokens`` tokens approximated as
``len(text) / 4`` characters (no tokenizer).
"""

from __future__ import annotations

import ast
import hashlib
import re
import time
from collections.abc import Callable
from pathlib import Path

from isobench.bench.metrics import parse_metrics, parse_output_digest
from isobench.llm import PromptTemplate, prompt_path, truncate_chars
from isobench.llm.repair import summed_cost
from isobench.secrets import redact

PROMPT_NAME = "synthesize_test_v1"
REPAIR_PROMPT_NAME = "repair_test_v1"
STAGE = "synthesize"
DEFAULT_MAX_DIFF_TOKENS = 20_000
CHARS_PER_TOKEN = 4
VARIANTS = ("base", "human")
TEST_METRIC = "test_avg_ms"  # the contract line's avg_ms, as the metric catalog names it
MIN_CODE_CHARS = 40

RunVariant = Callable[[str, str], dict]

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_CODE_START = re.compile(r"^(#!|#|import |from |def |class |async def |\"\"\"|'''|@|if __name__)")


def extract_code(text: str) -> str | None:
    """The Python script in a reply: the longest python-tagged (else untagged) fenced block, or
    the reply itself minus leading/trailing prose. None if nothing looks like code."""
    text = (text or "").replace("\r\n", "\n")
    blocks = [(lang.lower(), body) for lang, body in _FENCE.findall(text)]
    if blocks:
        python = [b for lang, b in blocks if lang in ("python", "py", "python3")]
        plain = [b for lang, b in blocks if lang == ""]
        chosen = python or plain or [b for _, b in blocks]
        code = max(chosen, key=len).strip("\n")
        return code + "\n" if code.strip() else None
    lines = text.strip("\n").split("\n")
    start = next((i for i, line in enumerate(lines) if _CODE_START.match(line)), None)
    if start is None:
        return None
    lines = lines[start:]
    # Drop trailing prose: shrink from the end while the script does not parse.
    for end in range(len(lines), 0, -1):
        candidate = "\n".join(lines[:end]).strip("\n") + "\n"
        try:
            ast.parse(candidate)
        except SyntaxError:
            continue
        return candidate
    return "\n".join(lines).strip("\n") + "\n"


def check_code(code: str | None) -> tuple[str, str] | None:
    """(verdict, error) when ``code`` cannot be a test script; None when it may be run."""
    if code is None or len(code.strip()) < MIN_CODE_CHARS:
        return "no_code", "the reply contained no Python script (or only a trivial fragment)"
    if not re.search(r"^\s*(import|from|def|class)\b", code, re.MULTILINE):
        return "no_code", "the reply has no import, def or class: not a complete script"
    try:
        ast.parse(code)
    except SyntaxError as exc:
        return "syntax_error", f"SyntaxError: {exc.msg} (line {exc.lineno})"
    return None


def _files_text(task: dict) -> str:
    files = task.get("files_changed") or task.get("files") or []
    out = []
    for item in files:
        out.append(str(item[2]) if isinstance(item, list | tuple) and len(item) == 3 else str(item))
    return "\n".join(out) or "(not listed)"


def build_messages(
    task: dict, template: PromptTemplate, max_diff_tokens: int = DEFAULT_MAX_DIFF_TOKENS
) -> tuple[list[dict], bool]:
    """The synthesis conversation's first messages for ``task``, and whether the diff was cut."""
    diff, truncated = truncate_chars(
        task.get("diff_text") or "", max_diff_tokens * CHARS_PER_TOKEN, "diff"
    )
    subject = task.get("subject") or task.get("commit_subject") or ""
    message = task.get("message") or task.get("commit_message") or subject
    messages = template.messages(
        commit_hash=task.get("commit_hash") or "",
        subject=subject,
        message=message.strip(),
        files_changed=_files_text(task),
        diff=diff.rstrip("\n"),
        truncation=(
            f"(The diff was truncated to about {max_diff_tokens} tokens.)\n" if truncated else ""
        ),
        perf_command=task.get("perf_command") or "(none)",
        mode=task.get("mode") or "unknown",
        primary_metric=task.get("primary_metric") or "unknown",
    )
    return messages, truncated


_FLOAT = re.compile(r"(?<![\w.])-?\d+\.\d{2,}(?:[eE][-+]?\d+)?")
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")


def stable_feedback(text: str) -> str:
    """``text`` with run-to-run noise masked: floats with 2+ decimals (timings) and memory
    addresses. A repair request quotes the failing run's output; unmasked, it would differ on
    every run, so its store key would too: replay would miss and a re-run would pay again.
    (Machine paths are replaced by the caller, which knows them.)"""
    return _ADDRESS.sub("0x<addr>", _FLOAT.sub("<float>", text or ""))


def _tail(text: str, limit: int) -> str:
    text = redact(text or "")
    return text if len(text) <= limit else "[...]\n" + text[-limit:]


def _run(run_variant: RunVariant, variant: str, code: str, tail_chars: int) -> dict:
    """One validation run, summarised (never raises)."""
    started = time.perf_counter()
    try:
        result = run_variant(variant, code) or {}
        returncode = result.get("returncode")
        output = str(result.get("output") or "")
        error = None
    except Exception as exc:  # a failing callback is a failed run, not a crashed stage
        returncode, output = None, ""
        error = f"run_variant raised {type(exc).__name__}: {redact(str(exc))}"
    wall = time.perf_counter() - started
    metrics = parse_metrics(output)
    return {
        "returncode": returncode,
        "avg_ms": metrics.get("test_avg_ms"),
        "p50_ms": metrics.get("test_p50_ms"),
        "p95_ms": metrics.get("test_p95_ms"),
        "result_digest": parse_output_digest(output),
        "wall_s": round(wall, 3),
        "output_tail": _tail(output, tail_chars),
        "error": error,
    }


def validate_code(
    code: str, run_variant: RunVariant, tail_chars: int = 3000
) -> tuple[str, str | None, str, dict]:
    """Run ``code`` on base then human: (verdict, error, failing variant, runs by variant).

    Verdicts: ``validated``, ``run_error`` (the callback raised), ``run_failed`` (non-zero exit),
    ``no_metrics`` (no final JSON line with avg_ms), ``no_digest``, ``digest_mismatch``.
    """
    runs: dict[str, dict] = {}
    for variant in VARIANTS:
        run = runs[variant] = _run(run_variant, variant, code, tail_chars)
        if run["error"] is not None:
            return "run_error", f"{run['error']} on the {variant} tree", variant, runs
        if run["returncode"] != 0:
            return (
                "run_failed",
                f"the script exited with status {run['returncode']} on the {variant} tree",
                variant,
                runs,
            )
        if run["avg_ms"] is None:
            return (
                "no_metrics",
                f"on the {variant} tree the script printed no final JSON line with a numeric avg_ms",
                variant,
                runs,
            )
        if run["result_digest"] is None:
            return (
                "no_digest",
                f"on the {variant} tree the final JSON line has no hex result_digest",
                variant,
                runs,
            )
    base, human = runs["base"]["result_digest"], runs["human"]["result_digest"]
    if base != human:
        return (
            "digest_mismatch",
            f"result_digest differs between base ({base[:16]}...) and human ({human[:16]}...): "
            "it must hash only the computed results, canonicalised (rounded floats) so that "
            "equivalent outputs hash the same - no timings, ids or unseeded randomness",
            "human",
            runs,
        )
    return "validated", None, "", runs


def synthesize_test(
    client,
    model: str,
    task: dict,
    run_variant: RunVariant,
    max_repairs: int = 2,
    *,
    template_path: str | Path | None = None,
    repair_template_path: str | Path | None = None,
    max_diff_tokens: int = DEFAULT_MAX_DIFF_TOKENS,
    temperature: float = 0.0,
    max_tokens: int = 16384,
    output_tail_chars: int = 3000,
    stage: str = STAGE,
) -> tuple[str | None, dict]:
    """Generate a perf test for ``task`` and validate it by running it; repair on failure.

    ``task`` keys: commit_hash, subject, message, diff_text, files_changed, perf_command, mode,
    primary_metric (instance_id and direction are copied into the record when present).
    Returns ``(code, record)``; ``code`` is None unless the verdict is ``validated``.
    The record: ``schema, source="llm", stage, model, commit_hash, instance_id, mode,
    primary_metric, direction, prompt, prompt_sha256, repair_prompt, repair_prompt_sha256,
    diff_truncated, max_repairs, verdict (validated|failed), reason, human_speedup, base_avg_ms,
    human_avg_ms, result_digest, perf_test_sha256, cost_usd, cached`` and ``validation`` =
    ``{verdict, reason, rounds}`` where each round is ``{round, kind (generate|repair), key,
    cached, cost_usd, code_sha256, verdict, error, variant, runs{base, human}}``.
    Provider failures and replay misses propagate.
    """
    template = PromptTemplate.load(template_path or prompt_path(PROMPT_NAME))
    repair = PromptTemplate.load(repair_template_path or prompt_path(REPAIR_PROMPT_NAME))
    messages, truncated = build_messages(task, template, max_diff_tokens)
    rounds, responses, code = _generate_and_validate(
        client,
        stage,
        model,
        messages,
        {"temperature": temperature, "max_tokens": max_tokens},
        run_variant,
        repair,
        max_repairs,
        output_tail_chars,
    )
    record = {
        "schema": 1,
        "source": "llm",
        "stage": stage,
        "model": model,
        **_task_fields(task),
        "prompt": template.name,
        "prompt_sha256": template.sha256,
        "repair_prompt": repair.name,
        "repair_prompt_sha256": repair.sha256,
        "diff_truncated": truncated,
        "max_repairs": max_repairs,
        **_outcome(rounds, code),
        "cost_usd": summed_cost(responses),
        "cached": all(r.cached for r in responses),
    }
    return code, record


def _task_fields(task: dict) -> dict:
    return {
        "commit_hash": task.get("commit_hash"),
        "instance_id": task.get("instance_id"),
        "mode": task.get("mode"),
        # The bench stage times what this test prints (its contract's avg_ms), not the task's
        # PR-command metric, which is kept for reference.
        "primary_metric": TEST_METRIC,
        "direction": "lower",
        "task_primary_metric": task.get("primary_metric"),
    }


def _generate_and_validate(
    client,
    stage: str,
    model: str,
    messages: list[dict],
    params: dict,
    run_variant: RunVariant,
    repair: PromptTemplate,
    max_repairs: int,
    tail_chars: int,
) -> tuple[list[dict], list, str | None]:
    """(rounds, responses, validated code or None): ask, run the reply, and while it fails send
    the error and the failing output back, for up to ``max_repairs`` more replies."""
    rounds: list[dict] = []
    responses: list = []
    for index in range(max_repairs + 1):
        response = client.complete(stage, model, messages, **params)
        responses.append(response)
        code = extract_code(response.text)
        problem = check_code(code)
        if problem is not None:
            (verdict, error), variant, runs = problem, "none", {}
            output_tail = _tail(response.text, tail_chars)
        else:
            verdict, error, variant, runs = validate_code(code, run_variant, tail_chars)
            output_tail = runs.get(variant, {}).get("output_tail", "") if variant else ""
        rounds.append(
            {
                "round": index,
                "kind": "generate" if index == 0 else "repair",
                "key": response.key,
                "cached": response.cached,
                "cost_usd": response.cost_usd,
                "code_sha256": hashlib.sha256(code.encode()).hexdigest() if code else None,
                "verdict": verdict,
                "error": error,
                "variant": variant or None,
                "runs": runs,
            }
        )
        if verdict == "validated":
            return rounds, responses, code
        feedback = repair.render(
            "user",
            error=stable_feedback(error),
            variant=variant or "none",
            output_tail=stable_feedback(output_tail),
        )
        messages = [
            *messages,
            {"role": "assistant", "content": response.text},
            {"role": "user", "content": feedback},
        ]
    return rounds, responses, None


def _outcome(rounds: list[dict], code: str | None) -> dict:
    """The record's verdict and, for a validated test, its timings on base and human."""
    last = rounds[-1]
    if code is None:
        reason = f"{last['verdict']}: {last['error']} (after {len(rounds)} round(s))"
        timings = dict.fromkeys(("human_speedup", "base_avg_ms", "human_avg_ms", "result_digest"))
        return {
            "verdict": "failed",
            "reason": reason,
            **timings,
            "perf_test_sha256": None,
            "validation": {"verdict": "failed", "reason": reason, "rounds": rounds},
        }
    reason = f"validated in round {last['round']} (base and human ran, digests equal)"
    runs = last["runs"]
    base_ms, human_ms = runs["base"]["avg_ms"], runs["human"]["avg_ms"]
    speedup = base_ms / human_ms if base_ms and human_ms else None
    return {
        "verdict": "validated",
        "reason": reason,
        "human_speedup": round(speedup, 6) if speedup is not None else None,
        "base_avg_ms": base_ms,
        "human_avg_ms": human_ms,
        "result_digest": runs["base"]["result_digest"],
        "perf_test_sha256": hashlib.sha256(code.encode()).hexdigest(),
        "validation": {"verdict": "validated", "reason": reason, "rounds": rounds},
    }
