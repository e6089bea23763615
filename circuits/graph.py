"""A circuit as a typed graph of nets and elements.

The graph is bipartite: one vertex per net (``("net", name)``, labelled ``"net"`` or
``"ground"``) and one per element (``("element", name)``, labelled with its kind letter), with an
edge for every terminal, labelled with the terminal's role. Names are kept as vertex keys but
never as labels, so algorithms that look at labels (Weisfeiler-Lehman hashing, isomorphism with
label matching) ignore names and element order, and see topology and kinds.

Terminal roles: ``"t"`` for both ends of R, C and L (they are symmetric); ``"+"``/``"-"`` for
sources, diodes (anode, cathode) and the outputs of controlled sources; ``"c+"``/``"c-"`` for
the control inputs of E and G; ``"in+"``, ``"in-"``, ``"out"`` for an op-amp.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from circuits.netlist import Circuit

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["TERMINAL_ROLES", "circuit_graph"]

TERMINAL_ROLES: dict[str, tuple[str, ...]] = {
    "R": ("t", "t"),
    "C": ("t", "t"),
    "L": ("t", "t"),
    "V": ("+", "-"),
    "I": ("+", "-"),
    "D": ("+", "-"),
    "F": ("+", "-"),
    "H": ("+", "-"),
    "E": ("+", "-", "c+", "c-"),
    "G": ("+", "-", "c+", "c-"),
    "X": ("in+", "in-", "out"),
}


def circuit_graph(circuit: Circuit) -> nx.Graph:
    """Build the typed graph of a circuit.

    Parameters
    ----------
    circuit : Circuit

    Returns
    -------
    networkx.Graph
        Vertex attribute ``label`` (``"net"``, ``"ground"`` or the element letter), edge
        attribute ``label`` (the terminal role). An element touching one net with two terminals
        (an E whose control and output share a node) gets one edge with both roles,
        ``"+|c+"``. A current-controlled source also has an edge to its controlling element,
        labelled ``"ctrl"``.

    Examples
    --------
    >>> from circuits.netlist import parse_netlist
    >>> g = circuit_graph(parse_netlist("V1 in 0 5\\nR1 in 0 1k"))
    >>> sorted(label for _, label in g.nodes(data="label"))
    ['R', 'V', 'ground', 'net']
    >>> g.edges[("element", "V1"), ("net", "in")]["label"]
    '+'

    Notes
    -----
    Linear in the number of terminals.
    """
    import networkx as nx

    graph = nx.Graph()
    for node in circuit.nodes:
        graph.add_node(("net", node), label="ground" if node == "0" else "net")
    for element in circuit.elements:
        vertex = ("element", element.name)
        graph.add_node(vertex, label=element.kind)
        for node, role in zip(element.nodes, TERMINAL_ROLES[element.kind], strict=True):
            net = ("net", node)
            if graph.has_edge(vertex, net):
                roles = sorted(graph.edges[vertex, net]["label"].split("|") + [role])
                graph.edges[vertex, net]["label"] = "|".join(roles)
            else:
                graph.add_edge(vertex, net, label=role)
    for element in circuit.elements:
        if element.control is not None:
            graph.add_edge(("element", element.name), ("element", element.control), label="ctrl")
    return graph
