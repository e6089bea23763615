"""Bayesian knowledge tracing (BKT) for one concept: parameters, update, prediction and fit.

BKT models a learner's knowledge of one concept as a hidden two-state Markov chain
(not known / known). Each attempt is an observation: a learner who knows the concept
answers correctly unless they *slip*, one who does not answers correctly only by a
*guess*; after each attempt a learner who did not know the concept may *learn* it,
and (optionally) one who knew it may *forget* it.

This module is the single-concept mathematics. :mod:`knowledge_graph.learner` applies
it over a skill graph (several concepts per item, evidence along prerequisites).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from knowledge_graph.errors import InvalidParameterError, NotEnoughDataError

__all__ = [
    "BKTParams",
    "BKTFit",
    "observe",
    "transition",
    "bkt_update",
    "predict_correct",
    "predict_sequences",
    "fit_bkt",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class BKTParams:
    """The five parameters of BKT for one concept.

    Parameters
    ----------
    p_init : float
        P(known) before the first attempt.
    p_learn : float
        P(not known -> known) after an attempt.
    p_guess : float
        P(correct | not known).
    p_slip : float
        P(incorrect | known).
    p_forget : float, default 0
        P(known -> not known) after an attempt; classic BKT has none.

    Raises
    ------
    InvalidParameterError
        A value outside [0, 1], or ``p_guess + p_slip >= 1``.

    Notes
    -----
    ``p_guess + p_slip < 1`` is required, not a convenience: it says a learner who knows
    the concept is more likely to answer correctly than one who does not. Without it the
    two hidden states swap meaning and a correct answer would *lower* mastery (the
    identifiability problem of BKT, [1]_).

    References
    ----------
    .. [1] J. E. Beck and K. Chang, "Identifiability: a fundamental problem of student
       modeling", User Modeling 2007, LNCS 4511, pp. 137-146.

    Examples
    --------
    >>> BKTParams(p_init=0.3, p_learn=0.1, p_guess=0.2, p_slip=0.1)
    BKTParams(p_init=0.3, p_learn=0.1, p_guess=0.2, p_slip=0.1, p_forget=0.0)
    """

    p_init: float = 0.3
    p_learn: float = 0.1
    p_guess: float = 0.2
    p_slip: float = 0.1
    p_forget: float = 0.0

    def __post_init__(self) -> None:
        for name in ("p_init", "p_learn", "p_guess", "p_slip", "p_forget"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and 0.0 <= value <= 1.0):
                raise InvalidParameterError(
                    f"{name} must be a probability in [0, 1], got {value!r}"
                )
        if self.p_guess + self.p_slip >= 1.0:
            raise InvalidParameterError(
                f"p_guess + p_slip must be < 1 (got {self.p_guess} + {self.p_slip}): "
                "a learner who knows the concept must do better than one who does not"
            )

    def to_dict(self) -> dict[str, float]:
        """The parameters as a plain dict (JSON-ready)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BKTParams:
        """Inverse of :meth:`to_dict`; unknown keys are refused."""
        allowed = {"p_init", "p_learn", "p_guess", "p_slip", "p_forget"}
        extra = set(data) - allowed
        if extra:
            raise InvalidParameterError(f"unknown BKT parameters: {sorted(extra)}")
        return cls(**{k: float(v) for k, v in data.items()})


def _check_probability(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise InvalidParameterError(f"{name} must be in [0, 1], got {value!r}")


def observe(
    p_known: float, correct: bool, *, guess: float, slip: float, weight: float = 1.0
) -> float:
    """Posterior P(known) after one observed answer (Bayes' rule, no learning step).

    Parameters
    ----------
    p_known : float
        Prior P(known).
    correct : bool
        Whether the answer was correct.
    guess, slip : float
        P(correct | not known) and P(incorrect | known); ``guess + slip < 1``.
    weight : float in [0, 1], default 1
        How much the answer counts. The likelihood is raised to this power (a tempered
        or "power" likelihood), so 0 ignores the answer, 1 is plain Bayes and 0.5 counts
        it as half an observation in log-odds.

    Returns
    -------
    float
        P(known | answer).

    Raises
    ------
    InvalidParameterError
        A probability out of range, ``guess + slip >= 1`` or weight outside [0, 1].

    Examples
    --------
    >>> round(observe(0.5, True, guess=0.2, slip=0.1), 4)
    0.8182
    >>> observe(0.5, True, guess=0.2, slip=0.1, weight=0.0)
    0.5

    Notes
    -----
    With ``guess + slip < 1`` a correct answer never lowers P(known) and an incorrect one
    never raises it, whatever the weight.
    """
    _check_probability("p_known", p_known)
    _check_probability("guess", guess)
    _check_probability("slip", slip)
    _check_probability("weight", weight)
    if guess + slip >= 1.0:
        raise InvalidParameterError("guess + slip must be < 1")
    like_known = (1.0 - slip) if correct else slip
    like_unknown = guess if correct else (1.0 - guess)
    if weight != 1.0:
        like_known **= weight
        like_unknown **= weight
    num = p_known * like_known
    den = num + (1.0 - p_known) * like_unknown
    return p_known if den == 0.0 else num / den


def transition(p_known: float, *, learn: float, forget: float = 0.0) -> float:
    """P(known) after the learning step that follows an attempt.

    Examples
    --------
    >>> transition(0.5, learn=0.2)
    0.6
    """
    return p_known * (1.0 - forget) + (1.0 - p_known) * learn


def bkt_update(p_known: float, correct: bool, params: BKTParams, *, weight: float = 1.0) -> float:
    """One full BKT step: condition on the answer, then apply learning (and forgetting).

    Examples
    --------
    >>> params = BKTParams(p_init=0.3, p_learn=0.1, p_guess=0.2, p_slip=0.1)
    >>> round(bkt_update(0.3, True, params), 4)
    0.6927
    """
    posterior = observe(p_known, correct, guess=params.p_guess, slip=params.p_slip, weight=weight)
    return transition(posterior, learn=params.p_learn, forget=params.p_forget)


def predict_correct(p_known: float, *, guess: float, slip: float) -> float:
    """P(next answer correct) = P(known)(1 - slip) + P(not known) guess."""
    return p_known * (1.0 - slip) + (1.0 - p_known) * guess


def _pad(sequences: Sequence[Sequence[int] | npt.ArrayLike]) -> tuple[FloatArray, FloatArray]:
    """Right-pad 0/1 sequences into (obs, mask) arrays of shape (n, T_max)."""
    arrays = [np.asarray(s, dtype=np.float64).ravel() for s in sequences]
    n = len(arrays)
    t_max = max((a.size for a in arrays), default=0)
    obs = np.zeros((n, t_max))
    mask = np.zeros((n, t_max))
    for i, a in enumerate(arrays):
        if a.size and not np.all((a == 0.0) | (a == 1.0)):
            raise InvalidParameterError(f"sequence {i} holds values other than 0 and 1")
        obs[i, : a.size] = a
        mask[i, : a.size] = 1.0
    return obs, mask


def predict_sequences(
    sequences: Sequence[Sequence[int] | npt.ArrayLike], params: BKTParams
) -> list[FloatArray]:
    """Next-answer predictions: P(answer t correct | answers before t), for each sequence.

    This is the quantity whose AUC measures a knowledge-tracing model: each prediction
    uses only the answers before it.

    Parameters
    ----------
    sequences : sequence of 0/1 sequences
        One sequence of answers per learner, in time order.
    params : BKTParams

    Returns
    -------
    list of ndarray
        One array per sequence, the same length as it.

    Examples
    --------
    >>> p = BKTParams(p_init=0.5, p_learn=0.0, p_guess=0.2, p_slip=0.1)
    >>> [round(float(x), 3) for x in predict_sequences([[1, 1]], p)[0]]
    [0.55, 0.773]

    Notes
    -----
    O(n T) time, vectorised over sequences; one Python step per time step.
    """
    obs, mask = _pad(sequences)
    n, t_max = obs.shape
    g, s = params.p_guess, params.p_slip
    pred = np.empty((n, t_max))
    p = np.full(n, params.p_init)
    for t in range(t_max):
        pred[:, t] = p * (1.0 - s) + (1.0 - p) * g
        o = obs[:, t]
        like_k = np.where(o == 1.0, 1.0 - s, s)
        like_u = np.where(o == 1.0, g, 1.0 - g)
        num = p * like_k
        den = num + (1.0 - p) * like_u
        # an impossible answer (e.g. correct with guess 0 from a sure non-master) teaches nothing
        post = np.divide(num, den, out=p.copy(), where=den > 0.0)
        p = post * (1.0 - params.p_forget) + (1.0 - post) * params.p_learn
    lengths = mask.sum(axis=1).astype(int)
    return [pred[i, : lengths[i]].copy() for i in range(n)]


@dataclass(frozen=True, slots=True)
class BKTFit:
    """The result of :func:`fit_bkt`.

    Attributes
    ----------
    params : BKTParams
        The maximum-likelihood parameters found (best restart).
    log_likelihood : float
        Log-likelihood of the data under ``params``.
    n_iter : int
        EM iterations run by the best restart.
    converged : bool
        Whether the best restart met the tolerance before ``max_iter``.
    """

    params: BKTParams
    log_likelihood: float
    n_iter: int
    converged: bool


def _e_step(
    obs: FloatArray,
    mask: FloatArray,
    p_init: FloatArray,
    learn: FloatArray,
    forget: FloatArray,
    guess: FloatArray,
    slip: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Forward-backward for R parameter sets at once over n sequences.

    Parameters are arrays of shape (R,); data (n, T). Returns, each of shape (R,):
    log-likelihood, expected initial known, expected (unknown->known) and
    (unknown at t, followed) counts, expected (known->unknown) and (known, followed)
    counts, and the emission statistics packed as (R, 4): correct|unknown,
    all|unknown, incorrect|known, all|known.
    """
    n_r = p_init.shape[0]
    n, t_max = obs.shape
    col = (slice(None), None)  # (R,) -> (R, 1) for broadcasting over sequences
    g, s, lrn, fgt = guess[col], slip[col], learn[col], forget[col]
    # alpha[t] = P(known at t | answers up to t); prior[t] = P(known at t | answers before t)
    alpha = np.empty((t_max, n_r, n))
    prior = np.empty((t_max, n_r, n))
    loglik = np.zeros(n_r)
    p = np.broadcast_to(p_init[col], (n_r, n)).copy()
    for t in range(t_max):
        prior[t] = p
        o, m = obs[:, t], mask[:, t]
        # padded positions get likelihood 1 in both states: they carry no evidence
        like_k = np.where(m == 0.0, 1.0, np.where(o == 1.0, 1.0 - s, s))
        like_u = np.where(m == 0.0, 1.0, np.where(o == 1.0, g, 1.0 - g))
        num = p * like_k
        norm = num + (1.0 - p) * like_u
        a = num / norm
        alpha[t] = a
        loglik += np.log(norm).sum(axis=1)
        p = a * (1.0 - fgt) + (1.0 - a) * lrn
    # Backward pass in "smoothed posterior" form (Rauch-Tung-Striebel for HMMs): no
    # separate beta messages, and every quantity stays a probability, so no scaling.
    gamma = alpha[t_max - 1].copy()
    init_known = np.zeros(n_r)
    n_u2k = np.zeros(n_r)
    n_u = np.zeros(n_r)
    n_k2u = np.zeros(n_r)
    n_k = np.zeros(n_r)
    emis = np.zeros((n_r, 4))
    eps = 1e-300
    for t in range(t_max - 1, -1, -1):
        m = mask[:, t]
        o = obs[:, t]
        if t < t_max - 1:
            a = alpha[t]
            nxt_prior = prior[t + 1]
            ratio_k = gamma / np.maximum(nxt_prior, eps)  # gamma_{t+1}(known) / pred(known)
            ratio_u = (1.0 - gamma) / np.maximum(1.0 - nxt_prior, eps)
            # xi(i -> j) = alpha_t(i) A(i, j) gamma_{t+1}(j) / pred_{t+1}(j)
            xi_uk = (1.0 - a) * lrn * ratio_k
            xi_uu = (1.0 - a) * (1.0 - lrn) * ratio_u
            xi_ku = a * fgt * ratio_u
            xi_kk = a * (1.0 - fgt) * ratio_k
            # transitions count only between two real attempts of the same sequence
            m_next = mask[:, t + 1]
            n_u2k += (xi_uk * m_next).sum(axis=1)
            n_u += ((xi_uk + xi_uu) * m_next).sum(axis=1)
            n_k2u += (xi_ku * m_next).sum(axis=1)
            n_k += ((xi_ku + xi_kk) * m_next).sum(axis=1)
            # at the last real attempt of a sequence, the smoothed posterior is alpha
            gamma = np.where(m_next == 1.0, xi_kk + xi_ku, a)
        gk = gamma * m
        gu = (1.0 - gamma) * m
        emis[:, 0] += (gu * o).sum(axis=1)
        emis[:, 1] += gu.sum(axis=1)
        emis[:, 2] += (gk * (1.0 - o)).sum(axis=1)
        emis[:, 3] += gk.sum(axis=1)
        if t == 0:
            init_known = gamma.sum(axis=1)
    return loglik, init_known, n_u2k, n_u, n_k2u, n_k, emis


def fit_bkt(
    sequences: Sequence[Sequence[int] | npt.ArrayLike],
    *,
    n_restarts: int = 5,
    max_iter: int = 100,
    tol: float = 1e-6,
    fit_forget: bool = False,
    max_guess: float = 0.5,
    max_slip: float = 0.5,
    pseudo_count: float = 1.0,
    seed: int | np.random.Generator | None = None,
) -> BKTFit:
    """Fit BKT parameters to answer sequences by expectation-maximisation (Baum-Welch).

    Parameters
    ----------
    sequences : sequence of 0/1 sequences
        One sequence of answers (1 correct, 0 incorrect) per learner, in time order,
        all on the same concept.
    n_restarts : int, default 5
        Random starting points; the one with the highest final log posterior
        (log-likelihood plus the pseudo-counts' log prior) wins.
        All restarts run together in one vectorised pass, so extra restarts cost little.
    max_iter : int, default 100
        EM iterations at most.
    tol : float, default 1e-6
        Stop when the log posterior per observation improves by less than this.
    fit_forget : bool, default False
        Estimate ``p_forget``; otherwise it is fixed at 0 (classic BKT).
    max_guess, max_slip : float, default 0.5
        Upper bounds on guess and slip, enforced at every M-step, which keeps the fit
        on the identifiable side (``guess + slip < 1``).
    pseudo_count : float, default 1
        Beta(1 + c, 1 + c)-style smoothing: ``c`` pseudo-observations split evenly are
        added to every count, so a parameter never hits exactly 0 or 1 on small data
        (maximum a posteriori EM).
    seed : int, Generator or None
        Seeds the random restarts.

    Returns
    -------
    BKTFit

    Raises
    ------
    NotEnoughDataError
        No observations at all.
    InvalidParameterError
        A sequence holds values other than 0/1, or a bound is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> true = BKTParams(p_init=0.3, p_learn=0.15, p_guess=0.2, p_slip=0.1)
    >>> known = rng.random((400, 1)) < true.p_init
    >>> seqs = []
    >>> for k in known[:, 0]:
    ...     seq = []
    ...     for _ in range(12):
    ...         p = 1 - true.p_slip if k else true.p_guess
    ...         seq.append(int(rng.random() < p))
    ...         k = k or rng.random() < true.p_learn
    ...     seqs.append(seq)
    >>> fit = fit_bkt(seqs, seed=0)
    >>> abs(fit.params.p_learn - 0.15) < 0.05
    True

    Notes
    -----
    Each iteration is one forward-backward pass, O(R n T) for R restarts, n sequences
    and T the longest sequence, vectorised in numpy over restarts and sequences (the
    only Python loop is over time steps). The M-step is the closed-form Baum-Welch
    update [1]_ on the expected counts. The backward pass uses the smoothed-posterior
    recursion, so no rescaling is needed. Restarts draw guess in [0.05, 0.4], slip in
    [0.05, 0.3], learn in [0.01, 0.4] and init in [0.05, 0.95], the ranges pyBKT uses.

    References
    ----------
    .. [1] L. R. Rabiner, "A tutorial on hidden Markov models and selected applications
       in speech recognition", Proc. IEEE 77(2), 1989.
    .. [2] A. T. Corbett and J. R. Anderson, "Knowledge tracing: modeling the acquisition
       of procedural knowledge", User Modeling and User-Adapted Interaction 4, 1995.
    """
    if n_restarts < 1 or max_iter < 1:
        raise InvalidParameterError("n_restarts and max_iter must be at least 1")
    if not (0.0 < max_guess <= 1.0 and 0.0 < max_slip <= 1.0 and max_guess + max_slip <= 1.0):
        raise InvalidParameterError("need 0 < max_guess, max_slip and max_guess + max_slip <= 1")
    if pseudo_count < 0:
        raise InvalidParameterError("pseudo_count must be >= 0")
    obs, mask = _pad(sequences)
    n_obs = float(mask.sum())
    if n_obs == 0.0:
        raise NotEnoughDataError("no observations to fit")
    rng = np.random.default_rng(seed)
    # Restart 0 is a conventional, sensible start; the rest are random.
    p_init = np.concatenate([[0.3], rng.uniform(0.05, 0.95, n_restarts - 1)])
    learn = np.concatenate([[0.1], rng.uniform(0.01, 0.4, n_restarts - 1)])
    guess = np.concatenate([[0.2], rng.uniform(0.05, 0.4, n_restarts - 1)])
    slip = np.concatenate([[0.1], rng.uniform(0.05, 0.3, n_restarts - 1)])
    forget = (
        np.concatenate([[0.02], rng.uniform(0.0, 0.1, n_restarts - 1)])
        if fit_forget
        else np.zeros(n_restarts)
    )
    # Keep the random starts inside the bounds the M-step enforces.
    guess = np.minimum(guess, max_guess)
    slip = np.minimum(slip, max_slip)
    n_seq = obs.shape[0]
    c = pseudo_count / 2.0
    def log_prior() -> FloatArray:
        # The Beta(1 + c, 1 + c) prior the M-step's pseudo-counts stand for.
        if c == 0.0:
            return np.zeros(n_restarts)
        fitted = [p_init, learn, guess, slip] + ([forget] if fit_forget else [])
        return sum((c * (np.log(p) + np.log1p(-p)) for p in fitted), np.zeros(n_restarts))

    def ratio(num: FloatArray, den: FloatArray, old: FloatArray) -> FloatArray:
        # No expected count behind a parameter (pseudo_count 0 and, say, no second
        # answers to learn from): keep its value rather than make it 0 / 0.
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(den > 0, num / den, old)

    prev = np.full(n_restarts, -np.inf)
    active = np.ones(n_restarts, dtype=bool)
    n_iter = np.zeros(n_restarts, dtype=int)
    loglik = prev
    objective = prev
    for _ in range(max_iter):
        loglik, init_k, n_u2k, n_u, n_k2u, n_k, emis = _e_step(
            obs, mask, p_init, learn, forget, guess, slip
        )
        # MAP-EM never lowers the log posterior (it may lower the likelihood itself,
        # which is why the test is on this and not on loglik), so a tiny step, or a
        # tiny numerical dip, ends it
        with np.errstate(invalid="ignore", divide="ignore"):
            objective = loglik + log_prior()
        improved = (objective - prev) / n_obs
        newly_done = active & (improved < tol)
        active &= ~newly_done
        if not active.any():
            break
        n_iter[active] += 1
        prev = objective
        upd = active
        p_init = np.where(upd, ratio(init_k + c, np.full(n_restarts, n_seq + 2 * c), p_init),
                          p_init)
        learn = np.where(upd, ratio(n_u2k + c, n_u + 2 * c, learn), learn)
        if fit_forget:
            forget = np.where(upd, ratio(n_k2u + c, n_k + 2 * c, forget), forget)
        guess = np.where(upd, np.minimum(ratio(emis[:, 0] + c, emis[:, 1] + 2 * c, guess),
                                         max_guess), guess)
        slip = np.where(upd, np.minimum(ratio(emis[:, 2] + c, emis[:, 3] + 2 * c, slip),
                                        max_slip), slip)
    else:
        # ran out of iterations: score the final parameters so loglik matches them
        loglik = _e_step(obs, mask, p_init, learn, forget, guess, slip)[0]
        with np.errstate(invalid="ignore", divide="ignore"):
            objective = loglik + log_prior()
    # the restart that reached the highest point of what EM climbs
    best = int(np.argmax(np.where(np.isnan(objective), -np.inf, objective)))
    # guess + slip can touch 1 only when both bounds bind at 0.5; nudge for the invariant
    g_best = float(guess[best])
    s_best = float(slip[best])
    if g_best + s_best >= 1.0:
        g_best = math.nextafter(1.0 - s_best, 0.0)
    params = BKTParams(
        p_init=float(p_init[best]),
        p_learn=float(learn[best]),
        p_guess=g_best,
        p_slip=s_best,
        p_forget=float(forget[best]),
    )
    return BKTFit(
        params=params,
        log_likelihood=float(loglik[best]),
        n_iter=int(n_iter[best]),
        converged=bool(not active[best]),
    )
