"""Pages, asked by all four people: enrolled student, teacher, admin, outsider."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.tutor.factories import TEST_PASSWORD
from tests.tutor.helpers import get_as
from tutor import selectors
from tutor.models import Attempt, Enrolment

pytestmark = pytest.mark.django_db




def test_login_page_and_login(client, student):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "sam", "password": TEST_PASSWORD})
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_anonymous_users_are_sent_to_log_in(client, course):
    for url in [reverse("home"), reverse("course", args=["mini"]), reverse("studio"),
                reverse("practice", args=["mini", "ohm-mc"])]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize(("who", "status"), [("student", 200), ("teacher", 302), ("admin", 302),
                                             ("outsider", 200)])
def test_home(client, people, who, status):
    response = get_as(client, people[who], reverse("home"))
    assert response.status_code == status
    if who == "student":
        assert b"Mini circuits" in response.content and b"0 of 4" in response.content
        # nothing answered yet: the diagnostic first, not "Continue practising"
        assert b"Start with a short diagnostic" in response.content
        assert b"Continue practising" not in response.content


@pytest.mark.parametrize("who", ["student", "teacher", "admin", "outsider"])
def test_course_page_shows_concepts_with_prerequisites(client, people, who):
    response = get_as(client, people[who], reverse("course", args=["mini"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Voltage divider" in html and 'href="#concept-ohms-law"' in html
    assert ("Enrol in this course" in html) == (who == "outsider")


def test_unknown_course_is_404(client, student):
    assert get_as(client, student, reverse("course", args=["nope"])).status_code == 404


@pytest.mark.parametrize(("who", "status"), [("student", 200), ("teacher", 200), ("admin", 200),
                                             ("outsider", 403)])
def test_lesson_page(client, people, who, status):
    response = get_as(client, people[who], reverse("lesson", args=["mini", "02-ohms-law"]))
    assert response.status_code == status
    if status == 200:
        assert b"<math" in response.content
        assert reverse("practice", args=["mini", "ohm-mc"]).encode() in response.content


@pytest.mark.parametrize(("who", "status"), [("student", 200), ("teacher", 200), ("admin", 200),
                                             ("outsider", 403)])
def test_practice_page(client, people, who, status):
    response = get_as(client, people[who], reverse("practice", args=["mini", "ohm-mc"]))
    assert response.status_code == status


def test_outsider_can_enrol_and_then_practise(client, people):
    client.force_login(people["outsider"])
    response = client.post(reverse("enrol", args=["mini"]))
    assert response.status_code == 302
    assert Enrolment.objects.filter(learner=people["outsider"]).count() == 1
    assert client.get(reverse("practice", args=["mini", "ohm-mc"])).status_code == 200


TEACHER_PAGE = [("student", 403), ("teacher", 200), ("admin", 200), ("outsider", 403)]


@pytest.mark.parametrize(("who", "status"), TEACHER_PAGE)
def test_studio(client, people, who, status):
    response = get_as(client, people[who], reverse("studio"))
    assert response.status_code == status
    if status == 200:
        assert b"Mini circuits" in response.content and b"Import a course" in response.content
        html = response.content.decode()
        # the upload field points at its help text, which must exist under that id
        assert 'aria-describedby="id_file_helptext"' in html and 'id="id_file_helptext"' in html
        assert reverse("studio-course-format") in html


@pytest.mark.parametrize(("who", "status"), TEACHER_PAGE)
def test_the_course_format_is_a_page_for_teachers(client, people, who, status):
    response = get_as(client, people[who], reverse("studio-course-format"))
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert "<h1>Course file format (version 1)</h1>" in html and "course.yaml" in html


@pytest.mark.parametrize(("who", "status"), [("student", 302), ("teacher", 302), ("admin", 200),
                                             ("outsider", 302)])
def test_django_admin_is_for_admins(client, people, who, status):
    assert get_as(client, people[who], "/admin/").status_code == status


def _answer(client, item, answer, key, htmx=True):  # type: ignore[no-untyped-def]
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(reverse("practice-answer", args=["mini", item]),
                       {"answer": answer, "submission_key": key}, headers=headers)


def test_multiple_choice_wrong_then_right_with_htmx(client, course, student):
    client.force_login(student)
    item = course.items.get(key="ohm-mc")
    wrong = item.choices.get(text="0.5 A")
    right = item.choices.get(is_correct=True)
    response = _answer(client, "ohm-mc", str(wrong.pk), "k-1")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html, "htmx must get the partial only"
    assert "Not quite" in html and "Computes I = R / V." in html
    assert 'hx-swap-oob="true"' in html  # a fresh submission key for the next try
    response = _answer(client, "ohm-mc", str(right.pk), "k-2")
    assert "Correct" in response.content.decode()
    verdicts = list(Attempt.objects.order_by("created_at").values_list("verdict", flat=True))
    assert verdicts == ["incorrect", "correct"]
    first = Attempt.objects.order_by("created_at").first()
    assert first is not None and first.misconception.key == "inverted-ohms-law"


def test_double_submit_is_recorded_once(client, course, student):
    client.force_login(student)
    right = course.items.get(key="ohm-mc").choices.get(is_correct=True)
    for _ in range(3):
        _answer(client, "ohm-mc", str(right.pk), "same-key")
    assert Attempt.objects.count() == 1


def test_answer_without_javascript_redirects_to_the_feedback(client, course, student):
    client.force_login(student)
    response = _answer(client, "ohm-num", "9.4 V", "k-3", htmx=False)
    attempt = Attempt.objects.get()
    assert response.status_code == 302
    assert response.url.endswith(f"/practice/ohm-num/?attempt={attempt.pk}")
    page = client.get(response.url).content.decode()
    assert "Correct" in page and "<html" in page


@pytest.mark.parametrize(("answer", "verdict"), [("9.4 V", "correct"), ("9400 mV", "correct"),
                                                 ("9.4", "correct"), ("9.4 kV", "incorrect"),
                                                 ("-9.4 V", "incorrect"), ("9.4 A", "incorrect")])
def test_numeric_answers_are_judged_with_units(client, course, student, answer, verdict):
    client.force_login(student)
    _answer(client, "ohm-num", answer, f"k-{answer}")
    assert Attempt.objects.get().verdict == verdict


def test_unreadable_and_empty_answers_get_a_clear_message(client, course, student):
    client.force_login(student)
    response = _answer(client, "ohm-num", "", "k-4")
    # 200, not 422: htmx swaps no 4xx reply, so the learner saw nothing happen.
    assert response.status_code == 200 and "Please give an answer" in response.content.decode()
    assert Attempt.objects.count() == 0
    response = _answer(client, "ohm-mc", "999999", "k-5")
    assert "Please pick one of the choices" in response.content.decode()


def _hint(client, item, htmx=True):  # type: ignore[no-untyped-def]
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(reverse("practice-hint", args=["mini", item]), headers=headers)


def test_hints_open_one_at_a_time_and_the_answer_after_them_is_assisted(client, course, student):
    # The course's hints used to reach no page, so no answer was ever assisted and the
    # learner model's discount for assisted answers never applied.
    client.force_login(student)
    page = client.get(reverse("practice", args=["mini", "ohm-num"])).content.decode()
    assert "Show a hint" in page and "Multiply the current" not in page
    shown = _hint(client, "ohm-num").content.decode()
    assert "Hint 1:" in shown and "Multiply the current by the resistance." in shown
    assert "Mind the prefixes" not in shown and "Show another hint" in shown
    assert "autofocus" in shown  # the hint just opened takes the focus
    # A reload keeps what was opened, without focusing it again.
    page = client.get(reverse("practice", args=["mini", "ohm-num"])).content.decode()
    assert "Multiply the current" in page and "autofocus" not in page
    _answer(client, "ohm-num", "9.4 kV", "k-h1")
    _hint(client, "ohm-num", htmx=False)
    _hint(client, "ohm-num")  # none left: stays at two
    page = client.get(reverse("practice", args=["mini", "ohm-num"])).content.decode()
    assert "<math" in page and "Show another hint" not in page  # the TeX is rendered
    _answer(client, "ohm-num", "9.4 V", "k-h2")
    _answer(client, "ohm-num", "9.4 V", "k-h3")  # solved: the next try starts afresh
    used = dict(Attempt.objects.values_list("idempotency_key", "hints_used"))
    assert used == {"k-h1": 1, "k-h2": 2, "k-h3": 0}


def test_a_right_answer_judged_later_ends_the_hint_count(client, course, student, eager_celery,
                                                         django_capture_on_commit_callbacks):
    # With a worker a circuit answer is pending when the reply is made: the count used
    # to survive it, and every later answer to the item was recorded as assisted.
    from tutor.models import Item

    Item.objects.filter(key="divider-circuit").update(hints=["Equal resistors share it."])
    client.force_login(student)
    _hint(client, "divider-circuit")
    with django_capture_on_commit_callbacks(execute=False) as judged_later:
        _answer(client, "divider-circuit", "5 V", "c-1")
    assert Attempt.objects.get(idempotency_key="c-1").verdict == "pending"
    for callback in judged_later:
        callback()  # the worker judges it after the reply
    _answer(client, "divider-circuit", "5 V", "c-2")
    used = dict(Attempt.objects.values_list("idempotency_key", "hints_used"))
    assert used == {"c-1": 1, "c-2": 0}


def test_a_hint_without_javascript_returns_to_the_question(client, course, student):
    client.force_login(student)
    response = _hint(client, "ohm-num", htmx=False)
    assert response.status_code == 302
    assert response["Location"] == reverse("practice", args=["mini", "ohm-num"]) + "#hints"


def test_an_assisted_right_answer_moves_mastery_less(client, course, student, outsider):
    from tutor.services.courses import enrolment_create

    enrolment_create(learner=outsider, course=course)
    for who, hinted in ((student, False), (outsider, True)):
        client.force_login(who)
        if hinted:
            _hint(client, "ohm-num")
        _answer(client, "ohm-num", "9.4 V", f"k-{who.pk}")
    known = {who.pk: selectors.learner_model(learner=who, course=course).mastery["ohms-law"]
             for who in (student, outsider)}
    assert known[outsider.pk] < known[student.pk]


def test_an_item_without_hints_offers_none(client, course, student):
    client.force_login(student)
    page = client.get(reverse("practice", args=["mini", "ohm-mc"])).content.decode()
    assert 'id="hints"' not in page
    assert _hint(client, "ohm-mc").status_code == 200  # nothing to open; harmless


def test_question_pages_are_not_cached_so_back_shows_no_stale_form(client, course, student):
    client.force_login(student)
    for url in (reverse("practice", args=["mini", "ohm-num"]), reverse("diagnostic", args=["mini"])):
        assert "no-store" in client.get(url)["Cache-Control"]


def test_outsider_cannot_answer(client, course, outsider):
    client.force_login(outsider)
    assert _answer(client, "ohm-mc", "1", "k-6").status_code == 403
    assert Attempt.objects.count() == 0


def test_practice_next_goes_to_the_first_item_not_yet_right(client, course, student):
    client.force_login(student)
    response = client.get(reverse("practice-next", args=["mini"]))
    assert response.url == reverse("practice", args=["mini", "ohm-mc"])


def test_home_lists_courses_in_bounded_queries(client, course, student, django_assert_max_num_queries):
    client.force_login(student)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("home")).status_code == 200


def test_course_page_queries_do_not_grow_with_concepts(client, course, student,
                                                       django_assert_max_num_queries):
    client.force_login(student)
    with django_assert_max_num_queries(10):
        client.get(reverse("course", args=["mini"]))


def test_studio_import_shows_every_problem_and_writes_nothing(client, teacher, mini_course_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = (mini_course_path / "course.yaml").read_text().replace(
        "prerequisites: [voltage]", "prerequisites: [divider]")
    client.force_login(teacher)
    response = client.post(reverse("studio-import"),
                           {"file": SimpleUploadedFile("mini.yaml", bad.encode())})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was imported" in html and "prerequisite cycle" in html


def test_a_refused_upload_keeps_the_admins_heading_and_names_its_error(client, admin_user):
    # After a refused upload an admin's studio said "Your courses" (it lists every
    # teacher's), and the field's aria-describedby named an error id no element had.
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(admin_user)
    response = client.post(reverse("studio-import"), {"file": SimpleUploadedFile("e.yaml", b"")})
    html = response.content.decode()
    assert response.status_code == 400 and "All courses" in html
    assert 'aria-describedby="id_file_helptext id_file_error"' in html
    assert 'id="id_file_error"' in html


def test_studio_import_of_a_single_file(client, teacher, mini_course_path, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tutor.coursefiles import load_course, write_course

    path = write_course(load_course(mini_course_path), tmp_path / "mini.yaml")
    client.force_login(teacher)
    response = client.post(reverse("studio-import"),
                           {"file": SimpleUploadedFile("mini.yaml", path.read_bytes())})
    assert response.status_code == 302
    assert client.get(reverse("studio")).content.decode().count(">Mini circuits</a>") == 1


def test_students_cannot_import(client, student, mini_course_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(student)
    response = client.post(reverse("studio-import"), {"file": SimpleUploadedFile("x.yaml", b"a")})
    assert response.status_code == 403


@pytest.mark.parametrize(("who", "status"), [("student", 403), ("teacher", 200), ("admin", 200),
                                             ("outsider", 403)])
def test_studio_course_page_lists_learners(client, people, who, status):
    response = get_as(client, people[who], reverse("studio-course", args=["mini"]))
    assert response.status_code == status
    if status == 200:
        assert b"sam" in response.content


def test_another_teacher_cannot_open_the_studio_course_page(client, course):
    from tests.tutor.factories import UserFactory

    other = UserFactory(username="otto", role="teacher")
    assert get_as(client, other, reverse("studio-course", args=["mini"])).status_code == 403


def test_course_content_is_shown_not_changed_in_the_django_admin(client, people, course):
    # An admin edit of an item's prompt was not shown (its rendered HTML was stale), a
    # changed answer text was not the value graded, and the next export wrote it out.
    client.force_login(people["admin"])
    item = course.items.get(key="ohm-num")
    url = f"/admin/tutor/item/{item.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and b"9.4 V" in page.content
    assert b'name="prompt"' not in page.content  # shown, not a field
    response = client.post(url, {"key": "ohm-num", "prompt": "EDITED", "answer_text": "5 V"})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.answer_text == "9.4 V" and item.prompt != "EDITED"
    assert client.post(f"/admin/tutor/concept/{course.concepts.first().pk}/delete/",
                       {"post": "yes"}).status_code == 403
    listing = client.get("/admin/tutor/item/").content.decode()
    assert "edited in its course files" in listing
    # people and enrolments are still the admin's to manage
    assert client.get("/admin/tutor/enrolment/add/").status_code == 200


def test_an_admin_can_delete_a_person_with_their_answers(client, people, course):
    # Answers are read-only in the admin, which its delete page took as a refusal to
    # delete anyone who had answered: "Cannot delete user", and 403 on confirming.
    from tutor.models import User
    from tutor.services.attempts import attempt_record

    student = people["student"]
    attempt_record(learner=student, item=course.items.get(key="ohm-num"), answer="9.4 V",
                   idempotency_key="del-1")
    client.force_login(people["admin"])
    url = f"/admin/tutor/user/{student.pk}/delete/"
    assert "Cannot delete" not in client.get(url).content.decode()
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not User.objects.filter(pk=student.pk).exists()
    assert not Attempt.objects.filter(learner_id=student.pk).exists()
    # a teacher who owns a course is still protected by it
    owner = course.owner
    assert "Cannot delete" in client.get(f"/admin/tutor/user/{owner.pk}/delete/").content.decode()


def test_a_student_who_owns_a_course_does_not_get_its_studio(client, people, course):
    # The admin offered every user as a course's owner, and ownership alone opened the
    # studio: a student made owner saw every learner's path, the overview and the export.
    client.force_login(people["admin"])
    form = client.get(f"/admin/tutor/course/{course.pk}/change/").content.decode()
    owner_select = form.split('name="owner"')[1].split("</select>")[0]
    assert people["teacher"].username in owner_select
    assert people["student"].username not in owner_select
    student = people["student"]
    course.owner = student
    course.save(update_fields=["owner"])
    for name in ("studio-course", "studio-overview", "studio-items"):
        assert get_as(client, student, reverse(name, args=["mini"])).status_code == 403


def test_an_htmx_answer_brings_the_answer_history_up_to_date(client, course, student):
    # "Your recent answers" stayed as the page loaded: the new answer appeared only
    # after a reload. It now comes out of band with the feedback, with what was answered.
    client.force_login(student)
    page = client.get(reverse("practice", args=["mini", "ohm-num"])).content.decode()
    assert 'id="answer-history"' in page and "hidden" in page.split('id="answer-history"')[1][:80]
    html = _answer(client, "ohm-num", "1 V", "k-1").content.decode()
    assert 'id="answer-history" aria-labelledby="history-heading" hx-swap-oob="true"' in html
    assert "Incorrect, <q>1 V</q>" in html
    html = _answer(client, "ohm-num", "9.4 V", "k-2").content.decode()
    history = html.split('id="answer-history"')[1]
    assert history.index("Correct, <q>9.4 V</q>") < history.index("Incorrect, <q>1 V</q>")


def test_a_course_description_is_rendered_as_markdown(client, course, student):
    # The format says Markdown; the page showed the ** and $ as typed.
    from tests.conftest import MINI_COURSE
    from tutor.coursefiles import load_course
    from tutor.services.courses import course_import

    spec = load_course(MINI_COURSE)
    spec = type(spec)(**{**spec.__dict__, "description": "A **tiny** course on $V = IR$."})
    course_import(spec=spec, actor=course.owner)
    html = get_as(client, student, reverse("course", args=["mini"])).content.decode()
    assert "<strong>tiny</strong>" in html and "<math" in html and "**" not in html


def test_practise_in_a_course_with_no_items_says_so(client, course, student):
    # A learner who had never answered was told they had answered every item correctly.
    course.items.update(is_active=False)
    client.force_login(student)
    page = client.get(reverse("practice-next", args=["mini"]), follow=True).content.decode()
    assert "This course has no practice items yet." in page and "every item" not in page


def test_the_admin_cannot_write_a_course_description_the_page_prints_as_it_is(
        client, people, course):
    client.force_login(people["admin"])
    url = f"/admin/tutor/course/{course.pk}/change/"
    assert b'name="description_html"' not in client.get(url).content
    client.post(url, {"owner": people["teacher"].pk,
                      "description_html": "<img src=x onerror=alert(1)>"})
    course.refresh_from_db()
    assert "onerror" not in course.description_html


def test_a_form_sent_with_a_stale_csrf_token_gets_the_sites_own_page(course, student):
    # Without JavaScript, Django's own page (advice for developers, outside the site).
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    response = client.post(reverse("practice-answer", args=["mini", "ohm-num"]),
                           {"answer": "9.4 V", "submission_key": "k"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "This page is out of date" in html and "Your courses" in html


def test_a_course_cannot_be_deleted_in_the_django_admin(client, people, course):
    # Deleting it took every learner's answers and mastery with it.
    # (the refusal came late, from the content it would delete; now it is not offered)
    client.force_login(people["admin"])
    assert b'class="deletelink"' not in client.get(f"/admin/tutor/course/{course.pk}/change/").content
    assert b"delete_selected" not in client.get("/admin/tutor/course/").content
    assert client.post(f"/admin/tutor/course/{course.pk}/delete/",
                       {"post": "yes"}).status_code == 403
    from tutor.models import Course

    assert Course.objects.filter(pk=course.pk).exists()
