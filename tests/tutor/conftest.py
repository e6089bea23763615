"""Fixtures of the Django app's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """An empty cache for each test: debounce keys are per course id, and ids repeat."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
