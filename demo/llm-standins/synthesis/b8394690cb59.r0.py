"""Perf test: PagedKVCache.write / gather (commit b8394690, vectorized KV-cache gather and write).

Target: minserve/kv_cache.py, the only file the commit changes. One decode-like step for a
batch of sequences: write one new key/value per sequence, then gather every sequence's
context through its block table - the two methods the diff rewrites.
"""

import hashlib
import json
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.getcwd())

import numpy as np  # noqa: E402
from minserve.config import CacheConfig, ModelConfig  # noqa: E402
from minserve.kv_cache import PagedKVCache  # noqa: E402

random.seed(42)
np.random.seed(42)


def setup():
    model = ModelConfig()
    cache = CacheConfig(block_size=16, num_gpu_blocks=512)
    kv = PagedKVCache(model, cache)
    rng = np.random.default_rng(42)
    batch, max_blocks = 8, 12
    perm = rng.permutation(cache.num_gpu_blocks)[: batch * max_blocks]
    block_tables = perm.reshape(batch, max_blocks).astype(np.int64)
    context_lens = rng.integers(96, 16 * max_blocks, size=batch)
    # Fill every used slot once so gather reads real data.
    for layer in range(model.n_layers):
        for i in range(batch):
            pos = np.arange(int(context_lens[i]))
            slots = block_tables[i, pos // 16] * 16 + pos % 16
            shape = (len(slots), model.n_heads, model.head_dim)
            kv.write(layer, slots, rng.standard_normal(shape).astype(np.float32),
                     rng.standard_normal(shape).astype(np.float32))
    new_pos = context_lens - 1
    slot_mapping = block_tables[np.arange(batch), new_pos // 16] * 16 + new_pos % 16
    shape = (batch, model.n_heads, model.head_dim)
    new_k = rng.standard_normal(shape).astype(np.float32)
    new_v = rng.standard_normal(shape).astype(np.float32)
    return kv, model.n_layers, block_tables, context_lens, slot_mapping, new_k, new_v


def experiment(data):
    kv, n_layers, block_tables, context_lens, slot_mapping, new_k, new_v = data
    out = []
    for layer in range(n_layers):
        kv.write(layer, slot_mapping, new_k, new_v)
        keys, values = kv.gather(layer, block_tables, context_lens)
        out.append((keys, values))
    return out


def digest(result, context_lens):
    h = hashlib.sha256()
    for keys, values in result:
        for i, n in enumerate(context_lens.tolist()):
            # Only the valid prefix of each row: padding is unspecified.
            h.update(np.round(keys[i, :n], 5).tobytes())
            h.update(np.round(values[i, :n], 5).tobytes())
    return h.hexdigest()


def main():
    data = setup()
    for _ in range(3):
        result = experiment(data)
    times = []
    for _ in range(20):
        start = time.perf_counter()
        result = experiment(data)
        times.append((time.perf_counter() - start) * 1000.0)
    times.sort()
    print(json.dumps({
        "avg_ms": statistics.mean(times),
        "p50_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "result_digest": digest(result, data[3]),
        "device": "cpu",
        "iters": len(times),
    }))


if __name__ == "__main__":
    main()
