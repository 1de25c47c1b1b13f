"""The real study's configuration: the generated commit lists, their fixes, GPU needs and the
skipped_hardware status, and the full DAG of config/isobench.yaml built offline."""

from __future__ import annotations

import csv
import io
import json
import shlex

import pytest
import yaml

from isobench.bench import serving
from isobench.bench.runner import hardware_shortfall
from isobench.config import load_commit_list
from isobench.tasks.benchspec import bench_spec, split_command
from isobench.tasks.commitlists import entry_of, main, render
from isobench.tasks.commitlists import fixes as table
from tests.support.workflow_helpers import ROOT, dry_run_jobs

COMMITS = ROOT / "config" / "commits"
TASK_TABLE = ROOT.parent / "shared" / "reference" / "isobench_tasks.csv"
MULTI_GPU = {"310aca88": 4, "e7b20426": 4, "205d5cb4": 8, "31589e17": 16}


@pytest.fixture(scope="module")
def lists():
    return {repo: load_commit_list(COMMITS / f"{repo}.yaml") for repo in ("vllm", "sglang")}


def test_the_paper_set_39_vllm_and_15_sglang_tasks(lists):
    assert len(lists["vllm"]) == 39 and len(lists["sglang"]) == 15
    for entries in lists.values():
        assert all(e.parent and e.models and e.spec and e.extra.get("item_id") for e in entries)


def test_specs_agree_with_the_command_and_the_serving_normalization(lists):
    for entries in lists.values():
        for e in entries:
            assert e.spec == bench_spec(e.perf_command, e.mode), e.commit
            if e.spec["mode"] == "serving" and "\n" not in e.perf_command:
                bench_argv = split_command(e.perf_command)[2]  # without VAR=value prefixes
                normalized = serving.normalize_serving_command(shlex.join(bench_argv))
                assert tuple(e.spec["server"]) == normalized.server
                assert tuple(e.spec["client"]) == normalized.client


def test_gpu_needs_are_marked_never_silently_changed(lists):
    for entries in lists.values():
        for e in entries:
            assert e.gpus == MULTI_GPU.get(e.commit[:8], 1), e.commit
            assert e.extra["hardware"] == f"{e.gpus}x NVIDIA H100 80GB"
    tp4 = next(e for e in lists["vllm"] if e.commit.startswith("310aca88"))
    assert "-tp 4" in tp4.perf_command  # kept as the PR ran it (not rewritten to fit)


def test_every_documented_fix_is_applied_with_its_source_and_commented(lists):
    texts = {repo: (COMMITS / f"{repo}.yaml").read_text() for repo in lists}
    by_short = {e.commit[:8]: (repo, e) for repo, es in lists.items() for e in es}
    paper_fixes = [f for f in table.FIXES if f.commit in by_short]
    assert len(paper_fixes) == 10  # the two pool fixes concern rows outside the paper set
    for fix in paper_fixes:
        repo, entry = by_short[fix.commit]
        applied = [f for f in entry.extra["fixes"] if f["field"] == fix.field]
        assert applied and applied[0]["source"] == fix.source and applied[0]["why"] == fix.why
        assert f"# FIX {fix.field} ({fix.source}): {fix.why}" in texts[repo]
    for caveat in table.CAVEATS:
        repo, entry = by_short[caveat.commit]
        assert f"{caveat.text} ({caveat.source})" in entry.extra["caveats"]


def test_fixed_commands_keep_the_dataset_command_and_name_no_other_model(lists):
    entries = {e.commit[:8]: e for es in lists.values() for e in es}
    qwen = entries["015069b0"]
    assert "Qwen/Qwen2.5-7B-Instruct" in qwen.perf_command and qwen.models == (
        "Qwen/Qwen2.5-7B-Instruct",
    )
    assert "Qwen3-7B" in qwen.extra["dataset_perf_command"]
    lora = entries["021f76e4"]
    assert lora.spec["server"][:3] == list(serving.SERVERS["sglang"])
    assert "--lora-paths" in lora.spec["server"] and "--lora-name" in lora.spec["client"]
    assert lora.lm_eval_commands and lora.extra["pr_date"] == "2025-06-11"
    assert "/dev/shm" not in entries["31589e17"].perf_command
    for e in entries.values():  # every model the entry names is one its command loads
        named = " ".join(e.spec["server"] or []) + " " + e.perf_command
        assert all(m in named for m in e.models), e.commit


ROW = {
    "repo": "vllm",
    "commit": "d55e446d" + "0" * 32,
    "parent": "1" * 40,
    "in_paper_set": "false",
    "perf_command": "python benchmarks/benchmark_serving.py --model meta-llama/Llama-3-8B --batch-size 2",
    "models": "meta-llama/Llama-3-8B",
    "mode": "serving",
    "pr_url": "",
    "subject": "A pool commit",
    "item_id": "vllm_core-0077",
    "perf_command_source": "bmm_pool",
}


def test_generator_applies_a_token_fix_and_the_models_follow():
    entry = entry_of(dict(ROW))
    assert "--model meta-llama/Meta-Llama-3-8B " in entry["perf_command"]
    assert entry["models"] == ["meta-llama/Meta-Llama-3-8B"]
    assert entry["dataset_perf_command"] == ROW["perf_command"]
    assert entry["fixes"][0]["source"] == table.HARD_METRICS
    text = render([dict(ROW)], "vLLM", "test")
    assert "# FIX perf_command (O docs/HARD_METRICS_OH_GPT5_FINAL.md)" in text
    assert yaml.safe_load(text)[0]["commit"] == ROW["commit"]


def test_a_stale_fix_is_an_error_not_a_silent_no_op():
    row = {**ROW, "perf_command": "python benchmarks/benchmark_serving.py --model other/model"}
    with pytest.raises(ValueError, match="fix table is stale"):
        entry_of(row)


@pytest.mark.skipif(not TASK_TABLE.is_file(), reason="needs shared/reference/isobench_tasks.csv")
def test_committed_lists_are_what_the_generator_writes(tmp_path):
    assert main([str(TASK_TABLE), str(tmp_path)]) == 0
    for repo in ("vllm", "sglang"):
        assert (tmp_path / f"{repo}.yaml").read_text() == (COMMITS / f"{repo}.yaml").read_text()
    rows = list(csv.DictReader(io.StringIO(TASK_TABLE.read_text())))
    assert sum(r["in_paper_set"] == "true" for r in rows) == 54


def test_hardware_shortfall_says_why_and_what_it_needs():
    task = {"repo": "vllm", "gpus": 4, "extra": {"hardware": "4x NVIDIA H100 80GB"}}
    reason = hardware_shortfall(task, 1)
    assert "needs 4 GPUs (4x NVIDIA H100 80GB)" in reason and "repos.vllm.gpus" in reason
    assert hardware_shortfall(task, 4) is None
    assert hardware_shortfall({"repo": "minserve", "gpus": None}, 0) is None


def test_bench_job_of_a_multi_gpu_task_writes_a_skipped_hardware_row(tmp_path, task):
    """The bench script itself, on a 1-GPU job: no executor, no GPU lease, a status row."""
    from types import SimpleNamespace

    from scripts.bench import main as bench_main

    files = {
        "task": {**task, "gpus": 4},
        "repo": {"path": str(tmp_path)},
        "run": {"agent": "noop", "k": 1, "status": "empty_patch", "patch_stats": {"sha256": "0"}},
        "env": {"executor": "local"},
        "synthesis": {"source": "command"},
    }
    paths = {}
    for name, data in files.items():
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(json.dumps(data))
    paths["patch"] = tmp_path / "patch.diff"
    paths["patch"].write_text("")
    out = SimpleNamespace(bench=str(tmp_path / "bench.json"))
    params = SimpleNamespace(
        executor="local",
        cpu_threads=1,
        docker={},
        job_id="noop/vllm/x/1",
        warmup=1,
        repetitions=2,
        timeout_s=5,
        bootstrap_resamples=100,
        seed=0,
        correctness={},
    )
    bench_main(SimpleNamespace(**{k: str(v) for k, v in paths.items()}), out, params, gpus=1)
    result = json.loads((tmp_path / "bench.json").read_text())
    assert result["status"] == "skipped_hardware" and result["samples"] == []
    assert "needs 4 GPUs" in result["reason"]


@pytest.mark.e2e
def test_dry_run_of_the_real_study_builds_the_full_dag_offline(fresh_project):
    """A fresh clone: empty submodule folders, no results, no network: only the commit lists."""
    for name in ("vllm", "sglang"):  # a clone without `git submodule update` has them empty
        (fresh_project / name).mkdir(exist_ok=True)
    jobs = dry_run_jobs(
        fresh_project,
        "results/opt_at_k.csv",
        "--configfile",
        "config/isobench.yaml",
    )
    attempts = 54 * 6  # tasks x agents x K=1
    assert jobs == {
        "repos": 2,
        "tasks": 54,
        "synthesis": 54,
        "envs": 54,
        "agents": attempts,
        "bench": attempts,
        "judge": attempts,
        "scores": 2,
        "opt_at_k": 1,
    }
