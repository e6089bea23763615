"""Celery tasks: they take ids and call a service, nothing more."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

# Worth another try, after a pause: the database or the broker went away for a moment (a
# restart, a dropped connection, SQLite's lock wait running out). The builtin
# ConnectionError alone matched none of these: Django wraps psycopg's errors in its own
# OperationalError and InterfaceError, and kombu raises its OperationalError. Celery's
# Django fixup closes an unusable connection after the failed run, so the retry
# reconnects. Each task is safe to run twice (see the services they call).
TRANSIENT = (ConnectionError, OperationalError, InterfaceError, BrokerError)
RETRY = {"autoretry_for": TRANSIENT, "max_retries": 3, "retry_backoff": 2,
         "retry_backoff_max": 60}


@shared_task(acks_late=True, **RETRY)
def check_circuit_attempt(attempt_id: int) -> str:
    from tutor.services.attempts import attempt_check_circuit

    return attempt_check_circuit(attempt_id=attempt_id).verdict


@shared_task(acks_late=True, **RETRY)
def recalibrate_course(course_id: int) -> str:
    from tutor.models import Course
    from tutor.services.learning import course_recalibrate

    course = Course.objects.filter(pk=course_id).first()
    if course is None:
        return "course deleted"
    # (a course never calibrated has no row: the reverse accessor raises AttributeError)
    before = getattr(getattr(course, "calibration", None), "calibrated_at", None)
    calibration = course_recalibrate(course=course)
    if calibration.calibrated_at != before:
        # New difficulties and abilities change every learner's costs; the studio's
        # table of learners reads stored plans, so bring them up to date, in a task
        # of its own (a worker runs it beside the next answers, not inside them).
        refresh_course_plans.delay(course.pk)
    return calibration.note


@shared_task(acks_late=True, **RETRY)
def refresh_course_plans(course_id: int) -> str:
    from tutor.models import Course
    from tutor.services.plans import course_plans_refresh

    course = Course.objects.filter(pk=course_id).first()
    if course is None:
        return "course deleted"
    done = course_plans_refresh(course=course)
    return (f"{done.planned} planned afresh, {done.repaired} repaired, "
            f"{done.unchanged} already current, {done.failed} failed")
