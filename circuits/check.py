"""Check a student's answer against SPICE and say what is likely wrong.

:func:`check_answer` simulates the circuit, compares the student's value with a relative
tolerance (and an absolute floor near zero), and for a wrong answer names the likely error:

``unit-kind``
    a quantity of the wrong kind (a current for a voltage);
``sign``
    the right size with the wrong sign (or a phase lead for a lag);
``radians``
    a phase given in radians;
``factor-1000``
    off by a factor of 1000 or a million (a prefix slip: mA for A);
``other-quantity``
    the value of another quantity of the same circuit (the voltage of another node, the
    current through another element, a single resistor instead of the equivalent...);
``close``
    within five times the tolerance (rounding);
``wrong-value``
    none of the above.

The result also carries every node voltage and branch current of the true circuit, so a tutor
can talk about them. For design questions, where the answer is a circuit, see
:func:`circuits.design.check_design`.
"""

from __future__ import annotations

import cmath
import math
from dataclasses import dataclass, field
from typing import Any

from circuits.ask import Ask, parse_ask
from circuits.errors import CircuitError
from circuits.netlist import Circuit, parse_netlist
from circuits.pool import Runner, default_pool
from circuits.simulate import Solution, evaluate_circuit, solve
from circuits.spice import Analysis
from circuits.units import (
    Quantity,
    describe_unit,
    difference,
    format_quantity,
    parse_quantity,
)

__all__ = [
    "DIAGNOSIS_KINDS",
    "Candidate",
    "CheckResult",
    "Diagnosis",
    "candidates_for",
    "check_answer",
    "diagnose",
]

DIAGNOSIS_KINDS = (
    "correct", "unit-kind", "sign", "radians", "factor-1000", "other-quantity", "close",
    "wrong-value",
)


@dataclass(frozen=True)
class Diagnosis:
    """What is likely wrong with an answer.

    Attributes
    ----------
    kind : str
        One of :data:`DIAGNOSIS_KINDS`.
    message : str
        A sentence a student can read. It never states the expected value.
    matched : str or None
        The name of the circuit quantity the answer matches (``"V(in)"``), if any.
    """

    kind: str
    message: str
    matched: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind, "message": self.message, "matched": self.matched}


@dataclass(frozen=True)
class Candidate:
    """A named quantity of the circuit a wrong answer may match."""

    name: str
    value: float
    unit: str
    description: str


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one answer.

    Attributes
    ----------
    correct : bool
    ask : str
        The question, in canonical form.
    expected, given : Quantity
    diagnosis : Diagnosis
    rel_tol, abs_tol : float
        The tolerances the verdict used: correct when
        ``|given - expected| <= max(rel_tol * |expected|, abs_tol)``.
    analysis : str
        ``"op"``, ``"tran"``, ``"ac"``.
    node_voltages, branch_currents : dict
        Of the true circuit, where the question is asked (DC, at the time, or AC magnitudes at
        the frequency); ``node_phases`` and ``branch_phases`` in degrees for AC.
    """

    correct: bool
    ask: str
    expected: Quantity
    given: Quantity
    diagnosis: Diagnosis
    rel_tol: float
    abs_tol: float
    analysis: str
    node_voltages: dict[str, float] = field(default_factory=dict)
    branch_currents: dict[str, float] = field(default_factory=dict)
    node_phases: dict[str, float] = field(default_factory=dict)
    branch_phases: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        data: dict[str, Any] = {
            "correct": self.correct,
            "ask": self.ask,
            "expected": self.expected.to_dict(),
            "given": self.given.to_dict(),
            "expected_text": format_quantity(self.expected),
            "given_text": format_quantity(self.given),
            "diagnosis": self.diagnosis.to_dict(),
            "rel_tol": self.rel_tol,
            "abs_tol": self.abs_tol,
            "analysis": self.analysis,
            "node_voltages": self.node_voltages,
            "branch_currents": self.branch_currents,
        }
        if self.analysis == "ac":
            data["node_phases"] = self.node_phases
            data["branch_phases"] = self.branch_phases
        return data


def _real(x: complex | float, ac: bool) -> float:
    return abs(x) if ac else float(x.real)


def candidates_for(
    circuit: Circuit, solution: Solution | None, unit: str
) -> list[Candidate]:
    """Named quantities of the circuit in ``unit`` that a wrong answer may have used.

    Parameters
    ----------
    circuit : Circuit
    solution : Solution or None
        Node voltages and currents; ``None`` when only element values are known.
    unit : str
        ``"V"``, ``"A"``, ``"W"``, ``"deg"`` come from the solution (magnitudes for AC);
        ``"Ohm"`` from resistor values (each, all in series, all in parallel); ``"s"`` from
        products R*C and quotients L/R of element values.
    """
    out: list[Candidate] = []
    ac = solution is not None and solution.analysis == "ac"
    if solution is not None and unit in ("V", "A", "W", "deg"):
        if unit in ("V", "deg"):
            for node, v in solution.node_voltages.items():
                if node == "0":
                    continue
                if unit == "V":
                    out.append(Candidate(f"V({node})", _real(v, ac), "V",
                                         f"the voltage at node {node}"))
                elif ac:
                    out.append(Candidate(f"phase(V({node}))", _deg(v), "deg",
                                         f"the phase of the voltage at node {node}"))
            for element in circuit.elements:
                a, b = element.terminals
                if b == "0" or a == b:
                    continue
                v = solution.voltage(a, b)
                if unit == "V":
                    out.append(Candidate(f"V({a},{b})", _real(v, ac), "V",
                                         f"the voltage across {element.name}"))
        if unit in ("A", "deg"):
            for name, i in solution.branch_currents.items():
                if unit == "A":
                    out.append(Candidate(f"I({name})", _real(i, ac), "A",
                                         f"the current through {name}"))
                elif ac:
                    out.append(Candidate(f"phase(I({name}))", _deg(i), "deg",
                                         f"the phase of the current through {name}"))
        if unit == "W" and not ac:
            for element in circuit.elements:
                out.append(Candidate(f"P({element.name})", solution.power(element.name), "W",
                                     f"the power absorbed by {element.name}"))
    resistors = [e for e in circuit.elements if e.kind == "R" and e.value]
    if unit == "Ohm" and resistors:
        for r in resistors:
            out.append(Candidate(r.name, float(r.value or 0), "Ohm", f"the value of {r.name}"))
        if len(resistors) > 1:
            names = [r.name for r in resistors]
            out.append(Candidate("+".join(names), sum(float(r.value or 0) for r in resistors),
                                 "Ohm", "all the resistors in series"))
            out.append(Candidate("||".join(names),
                                 1 / sum(1 / float(r.value or 1) for r in resistors),
                                 "Ohm", "all the resistors in parallel"))
    if unit == "s":
        storage = [e for e in circuit.elements if e.kind in "CL" and e.value][:20]
        for r in resistors[:20]:
            for s in storage:
                rv, sv = float(r.value or 0), float(s.value or 0)
                if s.kind == "C":
                    out.append(Candidate(f"{r.name}*{s.name}", rv * sv, "s",
                                         f"{r.name} times {s.name}"))
                else:
                    out.append(Candidate(f"{s.name}/{r.name}", sv / rv, "s",
                                         f"{s.name} divided by {r.name}"))
    return out


def _deg(x: complex | float) -> float:
    return math.degrees(cmath.phase(complex(x)))


#: What a simulated value may be off by however small it is: ngspice's own convergence
#: tolerances (vntol 1 uV, abstol 1 pA), with power taken as their product's scale.
_NOISE = {"V": 1e-6, "A": 1e-12, "W": 1e-12}
#: An expected value this small against the circuit's largest quantity of its kind is a
#: zero the simulator could not quite reach (a balanced bridge), not a small quantity.
_ZERO_RATIO = 1e-6


def _abs_floor(unit: str, expected: float, solution: Solution | None, rel_tol: float) -> float:
    """The absolute tolerance that stops an expected value near zero demanding the impossible.

    A value the circuit makes zero (within ``_ZERO_RATIO`` of the largest voltage, current or
    power of the circuit) is judged against a tenth of the relative tolerance of that largest
    quantity: 1 % in a 10 V circuit accepts 10 mV for a balanced bridge's 0 V. Any other
    value is judged by the relative tolerance, floored only at the simulator's own noise, so
    a small quantity beside a big one (50 uA through a 100 kOhm shunt in a 50 mA circuit)
    is not accepted as 0 or at a fifth of its size. Phases: ``rel_tol`` times 10 degrees.
    """
    if unit == "deg":
        return rel_tol * 10.0
    if unit not in _NOISE:
        return max(1e-12 * abs(expected), 1e-18)
    scale = abs(expected)
    if solution is not None:
        ac = solution.analysis == "ac"
        if unit == "V":
            values = [_real(v, ac) for v in solution.node_voltages.values()]
        elif unit == "A":
            values = [_real(i, ac) for i in solution.branch_currents.values()]
        elif not ac:
            values = [solution.power(e.name) for e in solution.circuit.elements]
        else:
            values = []
        scale = max([scale, *(abs(v) for v in values)])
    if abs(expected) <= max(_ZERO_RATIO * scale, _NOISE[unit]):
        return max(0.1 * rel_tol * scale, _NOISE[unit])
    return _NOISE[unit]


def _ask_phrase(ask: Ask, circuit: Circuit) -> str:
    if ask.quantity == "I":
        element = circuit.element(ask.args[0])
        a, b = element.terminals
        if element.kind == "X":
            return f"I({element.name}) is the current the op-amp's output pushes into node {a}."
        return (f"I({element.name}) is positive when current flows through {element.name} from "
                f"its first node ({a}) to its second ({b}).")
    if ask.quantity == "P":
        return (f"P({ask.args[0]}) is the power {ask.args[0]} absorbs; an element that delivers "
                "power absorbs a negative power.")
    if ask.quantity == "V" and len(ask.args) == 2:
        return f"V({ask.args[0]},{ask.args[1]}) is the voltage of {ask.args[0]} with respect to " \
               f"{ask.args[1]}."
    if ask.part == "phase":
        return "A lagging phase is negative."
    return "Check the direction you took as positive."


def diagnose(
    ask: Ask,
    circuit: Circuit,
    expected: Quantity,
    given: Quantity,
    candidates: list[Candidate],
    *,
    rel_tol: float,
    abs_tol: float,
) -> Diagnosis:
    """Name the likely error of ``given`` (see the module docstring for the kinds)."""
    unit = expected.unit

    def matches(value: float, target: float, u: str = unit) -> bool:
        if u != "deg":  # difference() inlined: this runs for every candidate of a big circuit
            return abs(value - target) <= max(rel_tol * abs(target), abs_tol)
        return difference(value, target, u) <= max(rel_tol * abs(target), abs_tol)

    percent = f"{rel_tol * 100:g} %"
    if given.unit != unit:
        same_kind = [c for c in candidates if c.unit == given.unit]
        scale = max((abs(c.value) for c in same_kind), default=abs(given.value))
        floor = _abs_floor(given.unit, scale, None, rel_tol)
        hit = next(
            (c for c in same_kind
             if difference(given.value, c.value, given.unit)
             <= max(rel_tol * abs(c.value), floor)),
            None,
        )
        message = (f"The question asks for {describe_unit(unit)}, but your answer is "
                   f"{describe_unit(given.unit)}.")
        if hit is not None:
            message += f" Your value is {hit.name}, {hit.description}."
        return Diagnosis("unit-kind", message, hit.name if hit else None)
    if matches(given.value, expected.value):
        return Diagnosis("correct", "Correct.", str(ask))
    g, e = given.value, expected.value
    if e != 0 and matches(-g, e):
        return Diagnosis("sign", "The size is right but the sign is wrong. "
                         + _ask_phrase(ask, circuit), None)
    if unit == "deg" and matches(math.degrees(g), e):
        return Diagnosis("radians", "Your value looks like radians; the phase is asked in "
                         "degrees (multiply by 180/π).", None)
    for factor, words in ((1e3, "1000 times too large"), (1e-3, "1000 times too small"),
                          (1e6, "a million times too large"), (1e-6, "a million times too small")):
        if e != 0 and unit != "deg" and matches(g / factor, e):
            return Diagnosis("factor-1000", f"Your answer is {words}: check the unit prefix "
                             "(for example mA against A, or kΩ against Ω).", None)
    asked = (str(ask), ask.base)
    others = [c for c in candidates
              if c.unit == unit and c.name not in asked and not matches(c.value, e)]
    for c in others:
        if matches(g, c.value):
            return Diagnosis("other-quantity",
                             f"Your value is {c.name}, {c.description}, not {ask.base}.", c.name)
    if unit in ("V", "A", "W"):
        # Second pass: another quantity with its sign flipped (the power a source delivers).
        for c in others:
            if c.value != 0 and matches(-g, c.value):
                return Diagnosis(
                    "other-quantity",
                    f"Your value is {c.name} with the opposite sign ({c.description}), "
                    f"not {ask.base}.",
                    c.name,
                )
    if difference(g, e, unit) <= 5 * max(rel_tol * abs(e), abs_tol):
        return Diagnosis("close", f"Close, but not within {percent}. Keep more digits in the "
                         "intermediate steps.", None)
    return Diagnosis("wrong-value", f"Not within {percent} of the expected value.", None)


def check_answer(
    netlist: str | Circuit,
    ask: str | Ask,
    answer: str,
    *,
    rel_tol: float = 0.01,
    runner: Runner | None = None,
) -> CheckResult:
    """Check a student's answer to a question about a circuit.

    Parameters
    ----------
    netlist : str or Circuit
        The circuit (see :mod:`circuits.netlist`).
    ask : str or Ask
        The question (see :mod:`circuits.ask`).
    answer : str
        What the student typed: ``"2.5 mA"``, ``"2.5e-3 A"``, ``"2m5"``, ``"-45°"``. A bare
        number takes the question's unit.
    rel_tol : float
        Relative tolerance, default 1 %.
    runner : Runner or None
        Where ngspice runs; default the shared worker pool.

    Returns
    -------
    CheckResult

    Raises
    ------
    NetlistError, AskError, UnitError
        For a netlist, question or answer that cannot be read.
    SimulationError
        If ngspice fails (ConvergenceError, SimulationTimeout are subclasses).

    Examples
    --------
    >>> r = check_answer("V1 in 0 DC 10\\nR1 in out 1k\\nR2 out 0 1k", "V(out)", "10 V")
    ... # doctest: +SKIP
    >>> r.correct, r.diagnosis.kind, r.diagnosis.matched  # doctest: +SKIP
    (False, 'other-quantity', 'V(in)')

    Notes
    -----
    One simulation for most questions; ``Req`` adds an operating point when the answer is
    wrong (for the node voltages), ``tau`` takes two to six transient runs.
    """
    if not 0 < rel_tol < 1:
        raise ValueError("rel_tol must be between 0 and 1")
    circuit = netlist if isinstance(netlist, Circuit) else parse_netlist(netlist)
    query = ask if isinstance(ask, Ask) else parse_ask(ask)
    given = parse_quantity(answer, default_unit=query.unit)
    runner = runner or default_pool()
    expected, solution = evaluate_circuit(circuit, query, runner=runner)

    abs_tol = _abs_floor(query.unit, expected.value, solution, rel_tol)
    if given.unit == query.unit and difference(given.value, expected.value, query.unit) <= max(
        rel_tol * abs(expected.value), abs_tol
    ):
        diagnosis = Diagnosis("correct", "Correct.", str(query))
    else:
        candidates = candidates_for(circuit, solution, query.unit)
        if given.unit != query.unit:
            # A value of the wrong kind may still be a quantity of the circuit: look there.
            candidates += candidates_for(circuit, solution, given.unit)
        diagnosis = diagnose(query, circuit, expected, given, candidates,
                             rel_tol=rel_tol, abs_tol=abs_tol)
    correct = diagnosis.kind == "correct"
    if not correct and solution is None:
        try:
            solution = solve(circuit, Analysis("op"), runner=runner)
        except CircuitError:  # the verdict stands without the extra detail
            solution = None
    return _result(query, expected, given, diagnosis, rel_tol, abs_tol, solution)


def _result(
    ask: Ask, expected: Quantity, given: Quantity, diagnosis: Diagnosis, rel_tol: float,
    abs_tol: float, solution: Solution | None,
) -> CheckResult:
    voltages: dict[str, float] = {}
    currents: dict[str, float] = {}
    node_phases: dict[str, float] = {}
    branch_phases: dict[str, float] = {}
    analysis = ask.analysis if ask.analysis != "tau" else "tran"
    if solution is not None:
        ac = solution.analysis == "ac"
        voltages = {n: _real(v, ac) for n, v in solution.node_voltages.items()}
        currents = {n: _real(i, ac) for n, i in solution.branch_currents.items()}
        if ac:
            node_phases = {n: _deg(v) for n, v in solution.node_voltages.items()}
            branch_phases = {n: _deg(i) for n, i in solution.branch_currents.items()}
    return CheckResult(
        correct=diagnosis.kind == "correct",
        ask=str(ask),
        expected=expected,
        given=given,
        diagnosis=diagnosis,
        rel_tol=rel_tol,
        abs_tol=abs_tol,
        analysis=analysis if ask.quantity != "Req" else "op",
        node_voltages=voltages,
        branch_currents=currents,
        node_phases=node_phases,
        branch_phases=branch_phases,
    )
