"""Benchmark of circuits answer checks: throughput of the worker pool and overhead over ngspice.

Run ``python benchmarks/bench_circuits.py`` (``--quick`` for a smoke run). Prints a Markdown
table and the machine it ran on.

What is measured
----------------
* **checks/s, one worker / two workers**: full ``circuits.check.check_answer`` calls (parse the
  netlist, question and answer, rebuild the deck, simulate in a pool worker, diagnose), from
  one client thread per worker, so both workers are kept busy. Speed-up = two / one.
* **overhead**: time of one ``check_answer`` through a one-worker pool (the parse of a netlist
  seen before comes from a cache, as when many students answer one item; one row changes the
  text every call to show the uncached cost), divided by the time of
  *bare ngspice* on the same circuit: the same netlist as a plain SPICE deck (title, the
  netlist's lines, ``.end``; the op-amp written as its E source), loaded into ngspice's shared
  library in this process through PySpice's ``NgSpiceShared`` with ``ngSpice_Circ``, the
  analysis command run, every vector read, and the circuit and plots freed (``remcirc``,
  ``destroy all``): the least any in-process integration does per check. ``ngspice -b`` per
  check (a new process each time, as a naive integration would do) is shown for reference.

Targets: two workers at least 1.7 times one on 2 cores; overhead under 2 times bare ngspice.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from circuits.check import check_answer  # noqa: E402
from circuits.pool import SimulationPool  # noqa: E402

# (name, netlist, ask, answer, analysis command for bare ngspice)
WORKLOAD = [
    ("divider", "V1 in 0 DC 10\nR1 in out 1k\nR2 out 0 1k", "V(out)", "5 V", "op"),
    ("bridge", "V1 a 0 10\nR1 a b 1k\nR2 a c 2k\nR3 b 0 2k\nR4 c 0 1k\nR5 b c 5k", "I(R5)",
     "0.3 mA", "op"),
    ("inverting-amp", "V1 in 0 0.5\nR1 in inv 1k\nR2 inv out 10k\nX1 0 inv out OPAMP\n"
     "RL out 0 10k", "V(out)", "-5 V", "op"),
    ("ladder-10", "V1 n0 0 DC 10\n" + "".join(f"R{i} n{i} n{i + 1} 1k\nRs{i} n{i + 1} 0 2k\n"
                                               for i in range(10)), "V(n5)", "1 V", "op"),
    ("rc-lowpass-ac", "V1 in 0 AC 1\nR1 in out 1k\nC1 out 0 1u", "phase(V(out))@f=159.155Hz",
     "-45", "ac lin 1 159.155 159.155"),
    ("rc-step-tran", "V1 in 0 DC 5\nR1 in out 1k\nC1 out 0 1u", "V(out)@t=1ms", "3.16 V",
     "tran 1e-06 0.001 0 1e-06 uic"),
]


def plain_deck(netlist: str) -> str:
    """The netlist as a plain SPICE deck (the op-amp as the E source it stands for)."""
    lines = ["* bare"]
    for line in netlist.splitlines():
        parts = line.split()
        if parts and parts[-1].upper() == "OPAMP":
            name, plus, minus, out = parts[:4]
            line = f"E{name} {out} 0 {plus} {minus} 1e6"
        lines.append(line)
    lines.append(".end")
    return "\n".join(lines)


class Bare:
    """ngspice's shared library in this process, driven the least possible way."""

    def __init__(self) -> None:
        import logging

        from PySpice.Spice.NgSpice.Shared import NgSpiceShared, ffi

        logging.getLogger("PySpice").setLevel(logging.CRITICAL)

        class Quiet(NgSpiceShared):  # type: ignore[misc]
            # The C callbacks themselves, as circuits.engine has them: PySpice's versions log
            # and keep every output line, which no lean integration would pay for.
            @staticmethod
            def _send_char(message, ngspice_id: int, user_data) -> int:
                return 0

            @staticmethod
            def _send_stat(message, ngspice_id: int, user_data) -> int:
                return 0

        self.ffi = ffi
        self.ng = Quiet(ngspice_id=0)
        self.lib = self.ng._ngspice_shared

    def run(self, deck: str, command: str) -> dict[str, float]:
        ffi, lib = self.ffi, self.lib
        keep = [ffi.new("char[]", line.encode()) for line in deck.split("\n")]
        keep.append(ffi.new("char[]", b""))
        lib.ngSpice_Circ(ffi.new("char *[]", [*keep, ffi.NULL]))
        lib.ngSpice_Command(command.encode())
        plot = ffi.string(lib.ngSpice_CurPlot())
        names = lib.ngSpice_AllVecs(plot)
        out: dict[str, float] = {}
        i = 0
        while names[i] != ffi.NULL:
            name = ffi.string(names[i])
            info = lib.ngGet_Vec_Info(plot + b"." + name)
            n = info.v_length
            if info.v_compdata == ffi.NULL:
                out[name.decode()] = info.v_realdata[n - 1]
            else:
                out[name.decode()] = info.v_compdata[n - 1].cx_real
            i += 1
        lib.ngSpice_Command(b"remcirc")
        lib.ngSpice_Command(b"destroy all")
        return out


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) used so far by this process and the given worker processes."""
    total = time.process_time()
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def per_call(fn, seconds: float, pids: list[int]) -> tuple[float, float]:
    """Wall-clock and CPU seconds per call (CPU of this process and of ``pids``)."""
    fn()
    calls, start, cpu0 = 0, time.perf_counter(), cpu_seconds(pids)
    while time.perf_counter() - start < seconds or calls < 3:
        fn()
        calls += 1
    wall = (time.perf_counter() - start) / calls
    return wall, (cpu_seconds(pids) - cpu0) / calls


def paired(ours, bare, rounds: int, seconds: float, pids: list[int]) -> dict[str, float]:
    """Medians of wall and CPU time per call of each, and of their per-round ratios.

    The two are measured in alternation, round after round, so that load from other processes
    on a shared machine weighs on both alike.
    """
    rows: list[tuple[float, float, float, float]] = []
    for _ in range(rounds):
        ow, oc = per_call(ours, seconds, pids)
        bw, bc = per_call(bare, seconds, [])
        rows.append((ow, bw, oc, bc))
    med = statistics.median
    return {
        "ours": med(r[0] for r in rows), "bare": med(r[1] for r in rows),
        "wall_ratio": med(r[0] / r[1] for r in rows),
        "ours_cpu": med(r[2] for r in rows), "bare_cpu": med(r[3] for r in rows),
        "cpu_ratio": med(r[2] / r[3] for r in rows),
    }


def throughput(pool: SimulationPool, clients: int, seconds: float) -> float:
    """Checks per second with ``clients`` threads calling check_answer on the workload."""
    counts = [0] * clients
    stop = time.perf_counter() + seconds
    barrier = threading.Barrier(clients)

    def client(k: int) -> None:
        barrier.wait()
        i = k
        while time.perf_counter() < stop:
            _, netlist, ask, answer, _ = WORKLOAD[i % len(WORKLOAD)]
            check_answer(netlist, ask, answer, runner=pool)
            counts[k] += 1
            i += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - started)


def ngspice_batch(deck: str, command: str, runs: int) -> float | None:
    exe = shutil.which("ngspice")
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "c.cir")
        kind = command.split()[0]
        node = deck.split("\n")[1].split()[1]
        # Batch mode runs a transient or AC analysis only when something is printed.
        printed = "" if kind == "op" else f".print {kind} v({node})\n"
        path.write_text(deck.replace(".end", f".{command}\n{printed}.end"))
        env = {"PATH": os.environ.get("PATH", ""), "HOME": tmp}
        t0 = time.perf_counter()
        for _ in range(runs):
            subprocess.run([exe, "-b", str(path)], cwd=tmp, env=env, capture_output=True,
                           check=True, timeout=60)
        return (time.perf_counter() - t0) / runs


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        model = next(line.split(":", 1)[1].strip() for line in out.splitlines()
                     if line.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        pass
    load = os.getloadavg()[0]
    return (f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load average {load:.1f} at start, {date.today().isoformat()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    args = parser.parse_args()
    seconds = 1.0 if args.quick else 3.0
    per = 0.3 if args.quick else 0.6

    print(f"Machine: {machine()}\n")
    workdir = tempfile.mkdtemp(prefix="kirchhoff-bench-")
    os.environ.update(HOME=workdir, SPICE_SCRIPTS=workdir)
    os.chdir(workdir)  # bare ngspice runs in this process: give it an empty directory too
    bare = Bare()

    rounds = 3 if args.quick else 7
    # Workers are not recycled during the run (in service one restart of about 0.5 s every
    # 20000 jobs adds some 25 us per check), so that the CPU accounting follows one process.
    keep = {"max_jobs_per_worker": 10**9}
    with SimulationPool(workers=1, **keep) as one, SimulationPool(workers=2, **keep) as two:
        check_answer(*WORKLOAD[0][1:4], runner=one)
        pids = one.pids
        rows = []
        for name, netlist, ask, answer, command in WORKLOAD:
            deck = plain_deck(netlist)
            m = paired(lambda n=netlist, a=ask, b=answer: check_answer(n, a, b, runner=one),
                       lambda d=deck, c=command: bare.run(d, c), rounds, per, pids)
            m["batch"] = ngspice_batch(deck, command, 3 if args.quick else 10)
            rows.append((name, m))
        # The same divider with a new comment every call: no parse cache can help.
        counter = iter(range(10**9))
        name, netlist, ask, answer, command = WORKLOAD[0]
        deck = plain_deck(netlist)
        m = paired(
            lambda: check_answer(f"* call {next(counter)}\n{netlist}", ask, answer, runner=one),
            lambda: bare.run(deck, command), rounds, per, pids)
        rows.insert(1, (f"{name}, new text each call", m))
        throughput(two, 2, 0.5)  # both workers warm
        speedups, singles, doubles = [], [], []
        for _ in range(rounds):
            single = throughput(one, 1, seconds)
            double = throughput(two, 2, seconds)
            singles.append(single)
            doubles.append(double)
            speedups.append(double / single)
    shutil.rmtree(workdir, ignore_errors=True)

    print(f"| check (medians of {rounds} alternating rounds) | ours, ms | bare, ms "
          "| ours / bare, wall | ours / bare, CPU | ngspice -b, ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, m in rows:
        b = f"{m['batch'] * 1e3:.1f}" if m.get("batch") else "-"
        print(f"| {name} | {m['ours'] * 1e3:.2f} | {m['bare'] * 1e3:.2f} | "
              f"{m['wall_ratio']:.2f} | {m['cpu_ratio']:.2f} | {b} |")
    workload = [m for name, m in rows if "new text" not in name]
    gm = statistics.geometric_mean
    print(f"| **geometric mean** (workload rows) | | | "
          f"**{gm([m['wall_ratio'] for m in workload]):.2f}** | "
          f"**{gm([m['cpu_ratio'] for m in workload]):.2f}** | |")
    print()
    print(f"| pool (medians of {rounds} alternating rounds) | checks/s, mixed workload |")
    print("|---|---:|")
    print(f"| one worker, one client thread | {statistics.median(singles):.0f} |")
    print(f"| two workers, two client threads | {statistics.median(doubles):.0f} |")
    print(f"| **speed-up** (median of per-round ratios; all: "
          f"{', '.join(f'{x:.2f}' for x in speedups)}) | **{statistics.median(speedups):.2f}** |")


if __name__ == "__main__":
    main()
