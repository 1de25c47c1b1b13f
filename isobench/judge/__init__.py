"""Soft metrics: the LLM patch judge, rule-based patch similarity, and the quadrants.

Judge (spec section 4.3, ISO-Bench V4 patch-quality call, categorical only): the human diff and
the agent patch (each cut to 50 kB) go to ``config/prompts/judge_v1.md``; the reply must be one
JSON object with ``bottleneck_target.category`` in :data:`BOTTLENECK_CATEGORIES` and
``approach_comparison.category`` in :data:`APPROACH_CATEGORIES`, each with a ``discussion``.
Invalid or garbage output gets one repair round (the error is sent back); after that the result
has status ``invalid``, both categories ``unknown`` and the error.  An empty agent patch is not
sent to the judge: it is ``no_optimization`` / ``ineffective`` with status ``no_patch``.

The result's ``soft_pass`` follows :mod:`isobench.scoring.quadrants` (same_target or related_target);
the quadrants themselves are derived in the score stage, where the hard class is known.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from difflib import SequenceMatcher
from pathlib import Path

from isobench.llm import PromptTemplate, prompt_path, truncate_bytes
from isobench.llm.repair import complete_with_repair, summed_cost
from isobench.scoring.quadrants import UNKNOWN, norm_category, soft_pass
from isobench.secrets import redact

PROMPT_NAME = "judge_v1"
STAGE = "judge"
MAX_PATCH_BYTES = 50_000

BOTTLENECK_CATEGORIES = (
    "same_target",
    "related_target",
    "different_target",
    "no_optimization",
    "other",
)
APPROACH_CATEGORIES = (
    "same_approach",
    "similar_approach",
    "valid_alternative",
    "partial_solution",
    "ineffective",
    "harmful",
    "other",
)

# --------------------------------------------------------------------------------------------
# Rule-based similarity

_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
_DEF = re.compile(r"^\s*(?:async\s+)?def\s+([A-Za-z_]\w*)")
_CLASS = re.compile(r"^\s*class\s+([A-Za-z_]\w*)")
_IMPORT = re.compile(r"^\s*import\s+(.+)$")
_FROM = re.compile(r"^\s*from\s+([\w.]+)\s+import\s+(.+)$")
_ASSIGN = re.compile(
    r"^\s*([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*(?::[^=]+)?\s*(?:[-+*/%|&^@]|//|\*\*|<<|>>)?=(?!=)"
)
FUZZY_THRESHOLD = 0.8
_MAX_LINES = 3000  # per side, for the quadratic fuzzy matching


def parse_patch(text: str) -> tuple[list[str], list[str]]:
    """(changed files, changed lines with their +/- sign) of a unified diff.

    A file is named by its new path (its old path when deleted); ``diff --git`` headers without
    ``---``/``+++`` lines (binary or mode-only changes) still count. Hunk line counts are
    honoured, so a removed line that starts with ``--`` is not mistaken for a file header.
    """
    files: list[str] = []
    changed: list[str] = []
    old_left = new_left = 0
    git_path: str | None = None  # from the last "diff --git" header, until "+++" names the file
    old_path: str | None = None

    def add(path: str | None) -> None:
        if path and path not in files:
            files.append(path)

    for line in (text or "").splitlines():
        if old_left > 0 or new_left > 0:
            if line.startswith("+"):
                changed.append(line)
                new_left -= 1
            elif line.startswith("-"):
                changed.append(line)
                old_left -= 1
            elif not line.startswith("\\"):  # "\ No newline at end of file" counts for nothing
                old_left -= 1
                new_left -= 1
            continue
        match = _HUNK.match(line)
        if match:
            old_left = int(match.group(1)) if match.group(1) is not None else 1
            new_left = int(match.group(2)) if match.group(2) is not None else 1
            continue
        if line.startswith("diff --git "):
            add(git_path)
            parts = line.split(" b/", 1)
            git_path = parts[1].strip() if len(parts) == 2 else None
        elif line.startswith("--- "):
            path = line[4:].split("\t", 1)[0].strip()
            old_path = (
                None if path == "/dev/null" else (path[2:] if path.startswith("a/") else path)
            )
        elif line.startswith("+++ "):
            path = line[4:].split("\t", 1)[0].strip()
            if path == "/dev/null":
                add(old_path)
            else:
                add(path[2:] if path.startswith("b/") else path)
            git_path = old_path = None
    add(git_path)
    return files, changed


def _norm_lines(changed: list[str]) -> list[str]:
    out = []
    for line in changed[:_MAX_LINES]:
        body = line[1:].strip().lower()
        if body:
            out.append(body)
    return out


def identifiers(changed: list[str]) -> set[str]:
    """Names defined, imported or assigned on the changed lines."""
    names: set[str] = set()
    for line in changed:
        body = line[1:]
        for pattern in (_DEF, _CLASS):
            match = pattern.match(body)
            if match:
                names.add(match.group(1))
        match = _FROM.match(body)
        if match:
            names.add(match.group(1))
            for part in match.group(2).strip("() \\").split(","):
                name = part.strip().strip("()").split(" as ")[0].strip()
                if re.fullmatch(r"[A-Za-z_]\w*", name):
                    names.add(name)
            continue
        match = _IMPORT.match(body)
        if match:
            for part in match.group(1).split(","):
                name = part.strip().split(" as ")[0].strip()
                if re.fullmatch(r"[A-Za-z_][\w.]*", name):
                    names.add(name)
            continue
        if _DEF.match(body) or _CLASS.match(body):
            continue
        match = _ASSIGN.match(body)
        if match:
            for target in match.group(1).split(","):
                names.add(target.strip())
    return names


def _jaccard(a: set, b: set) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def _line_matches(human: list[str], agent: list[str]) -> tuple[int, int]:
    """(exact, fuzzy) one-to-one matches of normalised changed lines."""
    pool = Counter(agent)
    unmatched_human = []
    exact = 0
    for line in human:
        if pool[line] > 0:
            pool[line] -= 1
            exact += 1
        else:
            unmatched_human.append(line)
    remaining = [line for line, n in pool.items() for _ in range(n)]
    fuzzy = 0
    for line in unmatched_human:
        matcher = SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(line)
        best_i, best = -1, 0.0
        for i, candidate in enumerate(remaining):
            if candidate is None:
                continue
            matcher.set_seq1(candidate)
            if (
                matcher.real_quick_ratio() < FUZZY_THRESHOLD
                or matcher.quick_ratio() < FUZZY_THRESHOLD
            ):
                continue
            ratio = matcher.ratio()
            if ratio >= FUZZY_THRESHOLD and ratio > best:
                best_i, best = i, ratio
        if best_i >= 0:
            remaining[best_i] = None
            fuzzy += 1
    return exact, fuzzy


def patch_similarity(human_diff: str, agent_patch: str) -> dict:
    """Rule-based similarity of two unified diffs (no LLM).

    - ``file_jaccard``: Jaccard of the changed-file sets;
    - ``line_jaccard``: changed lines (stripped, lower-cased, blanks dropped) matched one-to-one,
      exactly first, then fuzzily (``SequenceMatcher`` ratio >= 0.8), over the union size;
    - ``sequence_ratio``: ``SequenceMatcher`` ratio of the two sequences of all changed lines
      (compared line by line, normalised as above);
    - ``identifier_jaccard``: Jaccard of def/class/import/assignment names on changed lines;
    - ``similarity_score`` (0-10) = 10 x (0.3 x |common files| / |human files| + 0.4 x
      sequence_ratio + 0.3 x identifier_jaccard).
    """
    h_files, h_changed = parse_patch(human_diff)
    a_files, a_changed = parse_patch(agent_patch)
    common = sorted(set(h_files) & set(a_files))
    h_lines, a_lines = _norm_lines(h_changed), _norm_lines(a_changed)
    exact, fuzzy = _line_matches(h_lines, a_lines)
    matched = exact + fuzzy
    union = len(h_lines) + len(a_lines) - matched
    if h_lines and a_lines:
        seq = SequenceMatcher(None, h_lines, a_lines, autojunk=False).ratio()
    else:
        seq = 0.0
    h_ids, a_ids = identifiers(h_changed), identifiers(a_changed)
    file_cov = len(common) / len(h_files) if h_files else 0.0
    id_j = _jaccard(h_ids, a_ids)
    score = 10.0 * (0.3 * file_cov + 0.4 * seq + 0.3 * id_j)
    return {
        "human_files": h_files,
        "agent_files": a_files,
        "common_files": common,
        "file_jaccard": round(_jaccard(set(h_files), set(a_files)), 4),
        "human_file_coverage": round(file_cov, 4),
        "human_changed_lines": len(h_lines),
        "agent_changed_lines": len(a_lines),
        "line_matches_exact": exact,
        "line_matches_fuzzy": fuzzy,
        "line_jaccard": round(matched / union, 4) if union else 0.0,
        "sequence_ratio": round(seq, 4),
        "human_identifiers": sorted(h_ids),
        "agent_identifiers": sorted(a_ids),
        "identifier_jaccard": round(id_j, 4),
        "similarity_score": round(score, 2),
    }


# --------------------------------------------------------------------------------------------
# LLM judge

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


def _unknown(discussion: str) -> dict:
    return {
        "bottleneck_target": {
            "category": UNKNOWN,
            "human_target": "",
            "agent_target": "",
            "discussion": discussion,
        },
        "approach_comparison": {"category": UNKNOWN, "discussion": discussion},
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
    base = {
        "similarity": similarity,
        "prompt": template.name,
        "prompt_sha256": template.sha256,
        "model": model,
    }
    if not (agent_patch or "").strip():
        verdict = {
            "bottleneck_target": {
                "category": "no_optimization",
                "human_target": "",
                "agent_target": "",
                "discussion": "The agent produced no patch; judged without an LLM call.",
            },
            "approach_comparison": {
                "category": "ineffective",
                "discussion": "The agent produced no patch; judged without an LLM call.",
            },
        }
        return {
            "status": "no_patch",
            **verdict,
            "soft_pass": False,
            "error": None,
            "key": None,
            "keys": [],
            "repaired": False,
            "raw_responses": [],
            "truncated": {"human": False, "agent": False},
            "cost_usd": 0.0,
            "cached": True,
            **base,
        }

    human_text, human_cut = truncate_bytes(human_diff or "", max_patch_bytes, "human diff")
    agent_text, agent_cut = truncate_bytes(agent_patch, max_patch_bytes, "agent patch")
    sim_view = {
        k: similarity[k]
        for k in (
            "common_files",
            "file_jaccard",
            "line_jaccard",
            "sequence_ratio",
            "similarity_score",
        )
    }
    messages = template.messages(
        task=_task_text(task),
        human_diff=human_text.rstrip("\n"),
        agent_patch=agent_text.rstrip("\n"),
        similarity=json.dumps(sim_view, sort_keys=True),
    )
    params = {"temperature": temperature, "max_tokens": max_tokens}

    verdict, responses, errors = complete_with_repair(
        client,
        stage,
        model,
        messages,
        params,
        _parse,
        lambda error: template.render("repair", error=error),
    )
    status = "ok" if verdict is not None else "invalid"
    error = None
    if verdict is None:
        error = (
            f"invalid judge output after one repair round: {errors[-1]} (first reply: {errors[0]})"
        )
        verdict = _unknown(error)
    return {
        "status": status,
        **verdict,
        "soft_pass": soft_pass(verdict["bottleneck_target"]["category"]),
        "error": error,
        "key": responses[-1].key,
        "keys": [r.key for r in responses],
        "repaired": len(responses) > 1,
        "raw_responses": [redact(r.text) for r in responses],
        "truncated": {"human": human_cut, "agent": agent_cut},
        "cost_usd": summed_cost(responses),
        "cached": all(r.cached for r in responses),
        **base,
    }


def _parse(text: str) -> tuple[dict | None, str]:
    try:
        return validate_judgement(extract_json(text)), ""
    except ValueError as exc:
        return None, str(exc)
