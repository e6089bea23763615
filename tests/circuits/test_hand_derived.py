"""Circuits whose answers are derived by hand in the test, checked against ngspice.

Each case states the circuit, the question and the closed-form answer (with the working in the
expression), and asserts ngspice agrees within 0.5 %, tighter than the 1 % a student gets.
"""

import math

import pytest

from circuits.simulate import evaluate

pytestmark = pytest.mark.spice

TAU = 2 * math.pi


def par(*rs):
    return 1 / sum(1 / r for r in rs)


# Bridge R1=1k (a-b), R2=2k (a-c), R3=2k (b-0), R4=1k (c-0), R5=5k (b-c), 10 V at a. Nodal
# analysis at b and c by hand:
#   b: (Vb-10)/1k + Vb/2k + (Vb-Vc)/5k = 0  ->  1.7 Vb - 0.2 Vc = 10
#   c: (Vc-10)/2k + Vc/1k + (Vc-Vb)/5k = 0  ->  -0.2 Vb + 1.7 Vc = 5
_det = 1.7 * 1.7 - 0.2 * 0.2
VB = (10 * 1.7 + 0.2 * 5) / _det
VC = (1.7 * 5 + 0.2 * 10) / _det
BRIDGE = "V1 a 0 10\nR1 a b 1k\nR2 a c 2k\nR3 b 0 2k\nR4 c 0 1k\nR5 b c 5k"

# Thevenin: 12 V, R1=4k to node x, R2=12k x-0; load RL=6k x-out... the load is R3 from x to 0.
# Vth = 12*12/(4+12) = 9 V, Rth = 4k||12k = 3k; with RL = 6k: V = 9*6/(3+6) = 6 V.
THEVENIN = "V1 in 0 12\nR1 in x 4k\nR2 x 0 12k\nRL x 0 6k"

# Superposition: V1=10 V through R1=1k into n, I1=2 mA into n, R2=1k n-0.
#   from V1 alone: 10*1k/(1k+1k) = 5 V; from I1 alone: 2m * (1k||1k) = 1 V; total 6 V.
SUPERPOSITION = "V1 a 0 10\nR1 a n 1k\nR2 n 0 1k\nI1 0 n 2m"

# Series RLC at resonance f0 = 1/(2 pi sqrt(LC)) with L = 10 mH, C = 1 uF: f0 = 1591.55 Hz.
# At f0 the reactances cancel: I = 1 V / 10 ohm = 100 mA, V(C) = I / (w C) = 0.1/(2 pi f0 1u).
F0 = 1 / (TAU * math.sqrt(10e-3 * 1e-6))
RLC = "V1 in 0 AC 1\nR1 in a 10\nL1 a b 10m\nC1 b 0 1u\nRleak b 0 1g"

CASES = [
    # (id, netlist, ask, expected)
    ("divider-half", "V1 in 0 DC 10\nR1 in out 1k\nR2 out 0 1k", "V(out)", 5.0),
    ("divider-4k7", "V1 in 0 12\nR1 in out 4k7\nR2 out 0 2k2", "V(out)", 12 * 2.2 / (4.7 + 2.2)),
    ("divider-current", "V1 in 0 9\nR1 in out 3k\nR2 out 0 6k", "I(R1)", 9 / 9e3),
    ("source-current-sign", "V1 in 0 9\nR1 in out 3k\nR2 out 0 6k", "I(V1)", -9 / 9e3),
    ("divider-power", "V1 in 0 9\nR1 in out 3k\nR2 out 0 6k", "P(R2)", (9 / 9e3) ** 2 * 6e3),
    ("source-power", "V1 in 0 9\nR1 in out 3k\nR2 out 0 6k", "P(V1)", -9 * 9 / 9e3),
    ("voltage-across", "V1 in 0 9\nR1 in out 3k\nR2 out 0 6k", "V(in,out)", 3.0),
    ("voltage-reversed", "V1 in 0 9\nR1 in out 3k\nR2 out 0 6k", "V(out,in)", -3.0),
    ("three-divider", "V1 a 0 6\nR1 a b 1k\nR2 b c 1k\nR3 c 0 1k", "V(c)", 2.0),
    ("parallel-current", "V1 a 0 10\nR1 a 0 2k\nR2 a 0 3k", "I(V1)", -(10 / 2e3 + 10 / 3e3)),
    ("current-divider", "I1 0 a 3m\nR1 a 0 1k\nR2 a 0 2k", "I(R2)", 3e-3 * 1e3 / 3e3),
    ("current-source-voltage", "I1 0 a 1m\nR1 a 0 4k7", "V(a)", 4.7),
    ("series-parallel", "V1 a 0 10\nR1 a b 1k\nR2 b 0 2k\nR3 b 0 2k", "V(b)", 10 * 1 / 2),
    ("bridge-vb", BRIDGE, "V(b)", VB),
    ("bridge-vc", BRIDGE, "V(c)", VC),
    ("bridge-i5", BRIDGE, "I(R5)", (VB - VC) / 5e3),
    ("balanced-bridge", "V1 a 0 10\nR1 a b 1k\nR2 a c 2k\nR3 b 0 1k\nR4 c 0 2k\nR5 b c 1k",
     "I(R5)", 0.0),
    ("thevenin-load", THEVENIN, "V(x)", 6.0),
    ("thevenin-req", THEVENIN.replace("\nRL x 0 6k", ""), "Req(x)", 3e3),
    ("req-ladder", "V1 a 0 1\nR1 a b 1k\nR2 b 0 2k\nR3 b c 1k\nR4 c 0 1k", "Req(b)",
     par(2e3, 2e3, 1e3)),
    ("req-between-nodes", "V1 a 0 1\nR1 a b 1k\nR2 b 0 1k", "Req(a,b)", 0.5e3),
    ("superposition", SUPERPOSITION, "V(n)", 6.0),
    ("vcvs-gain", "V1 in 0 0.5\nR1 in 0 1k\nE1 out 0 in 0 4\nR2 out 0 1k", "V(out)", 2.0),
    ("vccs", "V1 in 0 2\nR1 in 0 1k\nG1 0 out in 0 1m\nR2 out 0 1k", "V(out)", 2.0),
    ("cccs", "V1 in 0 1\nR1 in 0 1k\nF1 0 out R1 10\nR2 out 0 100", "V(out)", 10 * 1e-3 * 100),
    ("ccvs", "V1 in 0 1\nR1 in 0 1k\nH1 out 0 R1 2k\nR2 out 0 1k", "V(out)", 2e3 * 1e-3),
    ("inverting-amp", "V1 in 0 0.5\nR1 in inv 1k\nR2 inv out 10k\nX1 0 inv out OPAMP\n"
     "RL out 0 10k", "V(out)", -5.0),
    ("non-inverting-amp", "V1 in 0 0.5\nX1 in fb out OPAMP\nR1 fb 0 1k\nR2 out fb 3k",
     "V(out)", 0.5 * (1 + 3)),
    ("summing-amp", "V1 a 0 1\nV2 b 0 2\nR1 a s 10k\nR2 b s 10k\nRf s out 10k\n"
     "X1 0 s out OPAMP", "V(out)", -3.0),
    ("opamp-output-current", "V1 in 0 1\nR1 in inv 1k\nR2 inv out 2k\nX1 0 inv out OPAMP\n"
     "RL out 0 1k", "I(X1)", (-2.0) / 1e3 + (-2.0 - 0) / 2e3),
    ("rc-step-at-tau", "V1 in 0 DC 5\nR1 in out 1k\nC1 out 0 1u", "V(out)@t=1ms",
     5 * (1 - math.exp(-1))),
    ("rc-step-at-2tau", "V1 in 0 DC 5\nR1 in out 2k\nC1 out 0 1u", "V(out)@t=4ms",
     5 * (1 - math.exp(-2))),
    ("rc-current-at-tau", "V1 in 0 DC 5\nR1 in out 1k\nC1 out 0 1u", "I(C1)@t=1ms",
     5 / 1e3 * math.exp(-1)),
    ("rc-pulse", "V1 in 0 PULSE(0 10 0 1n 1n 1 2)\nR1 in out 10k\nC1 out 0 100n",
     "V(out)@t=1ms", 10 * (1 - math.exp(-1))),
    ("rc-tau", "V1 in 0 DC 5\nR1 in out 2k2\nC1 out 0 470n", "tau(V(out))", 2.2e3 * 470e-9),
    ("rl-tau", "V1 in 0 DC 1\nR1 in out 100\nL1 out 0 10m", "tau(I(L1))", 10e-3 / 100),
    ("rl-current-at-tau", "V1 in 0 DC 1\nR1 in out 100\nL1 out 0 10m", "I(L1)@t=100us",
     1 / 100 * (1 - math.exp(-1))),
    # V(a) jumps to 5 V when the inductor is open, then decays: tau = L / (R1 || R2).
    ("rl-decaying-voltage-tau", "V1 in 0 PULSE(0 10 0 1n 1n 1 2)\nR1 in a 1k\nR2 a 0 1k\n"
     "L1 a 0 100m", "tau(V(a))", 0.1 / 500),
    ("rc-delayed-pulse-tau", "V1 in 0 PULSE(0 1 2m 1u 1u 1 2)\nR1 in out 1k\nC1 out 0 1u",
     "tau(V(out))", 1e-3),
    ("rc-thevenin-tau", "V1 in 0 10\nR1 in out 2k\nR2 out 0 2k\nC1 out 0 1u", "tau(V(out))",
     par(2e3, 2e3) * 1e-6),
    ("rc-lowpass-mag", "V1 in 0 AC 1\nR1 in out 1k\nC1 out 0 1u", "mag(V(out))@f=159.155Hz",
     1 / math.sqrt(2)),
    ("rc-lowpass-phase", "V1 in 0 AC 1\nR1 in out 1k\nC1 out 0 1u",
     "phase(V(out))@f=159.155Hz", -45.0),
    ("rc-highpass-phase", "V1 in 0 AC 1\nC1 in out 1u\nR1 out 0 1k",
     "phase(V(out))@f=159.155Hz", 45.0),
    ("sine-source-ac", "V1 in 0 SIN(0 10 1k)\nR1 in out 1k\nR2 out 0 3k",
     "mag(V(out))@f=1kHz", 7.5),
    ("rlc-resonance-current", RLC, "mag(I(R1))@f=1591.549Hz", 0.1),
    ("rlc-resonance-vc", RLC, "mag(V(b))@f=1591.549Hz", 0.1 / (TAU * F0 * 1e-6)),
    ("rlc-resonance-phase", RLC, "phase(I(R1))@f=1591.549Hz", 0.0),
]


@pytest.mark.parametrize(("netlist", "ask", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_simulation_matches_hand_derivation(pool, netlist, ask, expected):
    got = evaluate(netlist, ask, runner=pool)
    if ask.startswith("phase"):
        assert abs(got.value - expected) <= 0.5, got
    else:
        assert got.value == pytest.approx(expected, rel=5e-3, abs=1e-9), got


def test_there_are_at_least_thirty_hand_derived_circuits():
    assert len({c[1] for c in CASES}) >= 30


# Currents through every kind of element, each derived by hand (SPICE's sign: from the first
# node through the element to the second).
KINDS = "V1 in 0 2\nR1 in 0 1k\nE1 e 0 in 0 2\nRe e 0 1k\nG1 0 g in 0 1m\nRg g 0 1k\n" \
        "F1 0 f R1 10\nRf f 0 100\nH1 h 0 R1 2k\nRh h 0 1k\nR2 in a 1k\nL1 a 0 1m\nC1 in 0 1u"


@pytest.mark.parametrize(
    ("ask", "expected"),
    [
        ("I(R1)", 2e-3),            # 2 V / 1 kΩ
        ("I(V1)", -(2e-3 + 2e-3)),  # R1 and R2 (L1 is a short at DC); C1 draws nothing
        ("I(E1)", -4e-3),           # E1 drives 4 V into Re: 4 mA out of its + terminal
        ("I(G1)", 2e-3),            # 1 mS * 2 V, from 0 through G1 to g
        ("V(g)", 2.0),              # that current into Rg
        ("I(F1)", 10 * 2e-3),       # 10 * I(R1) from 0 through F1 to f
        ("V(f)", 20e-3 * 100),
        ("I(H1)", -(2e3 * 2e-3) / 1e3),  # H1 holds 4 V across Rh: 4 mA out of its + terminal
        ("I(L1)", 2e-3),
        ("I(C1)", 0.0),
        ("P(E1)", -4.0 * 4e-3),     # E1 delivers 16 mW
    ],
)
def test_currents_through_every_kind_of_element(pool, ask, expected):
    assert evaluate(KINDS, ask, runner=pool).value == pytest.approx(expected, rel=1e-6, abs=1e-12)


def test_diode_current_is_the_series_current(pool):
    from circuits.simulate import solve
    from circuits.spice import Analysis

    s = solve("V1 in 0 5\nR1 in a 1k\nD1 a 0", Analysis("op"), runner=pool)
    assert s.current("D1") == pytest.approx(s.current("R1"))
    assert 0.55 < s.voltage("a") < 0.8  # a silicon junction at a few mA
    assert s.current("R1") == pytest.approx((5 - s.voltage("a")) / 1e3)
