"""The request type views see: a signed-in user of our model, and htmx details."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from tutor.models import User


class AuthedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails
