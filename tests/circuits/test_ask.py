"""The question grammar."""

import pytest

from circuits.ask import Ask, parse_ask
from circuits.errors import AskError
from circuits.netlist import parse_netlist


@pytest.mark.parametrize(
    ("text", "quantity", "args", "analysis", "unit", "canonical"),
    [
        ("V(out)", "V", ("out",), "op", "V", "V(out)"),
        ("v( OUT )", "V", ("out",), "op", "V", "V(out)"),
        ("V(a,b)", "V", ("a", "b"), "op", "V", "V(a,b)"),
        ("V(a,0)", "V", ("a",), "op", "V", "V(a)"),
        ("I(r1)", "I", ("R1",), "op", "A", "I(R1)"),
        ("P(R1)", "P", ("R1",), "op", "W", "P(R1)"),
        ("Req(a,b)", "Req", ("a", "b"), "op", "Ohm", "Req(a,b)"),
        ("Req(a)", "Req", ("a", "0"), "op", "Ohm", "Req(a,0)"),
        ("V(out)@t=1ms", "V", ("out",), "tran", "V", "V(out)@t=1ms"),
        ("I(C1) @ t = 250 us", "I", ("C1",), "tran", "A", "I(C1)@t=250µs"),
        ("mag(V(out))@f=1kHz", "V", ("out",), "ac", "V", "mag(V(out))@f=1kHz"),
        ("phase(V(out))@f=1kHz", "V", ("out",), "ac", "deg", "phase(V(out))@f=1kHz"),
        ("mag(I(R1))@f=50", "I", ("R1",), "ac", "A", "mag(I(R1))@f=50Hz"),
        ("tau(V(out))", "V", ("out",), "tau", "s", "tau(V(out))"),
        ("TAU(I(L1))", "I", ("L1",), "tau", "s", "tau(I(L1))"),
    ],
)
def test_parse_ask_reads_every_form(text, quantity, args, analysis, unit, canonical):
    ask = parse_ask(text)
    assert (ask.quantity, ask.args, ask.analysis, ask.unit) == (quantity, args, analysis, unit)
    assert str(ask) == canonical
    assert parse_ask(str(ask)) == ask


def test_time_and_frequency_are_read_with_prefixes():
    assert parse_ask("V(out)@t=1ms").time == 1e-3
    assert parse_ask("phase(V(out))@f=2.5kHz").freq == 2500.0


def test_a_frequency_keeps_its_letter_case():
    # The whole question used to be lowercased first, so 1MHz was read as 1 mHz, and a
    # question printed as ...@f=1MHz (str of a 1 MHz ask) came back a billion times slower.
    assert parse_ask("mag(V(out))@f=1MHz").freq == 1e6
    assert parse_ask("mag(V(out))@F=1mHz").freq == 1e-3
    assert parse_ask("mag(V(out))@f=1meg").freq == 1e6
    one_mega = parse_ask("mag(V(out))@f=1MEG")
    assert str(one_mega) == "mag(V(out))@f=1MHz" and parse_ask(str(one_mega)) == one_mega
    with pytest.raises(AskError, match="ambiguous"):
        parse_ask("mag(V(out))@f=1M")


@pytest.mark.parametrize(
    "text",
    ["", "out", "V()", "V(a,b,c)", "V(a;b)", "I(1R)", "X(out)", "V(out)@f=1kHz",
     "V(out)@t=-1ms", "V(out)@t=1V", "V(out)@x=1", "mag(V(out))", "mag(P(R1))@f=1k",
     "tau(V(out))@t=1ms", "tau(Req(a,b))", "Req(a)@t=1ms", "V(0)", "V(out)" + " " * 300],
)
def test_parse_ask_refuses_with_ask_error(text):
    with pytest.raises(AskError):
        parse_ask(text)


def test_ask_checks_nodes_and_elements_against_the_circuit():
    c = parse_netlist("V1 a 0 1\nR1 a 0 1k")
    parse_ask("V(a)").check_against(c)
    with pytest.raises(AskError, match="no node 'b'"):
        parse_ask("V(b)").check_against(c)
    with pytest.raises(AskError, match="no element R2"):
        parse_ask("I(R2)").check_against(c)
    with pytest.raises(AskError, match="two different"):
        Ask("Req", ("a", "a")).check_against(c)
