import itertools
import json

import numpy as np
import pytest

from knowledge_graph.errors import InvalidParameterError, KnowledgeGraphError, UnknownConceptError
from knowledge_graph.graph import SkillGraph
from knowledge_graph.knowledge_states import KnowledgeStateBelief


@pytest.fixture
def diamond():
    #   a -> b -> d,  a -> c -> d
    return SkillGraph(["a", "b", "c", "d"], [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")])


def exact_marginals(graph, p_known, leak, answers):
    """Posterior marginals by enumerating all 2^n knowledge states."""
    order = graph.order
    total = np.zeros(len(order))
    z = 0.0
    for bits in itertools.product([False, True], repeat=len(order)):
        state = dict(zip(order, bits, strict=True))
        pr = 1.0
        for c in order:
            ok = all(state[p] for p in graph.prerequisites(c))
            q = p_known if ok else leak
            pr *= q if state[c] else 1 - q
        for concepts, correct, guess, slip in answers:
            p_right = 1 - slip if all(state[c] for c in concepts) else guess
            pr *= p_right if correct else 1 - p_right
        z += pr
        total += pr * np.array(bits, dtype=float)
    return dict(zip(order, total / z, strict=True))


def test_prior_marginals_match_the_bayesian_network(diamond):
    belief = KnowledgeStateBelief(diamond, p_known=0.7, leak=0.05, n_particles=20000, seed=0)
    want = exact_marginals(diamond, 0.7, 0.05, [])
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
    belief = KnowledgeStateBelief(diamond, p_known=0.7, leak=0.05, n_particles=20000, seed=1)
    for concepts, correct, guess, slip in ANSWERS:
        belief.observe(concepts, correct, guess=guess, slip=slip)
    # the answers pull hard enough that the particles had to be rejuvenated
    assert belief.n_rejuvenations >= 1
    want = exact_marginals(diamond, 0.7, 0.05, ANSWERS)
    assert belief.marginals() == pytest.approx(want, abs=0.02)


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
        exact_marginals(diamond, 0.7, 0.05, [(["b"], False, 0.2, 0.1)] * 3), abs=0.04
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
        KnowledgeStateBelief(diamond, leak=0.0)
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
        diamond, p_known={"b": 0.6, "d": 0.8}, leak=0.1, n_particles=300, seed=8
    )
    for concepts, correct, guess, slip in ANSWERS:
        belief.observe(concepts, correct, guess=guess, slip=slip)
    states = np.random.default_rng(0).random((300, 4)) < 0.5
    full = belief._log_prior(states) + belief._log_lik(states)
    for j in range(4):
        flipped = states.copy()
        flipped[:, j] = ~flipped[:, j]
        want = belief._log_prior(flipped) + belief._log_lik(flipped) - full
        np.testing.assert_allclose(belief._flip_delta(states, j), want, atol=1e-9)
