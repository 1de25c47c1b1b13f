"""Perf test: concurrent /generate requests through the HTTP server (commit 28465200).

Target: minserve/server.py. AsyncEngine only exists after the commit, so drive the public
make_server() API, which both trees have. Streaming requests, as the serving benchmark sends
them; the warm-up reads one stream to check the event format, then 12 concurrent requests are
timed until all have answered. (No batching assertion: the parent tree never batches.)
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


def read_stream(port, payload):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/generate",
        data=json.dumps({**payload, "stream": True}).encode(),
        headers={"Content-Type": "application/json"},
    )
    tokens = []
    with urllib.request.urlopen(request, timeout=60) as response:
        for raw in response:
            line = raw.decode().strip()
            if line.startswith("data: "):
                event = json.loads(line[len("data: "):])
                tokens.extend(event["token_ids"])
    return tokens


def experiment(port):
    results = [None] * NUM_REQUESTS

    def client(i):
        payload = {
            "prompt_token_ids": [(i * 13 + j) % 500 for j in range(32)],
            "max_tokens": OUTPUT_LEN,
            "temperature": 0.0,
            "ignore_eos": True,
        }
        results[i] = read_stream(port, payload)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(NUM_REQUESTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def main():
    server = make_server(port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    warm = {"prompt_token_ids": list(range(32)), "max_tokens": OUTPUT_LEN, "temperature": 0.0}
    read_stream(port, {**warm, "ignore_eos": True})  # fails loudly on an unexpected format
    for _ in range(3):
        result = experiment(port)
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
