"""How alike two circuits are, ignoring names and element order.

Each circuit becomes a bag of Weisfeiler-Lehman subtree features of its typed graph
(:func:`circuits.graph.circuit_graph`): the label of every vertex, then hashes of its
neighbourhood at depths 1 to 3, which see element kinds, terminal roles and how elements share
nets. The similarity of two circuits is the cosine of their feature-count vectors: 1.0 for
circuits that differ only in names and order (isomorphic graphs give equal bags), lower as the
topologies part. Element values are ignored; a 1 kΩ and a 2 kΩ divider are the same exercise.

References
----------
.. [1] N. Shervashidze, P. Schweitzer, E. J. van Leeuwen, K. Mehlhorn, K. M. Borgwardt,
   "Weisfeiler-Lehman Graph Kernels", Journal of Machine Learning Research 12 (2011) 2539-2561.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Mapping

from circuits.errors import CircuitError
from circuits.graph import circuit_graph
from circuits.netlist import Circuit, parse_netlist

__all__ = ["WL_ITERATIONS", "features", "similar", "similarity"]

WL_ITERATIONS = 3
"""Neighbourhood depths hashed; 3 reaches from an element through a net to the next element."""


def features(circuit: Circuit) -> Counter[str]:
    """The bag of Weisfeiler-Lehman features of a circuit.

    Returns
    -------
    collections.Counter
        Feature -> count. Features are prefixed with their depth (``"0:R"``, ``"2:9f1c..."``).

    Notes
    -----
    O(WL_ITERATIONS * terminals) hashing.
    """
    return Counter(dict(_feature_items(circuit)))


@functools.lru_cache(maxsize=2048)
def _feature_items(circuit: Circuit) -> tuple[tuple[str, int], ...]:
    # A course's worked examples are compared with every student circuit: hash them once.
    import networkx as nx

    graph = circuit_graph(circuit)
    bag: Counter[str] = Counter(f"0:{label}" for _, label in graph.nodes(data="label"))
    hashes = nx.weisfeiler_lehman_subgraph_hashes(
        graph, edge_attr="label", node_attr="label", iterations=WL_ITERATIONS, digest_size=8
    )
    for per_depth in hashes.values():
        for depth, h in enumerate(per_depth, start=1):
            bag[f"{depth}:{h}"] += 1
    return tuple(sorted(bag.items()))


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(count * b[key] for key, count in a.items() if key in b)
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def _circuit(netlist: str | Circuit) -> Circuit:
    return netlist if isinstance(netlist, Circuit) else parse_netlist(netlist)


def similarity(a: str | Circuit, b: str | Circuit) -> float:
    """Similarity in [0, 1] of two circuits (1.0 when they differ only in names and order).

    Examples
    --------
    >>> similarity("V1 a 0 5\\nR1 a b 1k\\nR2 b 0 1k", "R9 0 x 2k\\nVs y 0 3\\nRa y x 1k")
    1.0
    """
    return round(_cosine(features(_circuit(a)), features(_circuit(b))), 12)


def similar(
    netlist: str | Circuit, corpus: Mapping[str, str | Circuit], k: int = 5
) -> list[tuple[str, float]]:
    """The ``k`` circuits of a corpus most like a given circuit.

    Parameters
    ----------
    netlist : str or Circuit
        The student's circuit.
    corpus : mapping
        Key (an example's id) -> netlist text or circuit. Entries that do not parse are
        skipped: a broken example must not stop a student from getting the others.
    k : int
        How many to return.

    Returns
    -------
    list of (key, score)
        Best first; ties in score are broken by key, so the order is deterministic.

    Raises
    ------
    NetlistError
        If ``netlist`` itself does not parse.

    Examples
    --------
    >>> corpus = {"divider": "V1 in 0 10\\nR1 in out 1k\\nR2 out 0 1k",
    ...           "rc": "V1 in 0 10\\nR1 in out 1k\\nC1 out 0 1u"}
    >>> similar("Vx a 0 5\\nRtop a m 2k\\nRbot m 0 3k", corpus, k=1)
    [('divider', 1.0)]
    """
    if k < 1:
        return []
    query = features(_circuit(netlist))
    scored: list[tuple[str, float]] = []
    for key, other in corpus.items():
        try:
            bag = features(_circuit(other))
        except CircuitError:
            continue
        scored.append((key, round(_cosine(query, bag), 12)))
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return scored[:k]
