"""Perf test: BlockAllocator allocate / free / get_num_free_blocks (commit 4b8311b8).

Target: minserve/block_manager.py. The scheduler asks for the number of free blocks before
every admission, so the test interleaves allocations and frees with free-block queries, the
pattern the commit makes O(1).
"""

import hashlib
import json
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.getcwd())

from minserve.block_manager import BlockAllocator  # noqa: E402

random.seed(42)
NUM_BLOCKS = 1024


def experiment():
    allocator = BlockAllocator(NUM_BLOCKS)
    held = []
    trace = []
    for step in range(400):
        if allocator.get_num_free_blocks() > 64:
            held.append(allocator.allocate())
        if step % 3 == 2:
            allocator.free(held.pop(0))
        trace.append(allocator.get_num_free_blocks())
    trace.append(sorted(block.block_number for block in held))
    return trace


def main():
    for _ in range(3):
        result = experiment()
    times = []
    for _ in range(10):
        start = time.perf_counter()
        result = experiment()
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
