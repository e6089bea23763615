"""Check a circuit a student designed against the constraints of a design question.

"Design a divider giving 3.3 V from 5 V drawing at most 1 mA" becomes::

    check_design(student_netlist, [
        "V(in) = 5 V",
        "V(out) = 3.3 V ± 2 %",
        "|I(V1)| <= 1 mA",
        "count(V) = 1",
    ])

Constraint grammar (one per string; spaces do not matter):

``<ask> <op> <quantity> [± <tolerance>]``
    ``<ask>`` is any question of :mod:`circuits.ask`, optionally as ``|<ask>|`` or
    ``abs(<ask>)`` for its magnitude; ``<op>`` is one of ``= == <= >= < > ≤ ≥``; the tolerance
    of ``=`` is relative (``± 2 %``, ``+- 0.02``), default ``rel_tol``.
``count(<letters>) <op> <integer>``
    Number of elements of the given kinds: ``count(R) <= 2``, ``count(VI) = 1``;
    ``count(*)`` counts all.

The given part
--------------
A question usually gives part of the circuit ("a 0.5 V source V1 from ``in`` to ground"),
passed as ``given``. Every given element must be in the design unchanged: the same kind, the
same nodes in the same order (either way round for a resistor, and for a capacitor or inductor
with no initial condition) and the same value or source (compared as numbers, so ``500m``
is ``0.5``). Otherwise a student could change the task instead of solving it: a 5 V input and
a gain of -1 meet ``V(out) = -5 V`` as well as 0.5 V and a gain of -10. The name may differ
(``Vin`` for ``V1``), since the element, not its label, is what is given; a constraint naming
the element (``I(V1)``) still needs that name. Added elements are the design and are allowed,
so a question whose answer must not add, say, a second source says so with a count
(``count(V) = 1``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from circuits.ask import Ask, parse_ask
from circuits.errors import AskError, DesignSpecError, NetlistError, UnitError
from circuits.netlist import (
    ELEMENT_KINDS,
    Circuit,
    Element,
    Source,
    describe_element,
    format_element,
    parse_elements,
    parse_netlist,
)
from circuits.pool import Runner, default_pool
from circuits.simulate import Solution, evaluate_circuit, read_value, solve
from circuits.spice import Analysis
from circuits.units import Quantity, difference, format_quantity, parse_quantity

__all__ = [
    "Constraint",
    "ConstraintResult",
    "DesignResult",
    "GivenResult",
    "check_design",
    "constraint_in_words",
    "parse_constraint",
]

_OPS = {"=": "=", "==": "=", "<=": "<=", ">=": ">=", "<": "<", ">": ">", "≤": "<=", "≥": ">="}
_OP_PATTERN = re.compile(r"==|<=|>=|≤|≥|=|<|>")
_TOL = re.compile(r"(?:±|\+-|\+/-)\s*([0-9.eE+-]+)\s*(%?)\s*$")
_COUNT = re.compile(r"count\(\s*([A-Za-z*]+)\s*\)", re.IGNORECASE)


@dataclass(frozen=True)
class Constraint:
    """One parsed constraint.

    Attributes
    ----------
    text : str
        As written.
    op : str
        ``"="``, ``"<="``, ``">="``, ``"<"``, ``">"``.
    ask : Ask or None
        The quantity constrained; ``None`` for an element count.
    absolute : bool
        Compare the magnitude ``|value|``.
    target : Quantity
        The bound (dimensionless for a count).
    rel_tol : float or None
        Tolerance of ``=``; ``None`` means the caller's default.
    kinds : str
        Element letters counted, ``"*"`` for all (counts only).
    """

    text: str
    op: str
    ask: Ask | None
    absolute: bool
    target: Quantity
    rel_tol: float | None = None
    kinds: str = ""


@dataclass(frozen=True)
class ConstraintResult:
    """How one constraint fared."""

    constraint: Constraint
    satisfied: bool
    value: Quantity
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "constraint": self.constraint.text,
            "satisfied": self.satisfied,
            "value": self.value.to_dict(),
            "target": self.constraint.target.to_dict(),
            "message": self.message,
        }


@dataclass(frozen=True)
class GivenResult:
    """Whether one element of the question's given part is in the design unchanged.

    Attributes
    ----------
    element : Element
        As the question gives it.
    kept : bool
    found : Element or None
        The student's element it was matched with when kept; otherwise the one in its place
        (the same name, else the same kind on the same nodes), or None.
    message : str
        Empty when kept, else a sentence such as ``"The task gives V1 in 0 DC 500 mV; keep it
        as given (your circuit has V1 in 0 DC 5 V)."``.
    """

    element: Element
    kept: bool
    found: Element | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "element": format_element(self.element),
            "kept": self.kept,
            "found": format_element(self.found) if self.found is not None else None,
            "message": self.message,
        }


@dataclass(frozen=True)
class DesignResult:
    """The verdict on a designed circuit: correct when it keeps the given part unchanged and
    every constraint holds.

    Attributes
    ----------
    correct : bool
    results : tuple of ConstraintResult
        Empty when the given part was changed: that circuit answers another question, so its
        constraints are not simulated.
    node_voltages, branch_currents : dict
        Of the operating point, when a constraint needed one.
    given : tuple of GivenResult
        One per element of the given part, in its order.
    """

    correct: bool
    results: tuple[ConstraintResult, ...]
    node_voltages: dict[str, float] = field(default_factory=dict)
    branch_currents: dict[str, float] = field(default_factory=dict)
    given: tuple[GivenResult, ...] = ()

    @property
    def given_kept(self) -> bool:
        """Whether every given element is in the design unchanged."""
        return all(g.kept for g in self.given)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form.

        ``diagnosis`` has the shape of :meth:`circuits.check.Diagnosis.to_dict`, kind
        ``"given-changed"``, when a given element was changed or removed; else it is None.
        """
        changed = [g.message for g in self.given if not g.kept]
        return {
            "correct": self.correct,
            "constraints": [r.to_dict() for r in self.results],
            "node_voltages": self.node_voltages,
            "branch_currents": self.branch_currents,
            "given": [g.to_dict() for g in self.given],
            "diagnosis": {"kind": "given-changed", "message": " ".join(changed),
                          "matched": None} if changed else None,
        }


def parse_constraint(text: str) -> Constraint:
    """Read one constraint (grammar in the module docstring).

    Raises
    ------
    DesignSpecError

    Examples
    --------
    >>> c = parse_constraint("|I(V1)| <= 1 mA")
    >>> c.op, c.absolute, c.target
    ('<=', True, Quantity(value=0.001, unit='A'))
    >>> parse_constraint("V(out) = 3.3 V ± 2 %").rel_tol
    0.02
    """
    if not isinstance(text, str) or not text.strip():
        raise DesignSpecError("empty constraint")
    source = text.strip()
    rel_tol: float | None = None
    tol = _TOL.search(source)
    if tol:
        try:
            rel_tol = float(tol.group(1)) / (100 if tol.group(2) else 1)
        except ValueError:
            raise DesignSpecError(f"cannot read the tolerance in {text!r}") from None
        if not 0 < rel_tol < 1:
            raise DesignSpecError(f"the tolerance in {text!r} must be between 0 and 100 %")
        source = source[: tol.start()].strip()
    # The question itself may hold '=' (V(out)@t=1ms): try each operator position in turn.
    for match in _OP_PATTERN.finditer(source):
        left, right = source[: match.start()].strip(), source[match.end() :].strip()
        op = _OPS[match.group(0)]
        count = _COUNT.fullmatch(left)
        if count:
            kinds = count.group(1).upper()
            if kinds != "*" and any(k not in ELEMENT_KINDS for k in kinds):
                raise DesignSpecError(f"unknown element kinds in {left!r}")
            try:
                n = int(right)
            except ValueError:
                raise DesignSpecError(
                    f"count(...) compares with a whole number: {text!r}"
                ) from None
            return Constraint(text, op, None, False, Quantity(float(n), ""), None, kinds)
        absolute = False
        inner = left
        if left.startswith("|") and left.endswith("|") and len(left) > 2:
            absolute, inner = True, left[1:-1]
        elif left.lower().startswith("abs(") and left.endswith(")"):
            absolute, inner = True, left[4:-1]
        try:
            ask = parse_ask(inner)
        except AskError:
            continue
        try:
            target = parse_quantity(right, default_unit=ask.unit)
        except UnitError as exc:
            raise DesignSpecError(f"cannot read the bound in {text!r}: {exc}") from None
        if target.unit != ask.unit:
            raise DesignSpecError(f"{inner} is in {ask.unit}, but the bound is in {target.unit}")
        return Constraint(text, op, ask, absolute, target, rel_tol)
    raise DesignSpecError(
        f"cannot read the constraint {text!r}: expected '<question> <op> <value>', "
        "for example 'V(out) = 3.3 V' or '|I(V1)| <= 1 mA'"
    )


def _holds(op: str, value: float, target: float, rel_tol: float, unit: str) -> bool:
    if op == "=":  # phases modulo 360°, as check_answer compares them: +180° is -180°
        # and, as there, a phase near 0° gets rel_tol times 10° (a relative tolerance of
        # 0° is none at all)
        floor = rel_tol * 10.0 if unit == "deg" else 1e-12
        return difference(value, target, unit) <= max(rel_tol * abs(target), floor)
    # A design exactly on its bound must pass despite floating-point noise in the simulation.
    slack = 1e-6 * abs(target) + 1e-15
    return {"<=": value <= target + slack, ">=": value >= target - slack,
            "<": value < target, ">": value > target}[op]


def _describe(op: str, target: str, rel_tol: float) -> str:
    exact = f"exactly {target}" if rel_tol == 0 else f"{target} (± {rel_tol * 100:g} %)"
    return {"=": exact, "<=": f"at most {target}",
            ">=": f"at least {target}", "<": f"below {target}", ">": f"above {target}"}[op]


_NOUNS = {"R": "resistor", "C": "capacitor", "L": "inductor", "V": "voltage source",
          "I": "current source", "D": "diode", "X": "op-amp", "E": "dependent source",
          "F": "dependent source", "G": "dependent source", "H": "dependent source"}


def _counted(kinds: str, n: int) -> str:
    """``"VIEFGH"``, 2 -> ``"sources"``: what a count counts, as a student says it."""
    plural = n != 1
    if kinds == "*":
        return "elements" if plural else "element"
    letters = set(kinds.upper())
    if letters == set("VIEFGH"):
        words = ["source"]
    elif letters == {"V", "I"}:
        words = ["independent source"]
    else:
        words = list(dict.fromkeys(_NOUNS.get(k, f"{k} element") for k in kinds.upper()))
    if plural:
        words = [w + "s" for w in words]
    return " or ".join(words) if len(words) < 3 else ", ".join(words[:-1]) + " or " + words[-1]


def _count_in_words(op: str, n: int, kinds: str) -> str:
    """``"<", 2, "R"`` -> ``"fewer than 2 resistors"``; ``"=", 0`` -> ``"no ..."``."""
    if op == "=" and n == 0:
        return f"no {_counted(kinds, 0)}"
    bound = {"=": "exactly", "<=": "at most", ">=": "at least", "<": "fewer than",
             ">": "more than"}[op]
    return f"{bound} {n} {_counted(kinds, n)}"


def _node(name: str) -> str:
    return "ground" if name == "0" else f"node {name}"


def _asked_in_words(ask: Ask, absolute: bool) -> str:
    a = ask.args
    if ask.quantity == "V":
        base = (f"the voltage at {_node(a[0])}" if len(a) == 1
                else f"the voltage at {_node(a[0])} with respect to {_node(a[1])}")
    elif ask.quantity == "I":
        base = (f"the output current of {a[0]}" if a[0].upper().startswith("X")
                else f"the current through {a[0]}")
    elif ask.quantity == "P":
        base = f"the power in {a[0]}"
    else:
        base = f"the resistance between {_node(a[0])} and {_node(a[1])}"
    if ask.analysis == "tau":
        return f"the time constant of {base}"  # a time constant has no sign to drop
    if ask.analysis == "ac":
        assert ask.freq is not None
        at = f"at {format_quantity(Quantity(ask.freq, 'Hz'))}"
        if ask.part == "phase":
            return f"{'the size of ' if absolute else ''}the phase of {base} {at}"
        return f"the amplitude of {base} {at}"  # an amplitude is never negative
    if ask.analysis == "tran":
        assert ask.time is not None
        base = f"{base} at t = {format_quantity(Quantity(ask.time, 's'))}"
    return f"the size of {base} (either direction)" if absolute else base


def constraint_in_words(text: str | Constraint, *, rel_tol: float = 0.02) -> str:
    """A design constraint as a sentence a student reads, not as an expression.

    Parameters
    ----------
    text : str or Constraint
    rel_tol : float, default 0.02
        The tolerance of ``=`` where the constraint states none (the question's).

    Raises
    ------
    DesignSpecError
        A constraint that cannot be read.

    Examples
    --------
    >>> constraint_in_words("count(VIEFGH) = 1")
    'exactly 1 source'
    >>> constraint_in_words("|I(V1)| <= 1 mA")
    'the size of the current through V1 (either direction): at most 1 mA'
    >>> constraint_in_words("V(out) = 3.3 V ± 2 %")
    'the voltage at node out: 3.3 V (± 2 %)'
    """
    c = text if isinstance(text, Constraint) else parse_constraint(text)
    if c.ask is None:
        return _count_in_words(c.op, int(c.target.value), c.kinds)
    tol = c.rel_tol if c.rel_tol is not None else rel_tol
    wanted = _describe(c.op, format_quantity(c.target), tol)
    return f"{_asked_in_words(c.ask, c.absolute)}: {wanted}"


def _same_number(a: float | None, b: float | None, unit: str = "") -> bool:
    if a is None or b is None:
        return a is b
    # Both were read from decimal text ("500m", "0.5") to the nearest float; the tolerance
    # only absorbs a last-digit difference between two spellings of one value.
    return difference(a, b, unit) <= 1e-9 * max(abs(a), abs(b))


def _same_params(a: tuple[float, ...] | None, b: tuple[float, ...] | None) -> bool:
    if a is None or b is None:
        return a is b
    return len(a) == len(b) and all(_same_number(x, y) for x, y in zip(a, b, strict=True))


def _same_source(a: Source | None, b: Source | None) -> bool:
    if a is None or b is None:
        return a is b
    # What the simulator sees: "AC 1" and "DC 0 AC 1" are one source, and so are the phases
    # -90° and 270°; a phase with no AC magnitude means nothing.
    return (_same_number(a.dc_value, b.dc_value) and _same_number(a.ac_mag, b.ac_mag)
            and _same_number(a.ac_phase if a.has_ac else 0.0,
                             b.ac_phase if b.has_ac else 0.0, "deg")
            and _same_params(a.pulse, b.pulse) and _same_params(a.sin, b.sin))


def _same_element(given: Element, student: Element, control: str | None) -> bool:
    """Whether ``student`` is ``given`` up to its name; ``control`` is the student's name
    for the element that controls an F or H."""
    return (given.kind == student.kind and _same_nodes(given, student)
            and _same_number(given.value, student.value) and _same_number(given.ic, student.ic)
            and _same_source(given.source, student.source) and student.control == control)


def _same_nodes(given: Element, student: Element) -> bool:
    """The same nodes in order; either way round for a resistor, and for a capacitor or
    inductor with no initial condition (which would change sign): R1 a in is R1 in a."""
    if tuple(given.nodes) == tuple(student.nodes):
        return True
    symmetric = given.kind == "R" or (given.kind in "CL" and not given.ic)
    return symmetric and tuple(given.nodes) == tuple(reversed(student.nodes))


def _given_results(given: Sequence[Element], circuit: Circuit) -> tuple[GivenResult, ...]:
    """Match every given element with a distinct, equal element of the student's circuit."""
    unused = list(circuit.elements)
    matched: dict[int, Element] = {}
    renamed: dict[str, str] = {}  # given name -> the student's name for it
    # F and H come last, so that the element controlling them is matched (perhaps renamed)
    # before their control is compared. Within a group, an element keeping its name is
    # matched first, so that a renamed twin does not take the element of another.
    for controlled in (False, True):
        members = [i for i, g in enumerate(given) if (g.kind in "FH") == controlled]
        for same_name in (True, False):
            for i in members:
                if i in matched:
                    continue
                g = given[i]
                control = renamed.get(g.control, g.control) if g.control else None
                for s in unused:
                    if (not same_name or s.name == g.name) and _same_element(g, s, control):
                        matched[i] = s
                        renamed[g.name] = s.name
                        unused.remove(s)
                        break
    results = []
    for i, g in enumerate(given):
        if i in matched:
            results.append(GivenResult(g, True, matched[i], ""))
            continue
        # Show what stands in its place: the same name, else the same kind on the same nodes.
        found = next((s for s in unused if s.name == g.name), None) or next(
            (s for s in unused if s.kind == g.kind and _same_nodes(g, s)), None)
        has = (f"your circuit has {describe_element(found)}" if found is not None
               else "it is not in your circuit")
        results.append(GivenResult(g, False, found, f"The task gives {describe_element(g)}; "
                                                    f"keep it as given ({has})."))
    return tuple(results)


def _loose(netlist: str | Circuit) -> Circuit | None:
    """The student's elements without the whole-circuit checks, to compare with the given
    part; None when a line cannot be read, which is left for the caller's error."""
    if isinstance(netlist, Circuit):
        return netlist
    try:
        return Circuit(tuple(parse_elements(netlist)))
    except (NetlistError, TypeError, ValueError):
        return None


def _renamed_given(c: Constraint, kept: Sequence[GivenResult]) -> tuple[GivenResult, ...] | None:
    """When a requirement names a given element the student kept under another name
    (``|I(V1)|`` and their ``Vs``), the given part as not kept, saying so; else None."""
    if c.ask is None or c.ask.quantity in ("V", "Req"):
        return None
    name = c.ask.args[0]
    for i, g in enumerate(kept):
        if g.element.name.upper() == name.upper() and g.found is not None \
                and g.found.name.upper() != name.upper():
            message = (f"The requirement {c.text} is about {g.element.name}, which the task "
                       f"gives: keep its name {g.element.name} (your circuit calls it "
                       f"{g.found.name}).")
            return (*kept[:i], GivenResult(g.element, False, g.found, message), *kept[i + 1:])
    return None


def _given_elements(given: str | Circuit) -> list[Element]:
    if isinstance(given, Circuit):
        return list(given.elements)
    try:
        # The given part is often incomplete on purpose (a lone source), so no topology check.
        return parse_elements(given)
    except NetlistError as exc:
        raise DesignSpecError(f"the given part of the question cannot be read: {exc}") from None


def check_design(
    netlist: str | Circuit,
    constraints: Sequence[str] | str,
    *,
    rel_tol: float = 0.01,
    runner: Runner | None = None,
    given: str | Circuit | None = None,
) -> DesignResult:
    """Simulate a student's circuit and check it against design constraints.

    Parameters
    ----------
    netlist : str or Circuit
        The student's circuit.
    constraints : sequence of str, or str
        Constraints in the grammar of the module docstring; a single string may hold several,
        one per line or separated by ';'.
    rel_tol : float
        Default tolerance of ``=`` constraints.
    runner : Runner or None
    given : str or Circuit or None
        The part of the circuit the question gives, as netlist text (which may be an
        incomplete circuit, such as a lone source) or a circuit. Each of its elements must be
        in the student's circuit unchanged, under any name (see "The given part" in the module
        docstring). None or an empty text gives nothing.

    Returns
    -------
    DesignResult
        ``correct`` is True when every given element is kept and every constraint holds.
        Each constraint result has a message such as
        ``"|I(V1)| is 1.2 mA; it should be at most 1 mA."``. When a given element was changed
        or removed, ``given`` says which and how, ``to_dict()["diagnosis"]`` carries the
        message, and the constraints are not simulated.

    Raises
    ------
    NetlistError
        The student's netlist is refused.
    DesignSpecError
        A constraint or the given part cannot be read (a fault of the question, not of the
        student).
    AskError
        A constraint asks about a node or element the student's circuit lacks; callers may
        prefer to show this to the student ("your circuit has no node 'out'").
    SimulationError
    """
    if isinstance(constraints, str):
        constraints = [c for c in re.split(r"[\n;]", constraints) if c.strip()]
    parsed = [parse_constraint(c) for c in constraints]
    if not parsed:
        raise DesignSpecError("a design question needs at least one constraint")
    given_part = _given_elements(given) if given is not None else []
    try:
        circuit = netlist if isinstance(netlist, Circuit) else parse_netlist(netlist)
    except NetlistError:
        # A circuit that drops a given element is often left incomplete by it (a dangling
        # node where the source was): say what to keep, rather than what dangles. Only when
        # every line reads: a refused line (a control block, an unknown element) keeps its
        # own reason, and such a netlist stays refused, not marked wrong.
        loose = _loose(netlist) if given_part else None
        kept = _given_results(given_part, loose) if loose is not None else ()
        if kept and not all(g.kept for g in kept):
            return DesignResult(False, (), given=kept)
        raise
    kept = _given_results(given_part, circuit)
    if not all(g.kept for g in kept):
        return DesignResult(False, (), given=kept)
    runner = runner or default_pool()
    results: list[ConstraintResult] = []
    op_solution: Solution | None = None
    for c in parsed:
        # a count is a whole number: "= 1" means exactly one unless a tolerance is written
        tol = c.rel_tol if c.rel_tol is not None else (0.0 if c.ask is None else rel_tol)
        if c.ask is None:
            n = sum(1 for e in circuit.elements if c.kinds == "*" or e.kind in c.kinds)
            value = Quantity(float(n), "")
        else:
            try:
                c.ask.check_against(circuit)
            except AskError:
                renamed = _renamed_given(c, kept)
                if renamed is None:
                    raise
                return DesignResult(False, (), given=renamed)
            if c.ask.analysis == "op" and c.ask.quantity != "Req":
                if op_solution is None:
                    op_solution = solve(circuit, Analysis("op"), runner=runner)
                value = read_value(op_solution, c.ask)
            else:
                value, _ = evaluate_circuit(circuit, c.ask, runner=runner)
            if c.absolute:
                value = Quantity(abs(value.value), value.unit)
        ok = _holds(c.op, value.value, c.target.value, tol, c.target.unit)
        if c.ask is None:  # "count(V) is 2" reads like code; say what is counted
            n = int(value.value)
            has = f"no {_counted(c.kinds, 0)}" if n == 0 else f"{n} {_counted(c.kinds, n)}"
            wanted = _count_in_words(c.op, int(c.target.value), c.kinds)
            message = f"The circuit has {has}; it should have {wanted}."
        else:
            # in the words the question lists it in, not as an expression
            wanted = _describe(c.op, format_quantity(c.target), tol)
            said = _asked_in_words(c.ask, c.absolute)
            message = f"{said[0].upper()}{said[1:]} is {format_quantity(value)}; " \
                f"it should be {wanted}."
        results.append(ConstraintResult(c, ok, value, message))
    voltages = {n: float(v.real) for n, v in op_solution.node_voltages.items()} \
        if op_solution else {}
    currents = {n: float(i.real) for n, i in op_solution.branch_currents.items()} \
        if op_solution else {}
    return DesignResult(all(r.satisfied for r in results), tuple(results), voltages, currents,
                        kept)
