"""The circuit builder: add, edit and remove elements, see the schematic after each change."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from tutor import selectors
from tutor.builder import build, rows_from_post
from tutor.http import AuthedRequest
from tutor.views.core import practice_context


@require_POST
@login_required
def builder_update(request: AuthedRequest, slug: str, item: str) -> HttpResponse:
    context = practice_context(request, slug, item)
    built = build(rows_from_post(request.POST))
    if built.netlist:
        built.svg = selectors.item_schematic(netlist=built.netlist)
    context["builder"] = built
    template = "practice.html#circuit-builder" if request.htmx else "practice.html"
    return render(request, template, context)
