"""Forms that come back stale or doctored: a clear answer, never a 500, nothing misfiled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tutor.models import Attempt, DiagnosticSession, Item

pytestmark = pytest.mark.django_db


def _answer(client, item, answer, key):  # type: ignore[no-untyped-def]
    return client.post(reverse("practice-answer", args=["mini", item]),
                       {"answer": answer, "submission_key": key}, headers={"HX-Request": "true"})


def test_a_submission_key_sent_again_with_another_question_is_refused(client, course, student):
    # The earlier attempt used to be returned for whatever question came with the key:
    # the practice page showed another item's verdict as this one's.
    client.force_login(student)
    _answer(client, "ohm-num", "9.4 V", "k-1")
    right = str(Item.objects.get(key="ohm-mc").choices.get(is_correct=True).pk)
    response = _answer(client, "ohm-mc", right, "k-1")
    assert response.status_code == 200
    assert "already sent for another question" in response.content.decode()
    assert list(Attempt.objects.values_list("item__key", flat=True)) == ["ohm-num"]


@pytest.mark.parametrize("same_item", [False, True])
def test_a_practice_key_replayed_into_the_diagnostic_is_refused(client, course, student,
                                                                same_item):
    # The diagnostic took the practice attempt that owned the key as the answer to the
    # question asked (or failed with a 500 when that item was already asked), and with
    # the same item it recorded the old answer and lost the one just given.
    client.force_login(student)
    client.post(reverse("diagnostic-start", args=["mini"]))
    asked = client.get(reverse("diagnostic", args=["mini"])).context["step"].item
    DiagnosticSession.objects.update(started_at=timezone.now())
    other = Item.objects.exclude(pk=asked.pk).exclude(kind="design").first()
    old = asked if same_item else other
    Attempt.objects.create(learner=student, item=old, raw_answer="0", verdict="incorrect",
                           idempotency_key="practice-1",
                           created_at=timezone.now() - timedelta(minutes=5))
    Attempt.objects.filter(idempotency_key="practice-1").update(
        created_at=timezone.now() - timedelta(minutes=5))
    answer = (str(asked.choices.get(is_correct=True).pk) if asked.kind == "multiple_choice"
              else asked.answer_text or "5 V")
    response = client.post(reverse("diagnostic-answer", args=["mini"]),
                           {"item": asked.key, "answer": answer,
                            "submission_key": "practice-1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "already sent" in response.content.decode()
    assert DiagnosticSession.objects.get().attempts.count() == 0


@pytest.mark.parametrize("action", ["remove-²", "remove-①", "remove-" + "9" * 4301])
def test_a_builder_action_with_odd_digits_is_no_action(client, course, student, action):
    client.force_login(student)
    response = client.post(reverse("builder", args=["mini", "divider-design"]),
                           {"builder_action": action}, headers={"HX-Request": "true"})
    assert response.status_code == 200


@pytest.mark.parametrize("attempt", ["²", "①", "9" * 4301])
def test_an_odd_attempt_parameter_is_ignored(client, course, student, attempt):
    client.force_login(student)
    url = reverse("practice", args=["mini", "ohm-num"])
    assert client.get(url, {"attempt": attempt}).status_code == 200


def test_the_practice_page_shows_only_its_own_items_answers(client, course, student):
    client.force_login(student)
    _answer(client, "ohm-num", "1 V", "k-1")
    other = Attempt.objects.get()
    page = client.get(reverse("practice", args=["mini", "ohm-mc"]), {"attempt": other.pk})
    assert page.status_code == 200 and page.context["attempt"] is None
    poll = reverse("attempt-status", args=["mini", "ohm-mc", other.pk])
    assert client.get(poll).status_code == 404


@pytest.mark.parametrize("stored", [[1, float("inf")], [10**30, 1e308]])
def test_a_damaged_hint_count_in_the_session_counts_no_hints(client, course, student, stored):
    client.force_login(student)
    item = Item.objects.get(key="ohm-num")
    session = client.session
    session[f"hints-shown:{item.pk}"] = stored
    session.save()
    assert client.get(reverse("practice", args=["mini", "ohm-num"])).status_code == 200


@pytest.mark.parametrize(("name", "args", "back"), [
    ("practice-answer", ["mini", "ohm-num"], "practice"),
    ("practice-hint", ["mini", "ohm-num"], "practice"),
    ("builder", ["mini", "divider-design"], "practice"),
    ("enrol", ["mini"], "course"),
    ("diagnostic-start", ["mini"], "diagnostic"),
    ("diagnostic-answer", ["mini"], "diagnostic"),
    ("path-goals", ["mini"], "path"),
    ("studio-import", [], "studio"),
    ("studio-recalibrate", ["mini"], "studio-items"),
])
def test_a_form_only_address_opened_goes_to_its_page(client, course, student, name, args,
                                                     back):
    # Without JavaScript a refused answer is shown at the form's address; Enter in the
    # address bar then gave an empty 405 page.
    client.force_login(student)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"] == reverse(back, args=args)
    assert client.put(reverse(name, args=args)).status_code == 405
    assert not Attempt.objects.exists()


def test_a_form_only_address_opened_signed_out_logs_in_to_its_page(client, course, student):
    target = reverse("practice", args=["mini", "ohm-num"])
    response = client.get(reverse("practice-answer", args=["mini", "ohm-num"]), follow=True)
    assert response.redirect_chain[0] == (target, 302)
    assert response.redirect_chain[-1][0] == f"{reverse('login')}?next={target}"


def test_logout_opened_from_the_address_bar_offers_the_button(client, student):
    client.force_login(student)
    response = client.get(reverse("logout"))
    assert response.status_code == 405 and "POST" in response["Allow"]
    page = response.content.decode()
    assert f'action="{reverse("logout")}"' in page and "logged in as sam" in page
    assert client.get(reverse("home")).status_code == 200  # still logged in
    client.logout()
    page = client.get(reverse("logout")).content.decode()
    assert "This address only takes a form" in page and "logged in as" not in page


def test_an_htmx_request_keeps_the_bare_405(client, student):
    client.force_login(student)
    response = client.get(reverse("logout"), headers={"HX-Request": "true"})
    assert response.status_code == 405 and response.content == b""
