"""Greedy set cover, its LP bound and the exact optimum (planner.paths.setcover)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.paths.errors import PathPlanningError
from planner.paths.setcover import (
    dual_bound,
    exact_set_cover,
    greedy_set_cover,
    harmonic,
    lp_lower_bound,
)

TOL = 1e-7
# HiGHS proves optimality up to an absolute gap of 1e-6 (exact_set_cover's docstring).
MIP_TOL = 1e-6


def covered(sets, chosen):
    return set().union(*(set(sets[i]) for i in chosen)) if chosen else set()


def test_greedy_takes_the_cheapest_per_new_element_first():
    cover = greedy_set_cover("abcd", ["ab", "bc", "cd", "d"], [1.0, 1.0, 1.0, 0.1])
    assert cover.chosen == (3, 0, 1)
    assert cover.cost == pytest.approx(2.1)


def test_greedy_reports_elements_no_set_contains_and_covers_the_rest():
    cover = greedy_set_cover("abxy", ["ab", "b"], [1.0, 1.0])
    assert cover.uncovered == frozenset("xy")
    assert cover.chosen == (0,)


def test_reverse_delete_drops_a_set_made_redundant_by_later_choices():
    # "abcd" is cheapest per element so greedy takes it first; "e" and "f" then need
    # "abe" and "cdf", which together cover "abcd" again.
    universe = "abcdef"
    sets = ["abcd", "abe", "cdf"]
    costs = [2.0, 1.6, 1.6]
    unpruned = greedy_set_cover(universe, sets, costs, prune=False)
    pruned = greedy_set_cover(universe, sets, costs)
    assert unpruned.chosen == (0, 1, 2)
    assert pruned.chosen == (1, 2)
    assert covered(sets, pruned.chosen) == set(universe)
    assert pruned.cost < unpruned.cost


def test_greedy_refuses_negative_nan_or_mismatched_costs():
    with pytest.raises(PathPlanningError):
        greedy_set_cover("a", ["a"], [-1.0])
    with pytest.raises(PathPlanningError):
        greedy_set_cover("a", ["a"], [math.nan])
    with pytest.raises(PathPlanningError):
        greedy_set_cover("a", ["a"], [1.0, 2.0])


def test_guided_greedy_follows_the_lp_where_plain_greedy_is_lured_away():
    # Chvatal's tight example: singletons of cost 1/i lure the greedy into paying
    # H(4) while one set covering everything costs 1.1. The LP is integral here.
    universe = [1, 2, 3, 4]
    sets = [[1], [2], [3], [4], [1, 2, 3, 4]]
    costs = [1.0, 1 / 2, 1 / 3, 1 / 4, 1.1]
    plain = greedy_set_cover(universe, sets, costs)
    assert plain.cost == pytest.approx(harmonic(4))
    lb = lp_lower_bound(universe, sets, costs)
    guide = [lb.primal.get(i, 0.0) for i in range(len(sets))]
    guided = greedy_set_cover(universe, sets, costs, guide=guide)
    assert guided.chosen == (4,)
    assert guided.cost == pytest.approx(exact_set_cover(universe, sets, costs).cost)


def test_lp_bound_of_the_triangle_is_one_and_a_half():
    lb = lp_lower_bound("abc", ["ab", "bc", "ca"], [1.0, 1.0, 1.0])
    assert lb.value == pytest.approx(1.5)
    assert lb.lp_value == pytest.approx(1.5)
    assert exact_set_cover("abc", ["ab", "bc", "ca"], [1.0, 1.0, 1.0]).cost == pytest.approx(2.0)


def test_lp_bound_of_an_empty_universe_is_zero():
    assert lp_lower_bound([], [["a"]], [1.0]).value == 0.0


def test_dual_bound_scales_an_overloaded_dual_back_to_feasibility():
    lb = dual_bound("ab", ["ab"], [1.0], {"a": 1.0, "b": 1.0})
    assert lb.value == pytest.approx(1.0)
    assert lb.duals == pytest.approx({"a": 0.5, "b": 0.5})


def test_dual_bound_zeroes_elements_of_free_sets():
    lb = dual_bound("ab", ["a", "b"], [0.0, 2.0], {"a": 5.0, "b": 1.0})
    assert lb.value == pytest.approx(1.0)


def test_harmonic_numbers():
    assert harmonic(0) == 0.0
    assert harmonic(1) == 1.0
    assert harmonic(4) == pytest.approx(1 + 1 / 2 + 1 / 3 + 1 / 4)
    assert all(harmonic(n) <= 1 + math.log(n) for n in range(1, 200))


@st.composite
def cover_instances(draw):
    n = draw(st.integers(0, 12))
    m = draw(st.integers(1, 14))
    sets = [
        draw(st.lists(st.integers(0, n + 1), min_size=1, max_size=6, unique=True))
        for _ in range(m)
    ]
    costs = [draw(st.floats(0.0, 10.0, allow_nan=False)) for _ in range(m)]
    return list(range(n)), sets, costs


def _dual_feasible(sets, costs, duals):
    return all(sum(duals.get(e, 0.0) for e in s) <= c + 1e-9 for s, c in zip(sets, costs, strict=True))


@settings(max_examples=150, deadline=None)
@given(cover_instances())
def test_lower_bound_le_optimum_le_greedy_le_harmonic_times_bound(instance):
    universe, sets, costs = instance
    greedy = greedy_set_cover(universe, sets, costs)
    lb = lp_lower_bound(universe, sets, costs)
    opt = exact_set_cover(universe, sets, costs)
    coverable = set(universe) & set().union(*map(set, sets))
    assert covered(sets, greedy.chosen) >= coverable
    assert greedy.uncovered == frozenset(set(universe) - coverable)
    assert _dual_feasible(sets, costs, lb.duals)
    assert lb.value <= opt.cost + MIP_TOL
    assert opt.cost <= greedy.cost + MIP_TOL
    d = max((len(set(s) & coverable) for s in sets), default=0)
    assert greedy.cost <= harmonic(d) * lb.value + TOL * max(1.0, greedy.cost)


@settings(max_examples=60, deadline=None)
@given(cover_instances(), st.dictionaries(st.integers(0, 13), st.floats(0, 20)))
def test_dual_bound_of_any_weights_is_feasible_and_below_the_optimum(instance, weights):
    universe, sets, costs = instance
    lb = dual_bound(universe, sets, costs, weights)
    assert _dual_feasible(sets, costs, lb.duals)
    assert lb.value <= exact_set_cover(universe, sets, costs).cost + MIP_TOL
