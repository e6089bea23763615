"""Importing a course again: what learners have open, and their stored plans, stay good."""

from __future__ import annotations

import pytest
from kombu.exceptions import OperationalError

from tests.conftest import MINI_COURSE
from tutor.coursefiles import ChoiceSpec, load_course
from tutor.models import Attempt, Choice, LearnerPlan
from tutor.services.attempts import attempt_record
from tutor.services.courses import course_import
from tutor.services.plans import plan_refresh

pytestmark = pytest.mark.django_db


def _choice_rows(course):  # type: ignore[no-untyped-def]
    return {(c.item.key, c.order): (c.pk, c.text, c.is_correct)
            for c in Choice.objects.filter(item__course=course).select_related("item")}


def test_an_unchanged_reimport_keeps_every_choice_row(course):
    before = _choice_rows(course)
    assert before
    course_import(spec=load_course(MINI_COURSE), actor=course.owner)
    assert _choice_rows(course) == before


def test_a_choice_picked_on_a_page_opened_before_a_reimport_is_still_judged(course, student):
    item = course.items.get(key="ohm-mc")
    right = item.choices.get(is_correct=True)  # the pk in the page the student has open
    course_import(spec=load_course(MINI_COURSE), actor=course.owner)
    attempt = attempt_record(learner=student, item=item, answer=str(right.pk),
                             idempotency_key="k1")
    assert attempt.verdict == Attempt.Verdict.CORRECT


def test_edited_choices_keep_their_rows_by_text_then_by_place(course):
    item = course.items.get(key="ohm-mc")
    old = {c.text: c.pk for c in item.choices.all()}
    assert list(old) == ["2 A", "0.5 A", "50 A"]
    spec = load_course(MINI_COURSE)
    choices = next(it for it in spec.items if it.id == "ohm-mc").choices
    # "50 A" moves first, "0.5 A" is reworded, "2 A" stays and a fourth is added
    choices[:] = [choices[2], choices[0], choices[1], ChoiceSpec("20 A")]
    choices[2].text = "0.50 A"
    course_import(spec=spec, actor=course.owner)
    rows = list(item.choices.order_by("order"))
    assert [c.text for c in rows] == ["50 A", "2 A", "0.50 A", "20 A"]
    assert [c.pk for c in rows[:3]] == [old["50 A"], old["2 A"], old["0.5 A"]]
    assert rows[3].pk not in old.values()
    assert [c.is_correct for c in rows] == [False, True, False, False]
    assert rows[2].misconception.key == "inverted-ohms-law"
    assert "0.50" in rows[2].text_html
    # fewer choices: the surplus rows go
    del choices[2:]
    course_import(spec=spec, actor=course.owner)
    assert list(item.choices.order_by("order").values_list("pk", flat=True)) == [
        old["50 A"], old["2 A"]]


def test_a_reimport_refreshes_the_stored_plans_after_commit(
        course, student, eager_celery, django_capture_on_commit_callbacks):
    stale = plan_refresh(learner=student, course=course).plan["fingerprint"]
    spec = load_course(MINI_COURSE)
    spec.units[0].minutes = 60  # every learner's costs change
    with django_capture_on_commit_callbacks(execute=True):
        course_import(spec=spec, actor=course.owner)
    fresh = LearnerPlan.objects.get(learner=student, course=course).plan["fingerprint"]
    assert fresh != stale
    # and it is the plan the new content gives: refreshing again finds nothing to do
    assert plan_refresh(learner=student, course=course).plan["fingerprint"] == fresh


def test_an_import_with_no_stored_plans_queues_no_refresh(
        course, monkeypatch, django_capture_on_commit_callbacks):
    from tutor import tasks

    queued: list[int] = []
    monkeypatch.setattr(tasks.refresh_course_plans, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        course_import(spec=load_course(MINI_COURSE), actor=course.owner)
    assert queued == [] and callbacks == []


def test_a_reimport_with_the_broker_down_is_saved_and_logged(
        course, student, monkeypatch, django_capture_on_commit_callbacks, caplog):
    from tutor import tasks

    def down(course_id: int) -> None:
        raise OperationalError("connection refused")

    plan_refresh(learner=student, course=course)
    monkeypatch.setattr(tasks.refresh_course_plans, "delay", down)
    spec = load_course(MINI_COURSE)
    spec.title = "Mini circuits, again"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        course_import(spec=spec, actor=course.owner)
    assert len(callbacks) == 1
    course.refresh_from_db()
    assert course.title == "Mini circuits, again"
    assert "could not queue the refresh of the plans of course" in caplog.text


def test_an_edited_choice_never_takes_a_row_whose_verdict_flips(course):
    # Every choice reworded and the right one moved last: matched by place alone, the
    # old wrong "0.5 A" row became the right answer, so a pick made on a page opened
    # before the import was judged right for a choice the learner never saw.
    item = course.items.get(key="ohm-mc")
    old = {c.pk: c.is_correct for c in item.choices.all()}
    spec = load_course(MINI_COURSE)
    it = next(it for it in spec.items if it.id == "ohm-mc")
    it.choices[:] = [ChoiceSpec("0.25 A"), ChoiceSpec("25 A"), ChoiceSpec("2.0 A", correct=True)]
    course_import(spec=spec, actor=course.owner)
    for row in item.choices.all():
        if row.pk in old:
            assert old[row.pk] == row.is_correct, row.text
