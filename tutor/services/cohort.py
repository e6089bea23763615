"""A simulated cohort for a course: demo data and a first calibration before real learners.

The answers come from :mod:`planner.crowd` (learners with a known true state drawn
from the course's skill graph). They are stored as ordinary attempts of ordinary
student accounts named ``sim-0001``, ..., in bulk: the per-answer hooks are skipped
and the learners' states and the item calibration are computed once at the end.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from knowledge_graph.learner import LearnerModel
from tutor import selectors
from tutor.models import Attempt, Choice, Course, Enrolment, Item, LearnerState, User
from tutor.selectors import CALIBRATED_KINDS, item_is_calibrated
from tutor.services.learning import course_recalibrate, item_guess_slip
from tutor.services.plans import plan_refresh

SIM_PREFIX = "sim"


class CohortError(ValueError):
    """The course cannot be simulated (no items with concepts)."""


@dataclass(frozen=True)
class CohortReport:
    created: int
    skipped: int  # learners that already had answers in the course
    attempts: int
    calibration_note: str


def _sim_answer(item: Item, correct: bool, misconception: str | None,
                rng: random.Random) -> tuple[str, Choice | None]:
    """A raw answer that the real judge would give the same verdict."""
    if item.kind == Item.Kind.MULTIPLE_CHOICE:
        choices = list(item.choices.all())
        if correct:
            choice = next(c for c in choices if c.is_correct)
        else:
            wrong = [c for c in choices if not c.is_correct]
            tagged = [c for c in wrong if c.misconception and c.misconception.key == misconception]
            choice = tagged[0] if tagged else rng.choice(wrong)
        return str(choice.pk), choice
    if correct:
        return item.answer_text or f"{item.answer_value:g} {item.answer_unit}", None
    value = float(item.answer_value or 0.0)
    return f"{(value * 3 if value else 1.0):g} {item.answer_unit}".strip(), None


def cohort_simulate(
    *, course: Course, n_learners: int, answers_per_learner: int | None = None, seed: int = 0
) -> CohortReport:
    """Create ``n_learners`` simulated students with answers, then recalibrate once.

    Learners that already exist keep their account; those that already have answers in
    the course get no more, so a re-run with the same size changes nothing.
    """
    from planner.crowd import CrowdItem, simulate_cohort

    graph = selectors.course_skill_graph(course=course)
    rows = list(course.items.filter(is_active=True, kind__in=CALIBRATED_KINDS).order_by("order")
                .prefetch_related("concepts", "choices__misconception"))
    items: dict[str, Item] = {}
    concepts_of: dict[str, list[str]] = {}
    bank: list[CrowdItem] = []
    for it in rows:
        concepts = [c.key for c in sorted(it.concepts.all(), key=lambda c: c.order)]
        if not concepts or (it.kind == Item.Kind.MULTIPLE_CHOICE
                            and not any(c.is_correct for c in it.choices.all())):
            continue
        distractors = tuple(c.misconception.key if c.misconception else None
                            for c in it.choices.all() if not c.is_correct)
        calibrated = item_is_calibrated(it)
        bank.append(CrowdItem(it.key, tuple(concepts),
                              a=float(it.irt_a) if calibrated else 1.0,  # type: ignore[arg-type]
                              b=float(it.irt_b) if calibrated else it.difficulty,  # type: ignore[arg-type]
                              distractors=distractors))
        items[it.key] = it
        concepts_of[it.key] = concepts
    if not bank:
        raise CohortError("The course has no multiple-choice, numeric or circuit items to answer.")
    per_learner = answers_per_learner if answers_per_learner is not None else 2 * len(bank)
    responses = simulate_cohort(
        graph, bank, n_learners, per_learner, seed=seed,
        misconceptions=list(course.misconceptions.values_list("key", flat=True)),
    )
    width = max(4, len(str(n_learners)))  # as planner.crowd.sample_crowd names them
    names = [f"{SIM_PREFIX}-{k:0{width}d}" for k in range(1, n_learners + 1)]
    rng = random.Random(seed)  # noqa: S311 - picks distractors for simulated answers
    now = timezone.now()

    with transaction.atomic():
        existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        new_users = []
        for name in names:
            if name in existing:
                continue
            user = User(username=name, role=User.Role.STUDENT, first_name="Simulated",
                        last_name=f"learner {name.removeprefix(SIM_PREFIX + '-')}")
            user.set_unusable_password()
            new_users.append(user)
        User.objects.bulk_create(new_users, batch_size=500)
        users = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
        Enrolment.objects.bulk_create(
            [Enrolment(learner_id=pk, course=course) for pk in users.values()],
            ignore_conflicts=True, batch_size=500,
        )
        answered = set(Attempt.objects.filter(item__course=course, learner_id__in=users.values())
                       .values_list("learner_id", flat=True).distinct())
        attempts: list[Attempt] = []
        models: dict[int, LearnerModel] = {}
        for r in responses:
            learner_id = users[r.learner]
            if learner_id in answered:
                continue
            item = items[r.item]
            raw, choice = _sim_answer(item, r.correct, r.misconception, rng)
            attempts.append(Attempt(
                learner_id=learner_id, item=item, raw_answer=raw,
                verdict=Attempt.Verdict.CORRECT if r.correct else Attempt.Verdict.INCORRECT,
                misconception_id=choice.misconception_id if choice else None,
                feedback={"simulated": True, **({"choice": choice.text,
                                                 "choice_html": choice.text_html}
                                                if choice else {})},
                idempotency_key=f"{SIM_PREFIX}-{seed}-{r.step}", checked_at=now,
            ))
            model = models.setdefault(learner_id, LearnerModel(graph))
            guess, slip = item_guess_slip(item, 0.0)
            model.update(concepts=concepts_of[r.item], correct=r.correct, guess=guess, slip=slip)
        Attempt.objects.bulk_create(attempts, batch_size=1000)
        LearnerState.objects.bulk_create(
            [LearnerState(learner_id=pk, course=course, state=m.to_dict())
             for pk, m in models.items()],
            ignore_conflicts=True, batch_size=500,
        )
    calibration = course_recalibrate(course=course)
    # Each simulated learner gets the path a real one gets after every answer, so the
    # studio's learner table shows them (planned after calibration: costs use it).
    for user in User.objects.filter(pk__in=list(models)).order_by("pk"):
        plan_refresh(learner=user, course=course)
    return CohortReport(created=len(new_users), skipped=len(answered & set(users.values())),
                        attempts=len(attempts), calibration_note=calibration.note)
