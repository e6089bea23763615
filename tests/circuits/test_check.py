"""Answer checks: verdicts with tolerance, named errors, and design questions."""

import json

import pytest

from circuits.check import DIAGNOSIS_KINDS, check_answer
from circuits.design import check_design, parse_constraint
from circuits.errors import AskError, DesignSpecError, NetlistError, UnitError
from circuits.netlist import Circuit, parse_elements

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
    ("netlist", "ask", "answer", "correct"),
    [
        # 50 uA through a 100 kOhm shunt beside 50 mA: the floor was a tenth of 1 % of the
        # largest current, 50 uA, so 0 and a fifth of the value passed, and -40 uA was a "sign"
        ("V1 in 0 DC 5\nR1 in 0 100\nR2 in 0 100k", "I(R2)", "50.4 uA", True),
        ("V1 in 0 DC 5\nR1 in 0 100\nR2 in 0 100k", "I(R2)", "0", False),
        ("V1 in 0 DC 5\nR1 in 0 100\nR2 in 0 100k", "I(R2)", "10 uA", False),
        ("V1 in 0 DC 5\nR1 in 0 100\nR2 in 0 100k", "I(R2)", "-40 uA", False),
        # 1 mV across a 1 Ohm sense resistor in a 10 V circuit (the floor was 10 mV)
        ("V1 in 0 DC 10\nRs in out 1\nRl out 0 10k", "V(in,out)", "1 mV", True),
        ("V1 in 0 DC 10\nRs in out 1\nRl out 0 10k", "V(in,out)", "0", False),
        ("V1 in 0 DC 10\nRs in out 1\nRl out 0 10k", "V(in,out)", "1.9 mV", False),
    ],
)
def test_a_small_quantity_beside_a_big_one_is_judged_by_its_own_size(
    pool, netlist, ask, answer, correct
):
    assert check_answer(netlist, ask, answer, runner=pool).correct is correct


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
    # in the words the question lists it in ("|I(V1)| is 10 mA" read as code)
    assert result.results[2].message.startswith(
        "The size of the current through V1 (either direction) is 10 mA")


def test_cheating_with_a_second_source_fails(pool):
    result = check_design("V1 in 0 5\nR1 in 0 10k\nV2 out 0 3.3\nR2 out 0 10k", SPEC, runner=pool)
    assert [r.satisfied for r in result.results] == [True, True, True, False]
    # a count is exact: no "(± 1 %)" tolerance on a number of elements
    assert result.results[3].message == \
        "The circuit has 2 voltage sources; it should have exactly 1 voltage source."


@pytest.mark.parametrize(("text", "words"), [
    ("count(VIEFGH) = 1", "exactly 1 source"),
    ("count(R) = 2", "exactly 2 resistors"),
    ("count(VI) <= 1", "at most 1 independent source"),
    ("count(RC) >= 2", "at least 2 resistors or capacitors"),
    ("count(*) < 6", "fewer than 6 elements"),
    ("count(R) > 1", "more than 1 resistor"),
    ("count(L) = 0", "no inductors"),
    ("count(VIE) = 1", "exactly 1 voltage source, current source or dependent source"),
    ("|I(V1)| <= 1 mA", "the size of the current through V1 (either direction): at most 1 mA"),
    ("V(out) = 3.3 V ± 2 %", "the voltage at node out: 3.3 V (± 2 %)"),
    ("V(a, b) = 1 V", "the voltage at node a with respect to node b: 1 V (± 5 %)"),
    ("Req(a) = 1k", "the resistance between node a and ground: 1 kΩ (± 5 %)"),
    ("I(XU1) <= 1m", "the output current of XU1: at most 1 mA"),
    ("|phase(V(out))@f=1kHz| <= 45",
     "the size of the phase of the voltage at node out at 1 kHz: at most 45°"),
    ("|mag(V(out))@f=1kHz| >= 1", "the amplitude of the voltage at node out at 1 kHz: at least 1 V"),
    ("|V(out)@t=1ms| > 2 V",
     "the size of the voltage at node out at t = 1 ms (either direction): above 2 V"),
    ("mag(V(out))@f=1kHz >= 0.99 V",
     "the amplitude of the voltage at node out at 1 kHz: at least 990 mV"),
    ("V(out)@t=1ms > 2 V", "the voltage at node out at t = 1 ms: above 2 V"),
    ("P(RL) = 60 mW ± 2 %", "the power in RL: 60 mW (± 2 %)"),
])
def test_a_constraint_reads_as_words(text, words):
    # The practice page listed "count(VIEFGH) = 1", which a student reads as code.
    from circuits.design import constraint_in_words

    assert constraint_in_words(text, rel_tol=0.05) == words


def test_constraint_grammar():
    c = parse_constraint("V(out)@t=1ms >= 2 V")
    assert (c.op, str(c.ask), c.target.value) == (">=", "V(out)@t=1ms", 2.0)
    assert parse_constraint("abs(I(R1)) < 2m").absolute
    assert parse_constraint("count(RC) <= 3").kinds == "RC"
    for bad in ["V(out) 3 V", "V(out) = 3 A", "count(Q) = 1", "V(out) = 3 V ± 200 %", ""]:
        with pytest.raises(DesignSpecError):
            parse_constraint(bad)


def test_a_phase_constraint_compares_angles_modulo_360(pool):
    # An inverting amplifier simulates at +180°; -180° is the same phase, as check_answer says.
    amp = "V1 in 0 AC 1\nR1 in n 1k\nR2 n out 10k\nXU1 0 n out OPAMP"
    for target in ("-180 deg", "180 deg", "540 deg"):
        result = check_design(amp, [f"phase(V(out))@f=1kHz = {target} ± 1 %"], runner=pool)
        assert result.correct, [r.message for r in result.results]
    assert not check_design(amp, ["phase(V(out))@f=1kHz = -170 deg ± 1 %"], runner=pool).correct


def test_a_phase_constraint_near_zero_degrees_has_a_tolerance(pool):
    # Relative to a target of 0°, any tolerance was none: a non-inverting buffer at
    # 1e-9° failed "= 0 deg ± 2 %". As check_answer: rel_tol times 10 degrees.
    buffer = "V1 in 0 AC 1\nR1 in a 1k\nC1 a 0 1p\nXU1 a out out OPAMP"
    assert check_design(buffer, ["phase(V(out))@f=1kHz = 0 deg ± 2 %"], runner=pool).correct
    lag = "V1 in 0 AC 1\nR1 in out 1k\nC1 out 0 1u"  # -32 degrees at 1 kHz
    assert not check_design(lag, ["phase(V(out))@f=1kHz = 0 deg ± 2 %"], runner=pool).correct


# -- the given part of a design question ----------------------------------------------------

AMPLIFIER = ["V(out) = -5 V ± 2 %", "count(X) = 1", "count(R) = 2"]
GIVEN_INPUT = "V1 in 0 DC 500m"


def test_a_design_that_changes_the_given_source_is_not_correct(pool):
    # 5 V in and a gain of -1 meets every constraint of "0.5 V in, gain -10".
    cheat = "V1 in 0 DC 5\nR1 in n 1k\nR2 n out 1k\nXU1 0 n out OPAMP"
    assert check_design(cheat, AMPLIFIER, runner=pool).correct  # what given= is for
    result = check_design(cheat, AMPLIFIER, given=GIVEN_INPUT, runner=pool)
    assert not result.correct
    assert [g.kept for g in result.given] == [False]
    message = ("The task gives V1 in 0 DC 500 mV; keep it as given "
               "(your circuit has V1 in 0 DC 5 V).")
    assert result.given[0].message == message
    assert result.results == ()  # that circuit answers another question: not simulated
    data = json.loads(json.dumps(result.to_dict()))
    assert data["diagnosis"] == {"kind": "given-changed", "message": message, "matched": None}
    assert data["given"] == [{"element": "V1 in 0 DC 500m", "kept": False,
                              "found": "V1 in 0 DC 5", "message": message}]


@pytest.mark.parametrize("source", ["V1 in 0 DC 500m", "V1 in 0 0.5", "v1 IN 0 DC 500mV",
                                    "Vin in 0 DC 0.5"])
def test_the_given_part_is_compared_by_value_and_may_be_renamed(pool, source):
    design = f"{source}\nR1 in n 1k\nR2 n out 10k\nXU1 0 n out OPAMP"
    result = check_design(design, AMPLIFIER, given=GIVEN_INPUT, runner=pool)
    assert result.correct, result.to_dict()
    assert [(g.kept, g.message) for g in result.given] == [(True, "")]
    assert result.to_dict()["diagnosis"] is None
    assert len(result.results) == 3


MATCHED_SOURCE = "V1 in 0 DC 12\nR1 in a 600"  # a given part need not be a whole circuit


@pytest.mark.parametrize(
    ("design", "messages"),
    [
        ("V1 in 0 DC 12\nRL in 0 600", [
            "The task gives R1 in a 600 Ω; keep it as given (it is not in your circuit)."]),
        ("V1 0 in DC 12\nR1 in a 600\nRL a 0 600", [
            "The task gives V1 in 0 DC 12 V; keep it as given (your circuit has V1 0 in DC 12 V)."]),
        ("V1 in 0 DC 12\nR1 in a 300\nRL a 0 600", [
            "The task gives R1 in a 600 Ω; keep it as given (your circuit has R1 in a 300 Ω)."]),
        ("V1 in 0 AC 12\nR2 in a 600\nRL a 0 600", [  # renamed R1 is kept; V1 is not
            "The task gives V1 in 0 DC 12 V; keep it as given "
            "(your circuit has V1 in 0 AC 12 V)."]),
        ("I1 0 a 20m\nRL a 0 600", [
            "The task gives V1 in 0 DC 12 V; keep it as given (it is not in your circuit).",
            "The task gives R1 in a 600 Ω; keep it as given (it is not in your circuit)."]),
    ],
)
def test_a_changed_or_removed_given_element_is_named_with_what_stands_in_its_place(
    pool, design, messages
):
    result = check_design(design, ["P(RL) = 60 mW ± 2 %"], given=MATCHED_SOURCE, runner=pool)
    assert not result.correct
    assert [g.message for g in result.given if not g.kept] == messages
    assert result.to_dict()["diagnosis"]["message"] == " ".join(messages)


def test_each_given_element_needs_an_element_of_its_own(pool):
    # Two equal given resistors are not both kept by one.
    given = "V1 a 0 DC 1\nR1 a 0 1k\nR2 a 0 1k"
    one = check_design("V1 a 0 DC 1\nR1 a 0 1k", ["count(R) >= 1"], given=given, runner=pool)
    assert [g.kept for g in one.given] == [True, True, False]
    swapped = check_design("V1 a 0 DC 1\nR2 a 0 1k\nRx a 0 1k", ["count(R) >= 1"],
                           given=given, runner=pool)
    # R2 keeps its own name first, so R1 is the renamed Rx
    assert swapped.correct and [g.found.name for g in swapped.given] == ["V1", "RX", "R2"]


@pytest.mark.parametrize(
    ("student", "kept"),
    [
        ("V1 in 0 DC 0 AC 1 270", True),  # the same source the simulator sees
        ("V1 in 0 AC 1m -90", False),
        ("V1 in 0 AC 1", False),
        ("V1 in 0 DC 1 AC 1 -90", False),
    ],
)
def test_a_given_source_is_compared_as_the_simulator_sees_it(pool, student, kept):
    design = f"{student}\nR1 in 0 1k"
    result = check_design(design, ["count(R) = 1"], given="V1 in 0 AC 1 -90", runner=pool)
    assert (result.correct, result.given[0].kept) == (kept, kept)


def test_a_controlled_source_follows_its_renamed_controlling_element(pool):
    given = "V1 in 0 DC 1\nH1 out 0 V1 2"
    base = "R1 in 0 1k\nR2 out 0 1k"
    renamed = check_design(f"Vs in 0 DC 1\nH1 out 0 Vs 2\n{base}", ["V(out) = -2 mV"],
                           given=given, runner=pool)
    assert renamed.correct, renamed.to_dict()
    other = check_design(f"V1 in 0 DC 1\nV2 x 0 DC 1\nRx x 0 1k\nH1 out 0 V2 2\n{base}",
                         ["count(H) = 1"], given=given, runner=pool)
    assert [g.kept for g in other.given] == [True, False]


def test_a_given_circuit_object_or_nothing_given(pool):
    design = "V1 a 0 DC 9\nR1 a 0 450"
    spec = ["|I(V1)| = 20 mA ± 5 %"]
    assert check_design(design, spec, given=Circuit(tuple(parse_elements("V1 a 0 9"))),
                        runner=pool).correct
    assert not check_design(design, spec, given=Circuit(tuple(parse_elements("V1 a 0 5"))),
                            runner=pool).correct
    for nothing in ("", "* no given part\n", None):
        result = check_design(design, spec, given=nothing, runner=pool)
        assert result.correct and result.given == ()


def test_an_unreadable_given_part_is_a_fault_of_the_question(pool):
    with pytest.raises(DesignSpecError, match="given part"):
        check_design("V1 a 0 DC 9\nR1 a 0 450", ["count(R) = 1"], given="Q1 a b c",
                     runner=pool)


def test_a_given_resistor_may_be_written_either_way_round(pool):
    # R1 a in 600 is the task's R1 in a 600; it was refused as "changed".
    given = "V1 in 0 DC 12\nR1 in a 600"
    need = ["P(RL) = 60 mW ± 2 %", "count(R) = 2"]
    flipped = check_design("V1 in 0 DC 12\nR1 a in 600\nRL a 0 600", need, given=given,
                           runner=pool)
    assert flipped.correct, flipped.to_dict()["diagnosis"]
    # a source the other way round is another source
    assert not check_design("V1 0 in DC 12\nR1 in a 600\nRL a 0 600", need, given=given,
                            runner=pool).correct


def test_a_requirement_on_a_renamed_given_element_says_to_keep_its_name(pool):
    # "the circuit has no element V1 (its elements: VS, ...)", an unreadable answer,
    # where the task's own requirement names the source the student renamed.
    need = ["V(out) = 3.3 V ± 2 %", "|I(V1)| <= 1 mA"]
    result = check_design("Vs in 0 DC 5\nR1 in out 3.4k\nR2 out 0 6.6k", need,
                          given="V1 in 0 DC 5", runner=pool)
    assert not result.correct
    message = result.to_dict()["diagnosis"]["message"]
    assert "keep its name V1" in message and "calls it VS" in message


def test_a_design_without_the_given_source_says_to_keep_it(pool):
    # Dropping the source left node 'in' dangling, and that was the message.
    result = check_design("R1 in out 3.4k\nR2 out 0 6.6k", ["V(out) = 3.3 V ± 2 %"],
                          given="V1 in 0 DC 5", runner=pool)
    assert not result.correct
    assert "it is not in your circuit" in result.to_dict()["diagnosis"]["message"]
    with pytest.raises(NetlistError):  # with nothing given, the netlist's own fault stands
        check_design("R1 in out 3.4k\nR2 out 0 6.6k", ["V(out) = 3.3 V ± 2 %"], runner=pool)
