"""The core stays pure and cheap to import."""

import subprocess
import sys
from pathlib import Path

import circuits

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(circuits.__file__).parent


def test_circuits_never_imports_django():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        assert "import django" not in text and "from django" not in text, path


def test_importing_every_module_loads_no_heavy_library():
    modules = sorted(f"circuits.{p.stem}" for p in PACKAGE.glob("*.py")
                     if p.stem not in ("__init__", "__main__"))
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "heavy = [m for m in ('django', 'PySpice', 'schemdraw', 'matplotlib', 'numpy', "
        "'networkx', 'yaml') if m in sys.modules]\nprint(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=60, check=True)
    assert out.stdout.strip() == ""
