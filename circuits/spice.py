"""Rebuild a SPICE deck from a parsed circuit, and describe one simulation run.

This module is the only place that writes text for ngspice. Nothing a user typed is copied into
the deck: nodes become ``n1, n2...`` (ground stays ``0``), elements become ``<letter><index>``,
every value is a float written by Python. Every element gets a zero-volt ammeter ``VA<index>``
in series, so any branch current can be read the same way in every analysis, and current-
controlled sources can be controlled by any element.

A :class:`Job` (deck, analysis command, what to return) is plain data that crosses the process
boundary to a simulation worker; :func:`check_job` is run by the worker before it hands anything
to ngspice, so a bug elsewhere cannot smuggle a control command in.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from circuits.errors import ConvergenceError, SimulationError
from circuits.netlist import OPAMP_GAIN, Circuit, Element

__all__ = [
    "DIODE_MODEL",
    "Analysis",
    "CurrentProbe",
    "Deck",
    "Job",
    "build_deck",
    "check_job",
    "classify_failure",
]

DIODE_MODEL = ".model kdiode D"
"""The default diode: ngspice's built-in parameters (IS = 1e-14 A, N = 1, no series R)."""

TITLE = "* kirchhoff deck"
REQ_TEST_CURRENT = 1e-3
"""Test current (A) injected to measure ``Req``; linear circuits do not care about its size."""


@dataclass(frozen=True)
class Analysis:
    """One ngspice analysis.

    Parameters
    ----------
    kind : str
        ``"op"``, ``"tran"`` or ``"ac"``.
    stop : float or None
        Transient end time (s). Transients always start from rest (``uic``): capacitors
        uncharged and inductors without current unless they carry ``IC=``.
    step : float or None
        Transient print step and largest internal step (s); default ``stop / 1000``.
    fstart, fstop : float or None
        AC frequencies (Hz); ``fstop`` defaults to ``fstart`` (one frequency).
    points : int
        AC points per decade when ``fstop > fstart``.
    """

    kind: str
    stop: float | None = None
    step: float | None = None
    fstart: float | None = None
    fstop: float | None = None
    points: int = 10

    def __post_init__(self) -> None:
        def positive(x: float | None) -> bool:
            return x is not None and math.isfinite(x) and x > 0

        if self.kind == "tran":
            if not positive(self.stop):
                raise SimulationError("a transient needs a positive end time")
            if self.step is not None and not positive(self.step):
                raise SimulationError("a transient step must be positive")
        elif self.kind == "ac":
            if not positive(self.fstart) or (self.fstop is not None and not positive(self.fstop)):
                raise SimulationError("an AC analysis needs positive frequencies")
            if not 1 <= self.points <= 1000:
                raise SimulationError("AC points per decade must be between 1 and 1000")
        elif self.kind != "op":
            raise SimulationError(f"unknown analysis {self.kind!r}")

    def command(self) -> str:
        """The ngspice command that runs this analysis."""
        if self.kind == "tran":
            assert self.stop is not None
            step = self.step if self.step is not None else self.stop / 1000
            return f"tran {step!r} {self.stop!r} 0 {step!r} uic"
        if self.kind == "ac":
            assert self.fstart is not None
            fstop = self.fstop if self.fstop is not None else self.fstart
            if fstop == self.fstart:
                return f"ac lin 1 {self.fstart!r} {fstop!r}"
            return f"ac dec {self.points} {self.fstart!r} {fstop!r}"
        return "op"


@dataclass(frozen=True)
class Deck:
    """A rebuilt deck and the names of what to read back.

    Attributes
    ----------
    text : str
        The deck for ngspice.
    node_vectors : dict
        User node name -> ngspice vector name (``"out" -> "n2"``); ground is left out.
    currents : dict
        Element name -> how to read its current (see :class:`CurrentProbe`).
    """

    text: str
    node_vectors: dict[str, str]
    currents: dict[str, CurrentProbe]

    def current(self, name: str, values: Mapping[str, complex | float]) -> complex | float:
        """The current through element ``name`` from a run's vector values."""
        return self.currents[name].read(values)


@dataclass(frozen=True)
class CurrentProbe:
    """How to read one element's current from ngspice's vectors.

    Either a branch-current vector times ``sign``, or Ohm's law: (V(plus) - V(minus)) / R,
    with ``None`` standing for ground.
    """

    vector: str | None = None
    sign: float = 1.0
    plus: str | None = None
    minus: str | None = None
    resistance: float = 0.0

    @property
    def vectors(self) -> tuple[str, ...]:
        """The vectors the reading needs."""
        if self.vector is not None:
            return (self.vector,)
        return tuple(v for v in (self.plus, self.minus) if v is not None)

    def read(self, values: Mapping[str, complex | float]) -> complex | float:
        """The current, from vector name -> value."""
        if self.vector is not None:
            return self.sign * values[self.vector]
        plus = values[self.plus] if self.plus is not None else 0.0
        minus = values[self.minus] if self.minus is not None else 0.0
        return (plus - minus) / self.resistance


@dataclass(frozen=True)
class Job:
    """One simulation, as sent to a worker.

    Parameters
    ----------
    deck : str
        Text from :func:`build_deck`.
    analysis : Analysis
    at : float or None
        For a transient, return every vector's value at this time (linear interpolation).
        For an AC sweep, at this frequency. ``None``: the last point.
    waveforms : tuple of str
        Vectors to return whole, with the scale (time or frequency) as ``"scale"``.
    points : int or None
        Resample waveforms on this many evenly spaced points (keeps replies small).
    """

    deck: str
    analysis: Analysis
    at: float | None = None
    waveforms: tuple[str, ...] = ()
    points: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the pipe to a worker."""
        a = self.analysis
        return {
            "deck": self.deck,
            "analysis": {"kind": a.kind, "stop": a.stop, "step": a.step, "fstart": a.fstart,
                         "fstop": a.fstop, "points": a.points},
            "at": self.at,
            "waveforms": list(self.waveforms),
            "points": self.points,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Job:
        """Inverse of :meth:`to_dict`."""
        return cls(
            deck=str(data["deck"]),
            analysis=Analysis(**data["analysis"]),
            at=data.get("at"),
            waveforms=tuple(data.get("waveforms", ())),
            points=data.get("points"),
        )


@dataclass
class RawResult:
    """What a run returns: values of every vector at one point, and requested waveforms.

    Attributes
    ----------
    values : dict
        Vector name -> value (float; complex for AC).
    waveforms : dict
        Vector name -> list of values (``"scale"`` holds time or frequency).
    """

    values: dict[str, complex | float] = field(default_factory=dict)
    waveforms: dict[str, list[complex | float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form: complex numbers become ``[re, im]``."""

        def enc(v: complex | float) -> float | list[float]:
            return [v.real, v.imag] if isinstance(v, complex) else v

        return {
            "values": {k: enc(v) for k, v in self.values.items()},
            "waveforms": {k: [enc(x) for x in w] for k, w in self.waveforms.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RawResult:
        """Inverse of :meth:`to_dict`."""

        def dec(v: Any) -> complex | float:
            return complex(v[0], v[1]) if isinstance(v, list) else float(v)

        return cls(
            values={k: dec(v) for k, v in data["values"].items()},
            waveforms={k: [dec(x) for x in w] for k, w in data["waveforms"].items()},
        )


def _num(x: float) -> str:
    return repr(float(x))


def _source_text(element: Element, *, zeroed: bool, ac_from_sin: bool) -> str:
    src = element.source
    assert src is not None
    if zeroed:
        return "DC 0"
    parts = [f"DC {_num(src.dc_value)}"]
    if src.has_ac:
        parts.append(f"AC {_num(src.ac_mag)} {_num(src.ac_phase)}")
    elif ac_from_sin and src.sin is not None and len(src.sin) >= 2:
        phase = src.sin[5] if len(src.sin) >= 6 else 0.0
        parts.append(f"AC {_num(src.sin[1])} {_num(phase)}")
    if src.pulse is not None:
        parts.append("PULSE(" + " ".join(_num(v) for v in src.pulse) + ")")
    if src.sin is not None:
        parts.append("SIN(" + " ".join(_num(v) for v in src.sin) + ")")
    return " ".join(parts)


def build_deck(
    circuit: Circuit,
    *,
    zero_sources: bool = False,
    test_nodes: tuple[str, str] | None = None,
    ac_from_sin: bool = False,
) -> Deck:
    """Write the ngspice deck for a circuit (cached: circuits and decks are immutable).

    Parameters
    ----------
    circuit : Circuit
        A parsed, validated circuit.
    zero_sources : bool
        Set every independent source to zero (voltage sources short, current sources open),
        as for an equivalent resistance.
    test_nodes : (str, str) or None
        Inject :data:`REQ_TEST_CURRENT` into the first node and take it out of the second.
    ac_from_sin : bool
        Give a ``SIN`` source without an ``AC`` part the AC magnitude ``VA`` and phase
        ``PHASE`` of its sine, so "the sine source" drives an AC question.

    Returns
    -------
    Deck

    Notes
    -----
    Currents are read the cheapest way that is exact: V, E, H and L elements have their own
    branch current in ngspice; a resistor's is Ohm's law on its node voltages; an op-amp's is
    minus its E source's branch current. C, I, D, F and G elements, and any element other than
    a V source that controls an F or H, get a zero-volt ammeter ``VA<index>`` in series.

    Examples
    --------
    >>> from circuits.netlist import parse_netlist
    >>> print(build_deck(parse_netlist("V1 in 0 5\\nR1 in 0 1k\\nC1 in 0 1u")).text)
    * kirchhoff deck
    V1 n1 0 DC 5.0
    R2 n1 0 1000.0
    C3 n1 a3 1e-06
    VA3 a3 0 DC 0
    .end
    """
    return _build_deck(circuit, zero_sources, test_nodes, ac_from_sin)


@functools.lru_cache(maxsize=256)
def _build_deck(
    circuit: Circuit, zero_sources: bool, test_nodes: tuple[str, str] | None, ac_from_sin: bool
) -> Deck:
    node_map = {node: ("0" if node == "0" else f"n{i}") for i, node in enumerate(circuit.nodes)}
    index = {e.name: i for i, e in enumerate(circuit.elements, start=1)}
    controls = {e.control for e in circuit.elements if e.control is not None}
    lines = [TITLE]
    probes: dict[str, CurrentProbe] = {}
    has_diode = False

    def vec(node: str) -> str | None:
        return None if node == "0" else node_map[node]

    for i, element in enumerate(circuit.elements, start=1):
        kind = element.kind
        nodes = [node_map[n] for n in element.nodes]
        amp = kind in "CIDFG" or (element.name in controls and kind != "V")
        second = f"a{i}" if amp else nodes[1] if kind != "X" else "0"
        if kind == "X":
            # The op-amp's output stage: a VCVS from the output to ground. Its branch current
            # flows from the output through the source to ground, so the current the output
            # pushes into the circuit is minus that.
            lines.append(f"E{i} {nodes[2]} {second} {nodes[0]} {nodes[1]} {_num(OPAMP_GAIN)}")
            if amp:
                lines.append(f"VA{i} {second} 0 DC 0")
                probes[element.name] = CurrentProbe(vector=f"va{i}#branch", sign=-1.0)
            else:
                probes[element.name] = CurrentProbe(vector=f"e{i}#branch", sign=-1.0)
            continue
        if kind in "RCL":
            assert element.value is not None
            line = f"{kind}{i} {nodes[0]} {second} {_num(element.value)}"
            if element.ic is not None:
                line += f" IC={_num(element.ic)}"
        elif kind in "VI":
            text = _source_text(element, zeroed=zero_sources, ac_from_sin=ac_from_sin)
            line = f"{kind}{i} {nodes[0]} {second} {text}"
        elif kind in "EG":
            assert element.value is not None
            line = f"{kind}{i} {nodes[0]} {second} {nodes[2]} {nodes[3]} {_num(element.value)}"
        elif kind in "FH":
            assert element.value is not None and element.control is not None
            k = index[element.control]
            control = f"V{k}" if element.control.startswith("V") else f"VA{k}"
            line = f"{kind}{i} {nodes[0]} {second} {control} {_num(element.value)}"
        else:  # D
            has_diode = True
            line = f"D{i} {nodes[0]} {second} kdiode"
        lines.append(line)
        if amp:
            lines.append(f"VA{i} {second} {nodes[1]} DC 0")
            probes[element.name] = CurrentProbe(vector=f"va{i}#branch")
        elif kind == "R":
            assert element.value is not None
            probes[element.name] = CurrentProbe(
                plus=vec(element.nodes[0]), minus=vec(element.nodes[1]),
                resistance=element.value,
            )
        else:  # V, E, H, L carry their own branch current
            probes[element.name] = CurrentProbe(vector=f"{kind.lower()}{i}#branch")
    if test_nodes is not None:
        a, b = (node_map[n] for n in test_nodes)
        # Current leaves a SPICE current source at its second node: into a, back from b.
        lines.append(f"ITEST {b} {a} DC {_num(REQ_TEST_CURRENT)}")
    if has_diode:
        lines.append(DIODE_MODEL)
    lines.append(".end")
    return Deck(
        text="\n".join(lines),
        node_vectors={n: v for n, v in node_map.items() if n != "0"},
        currents=probes,
    )


_NUMBER = r"-?\d+\.?\d*(?:e[+-]?\d+)?"  # repr() of a finite float; never inf or nan
_TOKEN = rf"(?:[na]\d+|0|VA?\d+|kdiode|DC|AC|IC={_NUMBER}|(?:PULSE\(|SIN\()?{_NUMBER}\)?)"
_SAFE_LINE = re.compile(rf"(?:[RCLVIEFGHD]A?\d+|ITEST)(?: {_TOKEN})+")
_SAFE_COMMAND = re.compile(
    r"op|tran (?:N) (?:N) 0 (?:N) uic|ac lin 1 (?:N) (?:N)|ac dec \d{1,4} (?:N) (?:N)".replace(
        "N", _NUMBER
    )
)


def check_job(job: Job) -> None:
    """Refuse a job whose deck or command is not what :func:`build_deck` writes.

    The worker calls this before loading anything into ngspice: defence in depth, so that only
    element lines, the default diode model and ``.end`` ever reach the simulator.

    Raises
    ------
    SimulationError
        If any line or the command does not match the rebuilt-deck grammar.
    """
    _check_deck(job.deck)
    if not _SAFE_COMMAND.fullmatch(job.analysis.command()):
        raise SimulationError("refusing an analysis command")


@functools.lru_cache(maxsize=64)
def _check_deck(deck: str) -> None:
    # Cached: a worker sees the same few decks again and again (every student answering one
    # item), and a verdict on a string does not change. Refusals raise, so they are not cached.
    lines = deck.split("\n")
    if not lines or lines[0] != TITLE or lines[-1] != ".end":
        raise SimulationError("refusing a deck that was not built by circuits.spice")
    for line in lines[1:-1]:
        if line != DIODE_MODEL and not _SAFE_LINE.fullmatch(line):
            raise SimulationError(f"refusing deck line {line[:60]!r}")


_CONVERGENCE = re.compile(
    r"timestep too small|no convergence|gmin stepping failed|source stepping failed|"
    r"singular matrix|iteration limit reached",
    re.IGNORECASE,
)
# Every line _FAILURE matches contains one of these, in any letter case.
_FAILURE_WORDS = ("error", "aborted", "doanalyses:", "not parsed")
_FAILURE = re.compile(
    r"^(?:stderr )?(?:error\b|.*simulation\(s\) aborted|doanalyses:|.*circuit not parsed)",
    re.IGNORECASE,
)


def classify_failure(chatter: list[str]) -> SimulationError | None:
    """Turn ngspice's output lines into an error, or ``None`` if the run succeeded.

    ngspice writes notes and warnings on stderr during successful runs (the missing ``spinit``,
    gmin stepping that then succeeds); PySpice 1.5 treats any of them as failure (its issue
    379). Here only lines that announce an error or an aborted analysis count.

    Parameters
    ----------
    chatter : list of str
        Lines as delivered by ngspice's output callback (``"stderr ..."``/``"stdout ..."``).

    Returns
    -------
    SimulationError or None
        A :class:`~circuits.errors.ConvergenceError` when the failure is a convergence failure.

    Examples
    --------
    >>> classify_failure(["stderr Note: can't find the initialization file spinit."]) is None
    True
    >>> classify_failure(["stderr Error: Transient op failed, timestep too small",
    ...                   "stderr op simulation(s) aborted"])
    ConvergenceError('ngspice did not converge: Error: Transient op failed, timestep too small')
    """
    text = "\n".join(chatter).lower()
    if not any(word in text for word in _FAILURE_WORDS):
        return None  # the usual case, without running the regular expression on every line
    failures = [line for line in chatter if _FAILURE.match(line)]
    if not failures:
        return None
    first = failures[0].removeprefix("stderr ").removeprefix("stdout ").strip()
    if any(_CONVERGENCE.search(line) for line in chatter):
        return ConvergenceError(f"ngspice did not converge: {first}")
    return SimulationError(f"ngspice could not simulate the circuit: {first}")
