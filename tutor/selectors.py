"""Reads. Each function returns what one page needs, with its queries bounded."""

from __future__ import annotations

import functools
import logging
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from knowledge_graph.diagnosis import WEAK_THRESHOLD
from knowledge_graph.graph import SkillGraph
from knowledge_graph.learner import LearnerModel
from tutor.coursefiles import (
    ChoiceSpec,
    ConceptSpec,
    CourseSpec,
    ItemSpec,
    LessonSpec,
    MisconceptionSpec,
    UnitSpec,
)
from tutor.knowledge_map import (
    BANDS,
    UNASSESSED,
    Band,
    MapLayout,
    band_for,
    layered_layout,
    percent,
)
from tutor.models import (
    Attempt,
    Concept,
    Course,
    CourseCalibration,
    DiagnosticSession,
    Enrolment,
    Item,
    LearnerGoal,
    LearnerPlan,
    LearnerState,
    LearningUnit,
    Lesson,
    Prerequisite,
    User,
)

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from planner.diagnostic import DiagnosticItem


def course_spec_export(*, course: Course) -> CourseSpec:
    """Everything a course holds, as the spec the course files are written from."""
    concepts = list(course.concepts.prefetch_related("prerequisites").order_by("order"))
    spec = CourseSpec(slug=course.slug, title=course.title, description=course.description)
    spec.concepts = [
        ConceptSpec(c.key, c.name, c.summary,
                    [p.key for p in sorted(c.prerequisites.all(), key=lambda p: p.order)])
        for c in concepts
    ]
    spec.misconceptions = [MisconceptionSpec(m.key, m.description)
                           for m in course.misconceptions.order_by("pk")]
    spec.units = [
        UnitSpec(u.key, u.title, [c.key for c in sorted(u.covers.all(), key=lambda c: c.order)],
                 u.kind, u.minutes)
        for u in course.units.prefetch_related("covers").order_by("pk")
    ]
    spec.lessons = [
        LessonSpec(le.slug, le.title, [c.key for c in sorted(le.concepts.all(),
                                                              key=lambda c: c.order)],
                   le.order, le.body)
        for le in course.lessons.prefetch_related("concepts").order_by("order", "pk")
    ]
    items = (course.items.filter(is_active=True).order_by("order")
             .prefetch_related("concepts", "choices__misconception"))
    for it in items:
        spec.items.append(ItemSpec(
            id=it.key, kind=it.kind,
            concepts=[c.key for c in it.concepts.all()],
            prompt=it.prompt, explanation=it.explanation, difficulty=it.difficulty,
            hints=list(it.hints),
            choices=[ChoiceSpec(ch.text, ch.is_correct,
                                ch.misconception.key if ch.misconception else None)
                     for ch in it.choices.all()],
            answer=it.answer_text, tolerance=it.tolerance, netlist=it.netlist, ask=it.ask,
            constraints=list(it.constraints),
            file=it.source_file,
        ))
    return spec


@dataclass(frozen=True)
class CourseProgress:
    course: Course
    items_total: int
    items_correct: int
    attempts: int

    @property
    def percent(self) -> int:
        return round(100 * self.items_correct / self.items_total) if self.items_total else 0


def student_courses(*, learner: User) -> list[CourseProgress]:
    """Enrolled courses with progress, in a fixed number of queries."""
    courses = list(
        Course.objects.filter(enrolments__learner=learner)
        .annotate(items_total=Count("items", filter=Q(items__is_active=True), distinct=True))
        .order_by("title")
    )
    correct: dict[int, set[int]] = defaultdict(set)
    attempts: dict[int, int] = defaultdict(int)
    rows = Attempt.objects.filter(learner=learner, item__course__in=courses).values_list(
        "item__course_id", "item_id", "verdict"
    )
    for course_id, item_id, verdict in rows:
        attempts[course_id] += 1
        if verdict == Attempt.Verdict.CORRECT:
            correct[course_id].add(item_id)
    return [CourseProgress(c, c.items_total, len(correct[c.pk]), attempts[c.pk])  # type: ignore[attr-defined]
            for c in courses]


def course_catalogue(*, user: User) -> QuerySet[Course]:
    return Course.objects.exclude(enrolments__learner=user).select_related("owner")


def course_outline(*, course: Course) -> list[Concept]:
    """Concepts in syllabus order with prerequisites and lessons prefetched."""
    return list(
        course.concepts.order_by("order").prefetch_related(
            Prefetch("prerequisites", queryset=Concept.objects.order_by("order")),
            Prefetch("lessons", queryset=Lesson.objects.order_by("order")),
        )
    )


def course_lessons(*, course: Course) -> QuerySet[Lesson]:
    return course.lessons.order_by("order")


@functools.cache
def course_format_doc() -> tuple[str, str] | None:
    """``docs/course-format.md`` as (title, rendered body), for teachers writing course
    files; None if the document is not installed.

    Read from the checkout once per process: the page and the repository's document
    are the same text, so they cannot drift apart. The title is the document's first
    heading (course HTML keeps no h1: the page has its own).
    """
    from tutor.rendering import render_markdown

    try:
        text = (settings.BASE_DIR / "docs" / "course-format.md").read_text(encoding="utf-8")
    except OSError:
        return None
    first, _, rest = text.partition("\n")
    if first.startswith("# "):
        return first[2:].strip(), render_markdown(rest)
    return "Course file format", render_markdown(text)


def teacher_courses(*, user: User) -> QuerySet[Course]:
    qs = Course.objects.all() if (user.is_admin_role or user.is_superuser) else \
        Course.objects.filter(owner=user)
    return qs.select_related("owner").annotate(
        n_concepts=Count("concepts", distinct=True),
        n_items=Count("items", filter=Q(items__is_active=True), distinct=True),
        n_learners=Count("enrolments", distinct=True),
    ).order_by("title")


def lesson_items(*, lesson: Lesson) -> QuerySet[Item]:
    return (Item.objects.filter(course=lesson.course, is_active=True,
                                concepts__in=lesson.concepts.all())
            .distinct().order_by("order"))


def lesson_neighbours(*, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    lessons = list(lesson.course.lessons.order_by("order").only("slug", "title", "order"))
    i = next(i for i, le in enumerate(lessons) if le.pk == lesson.pk)
    return (lessons[i - 1] if i > 0 else None, lessons[i + 1] if i + 1 < len(lessons) else None)


def _path_item(steps: list[Sequence[str]], items: list[Item]) -> tuple[int, Item] | None:
    """The earliest step (its index; each given by its concepts' keys) with an item left
    on its concepts, and the first such item in syllabus order; ``items`` are those
    still to practise, in order."""
    by_concept: dict[str, list[Item]] = defaultdict(list)
    for it in items:
        for c in it.concepts.all():
            by_concept[c.key].append(it)
    for k, covers in enumerate(steps):
        found = [by_concept[c][0] for c in covers if by_concept.get(c)]
        if found:
            return k, min(found, key=lambda it: it.order)
    return None


def practice_start(*, learner: User, course: Course,
                   path: LearnerPath | None) -> PathStep | None:
    """The step of ``path`` that "practise next" opens an item of (see
    :func:`next_item_for`): the earliest with an item left, not always the first."""
    if path is None or not path.steps:
        return None
    items, done = _practice_items(learner=learner, course=course)
    found = _path_item([s.concept_keys for s in path.steps],
                       [it for it in items if it.pk not in done])
    return None if found is None else path.steps[found[0]]


def _practice_items(*, learner: User, course: Course) -> tuple[list[Item], set[int]]:
    """The course's active items in syllabus order, with their concepts' keys, and the
    ids of those the learner has answered right. Two queries (and a prefetch)."""
    done = set(Attempt.objects.filter(learner=learner, item__course=course,
                                      verdict=Attempt.Verdict.CORRECT)
               .values_list("item_id", flat=True))
    items = list(course.items.filter(is_active=True).order_by("order")
                 .only("pk", "key", "order").prefetch_related(
                     Prefetch("concepts", queryset=Concept.objects.only("pk", "key"))))
    return items, done


def next_item_for(*, learner: User, course: Course, after: Item | None = None) -> Item | None:
    """The item to practise next: on the learner's path first, else in syllabus order.

    With a stored path (every judged answer and the diagnostic's end refresh it), the
    first item in syllabus order, not yet answered correctly and not ``after`` (the
    one just answered), tagged with a concept of the earliest step that has such an
    item: so after the diagnostic, practice starts on what it found weak. Without a
    path, or when the path's concepts have nothing left to answer, it walks forward
    in syllabus order from ``after`` and wraps around. Four queries.
    """
    items, done = _practice_items(learner=learner, course=course)
    skip = None if after is None else after.pk
    row = LearnerPlan.objects.filter(learner=learner, course=course).only("plan").first()
    steps = (row.plan or {}).get("steps", []) if row is not None else []
    covers = [step.get("covers", []) if isinstance(step, dict) else []
              for step in (steps if isinstance(steps, list) else [])]
    on_path = _path_item(covers, [it for it in items if it.pk not in done and it.pk != skip])
    if on_path is not None:
        return on_path[1]
    if after is not None:
        items = [i for i in items if i.order > after.order] + \
            [i for i in items if i.order <= after.order]
    return next((i for i in items if i.pk not in done and i.pk != skip), None)


def attempt_for_learner(*, learner: User, attempt_id: int,
                        item: Item | None = None) -> Attempt | None:
    """One of the learner's answers; of ``item`` only, when given (a practice page shows
    its own item's answers, not another's feedback under this item's prompt)."""
    found = Attempt.objects.select_related("item", "misconception").filter(
        learner=learner, pk=attempt_id)
    if item is not None:
        found = found.filter(item=item)
    return found.first()


def answered_right_since(*, learner: User, item: Item, since: datetime) -> bool:
    """Whether the learner has answered ``item`` right at or after ``since``."""
    return Attempt.objects.filter(learner=learner, item=item, created_at__gte=since,
                                  verdict=Attempt.Verdict.CORRECT).exists()


#: Answers to an item the practice page lists.
ITEM_HISTORY = 5


def item_attempts(*, learner: User, item: Item, limit: int = ITEM_HISTORY) -> list[Attempt]:
    return list(Attempt.objects.filter(learner=learner, item=item).order_by("-created_at")[:limit])


def course_enrolments(*, course: Course) -> QuerySet[Enrolment]:
    return course.enrolments.select_related("learner").order_by("learner__username")


@dataclass(frozen=True)
class ConstraintShown:
    words: str  # "exactly 1 source", for the student
    text: str  # "count(VIEFGH) = 1", as written in the course file


def design_constraints(*, item: Item) -> list[ConstraintShown]:
    """A design item's constraints in words, each with its expression.

    The page listed the expressions alone ("count(VIEFGH) = 1"), which read as code.
    """
    from circuits.design import constraint_in_words
    from circuits.errors import CircuitError

    shown = []
    for text in item.constraints:
        try:
            words = constraint_in_words(text, rel_tol=item.tolerance)
        except CircuitError:  # checked at import; an old row shows as written
            words = text
        shown.append(ConstraintShown(words, text))
    return shown


def item_schematic(*, netlist: str) -> str:
    """The SVG schematic of a netlist, drawn once per process and netlist.

    Drawing takes tens of milliseconds (a second for the first, which loads
    schemdraw), so it is cached; the SVG comes from the parsed circuit, never
    from the raw text, and schemdraw escapes its labels.
    """
    import hashlib

    from django.core.cache import cache

    from circuits.draw import draw_svg
    from circuits.errors import CircuitError

    key = "schematic:" + hashlib.sha256(netlist.encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        try:
            svg = draw_svg(netlist)
        except CircuitError:
            svg = ""
        cache.set(key, svg, timeout=None)
    return str(svg)


# -- the learner model, read by the learning (knowledge, diagnostic) and paths features --


def course_skill_graph(*, course: Course) -> SkillGraph:
    """The course's prerequisite DAG over concept keys, in syllabus order.

    Import refuses cycles, so building it cannot fail for a stored course.
    """
    keys = list(course.concepts.order_by("order").values_list("key", flat=True))
    edges = Prerequisite.objects.filter(after__course=course).values_list(
        "before__key", "after__key"
    )
    return SkillGraph(keys, list(edges))


def learner_model(
    *, learner: User, course: Course, graph: SkillGraph | None = None
) -> LearnerModel:
    """The learner's mastery model for a course (fresh, at each concept's prior, if none yet).

    ``LearnerState.state`` holds :meth:`LearnerModel.to_dict` output, read through
    :meth:`LearnerModel.from_dict` only (here, and for a whole class in
    :func:`course_overview`), so the format has one owner.
    """
    graph = graph or course_skill_graph(course=course)
    row = LearnerState.objects.filter(learner=learner, course=course).first()
    return LearnerModel.from_dict(graph, row.state if row and row.state else {})


def learner_mastery(*, learner: User, course: Course) -> dict[str, float]:
    """P(known) per concept key for one learner in one course."""
    return learner_model(learner=learner, course=course).mastery


# -- the learning feature: diagnostic, "My knowledge", item calibration -----------------

#: Item kinds the diagnostic asks: answered with one choice or one value. A circuit
#: answer is simulated by a Celery task and the page polls for it; design items (a
#: circuit to build) take too long for a short test. benchmarks/bench_diagnostic.py
#: measures the same kinds.
DIAGNOSTIC_KINDS = (Item.Kind.MULTIPLE_CHOICE, Item.Kind.NUMERIC, Item.Kind.CIRCUIT)
#: Item kinds whose answers are right or wrong on one scale: what IRT calibrates.
CALIBRATED_KINDS = (Item.Kind.MULTIPLE_CHOICE, Item.Kind.NUMERIC, Item.Kind.CIRCUIT)
JUDGED = (Attempt.Verdict.CORRECT, Attempt.Verdict.INCORRECT)


def is_calibrated(a: float | None, b: float | None) -> bool:
    """Whether stored 2PL parameters can be used (else the teacher's difficulty is).

    One rule for the diagnostic, the learner model and the planner's costs: a NaN or
    infinite value (a hand edit, a database that accepts them) counts as unmeasured.
    """
    return (a is not None and b is not None and math.isfinite(a) and math.isfinite(b)
            and a > 0)


def item_is_calibrated(item: Item) -> bool:
    return is_calibrated(item.irt_a, item.irt_b)


def diagnostic_bank(*, course: Course) -> tuple[list[DiagnosticItem], dict[str, Item]]:
    """The diagnostic's items as the planner sees them, and the rows by key.

    Calibrated items bring their 2PL values; the others the teacher's difficulty.
    """
    from planner.diagnostic import DiagnosticItem  # numpy and friends: loaded when needed

    rows = list(course.items.filter(is_active=True, kind__in=DIAGNOSTIC_KINDS)
                .order_by("order").prefetch_related("concepts", "choices"))
    bank: list[DiagnosticItem] = []
    by_key: dict[str, Item] = {}
    for it in rows:
        concepts = [c.key for c in sorted(it.concepts.all(), key=lambda c: c.order)]
        if not concepts:
            continue
        calibrated = item_is_calibrated(it)
        bank.append(DiagnosticItem.from_irt(
            it.key, concepts,
            a=float(it.irt_a) if calibrated else 1.0,  # type: ignore[arg-type]
            b=float(it.irt_b) if calibrated else it.difficulty,  # type: ignore[arg-type]
            n_choices=len(it.choices.all()) if it.kind == Item.Kind.MULTIPLE_CHOICE else None,
        ))
        by_key[it.key] = it
    return bank, by_key


def diagnostic_running(*, learner: User, course: Course) -> DiagnosticSession | None:
    return DiagnosticSession.objects.filter(
        learner=learner, course=course, status=DiagnosticSession.Status.RUNNING
    ).first()


def diagnostic_finished(*, learner: User, course: Course) -> DiagnosticSession | None:
    """The learner's latest finished diagnostic in the course."""
    return (DiagnosticSession.objects
            .filter(learner=learner, course=course, status=DiagnosticSession.Status.FINISHED)
            .order_by("-finished_at", "-pk").first())


@dataclass(frozen=True)
class DiagnosticStep:
    item: Item
    number: int  # 1-based position of this question
    max_items: int  # the most questions this diagnostic asks


def diagnostic_step(*, session: DiagnosticSession) -> DiagnosticStep | None:
    """The question to ask now in a running diagnostic, or None when it is over.

    The diagnostic is rebuilt from its stored answers; with its stored seed the choice
    is the same on every reload, so a GET never needs to write.
    """
    from planner.diagnostic import Diagnostic, DiagnosticError

    graph = course_skill_graph(course=session.course)
    bank, by_key = diagnostic_bank(course=session.course)
    try:
        d = Diagnostic.from_dict(graph, bank, session.state)
    except DiagnosticError:
        return None  # the course changed under a running diagnostic
    item = d.next_item()
    if item is None:
        return None
    return DiagnosticStep(by_key[item.id], len(d.asked) + 1, min(d.max_items, len(bank)))


@dataclass(frozen=True)
class ConceptVerdict:
    concept: Concept
    mastery: float
    lessons: list[Lesson]

    @property
    def percent(self) -> int:
        return percent(self.mastery)  # as "My knowledge" shows it


@dataclass(frozen=True)
class SuspectedMisconception:
    key: str
    description: str
    count: int


# Circuit diagnosis kinds that are reported under their own name (see
# knowledge_graph.diagnosis) when the course has no misconception of that id.
DIAGNOSIS_DESCRIPTIONS = {
    "prefix-error": "Answers come out a factor of 1000 off: a unit prefix slipped.",
    "sign-convention": "Answers have the right size but the wrong sign.",
    "unit-kind": "Answers give a different kind of quantity from the one asked for.",
    "radians": "Phases are given in radians where degrees are asked for.",
}


@dataclass(frozen=True)
class DiagnosticReport:
    session: DiagnosticSession
    mastered: list[ConceptVerdict]
    weak: list[ConceptVerdict]
    uncertain: list[ConceptVerdict]
    misconceptions: list[SuspectedMisconception]
    asked: int

    @property
    def mastered_percent(self) -> int:
        """The P(known) that counts as mastered, as the page states it."""
        from knowledge_graph.diagnosis import MASTERED_THRESHOLD

        return round(100 * MASTERED_THRESHOLD)


def diagnostic_report(*, session: DiagnosticSession) -> DiagnosticReport:
    """A finished diagnostic's result with concepts, their lessons and misconception texts."""
    result = session.result or {}
    concepts = {c.key: c for c in course_outline(course=session.course)}
    mastery = result.get("mastery", {})

    def verdicts(keys: list[str]) -> list[ConceptVerdict]:
        return [ConceptVerdict(concepts[k], float(mastery.get(k, 0.0)),
                               list(concepts[k].lessons.all()))
                for k in keys if k in concepts]

    texts = dict(session.course.misconceptions.values_list("key", "description"))
    counts = {e["misconception"]: e["count"] for e in result.get("evidence", [])}
    suspected = [SuspectedMisconception(k, texts.get(k) or DIAGNOSIS_DESCRIPTIONS.get(k, k),
                                        int(counts.get(k, 0)))
                 for k in result.get("misconceptions", [])]
    return DiagnosticReport(session, verdicts(result.get("mastered", [])),
                            verdicts(result.get("weak", [])),
                            verdicts(result.get("uncertain", [])), suspected,
                            len(result.get("asked", [])))


@dataclass(frozen=True)
class KnowledgeRow:
    concept: Concept
    mastery: float
    band: Band
    attempts: int
    lessons: list[Lesson]

    @property
    def percent(self) -> int:
        return percent(self.mastery)  # as the map does: band and % agree

    @property
    def assessed(self) -> bool:
        return self.band is not UNASSESSED


#: How far from the starting guess a concept's mastery must move, with no answer on it,
#: to count as assessed: every answer nudges most of the graph by a point or two, and
#: with any move counting five design answers turned "Not assessed yet" on 34 of 35
#: concepts back into "Shaky, 30 %".
ASSESSED_MOVE = 0.05


def assessed_concepts(model: LearnerModel, start: Mapping[str, float]) -> set[str]:
    """The concepts some answer of the learner bears on: answered, or moved from
    ``start`` (the fresh model's mastery) by at least :data:`ASSESSED_MOVE`, by the
    diagnostic or along the graph.

    The rest still sit at the population's starting guess, which is no verdict on this
    learner: "Shaky, 30 %" of every concept to someone who has answered nothing, and
    the class's weakest concepts on the overview when nobody had reached them.
    """
    tried = model.attempts
    return {c for c, p in model.mastery.items()
            if tried.get(c) or abs(p - start.get(c, -1.0)) >= ASSESSED_MOVE}


@dataclass(frozen=True)
class KnowledgeMap:
    layout: MapLayout
    rows: list[KnowledgeRow]
    bands: tuple[Band, ...]


def knowledge_map(*, learner: User, course: Course) -> KnowledgeMap:
    """Everything the "My knowledge" page shows, in a fixed number of queries."""
    graph = course_skill_graph(course=course)
    model = learner_model(learner=learner, course=course, graph=graph)
    mastery = model.mastery
    assessed = assessed_concepts(model, LearnerModel(graph).mastery)
    concepts = course_outline(course=course)
    counts: dict[str, int] = dict(
        Attempt.objects.filter(learner=learner, item__course=course, verdict__in=JUDGED)
        .values("item__concepts__key").annotate(n=Count("pk"))
        .values_list("item__concepts__key", "n")
    )
    layout = layered_layout(graph, mastery, {c.key: c.name for c in concepts},
                            assessed=assessed)
    rows = [KnowledgeRow(c, mastery.get(c.key, 0.0),
                         band_for(mastery.get(c.key, 0.0), assessed=c.key in assessed),
                         counts.get(c.key, 0), list(c.lessons.all())) for c in concepts]
    shown = BANDS if len(assessed) == len(rows) else (*BANDS, UNASSESSED)
    return KnowledgeMap(layout, rows, shown)


@dataclass(frozen=True)
class ItemStats:
    item: Item
    attempts: int
    learners: int

    @property
    def calibrated(self) -> bool:
        return item_is_calibrated(self.item)


def studio_item_stats(*, course: Course) -> list[ItemStats]:
    """Every active item with its teacher difficulty, IRT values and enrolled learners'
    judged answers."""
    # enrolled learners' answers, as calibration counts them (not the teacher's tries)
    judged = Q(attempts__verdict__in=JUDGED,
               attempts__learner__in=course.enrolments.values("learner_id"))
    items = (course.items.filter(is_active=True).order_by("order")
             .annotate(n_attempts=Count("attempts", filter=judged),
                       n_learners=Count("attempts__learner", distinct=True, filter=judged)))
    return [ItemStats(it, it.n_attempts, it.n_learners) for it in items]


def course_calibration(*, course: Course) -> CourseCalibration | None:
    return CourseCalibration.objects.filter(course=course).first()


def calibration_ran_since(*, course: Course, since: datetime | None) -> bool:
    """Whether a recalibration of ``course`` ended at or after ``since``: with no broker
    the task runs as the request commits, and "queued" would then be stale."""
    return since is not None and CourseCalibration.objects.filter(
        course=course, last_run_at__gte=since).exists()


#: The class overview's window for "recent" activity.
OVERVIEW_RECENT_DAYS = 7
#: How many concepts the overview puts under "needs attention".
OVERVIEW_ATTENTION = 5


@dataclass(frozen=True)
class ConceptOverview:
    """One concept across the class: how many learners sit in each mastery band."""

    concept: Concept
    bands: list[tuple[Band, int]]  # every band, in order, with its count of learners
    learners: int  # learners the counts are over: those whose answers reach the concept
    mean_mastery: float
    answers: int
    right: int
    not_reached: int = 0  # learners who have answered, but nothing that bears on it yet

    @property
    def below_half(self) -> int:
        """Learners the model thinks more likely not to know the concept than to know it."""
        return sum(n for band, n in self.bands if band.low < WEAK_THRESHOLD)

    @property
    def present(self) -> list[tuple[Band, int]]:
        """The bands that hold at least one learner, in order."""
        return [(band, n) for band, n in self.bands if n]

    @property
    def mean_percent(self) -> int:
        return percent(self.mean_mastery)

    @property
    def right_percent(self) -> int | None:
        return round(100 * self.right / self.answers) if self.answers else None


@dataclass(frozen=True)
class MisconceptionOverview:
    key: str
    description: str
    learners: int
    times: int
    last_seen: datetime


@dataclass(frozen=True)
class CourseOverview:
    enrolled: int
    answered: int  # enrolled learners with a learner model, i.e. at least one judged answer
    unreadable: int  # learners whose stored model could not be read (left out)
    recent_learners: int
    recent_answers: int
    recent_days: int
    concepts: list[ConceptOverview]
    misconceptions: list[MisconceptionOverview]
    bands: tuple[Band, ...] = BANDS

    @property
    def attention(self) -> list[ConceptOverview]:
        """The concepts with the most learners below 50 %, worst first (none if nobody is)."""
        ranked = sorted((c for c in self.concepts if c.below_half),
                        key=lambda c: (-c.below_half, c.mean_mastery, c.concept.order))
        return ranked[:OVERVIEW_ATTENTION]


def course_overview(*, course: Course, now: datetime | None = None) -> CourseOverview:
    """The class overview of a course for its teacher: mastery by concept, misconceptions
    shown, recent activity; over enrolled learners only (a teacher's own tries are not
    the class). A fixed number of queries for any number of learners.
    """
    since = (now or timezone.now()) - timedelta(days=OVERVIEW_RECENT_DAYS)
    graph = course_skill_graph(course=course)
    concepts = list(course.concepts.order_by("order"))
    enrolled_ids = list(course.enrolments.values_list("learner_id", flat=True))
    # Learners who have never answered sit at the prior; counting them would paint a
    # class that has not started as "weak" everywhere, so the bands are over the others.
    states = list(LearnerState.objects.filter(course=course, learner_id__in=enrolled_ids)
                  .values_list("state", flat=True))
    # Over the concepts each learner's answers have reached (assessed_concepts):
    # counted in its band, a concept nobody had started looked like the class's weakest.
    start = LearnerModel(graph).mastery
    masteries: list[dict[str, float]] = []
    unreadable = 0
    for s in states:
        if not s:
            continue
        try:
            model = LearnerModel.from_dict(graph, s)
            reached = assessed_concepts(model, start)
            masteries.append({c: p for c, p in model.mastery.items() if c in reached})
        except (ValueError, TypeError, AttributeError, KeyError):
            # one damaged record must not take the whole class's page down; it is
            # counted and said on the page
            unreadable += 1
            log.warning("unreadable learner state in course %s", course.pk)
    answers = Attempt.objects.filter(item__course=course, learner_id__in=enrolled_ids,
                                     verdict__in=JUDGED)
    per_concept = {
        row["item__concepts__key"]: row
        for row in answers.values("item__concepts__key").annotate(
            n=Count("pk"), right=Count("pk", filter=Q(verdict=Attempt.Verdict.CORRECT)))
    }
    recent = answers.filter(created_at__gte=since).aggregate(
        n=Count("pk"), learners=Count("learner", distinct=True))
    rows = []
    for c in concepts:
        ps = [m[c.key] for m in masteries if c.key in m]
        counts = {b.key: 0 for b in BANDS}
        for p in ps:
            counts[band_for(p).key] += 1
        stats = per_concept.get(c.key, {})
        rows.append(ConceptOverview(
            concept=c, bands=[(b, counts[b.key]) for b in BANDS], learners=len(ps),
            mean_mastery=sum(ps) / len(ps) if ps else 0.0,
            answers=stats.get("n", 0), right=stats.get("right", 0),
            not_reached=len(masteries) - len(ps)))
    shown = (Attempt.objects.filter(item__course=course, learner_id__in=enrolled_ids,
                                    misconception__isnull=False)
             .values("misconception__key", "misconception__description")
             .annotate(learners=Count("learner", distinct=True), times=Count("pk"),
                       last=Max("created_at"))
             .order_by("-learners", "-times", "misconception__key"))
    misconceptions = [MisconceptionOverview(m["misconception__key"],
                                            m["misconception__description"], m["learners"],
                                            m["times"], m["last"]) for m in shown]
    return CourseOverview(enrolled=len(enrolled_ids), answered=len(masteries),
                          unreadable=unreadable,
                          recent_learners=recent["learners"], recent_answers=recent["n"],
                          recent_days=OVERVIEW_RECENT_DAYS, concepts=rows,
                          misconceptions=misconceptions)


# -- learning paths: the learner's stored plan, for "My path", practice and the studio --

#: The planner counts effort in practice items, about two minutes each (services.plans).
PATH_MINUTES_PER_ITEM = 2.0
#: A plan this close to its lower bound is called as short as any can be.
PATH_OPTIMAL_WITHIN = 1.005


def _duration(minutes: float) -> str:
    if minutes < 90:
        return f"roughly {max(1, round(minutes))} minutes"
    hours = minutes / 60
    if hours < 10:
        return f"roughly {round(hours * 2) / 2:g} hours"  # to the half hour
    return f"roughly {round(hours)} hours"


@dataclass(frozen=True)
class PathStep:
    """One step of a learner's path, ready to show."""

    number: int
    unit: str
    title: str
    kind: str
    concepts: tuple[str, ...]  # names, in prerequisite order
    effort: float  # expected practice items for this learner
    reason: str
    start_url: str
    part: int = 1
    concept_keys: tuple[str, ...] = ()  # the concepts' keys, in the same order
    # False once every item on its concepts is answered right: "practise next" then
    # goes on to a later step (see next_item_for), and the page says why
    questions_left: bool = True

    @property
    def kind_label(self) -> str:
        return str(dict(LearningUnit.Kind.choices).get(self.kind, self.kind))

    @property
    def covers_note(self) -> str:
        """The concepts, unless the title already says them (a lesson named after one)."""
        return "" if self.concepts == (self.title,) else ", ".join(self.concepts)

    @property
    def items(self) -> int:
        return step_items(self.effort)

    @property
    def minutes(self) -> int:
        # from the items shown, so that the minutes of the steps add up as they do
        return max(1, math.floor(self.items * PATH_MINUTES_PER_ITEM + 0.5))


def step_items(effort: float) -> int:
    """A step's expected practice items as shown: whole (halves up), and at least one."""
    return max(1, math.floor(effort + 0.5))


@dataclass(frozen=True)
class LearnerPath:
    """A learner's stored plan for a course, with names and links instead of ids."""

    steps: tuple[PathStep, ...]
    goals: tuple[str, ...]
    default_goals: bool
    total_cost: float
    lower_bound: float
    uncovered: tuple[str, ...]
    unreachable_goals: tuple[str, ...]
    updated_at: datetime

    @property
    def next(self) -> PathStep | None:
        return self.steps[0] if self.steps else None

    @property
    def later(self) -> tuple[PathStep, ...]:
        return self.steps[1:]

    @property
    def quality(self) -> str:
        """How good the plan is, in plain words: its effort against the proven minimum."""
        if not self.steps:
            return ""
        # The sums of the steps as they are shown, so that the page adds up.
        shown = sum(s.items for s in self.steps)
        effort = (f"about {shown} practice items "
                  f"({_duration(sum(s.minutes for s in self.steps))})")
        if self.lower_bound <= 0:
            return f"Estimated effort: {effort}."
        ratio = self.total_cost / self.lower_bound
        if ratio <= PATH_OPTIMAL_WITHIN:
            return (f"Estimated effort: {effort}. That is as little as any path to these goals "
                    "can take with this course's units.")
        extra = math.ceil((ratio - 1.0) * 100)
        # Never a bound above the total shown: rounding each step can sum below it.
        bound = min(math.floor(self.lower_bound), shown)
        return (f"Estimated effort: {effort}. No path to these goals can take fewer than "
                f"{bound} items, so this one is at most {extra} % longer "
                "than the best possible.")


def _path_start_urls(*, learner: User, course: Course
                     ) -> tuple[dict[str, str], dict[str, str], set[str]]:
    """Where to start each concept: its first lesson, and an item to practise it on.

    Three queries whatever the course's size. The item is the first in syllabus order
    the learner has not yet answered correctly (else the first), so "Start" on a
    practice step never lands on something already done. The set holds the concepts
    that still have such an item.
    """
    lesson_of: dict[str, str] = {}
    for key, slug in (Lesson.concepts.through.objects.filter(lesson__course=course)
                      .order_by("lesson__order", "lesson_id")
                      .values_list("concept__key", "lesson__slug")):
        lesson_of.setdefault(key, slug)
    done = set(Attempt.objects.filter(learner=learner, item__course=course,
                                      verdict=Attempt.Verdict.CORRECT)
               .values_list("item_id", flat=True))
    item_of: dict[str, str] = {}
    fallback: dict[str, str] = {}
    for key, item_id, item_key in (Item.concepts.through.objects
                                   .filter(item__course=course, item__is_active=True)
                                   .order_by("item__order", "item_id")
                                   .values_list("concept__key", "item_id", "item__key")):
        fallback.setdefault(key, item_key)
        if item_id not in done:
            item_of.setdefault(key, item_key)
    return lesson_of, {**fallback, **item_of}, set(item_of)


def learner_path(*, learner: User, course: Course) -> LearnerPath | None:
    """The learner's current path in ``course``, or None before one was made.

    A "Start" link goes to the unit's lesson; for practice, or a unit without a
    lesson, to an item on the step's first concept.
    """
    row = LearnerPlan.objects.filter(learner=learner, course=course).first()
    if row is None or not isinstance(row.plan, dict) or "steps" not in row.plan:
        return None
    data = row.plan
    names = dict(course.concepts.values_list("key", "name"))
    lesson_of, item_of, open_concepts = _path_start_urls(learner=learner, course=course)
    units = data.get("units", {})

    def start(unit: str, covers: list[str], kind: str) -> str:
        lesson = units.get(unit, {}).get("lesson", "")
        if not lesson and kind != LearningUnit.Kind.PRACTICE:
            lesson = next((lesson_of[c] for c in covers if c in lesson_of), "")
        if lesson:
            return reverse("lesson", args=[course.slug, lesson])
        item = next((item_of[c] for c in covers if c in item_of), "")
        if item:
            return reverse("practice", args=[course.slug, item])
        return reverse("practice-next", args=[course.slug])

    steps = []
    for n, s in enumerate(data["steps"], 1):
        info = units.get(s["unit"], {})
        kind = info.get("kind", LearningUnit.Kind.LESSON)
        steps.append(PathStep(
            number=n, unit=s["unit"], title=info.get("title", s["unit"]), kind=kind,
            concepts=tuple(names.get(c, c) for c in s["covers"]), effort=float(s["cost"]),
            reason=s["reason"], start_url=start(s["unit"], s["covers"], kind),
            part=int(s.get("part", 1)), concept_keys=tuple(s["covers"]),
            questions_left=any(c in open_concepts for c in s["covers"]),
        ))
    return LearnerPath(
        steps=tuple(steps),
        goals=tuple(names.get(g, g) for g in data.get("goals", ())),
        default_goals=bool(data.get("default_goals")),
        total_cost=float(data.get("total_cost", 0.0)),
        lower_bound=float(data.get("lower_bound", 0.0)),
        uncovered=tuple(names.get(c, c) for c in data.get("uncovered", ())),
        unreachable_goals=tuple(names.get(c, c) for c in data.get("unreachable_goals", ())),
        updated_at=row.updated_at,
    )


@dataclass(frozen=True)
class GoalChoice:
    key: str
    name: str
    summary: str
    chosen: bool


def path_goal_choices(*, learner: User, course: Course) -> list[GoalChoice]:
    """Every concept of the course in syllabus order, marked when it is a goal."""
    chosen = set(LearnerGoal.objects.filter(learner=learner, concept__course=course)
                 .values_list("concept_id", flat=True))
    return [GoalChoice(c.key, c.name, c.summary, c.pk in chosen)
            for c in course.concepts.order_by("order").only("pk", "key", "name", "summary")]


@dataclass(frozen=True)
class PathSummary:
    """One learner's path in a line of the teacher's table."""

    next_title: str
    remaining: int
    effort: float
    updated_at: datetime

    @property
    def items(self) -> int:
        return round(self.effort)


def course_enrolments_with_paths(*, course: Course) -> list[Enrolment]:
    """The course's enrolments, each learner carrying ``path_summary`` (None if no plan).

    Two queries for any number of learners: the stored plans keep each unit's title.
    """
    enrolments = list(course_enrolments(course=course))
    plans = {lp.learner_id: lp for lp in LearnerPlan.objects.filter(course=course)}
    for e in enrolments:
        lp = plans.get(e.learner_id)
        summary = None
        if lp is not None and isinstance(lp.plan, dict) and "steps" in lp.plan:
            steps = lp.plan["steps"]
            first = steps[0]["unit"] if steps else ""
            summary = PathSummary(
                next_title=lp.plan.get("units", {}).get(first, {}).get("title", first),
                remaining=len(steps),
                # as the learner's path page adds it up, step by step
                effort=float(sum(step_items(float(st.get("cost", 0.0))) for st in steps)),
                updated_at=lp.updated_at,
            )
        e.learner.path_summary = summary  # type: ignore[attr-defined]
    return enrolments
