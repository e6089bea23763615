"""Questions a circuit item can ask, such as ``V(out)`` or ``phase(V(out))@f=1kHz``.

The grammar (letter case and spaces do not matter)::

    V(n)  V(a,b)           node voltage, or the voltage of a with respect to b    (volts)
    I(R1)                  current through an element, positive from its first    (amperes)
                           node to its second as SPICE reports it; for an op-amp
                           X1, the current its output pushes into the circuit
    P(R1)                  power absorbed by an element, V(first, second) * I    (watts)
                           (negative for a source that delivers power)
    Req(a,b)  Req(a)       resistance seen between a and b (b = ground if left out),
                           independent sources set to zero                       (ohms)
    <V, I or P>@t=1ms      value at a time of the transient from rest
    mag(<V or I>)@f=1kHz   AC magnitude at a frequency                            (V or A)
    phase(<V or I>)@f=1kHz AC phase at a frequency, in degrees in (-180, 180]     (deg)
    tau(<V or I>)          time constant of the step response                     (seconds)

The analysis follows from the question: ``op`` for plain quantities, ``tran`` for ``@t=`` and
``tau``, ``ac`` for ``@f=``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from circuits.errors import AskError, UnitError
from circuits.netlist import Circuit
from circuits.units import format_quantity, parse_quantity

__all__ = ["Ask", "parse_ask"]

_BASE = re.compile(r"(v|i|p|req)\(([^()]*)\)", re.IGNORECASE)
_WRAP = re.compile(r"(mag|phase|tau|abs)\((.*)\)", re.IGNORECASE)
_NODE = re.compile(r"[a-z0-9_]{1,32}")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
_QUANTITY_NAMES = {"v": "V", "i": "I", "p": "P", "req": "Req"}


@dataclass(frozen=True)
class Ask:
    """A parsed question.

    Parameters
    ----------
    quantity : str
        ``"V"``, ``"I"``, ``"P"`` or ``"Req"``.
    args : tuple of str
        Node names (lower case) for V and Req, an element name (upper case) for I and P.
        ``V(a,0)`` is stored as ``("a",)``; ``Req`` always has two nodes.
    analysis : str
        ``"op"``, ``"tran"``, ``"ac"`` or ``"tau"`` (a series of transient runs).
    part : str or None
        ``"mag"`` or ``"phase"`` for AC questions.
    time, freq : float or None
        The time (s) of a transient question, the frequency (Hz) of an AC question.
    """

    quantity: str
    args: tuple[str, ...]
    analysis: str = "op"
    part: str | None = None
    time: float | None = None
    freq: float | None = None

    @property
    def unit(self) -> str:
        """The canonical unit of the answer."""
        if self.analysis == "tau":
            return "s"
        if self.part == "phase":
            return "deg"
        return {"V": "V", "I": "A", "P": "W", "Req": "Ohm"}[self.quantity]

    @property
    def base(self) -> str:
        """The quantity without analysis decoration, e.g. ``"V(out)"``."""
        return f"{self.quantity}({','.join(self.args)})"

    def __str__(self) -> str:
        if self.analysis == "tau":
            return f"tau({self.base})"
        if self.analysis == "ac":
            assert self.freq is not None
            return f"{self.part}({self.base})@f={_compact(self.freq, 'Hz')}"
        if self.analysis == "tran":
            assert self.time is not None
            return f"{self.base}@t={_compact(self.time, 's')}"
        return self.base

    def check_against(self, circuit: Circuit) -> None:
        """Raise :class:`AskError` unless the nodes or element asked about exist.

        Examples
        --------
        >>> from circuits.netlist import parse_netlist
        >>> c = parse_netlist("V1 a 0 1\\nR1 a 0 1k")
        >>> parse_ask("V(b)").check_against(c)
        Traceback (most recent call last):
          ...
        circuits.errors.AskError: the circuit has no node 'b' (its nodes: 0, a)
        """
        if self.quantity in ("V", "Req"):
            for node in self.args:
                if node not in circuit.nodes:
                    listed = ", ".join(circuit.nodes)
                    raise AskError(f"the circuit has no node '{node}' (its nodes: {listed})")
        else:
            name = self.args[0]
            if name not in circuit:
                listed = ", ".join(e.name for e in circuit.elements)
                raise AskError(f"the circuit has no element {name} (its elements: {listed})")
        if self.quantity == "Req" and self.args[0] == self.args[1]:
            raise AskError("Req needs two different nodes")


def _compact(value: float, unit: str) -> str:
    from circuits.units import Quantity

    return format_quantity(Quantity(value, unit), digits=6).replace(" ", "")


def _base(text: str) -> tuple[str, tuple[str, ...]]:
    m = _BASE.fullmatch(text)
    if m is None:
        raise AskError(
            f"cannot read {text!r}: expected V(n), V(a,b), I(R1), P(R1) or Req(a,b)"
        )
    quantity = _QUANTITY_NAMES[m.group(1).lower()]
    args = [a for a in m.group(2).split(",")]
    if quantity in ("V", "Req"):
        if not 1 <= len(args) <= 2 or not all(_NODE.fullmatch(a) for a in args):
            raise AskError(f"{quantity}(...) takes one or two node names, got {text!r}")
        nodes = ["0" if a == "gnd" else a for a in args]
        if quantity == "Req" and len(nodes) == 1:
            nodes.append("0")
        if quantity == "V" and len(nodes) == 2 and nodes[1] == "0":
            nodes.pop()
        if quantity == "V" and nodes == ["0"]:
            raise AskError("V(0) is ground, always 0 V")
        return quantity, tuple(nodes)
    if len(args) != 1 or not _NAME.fullmatch(args[0]):
        raise AskError(f"{quantity}(...) takes one element name, got {text!r}")
    return quantity, (args[0].upper(),)


def _at(text: str, unit: str) -> float:
    try:
        q = parse_quantity(text, default_unit=unit)
    except UnitError as exc:
        raise AskError(f"cannot read {text!r}: {exc}") from None
    if q.unit != unit:
        raise AskError(f"{text!r} should be in {unit}")
    if not q.value > 0:
        raise AskError(f"{text!r} must be positive")
    return q.value


def parse_ask(text: str) -> Ask:
    """Read a question such as ``"V(out)"`` or ``"mag(V(out))@f=1kHz"``.

    Parameters
    ----------
    text : str
        The question, in the grammar of the module docstring.

    Returns
    -------
    Ask

    Raises
    ------
    AskError
        If the text does not follow the grammar, or combines parts that do not fit (power in
        an AC question, ``Req`` at a time...).

    Examples
    --------
    >>> parse_ask("V(out)@t=1ms")
    Ask(quantity='V', args=('out',), analysis='tran', part=None, time=0.001, freq=None)
    >>> str(parse_ask(" phase( v(OUT) ) @ f = 1 kHz "))
    'phase(V(out))@f=1kHz'
    """
    if not isinstance(text, str):
        raise AskError(f"expected text, got {type(text).__name__}")
    if len(text) > 200:
        raise AskError("the question is too long")
    return _parse_ask(text)


@functools.lru_cache(maxsize=1024)
def _parse_ask(text: str) -> Ask:
    s = re.sub(r"\s+", "", text)
    if not s:
        raise AskError("no question given")
    at: str | None = None
    if "@" in s:
        s, at = s.split("@", 1)
        # The value keeps its letter case: 1MHz is mega, 1mHz milli (units.py's rule).
        at = at[:2].lower() + at[2:]
    s = s.lower()
    wrap = _WRAP.fullmatch(s)
    part: str | None = None
    if wrap:
        part = wrap.group(1).lower()
        s = wrap.group(2)
        if part == "abs":
            part = "mag"
    quantity, args = _base(s)

    if part == "tau":
        if at is not None:
            raise AskError("tau(...) takes no @t= or @f=")
        if quantity not in ("V", "I"):
            raise AskError("tau(...) is asked of a voltage or a current")
        return Ask(quantity, args, analysis="tau")
    if part in ("mag", "phase"):
        if at is None or not at.startswith("f="):
            raise AskError(f"{part}(...) needs a frequency, e.g. {part}(V(out))@f=1kHz")
        if quantity not in ("V", "I"):
            raise AskError(f"{part}(...) is asked of a voltage or a current")
        return Ask(quantity, args, analysis="ac", part=part, freq=_at(at[2:], "Hz"))
    if at is None:
        return Ask(quantity, args)
    if at.startswith("f="):
        raise AskError(
            f"at a frequency, ask for mag({quantity}(...)) or phase({quantity}(...))"
        )
    if not at.startswith("t="):
        raise AskError(f"cannot read '@{at}': expected @t=<time> or @f=<frequency>")
    if quantity == "Req":
        raise AskError("Req is a DC quantity; it takes no @t=")
    return Ask(quantity, args, analysis="tran", time=_at(at[2:], "s"))
