import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge_graph.diagnosis import (
    MASTERED_THRESHOLD,
    WEAK_THRESHOLD,
    classify_mastery,
    suspect_misconceptions,
)
from knowledge_graph.errors import InvalidParameterError


def test_classification_uses_the_house_thresholds():
    got = classify_mastery({"a": MASTERED_THRESHOLD, "b": 0.94, "c": WEAK_THRESHOLD, "d": 0.49})
    assert got.mastered == ["a"]
    assert got.uncertain == ["b", "c"]
    assert got.weak == ["d"]


def test_classification_thresholds_can_be_moved():
    got = classify_mastery({"a": 0.85, "b": 0.3}, mastered_threshold=0.8, weak_threshold=0.2)
    assert got.mastered == ["a"] and got.uncertain == ["b"] and got.weak == []


def test_inconsistent_thresholds_are_refused():
    with pytest.raises(InvalidParameterError):
        classify_mastery({}, mastered_threshold=0.4, weak_threshold=0.6)


@given(st.dictionaries(st.text(min_size=1, max_size=4), st.floats(0.0, 1.0)))
def test_every_concept_lands_in_exactly_one_set(mastery):
    got = classify_mastery(mastery)
    together = got.mastered + got.weak + got.uncertain
    assert sorted(together) == sorted(mastery)


def test_one_distractor_pick_is_not_enough_but_two_are():
    assert suspect_misconceptions(distractors=["kcl-sign"]) == []
    got = suspect_misconceptions(distractors=["kcl-sign", None, "kcl-sign", "prefix-error"])
    assert [e.misconception for e in got] == ["kcl-sign"]
    assert got[0].count == 2 and got[0].sources == ["distractor", "distractor"]


def test_one_circuit_diagnosis_is_a_strong_signal_and_maps_to_a_course_misconception():
    got = suspect_misconceptions(diagnoses=["factor-1000"])
    assert [e.misconception for e in got] == ["prefix-error"]
    assert got[0].sources == ["circuit:factor-1000"]
    assert [e.misconception for e in suspect_misconceptions(diagnoses=["sign"])] == [
        "sign-convention"
    ]


def test_unmapped_circuit_kinds_are_reported_as_themselves():
    got = suspect_misconceptions(diagnoses=["other-quantity", None], known=["prefix-error"])
    assert [e.misconception for e in got] == ["other-quantity"]


def test_distractor_and_circuit_evidence_add_up_and_sort_strongest_first():
    got = suspect_misconceptions(
        distractors=["prefix-error", "kcl-sign", "kcl-sign"],
        diagnoses=["factor-1000"],
    )
    assert [(e.misconception, e.score) for e in got] == [("prefix-error", 3.0), ("kcl-sign", 2.0)]


def test_tags_outside_the_course_are_ignored_when_the_course_list_is_given():
    got = suspect_misconceptions(distractors=["typo-tag", "typo-tag"], known=["kcl-sign"])
    assert got == []
