"""The messages between :mod:`circuits.pool` and :mod:`circuits._worker`, as compact bytes.

Every message travels as one frame: a 4-byte big-endian length, then the body, whose first byte
says what it is. Numbers travel as IEEE doubles, text as UTF-8 with a length in front. Decoding
uses only :mod:`struct` and :mod:`array` on the bytes received, never ``pickle`` or ``marshal``:
the parent reads what a worker that runs ngspice on untrusted circuits sends back, and a
malformed body must be an error (:class:`FrameError`), never code.

Why not JSON: on a check that ngspice solves in 0.1 ms, encoding and decoding the job and the
reply as JSON dicts and converting them to :class:`~circuits.spice.Job` and
:class:`~circuits.spice.RawResult` cost about 35 us; these fixed layouts cost a few.

Bodies
------
``J`` job
    flags (bits 0-5 set: that field is None; bit 6: spin after replying), analysis kind, stop,
    step, fstart, fstop, points, at, resample points; then the deck and the ``\\n``-joined
    waveform names.
``S`` stop
``Y`` ready
    the worker's pid, then ngspice's version.
``R`` result
    exited flag, then the names of the values (``\\n``-joined), a kind byte per value
    (``r`` real, ``c`` complex), the doubles (two for a complex value); then each waveform
    as name, kind, count and doubles.
``E`` error
    exited flag, error kind, message.
"""

from __future__ import annotations

import math
import os
import select
import struct
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass

from circuits.errors import SimulationError
from circuits.spice import Analysis, Job, RawResult

__all__ = [
    "MAX_FRAME",
    "Error",
    "FrameError",
    "FrameReader",
    "Ready",
    "SpinWait",
    "decode_job",
    "decode_reply",
    "encode_error",
    "encode_job",
    "encode_ready",
    "encode_result",
    "spin_after",
    "write_frame",
]

MAX_FRAME = 64 * 1024 * 1024
HEADER = struct.Struct(">I")
STOP = b"S"

_KINDS = ("op", "tran", "ac")
# tag, None-flags, kind; stop, step, fstart, fstop; points; at; resample points
_JOB = struct.Struct("<cBB4dQdq")
_JOB_FIELDS = ("stop", "step", "fstart", "fstop", "at", "npoints")
_LEN = struct.Struct("<I")
_FLAG_LEN = struct.Struct("<cBI")  # tag, exited, length of the first text
_READY = struct.Struct("<cI")
_WAVE = struct.Struct("<IcI")  # name length, kind, number of values
_DOUBLES_BIG_ENDIAN = struct.pack("=d", 1.0) != struct.pack("<d", 1.0)


class FrameError(EOFError):
    """A frame that is not one this protocol writes; treated like a worker that went away."""


@dataclass(frozen=True)
class Ready:
    """The first frame a worker sends."""

    pid: int
    ngspice: str


@dataclass(frozen=True)
class Error:
    """A job that failed in the worker."""

    kind: str
    message: str


def _doubles(values: list[float]) -> bytes:
    data = array("d", values)
    if _DOUBLES_BIG_ENDIAN:  # the wire is little-endian, whatever the machine
        data.byteswap()
    return data.tobytes()


def _read_doubles(body: memoryview, at: int, n: int) -> tuple[list[float], int]:
    end = at + 8 * n
    if end > len(body):
        raise FrameError("truncated frame")
    data = array("d")
    data.frombytes(body[at:end])
    if _DOUBLES_BIG_ENDIAN:
        data.byteswap()
    return data.tolist(), end


def _text(body: memoryview, at: int, n: int) -> tuple[str, int]:
    end = at + n
    if end > len(body):
        raise FrameError("truncated frame")
    return str(body[at:end], "utf-8"), end


# -- jobs ---------------------------------------------------------------------------------------


_SPIN_AFTER = 1 << 6


def encode_job(job: Job, *, spin_after: bool = False) -> bytes:
    """The body of a job frame.

    ``spin_after`` asks the worker to poll for its next job for a while after replying (see
    :class:`SpinWait`): worth it only when the caller has nothing else running.
    """
    a = job.analysis
    numbers = (a.stop, a.step, a.fstart, a.fstop, job.at, job.points)
    flags = _SPIN_AFTER if spin_after else 0
    for bit, value in enumerate(numbers):
        if value is None:
            flags |= 1 << bit
    stop, step, fstart, fstop, at, npoints = (0 if v is None else v for v in numbers)
    deck = job.deck.encode("utf-8")
    waves = "\n".join(job.waveforms).encode("utf-8")
    try:
        head = _JOB.pack(b"J", flags, _KINDS.index(a.kind), stop, step, fstart, fstop, a.points,
                         at, npoints)
    except struct.error as exc:
        raise SimulationError(f"cannot send this job to a worker: {exc}") from None
    return b"".join((head, _LEN.pack(len(deck)), deck, waves))


def spin_after(body: bytes) -> bool:
    """Whether a job frame asks its worker to spin after replying."""
    return len(body) > 1 and body[:1] == b"J" and bool(body[1] & _SPIN_AFTER)


def decode_job(body: bytes) -> Job:
    """Inverse of :func:`encode_job`.

    Raises
    ------
    FrameError
        If the body is not a job frame.
    ValueError
        If the job itself is invalid (an analysis :class:`~circuits.spice.Analysis` refuses).
    """
    view = memoryview(body)
    try:
        tag, flags, kind, *numbers = _JOB.unpack_from(view)
        (n,) = _LEN.unpack_from(view, _JOB.size)
    except struct.error:
        raise FrameError("truncated job frame") from None
    if tag != b"J" or kind >= len(_KINDS):
        raise FrameError("not a job frame")
    stop, step, fstart, fstop, points, at, npoints = numbers
    values = dict(zip(_JOB_FIELDS, (stop, step, fstart, fstop, at, npoints), strict=True))
    for bit, name in enumerate(_JOB_FIELDS):
        if flags & (1 << bit):
            values[name] = None
    deck, end = _text(view, _JOB.size + _LEN.size, n)
    waves = str(view[end:], "utf-8")
    return Job(
        deck=deck,
        analysis=Analysis(_KINDS[kind], stop=values["stop"], step=values["step"],
                          fstart=values["fstart"], fstop=values["fstop"], points=points),
        at=values["at"],
        waveforms=tuple(waves.split("\n")) if waves else (),
        points=values["npoints"],
    )


# -- replies ------------------------------------------------------------------------------------


def encode_ready(pid: int, ngspice: str) -> bytes:
    """The body of the ready frame."""
    return _READY.pack(b"Y", pid) + ngspice.encode("utf-8")


def encode_error(kind: str, message: str, *, exited: bool) -> bytes:
    """The body of an error reply."""
    k = kind.encode("utf-8")
    return _FLAG_LEN.pack(b"E", exited, len(k)) + k + message.encode("utf-8")


def _split(values: list[complex | float]) -> tuple[bytes, list[float]]:
    kinds = bytearray()
    numbers: list[float] = []
    for v in values:
        if isinstance(v, complex):
            kinds += b"c"
            numbers += (v.real, v.imag)
        else:
            kinds += b"r"
            numbers.append(v)
    return bytes(kinds), numbers


def _join(kinds: bytes, numbers: list[float]) -> list[complex | float]:
    if kinds.count(b"r") == len(kinds):
        return numbers  # type: ignore[return-value]  # all real: the common case
    out: list[complex | float] = []
    i = 0
    for k in kinds:
        if k == 0x63:  # "c"
            out.append(complex(numbers[i], numbers[i + 1]))
            i += 2
        elif k == 0x72:  # "r"
            out.append(numbers[i])
            i += 1
        else:
            raise FrameError("unknown value kind")
    return out


def encode_result(result: RawResult, *, exited: bool = False) -> bytes:
    """The body of a result reply."""
    names = "\n".join(result.values).encode("utf-8")
    kinds, numbers = _split(list(result.values.values()))
    parts = [_FLAG_LEN.pack(b"R", exited, len(names)), names, kinds, _doubles(numbers),
             _LEN.pack(len(result.waveforms))]
    for name, wave in result.waveforms.items():
        n = name.encode("utf-8")
        complex_ = any(isinstance(x, complex) for x in wave)
        flat: list[float] = []
        if complex_:
            for x in wave:
                c = complex(x)
                flat += (c.real, c.imag)
        else:
            flat = list(wave)  # type: ignore[arg-type]
        parts += [_WAVE.pack(len(n), b"c" if complex_ else b"r", len(wave)), n, _doubles(flat)]
    return b"".join(parts)


def decode_reply(body: bytes) -> tuple[Ready | RawResult | Error, bool]:
    """Decode a frame from a worker: what it says, and whether its ngspice has exited.

    Raises
    ------
    FrameError
        If the body is not a frame a worker writes.
    """
    view = memoryview(body)
    try:
        tag = bytes(view[:1])
        if tag == b"Y":
            _, pid = _READY.unpack_from(view)
            return Ready(pid, str(view[_READY.size:], "utf-8")), False
        _, exited, n = _FLAG_LEN.unpack_from(view)
        first, at = _text(view, _FLAG_LEN.size, n)
        if tag == b"E":
            return Error(first, str(view[at:], "utf-8")), bool(exited)
        if tag != b"R":
            raise FrameError("not a reply frame")
        names = first.split("\n") if first else []
        kinds = bytes(view[at:at + len(names)])
        if len(kinds) != len(names):
            raise FrameError("truncated frame")
        numbers, at = _read_doubles(view, at + len(names), len(kinds) + kinds.count(b"c"))
        result = RawResult(values=dict(zip(names, _join(kinds, numbers), strict=True)))
        (waves,) = _LEN.unpack_from(view, at)
        at += _LEN.size
        for _ in range(waves):
            n, kind, count = _WAVE.unpack_from(view, at)
            name, at = _text(view, at + _WAVE.size, n)
            numbers, at = _read_doubles(view, at, count * (2 if kind == b"c" else 1))
            result.waveforms[name] = _join(kind * count, numbers)
    except (struct.error, UnicodeDecodeError) as exc:
        raise FrameError(f"malformed frame: {exc}") from None
    if at != len(view):
        raise FrameError("trailing bytes in frame")
    return result, bool(exited)


# -- frames on file descriptors -----------------------------------------------------------------


class _Crowding:
    """Whether more threads are runnable right now than this process has CPUs for.

    Read from the kernel's count of runnable threads (``/proc/loadavg``, which counts the reader
    too) at most every 50 ms. On a crowded machine a spinning process takes the CPU time the
    process it waits for needs, so spinning makes waits longer, not shorter.
    """

    PATH = "/proc/loadavg"

    def __init__(self) -> None:
        try:
            self.cpus = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            self.cpus = os.cpu_count() or 1
        self._checked = -math.inf
        self._crowded = False

    def __call__(self) -> bool:
        now = time.monotonic()
        if now - self._checked >= 0.05:
            self._checked = now
            try:
                with open(self.PATH, "rb") as fh:
                    running = int(fh.read().split()[3].split(b"/")[0])
            except (OSError, ValueError, IndexError):
                running = 0  # no count to go by: spinning is still bounded
            self._crowded = running > self.cpus
        return self._crowded


crowded = _Crowding()


class SpinWait:
    """Wait until a descriptor is readable, polling it for a short, bounded time before sleeping.

    Waking a process that sleeps on another, idle virtual CPU costs the waker an
    inter-processor interrupt through the hypervisor and the sleeper a late start: tens of
    microseconds each way, as long as ngspice takes to solve a small circuit. A process that
    polls instead of sleeping needs no wake-up. The spin adapts: after a wait longer than
    ``spin_s`` the next wait sleeps at once, so a worker idle between sparse requests, or a
    caller waiting for a long transient, burns no CPU; a short wait turns spinning back on.
    Nothing spins while more threads are runnable than there are CPUs (:data:`crowded`).

    Parameters
    ----------
    fd : int
        The descriptor to wait on.
    spin_s : float
        Longest spin, in seconds; 0 never spins.
    """

    def __init__(self, fd: int, spin_s: float) -> None:
        self._poller = select.poll()
        self._poller.register(fd, select.POLLIN)
        self.spin_s = spin_s
        self.last_s = 0.0
        """How long the last wait took (for the adaptive rule, and for tests)."""

    def __call__(self, seconds: float | None, *, spin: bool = True) -> bool:
        """True when readable, False after ``seconds`` (``None``: no limit)."""
        poll = self._poller.poll
        clock = time.perf_counter
        start = clock()
        limit = math.inf if seconds is None else seconds
        if spin and self.spin_s > 0 and self.last_s <= self.spin_s and not crowded():
            end = start + min(self.spin_s, limit)
            while True:
                if poll(0):
                    self.last_s = clock() - start
                    return True
                if clock() >= end:
                    break
        remaining = limit - (clock() - start)
        # poll() takes milliseconds and rounds up, so a deadline is never cut short.
        ready = bool(poll(None if seconds is None else max(remaining, 0.0) * 1000.0))
        self.last_s = clock() - start
        return ready


def write_frame(fd: int, body: bytes) -> None:
    """Write one frame with as few system calls as the pipe allows (one, below 64 KiB)."""
    data = memoryview(HEADER.pack(len(body)) + body)
    while data:
        data = data[os.write(fd, data):]


class FrameReader:
    """Reads whole frames from a file descriptor, keeping what arrives beyond one frame.

    Parameters
    ----------
    fd : int
        The descriptor to read from (a pipe).
    wait : callable or None
        ``wait(seconds) -> bool``: block until the descriptor is readable or the time is up
        (``None``: wait for ever). Used for every read, so a peer that stops in the middle of a
        frame cannot hold the reader past its deadline either.
    """

    def __init__(self, fd: int, wait: Callable[[float | None], bool] | None = None) -> None:
        self.fd = fd
        self._wait = wait
        self._buffer = bytearray()

    def _frame(self) -> bytes | None:
        buffer = self._buffer
        if len(buffer) < HEADER.size:
            return None
        (length,) = HEADER.unpack_from(buffer)
        if length > MAX_FRAME:
            raise FrameError("frame too large")
        end = HEADER.size + length
        if len(buffer) < end:
            return None
        body = bytes(buffer[HEADER.size:end])
        del buffer[:end]
        return body

    def read(self, deadline: float | None = None) -> bytes | None:
        """The next frame's body, or None at ``deadline`` (a :func:`time.monotonic` time).

        Raises
        ------
        EOFError
            If the other side closed the pipe (a :class:`FrameError` for a bad frame).
        """
        while True:
            body = self._frame()
            if body is not None:
                return body
            if self._wait is not None:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                if not self._wait(remaining):
                    return None
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                raise EOFError
            self._buffer += chunk
