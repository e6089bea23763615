"""Parse and validate the SPICE subset that students and teachers write.

The language
------------
One element per line, SPICE style, names and nodes case-insensitive::

    * a comment; text after ';' or '$' on a line is a comment too
    V1 in 0 DC 10            independent sources: [DC] v, AC mag [phase], PULSE(...), SIN(...)
    I1 0 a 2mA
    R1 in out 4k7            R, C, L with SI suffixes; C and L accept IC=v for transients
    C1 out 0 100n IC=0
    L1 out x 10mH
    E1 p n cp cn 2           VCVS:  p n  controlled by V(cp, cn), gain 2
    G1 p n cp cn 1m          VCCS:  current 1m * V(cp, cn) from p through G1 to n
    F1 p n V1 3              CCCS:  current 3 * I(V1)
    H1 p n V1 1k             CCVS:  voltage 1k * I(V1)
    D1 anode cathode         diode, built-in default model (IS=1e-14 A, N=1)
    X1 plus minus out OPAMP  ideal op-amp, see below
    + continues the previous line
    .end                     optional; nothing may follow it

Node ``0`` is ground (``gnd`` is accepted as another name for it). Unlike full SPICE the first line
is *not* a title: every line counts. The analysis is not written in the netlist; it follows from
the question asked (see :mod:`circuits.ask`).

The ideal op-amp ``X<name> <non-inverting> <inverting> <output> OPAMP`` is a voltage-controlled
voltage source from ``output`` to ground with gain :data:`OPAMP_GAIN` (1e6): with negative
feedback it behaves as the textbook ideal op-amp to about one part in a million, and it has no
supply rails, so it never saturates.

The controlling element of ``F`` and ``H`` may be any two-terminal element (SPICE insists on a
voltage source; every element here carries a zero-volt ammeter in the rebuilt deck, so any will
do). Its current is taken positive from its first node to its second.

What is refused
---------------
Everything else raises :class:`~circuits.errors.NetlistError` with the line number and a plain
reason: dot-commands other than ``.end`` (``.control`` in any letter case, ``.include``,
``.lib``, ``.model``, analyses...), ``*#`` lines (ngspice runs them as control commands), any
ngspice interactive command (``shell``, ``write``, ``source``...), unknown elements, malformed
values, duplicate names. Whole-circuit checks (:func:`check_topology`) refuse a circuit with no
ground, a dangling node (one terminal only), a node with no DC path to ground (a floating node),
shorted voltage sources (both ends on one node, or a loop of voltage sources and inductors), and
more than :data:`MAX_ELEMENTS` elements.

Nothing written by a user ever reaches ngspice: :mod:`circuits.spice` rebuilds the deck from the
parsed :class:`Circuit`, renaming every node and element.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from circuits.errors import NetlistError, UnitError
from circuits.units import Quantity, describe_unit, format_quantity, format_value, parse_quantity

__all__ = [
    "ELEMENT_KINDS",
    "MAX_ELEMENTS",
    "MAX_TEXT_LENGTH",
    "NGSPICE_COMMANDS",
    "OPAMP_GAIN",
    "Circuit",
    "Element",
    "Source",
    "check_topology",
    "circuit_from_parts",
    "describe_element",
    "element_from_parts",
    "format_element",
    "format_netlist",
    "parse_elements",
    "parse_netlist",
]

MAX_ELEMENTS = 200
"""Largest number of elements in a circuit."""

MAX_TEXT_LENGTH = 50_000
"""Largest netlist accepted, in characters, so that parsing stays cheap whatever is sent."""

MAX_LINE_LENGTH = 500

OPAMP_GAIN = 1e6
"""Open-loop gain of the ideal op-amp's voltage-controlled source."""

ELEMENT_KINDS: dict[str, str] = {
    "R": "resistor",
    "C": "capacitor",
    "L": "inductor",
    "V": "voltage source",
    "I": "current source",
    "E": "voltage-controlled voltage source",
    "F": "current-controlled current source",
    "G": "voltage-controlled current source",
    "H": "current-controlled voltage source",
    "D": "diode",
    "X": "op-amp",
}
"""The element letters this language knows, with their names."""

NGSPICE_COMMANDS: frozenset[str] = frozenset(
    """
    ac alias alter altermod asciiplot aspice bg bg_halt bg_resume bg_run bug bye cd
    cdump circbyline codemodel compose dc define deftype delete destroy devhelp diff display
    dowhile echo edit else end endif eprint eprvcd fft fourier foreach gnuplot goto hardcopy help
    history if inventory iplot jobs label let linearize listing load mc_source meas mdump mrdump
    noise op option options optran plot pre_osdi print psd quit rehash remcirc remzerovec repeat
    rerun reset reshape resume rspice run rusage save sens set setcirc setcs setplot setscale
    setseed settype shell shift show showmod snload snsave source spec status step stop strcmp
    sysinfo tf trace tran transpose unalias undefine unlet unset version where while wrdata wrnodev
    wrs2p write xgraph
    """.split()  # noqa: SIM905 - a word list reads better than 120 quoted strings
)
"""ngspice's interactive commands. A line starting with one is refused by name."""

_ANALYSIS_DOTS = frozenset(
    {"op", "tran", "ac", "dc", "noise", "tf", "sens", "pz", "four", "disto", "pss", "sp", "meas",
     "measure"}
)
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")
_NODE = re.compile(r"[A-Za-z0-9_]{1,32}")
_GROUND_ALIASES = frozenset({"0", "gnd"})

# Terminal counts and what the value after them means.
_TWO_TERMINAL = frozenset("RCLVIDFH")


@dataclass(frozen=True)
class Source:
    """The specification of an independent source.

    Parameters
    ----------
    dc : float or None
        DC value (V or A) as written; ``None`` when not written (see :attr:`dc_value`).
    ac_mag, ac_phase : float
        AC magnitude and phase in degrees; ``ac_mag`` is 0 for a source with no AC part.
    pulse : tuple of float or None
        ``PULSE(V1 V2 TD TR TF PW PER)`` parameters as written (2 to 7 of them).
    sin : tuple of float or None
        ``SIN(VO VA FREQ TD THETA PHASE)`` parameters as written (2 to 6 of them).
    """

    dc: float | None = None
    ac_mag: float = 0.0
    ac_phase: float = 0.0
    pulse: tuple[float, ...] | None = None
    sin: tuple[float, ...] | None = None

    @property
    def dc_value(self) -> float:
        """The operating-point value: DC if written, else the waveform's value at t = 0
        (``V1`` of a PULSE, ``VO`` of a SIN, as ngspice does), else 0."""
        if self.dc is not None:
            return self.dc
        if self.pulse is not None:
            return self.pulse[0]
        if self.sin is not None:
            return self.sin[0]
        return 0.0

    @property
    def has_ac(self) -> bool:
        """Whether an AC magnitude was given."""
        return self.ac_mag != 0.0


@dataclass(frozen=True)
class Element:
    """One circuit element.

    Parameters
    ----------
    name : str
        The element's name; its first letter is its kind (SPICE convention). Stored in upper
        case, since names are case-insensitive.
    nodes : tuple of str
        Node names, lower case, ``"0"`` for ground. Two for R, C, L, V, I, D, F, H; four for E
        and G (output pair, then control pair); three for an op-amp ``X`` (non-inverting,
        inverting, output).
    value : float or None
        Resistance, capacitance or inductance; the gain of E, F, G, H; ``None`` otherwise.
    source : Source or None
        For V and I only.
    control : str or None
        For F and H: the name of the element whose current controls them.
    ic : float or None
        Initial condition of a capacitor (V) or inductor (A) in transient runs.
    line : int or None
        The line it was read from, for error messages; not part of equality.

    Raises
    ------
    NetlistError
        If the fields are inconsistent (wrong number of nodes, a non-positive resistance, an
        unsafe name...). Every element is checked when built, also when built by code rather
        than parsed.
    """

    name: str
    nodes: tuple[str, ...]
    value: float | None = None
    source: Source | None = None
    control: str | None = None
    ic: float | None = None
    line: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        line = self.line
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise NetlistError(line, f"{self.name!r} is not a valid element name")
        name = self.name.upper()
        object.__setattr__(self, "name", name)
        kind = name[0]
        if kind not in ELEMENT_KINDS:
            raise NetlistError(line, _unknown_kind_reason(name))
        nodes = tuple(_canonical_node(n, line) for n in self.nodes)
        object.__setattr__(self, "nodes", nodes)
        want = 4 if kind in "EG" else 3 if kind == "X" else 2
        if len(nodes) != want:
            raise NetlistError(line, f"{name} needs {want} nodes, got {len(nodes)}")
        if kind in "RCL":
            if self.value is None or not (self.value > 0 and self.value < float("inf")):
                raise NetlistError(line, f"the value of {name} must be a positive number")
        elif kind in "EFGH":
            if self.value is None or self.value != self.value or abs(self.value) == float("inf"):
                raise NetlistError(line, f"{name} needs a finite gain")
        elif self.value is not None:
            raise NetlistError(line, f"{name} takes no value")
        if (kind in "VI") != (self.source is not None):
            raise NetlistError(line, f"{name} {'needs' if kind in 'VI' else 'takes no'} source")
        if kind in "FH":
            if not isinstance(self.control, str) or not _NAME.fullmatch(self.control):
                raise NetlistError(line, f"{name} needs the name of its controlling element")
            object.__setattr__(self, "control", self.control.upper())
        elif self.control is not None:
            raise NetlistError(line, f"{name} takes no controlling element")
        if self.ic is not None and kind not in "CL":
            raise NetlistError(line, f"{name} takes no initial condition")

    @property
    def kind(self) -> str:
        """The element letter: ``"R"``, ``"C"``... ``"X"`` for an op-amp."""
        return self.name[0]

    @property
    def terminals(self) -> tuple[str, str]:
        """The two nodes its current flows between (for an op-amp: output and ground)."""
        if self.kind == "X":
            return (self.nodes[2], "0")
        return (self.nodes[0], self.nodes[1])


@dataclass(frozen=True)
class Circuit:
    """A parsed, validated circuit.

    Parameters
    ----------
    elements : tuple of Element
        In the order written.

    Attributes
    ----------
    nodes : tuple of str
        Every node, ground ``"0"`` first, then in order of first appearance.
    """

    elements: tuple[Element, ...]
    nodes: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        seen: dict[str, None] = {"0": None}
        for element in self.elements:
            for node in element.nodes:
                seen.setdefault(node, None)
        object.__setattr__(self, "nodes", tuple(seen))

    def element(self, name: str) -> Element:
        """Return the element called ``name`` (any letter case).

        Raises
        ------
        KeyError
            If there is none.
        """
        upper = name.upper()
        for element in self.elements:
            if element.name == upper:
                return element
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(e.name == name.upper() for e in self.elements)

    def to_text(self) -> str:
        """The circuit as canonical netlist text (see :func:`format_netlist`)."""
        return format_netlist(self.elements)


def _canonical_node(node: object, line: int | None) -> str:
    if not isinstance(node, str) or not _NODE.fullmatch(node):
        raise NetlistError(line, f"{node!r} is not a valid node name (letters, digits and _)")
    lower = node.lower()
    return "0" if lower in _GROUND_ALIASES else lower


def _unknown_kind_reason(name: str) -> str:
    hints = {
        "Q": "transistors are not supported",
        "M": "MOSFETs are not supported",
        "J": "JFETs are not supported",
        "K": "coupled inductors are not supported",
        "B": "behavioural sources are not supported",
        "S": "switches are not supported",
        "W": "switches are not supported",
        "T": "transmission lines are not supported",
        "A": "XSPICE code models are not supported",
        "U": "transmission lines are not supported",
    }
    hint = hints.get(name[0].upper(), "it is not one of R, C, L, V, I, E, F, G, H, D, X")
    return f"unknown element {name!r}: {hint}"


# ----------------------------------------------------------------------------------------------
# Reading lines


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Yield (line number, text) with comments removed and '+' continuations joined."""
    pending: tuple[int, str] | None = None
    ended_at: int | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        if len(raw) > MAX_LINE_LENGTH:
            raise NetlistError(number, f"the line is longer than {MAX_LINE_LENGTH} characters")
        stripped = raw.strip()
        if stripped.startswith("*#"):
            raise NetlistError(
                number, "lines starting with '*#' are run by ngspice as commands; not allowed"
            )
        if not stripped or stripped.startswith("*"):
            continue
        body = re.split(r"[;$]", stripped, maxsplit=1)[0].strip()
        if not body:
            continue
        if ended_at is not None:
            raise NetlistError(number, f"nothing may follow .end (line {ended_at})")
        if body.startswith("+"):
            if pending is None:
                raise NetlistError(number, "a '+' continuation line needs a line before it")
            pending = (pending[0], f"{pending[1]} {body[1:].strip()}")
            continue
        if pending is not None:
            yield pending
            pending = None
        if body.split()[0].lower() == ".end":
            if len(body.split()) > 1:
                raise NetlistError(number, ".end takes nothing after it")
            ended_at = number
            continue
        pending = (number, body)
    if pending is not None:
        yield pending


def _dot_reason(word: str) -> str:
    w = word.lower()
    if w in (".control", ".endc"):
        return "control blocks (.control ... .endc) are not allowed"
    if w in (".include", ".inc", ".lib", ".endl"):
        return f"{word} is not allowed: a netlist cannot read files"
    if w[1:] in _ANALYSIS_DOTS:
        return f"{word} is not needed: the analysis comes from the question, not the netlist"
    if w == ".model":
        return ".model is not supported: diodes use the built-in default model"
    if w in (".subckt", ".ends"):
        return "subcircuits are not supported; the only X element is the ideal OPAMP"
    return f"{word} is not allowed: the only dot-command is .end"


def _tokens(body: str) -> list[str]:
    # Parentheses and commas become separate tokens / spaces so PULSE(0 5) == PULSE (0, 5).
    spaced = body.replace("(", " ( ").replace(")", " ) ").replace(",", " ")
    return spaced.split()


def _value(
    token: str, unit: str, line: int | None, what: str, *, units: Sequence[str] = ()
) -> float:
    try:
        q = parse_quantity(token, default_unit=unit)
    except UnitError as exc:
        raise NetlistError(line, f"cannot read {what} {token!r}: {exc}") from None
    if q.unit != unit and q.unit not in units:
        raise NetlistError(
            line,
            f"{what} is {describe_unit(unit)}, but {token!r} is {describe_unit(q.unit)}",
        )
    return q.value


def _parse_source(name: str, rest: list[str], line: int | None) -> Source:
    unit = "V" if name[0] == "V" else "A"
    dc: float | None = None
    ac_mag = 0.0
    ac_phase = 0.0
    pulse: tuple[float, ...] | None = None
    sin: tuple[float, ...] | None = None
    i = 0

    def is_keyword(tok: str) -> bool:
        return tok.upper() in ("DC", "AC", "PULSE", "SIN", "(", ")")

    while i < len(rest):
        tok = rest[i]
        word = tok.upper()
        if word == "DC":
            if i + 1 >= len(rest) or is_keyword(rest[i + 1]):
                raise NetlistError(line, f"DC of {name} needs a value")
            if dc is not None:
                raise NetlistError(line, f"{name} has two DC values")
            dc = _value(rest[i + 1], unit, line, f"the DC value of {name}")
            i += 2
        elif word == "AC":
            if i + 1 >= len(rest) or is_keyword(rest[i + 1]):
                raise NetlistError(line, f"AC of {name} needs a magnitude")
            ac_mag = _value(rest[i + 1], unit, line, f"the AC magnitude of {name}")
            i += 2
            if i < len(rest) and not is_keyword(rest[i]):
                ac_phase = _value(rest[i], "deg", line, f"the AC phase of {name}", units=("",))
                i += 1
        elif word in ("PULSE", "SIN"):
            if pulse is not None or sin is not None:
                raise NetlistError(line, f"{name} has two waveforms")
            if i + 1 >= len(rest) or rest[i + 1] != "(":
                raise NetlistError(line, f"{word} of {name} needs its parameters in parentheses")
            try:
                close = rest.index(")", i + 2)
            except ValueError:
                raise NetlistError(line, f"{word} of {name} has no closing parenthesis") from None
            params = rest[i + 2 : close]
            if word == "PULSE":
                units = [unit, unit, "s", "s", "s", "s", "s"]
                shape = "PULSE(V1 V2 [TD TR TF PW PER])"
            else:
                units = [unit, unit, "Hz", "s", "", "deg"]
                shape = "SIN(VO VA [FREQ TD THETA PHASE])"
            if not 2 <= len(params) <= len(units):
                raise NetlistError(line, f"{word} of {name} takes {shape}")
            values = tuple(
                _value(p, u, line, f"parameter {k + 1} of {word}", units=("",))
                for k, (p, u) in enumerate(zip(params, units, strict=False))
            )
            if word == "PULSE":
                pulse = values
            else:
                sin = values
            i = close + 1
        elif i == 0:
            dc = _value(tok, unit, line, f"the value of {name}")
            i += 1
        else:
            raise NetlistError(line, f"unexpected {tok!r} in the source {name}")
    return Source(dc=dc, ac_mag=ac_mag, ac_phase=ac_phase, pulse=pulse, sin=sin)


def _parse_element(line: int | None, body: str) -> Element:
    if body[0].upper() in "EGFH" and re.search(r"\b(?:POLY|VALUE|TABLE)\b", body, re.I):
        raise NetlistError(line, "only linear controlled sources: give a single gain")
    tokens = _tokens(body)
    if not tokens:
        # a line of commas alone: _tokens reads commas as spaces, so nothing is left
        raise NetlistError(line, f"{body!r} is not an element: expected a name and its nodes")
    name = tokens[0]
    lowered = name.lower()
    if lowered in NGSPICE_COMMANDS:
        raise NetlistError(line, f"'{lowered}' is an ngspice command; commands are not allowed")
    if not _NAME.fullmatch(name):
        raise NetlistError(line, f"cannot read this line: {name!r} is not an element name")
    kind = name[0].upper()
    if kind not in ELEMENT_KINDS:
        raise NetlistError(line, _unknown_kind_reason(name))
    n_nodes = 4 if kind in "EG" else 3 if kind == "X" else 2
    if len(tokens) < 1 + n_nodes:
        raise NetlistError(line, f"{name.upper()} needs {n_nodes} nodes")
    nodes = tuple(tokens[1 : 1 + n_nodes])
    for node in nodes:
        if not _NODE.fullmatch(node):
            raise NetlistError(line, f"{node!r} is not a valid node name (letters, digits and _)")
    rest = tokens[1 + n_nodes :]
    upper = name.upper()

    def extra(tok: str) -> NetlistError:
        return NetlistError(line, f"unexpected {tok!r} after the value of {upper}")

    if kind in "RCL":
        unit = {"R": "Ohm", "C": "F", "L": "H"}[kind]
        if not rest:
            raise NetlistError(line, f"{upper} needs a value")
        value = _value(rest[0], unit, line, f"the value of {upper}")
        ic = None
        for tok in rest[1:]:
            if kind in "CL" and tok.upper().startswith("IC="):
                ic = _value(tok[3:], "V" if kind == "C" else "A", line, f"the IC of {upper}")
            else:
                raise extra(tok)
        if value <= 0:
            raise NetlistError(line, f"the value of {upper} must be positive")
        return Element(upper, nodes, value=value, ic=ic, line=line)
    if kind in "VI":
        return Element(upper, nodes, source=_parse_source(upper, rest, line), line=line)
    if kind in "EG":
        if len(rest) != 1:
            raise NetlistError(line, f"{upper} needs 4 nodes and a gain")
        return Element(upper, nodes, value=_value(rest[0], "", line, f"the gain of {upper}"),
                       line=line)
    if kind in "FH":
        if len(rest) != 2:
            raise NetlistError(line, f"{upper} needs 2 nodes, a controlling element and a gain")
        if not _NAME.fullmatch(rest[0]):
            raise NetlistError(line, f"{rest[0]!r} is not an element name")
        units = ("Ohm",) if kind == "H" else ()
        gain = _value(rest[1], "", line, f"the gain of {upper}", units=units)
        return Element(upper, nodes, value=gain, control=rest[0], line=line)
    if kind == "D":
        if rest:
            raise NetlistError(
                line, f"diodes use the built-in default model; remove {rest[0]!r} from {upper}"
            )
        return Element(upper, nodes, line=line)
    # kind == "X"
    if len(rest) != 1 or rest[0].upper() != "OPAMP":
        raise NetlistError(
            line, f"the only subcircuit is the ideal op-amp: {upper} <+in> <-in> <out> OPAMP"
        )
    return Element(upper, nodes, line=line)


def parse_netlist(text: str) -> Circuit:
    """Parse a netlist and check its topology.

    Parameters
    ----------
    text : str
        The netlist, in the language described in the module docstring.

    Returns
    -------
    Circuit
        The parsed circuit, whose elements keep their line numbers.

    Raises
    ------
    NetlistError
        With the 1-based line number (``None`` for whole-circuit problems) and a plain reason.

    Examples
    --------
    >>> c = parse_netlist("V1 in 0 DC 10\\nR1 in out 1k\\nR2 out 0 1k")
    >>> [e.name for e in c.elements], c.nodes
    (['V1', 'R1', 'R2'], ('0', 'in', 'out'))
    >>> parse_netlist("V1 in 0 10\\n.control\\nshell rm -rf /\\n.endc")
    Traceback (most recent call last):
      ...
    circuits.errors.NetlistError: line 2: control blocks (.control ... .endc) are not allowed

    Notes
    -----
    Linear in the length of the text; the topology checks are near-linear in the number of
    elements (union-find and breadth-first search).
    """
    if not isinstance(text, str):
        raise NetlistError(None, f"expected netlist text, got {type(text).__name__}")
    return _parse_netlist_cached(text)


@functools.lru_cache(maxsize=256)
def _parse_netlist_cached(text: str) -> Circuit:
    # Every answer to a circuit item re-reads the item's netlist; circuits are immutable, so
    # the parse is shared. Refusals raise and are not cached.
    elements = parse_elements(text)
    check_topology(elements)
    return Circuit(tuple(elements))


def parse_elements(text: str) -> list[Element]:
    """Parse a netlist's elements with every line-level refusal but no topology check.

    For partial circuits, such as the given part of a design question (a lone
    source), which the student completes. Anything that is to be simulated goes
    through :func:`parse_netlist`.

    Raises
    ------
    NetlistError
        As :func:`parse_netlist`, except the whole-circuit checks.
    """
    if not isinstance(text, str):
        raise NetlistError(None, f"expected netlist text, got {type(text).__name__}")
    if len(text) > MAX_TEXT_LENGTH:
        raise NetlistError(None, f"the netlist is longer than {MAX_TEXT_LENGTH} characters")
    if "\x00" in text:
        raise NetlistError(None, "the netlist contains a NUL character")
    elements: list[Element] = []
    for line, body in _logical_lines(text):
        if body.startswith("."):
            raise NetlistError(line, _dot_reason(body.split()[0]))
        elements.append(_parse_element(line, body))
        if len(elements) > MAX_ELEMENTS:
            raise NetlistError(line, f"more than {MAX_ELEMENTS} elements")
    return elements


# ----------------------------------------------------------------------------------------------
# Whole-circuit checks


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[ra] = rb
        return True


def _dc_pairs(element: Element) -> list[tuple[str, str]]:
    """Node pairs joined by a DC path through the element (a finite DC resistance)."""
    kind, n = element.kind, element.nodes
    if kind in "RLVDH":
        return [(n[0], n[1])]
    if kind == "E":
        return [(n[0], n[1])]
    if kind == "X":
        return [(n[2], "0")]
    return []  # C, I, F, G: no DC path; control terminals draw no current


def _voltage_pair(element: Element) -> tuple[str, str] | None:
    """The node pair whose voltage the element fixes at DC (V, E, H, op-amp output, L)."""
    kind, n = element.kind, element.nodes
    if kind in "VEHL":
        return (n[0], n[1])
    if kind == "X":
        return (n[2], "0")
    return None


def check_topology(elements: Sequence[Element]) -> None:
    """Refuse circuits that ngspice cannot solve or that are surely mistakes.

    Parameters
    ----------
    elements : sequence of Element
        The circuit's elements.

    Raises
    ------
    NetlistError
        For: no elements; more than :data:`MAX_ELEMENTS`; duplicate names; an F or H element
        whose controlling element is missing; an element with both terminals on one node; no
        ground; a dangling node (a single terminal on it); a node with no DC path to ground
        (a floating node, which makes the SPICE matrix singular); a loop of voltage sources and
        inductors (a shorted voltage source at DC).

    Notes
    -----
    A node reached only through capacitors, current sources or controlled-source inputs has no
    DC path. SPICE cannot solve its operating point, so even a textbook "two capacitors in
    series" circuit needs a leak resistor (``Rleak mid 0 100meg``).
    """
    if not elements:
        raise NetlistError(None, "the netlist has no elements")
    if len(elements) > MAX_ELEMENTS:
        raise NetlistError(elements[MAX_ELEMENTS].line, f"more than {MAX_ELEMENTS} elements")
    by_name: dict[str, Element] = {}
    for element in elements:
        first = by_name.get(element.name)
        if first is not None:
            where = f" (first on line {first.line})" if first.line is not None else ""
            raise NetlistError(element.line, f"{element.name} is defined twice{where}")
        by_name[element.name] = element

    for element in elements:
        if element.control is not None:
            ctrl = by_name.get(element.control)
            if ctrl is None:
                raise NetlistError(
                    element.line, f"{element.name} is controlled by {element.control}, "
                    "which is not in the circuit"
                )
            if ctrl.name == element.name:
                raise NetlistError(element.line, f"{element.name} cannot control itself")
        a, b = element.terminals
        if a == b:
            if element.kind == "X":
                raise NetlistError(element.line, f"the output of {element.name} is on ground")
            if _voltage_pair(element) is not None:
                raise NetlistError(
                    element.line,
                    f"{element.name} is shorted: both its terminals are on node '{a}'",
                )
            raise NetlistError(
                element.line, f"both terminals of {element.name} are on node '{a}'"
            )

    degree: dict[str, list[Element]] = {}
    for element in elements:
        for node in element.nodes:
            degree.setdefault(node, []).append(element)
    if "0" not in degree:
        raise NetlistError(None, "the circuit has no ground: connect one node to 0")
    for node, attached in degree.items():
        if node != "0" and len(attached) == 1:
            raise NetlistError(
                attached[0].line,
                f"node '{node}' is connected only to {attached[0].name} (a dangling node)",
            )

    # Floating nodes: first any connection at all, then a DC path.
    anything = _UnionFind()
    dc = _UnionFind()
    for element in elements:
        for node in element.nodes[1:]:
            anything.union(element.nodes[0], node)
        for a, b in _dc_pairs(element):
            dc.union(a, b)
    cut_off = sorted(n for n in degree if anything.find(n) != anything.find("0"))
    if cut_off:
        listed = ", ".join(f"'{n}'" for n in cut_off)
        raise NetlistError(
            None, f"nodes {listed} are not connected to the part of the circuit with ground"
        )
    no_dc = sorted(n for n in degree if dc.find(n) != dc.find("0"))
    if no_dc:
        node = no_dc[0]
        raise NetlistError(
            degree[node][0].line,
            f"node '{node}' is floating: no DC path to ground (only capacitors, current sources "
            f"or controlled-source inputs reach it); add a leak such as 'Rleak {node} 0 100meg'",
        )

    loops = _UnionFind()
    for element in elements:
        pair = _voltage_pair(element)
        if pair is not None and not loops.union(*pair):
            raise NetlistError(
                element.line,
                f"{element.name} closes a loop of voltage sources and inductors between "
                f"'{pair[0]}' and '{pair[1]}': a shorted voltage source at DC",
            )


# ----------------------------------------------------------------------------------------------
# Writing netlists, and the page-side builder


def _spice_number(value: float) -> str:
    """A short SPICE value that reads back to the same float (``4700.0`` -> ``"4.7k"``)."""
    if value == 0:
        return "0"
    scales = [(1e12, "t"), (1e9, "g"), (1e6, "meg"), (1e3, "k"), (1.0, ""), (1e-3, "m"),
              (1e-6, "u"), (1e-9, "n"), (1e-12, "p"), (1e-15, "f")]
    for scale, suffix in scales:
        if abs(value) >= scale * (1 - 1e-12):
            text = f"{value / scale:.12g}"
            if "e" not in text and float(f"{float(text) * scale:.15g}") == value:
                return text + suffix
            break
    return repr(float(value))


def _format_source(source: Source) -> str:
    parts = []
    if source.dc is not None or (source.pulse is None and source.sin is None):
        parts.append(f"DC {_spice_number(source.dc_value)}")
    if source.has_ac:
        parts.append(f"AC {_spice_number(source.ac_mag)}")
        if source.ac_phase:
            parts.append(_spice_number(source.ac_phase))
    if source.pulse is not None:
        parts.append("PULSE(" + " ".join(_spice_number(v) for v in source.pulse) + ")")
    if source.sin is not None:
        parts.append("SIN(" + " ".join(_spice_number(v) for v in source.sin) + ")")
    return " ".join(parts)


def format_element(element: Element) -> str:
    """One element as a netlist line, e.g. ``"R1 in out 4.7k"``."""
    head = f"{element.name} {' '.join(element.nodes)}"
    kind = element.kind
    if kind in "RCL":
        assert element.value is not None
        tail = _spice_number(element.value)
        if element.ic is not None:
            tail += f" IC={_spice_number(element.ic)}"
        return f"{head} {tail}"
    if kind in "VI":
        assert element.source is not None
        return f"{head} {_format_source(element.source)}"
    if kind in "EG":
        assert element.value is not None
        return f"{head} {_spice_number(element.value)}"
    if kind in "FH":
        assert element.value is not None
        return f"{head} {element.control} {_spice_number(element.value)}"
    if kind == "X":
        return f"{head} OPAMP"
    return head


def describe_element(element: Element) -> str:
    """One element for a sentence a student reads: values with their units and prefixes.

    Unlike :func:`format_element` the text is not meant to be parsed back (``"4.7 kΩ"`` holds a
    space); waveform parameters keep their SPICE form, since they mix units.

    Examples
    --------
    >>> describe_element(Element("V1", ("in", "0"), source=Source(dc=0.5)))
    'V1 in 0 DC 500 mV'
    >>> describe_element(Element("C1", ("out", "0"), value=1e-7, ic=0.0))
    'C1 out 0 100 nF IC=0 V'
    >>> describe_element(Element("I1", ("0", "a"), source=Source(ac_mag=1e-3, ac_phase=-90.0)))
    'I1 0 a AC 1 mA -90°'
    """
    head = f"{element.name} {' '.join(element.nodes)}"
    kind = element.kind
    if kind in "RCL":
        assert element.value is not None
        unit = {"R": "Ohm", "C": "F", "L": "H"}[kind]
        tail = format_quantity(Quantity(element.value, unit))
        if element.ic is not None:
            tail += f" IC={format_quantity(Quantity(element.ic, 'V' if kind == 'C' else 'A'))}"
        return f"{head} {tail}"
    if kind in "VI":
        assert element.source is not None
        source, unit = element.source, "V" if kind == "V" else "A"
        parts = []
        if source.dc is not None or not (source.has_ac or source.pulse or source.sin):
            parts.append(f"DC {format_quantity(Quantity(source.dc_value, unit))}")
        if source.has_ac:
            parts.append(f"AC {format_quantity(Quantity(source.ac_mag, unit))}")
            if source.ac_phase:
                parts.append(format_quantity(Quantity(source.ac_phase, "deg")))
        for word, params in (("PULSE", source.pulse), ("SIN", source.sin)):
            if params is not None:
                parts.append(f"{word}(" + " ".join(_spice_number(v) for v in params) + ")")
        return f"{head} {' '.join(parts)}"
    if kind in "EFGH":
        assert element.value is not None
        control = f" {element.control}" if element.control is not None else ""
        return f"{head}{control} {format_value(element.value)}"
    if kind == "X":
        return f"{head} OPAMP"
    return head


def format_netlist(elements: Iterable[Element]) -> str:
    """Write elements as netlist text that :func:`parse_netlist` reads back to equal elements.

    Parameters
    ----------
    elements : iterable of Element

    Returns
    -------
    str
        One line per element, newline-terminated, no ``.end``.

    Examples
    --------
    >>> print(format_netlist([Element("V1", ("in", "0"), source=Source(dc=5.0)),
    ...                       Element("R1", ("in", "0"), value=4700.0)]), end="")
    V1 in 0 DC 5
    R1 in 0 4.7k
    """
    return "".join(format_element(e) + "\n" for e in elements)


def element_from_parts(
    kind: str, name: str, nodes: Sequence[str], value: str = "", *, line: int | None = None
) -> Element:
    """Build one element from what a page-side circuit builder collects.

    Parameters
    ----------
    kind : str
        The element letter (``"R"``, ``"V"``...) or its name (``"resistor"``, ``"op-amp"``).
    name : str
        The element name. If it does not start with the kind's letter, the letter is prepended
        (``kind="R", name="1"`` gives ``R1``).
    nodes : sequence of str
        The nodes it joins, in order.
    value : str
        What follows the nodes on a netlist line: ``"4k7"``, ``"DC 5 AC 1"``, ``"V1 2"`` for F
        and H; ignored for an op-amp; empty for a diode.
    line : int or None
        A position to report in errors (the builder's row number).

    Returns
    -------
    Element

    Raises
    ------
    NetlistError
        With ``line`` and a plain reason.

    Examples
    --------
    >>> element_from_parts("resistor", "R1", ["in", "out"], "4.7 kΩ").value
    4700.0
    """
    letters = {v: k for k, v in ELEMENT_KINDS.items()}
    letters.update({"opamp": "X", "op amp": "X"})
    letter = kind.upper() if kind.upper() in ELEMENT_KINDS else letters.get(kind.lower())
    if letter is None:
        raise NetlistError(line, f"unknown element kind {kind!r}")
    name = name.strip()
    if not name.upper().startswith(letter):
        name = letter + name
    want = 4 if letter in "EG" else 3 if letter == "X" else 2
    if len(nodes) != want:
        raise NetlistError(line, f"{name.upper()} needs {want} nodes, got {len(nodes)}")
    if letter == "X":
        value = "OPAMP"
    elif letter in "RCLEG":
        # A builder's value field reads "4.7 kΩ"; a netlist token cannot hold the space.
        value = re.sub(r"(?<=[0-9.])\s+(?=[^\s])", "", value.strip(), count=1)
    text = " ".join([name, *nodes, value]).strip()
    if "\n" in text or "\r" in text:
        raise NetlistError(line, "a field contains a line break")
    body = re.split(r"[;$]", text, maxsplit=1)[0]
    if body != text or body.startswith((".", "*", "+")):
        raise NetlistError(line, "fields may not contain ';', '$' or start with '.', '*', '+'")
    return _parse_element(line, text)


def circuit_from_parts(parts: Iterable[Mapping[str, Any] | Sequence[Any]]) -> Circuit:
    """Validate a builder's element list and return the circuit.

    Parameters
    ----------
    parts : iterable
        Each item is a mapping with keys ``kind``, ``name``, ``nodes``, ``value`` or a
        ``(kind, name, nodes, value)`` tuple. Errors report the 1-based row number as the line.

    Returns
    -------
    Circuit
        Use ``circuit.to_text()`` for the netlist behind the builder.

    Raises
    ------
    NetlistError

    Examples
    --------
    >>> c = circuit_from_parts([("V", "V1", ("in", "0"), "DC 5"),
    ...                         {"kind": "R", "name": "R1", "nodes": ["in", "0"], "value": "1k"}])
    >>> print(c.to_text(), end="")
    V1 in 0 DC 5
    R1 in 0 1k
    """
    elements: list[Element] = []
    for row, part in enumerate(parts, start=1):
        if row > MAX_ELEMENTS:
            raise NetlistError(row, f"more than {MAX_ELEMENTS} elements")
        if isinstance(part, Mapping):
            try:
                kind, name, nodes = part["kind"], part["name"], part["nodes"]
            except KeyError as exc:
                raise NetlistError(row, f"missing field {exc.args[0]!r}") from None
            value = part.get("value", "")
        else:
            if len(part) != 4:
                raise NetlistError(row, "expected (kind, name, nodes, value)")
            kind, name, nodes, value = part
        if not isinstance(nodes, Sequence) or isinstance(nodes, str):
            raise NetlistError(row, "nodes must be a list of node names")
        elements.append(
            element_from_parts(str(kind), str(name), [str(n) for n in nodes], str(value or ""),
                               line=row)
        )
    check_topology(elements)
    return Circuit(tuple(elements))
