"""The ISO-Bench dataset schema: our files load with Hugging Face `datasets` into exactly the
published features, and a file in that schema (ours or the published one) is a task source."""

from __future__ import annotations

import json

import pytest

from isobench.config import ConfigError, TaskEntry, load_commit_list
from isobench.dataset import (
    EXTRA_COLUMN,
    ISOBENCH_FIELDS,
    dataset_row,
    features,
    write_jsonl,
    write_parquet,
)
from isobench.tasks import build_task

# The published features (ISO-BENCH-SPEC.md section 2.3, card order), written out independently
# of isobench.dataset so that a change there cannot silently change what is tested.
PUBLISHED = [
    ("commit_hash", "string"),
    ("pr_url", "string"),
    ("pr_date", "string"),
    ("timeline_extracted_at", "string"),
    ("analysis_extracted_at", "string"),
    ("models", ["string"]),
    ("perf_command", "string"),
    ("has_serving", "bool"),
    ("has_latency", "bool"),
    ("has_throughput", "bool"),
    ("uses_lm_eval", "bool"),
    ("commit_subject", "string"),
    ("commit_message", "string"),
    ("commit_date", "string"),
    ("files_changed", ["string"]),
    (
        "stats",
        {
            k: "int64"
            for k in (
                "commit_year",
                "num_edited_lines",
                "num_files",
                "num_hunks",
                "num_non_test_edited_lines",
                "num_non_test_files",
                "num_test_files",
                "only_non_test_files",
                "only_test_files",
            )
        },
    ),  # fmt: skip
    ("diff_text", "string"),
    ("lm_eval_commands", ["string"]),
    ("affected_paths", ["string"]),
    ("hardware", "string"),
]


def published_features():
    from datasets import Features, List, Value

    def feature(kind):
        if isinstance(kind, list):
            return List(Value(kind[0]))
        if isinstance(kind, dict):
            return {k: Value(v) for k, v in kind.items()}
        return Value(kind)

    return Features({name: feature(kind) for name, kind in PUBLISHED})


@pytest.fixture(scope="module")
def records(toy_repo):
    """Two task records of the toy repository: one with every dataset field, one with none."""
    full = TaskEntry.from_params(
        {
            "commit": toy_repo["perf"],
            "parent": None,
            "perf_command": "python bench.py --model org/model-7b --input-len 8",
            "mode": "latency",
            "primary_metric": None,
            "models": ["org/model-7b"],
            "gpus": 1,
            "spec": None,
            "lm_eval_commands": ["lm_eval --model vllm --tasks gsm8k"],
            "extra": {
                "pr_url": "https://example.invalid/pull/1",
                "pr_date": "2025-01-01",
                "hardware": "1x NVIDIA H100 80GB",
                "affected_paths": ["work.py"],
                "item_id": "toy_core-0000",
                "fixes": [
                    {
                        "field": "models",
                        "was": [],
                        "now": ["org/model-7b"],
                        "source": "s",
                        "why": "w",
                    }
                ],
            },
        },
        line=1,
    )
    bare = TaskEntry(
        commit=toy_repo["docs"],
        perf_command="python bench.py",
        mode=None,  # generic: the repository's own benchmark, deciding on a metric it names
        primary_metric="latency_avg_ms",
        models=(),
        parent=None,
        line=2,
    )
    return [build_task("toy", toy_repo["path"], e, "commits.yaml") for e in (full, bare)]


@pytest.fixture(scope="module")
def files(records, tmp_path_factory):
    out = tmp_path_factory.mktemp("dataset")
    rows = [dataset_row(r) for r in records]
    write_jsonl(out / "toy.jsonl", rows)
    write_parquet(out / "toy.parquet", rows)
    return out


def load(path, tmp_path, **kwargs):
    import datasets

    kind = "parquet" if str(path).endswith(".parquet") else "json"
    return datasets.load_dataset(
        kind, data_files=str(path), split="train", cache_dir=str(tmp_path / "hf"), **kwargs
    )


def test_our_features_are_the_published_ones_plus_one_documented_column():
    ours = features()
    assert list(ours)[: len(PUBLISHED)] == [name for name, _ in PUBLISHED]
    assert list(ours) == [*ISOBENCH_FIELDS, EXTRA_COLUMN]
    assert {k: ours[k] for k, _ in PUBLISHED} == dict(published_features())


def test_jsonl_loads_with_datasets_into_the_published_features(files, tmp_path):
    from datasets import Value

    ds = load(files / "toy.jsonl", tmp_path)
    assert ds.column_names == [*(name for name, _ in PUBLISHED), EXTRA_COLUMN]
    expected = published_features()
    # Without a schema, datasets infers each column's type from the values: every column is
    # inferred as the published type, except ISO dates, which Arrow's JSON reader takes for
    # timestamps (the published card declares its features; so does ours, features()).
    dates = {"pr_date", "commit_date", "timeline_extracted_at", "analysis_extracted_at"}
    for name in expected:
        if name not in dates:
            assert ds.features[name] == expected[name], name
    assert ds.features[EXTRA_COLUMN] == Value("string")
    # With the declared features, the file loads into exactly the published ones.
    typed = load(files / "toy.jsonl", tmp_path, features=features())
    assert typed.features == features()
    assert {k: typed.features[k] for k in expected} == dict(expected)
    # (Arrow parses the dates before the cast, so their text is reformatted: the parquet file
    # keeps it verbatim, see below.)
    assert typed[0]["perf_command"] == ds[0]["perf_command"]
    assert typed[0]["stats"]["only_non_test_files"] == 1  # ints, as published, not bools


def records_date(files) -> str:
    return json.loads((files / "toy.jsonl").read_text().splitlines()[0])["commit_date"]


def test_parquet_carries_the_exact_features(files, tmp_path):
    ds = load(files / "toy.parquet", tmp_path)
    assert ds.features == features()
    row = ds[1]
    assert row["pr_url"] is None and row["lm_eval_commands"] is None  # unknown = null
    assert row["uses_lm_eval"] is False and ds[0]["uses_lm_eval"] is True
    assert ds[0]["has_latency"] and not ds[0]["has_serving"]
    assert ds[0]["commit_date"] == records_date(files)  # verbatim


@pytest.mark.parametrize("name", ["toy.jsonl", "toy.parquet"])
def test_our_dataset_is_a_task_source_that_round_trips(files, records, name):
    entries = load_commit_list(files / name)
    assert [e.commit for e in entries] == [r["commit_hash"] for r in records]
    first = entries[0]
    assert first.parent == records[0]["parent"]
    assert first.mode == "latency" and first.gpus == 1
    assert first.models == ("org/model-7b",)
    assert first.lm_eval_commands == ("lm_eval --model vllm --tasks gsm8k",)
    assert first.spec == records[0]["spec"] and first.spec["input_len"] == 8
    assert first.extra["pr_url"] == "https://example.invalid/pull/1"
    assert first.extra["fixes"][0]["field"] == "models"
    assert entries[1].gpus is None and entries[1].lm_eval_commands == ()


def test_a_published_style_row_becomes_an_entry(tmp_path):
    row = {
        "commit_hash": "a" * 40,
        "pr_url": "https://github.com/vllm-project/vllm/pull/1",
        "pr_date": None,
        "models": ["N/A"],
        "perf_command": "python benchmarks/benchmark_serving.py --model m/x --num-prompts 5",
        "has_serving": True,
        "lm_eval_commands": None,
    }
    path = tmp_path / "vllm.jsonl"
    path.write_text(json.dumps(row) + "\n")
    (entry,) = load_commit_list(path)
    assert entry.models == () and entry.parent is None  # N/A: not model-specific
    assert entry.spec["mode"] == "serving" and entry.spec["num_prompts"] == 5
    assert entry.extra == {"pr_url": row["pr_url"]}


def test_a_row_without_a_command_is_an_error_naming_it(tmp_path):
    path = tmp_path / "vllm.jsonl"
    path.write_text(json.dumps({"commit_hash": "b" * 40, "perf_command": None}) + "\n")
    with pytest.raises(ConfigError, match="row 1.*no perf_command"):
        load_commit_list(path)
