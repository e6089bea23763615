"""Fixtures for the circuits tests: one worker pool shared by the whole session.

The circuits core never touches Django, and its tests run with ``-p no:django``; the root
conftest's autouse password-hashing fixture needs pytest-django's ``settings``, so it is
overridden here by a no-op of the same name.
"""

import pytest

from circuits.pool import SimulationPool


@pytest.fixture(autouse=True)
def _fast_password_hashing():
    """No passwords here (overrides the root fixture, which needs Django)."""


@pytest.fixture(scope="session")
def pool():
    """Two ngspice workers for every test that simulates (started once: ~0.5 s each)."""
    with SimulationPool(workers=2, timeout_s=30.0) as p:
        yield p
