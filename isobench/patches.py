"""Patches are bytes: read, written, hashed and applied exactly as git produced them.

A text round trip breaks real patches: Python's universal newlines turn a file's ``\\r\\n`` into
``\\n`` (so the hunk no longer matches the file and ``git apply`` refuses it), and a strict UTF-8
decode fails on a Latin-1 source file. Only two places need a ``str``: the SWE-bench/GSO
predictions format, whose ``model_patch`` is a JSON string (``to_json_text`` / ``from_json_text``
round-trip any bytes losslessly, undecodable bytes as lone surrogates, which ``json.dumps``
escapes), and prompts shown to a model (``readable``: undecodable bytes replaced).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from isobench.io import atomic_path


def read_patch(path: str | os.PathLike) -> bytes:
    return Path(path).read_bytes()


def write_patch(path: str | os.PathLike, patch: bytes) -> None:
    """Write ``patch`` atomically, byte for byte."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        handle.write(patch)
        handle.flush()
        os.fsync(handle.fileno())


def to_json_text(patch: bytes) -> str:
    """The patch as a string that survives JSON (serialise with ensure_ascii=True)."""
    return patch.decode("utf-8", errors="surrogateescape")


def from_json_text(text: str) -> bytes:
    """The bytes of a patch that :func:`to_json_text` (or any tool writing UTF-8) produced."""
    return text.encode("utf-8", errors="surrogateescape")


def readable(patch: bytes) -> str:
    """The patch for a human or a model to read (undecodable bytes replaced, line ends kept)."""
    return patch.decode("utf-8", errors="replace")


def sha256(patch: bytes) -> str:
    return hashlib.sha256(patch).hexdigest()
