import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.irt import (
    InvalidParameterError,
    Priors,
    ResponseData,
    ResponseDataError,
    calibrate,
)


def simulate(n_learners, n_items, seed, missing=0.0, a_sd=0.3):
    rng = np.random.default_rng(seed)
    a = rng.lognormal(0.0, a_sd, n_items)
    b = rng.normal(0.0, 1.0, n_items)
    theta = rng.normal(size=n_learners)
    p = 1 / (1 + np.exp(-a * (theta[:, None] - b)))
    x = (rng.random(p.shape) < p).astype(float)
    if missing:
        x[rng.random(p.shape) < missing] = np.nan
    return x, a, b, theta


def rmse(est, true):
    return float(np.sqrt(np.mean((np.asarray(est) - true) ** 2)))


@pytest.fixture(scope="module")
def dense_case():
    x, a, b, theta = simulate(1500, 20, seed=11)
    return x, a, b, theta, calibrate(x, model="2pl")


# -- recovery ---------------------------------------------------------------------


def test_2pl_recovers_simulated_parameters(dense_case):
    _, a, b, theta, fit = dense_case
    assert fit.converged
    # Bounds: about 2.5x the standard errors expected with 1500 learners.
    assert rmse(fit.a, a) < 0.15
    assert rmse(fit.b, b) < 0.15
    # 20 items leave each ability uncertain by ~0.4; EAP shrinks, so RMSE ~ that.
    assert rmse(fit.theta, theta) < 0.5
    assert np.corrcoef(fit.theta, theta)[0, 1] > 0.85


def test_2pl_recovers_with_a_third_of_the_pairs_missing():
    x, a, b, theta = simulate(1500, 20, seed=12, missing=0.3)
    fit = calibrate(x, model="2pl")
    assert fit.converged
    assert rmse(fit.a, a) < 0.2
    assert rmse(fit.b, b) < 0.2
    assert rmse(fit.theta, theta) < 0.55


def test_1pl_recovers_difficulties_and_the_common_slope():
    rng = np.random.default_rng(3)
    b = np.linspace(-2, 2, 15)
    theta = rng.normal(size=1500)
    x = (rng.random((1500, 15)) < 1 / (1 + np.exp(-1.3 * (theta[:, None] - b)))).astype(float)
    fit = calibrate(x, model="1pl")
    assert np.ptp(fit.a) == 0.0  # one discrimination, repeated
    assert fit.a[0] == pytest.approx(1.3, abs=0.12)
    assert rmse(fit.b, b) < 0.12
    rasch = calibrate(x, model="1pl", fixed_a=1.0)
    assert np.all(rasch.a == 1.0) and np.all(rasch.se_a == 0.0)
    # with the slope forced too low, the difficulties spread to compensate
    assert np.ptp(rasch.b) > np.ptp(fit.b)


def test_standard_errors_match_the_actual_errors(dense_case):
    _, a, b, _, fit = dense_case
    z_a = (fit.a - a) / fit.se_a
    z_b = (fit.b - b) / fit.se_b
    # If the standard errors are right, these z-scores have unit spread.
    assert 0.5 < math.sqrt(np.mean(z_a**2)) < 1.6
    assert 0.5 < math.sqrt(np.mean(z_b**2)) < 1.6
    assert np.all(fit.se_a > 0) and np.all(fit.se_b > 0)


def test_standard_errors_shrink_with_more_learners():
    small = calibrate(simulate(300, 10, seed=5)[0])
    large = calibrate(simulate(2400, 10, seed=5)[0])
    ratio = np.median(small.se_b) / np.median(large.se_b)
    assert 2.0 < ratio < 4.0  # sqrt(8) ~ 2.8


def test_block_standard_errors_are_close_to_the_full_ones(dense_case):
    x, *_, fit = dense_case
    block = calibrate(x, se_full_max=1)
    np.testing.assert_allclose(block.se_b, fit.se_b, rtol=0.15)
    np.testing.assert_allclose(block.se_a, fit.se_a, rtol=0.15)


def test_sparse_and_dense_storage_give_the_same_fit():
    x, *_ = simulate(400, 12, seed=8, missing=0.5)
    dense = calibrate(x, storage="dense")
    sparse = calibrate(x, storage="sparse")
    np.testing.assert_allclose(sparse.a, dense.a, rtol=1e-8)
    np.testing.assert_allclose(sparse.b, dense.b, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(sparse.se_b, dense.se_b, rtol=1e-6)
    np.testing.assert_allclose(sparse.theta, dense.theta, rtol=1e-8, atol=1e-10)


def test_the_1pl_sparse_path_matches_too():
    x, *_ = simulate(300, 8, seed=9, missing=0.4)
    d = calibrate(x, model="1pl", storage="dense")
    s = calibrate(x, model="1pl", storage="sparse", se_full_max=1)
    np.testing.assert_allclose(s.b, d.b, rtol=1e-8, atol=1e-10)
    # the block approximation keeps the slope's coupling with every difficulty
    assert s.se_a[0] == pytest.approx(d.se_a[0], rel=0.05)
    np.testing.assert_allclose(s.se_b, d.se_b, rtol=0.15)


@pytest.mark.parametrize("model", ["1pl", "2pl"])
def test_few_learners_many_items_get_the_exact_standard_errors(model):
    # More parameters than se_full_max but few learners: Woodbury inverts exactly.
    x, *_ = simulate(30, 40, seed=12, missing=0.2)
    full = calibrate(x, model=model)
    small = calibrate(x, model=model, se_full_max=35)
    np.testing.assert_allclose(small.se_b, full.se_b, rtol=1e-8)
    np.testing.assert_allclose(small.se_a, full.se_a, rtol=1e-8)


def test_the_1pl_slope_keeps_a_finite_exact_error_when_nothing_fits_a_matrix():
    # 1PL with few learners per item used to drop the difficulties' cross terms inside
    # the slope's Schur complement, which went negative: every standard error was inf
    # (and the CLI crashed writing JSON). Now the slope's is exact, by conjugate
    # gradients. The difficulties' drop their cross terms, so they are lower bounds
    # ((I^-1)_jj >= 1 / I_jj); in these runs 4 to 22 % low, about 10 % at the median.
    for n_l, n_i in [(50, 30), (1500, 30)]:
        x, *_ = simulate(n_l, n_i, seed=13)
        full = calibrate(x, model="1pl")
        approx = calibrate(x, model="1pl", se_full_max=10)
        assert np.all(np.isfinite(approx.se_b))
        assert approx.se_a[0] == pytest.approx(full.se_a[0], rel=1e-6)
        ratio = approx.se_b / full.se_b
        assert np.all(ratio <= 1 + 1e-9)
        if n_l > 1000:
            assert ratio.min() > 0.75 and np.median(ratio) > 0.85


def test_an_item_nobody_answered_does_not_take_the_slope_error_with_it():
    # no prior, one empty column: it used to make every 1PL standard error inf
    x, *_ = simulate(60, 40, seed=16)
    x[:, 5] = np.nan
    fit = calibrate(x, model="1pl", priors=None, se_full_max=10)
    assert math.isfinite(fit.se_a[0]) and np.isinf(fit.se_b[5])
    assert np.all(np.isfinite(np.delete(fit.se_b, 5)))


def test_an_unbounded_standard_error_is_null_in_the_json():
    # No prior and fewer learners than parameters: the information is singular.
    x, *_ = simulate(8, 12, seed=14)
    fit = calibrate(x, priors=None, se_full_max=10)
    assert np.all(np.isinf(fit.se_b))
    out = fit.to_dict()
    assert all(p["se_b"] is None for p in out["items"].values())
    json.dumps(out, allow_nan=False)  # strict JSON: no Infinity


def test_a_singular_information_gives_inf_only_where_the_null_space_reaches():
    from planner.irt.calibrate import _inverse_diagonal

    info = np.array([[2.0, 0.0, 0.0], [0.0, 1.0, 1.0], [0.0, 1.0, 1.0]])
    var = _inverse_diagonal(info)
    assert var[0] == pytest.approx(0.5) and np.all(np.isinf(var[1:]))


def test_non_finite_settings_are_refused():
    x, *_ = simulate(50, 5, seed=15)
    with pytest.raises(InvalidParameterError):
        calibrate(x, tol=float("nan"))
    with pytest.raises(InvalidParameterError):
        calibrate(x, priors=Priors(b_mean=float("nan")))
    with pytest.raises(InvalidParameterError):
        calibrate(x, priors=Priors(log_a_mean=float("inf")))


# -- the EM itself ----------------------------------------------------------------


@pytest.mark.parametrize("model", ["1pl", "2pl"])
@pytest.mark.parametrize("missing", [0.0, 0.4])
def test_em_objective_never_decreases(model, missing):
    x, *_ = simulate(300, 10, seed=21, missing=missing)
    fit = calibrate(x, model=model, tol=1e-7)
    steps = np.diff(fit.objective_history)
    assert np.all(steps >= -1e-9 * abs(fit.objective_history[0]))
    assert len(fit.objective_history) == fit.iterations + 1


def test_em_log_likelihood_never_decreases_without_priors():
    x, *_ = simulate(300, 10, seed=22, missing=0.2)
    fit = calibrate(x, priors=None, tol=1e-7)
    steps = np.diff(fit.log_likelihood_history)
    assert np.all(steps >= -1e-9 * abs(fit.log_likelihood_history[0]))
    assert fit.log_likelihood == fit.log_likelihood_history[-1]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), missing=st.sampled_from([0.0, 0.3, 0.7]))
def test_em_is_monotone_on_any_small_dataset(seed, missing):
    rng = np.random.default_rng(seed)
    x = (rng.random((int(rng.integers(2, 40)), int(rng.integers(1, 6)))) < 0.6).astype(float)
    x[rng.random(x.shape) < missing] = np.nan
    if np.isnan(x).all():
        x[0, 0] = 1.0
    fit = calibrate(x, max_iter=200)
    scale = max(1.0, abs(fit.objective_history[0]))
    assert np.all(np.diff(fit.objective_history) >= -1e-9 * scale)
    assert np.all(np.isfinite(fit.a)) and np.all(np.isfinite(fit.b))
    assert np.all(np.isfinite(fit.se_a)) and np.all(np.isfinite(fit.se_b))


def test_fit_is_deterministic(dense_case):
    x, *_, fit = dense_case
    again = calibrate(x)
    np.testing.assert_array_equal(again.b, fit.b)


# -- edge cases -------------------------------------------------------------------


def test_an_item_everyone_gets_right_has_finite_parameters():
    x, *_ = simulate(500, 6, seed=30)
    x[:, 0] = 1.0
    fit = calibrate(x)
    assert np.isfinite(fit.a[0]) and np.isfinite(fit.b[0])
    assert fit.b[0] < min(fit.b[1:])  # the easiest
    assert fit.b[0] > -15  # held by the prior, not run to the bounds
    assert np.isfinite(fit.se_b[0]) and fit.se_b[0] > fit.se_b[1:].max()


def test_an_item_everyone_gets_wrong_is_the_hardest():
    x, *_ = simulate(500, 6, seed=31)
    x[:, 2] = 0.0
    fit = calibrate(x)
    assert fit.b[2] > max(np.delete(fit.b, 2))


def test_without_priors_a_perfect_item_runs_to_the_bounds():
    x, *_ = simulate(300, 4, seed=32)
    x[:, 0] = 1.0
    fit = calibrate(x, priors=None, max_iter=300)
    assert fit.b[0] < -10 or fit.a[0] > 10


def test_one_learner():
    fit = calibrate(np.array([[1.0, 0.0, 1.0]]))
    assert fit.theta.shape == (1,)
    assert np.all(np.isfinite(fit.a)) and np.all(np.isfinite(fit.b))
    assert fit.theta_se[0] > 0.5  # three answers say little
    # with one learner the priors dominate: parameters stay near their centre
    assert np.all(np.abs(fit.b) < 3) and np.all((fit.a > 0.3) & (fit.a < 3))


def test_one_item():
    fit = calibrate(np.array([[1.0], [0.0], [1.0], [1.0]]))
    assert fit.b[0] < 0  # mostly right: easier than average
    assert np.isfinite(fit.se_b[0])


def test_groups_without_overlap_are_put_on_one_scale_by_the_prior():
    # Learners 0-299 answered items 0-4 only, learners 300-599 items 5-9 only.
    x, a, b, _ = simulate(600, 10, seed=33)
    x[:300, 5:] = np.nan
    x[300:, :5] = np.nan
    fit = calibrate(x)
    assert fit.converged
    assert np.all(np.isfinite(fit.se_b))
    # Each group is standardised to N(0, 1) and both groups come from it,
    # so the difficulties are still recovered.
    assert rmse(fit.b, b) < 0.35


def test_an_unanswered_item_sits_at_its_prior():
    data = ResponseData.from_indices([0, 1, 2], [0, 0, 0], [1, 0, 1], n_items=2)
    fixed = calibrate(data, priors=Priors(log_a_float=None))
    assert fixed.b[1] == pytest.approx(0.0, abs=1e-6)
    assert fixed.a[1] == pytest.approx(1.0, abs=1e-6)
    assert fixed.se_b[1] == pytest.approx(2.0, rel=0.05)  # the prior sd
    # nothing floats with an item nobody answered, nor with three answers
    fit = calibrate(data)
    assert np.array_equal(fit.a, fixed.a) and np.array_equal(fit.b, fixed.b)


@pytest.mark.parametrize(("n_learners", "n_items", "p_right"), [
    (20, 30, 1.0),  # every item answered right by everyone: nothing about a
    (60, 20, 0.6),  # a class: 60 answers an item, too few to tell a slope from the prior
])
def test_a_floating_prior_does_not_float_on_items_that_say_little_about_a(
        n_learners, n_items, p_right):
    # Floating with all-right items drove their a to 3.3 (60 items) and spilled onto the
    # informative ones; with a small class's items the slopes' upward bias lifted them all.
    rng = np.random.default_rng(3)
    x = (rng.random((n_learners, n_items)) < p_right).astype(float)
    fixed = calibrate(x, priors=Priors(log_a_float=None), standard_errors=False)
    floating = calibrate(x, standard_errors=False)
    assert np.array_equal(floating.a, fixed.a) and np.array_equal(floating.b, fixed.b)


def test_a_floating_prior_does_not_pull_a_discriminating_bank_down():
    # every item discriminates more than the fixed prior's centre, a = 1
    rng = np.random.default_rng(5)
    a = rng.uniform(1.5, 2.5, 40)
    b = rng.normal(size=40)
    theta = rng.normal(size=400)
    x = (rng.random((400, 40)) < 1 / (1 + np.exp(-a * (theta[:, None] - b)))).astype(float)
    fixed = calibrate(x, priors=Priors(log_a_float=None), standard_errors=False)
    floating = calibrate(x, standard_errors=False)
    bias_fixed = float(np.mean(np.log(fixed.a) - np.log(a)))
    bias_floating = float(np.mean(np.log(floating.a) - np.log(a)))
    assert bias_fixed < -0.05  # the fixed prior shrinks them towards a = 1
    assert abs(bias_floating) < abs(bias_fixed) / 2
    assert rmse(floating.a, a) < rmse(fixed.a, a)


@pytest.mark.parametrize(
    "kwargs",
    [{"model": "1pl"}, {"priors": Priors(log_a_mean=[0.1, -0.2, 0.0, 0.3])}],
    ids=["1pl", "per-item means"],
)
def test_the_prior_floats_only_for_one_shared_mean_of_many_slopes(kwargs):
    x, *_ = simulate(200, 4, seed=8)
    priors = kwargs.get("priors", Priors())
    fixed = Priors(log_a_mean=priors.log_a_mean, log_a_float=None)
    got = calibrate(x, **{**kwargs, "priors": priors}, standard_errors=False)
    want = calibrate(x, **{**kwargs, "priors": fixed}, standard_errors=False)
    assert np.array_equal(got.a, want.a) and np.array_equal(got.b, want.b)


def test_repeated_attempts_count_as_more_evidence():
    once = ResponseData.from_records([("l1", "q", 1), ("l2", "q", 0), ("l3", "q", 1)])
    twice = ResponseData.from_records(
        [("l1", "q", 1), ("l2", "q", 0), ("l3", "q", 1)] * 2
    )
    assert calibrate(twice).se_b[0] < calibrate(once).se_b[0]


def test_per_item_prior_centres_pull_items_with_little_data():
    data = ResponseData.from_records([("l1", "hard", 1), ("l1", "easy", 1)])
    fit = calibrate(data, priors=Priors(b_mean=[2.0, -2.0], b_sd=0.5))
    assert fit.b[0] > 1.0 and fit.b[1] < -1.0


def test_calibration_result_has_the_json_shape():
    data = ResponseData.from_records(
        [("ann", "q1", 1), ("ann", "q2", 0), ("bob", "q1", 0), ("bob", "q2", 0)]
    )
    out = calibrate(data).to_dict()
    assert set(out) == {"items", "abilities", "log_likelihood", "iterations"}
    assert set(out["items"]) == {"q1", "q2"}
    assert set(out["items"]["q1"]) == {"a", "b", "se_a", "se_b"}
    assert set(out["abilities"]["bob"]) == {"theta", "se"}
    assert out["abilities"]["ann"]["theta"] > out["abilities"]["bob"]["theta"]


# -- input checks -----------------------------------------------------------------


@pytest.mark.parametrize(
    "records, message",
    [
        ([], "no responses"),
        ([("a", "q", 2)], "record 1"),
        ([("a", "q", 1), ("a", "r", "1")], "record 2"),
        ([("a", "q", 0.5)], "0 or 1"),
    ],
)
def test_bad_records_are_refused(records, message):
    with pytest.raises(ResponseDataError, match=message):
        ResponseData.from_records(records)


def test_bad_indices_and_matrices_are_refused():
    with pytest.raises(ResponseDataError):
        ResponseData.from_indices([0, 1], [0], [1, 0])
    with pytest.raises(ResponseDataError):
        ResponseData.from_indices([-1], [0], [1])
    with pytest.raises(ResponseDataError):
        ResponseData.from_indices([3], [0], [1], n_learners=2)
    with pytest.raises(ResponseDataError):
        ResponseData.from_matrix([1.0, 0.0])
    with pytest.raises(ResponseDataError):
        ResponseData.from_matrix([[1.0, 0.3]])
    with pytest.raises(ResponseDataError):
        ResponseData.from_matrix([[np.nan]])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"model": "3pl"},
        {"model": "2pl", "fixed_a": 1.0},
        {"model": "1pl", "fixed_a": -1.0},
        {"n_quadrature": 3},
        {"tol": 0.0},
        {"storage": "disk"},
        {"priors": Priors(b_mean=[0.0, 1.0, 2.0])},  # wrong length
        {"model": "1pl", "priors": Priors(log_a_mean=[0.0, 0.5])},
    ],
)
def test_bad_options_are_refused(kwargs):
    with pytest.raises(InvalidParameterError):
        calibrate(np.array([[1.0, 0.0], [0.0, 1.0]]), **kwargs)


def test_priors_need_positive_spreads():
    with pytest.raises(InvalidParameterError):
        Priors(b_sd=0.0)


@pytest.mark.parametrize("k", [0.0, -1.0, float("nan"), float("inf")])
def test_a_floating_prior_needs_a_positive_finite_anchor(k):
    with pytest.raises(InvalidParameterError, match="log_a_float"):
        Priors(log_a_float=k)
