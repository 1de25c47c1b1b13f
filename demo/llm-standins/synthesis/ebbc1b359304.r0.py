"""Perf test: Sampler.__call__ with top-k / top-p over a batch (commit ebbc1b35, vectorized).

Target: minserve/sampler.py. One sampling call per decode step for a batch of 48 sequences
with temperature 0.8, top_k 40 and top_p 0.9 over the 512-token vocabulary - the filtered
path the commit vectorizes across the batch. Each call gets fresh sequences with fixed seeds,
so every iteration draws the same tokens.
"""

import hashlib
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.getcwd())

import numpy as np  # noqa: E402
from minserve.sampler import Sampler  # noqa: E402
from minserve.sampling_params import SamplingParams  # noqa: E402
from minserve.sequence import Sequence  # noqa: E402

BATCH, VOCAB, STEPS = 48, 512, 8


def setup():
    rng = np.random.default_rng(42)
    logits = [rng.standard_normal((BATCH, VOCAB)) * 3.0 for _ in range(STEPS)]
    params = [
        SamplingParams(temperature=0.8, top_k=40, top_p=0.9, max_tokens=STEPS, seed=42 + i)
        for i in range(BATCH)
    ]
    return logits, params


def experiment(data):
    logits, params = data
    sampler = Sampler()
    seqs = [Sequence(f"req-{i}", [1, 2, 3], p, 0.0) for i, p in enumerate(params)]
    tokens = []
    for step_logits in logits:
        tokens.append([int(t) for t in sampler(step_logits, seqs)])
    return tokens


def main():
    data = setup()
    for _ in range(3):
        result = experiment(data)
    times = []
    for _ in range(15):
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
