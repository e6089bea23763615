import itertools

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge_graph.errors import CyclicPrerequisiteError, KnowledgeGraphError, UnknownConceptError
from knowledge_graph.graph import SkillGraph, find_cycle


@pytest.fixture
def circuits():
    # a slice of the demo course
    return SkillGraph.from_mapping(
        {
            "charge": [],
            "current": ["charge"],
            "voltage": ["charge"],
            "resistance": ["current", "voltage"],
            "ohms-law": ["resistance"],
            "kcl": ["current"],
            "nodal": ["kcl", "ohms-law"],
        }
    )


@st.composite
def dags(draw, max_nodes=9):
    """Random DAGs: edges only go from a lower to a higher index, then ids are shuffled."""
    n = draw(st.integers(1, max_nodes))
    names = draw(st.permutations([f"c{i}" for i in range(n)]))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = (
        draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs))) if pairs else []
    )
    return SkillGraph(names, [(names[i], names[j]) for i, j in chosen])


def test_prerequisites_and_dependents_are_direct_and_in_syllabus_order(circuits):
    assert circuits.prerequisites("resistance") == ["current", "voltage"]
    assert circuits.dependents("current") == ["resistance", "kcl"]
    assert circuits.prerequisites("charge") == []


def test_closure_adds_every_transitive_prerequisite(circuits):
    assert circuits.closure(["nodal"]) == set(circuits.order)
    assert circuits.closure(["kcl"]) == {"kcl", "current", "charge"}


def test_descendants_are_everything_that_builds_on_a_concept(circuits):
    assert circuits.descendants("voltage") == {"resistance", "ohms-law", "nodal"}
    assert circuits.descendants("nodal") == set()


def test_frontier_holds_unmastered_concepts_with_all_prerequisites_mastered(circuits):
    assert circuits.frontier(set()) == ["charge"]
    assert circuits.frontier({"charge", "current"}) == ["voltage", "kcl"]
    assert circuits.frontier(set(circuits.order)) == []


def test_distance_counts_the_longest_chain_of_unmastered_prerequisites(circuits):
    dist = circuits.distance_from({"charge", "current"})
    assert dist["charge"] == 0
    assert dist["kcl"] == 1
    assert dist["resistance"] == 2  # voltage must come first
    assert dist["nodal"] == 4  # voltage, resistance, ohms-law, then nodal


def test_a_cycle_is_refused_and_named():
    with pytest.raises(CyclicPrerequisiteError) as err:
        SkillGraph(["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "a")])
    assert err.value.cycle == ["a", "b", "c", "a"]
    assert "a -> b -> c -> a" in str(err.value)
    assert isinstance(err.value, KnowledgeGraphError)


def test_an_edge_to_an_unknown_concept_is_refused():
    with pytest.raises(UnknownConceptError, match="'ghost'"):
        SkillGraph(["a"], [("ghost", "a")])


def test_asking_about_an_unknown_concept_raises(circuits):
    for method in (circuits.prerequisites, circuits.dependents, circuits.descendants):
        with pytest.raises(UnknownConceptError):
            method("ghost")
    with pytest.raises(UnknownConceptError):
        circuits.closure(["ghost"])


def test_duplicate_concepts_are_kept_once_in_first_order():
    g = SkillGraph(["b", "a", "b"], [])
    assert g.order == ["b", "a"]
    assert len(g) == 2 and "a" in g and "z" not in g


def test_topological_order_breaks_ties_by_syllabus_order(circuits):
    assert circuits.topological_order == [
        "charge",
        "current",
        "voltage",
        "resistance",
        "ohms-law",
        "kcl",
        "nodal",
    ]


@settings(max_examples=60, deadline=None)
@given(dags())
def test_topological_order_puts_every_prerequisite_first(g):
    pos = {c: i for i, c in enumerate(g.topological_order)}
    assert sorted(pos) == sorted(g.order)
    assert all(pos[a] < pos[b] for a, b in g.edges)


@settings(max_examples=60, deadline=None)
@given(dags(), st.data())
def test_closure_is_closed_under_prerequisites_and_idempotent(g, data):
    seeds = data.draw(st.sets(st.sampled_from(g.order)))
    closed = g.closure(seeds)
    assert seeds <= closed
    assert all(set(g.prerequisites(c)) <= closed for c in closed)
    assert g.closure(closed) == closed


@settings(max_examples=60, deadline=None)
@given(dags(), st.data())
def test_frontier_is_exactly_the_learnable_next_concepts(g, data):
    mastered = g.closure(data.draw(st.sets(st.sampled_from(g.order))))
    frontier = g.frontier(mastered)
    for c in g.order:
        learnable = c not in mastered and set(g.prerequisites(c)) <= mastered
        assert (c in frontier) == learnable
    # learning a frontier concept keeps the mastered set closed
    for c in frontier:
        assert g.closure(mastered | {c}) == mastered | {c}


@settings(max_examples=60, deadline=None)
@given(dags(), st.data())
def test_distance_is_one_more_than_the_farthest_prerequisite(g, data):
    mastered = g.closure(data.draw(st.sets(st.sampled_from(g.order))))
    dist = g.distance_from(mastered)
    for c in g.order:
        if c in mastered:
            assert dist[c] == 0
        else:
            assert dist[c] == 1 + max((dist[p] for p in g.prerequisites(c)), default=0)
            assert (dist[c] == 1) == (c in g.frontier(mastered))


@settings(max_examples=60, deadline=None)
@given(dags())
def test_descendants_and_closure_agree_on_direction(g):
    for a, b in itertools.product(g.order, repeat=2):
        assert (b in g.descendants(a)) == (a != b and a in g.closure([b]))


@settings(max_examples=60, deadline=None)
@given(dags(), st.data())
def test_find_cycle_returns_a_real_cycle_when_a_back_edge_is_added(g, data):
    edges = g.edges
    if not edges:
        assert find_cycle(g.order, edges) is None
        return
    a, b = data.draw(st.sampled_from(edges))
    assert find_cycle(g.order, edges) is None
    # b -> a closes a loop through the existing a -> b
    cycle = find_cycle(g.order, [*edges, (b, a)])
    assert cycle is not None and cycle[0] == cycle[-1]
    closing = set(zip(cycle, cycle[1:], strict=False))
    assert closing <= set(edges) | {(b, a)}
    assert not nx.is_directed_acyclic_graph(nx.DiGraph(list(closing)))
