"""Perf test: concurrent /generate requests through AsyncEngine (commit 28465200).

Target: minserve/server.py. The commit adds AsyncEngine, a background loop that owns the engine
so concurrent requests share decode batches. Submit 12 concurrent requests straight to it and
measure the time until all have finished.
"""

import hashlib
import json
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.getcwd())

from minserve import LLMEngine, SamplingParams  # noqa: E402
from minserve.server import AsyncEngine  # noqa: E402

NUM_REQUESTS, OUTPUT_LEN = 12, 16


def experiment(async_engine):
    results = [None] * NUM_REQUESTS

    def client(i):
        params = SamplingParams(temperature=0.0, max_tokens=OUTPUT_LEN, ignore_eos=True)
        stream = async_engine.submit(None, [(i * 13 + j) % 500 for j in range(32)], params)
        output = stream.get()
        while not output.finished:
            output = stream.get()
        results[i] = output.output_token_ids

    threads = [threading.Thread(target=client, args=(i,)) for i in range(NUM_REQUESTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def main():
    async_engine = AsyncEngine(LLMEngine())
    for _ in range(3):
        result = experiment(async_engine)
    times = []
    for _ in range(10):
        start = time.perf_counter()
        result = experiment(async_engine)
        times.append((time.perf_counter() - start) * 1000.0)
    async_engine.stop()
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
