"""The circuit builder: rows in, schematic and netlist out; design answers checked by SPICE."""

from __future__ import annotations

import re

import pytest
from django.http import QueryDict
from django.urls import reverse

from tutor.builder import (
    answer_from_post,
    build,
    rows_from_netlist,
    rows_from_post,
    rows_holding,
)
from tutor.models import Attempt

DIVIDER_ROWS = [("V", "V1", "in", "0", "", "5 V"), ("R", "R1", "in", "out", "", "1.7 kΩ"),
                ("R", "R2", "out", "0", "", "3.3k")]


def _post(rows, **extra) -> QueryDict:  # type: ignore[no-untyped-def]
    q = QueryDict(mutable=True)
    for kind, name, n1, n2, n3, value in rows:
        for key, val in zip(("kind", "name", "n1", "n2", "n3", "value"),
                            (kind, name, n1, n2, n3, value), strict=True):
            q.appendlist(f"el_{key}", val)
    for key, val in extra.items():
        q[key] = val
    return q


def test_rows_become_a_netlist():
    built = build(rows_from_post(_post(DIVIDER_ROWS)))
    assert built.error == ""
    assert built.netlist.splitlines() == ["V1 in 0 DC 5", "R1 in out 1.7k", "R2 out 0 3.3k"]


def test_add_and_remove_actions():
    rows = rows_from_post(_post(DIVIDER_ROWS[:2], builder_action="add", new_kind="R",
                                new_name="R2", new_n1="out", new_n2="0", new_value="3k3"))
    assert [r.name for r in rows] == ["V1", "R1", "R2"]
    rows = rows_from_post(_post(DIVIDER_ROWS, builder_action="remove-1"))
    assert [r.name for r in rows] == ["V1", "R2"]


def test_changing_a_named_rows_kind_renames_it_rather_than_prefixing_the_old_name():
    rows = rows_from_post(_post([("C", "R2", "out", "0", "", "1u"), ("X", "R9", "a", "b", "c", ""),
                                 ("C", "load", "out", "0", "", "1u")]))
    # a designator (letter, number) follows the kind; a word is left to the netlist,
    # which prefixes it ("load" as a capacitor is Cload: SPICE would read an inductor)
    assert [r.name for r in rows] == ["C2", "X9", "load"]
    built = build(rows_from_post(_post([("V", "V1", "in", "0", "", "5 V"),
                                        ("R", "R1", "in", "out", "", "1k"),
                                        ("C", "R2", "out", "0", "", "1u")])))
    assert "C2 out 0 1u" in built.netlist and "CR2" not in built.netlist


def test_enter_adds_the_new_row_when_it_is_filled_in_and_otherwise_only_redraws():
    rows = rows_from_post(_post(DIVIDER_ROWS[:2], builder_action="enter", new_kind="R",
                                new_name="R2", new_n1="out", new_n2="0", new_value="3k3"))
    assert [r.name for r in rows] == ["V1", "R1", "R2"]
    rows = rows_from_post(_post(DIVIDER_ROWS, builder_action="enter", new_kind="R"))
    assert [r.name for r in rows] == ["V1", "R1", "R2"]


@pytest.mark.django_db
def test_enter_in_a_builder_field_never_removes_the_given_source(client, course, student):
    # Enter presses a form's first submit button, which was row 1's Remove: pressing
    # Enter in the new row's value deleted the source the item gives and the new row.
    client.force_login(student)
    page = client.get(reverse("practice", args=["mini", "divider-design"])).content.decode()
    form = page[page.index('class="stack answer-form"'):]
    first_submit = re.search(r"<button[^>]*type=\"submit\"[^>]*>", form)
    assert first_submit is not None and 'value="enter"' in first_submit.group(0)


@pytest.mark.parametrize(("rows", "message"), [
    ([("R", "R1", "in", "out", "", "abc")], "row 1"),
    ([("V", "V1", "in", "0", "", "5"), ("R", "R1", "in", "out", "", "1k")], "dangling"),
    ([("R", "R1", "a", "b", "", "1k\n.control")], "row 1"),
    ([("R", "R1", "a", "b", "", "1k; shell ls")], "row 1"),
])
def test_bad_rows_are_named_and_nothing_is_built(rows, message):
    built = build(rows_from_post(_post(rows)))
    assert built.netlist == ""
    assert message in built.error


def test_typed_netlist_takes_precedence_over_rows():
    netlist, error = answer_from_post(_post(DIVIDER_ROWS, netlist_text="V1 a 0 5\nR1 a 0 1k"))
    assert (netlist, error) == ("V1 a 0 5\nR1 a 0 1k", "")


def test_starter_netlist_becomes_rows():
    rows = rows_from_netlist("V1 in 0 DC 5")
    assert [(r.kind, r.name, r.nodes[:2]) for r in rows] == [("V", "V1", ["in", "0"])]


@pytest.mark.django_db
def test_builder_view_returns_the_schematic_partial(client, course, student):
    client.force_login(student)
    url = reverse("builder", args=["mini", "divider-design"])
    response = client.post(url, _post(DIVIDER_ROWS, builder_action="update").urlencode(),
                           content_type="application/x-www-form-urlencoded",
                           headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<fieldset id="circuit-builder"')
    assert "<svg" in html and "R2 out 0 3.3k" in html
    # two-terminal elements show two node boxes; the third travels hidden, so the
    # columns stay aligned and an op-amp row (three nodes) shows all three
    assert html.count('type="text" name="el_n3"') == 0
    assert html.count('type="hidden" name="el_n3"') == 3
    response = client.post(url, _post([*DIVIDER_ROWS, ("X", "U1", "p", "m", "o", "")],
                                      builder_action="update").urlencode(),
                           content_type="application/x-www-form-urlencoded",
                           headers={"HX-Request": "true"})
    assert response.content.decode().count('type="text" name="el_n3"') == 1


@pytest.mark.django_db
def test_builder_works_without_javascript(client, course, student):
    client.force_login(student)
    response = client.post(reverse("builder", args=["mini", "divider-design"]),
                           _post(DIVIDER_ROWS[:1], builder_action="add", new_kind="R",
                                 new_name="R1", new_n1="in", new_n2="0",
                                 new_value="10k").urlencode(),
                           content_type="application/x-www-form-urlencoded")
    html = response.content.decode()
    assert "<html" in html and 'value="R1"' in html and "<svg" in html


@pytest.mark.django_db
def test_outsider_cannot_use_the_builder(client, course, outsider):
    client.force_login(outsider)
    response = client.post(reverse("builder", args=["mini", "divider-design"]),
                           _post(DIVIDER_ROWS).urlencode(),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.spice
@pytest.mark.usefixtures("eager_celery")
@pytest.mark.parametrize(("rows", "verdict"), [
    (DIVIDER_ROWS, "correct"),
    ([("V", "V1", "in", "0", "", "5 V"), ("R", "R1", "in", "out", "", "170"),
      ("R", "R2", "out", "0", "", "330")], "incorrect"),   # 3.3 V but 10 mA
])
def test_design_answers_are_checked_against_the_constraints(
        client, course, student, django_capture_on_commit_callbacks, rows, verdict):
    client.force_login(student)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("practice-answer", args=["mini", "divider-design"]),
                    _post(rows, submission_key="d-1").urlencode(),
                    content_type="application/x-www-form-urlencoded",
                    headers={"HX-Request": "true"})
    attempt = Attempt.objects.get()
    assert attempt.verdict == verdict
    assert len(attempt.feedback["constraints"]) == 3
    if verdict == "incorrect":
        unmet = [c for c in attempt.feedback["constraints"] if not c["satisfied"]]
        assert [c["constraint"] for c in unmet] == ["|I(V1)| <= 1 mA"]


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_celery")
def test_a_hostile_design_netlist_is_refused_with_its_own_reason_only(
        client, course, student, django_capture_on_commit_callbacks):
    client.force_login(student)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("practice-answer", args=["mini", "divider-design"]),
            {"netlist_text": ".control\nshell ls\n.endc", "submission_key": "d-2"},
            headers={"HX-Request": "true"})
    attempt = Attempt.objects.get()
    assert attempt.verdict == Attempt.Verdict.INVALID  # refused: nothing was simulated
    html = client.get(reverse("attempt-status", args=["mini", "divider-design", attempt.pk]),
                      headers={"HX-Request": "true"}).content.decode()
    assert "not allowed" in html
    # the hint for numeric answers does not belong under a netlist's error
    assert "Write a number with its unit" not in html


@pytest.mark.parametrize(("netlist", "held"), [
    ("V1 in 0 DC 5\nR1 in out 3.4k", True),  # unfinished (a dangling node): still rows
    ("V1 in 0 DC 1\nR1 in m 1k\nXU1 0 m o OPAMP\nC1 o 0 1u\nD1 o 0", True),
    ("V1 in 0 DC 5\nE1 x 0 in 0 2\nR1 x 0 1k", False),  # four nodes: no such row
    ("V1 in 0 DC 5\nD1 in 0 MYD\n.model MYD D(IS=1e-12)", False),  # a diode model of its own
    (".control\nshell ls\n.endc", False),  # refused: back in its box as typed
])
def test_rows_hold_a_netlist_only_when_they_can_hold_all_of_it(netlist, held):
    assert (rows_holding(netlist) is not None) is held


@pytest.mark.django_db
def test_a_design_question_says_its_constraints_in_words(client, course, student):
    client.force_login(student)
    page = client.get(reverse("practice", args=["mini", "divider-design"])).content.decode()
    listed = page.split('<ul class="constraints">')[1].split("</ul>")[0]
    assert "<li>The voltage at node out: 3.3 V (± 2 %)" in listed
    assert "<li>Exactly 1 voltage source <span" in listed
    assert "<code>count(V) = 1</code>" in listed  # the expression stays, for reference
