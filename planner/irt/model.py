"""The 1PL and 2PL item response functions and their information.

A learner of ability ``theta`` answers an item of discrimination ``a`` and
difficulty ``b`` correctly with probability

.. math:: P(\\theta) = \\frac{1}{1 + e^{-a(\\theta - b)}}

(the logistic metric, without the 1.7 scaling constant). The 1PL model is the
same curve with one ``a`` shared by every item. Abilities live on the scale of a
standard normal population, ``theta ~ N(0, 1)``, which is what identifies the
model when it is fitted (see :mod:`planner.irt.calibrate`).

All functions broadcast with numpy rules and are vectorised: pass ``theta`` with
shape ``(T, 1)`` and item arrays with shape ``(J,)`` to get a ``(T, J)`` table.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.special import expit

__all__ = [
    "probability",
    "log_likelihood",
    "item_information",
    "test_information",
    "ability_standard_error",
]

FloatArray = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike


def logsumexp(x: FloatArray, axis: int | None = None) -> FloatArray:
    """``log(sum(exp(x)))`` along ``axis``, without overflow.

    A few lines of numpy: :func:`scipy.special.logsumexp` goes through the array
    API layer and costs milliseconds a call, which an adaptive test pays per answer.

    Examples
    --------
    >>> round(float(logsumexp(np.array([1000.0, 1000.0]))), 4)
    1000.6931
    """
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    out: FloatArray = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out.squeeze(axis=axis) if axis is not None else out.reshape(())


def probability(theta: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatArray:
    """P(correct) under the 2PL model (1PL when ``a`` is the same for every item).

    Parameters
    ----------
    theta : array_like
        Abilities.
    a : array_like
        Discriminations (> 0 for a sensible item; not checked here, for speed).
    b : array_like
        Difficulties, on the ability scale.

    Returns
    -------
    ndarray
        ``1 / (1 + exp(-a (theta - b)))``, broadcast over the inputs.

    Examples
    --------
    >>> float(probability(0.0, 1.0, 0.0))
    0.5
    >>> probability([[-1.0], [1.0]], [1.0, 2.0], [0.0, 0.0]).round(3).tolist()
    [[0.269, 0.119], [0.731, 0.881]]
    """
    z = np.asarray(a, dtype=np.float64) * (
        np.asarray(theta, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    )
    out: FloatArray = expit(z)
    return out


def log_likelihood(
    theta: ArrayLike, a: ArrayLike, b: ArrayLike, correct: ArrayLike
) -> FloatArray:
    """Log-probability of the observed answers, summed over the last axis.

    Parameters
    ----------
    theta : array_like
        Abilities, shape ``(T, 1)`` to evaluate several at once (or a scalar).
    a, b : array_like of shape (J,)
        Item parameters.
    correct : array_like of shape (J,)
        1 for a correct answer, 0 for a wrong one.

    Returns
    -------
    ndarray of shape (T,) (0-d for a scalar theta)

    Examples
    --------
    >>> round(float(log_likelihood(0.0, [1.0, 1.0], [0.0, 0.0], [1, 0])), 4)
    -1.3863

    Notes
    -----
    Written through ``log(expit(z))`` in its stable form ``-logaddexp(0, -z)`` so
    that extreme abilities do not produce ``log(0)``.
    """
    z = np.asarray(a, dtype=np.float64) * (
        np.asarray(theta, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    )
    x = np.asarray(correct, dtype=np.float64)
    # log P = -log(1 + e^{-z}); log(1 - P) = -log(1 + e^{z})
    terms = -(x * np.logaddexp(0.0, -z) + (1.0 - x) * np.logaddexp(0.0, z))
    out: FloatArray = np.sum(terms, axis=-1)
    return out


def item_information(theta: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Fisher information of each item about ``theta``: ``a**2 P (1 - P)``.

    Parameters
    ----------
    theta, a, b : array_like
        As in :func:`probability`.

    Returns
    -------
    ndarray
        Broadcast like :func:`probability`.

    Examples
    --------
    >>> float(item_information(0.0, 2.0, 0.0))     # peak a**2 / 4 at theta = b
    1.0
    >>> bool(item_information(2.0, 2.0, 0.0) < item_information(0.0, 2.0, 0.0))
    True

    References
    ----------
    .. [1] F. M. Lord, *Applications of Item Response Theory to Practical Testing
       Problems*, Erlbaum, 1980, ch. 5.
    """
    p = probability(theta, a, b)
    a_ = np.asarray(a, dtype=np.float64)
    out: FloatArray = a_ * a_ * p * (1.0 - p)
    return out


def test_information(theta: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Information of a whole test (the sum over its items) at each ``theta``.

    Parameters
    ----------
    theta : array_like of shape (T,) or scalar
        Where to evaluate.
    a, b : array_like of shape (J,)
        The test's items.

    Returns
    -------
    ndarray of shape (T,) (0-d for a scalar theta)

    Examples
    --------
    >>> test_information([0.0, 3.0], [1.0, 1.0], [0.0, 0.0]).round(3).tolist()
    [0.5, 0.09]
    """
    t = np.asarray(theta, dtype=np.float64)
    info = item_information(t[..., None], a, b)
    out: FloatArray = info.sum(axis=-1)
    return out


# The name starts with "test_"; tell pytest it is not a test when a test module imports it.
test_information.__test__ = False  # type: ignore[attr-defined]


def ability_standard_error(theta: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Asymptotic standard error of an ability estimate: ``1 / sqrt(test information)``.

    Examples
    --------
    >>> float(ability_standard_error(0.0, [2.0] * 4, [0.0] * 4))
    0.5

    Notes
    -----
    This is the maximum-likelihood asymptote; the EAP estimate in
    :mod:`planner.irt.ability` reports the posterior standard deviation instead,
    which stays finite with few answers. Infinite when the information is zero.
    """
    info = test_information(theta, a, b)
    with np.errstate(divide="ignore"):
        out: FloatArray = 1.0 / np.sqrt(info)
    return out
