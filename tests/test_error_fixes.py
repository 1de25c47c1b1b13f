"""An error that names a fix names one that works: the fix is taken from the message and run."""

from __future__ import annotations

import os
import re
import shlex

import pytest

from tests.support.fake_provider import FakeProvider, Reply
from tests.support.toy_project import make_toy_project
from tests.support.workflow_helpers import snakemake

pytestmark = pytest.mark.e2e

TARGET = "results/mining/toy/candidates.jsonl"


def test_the_replay_miss_fix_records_the_answers(tmp_path):
    toy = make_toy_project(tmp_path, broken=False)
    with FakeProvider(
        default=Reply("[REASON]A real speed-up.[/REASON][ANSWER]YES[/ANSWER]")
    ) as fake:
        config = toy["dir"] / "config" / "config.yaml"
        config.write_text(
            config.read_text()
            + "mining: {classifier: llm, keywords: []}\n"
            + f"llm: {{model: openai/fake-classify, store: store, api_base: '{fake.api_base}', "
            + "max_retries: 0}\n"
        )
        env = {**os.environ, "OPENAI_API_KEY": "sk-test-0000000000"}
        proc = snakemake(tmp_path, "--cores", "1", TARGET, env=env)
        assert proc.returncode != 0 and fake.count == 0  # replay mode: nothing was asked
        log = proc.stdout + proc.stderr
        assert "no recorded LLM response" in log
        fix = re.search(r"--config '[^']+'", log)
        assert fix, log[-3000:]
        proc = snakemake(tmp_path, "--cores", "1", TARGET, *shlex.split(fix.group(0)), env=env)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert fake.count >= 2  # every commit classified, each answer stored
    # ... and the recorded answers replay offline afterwards, with the provider gone.
    (tmp_path / TARGET).unlink()
    proc = snakemake(tmp_path, "--cores", "1", TARGET, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
