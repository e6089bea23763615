"""A pool of isolated ngspice worker processes.

Every simulation of the web app runs here, never in the caller's process: one ngspice per
process (two threads sharing one crash the process), each worker started with ``subprocess`` in
an empty temporary directory with a memory limit, each job with a time limit. A worker that
hangs is killed and replaced and the caller gets :class:`~circuits.errors.SimulationTimeout`; a
worker that dies is replaced and the caller gets :class:`~circuits.errors.SimulationError`.

Why ``subprocess`` and not ``multiprocessing``: Celery's prefork children are daemonic
processes, which ``multiprocessing`` forbids to have children, and ``spawn`` would re-import
the caller's ``__main__``. A plain subprocess works the same from a Celery child, a Django
development-server thread, a test or the command line.

Thread safety: :meth:`SimulationPool.run` may be called from many threads at once; each call
takes an idle worker (waiting if all are busy), so at most ``workers`` simulations run at a
time. After ``fork()`` the child gets a fresh default pool; it never talks to its parent's
workers.

Examples
--------
>>> from circuits.netlist import parse_netlist
>>> from circuits.spice import Analysis, Job, build_deck
>>> deck = build_deck(parse_netlist("V1 a 0 5\\nR1 a 0 1k"))
>>> with SimulationPool(workers=1) as pool:
...     result = pool.run(Job(deck.text, Analysis("op")))
>>> result.values["n1"]
5.0
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any, Protocol

from circuits._wire import (
    STOP,
    Error,
    FrameReader,
    Ready,
    SpinWait,
    decode_reply,
    encode_job,
    write_frame,
)
from circuits.errors import ConvergenceError, SimulationError, SimulationTimeout
from circuits.spice import Job, RawResult

__all__ = [
    "Runner",
    "SimulationPool",
    "configure_default_pool",
    "default_pool",
    "shutdown_default_pool",
]

_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)
_WORKER_MODULE = "circuits._worker"  # tests put a misbehaving stand-in here


class Runner(Protocol):
    """Anything that runs a :class:`~circuits.spice.Job`: a pool, or an in-process runner."""

    def run(self, job: Job) -> RawResult:
        """Run one job."""
        ...


class _Worker:
    """One worker process and its pipes."""

    def __init__(self, memory_mb: int, spin_s: float = 0.0) -> None:
        self.workdir = tempfile.mkdtemp(prefix="kirchhoff-ngspice-")
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("SPICE_", "NGSPICE")) and key not in ("PYTHONSTARTUP",)
        }
        env.update(
            HOME=self.workdir,
            SPICE_SCRIPTS=self.workdir,
            SPICE_LIB_DIR=self.workdir,
            TMPDIR=self.workdir,
            TZ="UTC",  # without it, every ngspice run stats /etc/localtime
            OMP_NUM_THREADS="1",
            OPENBLAS_NUM_THREADS="1",
            MKL_NUM_THREADS="1",
            PYTHONPATH=os.pathsep.join(
                p for p in (_PACKAGE_ROOT, os.environ.get("PYTHONPATH", "")) if p
            ),
            PYTHONDONTWRITEBYTECODE="1",
        )
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
            [sys.executable, "-m", _WORKER_MODULE, "--parent", str(os.getpid()),
             "--memory-mb", str(memory_mb), "--spin-us", str(round(spin_s * 1e6))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=self.workdir,
            env=env,
            close_fds=True,
            start_new_session=True,  # a Ctrl-C meant for the caller does not kill it mid-job
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin: IO[bytes] = self.proc.stdin
        self.stdout: IO[bytes] = self.proc.stdout
        self._in = self.stdin.fileno()
        self._waiter = SpinWait(self.stdout.fileno(), spin_s)
        self.spin = False
        """Whether the next wait for a reply may spin (set by the pool for each job)."""
        self._reader = FrameReader(self.stdout.fileno(), self._wait)
        self.ready = False
        self.jobs = 0
        self.info: Ready | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _wait(self, seconds: float | None) -> bool:
        return self._waiter(seconds, spin=self.spin)

    def receive(self, deadline: float) -> tuple[Ready | RawResult | Error, bool] | None:
        """The next frame and the worker's exited flag, or None at the deadline.

        Raises EOFError if the worker died (FrameError if it sent something malformed).
        """
        body = self._reader.read(deadline)
        return None if body is None else decode_reply(body)

    def send(self, body: bytes) -> None:
        write_frame(self._in, body)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        self._cleanup()

    def stop(self) -> None:
        try:
            self.send(STOP)
            self.proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired, ValueError):
            self.kill()
        self._cleanup()

    def _cleanup(self) -> None:
        for stream in (self.stdin, self.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


class _Closed:
    """What a caller waiting for a worker gets once the pool is closed."""


_CLOSED = _Closed()


class SimulationPool:
    """Worker processes that run ngspice jobs.

    Parameters
    ----------
    workers : int
        Number of worker processes (simulations that can run at once).
    timeout_s : float
        Time limit of one job, in seconds. A job over it kills its worker.
    memory_mb : int
        Address-space limit of each worker (``RLIMIT_AS``), in MiB.
    max_jobs_per_worker : int
        Replace a worker after this many jobs, bounding any slow leak in ngspice.
    startup_timeout_s : float
        Time allowed for a new worker to load Python, PySpice and ngspice.
    spin_us : float
        Before sleeping until a reply comes (the caller) or the next job comes (a worker), poll
        the pipe for up to this many microseconds (see :class:`circuits._wire.SpinWait`): on a
        virtual machine, waking a process that sleeps on another CPU costs about as much as
        ngspice takes for a small circuit. The caller spins only when its job starts while no
        other is running, so client threads never spin against each other for the interpreter
        lock, and asks its worker to spin after replying only then; nothing spins after a wait
        longer than the spin, or while the machine has more runnable threads than CPUs.
        0 turns spinning off.

    Notes
    -----
    Workers start at once in the background; the first job waits for its worker to be ready
    (about half a second). Close the pool (or use it as a context manager) to stop them; the
    default pool is closed at interpreter exit.
    """

    def __init__(
        self,
        workers: int = 2,
        timeout_s: float = 10.0,
        memory_mb: int = 1024,
        *,
        max_jobs_per_worker: int = 20000,
        startup_timeout_s: float = 60.0,
        spin_us: float = 500.0,
    ) -> None:
        if workers < 1:
            raise ValueError("a pool needs at least one worker")
        if timeout_s <= 0 or memory_mb < 0 or spin_us < 0:
            raise ValueError("timeout_s must be positive, memory_mb and spin_us not negative")
        self.workers = workers
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.max_jobs_per_worker = max_jobs_per_worker
        self.startup_timeout_s = startup_timeout_s
        self.spin_s = spin_us * 1e-6
        self._running = 0
        self._idle: queue.LifoQueue[_Worker | None | _Closed] = queue.LifoQueue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._pid = os.getpid()
        self.replaced = 0
        """How many workers were killed or lost and replaced (for tests and monitoring)."""
        for _ in range(workers):
            self._idle.put(self._start())

    # -- workers --------------------------------------------------------------------------

    def _start(self) -> _Worker:
        worker = _Worker(self.memory_mb, self.spin_s)
        with self._lock:
            self._all.add(worker)
        return worker

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)
            self.replaced += 1

    def _retire(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            self._all.discard(worker)

    def _ensure_ready(self, worker: _Worker) -> None:
        if worker.ready:
            return
        try:
            frame = worker.receive(time.monotonic() + self.startup_timeout_s)
        except (EOFError, OSError, ValueError):
            frame = None
        if frame is None or not isinstance(frame[0], Ready):
            self._discard(worker)
            raise SimulationError("the simulation worker failed to start")
        worker.ready = True
        worker.info = frame[0]

    @property
    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        with self._lock:
            return sorted(w.pid for w in self._all)

    # -- jobs -----------------------------------------------------------------------------

    def run(self, job: Job, *, timeout_s: float | None = None) -> RawResult:
        """Run one job in a worker and return its result.

        Parameters
        ----------
        job : Job
        timeout_s : float or None
            Overrides the pool's time limit for this job.

        Raises
        ------
        SimulationTimeout
            The job ran over its time limit; its worker was killed and will be replaced.
        ConvergenceError
            ngspice did not converge.
        SimulationError
            ngspice failed, or the worker died (it will be replaced), or the pool is closed.
        """
        if self._closed:
            raise SimulationError("the simulation pool is closed")
        if os.getpid() != self._pid:
            raise SimulationError("this pool belongs to another process (use default_pool())")
        limit = self.timeout_s if timeout_s is None else timeout_s
        got = self._idle.get()
        if isinstance(got, _Closed):
            self._idle.put(got)  # wake the next waiter too: closed workers never come back
            raise SimulationError("the simulation pool is closed")
        worker = got
        with self._lock:
            self._running += 1
            alone = self._running == 1
        try:
            if worker is not None and worker.proc.poll() is not None:
                # It died while idle (the OOM killer, an operator): this job never ran,
                # so it must not be reported as having crashed the simulator.
                self._discard(worker)
                worker = None
            if worker is None:
                worker = self._start()
            self._ensure_ready(worker)
            worker.spin = alone
            reply = self._exchange(worker, job, limit)
        finally:
            with self._lock:
                self._running -= 1
            self._release(worker)
        return self._decode(reply)

    def _exchange(self, worker: _Worker, job: Job, limit: float) -> RawResult | Error:
        body = encode_job(job, spin_after=worker.spin)
        try:
            worker.send(body)
            reply = worker.receive(time.monotonic() + limit)
        except (EOFError, OSError, ValueError):
            code = worker.proc.poll()
            self._discard(worker)
            raise SimulationError(
                "the simulator crashed on this circuit"
                + (f" (exit status {code})" if code is not None else "")
            ) from None
        if reply is None:
            self._discard(worker)
            raise SimulationTimeout(f"the simulation took longer than {limit:g} s and was stopped")
        worker.jobs += 1
        message, exited = reply
        if isinstance(message, Ready):  # only the first frame may say this
            self._discard(worker)
            raise SimulationError("the simulation worker sent an unexpected reply")
        if exited:
            self._discard(worker)
        elif worker.jobs >= self.max_jobs_per_worker:
            self._retire(worker)
        return message

    def _release(self, worker: _Worker | None) -> None:
        if worker is not None and worker not in self._all:
            worker = None
        if self._closed:
            if worker is not None:
                self._retire(worker)
            return
        if worker is None:
            # Replace a lost worker now, so that it loads while the caller reads its error.
            try:
                worker = self._start()
            except OSError:
                worker = None  # the next job tries again
        self._idle.put(worker)

    @staticmethod
    def _decode(reply: RawResult | Error) -> RawResult:
        if isinstance(reply, RawResult):
            return reply
        message = reply.message or "the simulation failed"
        if reply.kind == "convergence":
            raise ConvergenceError(message)
        raise SimulationError(message)

    def map(self, jobs: Iterable[Job]) -> list[RawResult | SimulationError]:
        """Run jobs on all workers at once; each entry is a result or the error it raised."""

        def one(job: Job) -> RawResult | SimulationError:
            try:
                return self.run(job)
            except SimulationError as exc:
                return exc

        with ThreadPoolExecutor(max_workers=self.workers) as executor:
            return list(executor.map(one, jobs))

    # -- lifetime -------------------------------------------------------------------------

    def close(self) -> None:
        """Stop every worker and remove their directories. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if os.getpid() != self._pid:
            return  # the workers belong to the parent process
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            if isinstance(worker, _Worker):
                self._retire(worker)
        self._idle.put(_CLOSED)

    def __enter__(self) -> SimulationPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()


_default: SimulationPool | None = None
_default_lock = threading.Lock()
_default_options: dict[str, Any] = {}


def configure_default_pool(
    *, workers: int | None = None, timeout_s: float | None = None, memory_mb: int | None = None
) -> None:
    """Set the options of the default pool (for example from Django settings).

    Takes effect when the default pool is next created; an existing one is closed.
    """
    global _default
    options = {"workers": workers, "timeout_s": timeout_s, "memory_mb": memory_mb}
    with _default_lock:
        _default_options.clear()
        _default_options.update({k: v for k, v in options.items() if v is not None})
        old, _default = _default, None
    if old is not None:
        old.close()


def default_pool() -> SimulationPool:
    """The process's shared pool, created on first use and closed at exit.

    Safe from any thread; after a ``fork()`` the child creates its own.
    """
    global _default
    with _default_lock:
        if _default is None or _default._closed or _default._pid != os.getpid():
            _default = SimulationPool(**_default_options)
        return _default


def shutdown_default_pool() -> None:
    """Close the default pool if it exists (also registered with :mod:`atexit`)."""
    global _default
    with _default_lock:
        old, _default = _default, None
    if old is not None:
        old.close()


def _forget_after_fork() -> None:
    global _default, _default_lock
    # The parent's workers and lock are not ours; start afresh without touching them.
    _default = None
    _default_lock = threading.Lock()


atexit.register(shutdown_default_pool)
os.register_at_fork(after_in_child=_forget_after_fork)


def run_all(runner: Runner, jobs: Sequence[Job]) -> list[RawResult]:
    """Run jobs on a runner, in parallel when it is a pool; raise the first error."""
    results: list[RawResult | SimulationError]
    if isinstance(runner, SimulationPool):
        results = list(runner.map(jobs))
    else:
        results = []
        for job in jobs:
            results.append(runner.run(job))
    for r in results:
        if isinstance(r, SimulationError):
            raise r
    return [r for r in results if isinstance(r, RawResult)]
