"""Answer checks: verdicts with tolerance, named errors, and design questions."""

import json

import pytest

from circuits.check import DIAGNOSIS_KINDS, check_answer
from circuits.design import check_design, parse_constraint
from circuits.errors import AskError, DesignSpecError, NetlistError, UnitError

pytestmark = pytest.mark.spice

DIVIDER = "V1 in 0 DC 10\nR1 in out 1k\nR2 out 0 1k"
LOWPASS = "V1 in 0 AC 1\nR1 in out 1k\nC1 out 0 1u"
F_CORNER = "159.155Hz"


@pytest.mark.parametrize(
    "answer", ["5 V", "5", "5.04 V", "4.96V", "5000 mV", "5000mV", "0.005 kV", "5.0e0 V"]
)
def test_correct_answers_in_any_notation(pool, answer):
    result = check_answer(DIVIDER, "V(out)", answer, runner=pool)
    assert result.correct
    assert result.diagnosis.kind == "correct"


@pytest.mark.parametrize(
    ("answer", "rel_tol", "correct"),
    [("5.06 V", 0.01, False), ("5.06 V", 0.02, True), ("4.9 V", 0.01, False)],
)
def test_relative_tolerance_is_per_question(pool, answer, rel_tol, correct):
    assert check_answer(DIVIDER, "V(out)", answer, rel_tol=rel_tol, runner=pool).correct is correct


def test_absolute_floor_near_zero(pool):
    balanced = "V1 a 0 10\nR1 a b 1k\nR2 a c 2k\nR3 b 0 1k\nR4 c 0 2k\nR5 b c 1k"
    result = check_answer(balanced, "V(b,c)", "0.001 V", runner=pool)
    assert result.correct, result.to_dict()
    assert not check_answer(balanced, "V(b,c)", "0.5 V", runner=pool).correct


@pytest.mark.parametrize(
    ("ask", "answer", "kind", "matched"),
    [
        ("V(out)", "5 mA", "unit-kind", "I(R1)"),
        ("V(out)", "3 A", "unit-kind", None),
        ("I(R1)", "5 V", "unit-kind", "V(out)"),
        ("V(out)", "5 mV", "factor-1000", None),
        ("V(out)", "5 kV", "factor-1000", None),
        ("I(R1)", "5", "factor-1000", None),  # 5 A for 5 mA: the prefix was dropped
        ("I(R1)", "-5 mA", "sign", None),
        ("I(V1)", "5 mA", "sign", None),
        ("P(V1)", "50 mW", "sign", None),
        ("V(out)", "10 V", "other-quantity", "V(in)"),
        ("V(in,out)", "10 V", "other-quantity", "V(in)"),
        ("P(R1)", "50 mW", "other-quantity", "P(V1)"),  # the power V1 delivers
        ("V(out)", "5.2 V", "close", None),
        ("V(out)", "7 V", "wrong-value", None),
    ],
)
def test_named_errors(pool, ask, answer, kind, matched):
    result = check_answer(DIVIDER, ask, answer, runner=pool)
    assert not result.correct
    assert result.diagnosis.kind == kind, result.diagnosis
    if matched is not None:
        assert result.diagnosis.matched == matched
    assert result.diagnosis.message


def test_other_quantity_names_the_current_of_another_element(pool):
    net = "V1 a 0 10\nR1 a b 1k\nR2 b 0 1k\nR3 b 0 1k"
    # I(R1) = 10/1.5k = 6.67 mA, I(R2) = 3.33 mA: answering I(R1) for I(R2).
    result = check_answer(net, "I(R2)", "6.667 mA", runner=pool)
    assert result.diagnosis.kind == "other-quantity"
    assert result.diagnosis.matched == "I(R1)"


def test_phase_answers_in_degrees_and_their_errors(pool):
    ask = f"phase(V(out))@f={F_CORNER}"
    for answer in ("-45", "-45 deg", "-45°", "-45 degrees"):
        assert check_answer(LOWPASS, ask, answer, runner=pool).correct, answer
    assert check_answer(LOWPASS, ask, "45°", runner=pool).diagnosis.kind == "sign"
    assert check_answer(LOWPASS, ask, "-0.7854", runner=pool).diagnosis.kind == "radians"


def test_req_wrong_answer_names_a_single_resistor_or_the_series_sum(pool):
    net = "V1 a 0 10\nR1 a b 1k\nR2 b 0 3k"
    assert check_answer(net, "Req(b)", "750", runner=pool).correct
    one = check_answer(net, "Req(b)", "3k", runner=pool)
    assert (one.diagnosis.kind, one.diagnosis.matched) == ("other-quantity", "R2")
    total = check_answer(net, "Req(b)", "4 kΩ", runner=pool)
    assert (total.diagnosis.kind, total.diagnosis.matched) == ("other-quantity", "R1+R2")
    assert total.node_voltages["b"] == pytest.approx(7.5)


def test_wrong_answer_carries_every_node_voltage_and_branch_current(pool):
    result = check_answer(DIVIDER, "V(out)", "7 V", runner=pool)
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["expected"] == {"value": pytest.approx(5.0), "unit": "V"}
    assert data["given"] == {"value": 7.0, "unit": "V"}
    assert set(data["diagnosis"]) == {"kind", "message", "matched"}
    assert data["diagnosis"]["kind"] in DIAGNOSIS_KINDS
    assert data["node_voltages"] == {"0": 0.0, "in": pytest.approx(10.0), "out": pytest.approx(5.0)}
    assert data["branch_currents"]["R1"] == pytest.approx(5e-3)
    assert data["branch_currents"]["V1"] == pytest.approx(-5e-3)


def test_ac_result_carries_phases(pool):
    data = check_answer(LOWPASS, f"mag(V(out))@f={F_CORNER}", "0.7071", runner=pool).to_dict()
    assert data["correct"]
    assert data["node_phases"]["out"] == pytest.approx(-45, abs=0.1)


def test_transient_and_tau_answers(pool):
    net = "V1 in 0 DC 5\nR1 in out 1k\nC1 out 0 1u"
    assert check_answer(net, "V(out)@t=1ms", "3.16 V", runner=pool).correct
    assert check_answer(net, "tau(V(out))", "1 ms", runner=pool).correct
    wrong = check_answer(net, "tau(V(out))", "1 s", runner=pool)
    assert wrong.diagnosis.kind == "factor-1000"


def test_bad_inputs_raise_our_errors(pool):
    with pytest.raises(UnitError):
        check_answer(DIVIDER, "V(out)", "five volts", runner=pool)
    with pytest.raises(AskError):
        check_answer(DIVIDER, "V(nowhere)", "5 V", runner=pool)
    with pytest.raises(NetlistError):
        check_answer(DIVIDER + "\n.control", "V(out)", "5 V", runner=pool)


# -- design questions ----------------------------------------------------------------------

SPEC = ["V(in) = 5 V", "V(out) = 3.3 V ± 2 %", "|I(V1)| <= 1 mA", "count(V) = 1"]


def test_a_good_divider_design_passes(pool):
    result = check_design("V1 in 0 5\nR1 in out 1.7k\nR2 out 0 3.3k", SPEC, runner=pool)
    assert result.correct, [r.message for r in result.results]
    assert json.loads(json.dumps(result.to_dict()))["correct"] is True


def test_a_divider_drawing_too_much_current_fails_on_that_constraint(pool):
    result = check_design("V1 in 0 5\nR1 in out 170\nR2 out 0 330", SPEC, runner=pool)
    assert not result.correct
    failed = [r.constraint.text for r in result.results if not r.satisfied]
    assert failed == ["|I(V1)| <= 1 mA"]
    assert "at most 1 mA" in result.results[2].message


def test_cheating_with_a_second_source_fails(pool):
    result = check_design("V1 in 0 5\nR1 in 0 10k\nV2 out 0 3.3\nR2 out 0 10k", SPEC, runner=pool)
    assert [r.satisfied for r in result.results] == [True, True, True, False]
    # a count is exact: no "(± 1 %)" tolerance on a number of elements
    assert result.results[3].message == "The circuit has 2 V elements; it should have exactly 1."


def test_constraint_grammar():
    c = parse_constraint("V(out)@t=1ms >= 2 V")
    assert (c.op, str(c.ask), c.target.value) == (">=", "V(out)@t=1ms", 2.0)
    assert parse_constraint("abs(I(R1)) < 2m").absolute
    assert parse_constraint("count(RC) <= 3").kinds == "RC"
    for bad in ["V(out) 3 V", "V(out) = 3 A", "count(Q) = 1", "V(out) = 3 V ± 200 %", ""]:
        with pytest.raises(DesignSpecError):
            parse_constraint(bad)
