"""Replies a browser can follow: signed out, to the login page; a visit to a form-only
address, a page instead of a blank 405."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
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


class MethodNotAllowedPageMiddleware:
    """Give an empty 405 a page that says what to do.

    Our own form-only addresses send a visit back to their page (``tutor.http.post_only``);
    what is left is Django's: ``LogoutView`` takes POST only, so ``/logout/`` typed in the
    address bar gave a blank page. It now offers the Log out button. htmx requests keep
    the bare reply (site.js says a request failed).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.content or getattr(request, "htmx", False):
            return response
        page = render(request, "405.html", status=405)
        page["Allow"] = response.get("Allow", "")
        return page
