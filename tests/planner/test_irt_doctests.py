"""The Examples sections of the IRT and crowd modules run, so they cannot rot."""

import doctest
import importlib

import pytest

MODULES = [
    "planner.crowd",
    "planner.irt.ability",
    "planner.irt.calibrate",
    "planner.irt.model",
    "planner.irt.select",
    "planner.irt.__main__",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples_in_docstrings_hold(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
