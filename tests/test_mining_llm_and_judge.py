"""Classifier and judge through the client and the fake provider; rule-based similarity; quadrants."""

from __future__ import annotations

import hashlib
import json

import pytest

from isobench.judge import judge_patch
from isobench.judge.similarity import patch_similarity
from isobench.llm import LLMClient, prompt_path
from isobench.mining.llm import approx_tokens, classify_commit, parse_answer
from isobench.scoring.labels import APPROACH_CATEGORIES, BOTTLENECK_CATEGORIES
from isobench.scoring.quadrants import hard_pass, quadrant, quadrant_of, soft_pass
from tests.support.fake_provider import FakeProvider, Reply

MODEL = "openai/fake-judge"

HUMAN_DIFF = "\n".join(
    [
        "diff --git a/engine/cache.py b/engine/cache.py",
        "index 1111111..2222222 100644",
        "--- a/engine/cache.py",
        "+++ b/engine/cache.py",
        "@@ -1,6 +1,7 @@",
        " import numpy as np",
        "+from functools import lru_cache",
        " ",
        " class BlockCache:",
        "-    def lookup(self, key):",
        "-        return [b for b in self.blocks if b.key == key]",
        "+    def lookup(self, key):",
        "+        return self.index.get(key, [])",
        " ",
        "@@ -20,3 +21,4 @@ class BlockCache:",
        "     def add(self, block):",
        "         self.blocks.append(block)",
        "+        self.index.setdefault(block.key, []).append(block)",
        "",
        "",
    ]
)

AGENT_SAME = HUMAN_DIFF
AGENT_OTHER = """diff --git a/engine/sampler.py b/engine/sampler.py
--- a/engine/sampler.py
+++ b/engine/sampler.py
@@ -3,2 +3,2 @@ def sample(logits):
-    probs = softmax(logits)
+    probs = fast_softmax(logits)
     return probs.argmax()
"""

COMMIT = {
    "sha": "a" * 40,
    "subject": "Speed up block lookup with an index",
    "message": "Speed up block lookup with an index\n\nLookup was linear in the number of blocks.",
    "diff": HUMAN_DIFF,
    "files": [(3, 2, "engine/cache.py")],
}

VALID_JUDGEMENT = {
    "bottleneck_target": {
        "category": "same_target",
        "human_target": "linear block lookup",
        "agent_target": "linear block lookup",
        "discussion": "Both index the blocks by key.",
    },
    "approach_comparison": {"category": "same_approach", "discussion": "Identical dict index."},
}


@pytest.fixture
def fake():
    with FakeProvider() as provider:
        yield provider


@pytest.fixture
def client(tmp_path, fake):
    return LLMClient(
        tmp_path / "store",
        "record",
        timeout_s=2,
        max_retries=0,
        api_base=fake.api_base,
        api_key="sk-dummy-test-key-0000",
    )


# ------------------------------------------------------------------------------------------
# classifier


def test_parse_answer():
    assert parse_answer("[REASON] It adds\n an index. [/REASON]\n[ANSWER]YES[/ANSWER]") == (
        True,
        "It adds an index.",
    )
    assert parse_answer("[ANSWER] no [/ANSWER]") == (False, "")
    # the format quoted first, the real verdict last
    assert parse_answer("Format: [ANSWER]YES[/ANSWER]... [ANSWER]NO[/ANSWER]")[0] is False
    assert parse_answer("I think yes.") == (None, "")
    assert approx_tokens("abcdefgh") == 2 and approx_tokens("abcdefghi") == 3


def test_classify_yes_with_provenance(client, fake):
    fake.push(
        Reply("[REASON]Replaces a linear scan with a dict index.[/REASON]\n[ANSWER]YES[/ANSWER]")
    )
    result = classify_commit(client, MODEL, COMMIT)
    assert result["is_perf"] is True
    assert result["reason"] == "Replaces a linear scan with a dict index."
    assert result["repaired"] is False and result["truncated"] is False
    assert len(result["key"]) == 64 and result["keys"] == [result["key"]]
    template = prompt_path("classify_v1").read_text()
    assert result["prompt_sha256"] == hashlib.sha256(template.encode()).hexdigest()
    body = fake.bodies()[0]
    assert body["temperature"] == 0.0
    system, user = body["messages"]
    assert system["role"] == "system" and "[ANSWER]YES[/ANSWER]" in system["content"]
    assert "Lookup was linear" in user["content"] and "self.index.get(key, [])" in user["content"]
    assert "engine/cache.py (+3/-2)" in user["content"]


def test_classify_garbage_gets_one_repair(client, fake):
    fake.push(
        Reply("%%%% garbage %%%%"), Reply("[REASON]Not a speedup.[/REASON][ANSWER]NO[/ANSWER]")
    )
    result = classify_commit(client, MODEL, COMMIT)
    assert result["is_perf"] is False and result["reason"] == "Not a speedup."
    assert result["repaired"] is True and len(result["keys"]) == 2 and fake.count == 2
    repair = fake.bodies()[1]["messages"]
    assert repair[-2] == {"role": "assistant", "content": "%%%% garbage %%%%"}
    assert "did not contain a verdict" in repair[-1]["content"]


def test_classify_unparsable_after_repair(client, fake):
    fake.push(Reply("maybe?"), Reply("still maybe"))
    result = classify_commit(client, MODEL, COMMIT)
    assert result["is_perf"] is None and result["reason"] == "unparsable"
    assert fake.count == 2


def test_classify_truncates_the_diff_to_the_token_budget(client, fake):
    fake.push(Reply("[ANSWER]NO[/ANSWER]"))
    big = dict(COMMIT, diff="+x = 1\n" * 10_000)  # 70,000 characters
    result = classify_commit(client, MODEL, big, max_diff_tokens=500)
    user = fake.bodies()[0]["messages"][-1]["content"]
    assert result["truncated"] is True
    assert "diff truncated" in user and "truncated to about 500 tokens" in user
    assert len(user) < 500 * 4 + 2000


def test_classify_replay_sends_nothing(tmp_path, client, fake):
    fake.push(Reply("[ANSWER]YES[/ANSWER]"))
    first = classify_commit(client, MODEL, COMMIT)
    replay = LLMClient(tmp_path / "store", "replay", timeout_s=1, max_retries=0)
    second = classify_commit(replay, MODEL, COMMIT)
    assert fake.count == 1 and second["cached"] and second["is_perf"] is True
    assert second["key"] == first["key"]


# ------------------------------------------------------------------------------------------
# judge


def test_judge_valid_reply(client, fake):
    fake.push(Reply(json.dumps(VALID_JUDGEMENT)))
    result = judge_patch(client, MODEL, human_diff=HUMAN_DIFF, agent_patch=AGENT_SAME, task=COMMIT)
    assert result["status"] == "ok" and result["error"] is None
    assert result["bottleneck_target"]["category"] == "same_target"
    assert result["approach_comparison"]["category"] == "same_approach"
    assert result["soft_pass"] is True and result["repaired"] is False
    assert result["similarity"]["similarity_score"] == 10.0
    user = fake.bodies()[0]["messages"][-1]["content"]
    assert "Speed up block lookup" in user and "self.index.get(key, [])" in user


def test_judge_accepts_fenced_json_and_normalises_categories(client, fake):
    reply = dict(VALID_JUDGEMENT)
    reply["bottleneck_target"] = dict(reply["bottleneck_target"], category="Related Target")
    reply["approach_comparison"] = dict(reply["approach_comparison"], category="valid-alternative")
    fake.push(Reply("Here is my analysis:\n```json\n" + json.dumps(reply) + "\n```\nDone."))
    result = judge_patch(client, MODEL, human_diff=HUMAN_DIFF, agent_patch=AGENT_OTHER)
    assert result["status"] == "ok"
    assert result["bottleneck_target"]["category"] == "related_target"
    assert result["approach_comparison"]["category"] == "valid_alternative"


def test_judge_repairs_invalid_category(client, fake):
    bad = json.loads(json.dumps(VALID_JUDGEMENT))
    bad["bottleneck_target"]["category"] = "bullseye"
    fake.push(Reply(json.dumps(bad)), Reply(json.dumps(VALID_JUDGEMENT)))
    result = judge_patch(client, MODEL, human_diff=HUMAN_DIFF, agent_patch=AGENT_SAME)
    assert result["status"] == "ok" and result["repaired"] is True and fake.count == 2
    repair = fake.bodies()[1]["messages"][-1]["content"]
    assert "'bullseye'" in repair and "not one of" in repair


def test_judge_garbage_twice_is_unknown(client, fake):
    fake.push(Reply("<<<not json>>>"), Reply("[1, 2, 3]"))
    result = judge_patch(client, MODEL, human_diff=HUMAN_DIFF, agent_patch=AGENT_OTHER)
    assert result["status"] == "invalid" and fake.count == 2
    assert result["bottleneck_target"]["category"] == "unknown"
    assert result["approach_comparison"]["category"] == "unknown"
    assert result["soft_pass"] is False
    assert "after one repair round" in result["error"] and "list" in result["error"]
    assert result["raw_responses"] == ["<<<not json>>>", "[1, 2, 3]"]


def test_judge_empty_patch_needs_no_call(client, fake):
    result = judge_patch(client, MODEL, human_diff=HUMAN_DIFF, agent_patch="  \n")
    assert fake.count == 0 and result["status"] == "no_patch"
    assert result["bottleneck_target"]["category"] == "no_optimization"
    assert result["soft_pass"] is False


def test_judge_truncates_patches_to_50kb(client, fake):
    fake.push(Reply(json.dumps(VALID_JUDGEMENT)))
    huge = HUMAN_DIFF + "".join(f"+line {i} of a very long patch\n" for i in range(8000))
    result = judge_patch(client, MODEL, human_diff=huge, agent_patch=huge)
    assert result["truncated"] == {"human": True, "agent": True}
    user = fake.bodies()[0]["messages"][-1]["content"]
    assert len(user.encode()) < 2 * 50_000 + 5_000
    assert "human diff truncated" in user and "agent patch truncated" in user


# ------------------------------------------------------------------------------------------
# rule-based similarity and quadrants


def test_patch_similarity_identical_and_disjoint():
    same = patch_similarity(HUMAN_DIFF, AGENT_SAME)
    assert same["file_jaccard"] == 1.0 and same["line_jaccard"] == 1.0
    assert same["sequence_ratio"] == 1.0 and same["similarity_score"] == 10.0
    assert same["human_files"] == ["engine/cache.py"]
    assert {"lru_cache", "functools", "lookup"} <= set(same["human_identifiers"])
    other = patch_similarity(HUMAN_DIFF, AGENT_OTHER)
    assert other["file_jaccard"] == 0.0 and other["common_files"] == []
    assert other["similarity_score"] < 2.0
    assert "probs" in other["agent_identifiers"]
    empty = patch_similarity(HUMAN_DIFF, "")
    assert empty["similarity_score"] == 0.0 and empty["agent_files"] == []


def test_patch_similarity_partial_and_fuzzy():
    agent = """--- a/engine/cache.py
+++ b/engine/cache.py
@@ -4,2 +4,2 @@ class BlockCache:
-        return [b for b in self.blocks if b.key == key]
+        return self.index.get(key, ())
"""
    sim = patch_similarity(HUMAN_DIFF, agent)
    assert sim["common_files"] == ["engine/cache.py"] and sim["human_file_coverage"] == 1.0
    assert sim["line_matches_exact"] == 1 and sim["line_matches_fuzzy"] == 1
    # 0.3 (all human files) + 0.4 * seq + 0.3 * ident
    expected = 10 * (0.3 + 0.4 * sim["sequence_ratio"] + 0.3 * sim["identifier_jaccard"])
    assert sim["similarity_score"] == pytest.approx(expected, abs=0.01)
    assert 3.0 < sim["similarity_score"] < 10.0


def test_removed_line_starting_with_dashes_is_not_a_header():
    diff = "--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,1 @@\n--- old comment\n keep\n"
    sim = patch_similarity(diff, diff)
    assert sim["human_files"] == ["x.py"] and sim["human_changed_lines"] == 1


def test_soft_hard_pass_and_quadrants():
    assert soft_pass("same_target") and soft_pass("related_target")
    for category in ("different_target", "no_optimization", "other", "unknown", None, ""):
        assert not soft_pass(category)
    assert hard_pass("beats") and hard_pass("similar") and not hard_pass("worse")
    assert not hard_pass(None)
    assert quadrant_of(True, True) == "Q1"
    assert quadrant_of(False, True) == "Q2"
    assert quadrant_of(True, False) == "Q3"
    assert quadrant_of(False, False) == "Q4"
    assert quadrant("similar", "Related Target") == "Q1"
    assert quadrant("beats", "unknown") == "Q3"
    assert quadrant(None, None) == "Q4"
    assert len(BOTTLENECK_CATEGORIES) == 5 and len(APPROACH_CATEGORIES) == 7
