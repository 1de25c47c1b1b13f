"""Perf test: Scheduler admission of a long FCFS waiting queue (commit c00742b4, admission loop split into helpers).

Target: minserve/scheduler.py, _schedule_prefill, the loop the commit restructures. Many
short requests wait while at most 128 run, so every prefill step runs the admission loop over a
long waiting queue. Sequences finish after one decode step.
"""

import hashlib
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.getcwd())

from minserve.block_manager import BlockSpaceManager  # noqa: E402
from minserve.config import SchedulerConfig  # noqa: E402
from minserve.sampling_params import SamplingParams  # noqa: E402
from minserve.scheduler import Scheduler  # noqa: E402
from minserve.sequence import Sequence, SequenceStatus  # noqa: E402

NUM_REQUESTS = 640


def setup():
    params = SamplingParams(temperature=0.0, max_tokens=1, seed=42)
    return [
        (f"req-{i}", [(i * 7 + j) % 500 for j in range(4)], params, float(i))
        for i in range(NUM_REQUESTS)
    ]


def experiment(requests):
    scheduler = Scheduler(
        SchedulerConfig(max_num_seqs=128, max_num_batched_tokens=4096),
        BlockSpaceManager(block_size=16, num_gpu_blocks=4096),
    )
    for request_id, prompt, params, arrival in requests:
        scheduler.add_seq(Sequence(request_id, prompt, params, arrival))
    order = []
    while scheduler.has_unfinished_seqs():
        out = scheduler.schedule()
        order.append([seq.request_id for seq in out.seqs])
        if not out.is_prefill:
            for seq in out.seqs:
                seq.append_token_id(0)
                seq.status = SequenceStatus.FINISHED_LENGTH
        else:
            for seq in out.seqs:
                seq.num_computed_tokens = seq.get_len()
        scheduler.free_finished_seqs()
    return order


def main():
    requests = setup()
    for _ in range(3):
        result = experiment(requests)
    times = []
    for _ in range(10):
        start = time.perf_counter()
        result = experiment(requests)
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
