"""The correctness gate of serving tasks: greedy tokens and lm-eval scores against the base.

The policy on hand-made outputs, then a whole study on a stand-in vLLM (tests/support/
standin_vllm.py): the harness starts its server like vLLM's, the human's speed-up passes both
gates, and a patch that is as fast but generates other tokens for one prompt is test_failed.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from isobench.bench import correctness
from isobench.patches import to_json_text
from tests.support.standin_vllm import build_standin_vllm
from tests.support.workflow_helpers import copy_project, snakemake

A, B = ["x", "y", "z"], ["x", "y", "w"]


def test_greedy_policy_matches_any_base_output_over_the_prefix():
    base_rounds = [[A, A], [A, B]]  # the base itself varies on prompt 1
    same = correctness.compare_greedy(base_rounds, [[A, B], [A, A]], 3, 1.0)
    assert same["passed"] and not same["base_stable"]
    other = correctness.compare_greedy(base_rounds, [[B, A]], 3, 1.0)
    assert not other["passed"] and other["mismatches"] == [{"prompt": 0, "token": 2}]
    assert correctness.compare_greedy(base_rounds, [[B, A]], 2, 1.0)["passed"]  # prefix only
    assert correctness.compare_greedy(base_rounds, [[B, A]], 3, 0.5)["passed"]  # half may differ


def test_lm_eval_table_and_tolerance():
    table = (
        "|Tasks|Version|Filter|n-shot|Metric|   |Value|   |Stderr|\n"
        "|-----|------:|------|-----:|------|---|----:|---|-----:|\n"
        "|gsm8k|      3|flexible-extract|     5|exact_match|↑  |0.7551|±  |0.0118|\n"
        "|     |       |strict-match    |     5|exact_match|↑  |0.7400|±  |0.0121|\n"
    )
    scores = correctness.parse_lm_eval_table(table)
    assert scores == {
        "gsm8k/exact_match/flexible-extract": 0.7551,
        "gsm8k/exact_match/strict-match": 0.74,
    }
    assert correctness.compare_lm_eval(
        scores, {**scores, "gsm8k/exact_match/strict-match": 0.73}, 0.02
    )["passed"]
    drop = correctness.compare_lm_eval(scores, {k: v - 0.1 for k, v in scores.items()}, 0.02)
    assert not drop["passed"] and set(drop["drops"]) == set(scores)


@pytest.mark.e2e
def test_a_faster_server_that_changes_its_outputs_fails_the_gate(tmp_path):
    project = copy_project(tmp_path)
    repo = tmp_path / "standin"
    repo.mkdir()
    shas = build_standin_vllm(repo)
    instance = f"standin-{shas['fast'][:12]}"
    (tmp_path / "preds.jsonl").write_text(
        json.dumps({"instance_id": instance, "model_patch": to_json_text(shas["wrong_patch"])})
        + "\n"
    )
    (tmp_path / "config" / "commits" / "standin.yaml").write_text(
        f"- commit: {shas['fast']}\n"
        "  perf_command: python benchmarks/benchmark_serving.py --model standin/tiny "
        "--num-prompts 12\n"
        "  lm_eval_commands: ['python tools/lm_eval_standin.py']\n"
    )
    (tmp_path / "config" / "config.yaml").write_text(
        "repos:\n"
        f"  standin: {{source: path, path: {repo}, commits: config/commits/standin.yaml, serve: true}}\n"
        "agents:\n"
        "  - {id: oracle, adapter: oracle}\n"
        "  - {id: wrong, adapter: predictions, predictions: preds.jsonl}\n"
        "correctness: {lm_eval: true}\n"
        "evaluation: {warmup: 1, repetitions: 5, timeout_s: 60}\n"
    )
    proc = snakemake(project, "--cores", "2", "results/opt_at_k.csv", timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    perf_test = (tmp_path / "results/tasks/standin" / shas["fast"] / "perf_test.py").read_text()
    assert "vllm.entrypoints.openai.api_server" in perf_test and "--greedy-model" in perf_test
    bench = {
        agent: json.loads(
            (tmp_path / f"results/bench/{agent}/standin/{shas['fast']}/1.json").read_text()
        )
        for agent in ("oracle", "wrong")
    }
    oracle = bench["oracle"]["correctness"]["agent"]
    assert bench["oracle"]["status"] == "passed", bench["oracle"]["reason"]
    assert oracle["greedy"]["passed"] and oracle["greedy"]["prompts"] == 8
    assert (
        oracle["lm_eval"]["passed"] and bench["oracle"]["correctness"]["human"]["greedy"]["passed"]
    )
    wrong = bench["wrong"]
    assert wrong["status"] == "test_failed"
    assert "greedy outputs differ from base on 1 of 8 prompts" in wrong["reason"]
    assert not wrong["correctness"]["agent"]["lm_eval"]["passed"]  # the second gate agrees
    assert wrong["speedups"]["agent_vs_base"]["estimate"] > 1.5  # it was faster, and still fails
    scores = pd.read_csv(tmp_path / "results/scores/standin.csv").set_index("agent")
    assert scores.loc["oracle", "opt_commit"] and not scores.loc["wrong", "opt_base"]
