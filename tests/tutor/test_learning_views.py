"""The learning pages, asked by all four people (and a teacher of another course)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.tutor.helpers import get_as
from tutor.models import (
    Attempt,
    Concept,
    CourseCalibration,
    DiagnosticSession,
    Item,
    LearnerPlan,
)
from tutor.services.learning import diagnostic_answer, diagnostic_start

pytestmark = pytest.mark.django_db


LEARNER_STATUS = [("student", 200), ("teacher", 200), ("admin", 200), ("outsider", 403),
                  ("other-teacher", 403)]
EDITOR_STATUS = [("student", 403), ("teacher", 200), ("admin", 200), ("outsider", 403),
                 ("other-teacher", 403)]


@pytest.mark.parametrize(("who", "status"), LEARNER_STATUS)
def test_knowledge_page(client, people, who, status):
    response = get_as(client, people[who], reverse("knowledge", args=["mini"]))
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert 'role="img"' in html and 'aria-labelledby="km-title km-desc"' in html
        assert '<title id="km-title">' in html and '<desc id="km-desc">' in html
        assert 'id="knowledge-table"' in html and "Voltage divider" in html
        assert html.count('marker-end="url(#km-arrow)"') == 2  # two prerequisite edges


@pytest.mark.parametrize(("who", "status"), EDITOR_STATUS)
def test_a_teacher_sees_a_learners_knowledge(client, people, who, status):
    # The studio showed a learner's path but nowhere their mastery per concept.
    from tutor.services.attempts import attempt_record

    student = people["student"]
    item = Item.objects.get(course__slug="mini", key="ohm-num")
    attempt_record(learner=student, item=item, answer="9.4 V", idempotency_key="k1")
    url = reverse("studio-learner-knowledge", args=["mini", student.username])
    response = get_as(client, people[who], url)
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert f"Knowledge of {student.username}</h1>" in html and "<h1>My knowledge" not in html
        own = get_as(client, student, reverse("knowledge", args=["mini"]))
        assert [(r.concept.key, r.percent, r.band) for r in response.context["map"].rows] == \
            [(r.concept.key, r.percent, r.band) for r in own.context["map"].rows]
        assert reverse("practice-next", args=["mini"]) not in html  # not theirs to practise
        course_page = get_as(client, people[who], reverse("studio-course", args=["mini"]))
        assert url in course_page.content.decode()
    # only learners of the course: another enrolled nobody is a 404
    missing = reverse("studio-learner-knowledge", args=["mini", people["outsider"].username])
    assert get_as(client, people["teacher"], missing).status_code == 404


@pytest.mark.parametrize(("who", "status"), LEARNER_STATUS)
def test_diagnostic_page(client, people, who, status):
    response = get_as(client, people[who], reverse("diagnostic", args=["mini"]))
    assert response.status_code == status
    if status == 200:
        assert b"Start the diagnostic" in response.content


@pytest.mark.parametrize(("who", "status"), LEARNER_STATUS)
def test_starting_the_diagnostic(client, people, who, status):
    client.force_login(people[who])
    response = client.post(reverse("diagnostic-start", args=["mini"]))
    assert response.status_code == (302 if status == 200 else status)
    assert DiagnosticSession.objects.filter(learner=people[who]).exists() == (status == 200)


@pytest.mark.parametrize(("who", "status"), EDITOR_STATUS)
def test_studio_items_page(client, people, who, status, django_assert_max_num_queries):
    client.force_login(people[who])
    with django_assert_max_num_queries(12):  # bounded, whatever the number of items
        response = client.get(reverse("studio-items", args=["mini"]))
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert "Recalibrate now" in html and "ohm-mc" in html and "Not calibrated yet" in html
        # a design item is never calibrated, so "not yet" would be a promise not kept
        assert html.count("not measured: a design") == 1


@pytest.mark.parametrize(("who", "status"), EDITOR_STATUS)
def test_recalibrate_button(client, people, who, status, eager_celery,
                            django_capture_on_commit_callbacks):
    client.force_login(people[who])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("studio-recalibrate", args=["mini"]))
    assert response.status_code == (302 if status == 200 else status)
    cal = CourseCalibration.objects.filter(course__slug="mini").first()
    if status == 200:
        # it ran (eagerly) and said why it changed nothing: nobody has answered yet
        assert cal is not None and cal.requested_at is not None
        assert "Kept the previous values" in cal.note
        page = client.get(response.url).content.decode()
        assert "Recalibration queued" in page and "Kept the previous values" in page
    else:
        assert cal is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("learners", [0, 25])
def test_a_recalibration_that_ran_at_once_does_not_say_queued(client, people, eager_celery,
                                                               learners):
    # With no broker the task runs as the request commits: "queued ... once it has run"
    # sat above a table that already showed the new run, or a note that it kept the
    # values (too few learners), which sets no calibration time.
    if learners:
        call_command("simulate_cohort", "--course", "mini", "--learners", str(learners),
                     "--seed", "7")
    client.force_login(people["teacher"])
    page = client.post(reverse("studio-recalibrate", args=["mini"]), follow=True)
    html = page.content.decode()
    assert "Recalibration ran: the note below says what it did." in html
    assert "Recalibration queued" not in html
    assert ("Kept the previous values" in html) is (learners == 0)


def test_course_page_links_learners_to_the_diagnostic_and_their_knowledge(client, people):
    html = get_as(client, people["student"], reverse("course", args=["mini"])).content.decode()
    assert reverse("diagnostic", args=["mini"]) in html
    assert reverse("knowledge", args=["mini"]) in html
    html = get_as(client, people["outsider"], reverse("course", args=["mini"])).content.decode()
    assert reverse("diagnostic", args=["mini"]) not in html


def test_studio_course_page_links_to_items_with_calibration_status(client, people, course):
    html = get_as(client, people["teacher"], reverse("studio-course", args=["mini"])).content
    assert reverse("studio-items", args=["mini"]).encode() in html
    assert b"not calibrated yet" in html


def test_studio_items_page_shows_calibrated_values(client, people, course):
    call_command("simulate_cohort", "--course", "mini", "--learners", "30", "--seed", "3")
    html = get_as(client, people["teacher"], reverse("studio-items", args=["mini"])).content
    item = course.items.get(key="ohm-mc")
    assert f"{item.irt_b:.2f}".encode() in html
    assert b"Last calibrated on" in html and b"from 30 learners" in html


def _question(client):  # type: ignore[no-untyped-def]
    response = client.get(reverse("diagnostic", args=["mini"]))
    return response.context["step"]


def _right(item):  # type: ignore[no-untyped-def]
    return str(item.choices.get(is_correct=True).pk) if item.kind == "multiple_choice" \
        else item.answer_text


@pytest.mark.usefixtures("eager_celery")
def test_the_diagnostic_without_javascript(client, course, student,
                                           django_capture_on_commit_callbacks):
    client.force_login(student)
    client.post(reverse("diagnostic-start", args=["mini"]))
    page = client.get(reverse("diagnostic", args=["mini"])).content.decode()
    assert "Question 1 of at most 3" in page
    for k in range(5):
        step = _question(client)
        if step is None:
            break
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("diagnostic-answer", args=["mini"]), {
                "item": step.item.key, "answer": _right(step.item), "submission_key": f"k{k}"})
        assert response.status_code == 302
        if response.url == reverse("diagnostic-result", args=["mini"]):
            break
        assert response.url == reverse("diagnostic", args=["mini"])
    result = client.get(reverse("diagnostic-result", args=["mini"]))
    html = result.content.decode()
    assert result.status_code == 200
    assert "Mastered" in html and "Ohm&#x27;s law" in html
    assert reverse("lesson", args=["mini", "02-ohms-law"]) in html


@pytest.mark.usefixtures("eager_celery")
def test_the_diagnostic_with_htmx_swaps_the_question(client, course, student,
                                                     django_capture_on_commit_callbacks):
    client.force_login(student)
    client.post(reverse("diagnostic-start", args=["mini"]))
    response = client.post(reverse("diagnostic-answer", args=["mini"]), {
        "item": "ohm-num", "answer": "no idea", "submission_key": "k1"},
        headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="diagnostic-question"' in html and "could not read" in html
    number = 1
    for k in range(2, 6):
        step = _question(client)
        assert step is not None and step.number == number
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("diagnostic-answer", args=["mini"]), {
                "item": step.item.key, "answer": _right(step.item), "submission_key": f"k{k}"},
                headers={"HX-Request": "true"})
        if b"Checking your answer" in response.content:
            # a circuit answer: in a test its task runs after the response, so poll once
            attempt = Attempt.objects.latest("created_at")
            response = client.get(reverse("diagnostic-question", args=["mini", attempt.pk]),
                                  headers={"HX-Request": "true"})
        if "HX-Redirect" in response:
            break
        number += 1
        assert f"Question {number} of at most 3" in response.content.decode()
    assert response["HX-Redirect"] == reverse("diagnostic-result", args=["mini"])


@pytest.mark.usefixtures("eager_celery")
def test_a_circuit_answer_in_the_diagnostic_polls_until_simulated(client, course, student):
    """With a real worker the verdict comes later: the question partial polls for it."""
    from tutor.services.attempts import attempt_check_circuit

    client.force_login(student)
    client.post(reverse("diagnostic-start", args=["mini"]))
    # when the circuit question is the one asked, it is drawn, with its netlist beside
    session = DiagnosticSession.objects.get()
    session.state = {**session.state, "pending": "divider-circuit"}
    session.save()
    page = client.get(reverse("diagnostic", args=["mini"])).content.decode()
    assert 'aria-label="Schematic of the circuit' in page and "<svg" in page
    assert "Find <code>V(out)</code>" in page
    response = client.post(reverse("diagnostic-answer", args=["mini"]), {
        "item": "divider-circuit", "answer": "5 V", "submission_key": "c1"},
        headers={"HX-Request": "true"})
    html = response.content.decode()
    attempt = Attempt.objects.get(item__key="divider-circuit")
    assert attempt.verdict == "pending"  # no commit in a test: the task has not run
    poll = reverse("diagnostic-question", args=["mini", attempt.pk])
    assert "Checking your answer" in html and poll in html and 'hx-trigger="every 1s"' in html
    assert "Checking your answer" in client.get(poll).content.decode()  # still waiting
    attempt_check_circuit(attempt_id=attempt.pk)  # what the worker does
    after = client.get(poll)
    if "HX-Redirect" not in after:
        text = after.content.decode()
        assert "Checking" not in text and "Question 2 of at most 3" in text
    session = DiagnosticSession.objects.get()
    assert session.awaiting is None and list(session.attempts.all()) == [attempt]
    assert session.state["responses"][0] == {"item": "divider-circuit", "correct": True,
                                             "misconception": None, "diagnosis": None}


def test_an_outsider_cannot_answer_a_diagnostic(client, course, outsider):
    client.force_login(outsider)
    response = client.post(reverse("diagnostic-answer", args=["mini"]), {
        "item": "ohm-mc", "answer": "1", "submission_key": "k"})
    assert response.status_code == 403 and not Attempt.objects.exists()


def test_each_student_sees_only_their_own_result(client, course, student, outsider, settings):
    settings.DIAGNOSTIC_MAX_ITEMS = 2
    diagnostic_start(learner=student, course=course)
    for key in ("ohm-num", "ohm-mc"):
        item = course.items.get(key=key)
        diagnostic_answer(learner=student, course=course, item=item, answer=_right(item),
                          idempotency_key=key)
    assert get_as(client, student, reverse("diagnostic-result", args=["mini"])).status_code == 200
    client.force_login(outsider)
    client.post(reverse("enrol", args=["mini"]))
    assert client.get(reverse("diagnostic-result", args=["mini"])).status_code == 404
    other = get_as(client, outsider, reverse("knowledge", args=["mini"])).content.decode()
    assert "Mastered ·" not in other  # the student's result is not on their map


def test_the_knowledge_map_escapes_concept_names(client, course, student):
    Concept.objects.filter(course=course, key="divider").update(
        name='<script>alert("x")</script> & divider')
    html = get_as(client, student, reverse("knowledge", args=["mini"])).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; divider" in html


def test_the_knowledge_map_shows_answers_and_bands(client, course, student):
    client.force_login(student)
    item = course.items.get(key="ohm-mc")
    for k in range(4):
        client.post(reverse("practice-answer", args=["mini", "ohm-mc"]),
                    {"answer": _right(item), "submission_key": f"k{k}"})
    response = client.get(reverse("knowledge", args=["mini"]))
    rows = {r.concept.key: r for r in response.context["map"].rows}
    assert rows["ohms-law"].attempts == 4 and rows["voltage"].attempts == 0
    assert rows["ohms-law"].mastery > rows["divider"].mastery
    assert f"{rows['ohms-law'].band.label} · {rows['ohms-law'].percent}%" in \
        response.content.decode()
    # right answers raise no dependent: no answer bears on the divider yet
    assert not rows["divider"].assessed and rows["voltage"].assessed
    assert "Voltage divider: Not assessed yet</title>" in response.content.decode()


def test_a_nudge_along_the_graph_does_not_count_as_assessed():
    # Five design answers moved most concepts a point or two from the starting 30 %, and
    # every one of them lost "Not assessed yet" for "Shaky · 30%".
    from knowledge_graph.graph import SkillGraph
    from knowledge_graph.learner import LearnerModel
    from tutor.selectors import ASSESSED_MOVE, assessed_concepts

    g = SkillGraph(["v", "ohm", "div"], [("v", "ohm"), ("ohm", "div")])
    start = LearnerModel(g).mastery
    model = LearnerModel(g, mastery={**start, "div": start["div"] + ASSESSED_MOVE / 2,
                                     "v": start["v"] + 2 * ASSESSED_MOVE})
    assert assessed_concepts(model, start) == {"v"}


def test_a_learner_who_has_answered_nothing_is_not_called_shaky(client, course, student):
    # Every concept said "Shaky · 30%" (the population's starting guess) to a learner
    # who had answered nothing.
    response = get_as(client, student, reverse("knowledge", args=["mini"]))
    html = response.content.decode()
    knowledge = response.context["map"]
    assert all(not r.assessed for r in knowledge.rows)
    assert "Shaky" not in html.split('id="knowledge-table"')[0].split("</ul>", 1)[1]
    assert html.count(">Not assessed yet</text>") == len(knowledge.rows)
    assert "Not assessed yet: no answer bears on it yet" in html  # in the legend
    assert '<td data-label="Mastery"><span class="muted">not yet</span></td>' in html


def test_simulate_cohort_creates_learners_once_and_calibrates(course, capsys):
    call_command("simulate_cohort", "--course", "mini", "--learners", "25", "--seed", "7")
    out = capsys.readouterr().out
    assert "25 learners created" in out and "Calibrated 3 items" in out
    sims = course.enrolments.filter(learner__username__startswith="sim-")
    assert sims.count() == 25
    assert course.learner_states.filter(learner__username="sim-0001").exists()
    n = Attempt.objects.filter(learner__username__startswith="sim-").count()
    assert n > 25
    assert not Attempt.objects.filter(item__kind=Item.Kind.DESIGN).exists()
    # each has the path a real learner would have after answering (the studio lists it)
    plans = LearnerPlan.objects.filter(course=course, learner__username__startswith="sim-")
    assert plans.count() == 25 and all("steps" in p.plan for p in plans)
    call_command("simulate_cohort", "--course", "mini", "--learners", "25", "--seed", "7")
    out = capsys.readouterr().out
    assert "0 learners created, 25 already had answers; 0 answers recorded" in out
    assert Attempt.objects.filter(learner__username__startswith="sim-").count() == n
    assert course.enrolments.filter(learner__username__startswith="sim-").count() == 25


def test_simulate_cohort_refuses_an_unknown_course(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("simulate_cohort", "--course", "nope", "--learners", "3")


@pytest.mark.parametrize(("who", "status"), [("student", 200), ("teacher", 404), ("admin", 404),
                                             ("outsider", 403), ("other-teacher", 403)])
def test_diagnostic_result_page(client, people, course, who, status, settings):
    """Only the student took the diagnostic: the others have no result of their own."""
    settings.DIAGNOSTIC_MAX_ITEMS = 2
    student = people["student"]
    diagnostic_start(learner=student, course=course)
    for key in ("ohm-num", "ohm-mc"):
        item = course.items.get(key=key)
        diagnostic_answer(learner=student, course=course, item=item, answer=_right(item),
                          idempotency_key=key)
    response = get_as(client, people[who], reverse("diagnostic-result", args=["mini"]))
    assert response.status_code == status
    if status == 200:
        assert b"Your diagnostic result" in response.content
        if who == "student":
            report = response.context["report"]
            assert report.mastered  # two right answers: Ohm's law at least
            html = response.content.decode()
            # every list gives its percentages, floored as "My knowledge" shows them
            for v in report.mastered + report.uncertain + report.weak:
                assert f"{v.concept.name.replace(chr(39), '&#x27;')} ({int(100 * v.mastery)}%" \
                    in html
            # "Start practising" went to a concept the page had not named (the path's
            # first step, a prerequisite at 93 %) under a list headed "To learn first":
            # the page now says where practice starts, and why
            start = response.context["start"]
            section = html.split('id="start-heading"')[1].replace("&#x27;", "'")
            assert f"starts with <strong>{start.title}</strong>" in section
            assert "To learn first" not in html
            # the step named is the one "Start practising" opens an item of
            practice = client.get(reverse("practice-next", args=["mini"]))
            opened = Item.objects.get(course__slug="mini", key=practice.url.split("/")[-2])
            assert set(opened.concepts.values_list("key", flat=True)) & set(start.concept_keys)


@pytest.mark.parametrize(("who", "status"), LEARNER_STATUS)
def test_answering_the_diagnostic(client, people, course, who, status):
    client.force_login(people[who])
    client.post(reverse("diagnostic-start", args=["mini"]))
    item = course.items.get(key="ohm-num")
    response = client.post(reverse("diagnostic-answer", args=["mini"]), {
        "item": "ohm-num", "answer": _right(item), "submission_key": "k"})
    assert response.status_code == (302 if status == 200 else status)
    assert Attempt.objects.filter(learner=people[who]).count() == (status == 200)


@pytest.mark.usefixtures("eager_celery")
def test_an_unreadable_circuit_answer_shows_why_when_polled(client, course, student,
                                                            django_capture_on_commit_callbacks):
    client.force_login(student)
    client.post(reverse("diagnostic-start", args=["mini"]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("diagnostic-answer", args=["mini"]), {
            "item": "divider-circuit", "answer": "about five volts", "submission_key": "c1"},
            headers={"HX-Request": "true"})
    attempt = Attempt.objects.get()
    poll = client.get(reverse("diagnostic-question", args=["mini", attempt.pk]),
                      headers={"HX-Request": "true"}).content.decode()
    assert "could not read that answer" in poll and "Checking" not in poll
    assert "Question 1 of at most 3" in poll  # the same question stands



def _ask(key):  # type: ignore[no-untyped-def]
    """Make ``key`` the running diagnostic's current question (its stored choice)."""
    session = DiagnosticSession.objects.get(status=DiagnosticSession.Status.RUNNING)
    session.state = {**session.state, "pending": key}
    session.save(update_fields=["state"])


def test_an_unreadable_diagnostic_answer_says_why_and_keeps_what_was_typed(client, course,
                                                                           student):
    client.force_login(student)
    client.post(reverse("diagnostic-start", args=["mini"]))
    _ask("ohm-num")
    response = client.post(reverse("diagnostic-answer", args=["mini"]), {
        "item": "ohm-num", "answer": "9Vx", "submission_key": "k1"},
        headers={"HX-Request": "true"})
    html = response.content.decode()
    # the reason the practice page gives, not only "give a number with its unit"
    assert "cannot read the unit" in html and "Vx" in html
    assert 'name="item" value="ohm-num"' in html  # the question stands
    assert 'value="9Vx"' in html and 'aria-invalid="true"' in html
    # without JavaScript the answer comes back through the redirect, once
    response = client.post(reverse("diagnostic-answer", args=["mini"]), {
        "item": "ohm-num", "answer": "7Vy", "submission_key": "k2"}, follow=True)
    html = response.content.decode()
    assert "cannot read the unit" in html and 'value="7Vy"' in html
    # beside the field and linked to it, as with htmx (it was a message at the top)
    assert 'id="answer-error"' in html and 'aria-describedby="answer-error"' in html
    assert 'class="messages"' not in html
    again = client.get(reverse("diagnostic", args=["mini"])).content.decode()
    assert 'value="7Vy"' not in again and "cannot read the unit" not in again


@pytest.mark.usefixtures("eager_celery")
def test_a_diagnostic_answer_sent_again_is_named_as_such(client, course, student,
                                                         django_capture_on_commit_callbacks):
    client.force_login(student)
    client.post(reverse("diagnostic-start", args=["mini"]))
    _ask("ohm-num")
    item = course.items.get(key="ohm-num")
    form = {"item": item.key, "answer": _right(item), "submission_key": "k1"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("diagnostic-answer", args=["mini"]), form)
    attempts = Attempt.objects.count()
    for key in ("k1", "k2"):  # the Back button's cached form, then a stale tab's
        response = client.post(reverse("diagnostic-answer", args=["mini"]),
                               {**form, "submission_key": key}, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert "already answered that question" in html and "could not read" not in html
        # announced through the page's standing live region, swapped out of band
        assert 'id="diagnostic-status"' in html and 'hx-swap-oob="innerHTML">You have already' in html
    assert Attempt.objects.count() == attempts
    response = client.post(reverse("diagnostic-answer", args=["mini"]), form, follow=True)
    assert "already answered that question" in response.content.decode()


@pytest.mark.parametrize(("who", "status"), EDITOR_STATUS)
def test_class_overview_page(client, people, who, status):
    response = get_as(client, people[who], reverse("studio-overview", args=["mini"]))
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        # nobody has answered: no bands painted from priors, and the page says why
        assert "1 learner enrolled; 0 have answered" in html
        assert "Nobody has answered yet" in html and "Learners by band" not in html


def _answer_choice(learner, item, *, correct: bool, key: str):  # type: ignore[no-untyped-def]
    from tutor.services.attempts import attempt_record

    # the wrong choice is the one tagged with a misconception
    choice = item.choices.get(is_correct=True) if correct else \
        item.choices.get(is_correct=False, misconception__isnull=False)
    return attempt_record(learner=learner, item=item, answer=str(choice.pk), idempotency_key=key)


def test_class_overview_counts_enrolled_learners_who_answered(client, people, course):
    from tutor.selectors import course_overview
    from tutor.services.courses import enrolment_create

    item = course.items.get(key="ohm-mc")
    _answer_choice(people["student"], item, correct=False, key="a")  # the misconception
    _answer_choice(people["student"], item, correct=True, key="b")
    # the teacher's own tries are not the class, and an enrolled learner who has never
    # answered is counted as enrolled but not painted into any band
    _answer_choice(people["teacher"], item, correct=False, key="c")
    enrolment_create(learner=people["outsider"], course=course)
    o = course_overview(course=course)
    assert (o.enrolled, o.answered, o.recent_answers, o.recent_learners) == (2, 1, 2, 1)
    ohm = next(c for c in o.concepts if c.concept.key == "ohms-law")
    assert (ohm.answers, ohm.right, ohm.right_percent, ohm.learners) == (2, 1, 50, 1)
    # the one learner is in a band of each concept, or counted as not reached there
    assert all(sum(n for _, n in c.bands) + c.not_reached == 1 for c in o.concepts)
    divider = next(c for c in o.concepts if c.concept.key == "divider")
    assert (divider.answers, divider.right_percent) == (0, None)
    [m] = o.misconceptions
    assert (m.key, m.learners, m.times) == ("inverted-ohms-law", 1, 1)
    ranks = [(-c.below_half, c.mean_mastery) for c in o.attention]
    assert ranks == sorted(ranks) and all(c.below_half for c in o.attention)
    html = get_as(client, people["teacher"], reverse("studio-overview", args=["mini"])).content
    assert b"Computes I = R / V." in html and b"2 learners enrolled; 1 has answered" in html
    assert b'<td data-label="Right">50%</td>' in html


def test_class_overview_does_not_call_a_concept_nobody_has_reached_weak(client, people, course):
    # Every learner who had answered anything was counted in every concept's bands, so
    # a concept nobody had reached sat at the starting 30 % and topped "Needs attention"
    # ("Voltage divider: 1 of 1 learner below 50 %" with no answer on it).
    from tutor.selectors import course_overview

    item = course.items.get(key="ohm-mc")
    for k in "abc":
        _answer_choice(people["student"], item, correct=True, key=k)
    o = course_overview(course=course)
    divider = next(c for c in o.concepts if c.concept.key == "divider")
    ohm = next(c for c in o.concepts if c.concept.key == "ohms-law")
    assert (divider.learners, divider.not_reached, divider.below_half) == (0, 1, 0)
    assert (ohm.learners, ohm.not_reached) == (1, 0)
    assert divider not in o.attention
    html = get_as(client, people["teacher"], reverse("studio-overview", args=["mini"])).content
    row = html.decode().split('id="concept-divider"')[1].split("</tr>")[0]
    assert "not reached 1" in row and "0%" not in row


def test_class_overview_queries_do_not_grow_with_the_class(client, people, course):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("studio-overview", args=["mini"])
    client.force_login(people["teacher"])
    counts = []
    for n in (3, 12):
        call_command("simulate_cohort", "--course", "mini", "--learners", str(n), "--seed", "5")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("state", [{"format": 99}, {"mastery": {"ohms-law": 1.5}},
                                   {"mastery": {"ohms-law": None}}, ["x"]])
def test_one_damaged_learner_record_does_not_take_the_class_overview_down(
        client, people, course, state):
    from tests.tutor.factories import UserFactory
    from tutor.models import Enrolment, LearnerState
    from tutor.services.attempts import attempt_record

    item = course.items.get(key="ohm-num")
    attempt_record(learner=people["student"], item=item, answer="9.4 V", idempotency_key="k")
    other = UserFactory(username="damaged")
    Enrolment.objects.create(learner=other, course=course)
    LearnerState.objects.create(learner=other, course=course, state=state)
    response = get_as(client, people["teacher"], reverse("studio-overview", args=["mini"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The records of 1 learner could not be read" in html
    assert response.context["overview"].answered == 1
