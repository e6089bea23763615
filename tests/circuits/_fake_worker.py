"""A stand-in for circuits._worker that misbehaves on purpose (see test_wire.py).

``KIRCHHOFF_FAKE_WORKER`` picks the misbehaviour once the first job arrives:
``die-mid-frame`` sends half a reply and exits, ``hang-mid-frame`` sends half a reply and
sleeps, ``garbage`` sends a well-framed body that is no reply, ``ready-again`` answers a job
with a second ready frame.
"""

import os
import struct
import sys
import time

from circuits._wire import FrameReader, encode_ready, encode_result, write_frame
from circuits.spice import RawResult


def main() -> None:
    mode = os.environ.get("KIRCHHOFF_FAKE_WORKER", "")
    inp, out = sys.stdin.fileno(), sys.stdout.fileno()
    write_frame(out, encode_ready(os.getpid(), "fake"))
    FrameReader(inp).read()
    body = encode_result(RawResult(values={"n1": 1.0}))
    if mode in ("die-mid-frame", "hang-mid-frame"):
        frame = struct.pack(">I", len(body)) + body
        os.write(out, frame[: len(frame) // 2])
        if mode == "die-mid-frame":
            os._exit(3)
        time.sleep(60)
    elif mode == "garbage":
        write_frame(out, b"R\x00\xff\xff\xff\xffnot a reply")
    elif mode == "ready-again":
        write_frame(out, encode_ready(os.getpid(), "fake"))
    time.sleep(60)


if __name__ == "__main__":
    main()
