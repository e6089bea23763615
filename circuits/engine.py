"""Drive ngspice's shared library in this process, through PySpice's ``NgSpiceShared``.

Only one ngspice may live in a process, and two threads sharing it crash the process, so this
module is used by exactly two callers: the simulation worker (:mod:`circuits._worker`, one per
process) and :class:`InProcessRunner`, which benchmarks and single-threaded scripts may choose
knowingly. The web app never runs ngspice in its own process; it goes through
:mod:`circuits.pool`.

Why not PySpice's high-level API: PySpice 1.5 treats every line ngspice writes on stderr as a
failure (PySpice issue 379; ngspice 39 writes notes there on every successful run) and warns
that ngspice 39 is "unsupported". We keep PySpice's library loading, callbacks and vector
reading, and judge success ourselves from the output lines
(:func:`circuits.spice.classify_failure`).
We free every circuit (``remcirc``) and every plot (``destroy all``) after each run, because
PySpice leaks memory otherwise (PySpice issues 246 and 373).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from circuits.errors import SimulationError
from circuits.spice import Job, RawResult, check_job, classify_failure

__all__ = ["InProcessRunner", "NgspiceEngine"]

_engine_lock = threading.Lock()
_engine: NgspiceEngine | None = None

# ngspice keeps every command in a history; clearing it now and then bounds memory.
_CLEAR_HISTORY_EVERY = 1000


class NgspiceEngine:
    """The process's ngspice, loaded once.

    Use :meth:`instance`, never the constructor twice in one process.

    Notes
    -----
    The caller is responsible for the process: run it in an empty directory with ``HOME`` and
    ``SPICE_SCRIPTS`` pointing there, so ngspice reads no ``spinit`` and no ``.spiceinit``
    (:mod:`circuits._worker` does this).
    """

    def __init__(self) -> None:
        # Imported here: PySpice pulls in numpy and cffi, which `import circuits` must not pay.
        from PySpice.Spice.NgSpice.Shared import NgSpiceShared, ffi

        chatter: list[str] = []
        self._chatter = chatter
        self._ffi = ffi
        self.exited = False
        engine = self

        class _Shared(NgSpiceShared):  # type: ignore[misc]
            # ngspice calls these through the C callbacks PySpice registers. PySpice's own
            # versions also log every line and keep it in lists that only its high-level API
            # clears: a leak of some 0.4 kB per run, and several microseconds per line.
            @staticmethod
            def _send_char(message: Any, ngspice_id: int, user_data: Any) -> int:
                chatter.append(ffi.string(message).decode("utf-8", "replace"))
                return 0

            @staticmethod
            def _send_stat(message: Any, ngspice_id: int, user_data: Any) -> int:
                return 0

            @staticmethod
            def _exit(*args: Any) -> int:
                # ngspice quit after a fatal error: this library is unusable from now on.
                engine.exited = True
                return 0

        # PySpice logs an "Unsupported Ngspice version 39" warning and, at error level, the
        # harmless missing-spinit note. Both are known and expected here; keep them out of the
        # logs (this silences only PySpice's own logger, during loading).
        pyspice_logger = logging.getLogger("PySpice")
        level = pyspice_logger.level
        pyspice_logger.setLevel(logging.CRITICAL)
        try:
            self._shared = _Shared(ngspice_id=0, send_data=False, verbose=False)
        finally:
            pyspice_logger.setLevel(level)
        self._lib = self._shared._ngspice_shared
        self._runs = 0
        self.version = self._shared.ngspice_version

    @classmethod
    def instance(cls) -> NgspiceEngine:
        """The process's engine, created on first use."""
        global _engine
        with _engine_lock:
            if _engine is None:
                _engine = cls()
            return _engine

    def _command(self, command: str) -> int:
        return int(self._lib.ngSpice_Command(command.encode("ascii")))

    def _load(self, deck: str) -> int:
        ffi = self._ffi
        keep = [ffi.new("char[]", line.encode("ascii")) for line in deck.split("\n")]
        keep.append(ffi.new("char[]", b""))
        array = ffi.new("char *[]", [*keep, ffi.NULL])
        return int(self._lib.ngSpice_Circ(array))

    def _last_values(self, plot: str) -> dict[str, complex | float]:
        """The last value of every vector, without numpy (an operating point is one value)."""
        ffi, lib, null = self._ffi, self._lib, self._ffi.NULL
        prefix = plot.encode("ascii") + b"."
        names = lib.ngSpice_AllVecs(prefix[:-1])
        out: dict[str, complex | float] = {}
        i = 0
        while names[i] != null:
            name = ffi.string(names[i])
            info = lib.ngGet_Vec_Info(prefix + name)
            i += 1
            if info == null:
                continue
            n = info.v_length - 1
            if n < 0:
                continue
            if info.v_compdata == null:
                out[name.decode("ascii", "replace")] = float(info.v_realdata[n])
            else:
                c = info.v_compdata[n]
                out[name.decode("ascii", "replace")] = complex(c.cx_real, c.cx_imag)
        return out

    def _vectors(self, plot: str) -> dict[str, Any]:
        import numpy as np

        ffi = self._ffi
        names = self._lib.ngSpice_AllVecs(plot.encode("ascii"))
        out: dict[str, Any] = {}
        i = 0
        while names[i] != ffi.NULL:
            name = ffi.string(names[i]).decode("ascii", "replace")
            info = self._lib.ngGet_Vec_Info(f"{plot}.{name}".encode("ascii"))
            i += 1
            if info == ffi.NULL:
                continue
            n = info.v_length
            if info.v_compdata == ffi.NULL:
                out[name] = np.frombuffer(ffi.buffer(info.v_realdata, n * 8), np.float64).copy()
            else:
                raw = np.frombuffer(ffi.buffer(info.v_compdata, n * 16), np.float64)
                out[name] = raw[0::2] + 1j * raw[1::2]
        return out

    def run(self, job: Job) -> RawResult:
        """Run one job and free everything it created.

        Raises
        ------
        SimulationError
            If the deck is refused, ngspice reports an error, or no data comes back.
        ConvergenceError
            If ngspice does not converge.
        """
        import numpy as np

        check_job(job)
        if self.exited:
            raise SimulationError("ngspice has exited in this process")
        self._runs += 1
        if self._runs % _CLEAR_HISTORY_EVERY == 0:
            self._lib.ngSpice_Command(self._ffi.NULL)
        self._chatter.clear()
        try:
            rc = self._load(job.deck)
            if rc == 0:
                rc = self._command(job.analysis.command())
            failure = classify_failure(self._chatter)
            if failure is not None:
                raise failure
            if rc != 0 or self.exited:
                raise SimulationError("ngspice stopped while simulating the circuit")
            plot = ""
            current = self._lib.ngSpice_CurPlot()
            if current != self._ffi.NULL:
                plot = self._ffi.string(current).decode("ascii", "replace")
            if not plot or plot == "const":
                raise SimulationError("ngspice returned no results")
            if job.at is None and not job.waveforms:
                last = self._last_values(plot)
                last.pop("time", None)
                last.pop("frequency", None)
                if not last:
                    raise SimulationError("ngspice returned no results")
                return RawResult(values=last)
            vectors = self._vectors(plot)
        finally:
            self._command("remcirc")
            self._command("destroy all")
            self._chatter.clear()

        scale_name = {"tran": "time", "ac": "frequency"}.get(job.analysis.kind)
        scale = vectors.pop(scale_name, None) if scale_name else None
        if not vectors or any(len(v) == 0 for v in vectors.values()):
            raise SimulationError("ngspice returned no results")
        result = RawResult()
        for name, data in vectors.items():
            if scale is not None and job.at is not None and len(scale) > 1:
                if np.iscomplexobj(data):
                    value = complex(np.interp(job.at, scale.real, data.real),
                                    np.interp(job.at, scale.real, data.imag))
                else:
                    value = float(np.interp(job.at, scale, data))
                result.values[name] = value
            else:
                last = data[-1]
                result.values[name] = complex(last) if np.iscomplexobj(data) else float(last)
        if job.waveforms and scale is not None:
            axis = scale.real
            # ngspice's first transient point is at tstep/100, not 0; a resampled transient
            # starts at 0 with that first value (the state the run starts from).
            first = 0.0 if job.analysis.kind == "tran" else axis[0]
            grid = np.linspace(first, axis[-1], job.points) if job.points else axis
            result.waveforms["scale"] = [float(x) for x in grid]
            wanted = vectors.keys() if "*" in job.waveforms else job.waveforms
            for name in wanted:
                if name not in vectors:
                    continue
                data = vectors[name]
                if np.iscomplexobj(data):
                    re_ = np.interp(grid, axis, data.real)
                    im_ = np.interp(grid, axis, data.imag)
                    result.waveforms[name] = [complex(a, b) for a, b in zip(re_, im_, strict=True)]
                else:
                    result.waveforms[name] = [float(x) for x in np.interp(grid, axis, data)]
        return result


class InProcessRunner:
    """Run simulations in the calling process, without isolation.

    For benchmarks and trusted single-threaded scripts only: a crash or hang of ngspice takes
    the caller with it, and it must not be used from two threads. Servers use
    :class:`circuits.pool.SimulationPool`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def run(self, job: Job) -> RawResult:
        """Run one job in this process."""
        with self._lock:
            return NgspiceEngine.instance().run(job)
