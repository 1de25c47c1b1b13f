"""One bench job: base, human and agent timed interleaved in one environment, every sample kept.

Round r runs the variants in an order rotated by r (base, human, agent / human, agent, base / ...)
so that slow drift of the machine (thermal, a neighbour's load) cannot favour one variant.
The first ``warmup`` rounds are run and stored but not used for the statistics.
"""

from __future__ import annotations

import logging
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime

from isobench.bench import correctness, serving
from isobench.bench.metrics import parse_metrics, parse_output_digest, parse_reported_device
from isobench.scoring import stats
from isobench.secrets import redact

log = logging.getLogger(__name__)

OUTPUT_TAIL = 3000  # characters of a failed run's output kept in the result


@dataclass(frozen=True)
class BenchSettings:
    warmup: int = 1
    repetitions: int = 10  # the schema's default (benchmarks/precision.py)
    timeout_s: float = 600.0
    bootstrap_resamples: int = 2000
    seed: int = 0
    # The correctness gate's policy (prefix_tokens, min_share, lm_eval_tolerance); {}: no gate.
    correctness: dict = field(default_factory=dict)


def _sample(variant: str, rnd: int, warm: bool, res, primary: str, mode: str | None = None) -> dict:
    metrics = parse_metrics(res.output, mode) if not res.timed_out else {}
    error = None
    if res.timed_out:
        error = "timeout"
    elif serving.parse_status(res.output) not in (None, serving.OK):
        error = serving.parse_status(res.output)  # server_crash, server_timeout, ...
    elif res.returncode != 0:
        error = f"exit code {res.returncode}"
    elif primary not in metrics:
        error = f"primary metric {primary} not found in the output"
    sample = {
        "variant": variant,
        "round": rnd,
        "warmup": warm,
        "returncode": res.returncode,
        "timed_out": res.timed_out,
        "wall_s": round(res.wall_s, 6),
        "metrics": metrics,
        "digest": parse_output_digest(res.output),
        "error": error,
    }
    device = parse_reported_device(res.output)
    if device is not None:  # the device a JSON-line perf test ran on
        sample["device"] = device
    greedy, lm_eval = (
        correctness.parse_greedy(res.output),
        correctness.parse_lm_eval_line(res.output),
    )
    if greedy is not None:  # the correctness gate's outputs (serving tasks the harness serves)
        sample["greedy"] = greedy
    if lm_eval is not None:
        sample["lm_eval"] = lm_eval
    if error:
        sample["output_tail"] = redact(res.output[-OUTPUT_TAIL:])
    return sample


def run_interleaved(
    executor, variants: list[str], primary: str, settings: BenchSettings, mode: str | None = None
) -> tuple[list, dict]:
    """Run all rounds; returns (samples, failures) where failures maps variant -> first failing sample.

    A failing base or human stops the job (nothing can be compared); a failing agent is dropped
    from later rounds while base and human go on, so the task's human speedup is still measured.
    """
    samples: list[dict] = []
    failures: dict[str, dict] = {}
    active = list(variants)
    rounds = settings.warmup + settings.repetitions
    for rnd in range(rounds):
        shift = rnd % len(active)
        order = active[shift:] + active[:shift]
        for variant in order:
            res = executor.run(variant, settings.timeout_s)
            sample = _sample(variant, rnd, rnd < settings.warmup, res, primary, mode)
            samples.append(sample)
            log.info(
                "round %d/%d %-5s wall %.3fs %s=%s%s",
                rnd + 1,
                rounds,
                variant,
                res.wall_s,
                primary,
                sample["metrics"].get(primary),
                f" ERROR {sample['error']}" if sample["error"] else "",
            )
            if sample["error"] and variant not in failures:
                failures[variant] = sample
        if "base" in failures or "human" in failures:
            break
        active = [v for v in active if v not in failures]
    return samples, failures


def _values(samples: list[dict], variant: str, primary: str) -> list[float]:
    return [
        s["metrics"][primary]
        for s in samples
        if s["variant"] == variant
        and not s["warmup"]
        and not s["error"]
        and primary in s["metrics"]
    ]


def paired_values(samples: list[dict], ref: str, cand: str, primary: str) -> tuple[list, list]:
    """Timed values of two variants from the rounds in which both ran successfully, in round order."""
    by_round: dict[int, dict[str, float]] = {}
    for s in samples:
        if not s["warmup"] and not s["error"] and primary in s["metrics"]:
            by_round.setdefault(s["round"], {})[s["variant"]] = s["metrics"][primary]
    rounds = [r for r in sorted(by_round) if ref in by_round[r] and cand in by_round[r]]
    return [by_round[r][ref] for r in rounds], [by_round[r][cand] for r in rounds]


def _digests(samples: list[dict], variant: str) -> set:
    return {s["digest"] for s in samples if s["variant"] == variant and not s["error"]}


def _devices(samples: list[dict], variants: list[str]) -> dict[str, list[str]]:
    """What the perf test reported running on, per variant (empty for tests that do not say)."""
    return {
        v: sorted({s["device"] for s in samples if s["variant"] == v and "device" in s})
        for v in variants
    }


def task_under_test(task: dict, synthesis: dict) -> tuple[dict, str | None]:
    """The task as its perf test measures it, and why the test is invalid (None if it is not).

    An LLM-written test prints its own contract metric (``synthesis.json`` names it), which
    replaces the PR command's metric; a test whose synthesis never validated is no test at all.
    """
    if synthesis.get("source") != "llm":
        return task, None
    if synthesis.get("verdict") != "validated":
        return task, f"perf test never validated: {synthesis.get('reason') or 'no reason given'}"
    view = {**task, "primary_metric": synthesis["primary_metric"]}
    view["direction"] = synthesis["direction"]
    return view, None


def _header(executor_name: str, task: dict, agent_run: dict, settings: BenchSettings) -> dict:
    return {
        "schema": 1,
        "repo": task["repo"],
        "instance_id": task["instance_id"],
        "commit": task["commit_hash"],
        "parent": task["parent"],
        "agent": agent_run["agent"],
        "k": agent_run["k"],
        "executor": executor_name,
        "primary_metric": task["primary_metric"],
        "direction": task["direction"],
        "settings": {
            "warmup": settings.warmup,
            "repetitions": settings.repetitions,
            "timeout_s": settings.timeout_s,
        },
        "host": {"machine": platform.machine(), "python": platform.python_version()},
        "patch_sha256": agent_run["patch_stats"]["sha256"],
        "status": None,
        "reason": "",
    }


def invalid_test_result(
    executor_name: str,
    task: dict,
    agent_run: dict,
    settings: BenchSettings,
    reason: str,
    status: str = "test_invalid",
) -> dict:
    """The bench record of an attempt that is not run: a task without a valid perf test
    (test_invalid), or one this machine's bench jobs lack the GPUs for (skipped_hardware)."""
    return {
        **_header(executor_name, task, agent_run, settings),
        "status": status,
        "reason": reason,
        "samples": [],
    }


def hardware_shortfall(task: dict, gpus: int) -> str | None:
    """Why a bench job with ``gpus`` GPUs cannot run ``task`` (None: it can).

    A task's ``gpus`` (from its commit list, or its command's tensor parallelism) is what one
    run needs; the command is never changed to fit fewer (results would not be comparable).
    """
    needed = task.get("gpus")
    if needed is None or needed <= gpus:
        return None
    hardware = (task.get("extra") or {}).get("hardware")
    return (
        f"the task needs {needed} GPUs{f' ({hardware})' if hardware else ''}; bench jobs of "
        f"{task['repo']} get {gpus} (repos.{task['repo']}.gpus). Run it where a job gets "
        f"{needed}; its command is not changed to fit fewer"
    )


def _pre_status(agent_run: dict, patch: bytes) -> tuple[str | None, str]:
    """The attempt's status when its agent left nothing to time (None: there is a patch)."""
    if agent_run["status"] in ("agent_failed", "error"):
        return "agent_failed", agent_run.get("reason") or "the agent run failed"
    if agent_run["status"] == "empty_patch" or not patch.strip():
        return "empty_patch", "the agent produced no change"
    return None, ""


def _speedups(samples: list, variants: list, task: dict, settings: BenchSettings) -> dict:
    def cmp(ref: str, cand: str) -> dict | None:
        if ref not in variants or cand not in variants:
            return None
        # Paired by round: both runs of a round saw the same machine state.
        ref_values, cand_values = paired_values(samples, ref, cand, task["primary_metric"])
        return stats.compare(
            ref_values,
            cand_values,
            task["direction"],
            paired=True,
            n_resamples=settings.bootstrap_resamples,
            seed=settings.seed,
        ).as_dict()

    return {
        "human_vs_base": cmp("base", "human"),
        "agent_vs_base": cmp("base", "agent"),
        "agent_vs_human": cmp("human", "agent"),
    }


def _gates(samples: list[dict], variants: list[str], policy: dict) -> dict | None:
    """The correctness gates' verdicts of human and agent against the base (None: no gate ran)."""
    if not policy:
        return None

    def rounds(variant: str, key: str) -> list:
        return [s[key] for s in samples if s["variant"] == variant and key in s and not s["error"]]

    verdicts = {}
    base_greedy, base_scores = rounds("base", "greedy"), rounds("base", "lm_eval")
    for variant in ("human", "agent"):
        if variant not in variants:
            continue
        verdict = {}
        greedy, scores = rounds(variant, "greedy"), rounds(variant, "lm_eval")
        if base_greedy and greedy:
            verdict["greedy"] = correctness.compare_greedy(
                base_greedy, greedy, policy["prefix_tokens"], policy["min_share"]
            )
        if base_scores and scores:
            verdict["lm_eval"] = correctness.compare_lm_eval(
                base_scores[0], scores[0], policy["lm_eval_tolerance"]
            )
        verdicts[variant] = verdict
    return verdicts


def _gate_failure(gates: dict | None) -> str | None:
    """Why the agent fails a correctness gate (None: it passes, or no gate ran)."""
    agent = (gates or {}).get("agent") or {}
    greedy, lm_eval = agent.get("greedy"), agent.get("lm_eval")
    if greedy and not greedy["passed"]:
        first = greedy["mismatches"][0] if greedy["mismatches"] else {}
        return (
            f"greedy outputs differ from base on {greedy['prompts'] - greedy['matched']} of "
            f"{greedy['prompts']} prompts (first: prompt {first.get('prompt')}, token "
            f"{first.get('token')})"
        )
    if lm_eval and lm_eval["passed"] is False:
        return f"lm-eval scores fell below the base's: {lm_eval['drops']}"
    return None


def _decide(result: dict, failures: dict, pre: tuple[str | None, str]) -> dict:
    """The status ladder: a failed base or human, then the agent's own outcome, then equivalence."""
    for variant in ("base", "human"):
        if variant in failures:
            error = failures[variant]["error"]
            return {**result, "status": "base_failed", "reason": f"{variant} run failed: {error}"}
    if pre[0] is not None:
        return {**result, "status": pre[0], "reason": pre[1]}
    if "agent" in failures:
        f = failures["agent"]
        reason = f"agent run failed: {f['error']}"
        return {**result, "status": "test_failed", "reason": reason, "timed_out": f["timed_out"]}
    digests = result["digests"]
    if digests["base"]:
        same = digests["agent"] == digests["base"]
        result["equivalence"]["agent_matches_base"] = same
        if not same:
            reason = f"output differs from base (digest {digests['agent']} vs {digests['base']})"
            return {**result, "status": "test_failed", "reason": reason}
    gate = _gate_failure(result.get("correctness"))
    if gate is not None:
        return {**result, "status": "test_failed", "reason": gate}
    return {**result, "status": "passed", "reason": ""}


def _now() -> str:
    """UTC wall-clock time, microseconds: when the timed rounds ran (they must not overlap)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def bench_attempt(
    executor, task: dict, agent_run: dict, patch: bytes, settings: BenchSettings
) -> dict:
    """Time one (agent, task, attempt); the returned record is the bench stage's result file."""
    result = _header(executor.name, task, agent_run, settings)
    if executor.gpu is not None:
        result["host"]["gpu"] = executor.gpu
    pre = _pre_status(agent_run, patch)
    for variant, sha in (("base", task["parent"]), ("human", task["commit_hash"])):
        ok, why = executor.add_tree(variant, sha)
        if not ok:  # cannot happen for a plain export; kept so a broken repo is a status row
            reason = f"cannot prepare {variant}: {why}"
            return {**result, "status": "error", "reason": reason, "samples": []}
    variants = ["base", "human"]
    if pre[0] is None:
        ok, why = executor.add_tree("agent", task["parent"], patch=patch)
        if ok:
            variants.append("agent")
        else:
            pre = ("patch_failed", f"git apply: {why}")
    executor.prepare(task, patch)
    primary = task["primary_metric"]
    started = _now()
    samples, failures = run_interleaved(executor, variants, primary, settings, task.get("mode"))
    result["timed"] = {"started_at": started, "finished_at": _now()}
    digests = {v: sorted(d for d in _digests(samples, v) if d) for v in variants}
    human_equivalent = None
    if digests["base"] and digests["human"]:
        human_equivalent = digests["base"] == digests["human"]
    result.update(
        variants=variants,
        samples=samples,
        summary={v: stats.summarize(_values(samples, v, primary)) for v in variants},
        digests=digests,
        devices=_devices(samples, variants),
        correctness=_gates(samples, variants, settings.correctness),
        speedups=_speedups(samples, variants, task, settings),
        equivalence={"human_matches_base": human_equivalent, "agent_matches_base": None},
        **executor.result_extras(),
    )
    return _decide(result, failures, pre)
