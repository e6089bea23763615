"""The cores import no Django, and imports point down (see ../shared/STYLE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "knowledge_graph": {"django", "tutor", "planner", "circuits"},
    "circuits": {"django", "tutor", "planner", "knowledge_graph"},
    "planner": {"django", "tutor", "circuits"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("core", sorted(FORBIDDEN))
def test_core_imports_point_down(core):
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & FORBIDDEN[core])
        for p in (ROOT / core).rglob("*.py")
        if _imports(p) & FORBIDDEN[core]
    }
    assert offenders == {}
