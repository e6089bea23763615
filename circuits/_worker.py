"""A simulation worker process: one ngspice, jobs in, results out.

Started by :class:`circuits.pool.SimulationPool` as ``python -m circuits._worker`` in an empty
temporary directory that is also its ``HOME`` and ``SPICE_SCRIPTS``, so ngspice finds neither a
``spinit`` nor a ``.spiceinit`` to run. It caps its own address space, and exits when its
parent goes away.

Protocol: frames of a 4-byte big-endian length and a compact binary body
(:mod:`circuits._wire`), on the stdin/stdout pipes it was started with. The process's real file
descriptors 0, 1 and 2 are then pointed at ``/dev/null``, because ngspice prints some lines
straight to stdout and stderr and they must not corrupt the frames. The first frame out is a
ready frame (pid and ngspice version); then for each job frame in, one result or error frame. A
stop frame ends the worker.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import sys
import threading
import time

from circuits._wire import (
    STOP,
    FrameError,
    FrameReader,
    SpinWait,
    decode_job,
    encode_error,
    encode_ready,
    encode_result,
    spin_after,
    write_frame,
)

__all__ = ["main"]


def _watch_parent(parent: int) -> None:
    # The pipes close when the parent dies, but a worker busy inside ngspice would not notice
    # until its run ends; polling the parent id bounds that.
    while True:
        if os.getppid() != parent:
            os._exit(0)
        time.sleep(0.5)


def _serve(inp: int, out: int, spin_s: float = 0.0) -> None:
    from circuits.engine import NgspiceEngine
    from circuits.errors import ConvergenceError, SimulationError

    engine = NgspiceEngine.instance()
    write_frame(out, encode_ready(os.getpid(), str(engine.version)))
    waiter = SpinWait(inp, spin_s)
    spin = False
    reader = FrameReader(inp, lambda seconds: waiter(seconds, spin=spin))
    while True:
        try:
            body = reader.read()
        except EOFError:
            return
        if body is None or body == STOP:  # None: no deadline was given, so never
            return
        spin = spin_after(body)
        kind = "simulation"
        try:
            reply = encode_result(engine.run(decode_job(body)), exited=engine.exited)
        except FrameError as exc:
            reply = encode_error(kind, f"bad job: {exc}", exited=engine.exited)
        except ConvergenceError as exc:
            reply = encode_error("convergence", str(exc), exited=engine.exited)
        except SimulationError as exc:
            reply = encode_error(kind, str(exc), exited=engine.exited)
        except MemoryError:
            reply = encode_error("memory", "the simulation ran out of memory",
                                 exited=engine.exited)
        except (KeyError, TypeError, ValueError) as exc:
            reply = encode_error(kind, f"bad job: {exc}", exited=engine.exited)
        write_frame(out, reply)
        if engine.exited:
            return


def main(argv: list[str] | None = None) -> None:
    """Run a worker until told to stop or orphaned."""
    parser = argparse.ArgumentParser(prog="python -m circuits._worker")
    parser.add_argument("--parent", type=int, required=True)
    parser.add_argument("--memory-mb", type=int, default=0)
    parser.add_argument("--spin-us", type=int, default=0)
    args = parser.parse_args(argv)

    inp, out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process

    if args.memory_mb > 0:
        limit = args.memory_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    threading.Thread(target=_watch_parent, args=(args.parent,), daemon=True).start()
    with contextlib.suppress(BrokenPipeError):
        _serve(inp, out, args.spin_us * 1e-6)
    os._exit(0)  # skip interpreter teardown: ngspice's atexit handlers can hang or crash


if __name__ == "__main__":
    main()
