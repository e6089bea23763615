"""The demo course is part of the product: it must be complete and well formed."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tutor.coursefiles import load_course
from tutor.rendering import render_markdown
from tutor.services.demo import DEMO_COURSE_PATH


@pytest.fixture(scope="module")
def spec():  # type: ignore[no-untyped-def]
    return load_course(DEMO_COURSE_PATH)


def test_demo_course_is_big_enough(spec):
    assert len(spec.concepts) >= 30
    assert len(spec.items) >= 150
    assert sum(it.kind == "circuit" for it in spec.items) >= 40
    per_concept = Counter(c for it in spec.items for c in it.concepts)
    assert min(per_concept[c.id] for c in spec.concepts) >= 4


def test_every_concept_has_a_lesson_of_at_least_120_words(spec):
    taught = {c for le in spec.lessons for c in le.concepts}
    assert taught == set(spec.concept_ids())
    for le in spec.lessons:
        words = re.findall(r"[A-Za-z][A-Za-z'-]+", re.sub(r"\$.*?\$", " ", le.body, flags=re.S))
        assert len(words) >= 120, f"{le.slug} has {len(words)} words"


def test_all_maths_converts(spec):
    texts = [le.body for le in spec.lessons]
    texts += [t for it in spec.items for t in (it.prompt, it.explanation, *it.hints,
                                               *(c.text for c in it.choices))]
    failures = [t[:60] for t in texts if 'class="math-source"' in render_markdown(t)]
    assert failures == []


@pytest.mark.django_db
def test_demo_load_is_idempotent():
    from tutor.models import Concept, Item, User
    from tutor.services.demo import demo_load

    first = demo_load()
    assert set(first.new_passwords) == {"student", "teacher", "admin"}
    counts = (User.objects.count(), Concept.objects.count(), Item.objects.count())
    second = demo_load()
    assert second.new_passwords == {}
    assert (User.objects.count(), Concept.objects.count(), Item.objects.count()) == counts
    assert first.course.enrolments.filter(learner__username="student").count() == 1
    assert User.objects.get(username="admin").is_staff


# One correct circuit for every design question of the demo course (the course files do not
# hold solutions: a student should not find them there).
REFERENCE_DESIGNS = {
    "design-divider-3v3": "V1 in 0 DC 5\nR1 in out 3.4k\nR2 out 0 6.6k",
    "design-current-limit": "V1 a 0 DC 9\nR1 a 0 450",
    "design-rc-lowpass": "V1 in 0 AC 1\nR1 in out 1.5915k\nC1 out 0 100n",
    "design-inverting-gain-10": "V1 in 0 DC 0.5\nR1 in n 1k\nR2 n out 10k\nXU1 0 n out OPAMP",
    "design-matched-load": "V1 in 0 DC 12\nR1 in a 600\nRL a 0 600",
}


#: Circuits that met a design's numbers without being the circuit asked for (a browser
#: walk-through and a review found them): the given source changed, or a source added.
CHEATS = {
    "design-divider-3v3": ["V1 in 0 DC 3.3\nR1 in out 1\nR2 out 0 1meg"],
    "design-current-limit": ["V1 a 0 DC 20\nR1 a 0 1k",
                             "V1 a 0 DC 9\nV2 b a DC 11\nR1 b 0 1k"],
    "design-inverting-gain-10": [
        "V1 in 0 DC 5\nR1 in n 1k\nR2 n out 1k\nXU1 0 n out OPAMP",
        "V1 in 0 DC 0.5\nV2 in2 in DC 4.5\nR1 in2 n 1k\nR2 n out 1k\nXU1 0 n out OPAMP",
        "V1 in 0 DC 0.5\nE1 b 0 in 0 10\nR1 b n 1k\nR2 n out 1k\nXU1 0 n out OPAMP",
    ],
    "design-matched-load": ["V1 in 0 DC 12\nR1 in a 1\nRL a 0 2400"],
}


@pytest.mark.spice
def test_every_design_question_has_a_solution_and_refuses_the_bare_starter(spec):
    from circuits.design import check_design
    from circuits.errors import CircuitError

    designs = [it for it in spec.items if it.kind == "design"]
    assert {it.id for it in designs} == set(REFERENCE_DESIGNS)
    for it in designs:
        result = check_design(REFERENCE_DESIGNS[it.id], it.constraints, rel_tol=it.tolerance,
                              given=it.netlist)
        assert result.correct, (it.id, [r.message for r in result.results])
        for cheat in CHEATS.get(it.id, []):
            assert not check_design(cheat, it.constraints, rel_tol=it.tolerance,
                                    given=it.netlist).correct, (it.id, cheat)
        try:
            bare = check_design(it.netlist, it.constraints, rel_tol=it.tolerance)
        except CircuitError:
            continue  # an incomplete circuit is refused outright: also not a solution
        assert not bare.correct, it.id
