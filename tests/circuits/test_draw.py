"""Schematics: valid SVG, a real ladder drawing where possible, a correct fallback elsewhere."""

import xml.etree.ElementTree as ET

import pytest

from circuits.draw import draw_svg, ladder_order
from circuits.errors import NetlistError
from circuits.netlist import parse_netlist

LADDER = "V1 in 0 10\nR1 in a 1k\nR2 a 0 2k\nC1 a 0 1u\nR3 a out 1k\nL1 out 0 1m"
BRIDGE = "V1 a 0 10\nR1 a b 1k\nR2 a c 2k\nR3 b 0 2k\nR4 c 0 1k\nR5 b c 5k"
INVERTING = "V1 in 0 1\nR1 in inv 1k\nR2 inv out 10k\nX1 0 inv out OPAMP\nRL out 0 1k"


def _text(svg):
    return " ".join(ET.fromstring(svg).itertext())


@pytest.mark.parametrize(
    ("netlist", "order"),
    [
        ("V1 in 0 10\nR1 in out 1k\nR2 out 0 1k", ["in", "out"]),
        ("R2 out 0 1k\nR1 out in 1k\nV1 in 0 10", ["in", "out"]),  # starts at the source
        (LADDER, ["in", "a", "out"]),
        ("V1 0 in 10\nR1 in out 1k\nI1 out 0 1m", ["in", "out"]),
        (BRIDGE, None),
        (INVERTING, None),
        ("V1 a 0 1\nR1 a b 1k\nR2 a b 1k\nR3 b 0 1k", None),  # parallel series elements
    ],
)
def test_ladder_order(netlist, order):
    assert ladder_order(parse_netlist(netlist)) == order


@pytest.mark.parametrize("netlist", [LADDER, BRIDGE, INVERTING,
                                     "V1 in 0 SIN(0 1 1k)\nD1 in out\nR1 out 0 1k"])
def test_draw_svg_is_valid_svg_naming_every_element_and_node(netlist):
    svg = draw_svg(netlist)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    circuit = parse_netlist(netlist)
    text = _text(svg)
    for element in circuit.elements:
        assert element.name in text
    for node in circuit.nodes[1:]:
        assert node in text


def test_fallback_says_it_is_not_a_wiring_diagram():
    svg = draw_svg(BRIDGE)
    assert "not a wiring diagram" in _text(svg)
    assert "not a wiring diagram" not in _text(draw_svg(LADDER))


def test_draw_refuses_a_bad_netlist():
    with pytest.raises(NetlistError):
        draw_svg("V1 a 0 1\n.control")
