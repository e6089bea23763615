"""Every circuit item of the demo course states an answer that SPICE agrees with.

Reads the item files directly (PyYAML, no Django), simulates each ``kind: circuit`` item and
checks its ``answer`` with the same rule a student's answer meets (``check_answer`` with the
item's ``tolerance``). A failure names the item, the stated and the simulated value.
"""

from pathlib import Path

import pytest
import yaml

from circuits.check import check_answer
from circuits.errors import CircuitError
from circuits.units import format_quantity

pytestmark = pytest.mark.spice

ITEMS = Path(__file__).resolve().parents[2] / "courses" / "dc-ac-circuits-1" / "items"


def _circuit_items():
    found = []
    for path in sorted(ITEMS.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        for item in data if isinstance(data, list) else []:
            if isinstance(item, dict) and item.get("kind") == "circuit":
                found.append(pytest.param(path.name, item, id=str(item.get("id", path.name))))
    return found


CIRCUIT_ITEMS = _circuit_items()


def test_the_demo_course_has_circuit_items():
    if not ITEMS.is_dir():
        pytest.skip("the demo course is not in this checkout")
    assert CIRCUIT_ITEMS, f"no kind: circuit items under {ITEMS}"


@pytest.mark.parametrize(("filename", "item"), CIRCUIT_ITEMS)
def test_stated_answer_agrees_with_spice(pool, filename, item):
    where = f"{filename}: {item.get('id')}"
    for field in ("netlist", "ask", "answer"):
        assert isinstance(item.get(field), str | int | float), f"{where}: no {field}"
    tolerance = float(item.get("tolerance", 0.01))
    try:
        result = check_answer(str(item["netlist"]), str(item["ask"]), str(item["answer"]),
                              rel_tol=tolerance, runner=pool)
    except CircuitError as exc:
        pytest.fail(f"{where}: {type(exc).__name__}: {exc}")
    assert result.correct, (
        f"{where}: stated {item['answer']!r} for {item['ask']}, SPICE gives "
        f"{format_quantity(result.expected, digits=6)} (tolerance {tolerance:g}; "
        f"{result.diagnosis.kind}: {result.diagnosis.message})"
    )
