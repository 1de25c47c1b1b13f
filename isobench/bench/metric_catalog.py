"""What a benchmark run can report: perf-command modes, canonical metric keys, their directions.

Cheap on purpose (the standard library only): the DAG imports it when it checks commit lists.
The output parsers that produce these keys are :mod:`isobench.bench.metrics`.

Canonical keys (``METRIC_DIRECTIONS`` lists them all; the unit is in the name: ``*_ms``, ``*_s``,
``*_tok_s``, ``*_req_s``; bare names are counts or ratios):

* serving: ``{ttft,tpot,itl,e2el}_{mean,median,pNN}_ms`` (NN in ``PERCENTILES``; SGLang's
  ``E2E Latency`` is ``e2el``), ``request_throughput_req_s``, ``request_goodput_req_s``,
  ``input_token_throughput_tok_s``, ``output_token_throughput_tok_s``,
  ``total_token_throughput_tok_s``, ``peak_output_token_throughput_tok_s``,
  ``benchmark_duration_s``, ``successful_requests``, ``failed_requests``, ``total_input_tokens``,
  ``total_output_tokens``, ``concurrency``;
* latency: ``latency_avg_ms``, ``latency_pNN_ms``;
* throughput: ``throughput_req_s``, ``throughput_tok_s`` (total tokens/s),
  ``output_throughput_tok_s``, ``elapsed_time_s``; SGLang's offline block also sets these three
  from its request / total / output throughput rows, plus ``last_gen_throughput_tok_s``;
* prefix caching: ``prefix_caching_time_s`` (the last ``cost time``, i.e. the measured pass);
* SGLang bench_one_batch: ``prefill_latency_ms``, ``prefill_throughput_tok_s``,
  ``decode_median_latency_ms``, ``decode_median_throughput_tok_s``, ``total_latency_ms``,
  ``total_throughput_tok_s``;
* JSON-line perf tests: ``test_avg_ms``, ``test_p50_ms``, ``test_p95_ms``.

A generic command's own metric names (mode ``generic``) are not canonical keys; their direction
is read from the name (:func:`metric_direction`: ``*_ms``, ``*_s``, ``*time*``, ``*latency*``
are lower-is-better, ``*throughput*``, ``*_per_s``, ``*_tok_s``, ``*ops*`` higher-is-better)
unless the task gives it.
"""

from __future__ import annotations

import re

LOWER = "lower"
HIGHER = "higher"

# Percentiles accepted for serving distributions (``P90 TTFT (ms)``) and for vLLM's latency
# percentiles (``90% percentile latency``); others (``P99.9``) are ignored.
PERCENTILES = (10, 25, 50, 75, 90, 95, 99)

# Serving latency distributions: canonical family -> label spellings used by vLLM and SGLang.
SERVING_FAMILIES = {
    "ttft": ("ttft",),
    "tpot": ("tpot",),
    "itl": ("itl",),
    "e2el": ("e2el", "e2e latency"),
}


def _labelled_metrics() -> dict[str, tuple[str, str]]:
    """Normalised label -> (canonical key, unit kind) for ``Label (unit): value unit`` lines."""
    table: dict[str, tuple[str, str]] = {
        "successful requests": ("successful_requests", "plain"),
        "failed requests": ("failed_requests", "plain"),
        "benchmark duration": ("benchmark_duration_s", "s"),
        "total input tokens": ("total_input_tokens", "plain"),
        "total generated tokens": ("total_output_tokens", "plain"),
        "total num prompt tokens": ("total_input_tokens", "plain"),
        "total num output tokens": ("total_output_tokens", "plain"),
        "request throughput": ("request_throughput_req_s", "req/s"),
        "request goodput": ("request_goodput_req_s", "req/s"),
        "input token throughput": ("input_token_throughput_tok_s", "tok/s"),
        "output token throughput": ("output_token_throughput_tok_s", "tok/s"),
        "total token throughput": ("total_token_throughput_tok_s", "tok/s"),
        "total throughput": ("total_token_throughput_tok_s", "tok/s"),  # SGLang before ~v0.4
        "peak output token throughput": ("peak_output_token_throughput_tok_s", "tok/s"),
        "concurrency": ("concurrency", "plain"),
        "last generation throughput": ("last_gen_throughput_tok_s", "tok/s"),
        "avg latency": ("latency_avg_ms", "ms"),
        "elapsed time": ("elapsed_time_s", "s"),
    }
    for family, spellings in SERVING_FAMILIES.items():
        for spelling in spellings:
            table[f"mean {spelling}"] = (f"{family}_mean_ms", "ms")
            table[f"median {spelling}"] = (f"{family}_median_ms", "ms")
            for p in PERCENTILES:
                table[f"p{p} {spelling}"] = (f"{family}_p{p}_ms", "ms")
    return table


# How the serving, latency and throughput tools print a canonical key (read by the parser).
LABELLED_METRICS = _labelled_metrics()


def _directions() -> dict[str, str]:
    directions: dict[str, str] = {}
    for key, kind in LABELLED_METRICS.values():
        if kind in ("ms", "s"):
            directions[key] = LOWER
        else:
            directions[key] = HIGHER
    # Counts are workload descriptors rather than goals; "higher" means "more work completed".
    # SGLang's Concurrency (sum of request latencies / duration, i.e. requests in flight) is
    # descriptive as well; "higher" is a convention.  Neither makes a sensible primary metric.
    directions["failed_requests"] = LOWER
    for p in PERCENTILES:
        directions[f"latency_p{p}_ms"] = LOWER
    directions.update(
        {
            "throughput_req_s": HIGHER,
            "throughput_tok_s": HIGHER,
            "output_throughput_tok_s": HIGHER,
            "prefix_caching_time_s": LOWER,
            "prefill_latency_ms": LOWER,
            "prefill_throughput_tok_s": HIGHER,
            "decode_median_latency_ms": LOWER,
            "decode_median_throughput_tok_s": HIGHER,
            "total_latency_ms": LOWER,
            "total_throughput_tok_s": HIGHER,
            "test_avg_ms": LOWER,
            "test_p50_ms": LOWER,
            "test_p95_ms": LOWER,
        }
    )
    return dict(sorted(directions.items()))


METRIC_DIRECTIONS: dict[str, str] = _directions()
"""Every canonical key ``parse_metrics`` can return -> ``"lower"`` or ``"higher"`` (is better)."""


class UnknownMetricError(KeyError):
    """A metric name that ``parse_metrics`` never produces."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else "unknown metric"


_LOWER_NAME = re.compile(
    r"(_(ms|us|ns|s|sec|secs|seconds|bytes|mb|gb)$|time|latency|duration|elapsed|ttft|tpot|"
    r"itl|memory|\bcycles)",
    re.IGNORECASE,
)
_HIGHER_NAME = re.compile(
    r"(throughput|_per_s(ec)?$|_tok_s$|_req_s$|ops|qps|rps|tokens_per|speedup|goodput)",
    re.IGNORECASE,
)


def metric_direction(name: str, mode: str | None = None) -> str:
    """``"lower"`` or ``"higher"``: which way ``name`` improves.  Raises UnknownMetricError.

    A canonical key has its direction in ``METRIC_DIRECTIONS``. In mode ``generic`` any other
    name (the command's own metric) is read from its name, and a name that says neither is an
    error; in the other modes only canonical keys exist, so any other name is a typo.
    """
    if name in METRIC_DIRECTIONS:
        return METRIC_DIRECTIONS[name]
    if mode != "generic":
        raise UnknownMetricError(
            f"unknown metric {name!r}: it is not one of the metrics the benchmark output "
            f"parser produces. Known metrics: {', '.join(METRIC_DIRECTIONS)}"
        )
    # A rate ("docs_per_s") is read before a unit suffix ("_s") would call it a time.
    if _HIGHER_NAME.search(name):
        return HIGHER
    if _LOWER_NAME.search(name):
        return LOWER
    raise UnknownMetricError(
        f"metric {name!r}: its name does not say whether lower or higher is better. Fix: set "
        f"`direction: lower` or `direction: higher` in the task's commit-list entry."
    )


# --------------------------------------------------------------------------------------------
# Perf commands

MODES = ("serving", "latency", "throughput", "prefix_caching", "standalone", "generic")

_MODE_PATTERNS = (
    ("prefix_caching", re.compile(r"benchmark_prefix_caching(?:\.py)?\b")),
    (
        "standalone",
        re.compile(
            r"sglang\.bench_one_batch(?:_server)?\b|bench_one_batch(?:_server)?\.py"
            r"|sglang\.bench_latency\b"
        ),
    ),
    (
        "throughput",
        re.compile(r"benchmark_throughput\.py|\bbench\s+throughput\b|bench_offline_throughput\b"),
    ),
    ("latency", re.compile(r"benchmark_latency\.py|\bbench\s+latency\b")),
    (
        "serving",
        re.compile(r"benchmark_serving(?:\.py)?\b|\bbench\s+serve\b|bench_serving\b"),
    ),
)

_PRIMARY = {
    "serving": "ttft_mean_ms",
    "latency": "latency_avg_ms",
    "throughput": "throughput_tok_s",
    "prefix_caching": "prefix_caching_time_s",
    "standalone": "total_throughput_tok_s",
}


def benchmark_mode(command: str) -> str:
    """Classify a perf command: latency, throughput, prefix_caching, standalone, serving, generic.

    ``benchmark_latency.py`` / ``vllm bench latency`` -> latency; ``benchmark_throughput.py`` /
    ``vllm bench throughput`` / SGLang ``bench_offline_throughput`` -> throughput;
    ``benchmark_prefix_caching.py`` -> prefix_caching; SGLang ``bench_one_batch`` (and its old name
    ``bench_latency``) -> standalone; ``benchmark_serving.py``, ``vllm bench serve``,
    ``sglang.bench_serving`` -> serving; anything else (a repository's own benchmark) -> generic.
    """
    for mode, pattern in _MODE_PATTERNS:
        if pattern.search(command):
            return mode
    return "generic"


def default_primary_metric(mode: str) -> str:
    """The metric a task of this mode is decided on when its entry names none."""
    if mode == "generic":
        raise ValueError(
            "a generic benchmark command prints metrics of its own names, so the task must name "
            "the one it is decided on. Fix: set `primary_metric: <name>` in its commit-list entry"
        )
    try:
        return _PRIMARY[mode]
    except KeyError:
        raise ValueError(
            f"unknown benchmark mode {mode!r}; known modes: {', '.join(MODES)}"
        ) from None
