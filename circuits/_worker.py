"""A simulation worker process: one ngspice, jobs in, results out.

Started by :class:`circuits.pool.SimulationPool` as ``python -m circuits._worker`` in an empty
temporary directory that is also its ``HOME`` and ``SPICE_SCRIPTS``, so ngspice finds neither a
``spinit`` nor a ``.spiceinit`` to run. It caps its own address space, and exits when its
parent goes away.

Protocol: frames of a 4-byte big-endian length and a JSON object, on the stdin/stdout pipes it
was started with. The process's real file descriptors 0, 1 and 2 are then pointed at
``/dev/null``, because ngspice prints some lines straight to stdout and stderr and they must not
corrupt the frames. The first frame out is ``{"ready": true, ...}``; then for each job frame in,
one reply ``{"ok": true, "result": ...}`` or ``{"ok": false, "error": kind, "message": ...}``.
A ``{"op": "stop"}`` frame ends the worker.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import struct
import sys
import threading
import time
from typing import IO, Any

__all__ = ["main", "read_frame", "write_frame"]

_HEADER = struct.Struct(">I")
MAX_FRAME = 64 * 1024 * 1024


def write_frame(stream: IO[bytes], message: dict[str, Any]) -> None:
    """Write one length-prefixed JSON frame."""
    data = json.dumps(message, separators=(",", ":")).encode("utf-8")
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exact(stream: IO[bytes], n: int) -> bytes:
    chunks = []
    while n:
        chunk = stream.read(n)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(stream: IO[bytes]) -> dict[str, Any]:
    """Read one frame; raise EOFError when the other side has gone."""
    (length,) = _HEADER.unpack(_read_exact(stream, _HEADER.size))
    if length > MAX_FRAME:
        raise EOFError
    message = json.loads(_read_exact(stream, length))
    if not isinstance(message, dict):
        raise EOFError
    return message


def _watch_parent(parent: int) -> None:
    # The pipes close when the parent dies, but a worker busy inside ngspice would not notice
    # until its run ends; polling the parent id bounds that.
    while True:
        if os.getppid() != parent:
            os._exit(0)
        time.sleep(0.5)


def _serve(inp: IO[bytes], out: IO[bytes]) -> None:
    from circuits.engine import NgspiceEngine
    from circuits.errors import ConvergenceError, SimulationError
    from circuits.spice import Job

    engine = NgspiceEngine.instance()
    write_frame(out, {"ready": True, "pid": os.getpid(), "ngspice": engine.version})
    while True:
        try:
            message = read_frame(inp)
        except EOFError:
            return
        if message.get("op") == "stop":
            return
        try:
            job = Job.from_dict(message["job"])
            result = engine.run(job)
            reply: dict[str, Any] = {"ok": True, "result": result.to_dict()}
        except ConvergenceError as exc:
            reply = {"ok": False, "error": "convergence", "message": str(exc)}
        except SimulationError as exc:
            reply = {"ok": False, "error": "simulation", "message": str(exc)}
        except MemoryError:
            reply = {"ok": False, "error": "memory", "message": "the simulation ran out of memory"}
        except (KeyError, TypeError, ValueError) as exc:
            reply = {"ok": False, "error": "simulation", "message": f"bad job: {exc}"}
        reply["exited"] = engine.exited
        write_frame(out, reply)
        if engine.exited:
            return


def main(argv: list[str] | None = None) -> None:
    """Run a worker until told to stop or orphaned."""
    parser = argparse.ArgumentParser(prog="python -m circuits._worker")
    parser.add_argument("--parent", type=int, required=True)
    parser.add_argument("--memory-mb", type=int, default=0)
    args = parser.parse_args(argv)

    inp = os.fdopen(os.dup(0), "rb", buffering=0)
    out = os.fdopen(os.dup(1), "wb", buffering=0)
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
        _serve(inp, out)
    os._exit(0)  # skip interpreter teardown: ngspice's atexit handlers can hang or crash


if __name__ == "__main__":
    main()
