"""Small helpers shared by the app's view tests."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.test import Client


def get_as(client: Client, user: Any, url: str, **kwargs: Any) -> HttpResponse:
    """GET ``url`` logged in as ``user``."""
    client.force_login(user)
    return client.get(url, **kwargs)  # type: ignore[return-value]
