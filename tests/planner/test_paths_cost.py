"""The cost model: 2PL, expected items to a mastery streak (planner.paths.cost)."""

from __future__ import annotations

import random

import pytest

from planner.paths.cost import CostModel, expected_items_to_streak, p_correct
from planner.paths.errors import InvalidMasteryError


def test_p_correct_is_the_2pl_curve_and_does_not_overflow():
    assert p_correct(0.0, 1.0, 0.0) == 0.5
    assert p_correct(1.0, 1.7, 0.0) == pytest.approx(1 / (1 + 2.718281828459045**-1.7))
    assert p_correct(-1000.0, 2.0, 0.0) == pytest.approx(0.0)
    assert p_correct(1000.0, 2.0, 0.0) == 1.0


@pytest.mark.parametrize("p", [0.3, 0.6, 0.9])
def test_streak_formula_matches_simulation(p):
    rng = random.Random(7)
    trials = 20_000
    total = 0
    for _ in range(trials):
        run = n = 0
        while run < 3:
            n += 1
            run = run + 1 if rng.random() < p else 0
        total += n
    assert total / trials == pytest.approx(expected_items_to_streak(p, 3), rel=0.03)


def test_streak_of_a_sure_learner_is_the_streak_length():
    assert expected_items_to_streak(1.0, 4) == 4.0


@pytest.mark.parametrize("p,streak", [(0.0, 3), (1.5, 3), (0.5, 0)])
def test_streak_refuses_impossible_inputs(p, streak):
    with pytest.raises(InvalidMasteryError):
        expected_items_to_streak(p, streak)


def test_harder_items_cost_more_and_ability_lowers_the_cost():
    model = CostModel(item_params={"easy": [(1.0, -1.0)], "hard": [(1.0, 1.5)]}, theta=0.0)
    assert model.concept_items("hard") > model.concept_items("easy")
    abler = CostModel(item_params={"hard": [(1.0, 1.5)]}, theta=1.0)
    assert abler.concept_items("hard") < model.concept_items("hard")


def test_per_concept_ability_is_used_with_a_default_for_the_rest():
    model = CostModel(theta={"a": 2.0}, default_theta=-1.0)
    assert model.ability("a") == 2.0
    assert model.ability("b") == -1.0
    assert model.concept_items("a") < model.concept_items("b")


def test_floor_keeps_far_too_hard_concepts_finite():
    model = CostModel(item_params={"x": [(2.0, 10.0)]}, theta=-3.0, p_floor=0.2)
    assert model.concept_items("x") == pytest.approx(expected_items_to_streak(0.2, 3))


def test_distance_and_partial_mastery_shape_the_concept_cost():
    model = CostModel(item_params={"x": [(1.0, 0.0)]}, distance_weight=0.5)
    base = model.concept_cost("x", distance=1, mastery=0.0)
    assert base == pytest.approx(14.0)
    assert model.concept_cost("x", distance=3, mastery=0.0) == pytest.approx(28.0)
    # A learner who surely knows it needs only the streak itself.
    assert model.concept_cost("x", distance=1, mastery=1.0) == pytest.approx(3.0)
    assert 3.0 < model.concept_cost("x", distance=1, mastery=0.5) < base


@pytest.mark.parametrize(
    "kwargs",
    [{"streak": 0}, {"distance_weight": -0.1}, {"p_floor": 0.0}, {"theta": float("nan")}],
)
def test_cost_model_refuses_bad_parameters(kwargs):
    with pytest.raises(InvalidMasteryError):
        CostModel(**kwargs)
