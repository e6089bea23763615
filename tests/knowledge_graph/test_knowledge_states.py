import itertools
import json
import math

import numpy as np
import pytest

from knowledge_graph.errors import InvalidParameterError, KnowledgeGraphError, UnknownConceptError
from knowledge_graph.graph import SkillGraph
from knowledge_graph.knowledge_states import KnowledgeStateBelief


@pytest.fixture
def diamond():
    #   a -> b -> d,  a -> c -> d
    return SkillGraph(["a", "b", "c", "d"], [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")])


def exact_marginals(graph, answers, p_known=0.85, penalty=4.0, effect=1.2):
    """Posterior marginals: enumerate all 2^n states, integrate ability by quadrature.

    An answer is (concepts, correct, guess, slip) or the same with an ability slope.
    """
    order = graph.order
    nodes, qweights = np.polynomial.hermite_e.hermegauss(40)  # weight exp(-g^2 / 2)
    alpha = math.log(p_known / (1 - p_known))
    total = np.zeros(len(order))
    z = 0.0
    for bits in itertools.product([False, True], repeat=len(order)):
        state = dict(zip(order, bits, strict=True))
        mass = 0.0
        for g, qw in zip(nodes, qweights, strict=True):
            pr = qw
            for c in order:
                pre = graph.prerequisites(c)
                gap = sum(not state[p] for p in pre) / len(pre) if pre else 0.0
                q = 1 / (1 + math.exp(-(alpha + effect * g - penalty * gap)))
                pr *= q if state[c] else 1 - q
            for concepts, correct, guess, slip, *rest in answers:
                slope = rest[0] if rest else 0.0
                p_right = 1 - slip if all(state[c] for c in concepts) else guess
                logit = math.log(p_right / (1 - p_right)) + slope * g
                p_right = 1 / (1 + math.exp(-logit))
                pr *= p_right if correct else 1 - p_right
            mass += pr
        z += mass
        total += mass * np.array(bits, dtype=float)
    return dict(zip(order, total / z, strict=True))


def test_prior_marginals_match_the_bayesian_network(diamond):
    belief = KnowledgeStateBelief(diamond, n_particles=20000, seed=0)
    want = exact_marginals(diamond, [])
    assert belief.marginals() == pytest.approx(want, abs=0.015)


ANSWERS = [
    (["b"], True, 0.2, 0.1),
    (["c"], False, 0.25, 0.1),
    (["d"], False, 0.2, 0.15),
    (["b", "c"], False, 0.2, 0.1),
    (["a"], True, 0.3, 0.05),
    (["b"], True, 0.2, 0.1),
]


def test_posterior_marginals_match_exact_enumeration(diamond):
    belief = KnowledgeStateBelief(diamond, n_particles=20000, seed=1)
    for concepts, correct, guess, slip in ANSWERS:
        belief.observe(concepts, correct, guess=guess, slip=slip)
    # the answers pull hard enough that the particles had to be rejuvenated
    assert belief.n_rejuvenations >= 1
    want = exact_marginals(diamond, ANSWERS)
    assert belief.marginals() == pytest.approx(want, abs=0.02)


def test_answers_that_depend_on_ability_match_exact_enumeration(diamond):
    answers = [(c, ok, g, sl, 0.8) for c, ok, g, sl in ANSWERS]
    belief = KnowledgeStateBelief(diamond, n_particles=20000, seed=3)
    for concepts, correct, guess, slip, slope in answers:
        belief.observe(concepts, correct, guess=guess, slip=slip, ability_slope=slope)
    assert belief.marginals() == pytest.approx(exact_marginals(diamond, answers), abs=0.02)
    # with a slope, a right answer is also direct evidence of general ability
    plain = KnowledgeStateBelief(diamond, n_particles=20000, seed=3)
    plain.observe(["d"], True, guess=0.2, slip=0.1)
    steep = KnowledgeStateBelief(diamond, n_particles=20000, seed=3)
    steep.observe(["d"], True, guess=0.2, slip=0.1, ability_slope=2.0)
    assert steep.ability_mean() > plain.ability_mean() + 0.1


def test_failing_a_concept_is_evidence_about_untested_dependents(diamond):
    belief = KnowledgeStateBelief(diamond, n_particles=3000, seed=2)
    before = belief.marginals()
    for _ in range(3):
        belief.observe(["b"], False, guess=0.2, slip=0.1)
    after = belief.marginals()
    assert after["d"] < before["d"] / 2
    # failing b is weaker evidence against its prerequisite a (b may be missing alone)
    assert before["a"] - after["a"] < before["b"] - after["b"]
    assert after == pytest.approx(
        exact_marginals(diamond, [(["b"], False, 0.2, 0.1)] * 3), abs=0.04
    )


def test_passing_a_concept_is_evidence_for_its_prerequisites(diamond):
    belief = KnowledgeStateBelief(diamond, n_particles=3000, seed=3)
    before = belief.marginals()
    for _ in range(2):
        belief.observe(["d"], True, guess=0.2, slip=0.1)
    after = belief.marginals()
    assert all(after[c] > before[c] for c in "abc")


def test_a_zero_weight_answer_changes_nothing(diamond):
    belief = KnowledgeStateBelief(diamond, n_particles=500, seed=4)
    before = belief.marginal_array().copy()
    belief.observe(["d"], True, guess=0.2, slip=0.1, weight=0.0)
    np.testing.assert_allclose(belief.marginal_array(), before)


def test_predicted_correctness_mixes_guess_and_slip_over_the_states(diamond):
    belief = KnowledgeStateBelief(diamond, n_particles=4000, seed=5)
    m = belief.marginals()["a"]
    assert belief.predict_correct(["a"], guess=0.2, slip=0.1) == pytest.approx(
        0.9 * m + 0.2 * (1 - m)
    )


def test_the_belief_rebuilds_identically_from_json(diamond):
    belief = KnowledgeStateBelief(diamond, p_known={"a": 0.9}, n_particles=800, seed=6)
    for concepts, correct, guess, slip in ANSWERS:
        belief.observe(concepts, correct, guess=guess, slip=slip)
    data = json.loads(json.dumps(belief.to_dict()))
    back = KnowledgeStateBelief.from_dict(diamond, data)
    np.testing.assert_array_equal(back.states, belief.states)
    np.testing.assert_allclose(back.weights, belief.weights)
    assert back.observations == belief.observations


def test_states_are_read_only(diamond):
    belief = KnowledgeStateBelief(diamond, n_particles=100, seed=0)
    with pytest.raises(ValueError):
        belief.states[0, 0] = True


def test_a_seedless_belief_records_the_seed_it_drew(diamond):
    belief = KnowledgeStateBelief(diamond, n_particles=100)
    assert isinstance(belief.to_dict()["seed"], int)


def test_bad_input_is_refused(diamond):
    with pytest.raises(InvalidParameterError):
        KnowledgeStateBelief(diamond, n_particles=5)
    with pytest.raises(InvalidParameterError):
        KnowledgeStateBelief(diamond, prerequisite_penalty=-1.0)
    with pytest.raises(InvalidParameterError):
        KnowledgeStateBelief(diamond, p_known={"a": 1.0})
    with pytest.raises(UnknownConceptError):
        KnowledgeStateBelief(diamond, p_known={"ghost": 0.5})
    belief = KnowledgeStateBelief(diamond, n_particles=100, seed=0)
    with pytest.raises(KnowledgeGraphError):
        belief.observe([], True, guess=0.2, slip=0.1)
    with pytest.raises(UnknownConceptError):
        belief.observe(["ghost"], True, guess=0.2, slip=0.1)
    with pytest.raises(InvalidParameterError):
        belief.observe(["a"], True, guess=0.6, slip=0.5)
    with pytest.raises(InvalidParameterError):
        KnowledgeStateBelief.from_dict(diamond, {"format": 2})


def test_the_local_flip_delta_equals_the_full_change_of_log_posterior(diamond):
    belief = KnowledgeStateBelief(
        diamond, p_known={"b": 0.6, "d": 0.8}, prerequisite_penalty=3.0, n_particles=300, seed=8
    )
    for k, (concepts, correct, guess, slip) in enumerate(ANSWERS):
        belief.observe(concepts, correct, guess=guess, slip=slip, ability_slope=0.3 * (k % 2))
    rng = np.random.default_rng(0)
    states = rng.random((300, 4)) < 0.5
    ability = rng.standard_normal(300)
    full = belief._log_prior(states, ability) + belief._log_lik(states, ability)
    for j in range(4):
        flipped = states.copy()
        flipped[:, j] = ~flipped[:, j]
        want = belief._log_prior(flipped, ability) + belief._log_lik(flipped, ability) - full
        np.testing.assert_allclose(belief._flip_delta(states, ability, j), want, atol=1e-9)
    moved = ability + rng.standard_normal(300)
    want = (
        belief._log_prior(states, moved)
        + belief._log_lik(states, moved)
        - belief._log_prior(states, ability)
        - belief._log_lik(states, ability)
    )
    np.testing.assert_allclose(belief._ability_delta(states, ability, moved), want, atol=1e-9)


def test_general_ability_carries_evidence_across_branches():
    # two unrelated branches: only the general ability links them
    g = SkillGraph(["a", "b", "x", "y"], [("a", "b"), ("x", "y")])
    linked = KnowledgeStateBelief(g, n_particles=4000, seed=1)
    apart = KnowledgeStateBelief(g, ability_effect=0.0, n_particles=4000, seed=1)
    for belief in (linked, apart):
        before = belief.marginals()["y"]
        for _ in range(3):
            belief.observe(["b"], True, guess=0.2, slip=0.1)
        belief.shift = belief.marginals()["y"] - before
    assert linked.shift > 0.05
    assert abs(apart.shift) < 0.03
    assert linked.ability_mean() > 0.3


@pytest.mark.parametrize("kwargs", [{"prerequisite_penalty": math.inf},
                                    {"ability_effect": math.inf},
                                    {"prerequisite_penalty": math.nan}])
def test_infinite_population_parameters_are_refused(kwargs):
    # inf * 0 is NaN: every root concept used to read as unknown
    with pytest.raises(InvalidParameterError):
        KnowledgeStateBelief(SkillGraph(["a", "b"], [("a", "b")]), **kwargs)
