"""Exceptions raised by :mod:`circuits`.

Every error the package raises on purpose derives from :class:`CircuitError`, which is a
:class:`ValueError` so that callers validating user input (the course importer, a view) can catch
one family. Messages are written for a student or a teacher to read: they name the problem in
plain words and, for netlists, the line it is on.

Hierarchy::

    ValueError
     └── CircuitError
          ├── UnitError            a quantity or unit that cannot be read
          ├── NetlistError         a netlist refused by the parser or the topology checks
          ├── AskError             a question ("ask") that cannot be read
          ├── DesignSpecError      a design constraint that cannot be read
          └── SimulationError      ngspice failed, crashed or was stopped
               ├── SimulationTimeout   the run exceeded its time limit
               └── ConvergenceError    ngspice found no solution
"""

from __future__ import annotations

__all__ = [
    "AskError",
    "CircuitError",
    "ConvergenceError",
    "DesignSpecError",
    "NetlistError",
    "SimulationError",
    "SimulationTimeout",
    "UnitError",
]


class CircuitError(ValueError):
    """Base class of every error raised on purpose by :mod:`circuits`."""


class UnitError(CircuitError):
    """A quantity such as ``"2.5 mA"`` or a unit name could not be read."""


class NetlistError(CircuitError):
    """A netlist was refused.

    Parameters
    ----------
    line : int or None
        The 1-based line number of the offending line in the text as written, or ``None`` when
        the problem belongs to the circuit as a whole (no ground, a floating node...).
    reason : str
        A plain-language reason, without the line number.

    Examples
    --------
    >>> str(NetlistError(3, "unknown element 'Q1'"))
    "line 3: unknown element 'Q1'"
    >>> str(NetlistError(None, "the circuit has no ground (node 0)"))
    'the circuit has no ground (node 0)'
    """

    def __init__(self, line: int | None, reason: str) -> None:
        self.line = line
        self.reason = reason
        super().__init__(f"line {line}: {reason}" if line is not None else reason)

    def __reduce__(self) -> tuple[type[NetlistError], tuple[int | None, str]]:
        # Errors cross process boundaries (the simulation pool); keep both fields on the way.
        return (type(self), (self.line, self.reason))


class AskError(CircuitError):
    """A question such as ``"V(out)@t=1ms"`` could not be read or does not fit the circuit."""


class DesignSpecError(CircuitError):
    """A design constraint such as ``"V(out) = 3.3 V"`` could not be read."""


class SimulationError(CircuitError):
    """ngspice failed to simulate a circuit, or the worker running it failed."""


class SimulationTimeout(SimulationError):
    """A simulation exceeded its time limit; the worker running it was replaced."""


class ConvergenceError(SimulationError):
    """ngspice did not converge to a solution (operating point or time step)."""
