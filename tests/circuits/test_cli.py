"""``python -m circuits``: JSON out, exit 0 for a verdict, 2 with {"error": ...} for bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from circuits.cli import main
from circuits.pool import shutdown_default_pool

pytestmark = pytest.mark.spice

ROOT = Path(__file__).resolve().parents[2]
DIVIDER = "V1 in 0 DC 10\nR1 in out 1k\nR2 out 0 1k\n"


@pytest.fixture(scope="module", autouse=True)
def _close_default_pool():
    yield
    shutdown_default_pool()


@pytest.fixture
def divider(tmp_path):
    path = tmp_path / "divider.cir"
    path.write_text(DIVIDER)
    return path


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    return status, json.loads(capsys.readouterr().out)


def test_check_prints_a_verdict(capsys, divider):
    status, out = run(capsys, "check", divider, "--ask", "V(out)", "--answer", "3.3 V", "--json")
    assert status == 0
    assert out["correct"] is False
    assert out["expected"] == {"value": pytest.approx(5.0), "unit": "V"}
    assert out["given"] == {"value": 3.3, "unit": "V"}
    assert set(out["diagnosis"]) == {"kind", "message", "matched"}
    status, out = run(capsys, "check", divider, "--ask", "V(out)", "--answer", "5 V",
                      "--rel-tol", "0.001")
    assert (status, out["correct"]) == (0, True)


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "{net}", "--ask", "V(nowhere)", "--answer", "1 V"],
        ["check", "{net}", "--ask", "V(out)", "--answer", "lots"],
        ["check", "{net}", "--ask", "V(out)"],
        ["check", "{net}", "--ask", "V(out)", "--answer", "1", "--rel-tol", "5"],
        ["check", "missing.cir", "--ask", "V(out)", "--answer", "1"],
        ["simulate", "{net}", "--analysis", "tran"],
        ["simulate", "{net}", "--analysis", "ac", "--freq", "1k"],  # no AC source
        ["frobnicate"],
    ],
)
def test_bad_input_exits_2_with_an_error(capsys, divider, argv):
    status, out = run(capsys, *[a.format(net=divider) for a in argv])
    assert status == 2
    assert set(out) == {"error"} and out["error"]


def test_a_refused_netlist_exits_2_with_its_line(capsys, tmp_path):
    bad = tmp_path / "bad.cir"
    bad.write_text("V1 a 0 1\nR1 a 0 1k\n.control\nshell echo hi\n.endc\n")
    status, out = run(capsys, "check", bad, "--ask", "V(a)", "--answer", "1")
    assert status == 2 and out["error"].startswith("line 3:")


def test_simulate_op_tran_ac(capsys, divider, tmp_path):
    status, out = run(capsys, "simulate", divider, "--analysis", "op", "--json")
    assert status == 0 and out["node_voltages"]["out"] == pytest.approx(5.0)
    rc = tmp_path / "rc.cir"
    rc.write_text("V1 in 0 DC 5 AC 1\nR1 in out 1k\nC1 out 0 1u\n")
    status, out = run(capsys, "simulate", rc, "--analysis", "tran", "--tstop", "5ms",
                      "--points", "6")
    assert status == 0 and len(out["time"]) == 6 == len(out["node_voltages"]["out"])
    assert out["time"][0] == 0.0 and out["node_voltages"]["out"][0] == pytest.approx(0, abs=0.01)
    assert out["node_voltages"]["out"][-1] == pytest.approx(5 * (1 - 2.718281828 ** -5), rel=1e-3)
    status, out = run(capsys, "simulate", rc, "--analysis", "ac", "--fstart", "10",
                      "--fstop", "10k", "--per-decade", "5")
    assert status == 0 and len(out["frequency"]) == 16
    corner = 1 / (2 * 3.141592653589793 * 1e3 * 1e-6)
    assert out["node_voltages"]["out"]["mag"][0] == pytest.approx(
        1 / (1 + (10 / corner) ** 2) ** 0.5, rel=1e-3)


def test_design_similar_draw(capsys, divider, tmp_path):
    status, out = run(capsys, "design", divider, "--constraint", "V(out) = 5 V",
                      "--constraint", "|I(V1)| <= 1 mA")
    assert status == 0 and out["correct"] is False
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "div.cir").write_text("Vs x 0 3\nRa x y 2k\nRb y 0 1k\n")
    (corpus / "rc.cir").write_text("V1 in 0 1\nR1 in out 1k\nC1 out 0 1u\n")
    (corpus / "items.yaml").write_text(
        "- id: bridge-1\n  kind: circuit\n  netlist: |\n    V1 a 0 10\n    R1 a b 1k\n"
        "    R2 a c 2k\n    R3 b 0 2k\n    R4 c 0 1k\n    R5 b c 5k\n"
    )
    status, out = run(capsys, "similar", divider, "--corpus", corpus, "-k", "2", "--json")
    assert status == 0
    assert out["similar"][0] == {"id": "div.cir", "score": 1.0}
    assert len(out["similar"]) == 2
    svg = tmp_path / "d.svg"
    status, out = run(capsys, "draw", divider, "-o", svg)
    assert status == 0 and out["layout"] == "ladder"
    assert svg.read_text().startswith("<svg")


def test_module_entry_point_in_a_real_process(tmp_path):
    (tmp_path / "d.cir").write_text(DIVIDER)
    proc = subprocess.run(
        [sys.executable, "-m", "circuits", "check", "d.cir", "--ask", "I(R1)", "--answer",
         "-5 mA", "--json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["diagnosis"]["kind"] == "sign"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.cir"]
    bad = subprocess.run([sys.executable, "-m", "circuits", "check", "nope.cir", "--ask", "V(a)",
                          "--answer", "1", "--json"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60, env={"PYTHONPATH": str(ROOT)})
    assert bad.returncode == 2 and "error" in json.loads(bad.stdout)


def test_design_keeps_a_given_part(capsys, tmp_path):
    given = tmp_path / "given.cir"
    given.write_text("V1 in 0 DC 5\n")
    changed = tmp_path / "changed.cir"
    changed.write_text("V1 in 0 DC 3.3\nR1 in out 1\nR2 out 0 1meg\n")
    status, out = run(capsys, "design", changed, "--constraint", "V(out) = 3.3 V ± 2 %")
    assert status == 0 and out["correct"] is True  # what --given is for
    status, out = run(capsys, "design", changed, "--constraint", "V(out) = 3.3 V ± 2 %",
                      "--given", given, "--json")
    assert status == 0 and out["correct"] is False
    assert out["diagnosis"]["kind"] == "given-changed"
