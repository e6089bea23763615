"""The request type views see (a signed-in user of our model, and htmx details), and the
decorator for addresses that only take forms."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django_htmx.middleware import HtmxDetails

from tutor.models import User


class AuthedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


View = Callable[..., HttpResponse]


def post_only(back: str) -> Callable[[View], View]:
    """Take POST only, like ``require_POST``, but send a visit back to page ``back``.

    These addresses only receive forms. Without JavaScript a refused answer is shown at
    the form's address, and a learner pressing Enter in the address bar (or opening a
    bookmark, or a restored tab) then visited it: the reply was an empty 405 page. Now
    a GET goes to the page the form belongs to; ``back`` takes the same URL arguments.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in ("GET", "HEAD"):
                return redirect(back, *args, **kwargs)
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
