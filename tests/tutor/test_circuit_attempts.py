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


def _pending(course, student):  # type: ignore[no-untyped-def]
    return Attempt.objects.create(learner=student, item=course.items.get(key="divider-circuit"),
                                  raw_answer="5 V", idempotency_key="p-1")


@pytest.mark.django_db(transaction=True)
def test_the_simulation_runs_with_no_transaction_open(course, student, monkeypatch):
    # On SQLite an open transaction holds the database's lock for the whole run, so
    # another learner's answer meanwhile made the verdict's write fail ("database is
    # locked"); on PostgreSQL it held the attempt's row while polling pages waited.
    from django.db import connection

    import circuits.check
    from tutor.services.attempts import attempt_check_circuit

    real = circuits.check.check_answer
    seen: list[bool] = []

    def check(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(connection.in_atomic_block)
        return real(*args, **kwargs)

    monkeypatch.setattr(circuits.check, "check_answer", check)
    attempt = attempt_check_circuit(attempt_id=_pending(course, student).pk)
    assert seen == [False] and attempt.verdict == "correct"


@pytest.mark.django_db(transaction=True)
def test_a_verdict_that_came_in_during_the_simulation_is_kept(course, student, monkeypatch):
    import circuits.check
    from tutor.services import attempts

    pending = _pending(course, student)
    real = circuits.check.check_answer

    def check(*args, **kwargs):  # type: ignore[no-untyped-def]
        attempts._give_up(pending.pk, "The deadline passed.")  # as a polling page would
        return real(*args, **kwargs)

    monkeypatch.setattr(circuits.check, "check_answer", check)
    judged: list[int] = []
    monkeypatch.setattr(attempts, "attempt_judged",
                        lambda *, attempt: judged.append(attempt.pk))
    attempt = attempts.attempt_check_circuit(attempt_id=pending.pk)
    assert attempt.verdict == "invalid" and attempt.feedback["error"] == "The deadline passed."
    assert judged == [pending.pk]  # once, by the give-up; the late verdict wrote nothing


def test_the_check_locks_the_attempt_row_only(course, student):
    # A plain FOR UPDATE over the join locked the item and the learner too, so every
    # check of one item waited on this one, and so did the learner's own login.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tutor.services.attempts import _locked

    if not connection.features.has_select_for_update_of:
        pytest.skip(f"{connection.vendor} has no SELECT ... FOR UPDATE OF")
    pending = _pending(course, student)
    with CaptureQueriesContext(connection) as ctx:
        _locked(pending.pk)
    [sql] = [q["sql"] for q in ctx.captured_queries]
    assert 'FOR UPDATE OF "tutor_attempt"' in sql


@pytest.mark.usefixtures("eager_celery")
def test_a_design_that_changes_the_given_source_is_not_correct(client, course, student,
                                                              django_capture_on_commit_callbacks):
    # 3.3 V straight from a source changed to 3.3 V met every number of the task.
    client.force_login(student)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("practice-answer", args=["mini", "divider-design"]),
                    {"netlist_text": "V1 in 0 DC 3.3\nR1 in out 1\nR2 out 0 1meg",
                     "submission_key": "d-1"}, headers={"HX-Request": "true"})
    attempt = Attempt.objects.get()
    assert attempt.verdict == "incorrect"
    assert attempt.feedback["diagnosis"]["kind"] == "given-changed"
    assert "keep it as given" in attempt.feedback["diagnosis"]["message"]


@pytest.mark.usefixtures("eager_celery")
def test_without_javascript_the_checked_design_is_shown_again(client, course, student,
                                                               django_capture_on_commit_callbacks):
    # The answer's redirect rebuilt the builder from the task's given source alone, so
    # the learner's circuit was gone; a typed netlist came back in an empty box.
    client.force_login(student)
    url = reverse("practice-answer", args=["mini", "divider-design"])
    rows = {"el_kind": ["V", "R", "R"], "el_name": ["V1", "R1", "R2"],
            "el_n1": ["in", "in", "out"], "el_n2": ["0", "out", "0"], "el_n3": ["", "", ""],
            "el_value": ["5 V", "3.4k", "6.6k"], "submission_key": "d-1"}
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(url, rows, follow=True).content.decode()
    assert 'id="el-name-3"' in page and 'value="6.6k"' in page
    typed = "V1 in 0 DC 5\nR1 in out 3.4k\nR2 out 0 6.6k ohms please"
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(url, {"netlist_text": typed, "submission_key": "d-2"},
                           follow=True).content.decode()
    assert "6.6k ohms please</textarea>" in page
    # a circuit the builder has no row for (a dependent source's four nodes) is shown
    # as typed, not as a three-node "resistor" E1 that a second check would send
    typed = "V1 in 0 DC 5\nR1 in out 3.4k\nR2 out 0 6.6k\nE1 x 0 out 0 1\nR3 x 0 1k"
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(url, {"netlist_text": typed, "submission_key": "d-3"},
                           follow=True).content.decode()
    assert "E1 x 0 out 0 1\nR3 x 0 1k</textarea>" in page
    assert 'value="E1"' not in page
    assert "<details open><summary>Or type a netlist instead" in page  # not folded away


def test_the_builder_address_opened_again_goes_back_to_the_item(client, course, student):
    client.force_login(student)
    response = client.get(reverse("builder", args=["mini", "divider-design"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("practice", args=["mini", "divider-design"])


@pytest.mark.usefixtures("eager_celery")
def test_without_javascript_an_unreadable_value_comes_back_in_its_field(
        client, course, student, django_capture_on_commit_callbacks):
    client.force_login(student)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("practice-answer", args=["mini", "ohm-num"]),
                           {"answer": "nine point four volts", "submission_key": "n-1"},
                           follow=True).content.decode()
    assert 'value="nine point four volts"' in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("eager_celery")
def test_a_check_that_crashes_does_not_make_the_saved_answer_a_server_error(
        client, course, student, monkeypatch):
    # With eager Celery the check runs in the answer's request after commit, and an
    # exception in it (propagated by CELERY_TASK_EAGER_PROPAGATES) became a 500 for an
    # answer that was saved; the deadline then gives up on it with a message.
    from tutor.services import attempts

    def crash(*, attempt_id: int) -> None:
        raise RuntimeError("the simulator host fell over")

    monkeypatch.setattr(attempts, "attempt_check_circuit", crash)
    client.raise_request_exception = False
    client.force_login(student)
    response = _answer(client, "5 V", "crash-1")
    assert response.status_code == 200
    assert Attempt.objects.get().verdict == "pending"
