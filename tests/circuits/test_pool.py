"""The worker pool: isolation, time and memory limits, crashes, threads, clean shutdown."""

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import pytest

from circuits.errors import SimulationError, SimulationTimeout
from circuits.netlist import Circuit, Element, Source, parse_netlist
from circuits.pool import SimulationPool, default_pool, shutdown_default_pool
from circuits.simulate import evaluate
from circuits.spice import Analysis, Job, build_deck

pytestmark = pytest.mark.spice

RC = build_deck(parse_netlist("V1 a 0 PULSE(0 1 0 1n 1n 1u 2u)\nR1 a b 1k\nC1 b 0 1n"))
OP = Job(RC.text, Analysis("op"))
# A transient of 1e11 steps: ngspice would run for hours, storing every point.
ENDLESS = Job(RC.text, Analysis("tran", stop=1000.0, step=1e-8))


def _worker_dirs():
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "kirchhoff-ngspice-*")))


def test_ngspice_never_runs_in_the_callers_process(pool):
    pool.run(OP)
    assert pool.pids and os.getpid() not in pool.pids
    import sys

    assert "PySpice" not in " ".join(sys.modules)  # not even loaded here


def test_worker_has_an_address_space_limit(pool):
    pool.run(OP)
    pid = pool.pids[0]
    with open(f"/proc/{pid}/limits") as fh:
        line = next(line for line in fh if line.startswith("Max address space"))
    assert line.split()[3] == str(pool.memory_mb * 1024 * 1024)


def test_a_hung_simulation_is_killed_and_its_worker_replaced():
    with SimulationPool(workers=1, timeout_s=1.0) as pool:
        pool.run(OP)
        old = pool.pids
        started = time.monotonic()
        with pytest.raises(SimulationTimeout, match="longer than 1 s"):
            pool.run(ENDLESS)
        assert time.monotonic() - started < 10
        assert pool.run(OP).values["n1"] == 0.0
        assert pool.pids != old and pool.replaced == 1
        for pid in old:
            assert not os.path.exists(f"/proc/{pid}") or _is_zombie(pid)


def _is_zombie(pid):
    with open(f"/proc/{pid}/status") as fh:
        return "zombie" in fh.read()


def test_a_crashed_worker_gives_a_clear_error_and_is_replaced():
    with SimulationPool(workers=1, timeout_s=30.0) as pool:
        pool.run(OP)
        (pid,) = pool.pids
        killer = threading.Timer(0.5, os.kill, args=(pid, signal.SIGKILL))
        killer.start()
        with pytest.raises(SimulationError, match="crashed"):
            pool.run(ENDLESS)
        killer.join()
        assert pool.run(OP).values["n1"] == 0.0
        assert pid not in pool.pids


def test_running_out_of_memory_is_an_error_not_a_dead_caller():
    lines = ["V1 n0 0 PULSE(0 1 0 1n 1n 1u 2u)"]
    lines += [f"R{i} n{i} n{i + 1} 1k" for i in range(100)] + ["C1 n100 0 1n"]
    deck = build_deck(parse_netlist("\n".join(lines)))
    with SimulationPool(workers=1, timeout_s=60.0, memory_mb=300) as pool:
        with pytest.raises(SimulationError) as info:
            pool.run(Job(deck.text, Analysis("tran", stop=1000.0, step=1e-8)))
        assert not isinstance(info.value, SimulationTimeout)
        assert pool.run(OP).values["n1"] == 0.0


def test_no_spinit_or_spiceinit_is_read(tmp_path, monkeypatch):
    canary = tmp_path / "canary"
    script = f"* init\nshell touch {canary}\n"
    for place in ("home", "scripts", "cwd"):
        (tmp_path / place).mkdir()
        (tmp_path / place / ".spiceinit").write_text(script)
        (tmp_path / place / "spinit").write_text(script)
    # Control: ngspice itself does run a .spiceinit from its directory.
    ngspice = shutil.which("ngspice")
    if ngspice:
        (tmp_path / "cwd" / "c.cir").write_text("t\nV1 a 0 1\nR1 a 0 1\n.end\n")
        subprocess.run([ngspice, "-b", "c.cir"], cwd=tmp_path / "cwd", capture_output=True,
                       timeout=30, env={"HOME": str(tmp_path / "home"), "PATH": os.environ["PATH"]})
        assert canary.exists(), "the control run should have executed the .spiceinit"
        canary.unlink()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SPICE_SCRIPTS", str(tmp_path / "scripts"))
    monkeypatch.setenv("SPICE_LIB_DIR", str(tmp_path / "scripts"))
    monkeypatch.chdir(tmp_path / "cwd")
    with SimulationPool(workers=1) as pool:
        assert evaluate("V1 a 0 5\nR1 a 0 1k", "I(R1)", runner=pool).value == pytest.approx(5e-3)
    assert not canary.exists()


def test_workers_leave_no_directory_behind():
    before = _worker_dirs()
    with SimulationPool(workers=2) as pool:
        pool.run(OP)
        assert len(_worker_dirs() - before) == 2
    assert _worker_dirs() - before == set()


def test_many_threads_share_a_pool_and_get_their_own_answers(pool):
    results = {}

    def work(k):
        results[k] = evaluate(f"V1 a 0 {k}\nR1 a b 1k\nR2 b 0 1k", "V(b)", runner=pool).value

    threads = [threading.Thread(target=work, args=(k,)) for k in range(1, 13)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {k: pytest.approx(k / 2) for k in range(1, 13)}


def test_map_runs_jobs_in_parallel_and_returns_errors_in_place(pool):
    # Built by code past the topology checks: two different voltage sources in parallel.
    shorted = Circuit((
        Element("V1", ("a", "0"), source=Source(dc=1.0)),
        Element("V2", ("a", "0"), source=Source(dc=2.0)),
        Element("R1", ("a", "0"), value=1e3),
    ))
    bad = Job(build_deck(shorted).text, Analysis("op"))
    results = pool.map([OP, bad, OP])
    assert [type(r).__name__ for r in results] == ["RawResult", "ConvergenceError", "RawResult"]
    assert "converge" in str(results[1])


def test_default_pool_is_shared_and_recreated_after_shutdown():
    first = default_pool()
    assert default_pool() is first
    shutdown_default_pool()
    second = default_pool()
    assert second is not first
    assert evaluate("V1 a 0 2\nR1 a 0 1k", "V(a)").value == pytest.approx(2.0)
    shutdown_default_pool()


def test_a_closed_pool_refuses_work():
    pool = SimulationPool(workers=1)
    pool.close()
    with pytest.raises(SimulationError, match="closed"):
        pool.run(OP)


def test_a_worker_that_died_while_idle_does_not_fail_the_next_job():
    # The job never ran on it, so "the simulator crashed on this circuit" (and a
    # student's answer marked unreadable) would blame a circuit that was never tried.
    with SimulationPool(workers=1, timeout_s=30.0) as pool:
        pool.run(OP)
        (pid,) = pool.pids
        os.kill(pid, signal.SIGKILL)
        # Dead and waitable, not reaped (WNOWAIT): the leader shows as a zombie while
        # its other threads are still exiting, and until then nothing can tell it died.
        while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
            time.sleep(0.01)
        assert pool.run(OP).values["n1"] == 0.0
        assert pid not in pool.pids


def test_closing_the_pool_releases_a_caller_waiting_for_a_worker():
    pool = SimulationPool(workers=1, timeout_s=30.0)
    pool.run(OP)
    busy = threading.Thread(target=lambda: pytest.raises(SimulationError, pool.run, ENDLESS))
    busy.start()
    time.sleep(0.3)  # the one worker is busy: the next caller waits for it
    errors: list[Exception] = []

    def wait() -> None:
        try:
            pool.run(OP)
        except SimulationError as exc:
            errors.append(exc)

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.3)
    pool.close()
    waiter.join(timeout=10)
    assert not waiter.is_alive() and "closed" in str(errors[0])
    for pid in pool.pids:  # stop the busy one too, or it runs for hours
        os.kill(pid, signal.SIGKILL)
    busy.join(timeout=10)
