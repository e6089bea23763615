"""The skill graph: concepts joined by prerequisite edges (``before -> after``).

A thin, validated wrapper around a :class:`networkx.DiGraph`. Everything that
reads the graph (learner model, diagnostician, planner) goes through this class
so that the invariants hold everywhere: the graph is acyclic and every edge joins
known concepts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property

import networkx as nx

from knowledge_graph.errors import CyclicPrerequisiteError, UnknownConceptError

__all__ = ["SkillGraph", "find_cycle"]


def find_cycle(
    concepts: Iterable[str], prerequisites: Iterable[tuple[str, str]]
) -> list[str] | None:
    """Return one prerequisite cycle, closed (``[a, b, c, a]``), or None.

    Parameters
    ----------
    concepts : iterable of str
        Concept ids.
    prerequisites : iterable of (before, after)
        ``before`` must be learnt before ``after``.

    Returns
    -------
    list of str or None
        The cycle in edge direction, first node repeated at the end; None when the
        relation is acyclic.

    Examples
    --------
    >>> find_cycle("abc", [("a", "b"), ("b", "c"), ("c", "a")])
    ['a', 'b', 'c', 'a']
    >>> find_cycle("abc", [("a", "b")]) is None
    True

    Notes
    -----
    O(V + E). An acyclic graph, the usual case, is recognised by
    :func:`networkx.is_directed_acyclic_graph` (a topological sort); only a cyclic one
    pays for :func:`networkx.find_cycle`, whose search from every node is far slower on
    large graphs (seconds at 10,000 concepts). The cycle is rotated to start at its
    smallest id so that the message is stable.
    """
    g = nx.DiGraph()
    g.add_nodes_from(concepts)
    g.add_edges_from(prerequisites)
    if nx.is_directed_acyclic_graph(g):
        return None
    try:
        edges = nx.find_cycle(g)
    except nx.NetworkXNoCycle:
        return None
    nodes = [u for u, _ in edges]
    start = nodes.index(min(nodes))
    nodes = nodes[start:] + nodes[:start]
    return [*nodes, nodes[0]]


class SkillGraph:
    """A validated prerequisite DAG over concept ids.

    Parameters
    ----------
    concepts : iterable of str
        Concept ids, in the order a syllabus would list them (kept for ties).
    prerequisites : iterable of (before, after)
        Prerequisite edges.

    Raises
    ------
    UnknownConceptError
        An edge names a concept not in ``concepts``.
    CyclicPrerequisiteError
        The edges contain a cycle; the error carries it.

    Examples
    --------
    >>> g = SkillGraph(["v", "i", "ohm"], [("v", "ohm"), ("i", "ohm")])
    >>> sorted(g.prerequisites("ohm"))
    ['i', 'v']
    >>> g.frontier(mastered={"v"})
    ['i']
    """

    def __init__(
        self, concepts: Iterable[str], prerequisites: Iterable[tuple[str, str]]
    ) -> None:
        self.order: list[str] = list(dict.fromkeys(concepts))
        edges = [(str(a), str(b)) for a, b in prerequisites]
        known = set(self.order)
        for before, after in edges:
            for c in (before, after):
                if c not in known:
                    raise UnknownConceptError(c, f"in prerequisite {before} -> {after}")
        cycle = find_cycle(self.order, edges)
        if cycle is not None:
            raise CyclicPrerequisiteError(cycle)
        self.graph: nx.DiGraph = nx.DiGraph()
        self.graph.add_nodes_from(self.order)
        self.graph.add_edges_from(edges)
        self._rank = {c: i for i, c in enumerate(self.order)}

    @classmethod
    def from_mapping(cls, prerequisites_of: Mapping[str, Iterable[str]]) -> SkillGraph:
        """Build from ``{concept: [its prerequisites]}``."""
        edges = [(p, c) for c, ps in prerequisites_of.items() for p in ps]
        return cls(prerequisites_of.keys(), edges)

    def __contains__(self, concept: object) -> bool:
        return concept in self._rank

    def __len__(self) -> int:
        return len(self.order)

    @property
    def edges(self) -> list[tuple[str, str]]:
        return list(self.graph.edges())

    def _check(self, concept: str) -> None:
        if concept not in self._rank:
            raise UnknownConceptError(concept)

    def prerequisites(self, concept: str) -> list[str]:
        """Direct prerequisites of ``concept``, in syllabus order."""
        self._check(concept)
        return sorted(self.graph.predecessors(concept), key=self._rank.__getitem__)

    def dependents(self, concept: str) -> list[str]:
        """Concepts that list ``concept`` as a direct prerequisite."""
        self._check(concept)
        return sorted(self.graph.successors(concept), key=self._rank.__getitem__)

    def closure(self, concepts: Iterable[str]) -> set[str]:
        """The concepts together with all their (transitive) prerequisites."""
        out: set[str] = set()
        for c in concepts:
            self._check(c)
            out.add(c)
            out |= nx.ancestors(self.graph, c)
        return out

    def descendants(self, concept: str) -> set[str]:
        """Everything that depends on ``concept``, directly or not."""
        self._check(concept)
        return set(nx.descendants(self.graph, concept))

    def frontier(self, mastered: Iterable[str]) -> list[str]:
        """Concepts not mastered whose prerequisites all are, in syllabus order."""
        done = set(mastered)
        return [
            c
            for c in self.order
            if c not in done and all(p in done for p in self.graph.predecessors(c))
        ]

    @cached_property
    def topological_order(self) -> list[str]:
        """A topological order that breaks ties by syllabus order."""
        return list(nx.lexicographical_topological_sort(self.graph, key=self._rank.__getitem__))

    def distance_from(self, mastered: Iterable[str]) -> dict[str, int]:
        """Number of prerequisite steps from the mastered set to each concept.

        A concept on the frontier is at distance 1; a mastered one at 0. Computed
        in one pass in topological order: the distance of ``c`` is one more than
        the largest distance among its prerequisites (every one must be learnt).
        """
        done = set(mastered)
        dist: dict[str, int] = {}
        for c in self.topological_order:
            if c in done:
                dist[c] = 0
            else:
                dist[c] = 1 + max((dist[p] for p in self.graph.predecessors(c)), default=0)
        return dist
