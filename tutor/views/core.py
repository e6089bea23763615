"""Thin views: read the request, call a selector or a service, render a template."""

from __future__ import annotations

import re
import tempfile
import uuid
from functools import partial
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tutor import access, selectors
from tutor.builder import KINDS as BUILDER_KINDS
from tutor.builder import (
    Row,
    answer_from_post,
    build,
    rows_from_netlist,
    rows_from_post,
    rows_holding,
)
from tutor.coursefiles import (
    CourseValidationError,
    course_file_bytes,
    load_course,
    load_course_zip,
)
from tutor.forms import CourseUploadForm
from tutor.hints import hints_context, hints_open_next, hints_shown
from tutor.http import AuthedRequest, post_only
from tutor.models import Attempt, Item
from tutor.services.attempts import AnswerError, attempt_expire_if_stale, attempt_record
from tutor.services.courses import course_import, enrolment_create


@require_GET
@login_required
def home(request: AuthedRequest) -> HttpResponse:
    if request.user.is_teacher or access.is_staff_like(request.user):
        return redirect("studio")  # admins teach every course: the studio is their home
    return render(request, "home.html", {
        "progress": selectors.student_courses(learner=request.user),
        "catalogue": selectors.course_catalogue(user=request.user),
    })


@require_GET
@login_required
def course_detail(request: AuthedRequest, slug: str) -> HttpResponse:
    course = access.course_for_viewer(request.user, slug)
    return render(request, "course.html", {
        "course": course,
        "concepts": selectors.course_outline(course=course),
        "lessons": selectors.course_lessons(course=course),
        "can_learn": access.can_learn(request.user, course),
    })


@post_only("course")
@login_required
def course_enrol(request: AuthedRequest, slug: str) -> HttpResponse:
    course = access.course_for_viewer(request.user, slug)
    enrolment_create(learner=request.user, course=course)
    messages.success(request, f"You are enrolled in {course.title}.")
    return redirect("course", slug=slug)


@require_GET
@login_required
def lesson_detail(request: AuthedRequest, slug: str, lesson: str) -> HttpResponse:
    obj = access.lesson_for_learner(request.user, slug, lesson)
    previous, following = selectors.lesson_neighbours(lesson=obj)
    return render(request, "lesson.html", {
        "course": obj.course, "lesson": obj, "items": selectors.lesson_items(lesson=obj),
        "previous": previous, "next": following,
    })


@require_GET
@login_required
def practice_next(request: AuthedRequest, slug: str) -> HttpResponse:
    course = access.course_for_learner(request.user, slug)
    item = selectors.next_item_for(learner=request.user, course=course)
    if item is None:
        # None also when there is nothing to practise: say which it is
        messages.info(request, "You have answered every item of this course correctly."
                      if course.items.filter(is_active=True).exists()
                      else "This course has no practice items yet.")
        return redirect("course", slug=slug)
    return redirect("practice", slug=slug, item=item.key)


def practice_context(request: AuthedRequest, slug: str, item_key: str) -> dict[str, Any]:
    item = access.item_for_learner(request.user, slug, item_key)
    context: dict[str, Any] = {
        **hints_context(item, hints_shown(request.session, request.user, item)),
        "course": item.course, "item": item, "submission_key": uuid.uuid4().hex,
        # read when the template renders it: after this request's answer is saved
        "history": partial(selectors.item_attempts, learner=request.user, item=item),
        "history_limit": selectors.ITEM_HISTORY,
        # Both called by the template when the feedback renders, after the answer has
        # refreshed the plan (the next item follows the path, which the answer may have
        # moved on); a page without feedback never reads them.
        "next_item": partial(selectors.next_item_for, learner=request.user, course=item.course,
                             after=item),
        "path_after_answer": partial(selectors.learner_path, learner=request.user,
                                     course=item.course),
    }
    if item.netlist and item.kind == Item.Kind.CIRCUIT:
        context["schematic"] = selectors.item_schematic(netlist=item.netlist)
    if item.kind == Item.Kind.DESIGN:
        context["builder"] = _builder_from(item.netlist)
        context["builder_kinds"] = BUILDER_KINDS
        context["constraints"] = selectors.design_constraints(item=item)
        # what was typed in the netlist box comes back with any reply to the form
        context["netlist_text"] = request.POST.get("netlist_text", "")
    return context


def _builder_from(netlist: str, rows: list[Row] | None = None) -> Any:
    if rows is None:
        rows = rows_from_netlist(netlist) if netlist else []
    built = build(rows)
    if built.netlist:
        built.svg = selectors.item_schematic(netlist=built.netlist)
    else:
        # The given part is usually incomplete on purpose: no error before the first change.
        built.error = ""
    return built


def _show_design_answer(context: dict[str, Any], netlist: str) -> None:
    """Without JavaScript the answer's redirect rebuilt the builder from the task's given
    part, so the learner's circuit was gone: show the circuit that was checked."""
    rows = rows_holding(netlist)
    if rows is None:  # a typed netlist the builder cannot hold: back in its box
        context["netlist_text"] = netlist
    else:
        context["builder"] = _builder_from(netlist, rows)


@require_GET
@never_cache  # the form's submission key is per page: Back must not show a stale one
@login_required
def practice(request: AuthedRequest, slug: str, item: str) -> HttpResponse:
    context = practice_context(request, slug, item)
    attempt_id = request.GET.get("attempt", "")
    # ASCII digits only, and few: str.isdigit() takes '²' and int() then refuses it
    if re.fullmatch(r"[0-9]{1,18}", attempt_id):
        found = selectors.attempt_for_learner(learner=request.user, attempt_id=int(attempt_id),
                                              item=context["item"])
        if found is not None and found.verdict == Attempt.Verdict.PENDING:
            found = attempt_expire_if_stale(attempt_id=found.pk)  # the Refresh link
        if found is not None and context["item"].kind == Item.Kind.DESIGN:
            _show_design_answer(context, found.raw_answer)
        elif found is not None and found.verdict == Attempt.Verdict.INVALID \
                and context["item"].kind != Item.Kind.MULTIPLE_CHOICE:
            context["given"] = found.raw_answer  # unreadable: back in the field to mend
        context["attempt"] = found
    return render(request, "practice.html", context)


@post_only("practice")
@login_required
def practice_answer(request: AuthedRequest, slug: str, item: str) -> HttpResponse:
    context = practice_context(request, slug, item)
    template = "practice.html#answer-feedback" if request.htmx else "practice.html"
    answer = request.POST.get("answer", "")
    try:
        if context["item"].kind == Item.Kind.DESIGN:
            context["builder"] = build(rows_from_post(request.POST))
            answer, problem = answer_from_post(request.POST)
            if problem:
                raise AnswerError(problem)
        attempt = attempt_record(
            learner=request.user, item=context["item"], answer=answer,
            idempotency_key=request.POST.get("submission_key", ""),
            hints_used=context["hints_used"],  # as opened before this answer
        )
    except AnswerError as exc:
        context["answer_error"] = str(exc)
        context["given"] = request.POST.get("answer", "")
        # 200 for htmx too: it swaps no 4xx response, and the learner would see nothing.
        return render(request, template, context)
    if not request.htmx:
        return redirect(f"{request.path.removesuffix('answer/')}?attempt={attempt.pk}")
    context["attempt"] = attempt
    return render(request, template, context)


@post_only("practice")
@login_required
def practice_hint(request: AuthedRequest, slug: str, item: str) -> HttpResponse:
    """Open the item's next hint (a POST: it changes how the next answer counts)."""
    obj = access.item_for_learner(request.user, slug, item)
    shown = hints_open_next(request.session, request.user, obj)
    if not request.htmx:
        return redirect(f"{request.path.removesuffix('hint/')}#hints")
    return render(request, "practice.html#hints", {
        **hints_context(obj, shown), "course": obj.course, "item": obj, "hint_opened": True,
    })


@require_GET
@login_required
def attempt_status(request: AuthedRequest, slug: str, item: str, attempt: int) -> HttpResponse:
    """Polled by the feedback partial while a circuit answer is being simulated."""
    context = practice_context(request, slug, item)
    found = selectors.attempt_for_learner(learner=request.user, attempt_id=attempt,
                                          item=context["item"])
    if found is None:
        raise Http404
    if found.verdict == Attempt.Verdict.PENDING:
        # A lost SPICE task ends here (see attempt_expire_if_stale); idempotent, so a GET
        # may do it.
        found = attempt_expire_if_stale(attempt_id=found.pk)
    context["attempt"] = found
    return render(request, "practice.html#answer-feedback", context)


@require_GET
@login_required
def studio(request: AuthedRequest) -> HttpResponse:
    access.require_teacher(request.user)
    return render(request, "studio.html", {
        "courses": selectors.teacher_courses(user=request.user), "form": CourseUploadForm(),
        "all_courses": access.is_staff_like(request.user),  # an admin sees every teacher's
    })


@require_GET
@login_required
def studio_course_format(request: AuthedRequest) -> HttpResponse:
    access.require_teacher(request.user)
    doc = selectors.course_format_doc()
    if doc is None:
        raise Http404("The course format document is not installed here.")
    title, body = doc
    return render(request, "studio_course_format.html", {"title": title, "body": body})


@post_only("studio")
@login_required
def studio_import(request: AuthedRequest) -> HttpResponse:
    access.require_teacher(request.user)
    form = CourseUploadForm(request.POST, request.FILES)
    errors: list[str] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.name.lower().endswith(".zip"):
                spec = load_course_zip(upload.read(), name=upload.name)
            else:
                with tempfile.TemporaryDirectory() as tmp:
                    path = Path(tmp) / Path(upload.name).name
                    path.write_bytes(upload.read())
                    spec = load_course(path)
            course = course_import(spec=spec, actor=request.user)
        except CourseValidationError as exc:
            errors = [str(e) for e in exc.errors]
        except PermissionDenied as exc:
            errors = [str(exc)]
        else:
            messages.success(request, f"Imported {course.title}.")
            return redirect("studio")
    return render(request, "studio.html", {
        "courses": selectors.teacher_courses(user=request.user), "form": form,
        "import_errors": errors, "all_courses": access.is_staff_like(request.user),
    }, status=400)


@require_GET
@login_required
def studio_course(request: AuthedRequest, slug: str) -> HttpResponse:
    course = access.course_for_editor(request.user, slug)
    return render(request, "studio_course.html", {
        "course": course, "enrolments": selectors.course_enrolments_with_paths(course=course),
    })


@require_GET
@login_required
def studio_export(request: AuthedRequest, slug: str, form: str) -> HttpResponse:
    """The course as course files, to edit and import again (as ``export_course`` does)."""
    course = access.course_for_editor(request.user, slug)
    data = course_file_bytes(selectors.course_spec_export(course=course), form)
    kind = "application/zip" if form == "zip" else "application/yaml"
    response = HttpResponse(data, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{course.slug}.{form}"'
    return response
