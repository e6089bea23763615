"""A browser whose session ended is sent to a login page it can follow, and back."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGE = "/courses/mini/practice/ohm-num/"


def test_an_htmx_answer_after_the_session_ended_loads_the_login_page(client, course):
    # htmx used to swap the whole login page into the feedback box, and its "next"
    # was the POST-only answer endpoint, so logging in there ended on a 405.
    response = client.post(reverse("practice-answer", args=["mini", "ohm-num"]),
                           {"answer": "9.4 V", "submission_key": "k"},
                           headers={"HX-Request": "true",
                                    "HX-Current-URL": f"http://testserver{PAGE}"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/login/?next={PAGE.replace('/', '%2F')}"


def test_a_form_post_after_the_session_ended_returns_to_the_page_it_came_from(client, course):
    response = client.post(reverse("practice-hint", args=["mini", "ohm-num"]),
                           headers={"Referer": f"http://testserver{PAGE}?attempt=3"})
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Fcourses%2Fmini%2Fpractice%2Fohm-num%2F%3Fattempt%3D3"


@pytest.mark.parametrize("referer", ["https://evil.example/courses/", "", "javascript:alert(1)"])
def test_a_foreign_or_missing_referer_returns_home(client, course, referer):
    headers = {"Referer": referer} if referer else {}
    response = client.post(reverse("practice-hint", args=["mini", "ohm-num"]), headers=headers)
    assert response["Location"] == "/login/?next=%2F"


def test_a_page_asked_for_while_signed_out_keeps_its_own_next(client, course):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"] == f"/login/?next={PAGE}"


def test_a_learner_not_enrolled_is_shown_the_way_to_enrol(client, course, outsider):
    client.force_login(outsider)
    response = client.get(PAGE)
    assert response.status_code == 403
    html = response.content.decode()
    assert "Enrol in this course" in html and 'href="/courses/mini/"' in html


def test_logging_out_lands_on_a_login_page_without_a_next(client, student):
    client.force_login(student)
    response = client.post(reverse("logout"), headers={"Referer": f"http://testserver{PAGE}"})
    assert response.status_code == 302 and response["Location"] == "/login/"
