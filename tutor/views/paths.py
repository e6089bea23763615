"""Learning paths: a learner's goals and plan, and the teacher's read-only view of it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from tutor import access, selectors
from tutor.http import AuthedRequest, post_only
from tutor.models import Course, User
from tutor.services.plans import GoalError, goals_set, plan_refresh


def _path_context(learner: User, course: Course) -> dict[str, Any]:
    return {
        "course": course, "learner": learner,
        "path": selectors.learner_path(learner=learner, course=course),
        "goal_choices": selectors.path_goal_choices(learner=learner, course=course),
    }


@require_GET
@login_required
def path(request: AuthedRequest, slug: str) -> HttpResponse:
    course = access.course_for_learner(request.user, slug)
    # Answers refresh the plan, but a re-import or a diagnostic may have moved things
    # since; with nothing changed the refresh neither plans nor writes.
    plan_refresh(learner=request.user, course=course)
    template = "path.html#path-body" if request.htmx else "path.html"
    return render(request, template, _path_context(request.user, course))


@post_only("path")
@login_required
def path_goals(request: AuthedRequest, slug: str) -> HttpResponse:
    course = access.course_for_learner(request.user, slug)
    try:
        goals_set(learner=request.user, course=course, concept_keys=request.POST.getlist("goal"))
    except GoalError as exc:
        context = _path_context(request.user, course) | {"goal_error": str(exc)}
        if request.htmx:
            # htmx swaps no 4xx response by default: send the error where it shows.
            return render(request, "path.html#path-body", context)
        return render(request, "path.html", context, status=400)
    if not request.htmx:
        messages.success(request, "Your goals are saved and your path is updated.")
        return redirect("path", slug=slug)
    # Focus moves to the confirmation: the form the learner was in has been replaced.
    return render(request, "path.html#path-body",
                  _path_context(request.user, course) | {"goals_saved": True})


@require_GET
@login_required
def studio_learner_path(request: AuthedRequest, slug: str, username: str) -> HttpResponse:
    course, learner = access.learner_for_editor(request.user, slug, username)
    plan_refresh(learner=learner, course=course)  # as for the learner: current, never stale
    return render(request, "studio_learner_path.html",
                  _path_context(learner, course) | {"read_only": True})
