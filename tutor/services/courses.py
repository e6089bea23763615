"""Import and export of course files; enrolment."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from tutor.coursefiles import CourseSpec
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


def _may_edit(user: User, course: Course) -> bool:
    return user.is_admin_role or user.is_superuser or course.owner_id == user.pk


@transaction.atomic
def course_import(*, spec: CourseSpec, actor: User) -> Course:
    """Write a validated course spec, replacing the course's content if it exists.

    Learners' attempts are kept: an item that disappears from the files is retired
    (``is_active=False``), not deleted; items, lessons and concepts are matched by id.
    """
    from circuits.units import parse_quantity

    course = Course.objects.select_for_update().filter(slug=spec.slug).first()
    if course is None:
        if not (actor.is_teacher or actor.is_admin_role or actor.is_superuser):
            raise PermissionDenied("Only teachers and admins can create courses.")
        course = Course.objects.create(
            slug=spec.slug, title=spec.title, description=spec.description, owner=actor
        )
    else:
        if not _may_edit(actor, course):
            raise PermissionDenied(f"The course {spec.slug!r} belongs to someone else.")
        course.title, course.description = spec.title, spec.description
        course.save(update_fields=["title", "description", "updated_at"])

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
        row.choices.all().delete()
        Choice.objects.bulk_create(
            Choice(item=row, text=ch.text, text_html=render_inline(ch.text),
                   is_correct=ch.correct, order=j,
                   misconception=misconceptions.get(ch.misconception or ""))
            for j, ch in enumerate(it.choices)
        )
    Item.objects.filter(pk__in=[it.pk for it in old_items.values()]).update(is_active=False)

    course.units.all().delete()
    for u in spec.units:
        unit = LearningUnit.objects.create(
            course=course, key=u.id, title=u.title, kind=u.kind, minutes=u.minutes
        )
        unit.covers.set([concepts[c] for c in u.covers])
    return course


def enrolment_create(*, learner: User, course: Course) -> Enrolment:
    enrolment, _ = Enrolment.objects.get_or_create(learner=learner, course=course)
    return enrolment
