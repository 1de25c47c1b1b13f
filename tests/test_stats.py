"""Statistics on hand-computed cases."""

import math

import pytest

from isobench.scoring import stats


def test_geometric_and_harmonic_means():
    assert stats.geometric_mean([1.0, 4.0]) == pytest.approx(2.0)
    assert stats.harmonic_mean([1.0, 4.0]) == pytest.approx(1.6)
    assert math.isnan(stats.geometric_mean([]))
    assert math.isnan(stats.harmonic_mean([1.0, 0.0]))


def test_ratio_of_medians_respects_direction():
    base = [10.0, 11.0, 12.0]
    fast = [5.0, 6.0, 7.0]
    # latency: base median 11 / candidate median 6
    assert stats.ratio_of_medians(base, fast, "lower") == pytest.approx(11 / 6)
    # throughput: candidate median / base median
    assert stats.ratio_of_medians(base, fast, "higher") == pytest.approx(6 / 11)
    with pytest.raises(ValueError, match="direction"):
        stats.ratio_of_medians(base, fast, "faster")


def test_compare_detects_clear_improvement():
    base = [100.0, 101.0, 99.0, 100.5, 100.2]
    agent = [50.0, 51.0, 49.5, 50.2, 50.1]
    cmp = stats.compare(base, agent, "lower", n_resamples=500, seed=1)
    assert cmp.estimate == pytest.approx(100.2 / 50.1)
    assert cmp.ci_low <= cmp.estimate <= cmp.ci_high
    assert cmp.ci_low > 1.9
    # all 5 agent samples below all 5 base samples: exact one-sided MWU p = 1/C(10,5)
    assert cmp.p_value == pytest.approx(1 / 252)
    assert stats.significant_improvement(cmp)


def test_compare_identical_samples_is_not_significant():
    same = [1.0, 1.0, 1.0]
    cmp = stats.compare(same, same, "lower", n_resamples=200)
    assert cmp.estimate == 1.0
    assert cmp.p_value == 1.0
    assert not stats.significant_improvement(cmp)


def test_compare_worse_candidate_has_high_p():
    base = [1.0, 1.1, 0.9, 1.05, 0.95]
    slow = [2.0, 2.1, 1.9, 2.05, 1.95]
    cmp = stats.compare(base, slow, "lower", n_resamples=200)
    assert cmp.estimate == pytest.approx(0.5)
    assert cmp.p_value > 0.9
    assert not stats.significant_improvement(cmp)


def test_compare_is_reproducible_with_a_seed():
    a, b = [3.0, 3.2, 2.9, 3.1], [2.0, 2.5, 2.2, 2.1]
    assert stats.compare(a, b, "lower", seed=7) == stats.compare(a, b, "lower", seed=7)


def test_compare_empty_sample_gives_nan_not_an_exception():
    cmp = stats.compare([], [1.0], "lower")
    assert math.isnan(cmp.estimate)
    assert cmp.as_dict()["estimate"] is None


def test_summarize():
    s = stats.summarize([1.0, 2.0, 3.0])
    assert s["n"] == 3 and s["median"] == 2.0 and s["mean"] == 2.0
    assert s["std"] == pytest.approx(1.0)
    assert stats.summarize([])["median"] is None


def test_wilson_interval_hand_computed():
    lo, hi = stats.wilson_interval(5, 10)
    # p = 0.5, n = 10, z = 1.959964: centre 0.5, half-width 0.2659
    assert lo == pytest.approx(0.2366, abs=1e-4)
    assert hi == pytest.approx(0.7634, abs=1e-4)
    lo0, hi0 = stats.wilson_interval(0, 39)
    # 0 successes: upper bound z^2 / (n + z^2) = 3.8415 / 42.8415
    assert lo0 == 0.0 and hi0 == pytest.approx(0.08967, abs=1e-5)


def test_paired_comparison_cancels_shared_round_noise():
    # Each round's load scales both runs alike; the candidate is always exactly 2x faster.
    load = [1.0, 3.0, 0.5, 2.0, 1.5]
    base = [100.0 * f for f in load]
    cand = [50.0 * f for f in load]
    paired = stats.compare(base, cand, "lower", paired=True, n_resamples=300)
    assert paired.estimate == pytest.approx(2.0)
    assert paired.ci_low == pytest.approx(2.0) and paired.ci_high == pytest.approx(2.0)
    unpaired = stats.compare(base, cand, "lower", n_resamples=300)
    assert unpaired.ci_high - unpaired.ci_low > 1.0  # the same data, unpaired, is far less certain
    with pytest.raises(ValueError, match="equal sizes"):
        stats.compare([1.0, 2.0], [1.0], "lower", paired=True)
