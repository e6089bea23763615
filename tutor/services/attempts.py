"""Recording and checking answers."""

from __future__ import annotations

import math
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tutor.models import Attempt, Item, User
from tutor.services.hooks import attempt_judged

MAX_ANSWER_CHARS = 20_000


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
        return previous
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
                from tutor.tasks import check_circuit_attempt

                pk = attempt.pk
                transaction.on_commit(lambda: check_circuit_attempt.delay(pk))
    except IntegrityError:
        # Two submits raced past the lookup above; the other one won.
        return Attempt.objects.get(learner=learner, idempotency_key=idempotency_key)
    attempt.refresh_from_db()
    return attempt


def attempt_check_circuit(*, attempt_id: int) -> Attempt:
    """Judge a pending circuit answer with SPICE and store what the tutor needs.

    The row is locked while it is judged, so a task delivered twice judges once.
    """
    with transaction.atomic():
        attempt = (Attempt.objects.select_for_update().select_related("item", "learner")
                   .get(pk=attempt_id))
        if attempt.verdict != Attempt.Verdict.PENDING:
            return attempt  # a retried task must not judge twice
        _judge_circuit(attempt)
        attempt_judged(attempt=attempt)
    return attempt


def _judge_circuit(attempt: Attempt) -> None:
    from circuits.check import check_answer
    from circuits.design import check_design
    from circuits.errors import CircuitError

    item = attempt.item
    try:
        if item.kind == Item.Kind.DESIGN:
            result = check_design(attempt.raw_answer, item.constraints, rel_tol=item.tolerance)
        else:
            result = check_answer(item.netlist, item.ask, attempt.raw_answer,
                                  rel_tol=item.tolerance)
    except CircuitError as exc:
        attempt.verdict = Attempt.Verdict.INVALID
        attempt.feedback = {"error": str(exc)}
    else:
        attempt.feedback = _json_safe(result.to_dict())
        attempt.verdict = (Attempt.Verdict.CORRECT if result.correct
                           else Attempt.Verdict.INCORRECT)
    attempt.checked_at = timezone.now()
    attempt.save(update_fields=["verdict", "feedback", "checked_at"])


def _json_safe(value: Any) -> Any:
    """JSONField rejects NaN and infinities on PostgreSQL; store them as None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value
