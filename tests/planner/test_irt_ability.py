import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate
from scipy.stats import norm

from planner.irt import (
    AbilityPosterior,
    InvalidParameterError,
    ResponseDataError,
    eap,
    eap_batch,
)


def posterior_by_quadrature(a, b, x, mean=0.0, sd=1.0):
    def lik(t):
        p = 1 / (1 + np.exp(-np.asarray(a) * (t - np.asarray(b))))
        return norm.pdf(t, mean, sd) * np.prod(np.where(np.asarray(x) == 1, p, 1 - p))

    z = integrate.quad(lik, mean - 12 * sd, mean + 12 * sd, limit=200)[0]
    m = integrate.quad(lambda t: t * lik(t), mean - 12 * sd, mean + 12 * sd, limit=200)[0] / z
    v = integrate.quad(
        lambda t: (t - m) ** 2 * lik(t), mean - 12 * sd, mean + 12 * sd, limit=200
    )[0] / z
    return m, math.sqrt(v)


@pytest.mark.parametrize(
    "a, b, x",
    [
        ([1.0], [0.0], [1]),
        ([1.0, 1.2, 0.8, 2.0], [-0.5, 0.0, 0.5, 1.0], [1, 1, 0, 0]),
        ([1.5] * 6, [-1, -0.5, 0, 0.5, 1, 1.5], [1, 1, 1, 1, 1, 1]),
        ([0.6, 2.5], [2.0, -2.0], [0, 0]),
    ],
)
def test_eap_matches_numerical_integration(a, b, x):
    est = eap(a, b, x)
    m, s = posterior_by_quadrature(a, b, x)
    assert est.theta == pytest.approx(m, abs=1e-4)
    assert est.se == pytest.approx(s, abs=1e-4)
    assert est.n == len(x)


def test_eap_with_another_prior():
    est = eap([1.0, 1.0], [0.0, 1.0], [1, 0], prior_mean=1.0, prior_sd=0.5)
    m, s = posterior_by_quadrature([1.0, 1.0], [0.0, 1.0], [1, 0], mean=1.0, sd=0.5)
    assert est.theta == pytest.approx(m, abs=1e-4)
    assert est.se == pytest.approx(s, abs=1e-4)


def test_no_answers_give_the_prior():
    est = eap([], [], [], prior_mean=0.5, prior_sd=2.0)
    assert est.theta == pytest.approx(0.5, abs=1e-9)
    assert est.se == pytest.approx(2.0, rel=1e-3)
    assert est.n == 0


def test_all_right_or_all_wrong_stays_finite_and_on_the_right_side():
    up = eap([1.5] * 10, [0.0] * 10, [1] * 10)
    down = eap([1.5] * 10, [0.0] * 10, [0] * 10)
    assert 1.0 < up.theta < 4.0 and -4.0 < down.theta < -1.0
    assert up.theta == pytest.approx(-down.theta)


def test_standard_error_shrinks_as_answers_come_in():
    rng = np.random.default_rng(0)
    post = AbilityPosterior()
    ses = [post.estimate().se]
    for b in rng.normal(size=30):
        post.update(1.5, float(b), bool(rng.random() < 0.5))
        ses.append(post.estimate().se)
    assert ses[-1] < 0.45 < ses[0]
    assert sum(later > earlier + 1e-9 for earlier, later in zip(ses, ses[1:], strict=False)) <= 3


@settings(max_examples=30, deadline=None)
@given(
    answers=st.lists(
        st.tuples(st.floats(0.3, 3.0), st.floats(-3, 3), st.booleans()), min_size=1, max_size=12
    ),
    seed=st.integers(0, 1000),
)
def test_posterior_does_not_depend_on_answer_order(answers, seed):
    one = AbilityPosterior()
    for a, b, x in answers:
        one.update(a, b, x)
    order = np.random.default_rng(seed).permutation(len(answers))
    two = AbilityPosterior()
    two.update_many(*zip(*[answers[k] for k in order], strict=True))
    assert one.estimate().theta == pytest.approx(two.estimate().theta, abs=1e-9)
    assert one.estimate().se == pytest.approx(two.estimate().se, abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(
    answers=st.lists(st.tuples(st.floats(0.3, 3.0), st.floats(-3, 3)), min_size=1, max_size=8),
    flip=st.integers(0, 7),
)
def test_a_right_answer_never_lowers_the_estimate(answers, flip):
    a, b = (list(v) for v in zip(*answers, strict=True))
    x = [0] * len(a)
    k = flip % len(a)
    before = eap(a, b, x).theta
    x[k] = 1
    assert eap(a, b, x).theta > before


def test_batch_agrees_with_one_at_a_time():
    rng = np.random.default_rng(4)
    a = rng.lognormal(0, 0.3, 8)
    b = rng.normal(size=8)
    learner = np.repeat(np.arange(5), 4)
    item = np.concatenate([rng.choice(8, 4, replace=False) for _ in range(5)])
    x = (rng.random(20) < 0.5).astype(int)
    theta, se = eap_batch(learner, item, x, a, b, n_learners=6, n_quadrature=121)
    for i in range(5):
        m = learner == i
        one = eap(a[item[m]], b[item[m]], x[m])
        assert theta[i] == pytest.approx(one.theta, abs=1e-6)
        assert se[i] == pytest.approx(one.se, abs=1e-6)
    assert theta[5] == pytest.approx(0.0, abs=1e-9)  # no answers: the prior
    assert se[5] == pytest.approx(1.0, rel=1e-3)


@pytest.mark.parametrize(
    "args, error",
    [
        (([1.0], [0.0], [2]), ResponseDataError),
        (([1.0, 1.0], [0.0], [1]), ResponseDataError),
        (([0.0], [0.0], [1]), InvalidParameterError),
        (([1.0], [math.nan], [1]), InvalidParameterError),
    ],
)
def test_bad_input_is_refused(args, error):
    with pytest.raises(error):
        eap(*args)


def test_bad_prior_is_refused():
    with pytest.raises(InvalidParameterError):
        AbilityPosterior(prior_sd=0.0)
    with pytest.raises(ResponseDataError):
        eap_batch([0], [3], [1], a=[1.0], b=[0.0])
