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


@pytest.fixture
def people(course, student, teacher, admin_user, outsider):  # type: ignore[no-untyped-def]
    """The four people of every permission test, plus a teacher of some other course."""
    from tests.tutor.factories import UserFactory

    return {"student": student, "teacher": teacher, "admin": admin_user, "outsider": outsider,
            "other-teacher": UserFactory(username="otto", role="teacher")}

