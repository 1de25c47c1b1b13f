"""A labelled set of commits for measuring the miner: real-looking subjects, messages and diffs.

The subjects are written the way maintainers of pure-Python libraries and LLM-serving engines
phrase them (several are close paraphrases of kinds seen in real histories: "Faster comment
parsing", "Update performance benchmark and results", a revert of a speed-up, a CI speed-up).
Each case is one commit; ``files`` lists (path, added lines, removed lines). ``label`` is the
ground truth: ``perf`` for a change that makes the code faster, anything else otherwise.

:func:`build_history` turns the cases into a real git repository (one commit per case, with
exactly those numstat counts), so the miner is measured through ``git log`` like on a real
repository. Used by ``tests/test_mining_heuristic.py`` and ``benchmarks/miner_precision.py``.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Case:
    subject: str
    label: str
    files: tuple[tuple[str, int, int], ...]
    body: str = ""


def _c(subject, label, *files, body=""):
    return Case(subject, label, tuple(files), body)


PERF = "perf"

CASES: tuple[Case, ...] = (
    # --- real optimisations ------------------------------------------------------------------
    _c("Speed up string parsing", PERF, ("src/tomlish/strings.py", 12, 8)),
    _c("Faster comment parsing", PERF, ("src/tomlish/comments.py", 6, 9)),
    _c(
        "Avoid repeated dict lookups in the tokenizer loop",
        PERF,
        ("src/tomlish/tokenizer.py", 2, 1),
        body="Bind the lookup to a local before the loop.",
    ),
    _c("Cache compiled regular expressions", PERF, ("src/tomlish/lexer.py", 5, 2)),
    _c("[Perf] Use a deque for the waiting queue", PERF, ("vllm/core/scheduler.py", 4, 4)),
    _c(
        "Optimize block allocation with a free list",
        PERF,
        ("vllm/core/block_manager.py", 30, 12),
        ("tests/core/test_block_manager.py", 10, 0),
    ),
    _c("Vectorize top-p sampling", PERF, ("vllm/model_executor/sampler.py", 20, 35)),
    _c("Reduce memory copies in prefill", PERF, ("vllm/worker/model_runner.py", 8, 14)),
    _c(
        "[Kernel] Optimize moe intermediate_cache usage (#13625)",
        PERF,
        ("vllm/model_executor/layers/fused_moe/fused_moe.py", 18, 22),
    ),
    _c("perf: precompute rotary embeddings once per model", PERF, ("minserve/rope.py", 15, 9)),
    _c(
        "[FrontEnd][Perf] `merge_async_iterators` fast-path for single-prompt requests (#15150)",
        PERF,
        ("vllm/utils.py", 9, 1),
    ),
    _c("Use __slots__ for Token to cut allocation overhead", PERF, ("src/tomlish/token.py", 1, 0)),
    _c("Lazily build the escape lookup table", PERF, ("src/tomlish/escapes.py", 11, 7)),
    _c("Skip redundant validation on the hot path", PERF, ("src/tomlish/decoder.py", 3, 6)),
    _c(
        "Improve throughput of the batch encoder",
        PERF,
        ("src/tomlish/encoder.py", 25, 19),
        body="Encoding 10k tables is 2.1x faster on CPython 3.12.",
    ),
    _c("Replace quadratic key de-duplication with a set", PERF, ("src/tomlish/tables.py", 4, 9)),
    _c(
        "Speed up import time by deferring the datetime import",
        PERF,
        ("src/tomlish/__init__.py", 3, 2),
    ),
    _c(
        "Batch KV-cache writes to reduce kernel launches",
        PERF,
        ("sglang/srt/mem_cache/memory_pool.py", 16, 10),
    ),
    _c(
        "[Core] Reduce scheduling overhead by reusing block tables",
        PERF,
        ("vllm/v1/core/kv_cache_manager.py", 21, 13),
    ),
    _c(
        "Use torch.empty instead of torch.zeros for scratch buffers",
        PERF,
        ("vllm/attention/backends/flash_attn.py", 3, 3),
    ),
    _c("Fast path for ASCII-only keys in normalize()", PERF, ("src/tomlish/keys.py", 7, 1)),
    _c("Use bisect instead of a linear scan in line_of()", PERF, ("src/tomlish/errors.py", 3, 5)),
    _c("Minor speedup in escape handling", PERF, ("src/tomlish/escapes.py", 1, 1)),
    _c("perf(lexer): memoize keyword lookup", PERF, ("src/tomlish/lexer.py", 6, 2)),
    _c(
        "Parse integers without building intermediate strings",
        PERF,
        ("src/tomlish/numbers.py", 14, 20),
        body="About 30% less time in parse_int on large arrays.",
    ),
    _c(
        "Fuse the RMSNorm and residual add",
        PERF,
        ("vllm/model_executor/layers/layernorm.py", 24, 8),
    ),
    # --- not optimisations ---------------------------------------------------------------------
    _c(
        "Update performance benchmark and results",
        "benchmark",
        ("benchmarks/bench_parse.py", 40, 12),
        ("docs/performance.md", 8, 8),
    ),
    _c("Add benchmark for string parsing", "benchmark", ("benchmarks/bench_strings.py", 55, 0)),
    _c("Fix typo in a comment about performance", "docs", ("src/tomlish/strings.py", 1, 1)),
    _c("Refactor the parser into smaller functions", "refactor", ("src/tomlish/parser.py", 80, 70)),
    _c("Rename fast_path to shortcut", "refactor", ("src/tomlish/decoder.py", 6, 6)),
    _c("docs: explain how to optimize your config", "docs", ("docs/tuning.md", 30, 2)),
    _c('Revert "Speed up string parsing"', "revert", ("src/tomlish/strings.py", 8, 12)),
    _c(
        "Fix crash on empty input",
        "fix",
        ("src/tomlish/decoder.py", 3, 1),
        ("tests/test_decoder.py", 9, 0),
    ),
    _c(
        "Add tests for the scheduler latency metrics", "test", ("tests/core/test_metrics.py", 60, 0)
    ),
    _c(
        "Bump version to 1.4.0",
        "release",
        ("pyproject.toml", 1, 1),
        ("src/tomlish/__init__.py", 1, 1),
    ),
    _c("ci: speed up the test workflow with caching", "ci", (".github/workflows/ci.yml", 12, 3)),
    _c(
        "Add support for Python 3.13",
        "feature",
        ("src/tomlish/compat.py", 10, 2),
        ("pyproject.toml", 1, 0),
    ),
    _c(
        "Format the code base with ruff format",
        "style",
        ("src/tomlish/parser.py", 120, 118),
        ("src/tomlish/lexer.py", 40, 41),
    ),
    _c("Log scheduler latency at debug level", "feature", ("vllm/core/scheduler.py", 5, 0)),
    _c(
        "Add --profile flag that prints timing information",
        "feature",
        ("src/tomlish/cli.py", 22, 1),
    ),
    _c("Improve the error message for invalid dates", "fix", ("src/tomlish/dates.py", 4, 2)),
    _c("Fix flaky performance regression test", "test", ("tests/test_perf_regression.py", 3, 2)),
    _c(
        "Add a latency histogram to the metrics endpoint",
        "feature",
        ("vllm/engine/metrics.py", 40, 0),
    ),
    _c("Update README with throughput numbers", "docs", ("README.md", 12, 4)),
    _c("Remove unused imports", "refactor", ("src/tomlish/parser.py", 0, 6)),
    _c("Fix off-by-one in block table indexing", "fix", ("vllm/core/block/block_table.py", 1, 1)),
    _c("[Bugfix] Fix OOM when max_num_seqs is large", "fix", ("vllm/worker/worker.py", 6, 2)),
    _c("Add type hints to the tokenizer", "refactor", ("src/tomlish/tokenizer.py", 30, 30)),
    _c(
        "Optimize imports ordering with isort",
        "style",
        ("src/tomlish/parser.py", 8, 8),
        ("src/tomlish/lexer.py", 5, 5),
    ),
    _c("test: make the benchmark smoke test faster", "test", ("tests/test_bench_smoke.py", 4, 9)),
    _c("Add a performance tuning guide", "docs", ("docs/performance.rst", 90, 0)),
    _c(
        "Support the datetime offset format from TOML 1.1",
        "feature",
        ("src/tomlish/dates.py", 35, 8),
    ),
    _c(
        "Speed up the benchmark suite by running fewer iterations",
        "benchmark",
        ("benchmarks/run_all.py", 3, 3),
    ),
)

# Written after the heuristic was frozen and never used to tune it: its numbers are the honest
# estimate of how the rules generalise (the set above is what they were written against).
HELD_OUT: tuple[Case, ...] = (
    _c("Use a preallocated buffer in read_chunks", PERF, ("src/streamio/reader.py", 9, 5)),
    _c("Make key comparison cheaper", PERF, ("src/tomlish/keys.py", 4, 4)),
    _c(
        "Avoid copying the prompt token list per step",
        PERF,
        ("sglang/srt/managers/schedule_batch.py", 5, 7),
    ),
    _c(
        "[Perf] Remove a device sync from the sampling loop",
        PERF,
        ("vllm/v1/sample/sampler.py", 2, 4),
    ),
    _c(
        "Speed up prefix matching in the radix cache",
        PERF,
        ("sglang/srt/mem_cache/radix_cache.py", 18, 11),
    ),
    _c(
        "Reuse the decoder instance across calls",
        PERF,
        ("src/tomlish/api.py", 6, 3),
        body="Parsing many small documents is 40% faster.",
    ),
    _c("Optimise whitespace skipping", PERF, ("src/tomlish/lexer.py", 10, 14)),
    _c("Precompile the table header grammar", PERF, ("src/tomlish/grammar.py", 7, 2)),
    _c("Lower the per-request overhead of the HTTP server", PERF, ("minserve/server.py", 12, 20)),
    _c("Use numpy argpartition for top-k", PERF, ("minserve/sampler.py", 3, 6)),
    _c(
        "Add a fast path to token detokenization",
        PERF,
        ("vllm/transformers_utils/detokenizer.py", 15, 2),
    ),
    _c("Fix wrong result for nested arrays", "fix", ("src/tomlish/arrays.py", 5, 2)),
    _c(
        "Add benchmarks for the radix cache", "benchmark", ("benchmark/radix/bench_radix.py", 70, 0)
    ),
    _c("Update docs on cache configuration", "docs", ("docs/cache.md", 14, 3)),
    _c(
        "Refactor cache eviction into its own class",
        "refactor",
        ("sglang/srt/mem_cache/evict.py", 60, 45),
    ),
    _c("Add option to disable the prefix cache", "feature", ("sglang/srt/server_args.py", 8, 0)),
    _c('Revert "Optimise whitespace skipping"', "revert", ("src/tomlish/lexer.py", 14, 10)),
    _c("Fix typos in error messages", "docs", ("src/tomlish/errors.py", 4, 4)),
    _c("Raise a clear error when the model is missing", "fix", ("vllm/config.py", 6, 1)),
    _c(
        "Record decode latency in the benchmark output",
        "benchmark",
        ("benchmarks/benchmark_latency.py", 4, 1),
    ),
    _c("Improve logging of slow requests", "feature", ("minserve/server.py", 7, 2)),
    _c(
        "Drop support for Python 3.9",
        "release",
        ("pyproject.toml", 2, 2),
        ("src/tomlish/compat.py", 0, 12),
    ),
)

# Written blind after the one revision prompted by HELD_OUT, and never used to change the rules:
# the untouched estimate.
FRESH: tuple[Case, ...] = (
    _c(
        "Stream the response instead of buffering it",
        PERF,
        ("minserve/server.py", 14, 9),
        body="Time to first byte drops from 120 ms to 8 ms.",
    ),
    _c(
        "Hoist the dtype check out of the per-token loop",
        PERF,
        ("vllm/model_executor/sampler.py", 3, 3),
    ),
    _c(
        "Cheaper hashing of block contents",
        PERF,
        ("vllm/core/block/prefix_caching_block.py", 6, 10),
    ),
    _c(
        "[Perf] Pin host memory for the KV swap buffers",
        PERF,
        ("vllm/worker/cache_engine.py", 4, 1),
    ),
    _c(
        "Use itertools.islice rather than list slicing in the reader",
        PERF,
        ("src/streamio/reader.py", 2, 2),
    ),
    _c(
        "Trim the per-step Python overhead in the scheduler",
        PERF,
        ("sglang/srt/managers/scheduler.py", 22, 30),
    ),
    _c("Faster path lookup for dotted keys", PERF, ("src/tomlish/keys.py", 9, 6)),
    _c("Speedup detokenization by 25%", PERF, ("vllm/transformers_utils/detokenizer.py", 11, 17)),
    _c("Avoid a GPU->CPU copy when computing logprobs", PERF, ("vllm/v1/sample/logprobs.py", 5, 8)),
    _c("Decode in one call rather than per character", PERF, ("src/tomlish/strings.py", 4, 12)),
    _c("Optimized radix tree insertion", PERF, ("sglang/srt/mem_cache/radix_cache.py", 13, 18)),
    _c(
        "Fix slow startup when the model directory is large",
        PERF,
        ("vllm/model_executor/model_loader.py", 7, 3),
    ),
    _c("Add a cache_size option to the lexer", "feature", ("src/tomlish/lexer.py", 12, 1)),
    _c(
        "Document the performance characteristics of the allocator",
        "docs",
        ("docs/allocator.md", 40, 0),
    ),
    _c(
        "Benchmark: add a radix cache insertion workload",
        "benchmark",
        ("benchmark/bench_radix_insert.py", 48, 0),
    ),
    _c(
        "Fix the speedup calculation in the benchmark report",
        "benchmark",
        ("benchmarks/report.py", 3, 3),
    ),
    _c("Handle CRLF line endings in multi-line strings", "fix", ("src/tomlish/strings.py", 8, 2)),
    _c("Add timeout to HTTP client requests", "feature", ("minserve/client.py", 6, 1)),
    _c(
        "Split the scheduler module",
        "refactor",
        ("sglang/srt/managers/scheduler.py", 150, 140),
        ("sglang/srt/managers/scheduler_policy.py", 140, 0),
    ),
    _c("Update throughput numbers in the README", "docs", ("README.md", 6, 6)),
    _c("Make the test suite faster by sharing fixtures", "test", ("tests/conftest.py", 20, 8)),
    _c("Warn when the block size is not a power of two", "feature", ("vllm/config.py", 5, 0)),
    _c("Bump numpy to 2.1", "release", ("requirements.txt", 1, 1)),
    _c(
        "Correct the latency units in the metrics docstring",
        "docs",
        ("vllm/engine/metrics.py", 2, 2),
    ),
)

# Written blind after the last revision of the rules (prompted by FRESH); never used to change
# them. Its numbers are the ones to quote.
FINAL: tuple[Case, ...] = (
    _c("Short-circuit empty tables in the encoder", PERF, ("src/tomlish/encoder.py", 4, 0)),
    _c("Compute the attention mask once per batch", PERF, ("minserve/attention.py", 6, 9)),
    _c("Use a bytearray for building output", PERF, ("src/tomlish/encoder.py", 7, 7)),
    _c(
        "[Core] Speed up block hashing with xxhash",
        PERF,
        ("vllm/core/block/prefix_caching_block.py", 9, 4),
    ),
    _c(
        "Avoid recompiling CUDA graphs for padded batch sizes",
        PERF,
        ("vllm/worker/model_runner.py", 12, 5),
    ),
    _c("Lighter-weight request objects", PERF, ("sglang/srt/managers/io_struct.py", 10, 22)),
    _c(
        "Remove an unneeded .item() call in the sampler",
        PERF,
        ("vllm/model_executor/layers/sampler.py", 1, 2),
    ),
    _c(
        "Parse dates with a hand-written scanner",
        PERF,
        ("src/tomlish/dates.py", 40, 12),
        body="3x faster than the regex version on the date-heavy fixture.",
    ),
    _c(
        "Overlap the tokenizer with the scheduler step",
        PERF,
        ("sglang/srt/managers/tokenizer_manager.py", 25, 9),
    ),
    _c("Reduce lock contention in the block pool", PERF, ("vllm/v1/core/block_pool.py", 8, 11)),
    _c("Add streaming support to the encoder", "feature", ("src/tomlish/encoder.py", 45, 3)),
    _c(
        "Fix incorrect block hash for partial blocks",
        "fix",
        ("vllm/core/block/prefix_caching_block.py", 4, 2),
    ),
    _c("Add a flag to enable CUDA graphs", "feature", ("vllm/config.py", 9, 0)),
    _c("Benchmarks: report p99 latency", "benchmark", ("benchmarks/benchmark_serving.py", 6, 1)),
    _c(
        "Update the performance section of the docs", "docs", ("docs/source/performance.md", 20, 14)
    ),
    _c(
        "Move the sampler into its own module",
        "refactor",
        ("minserve/sampler.py", 80, 0),
        ("minserve/engine.py", 2, 78),
    ),
    _c("Remove the deprecated `encode_all` helper", "refactor", ("src/tomlish/encoder.py", 0, 25)),
    _c("Use the new tokenizer API", "refactor", ("minserve/tokenizer.py", 12, 12)),
    _c(
        "Add retries to the model download",
        "feature",
        ("vllm/model_executor/model_loader/weight_utils.py", 18, 2),
    ),
    _c("Fix type errors reported by mypy", "fix", ("src/tomlish/decoder.py", 6, 6)),
)

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Maintainer",
    "GIT_AUTHOR_EMAIL": "maintainer@example.invalid",
    "GIT_COMMITTER_NAME": "Maintainer",
    "GIT_COMMITTER_EMAIL": "maintainer@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}
POOL = 400  # lines every file starts with, so any case can remove lines


def _git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {**os.environ, **GIT_ENV}
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    proc = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return proc.stdout.strip()


def build_history(dest: Path, cases: tuple[Case, ...] = CASES) -> dict[str, str]:
    """A git repository with one commit per case (after a root commit); returns {sha: label}."""
    dest.mkdir(parents=True, exist_ok=True)
    _git(dest, "init", "-q", "-b", "main")
    paths = sorted({path for case in cases for path, _, _ in case.files})
    contents = {p: [f"line {i} of {p}" for i in range(POOL)] for p in paths}
    for path, lines in contents.items():
        _write(dest / path, lines)
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "Initial import", date="2024-01-01T00:00:00+00:00")
    labels = {}
    for index, case in enumerate(cases):
        for path, added, removed in case.files:
            lines = contents[path]
            del lines[len(lines) - removed :]
            lines += [f"change {index}.{j} in {path}" for j in range(added)]
            _write(dest / path, lines)
        message = case.subject + (f"\n\n{case.body}" if case.body else "")
        _git(dest, "add", "-A")
        _git(
            dest,
            "commit",
            "-q",
            "-m",
            message,
            date=f"2024-02-{1 + index % 28:02d}T12:{index % 60:02d}:00+00:00",
        )
        labels[_git(dest, "rev-parse", "HEAD")] = case.label
    return labels


def _write(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
