"""The learner model in the product: mastery after every answer, item calibration, and
the adaptive diagnostic.

The one place where these features meet the cores: rows become the cores' plain
values (``knowledge_graph.learner``, ``planner.irt``, ``planner.diagnostic``) and the
results are written back in a transaction.
"""

from __future__ import annotations

import logging
import math
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from knowledge_graph.learner import ASSISTED_WEIGHT, LearnerModel, guess_slip_from_2pl
from tutor import selectors
from tutor.models import (
    Attempt,
    Course,
    CourseCalibration,
    DiagnosticSession,
    Item,
    LearnerState,
    User,
)
from tutor.selectors import CALIBRATED_KINDS, JUDGED, is_calibrated, item_is_calibrated
from tutor.services.plans import plan_refresh

log = logging.getLogger(__name__)

__all__ = [
    "DiagnosticAlreadyAnswered",
    "DiagnosticOutcome",
    "DiagnosticUnavailable",
    "calibration_request",
    "calibration_schedule",
    "course_recalibrate",
    "diagnostic_answer",
    "diagnostic_attempt_judged",
    "diagnostic_start",
    "item_guess_slip",
    "mastery_record",
]


# -- mastery after each answer ---------------------------------------------------------


def item_guess_slip(item: Item, theta: float) -> tuple[float | None, float | None]:
    """The item's guess and slip from its 2PL values; None (the BKT defaults) until calibrated."""
    if not item_is_calibrated(item):
        return None, None
    n_choices = len(item.choices.all()) if item.kind == Item.Kind.MULTIPLE_CHOICE else None
    return guess_slip_from_2pl(float(item.irt_a), float(item.irt_b),  # type: ignore[arg-type]
                               theta, n_choices=n_choices)


def _learner_ability(*, learner_id: int, course_id: int) -> tuple[float, float] | None:
    """EAP ability from the learner's first judged answer to each calibrated item.

    First answers, as calibration uses: retries are made until right, so counting them
    would inflate every learner's ability.
    """
    from planner.irt import eap

    rows = (Attempt.objects
            .filter(learner_id=learner_id, item__course_id=course_id, verdict__in=JUDGED,
                    item__kind__in=CALIBRATED_KINDS, item__irt_a__gt=0,
                    item__irt_b__isnull=False)
            .order_by("item_id", "pk")
            .values_list("item_id", "verdict", "item__irt_a", "item__irt_b"))
    first: dict[int, tuple[float, float, int]] = {}
    for item_id, verdict, a, b in rows:
        if is_calibrated(a, b):  # the filter cannot see NaN or inf
            first.setdefault(item_id, (a, b, int(verdict == Attempt.Verdict.CORRECT)))  # type: ignore[arg-type]
    if not first:
        return None
    a_, b_, x_ = zip(*first.values(), strict=True)
    est = eap(list(a_), list(b_), list(x_))
    return est.theta, est.se


#: Evidence weight of a right answer to an item the learner has answered right before.
REPEAT_WEIGHT = 0.2


def mastery_record(*, attempt: Attempt) -> LearnerState | None:
    """Fold one judged answer into the learner's model for the item's course.

    Every concept the item is tagged with is updated (the core's conjunctive model);
    an answer given after hints counts for less, and a right answer to an item already
    answered right for much less (``REPEAT_WEIGHT``). Runs inside the transaction that
    stores the verdict, with the learner's state row locked, so two answers at once
    cannot lose an update. Unreadable and pending answers change nothing.
    """
    if attempt.verdict not in JUDGED:
        return None
    item = attempt.item
    concepts = list(item.concepts.order_by("order").values_list("key", flat=True))
    if not concepts:
        return None
    course = item.course
    with transaction.atomic():
        state, _ = LearnerState.objects.select_for_update().get_or_create(
            learner_id=attempt.learner_id, course=course
        )
        graph = selectors.course_skill_graph(course=course)
        model = LearnerModel.from_dict(graph, state.state or {})
        guess, slip = item_guess_slip(item, state.theta)
        weight = ASSISTED_WEIGHT if attempt.hints_used > 0 else 1.0
        if attempt.is_correct and Attempt.objects.filter(
                learner_id=attempt.learner_id, item=item, verdict=Attempt.Verdict.CORRECT,
                pk__lt=attempt.pk).exists():
            # The item was answered right before and its worked answer has been shown
            # since: five repeats of one item made a concept "mastered". A wrong answer
            # to it still counts in full.
            weight = min(weight, REPEAT_WEIGHT)
        model.update(concepts=concepts, correct=attempt.is_correct, guess=guess, slip=slip,
                     weight=weight)
        state.state = model.to_dict()
        if item_is_calibrated(item) and item.kind in CALIBRATED_KINDS:
            ability = _learner_ability(learner_id=attempt.learner_id, course_id=course.pk)
            if ability is not None:
                state.theta, state.theta_se = ability
        state.save()
        calibration_schedule(course=course)
    return state


# -- item calibration ------------------------------------------------------------------


def _queue_recalibration(course_id: int) -> None:
    # robust: with eager Celery the fit runs inside the answer's request, after it is saved
    transaction.on_commit(lambda: _send_recalibration(course_id), robust=True)


def _send_recalibration(course_id: int) -> None:
    from tutor.tasks import recalibrate_course

    try:
        recalibrate_course.delay(course_id)
    except BrokerUnavailable:
        # The answer that triggered it is saved; a missed recalibration is asked for
        # again by the next CALIBRATION_MIN_NEW_ATTEMPTS answers or the studio's button.
        log.exception("could not queue the recalibration of course %s", course_id)


def calibration_schedule(*, course: Course) -> bool:
    """Queue a recalibration once enough new answers have come in; True if queued.

    Debounced twice, so answering stays cheap even with eager Celery: the count is
    looked at most once per ``CALIBRATION_CHECK_SECONDS`` per course (a cache key),
    and a task is queued only when ``CALIBRATION_MIN_NEW_ATTEMPTS`` judged answers
    arrived since the last request. A compare-and-set on ``requested_at`` makes two
    answers that cross the line together queue one task.
    """
    needed = int(settings.CALIBRATION_MIN_NEW_ATTEMPTS)
    if needed <= 0:
        return False
    every = int(settings.CALIBRATION_CHECK_SECONDS)
    if every > 0 and not cache.add(f"calibration-check:{course.pk}", 1, timeout=every):
        return False
    calibration, _ = CourseCalibration.objects.get_or_create(course=course)
    requested = calibration.requested_at
    # a run nobody requested (simulate_cohort's) also counts as the last calibration
    marks = [t for t in (requested, calibration.calibrated_at) if t is not None]
    new = Attempt.objects.filter(item__course=course, item__kind__in=CALIBRATED_KINDS,
                                 verdict__in=JUDGED)
    if marks:
        new = new.filter(created_at__gt=max(marks))
    if len(new.values_list("pk", flat=True)[:needed]) < needed:
        return False
    won = CourseCalibration.objects.filter(pk=calibration.pk, requested_at=requested).update(
        requested_at=timezone.now()
    )
    if not won:
        return False
    _queue_recalibration(course.pk)
    return True


def calibration_request(*, course: Course) -> CourseCalibration:
    """Queue a recalibration now (the studio's button), whatever the count."""
    with transaction.atomic():
        calibration, _ = CourseCalibration.objects.select_for_update().get_or_create(
            course=course
        )
        calibration.requested_at = timezone.now()
        calibration.save(update_fields=["requested_at"])
        _queue_recalibration(course.pk)
    return calibration


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(float(x)) else None


def course_recalibrate(*, course: Course) -> CourseCalibration:
    """Fit 2PL item parameters to the course's answers and store them.

    Uses each learner's first judged answer to each multiple-choice, numeric and
    circuit item; the prior on each ``b`` is centred on the teacher's difficulty, so
    little data moves it little. Items answered by fewer than
    ``CALIBRATION_MIN_LEARNERS`` learners keep their values; when no item has enough,
    nothing is fitted and the note says why. Abilities of the learners seen are
    refreshed from the same fit.
    """
    from planner.irt import IRTError, Priors, ResponseData, calibrate

    minimum = max(int(settings.CALIBRATION_MIN_LEARNERS), 2)
    items = {it.pk: it for it in course.items.filter(is_active=True, kind__in=CALIBRATED_KINDS)}
    first: dict[tuple[int, int], int] = {}
    # Enrolled learners only: the teacher's and admins' tries of their own items (they
    # know the answers) are not the class, and would shift every difficulty.
    rows = (Attempt.objects.filter(item_id__in=list(items), verdict__in=JUDGED,
                                   learner__enrolments__course=course)
            .order_by("pk").values_list("learner_id", "item_id", "verdict"))
    for learner_id, item_id, verdict in rows.iterator(chunk_size=5000):
        first.setdefault((learner_id, item_id), int(verdict == Attempt.Verdict.CORRECT))
    per_item: dict[int, int] = {}
    for _, item_id in first:
        per_item[item_id] = per_item.get(item_id, 0) + 1
    chosen = [pk for pk in items if per_item.get(pk, 0) >= minimum]
    calibration, _ = CourseCalibration.objects.get_or_create(course=course)
    if not chosen:
        most = max(per_item.values(), default=0)
        calibration.note = (f"Kept the previous values: no item has answers from "
                            f"{minimum} learners yet (the most is {most}).")
        calibration.last_run_at = timezone.now()
        calibration.save(update_fields=["note", "last_run_at"])
        return calibration

    keep = set(chosen)
    records = [(str(lr), items[it].key, x) for (lr, it), x in first.items() if it in keep]
    data = ResponseData.from_records(records)
    by_key = {items[pk].key: items[pk] for pk in chosen}
    ordered = [by_key[k] for k in data.item_ids]
    try:
        fit = calibrate(data, model="2pl", priors=Priors(
            b_mean=[it.difficulty for it in ordered], b_sd=1.0,
        ))
    except IRTError as exc:
        calibration.note = f"Kept the previous values: the fit failed ({exc})."
        calibration.last_run_at = timezone.now()
        calibration.save(update_fields=["note", "last_run_at"])
        return calibration

    params = fit.items()
    with transaction.atomic():
        for it in ordered:
            p = params[it.key]
            it.irt_a, it.irt_b = _finite(p.a), _finite(p.b)
            it.irt_se_a, it.irt_se_b = _finite(p.se_a), _finite(p.se_b)
        Item.objects.bulk_update(ordered, ["irt_a", "irt_b", "irt_se_a", "irt_se_b"])
        theta = {int(lid): (float(t), float(s))
                 for lid, t, s in zip(fit.learner_ids, fit.theta, fit.theta_se, strict=True)}
        states = list(LearnerState.objects.filter(course=course, learner_id__in=list(theta)))
        for st in states:
            st.theta, st.theta_se = theta[st.learner_id]
        LearnerState.objects.bulk_update(states, ["theta", "theta_se"])
        calibration.attempts_used = len(data)
        calibration.log_likelihood = _finite(fit.log_likelihood)
        calibration.iterations = fit.iterations
        calibration.calibrated_at = calibration.last_run_at = timezone.now()
        skipped = len(items) - len(chosen)
        calibration.note = (
            f"Calibrated {len(chosen)} item{'s' if len(chosen) != 1 else ''} on "
            f"{len(data)} first answers from {data.n_learners} learners"
            + (f"; {skipped} with fewer than {minimum} learners kept their values"
               if skipped else "")
            + ("" if fit.converged else "; the fit stopped before converging")
            + "."
        )
        calibration.save()
    return calibration


# -- the diagnostic --------------------------------------------------------------------


class DiagnosticUnavailable(Exception):
    """The course has no items the diagnostic can ask, or no diagnostic is running."""


class DiagnosticAlreadyAnswered(DiagnosticUnavailable):
    """The question was answered before (a form sent twice, or from a stale page).

    Nothing is recorded: a second answer would count twice as practice and say
    nothing new to the diagnostic, which never asks a question twice.
    """


@dataclass(frozen=True)
class DiagnosticOutcome:
    attempt: Attempt
    session: DiagnosticSession
    counted: bool  # False: unreadable or still being simulated; the question stands

    @property
    def finished(self) -> bool:
        return self.session.status == DiagnosticSession.Status.FINISHED

    @property
    def checking(self) -> bool:
        """A circuit answer is being simulated; the page polls until its verdict is in."""
        return self.session.awaiting_id is not None


def diagnostic_start(*, learner: User, course: Course) -> DiagnosticSession:
    """Start a diagnostic, or return the one already running."""
    from planner.diagnostic import Diagnostic, DiagnosticError

    bank, _ = selectors.diagnostic_bank(course=course)
    if not bank:
        raise DiagnosticUnavailable("This course has no questions for a diagnostic yet.")
    graph = selectors.course_skill_graph(course=course)
    # the course's own, plus the slips the circuits core names (a factor of 1000, a sign),
    # which the result page can describe even when the course file does not list them
    misconceptions = [*course.misconceptions.values_list("key", flat=True),
                      *selectors.DIAGNOSIS_DESCRIPTIONS]
    with transaction.atomic():
        running = (DiagnosticSession.objects.select_for_update()
                   .filter(learner=learner, course=course,
                           status=DiagnosticSession.Status.RUNNING).first())
        if running is not None:
            try:
                if Diagnostic.from_dict(graph, bank, running.state).next_item() is not None:
                    return running
            except DiagnosticError:
                pass
            # The course changed under it (an item retired or re-tagged): its answers
            # stay as attempts, the half-run test starts again.
            running.delete()
        d = Diagnostic(graph, bank, max_items=int(settings.DIAGNOSTIC_MAX_ITEMS),
                       misconceptions=misconceptions, seed=secrets.randbelow(2**31))
        return DiagnosticSession.objects.create(learner=learner, course=course,
                                                state=d.to_dict())


def _diagnosis_kind(attempt: Attempt) -> str | None:
    # Only errors that name a cause are evidence of a misconception; "close" and
    # "wrong-value" say nothing about why.
    kind = ((attempt.feedback or {}).get("diagnosis") or {}).get("kind")
    return kind if kind in {"factor-1000", "sign", "unit-kind", "radians"} else None


def _diagnostic_record(session: DiagnosticSession, d: Any, attempt: Attempt) -> None:
    """Feed a judged answer into the rebuilt diagnostic ``d`` and store it on the locked
    ``session``; finish the session when the diagnostic is over."""
    d.record(attempt.item.key, correct=attempt.is_correct,
             misconception=attempt.misconception.key if attempt.misconception else None,
             diagnosis=_diagnosis_kind(attempt))
    session.attempts.add(attempt)
    session.state = d.to_dict()
    if d.finished:
        session.result = _result_dict(d.result())
        session.status = DiagnosticSession.Status.FINISHED
        session.finished_at = timezone.now()
        _seed_mastery(learner=session.learner, course=session.course,
                      mastery=session.result["mastery"])


def diagnostic_answer(
    *, learner: User, course: Course, item: Item, answer: str, idempotency_key: str
) -> DiagnosticOutcome:
    """Record an answer to a diagnostic question, as a normal attempt, and move on.

    Multiple-choice and numeric answers count at once. A circuit answer is judged by
    SPICE in a Celery task after commit: the session waits for it (``awaiting``), and
    :func:`diagnostic_attempt_judged` records it when the verdict comes (with eager
    Celery, before this returns). When the diagnostic ends, its result is stored on the
    session and seeds the learner's mastery. Raises ``AnswerError`` (nothing recorded)
    and ``DiagnosticUnavailable`` (no running diagnostic, not one of its questions, or
    an earlier answer still being simulated; one that has waited past the deadline is
    given up on first, see :func:`~tutor.services.attempts.attempt_expire_if_stale`),
    including ``DiagnosticAlreadyAnswered`` for a question answered before.
    """
    from planner.diagnostic import Diagnostic, DiagnosticError
    from tutor.services.attempts import (  # attempts -> hooks -> here
        AnswerError,
        attempt_expire_if_stale,
        attempt_record,
    )

    waited_on = (DiagnosticSession.objects
                 .filter(learner=learner, course=course, status=DiagnosticSession.Status.RUNNING,
                         awaiting__verdict=Attempt.Verdict.PENDING)
                 .values_list("awaiting_id", flat=True).first())
    if waited_on is not None:
        # before the session's lock: giving up locks the attempt, then the session
        attempt_expire_if_stale(attempt_id=waited_on)
    with transaction.atomic():
        # no select_related("awaiting"): PostgreSQL refuses FOR UPDATE over an outer join
        session = (DiagnosticSession.objects.select_for_update()
                   .filter(learner=learner, course=course,
                           status=DiagnosticSession.Status.RUNNING).first())
        if session is None:
            raise DiagnosticUnavailable("No diagnostic is running in this course.")
        waiting = session.awaiting
        if waiting is not None and waiting.verdict == Attempt.Verdict.PENDING:
            if waiting.idempotency_key == idempotency_key:  # the same form, sent twice
                return DiagnosticOutcome(waiting, session, counted=False)
            raise DiagnosticUnavailable(
                "Your last answer is still being checked by the circuit simulator; "
                "wait a moment for its result."
            )
        graph = selectors.course_skill_graph(course=course)
        bank, by_key = selectors.diagnostic_bank(course=course)
        if item.key not in by_key:
            raise DiagnosticUnavailable("That question is not part of the diagnostic.")
        try:
            d = Diagnostic.from_dict(graph, bank, session.state)
        except DiagnosticError as exc:
            raise DiagnosticUnavailable(
                "The course changed during your diagnostic; please start it again."
            ) from exc
        if item.key in d.asked:
            raise DiagnosticAlreadyAnswered(
                "You have already answered that question; here is the next one."
            )
        attempt = attempt_record(learner=learner, item=item, answer=answer,
                                 idempotency_key=idempotency_key)
        if attempt.created_at < session.started_at:
            # A key of an answer from before this diagnostic (a practice form's, sent
            # again): that answer would be recorded for the question, and this one lost.
            raise AnswerError("This form was already sent before the diagnostic started; "
                              "reload the page and answer again.")
        if attempt.verdict == Attempt.Verdict.PENDING:
            session.awaiting = attempt
            session.save(update_fields=["awaiting"])
            pending = True
        elif attempt.verdict not in JUDGED:
            return DiagnosticOutcome(attempt, session, counted=False)
        else:
            _diagnostic_record(session, d, attempt)
            session.save()
            if session.status == DiagnosticSession.Status.FINISHED:
                # The answer's own hook planned before the result seeded the mastery;
                # the path (and "Start practising") must start from the result. A
                # circuit answer's hook runs after the seed, so it needs no second plan.
                plan_refresh(learner=learner, course=course)
            pending = False
    if pending:
        # the task ran on commit if Celery is eager; otherwise the page polls
        session.refresh_from_db()
        attempt.refresh_from_db()
        counted = session.attempts.filter(pk=attempt.pk).exists()
        return DiagnosticOutcome(attempt, session, counted=counted)
    return DiagnosticOutcome(attempt, session, counted=True)


def diagnostic_attempt_judged(*, attempt: Attempt) -> None:
    """Record a simulated circuit answer in the diagnostic that waits for it, if any.

    Called from :func:`tutor.services.hooks.attempt_judged` for every verdict, readable
    or not: an unreadable answer releases the session and its question stands.
    """
    from planner.diagnostic import Diagnostic, DiagnosticError

    if attempt.item.kind != Item.Kind.CIRCUIT:
        return  # only a simulated answer is ever waited for
    session = (DiagnosticSession.objects.select_for_update()
               .filter(awaiting=attempt, status=DiagnosticSession.Status.RUNNING).first())
    if session is None:
        return
    session.awaiting = None
    if attempt.verdict in JUDGED:
        graph = selectors.course_skill_graph(course=session.course)
        bank, by_key = selectors.diagnostic_bank(course=session.course)
        try:
            d = Diagnostic.from_dict(graph, bank, session.state)
        except DiagnosticError:
            d = None  # the course changed meanwhile: diagnostic_start starts it again
        if (d is not None and attempt.item.key in by_key and attempt.item.key not in d.asked
                and len(d.asked) < d.max_items):
            _diagnostic_record(session, d, attempt)
    session.save()


def _result_dict(result: Any) -> dict[str, Any]:
    return {
        "mastered": list(result.mastered),
        "weak": list(result.weak),
        "uncertain": list(result.uncertain),
        "misconceptions": list(result.misconceptions),
        "asked": list(result.asked),
        "mastery": {c: float(p) for c, p in result.mastery.items()},
        "evidence": [{"misconception": e.misconception, "score": e.score, "count": e.count}
                     for e in result.evidence],
    }


def _seed_mastery(*, learner: User, course: Course, mastery: dict[str, float]) -> None:
    """Start the learner's model from what the diagnostic concluded."""
    graph = selectors.course_skill_graph(course=course)
    state, _ = LearnerState.objects.select_for_update().get_or_create(learner=learner,
                                                                       course=course)
    model = LearnerModel.from_dict(graph, state.state or {})
    model.set_mastery({c: p for c, p in mastery.items() if c in graph})
    state.state = model.to_dict()
    state.save(update_fields=["state", "updated_at"])
