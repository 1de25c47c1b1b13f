"""The DAG-time policy (isobench/dag.py) without building a DAG: tables, paths and params."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from snakemake.utils import validate

from isobench.dag import BENCH_FILE, Study, uniform
from tests.support.workflow_helpers import ROOT

SHA = "a" * 40


def study(tmp_path, monkeypatch, **overrides) -> Study:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "commits.yaml").write_text(
        f"- commit: {SHA}\n  perf_command: python bench.py\n  mode: latency\n"
    )
    (tmp_path / "preds.jsonl").write_text(
        "".join(
            json.dumps({"instance_id": f"r-{SHA[:12]}", "model_patch": p}) + "\n"
            for p in ("first", "second")
        )
    )
    config = {
        "repos": {"r": {"source": "path", "path": ".", "commits": "commits.yaml"}},
        "agents": [
            {"id": "oracle", "adapter": "oracle"},
            {"id": "preds", "adapter": "predictions", "predictions": "preds.jsonl", "attempts": 2},
            {
                "id": "mini",
                "adapter": "mini",
                "model": "openai/m",
                "attempts": 3,
                "llm": {"mode": "record"},
            },
        ],
        **overrides,
    }
    validate(config, str(ROOT / "config" / "schemas" / "config.schema.yaml"))
    return Study(config, ROOT)


def test_builtin_agents_get_only_their_own_keys_and_k_is_never_a_param(tmp_path, monkeypatch):
    s = study(tmp_path, monkeypatch)
    assert s.agent_params("oracle", "r", SHA, 1) == {"id": "oracle", "adapter": "oracle"}
    first, second = (s.agent_params("preds", "r", SHA, k) for k in (1, 2))
    assert first["prediction_digest"] != second["prediction_digest"]  # one line per attempt
    assert "attempts" not in first and "budgets" not in first
    mini = s.agent_params("mini", "r", SHA, 2)
    assert "attempts" not in mini and mini["run_dir"] == f"results/runs/mini/r/{SHA}/2"
    # the workflow's llm section under the agent's own block: the agent's mode wins
    assert mini["llm"]["mode"] == "record" and mini["llm"]["store"] == ".isobench-store"


def test_editing_one_prediction_changes_that_attempts_params_only(tmp_path, monkeypatch):
    s = study(tmp_path, monkeypatch)
    before = [s.agent_params("preds", "r", SHA, k) for k in (1, 2)]
    lines = (tmp_path / "preds.jsonl").read_text().splitlines()
    lines[1] = lines[1].replace("second", "edited")
    (tmp_path / "preds.jsonl").write_text("\n".join(lines) + "\n")
    again = Study(s.config, ROOT)  # the next DAG build reads the file again
    after = [again.agent_params("preds", "r", SHA, k) for k in (1, 2)]
    assert before[0] == after[0] and before[1] != after[1]


def test_attempt_files_and_counts(tmp_path, monkeypatch):
    s = study(tmp_path, monkeypatch)
    files = s.attempt_files("r", BENCH_FILE)
    assert len(files) == 1 + 2 + 3 and f"results/bench/mini/r/{SHA}/3.json" in files
    assert s.attempt_counts() == {"oracle": 1, "preds": 2, "mini": 3}
    assert s.agent_runs("preds") == [f"results/runs/preds/r/{SHA}/{k}/run.json" for k in (1, 2)]


def test_uniform_values_are_plain_and_mixed_ones_a_function(tmp_path, monkeypatch):
    assert uniform(len, [1, 1]) == 1 and uniform(len, [0, 1]) is len
    s = study(tmp_path, monkeypatch)
    slots = s.per_agent(s.llm_slots_of)  # oracle/preds 0, mini 1: a function of the wildcards
    assert callable(slots) and slots(type("W", (), {"agent": "mini"})) == 1
    assert s.per_repo(s.repo_gpus) == 0


def test_stage_switches_decide_inputs_and_params(tmp_path, monkeypatch):
    s = study(tmp_path, monkeypatch)
    assert s.synthesis_settings() == {} and s.llm_call_records() == []
    assert set(s.synthesis_inputs("r", SHA)) == {"task"}
    assert s.recipe_files("r") == []  # local executor: recipes are not inputs
    llm = study(
        tmp_path,
        monkeypatch,
        synthesis={"source": "llm"},
        judge={"enabled": "true"},  # as a nested --config value arrives
        evaluation={"executor": "docker"},
    )
    inputs = llm.synthesis_inputs("r", SHA)
    assert inputs["env"] == f"results/envs/r/{SHA}.json"  # validated in the bench's environment
    assert llm.synthesis_settings()["executor"] == "docker"
    assert len(llm.llm_call_records()) == 1 + 6  # one synthesis.json, one judge per attempt
    assert llm.recipe_files("r") and all(Path(p).is_file() for p in llm.recipe_files("r"))


def test_workflow_files_are_found_beside_the_snakefile(tmp_path, monkeypatch):
    s = study(tmp_path, monkeypatch)  # the working directory is a study elsewhere
    prompt = Path(s.prompt("judge_v1"))
    assert prompt.is_absolute() and prompt.is_file()
    monkeypatch.chdir(ROOT)
    assert s.prompt("judge_v1") == "config/prompts/judge_v1.md"


@pytest.mark.parametrize("name", ["config.yaml", "isobench.yaml", "torch-demo.yaml"])
def test_shipped_configs_build_their_tables(name, monkeypatch):
    monkeypatch.chdir(ROOT)
    config = yaml.safe_load((ROOT / "config" / name).read_text())
    validate(config, str(ROOT / "config" / "schemas" / "config.schema.yaml"))
    s = Study(config, ROOT)
    assert s.repos and all(s.tasks[r] for r in s.repos)
    assert all(s.attempt_files(r, BENCH_FILE) for r in s.repos)


def test_an_empty_commit_list_is_an_error_only_where_its_tasks_are_needed(tmp_path, monkeypatch):
    from isobench.config import ConfigError

    s = study(tmp_path, monkeypatch)
    (tmp_path / "commits.yaml").write_text("# filled in after mining\n[]\n")
    s = Study(s.config, ROOT)
    assert s.all_attempt_files(BENCH_FILE) == [] and s.llm_call_records() == []
    for needs_tasks in (lambda: s.attempt_files("r", BENCH_FILE), lambda: s.task_records("r")):
        with pytest.raises(ConfigError, match="commits.yaml has no tasks. Fix: add one entry"):
            needs_tasks()
