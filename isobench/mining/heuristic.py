"""The offline stage-2 classifier: a commit is a performance commit when its subject (or message)
states a speed-up intent and its diff changes library source code.

Two questions, answered separately so each verdict names its reason:

* **Intent** comes from what the subject says the commit *does*, not from stray words. Its
  leading verb or tag decides first ("Revert ...", "Rename ...", "docs: ...", "[Bugfix] ..."
  describe other work, whatever follows), then performance phrases ("speed up", "faster",
  "avoid repeated ...", "cache", "vectorize", "fast path", "reduce overhead", ...). A measured
  claim in the body ("2.1x faster", "30% less time") also counts. A word such as "comment" or
  "latency" on its own says nothing either way ("Faster comment parsing" is an optimisation,
  "Log scheduler latency" is not).
* **Files** separate library source from tests, docs, benchmarks, CI and packaging: a commit that
  only touches benchmark scripts or result tables ("Update performance benchmark and results")
  changes no code that users run, so it cannot be an optimisation of it. Any number of source
  lines counts (real optimisations are often one or two lines).
"""

from __future__ import annotations

import posixpath
import re

from isobench.tasks import is_doc_file, is_test_file

SOURCE_SUFFIXES = {
    ".py", ".pyx", ".pxd", ".c", ".cc", ".cpp", ".cu", ".cuh", ".h", ".hpp", ".rs", ".go",
    ".java", ".js", ".ts", ".triton",
}  # fmt: skip
BENCHMARK_DIRS = {"benchmark", "benchmarks", "bench", "benches", "asv_bench", "perf_tests"}
TOOLING_DIRS = {".github", ".gitlab", ".circleci", ".buildkite", "ci", "tools", "scripts", "docker"}
PACKAGING_FILES = {"setup.py", "conftest.py", "noxfile.py", "tasks.py", "conf.py"}

# A tag or conventional-commit type at the start of the subject: "[Perf]", "perf(lexer):".
_TAGS = re.compile(r"^\s*((\[[^\]]*\]\s*)+|[a-z]+(\([^)]*\))?!?:\s*)", re.IGNORECASE)
_TAG_WORDS = re.compile(r"[a-z]+", re.IGNORECASE)
PERF_TAGS = {"perf", "performance", "speedup", "optimization", "optimisation", "opt"}
OTHER_TAGS = {
    "doc", "docs", "documentation", "test", "tests", "ci", "build", "chore", "style", "release",
    "bugfix", "fix", "revert", "typo", "lint", "deps", "ci/build",
}  # fmt: skip

# Leading words that name work other than an optimisation, whatever the rest of the subject says.
OTHER_WORK = re.compile(
    r"^(revert\w*|refactor\w*|renam\w*|reformat\w*|format\w*|lint\w*|bump\w*|merge\w*|"
    r"release\w*|document\w*|fix(es|ed)?\s+(a\s+|the\s+)?(typo|comment|doc|flaky|lint|test)\w*|"
    r"typo\w*|(add|update|improve|expand)\w*\s+(a\s+|the\s+)?(\w+\s+)?"
    r"(tests?|benchmarks?|docs?|documentation|readme|changelog|guide|type hints?|comments?|"
    r"examples?)\b|remove\s+unused|(drop|remov)\w*\s+(the\s+)?(support|deprecated|legacy|obsolete|dead)|"
    r"clean\s*up|(use|switch\w*|migrat\w*|port\w*|mov\w*)\s+(to\s+)?(the\s+)?(new|newer|updated|latest)\b)",
    re.IGNORECASE,
)
# Tooling names: "Optimize imports ordering with isort" is formatting, not a speed-up.
TOOLING = re.compile(
    r"\b(isort|black|ruff|flake8|pylint|mypy|pre-commit|typos?|import (order|sort)\w*)\b",
    re.IGNORECASE,
)
PERF_INTENT = re.compile(
    r"\b(speed(s|ed|ing)?[- ]?up|speedups?|faster|quicker|optimi[sz](e|es|ed|ing|ation)|perf\b|"
    r"performance|vectori[sz]\w*|fast[- ]?path|hot[- ]path|^cache[sd]?\b|cach(ed|ing)\b|memoi[sz]\w*|"
    r"precomput\w*|precompil\w*|pre-?allocat\w*|reus(e|es|ed|ing)\b|cheaper|"
    r"lazil?y|fus(e|ed|es|ing)\b|in[- ]place|quadratic|o\(1\)|o\(n\)|instead of a (loop|scan)|"
    r"avoid\w*\s+(\w+\s+)?(repeated|redundant|unnecessary|extra|needless|copies|copy|"
    r"allocations?|recomput\w*|lookups?)|"
    r"(reduc|cut|lower|minimi[sz]|decreas)\w*\s+([\w-]+\s+){0,3}(overhead|latency|copies|"
    r"allocations?|memory|launches|round[- ]trips|time|calls|contention)|"
    r"(improv|increas|boost)\w*\s+(the\s+)?(throughput|latency|performance|speed)|"
    r"skip\w*\s+(\w+\s+)?(redundant|unnecessary|repeated)|efficien\w*|"
    r"(deque|bisect|__slots__)\b|less\s+(time|work|overhead)|"
    # Mechanisms named without a speed word: work done once instead of per item, work skipped,
    # smaller objects, work overlapped with other work.
    r"\bonce\s+(per|instead)\b|short[- ]circuit\w*|early[- ](exit|return)|"
    r"light(er)?[- ]?weight|leaner|overlap\w*\s+.+\bwith\b)",
    re.IGNORECASE,
)
# A subject that says neither: its leading verb tells a change of *how* code works (a rework of
# an implementation, the usual form of an optimisation without the word) from a change of
# *what* it does (add, support, fix, warn, ...), which is not an optimisation.
REWORK_VERBS = re.compile(
    r"^(use|using|avoid\w*|hoist\w*|trim\w*|stream\w*|replac\w*|reus\w*|skip\w*|inline\w*|"
    r"switch\w*|pin\w*|defer\w*|batch\w*|eliminat\w*|remov\w*|drop\w*|shrink\w*|pool\w*|"
    r"preallocat\w*|precomput\w*|move\w*\s+\S+.*\bout of\b|decode\w*\s+in one|compute\w*\s+once|"
    r"share\w*|fold\w*|simplif\w*\s+the\s+hot|make\w*\s+\S+.*\b(cheaper|lighter|leaner))\b",
    re.IGNORECASE,
)
SLOWNESS = re.compile(r"^fix(es|ed)?\s+(a\s+|the\s+)?slow\w*|\bis slow\b", re.IGNORECASE)
# A measured claim in the message body: "2.1x faster", "30% less time", "1.5x speedup".
CLAIM = re.compile(
    r"(\d+(\.\d+)?\s*[x×]\s*(faster|speed[- ]?up|higher|lower|throughput|less)|"
    r"\d+(\.\d+)?\s*%\s*(faster|less|lower|fewer|higher|reduction|speed[- ]?up|improvement)|"
    r"(drops?|falls?|goes|went|down|reduced?)\s+from\s+\d+(\.\d+)?\s*(ms|s|us|µs|seconds)\s+to\s+\d)",
    re.IGNORECASE,
)


def file_kind(path: str) -> str:
    """source | test | doc | benchmark | tooling | other, by the path alone."""
    parts = path.split("/")
    base = posixpath.basename(path)
    suffix = posixpath.splitext(base)[1].lower()
    if is_test_file(path):
        return "test"
    if is_doc_file(path):
        return "doc"
    stem = posixpath.splitext(base)[0].lower()
    if (
        BENCHMARK_DIRS & {p.lower() for p in parts[:-1]}
        or stem.startswith(("bench_", "benchmark_"))
        or stem.endswith(("_bench", "_benchmark"))
    ):
        return "benchmark"
    if TOOLING_DIRS & {p.lower() for p in parts[:1]} or base in PACKAGING_FILES:
        return "tooling"
    if suffix in SOURCE_SUFFIXES:
        return "source"
    return "other"


def is_source_file(path: str) -> bool:
    return file_kind(path) == "source"


def subject_intent(subject: str, body: str = "") -> tuple[bool | None, str]:
    """(True, phrase): a speed-up; (False, what): other work; (None, ""): says neither."""
    rest = subject.strip()
    tags = _TAGS.match(rest)
    if tags:
        words = {w.lower() for w in _TAG_WORDS.findall(tags.group(0))}
        rest = rest[tags.end() :]
        if words & PERF_TAGS:
            return True, f"tagged {tags.group(0).strip()}"
        if words & OTHER_TAGS:
            return False, f"tagged {tags.group(0).strip()}"
    other = not SLOWNESS.match(rest) and (OTHER_WORK.match(rest) or TOOLING.search(rest))
    if other:
        return False, f"{other.group(0).strip()!r}"
    phrase = PERF_INTENT.search(rest) or SLOWNESS.search(rest)
    if phrase:
        return True, f"{phrase.group(0)!r}"
    claim = CLAIM.search(body)
    if claim:
        return True, f"claims {claim.group(0)!r}"
    rework = REWORK_VERBS.match(rest)
    if rework:
        return True, f"reworks an implementation ({rework.group(0).split()[0]!r})"
    return None, ""


def classify_heuristic(commit: dict, min_source_lines: int = 1) -> tuple[bool, str]:
    """(is_perf, reason) of one commit from ``git log``: subject, message and numstat files."""
    if commit["parent"] is None:
        return False, "root commit: no parent to compare against"
    subject = commit.get("subject") or commit["message"].split("\n", 1)[0]
    body = commit["message"][len(subject) :] if commit["message"].startswith(subject) else ""
    intent, why = subject_intent(subject, body)
    if intent is False:
        return False, f"the subject describes other work ({why})"
    source = [(a, r, p) for a, r, p in commit["files"] if is_source_file(p)]
    if not source:
        kinds = sorted({file_kind(p) for _, _, p in commit["files"]}) or ["no"]
        return False, f"changes only {', '.join(kinds)} files, no library source"
    lines = sum(a + r for a, r, _ in source)
    if lines < min_source_lines:
        return False, f"only {lines} edited source line(s) (< {min_source_lines})"
    if intent is None:
        return False, "neither the subject nor the message states a speed-up"
    files = ", ".join(p for _, _, p in source[:3])
    return True, f"speed-up intent ({why}); {lines} edited source line(s) in {files}"
