"""The versioned prompt templates of ``config/prompts/`` and the cutting of long prompt inputs.

Prompt template format (``config/prompts/<name>_v<N>.md``):

- an optional leading HTML comment ``<!-- ... -->`` documents the template; it is not sent;
- lines ``=== system ===``, ``=== user ===``, ``=== repair ===`` ... start named sections;
- placeholders are ``$name`` / ``${name}`` (:class:`string.Template`); ``$$`` is a literal ``$``.
  Values are inserted verbatim (a ``$`` or ``{`` inside a diff is never interpreted).

The template's provenance hash is the sha256 of the whole file text, comment included.
"""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "config" / "prompts"

_COMMENT = re.compile(r"\A\s*<!--.*?-->\s*", re.DOTALL)
_SECTION = re.compile(r"^=== ([A-Za-z_][A-Za-z0-9_]*) ===[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class PromptTemplate:
    name: str  # file stem, e.g. "classify_v1"
    text: str  # the whole file
    sha256: str  # of ``text``
    sections: dict[str, str]

    @classmethod
    def load(cls, path: str | Path) -> PromptTemplate:
        path = Path(path)
        text = path.read_text(encoding="utf-8")
        body = _COMMENT.sub("", text, count=1)
        marks = list(_SECTION.finditer(body))
        if not marks:
            raise ValueError(f"{path}: no '=== <section> ===' line; see isobench.llm docs")
        sections = {}
        for i, mark in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(body)
            sections[mark.group(1)] = body[mark.end() : end].strip("\n")
        return cls(path.stem, text, hashlib.sha256(text.encode("utf-8")).hexdigest(), sections)

    def placeholders(self, section: str) -> set[str]:
        found = set()
        for match in string.Template.pattern.finditer(self.sections[section]):
            name = match.group("named") or match.group("braced")
            if name:
                found.add(name)
        return found

    def render(self, section: str, **values: object) -> str:
        """The section with every ``$name`` replaced; a missing value raises KeyError."""
        if section not in self.sections:
            raise KeyError(f"prompt {self.name} has no section {section!r}")
        return string.Template(self.sections[section]).substitute(
            {k: str(v) for k, v in values.items()}
        )

    def messages(self, **values: object) -> list[dict]:
        """[system (if the template has one), user] chat messages."""
        out = []
        if "system" in self.sections:
            out.append({"role": "system", "content": self.render("system", **values)})
        out.append({"role": "user", "content": self.render("user", **values)})
        return out


def prompt_path(name: str, directory: str | Path | None = None) -> Path:
    """``<directory or config/prompts>/<name>.md``."""
    return Path(directory or PROMPTS_DIR) / f"{name}.md"


def truncate_chars(text: str, limit: int, what: str = "text") -> tuple[str, bool]:
    """``text`` cut to at most ``limit`` characters at a line boundary, with a visible marker."""
    if len(text) <= limit:
        return text, False
    cut = text.rfind("\n", 0, limit)
    if cut < limit // 2:
        cut = limit
    marker = f"\n[... {what} truncated: first {cut} of {len(text)} characters shown ...]\n"
    return text[:cut] + marker, True


def truncate_bytes(text: str, limit: int, what: str = "text") -> tuple[str, bool]:
    """Like :func:`truncate_chars` with ``limit`` in UTF-8 bytes."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text, False
    head = data[:limit].decode("utf-8", "ignore")
    cut = head.rfind("\n")
    if cut < len(head) // 2:
        cut = len(head)
    marker = f"\n[... {what} truncated: first {cut} characters ({limit} byte budget) of {len(data)} bytes shown ...]\n"
    return head[:cut] + marker, True
