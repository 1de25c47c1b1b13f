"""Tests of isobench.bench.metrics on recorded-style outputs of vLLM and SGLang benchmark scripts.

Every expected value below was read off the fixture by hand (the printed number, converted to
the unit in the key's name); the whole dict is compared, so a spurious extra key fails too.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from isobench.bench import metric_catalog, metrics

FIXTURES = Path(__file__).parent / "fixtures" / "bench_outputs"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


EXPECTED: dict[str, dict[str, float]] = {
    "vllm_benchmark_serving_v0_3.txt": {
        "successful_requests": 1000.0,
        "benchmark_duration_s": 112.493152,
        "total_input_tokens": 248339.0,
        "total_output_tokens": 197466.0,
        "request_throughput_req_s": 8.89,
        "input_token_throughput_tok_s": 2207.59,
        "output_token_throughput_tok_s": 1755.36,
        "ttft_mean_ms": 43213.5,
        "ttft_median_ms": 41988.27,
        "ttft_p99_ms": 98421.07,
        "tpot_mean_ms": 211.73,
        "tpot_median_ms": 183.05,
        "tpot_p99_ms": 812.44,
    },
    "vllm_benchmark_serving_v0_4_2.txt": {
        "successful_requests": 1000.0,
        "benchmark_duration_s": 96.17,
        "total_input_tokens": 215196.0,
        "total_output_tokens": 185671.0,
        "request_throughput_req_s": 10.4,
        "input_token_throughput_tok_s": 2237.66,
        "output_token_throughput_tok_s": 1930.65,
        "ttft_mean_ms": 2876.43,
        "ttft_median_ms": 2491.05,
        "ttft_p99_ms": 8012.37,
        "tpot_mean_ms": 64.21,
        "tpot_median_ms": 57.88,
        "tpot_p99_ms": 231.09,
    },
    "vllm_benchmark_serving_v0_6.txt": {
        "successful_requests": 100.0,
        "benchmark_duration_s": 12.58,
        "total_input_tokens": 22946.0,
        "total_output_tokens": 21691.0,
        "request_throughput_req_s": 7.95,
        "output_token_throughput_tok_s": 1724.24,
        "total_token_throughput_tok_s": 3548.25,
        "ttft_mean_ms": 386.55,
        "ttft_median_ms": 371.12,
        "ttft_p99_ms": 612.08,
        "tpot_mean_ms": 19.43,
        "tpot_median_ms": 18.96,
        "tpot_p99_ms": 31.72,
        "itl_mean_ms": 18.87,
        "itl_median_ms": 17.41,
        "itl_p99_ms": 62.35,
    },
    # Two invocations in one log: only the second (measured, 200-prompt) run may show.
    "vllm_bench_serve_v0_10.txt": {
        "successful_requests": 200.0,
        "benchmark_duration_s": 13.68,
        "total_input_tokens": 204800.0,
        "total_output_tokens": 25600.0,
        "request_throughput_req_s": 14.62,
        "output_token_throughput_tok_s": 1871.35,
        "total_token_throughput_tok_s": 16842.11,
        "ttft_mean_ms": 101.84,
        "ttft_median_ms": 92.77,
        "ttft_p90_ms": 160.09,
        "ttft_p99_ms": 254.31,
        "tpot_mean_ms": 7.96,
        "tpot_median_ms": 7.93,
        "tpot_p90_ms": 8.21,
        "tpot_p99_ms": 8.64,
        "itl_mean_ms": 7.9,
        "itl_median_ms": 7.71,
        "itl_p90_ms": 8.52,
        "itl_p99_ms": 18.47,
        "e2el_mean_ms": 1112.75,
        "e2el_median_ms": 1104.32,
        "e2el_p90_ms": 1160.48,
        "e2el_p99_ms": 1240.92,
    },
    "vllm_bench_serve_v0_11.txt": {
        "successful_requests": 100.0,
        "failed_requests": 0.0,
        "benchmark_duration_s": 41.24,
        "total_input_tokens": 99744.0,
        "total_output_tokens": 100000.0,
        "request_throughput_req_s": 2.42,
        "request_goodput_req_s": 2.25,
        "output_token_throughput_tok_s": 2424.83,
        "peak_output_token_throughput_tok_s": 2742.0,
        "total_token_throughput_tok_s": 4843.45,
        "ttft_mean_ms": 60.77,
        "ttft_median_ms": 55.31,
        "ttft_p99_ms": 149.82,
        "tpot_mean_ms": 6.53,
        "tpot_median_ms": 6.51,
        "tpot_p99_ms": 6.88,
        "itl_mean_ms": 6.53,
        "itl_median_ms": 6.4,
        "itl_p99_ms": 12.77,
    },
    "vllm_benchmark_latency_v0_4.txt": {
        "latency_avg_ms": 311.70273333333334,
        "latency_p10_ms": 308.66541862487793,
        "latency_p25_ms": 309.69732999801636,
        "latency_p50_ms": 311.24866008758545,
        "latency_p75_ms": 313.0558729171753,
        "latency_p90_ms": 315.29843807220459,
    },
    "vllm_bench_latency_new.txt": {
        "latency_avg_ms": 210.8812345,
        "latency_p10_ms": 208.9341,
        "latency_p25_ms": 209.6775,
        "latency_p50_ms": 210.5903,
        "latency_p75_ms": 211.9488,
        "latency_p90_ms": 213.1872,
        "latency_p99_ms": 216.0557,
    },
    "vllm_benchmark_throughput_v0_4.txt": {
        "throughput_req_s": 81.05,
        "throughput_tok_s": 41497.6,
    },
    "vllm_bench_throughput_new.txt": {
        "throughput_req_s": 117.85,
        "throughput_tok_s": 60339.65,
        "output_throughput_tok_s": 30169.82,
        "total_input_tokens": 256000.0,
        "total_output_tokens": 256000.0,
    },
    # The warm-up pass prints "cost time 1.60..." first; the measured pass is the last one.
    "vllm_benchmark_prefix_caching.txt": {
        "prefix_caching_time_s": 0.46521878242492676,
    },
    "sglang_bench_serving_v0_3.txt": {
        "successful_requests": 480.0,
        "benchmark_duration_s": 52.66,
        "total_input_tokens": 110527.0,
        "total_output_tokens": 96342.0,
        "request_throughput_req_s": 9.12,
        "input_token_throughput_tok_s": 2098.88,
        "output_token_throughput_tok_s": 1829.51,
        "total_token_throughput_tok_s": 3928.39,
        "e2el_mean_ms": 21840.31,
        "e2el_median_ms": 19987.06,
        "ttft_mean_ms": 9715.42,
        "ttft_median_ms": 8860.13,
        "ttft_p99_ms": 24318.77,
        "tpot_mean_ms": 95.61,
        "tpot_median_ms": 61.28,
        "tpot_p99_ms": 703.5,
        "itl_mean_ms": 59.43,
        "itl_median_ms": 41.96,
        "itl_p99_ms": 398.12,
    },
    "sglang_bench_serving_v0_4.txt": {
        "successful_requests": 480.0,
        "benchmark_duration_s": 47.91,
        "total_input_tokens": 110527.0,
        "total_output_tokens": 96342.0,
        "request_throughput_req_s": 10.02,
        "input_token_throughput_tok_s": 2306.97,
        "output_token_throughput_tok_s": 2010.9,
        "total_token_throughput_tok_s": 4317.87,
        "concurrency": 213.47,
        "e2el_mean_ms": 21307.62,
        "e2el_median_ms": 19455.18,
        "ttft_mean_ms": 8803.27,
        "ttft_median_ms": 8114.9,
        "ttft_p99_ms": 22871.45,
        "itl_mean_ms": 62.08,
        "itl_median_ms": 43.51,
        "itl_p95_ms": 171.33,
        "itl_p99_ms": 412.96,
    },
    # Warm-up pass first (prefill 0.26872 s, total 0.492 s); the benchmark pass wins.
    "sglang_bench_one_batch.txt": {
        "prefill_latency_ms": 31.32,
        "prefill_throughput_tok_s": 32694.76,
        "decode_median_latency_ms": 6.86,
        "decode_median_throughput_tok_s": 145.77,
        "total_latency_ms": 1786.0,
        "total_throughput_tok_s": 716.8,
    },
    "sglang_bench_offline_throughput.txt": {
        "successful_requests": 1000.0,
        "benchmark_duration_s": 21.37,
        "total_input_tokens": 215196.0,
        "total_output_tokens": 198343.0,
        "last_gen_throughput_tok_s": 9310.27,
        "request_throughput_req_s": 46.79,
        "input_token_throughput_tok_s": 10070.0,
        "output_token_throughput_tok_s": 9281.38,
        "total_token_throughput_tok_s": 19351.38,
        # the offline block also answers the throughput-mode keys
        "throughput_req_s": 46.79,
        "output_throughput_tok_s": 9281.38,
        "throughput_tok_s": 19351.38,
    },
    # The warm-up record (avg 2.4113) comes first; the last JSON line with avg_ms wins.
    "perf_test_json_line.txt": {
        "test_avg_ms": 1.8342,
        "test_p50_ms": 1.8207,
        "test_p95_ms": 1.9121,
    },
}

# The command that produced each fixture (as an ISO-Bench task would list it).
COMMANDS = {
    "vllm_benchmark_serving_v0_3.txt": "python benchmarks/benchmark_serving.py --backend vllm "
    "--model meta-llama/Llama-2-7b-chat-hf --dataset ShareGPT_V3_unfiltered_cleaned_split.json",
    "vllm_benchmark_serving_v0_4_2.txt": "python benchmarks/benchmark_serving.py --backend vllm "
    "--model meta-llama/Llama-2-7b-chat-hf --dataset /data/ShareGPT_V3_unfiltered_cleaned_split.json",
    "vllm_benchmark_serving_v0_6.txt": "python benchmarks/benchmark_serving.py --model "
    "meta-llama/Llama-3.1-8B-Instruct --dataset-name sharegpt --num-prompts 100",
    "vllm_bench_serve_v0_10.txt": "vllm bench serve --model meta-llama/Llama-3.1-8B-Instruct "
    "--dataset-name random --num-prompts 200 --max-concurrency 16 "
    "--percentile-metrics ttft,tpot,itl,e2el --metric-percentiles 90,99",
    "vllm_bench_serve_v0_11.txt": "vllm bench serve --model Qwen/Qwen3-8B --dataset-name random "
    "--random-input-len 1000 --random-output-len 1000 --num-prompts 100 --max-concurrency 16",
    "vllm_benchmark_latency_v0_4.txt": "python benchmarks/benchmark_latency.py --model "
    "facebook/opt-125m --input-len 32 --output-len 128 --batch-size 8",
    "vllm_bench_latency_new.txt": "vllm bench latency --model facebook/opt-125m --input-len 32 "
    "--output-len 128 --batch-size 8",
    "vllm_benchmark_throughput_v0_4.txt": "python benchmarks/benchmark_throughput.py --model "
    "facebook/opt-125m --input-len 256 --output-len 256",
    "vllm_bench_throughput_new.txt": "vllm bench throughput --model facebook/opt-125m "
    "--input-len 256 --output-len 256",
    "vllm_benchmark_prefix_caching.txt": "python benchmarks/benchmark_prefix_caching.py --model "
    "meta-llama/Llama-3.1-8B-Instruct --enable-prefix-caching --num-prompts 20 "
    "--repeat-count 5 --input-length-range 128:256",
    "sglang_bench_serving_v0_3.txt": "python3 -m sglang.bench_serving --backend sglang --num-prompt 480",
    "sglang_bench_serving_v0_4.txt": "python3 -m sglang.bench_serving --backend sglang --num-prompt 480",
    "sglang_bench_one_batch.txt": "python3 -m sglang.bench_one_batch --model-path "
    "meta-llama/Llama-3.1-8B-Instruct --batch-size 1 --input-len 1024 --output-len 256",
    "sglang_bench_offline_throughput.txt": "python3 -m sglang.bench_offline_throughput "
    "--model-path meta-llama/Llama-3.1-8B-Instruct --num-prompts 1000",
}


def test_every_fixture_is_covered_and_labelled():
    names = {p.name for p in FIXTURES.glob("*.txt")}
    assert names == set(EXPECTED)
    for name in names:
        first = fixture(name).splitlines()[0]
        assert first.startswith("# Imitates: "), name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_metrics(name):
    assert metrics.parse_metrics(fixture(name)) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_primary_metric_of_the_command_is_found_in_its_output(name):
    mode = metric_catalog.benchmark_mode(COMMANDS[name])
    primary = metric_catalog.default_primary_metric(mode)
    assert primary in metrics.parse_metrics(fixture(name))


def test_commands_of_the_fixtures_have_the_expected_modes():
    modes = {name: metric_catalog.benchmark_mode(cmd) for name, cmd in COMMANDS.items()}
    assert modes == {
        "vllm_benchmark_serving_v0_3.txt": "serving",
        "vllm_benchmark_serving_v0_4_2.txt": "serving",
        "vllm_benchmark_serving_v0_6.txt": "serving",
        "vllm_bench_serve_v0_10.txt": "serving",
        "vllm_bench_serve_v0_11.txt": "serving",
        "vllm_benchmark_latency_v0_4.txt": "latency",
        "vllm_bench_latency_new.txt": "latency",
        "vllm_benchmark_throughput_v0_4.txt": "throughput",
        "vllm_bench_throughput_new.txt": "throughput",
        "vllm_benchmark_prefix_caching.txt": "prefix_caching",
        "sglang_bench_serving_v0_3.txt": "serving",
        "sglang_bench_serving_v0_4.txt": "serving",
        "sglang_bench_one_batch.txt": "standalone",
        "sglang_bench_offline_throughput.txt": "throughput",
    }


# --- behaviour on inline variations of the same formats ---------------------------------------


@pytest.mark.parametrize(
    "text", ["", "\n\n", "garbage ::: 12 ~~\n\x00\x01", "Segmentation fault (core dumped)\n"]
)
def test_garbage_or_empty_output_gives_empty_dict(text):
    assert metrics.parse_metrics(text) == {}


def test_real_failure_output_gives_empty_dict():
    text = (
        "Traceback (most recent call last):\n"
        '  File "/workspace/benchmarks/benchmark_serving.py", line 1024, in <module>\n'
        "    main(args)\n"
        "ValueError: Initial test run failed - Please make sure benchmark arguments are correctly "
        "specified. Error: Cannot connect to host 127.0.0.1:8000 ssl:default [Connect call failed]\n"
    )
    assert metrics.parse_metrics(text) == {}


def test_non_finite_last_occurrence_drops_the_key():
    # A good SGLang run, then a run where every request failed (numpy prints nan for the empty
    # latency list): the failed run must not be reported with the good run's latencies.
    good = fixture("sglang_bench_serving_v0_3.txt")
    failed = (
        "============ Serving Benchmark Result ============\n"
        "Successful requests:                     0         \n"
        "Benchmark duration (s):                  3.02      \n"
        "Request throughput (req/s):              0.00      \n"
        "----------------End-to-End Latency----------------\n"
        "Mean E2E Latency (ms):                   nan       \n"
        "Median E2E Latency (ms):                 nan       \n"
        "Request goodput (req/s):                 inf       \n"
    )
    found = metrics.parse_metrics(good + failed)
    assert found["successful_requests"] == 0.0
    assert found["benchmark_duration_s"] == 3.02
    assert found["request_throughput_req_s"] == 0.0
    assert "e2el_mean_ms" not in found
    assert "e2el_median_ms" not in found
    assert "request_goodput_req_s" not in found
    assert found["ttft_mean_ms"] == 9715.42  # not printed again: the earlier value stays


def test_labels_that_contain_a_known_label_are_not_confused():
    text = (
        "Peak output token throughput (tok/s):    2742.00   \n"
        "Total generated tokens (retokenized):    95913     \n"
        "Median probe E2EL (ms):                  12.00     \n"
        "Mean E2EL incl. Client Queue (ms):       99.00     \n"
        "Mean Server E2E Latency (ms):            77.00     \n"
        "Maximum request concurrency:             16        \n"
        "Traffic request rate:                    inf       \n"
    )
    assert metrics.parse_metrics(text) == {"peak_output_token_throughput_tok_s": 2742.0}


def test_label_case_and_line_prefixes_and_ansi_and_crlf():
    text = (
        "\x1b[32m[subprocess] Total Token throughput (tok/s):   1000.50\x1b[0m\r\n"
        "[subprocess] Total token throughput (tok/s):   1200.25\r\n"
        "INFO 05-10 12:00:00 [serve.py:10] Median TTFT (ms): 7.25\r\n"
        "INFO >> Avg latency: 0.5 seconds\r\n"
    )
    assert metrics.parse_metrics(text) == {
        "total_token_throughput_tok_s": 1200.25,
        "ttft_median_ms": 7.25,
        "latency_avg_ms": 500.0,
    }


def test_units_are_converted_and_a_time_without_unit_is_ignored():
    text = (
        "Mean TTFT: 0.25 s\n"
        "Benchmark duration (ms): 1500\n"
        "Elapsed time: 12.34s\n"
        "Avg latency: 1.5e-3 seconds\n"
        "Mean TPOT (ms): 1,234.5\n"
        "Median ITL: 3.5\n"  # no unit: cannot be trusted to be ms
    )
    assert metrics.parse_metrics(text) == {
        "ttft_mean_ms": 250.0,
        "benchmark_duration_s": 1.5,
        "elapsed_time_s": 12.34,
        "latency_avg_ms": 1.5,
        "tpot_mean_ms": 1234.5,
    }


def test_old_bench_latency_decode_lines_are_not_the_median():
    # sglang.bench_latency (the old name of bench_one_batch) printed per-step decode lines as
    # "Decode.  latency: ..."; only the "median" line is the metric.
    text = (
        "Prefill. latency: 0.04621 s, throughput:  22161.05 token/s\n"
        "Decode.  latency: 0.00775 s, throughput:    129.07 token/s\n"
        "Decode.  latency: 0.00702 s, throughput:    142.41 token/s\n"
        "Decode.  median latency: 0.00701 s, median throughput:    142.61 token/s\n"
        "Decode.  latency: 0.00690 s, throughput:    144.93 token/s\n"
        "Total. latency:  1.832 s, throughput:    698.69 token/s\n"
    )
    assert metrics.parse_metrics(text) == {
        "prefill_latency_ms": 46.21,
        "prefill_throughput_tok_s": 22161.05,
        "decode_median_latency_ms": 7.01,
        "decode_median_throughput_tok_s": 142.61,
        "total_latency_ms": 1832.0,
        "total_throughput_tok_s": 698.69,
    }


def test_throughput_line_with_a_prefix_and_both_forms():
    old = "Throughput: 14.33 requests/s, 6895.75 tokens/s\n"
    new = "bs_8_input_32_output_128 Throughput: 4.72 requests/s, 3262.58 total tokens/s, 708.33 output tokens/s\n"
    assert metrics.parse_metrics(old) == {"throughput_req_s": 14.33, "throughput_tok_s": 6895.75}
    assert metrics.parse_metrics(new) == {
        "throughput_req_s": 4.72,
        "throughput_tok_s": 3262.58,
        "output_throughput_tok_s": 708.33,
    }


def test_latency_percentiles_outside_the_known_set_are_ignored():
    text = "Avg latency: 0.2 seconds\n33% percentile latency: 0.19 seconds\n99% percentile latency: 0.3 seconds\n"
    assert metrics.parse_metrics(text) == {"latency_avg_ms": 200.0, "latency_p99_ms": 300.0}


def test_offline_aliases_apply_only_inside_the_offline_block():
    serving_block = fixture("sglang_bench_serving_v0_4.txt")
    found = metrics.parse_metrics(serving_block)
    assert "throughput_tok_s" not in found and "throughput_req_s" not in found


def test_json_contract_uses_the_last_line_as_a_whole():
    text = (
        '{"avg_ms": 2.0, "p50_ms": 1.9, "p95_ms": 2.5}\n'
        '{"note": "not a contract line", "p95_ms": 9.9}\n'
        '{"avg_ms": "fast"}\n'
        "[1, 2, 3]\n"
        '{"avg_ms": 1.5, "p50_ms": 1.4}\n'
        '{"broken json": \n'
    )
    assert metrics.parse_metrics(text) == {"test_avg_ms": 1.5, "test_p50_ms": 1.4}


def test_json_contract_rejects_non_finite_and_boolean_values():
    text = '{"avg_ms": 1.5, "p50_ms": NaN, "p95_ms": true}\n{"avg_ms": Infinity}\n'
    assert metrics.parse_metrics(text) == {"test_avg_ms": 1.5}


# --- digests ---------------------------------------------------------------------------------


def test_digest_from_json_contract_fixture():
    assert (
        metrics.parse_output_digest(fixture("perf_test_json_line.txt"))
        == "5f1c9e0a7be34d3c2a66b1f0d8e9c4a2"
    )


def test_digest_marker_last_line_wins_and_is_lower_cased():
    text = (
        "Avg latency: 0.2 seconds\n"
        "Output digest: 0a1b2c3d4e5f\n"
        '{"avg_ms": 1.0, "result_digest": "ffffffff"}\n'
        "Output digest: 9F86D081884C7D659A2FEAA0C55AD015\n"
    )
    assert metrics.parse_output_digest(text) == "9f86d081884c7d659a2feaa0c55ad015"


def test_digest_falls_back_to_json_fields():
    text = (
        '{"avg_ms": 1.0, "output_digest": "abc123"}\n'
        '{"avg_ms": 1.1, "output_digest": "DEF456", "result_digest": "0badc0de"}\n'
    )
    assert metrics.parse_output_digest(text) == "0badc0de"
    only_output = '{"avg_ms": 1.1, "output_digest": "DEF456"}\n'
    assert metrics.parse_output_digest(only_output) == "def456"


def test_digest_marker_that_is_not_hex_falls_back_to_json():
    text = '{"avg_ms": 1.0, "result_digest": "c0ffee"}\nOutput digest: None\n'
    assert metrics.parse_output_digest(text) == "c0ffee"


@pytest.mark.parametrize(
    "text",
    [
        "",
        fixture("vllm_bench_serve_v0_11.txt"),
        '{"avg_ms": 1.0, "result_digest": "not-hex!"}\n',
        '{"avg_ms": 1.0, "result_digest": 1234}\n',
        "The Output digest: abc is mentioned mid-line\n",
    ],
)
def test_no_digest(text):
    assert metrics.parse_output_digest(text) is None


def test_reported_device_comes_from_the_contract_line():
    text = (
        '{"device": "not a contract line"}\n'
        '{"avg_ms": 1.0, "device": "cpu"}\n'
        '{"avg_ms": 0.5, "result_digest": "ab", "device": " NVIDIA H200 "}\n'
    )
    assert metrics.parse_reported_device(text) == "NVIDIA H200"
    # the last contract line decides, even when it names no device
    assert metrics.parse_reported_device(text + '{"avg_ms": 0.4}\n') is None
    assert metrics.parse_reported_device("Avg latency: 0.2 seconds\n") is None
    assert metrics.parse_reported_device('{"avg_ms": 1.0, "device": 3}\n') is None


# --- directions ------------------------------------------------------------------------------


def test_every_key_returned_by_a_fixture_has_a_direction():
    keys = set()
    for name in EXPECTED:
        keys |= set(metrics.parse_metrics(fixture(name)))
    assert keys <= set(metric_catalog.METRIC_DIRECTIONS)
    for key in keys:
        assert metric_catalog.metric_direction(key) in ("lower", "higher")


def test_the_catalog_is_cheap_for_the_dag():
    # isobench.config imports it while Snakemake builds the DAG: no parser, nothing heavy.
    script = (
        "import json, sys, isobench.bench.metric_catalog\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('isobench'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == ["isobench", "isobench.bench", "isobench.bench.metric_catalog"]


def test_directions_values_and_spot_checks():
    assert set(metric_catalog.METRIC_DIRECTIONS.values()) == {"lower", "higher"}
    lower = [
        "ttft_mean_ms",
        "tpot_p99_ms",
        "itl_median_ms",
        "e2el_p90_ms",
        "latency_avg_ms",
        "latency_p99_ms",
        "benchmark_duration_s",
        "prefix_caching_time_s",
        "prefill_latency_ms",
        "decode_median_latency_ms",
        "total_latency_ms",
        "test_avg_ms",
        "test_p95_ms",
        "failed_requests",
        "elapsed_time_s",
    ]
    higher = [
        "request_throughput_req_s",
        "output_token_throughput_tok_s",
        "total_token_throughput_tok_s",
        "input_token_throughput_tok_s",
        "throughput_req_s",
        "throughput_tok_s",
        "output_throughput_tok_s",
        "prefill_throughput_tok_s",
        "decode_median_throughput_tok_s",
        "total_throughput_tok_s",
        "last_gen_throughput_tok_s",
        "successful_requests",
    ]
    assert [metric_catalog.metric_direction(k) for k in lower] == ["lower"] * len(lower)
    assert [metric_catalog.metric_direction(k) for k in higher] == ["higher"] * len(higher)


def test_unknown_metric_error_names_it_and_lists_known_ones():
    with pytest.raises(KeyError) as info:
        metric_catalog.metric_direction("ttft_mean")
    assert isinstance(info.value, metric_catalog.UnknownMetricError)
    message = str(info.value)
    assert message.startswith("unknown metric 'ttft_mean'")
    assert "ttft_mean_ms" in message and "throughput_tok_s" in message


def test_generic_metrics_and_their_directions():
    text = (
        "warming up\n"
        "parse_ms: 12.5\n"
        "parse_ms = 11.25\n"
        "Parse of 10 files: 3\n"  # a sentence, not a name
        '{"docs_per_s": 810.0, "ok": true, "result_digest": "ab12"}\n'
    )
    assert metrics.parse_metrics(text, "generic") == {"parse_ms": 11.25, "docs_per_s": 810.0}
    assert metrics.parse_metrics(text) == {}  # only the generic mode reads own names
    assert metric_catalog.metric_direction("parse_ms", "generic") == "lower"
    assert metric_catalog.metric_direction("docs_per_s", "generic") == "higher"
    assert metric_catalog.metric_direction("wall_time_seconds", "generic") == "lower"
    with pytest.raises(metric_catalog.UnknownMetricError, match="direction: lower"):
        metric_catalog.metric_direction("score", "generic")
    with pytest.raises(metric_catalog.UnknownMetricError, match="unknown metric 'parse_ms'"):
        metric_catalog.metric_direction("parse_ms")  # a vLLM-format task prints only canonical keys


# --- modes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "mode"),
    [
        (
            "python benchmarks/benchmark_serving.py --model meta-llama/Llama-3.1-8B-Instruct "
            "--dataset-name sharegpt --num-prompts 100",
            "serving",
        ),
        (
            "vllm bench latency --model facebook/opt-125m --input-len 32 --output-len 128 --batch-size 8",
            "latency",
        ),
        (
            "python benchmarks/benchmark_latency.py --model meta-llama/Meta-Llama-3-8B "
            "--load-format dummy --num-iters-warmup 5 --num-iters 15",
            "latency",
        ),
        (
            "VLLM_USE_V1=1 python3 /workspace/vllm/benchmarks/benchmark_latency.py --model x",
            "latency",
        ),
        (
            "python benchmarks/benchmark_throughput.py --model meta-llama/Llama-3.1-8B-Instruct "
            "--input-len 256 --output-len 256",
            "throughput",
        ),
        (
            "vllm bench throughput --model Qwen/Qwen2.5-7B-Instruct --input-len 1000 --output-len 100",
            "throughput",
        ),
        (
            "python3 -m sglang.bench_offline_throughput --model-path meta-llama/Llama-3.1-8B-Instruct "
            "--num-prompts 10",
            "throughput",
        ),
        (
            "python benchmarks/benchmark_prefix_caching.py --model meta-llama/Llama-3.1-8B-Instruct "
            "--enable-prefix-caching --num-prompts 1 --repeat-count 100",
            "prefix_caching",
        ),
        (
            "python3 -m sglang.bench_one_batch --model-path meta-llama/Llama-3.1-8B-Instruct "
            "--batch-size 1 --input-len 256 --output-len 32",
            "standalone",
        ),
        (
            "python -m sglang.bench_latency --model-path meta-llama/Llama-2-7b-chat-hf --batch-size 1",
            "standalone",
        ),
        ("python3 -m sglang.bench_serving --backend sglang --num-prompt 480", "serving"),
        (
            "vllm bench serve --model Qwen/Qwen3-8B --dataset-name random --num-prompts 100",
            "serving",
        ),
        (
            "python3 -m sglang.bench_serving --backend sglang --dataset-name random --random-input 4096",
            "serving",
        ),
    ],
)
def test_benchmark_mode(command, mode):
    assert metric_catalog.benchmark_mode(command) == mode


@pytest.mark.parametrize(
    "command",
    ["python bench/parse_bench.py", "PYTHONPATH=. python $ISOBENCH_INPUTS/b.py", "make bench"],
)
def test_a_repositorys_own_benchmark_is_generic(command):
    assert metric_catalog.benchmark_mode(command) == "generic"


def test_default_primary_metric():
    named = [m for m in metric_catalog.MODES if m != "generic"]
    assert {m: metric_catalog.default_primary_metric(m) for m in named} == {
        "serving": "ttft_mean_ms",
        "latency": "latency_avg_ms",
        "throughput": "throughput_tok_s",
        "prefix_caching": "prefix_caching_time_s",
        "standalone": "total_throughput_tok_s",
    }
    for mode in named:
        assert metric_catalog.default_primary_metric(mode) in metric_catalog.METRIC_DIRECTIONS
    with pytest.raises(ValueError, match="set `primary_metric: <name>`"):
        metric_catalog.default_primary_metric("generic")
    with pytest.raises(ValueError, match="unknown benchmark mode 'kernel'"):
        metric_catalog.default_primary_metric("kernel")
