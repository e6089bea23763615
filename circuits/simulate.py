"""Answer questions about circuits with ngspice: node voltages, currents, powers, Req, tau.

:func:`evaluate` is the one-call entry point (``evaluate("V1 a 0 5\\nR1 a 0 1k", "I(R1)")``);
:func:`solve` returns every node voltage and branch current of one analysis, which the answer
checker uses to name the quantity a wrong answer matches.

Sign conventions (SPICE's): ``I(X)`` flows through the element from its first node to its
second, so a source delivering power has a negative current; ``P(X) = V(first, second) * I(X)``
is the power the element absorbs. For an op-amp ``X1``, ``I(X1)`` is the current its output
pushes into the circuit and ``P(X1) = -V(out) * I(X1)``.
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from circuits.ask import Ask, parse_ask
from circuits.errors import AskError, SimulationError
from circuits.netlist import Circuit, parse_netlist
from circuits.pool import Runner, default_pool
from circuits.spice import REQ_TEST_CURRENT, Analysis, Deck, Job, RawResult, build_deck
from circuits.units import Quantity

__all__ = [
    "Solution",
    "evaluate",
    "evaluate_circuit",
    "measure_tau",
    "read_value",
    "solve",
    "sweep",
]

Number = complex | float


@dataclass(frozen=True)
class Solution:
    """Every node voltage and branch current of a circuit at one point of one analysis.

    Attributes
    ----------
    circuit : Circuit
    analysis : str
        ``"op"``, ``"tran"`` or ``"ac"``.
    node_voltages : dict
        Node -> voltage (complex phasor for AC), ground ``"0"`` included as 0.
    branch_currents : dict
        Element name -> current through it (see the module docstring for the sign).
    time, freq : float or None
        Where a transient or AC solution was taken.
    """

    circuit: Circuit
    analysis: str
    node_voltages: dict[str, Number]
    branch_currents: dict[str, Number]
    time: float | None = None
    freq: float | None = None
    extra: dict[str, float] = field(default_factory=dict)

    def voltage(self, a: str, b: str = "0") -> Number:
        """``V(a, b)``."""
        return self.node_voltages[a] - self.node_voltages[b]

    def element_voltage(self, name: str) -> Number:
        """Voltage across an element, first terminal with respect to the second."""
        element = self.circuit.element(name)
        a, b = element.terminals
        return self.voltage(a, b)

    def current(self, name: str) -> Number:
        """Current through an element."""
        return self.branch_currents[self.circuit.element(name).name]

    def power(self, name: str) -> float:
        """Power absorbed by an element (real quantities only)."""
        if self.analysis == "ac":
            raise AskError("power is asked of DC or transient quantities only")
        element = self.circuit.element(name)
        v = float(self.element_voltage(name).real)
        i = float(self.current(name).real)
        return -v * i if element.kind == "X" else v * i


def _as_circuit(netlist: str | Circuit) -> Circuit:
    return netlist if isinstance(netlist, Circuit) else parse_netlist(netlist)


def _as_ask(ask: str | Ask) -> Ask:
    return ask if isinstance(ask, Ask) else parse_ask(ask)


def _solution(
    circuit: Circuit, raw: RawResult, deck: Deck, analysis: str, time: float | None,
    freq: float | None,
) -> Solution:
    try:
        voltages: dict[str, Number] = {"0": 0.0}
        voltages.update({n: raw.values[v] for n, v in deck.node_vectors.items()})
        currents = {e.name: deck.current(e.name, raw.values) for e in circuit.elements}
    except KeyError as exc:
        raise SimulationError(f"ngspice returned no value for {exc.args[0]}") from None
    return Solution(circuit, analysis, voltages, currents, time=time, freq=freq)


def _ac_driven(circuit: Circuit) -> bool:
    return any(
        e.source is not None and (e.source.has_ac or e.source.sin is not None)
        for e in circuit.elements
    )


def solve(
    netlist: str | Circuit,
    analysis: Analysis,
    *,
    at: float | None = None,
    runner: Runner | None = None,
) -> Solution:
    """Simulate a circuit and return all its voltages and currents at one point.

    Parameters
    ----------
    netlist : str or Circuit
    analysis : Analysis
        ``Analysis("op")``, ``Analysis("tran", stop=t)``, ``Analysis("ac", fstart=f)``.
    at : float or None
        Time or frequency to read; default the last point (the transient's end).
    runner : Runner or None
        Where ngspice runs; default :func:`circuits.pool.default_pool`.

    Returns
    -------
    Solution

    Raises
    ------
    NetlistError, SimulationError
    AskError
        For an AC analysis of a circuit with no AC or SIN source.
    """
    circuit = _as_circuit(netlist)
    if analysis.kind == "ac" and not _ac_driven(circuit):
        raise AskError("no source has an AC part: give one, for example 'V1 in 0 AC 1'")
    deck = build_deck(circuit, ac_from_sin=analysis.kind == "ac")
    raw = (runner or default_pool()).run(Job(deck.text, analysis, at=at))
    point = at if at is not None else analysis.stop if analysis.kind == "tran" else None
    if analysis.kind == "ac" and at is None:
        point = analysis.fstop if analysis.fstop is not None else analysis.fstart
    return _solution(
        circuit, raw, deck, analysis.kind,
        time=point if analysis.kind == "tran" else None,
        freq=point if analysis.kind == "ac" else None,
    )


def _signal(solution: Solution, ask: Ask) -> Number:
    if ask.quantity == "V":
        return solution.voltage(*ask.args)
    if ask.quantity == "I":
        return solution.current(ask.args[0])
    if ask.quantity == "P":
        return solution.power(ask.args[0])
    raise AskError(f"{ask} cannot be read from one solution")


def read_value(solution: Solution, ask: Ask) -> Quantity:
    """Read an ``op``, ``tran`` or ``ac`` question's value from a solution of that analysis."""
    signal = _signal(solution, ask)
    if ask.analysis == "ac":
        phasor = complex(signal)
        if ask.part == "phase":
            return Quantity(math.degrees(cmath.phase(phasor)), "deg")
        return Quantity(abs(phasor), ask.unit)
    return Quantity(float(signal.real), ask.unit)


def _req(circuit: Circuit, ask: Ask, runner: Runner) -> float:
    a, b = ask.args
    deck = build_deck(circuit, zero_sources=True, test_nodes=(a, b))
    raw = runner.run(Job(deck.text, Analysis("op")))
    va = 0.0 if a == "0" else float(raw.values[deck.node_vectors[a]].real)
    vb = 0.0 if b == "0" else float(raw.values[deck.node_vectors[b]].real)
    return (va - vb) / REQ_TEST_CURRENT


def _time_scale_guess(circuit: Circuit) -> float:
    r_total = sum(e.value or 0.0 for e in circuit.elements if e.kind == "R")
    r_min = min((e.value or 1.0 for e in circuit.elements if e.kind == "R"), default=1.0)
    c_total = sum(e.value or 0.0 for e in circuit.elements if e.kind == "C")
    l_total = sum(e.value or 0.0 for e in circuit.elements if e.kind == "L")
    if c_total == 0 and l_total == 0:
        raise AskError("the circuit has no capacitor or inductor, so no time constant")
    return max(r_total * c_total + l_total / r_min, 1e-12)


def measure_tau(
    netlist: str | Circuit, ask: str | Ask, *, runner: Runner | None = None
) -> tuple[float, Solution]:
    """Time constant of the step response of a voltage or current.

    The circuit starts from rest at t = 0 (capacitors uncharged, inductors without current,
    sources at their t = 0 value, as SPICE's ``uic``); the step ends at t = 0 for DC sources,
    at TD + TR of the first edge for PULSE sources. The time constant is the time, from the end
    of the step, the signal takes to cover 1 - 1/e (63.2 %) of its way from its value then to
    its final value; for a first-order circuit that is exactly tau = RC or L/R, also when the
    signal jumps at the step and decays back (an inductor's voltage).

    Parameters
    ----------
    netlist : str or Circuit
    ask : str or Ask
        ``tau(V(n))`` or ``tau(I(X))``.
    runner : Runner or None

    Returns
    -------
    (float, Solution)
        Tau in seconds, and the settled solution at the end of the run.

    Raises
    ------
    AskError
        If the circuit has no energy storage, or the signal does not move or never settles.

    Notes
    -----
    The first run lasts ten times a generous guess of the slowest time constant,
    (sum of R)(sum of C) + (sum of L)/(smallest R); it is lengthened tenfold until the signal
    settles (at most five times), then rerun over ten measured time constants so that the
    2000 samples resolve the crossing finely. Linear interpolation between samples.
    """
    circuit = _as_circuit(netlist)
    query = _as_ask(ask)
    if query.analysis != "tau":
        raise AskError(f"{query} is not a time-constant question")
    query.check_against(circuit)
    runner = runner or default_pool()
    deck = build_deck(circuit)
    vectors, read = _signal_reader(query, deck, circuit)

    def run(stop: float) -> tuple[list[float], list[float], Solution]:
        analysis = Analysis("tran", stop=stop, step=stop / 2000)
        raw = runner.run(Job(deck.text, analysis, waveforms=vectors))
        solution = _solution(circuit, raw, deck, "tran", stop, None)
        t = [float(x.real) for x in raw.waveforms["scale"]]
        y = [float(read({v: raw.waveforms[v][k] for v in vectors}).real)
             for k in range(len(t))]
        return t, y, solution

    stop = 10 * _time_scale_guess(circuit)
    # The step ends when every PULSE source has finished its first edge (TD + TR); a DC source
    # steps at t = 0 under SPICE's uic.
    t_step = max(
        (sum(e.source.pulse[2:4]) for e in circuit.elements
         if e.source is not None and e.source.pulse is not None),
        default=0.0,
    )
    for _ in range(6):
        stop = max(stop, 20 * t_step)
        t, y, solution = run(stop)
        start = _interp(t, y, t_step)
        swing = y[-1] - start
        scale = max(abs(v) for v in y) or 1.0
        tail = [v for ti, v in zip(t, y, strict=True) if ti >= 0.8 * stop]
        settled = max(tail) - min(tail) <= 1e-3 * max(abs(swing), 1e-9 * scale)
        if settled:
            break
        stop *= 10
    else:
        raise AskError(f"{query.base} does not settle, so it has no single time constant")
    if abs(swing) <= 1e-6 * scale:
        raise AskError(f"{query.base} does not change after the step: no time constant")
    final = y[-1]
    crossing = _crossing(t, y, t_step, start, final)
    if crossing - t_step < (stop - t_step) / 50:
        t, y, _ = run(t_step + 10 * (crossing - t_step))
        crossing = _crossing(t, y, t_step, _interp(t, y, t_step), final)
    return crossing - t_step, solution


def _interp(t: list[float], y: list[float], at: float) -> float:
    if at <= t[0]:
        return y[0]
    for k in range(1, len(t)):
        if t[k] >= at:
            frac = (at - t[k - 1]) / (t[k] - t[k - 1]) if t[k] != t[k - 1] else 0.0
            return y[k - 1] + frac * (y[k] - y[k - 1])
    return y[-1]


def _crossing(t: list[float], y: list[float], t0: float, start: float, final: float) -> float:
    target = start + (1 - math.exp(-1)) * (final - start)
    rising = final > start
    for k in range(1, len(t)):
        if t[k] <= t0:
            continue
        if (y[k] >= target) if rising else (y[k] <= target):
            y0, y1 = y[k - 1], y[k]
            frac = 0.0 if y1 == y0 else (target - y0) / (y1 - y0)
            return max(t[k - 1] + frac * (t[k] - t[k - 1]), t0)
    raise AskError("the signal never reaches 63 % of its final value")


def _signal_reader(
    ask: Ask, deck: Deck, circuit: Circuit
) -> tuple[tuple[str, ...], Callable[[Mapping[str, Number]], Number]]:
    """The vectors a tau question needs, and how to compute its signal from them."""
    if ask.quantity == "V":
        if len(ask.args) == 2:
            raise AskError("tau(...) takes V(n) of one node, or I(X)")
        vector = deck.node_vectors[ask.args[0]]
        return (vector,), lambda values: values[vector]
    probe = deck.currents[circuit.element(ask.args[0]).name]
    return probe.vectors, probe.read


def evaluate_circuit(
    circuit: Circuit, ask: Ask, *, runner: Runner | None = None
) -> tuple[Quantity, Solution | None]:
    """Like :func:`evaluate` on a parsed circuit and question, also returning the solution.

    The solution is the one the value was read from (``None`` for ``Req``), for diagnosis.
    """
    ask.check_against(circuit)
    runner = runner or default_pool()
    if ask.quantity == "Req":
        return Quantity(_req(circuit, ask, runner), "Ohm"), None
    if ask.analysis == "tau":
        tau, solution = measure_tau(circuit, ask, runner=runner)
        return Quantity(tau, "s"), solution
    if ask.analysis == "tran":
        assert ask.time is not None
        solution = solve(circuit, Analysis("tran", stop=ask.time), at=ask.time, runner=runner)
    elif ask.analysis == "ac":
        assert ask.freq is not None
        solution = solve(circuit, Analysis("ac", fstart=ask.freq), runner=runner)
    else:
        solution = solve(circuit, Analysis("op"), runner=runner)
    return read_value(solution, ask), solution


def evaluate(netlist: str | Circuit, ask: str | Ask, *, runner: Runner | None = None) -> Quantity:
    """The value of a question about a circuit, simulated with ngspice.

    Parameters
    ----------
    netlist : str or Circuit
        Netlist text (see :mod:`circuits.netlist`) or a parsed circuit.
    ask : str or Ask
        A question (see :mod:`circuits.ask`), e.g. ``"V(out)"``, ``"phase(V(out))@f=1kHz"``.
    runner : Runner or None
        Where ngspice runs; default the shared worker pool.

    Returns
    -------
    Quantity
        The value in base units with the question's unit.

    Raises
    ------
    NetlistError, AskError, SimulationError

    Examples
    --------
    >>> evaluate("V1 in 0 DC 10\\nR1 in out 1k\\nR2 out 0 1k", "V(out)")  # doctest: +SKIP
    Quantity(value=5.0, unit='V')
    """
    value, _ = evaluate_circuit(_as_circuit(netlist), _as_ask(ask), runner=runner)
    return value


def sweep(
    netlist: str | Circuit,
    analysis: Analysis,
    *,
    points: int | None = 101,
    runner: Runner | None = None,
) -> dict[str, object]:
    """Every node voltage and branch current over a whole analysis, as plain data.

    Parameters
    ----------
    netlist : str or Circuit
    analysis : Analysis
    points : int or None
        Resample a transient on this many evenly spaced times (``None``: ngspice's own points).
        AC sweeps keep their frequencies.
    runner : Runner or None

    Returns
    -------
    dict
        For ``op``: ``{"analysis", "node_voltages": {node: V}, "branch_currents": {name: A}}``.
        For ``tran``: also ``"time"``, and lists of values. For ``ac``: ``"frequency"``, and for
        each node or element ``{"mag": [...], "phase": [...]}`` (phase in degrees).
    """
    circuit = _as_circuit(netlist)
    if analysis.kind == "op":
        solution = solve(circuit, analysis, runner=runner)
        return {
            "analysis": "op",
            "node_voltages": {n: float(v.real) for n, v in solution.node_voltages.items()},
            "branch_currents": {n: float(i.real) for n, i in solution.branch_currents.items()},
        }
    if analysis.kind == "ac" and not _ac_driven(circuit):
        raise AskError("no source has an AC part: give one, for example 'V1 in 0 AC 1'")
    deck = build_deck(circuit, ac_from_sin=analysis.kind == "ac")
    job = Job(deck.text, analysis, waveforms=("*",),
              points=points if analysis.kind == "tran" else None)
    raw = (runner or default_pool()).run(job)
    scale = [float(x.real) for x in raw.waveforms["scale"]]

    def series(vector: str) -> object:
        data = raw.waveforms.get(vector, [])
        if analysis.kind == "ac":
            return {"mag": [abs(complex(x)) for x in data],
                    "phase": [math.degrees(cmath.phase(complex(x))) for x in data]}
        return [float(x.real) for x in data]

    def current(name: str) -> object:
        probe = deck.currents[name]
        data = [probe.read({v: raw.waveforms[v][k] for v in probe.vectors})
                for k in range(len(scale))]
        if analysis.kind == "ac":
            return {"mag": [abs(complex(x)) for x in data],
                    "phase": [math.degrees(cmath.phase(complex(x))) for x in data]}
        return [float(x.real) for x in data]

    return {
        "analysis": analysis.kind,
        "time" if analysis.kind == "tran" else "frequency": scale,
        "node_voltages": {n: series(v) for n, v in deck.node_vectors.items()},
        "branch_currents": {e.name: current(e.name) for e in circuit.elements},
    }
