"""A task that is lost, or cannot be queued, leaves nobody waiting and loses nothing.

Where no on-commit callbacks run, the SPICE check task never runs: exactly a lost task.
Ageing the attempt past the deadline stands in for waiting. A broker that refuses a task
is a patched ``delay`` raising what kombu raises then (with results ignored, as in
settings, a refused Redis gives kombu's OperationalError in under a second).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import InterfaceError
from django.db import OperationalError as DjangoOperationalError
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from tutor import tasks
from tutor.models import Attempt, DiagnosticSession
from tutor.services.attempts import attempt_check_circuit, attempt_expire_if_stale, attempt_record
from tutor.services.learning import DiagnosticUnavailable, diagnostic_answer, diagnostic_start

pytestmark = pytest.mark.django_db


def _age(attempt: Attempt, seconds: int) -> None:
    Attempt.objects.filter(pk=attempt.pk).update(
        created_at=timezone.now() - timedelta(seconds=seconds))


def _pending(course, student, key="c1", answer="5 V"):  # type: ignore[no-untyped-def]
    attempt = attempt_record(learner=student, item=course.items.get(key="divider-circuit"),
                             answer=answer, idempotency_key=key)
    assert attempt.verdict == "pending"
    return attempt


def test_a_check_within_the_deadline_is_left_alone(course, student, settings):
    settings.CIRCUIT_CHECK_DEADLINE_SECONDS = 120
    attempt = _pending(course, student)
    _age(attempt, 100)
    assert attempt_expire_if_stale(attempt_id=attempt.pk).verdict == "pending"
    assert Attempt.objects.get().verdict == "pending"


def test_a_lost_check_is_given_up_with_a_reason_and_the_answer_kept(course, student, settings):
    settings.CIRCUIT_CHECK_DEADLINE_SECONDS = 120
    attempt = _pending(course, student, answer="4.9 V")
    _age(attempt, 121)
    given_up = attempt_expire_if_stale(attempt_id=attempt.pk)
    stored = Attempt.objects.get()
    assert given_up.verdict == stored.verdict == "invalid"
    assert stored.feedback["unchecked"] is True
    assert "did not answer within 2 minutes" in stored.feedback["error"]
    assert stored.raw_answer == "4.9 V" and stored.checked_at is not None
    # a worker turning up late finds it judged and does not judge it again
    assert attempt_check_circuit(attempt_id=attempt.pk).verdict == "invalid"
    assert Attempt.objects.get().feedback == stored.feedback


def test_a_judged_answer_is_never_given_up(course, student, settings):
    settings.CIRCUIT_CHECK_DEADLINE_SECONDS = 90
    attempt = _pending(course, student)
    Attempt.objects.filter(pk=attempt.pk).update(verdict="correct", checked_at=timezone.now())
    _age(attempt, 10_000)
    assert attempt_expire_if_stale(attempt_id=attempt.pk).verdict == "correct"


def test_a_diagnostic_waiting_on_a_lost_check_takes_the_next_answer(course, student, settings):
    settings.CIRCUIT_CHECK_DEADLINE_SECONDS = 120
    diagnostic_start(learner=student, course=course)
    circuit = course.items.get(key="divider-circuit")
    first = diagnostic_answer(learner=student, course=course, item=circuit, answer="5 V",
                              idempotency_key="c1")
    assert first.checking
    with pytest.raises(DiagnosticUnavailable, match="still being checked"):
        diagnostic_answer(learner=student, course=course, item=circuit, answer="5 V",
                          idempotency_key="c2")
    _age(first.attempt, 121)
    second = diagnostic_answer(learner=student, course=course, item=circuit, answer="5 V",
                               idempotency_key="c2")
    assert second.attempt.pk != first.attempt.pk
    assert Attempt.objects.get(pk=first.attempt.pk).verdict == "invalid"
    session = DiagnosticSession.objects.get()
    assert session.awaiting_id == second.attempt.pk  # waiting on the new answer now
    assert session.state["responses"] == []  # the lost one counted for nothing


def test_the_diagnostic_poll_ends_a_lost_check_and_the_question_stands(client, course, student,
                                                                        settings):
    settings.CIRCUIT_CHECK_DEADLINE_SECONDS = 120
    client.force_login(student)
    client.post(reverse("diagnostic-start", args=["mini"]))
    session = DiagnosticSession.objects.get()
    session.state = {**session.state, "pending": "divider-circuit"}
    session.save()
    client.post(reverse("diagnostic-answer", args=["mini"]), {
        "item": "divider-circuit", "answer": "5 V", "submission_key": "c1"},
        headers={"HX-Request": "true"})
    attempt = Attempt.objects.get()
    poll = reverse("diagnostic-question", args=["mini", attempt.pk])
    assert "Checking your answer" in client.get(poll).content.decode()
    _age(attempt, 121)
    html = client.get(poll, headers={"HX-Request": "true"}).content.decode()
    assert "did not answer within 2 minutes" in html
    assert "could not read" not in html  # the answer may well be right
    assert "Checking" not in html and 'hx-trigger="every 1s"' not in html
    assert "Question 1 of at most 3" in html and 'value="divider-circuit"' in html
    assert DiagnosticSession.objects.get().awaiting is None


@pytest.mark.parametrize("via", ["poll", "refresh"])
def test_the_practice_page_ends_a_lost_check(client, course, student, settings, via):
    settings.CIRCUIT_CHECK_DEADLINE_SECONDS = 45
    client.force_login(student)
    client.post(reverse("practice-answer", args=["mini", "divider-circuit"]),
                {"answer": "5 V", "submission_key": "p1"}, headers={"HX-Request": "true"})
    attempt = Attempt.objects.get()
    _age(attempt, 46)
    url = (reverse("attempt-status", args=["mini", "divider-circuit", attempt.pk])
           if via == "poll"
           else reverse("practice", args=["mini", "divider-circuit"]) + f"?attempt={attempt.pk}")
    html = client.get(url).content.decode()
    assert "Not checked" in html and "did not answer within 45 seconds" in html
    assert "<strong>5 V</strong>" in html and 'hx-trigger="every 1s"' not in html
    assert Attempt.objects.get().verdict == "invalid"


def test_an_unreachable_broker_is_said_at_once(course, student, monkeypatch,
                                              django_capture_on_commit_callbacks):
    def down(attempt_id: int) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.check_circuit_attempt, "delay", down)
    diagnostic_start(learner=student, course=course)
    with django_capture_on_commit_callbacks(execute=True):  # the queueing runs on commit
        diagnostic_answer(learner=student, course=course,
                          item=course.items.get(key="divider-circuit"),
                          answer="5 V", idempotency_key="c1")
    attempt = Attempt.objects.get()
    assert attempt.verdict == "invalid" and "not reachable" in attempt.feedback["error"]
    assert attempt.raw_answer == "5 V"
    assert DiagnosticSession.objects.get().awaiting is None  # free to try again


def test_an_unreachable_broker_does_not_fail_a_recalibration_request(course, monkeypatch, caplog,
                                                                     django_capture_on_commit_callbacks):
    from tutor.services.learning import calibration_request

    def down(course_id: int) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.recalibrate_course, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        calibration = calibration_request(course=course)
    assert calibration.requested_at is not None  # the studio shows it asked, and may ask again
    assert "could not queue the recalibration" in caplog.text


@pytest.mark.parametrize("error", [
    DjangoOperationalError("server closed the connection unexpectedly"),
    InterfaceError("connection already closed"),
    OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
])
def test_a_check_hit_by_a_passing_outage_is_tried_again(course, student, monkeypatch, error):
    # autoretry_for held only the builtin ConnectionError, which none of these is: a
    # database restart during a check lost it until the deadline gave up on it.
    attempt = _pending(course, student, answer="5 V")
    from tutor.services import attempts

    real, calls = attempts.attempt_check_circuit, []

    def flaky(*, attempt_id: int) -> Attempt:
        calls.append(attempt_id)
        if len(calls) == 1:
            raise error
        return real(attempt_id=attempt_id)

    monkeypatch.setattr(attempts, "attempt_check_circuit", flaky)
    # throw=False: run as a worker does, where a retry is a new run, not an exception
    result = tasks.check_circuit_attempt.apply(args=(attempt.pk,), throw=False)
    assert calls == [attempt.pk, attempt.pk]
    assert result.get() == Attempt.objects.get().verdict != "pending"


def test_a_check_that_fails_for_another_reason_is_not_tried_again(course, student,
                                                                  monkeypatch):
    attempt = _pending(course, student)
    from tutor.services import attempts

    calls = []

    def broken(*, attempt_id: int) -> Attempt:
        calls.append(attempt_id)
        raise ValueError("a bug, not an outage")

    monkeypatch.setattr(attempts, "attempt_check_circuit", broken)
    result = tasks.check_circuit_attempt.apply(args=(attempt.pk,), throw=False)
    assert calls == [attempt.pk] and result.failed()
