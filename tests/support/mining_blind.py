"""A blind labelled set of commits for quoting the miner's unbiased precision and recall.

These cases were written without seeing the heuristic classifier's rules, its tests, its
benchmark, or any of its earlier misclassifications, and independently of the other sets in
:mod:`tests.support.mining_cases` (only that module's ``Case`` format was copied). Because no
case was chosen or reworded in response to how the classifier behaves, the precision and recall
measured on this set are an unbiased estimate; do not tune the classifier against it, or it
stops being blind.

There are 32 cases: 16 labelled ``perf`` (a change whose purpose is to make library code run
faster or use fewer resources at run time) and 16 negatives. About half the subjects are in
the style of LLM-serving engines (vLLM, SGLang: bracketed tags, trailing PR numbers), half in
plain library style. Many positives describe only the mechanism (batching, avoiding a GPU-CPU
sync, hoisting work out of a loop, a cheaper data structure, lazy import, a fused kernel,
chunking, early exit) without the obvious words; many negatives use performance-sounding words
but are benchmark-only, docs, CI, reverts, fixes, metrics, refactors, slow-test markers,
dependency bumps, features or API migrations. Labels are interleaved irregularly.
"""

from __future__ import annotations

from tests.support.mining_cases import PERF, Case, _c

BLIND: tuple[Case, ...] = (
    _c(
        "[Core] Keep the block table on device between decode steps (#14211)",
        PERF,
        ("vllm/v1/worker/gpu_model_runner.py", 14, 9),
        ("vllm/v1/worker/block_table.py", 11, 4),
        body="Only the rows that changed are copied from the CPU mirror now.",
    ),
    _c(
        "[Benchmark] Add a --num-prompts sweep to benchmark_serving.py (#13990)",
        "benchmark",
        ("benchmarks/benchmark_serving.py", 45, 8),
        body="Makes it easier to find the throughput knee of a deployment.",
    ),
    _c(
        "[CI] Speed up the test job by caching pip wheels",
        "ci",
        (".github/workflows/test.yml", 14, 3),
    ),
    _c(
        "Use a set for visited nodes in resolve()",
        PERF,
        ("src/depgraph/resolve.py", 2, 2),
    ),
    _c(
        "[V1] Drop the .item() call from the sampler hot path (#15032)",
        PERF,
        ("vllm/v1/sample/sampler.py", 3, 5),
    ),
    _c(
        'Revert "[Perf] Capture CUDA graphs for the draft model (#14402)" (#14488)',
        "revert",
        ("vllm/spec_decode/draft_model_runner.py", 30, 71),
        body=(
            "This reverts commit 3f1c9a2e. Acceptance rate dropped to zero with "
            "tensor parallelism > 1 on H100; reverting until the graph pool is fixed."
        ),
    ),
    _c(
        "Import yaml lazily",
        PERF,
        ("src/confkit/loader.py", 6, 3),
        body="`python -X importtime -c 'import confkit'` goes from 180 ms to 40 ms.",
    ),
    _c(
        "[Misc] Bump flashinfer to 0.2.3 for the faster decode kernels",
        "chore",
        ("requirements/cuda.txt", 1, 1),
        ("setup.py", 1, 1),
    ),
    _c(
        "docs: add a performance tuning guide",
        "docs",
        ("docs/performance.md", 120, 0),
        ("mkdocs.yml", 1, 0),
    ),
    _c(
        "[Kernel] Fuse the rotary embedding into the QKV split (#13877)",
        PERF,
        ("csrc/pos_encoding_kernels.cu", 64, 12),
        ("vllm/model_executor/layers/rotary_embedding.py", 18, 27),
        ("tests/kernels/test_pos_encoding.py", 22, 3),
    ),
    _c(
        "Return early when the pattern has no wildcards",
        PERF,
        ("src/globber/match.py", 5, 0),
    ),
    _c(
        "[Scheduler] Batch token-count updates for finished requests",
        PERF,
        ("python/sglang/srt/managers/scheduler.py", 21, 17),
        body=(
            "Previously each finished request took the lock and updated the counters on "
            "its own; collect them and apply once per iteration."
        ),
    ),
    _c(
        "Fix off-by-one in the fast path of split_lines",
        "fix",
        ("src/textwrap2/lines.py", 2, 2),
        ("tests/test_lines.py", 9, 0),
    ),
    _c(
        "[Metrics] Add a time-to-first-token histogram (#13501)",
        "feature",
        ("vllm/engine/metrics.py", 25, 2),
        ("vllm/v1/metrics/loggers.py", 18, 0),
    ),
    _c(
        "Read the input in 64 KiB chunks instead of all at once",
        PERF,
        ("src/csvlite/reader.py", 25, 11),
        ("tests/test_reader.py", 12, 0),
        body="Peak RSS on a 2 GB file is now flat instead of growing with the file size.",
    ),
    _c(
        "Move the LRU cache helper into utils",
        "refactor",
        ("src/confkit/utils.py", 30, 0),
        ("src/confkit/loader.py", 2, 30),
    ),
    _c(
        "[Misc] Hoist the dtype check out of the per-token loop (#12908)",
        PERF,
        ("vllm/model_executor/layers/logits_processor.py", 4, 4),
    ),
    _c(
        "Mark the large-file round-trip test as slow",
        "test",
        ("tests/test_roundtrip.py", 3, 0),
        ("pyproject.toml", 3, 0),
    ),
    _c(
        "[Frontend] Support stream_options.include_usage in chat completions (#12877)",
        "feature",
        ("vllm/entrypoints/openai/serving_chat.py", 40, 6),
        ("vllm/entrypoints/openai/protocol.py", 4, 0),
        ("tests/entrypoints/openai/test_chat.py", 35, 0),
    ),
    _c(
        "Precompute the escape table once at import time",
        PERF,
        ("src/jsonette/encoder.py", 9, 14),
    ),
    _c(
        "Migrate to importlib.resources.files()",
        "chore",
        ("src/confkit/resources.py", 8, 10),
        body="open_text() is deprecated since 3.11.",
    ),
    _c(
        "[Perf] Overlap detokenization with the next forward pass",
        PERF,
        ("python/sglang/srt/managers/detokenizer_manager.py", 40, 18),
        ("python/sglang/srt/managers/tokenizer_manager.py", 12, 6),
        body="TPOT on Llama-3-8B at bs=64 drops from 11.2 ms to 9.8 ms.",
    ),
    _c(
        "Add __slots__ to Token",
        PERF,
        ("src/mdparse/token.py", 1, 0),
        body="A parsed 10 MB document now takes half the memory.",
    ),
    _c(
        "[Bugfix] Fix wrong logprobs after the vectorized top-k change (#15211)",
        "fix",
        ("vllm/v1/sample/ops/topk_topp_sampler.py", 6, 3),
        ("tests/v1/sample/test_sampler.py", 20, 0),
    ),
    _c(
        "Log the time spent capturing each CUDA graph batch size",
        "feature",
        ("python/sglang/srt/model_executor/cuda_graph_runner.py", 10, 1),
    ),
    _c(
        "[Bugfix][Core] Don't recompute the block hash on every prefix-cache lookup (#16120)",
        PERF,
        ("vllm/v1/core/kv_cache_utils.py", 11, 7),
        ("vllm/v1/core/kv_cache_manager.py", 3, 5),
        body="Hashing was done per lookup; it is now stored on the block when it is filled.",
    ),
    _c(
        "Add a benchmark for the tokenizer on large inputs",
        "benchmark",
        ("benchmarks/bench_tokenizer.py", 60, 0),
    ),
    _c(
        "Replace per-row INSERTs with executemany",
        PERF,
        ("src/tinyorm/session.py", 8, 12),
    ),
    _c(
        "[Kernel] Add FP8 weights support to the fused MoE Triton kernel",
        "feature",
        ("python/sglang/srt/layers/moe/fused_moe_triton/fused_moe.py", 70, 12),
        ("test/srt/test_fused_moe.py", 48, 0),
    ),
    _c(
        "[Attention] Skip padding tokens when building cu_seqlens",
        PERF,
        ("python/sglang/srt/layers/attention/flashinfer_backend.py", 15, 9),
        body=(
            "The padded tail was fed to the kernel and thrown away afterwards; "
            "leaving it out saves about 6% of the decode step at bs=1."
        ),
    ),
    _c(
        "Update the performance numbers in the README",
        "docs",
        ("README.md", 12, 12),
    ),
    _c(
        "[V1][Core] Allocate the pinned staging buffer once (#14590)",
        PERF,
        ("vllm/v1/worker/gpu_input_batch.py", 10, 6),
    ),
)
