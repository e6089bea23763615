"""Wrong-unit verdicts: one wording (article and symbol) for typed answers, checks and netlists."""

import pytest

from circuits.check import check_answer
from circuits.compare import compare_quantity
from circuits.errors import NetlistError
from circuits.netlist import parse_netlist
from circuits.units import Quantity


@pytest.mark.parametrize(
    ("expected", "answer", "message"),
    [
        (Quantity(5.0, "V"), "2 mH", "The question asks for a voltage (V), "
                                     "but your answer is an inductance (H)."),
        (Quantity(4700.0, "Ohm"), "30 deg", "The question asks for a resistance (Ω), "
                                            "but your answer is an angle (°)."),
        (Quantity(-45.0, "deg"), "3 kΩ", "The question asks for an angle (°), "
                                         "but your answer is a resistance (Ω)."),
        (Quantity(2.0, ""), "2 A", "The question asks for a plain number, "
                                   "but your answer is a current (A)."),
    ],
)
def test_a_wrong_unit_is_named_with_its_article_and_symbol(expected, answer, message):
    result = compare_quantity(expected, answer)
    assert (result.kind, result.message) == ("unit-kind", message)


@pytest.mark.spice
def test_check_answer_words_a_wrong_unit_the_same_way(pool):
    result = check_answer("V1 in 0 DC 10\nR1 in 0 1k", "Req(in)", "1 H", runner=pool)
    assert result.diagnosis.message == ("The question asks for a resistance (Ω), "
                                        "but your answer is an inductance (H).")


@pytest.mark.parametrize(
    ("netlist", "reason"),
    [
        ("V1 a 0 1\nR1 a 0 5H",
         "the value of R1 is a resistance (Ω), but '5H' is an inductance (H)"),
        ("V1 a 0 AC 1 5V\nR1 a 0 1k",
         "the AC phase of V1 is an angle (°), but '5V' is a voltage (V)"),
    ],
)
def test_a_netlist_value_of_the_wrong_unit_is_worded_the_same_way(netlist, reason):
    with pytest.raises(NetlistError) as caught:
        parse_netlist(netlist)
    assert caught.value.reason == reason
