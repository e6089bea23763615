"""Compare a typed answer with a known quantity, when there is no circuit to simulate.

Numeric questions ("A 4.7 kΩ resistor carries 2 mA: what is the voltage?") have a
stated answer and no netlist. :func:`compare_quantity` judges them with the same
rules as :func:`circuits.check.check_answer` (relative tolerance, an absolute floor
near zero, phases compared modulo 360°) and names the same circuit-free slips:
``unit-kind``, ``sign``, ``radians``, ``factor-1000``, ``close`` and ``wrong-value``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from circuits.errors import UnitError
from circuits.units import (
    Quantity,
    describe_unit,
    difference,
    format_quantity,
    parse_quantity,
)

__all__ = ["Comparison", "compare_quantity"]


@dataclass(frozen=True)
class Comparison:
    """The verdict on a typed answer.

    Attributes
    ----------
    correct : bool
    unreadable : bool
        The answer is not a number with a unit we know; ``kind`` is ``"unreadable"``.
    expected : Quantity
    given : Quantity or None
        None when unreadable.
    kind, message : str
        The likely slip and a sentence a student can read (never the expected value).
    """

    correct: bool
    unreadable: bool
    expected: Quantity
    given: Quantity | None
    kind: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "correct": self.correct,
            "expected": self.expected.to_dict(),
            "given": self.given.to_dict() if self.given else None,
            "given_text": format_quantity(self.given) if self.given else None,
            "diagnosis": {"kind": self.kind, "message": self.message, "matched": None},
        }


def compare_quantity(expected: Quantity, answer: str, *, rel_tol: float = 0.01) -> Comparison:
    """Judge ``answer`` against ``expected``.

    Parameters
    ----------
    expected : Quantity
        The right value and its unit.
    answer : str
        What the student typed; a bare number takes the expected unit.
    rel_tol : float
        Relative tolerance. The absolute floor is ``rel_tol`` times 10° for phases and
        ``1e-12`` of the expected size otherwise (a stated answer of exactly 0 needs it).

    Returns
    -------
    Comparison

    Examples
    --------
    >>> compare_quantity(Quantity(9.4, "V"), "9400 mV").correct
    True
    >>> compare_quantity(Quantity(9.4, "V"), "9.4 kV").kind
    'factor-1000'
    >>> compare_quantity(Quantity(2e-3, "A"), "2 V").kind
    'unit-kind'
    """
    if not 0 < rel_tol < 1:
        raise ValueError("rel_tol must be between 0 and 1")
    unit = expected.unit
    try:
        given = parse_quantity(answer, default_unit=unit)
    except UnitError as exc:
        return Comparison(False, True, expected, None, "unreadable", str(exc))
    abs_tol = rel_tol * 10.0 if unit == "deg" else max(1e-12 * abs(expected.value), 1e-18)

    def matches(value: float) -> bool:
        return difference(value, expected.value, unit) <= max(rel_tol * abs(expected.value),
                                                               abs_tol)

    def verdict(kind: str, message: str) -> Comparison:
        return Comparison(kind == "correct", False, expected, given, kind, message)

    if given.unit != unit:
        return verdict("unit-kind", f"The question asks for {describe_unit(unit)}, but your "
                       f"answer is {describe_unit(given.unit)}.")
    g, e = given.value, expected.value
    if matches(g):
        return verdict("correct", "Correct.")
    if e != 0 and matches(-g):
        return verdict("sign", "The size is right but the sign is wrong: check the direction "
                       "you took as positive.")
    if unit == "deg" and matches(math.degrees(g)):
        return verdict("radians", "Your value looks like radians; the phase is asked in degrees "
                       "(multiply by 180/π).")
    for factor, words in ((1e3, "1000 times too large"), (1e-3, "1000 times too small"),
                          (1e6, "a million times too large"), (1e-6, "a million times too small")):
        if e != 0 and unit != "deg" and matches(g / factor):
            return verdict("factor-1000", f"Your answer is {words}: check the unit prefix "
                           "(for example mA against A, or kΩ against Ω).")
    percent = f"{rel_tol * 100:g} %"
    if difference(g, e, unit) <= 5 * max(rel_tol * abs(e), abs_tol):
        return verdict("close", f"Close, but not within {percent}. Keep more digits in the "
                       "intermediate steps.")
    return verdict("wrong-value", f"Not within {percent} of the expected value.")
