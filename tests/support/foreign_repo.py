"""A small library that was not written for isobench, and a study of it as a new user sets one up.

``textlib`` has what real repositories have and the demo does not: a source file stored with
CRLF line endings and a Latin-1 comment (not UTF-8), a binary data file, a file without a
trailing newline, a rename and a mode change. Its three performance commits touch exactly those:

* ``crlf``: ``textlib/core.py`` (CRLF, Latin-1) sleeps less;
* ``rename``: ``slow_impl.py`` becomes ``impl.py`` and sleeps less, its precomputed binary table
  grows (same results), and ``tools/profile.sh`` becomes executable;
* ``noeol``: ``textlib/tail.py`` (no trailing newline) sleeps less.

The study directory holds the user's own benchmark script and one workload file per task
(``perf_inputs``: they are not in the repository), a commit list, a predictions file and
``config/config.yaml``, and is run from the isobench checkout with ``--directory``.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
from pathlib import Path

from isobench.patches import to_json_text

ENV = {
    "GIT_AUTHOR_NAME": "Text Lib",
    "GIT_AUTHOR_EMAIL": "dev@textlib.invalid",
    "GIT_COMMITTER_NAME": "Text Lib",
    "GIT_COMMITTER_EMAIL": "dev@textlib.invalid",
    "GIT_AUTHOR_DATE": "2025-03-01T10:00:00+00:00",
    "GIT_COMMITTER_DATE": "2025-03-01T10:00:00+00:00",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,  # a user's core.autocrlf must not rewrite the CRLF file
}
SLOW, FAST = 0.09, 0.02


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        env={**os.environ, **ENV},
    ).stdout.decode()


def _core(delay: float, impl: str) -> bytes:
    lines = [
        b"# -*- coding: latin-1 -*-",
        b"import time",
        f"from textlib import {impl} as impl".encode(),
        b"from textlib import tail",
        "# Pause of every run (r\xe9sum\xe9: a Latin-1 comment).".encode("latin-1"),
        f"DELAY = {delay}".encode(),
        b"",
        b"def run(n):",
        b"    time.sleep(DELAY)",
        b"    return impl.squares(n) + tail.finish(n)",
    ]
    return b"\r\n".join(lines) + b"\r\n"


IMPL = """import struct
import time
from pathlib import Path

DELAY = {delay}
TABLE = Path(__file__).with_name("table.bin").read_bytes()


def squares(n):
    time.sleep(DELAY)
    count = min(n, len(TABLE) // 4)
    head = list(struct.unpack(f"<{{count}}I", TABLE[: 4 * count]))
    return head + [i * i for i in range(count, n)]
"""


def _tail(delay: float) -> bytes:
    # The changed line is the last one, which has no newline: the diff says so.
    return f"import time\n\n\ndef finish(n):\n    time.sleep(DELAY)\n    return [n]\n\n\nDELAY = {delay}".encode()


def _table(count: int) -> bytes:
    return struct.pack(f"<{count}I", *(i * i for i in range(count)))


def _commit(repo: Path, files: dict[str, bytes | None], message: str) -> str:
    for name, data in files.items():
        path = repo / name
        if data is None:
            git(repo, "rm", "-q", name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def build_textlib(repo: Path) -> dict[str, str]:
    """The repository; returns the shas of its perf commits (crlf, rename, noeol) and more."""
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    shas = {
        "root": _commit(
            repo,
            {
                "textlib/__init__.py": b"from textlib.core import run\n",
                "textlib/core.py": _core(SLOW, "slow_impl"),
                "textlib/slow_impl.py": IMPL.format(delay=SLOW).encode(),
                "textlib/tail.py": _tail(SLOW),
                "textlib/table.bin": _table(16),
                "tools/profile.sh": b"#!/bin/sh\npython -X importtime -c 'import textlib'\n",
                "README.md": b"# textlib\n",
            },
            "Initial import",
        )
    }
    shas["crlf"] = _commit(
        repo, {"textlib/core.py": _core(FAST, "slow_impl")}, "Sleep less in run()"
    )
    (repo / "textlib" / "slow_impl.py").rename(repo / "textlib" / "impl.py")
    (repo / "tools" / "profile.sh").chmod(0o755)
    shas["rename"] = _commit(
        repo,
        {
            "textlib/impl.py": IMPL.format(delay=FAST).encode(),
            "textlib/core.py": _core(FAST, "impl"),
            "textlib/table.bin": _table(256),
        },
        "Speed up squares() with a precomputed table",
    )
    shas["noeol"] = _commit(repo, {"textlib/tail.py": _tail(FAST)}, "Faster tail handling")
    shas["docs"] = _commit(repo, {"README.md": b"# textlib\n\nNow faster.\n"}, "Update README")
    return shas


BENCH = """# The user's own benchmark: not part of textlib, run from the root of each variant's tree.
import hashlib, json, sys, time
import textlib

n = int(open(sys.argv[1]).read())
start = time.perf_counter()
out = textlib.run(n)
elapsed = (time.perf_counter() - start) * 1000
digest = hashlib.sha256(repr(out).encode()).hexdigest()
print(json.dumps({"run_ms": round(elapsed, 3), "result_digest": digest}))
"""
TASKS = ("crlf", "rename", "noeol")


def write_study(study: Path, repo: Path, shas: dict, *, repetitions: int = 3, agents=None) -> Path:
    """The study directory a user writes: config, commit list, benchmark, workloads, predictions."""
    (study / "config" / "commits").mkdir(parents=True)
    (study / "bench_textlib.py").write_text(BENCH)
    entries = []
    for name in TASKS:
        (study / f"workload_{name}.txt").write_text("300\n")
        entries.append(
            f"- commit: {shas[name]}\n"
            "  perf_command: PYTHONPATH=. python $ISOBENCH_INPUTS/bench_textlib.py "
            f"$ISOBENCH_INPUTS/workload_{name}.txt\n"
            f"  perf_inputs: [bench_textlib.py, workload_{name}.txt]\n"
            "  primary_metric: run_ms\n"
        )
    (study / "config" / "commits" / "textlib.yaml").write_text("".join(entries))
    # A replayed agent: attempt 1 of `crlf` is the human diff (CRLF and Latin-1 bytes in a JSON
    # string), `rename` gets a patch that does not apply, `noeol` gets none at all.
    human = git_bytes(repo, "diff", "--binary", shas["root"], shas["crlf"])
    rows = [
        {"instance_id": f"textlib-{shas['crlf'][:12]}", "model_patch": to_json_text(human)},
        {
            "instance_id": f"textlib-{shas['rename'][:12]}",
            "model_patch": "diff --git a/textlib/x.py b/textlib/x.py\n--- a/textlib/x.py\n"
            "+++ b/textlib/x.py\n@@ -1 +1 @@\n-missing\n+line\n",
        },
    ]
    with open(study / "preds.jsonl", "w", encoding="ascii") as out:
        for row in rows:
            out.write(json.dumps({**row, "model_name_or_path": "replay"}, ensure_ascii=True) + "\n")
    agents = agents or (
        "  - {id: oracle, adapter: oracle}\n"
        "  - {id: noop, adapter: noop}\n"
        "  - {id: preds, adapter: predictions, predictions: preds.jsonl}\n"
    )
    (study / "config" / "config.yaml").write_text(
        "repos:\n"
        "  textlib:\n"
        "    source: path\n"
        f"    path: {repo}\n"
        "    commits: config/commits/textlib.yaml\n"
        f"agents:\n{agents}"
        f"evaluation: {{warmup: 1, repetitions: {repetitions}, timeout_s: 30}}\n"
    )
    return study


def git_bytes(repo: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, env={**os.environ, **ENV}
    ).stdout
