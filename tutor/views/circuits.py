"""The circuit builder: add, edit and remove elements, see the schematic after each change."""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from tutor import selectors
from tutor.builder import build, rows_from_post
from tutor.http import AuthedRequest, post_only
from tutor.views.core import practice_context


@post_only("practice")  # without JavaScript a builder button leaves this address in the bar
@login_required
def builder_update(request: AuthedRequest, slug: str, item: str) -> HttpResponse:
    context = practice_context(request, slug, item)
    built = build(rows_from_post(request.POST))
    if built.netlist:
        built.svg = selectors.item_schematic(netlist=built.netlist)
    context["builder"] = built
    removed = re.fullmatch(r"remove-([0-9]{1,4})", request.POST.get("builder_action", ""))
    if removed is not None:
        # The pressed Remove is gone with its row; htmx gives focus back by id, so after
        # the last row it fell to the page's body. Focus the row now in its place, else
        # the one before, else the new-element row (autofocus in swapped content).
        index = min(int(removed.group(1)), len(built.rows) - 1)
        context["focus_remove"] = index if index >= 0 else None
        context["focus_new"] = index < 0
    template = "practice.html#circuit-builder" if request.htmx else "practice.html"
    return render(request, template, context)
