"""Perf test: Tokenizer.encode (commit afa18619, precompiled special-token pattern).

Target: minserve/tokenizer.py, Tokenizer.encode, where the commit compiles the regex that
splits text at special tokens once instead of on every call. A batch of prompt-like texts,
one encode call each, so the per-call pattern cost is paid 32 times per iteration.
"""

import hashlib
import json
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.getcwd())

from minserve.tokenizer import Tokenizer  # noqa: E402

WORDS = (
    "the a of to and in is that for it as with was on be by this are from at or an not "
    "model serving engine request token cache batch latency throughput kernel memory block "
    "schedule sample decode prefill prompt output stream server queue tensor layer attention"
).split()


def setup():
    rng = random.Random(42)
    prompts = []
    for _ in range(32):
        words = [rng.choice(WORDS) for _ in range(48)]
        prompts.append(" ".join(words).capitalize() + ".")
    return Tokenizer.from_default(), prompts


def experiment(data):
    tokenizer, prompts = data
    return [tokenizer.encode(p) for p in prompts]


def main():
    data = setup()
    for _ in range(3):
        result = experiment(data)
    times = []
    for _ in range(10):
        start = time.perf_counter()
        result = experiment(data)
        times.append((time.perf_counter() - start) * 1000.0)
    times.sort()
    print(json.dumps({
        "avg_ms": statistics.mean(times),
        "p50_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "result_digest": hashlib.sha256(json.dumps(result).encode()).hexdigest(),
        "device": "cpu",
        "iters": len(times),
    }))


if __name__ == "__main__":
    main()
