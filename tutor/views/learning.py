"""The learning pages: the diagnostic, "My knowledge", and the studio's class overview and
item calibration."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect

from tutor import access, selectors
from tutor.http import AuthedRequest, post_only
from tutor.models import Attempt, Course, Item
from tutor.services.attempts import AnswerError, attempt_expire_if_stale
from tutor.services.learning import (
    DiagnosticAlreadyAnswered,
    DiagnosticUnavailable,
    calibration_request,
    diagnostic_answer,
    diagnostic_start,
)
from tutor.services.plans import plan_refresh


def _diagnostic_context(request: AuthedRequest, course: Course) -> dict[str, Any]:
    session = selectors.diagnostic_running(learner=request.user, course=course)
    awaiting = session.awaiting if session else None
    if awaiting is not None and awaiting.verdict == Attempt.Verdict.PENDING:
        # A lost SPICE task ends here, on the poll or the Refresh link, so no scheduler
        # is needed; giving up is idempotent, so a GET may do it.
        awaiting = attempt_expire_if_stale(attempt_id=awaiting.pk)
        if awaiting.verdict != Attempt.Verdict.PENDING:
            session = selectors.diagnostic_running(learner=request.user, course=course)
            awaiting = session.awaiting if session else None
    step = selectors.diagnostic_step(session=session) if session else None
    return {
        "course": course, "session": session, "submission_key": uuid.uuid4().hex,
        "step": step, "awaiting": awaiting,
        "schematic": (selectors.item_schematic(netlist=step.item.netlist)
                      if step and step.item.kind == Item.Kind.CIRCUIT else ""),
        "finished": selectors.diagnostic_finished(learner=request.user, course=course),
        "max_items": int(settings.DIAGNOSTIC_MAX_ITEMS),
    }


_KEPT_ANSWER = "diagnostic-kept-answer"


def _unreadable(attempt: Attempt | None) -> str:
    """What to tell a learner whose answer could not be judged."""
    feedback = (attempt.feedback or {}) if attempt is not None else {}
    # a numeric answer's reason is in its diagnosis ("cannot read the unit 'Vx'"),
    # a circuit answer's in its error, as the practice page shows them
    error = feedback.get("error") or (feedback.get("diagnosis") or {}).get("message") or ""
    if feedback.get("unchecked"):
        return str(error)  # the simulator never answered: the answer itself may be fine
    return f"We could not read that answer: {error}" if error else \
        "We could not read that answer. Give a number with its unit."


@require_GET
@never_cache  # each question carries its own submission key: Back must not show a stale one
@login_required
def diagnostic(request: AuthedRequest, slug: str) -> HttpResponse:
    course = access.course_for_learner(request.user, slug)
    context = _diagnostic_context(request, course)
    kept = request.session.pop(_KEPT_ANSWER, None)
    step = context["step"]
    if isinstance(kept, dict) and step is not None and kept.get("item") == step.item.key:
        context["previous_answer"] = str(kept.get("answer", ""))
        # next to the field it is about, linked to it, as with htmx
        context["answer_error"] = str(kept.get("error", ""))
    elif isinstance(kept, dict) and kept.get("error"):
        messages.error(request, str(kept["error"]))  # the question has moved on
    return render(request, "diagnostic.html", context)


@post_only("diagnostic")
@login_required
def diagnostic_begin(request: AuthedRequest, slug: str) -> HttpResponse:
    course = access.course_for_learner(request.user, slug)
    try:
        diagnostic_start(learner=request.user, course=course)
    except DiagnosticUnavailable as exc:
        messages.error(request, str(exc))
        return redirect("course", slug=slug)
    return redirect("diagnostic", slug=slug)


@post_only("diagnostic")
@login_required
def diagnostic_submit(request: AuthedRequest, slug: str) -> HttpResponse:
    item = access.item_for_learner(request.user, slug, request.POST.get("item", ""))
    answer = request.POST.get("answer", "")
    error = notice = ""
    try:
        outcome = diagnostic_answer(
            learner=request.user, course=item.course, item=item, answer=answer,
            idempotency_key=request.POST.get("submission_key", ""),
        )
    except DiagnosticAlreadyAnswered as exc:
        notice = str(exc)
    except (AnswerError, DiagnosticUnavailable) as exc:
        error = str(exc)
    else:
        if outcome.finished:
            url = reverse("diagnostic-result", args=[slug])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        if not outcome.counted and not outcome.checking:
            error = _unreadable(outcome.attempt)
    if not request.htmx:
        if error:
            # the redirect's page shows the question again: with what was typed in it,
            # and the error beside the field (a message at the top was linked to nothing)
            request.session[_KEPT_ANSWER] = {"item": item.key, "answer": answer[:2000],
                                             "error": error}
        elif notice:
            messages.info(request, notice)
        return redirect("diagnostic", slug=slug)
    context = _diagnostic_context(request, item.course)
    context["answer_error"] = error
    context["answer_notice"] = notice
    step = context["step"]
    if error and step is not None and step.item.pk == item.pk:
        context["previous_answer"] = answer  # the question stands: keep what was typed
    return render(request, "diagnostic.html#diagnostic-question", context)


@require_GET
@login_required
def diagnostic_question(request: AuthedRequest, slug: str, attempt: int) -> HttpResponse:
    """Polled by the question partial while a circuit answer is being simulated."""
    course = access.course_for_learner(request.user, slug)
    context = _diagnostic_context(request, course)
    if context["session"] is None and context["finished"] is not None:
        return HttpResponseClientRedirect(reverse("diagnostic-result", args=[slug]))
    checked = selectors.attempt_for_learner(learner=request.user, attempt_id=attempt)
    if context["awaiting"] is None and checked is not None \
            and checked.verdict == Attempt.Verdict.INVALID:
        context["answer_error"] = _unreadable(checked)
    return render(request, "diagnostic.html#diagnostic-question", context)


@require_GET
@login_required
def diagnostic_result(request: AuthedRequest, slug: str) -> HttpResponse:
    course = access.course_for_learner(request.user, slug)
    session = selectors.diagnostic_finished(learner=request.user, course=course)
    if session is None:
        raise Http404("No finished diagnostic yet.")
    plan_refresh(learner=request.user, course=course)  # as the path page: never stale
    path = selectors.learner_path(learner=request.user, course=course)
    return render(request, "diagnostic_result.html", {
        "course": course, "report": selectors.diagnostic_report(session=session), "path": path,
        "start": selectors.practice_start(learner=request.user, course=course, path=path),
    })


@require_GET
@login_required
def knowledge(request: AuthedRequest, slug: str) -> HttpResponse:
    course = access.course_for_learner(request.user, slug)
    return render(request, "knowledge.html", {
        "course": course, "map": selectors.knowledge_map(learner=request.user, course=course),
    })


@require_GET
@login_required
def studio_learner_knowledge(request: AuthedRequest, slug: str, username: str) -> HttpResponse:
    course, learner = access.learner_for_editor(request.user, slug, username)
    return render(request, "knowledge.html", {
        "course": course, "learner": learner,
        "map": selectors.knowledge_map(learner=learner, course=course),
    })


@require_GET
@login_required
def studio_items(request: AuthedRequest, slug: str) -> HttpResponse:
    course = access.course_for_editor(request.user, slug)
    return render(request, "studio_items.html", {
        "course": course, "items": selectors.studio_item_stats(course=course),
        "calibration": selectors.course_calibration(course=course),
    })


@require_GET
@login_required
def studio_overview(request: AuthedRequest, slug: str) -> HttpResponse:
    course = access.course_for_editor(request.user, slug)
    return render(request, "studio_overview.html", {
        "course": course, "overview": selectors.course_overview(course=course)})


@post_only("studio-items")
@login_required
def studio_recalibrate(request: AuthedRequest, slug: str) -> HttpResponse:
    course = access.course_for_editor(request.user, slug)
    asked = calibration_request(course=course).requested_at
    if selectors.calibration_ran_since(course=course, since=asked):
        messages.success(request, "Recalibration ran: the note below says what it did.")
    else:
        messages.success(request, "Recalibration queued; the note and the table below show "
                                  "its result once it has run.")
    return redirect("studio-items", slug=slug)
