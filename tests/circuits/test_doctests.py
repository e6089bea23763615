"""The examples in the circuits docstrings run and say what they show."""

import doctest
import importlib

import pytest

MODULES = ["units", "errors", "netlist", "ask", "spice", "pool", "simulate", "check", "design",
           "graph", "similarity", "draw"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"circuits.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
