"""Perf test: concurrent /generate requests through the HTTP server (commit 28465200).

Target: minserve/server.py. AsyncEngine only exists after the commit, so drive the public
make_server() API instead, which both trees have: 12 concurrent non-streaming requests, timed
until all have answered. The engine's step() is wrapped to confirm that the optimized path
(requests sharing a decode batch) is exercised.
"""

import hashlib
import json
import os
import statistics
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.getcwd())

from minserve.server import make_server  # noqa: E402

NUM_REQUESTS, OUTPUT_LEN = 12, 16


def post(port, payload):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/generate",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def experiment(port):
    results = [None] * NUM_REQUESTS

    def client(i):
        payload = {
            "prompt_token_ids": [(i * 13 + j) % 500 for j in range(32)],
            "max_tokens": OUTPUT_LEN,
            "temperature": 0.0,
            "ignore_eos": True,
        }
        results[i] = post(port, payload)["token_ids"]

    threads = [threading.Thread(target=client, args=(i,)) for i in range(NUM_REQUESTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def main():
    server = make_server(port=0)
    engine = server.engine
    batch_sizes = []
    original_step = engine.step

    def step():
        outputs = original_step()
        batch_sizes.append(len(outputs))
        return outputs

    engine.step = step
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    for _ in range(3):
        result = experiment(port)
    assert max(batch_sizes) > 1, (
        f"expected concurrent requests to share a decode batch, saw max batch {max(batch_sizes)}"
    )
    times = []
    for _ in range(10):
        start = time.perf_counter()
        result = experiment(port)
        times.append((time.perf_counter() - start) * 1000.0)
    server.shutdown()
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
