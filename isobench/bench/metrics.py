"""Read the metrics that vLLM / SGLang benchmark scripts (and other commands) print.

``parse_metrics`` takes the combined stdout+stderr of one benchmark run and returns every metric
it recognises under a canonical key whose name carries the unit (``*_ms``, ``*_s``, ``*_tok_s``,
``*_req_s``; bare names are counts or ratios).  Supported outputs:

* serving: vLLM ``benchmarks/benchmark_serving.py`` (the v0.3-era ``Mean TTFT: 12.3 ms`` summary
  and the later ``Serving Benchmark Result`` table), ``vllm bench serve``, SGLang ``bench_serving``
  (``Mean E2E Latency (ms)``, ``Concurrency``, ``Total throughput (tok/s)`` ...);
* latency: vLLM ``benchmark_latency.py`` / ``vllm bench latency`` (``Avg latency: X seconds``,
  ``NN% percentile latency: X seconds``);
* throughput: vLLM ``benchmark_throughput.py`` / ``vllm bench throughput`` (``Throughput: ...``
  in its old two-number and new three-number form) and SGLang ``bench_offline_throughput``;
* prefix caching: vLLM ``benchmark_prefix_caching.py`` (``cost time X``);
* SGLang ``bench_one_batch`` (``Prefill.`` / ``Decode.  median`` / ``Total.`` lines);
* the JSON-line contract of LLM-written perf tests: a line holding a JSON object with ``avg_ms``;
* any other command (mode ``generic``): every numeric field of a JSON object line and every
  ``name: value`` line (``name`` an identifier: ``parse_ms: 12.3``), under the printed name.

Rules shared by every format:

* Lines are split on ``\\n`` and ``\\r`` (tqdm redraws with ``\\r``) and ANSI colour codes are
  removed; lines that match nothing are ignored, so log noise is harmless.
* A label is recognised only as a whole label: ``Peak output token throughput (tok/s)`` is not
  read as ``Output token throughput``, ``Total generated tokens (retokenized)`` is not read as
  ``Total generated tokens``.  Labels are matched case-insensitively (vLLM prints both
  ``Total Token throughput`` and ``Total token throughput``).
* When a label occurs several times (warm-up runs, several runs in one log) the last occurrence
  wins.  Numbers may carry thousands separators (``1,234.5``); none of the tools print them today.
* Non-finite values (``nan``, ``inf``, as printed when every request failed) are never returned:
  a non-finite last occurrence removes the key, so a failed final run cannot be reported with the
  number of an earlier successful one.
* Times and throughputs count only with a printed unit (``Mean TTFT (ms): 1`` or ``Mean TTFT:
  1 ms``); a bare ``Median ITL: 3.5`` is ignored rather than guessed.

Configuration echoes (``Traffic request rate``, ``Maximum request concurrency``, ``Burstiness
factor``) are not metrics and are not returned.

The canonical keys, their directions and the modes of perf commands are defined in
:mod:`isobench.bench.metric_catalog`.  The JSON-line contract's keys come from the last line whose
JSON object has a finite numeric ``avg_ms`` (the line is taken as a whole); the device that line
names is ``parse_reported_device``'s.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from decimal import Decimal

from isobench.bench.metric_catalog import LABELLED_METRICS, PERCENTILES

# Unit kinds: how a printed unit converts to the canonical key's unit (None: the unit is absent).
# Scaling is done in Decimal so that "0.00686 s" becomes exactly 6.86 ms.
_ONE, _KILO, _MILLI = Decimal(1), Decimal(1000), Decimal("0.001")
_UNIT_SCALES: dict[str, dict[str | None, Decimal]] = {
    "ms": {"ms": _ONE, "s": _KILO, "sec": _KILO, "secs": _KILO, "second": _KILO, "seconds": _KILO},
    "s": {"s": _ONE, "sec": _ONE, "secs": _ONE, "second": _ONE, "seconds": _ONE, "ms": _MILLI},
    "tok/s": {"tok/s": _ONE, "toks/s": _ONE, "token/s": _ONE, "tokens/s": _ONE},
    "req/s": {"req/s": _ONE, "reqs/s": _ONE, "request/s": _ONE, "requests/s": _ONE},
    "plain": {None: _ONE},  # counts and ratios: no unit may be printed in parentheses
}

_NUM = (
    r"[-+]?(?:\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
    r"|[-+]?(?i:inf(?:inity)?|nan)(?![A-Za-z])"
)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_LINE_SPLIT = re.compile(r"\r\n|\r|\n")

# "Label (unit): value unit".  A label starts with a letter at a word start and holds no ':',
# '(' or brackets, so a prefix such as "[subprocess] " or "INFO >> " is skipped, while "Peak
# output token throughput" is captured whole (and then ignored as an unknown label).  The
# possessive, bounded label keeps the scan linear on long log lines.
_LABELLED = re.compile(
    r"(?<![A-Za-z0-9_.+\-/])(?P<label>[A-Za-z][A-Za-z0-9_ .+\-/]{0,80}+)"
    r"(?:\((?P<paren>[^()]{0,40})\))?\s*:\s*"
    r"(?P<value>" + _NUM + r")(?:[ \t]*(?P<after>[A-Za-z][A-Za-z/%]*))?"
)
# vLLM benchmark_throughput: old "Throughput: A requests/s, B tokens/s",
# new "Throughput: A requests/s, B total tokens/s, C output tokens/s".
_THROUGHPUT = re.compile(
    r"\bThroughput:\s*(?P<req>" + _NUM + r")\s*requests/s,\s*(?P<tok>" + _NUM + r")\s*"
    r"(?:total\s+)?tokens/s(?:,\s*(?P<out>" + _NUM + r")\s*output\s+tokens/s)?"
)
_PCT_LATENCY = re.compile(
    r"(?<![\w.])(?P<pct>\d{1,2})% percentile latency:\s*(?P<value>" + _NUM + r")\s*"
    r"(?P<unit>seconds|second|secs|sec|s|ms)\b"
)
_COST_TIME = re.compile(r"\bcost time:?\s+(?P<value>" + _NUM + r")")
_ONE_BATCH = (
    (
        re.compile(
            r"\bPrefill\.\s+latency:\s*(?P<lat>" + _NUM + r")\s*s\s*,\s*"
            r"throughput:\s*(?P<tput>" + _NUM + r")\s*tokens?/s"
        ),
        "prefill_latency_ms",
        "prefill_throughput_tok_s",
    ),
    (
        re.compile(
            r"\bDecode\.\s+median latency:\s*(?P<lat>" + _NUM + r")\s*s\s*,\s*"
            r"median throughput:\s*(?P<tput>" + _NUM + r")\s*tokens?/s"
        ),
        "decode_median_latency_ms",
        "decode_median_throughput_tok_s",
    ),
    (
        re.compile(
            r"\bTotal\.\s+latency:\s*(?P<lat>" + _NUM + r")\s*s\s*,\s*"
            r"throughput:\s*(?P<tput>" + _NUM + r")\s*tokens?/s"
        ),
        "total_latency_ms",
        "total_throughput_tok_s",
    ),
)
_OFFLINE_HEADER = re.compile(r"Offline Throughput Benchmark Result", re.IGNORECASE)
_ANY_RESULT_HEADER = re.compile(r"Benchmark Result", re.IGNORECASE)
_RULE = re.compile(r"^={10,}$")
# Inside SGLang's offline block these also answer the throughput-mode keys.
_OFFLINE_ALIASES = {
    "request_throughput_req_s": "throughput_req_s",
    "total_token_throughput_tok_s": "throughput_tok_s",
    "output_token_throughput_tok_s": "output_throughput_tok_s",
}
_JSON_CONTRACT = {"avg_ms": "test_avg_ms", "p50_ms": "test_p50_ms", "p95_ms": "test_p95_ms"}
_DIGEST_LINE = re.compile(r"^Output digest:\s*(?P<value>\S*)\s*$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")


def _lines(text: str) -> Iterator[str]:
    for raw in _LINE_SPLIT.split(text):
        line = _ANSI.sub("", raw).strip()
        if line:
            yield line


def _number(token: str, scale: Decimal = _ONE) -> float:
    """A printed number (thousands separators allowed) times ``scale``, as a float."""
    value = Decimal(token.replace(",", ""))
    return float(value * scale) if value.is_finite() else float(value)


def _json_object(line: str) -> dict | None:
    if not (line.startswith("{") and line.endswith("}")):
        return None
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _json_number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


class _Collector:
    """Applies the last-occurrence-wins and non-finite-removes rules."""

    def __init__(self) -> None:
        self.metrics: dict[str, float] = {}

    def put(self, key: str, value: float) -> None:
        if math.isfinite(value):
            self.metrics[key] = value
        else:
            self.metrics.pop(key, None)


def _fixed_format(line: str, out: _Collector) -> bool:
    """Parse a line of one of the fixed formats (throughput, latency percentile, prefix caching,
    bench_one_batch); False when the line is none of them."""
    match = _THROUGHPUT.search(line)
    if match:
        out.put("throughput_req_s", _number(match["req"]))
        out.put("throughput_tok_s", _number(match["tok"]))
        if match["out"] is not None:
            out.put("output_throughput_tok_s", _number(match["out"]))
        return True
    match = _PCT_LATENCY.search(line)
    if match:
        pct = int(match["pct"])
        if pct in PERCENTILES:
            scale = _UNIT_SCALES["ms"][match["unit"]]
            out.put(f"latency_p{pct}_ms", _number(match["value"], scale))
        return True
    match = _COST_TIME.search(line)
    if match:
        out.put("prefix_caching_time_s", _number(match["value"]))
        return True
    for pattern, latency_key, throughput_key in _ONE_BATCH:
        match = pattern.search(line)
        if match:
            out.put(latency_key, _number(match["lat"], _KILO))
            out.put(throughput_key, _number(match["tput"]))
            return True
    return False


def _labelled(line: str, out: _Collector, in_offline_block: bool) -> None:
    """Parse every ``Label (unit): value`` pair on the line (inside SGLang's offline block, also
    under the throughput-mode key the label answers there)."""
    for match in _LABELLED.finditer(line):
        label = " ".join(match["label"].lower().split())
        spec = LABELLED_METRICS.get(label)
        if spec is None:
            continue
        key, kind = spec
        paren = match["paren"].strip().lower() if match["paren"] is not None else None
        if kind == "plain":
            unit = paren
        else:
            unit = paren if paren is not None else (match["after"] or "").lower() or None
        scale = _UNIT_SCALES[kind].get(unit)
        if scale is None:
            continue
        out.put(key, _number(match["value"], scale))
        alias = _OFFLINE_ALIASES.get(key) if in_offline_block else None
        if alias is not None:
            if key in out.metrics:
                out.metrics[alias] = out.metrics[key]
            else:
                out.metrics.pop(alias, None)


_NAME_VALUE = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_.]*)\s*[:=]\s*(?P<value>" + _NUM + r")$")


def _generic_metrics(lines: list[str]) -> dict[str, float]:
    """A generic command's own metrics: JSON object fields and ``name: value`` lines, last wins."""
    out = _Collector()
    for line in lines:
        obj = _json_object(line)
        if obj is not None:
            for key, value in obj.items():
                number = _json_number(value)
                if number is not None and _NAME_VALUE.match(f"{key}: 0"):
                    out.put(key, number)
            continue
        match = _NAME_VALUE.match(line)
        if match:
            out.put(match["name"], _number(match["value"]))
    return out.metrics


def parse_metrics(text: str, mode: str | None = None) -> dict[str, float]:
    """Every metric found in one benchmark run's output, under canonical keys (see module doc).

    With ``mode="generic"`` a command's own ``name: value`` lines and JSON fields are returned
    too, under their printed names (canonical keys win a clash).

    Returns ``{}`` when nothing is recognised.  Times are converted to the unit in the key's name
    (``Avg latency: 0.5 seconds`` -> ``latency_avg_ms == 500.0``).  NaN and infinite values are
    skipped: they are never returned, and a non-finite last occurrence drops the key.
    """
    out = _Collector()
    contract: dict | None = None
    in_offline_block = False
    lines = list(_lines(text))
    for line in lines:
        obj = _json_object(line)
        if obj is not None:
            if _json_number(obj.get("avg_ms")) is not None:
                contract = obj
            continue
        if _OFFLINE_HEADER.search(line):
            in_offline_block = True
            continue
        if _RULE.match(line) or _ANY_RESULT_HEADER.search(line):
            in_offline_block = False
            continue

        if not _fixed_format(line, out):
            _labelled(line, out, in_offline_block)

    if contract is not None:
        for field, key in _JSON_CONTRACT.items():
            value = _json_number(contract.get(field))
            if value is not None:
                out.metrics[key] = value
    if mode == "generic":
        return {**_generic_metrics(lines), **out.metrics}
    return out.metrics


def parse_output_digest(text: str) -> str | None:
    """The output-equivalence digest of one run, lower-cased hex, or None.

    The last ``Output digest: <hex>`` line decides; if there is none (or its value is not hex),
    the last JSON-object line carrying a hex ``result_digest`` (preferred) or ``output_digest``
    string is used.
    """
    last_marker: str | None = None
    json_digest: str | None = None
    for line in _lines(text):
        match = _DIGEST_LINE.match(line)
        if match:
            last_marker = match["value"]
            continue
        obj = _json_object(line)
        if obj is None:
            continue
        for field in ("result_digest", "output_digest"):
            value = obj.get(field)
            if isinstance(value, str) and _HEX.match(value):
                json_digest = value.lower()
                break
    if last_marker is not None and _HEX.match(last_marker):
        return last_marker.lower()
    return json_digest


def parse_reported_device(text: str) -> str | None:
    """The ``device`` a JSON-line perf test says it ran on (``"cpu"``, a CUDA device name), or None.

    Read from the same line as the contract's metrics: the last JSON object with a numeric
    ``avg_ms``.
    """
    device = None
    for line in _lines(text):
        obj = _json_object(line)
        if obj is not None and _json_number(obj.get("avg_ms")) is not None:
            value = obj.get("device")
            device = value.strip() if isinstance(value, str) and value.strip() else None
    return device
