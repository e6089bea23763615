"""Learning paths: a learner's goals, and the plan the planner core makes towards them.

This is the one place the ORM meets :mod:`planner.paths`: rows become the core's
graph, units and cost model here, and the core's :class:`~planner.paths.Plan` comes
back as JSON in ``LearnerPlan.plan``. Besides ``Plan.to_dict()`` the stored JSON
holds ``fingerprint`` (everything the plan was made from, so a refresh with nothing
changed does no planning and no write), ``basis`` (the same without mastery: while it
holds, the plan may be repaired with ``replan`` instead of made afresh),
``default_goals`` and ``units`` (title and kind of each unit in the plan, so pages
listing many learners need not join the course).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from knowledge_graph.graph import SkillGraph
from knowledge_graph.learner import MASTERY_THRESHOLD
from planner.paths import CostModel, PathPlanner, PathPlanningError, Plan, Unit
from tutor.models import (
    Concept,
    Course,
    Item,
    LearnerGoal,
    LearnerPlan,
    LearnerState,
    LearningUnit,
    Lesson,
    User,
)
from tutor.selectors import (
    PATH_OPTIMAL_WITHIN,
    course_skill_graph,
    is_calibrated,
    learner_model,
)

logger = logging.getLogger(__name__)

__all__ = ["GoalError", "PLAN_FORMAT", "PlansRefreshed", "course_plans_refresh", "goals_set",
           "plan_refresh"]

#: Bumped when the stored JSON changes shape, so old rows are planned afresh.
PLAN_FORMAT = 1
#: The planner's currency is practice items; a unit's minutes convert at about two
#: minutes an item (the convention of ``planner.simulate`` and the benchmarks).
MINUTES_PER_ITEM = 2.0
#: A lesson standing in for a unit (a course without ``units``) has no length of its
#: own in the course files; it counts as one item's worth of reading, as in simulate.
LESSON_UNIT_COST = 1.0
#: The discrimination of an item not calibrated yet.
DEFAULT_DISCRIMINATION = 1.0


class GoalError(ValueError):
    """Goals that cannot be set: a concept that is not the course's."""


@dataclass(frozen=True)
class _CourseProblem:
    """What the planner needs of a course, built from its rows."""

    graph: SkillGraph
    units: tuple[Unit, ...]
    names: dict[str, str]
    item_params: dict[str, list[tuple[float, float]]]
    # lesson slug of each unit that is a lesson standing in for a unit
    lessons: dict[str, str]


def _course_problem(course: Course) -> _CourseProblem:
    graph = course_skill_graph(course=course)
    names = dict(course.concepts.values_list("key", "name"))
    covers: dict[int, list[str]] = defaultdict(list)
    for unit_id, key in (LearningUnit.covers.through.objects
                         .filter(learningunit__course=course).order_by("concept__order")
                         .values_list("learningunit_id", "concept__key")):
        covers[unit_id].append(key)
    units: list[Unit] = [
        Unit(id=u.key, covers=tuple(covers[u.pk]), cost=u.minutes / MINUTES_PER_ITEM,
             title=u.title, kind=u.kind)
        for u in course.units.order_by("pk") if covers[u.pk]
    ]
    lessons: dict[str, str] = {}
    if not course.units.exists():
        # The course format: without units, every lesson with its practice is a unit.
        taught: dict[int, list[str]] = defaultdict(list)
        for lesson_id, key in (Lesson.concepts.through.objects.filter(lesson__course=course)
                               .order_by("concept__order")
                               .values_list("lesson_id", "concept__key")):
            taught[lesson_id].append(key)
        for le in course.lessons.order_by("order", "pk").only("pk", "slug", "title"):
            if taught[le.pk]:
                units.append(Unit(id=le.slug, covers=tuple(taught[le.pk]), cost=LESSON_UNIT_COST,
                                  title=le.title, kind=LearningUnit.Kind.LESSON))
                lessons[le.slug] = le.slug
    params: dict[str, list[tuple[float, float]]] = defaultdict(list)
    rows = (Item.concepts.through.objects.filter(item__course=course, item__is_active=True)
            .order_by("item__order", "concept__order")
            .values_list("concept__key", "item__irt_a", "item__irt_b", "item__difficulty"))
    for key, a, b, difficulty in rows:
        # Calibrated values once measured (as the diagnostic reads them), else the
        # teacher's difficulty with the usual discrimination.
        if is_calibrated(a, b):
            params[key].append((a, b))
        else:
            params[key].append((DEFAULT_DISCRIMINATION, difficulty))
    return _CourseProblem(graph=graph, units=tuple(units), names=names, item_params=dict(params),
                          lessons=lessons)


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _goal_keys(learner: User, course: Course, graph: SkillGraph) -> tuple[list[str], bool]:
    """The learner's goals in syllabus order, or the course's final concepts if none."""
    keys = list(LearnerGoal.objects.filter(learner=learner, concept__course=course)
                .order_by("concept__order").values_list("concept__key", flat=True))
    if keys:
        return keys, False
    # The sinks of the prerequisite graph: what the course builds up to.
    return [c for c in graph.order if not graph.dependents(c)], True


@transaction.atomic
def goals_set(*, learner: User, course: Course, concept_keys: Iterable[str]) -> list[Concept]:
    """Replace the learner's goals in ``course`` and refresh their plan.

    An empty ``concept_keys`` clears the goals: the plan then aims at the course's
    final concepts.

    Raises
    ------
    GoalError
        A key that is not a concept of the course; nothing is changed.
    """
    keys = list(dict.fromkeys(k.strip() for k in concept_keys if k and k.strip()))
    concepts = {c.key: c for c in course.concepts.filter(key__in=keys)}
    unknown = [k for k in keys if k not in concepts]
    if unknown:
        raise GoalError(
            f"{', '.join(repr(k) for k in unknown)} {'is' if len(unknown) == 1 else 'are'} "
            f"not a concept of {course.title}; choose goals from the list."
        )
    LearnerGoal.objects.filter(learner=learner, concept__course=course).delete()
    LearnerGoal.objects.bulk_create(LearnerGoal(learner=learner, concept=concepts[k]) for k in keys)
    plan_refresh(learner=learner, course=course)
    return sorted(concepts.values(), key=lambda c: c.order)


@transaction.atomic
def plan_refresh(*, learner: User, course: Course,
                 problem: _CourseProblem | None = None) -> LearnerPlan:
    """Bring the learner's stored plan for ``course`` up to date and return its row.

    Costs are personal: each concept's expected practice comes from the learner's
    mastery, their ability (``LearnerState.theta``) and the difficulty of the
    concept's items (calibrated ``irt_b``, else the teacher's ``difficulty``). Where a
    concept the goals need has no unit, the core adds single-concept practice.

    The plan is repaired with :func:`planner.paths.replan` when only mastery moved
    since it was stored, and made afresh when the goals, the course or the ability
    changed (replan keeps the previous plan's goals and costs model). When nothing
    changed at all the stored row is returned untouched. ``problem`` is the course as
    the planner sees it, when the caller has it already (refreshing a whole course).
    """
    if problem is None:
        problem = _course_problem(course)
    state = LearnerState.objects.filter(learner=learner, course=course).first()
    # Ability moves a little with every calibrated answer; costs hardly notice a tenth
    # of a logit (well inside its standard error), and a steady value lets the next
    # refresh repair the plan instead of making it afresh.
    theta = round(float(state.theta), 1) if state else 0.0
    mastery = learner_model(learner=learner, course=course, graph=problem.graph).mastery
    goals, default_goals = _goal_keys(learner, course, problem.graph)
    cost_model = CostModel(item_params=problem.item_params, theta=theta)
    basis = _digest({
        "format": PLAN_FORMAT,
        "units": [[u.id, list(u.covers), u.cost, u.title, u.kind] for u in problem.units],
        "edges": sorted(problem.graph.edges),
        "names": problem.names,
        "params": problem.item_params,
        "theta": theta,
        # How effort is priced: a stored plan costed under other settings (an older
        # release) is planned afresh rather than repaired with mixed costs.
        "cost": [cost_model.streak, cost_model.distance_weight, cost_model.p_floor,
                 cost_model.learning_rate, cost_model.ceiling],
        "goals": goals,
        "threshold": MASTERY_THRESHOLD,
    })
    fingerprint = _digest({"basis": basis, "mastery": mastery})

    row, _ = LearnerPlan.objects.select_for_update().get_or_create(learner=learner, course=course)
    stored: dict[str, Any] = row.plan or {}
    if stored.get("fingerprint") == fingerprint:
        return row

    planner = PathPlanner(problem.graph, problem.units, names=problem.names,
                          cost_model=cost_model)
    previous = None
    if stored.get("basis") == basis:
        try:
            previous = Plan.from_dict(stored)
        except PathPlanningError:
            previous = None  # unreadable: plan afresh rather than fail the answer
    if previous is not None:
        plan, how = planner.replan(previous, mastery), "replan"
        if plan.ratio > PATH_OPTIMAL_WITHIN:
            # The bound carried from the last full plan is loose: the page would say "at
            # most 4 % longer than the best" where a fresh plan says "as little as any
            # path can take". Solve for the exact bound then, and only then; it bounds
            # the same instance, so the repair keeps its cover if that is the cheaper.
            exact = planner.replan(previous, mastery, exact_bound=True)
            plan = exact if exact.total_cost <= plan.total_cost else dataclasses.replace(
                plan, lower_bound=exact.lower_bound, bound=exact.bound, duals=exact.duals,
                guide=exact.guide)
    else:
        plan, how = planner.plan(mastery, goals, threshold=MASTERY_THRESHOLD), "plan"

    units = {u.id: u for u in problem.units}
    info: dict[str, dict[str, str]] = {}
    for step in plan.steps:
        unit = units.get(step.unit)
        if unit is None:  # the core's single-concept practice
            concept = step.covers[0]
            info[step.unit] = {"title": f"Practice on {problem.names.get(concept, concept)}",
                               "kind": LearningUnit.Kind.PRACTICE, "lesson": ""}
        else:
            info[step.unit] = {"title": unit.title or unit.id, "kind": unit.kind,
                               "lesson": problem.lessons.get(unit.id, "")}
    row.plan = {
        **plan.to_dict(),
        "format": PLAN_FORMAT,
        "fingerprint": fingerprint,
        "basis": basis,
        "default_goals": default_goals,
        "units": info,
        "made_by": how,
    }
    row.save()
    return row


@dataclass(frozen=True)
class PlansRefreshed:
    """What :func:`course_plans_refresh` did, counted by stored plan."""

    unchanged: int
    repaired: int
    planned: int
    failed: int


def course_plans_refresh(*, course: Course) -> PlansRefreshed:
    """Bring every stored plan of ``course`` up to date, one learner at a time.

    A learner's own pages refresh their plan on every visit, but the studio's
    learner table reads the stored ones: after a recalibration (new difficulties and
    abilities) or a release that prices effort differently, learners who have not
    been back would show effort costed under the old numbers. Each plan is refreshed
    in its own transaction, so one that cannot be planned (counted in ``failed``)
    leaves the others done and keeps its previous plan.
    """
    counts = {"unchanged": 0, "repaired": 0, "planned": 0, "failed": 0}
    learners = list(LearnerPlan.objects.filter(course=course).order_by("learner_id")
                    .values_list("learner_id", "plan"))
    users = {u.pk: u for u in User.objects.filter(pk__in=[lid for lid, _ in learners])}
    problem = _course_problem(course)  # once for the course, not once per learner
    for learner_id, before in learners:
        try:
            with transaction.atomic():
                row = plan_refresh(learner=users[learner_id], course=course, problem=problem)
        except Exception:  # noqa: BLE001 - one learner's plan must not stop the others
            logger.exception("could not refresh the plan of learner %s in %s", learner_id,
                             course.slug)
            counts["failed"] += 1
            continue
        after = row.plan or {}
        if isinstance(before, dict) and after.get("fingerprint") == before.get("fingerprint"):
            counts["unchanged"] += 1
        elif after.get("made_by") == "replan":
            counts["repaired"] += 1
        else:
            counts["planned"] += 1
    return PlansRefreshed(**counts)
