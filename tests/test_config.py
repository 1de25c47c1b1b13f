"""Commit lists and agent entries: valid input loads, bad input names the file, line and fix."""

import pytest

from isobench.config import ConfigError, agent_table, instance_id, load_commit_list

SHA_A = "a" * 40
SHA_B = "b" * 40


def write(tmp_path, text):
    path = tmp_path / "commits.yaml"
    path.write_text(text)
    return path


def test_valid_list_loads_with_line_numbers(tmp_path):
    path = write(
        tmp_path,
        f"# comment\n- commit: {SHA_A}\n  perf_command: python bench.py\n  primary_metric: bench_ms\n"
        f"- commit: {SHA_B}\n  perf_command: python bench.py --x\n  mode: latency\n  models: [m]\n",
    )
    entries = load_commit_list(path)
    assert [e.commit for e in entries] == [SHA_A, SHA_B]
    assert [e.line for e in entries] == [2, 5]
    assert entries[1].as_params()["models"] == ["m"]
    assert "line" not in entries[0].as_params()


def test_short_sha_is_rejected_with_line(tmp_path):
    path = write(
        tmp_path,
        f"- commit: {SHA_A}\n  perf_command: x\n  mode: latency\n- commit: abc123\n  perf_command: y\n",
    )
    with pytest.raises(ConfigError, match=r"line 4: commit: 'abc123' does not match"):
        load_commit_list(path)


def test_missing_command_is_rejected(tmp_path):
    path = write(tmp_path, f"- commit: {SHA_A}\n")
    with pytest.raises(ConfigError, match=r"line 1.*perf_command"):
        load_commit_list(path)


def test_unknown_key_is_rejected(tmp_path):
    path = write(tmp_path, f"- commit: {SHA_A}\n  perf_command: x\n  perf_comand: y\n")
    with pytest.raises(ConfigError, match="perf_comand"):
        load_commit_list(path)


def test_duplicate_commit_is_rejected(tmp_path):
    path = write(
        tmp_path,
        f"- commit: {SHA_A}\n  perf_command: x\n  mode: latency\n"
        f"- commit: {SHA_A}\n  perf_command: y\n  mode: latency\n",
    )
    with pytest.raises(ConfigError, match="listed twice"):
        load_commit_list(path)


def test_generic_command_needs_its_metric_and_a_readable_direction(tmp_path):
    path = write(tmp_path, f"- commit: {SHA_A}\n  perf_command: python bench.py\n")
    with pytest.raises(ConfigError, match=r"line 1.*mode generic.*set `primary_metric"):
        load_commit_list(path)
    path = write(
        tmp_path, f"- commit: {SHA_A}\n  perf_command: python bench.py\n  primary_metric: score\n"
    )
    with pytest.raises(ConfigError, match=r"line 1.*`direction: lower`"):
        load_commit_list(path)
    path.write_text(path.read_text() + "  direction: higher\n")
    (entry,) = load_commit_list(path)
    assert entry.as_params()["direction"] == "higher" and entry.mode is None


def test_perf_inputs_must_exist_and_have_distinct_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "bench.py").write_text("print(1)\n")
    (tmp_path / "bench.py").write_text("print(2)\n")
    head = f"- commit: {SHA_A}\n  perf_command: python $ISOBENCH_INPUTS/bench.py\n  primary_metric: t_ms\n"
    path = write(tmp_path, head + "  perf_inputs: [a/bench.py]\n")
    (entry,) = load_commit_list(path)
    assert entry.perf_inputs == ("a/bench.py",) and "perf_inputs" not in entry.as_params()
    path = write(tmp_path, head + "  perf_inputs: [a/missing.py]\n")
    with pytest.raises(ConfigError, match="perf input a/missing.py is not a file"):
        load_commit_list(path)
    path = write(tmp_path, head + "  perf_inputs: [a/bench.py, bench.py]\n")
    with pytest.raises(ConfigError, match="same file name 'bench.py'"):
        load_commit_list(path)


def test_empty_list_names_the_fix(tmp_path):
    with pytest.raises(ConfigError, match="has no tasks. Fix: add one entry"):
        load_commit_list(write(tmp_path, "# nothing yet\n[]\n"))


def test_missing_list_names_the_fix(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_commit_list(tmp_path / "nope.yaml")


def test_agent_table_defaults_and_errors():
    table = agent_table([{"id": "a", "adapter": "noop"}])
    assert table["a"]["attempts"] == 1
    with pytest.raises(ConfigError, match="twice"):
        agent_table([{"id": "a", "adapter": "noop"}, {"id": "a", "adapter": "oracle"}])
    with pytest.raises(ConfigError, match="predictions"):
        agent_table([{"id": "p", "adapter": "predictions"}])


def test_instance_id():
    assert instance_id("minserve", SHA_A) == "minserve-aaaaaaaaaaaa"
