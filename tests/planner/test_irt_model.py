import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from planner.irt import model

finite = st.floats(-6, 6, allow_nan=False)
slopes = st.floats(0.1, 4.0, allow_nan=False)


def test_probability_is_a_half_at_the_difficulty():
    assert float(model.probability(0.7, 1.8, 0.7)) == 0.5


def test_probability_broadcasts_abilities_against_items():
    p = model.probability(np.array([[-1.0], [0.0], [1.0]]), [1.0, 2.0], [0.0, 1.0])
    assert p.shape == (3, 2)
    assert np.all(np.diff(p, axis=0) > 0)  # rises with ability


@given(theta=finite, a=slopes, b=finite)
def test_probability_reflects_through_the_difficulty(theta, a, b):
    p = float(model.probability(theta, a, b))
    assert 0.0 <= p <= 1.0
    assert p == pytest.approx(1.0 - float(model.probability(2 * b - theta, a, b)), abs=1e-12)


@given(theta=finite, a=slopes, b=finite)
def test_information_is_squared_slope_over_variance(theta, a, b):
    h = 1e-5
    dp = (model.probability(theta + h, a, b) - model.probability(theta - h, a, b)) / (2 * h)
    p = float(model.probability(theta, a, b))
    # Far in the tails p rounds to 0 or 1 and the finite-difference oracle means nothing
    # (hypothesis found theta=4, a=4, b=-6: p == 1.0); the model's own value stays finite.
    assert math.isfinite(float(model.item_information(theta, a, b)))
    assume(1e-9 < p < 1 - 1e-9)
    expected = float(dp) ** 2 / (p * (1 - p))
    assert float(model.item_information(theta, a, b)) == pytest.approx(expected, rel=1e-3, abs=1e-9)


@given(a=slopes, b=finite)
def test_item_information_peaks_at_the_difficulty(a, b):
    grid = np.linspace(b - 3, b + 3, 601)
    info = model.item_information(grid, a, b)
    assert grid[np.argmax(info)] == pytest.approx(b, abs=0.011)
    assert info.max() == pytest.approx(a * a / 4)


def test_test_information_sums_the_items_and_sets_the_standard_error():
    a, b = np.array([1.0, 1.5, 0.7]), np.array([-1.0, 0.0, 2.0])
    theta = np.array([-2.0, 0.0, 1.0])
    total = model.test_information(theta, a, b)
    by_hand = sum(model.item_information(theta, a[j], b[j]) for j in range(3))
    np.testing.assert_allclose(total, by_hand)
    np.testing.assert_allclose(model.ability_standard_error(theta, a, b), 1 / np.sqrt(total))


def test_log_likelihood_matches_the_probabilities():
    a, b, x = np.array([1.0, 2.0, 0.5]), np.array([0.0, 1.0, -1.0]), np.array([1, 0, 1])
    p = model.probability(0.3, a, b)
    expected = np.sum(x * np.log(p) + (1 - x) * np.log(1 - p))
    assert float(model.log_likelihood(0.3, a, b, x)) == pytest.approx(expected)


def test_log_likelihood_stays_finite_far_from_the_items():
    assert np.isfinite(model.log_likelihood(60.0, [3.0], [0.0], [0]))
