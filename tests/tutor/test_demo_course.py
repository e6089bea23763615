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
