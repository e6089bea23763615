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
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from circuits.ask import Ask, parse_ask
from circuits.errors import AskError, DesignSpecError, UnitError
from circuits.netlist import ELEMENT_KINDS, Circuit, parse_netlist
from circuits.pool import Runner, default_pool
from circuits.simulate import Solution, evaluate_circuit, read_value, solve
from circuits.spice import Analysis
from circuits.units import Quantity, format_quantity, parse_quantity

__all__ = ["Constraint", "ConstraintResult", "DesignResult", "check_design", "parse_constraint"]

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

    @property
    def label(self) -> str:
        if self.ask is None:
            return f"count({self.kinds})"
        return f"|{self.ask}|" if self.absolute else str(self.ask)


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
class DesignResult:
    """The verdict on a designed circuit: correct when every constraint holds."""

    correct: bool
    results: tuple[ConstraintResult, ...]
    node_voltages: dict[str, float] = field(default_factory=dict)
    branch_currents: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "correct": self.correct,
            "constraints": [r.to_dict() for r in self.results],
            "node_voltages": self.node_voltages,
            "branch_currents": self.branch_currents,
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


def _holds(op: str, value: float, target: float, rel_tol: float) -> bool:
    if op == "=":
        return abs(value - target) <= max(rel_tol * abs(target), 1e-12)
    # A design exactly on its bound must pass despite floating-point noise in the simulation.
    slack = 1e-6 * abs(target) + 1e-15
    return {"<=": value <= target + slack, ">=": value >= target - slack,
            "<": value < target, ">": value > target}[op]


def _describe(op: str, target: str, rel_tol: float) -> str:
    exact = f"exactly {target}" if rel_tol == 0 else f"{target} (± {rel_tol * 100:g} %)"
    return {"=": exact, "<=": f"at most {target}",
            ">=": f"at least {target}", "<": f"below {target}", ">": f"above {target}"}[op]


def check_design(
    netlist: str | Circuit,
    constraints: Sequence[str] | str,
    *,
    rel_tol: float = 0.01,
    runner: Runner | None = None,
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

    Returns
    -------
    DesignResult
        ``correct`` is True when every constraint holds; each result has a message such as
        ``"|I(V1)| is 1.2 mA; it should be at most 1 mA."``.

    Raises
    ------
    NetlistError
        The student's netlist is refused.
    DesignSpecError
        A constraint cannot be read (a fault of the question, not of the student).
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
    circuit = netlist if isinstance(netlist, Circuit) else parse_netlist(netlist)
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
            c.ask.check_against(circuit)
            if c.ask.analysis == "op" and c.ask.quantity != "Req":
                if op_solution is None:
                    op_solution = solve(circuit, Analysis("op"), runner=runner)
                value = read_value(op_solution, c.ask)
            else:
                value, _ = evaluate_circuit(circuit, c.ask, runner=runner)
            if c.absolute:
                value = Quantity(abs(value.value), value.unit)
        ok = _holds(c.op, value.value, c.target.value, tol)
        shown = (str(int(value.value)) if c.ask is None else format_quantity(value))
        wanted = _describe(c.op, str(int(c.target.value)) if c.ask is None
                           else format_quantity(c.target), tol)
        if c.ask is None:  # "count(V) is 2" reads like code; say what is counted
            noun = "element" if int(value.value) == 1 else "elements"
            what = noun if c.kinds == "*" else f"{'/'.join(c.kinds)} {noun}"
            message = f"The circuit has {shown} {what}; it should have {wanted}."
        else:
            message = f"{c.label} is {shown}; it should be {wanted}."
        results.append(ConstraintResult(c, ok, value, message))
    voltages = {n: float(v.real) for n, v in op_solution.node_voltages.items()} \
        if op_solution else {}
    currents = {n: float(i.real) for n, i in op_solution.branch_currents.items()} \
        if op_solution else {}
    return DesignResult(all(r.satisfied for r in results), tuple(results), voltages, currents)
