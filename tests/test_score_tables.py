"""Per-attempt rows and Opt@K from hand-made bench records."""

import io
import statistics

import pandas as pd
import pytest

from isobench.scoring.tables import (
    OPT_COLUMNS,
    SCORE_COLUMNS,
    attempt_rows,
    opt_at_k_rows,
    to_frame,
)

CFG = {"bootstrap_resamples": 300, "opt_at_k_trials": 200, "seed": 0}


def bench(agent, commit, k, status, base, human, agent_values=None, direction="lower"):
    samples = []
    for variant, values in (("base", base), ("human", human), ("agent", agent_values or [])):
        for rnd, v in enumerate(values, start=1):
            sample = {"variant": variant, "round": rnd, "warmup": False, "error": None}
            samples.append({**sample, "metrics": {"m": v}})
    # a warm-up sample that must be ignored
    warm = {"variant": "base", "round": 0, "warmup": True, "error": None}
    samples.append({**warm, "metrics": {"m": 1e9}})

    def est(ref, cand):
        if not ref or not cand:
            return None
        r, c = statistics.median(ref), statistics.median(cand)
        return {
            "estimate": r / c if direction == "lower" else c / r,
            "ci_low": None,
            "ci_high": None,
            "p_value": None,
        }

    summary = {
        v: {"median": statistics.median(vals)}
        for v, vals in (("base", base), ("human", human), ("agent", agent_values or []))
        if vals
    }
    return {
        "repo": "r",
        "agent": agent,
        "instance_id": f"r-{commit}",
        "commit": commit,
        "k": k,
        "status": status,
        "reason": "",
        "primary_metric": "m",
        "direction": direction,
        "samples": samples,
        "summary": summary,
        "speedups": {
            "human_vs_base": est(base, human),
            "agent_vs_base": est(base, agent_values),
            "agent_vs_human": est(human, agent_values),
        },
    }


BASE = [10.0, 10.1, 9.9, 10.05, 9.95]
HUMAN = [5.0, 5.1, 4.9, 5.05, 4.95]


def records():
    return [
        # task t1: valid human speedup 2x
        bench("oracle", "t1", 1, "passed", BASE, HUMAN, HUMAN),
        bench("pred", "t1", 1, "passed", BASE, HUMAN, [9.0] * 5),  # 1.11x: not opt_base
        bench("pred", "t1", 2, "passed", BASE, HUMAN, [5.0] * 5),  # opt_commit
        bench("pred", "t1", 3, "test_failed", BASE, HUMAN, [1.0] * 5),  # fast but wrong
        # task t2: a decoy, human not faster
        bench("oracle", "t2", 1, "passed", BASE, BASE, BASE),
        bench("pred", "t2", 1, "patch_failed", BASE, BASE),
        bench("pred", "t2", 2, "passed", BASE, BASE, [0.5] * 5),  # 20x the human: flagged
        bench("pred", "t2", 3, "empty_patch", BASE, BASE),
    ]


def test_attempt_rows():
    df = to_frame(attempt_rows(records(), {}, CFG), SCORE_COLUMNS)
    row = df.set_index(["agent", "commit", "k"])
    assert row.loc[("oracle", "t1", 1), "opt_commit"]
    assert row.loc[("oracle", "t1", 1), "hard_class"] == "similar"
    assert not row.loc[("pred", "t1", 1), "opt_base"]
    assert row.loc[("pred", "t1", 1), "hard_class"] == "worse"
    assert row.loc[("pred", "t1", 2), "opt_commit"]
    assert not row.loc[("pred", "t1", 3), "opt_base"]  # a wrong result never counts
    # the warm-up sample (1e9) is ignored: base median stays 10
    assert row.loc[("oracle", "t1", 1), "base_median"] == pytest.approx(10.0)
    # human validity is a task property, pooled over all jobs of the task
    assert df[df.commit == "t1"]["human_valid"].all()
    assert not df[df.commit == "t2"]["human_valid"].any()
    assert row.loc[("pred", "t2", 2), "review_flag"].startswith("absurd_speedup")
    assert row.loc[("pred", "t2", 2), "hard_class"] == "beats"


def test_opt_at_k_over_valid_and_all_tasks():
    scores = to_frame(attempt_rows(records(), {}, CFG), SCORE_COLUMNS)
    # round-trip through CSV as the workflow does
    scores = pd.read_csv(io.StringIO(scores.to_csv(index=False)))
    df = to_frame(opt_at_k_rows(scores, {"oracle": 1, "pred": 3}, CFG), OPT_COLUMNS)
    by = df.set_index(["agent", "k"])
    assert list(df.columns) == OPT_COLUMNS
    assert by.loc[("oracle", 1), "n_tasks"] == 1 and by.loc[("oracle", 1), "n_tasks_all"] == 2
    assert by.loc[("oracle", 1), "opt_at_k"] == 1.0
    assert by.loc[("oracle", 1), "opt_at_k_all"] == 0.5
    assert [by.loc[("pred", k), "opt_at_k"] for k in (1, 2, 3)] == [0.0, 1.0, 1.0]
    # over random orders, 1 success in 3 attempts: about 1/3 at K=1
    assert by.loc[("pred", 1), "opt_at_k_mean"] == pytest.approx(1 / 3, abs=0.1)
    assert by.loc[("pred", 3), "opt_at_k_ci_low"] == 1.0
    assert by.loc[("pred", 1), "passed_at_k"] == 1.0


def judge(category, approach="similar_approach", status="ok"):
    return {
        "status": status,
        "bottleneck_target": {"category": category},
        "approach_comparison": {"category": approach},
        "similarity": {"similarity_score": 7.5},
    }


def test_quadrants_from_hard_class_and_judge():
    judges = {
        ("oracle", "t1", 1): judge("same_target"),  # beats/similar + soft -> Q1
        ("pred", "t1", 1): judge("related_target"),  # worse (1.11x < human) + soft -> Q2
        ("pred", "t1", 2): judge("different_target"),  # similar, not soft -> Q3
        ("pred", "t1", 3): judge("same_target"),  # failed attempt is worse; soft -> Q2
        ("oracle", "t2", 1): judge("unknown", "unknown", status="invalid"),  # similar -> Q3
        ("pred", "t2", 1): judge("no_optimization", "ineffective"),  # worse, not soft -> Q4
        ("pred", "t2", 2): judge("same_target"),  # beats (20x) + soft -> Q1
        # ("pred", "t2", 3) has no judge record: unknown, not a soft pass -> Q4
    }
    df = to_frame(attempt_rows(records(), {}, CFG, judges), SCORE_COLUMNS)
    got = {
        (r.agent, r.commit, r.k): (r.hard_class, r.soft_pass, r.quadrant) for r in df.itertuples()
    }
    assert got == {
        ("oracle", "t1", 1): ("similar", True, "Q1"),
        ("pred", "t1", 1): ("worse", True, "Q2"),
        ("pred", "t1", 2): ("similar", False, "Q3"),
        ("pred", "t1", 3): ("worse", True, "Q2"),
        ("oracle", "t2", 1): ("similar", False, "Q3"),
        ("pred", "t2", 1): ("worse", False, "Q4"),
        ("pred", "t2", 2): ("beats", True, "Q1"),
        ("pred", "t2", 3): ("worse", False, "Q4"),
    }
    row = df.set_index(["agent", "commit", "k"]).loc[("oracle", "t2", 1)]
    assert row["judge_status"] == "invalid" and row["bottleneck"] == "unknown"
    assert df["hard_pass"].tolist() == [q in ("Q1", "Q3") for q in df["quadrant"]]
    assert df.loc[df.k == 1, "similarity_score"].notna().all()


def test_quadrant_columns_are_empty_without_the_judge():
    df = to_frame(attempt_rows(records(), {}, CFG), SCORE_COLUMNS)
    for column in ("judge_status", "bottleneck", "approach", "soft_pass", "quadrant"):
        assert df[column].isna().all(), column
    assert df["hard_pass"].notna().all()  # the hard side needs no judge
    csv = io.StringIO()
    df.to_csv(csv, index=False)
    assert ",quadrant" in csv.getvalue().splitlines()[0]
