"""Hostile input: random and adversarial text never runs a command, leaves a file or kills us.

Whatever the text, the outcome is a result or one of our errors; nothing a user writes reaches
ngspice (the deck is rebuilt from the parsed model and checked again in the worker).
"""

import contextlib
import glob
import os
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circuits.check import check_answer
from circuits.errors import CircuitError, SimulationError
from circuits.netlist import parse_netlist
from circuits.spice import Analysis, Job, build_deck, check_job

pytestmark = pytest.mark.spice

CANARY_NAME = "kirchhoff-canary"

FRAGMENTS = [
    "V1 in 0 DC 10\n", "R1 in out 1k\n", "R2 out 0 1k\n", "C1 out 0 1u\n", "L1 in out 1m\n",
    "I1 0 out 1m\n", "X1 0 out in OPAMP\n", "D1 out 0\n", "E1 e 0 in 0 2\n", "Re e 0 1k\n",
    ".control\n", ".endc\n", ".CoNtRoL\n", "*#", "shell ", "touch ", CANARY_NAME, "\n",
    "write ", "source ", ".include ", "/etc/passwd", ".lib ", "sh -c ", "`", "$(", ")", ";",
    "$ ", "+ ", ".end\n", "* comment\n", "\x00", "µ", "Ω", "PULSE(", "SIN(", "AC 1 ", "1meg",
    "{", "}", "'", '"', "\\", "\r\n", "gnd", " ", "\t", ".option ", "rshunt=1\n", ".param ",
]


@st.composite
def hostile_text(draw):
    parts = draw(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)),
                          max_size=25))
    return "".join(parts)


def _files(root):
    return {os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs}


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=hostile_text(), ask=st.sampled_from(["V(out)", "I(R1)", "V(in,out)", "Req(out)"]))
def test_random_text_runs_no_command_leaves_no_file_and_keeps_us_alive(
    pool, tmp_path, monkeypatch, text, ask
):
    monkeypatch.chdir(tmp_path)
    before = _files(tmp_path)
    with contextlib.suppress(CircuitError):
        check_answer(text, ask, "1 V", runner=pool)
    assert _files(tmp_path) == before
    # A command run by ngspice would have run in a worker's directory (its cwd and HOME).
    worker_dirs = glob.glob(os.path.join(tempfile.gettempdir(), "kirchhoff-ngspice-*"))
    assert worker_dirs
    assert not any(CANARY_NAME in path for d in worker_dirs for path in _files(d))
    assert not glob.glob(os.path.join(tempfile.gettempdir(), f"*{CANARY_NAME}*"))
    # The pool still answers, so nothing killed it or us.
    assert pool.run(Job(build_deck(parse_netlist("V1 a 0 1\nR1 a 0 1")).text,
                        Analysis("op"))).values["n1"] == 1.0


@settings(max_examples=300, deadline=None)
@given(hostile_text())
def test_whatever_parses_rebuilds_into_a_deck_the_worker_accepts(text):
    try:
        circuit = parse_netlist(text)
    except CircuitError:
        return
    deck = build_deck(circuit)
    check_job(Job(deck.text, Analysis("op")))  # raises if any line is not a rebuilt line
    for line in deck.text.split("\n")[1:-1]:
        assert not line.startswith((".control", "*#", "shell", ".include"))


@pytest.mark.parametrize(
    "deck",
    [
        "* kirchhoff deck\nR1 n1 0 1\n.control\nshell touch x\n.endc\n.end",
        "* kirchhoff deck\n*#shell touch x\n.end",
        "* kirchhoff deck\nR1 n1 0 1 ; shell\n.end",
        "* kirchhoff deck\n.include /etc/passwd\n.end",
        "* evil\nR1 n1 0 1\n.end",
        "* kirchhoff deck\nR1 n1 0 inf\n.end",
    ],
)
def test_the_worker_refuses_a_deck_it_did_not_build(pool, deck):
    with pytest.raises(SimulationError, match="refusing"):
        pool.run(Job(deck, Analysis("op")))


def test_a_shell_line_hidden_in_a_value_is_refused_before_any_simulation(pool, tmp_path):
    canary = tmp_path / "x"
    for text in [f"V1 a 0 1\nR1 a 0 1k\n.control\nshell touch {canary}\n.endc",
                 f"V1 a 0 1\nR1 a 0 1k\n*#shell touch {canary}",
                 f"V1 a 0 1\nR1 a 0 1k\nshell touch {canary}"]:
        with pytest.raises(CircuitError):
            check_answer(text, "V(a)", "1 V", runner=pool)
    assert not canary.exists()
