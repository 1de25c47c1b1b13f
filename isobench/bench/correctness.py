"""The correctness gate of serving tasks: a patch that makes a server faster by changing what it
generates must not pass.

Standard library only: the file travels inside a serving task's perf test (with ``serving.py``)
and runs wherever the benchmark runs, a container included.

**Greedy decoding.** Once the server is healthy, before the timed client runs, the perf test asks
it for a greedy completion (temperature 0, fixed seed) of each prompt of a fixed set and prints
the generated tokens as one JSON line (``isobench_greedy``). The bench stage compares the agent's
tokens with the base's, prompt by prompt (:func:`compare_greedy`).

**Tolerance policy** (known nondeterminism). Greedy decoding on a GPU is deterministic for a fixed
batch, but kernels may pick a different reduction order for a different batch composition, and a
near-tie between two tokens can then flip, after which the texts diverge. So:

* the reference is every output the base produced for a prompt in any round (a prompt on which
  the base itself is unstable accepts each of its outputs);
* a prompt matches when the agent's first ``prefix_tokens`` tokens equal one of them;
* the gate passes when at least ``min_share`` of the prompts match in every agent round.

The defaults (all 32 tokens, every prompt) are strict; a study that sees the base itself vary
across rounds (``greedy.base_stable`` in the bench result is false) can lower them.

**lm-eval** (optional second gate, ``correctness.lm_eval``): the task's ``lm_eval_commands`` run
once per variant after the server stopped; their accuracy table is printed as one JSON line
(``isobench_lm_eval``), and the agent's score may fall at most ``lm_eval_tolerance`` below the
base's.
"""

from __future__ import annotations

import json
import re
import urllib.request

GREEDY_KEY = "isobench_greedy"
LM_EVAL_KEY = "isobench_lm_eval"

# Short, varied prompts: prose, code, arithmetic, a list, a translation, dialogue, a fact, JSON.
PROMPTS = (
    "The three most important ideas in the history of computing are",
    "def fibonacci(n):\n    ",
    "Question: What is 17 times 23?\nAnswer:",
    "A shopping list for a week of vegetarian dinners:\n1.",
    "Translate to French: The weather is nice today, so we will walk to the station.\n",
    "User: Can you explain what a hash table is?\nAssistant:",
    "The capital of Australia is",
    '{"name": "isobench", "purpose": "',
)


def greedy_outputs(base_url: str, model: str, count: int, max_tokens: int, timeout_s: float = 120):
    """The server's greedy tokens for the first ``count`` prompts (one list per prompt)."""
    outputs = []
    for prompt in PROMPTS[:count]:
        body = {
            "model": model,
            "prompt": prompt,
            "max_tokens": max_tokens,
            "temperature": 0,
            "seed": 0,
            "logprobs": 1,
        }
        request = urllib.request.Request(
            f"{base_url}/v1/completions",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            choice = json.loads(response.read())["choices"][0]
        tokens = ((choice.get("logprobs") or {}).get("tokens")) or list(choice.get("text") or "")
        outputs.append([str(t) for t in tokens])
    return outputs


def _json_lines(text: str, key: str):
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{") and key in line:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict) and key in obj:
                yield obj[key]


def parse_greedy(text: str) -> list[list[str]] | None:
    """The greedy outputs a serving perf test printed (the last such line), or None."""
    found = None
    for value in _json_lines(text, GREEDY_KEY):
        if isinstance(value, list) and all(isinstance(v, list) for v in value):
            found = [[str(t) for t in v] for v in value]
    return found


def parse_lm_eval_line(text: str) -> dict[str, float] | None:
    found = None
    for value in _json_lines(text, LM_EVAL_KEY):
        if isinstance(value, dict):
            found = {str(k): float(v) for k, v in value.items() if isinstance(v, int | float)}
    return found


# lm-eval's results table: |Tasks|Version|Filter|n-shot|Metric| |Value| |Stderr|
_LM_EVAL_ROW = re.compile(
    r"^\|\s*(?P<task>[^|]*?)\s*\|\s*[^|]*\|\s*(?P<filter>[^|]*?)\s*\|\s*[^|]*\|\s*"
    r"(?P<metric>[^|]*?)\s*\|\s*[^|]*\|\s*(?P<value>[-+0-9.eE]+)\s*\|"
)


def parse_lm_eval_table(text: str) -> dict[str, float]:
    """``{"task/metric/filter": value}`` from lm-eval's printed results table."""
    scores, task = {}, ""
    for line in text.splitlines():
        match = _LM_EVAL_ROW.match(line.strip())
        if not match or match["metric"].lower() == "metric":
            continue
        task = match["task"].strip(" -") or task  # continuation rows leave the task empty
        key = "/".join(p for p in (task, match["metric"], match["filter"]) if p and p != "none")
        scores[key] = float(match["value"])
    return scores


def _first_difference(a: list[str], b: list[str]) -> int:
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return index
    return min(len(a), len(b))


def compare_greedy(base_rounds: list, candidate_rounds: list, prefix_tokens: int, min_share: float):
    """The gate's verdict: every candidate round against every output the base produced."""
    prompts = len(base_rounds[0]) if base_rounds else 0
    worst = None
    for outputs in candidate_rounds:
        matched, mismatches = 0, []
        for i in range(prompts):
            got = outputs[i][:prefix_tokens] if i < len(outputs) else []
            references = [run[i][:prefix_tokens] for run in base_rounds]
            if got in references:
                matched += 1
            else:
                mismatches.append({"prompt": i, "token": _first_difference(got, references[0])})
        if worst is None or matched < worst["matched"]:
            worst = {"matched": matched, "mismatches": mismatches}
    share = worst["matched"] / prompts if prompts and worst else 0.0
    return {
        "prompts": prompts,
        "matched": worst["matched"] if worst else 0,
        "share": round(share, 4),
        "passed": bool(prompts) and share >= min_share,
        "mismatches": worst["mismatches"][:5] if worst else [],
        "base_stable": all(run == base_rounds[0] for run in base_rounds),
        "prefix_tokens": prefix_tokens,
        "min_share": min_share,
    }


def compare_lm_eval(base: dict[str, float], candidate: dict[str, float], tolerance: float):
    """Every score the base has must be within ``tolerance`` (absolute) of it, or above.

    Without any base score there is nothing to hold the agent to: the verdict is ``None``
    (reported, not a failure), and the commands' output is in the base's samples.
    """
    if not base:
        return {"passed": None, "reason": "the lm-eval commands printed no scores on the base"}
    drops = {
        key: {"base": value, "agent": candidate.get(key)}
        for key, value in base.items()
        if candidate.get(key) is None or candidate[key] < value - tolerance
    }
    return {"passed": not drops, "drops": drops, "tolerance": tolerance}
