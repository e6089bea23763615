"""Reading and writing quantities: the forms students, teachers and netlists use."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circuits.errors import CircuitError, UnitError
from circuits.units import KNOWN_UNITS, Quantity, format_quantity, parse_quantity


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("2.5 mA", 2.5e-3, "A"),
        ("2.5e-3 A", 2.5e-3, "A"),
        ("2m5", 2.5e-3, ""),
        ("0.0025", 0.0025, ""),
        ("-3 V", -3.0, "V"),
        ("4k7", 4700.0, ""),
        ("4K7", 4700.0, ""),
        ("4R7", 4.7, ""),
        ("4.7 kΩ", 4700.0, "Ohm"),
        ("4.7 k\u2126", 4700.0, "Ohm"),  # the ohm sign, not Greek omega
        ("4.7kohm", 4700.0, "Ohm"),
        ("4.7 kOhm", 4700.0, "Ohm"),
        ("1meg", 1e6, ""),
        ("1MEG", 1e6, ""),
        ("2megohm", 2e6, "Ohm"),
        ("1 MΩ", 1e6, "Ohm"),
        ("1 MHz", 1e6, "Hz"),
        ("1 mHz", 1e-3, "Hz"),
        ("10 µF", 10e-6, "F"),  # micro sign
        ("10 μF", 10e-6, "F"),  # Greek mu
        ("10 uF", 10e-6, "F"),
        ("10F", 10.0, "F"),
        ("10f", 10e-15, ""),
        ("-45°", -45.0, "deg"),
        ("-45 deg", -45.0, "deg"),
        ("-45 degrees", -45.0, "deg"),
        ("1 kHz", 1e3, "Hz"),
        ("3.3V", 3.3, "V"),
        ("3.3 v", 3.3, "V"),
        ("10mA", 10e-3, "A"),
        ("2.2u", 2.2e-6, ""),
        ("2.2n", 2.2e-9, ""),
        ("100p", 100e-12, ""),
        ("1e3", 1e3, ""),
        (".5", 0.5, ""),
        ("+2 W", 2.0, "W"),
        ("\u22123 V", -3.0, "V"),  # typographic minus
        ("  5 V  ", 5.0, "V"),
        ("1 ms", 1e-3, "s"),
        ("10 mH", 10e-3, "H"),
        ("1G", 1e9, ""),
    ],
)
def test_parse_quantity_reads_common_forms(text, value, unit):
    q = parse_quantity(text)
    assert q.unit == unit
    assert math.isclose(q.value, value, rel_tol=1e-12)


def test_values_are_exact_after_prefix_scaling():
    assert parse_quantity("2.5 mA").value == 0.0025
    assert parse_quantity("4k7").value == 4700.0


def test_default_unit_applies_only_to_bare_numbers():
    assert parse_quantity("0.0025", default_unit="A") == Quantity(0.0025, "A")
    assert parse_quantity("3 V", default_unit="A") == Quantity(3.0, "V")


@pytest.mark.parametrize(
    "text", ["5 Vx", "", "   ", "abc", "inf", "nan", "1e", "--3", "1..2", "3 V V", "1e999", "V5", "5 S", "1x"]
)
def test_parse_quantity_refuses_garbage_with_unit_error(text):
    with pytest.raises(UnitError):
        parse_quantity(text)


@pytest.mark.parametrize(("text", "says"), [
    ("3.3.3 V", "more than one number"), ("5 6 V", "more than one number"),
    ("1,5 V", "use '.' for a decimal point"), ("1,000 Ohm", "no separator between thousands"),
    ("5 V" + " " * 100 + "x", "cannot read"),
])
def test_a_malformed_number_is_named_as_such_not_as_a_unit(text, says):
    # "3.3.3 V" used to give "cannot read the unit '.3 V'".
    with pytest.raises(UnitError, match=says) as caught:
        parse_quantity(text)
    assert "the unit" not in str(caught.value) or text.endswith("x")
    assert "too long" not in str(caught.value)


def test_bare_uppercase_m_is_refused_as_ambiguous():
    with pytest.raises(UnitError, match="meg"):
        parse_quantity("1M")
    assert parse_quantity("1m").value == 1e-3


@pytest.mark.parametrize(
    ("text", "suggests"),
    [("4k7 mA", "4.7mA"), ("2m5 kV", "2.5kV"), ("4k7k", "4.7k"), ("1k5 meg", "1.5meg"),
     ("4R7 mA", "4.7mA"), ("4k7 M", "4.7meg"), ("4k7M", "4.7m"), ("2u2 nF", "2.2nF")],
)
def test_a_prefix_after_an_rkm_value_is_refused_not_dropped(text, suggests):
    # "4k7 mA" used to read as 4.7 kA and "2m5 kV" as 2.5 mV: the second prefix was ignored.
    with pytest.raises(UnitError, match="no second prefix") as caught:
        parse_quantity(text)
    assert f"'{suggests}'" in str(caught.value)
    # what it suggests is itself read (it once suggested '4.7M', refused as ambiguous)
    parse_quantity(suggests)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [("4k7 Ω", 4700.0, "Ohm"), ("2u2 F", 2.2e-6, "F"), ("1M5 V", 1.5e6, "V"), ("4k7", 4700.0, ""),
     ("2m5 A", 2.5e-3, "A"), ("4R7", 4.7, "")],
)
def test_an_rkm_value_may_still_be_followed_by_a_unit(text, value, unit):
    q = parse_quantity(text)
    assert (q.unit, math.isclose(q.value, value, rel_tol=1e-12)) == (unit, True)


def test_unknown_default_unit_is_refused():
    with pytest.raises(UnitError):
        parse_quantity("1", default_unit="furlong")


def test_unit_error_is_a_value_error_and_a_circuit_error():
    with pytest.raises(ValueError):
        parse_quantity("abc")
    assert issubclass(UnitError, CircuitError)


def test_quantity_refuses_unknown_unit():
    with pytest.raises(UnitError):
        Quantity(1.0, "mA")


@pytest.mark.parametrize(
    ("q", "text"),
    [
        (Quantity(2.5e-3, "A"), "2.5 mA"),
        (Quantity(4700.0, "Ohm"), "4.7 kΩ"),
        (Quantity(-45.0, "deg"), "-45°"),
        (Quantity(0.0, "V"), "0 V"),
        (Quantity(3.3, "V"), "3.3 V"),
        (Quantity(0.9999999, "V"), "1 V"),
        (Quantity(1e-6, "F"), "1 µF"),
        (Quantity(1.5e6, "Hz"), "1.5 MHz"),
        (Quantity(0.5, ""), "0.5"),
    ],
)
def test_format_quantity_uses_engineering_prefixes(q, text):
    assert format_quantity(q) == text


@given(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).filter(lambda x: x == 0 or abs(x) > 1e-14),
    st.sampled_from(sorted(KNOWN_UNITS - {""})),
)
def test_format_then_parse_round_trips_to_four_digits(value, unit):
    q = Quantity(value, unit)
    back = parse_quantity(format_quantity(q))
    assert back.unit == unit
    assert math.isclose(back.value, value, rel_tol=1e-3, abs_tol=1e-15)


@given(st.text(max_size=30))
def test_parse_quantity_raises_only_unit_error(text):
    try:
        q = parse_quantity(text)
    except UnitError:
        return
    assert math.isfinite(q.value)
    assert q.unit in KNOWN_UNITS
