"""Scoring rules on hand-computed cases."""

import math
import re
from pathlib import Path

import pytest

from isobench.scoring import rules
from isobench.scoring.rules import Thresholds

TH = Thresholds()


def test_status_ladder_order_and_merge():
    assert rules.best_status(["error", "patch_failed", "test_failed"]) == "test_failed"
    assert rules.best_status(["empty_patch", "agent_failed"]) == "empty_patch"
    assert rules.best_status(["base_failed", "passed"]) == "passed"
    with pytest.raises(ValueError, match="unknown status"):
        rules.status_rank("success")


@pytest.mark.parametrize(
    ("status", "vs_base", "vs_human", "expected"),
    [
        ("passed", 1.5, 1.0, (True, True)),
        ("passed", 1.2, 0.96, (True, True)),  # both thresholds: >= 1.2 and > 0.95
        ("passed", 1.19, 1.0, (False, False)),
        ("passed", 1.5, 0.95, (True, False)),  # exactly 0.95 is not enough (strict)
        ("test_failed", 3.0, 2.0, (False, False)),  # a wrong result never scores
        ("passed", None, None, (False, False)),
        ("passed", math.nan, 1.0, (False, False)),
    ],
)
def test_opt_flags(status, vs_base, vs_human, expected):
    assert rules.opt_flags(status, vs_base, vs_human, TH) == expected


def test_opt_p_flag_sweeps_the_human_fraction():
    assert rules.opt_p_flag("passed", 1.3, 0.5, 0.0, TH)
    assert rules.opt_p_flag("passed", 1.3, 0.5, 0.4, TH)
    assert not rules.opt_p_flag("passed", 1.3, 0.5, 0.5, TH)
    assert not rules.opt_p_flag("passed", 1.1, 2.0, 0.0, TH)


def test_pct_from_speedup_sign_convention():
    # latency 100 ms (human) vs 90 ms (agent): speedup 100/90, agent (100-90)/100 = 10 % better
    assert rules.pct_from_speedup(100 / 90, "lower") == pytest.approx(10.0)
    # throughput 100 (human) vs 90 (agent): speedup 0.9, agent (90-100)/100 = 10 % worse
    assert rules.pct_from_speedup(0.9, "higher") == pytest.approx(-10.0)
    assert rules.pct_from_speedup(None, "lower") is None


@pytest.mark.parametrize(
    ("status", "pct", "expected"),
    [
        ("passed", 12.7, "beats"),
        ("passed", 5.0, "similar"),  # the band is inclusive, as in ISO-Bench's data
        ("passed", -3.7, "similar"),
        ("passed", -6.0, "worse"),
        ("test_failed", 50.0, "worse"),
        ("passed", None, "worse"),
    ],
)
def test_hard_class_band(status, pct, expected):
    assert rules.hard_class(status, pct, 5.0) == expected


def test_opt_at_k_counts_any_success_within_k():
    success = {"a": [False, True, False], "b": [True, False, False], "c": [False, False, False]}
    assert rules.opt_at_k(success, 1) == pytest.approx(1 / 3)
    assert rules.opt_at_k(success, 2) == pytest.approx(2 / 3)
    assert rules.opt_at_k(success, 3) == pytest.approx(2 / 3)
    assert math.isnan(rules.opt_at_k({}, 1))


def test_opt_at_k_bootstrap_matches_combinatorics():
    # One task, one success among 3 attempts: P(hit within 1) = 1/3, within 2 = 2/3, within 3 = 1.
    success = {"a": [False, True, False]}
    mean1, lo1, hi1 = rules.opt_at_k_bootstrap(success, 1, trials=3000, seed=0)
    assert mean1 == pytest.approx(1 / 3, abs=0.03)
    assert (lo1, hi1) == (0.0, 1.0)
    mean3, lo3, hi3 = rules.opt_at_k_bootstrap(success, 3, trials=100, seed=0)
    assert (mean3, lo3, hi3) == (1.0, 1.0, 1.0)


def test_thresholds_from_config():
    th = Thresholds.from_config({"opt_base_threshold": 1.5, "hard_band_pct": 10})
    assert th.opt_base == 1.5 and th.hard_band_pct == 10.0 and th.opt_commit == 0.95


def test_scoring_defaults_are_the_schemas_and_the_readmes():
    # The schema is the one place the defaults are written; code and README table follow it.
    defaults = rules.scoring_defaults()
    assert Thresholds() == Thresholds.from_config({}) == Thresholds.from_config(defaults)
    th = Thresholds()
    assert (th.opt_base, th.opt_commit, th.hard_band_pct) == (1.2, 0.95, 5.0)  # the published
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `scoring\.(\w+)` \| `?([^|`]+?)`? \|", readme, re.MULTILINE))
    assert table == {name: str(value) for name, value in defaults.items()}


def test_opt_commit_ci_rule_forgives_noise_but_not_a_slow_patch():
    # identical code measured 0.91x of the human, interval up to 1.05: noise, not a failure
    assert rules.opt_flags("passed", 2.0, 0.91, TH, vs_human_ci_high=1.05) == (True, True)
    # clearly slower: the whole interval is below 0.95
    assert rules.opt_flags("passed", 2.0, 0.6, TH, vs_human_ci_high=0.8) == (True, False)
    point = Thresholds(opt_commit_rule="point")
    assert rules.opt_flags("passed", 2.0, 0.91, point, vs_human_ci_high=1.05) == (True, False)
