"""Ability estimation by EAP (expected a posteriori), with its standard error.

Given item parameters, a learner's ability is estimated by the mean of its
posterior under the prior ``theta ~ N(prior_mean, prior_sd)``, computed on a grid;
its standard error is the posterior standard deviation. Unlike maximum
likelihood, EAP is finite for every response pattern (all right, all wrong, none
at all) and so serves from the first answer of a live session.

Three entry points: :func:`eap` for one learner's answers, :class:`AbilityPosterior`
updated one answer at a time (the adaptive test), and :func:`eap_batch` for many
learners at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from planner.irt.errors import InvalidParameterError, ResponseDataError
from planner.irt.model import logsumexp

__all__ = ["AbilityEstimate", "AbilityPosterior", "eap", "eap_batch"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class AbilityEstimate:
    """An ability estimate.

    Attributes
    ----------
    theta : float
        Posterior mean.
    se : float
        Posterior standard deviation.
    n : int
        Number of answers it rests on.
    """

    theta: float
    se: float
    n: int = 0


def _check_prior(prior_mean: float, prior_sd: float, n_quadrature: int, bound: float) -> None:
    if not (math.isfinite(prior_mean) and math.isfinite(prior_sd) and prior_sd > 0):
        raise InvalidParameterError("the prior needs a finite mean and a positive sd")
    if n_quadrature < 5 or not bound > 0:
        raise InvalidParameterError("n_quadrature >= 5 and bound > 0 are required")


def _grid(
    prior_mean: float, prior_sd: float, n: int, bound: float
) -> tuple[FloatArray, FloatArray]:
    # The grid follows the prior: ``bound`` prior standard deviations either side.
    x = prior_mean + prior_sd * np.linspace(-bound, bound, n)
    logw = -0.5 * ((x - prior_mean) / prior_sd) ** 2
    logw -= logsumexp(logw)
    return x, logw


def _check_items(a: FloatArray, b: FloatArray) -> None:
    if a.shape != b.shape:
        raise InvalidParameterError("a and b must have one value per item")
    if not (np.isfinite(a).all() and np.isfinite(b).all() and (a > 0).all()):
        raise InvalidParameterError("item parameters must be finite, with a > 0")


def _loglik_rows(a: FloatArray, b: FloatArray, x: FloatArray, correct: FloatArray) -> FloatArray:
    """Log-likelihood of each answer at each node: (answers x nodes)."""
    z = a[:, None] * (x[None, :] - b[:, None])
    out: FloatArray = -np.where(correct[:, None] > 0.5, np.logaddexp(0.0, -z), np.logaddexp(0.0, z))
    return out


def eap(
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    correct: npt.ArrayLike,
    *,
    prior_mean: float = 0.0,
    prior_sd: float = 1.0,
    n_quadrature: int = 121,
    bound: float = 6.0,
) -> AbilityEstimate:
    """EAP ability of one learner from their answers to items of known parameters.

    Parameters
    ----------
    a, b : array_like of shape (n,)
        Parameters of the items answered (1PL: the common ``a`` for each).
    correct : array_like of shape (n,)
        1/0 (or True/False) for each answer. Empty arrays give the prior back.
    prior_mean, prior_sd : float, default 0 and 1
        The ability prior; the calibration scale is N(0, 1).
    n_quadrature : int, default 121
        Grid points, equally spaced over ``prior_mean +- bound * prior_sd``.
    bound : float, default 6

    Returns
    -------
    AbilityEstimate

    Raises
    ------
    ResponseDataError
        Arrays of different lengths or a ``correct`` value other than 0/1.
    InvalidParameterError
        ``a <= 0``, non-finite parameters, or a bad prior.

    Examples
    --------
    >>> est = eap([1.0, 1.2, 0.8], [-0.5, 0.0, 0.5], [1, 1, 0])
    >>> round(est.theta, 3), round(est.se, 3), est.n
    (0.404, 0.784, 3)
    >>> abs(eap([], [], []).theta) < 1e-12          # no answers: the prior mean
    True
    >>> eap([2.0] * 5, [0.0] * 5, [1] * 5).theta < 3  # all right stays finite
    True

    Notes
    -----
    O(n x n_quadrature). The posterior standard deviation is what a learner's
    uncertainty really is after few answers; the asymptotic ``1 / sqrt(I)`` of
    :func:`planner.irt.model.ability_standard_error` is not.

    References
    ----------
    .. [1] R. D. Bock and R. J. Mislevy, "Adaptive EAP estimation of ability in a
       microcomputer environment", *Applied Psychological Measurement* 6(4),
       431-444, 1982.
    """
    post = AbilityPosterior(
        prior_mean=prior_mean, prior_sd=prior_sd, n_quadrature=n_quadrature, bound=bound
    )
    post.update_many(a, b, correct)
    return post.estimate()


class AbilityPosterior:
    """A learner's ability posterior on a grid, updated one answer at a time.

    Parameters
    ----------
    prior_mean, prior_sd, n_quadrature, bound
        As in :func:`eap`.

    Examples
    --------
    >>> post = AbilityPosterior()
    >>> post.update(a=1.0, b=0.0, correct=True)
    >>> post.update(a=1.5, b=1.0, correct=False)
    >>> est = post.estimate()
    >>> round(est.theta, 3), est.n
    (0.095, 2)

    Notes
    -----
    Each update is O(n_quadrature), so a live session pays nothing for its length.
    """

    def __init__(
        self,
        *,
        prior_mean: float = 0.0,
        prior_sd: float = 1.0,
        n_quadrature: int = 121,
        bound: float = 6.0,
    ) -> None:
        _check_prior(prior_mean, prior_sd, n_quadrature, bound)
        self.nodes, self._logpost = _grid(prior_mean, prior_sd, n_quadrature, bound)
        self.n = 0

    def update(self, a: float, b: float, correct: bool | int) -> None:
        """Fold in one answer."""
        self.update_many([a], [b], [correct])

    def update_many(self, a: npt.ArrayLike, b: npt.ArrayLike, correct: npt.ArrayLike) -> None:
        """Fold in several answers (in any order: the posterior does not care)."""
        a_ = np.atleast_1d(np.asarray(a, dtype=np.float64))
        b_ = np.atleast_1d(np.asarray(b, dtype=np.float64))
        x_ = np.atleast_1d(np.asarray(correct))
        if not (a_.shape == b_.shape == x_.shape and a_.ndim == 1):
            raise ResponseDataError("a, b and correct must be 1-d and of one length")
        if x_.size == 0:
            return
        if not ((x_ == 0) | (x_ == 1)).all():
            raise ResponseDataError("correct must be 0 or 1")
        _check_items(a_, b_)
        self._logpost = self._logpost + _loglik_rows(
            a_, b_, self.nodes, x_.astype(np.float64)
        ).sum(axis=0)
        self._logpost -= logsumexp(self._logpost)
        self.n += int(x_.size)

    @property
    def weights(self) -> FloatArray:
        """Posterior probabilities of the grid nodes (they sum to 1)."""
        out: FloatArray = np.exp(self._logpost)
        return out

    def estimate(self) -> AbilityEstimate:
        """Posterior mean and standard deviation."""
        w = self.weights
        mean = float(w @ self.nodes)
        var = float(w @ (self.nodes - mean) ** 2)
        return AbilityEstimate(theta=mean, se=math.sqrt(max(var, 0.0)), n=self.n)


def eap_batch(
    learner: npt.ArrayLike,
    item: npt.ArrayLike,
    correct: npt.ArrayLike,
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    *,
    n_learners: int | None = None,
    prior_mean: float = 0.0,
    prior_sd: float = 1.0,
    n_quadrature: int = 61,
    bound: float = 6.0,
) -> tuple[FloatArray, FloatArray]:
    """EAP abilities of many learners at once, from (learner, item, correct) triples.

    Parameters
    ----------
    learner, item : array_like of int
        Indices; ``item`` indexes ``a`` and ``b``.
    correct : array_like of 0/1
    a, b : array_like of shape (n_items,)
    n_learners : int, optional
        Number of learners (learners without answers get the prior).
    prior_mean, prior_sd, n_quadrature, bound
        As in :func:`eap`.

    Returns
    -------
    theta, se : ndarray of shape (n_learners,)

    Raises
    ------
    ResponseDataError, InvalidParameterError

    Examples
    --------
    >>> th, se = eap_batch([0, 0, 1], [0, 1, 0], [1, 1, 0], a=[1.0, 1.0], b=[0.0, 0.0])
    >>> bool(th[0] > 0 > th[1]), bool(se[0] < 1 and se[1] < 1)
    (True, True)

    Notes
    -----
    O(answers x n_quadrature): the log-likelihood of each answer at each node is
    summed into its learner's row with one sparse product.
    """
    from scipy import sparse

    _check_prior(prior_mean, prior_sd, n_quadrature, bound)
    li = np.asarray(learner)
    it = np.asarray(item)
    x_ = np.asarray(correct)
    a_ = np.asarray(a, dtype=np.float64)
    b_ = np.asarray(b, dtype=np.float64)
    _check_items(a_, b_)
    if not (li.ndim == it.ndim == x_.ndim == 1 and li.shape == it.shape == x_.shape):
        raise ResponseDataError("learner, item and correct must be 1-d and of one length")
    if x_.size and not np.isin(x_, (0, 1)).all():
        raise ResponseDataError("correct must be 0 or 1")
    if x_.size and (li.min() < 0 or it.min() < 0 or it.max() >= a_.size):
        raise ResponseDataError("an index is negative or beyond the items")
    n_l = (int(li.max()) + 1 if li.size else 0) if n_learners is None else n_learners
    if li.size and li.max() >= n_l:
        raise ResponseDataError("a learner index is beyond n_learners")
    nodes, logw = _grid(prior_mean, prior_sd, n_quadrature, bound)
    z = a_[:, None] * (nodes[None, :] - b_[:, None])
    log_right = -np.logaddexp(0.0, -z)
    log_wrong = -np.logaddexp(0.0, z)
    xf = x_.astype(np.float64)
    right = sparse.csr_array((xf, (li, it)), shape=(n_l, a_.size))
    wrong = sparse.csr_array((1.0 - xf, (li, it)), shape=(n_l, a_.size))
    logpost = np.asarray(right @ log_right + wrong @ log_wrong) + logw[None, :]
    post = np.exp(logpost - logsumexp(logpost, axis=1)[:, None])
    theta: FloatArray = post @ nodes
    var = post @ (nodes * nodes) - theta * theta
    se: FloatArray = np.sqrt(np.clip(var, 0.0, None))
    return theta, se
