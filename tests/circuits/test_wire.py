"""The binary frames between the pool and its workers: round trips, malformed input, and
workers that stop in the middle of a frame."""

import contextlib
import os
import struct
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuits import _wire
from circuits import pool as pool_module
from circuits._wire import (
    STOP,
    Error,
    FrameError,
    FrameReader,
    Ready,
    SpinWait,
    decode_job,
    decode_reply,
    encode_error,
    encode_job,
    encode_ready,
    encode_result,
    spin_after,
    write_frame,
)
from circuits.errors import SimulationError, SimulationTimeout
from circuits.spice import Analysis, Job, RawResult

finite = st.floats(allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=1e-12, max_value=1e12)
names = st.text(st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)),
                min_size=1, max_size=12)
numbers = st.one_of(finite, st.builds(complex, finite, finite))

analyses = st.one_of(
    st.just(Analysis("op")),
    st.builds(Analysis, st.just("tran"), stop=positive, step=st.none() | positive),
    st.builds(Analysis, st.just("ac"), fstart=positive, fstop=st.none() | positive,
              points=st.integers(1, 1000)),
)
jobs = st.builds(
    Job,
    deck=st.text(),
    analysis=analyses,
    at=st.none() | finite,
    waveforms=st.lists(names, max_size=4).map(tuple),
    points=st.none() | st.integers(0, 10**6),
)


@given(jobs, st.booleans())
def test_a_job_survives_the_trip_unchanged(job, spin):
    body = encode_job(job, spin_after=spin)
    assert decode_job(body) == job
    assert spin_after(body) is spin


@given(st.dictionaries(names, numbers, max_size=20),
       st.dictionaries(names, st.one_of(st.lists(finite, max_size=50),
                                        st.lists(st.builds(complex, finite, finite),
                                                 max_size=50)), max_size=3),
       st.booleans())
def test_a_result_survives_the_trip_unchanged(values, waveforms, exited):
    result = RawResult(values=values, waveforms=waveforms)
    decoded, flag = decode_reply(encode_result(result, exited=exited))
    assert decoded == result and flag is exited
    assert [type(v) for v in decoded.values.values()] == [type(v) for v in values.values()]


def test_errors_and_the_ready_frame_survive_the_trip():
    assert decode_reply(encode_error("convergence", "no convergence", exited=True)) == (
        Error("convergence", "no convergence"), True)
    assert decode_reply(encode_ready(1234, "39")) == (Ready(1234, "39"), False)


@settings(max_examples=500)
@given(st.binary(max_size=200))
def test_any_bytes_decode_to_a_reply_or_a_frame_error(body):
    with contextlib.suppress(FrameError):  # anything else fails the test
        decode_reply(body)


@pytest.mark.parametrize("cut", [1, 5, 9, 20])
def test_a_truncated_reply_is_a_frame_error(cut):
    body = encode_result(RawResult(values={"n1": 1.0, "v1#branch": complex(1, 2)},
                                   waveforms={"n1": [1.0, 2.0]}))
    with pytest.raises(FrameError):
        decode_reply(body[:cut])


def test_a_job_frame_of_another_kind_is_refused():
    with pytest.raises(FrameError):
        decode_job(STOP)
    with pytest.raises(FrameError):
        decode_job(encode_job(Job("x", Analysis("op")))[:10])


def _pipe():
    r, w = os.pipe()
    return r, w


def test_the_reader_returns_frames_whole_however_they_arrive():
    r, w = _pipe()
    try:
        reader = FrameReader(r)
        frame = struct.pack(">I", 5) + b"hello" + struct.pack(">I", 2) + b"hi"

        def dribble():
            for i in range(len(frame)):
                os.write(w, frame[i:i + 1])
                time.sleep(0.001)

        thread = threading.Thread(target=dribble)
        thread.start()
        assert reader.read() == b"hello"
        assert reader.read() == b"hi"
        thread.join()
    finally:
        os.close(r)
        os.close(w)


def _poll_wait(fd):
    import select

    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return lambda seconds: bool(poller.poll(None if seconds is None else seconds * 1000))


def test_a_peer_that_stops_mid_frame_cannot_hold_the_reader_past_its_deadline():
    r, w = _pipe()
    try:
        reader = FrameReader(r, _poll_wait(r))
        os.write(w, struct.pack(">I", 100) + b"only part of it")
        started = time.monotonic()
        assert reader.read(time.monotonic() + 0.3) is None
        assert 0.25 < time.monotonic() - started < 5
    finally:
        os.close(r)
        os.close(w)


def test_a_peer_that_closes_mid_frame_is_an_eof():
    r, w = _pipe()
    reader = FrameReader(r, _poll_wait(r))
    write_frame(w, b"whole")
    os.write(w, struct.pack(">I", 100) + b"part")
    os.close(w)
    try:
        assert reader.read(time.monotonic() + 5) == b"whole"
        with pytest.raises(EOFError):
            reader.read(time.monotonic() + 5)
    finally:
        os.close(r)


def test_an_oversized_frame_header_is_a_frame_error():
    r, w = _pipe()
    try:
        os.write(w, struct.pack(">I", 2**31))
        with pytest.raises(FrameError):
            FrameReader(r).read()
    finally:
        os.close(r)
        os.close(w)


@pytest.fixture
def fake_worker(monkeypatch):
    """Pools started in this test run tests/circuits/_fake_worker.py in a given mode."""
    monkeypatch.setattr(pool_module, "_WORKER_MODULE", "tests.circuits._fake_worker")

    def mode(name):
        monkeypatch.setenv("KIRCHHOFF_FAKE_WORKER", name)

    return mode


JOB = Job("* kirchhoff deck\nV1 n1 0 DC 1.0\nR2 n1 0 1000.0\n.end", Analysis("op"))


@pytest.mark.parametrize("spin_us", [0, 500])
@pytest.mark.parametrize("mode", ["die-mid-frame", "garbage"])
def test_a_worker_that_dies_or_babbles_mid_reply_gives_the_crash_error(fake_worker, mode,
                                                                       spin_us):
    fake_worker(mode)
    with pool_module.SimulationPool(workers=1, timeout_s=10.0, spin_us=spin_us) as pool:
        (pid,) = pool.pids
        with pytest.raises(SimulationError, match="crashed") as info:
            pool.run(JOB)
        assert not isinstance(info.value, SimulationTimeout)
        assert pool.replaced == 1 and pid not in pool.pids


@pytest.mark.parametrize("spin_us", [0, 500])
def test_a_worker_that_hangs_mid_reply_still_hits_the_time_limit(fake_worker, spin_us):
    fake_worker("hang-mid-frame")
    with pool_module.SimulationPool(workers=1, timeout_s=1.0, spin_us=spin_us) as pool:
        (pid,) = pool.pids
        started = time.monotonic()
        with pytest.raises(SimulationTimeout, match="longer than 1 s"):
            pool.run(JOB)
        assert time.monotonic() - started < 10
        assert pool.replaced == 1 and pid not in pool.pids


def test_a_second_ready_frame_is_refused(fake_worker):
    fake_worker("ready-again")
    with pool_module.SimulationPool(workers=1, timeout_s=10.0) as pool:
        with pytest.raises(SimulationError, match="unexpected reply"):
            pool.run(JOB)
        assert pool.replaced == 1


@pytest.fixture
def quiet_machine(monkeypatch):
    """Spinning is allowed whatever else this machine is running."""
    monkeypatch.setattr(_wire, "crowded", lambda: False)


def test_spinning_returns_as_soon_as_data_arrives(quiet_machine):
    r, w = _pipe()
    try:
        wait = SpinWait(r, spin_s=0.5)
        threading.Timer(0.005, os.write, args=(w, b"x")).start()
        assert wait(5.0)
        assert wait.last_s < 0.4
    finally:
        os.close(r)
        os.close(w)


def test_spinning_stops_after_a_wait_longer_than_the_spin(quiet_machine):
    r, w = _pipe()
    try:
        wait = SpinWait(r, spin_s=0.3)
        cpu = time.process_time()
        assert not wait(0.4)  # spins 0.3 s, then sleeps
        assert time.process_time() - cpu > 0.05  # a quarter of a CPU, even on a busy machine
        assert wait.last_s >= 0.4
        cpu = time.process_time()
        assert not wait(0.4)  # the last wait was long: sleeps at once
        assert time.process_time() - cpu < 0.03
        os.write(w, b"x")
        assert wait(1.0)  # a short wait turns spinning back on
        assert wait.last_s <= wait.spin_s
    finally:
        os.close(r)
        os.close(w)


def test_spinning_never_outlasts_the_deadline(quiet_machine):
    r, w = _pipe()
    try:
        wait = SpinWait(r, spin_s=5.0)
        started = time.monotonic()
        assert not wait(0.05)
        assert time.monotonic() - started < 1.0
    finally:
        os.close(r)
        os.close(w)


def test_a_caller_with_other_jobs_running_does_not_spin(pool):
    barrier = threading.Barrier(2)
    seen = []
    original = pool._exchange

    def exchange(worker, job, limit):
        seen.append(worker.spin)
        barrier.wait(timeout=10)  # both jobs are running now
        return original(worker, job, limit)

    pool._exchange = exchange
    try:
        threads = [threading.Thread(target=pool.run, args=(JOB,)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        del pool._exchange
    assert sorted(seen) == [False, True]  # only the first, alone when it started, may spin


def test_nothing_spins_on_a_crowded_machine(monkeypatch):
    monkeypatch.setattr(_wire, "crowded", lambda: True)
    r, w = _pipe()
    try:
        wait = SpinWait(r, spin_s=0.3)
        cpu = time.process_time()
        assert not wait(0.3)
        assert time.process_time() - cpu < 0.05
    finally:
        os.close(r)
        os.close(w)


def test_crowding_is_read_from_the_count_of_runnable_threads(tmp_path, monkeypatch):
    fake = tmp_path / "loadavg"
    check = _wire._Crowding()
    monkeypatch.setattr(check, "PATH", str(fake))
    fake.write_text(f"0.50 0.40 0.30 {check.cpus}/300 12345\n")
    assert not check()
    fake.write_text(f"0.50 0.40 0.30 {check.cpus + 1}/300 12345\n")
    assert not check()  # read again only after 50 ms
    check._checked = float("-inf")
    assert check()
    fake.unlink()
    check._checked = float("-inf")
    assert not check()  # nothing to go by: spinning stays allowed, and bounded
