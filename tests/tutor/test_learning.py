"""The learner model in the product: mastery after answers, calibration, the diagnostic."""

from __future__ import annotations

import math
import random
import re
from pathlib import Path

import pytest
import yaml

from tests.tutor.factories import UserFactory
from tutor import selectors
from tutor.knowledge_map import BANDS, UNASSESSED, band_for, layered_layout
from tutor.models import (
    Attempt,
    CourseCalibration,
    DiagnosticSession,
    Enrolment,
    Item,
    LearnerPlan,
    LearnerState,
)
from tutor.services.attempts import attempt_record
from tutor.services.learning import (
    DiagnosticAlreadyAnswered,
    DiagnosticUnavailable,
    calibration_schedule,
    course_recalibrate,
    diagnostic_answer,
    diagnostic_start,
    mastery_record,
)
from tutor.services.plans import plan_refresh

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db



def _mastery(learner, course):  # type: ignore[no-untyped-def]
    return selectors.learner_mastery(learner=learner, course=course)


def _answer_mc(learner, course, key, right, idem, hints=0):  # type: ignore[no-untyped-def]
    item = course.items.get(key=key)
    choice = item.choices.filter(is_correct=right).order_by("order").first()
    return attempt_record(learner=learner, item=item, answer=str(choice.pk),
                          idempotency_key=idem, hints_used=hints)


# -- mastery ---------------------------------------------------------------------------


def test_a_correct_answer_raises_mastery_and_an_incorrect_one_lowers_it(course, student):
    before = _mastery(student, course)["ohms-law"]
    _answer_mc(student, course, "ohm-mc", True, "k1")
    after_right = _mastery(student, course)["ohms-law"]
    assert after_right > before
    _answer_mc(student, course, "ohm-mc", False, "k2")
    assert _mastery(student, course)["ohms-law"] < after_right
    state = LearnerState.objects.get(learner=student, course=course)
    assert state.state["attempts"]["ohms-law"] == 2


def test_every_concept_of_a_multi_concept_item_is_updated(course, student):
    item = course.items.get(key="divider-circuit")
    assert set(item.concepts.values_list("key", flat=True)) == {"divider", "ohms-law"}
    before = _mastery(student, course)
    attempt = Attempt.objects.create(learner=student, item=item, raw_answer="5 V",
                                     verdict=Attempt.Verdict.CORRECT, idempotency_key="c1")
    mastery_record(attempt=attempt)
    after = _mastery(student, course)
    assert after["divider"] > before["divider"] and after["ohms-law"] > before["ohms-law"]
    attempts = LearnerState.objects.get(learner=student).state["attempts"]
    assert attempts == {"divider": 1.0, "ohms-law": 1.0}


def test_an_answer_after_hints_counts_for_less(course, student, outsider):
    Enrolment.objects.create(learner=outsider, course=course)
    _answer_mc(student, course, "ohm-mc", True, "k1", hints=0)
    _answer_mc(outsider, course, "ohm-mc", True, "k1", hints=2)
    plain, hinted = _mastery(student, course), _mastery(outsider, course)
    fresh = selectors.learner_model(learner=UserFactory(), course=course).mastery["ohms-law"]
    assert fresh < hinted["ohms-law"] < plain["ohms-law"]
    assert LearnerState.objects.get(learner=outsider).state["attempts"]["ohms-law"] == 0.5


def test_right_answers_repeated_on_one_item_count_for_little(course, student):
    # Answering one item right five times (its worked answer open after the first) took
    # a new learner's concept from 30 % to "mastered" at 96 %.
    fresh = _mastery(student, course)["ohms-law"]
    _answer_mc(student, course, "ohm-mc", True, "k1")
    first = _mastery(student, course)["ohms-law"]
    for k in range(4):
        _answer_mc(student, course, "ohm-mc", True, f"r{k}")
    repeated = _mastery(student, course)["ohms-law"]
    assert first < repeated and repeated - first < first - fresh
    attempts = LearnerState.objects.get(learner=student).state["attempts"]["ohms-law"]
    assert attempts == pytest.approx(1.8)  # one answer and four at REPEAT_WEIGHT
    # a wrong answer to the same item still counts in full
    _answer_mc(student, course, "ohm-mc", False, "w")
    assert _mastery(student, course)["ohms-law"] < first


def test_an_unreadable_answer_changes_nothing(course, student):
    item = course.items.get(key="ohm-num")
    attempt = attempt_record(learner=student, item=item, answer="banana", idempotency_key="k")
    assert attempt.verdict == Attempt.Verdict.INVALID
    assert not LearnerState.objects.filter(learner=student).exists()
    assert mastery_record(attempt=attempt) is None
    assert not LearnerState.objects.filter(learner=student).exists()


def test_a_calibrated_item_sets_guess_and_slip_and_the_ability(course, student, outsider):
    Enrolment.objects.create(learner=outsider, course=course)
    easy = course.items.get(key="ohm-num")
    # the same numeric item, first as the teacher left it, then calibrated as very hard
    attempt_record(learner=student, item=easy, answer="9.4 V", idempotency_key="k")
    Item.objects.filter(pk=easy.pk).update(irt_a=1.5, irt_b=2.5)
    hard = course.items.get(pk=easy.pk)
    attempt_record(learner=outsider, item=hard, answer="9.4 V", idempotency_key="k")
    # a right answer to a hard item is hardly ever a guess: stronger evidence
    assert _mastery(outsider, course)["ohms-law"] > _mastery(student, course)["ohms-law"]
    state = LearnerState.objects.get(learner=outsider)
    assert state.theta > 0 and state.theta_se < 1.0
    assert LearnerState.objects.get(learner=student).theta == 0.0  # no calibrated answer yet


# -- calibration -----------------------------------------------------------------------


def _synthetic_answers(course, n_learners=60, seed=0):  # type: ignore[no-untyped-def]
    """First answers of simulated learners to the three calibratable items (2PL)."""
    rng = random.Random(seed)
    items = list(course.items.filter(kind__in=["multiple_choice", "numeric", "circuit"]))
    true_b = {"ohm-mc": -1.0, "ohm-num": 0.0, "divider-circuit": 1.0}
    rows = []
    for k in range(n_learners):
        user = UserFactory(username=f"synthetic-{k}")
        Enrolment.objects.create(learner=user, course=course)
        theta = rng.gauss(0.0, 1.0)
        for it in items:
            p = 1.0 / (1.0 + math.exp(-1.3 * (theta - true_b[it.key])))
            right = rng.random() < p
            rows.append(Attempt(learner=user, item=it, raw_answer="x", idempotency_key=it.key,
                                verdict="correct" if right else "incorrect"))
    Attempt.objects.bulk_create(rows)


def test_the_recalibration_task_writes_item_parameters(course, eager_celery):
    from tutor.tasks import recalibrate_course

    _synthetic_answers(course)
    note = recalibrate_course.delay(course.pk).get()
    assert note.startswith("Calibrated 3 items on 180 first answers from 60 learners")
    b = dict(course.items.values_list("key", "irt_b"))
    assert b["divider-design"] is None  # design answers are not on the same scale
    assert b["ohm-mc"] < b["ohm-num"] < b["divider-circuit"]
    for it in course.items.exclude(kind="design"):
        assert it.irt_a > 0 and it.irt_se_a > 0 and it.irt_se_b > 0
    cal = CourseCalibration.objects.get(course=course)
    assert cal.attempts_used == 180 and cal.iterations > 0
    assert cal.log_likelihood < 0 and cal.calibrated_at is not None


def test_calibration_and_the_items_table_count_enrolled_learners_only(course, teacher,
                                                                     eager_celery):
    # The teacher's own tries (who knows the answers) fed the fit and the table's counts.
    from tutor.tasks import recalibrate_course

    _synthetic_answers(course)
    for it in course.items.filter(kind__in=["multiple_choice", "numeric", "circuit"]):
        Attempt.objects.create(learner=teacher, item=it, raw_answer="x",
                               idempotency_key=f"t-{it.key}", verdict="correct")
    note = recalibrate_course.delay(course.pk).get()
    assert note.startswith("Calibrated 3 items on 180 first answers from 60 learners"), note
    stats = {s.item.key: (s.attempts, s.learners) for s in selectors.studio_item_stats(course=course)}
    assert stats["ohm-mc"] == (60, 60)


def test_a_recalibration_that_keeps_the_values_refreshes_no_plans(course, student,
                                                                   eager_celery, monkeypatch):
    from tutor import tasks

    queued: list[int] = []
    monkeypatch.setattr(tasks.refresh_course_plans, "delay", queued.append)
    note = tasks.recalibrate_course.delay(course.pk).get()
    assert note.startswith("Kept the previous values") and queued == []
    _synthetic_answers(course)
    tasks.recalibrate_course.delay(course.pk).get()
    assert queued == [course.pk]


def test_the_recalibration_task_brings_stored_plans_up_to_date(course, student, eager_celery):
    # The studio's learner table reads stored plans: after new difficulties they must
    # not show effort costed on the old ones.
    from tutor.services.plans import plan_refresh
    from tutor.tasks import recalibrate_course

    stale = plan_refresh(learner=student, course=course).plan["fingerprint"]
    _synthetic_answers(course)
    recalibrate_course.delay(course.pk).get()
    stored = LearnerPlan.objects.get(learner=student, course=course).plan
    assert stored["fingerprint"] != stale
    assert stored == plan_refresh(learner=student, course=course).plan  # already current


def test_only_first_answers_count_and_too_few_learners_keep_old_values(course, student,
                                                                       settings):
    settings.CALIBRATION_MIN_LEARNERS = 5
    Item.objects.filter(key="ohm-mc").update(irt_a=1.1, irt_b=-0.7)
    for k in range(4):  # one learner answering many times is still one learner
        _answer_mc(student, course, "ohm-mc", k % 2 == 0, f"k{k}")
    cal = course_recalibrate(course=course)
    assert "Kept the previous values" in cal.note and "the most is 1" in cal.note
    assert cal.calibrated_at is None
    item = course.items.get(key="ohm-mc")
    assert (item.irt_a, item.irt_b) == (1.1, -0.7)


def test_items_short_of_learners_keep_their_values(course, settings):
    settings.CALIBRATION_MIN_LEARNERS = 10
    _synthetic_answers(course, n_learners=12)
    circuit = course.items.get(key="divider-circuit")
    Attempt.objects.filter(item=circuit).exclude(
        learner__username__in=[f"synthetic-{k}" for k in range(5)]).delete()
    cal = course_recalibrate(course=course)
    assert "Calibrated 2 items" in cal.note and "1 with fewer than 10" in cal.note
    assert course.items.get(key="divider-circuit").irt_b is None
    assert course.items.get(key="ohm-mc").irt_b is not None


@pytest.fixture
def queued(monkeypatch):  # type: ignore[no-untyped-def]
    """Course ids whose recalibration was queued (instead of running it)."""
    from tutor import tasks

    calls: list[int] = []
    monkeypatch.setattr(tasks.recalibrate_course, "delay", calls.append)
    return calls


def test_recalibration_waits_for_enough_new_answers(course, student, settings, queued,
                                                    django_capture_on_commit_callbacks):
    settings.CALIBRATION_MIN_NEW_ATTEMPTS = 3
    settings.CALIBRATION_CHECK_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        for k in range(2):
            _answer_mc(student, course, "ohm-mc", True, f"a{k}")
    assert queued == []
    with django_capture_on_commit_callbacks(execute=True):
        _answer_mc(student, course, "ohm-mc", True, "a2")
    assert queued == [course.pk]
    with django_capture_on_commit_callbacks(execute=True):
        for k in range(3, 5):  # counting starts again from the request
            _answer_mc(student, course, "ohm-mc", False, f"a{k}")
    assert queued == [course.pk]
    with django_capture_on_commit_callbacks(execute=True):
        _answer_mc(student, course, "ohm-mc", True, "a5")
    assert queued == [course.pk, course.pk]


def test_the_count_is_looked_at_once_per_interval(course, student, settings, queued,
                                                  django_capture_on_commit_callbacks):
    settings.CALIBRATION_MIN_NEW_ATTEMPTS = 1
    settings.CALIBRATION_CHECK_SECONDS = 3600
    with django_capture_on_commit_callbacks(execute=True):
        for k in range(3):
            _answer_mc(student, course, "ohm-mc", True, f"a{k}")
    assert queued == [course.pk]  # the later answers did not even count
    assert calibration_schedule(course=course) is False


def test_recalibration_can_be_switched_off(course, student, settings, queued,
                                           django_capture_on_commit_callbacks):
    settings.CALIBRATION_MIN_NEW_ATTEMPTS = 0
    settings.CALIBRATION_CHECK_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        _answer_mc(student, course, "ohm-mc", True, "a")
    assert queued == [] and not CourseCalibration.objects.exists()


# -- the diagnostic --------------------------------------------------------------------


def _right_answer(item):  # type: ignore[no-untyped-def]
    if item.kind == "multiple_choice":
        return str(item.choices.get(is_correct=True).pk)
    return item.answer_text


def _run(learner, course, answer_for, commit, limit=20):  # type: ignore[no-untyped-def]
    """Answer every question the diagnostic asks; ``commit`` runs the on-commit tasks
    (SPICE for a circuit answer) as a real commit would, after the answer's transaction."""
    session = diagnostic_start(learner=learner, course=course)
    asked = []
    for k in range(limit):
        session.refresh_from_db()
        step = selectors.diagnostic_step(session=session)
        if step is None:
            break
        asked.append(step.item.key)
        with commit(execute=True):
            outcome = diagnostic_answer(learner=learner, course=course, item=step.item,
                                        answer=answer_for(step.item), idempotency_key=f"d{k}")
        assert outcome.counted or outcome.checking
        session.refresh_from_db()
        assert session.awaiting is None and session.attempts.filter(pk=outcome.attempt.pk).exists()
        if session.status == DiagnosticSession.Status.FINISHED:
            break
    session.refresh_from_db()
    return session, asked


@pytest.mark.usefixtures("eager_celery")
def test_the_diagnostic_stops_and_seeds_mastery(course, student,
                                                django_capture_on_commit_callbacks):
    session, asked = _run(student, course, _right_answer, django_capture_on_commit_callbacks)
    assert session.status == DiagnosticSession.Status.FINISHED
    assert 1 <= len(asked) <= 3 and set(asked) <= {"ohm-mc", "ohm-num", "divider-circuit"}
    assert session.attempts.count() == len(asked)
    assert Attempt.objects.filter(learner=student).count() == len(asked)  # normal attempts
    result = session.result
    assert "ohms-law" in result["mastered"] and result["weak"] == []
    mastery = _mastery(student, course)
    assert mastery == pytest.approx(result["mastery"])


def test_wrong_answers_make_concepts_weak_and_show_misconceptions(course, student, settings):
    settings.DIAGNOSTIC_MAX_ITEMS = 2
    diagnostic_start(learner=student, course=course)
    numeric, mc = course.items.get(key="ohm-num"), course.items.get(key="ohm-mc")
    # answers may come for any question of the bank not yet asked (a reload, say)
    first = diagnostic_answer(learner=student, course=course, item=numeric,
                              answer="9.4 mV", idempotency_key="d1")  # a factor of 1000 off
    assert first.counted and not first.finished
    distractor = mc.choices.get(misconception__key="inverted-ohms-law")
    last = diagnostic_answer(learner=student, course=course, item=mc,
                             answer=str(distractor.pk), idempotency_key="d2")
    assert last.finished  # two answers, the most it asks here
    result = last.session.result
    assert "ohms-law" in result["weak"]
    assert "divider" in result["weak"]  # concluded along the graph, never asked
    # a free answer off by exactly 1000 is strong evidence; one distractor pick is not
    assert result["misconceptions"] == ["prefix-error"]
    report = selectors.diagnostic_report(session=last.session)
    assert "factor of 1000" in report.misconceptions[0].description
    # the path is planned from the result, so practice starts on what it found weak
    # (it used to be planned from the state before the seed, one answer in)
    plan = LearnerPlan.objects.get(learner=student, course=course)
    assert plan_refresh(learner=student, course=course).plan == plan.plan
    assert "ohms-law" in {c for step in plan.plan["steps"] for c in step["covers"]}
    nxt = selectors.next_item_for(learner=student, course=course)
    assert nxt is not None and "ohms-law" in set(nxt.concepts.values_list("key", flat=True))


@pytest.mark.usefixtures("eager_celery")
def test_the_diagnostic_asks_at_most_the_configured_number(course, student, settings,
                                                           django_capture_on_commit_callbacks):
    settings.DIAGNOSTIC_MAX_ITEMS = 1
    session, asked = _run(student, course, _right_answer, django_capture_on_commit_callbacks)
    assert len(asked) == 1 and session.status == DiagnosticSession.Status.FINISHED


def test_an_unreadable_or_repeated_answer_keeps_the_question(course, student):
    session = diagnostic_start(learner=student, course=course)
    item = course.items.get(key="ohm-num")
    bad = diagnostic_answer(learner=student, course=course, item=item, answer="lots",
                            idempotency_key="k1")
    assert not bad.counted and bad.attempt.verdict == Attempt.Verdict.INVALID
    session.refresh_from_db()
    assert session.state["responses"] == [] and session.status == "running"
    diagnostic_answer(learner=student, course=course, item=item, answer="1 V",
                      idempotency_key="k2")
    attempts = Attempt.objects.count()
    # the same form twice, or a stale page with a fresh key: said so, nothing recorded
    # (it used to be recorded as practice and reported as an unreadable answer)
    for key in ("k2", "k3"):
        with pytest.raises(DiagnosticAlreadyAnswered, match="already answered"):
            diagnostic_answer(learner=student, course=course, item=item, answer="2 V",
                              idempotency_key=key)
    assert Attempt.objects.count() == attempts
    session.refresh_from_db()
    assert len(session.state["responses"]) == 1


def test_starting_twice_returns_the_running_diagnostic(course, student):
    first = diagnostic_start(learner=student, course=course)
    assert diagnostic_start(learner=student, course=course).pk == first.pk


def test_no_diagnostic_without_questions_or_outside_its_bank(course, student):
    design = course.items.get(key="divider-design")  # a circuit to build: too long for it
    diagnostic_start(learner=student, course=course)
    with pytest.raises(DiagnosticUnavailable):
        diagnostic_answer(learner=student, course=course, item=design, answer="R1 in out 1k",
                          idempotency_key="k")
    DiagnosticSession.objects.all().delete()
    course.items.filter(kind__in=["multiple_choice", "numeric", "circuit"]).update(
        is_active=False)
    with pytest.raises(DiagnosticUnavailable):
        diagnostic_start(learner=student, course=course)


# -- the knowledge map -----------------------------------------------------------------


def _luminance(hex_colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(x: str, y: str) -> float:
    hi, lo = sorted((_luminance(x), _luminance(y)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("band", [*BANDS, UNASSESSED], ids=lambda b: b.key)
def test_band_colours_have_good_contrast(band):
    assert _contrast(band.text, band.fill) >= 4.5  # WCAG AA for the text in a node
    assert _contrast(band.border, "#ffffff") >= 3.0  # the node's outline on the page


def test_bands_cover_zero_to_one_in_order():
    assert [band_for(p).key for p in (0.0, 0.3, 0.5, 0.8, 0.95, 1.0)] == \
        ["weak", "shaky", "progress", "nearly", "mastered", "mastered"]
    assert len({b.label for b in BANDS}) == len(BANDS)


def test_layout_puts_prerequisites_above_what_builds_on_them():
    from knowledge_graph.graph import SkillGraph

    g = SkillGraph(["v", "i", "ohm", "kvl", "div"],
                   [("v", "ohm"), ("i", "ohm"), ("ohm", "div"), ("kvl", "div")])
    lay = layered_layout(g, {"v": 0.99}, {"v": "Voltage"})
    nodes = {n.key: n for n in lay.nodes}
    assert nodes["v"].y == nodes["i"].y == nodes["kvl"].y < nodes["ohm"].y < nodes["div"].y
    assert nodes["v"].band.key == "mastered" and nodes["v"].name == "Voltage"
    assert len(lay.edges) == 4


def _path_points(path: str, steps: int = 40) -> list[tuple[float, float]]:
    """Points along an SVG path of M, L and C commands (all the map draws)."""
    tokens = re.findall(r"[MLC]|-?[0-9.]+,-?[0-9.]+", path)
    points: list[tuple[float, float]] = []
    here = (0.0, 0.0)
    k = 0
    while k < len(tokens):
        cmd = tokens[k]
        width = 1 if cmd in "ML" else 3
        args = [tuple(map(float, t.split(","))) for t in tokens[k + 1:k + 1 + width]]
        if cmd == "M":
            here, k = args[0], k + 2
        elif cmd == "L":
            end = args[0]
            points += [(here[0] + (end[0] - here[0]) * t / steps,
                        here[1] + (end[1] - here[1]) * t / steps) for t in range(steps + 1)]
            here, k = end, k + 2
        else:
            (x1, y1), (x2, y2), (x3, y3) = args
            for n in range(steps + 1):
                t = n / steps
                u = 1 - t
                points.append((u**3 * here[0] + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x3,
                               u**3 * here[1] + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t**3 * y3))
            here, k = (x3, y3), k + 4
    return points


def _edges_through_boxes(lay) -> list[str]:  # type: ignore[no-untyped-def]
    hits = []
    for e in lay.edges:
        for n in lay.nodes:
            if n.key in (e.before, e.after):
                continue
            if any(n.x < x < n.x + lay.node_width and n.y < y < n.y + lay.node_height
                   for x, y in _path_points(e.path)):
                hits.append(f"{e.before} -> {e.after} under {n.key}")
    return hits


def test_an_arrow_that_skips_a_row_goes_round_the_boxes_in_it():
    # Drawn straight down, "Power and energy -> AC power" ran under Capacitors and
    # Series-parallel reduction, and read as passing through them (21 of the demo
    # course's 66 arrows crossed a box).
    from knowledge_graph.graph import SkillGraph

    g = SkillGraph(["a", "b", "c"], [("a", "b"), ("b", "c"), ("a", "c")])
    lay = layered_layout(g, {}, {})
    assert _edges_through_boxes(lay) == []
    straight = {e.after: e.path for e in lay.edges if e.before == "a"}
    assert " L" in straight["c"] and " L" not in straight["b"]  # a lane through b's row

    demo = ROOT / "courses" / "dc-ac-circuits-1" / "course.yaml"
    course = yaml.safe_load(demo.read_text())
    g = SkillGraph.from_mapping({c["id"]: c.get("prerequisites", []) for c in course["concepts"]})
    lay = layered_layout(g, {}, {})
    assert len(lay.edges) == len(g.edges)
    assert _edges_through_boxes(lay) == []
    for n in lay.nodes:  # still inside the picture
        assert n.x >= 0 and n.x + lay.node_width <= lay.width
    # arrows into one box end at points of their own (three stacked into one arrowhead)
    ends: dict[str, list[str]] = {}
    for e in lay.edges:
        ends.setdefault(e.after, []).append(e.path.rsplit(" ", 1)[1])
    assert all(len(set(xs)) == len(xs) for xs in ends.values())
    assert max(len(xs) for xs in ends.values()) >= 3  # the demo course has such boxes
    # and it still fits the page's 72rem column (1113 px inside its padding) without
    # scrolling sideways on a laptop: the first lanes, 10 px wide, pushed it to 1140
    assert lay.min_width <= 1113


def test_long_concept_names_wrap_instead_of_being_cut():
    from knowledge_graph.graph import SkillGraph

    names = {"kcl": "Kirchhoff's current law", "rc": "RC filters and frequency response",
             "x": "A name far too long to fit in the two lines of one concept box"}
    lay = layered_layout(SkillGraph(list(names), []), {}, names)
    lines = {n.key: n.name_lines for n in lay.nodes}
    assert lines["kcl"] == ("Kirchhoff's current", "law")  # was "Kirchhoff's current l…"
    assert " ".join(lines["rc"]) == names["rc"]
    assert len(lines["x"]) == 2 and lines["x"][1].endswith("…")
    for n in lay.nodes:  # every line inside its box, the band line below the name
        assert all(n.y < y < n.band_y < n.y + lay.node_height for y, _ in n.name_rows)
    assert lay.min_width < lay.width
    for n in lay.nodes:  # nothing drawn outside the picture
        assert n.x >= 0 and n.x + lay.node_width <= lay.width
        assert n.y >= 0 and n.y + lay.node_height <= lay.height


def test_a_diagnostic_broken_by_a_course_change_starts_again(course, student):
    first = diagnostic_start(learner=student, course=course)
    numeric, mc = course.items.get(key="ohm-num"), course.items.get(key="ohm-mc")
    diagnostic_answer(learner=student, course=course, item=numeric, answer="9.4 V",
                      idempotency_key="k1")
    Item.objects.filter(pk=numeric.pk).update(is_active=False)  # the answered item is retired
    with pytest.raises(DiagnosticUnavailable):
        diagnostic_answer(learner=student, course=course, item=mc, answer="1",
                          idempotency_key="k2")
    again = diagnostic_start(learner=student, course=course)
    assert again.pk != first.pk and again.state["responses"] == []
    assert Attempt.objects.filter(learner=student, item=numeric).exists()  # kept as practice


def test_a_calibration_nobody_requested_also_resets_the_count(course, student, settings, queued,
                                                              django_capture_on_commit_callbacks):
    settings.CALIBRATION_MIN_NEW_ATTEMPTS = 2
    settings.CALIBRATION_CHECK_SECONDS = 0
    _synthetic_answers(course)  # stored in bulk, as simulate_cohort does: no hooks ran
    assert course_recalibrate(course=course).calibrated_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        _answer_mc(student, course, "ohm-mc", True, "a0")
    assert queued == []  # one answer since that calibration, not 181
    with django_capture_on_commit_callbacks(execute=True):
        _answer_mc(student, course, "ohm-mc", True, "a1")
    assert queued == [course.pk]


def test_a_circuit_answer_that_ends_the_diagnostic_counts_once_and_replans(course, student,
                                                                           settings):
    from tutor.services.attempts import attempt_check_circuit

    settings.DIAGNOSTIC_MAX_ITEMS = 1
    diagnostic_start(learner=student, course=course)
    circuit = course.items.get(key="divider-circuit")
    first = diagnostic_answer(learner=student, course=course, item=circuit,
                              answer=circuit.answer_text, idempotency_key="c1")
    assert first.checking
    attempt_check_circuit(attempt_id=first.attempt.pk)  # what the worker does
    session = DiagnosticSession.objects.get()
    assert session.status == DiagnosticSession.Status.FINISHED
    # the result counts the answer; the hook used to fold it into mastery once more
    assert _mastery(student, course) == pytest.approx(session.result["mastery"])
    plan = LearnerPlan.objects.get(learner=student, course=course)
    assert plan_refresh(learner=student, course=course).plan == plan.plan


def test_a_circuit_answer_holds_the_diagnostic_until_simulated(course, student):
    """No commit here, so the SPICE task has not run: the session waits for it."""
    from tutor.services.attempts import attempt_check_circuit

    diagnostic_start(learner=student, course=course)
    circuit = course.items.get(key="divider-circuit")
    first = diagnostic_answer(learner=student, course=course, item=circuit, answer="4 V",
                              idempotency_key="c1")
    assert first.checking and not first.counted and first.attempt.verdict == "pending"
    # the same form sent twice is the same answer; another answer must wait
    again = diagnostic_answer(learner=student, course=course, item=circuit, answer="4 V",
                              idempotency_key="c1")
    assert again.checking and again.attempt.pk == first.attempt.pk
    with pytest.raises(DiagnosticUnavailable, match="still being checked"):
        diagnostic_answer(learner=student, course=course, item=course.items.get(key="ohm-num"),
                          answer="9.4 V", idempotency_key="n1")
    attempt_check_circuit(attempt_id=first.attempt.pk)  # what the worker does
    session = DiagnosticSession.objects.get()
    assert session.awaiting is None
    assert session.state["responses"] == [{"item": "divider-circuit", "correct": False,
                                           "misconception": None, "diagnosis": None}]
    assert _mastery(student, course)["divider"] < 0.5
    attempt_check_circuit(attempt_id=first.attempt.pk)  # a task delivered twice
    session.refresh_from_db()
    assert len(session.state["responses"]) == 1 and session.attempts.count() == 1


@pytest.mark.usefixtures("eager_celery")
def test_an_unreadable_circuit_answer_keeps_the_question(course, student,
                                                         django_capture_on_commit_callbacks):
    diagnostic_start(learner=student, course=course)
    circuit = course.items.get(key="divider-circuit")
    with django_capture_on_commit_callbacks(execute=True):
        diagnostic_answer(learner=student, course=course, item=circuit,
                          answer="about five volts", idempotency_key="c1")
    session = DiagnosticSession.objects.get()
    assert Attempt.objects.get(idempotency_key="c1").verdict == "invalid"
    assert session.awaiting is None and session.state["responses"] == []
    with django_capture_on_commit_callbacks(execute=True):
        diagnostic_answer(learner=student, course=course, item=circuit, answer="5 V",
                          idempotency_key="c2")
    session.refresh_from_db()
    assert [r["correct"] for r in session.state["responses"]] == [True]


def test_the_benchmark_measures_the_items_the_product_asks():
    from benchmarks.bench_diagnostic import DIAGNOSTIC_KINDS

    assert set(DIAGNOSTIC_KINDS) == {k.value for k in selectors.DIAGNOSTIC_KINDS}
