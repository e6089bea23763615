"""Recording and checking answers."""

from __future__ import annotations

import logging
import math
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from tutor.models import Attempt, Item, User
from tutor.services.hooks import attempt_judged

MAX_ANSWER_CHARS = 20_000

log = logging.getLogger(__name__)


class AnswerError(ValueError):
    """The answer cannot be recorded at all (empty, too long, not one of the choices)."""


def _numeric_verdict(item: Item, answer: str) -> tuple[str, dict[str, Any]]:
    from circuits.compare import compare_quantity
    from circuits.units import Quantity

    expected = Quantity(float(item.answer_value or 0.0), item.answer_unit)
    result = compare_quantity(expected, answer, rel_tol=item.tolerance)
    data = result.to_dict()
    if result.unreadable:
        return Attempt.Verdict.INVALID, data
    return (Attempt.Verdict.CORRECT if result.correct else Attempt.Verdict.INCORRECT), data


def attempt_record(
    *, learner: User, item: Item, answer: str, idempotency_key: str, hints_used: int = 0
) -> Attempt:
    """Record one answer, once: a repeated ``idempotency_key`` returns the first attempt.

    Multiple-choice and numeric answers are judged at once. Circuit answers (a value,
    or for a design item a netlist) are judged by SPICE in a Celery task queued
    after commit (eager by default, so the verdict is there when this returns; with a
    worker the page polls).
    """
    answer = (answer or "").strip()
    if not idempotency_key or len(idempotency_key) > 64:
        raise AnswerError("The form is missing its submission key; reload the page.")
    previous = Attempt.objects.filter(learner=learner, idempotency_key=idempotency_key).first()
    if previous is not None:
        return _same_item(previous, item)
    if not answer:
        raise AnswerError("Please give an answer.")
    if len(answer) > MAX_ANSWER_CHARS:
        raise AnswerError("That answer is too long.")

    attempt = Attempt(learner=learner, item=item, raw_answer=answer, hints_used=hints_used,
                      idempotency_key=idempotency_key)
    if item.kind == Item.Kind.MULTIPLE_CHOICE:
        choice = next((c for c in item.choices.all() if str(c.pk) == answer), None)
        if choice is None:
            raise AnswerError("Please pick one of the choices.")
        attempt.verdict = (Attempt.Verdict.CORRECT if choice.is_correct
                           else Attempt.Verdict.INCORRECT)
        attempt.misconception_id = choice.misconception_id
        attempt.feedback = {"choice": choice.text, "choice_html": choice.text_html}
        attempt.checked_at = timezone.now()
    elif item.kind == Item.Kind.NUMERIC:
        attempt.verdict, attempt.feedback = _numeric_verdict(item, answer)
        attempt.checked_at = timezone.now()
    else:
        attempt.verdict = Attempt.Verdict.PENDING

    try:
        with transaction.atomic():
            attempt.save()
            attempt_judged(attempt=attempt)
            if attempt.verdict == Attempt.Verdict.PENDING:
                pk = attempt.pk
                # robust: with eager Celery the check runs here, after the answer is
                # saved; a crash in it must not make the saved answer's reply a 500 (the
                # deadline then gives up on it, and says so)
                transaction.on_commit(lambda: _queue_check(pk), robust=True)
    except IntegrityError:
        # Two submits raced past the lookup above; the other one won.
        return _same_item(Attempt.objects.get(learner=learner, idempotency_key=idempotency_key),
                          item)
    attempt.refresh_from_db()
    return attempt


def _same_item(previous: Attempt, item: Item) -> Attempt:
    # A key is one form's: sent again with another question (a stale or doctored form),
    # the earlier answer must not stand for this question, nor be replayed into a
    # diagnostic as the answer to a question it never saw.
    if previous.item_id != item.pk:
        raise AnswerError("This form was already sent for another question; "
                          "reload the page and answer again.")
    return previous


def _queue_check(attempt_id: int) -> None:
    from tutor.tasks import check_circuit_attempt

    try:
        check_circuit_attempt.delay(attempt_id)
    except BrokerUnavailable:
        # The answer is saved but no worker will ever see it: say so now rather than
        # leave the learner (and a waiting diagnostic) polling until the deadline.
        log.exception("could not queue the check of attempt %s", attempt_id)
        _give_up(attempt_id, "The circuit simulator is not reachable just now, so this "
                             "answer was not marked. Please submit it again in a minute.")


def _deadline_words(seconds: int) -> str:
    if seconds % 60 == 0:
        minutes = seconds // 60
        return "a minute" if minutes == 1 else f"{minutes} minutes"
    return f"{seconds} seconds"


def attempt_expire_if_stale(*, attempt_id: int) -> Attempt:
    """Give up on a circuit answer whose check has not come back in time.

    A lost task (a worker killed mid-run, a message dropped) would otherwise leave the
    answer pending for ever, and a diagnostic waiting on it stuck. Past
    ``CIRCUIT_CHECK_DEADLINE_SECONDS`` the answer is marked unreadable with a message
    that says why, which releases whatever waits on it; the text the learner typed is
    kept. A worker that turns up later finds it judged and leaves it alone. Called by
    the polling views and before a diagnostic takes its next answer, so no scheduler
    is needed.
    """
    attempt = Attempt.objects.select_related("item").get(pk=attempt_id)
    seconds = int(settings.CIRCUIT_CHECK_DEADLINE_SECONDS)
    if attempt.verdict != Attempt.Verdict.PENDING \
            or timezone.now() - attempt.created_at < timedelta(seconds=seconds):
        return attempt
    return _give_up(attempt_id, f"The circuit simulator did not answer within "
                                f"{_deadline_words(seconds)}, so this answer was not "
                                f"marked. Please submit it again.")


def _give_up(attempt_id: int, message: str) -> Attempt:
    # Locks the attempt, then (in the hook) the diagnostic: the order the worker uses.
    with transaction.atomic():
        attempt = _locked(attempt_id)
        if attempt.verdict != Attempt.Verdict.PENDING:
            return attempt  # the verdict came in meanwhile
        attempt.verdict = Attempt.Verdict.INVALID
        attempt.feedback = {"error": message, "unchecked": True}
        attempt.checked_at = timezone.now()
        attempt.save(update_fields=["verdict", "feedback", "checked_at"])
        attempt_judged(attempt=attempt)
    return attempt


def attempt_check_circuit(*, attempt_id: int) -> Attempt:
    """Judge a pending circuit answer with SPICE and store what the tutor needs.

    The simulation runs with no transaction open: on SQLite an open transaction holds a
    lock on the whole database for the run (up to seconds; another learner's answer
    meanwhile made this write fail with "database is locked"), and on PostgreSQL it held
    the attempt's row while polling pages waited on it. The verdict is then written under
    the row's lock, and only if the answer is still pending, so a task delivered twice
    (or one that comes back after the deadline gave up) writes once.
    """
    attempt = Attempt.objects.select_related("item").get(pk=attempt_id)
    if attempt.verdict != Attempt.Verdict.PENDING:
        return attempt  # a retried task must not judge twice
    verdict, feedback = _judge_circuit(attempt.item, attempt.raw_answer)
    with transaction.atomic():
        attempt = _locked(attempt_id)
        if attempt.verdict != Attempt.Verdict.PENDING:
            return attempt  # judged (or given up on) while this one simulated
        attempt.verdict, attempt.feedback = verdict, feedback
        attempt.checked_at = timezone.now()
        attempt.save(update_fields=["verdict", "feedback", "checked_at"])
        attempt_judged(attempt=attempt)
    return attempt


def _locked(attempt_id: int) -> Attempt:
    # of=("self",): a plain FOR UPDATE would lock the joined item and learner rows too,
    # so every check of one item (and the learner's own login) waited on this one.
    return (Attempt.objects.select_for_update(of=("self",)).select_related("item", "learner")
            .get(pk=attempt_id))


def _judge_circuit(item: Item, raw_answer: str) -> tuple[str, dict[str, Any]]:
    from circuits.check import check_answer
    from circuits.design import check_design
    from circuits.errors import CircuitError

    try:
        if item.kind == Item.Kind.DESIGN:
            # the task's given part (its source) must be kept: changing V1 to 5 V met
            # an inverting amplifier's numbers with a gain of -1
            result = check_design(raw_answer, item.constraints, rel_tol=item.tolerance,
                                  given=item.netlist)
        else:
            result = check_answer(item.netlist, item.ask, raw_answer, rel_tol=item.tolerance)
    except CircuitError as exc:
        return Attempt.Verdict.INVALID, {"error": str(exc)}
    return (Attempt.Verdict.CORRECT if result.correct else Attempt.Verdict.INCORRECT,
            _json_safe(result.to_dict()))


def _json_safe(value: Any) -> Any:
    """JSONField rejects NaN and infinities on PostgreSQL; store them as None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value
