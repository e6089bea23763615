"""Sending a signed-out browser to the login page in a way it can follow."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect


class LoginRedirectMiddleware:
    """Make ``login_required``'s redirect useful for htmx requests and form posts.

    An htmx request whose session has expired was redirected to the login page, and
    htmx swapped that whole page into the answer's feedback box; its ``next`` was the
    POST-only endpoint, so logging in there ended on a 405. Now htmx is told to load the
    login page itself (``HX-Redirect``), and ``next`` is the page the learner was on (an
    ordinary POST gets the page it came from, by its Referer, when that is ours).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        login = resolve_url(settings.LOGIN_URL)
        location = response.get("Location", "")
        # login_required's redirect always carries next=; logging out also lands on the
        # login page, without one, and must stay so (the next person to log in on this
        # browser would be sent to the last one's page)
        if response.status_code != 302 or location.split("?")[0] != login \
                or "next=" not in location:
            return response
        htmx = getattr(request, "htmx", None)
        if htmx:
            back = htmx.current_url_abs_path or "/"
        elif request.method in ("GET", "HEAD"):
            return response
        else:
            back = request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            back = "/"
        if back.startswith(("http://", "https://")):
            back = "/" + back.split("/", 3)[3] if back.count("/") >= 3 else "/"
        target = f"{login}?{urlencode({'next': back})}"
        if htmx:
            return HttpResponseClientRedirect(target)
        response["Location"] = target
        return response
