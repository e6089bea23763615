"""The netlist language: what it reads, what it refuses (with the line), how it writes back."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuits.errors import CircuitError, NetlistError
from circuits.netlist import (
    MAX_ELEMENTS,
    Circuit,
    Element,
    Source,
    circuit_from_parts,
    element_from_parts,
    format_netlist,
    parse_netlist,
)

DIVIDER = "V1 in 0 DC 10\nR1 in out 1k\nR2 out 0 1k\n"


def test_parse_divider_gives_elements_and_nodes():
    c = parse_netlist(DIVIDER)
    assert [e.name for e in c.elements] == ["V1", "R1", "R2"]
    assert c.nodes == ("0", "in", "out")
    assert c.element("r1").value == 1000.0
    assert c.element("V1").source == Source(dc=10.0)


@pytest.mark.parametrize(
    ("line", "value"),
    [("R1 a 0 4k7", 4700.0), ("R1 a 0 4.7k", 4700.0), ("R1 a 0 1meg", 1e6), ("R1 a 0 1MEG", 1e6),
     ("R1 a 0 2.2kohm", 2200.0), ("R1 a 0 10", 10.0), ("C1 a 0 2.2u", 2.2e-6),
     ("C1 a 0 100n", 100e-9), ("C1 a 0 10uF", 10e-6), ("L1 a 0 10mH", 10e-3),
     ("R1 a 0 1e3", 1e3)],
)
def test_values_with_si_suffixes(line, value):
    c = parse_netlist(f"V1 b 0 1\nRs b a 1k\n{line}\nRb a 0 1k")
    element = c.elements[2]
    assert element.value == pytest.approx(value)


def test_sources_dc_ac_pulse_sin():
    c = parse_netlist(
        "V1 a 0 DC 1 AC 2 -90\nI1 0 b 10mA\nV2 c 0 PULSE(0 5V 1ms 1n 1n 1ms 2ms)\n"
        "V3 d 0 SIN(0, 1, 1kHz)\nR1 a b 1k\nR2 b c 1k\nR3 c d 1k\nR4 d 0 1k"
    )
    assert c.element("V1").source == Source(dc=1.0, ac_mag=2.0, ac_phase=-90.0)
    assert c.element("I1").source == Source(dc=10e-3)
    assert c.element("V2").source.pulse == (0.0, 5.0, 1e-3, 1e-9, 1e-9, 1e-3, 2e-3)
    assert c.element("V2").source.dc_value == 0.0
    assert c.element("V3").source.sin == (0.0, 1.0, 1e3)


def test_dependent_sources_diode_and_opamp():
    c = parse_netlist(
        "V1 in 0 1\nR1 in 0 1k\nE1 e 0 in 0 2\nRe e 0 1k\nG1 g 0 in 0 1m\nRg g 0 1k\n"
        "F1 f 0 V1 3\nRf f 0 1k\nH1 h 0 R1 1k\nRh h 0 1k\nD1 in d\nRd d 0 1k\n"
        "X1 in inv out OPAMP\nR2 inv out 1k\nR3 inv 0 1k"
    )
    assert c.element("E1").value == 2.0 and c.element("E1").nodes == ("e", "0", "in", "0")
    assert c.element("F1").control == "V1"
    assert c.element("H1").control == "R1"
    assert c.element("X1").kind == "X" and c.element("X1").nodes == ("in", "inv", "out")
    assert c.element("D1").value is None


def test_comments_continuations_case_and_end():
    c = parse_netlist(
        "* a divider\nv1 IN 0 dc 10 ; the source\nR1 in\n+ out 1k $ top\n\nR2 OUT gnd 1k\n.END\n"
    )
    assert c.nodes == ("0", "in", "out")
    assert c.element("R1").nodes == ("in", "out")


# Every refusal: (netlist, line or None, words of the reason)
REFUSALS = [
    ("V1 a 0 1\nR1 a 0 1k\n.control\nshell touch x\n.endc", 3, "control"),
    ("V1 a 0 1\nR1 a 0 1k\n.CONTROL\n.endc", 3, "control"),
    ("V1 a 0 1\nR1 a 0 1k\n.CoNtRoL", 3, "control"),
    ("V1 a 0 1\n*# shell touch x\nR1 a 0 1k", 2, "*#"),
    ("V1 a 0 1\n  *#source evil", 2, "*#"),
    ("shell touch x\nV1 a 0 1\nR1 a 0 1k", 1, "ngspice command"),
    ("V1 a 0 1\nR1 a 0 1k\nwrite out.raw", 3, "ngspice command"),
    ("V1 a 0 1\nR1 a 0 1k\nsource /tmp/evil", 3, "ngspice command"),
    ("V1 a 0 1\nR1 a 0 1k\nSET noaskquit", 3, "ngspice command"),
    ("V1 a 0 1\nR1 a 0 1k\n.include /etc/passwd", 3, "cannot read files"),
    ("V1 a 0 1\nR1 a 0 1k\n.lib models.lib tt", 3, "cannot read files"),
    ("V1 a 0 1\nR1 a 0 1k\n.tran 1u 1m", 3, "analysis comes from the question"),
    ("V1 a 0 1\nR1 a 0 1k\n.model dx D", 3, "default model"),
    ("V1 a 0 1\nR1 a 0 1k\n.param r=1k", 3, "only dot-command"),
    ("V1 a 0 1\nQ1 a b 0 npn\nR1 b 0 1k", 2, "unknown element"),
    ("V1 a 0 1\nM1 a b 0 0 nmos\nR1 b 0 1k", 2, "unknown element"),
    ("V1 a 0 1\nB1 a 0 V=1\nR1 a 0 1k", 2, "unknown element"),
    ("V1 a 0 1\nX1 a 0 sub\nR1 a 0 1k", 2, "OPAMP"),
    ("V1 a 0 1\nR1 a b 1k", 2, "dangling"),
    ("V1 a b 1\nR1 a b 1k", None, "no ground"),
    ("V1 a 0 1\nR1 a 0 1k\nC1 a b 1u\nC2 b 0 1u", 3, "floating"),
    ("I1 0 a 1m\nC1 a 0 1u", 1, "floating"),
    ("V1 a 0 1\nR1 a 0 1k\nR2 b c 1k\nR3 c b 1k", None, "not connected"),
    ("V1 a 0 1\nV2 a 0 2\nR1 a 0 1k", 2, "shorted"),
    ("V1 a a 1\nR1 a 0 1k", 1, "shorted"),
    ("V1 a 0 1\nL1 a 0 1m", 2, "shorted"),
    ("V1 a 0 1\nR1 a 0 1k\nR1 a 0 2k", 3, "twice"),
    ("V1 a 0 1\nR1 a 0 -1k", 2, "positive"),
    ("V1 a 0 1\nR1 a 0 1M", 2, "ambiguous"),
    ("V1 a 0 1\nR1 a 0 4k7k", 2, "second prefix"),  # was read as 4.7 kOhm
    ("V1 a 0 1\nR1 a 0 5V", 2, "resistance"),
    ("V1 a 0 1\nR1 a 0 1k 2k", 2, "unexpected"),
    ("V1 a 0 1\nR1 a 0", 2, "needs a value"),
    ("V1 a 0 1\nR1 a 0 1k\nF1 b 0 Vx 2\nRb b 0 1k", 3, "not in the circuit"),
    ("V1 a 0 1\nR1 a 0 1k\n.end\nR2 a 0 1k", 4, "follow .end"),
    ("V1 a 0 1\nR1 a 0 1k\nR2 a/b 0 1k", 3, "node name"),
    ("V1 a 0 PULSE 0 1\nR1 a 0 1k", 1, "parentheses"),
    ("V1 a 0 1\nE1 b 0 POLY(1) a 0 0 1\nR1 b 0 1k", 2, "linear"),
    ("V1 a 0 1\n,\nR1 a 0 1k", 2, "not an element"),  # hypothesis found ',' alone
    ("", None, "no elements"),
    ("* only a comment\n", None, "no elements"),
]


@pytest.mark.parametrize(("text", "line", "words"), REFUSALS)
def test_refusals_name_the_line_and_a_reason(text, line, words):
    with pytest.raises(NetlistError) as info:
        parse_netlist(text)
    assert info.value.line == line
    assert words.lower() in info.value.reason.lower()
    if line is not None:
        assert str(info.value).startswith(f"line {line}: ")


def test_more_than_200_elements_is_refused():
    lines = ["V1 n0 0 1"] + [f"R{i} n{i} n{i + 1} 1k" for i in range(MAX_ELEMENTS)]
    lines.append(f"Rend n{MAX_ELEMENTS} 0 1k")
    with pytest.raises(NetlistError, match="more than 200"):
        parse_netlist("\n".join(lines))


def test_two_hundred_elements_are_accepted():
    lines = ["V1 n0 0 1"] + [f"R{i} n{i} n{i + 1} 1k" for i in range(MAX_ELEMENTS - 2)]
    lines.append(f"Rend n{MAX_ELEMENTS - 2} 0 1k")
    assert len(parse_netlist("\n".join(lines)).elements) == MAX_ELEMENTS


def test_huge_text_and_long_lines_are_refused_cheaply():
    with pytest.raises(NetlistError, match="longer"):
        parse_netlist("* x\n" * 20_000)
    with pytest.raises(NetlistError, match="longer"):
        parse_netlist("R1 a 0 " + "1" * 600)


def test_netlist_error_is_a_value_error_and_pickles():
    import pickle

    err = NetlistError(3, "bad")
    assert isinstance(err, ValueError) and isinstance(err, CircuitError)
    back = pickle.loads(pickle.dumps(err))
    assert (back.line, back.reason, str(back)) == (3, "bad", "line 3: bad")


def test_elements_built_by_code_are_validated():
    with pytest.raises(NetlistError):
        Element("R1", ("a", "0"), value=0.0)
    with pytest.raises(NetlistError):
        Element("R1", ("a; shell", "0"), value=1.0)
    with pytest.raises(NetlistError):
        Element("Q1", ("a", "0"))
    with pytest.raises(NetlistError):
        Element("R1", ("a",), value=1.0)


def test_format_netlist_round_trips():
    c = parse_netlist(
        "V1 a 0 DC 1 AC 1 -30\nR1 a b 4k7\nC1 b 0 2.2u IC=1\nL1 b c 10m\nR2 c 0 1meg\n"
        "I1 0 c 1.5m\nV2 d 0 PULSE(0 5 0 1n 1n 1m 2m)\nR3 d 0 1k\nE1 e 0 a 0 2\nR4 e 0 1k\n"
        "F1 f 0 V1 3\nR5 f 0 1k\nX1 a g h OPAMP\nR6 g h 1k\nR7 g 0 1k"
    )
    again = parse_netlist(format_netlist(c.elements))
    assert again.elements == c.elements


@st.composite
def ladders(draw):
    n = draw(st.integers(min_value=1, max_value=6))
    values = st.floats(min_value=1e-12, max_value=1e9, allow_nan=False, allow_infinity=False)
    elements = [Element("V1", ("n0", "0"), source=Source(dc=draw(st.floats(-100, 100))))]
    for i in range(n):
        kind = draw(st.sampled_from("RCL"))
        elements.append(Element(f"{kind}s{i}", (f"n{i}", f"n{i + 1}"), value=draw(values)))
        elements.append(Element(f"Rp{i}", (f"n{i + 1}", "0"), value=draw(values)))
    return elements


@settings(max_examples=50, deadline=None)
@given(ladders())
def test_format_then_parse_gives_the_same_elements(elements):
    assert parse_netlist(format_netlist(elements)).elements == tuple(elements)


def test_builder_parts_make_a_circuit_and_netlist_text():
    c = circuit_from_parts([
        {"kind": "voltage source", "name": "V1", "nodes": ["in", "0"], "value": "DC 5"},
        ("resistor", "1", ("in", "out"), "4.7 kΩ"),
        ("R", "R2", ("out", "0"), "10k"),
    ])
    assert isinstance(c, Circuit)
    assert c.to_text() == "V1 in 0 DC 5\nR1 in out 4.7k\nR2 out 0 10k\n"
    assert parse_netlist(c.to_text()) == c


@pytest.mark.parametrize(
    ("parts", "row", "words"),
    [
        ([("transistor", "Q1", ("a", "b"), "")], 1, "unknown element kind"),
        ([("V", "V1", ("a", "0"), "5"), ("R", "R1", ("a", "0"), "abc")], 2, "cannot read"),
        ([("V", "V1", ("a", "0"), "5"), ("R", "R1", ("a", "0"), "1k; shell x")], 2, "';'"),
        ([("V", "V1", ("a", "0"), "5"), ("R", "R1", ("a",), "1k")], 2, "needs 2 nodes"),
        ([("V", "V1", ("a", "0"), "5"), {"kind": "R", "name": "R1"}], 2, "missing field"),
        ([("V", "V1", ("a", "0"), "5"), ("R", "R1", ("a", "b"), "1k")], 2, "dangling"),
    ],
)
def test_builder_errors_name_the_row(parts, row, words):
    with pytest.raises(NetlistError) as info:
        circuit_from_parts(parts)
    assert info.value.line == row
    assert words.lower() in info.value.reason.lower()


def test_element_from_parts_reads_an_opamp_and_prefixes_names():
    x = element_from_parts("op-amp", "1", ["p", "m", "o"])
    assert x.name == "X1" and x.kind == "X"


def test_parse_elements_reads_a_partial_circuit_without_topology_checks():
    from circuits.netlist import parse_elements

    elements = parse_elements("V1 in 0 5")  # a design question's given part
    assert [e.name for e in elements] == ["V1"]
    with pytest.raises(NetlistError):
        parse_netlist("V1 in 0 5")  # dangling as a whole circuit
    with pytest.raises(NetlistError, match="control"):
        parse_elements("V1 in 0 5\n.control")
