"""A task's benchmark as a structured spec: what runs, on what workload, decided on which metric.

A PR's benchmark command is a shell line (sometimes two: a server line and a client line). The
spec says the same thing in fields a study can check and compare across tasks:

- ``mode``: serving, latency, throughput, prefix_caching or standalone (``metric_catalog.benchmark_mode``);
- ``backend`` (vllm or sglang), ``env`` (leading ``VAR=value`` assignments of the command);
- ``server`` / ``client``: argv lists. A serving task's pair is exactly what
  ``isobench.bench.serving.normalize_serving_command`` makes of the command (engine flags on the
  server, the rest on the client), so the spec and the serving orchestration always agree; an
  offline benchmark has no server and its whole command is the client;
- the workload: ``dataset`` (name, path), ``input_len``, ``output_len``, ``num_prompts``,
  ``batch_size``, ``request_rate``, ``max_concurrency``; ``null`` means "the tool's default"
  (nothing is invented);
- ``tensor_parallel``: 1 unless ``-tp``/``--tensor-parallel-size``/``--tp-size`` says more (the
  GPUs one run needs at least; a commit list's ``gpus`` may say more, e.g. a multi-node server);
- ``primary_metric`` and ``direction`` (lower or higher is better).

Flags are matched as argparse matches them, so unique prefixes count (SGLang PRs write
``--num-prompt`` and ``--random-input`` for ``--num-prompts`` and ``--random-input-len``).
"""

from __future__ import annotations

import re
import shlex

from isobench.bench import metric_catalog, serving

SPEC_VERSION = 1
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_SERVER_PROGRAMS = ("sglang.launch_server", "vllm.entrypoints.openai.api_server")

# Workload field -> the long flags that set it (first match wins), as the benchmark tools name them.
WORKLOAD_FLAGS = {
    "input_len": ("--input-len", "--random-input-len", "--sonnet-input-len", "--input"),
    "output_len": ("--output-len", "--random-output-len", "--sonnet-output-len", "--output"),
    "num_prompts": ("--num-prompts",),
    "batch_size": ("--batch-size",),
    "request_rate": ("--request-rate",),
    "max_concurrency": ("--max-concurrency",),
    "dataset_name": ("--dataset-name", "--dataset"),
    "dataset_path": ("--dataset-path",),
    "tensor_parallel": ("--tensor-parallel-size", "-tp", "--tp-size", "--tp"),
}
# Every long flag the tools define that a prefix could be mistaken for (argparse refuses an
# ambiguous prefix, so neither do we).
KNOWN_FLAGS = sorted(
    {flag for flags in WORKLOAD_FLAGS.values() for flag in flags if flag.startswith("--")}
    | {"--random-range-ratio", "--random-prefix-len", "--num-iters", "--num-iters-warmup"}
    | {"--output-json", "--output-file", "--input-length-range", "--dataset-path"}
)
_INTS = ("input_len", "output_len", "num_prompts", "batch_size", "max_concurrency")


def _canonical(flag: str) -> str:
    """The long flag a (possibly abbreviated) flag stands for, as argparse would resolve it."""
    name = flag.split("=", 1)[0]
    if name in KNOWN_FLAGS or not name.startswith("--"):
        return name
    matches = [known for known in KNOWN_FLAGS if known.startswith(name)]
    return matches[0] if len(matches) == 1 else name


def flag_values(argv: list[str]) -> dict[str, str]:
    """``{canonical flag: value}`` of every ``--flag value`` / ``--flag=value`` pair in ``argv``."""
    values: dict[str, str] = {}
    for i, token in enumerate(argv):
        if not token.startswith("-"):
            continue
        name = _canonical(token)
        if "=" in token:
            values[name] = token.split("=", 1)[1]
        elif i + 1 < len(argv) and not argv[i + 1].startswith("--"):
            values[name] = argv[i + 1]
    return values


def _number(value: str | None, integer: bool):
    if value is None:
        return None
    try:
        return int(value) if integer else float(value)
    except ValueError:
        return value  # e.g. request rate "inf" stays a string only if float() refused it


def split_command(command: str) -> tuple[dict[str, str], list[str] | None, list[str]]:
    """(env, explicit server argv or None, benchmark argv) of a one- or two-line command."""
    lines = [line.strip() for line in command.strip().splitlines() if line.strip()]
    server: list[str] | None = None
    bench: list[str] = []
    env: dict[str, str] = {}
    for line in lines:
        argv = shlex.split(line)
        while argv and _ENV.match(argv[0]):
            key, _, value = argv.pop(0).partition("=")
            env[key] = value
        is_server = any(p in " ".join(argv[:3]) for p in _SERVER_PROGRAMS) or argv[:2] == [
            "vllm",
            "serve",
        ]
        if is_server and len(lines) > 1:
            server = argv
        else:
            bench = argv
    return env, server, bench


def _server_from_line(server_line: list[str], backend: str, port: int) -> list[str]:
    """An explicit server line, pointed at 127.0.0.1:``port`` like normalized ones."""
    flags_at = next((i for i, a in enumerate(server_line) if a.startswith("--")), len(server_line))
    flags: list[str] = []
    skip = False
    for token in server_line[flags_at:]:
        if skip:
            skip = False
            continue
        if token.split("=", 1)[0] in ("--host", "--port"):
            skip = "=" not in token
            continue
        flags.append(token)
    return [*serving.SERVERS[backend], "--host", "127.0.0.1", "--port", str(port), *flags]


def _workload(argv: list[str]) -> dict:
    values = flag_values(argv)

    def first(field: str) -> str | None:
        return next((values[f] for f in WORKLOAD_FLAGS[field] if f in values), None)

    work = {field: _number(first(field), True) for field in _INTS}
    rate = first("request_rate")
    work["request_rate"] = None if rate is None else _number(rate, False)
    if isinstance(work["request_rate"], float) and work["request_rate"].is_integer():
        work["request_rate"] = int(work["request_rate"])
    work["dataset"] = {"name": first("dataset_name"), "path": first("dataset_path")}
    tp = _number(first("tensor_parallel"), True)
    work["tensor_parallel"] = tp if isinstance(tp, int) and tp > 0 else 1
    return work


def bench_spec(
    command: str,
    mode: str | None = None,
    primary_metric: str | None = None,
    direction: str | None = None,
    port: int = 8000,
) -> dict:
    """The structured spec of a benchmark command (see the module docstring)."""
    env, server_line, bench = split_command(command)
    mode = mode or metric_catalog.benchmark_mode(command)
    primary = primary_metric or metric_catalog.default_primary_metric(mode)
    backend = None if mode == "generic" else "sglang" if "sglang" in command else "vllm"
    server: list[str] | None = None
    client = bench
    if mode == "serving":
        normalized = serving.normalize_serving_command(shlex.join(bench), port=port)
        backend = normalized.backend
        client = list(normalized.client)
        server = list(normalized.server)
        if server_line is not None:
            server = _server_from_line(server_line, backend, port)
    work = _workload([*(server_line or []), *bench])
    return {
        "version": SPEC_VERSION,
        "mode": mode,
        "backend": backend,
        "env": env,
        "server": server,
        "client": client,
        **work,
        "primary_metric": primary,
        "direction": direction or metric_catalog.metric_direction(primary, mode),
    }
