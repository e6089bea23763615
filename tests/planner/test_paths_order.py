"""Ordering chosen units so that prerequisites come first (planner.paths.order)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from planner.paths.order import order_units


def test_whole_units_in_prerequisite_order_when_possible():
    steps = order_units(
        [["c"], ["a", "b"]],
        {"b": ["a"], "c": ["b"]},
        key={"a": (0,), "b": (1,), "c": (2,)},
        position={"a": 0, "b": 1, "c": 2},
    )
    assert steps == [(1, ("a", "b")), (0, ("c",))]


def test_key_breaks_ties_among_ready_units():
    steps = order_units(
        [["x"], ["y"]], {}, key={"x": (1,), "y": (0,)}, position={"x": 0, "y": 1}
    )
    assert [k for k, _ in steps] == [1, 0]


def test_interleaved_units_are_split_not_misordered():
    steps = order_units(
        [["x", "z"], ["w", "y"]],
        {"y": ["x"], "z": ["w"]},
        key={"x": (0,), "y": (1,), "w": (2,), "z": (3,)},
        position={"x": 0, "w": 1, "y": 2, "z": 3},
    )
    assert steps == [(0, ("x",)), (1, ("w", "y")), (0, ("z",))]


def test_prerequisites_outside_the_units_count_as_met():
    steps = order_units([["b"]], {"b": ["mastered"]}, key={"b": (0,)}, position={"b": 0})
    assert steps == [(0, ("b",))]


@st.composite
def orderings(draw):
    n = draw(st.integers(1, 25))
    names = [f"c{i}" for i in range(n)]  # index order is a topological order
    prereqs = {
        names[j]: sorted({names[i] for i in draw(st.lists(st.integers(0, j - 1), max_size=4))})
        if j
        else []
        for j in range(n)
    }
    n_units = draw(st.integers(1, n))
    owner = [draw(st.integers(0, n_units - 1)) for _ in range(n)]
    assigned = [[names[i] for i in range(n) if owner[i] == k] for k in range(n_units)]
    key = {c: (draw(st.integers(0, 3)), draw(st.integers(0, 5)), i) for i, c in enumerate(names)}
    return assigned, prereqs, key, {c: i for i, c in enumerate(names)}


@settings(max_examples=200, deadline=None)
@given(orderings())
def test_every_concept_once_after_its_prerequisites_and_units_split_only_when_blocked(case):
    assigned, prereqs, key, position = case
    steps = order_units(assigned, prereqs, key, position)
    taught: list[str] = []
    for k, part in steps:
        assert part and set(part) <= set(assigned[k])
        for c in part:
            assert all(p in taught for p in prereqs[c])
            taught.append(c)
    assert sorted(taught) == sorted(c for cs in assigned for c in cs)


@settings(max_examples=100, deadline=None)
@given(orderings(), st.data())
def test_units_that_are_intervals_of_a_topological_order_are_never_split(case, data):
    _, prereqs, key, position = case
    names = sorted(position, key=position.__getitem__)
    cuts = sorted(set(data.draw(st.lists(st.integers(1, len(names)), max_size=6))))
    bounds = [0, *cuts, len(names)]
    assigned = [names[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if a < b]
    steps = order_units(assigned, prereqs, key, position)
    assert sorted(k for k, _ in steps) == list(range(len(assigned)))
