"""Rule-based similarity of two unified diffs (no LLM): shared files, lines and identifiers.

The judge sends a summary of it along with the two patches, and records it whole; the score
tables report its ``similarity_score``.
"""

from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher

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
