"""The circuit builder's form: element rows in, a netlist (or the first problem) out.

The builder keeps no state on the server: every request carries all rows, so the
page works the same with htmx (the builder partial is swapped) and without
JavaScript (the whole page comes back). Building goes through
``circuits.netlist.element_from_parts``, which refuses anything a netlist could
smuggle (line breaks, dot-commands, control lines): what a student types in a row
never reaches ngspice except as the netlist rebuilt from the parsed model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.http import QueryDict

KINDS = (
    ("R", "Resistor"),
    ("C", "Capacitor"),
    ("L", "Inductor"),
    ("V", "Voltage source"),
    ("I", "Current source"),
    ("D", "Diode"),
    ("X", "Ideal op-amp (+, -, out)"),
)
MAX_ROWS = 60


@dataclass
class Row:
    kind: str = "R"
    name: str = ""
    nodes: list[str] = field(default_factory=lambda: ["", "", ""])
    value: str = ""

    @property
    def node_count(self) -> int:
        return 3 if self.kind == "X" else 2


@dataclass
class Builder:
    rows: list[Row]
    netlist: str = ""
    error: str = ""
    svg: str = ""


def _row(kind: str, name: str, n1: str, n2: str, n3: str, value: str) -> Row:
    kind = kind if kind in dict(KINDS) else "R"
    name = name.strip()[:20]
    if (len(name) > 1 and name[1].isdigit() and name[0].upper() in dict(KINDS)
            and name[0].upper() != kind):
        # The kind was changed on a named row: R2 made a capacitor is C2, not CR2 (the
        # netlist would put the kind letter in front of the old name).
        name = kind + name[1:]
    return Row(kind=kind, name=name, nodes=[n1.strip()[:20], n2.strip()[:20],
                                            n3.strip()[:20]], value=value[:60])


def rows_from_post(data: QueryDict) -> list[Row]:
    """Read the rows, apply the action (add, remove-N), and return the new rows."""
    columns = [data.getlist(f"el_{k}") for k in ("kind", "name", "n1", "n2", "n3", "value")]
    n = min(len(c) for c in columns)
    rows = [_row(*(c[i] for c in columns)) for i in range(min(n, MAX_ROWS))]
    action = data.get("builder_action", "")
    if action == "enter":  # Enter in a field: add the new row if anything is in it
        filled = any(data.get(f"new_{k}", "").strip() for k in ("name", "n1", "n2", "n3", "value"))
        action = "add" if filled else "update"
    if action == "add" and len(rows) < MAX_ROWS:
        rows.append(_row(*(data.get(f"new_{k}", "") for k in
                           ("kind", "name", "n1", "n2", "n3", "value"))))
    elif (remove := re.fullmatch(r"remove-([0-9]{1,4})", action)) is not None:
        # ASCII digits, and few: str.isdigit() takes '²', which int() refuses
        index = int(remove.group(1))
        if 0 <= index < len(rows):
            rows.pop(index)
    return rows


def rows_from_netlist(netlist: str) -> list[Row]:
    """Start a builder from a starter netlist (a design item may give the source)."""
    from circuits.netlist import format_element, parse_elements

    rows = []
    for e in parse_elements(netlist):
        kind = "X" if e.name.upper().startswith("X") else e.name[0].upper()
        value = "" if kind in "XD" else format_element(e).split(None, 1 + len(e.nodes))[-1]
        nodes = [*e.nodes, "", ""][:3]
        rows.append(Row(kind=kind, name=e.name, nodes=list(nodes), value=value))
    return rows


def rows_holding(netlist: str) -> list[Row] | None:
    """The rows that hold exactly this netlist's elements, or None when the builder cannot.

    A typed answer may use what the builder has no row for: a dependent source (E, F,
    G, H) with four nodes, a diode model of its own, or more than ``MAX_ROWS``
    elements. Shown in rows it lost a node and read as a resistor, and checking again
    sent another circuit. Each row is rebuilt alone, so an unfinished circuit (a
    dangling node) still goes back into rows.
    """
    from circuits.errors import CircuitError
    from circuits.netlist import element_from_parts, format_element, parse_elements

    try:
        elements = parse_elements(netlist)
        rows = rows_from_netlist(netlist)
        if len(rows) > MAX_ROWS or any(r.kind not in dict(KINDS) for r in rows):
            return None
        for e, r in zip(elements, rows, strict=True):
            again = element_from_parts(r.kind, r.name, r.nodes[: r.node_count], _value_for(r))
            if format_element(again) != format_element(e):
                return None
    except CircuitError:
        return None
    return rows


def _value_for(row: Row) -> str:
    """Builders type "5 V" for a source; a netlist wants "DC 5"."""
    from circuits.errors import UnitError
    from circuits.units import parse_quantity

    if row.kind not in "VI" or not row.value.strip():
        return row.value
    try:
        q = parse_quantity(row.value)
    except UnitError:
        return row.value  # "DC 5 AC 1", "PULSE(...)": the netlist parser judges it
    return f"DC {q.value!r}" if q.unit in ("", "V" if row.kind == "V" else "A") else row.value


def build(rows: list[Row]) -> Builder:
    """Turn rows into a netlist, or name the first row that is wrong."""
    from circuits.errors import CircuitError
    from circuits.netlist import circuit_from_parts

    result = Builder(rows=rows)
    complete = [r for r in rows if r.name or any(r.nodes) or r.value]
    if not complete:
        result.error = "Add an element to start."
        return result
    parts = [(r.kind, r.name or f"{i + 1}", r.nodes[: r.node_count], _value_for(r))
             for i, r in enumerate(complete)]
    try:
        circuit = circuit_from_parts(parts)
    except CircuitError as exc:
        result.error = str(exc).replace("line ", "row ", 1)
        return result
    result.netlist = circuit.to_text()
    return result


def answer_from_post(data: QueryDict) -> tuple[str, str]:
    """A design answer: the typed netlist if there is one, else the builder's netlist.

    Returns ``(netlist, error)``; exactly one of them is empty.
    """
    typed = data.get("netlist_text", "").strip()
    if typed:
        return typed, ""
    built = build(rows_from_post(data))
    return built.netlist, built.error
