"""The cost model: 2PL, expected items to a mastery streak (planner.paths.cost)."""

from __future__ import annotations

import math
import random

import pytest

from planner.paths.cost import (
    CostModel,
    expected_items_to_streak,
    expected_items_to_streak_learning,
    p_correct,
)
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
    model = CostModel(item_params={"x": [(1.0, 0.0)]}, distance_weight=0.5, learning_rate=0.0)
    base = model.concept_cost("x", distance=1, mastery=0.0)
    assert base == pytest.approx(14.0)
    assert model.concept_cost("x", distance=3, mastery=0.0) == pytest.approx(28.0)
    # A learner who surely knows it needs only the streak itself.
    assert model.concept_cost("x", distance=1, mastery=1.0) == pytest.approx(3.0)
    assert 3.0 < model.concept_cost("x", distance=1, mastery=0.5) < base


def _simulated_wait(theta: float, b: float, rate: float, ceiling: float, streak: int,
                    trials: int, seed: int) -> float:
    """Monte Carlo of a learner whose ability closes ``rate`` of its gap per item."""
    rng = random.Random(seed)
    total = 0
    for _ in range(trials):
        ability, run, n = theta, 0, 0
        while run < streak:
            n += 1
            run = run + 1 if rng.random() < p_correct(ability, 1.0, b) else 0
            if ability < ceiling:
                ability += rate * (ceiling - ability)
        total += n
    return total / trials


@pytest.mark.parametrize("theta,b,rate,streak", [
    (-3.0, 0.0, 0.15, 3), (0.0, 0.0, 0.15, 3), (-1.0, 1.5, 0.3, 2), (1.0, -0.5, 0.05, 4),
])
def test_learning_wait_matches_simulation(theta, b, rate, streak):
    exact = expected_items_to_streak_learning(
        lambda t: p_correct(t, 1.0, b), theta, streak=streak, learning_rate=rate, ceiling=2.0
    )
    simulated = _simulated_wait(theta, b, rate, 2.0, streak, trials=20_000, seed=11)
    assert simulated == pytest.approx(exact, rel=0.03)


def test_without_learning_the_wait_is_the_fixed_p_formula():
    for theta in (-2.0, 0.0, 1.3):
        p = p_correct(theta, 1.0, 0.4)
        got = expected_items_to_streak_learning(
            lambda t: p_correct(t, 1.0, 0.4), theta, learning_rate=0.0
        )
        assert got == pytest.approx(expected_items_to_streak(p, 3), rel=1e-12)


def test_a_learner_above_the_ceiling_does_not_unlearn():
    got = expected_items_to_streak_learning(lambda t: p_correct(t, 1.0, 0.0), 3.0, ceiling=2.0)
    assert got == pytest.approx(expected_items_to_streak(p_correct(3.0, 1.0, 0.0), 3))


def test_learning_keeps_a_far_behind_learner_at_tens_not_hundreds_of_items():
    # The studio used to show "about 4067 items" for a learner who had answered every
    # diagnostic question wrong: 155 items (the floor) per concept, as if they never
    # learnt. With learning the cost stays ordered by ability and difficulty and is a
    # number of items a course could plan with.
    static = CostModel(item_params={"x": [(1.0, 0.0)]}, theta=-3.0, learning_rate=0.0)
    learning = CostModel(item_params={"x": [(1.0, 0.0)]}, theta=-3.0)
    assert static.concept_items("x") == pytest.approx(155.0)
    assert 8.0 < learning.concept_items("x") < 20.0
    abler = CostModel(item_params={"x": [(1.0, 0.0)]}, theta=-1.0)
    harder = CostModel(item_params={"x": [(1.0, 1.0)]}, theta=-3.0)
    assert abler.concept_items("x") < learning.concept_items("x") < harder.concept_items("x")


def _long_horizon_wait(p_at, theta: float, rate: float, ceiling: float, streak: int) -> float:
    """The wait summed item by item over a long horizon, the ability in closed form."""
    alive = [1.0] + [0.0] * (streak - 1)
    total, k = 0.0, 0
    while sum(alive) > 1e-15:
        gap = ceiling - theta
        ability = theta if gap <= 0 else ceiling - gap * (1.0 - rate) ** k
        p = p_at(ability)
        left = sum(alive)
        total += left
        alive = [(1.0 - p) * left] + [p * a for a in alive[:-1]]
        k += 1
    return total


@pytest.mark.parametrize("theta", [-10.0, -1000.0, -1e9, -1e12])
def test_the_wait_is_exact_however_far_below_the_ceiling_the_learner_starts(theta):
    # Settling is judged on the absolute gap: a test relative to the starting gap let a
    # learner 1e12 logits down stop while still ~1e3 below, priced at the floor (155
    # items where the truth is 104.6).
    def p_at(t: float) -> float:
        return max(p_correct(t, 1.0, 0.0), 0.2)

    got = expected_items_to_streak_learning(p_at, theta)
    assert got == pytest.approx(_long_horizon_wait(p_at, theta, 0.15, 2.0, 3), rel=1e-9)
    model = CostModel(item_params={"x": [(1.0, 0.0)]}, theta=theta)
    assert model.concept_items("x") == pytest.approx(got, rel=1e-12)


@pytest.mark.parametrize("rate", [0.002, 1e-6])
def test_a_tiny_learning_rate_is_still_priced_exactly(rate):
    # The loop ends once the rest of the wait is negligible rather than walking the
    # whole (capped) learning curve; the result stays within 1e-12 of the sum.
    def p_at(t: float) -> float:
        return max(p_correct(t, 1.0, 0.0), 0.2)

    got = expected_items_to_streak_learning(p_at, -3.0, learning_rate=rate)
    assert got == pytest.approx(_long_horizon_wait(p_at, -3.0, rate, 2.0, 3), rel=1e-10)


def test_a_streak_too_long_to_compute_is_refused_not_priced_nan():
    with pytest.raises(InvalidMasteryError, match="shorter streak"):
        expected_items_to_streak_learning(lambda t: 0.5, 0.0, streak=1100)
    with pytest.raises(InvalidMasteryError, match="shorter streak"):
        CostModel(streak=1100, learning_rate=0.0, theta=-50.0).concept_items("x")


def test_a_streak_that_never_comes_names_the_ability_where_the_learner_settles():
    # Above the ceiling the ability stays where it is: that is where p is 0.
    with pytest.raises(InvalidMasteryError, match="ability 5.0 "):
        expected_items_to_streak_learning(lambda t: 0.0, 5.0)


@pytest.mark.parametrize("item", [(1.0, math.nan), (math.inf, 0.0), (1.0, -math.inf)])
def test_item_parameters_that_are_not_finite_are_refused_by_name(item):
    # They used to give a NaN cost, which the set cover then refused with no concept.
    model = CostModel(item_params={"ok": [(1.0, 0.0)], "bad": [(1.0, 0.5), item]})
    with pytest.raises(InvalidMasteryError, match="'bad'"):
        model.prime(["ok", "bad"])


@pytest.mark.parametrize("kwargs", [
    {"streak": 0}, {"learning_rate": 1.0}, {"learning_rate": -0.1}, {"theta": math.inf},
    {"ceiling": math.nan},
])
def test_learning_wait_refuses_bad_parameters(kwargs):
    args = {"p_at": lambda t: 0.5, "theta": 0.0, **kwargs}
    with pytest.raises(InvalidMasteryError):
        expected_items_to_streak_learning(**args)


@pytest.mark.parametrize("p", [0.0, 1.5, -0.1, math.nan])
def test_learning_wait_refuses_a_probability_outside_its_range(p):
    # 0 is refused only where the ability settles: a streak that never comes.
    with pytest.raises(InvalidMasteryError):
        expected_items_to_streak_learning(lambda t: p, 0.0)


@pytest.mark.parametrize(
    "kwargs",
    [{"streak": 0}, {"distance_weight": -0.1}, {"p_floor": 0.0}, {"theta": float("nan")},
     {"learning_rate": 1.0}, {"learning_rate": -0.5}, {"ceiling": float("inf")}],
)
def test_cost_model_refuses_bad_parameters(kwargs):
    with pytest.raises(InvalidMasteryError):
        CostModel(**kwargs)


def test_pricing_many_concepts_at_once_matches_one_at_a_time():
    rng = random.Random(3)
    params = {f"c{i}": [(rng.uniform(0.5, 2.0), rng.gauss(0.0, 1.5))
                        for _ in range(rng.randint(1, 5))] for i in range(40)}
    params["none"] = []  # no items: the default item stands in
    # Some abilities shared, most not: each concept is priced from its own.
    theta = {f"c{i}": rng.choice([-2.0, 0.0, 1.5, rng.uniform(-4.0, 3.0)]) for i in range(40)}
    together = CostModel(item_params=params, theta=theta)
    together.prime([*params, "c3"])  # repeats and unknown-to-items concepts are fine
    for c in params:
        alone = CostModel(item_params={c: params[c]}, theta=theta)
        p = list(params[c]) or [(1.0, 0.0)]
        reference = expected_items_to_streak_learning(
            lambda t, p=p: max(sum(p_correct(t, a, b) for a, b in p) / len(p), 0.2),
            together.ability(c),
        )
        assert together.concept_items(c) == pytest.approx(alone.concept_items(c), rel=1e-12)
        assert together.concept_items(c) == pytest.approx(reference, rel=1e-9)
