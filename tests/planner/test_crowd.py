import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge_graph.errors import UnknownConceptError
from knowledge_graph.graph import SkillGraph
from planner.crowd import (
    WEAK_ABILITY,
    CrowdError,
    CrowdItem,
    CrowdParams,
    Response,
    SimulatedLearner,
    cold_start_calibrate,
    f1_score,
    sample_crowd,
    simulate_cohort,
)
from planner.diagnostic import Answer, DiagnosticItem, run_diagnostic


@pytest.fixture
def chain():
    return SkillGraph(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("c", "d")])


@pytest.fixture
def fork():
    # a root with two branches: a -> b -> c and a -> x
    return SkillGraph(["a", "b", "c", "x"], [("a", "b"), ("b", "c"), ("a", "x")])


def bank_for(graph, per_concept=3, **kw):
    return [
        CrowdItem(f"{c}-{k}", (c,), b=-1.0 + k, **kw)
        for c in graph.order
        for k in range(per_concept)
    ]


# -- the learner ------------------------------------------------------------------


def test_weak_concepts_are_those_below_the_threshold_in_syllabus_order(chain):
    x = SimulatedLearner(chain, {"a": 0.5, "b": -0.1, "c": 1.0, "d": -2.0})
    assert x.weak_concepts() == ["b", "d"]
    assert x.weak_concepts(threshold=0.6) == ["a", "b", "d"]
    assert WEAK_ABILITY == 0.0


def test_weak_means_below_half_on_an_average_item(chain):
    x = SimulatedLearner.sample(chain, seed=4)
    mastery = x.mastery(b=0.0)
    assert {c for c, p in mastery.items() if p < 0.5} == set(x.weak_concepts())


def test_ability_must_cover_the_graph_and_only_it(chain):
    with pytest.raises(CrowdError, match="no ability given"):
        SimulatedLearner(chain, {"a": 0.0})
    with pytest.raises(UnknownConceptError):
        SimulatedLearner(chain, {"a": 0, "b": 0, "c": 0, "d": 0, "zzz": 0})
    with pytest.raises(CrowdError, match="finite"):
        SimulatedLearner(chain, {"a": math.nan, "b": 0, "c": 0, "d": 0})


def test_multi_concept_item_is_answered_with_the_weakest_concept_by_default(chain):
    x = SimulatedLearner(chain, {"a": 2.0, "b": -1.0, "c": 0.0, "d": 0.0})
    item = CrowdItem("ab", ("a", "b"), a=1.5, b=0.0)
    assert x.p_correct(item) == pytest.approx(1 / (1 + math.exp(1.5)))
    mean = SimulatedLearner(
        chain, x.ability, params=CrowdParams(combine="mean")
    )
    assert mean.p_correct(item) == pytest.approx(1 / (1 + math.exp(-1.5 * 0.5)))


def test_answers_follow_the_2pl_probability(chain):
    x = SimulatedLearner(chain, {"a": 0.3, "b": 0.0, "c": 0.0, "d": 0.0})
    item = CrowdItem("q", ("a",), a=1.2, b=-0.4)
    rng = np.random.default_rng(0)
    n = 4000
    hits = sum(x.answer(item, seed=rng, learn=False).correct for _ in range(n))
    p = x.p_correct(item)
    assert abs(hits / n - p) < 4 * math.sqrt(p * (1 - p) / n)


def test_answering_without_learning_leaves_the_state_alone(chain):
    x = SimulatedLearner.sample(chain, seed=1)
    before = x.ability
    for k in range(20):
        x.answer(CrowdItem("q", ("c",)), seed=k, learn=False)
    assert x.ability == before
    assert x.steps == 20


def test_practice_raises_ability_towards_the_ceiling_and_no_further(chain):
    x = SimulatedLearner(chain, {"a": 1.0, "b": -1.0, "c": 0.0, "d": 0.0})
    seen = [x.ability["b"]]
    for _ in range(60):
        x.practice(["b"])
        seen.append(x.ability["b"])
    assert all(later >= earlier for earlier, later in zip(seen, seen[1:], strict=False))
    assert seen[-1] > 1.5
    assert seen[-1] <= x.params.ceiling + 1e-12
    assert x.ability["c"] == 0.0  # other concepts untouched


def test_learning_is_slower_when_prerequisites_are_weak(chain):
    ready = SimulatedLearner(chain, {"a": 1.0, "b": -1.0, "c": 0.0, "d": 0.0})
    shaky = SimulatedLearner(chain, {"a": -1.0, "b": -1.0, "c": 0.0, "d": 0.0})
    ready.practice(["b"], times=3)
    shaky.practice(["b"], times=3)
    assert ready.ability["b"] > shaky.ability["b"] > -1.0


def test_a_held_misconception_picks_its_distractor(chain):
    item = CrowdItem("ohm", ("a",), b=-3.0, distractors=("inverted", None, None))
    holder = SimulatedLearner(
        chain, {"a": 2.0, "b": 0, "c": 0, "d": 0}, misconceptions=["inverted"]
    )
    rng = np.random.default_rng(1)
    picks = [holder.answer(item, seed=rng, learn=False) for _ in range(2000)]
    rate = sum(r.misconception == "inverted" for r in picks) / len(picks)
    assert abs(rate - holder.params.misconception_strength) < 0.04
    assert all(not r.correct for r in picks if r.misconception == "inverted")
    clean = SimulatedLearner(chain, {"a": 2.0, "b": 0, "c": 0, "d": 0})
    picks = [clean.answer(item, seed=rng, learn=False) for _ in range(2000)]
    assert sum(r.misconception == "inverted" for r in picks) < 20  # only the rare slip


def test_feedback_can_cure_a_misconception(chain):
    item = CrowdItem("ohm", ("a",), distractors=("inverted",))
    x = SimulatedLearner(
        chain, {"a": 0, "b": 0, "c": 0, "d": 0}, misconceptions=["inverted"],
        params=CrowdParams(misconception_strength=1.0, misconception_fix_rate=1.0),
    )
    r = x.answer(item, seed=0, learn=True)
    assert r.misconception == "inverted"
    assert x.misconceptions == set()


def test_copy_is_independent(chain):
    x = SimulatedLearner.sample(chain, seed=2)
    twin = x.copy()
    twin.practice(["d"], times=5)
    assert twin.ability["d"] > x.ability["d"]


# -- drawing learners -------------------------------------------------------------


def test_sampling_is_reproducible_with_a_seed(fork):
    one = SimulatedLearner.sample(fork, seed=7, misconceptions=["m1", "m2"])
    two = SimulatedLearner.sample(fork, seed=7, misconceptions=["m1", "m2"])
    other = SimulatedLearner.sample(fork, seed=8, misconceptions=["m1", "m2"])
    assert one.ability == two.ability and one.misconceptions == two.misconceptions
    assert one.ability != other.ability


def test_weakness_in_a_prerequisite_carries_to_its_dependents(chain):
    crowd = sample_crowd(chain, 3000, seed=0)
    weak_b = np.array([x.ability["b"] < 0 for x in crowd])
    weak_c = np.array([x.ability["c"] < 0 for x in crowd])
    assert weak_c[weak_b].mean() > weak_c[~weak_b].mean() + 0.3


def test_later_concepts_are_weak_more_often(chain):
    crowd = sample_crowd(chain, 3000, seed=1)
    rates = [np.mean([x.ability[c] < 0 for x in crowd]) for c in chain.order]
    assert rates == sorted(rates)
    assert 0.05 < rates[0] < rates[-1] < 0.95


def test_crowd_ids_are_numbered(chain):
    crowd = sample_crowd(chain, 12, seed=0)
    assert [x.id for x in crowd][:2] == ["sim-0001", "sim-0002"]
    assert len({x.id for x in crowd}) == 12


@pytest.mark.parametrize(
    "bad",
    [
        {"p_learnt": 1.0},
        {"learning_rate": 1.5},
        {"concept_sd": -1.0},
        {"combine": "max"},
    ],
)
def test_bad_crowd_params_are_refused(bad):
    with pytest.raises(CrowdError):
        CrowdParams(**bad)


@st.composite
def dags(draw):
    n = draw(st.integers(1, 7))
    names = [f"c{k}" for k in range(n)]
    edges = [
        (names[i], names[j])
        for j in range(n)
        for i in range(j)
        if draw(st.booleans())
    ]
    return SkillGraph(names, edges)


@settings(max_examples=40, deadline=None)
@given(graph=dags(), seed=st.integers(0, 2**32 - 1))
def test_any_graph_gives_finite_abilities_and_practice_never_hurts(graph, seed):
    x = SimulatedLearner.sample(graph, seed=seed)
    assert set(x.ability) == set(graph.order)
    assert all(math.isfinite(v) for v in x.ability.values())
    before = x.ability
    x.practice(graph.order)
    assert all(x.ability[c] >= before[c] for c in graph.order)


# -- items ------------------------------------------------------------------------


def test_item_from_course_mapping():
    item = CrowdItem.from_mapping(
        {
            "id": "q1",
            "concepts": ["kcl", "kcl", "ohms-law"],
            "difficulty": 1.5,
            "choices": [
                {"text": "x", "correct": True},
                {"text": "y", "misconception": "kcl-sign"},
                {"text": "z"},
            ],
        }
    )
    assert item == CrowdItem("q1", ("kcl", "ohms-law"), 1.0, 1.5, ("kcl-sign", None))


@pytest.mark.parametrize(
    "kwargs",
    [{"concepts": ()}, {"concepts": ("a",), "a": 0.0}, {"concepts": ("a",), "b": math.inf}],
)
def test_bad_items_are_refused(kwargs):
    with pytest.raises(CrowdError):
        CrowdItem("q", **kwargs)


# -- cohorts ----------------------------------------------------------------------


def test_cohort_records_are_reproducible_and_numbered(chain):
    bank = bank_for(chain)
    rows = simulate_cohort(chain, bank, n_learners=5, answers_per_learner=8, seed=3)
    again = simulate_cohort(chain, bank, n_learners=5, answers_per_learner=8, seed=3)
    assert rows == again
    assert all(isinstance(r, Response) for r in rows)
    assert len(rows) == 40
    first = [r for r in rows if r.learner == "sim-0001"]
    assert [r.step for r in first] == list(range(8))


def test_cohort_follows_the_course_order(chain):
    bank = bank_for(chain)
    rows = simulate_cohort(chain, bank, 200, 3, seed=0, jitter=0.0)
    assert {r.item.split("-")[0] for r in rows} == {"a"}


def test_cohort_retries_wrong_answers_and_stops_when_out_of_items(chain):
    bank = [CrowdItem("only", ("a",), b=6.0)]  # almost always wrong
    rows = simulate_cohort(chain, bank, 2, 5, seed=0)
    assert len(rows) == 10 and {r.item for r in rows} == {"only"}
    easy = [CrowdItem("gift", ("a",), b=-9.0)]
    assert len(simulate_cohort(chain, easy, 3, 5, seed=0)) == 3


def test_cohort_learners_improve_with_practice(chain):
    # thirty interchangeable items: no difficulty or retry confounds the steps
    bank = [CrowdItem(f"a-{k}", ("a",), b=0.5) for k in range(30)]
    rows = simulate_cohort(chain, bank, 300, 30, seed=5)
    early = np.mean([r.correct for r in rows if r.step < 10])
    late = np.mean([r.correct for r in rows if r.step >= 20])
    assert late > early + 0.1


def test_cohort_reports_misconceptions_from_tags(chain):
    bank = [
        CrowdItem(f"a-{k}", ("a",), b=0.5, distractors=("swap", None)) for k in range(5)
    ]
    rows = simulate_cohort(
        chain, bank, 300, 5, seed=1, params=CrowdParams(misconception_rate=0.5)
    )
    tags = {r.misconception for r in rows if not r.correct}
    assert tags == {"swap", None}


def test_cohort_refuses_unknown_concepts_and_duplicate_ids(chain):
    with pytest.raises(UnknownConceptError):
        simulate_cohort(chain, [CrowdItem("q", ("nope",))], 1, 1, seed=0)
    twice = [CrowdItem("q", ("a",)), CrowdItem("q", ("b",))]
    with pytest.raises(CrowdError, match="duplicate"):
        simulate_cohort(chain, twice, 1, 1, seed=0)


# -- the diagnostician's use ------------------------------------------------------


def test_responder_plugs_into_run_diagnostic(fork):
    bank = bank_for(fork, distractors=("m", None, None))
    x = SimulatedLearner(
        fork, {"a": 1.5, "b": -2.0, "c": -2.0, "x": 1.5}, misconceptions=["m"]
    )
    items = [DiagnosticItem.from_irt(it.id, it.concepts, a=it.a, b=it.b) for it in bank]
    before = x.ability
    result = run_diagnostic(
        fork, items, x.responder(bank, seed=0), max_items=8, seed=0,
        belief_options={"n_particles": 500},
    )
    assert x.ability == before  # a diagnostic does not teach
    assert 0 < len(result.asked) <= 8
    assert f1_score(result.weak, x.weak_concepts()) >= 0.5


def test_responder_answers_with_answer_objects_and_refuses_unknown_items(chain):
    x = SimulatedLearner.sample(chain, seed=0)
    respond = x.responder([CrowdItem("q", ("a",))], seed=1)
    assert isinstance(respond(DiagnosticItem("q", ("a",))), Answer)
    assert isinstance(respond("q"), Answer)
    with pytest.raises(CrowdError):
        respond("unknown")


def test_f1_score():
    assert f1_score({"a", "b"}, {"a", "b"}) == 1.0
    assert f1_score({"a"}, {"b"}) == 0.0
    assert f1_score([], ["a"]) == 0.0
    assert f1_score(["a", "b", "c"], ["a"]) == pytest.approx(0.5)


@given(st.sets(st.sampled_from("abcdef")), st.sets(st.sampled_from("abcdef")))
def test_f1_is_symmetric_bounded_and_one_only_on_agreement(p, t):
    f = f1_score(p, t)
    assert 0.0 <= f <= 1.0
    assert f == f1_score(t, p)
    assert (f == 1.0) == (p == t)


# -- cold start -------------------------------------------------------------------


def test_cold_start_keeps_the_teachers_order(chain):
    rng = np.random.default_rng(0)
    bank = [
        CrowdItem(f"q{k}", (chain.order[k % 4],), b=float(b))
        for k, b in enumerate(rng.uniform(-2, 2, 16))
    ]
    fit = cold_start_calibrate(bank, chain, n_virtual=400, seed=1)
    assert set(fit) == {it.id for it in bank}
    teacher = np.array([it.b for it in bank])
    fitted = np.array([fit[it.id].b for it in bank])
    rank = lambda v: np.argsort(np.argsort(v))  # noqa: E731
    assert np.corrcoef(rank(teacher), rank(fitted))[0, 1] > 0.8
    assert all(p.a > 0 and p.se_a > 0 and p.se_b > 0 for p in fit.values())


def test_cold_start_makes_items_on_deep_concepts_harder(chain):
    bank = [CrowdItem("root", ("a",), b=0.0), CrowdItem("deep", ("d",), b=0.0)]
    fit = cold_start_calibrate(bank, chain, n_virtual=600, seed=2)
    assert fit["deep"].b > fit["root"].b + 0.3


def test_cold_start_refuses_an_empty_bank(chain):
    with pytest.raises(CrowdError):
        cold_start_calibrate([], chain, n_virtual=10, seed=0)
    with pytest.raises(CrowdError):
        cold_start_calibrate([CrowdItem("q", ("a",))], chain, n_virtual=1, seed=0)
