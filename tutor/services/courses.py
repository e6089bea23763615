"""Import and export of course files; enrolment."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnavailable

from tutor.access import can_edit
from tutor.coursefiles import ChoiceSpec, CourseSpec
from tutor.models import (
    Choice,
    Concept,
    Course,
    Enrolment,
    Item,
    LearningUnit,
    Lesson,
    Misconception,
    Prerequisite,
    User,
)
from tutor.rendering import render_inline, render_markdown

log = logging.getLogger(__name__)


@transaction.atomic
def course_import(*, spec: CourseSpec, actor: User) -> Course:
    """Write a validated course spec, replacing the course's content if it exists.

    Learners' attempts are kept: an item that disappears from the files is retired
    (``is_active=False``), not deleted; items, lessons and concepts are matched by id,
    and the choices of an item keep their rows (see :func:`_choices_write`). A course
    that learners have plans in gets them refreshed after commit.
    """
    from circuits.units import parse_quantity

    course = Course.objects.select_for_update().filter(slug=spec.slug).first()
    if course is None:
        if not (actor.is_teacher or actor.is_admin_role or actor.is_superuser):
            raise PermissionDenied("Only teachers and admins can create courses.")
        course = Course.objects.create(
            slug=spec.slug, title=spec.title, description=spec.description,
            description_html=render_markdown(spec.description), owner=actor
        )
    else:
        if not can_edit(actor, course):
            # said as an import error is (field: reason), with the way out
            raise PermissionDenied(
                f"slug: the course {spec.slug!r} belongs to someone else; "
                "to import these files as a course of your own, give them another slug.")
        course.title, course.description = spec.title, spec.description
        course.description_html = render_markdown(spec.description)
        course.save(update_fields=["title", "description", "description_html", "updated_at"])

    # Concepts, matched by key so goals and mastery survive a re-import.
    existing = {c.key: c for c in course.concepts.all()}
    concepts: dict[str, Concept] = {}
    for order, c in enumerate(spec.concepts):
        row = existing.pop(c.id, None) or Concept(course=course, key=c.id)
        row.name, row.summary, row.order = c.name, c.summary, order
        row.save()
        concepts[c.id] = row
    Concept.objects.filter(pk__in=[c.pk for c in existing.values()]).delete()
    Prerequisite.objects.filter(after__course=course).delete()
    Prerequisite.objects.bulk_create(
        Prerequisite(before=concepts[p], after=concepts[c.id])
        for c in spec.concepts
        for p in c.prerequisites
    )

    old_mis = {m.key: m for m in course.misconceptions.all()}
    misconceptions: dict[str, Misconception] = {}
    for m in spec.misconceptions:
        row = old_mis.pop(m.id, None) or Misconception(course=course, key=m.id)
        row.description = m.description
        row.save()
        misconceptions[m.id] = row
    Misconception.objects.filter(pk__in=[m.pk for m in old_mis.values()]).delete()

    old_lessons = {le.slug: le for le in course.lessons.all()}
    for le in spec.lessons:
        row = old_lessons.pop(le.slug, None) or Lesson(course=course, slug=le.slug)
        row.title, row.body, row.order = le.title, le.body, le.order
        row.body_html = render_markdown(le.body)
        row.save()
        row.concepts.set([concepts[c] for c in le.concepts])
    Lesson.objects.filter(pk__in=[le.pk for le in old_lessons.values()]).delete()

    old_items = {it.key: it for it in course.items.all()}
    for order, it in enumerate(spec.items):
        row = old_items.pop(it.id, None) or Item(course=course, key=it.id)
        row.kind, row.order, row.is_active = it.kind, order, True
        row.prompt, row.prompt_html = it.prompt, render_markdown(it.prompt)
        row.explanation = it.explanation
        row.explanation_html = render_markdown(it.explanation) if it.explanation else ""
        row.hints, row.difficulty, row.tolerance = list(it.hints), it.difficulty, it.tolerance
        row.netlist, row.ask, row.answer_text = it.netlist, it.ask, it.answer
        row.constraints = list(it.constraints)
        row.source_file = (it.file if it.file.startswith("items/")
                           else f"items/{it.folder_file}" if it.folder_file else "")
        if it.answer:
            q = parse_quantity(it.answer)
            row.answer_value, row.answer_unit = q.value, q.unit
        else:
            row.answer_value, row.answer_unit = None, ""
        row.save()
        row.concepts.set([concepts[c] for c in it.concepts])
        _choices_write(row, it.choices, misconceptions)
    Item.objects.filter(pk__in=[it.pk for it in old_items.values()]).update(is_active=False)

    course.units.all().delete()
    for u in spec.units:
        unit = LearningUnit.objects.create(
            course=course, key=u.id, title=u.title, kind=u.kind, minutes=u.minutes
        )
        unit.covers.set([concepts[c] for c in u.covers])

    if course.plans.exists():
        # The studio's table of learners reads stored plans, costed on the content
        # just replaced; a first import has none.
        course_id = course.pk
        # robust: the import is saved; a failed refresh (eager Celery) must not report it lost
        transaction.on_commit(lambda: _queue_plans_refresh(course_id), robust=True)
    return course


def _choices_write(item: Item, choices: list[ChoiceSpec],
                   misconceptions: dict[str, Misconception]) -> None:
    """Update the item's choice rows in place, so their primary keys survive a re-import.

    A practice page or a diagnostic open during the import posts the pk of the choice
    picked; a new row would answer it "Please pick one of the choices". A row is kept
    for the same text (so moving choices around keeps each pk on its text), then by
    position for edited texts that are as right or wrong as before; only the surplus is
    created or deleted. Nothing refers to a choice row but that pk (an attempt keeps the
    choice's text in its feedback).
    """
    old = list(item.choices.order_by("order", "pk"))
    by_text: dict[str, list[Choice]] = {}
    for row in old:
        by_text.setdefault(row.text, []).append(row)
    kept = [by_text[ch.text].pop(0) if by_text.get(ch.text) else None for ch in choices]
    taken = {row.pk for row in kept if row is not None}
    spare = [row for row in old if row.pk not in taken]
    rows = []
    for row_or_none, ch in zip(kept, choices, strict=True):
        if row_or_none is not None:
            rows.append(row_or_none)
            continue
        # An edited text takes the first row left that was as right or wrong as it is
        # now; never one whose verdict flips, or a pick made on a page opened before
        # the import would be judged right (or wrong) for a choice the learner never saw.
        same = next((r for r in spare if r.is_correct == ch.correct), None)
        if same is not None:
            spare.remove(same)
        rows.append(same if same is not None else Choice(item=item))
    for j, (row, ch) in enumerate(zip(rows, choices, strict=True)):
        row.text, row.text_html, row.is_correct, row.order = (
            ch.text, render_inline(ch.text), ch.correct, j)
        row.misconception = misconceptions.get(ch.misconception or "")
    Choice.objects.filter(pk__in=[row.pk for row in spare]).delete()  # the surplus
    Choice.objects.bulk_update([row for row in rows if row.pk is not None],
                               ["text", "text_html", "is_correct", "order", "misconception"])
    Choice.objects.bulk_create([row for row in rows if row.pk is None])


def _queue_plans_refresh(course_id: int) -> None:
    from tutor.tasks import refresh_course_plans

    try:
        refresh_course_plans.delay(course_id)
    except BrokerUnavailable:
        # The import is saved; each learner's plan is brought up to date on their next
        # visit, and `manage.py refresh_plans` refreshes them all.
        log.exception("could not queue the refresh of the plans of course %s", course_id)


def enrolment_create(*, learner: User, course: Course) -> Enrolment:
    enrolment, _ = Enrolment.objects.get_or_create(learner=learner, course=course)
    return enrolment
