"""Circuit answers are judged by SPICE in a Celery task queued after commit."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from tutor.models import Attempt

pytestmark = [pytest.mark.django_db, pytest.mark.spice]


def _answer(client, answer, key):  # type: ignore[no-untyped-def]
    return client.post(reverse("practice-answer", args=["mini", "divider-circuit"]),
                       {"answer": answer, "submission_key": key}, headers={"HX-Request": "true"})


@pytest.mark.usefixtures("eager_celery")
def test_circuit_answer_is_checked_by_simulation(client, course, student,
                                                 django_capture_on_commit_callbacks):
    client.force_login(student)
    with django_capture_on_commit_callbacks(execute=True):
        response = _answer(client, "10 V", "c-1")
    attempt = Attempt.objects.get()
    assert attempt.verdict == "incorrect"
    assert attempt.feedback["diagnosis"]["kind"] == "other-quantity"
    assert attempt.feedback["node_voltages"]["out"] == pytest.approx(5.0, rel=1e-3)
    assert response.status_code == 200
    # In a test the on-commit task runs after the response; the polled partial has the verdict.
    poll = reverse("attempt-status", args=["mini", "divider-circuit", attempt.pk])
    assert "Your value is V(in)" in client.get(poll).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        _answer(client, "5000 mV", "c-2")
    assert Attempt.objects.order_by("created_at").last().verdict == "correct"  # type: ignore[union-attr]


@pytest.mark.usefixtures("eager_celery")
def test_unreadable_circuit_answer_is_invalid_not_an_error(client, course, student,
                                                           django_capture_on_commit_callbacks):
    client.force_login(student)
    with django_capture_on_commit_callbacks(execute=True):
        response = _answer(client, "about five volts", "c-3")
    assert response.status_code == 200
    attempt = Attempt.objects.get()
    assert attempt.verdict == "invalid"
    poll = reverse("attempt-status", args=["mini", "divider-circuit", attempt.pk])
    assert "could not read" in client.get(poll).content.decode()


def test_pending_attempt_shows_a_polling_partial(client, course, student):
    """Before the task has run (no on-commit here), the page polls for the verdict."""
    client.force_login(student)
    response = _answer(client, "5 V", "c-4")
    attempt = Attempt.objects.get()
    assert attempt.verdict == "pending"
    html = response.content.decode()
    assert 'hx-trigger="every 1s"' in html
    poll = reverse("attempt-status", args=["mini", "divider-circuit", attempt.pk])
    assert poll in html
    assert client.get(poll).status_code == 200


@pytest.mark.celery_worker
def test_a_real_worker_judges_the_answer(client, transactional_db, celery_worker_process):
    from tests.conftest import MINI_COURSE
    from tests.tutor.factories import UserFactory
    from tutor.coursefiles import load_course
    from tutor.services.courses import course_import, enrolment_create

    teacher = UserFactory(username="tess", role="teacher")
    student = UserFactory(username="sam", role="student")
    course = course_import(spec=load_course(MINI_COURSE), actor=teacher)
    enrolment_create(learner=student, course=course)
    client.force_login(student)
    _answer(client, "5 V", "w-1")
    deadline = time.monotonic() + 90
    attempt = Attempt.objects.get()
    while attempt.verdict == "pending" and time.monotonic() < deadline:
        time.sleep(0.5)
        attempt.refresh_from_db()
    assert attempt.verdict == "correct"
    assert attempt.checked_at is not None
