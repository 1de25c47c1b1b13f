"""Does a variant need its compiled extensions rebuilt? Only if its diff touches compiled sources.

Images carry the parent commit's build (vLLM's per-commit wheel, SGLang's kernels). Most patches
(human and agent) change Python only and reuse those binaries; a patch that edits C++/CUDA or the
build files must be rebuilt, or the variant would silently run the parent's kernels.
"""

from __future__ import annotations

import posixpath
import re

COMPILED_SUFFIXES = (".cu", ".cuh", ".cpp", ".cc", ".cxx", ".c", ".h", ".hpp", ".hip", ".cmake")
COMPILED_DIRS = ("csrc", "sgl-kernel")
BUILD_FILES = ("CMakeLists.txt", "setup.py", "pyproject.toml")
_DIFF_PATH = re.compile(r"^diff --git a/(\S+) b/(\S+)", re.MULTILINE)


def is_compiled_source(path: str) -> bool:
    parts = path.split("/")
    name = parts[-1]
    if name in BUILD_FILES and len(parts) <= 2:  # top-level (or sgl-kernel/) build definitions
        return True
    if posixpath.splitext(name)[1].lower() in COMPILED_SUFFIXES:
        return True
    return any(part in COMPILED_DIRS for part in parts[:-1])


def needs_rebuild(paths) -> bool:
    """True if any changed path is a compiled source or a build file."""
    return any(is_compiled_source(p) for p in paths)


def patch_paths(patch: bytes | str) -> list[str]:
    """Paths a unified git diff touches (both sides of renames)."""
    if isinstance(patch, bytes):
        patch = patch.decode("utf-8", errors="replace")
    paths: list[str] = []
    for pair in _DIFF_PATH.findall(patch):
        for path in pair:
            if path not in paths:
                paths.append(path)
    return paths
