"""Schematics as SVG, drawn with schemdraw.

Ladder circuits, the bulk of a first course (dividers, RC and RL filters, ladders of series and
shunt elements, sources on either side), are drawn as a real schematic: a top rail through the
nodes in order, series elements on it, shunt elements hanging to a ground rail.

Every other circuit (bridges, op-amp and controlled-source circuits, series elements in
parallel) is drawn as an *element list*: one row per element, its symbol between dots labelled
with the nodes it joins (an op-amp with its three pins labelled). That drawing is correct and
readable, the labels say how everything connects, but it is not a wiring diagram, and its
caption says so.
"""

from __future__ import annotations

import math
import threading
from typing import Any

from circuits.netlist import Circuit, Element, parse_netlist
from circuits.units import Quantity, format_quantity, format_value

__all__ = ["draw_svg", "ladder_order"]

_LOCK = threading.Lock()  # schemdraw keeps global state; one drawing at a time
_STEP = 3.0  # length of one element, in schemdraw units
_HEIGHT = 3.0
_LADDER_KINDS = frozenset("RCLVIDFH")


def _value_label(element: Element) -> str:
    kind = element.kind
    if kind in "RCL":
        unit = {"R": "Ohm", "C": "F", "L": "H"}[kind]
        return format_quantity(Quantity(float(element.value or 0), unit))
    if kind in "VI":
        src = element.source
        assert src is not None
        unit = "V" if kind == "V" else "A"
        parts = []
        if src.dc is not None or (src.pulse is None and src.sin is None):
            parts.append(format_quantity(Quantity(src.dc_value, unit)))
        if src.has_ac:
            phase = f" ∠{format_value(src.ac_phase)}°" if src.ac_phase else ""
            parts.append(f"AC {format_quantity(Quantity(src.ac_mag, unit))}{phase}")
        if src.pulse is not None:
            parts.append("pulse " + format_quantity(Quantity(src.pulse[1], unit)))
        if src.sin is not None:
            parts.append("sine " + format_quantity(Quantity(src.sin[1], unit)))
        return ", ".join(parts)
    if kind in "FH":
        return f"{format_value(float(element.value or 0))}·I({element.control})"
    if kind in "EG":
        n = element.nodes
        return f"{format_value(float(element.value or 0))}·V({n[2]},{n[3]})"
    return ""


def _symbol(element: Element) -> Any:
    import schemdraw.elements as elm

    return {
        "R": elm.Resistor,
        "C": elm.Capacitor,
        "L": elm.Inductor2,
        "V": elm.SourceSin if element.source and element.source.sin else elm.SourceV,
        "I": elm.SourceI,
        "D": elm.Diode,
        "F": elm.SourceControlledI,
        "H": elm.SourceControlledV,
        "E": elm.SourceControlledV,
        "G": elm.SourceControlledI,
    }[element.kind]()


def _place(symbol: Any, start: tuple[float, float], end: tuple[float, float]) -> Any:
    # schemdraw's sources ignore .to() (they keep their default direction), so place every
    # symbol by angle and length instead.
    dx, dy = end[0] - start[0], end[1] - start[1]
    return symbol.at(start).theta(math.degrees(math.atan2(dy, dx))).length(math.hypot(dx, dy))


def _start_end(element: Element) -> tuple[str, str]:
    """Nodes at the start and end of the drawn symbol, so polarity marks land right.

    schemdraw puts a voltage source's + at the end and points a current source's arrow and a
    diode's triangle from start to end; SPICE's current flows from n+ through the source to n-.
    """
    a, b = element.nodes[0], element.nodes[1]
    if element.kind in "VHE":
        return b, a
    return a, b


def ladder_order(circuit: Circuit) -> list[str] | None:
    """The nodes of a ladder circuit from left to right, or ``None`` if it is not a ladder.

    A ladder: only two-terminal elements; the elements not touching ground (series elements)
    join the other nodes in a single chain, at most one between two nodes; every other element
    (a shunt) runs from a node of the chain to ground. The chain starts at the end with a
    source, if either end has one.
    """
    if any(e.kind not in _LADDER_KINDS for e in circuit.elements):
        return None
    nodes = [n for n in circuit.nodes if n != "0"]
    series = [e for e in circuit.elements if "0" not in e.nodes]
    neighbours: dict[str, list[str]] = {n: [] for n in nodes}
    pairs = set()
    for e in series:
        a, b = e.nodes
        pair = frozenset((a, b))
        if pair in pairs:
            return None
        pairs.add(pair)
        neighbours[a].append(b)
        neighbours[b].append(a)
    if len(series) != len(nodes) - 1 or any(len(v) > 2 for v in neighbours.values()):
        return None
    ends = [n for n in nodes if len(neighbours[n]) <= 1]
    if not ends:
        return None

    def has_shunt_source(node: str) -> bool:
        return any(e.kind in "VI" and node in e.nodes and "0" in e.nodes
                   for e in circuit.elements)

    start = next((n for n in ends if has_shunt_source(n)), ends[0])
    order = [start]
    while len(order) < len(nodes):
        nxt = [n for n in neighbours[order[-1]] if n not in order]
        if not nxt:
            return None
        order.append(nxt[0])
    return order


def _label(element: Element) -> str:
    value = _value_label(element)
    return f"{element.name}\n{value}" if value else element.name


def _draw_ladder(circuit: Circuit, order: list[str], canvas: str = "svg") -> Any:
    import schemdraw
    import schemdraw.elements as elm

    drawing = schemdraw.Drawing(canvas=canvas, show=False)
    drawing.config(fontsize=11)
    x = 0.0
    top = _HEIGHT
    positions: dict[str, float] = {}
    for i, node in enumerate(order):
        shunts = [e for e in circuit.elements if "0" in e.nodes and node in e.nodes]
        start_x = x
        for k, element in enumerate(shunts):
            if k:
                drawing.add(elm.Line().at((x, top)).to((x + _STEP * 0.8, top)))
                drawing.add(elm.Line().at((x, 0)).to((x + _STEP * 0.8, 0)))
                x += _STEP * 0.8
            s, e = _start_end(element)
            y0, y1 = (0.0, top) if s == "0" else (top, 0.0)
            symbol = _place(_symbol(element), (x, y0), (x, y1))
            drawing.add(symbol.label(_label(element), loc="bottom"))
            drawing.add(elm.Dot().at((x, top)))
        positions[node] = start_x
        drawing.add(elm.Label().at(((start_x + x) / 2, top + 0.5)).label(node, color="#555"))
        if i + 1 < len(order):
            nxt = order[i + 1]
            element = next(e for e in circuit.elements
                           if set(e.nodes) == {node, nxt} and "0" not in e.nodes)
            s, _ = _start_end(element)
            left, right = (x, x + _STEP) if s == node else (x + _STEP, x)
            drawing.add(_place(_symbol(element), (left, top), (right, top)).label(_label(element)))
            if not shunts:
                drawing.add(elm.Dot().at((x, top)))
            drawing.add(elm.Line().at((x, 0)).to((x + _STEP, 0)))
            x += _STEP
    drawing.add(elm.Ground().at((0, 0)))
    return drawing


def _draw_list(circuit: Circuit, canvas: str = "svg") -> Any:
    import schemdraw
    import schemdraw.elements as elm

    drawing = schemdraw.Drawing(canvas=canvas, show=False)
    drawing.config(fontsize=11)
    # Two short lines: schemdraw sizes the drawing by its elements, not by a label's
    # text, and one long line was cut off at the right ("... (not a wiring dia").
    drawing.add(elm.Label().at((0, 2.1)).label("Elements and the nodes they join",
                                               halign="left"))
    drawing.add(elm.Label().at((0, 1.5)).label("(not a wiring diagram)", halign="left"))
    y = 0.0
    for element in circuit.elements:
        if element.kind == "X":
            amp = elm.Opamp(leads=True).at((1.5, y - 0.4)).anchor("in1")
            drawing.add(amp)
            plus, minus, out = element.nodes
            drawing.add(elm.Dot().at(amp.in1).label(f"{minus} (−)", loc="left"))
            drawing.add(elm.Dot().at(amp.in2).label(f"{plus} (+)", loc="left"))
            drawing.add(elm.Dot().at(amp.out).label(out, loc="right"))
            drawing.add(elm.Label().at((amp.center[0], amp.center[1] + 1.6)).label(element.name))
            y -= 4.4
            continue
        s, e = _start_end(element)
        drawing.add(elm.Dot().at((1.5, y)).label(s, loc="left"))
        drawing.add(_place(_symbol(element), (1.5, y), (1.5 + _STEP, y)).label(_label(element)))
        drawing.add(elm.Dot().at((1.5 + _STEP, y)).label(e, loc="right"))
        if element.kind in "EG":
            drawing.add(elm.Label().at((1.5 + _STEP + 2.5, y)).label(
                f"controlled by V({element.nodes[2]},{element.nodes[3]})", halign="left"))
        y -= 2.2
    return drawing


def draw_svg(netlist: str | Circuit) -> str:
    """Draw a circuit as SVG text.

    Parameters
    ----------
    netlist : str or Circuit

    Returns
    -------
    str
        An ``<svg>`` document. A ladder circuit (see :func:`ladder_order`) is drawn as a
        schematic; any other as an element list: each element between dots labelled with its
        nodes. Both are correct; only the first is a wiring diagram.

    Raises
    ------
    NetlistError
        If the netlist is refused.

    Examples
    --------
    >>> svg = draw_svg("V1 in 0 10\\nR1 in out 1k\\nR2 out 0 1k")
    >>> svg.startswith("<svg") and "R1" in svg
    True

    Notes
    -----
    schemdraw is imported on first use (about a second); text in the SVG is escaped by
    schemdraw's XML writer, and everything drawn comes from the parsed circuit.
    """
    circuit = netlist if isinstance(netlist, Circuit) else parse_netlist(netlist)
    order = ladder_order(circuit)
    with _LOCK:
        drawing = _draw_ladder(circuit, order) if order is not None else _draw_list(circuit)
        data = drawing.get_imagedata("svg")
    return data.decode("utf-8") if isinstance(data, bytes) else str(data)
