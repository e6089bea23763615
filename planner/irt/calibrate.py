"""Item calibration by marginal maximum likelihood (Bock-Aitkin EM over a grid).

The abilities of the learners are treated as a sample from the population
``theta ~ N(0, 1)`` and integrated out on a fixed grid of quadrature nodes; the
item parameters maximise the resulting marginal likelihood, plus the log-density
of weak priors on the items (so strictly a marginal *posterior* mode, as in
BILOG; pass ``priors=None`` for plain MML).

Identification. The 2PL curve is unchanged by ``theta -> s theta + m`` with
``b -> s b + m`` and ``a -> a / s``; fixing the ability distribution to N(0, 1)
removes that freedom, so the scale of the reported ``a``, ``b`` and ``theta`` is
"one unit = one standard deviation of this population".

Sparse data (each learner answers only some items) need no imputation: a missing
pair contributes nothing to a learner's likelihood, and the data are held as
(learner, item) pairs, in a dense or a :mod:`scipy.sparse` matrix depending on
their density.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy.special import expit

from planner.irt.errors import InvalidParameterError, ResponseDataError
from planner.irt.model import logsumexp

__all__ = [
    "Calibration",
    "ItemParams",
    "Priors",
    "ResponseData",
    "calibrate",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Model = Literal["1pl", "2pl"]

# Where a and b may go when no prior holds them (priors=None): far enough not to
# bias any real item, close enough to keep exp() and the Hessian finite.
_LOG_A_BOUNDS = (math.log(0.02), math.log(50.0))
_B_BOUNDS = (-20.0, 20.0)
# An item joins the floating prior on log a with this many answers, this many of them
# right and this many wrong (see calibrate): about where a slope's own data outweigh
# the lognormal(0, 0.5) prior.
_FLOAT_MIN_ANSWERS = 100
_FLOAT_MIN_EACH = 10
# Pairs gathered at a time when scores are computed (bounded memory: chunk x nodes).
_CHUNK = 65536


@dataclass(frozen=True, slots=True)
class Priors:
    """Weak priors on the item parameters: ``log a ~ N(.., ..)`` and ``b ~ N(.., ..)``.

    Parameters
    ----------
    log_a_mean : float or sequence of float, default 0
        Prior mean of ``log a`` (0 is ``a = 1``); one per item is allowed (2PL only).
    log_a_sd : float, default 0.5
        Prior standard deviation of ``log a`` (BILOG's default lognormal(0, 0.5)).
    b_mean : float or sequence of float, default 0
        Prior mean of ``b``; one per item is allowed, e.g. the teacher's difficulty.
    b_sd : float, default 2
        Prior standard deviation of ``b``.
    log_a_float : float or None, default 5
        Let the prior mean of ``log a`` float with the items' own discriminations
        (BILOG-MG's FLOAT option, an empirical-Bayes prior), anchored to
        ``log_a_mean`` by this many pseudo-items; None holds it at ``log_a_mean``.
        2PL with one ``log_a_mean`` only: a mean given per item is kept as given.

    Raises
    ------
    InvalidParameterError
        A standard deviation or anchor that is not positive and finite.

    Notes
    -----
    Their only job is to keep the estimate finite when the data cannot: an item
    that everyone answers right has ``b -> -inf`` under plain MML. With hundreds of
    answers per item the likelihood dominates them.

    A fixed prior on ``log a`` still pulls every discrimination towards
    ``exp(log_a_mean)``: on a bank whose items discriminate more than that on
    average (a ~ U(0.5, 2) has mean log a = 0.19), the fixed lognormal(0, 0.5)
    biased a down by 0.02 on average, twice girth's bias, and the flatter item
    curves made the learners' abilities slightly worse (``benchmarks/README.md``).
    Floating centres the prior on the bank instead: the mean is a parameter with
    the hyperprior ``N(log_a_mean, log_a_sd**2 / log_a_float)``, set after every
    M-step to its conditional mode ``(log_a_float * log_a_mean + sum(log a)) /
    (log_a_float + n)`` over the ``n`` items with at least 100 answers, 10 of them
    right and 10 wrong; the others keep the fixed prior (their slopes are the
    prior's and small-sample bias, not evidence about the bank). That step
    maximises the same log posterior the EM climbs, so the objective still never
    decreases; with few such items the pseudo-items keep the prior where it was.
    """

    log_a_mean: float | Sequence[float] = 0.0
    log_a_sd: float = 0.5
    b_mean: float | Sequence[float] = 0.0
    b_sd: float = 2.0
    log_a_float: float | None = 5.0

    def __post_init__(self) -> None:
        for name in ("log_a_sd", "b_sd"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise InvalidParameterError(f"{name} must be positive and finite, got {v!r}")
        k = self.log_a_float
        if k is not None and not (math.isfinite(k) and k > 0):
            raise InvalidParameterError(f"log_a_float must be positive and finite, got {k!r}")


@dataclass(frozen=True, slots=True)
class ItemParams:
    """Parameters of one item with their standard errors."""

    a: float
    b: float
    se_a: float
    se_b: float


@dataclass(frozen=True)
class ResponseData:
    """Dichotomous responses as (learner, item, correct) triples of indices.

    Build it with :meth:`from_records` (string ids), :meth:`from_indices` or
    :meth:`from_matrix`; the constructor is not meant to be called directly.

    Attributes
    ----------
    learner, item : ndarray of int
        Indices into ``learner_ids`` and ``item_ids``.
    correct : ndarray of int8
        1 or 0.
    learner_ids, item_ids : tuple of str

    Notes
    -----
    A (learner, item) pair may repeat (a second attempt); each attempt then counts
    as one more Bernoulli observation at the learner's ability.
    """

    learner: IntArray
    item: IntArray
    correct: npt.NDArray[np.int8]
    learner_ids: tuple[str, ...]
    item_ids: tuple[str, ...]

    @property
    def n_learners(self) -> int:
        return len(self.learner_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def __len__(self) -> int:
        return int(self.correct.shape[0])

    @classmethod
    def from_indices(
        cls,
        learner: npt.ArrayLike,
        item: npt.ArrayLike,
        correct: npt.ArrayLike,
        *,
        n_learners: int | None = None,
        n_items: int | None = None,
    ) -> ResponseData:
        """From three parallel arrays of learner index, item index and 0/1.

        Raises
        ------
        ResponseDataError
            Arrays of different lengths, no responses, a negative or out-of-range
            index, or a ``correct`` value other than 0 and 1.

        Examples
        --------
        >>> d = ResponseData.from_indices([0, 0, 1], [0, 1, 1], [1, 0, 1])
        >>> d.n_learners, d.n_items, len(d)
        (2, 2, 3)
        """
        li = np.asarray(learner)
        it = np.asarray(item)
        x = np.asarray(correct)
        if not (li.ndim == it.ndim == x.ndim == 1 and li.shape == it.shape == x.shape):
            raise ResponseDataError("learner, item and correct must be 1-d and of one length")
        if x.size == 0:
            raise ResponseDataError("no responses")
        for name, arr in (("learner", li), ("item", it)):
            if not np.issubdtype(arr.dtype, np.integer) or arr.min() < 0:
                raise ResponseDataError(f"{name} indices must be non-negative integers")
        bad = ~np.isin(x, (0, 1))
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise ResponseDataError(f"response {k}: correct must be 0 or 1, got {x[k]!r}")
        nl = int(li.max()) + 1 if n_learners is None else n_learners
        ni = int(it.max()) + 1 if n_items is None else n_items
        if li.max() >= nl or it.max() >= ni:
            raise ResponseDataError("an index is beyond n_learners or n_items")
        return cls(
            learner=li.astype(np.int64),
            item=it.astype(np.int64),
            correct=x.astype(np.int8),
            learner_ids=tuple(str(i) for i in range(nl)),
            item_ids=tuple(str(j) for j in range(ni)),
        )

    @classmethod
    def from_records(cls, records: Iterable[tuple[Hashable, Hashable, Any]]) -> ResponseData:
        """From ``(learner_id, item_id, correct)`` records; ids become strings.

        Ids are numbered in order of first appearance. ``correct`` may be a bool or
        a number equal to 0 or 1.

        Raises
        ------
        ResponseDataError
            No records, or a ``correct`` value other than 0/1 (the message names
            the 1-based record).

        Examples
        --------
        >>> d = ResponseData.from_records([("ann", "q1", 1), ("bob", "q1", False)])
        >>> d.learner_ids, d.item_ids, d.correct.tolist()
        (('ann', 'bob'), ('q1',), [1, 0])
        """
        learners: dict[str, int] = {}
        items: dict[str, int] = {}
        li: list[int] = []
        it: list[int] = []
        xs: list[int] = []
        for k, (learner, item, correct) in enumerate(records, start=1):
            # bool is an int, so True and False pass here too
            numeric = isinstance(correct, int | float | np.integer | np.floating | np.bool_)
            if numeric and correct in (0, 1):
                value = int(correct)
            else:
                raise ResponseDataError(f"record {k}: correct must be 0 or 1, got {correct!r}")
            li.append(learners.setdefault(str(learner), len(learners)))
            it.append(items.setdefault(str(item), len(items)))
            xs.append(value)
        if not xs:
            raise ResponseDataError("no responses")
        return cls(
            learner=np.asarray(li, dtype=np.int64),
            item=np.asarray(it, dtype=np.int64),
            correct=np.asarray(xs, dtype=np.int8),
            learner_ids=tuple(learners),
            item_ids=tuple(items),
        )

    @classmethod
    def from_matrix(
        cls,
        matrix: npt.ArrayLike,
        mask: npt.ArrayLike | None = None,
        *,
        learner_ids: Sequence[str] | None = None,
        item_ids: Sequence[str] | None = None,
    ) -> ResponseData:
        """From a learners x items matrix; NaN (or ``mask == False``) means not asked.

        Examples
        --------
        >>> d = ResponseData.from_matrix([[1, np.nan], [0, 1]])
        >>> d.learner.tolist(), d.item.tolist(), d.correct.tolist()
        ([0, 1, 1], [0, 0, 1], [1, 0, 1])
        """
        m = np.asarray(matrix, dtype=np.float64)
        if m.ndim != 2:
            raise ResponseDataError("the response matrix must be 2-d (learners x items)")
        seen = ~np.isnan(m) if mask is None else np.asarray(mask, dtype=bool) & ~np.isnan(m)
        if seen.shape != m.shape:
            raise ResponseDataError("mask and matrix differ in shape")
        li, it = np.nonzero(seen)
        x = m[li, it]
        data = cls.from_indices(li, it, x.astype(np.int64) if np.isin(x, (0, 1)).all() else x,
                                n_learners=m.shape[0], n_items=m.shape[1])
        lids = tuple(learner_ids) if learner_ids is not None else data.learner_ids
        iids = tuple(item_ids) if item_ids is not None else data.item_ids
        if len(lids) != m.shape[0] or len(iids) != m.shape[1]:
            raise ResponseDataError("learner_ids / item_ids do not match the matrix shape")
        return cls(data.learner, data.item, data.correct, lids, iids)


@dataclass(frozen=True)
class Calibration:
    """The result of :func:`calibrate`.

    Attributes
    ----------
    model : {"1pl", "2pl"}
    item_ids : tuple of str
    a, b : ndarray of shape (n_items,)
        Discrimination and difficulty. For the 1PL model ``a`` is the one common
        discrimination, estimated (or the ``fixed_a`` asked for), repeated per item.
    se_a, se_b : ndarray of shape (n_items,)
        Standard errors. For the 1PL ``se_a`` is that of the common ``a`` (0 when
        it was fixed).
    learner_ids : tuple of str
    theta, theta_se : ndarray of shape (n_learners,)
        EAP ability and posterior standard deviation, at the final item parameters.
    log_likelihood : float
        Marginal log-likelihood of the data at the final parameters.
    log_likelihood_history : tuple of float
        The marginal log-likelihood at the start and after each EM iteration.
    objective_history : tuple of float
        The same plus the log prior density of the item parameters: the quantity
        EM maximises, which never decreases.
    iterations : int
        EM iterations run.
    converged : bool
        Whether the largest parameter change fell below ``tol`` in time.
    """

    model: Model
    item_ids: tuple[str, ...]
    a: FloatArray
    b: FloatArray
    se_a: FloatArray
    se_b: FloatArray
    learner_ids: tuple[str, ...]
    theta: FloatArray
    theta_se: FloatArray
    log_likelihood: float
    log_likelihood_history: tuple[float, ...]
    objective_history: tuple[float, ...]
    iterations: int
    converged: bool

    def items(self) -> dict[str, ItemParams]:
        """``{item_id: ItemParams}``."""
        return {
            iid: ItemParams(float(a), float(b), float(sa), float(sb))
            for iid, a, b, sa, sb in zip(
                self.item_ids, self.a, self.b, self.se_a, self.se_b, strict=True
            )
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``python -m planner.irt fit --json``.

        A standard error the data cannot bound (infinite) or that was not computed
        (NaN) is None, JSON's null: strict JSON has no infinity.
        """
        return {
            "items": {
                iid: {"a": p.a, "b": p.b, "se_a": _json_float(p.se_a),
                      "se_b": _json_float(p.se_b)}
                for iid, p in self.items().items()
            },
            "abilities": {
                lid: {"theta": float(t), "se": _json_float(s)}
                for lid, t, s in zip(self.learner_ids, self.theta, self.theta_se, strict=True)
            },
            "log_likelihood": float(self.log_likelihood),
            "iterations": int(self.iterations),
        }



def _json_float(x: float) -> float | None:
    return float(x) if math.isfinite(float(x)) else None

# -- the data as counts ------------------------------------------------------------


@dataclass(frozen=True)
class _Counts:
    """Distinct (learner, item) pairs with their correct and total counts."""

    i: IntArray
    j: IntArray
    r: FloatArray
    n: FloatArray
    shape: tuple[int, int]
    right: Any  # (N, J) dense ndarray or scipy.sparse csr: correct counts
    total: Any  # (N, J): attempts
    dense: bool
    complete: bool  # every pair answered exactly once: ``total`` is all ones

    @classmethod
    def build(cls, data: ResponseData, storage: str = "auto") -> _Counts:
        n_l, n_i = data.n_learners, data.n_items
        key = data.learner * n_i + data.item
        uniq, inv = np.unique(key, return_inverse=True)
        r = np.asarray(
            np.bincount(inv, weights=data.correct.astype(np.float64), minlength=uniq.size),
            dtype=np.float64,
        )
        n = np.bincount(inv, minlength=uniq.size).astype(np.float64)
        i, j = np.divmod(uniq, n_i)
        if storage == "auto":
            dense = n_l * n_i <= 4_000_000 or (uniq.size >= 0.25 * n_l * n_i and n_l * n_i <= 5e7)
        else:
            dense = storage == "dense"
        if dense:
            right = np.zeros((n_l, n_i))
            total = np.zeros((n_l, n_i))
            right[i, j] = r
            total[i, j] = n
        else:
            from scipy import sparse  # only large sparse data need it

            right = sparse.csr_array((r, (i, j)), shape=(n_l, n_i))
            total = sparse.csr_array((n, (i, j)), shape=(n_l, n_i))
        complete = uniq.size == n_l * n_i and bool((n == 1).all())
        return cls(i, j, r, n, (n_l, n_i), right, total, dense, complete)

    def expected(self, post: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Expected correct and total counts at every node: (items x nodes) each."""
        rbar = np.asarray(self.right.T @ post)
        if self.complete:
            # Every learner answered every item once, so each item's expected
            # number of answers at a node is the posterior mass there.
            nbar = np.broadcast_to(post.sum(axis=0), rbar.shape)
        else:
            nbar = np.asarray(self.total.T @ post)
        return rbar, nbar


# -- the EM ------------------------------------------------------------------------


def _softplus(z: FloatArray) -> FloatArray:
    out: FloatArray = np.logaddexp(0.0, z)
    return out


def _normal_logpdf(x: FloatArray, mean: FloatArray, sd: float) -> FloatArray:
    out: FloatArray = -0.5 * ((x - mean) / sd) ** 2 - math.log(sd * math.sqrt(2 * math.pi))
    return out


@dataclass
class _Prior:
    """Prior means broadcast to the items, precisions (0 when there is no prior)."""

    mu_al: FloatArray
    mu_b: FloatArray
    prec_al: float
    prec_b: float
    sd_al: float
    sd_b: float
    active: bool
    float_k: float = 0.0  # pseudo-items anchoring a floating mean of log a; 0: fixed
    pooled: npt.NDArray[np.bool_] | None = None  # the items whose log a the mean floats with
    mu0_al: float = 0.0
    mu_float: float = 0.0

    @classmethod
    def make(cls, priors: Priors | None, n_items: int, model: Model = "2pl") -> _Prior:
        if priors is None:
            z = np.zeros(n_items)
            return cls(z, z.copy(), 0.0, 0.0, 1.0, 1.0, False)

        def per_item(v: float | Sequence[float], name: str) -> FloatArray:
            arr = np.asarray(v, dtype=np.float64)
            if arr.ndim == 0:
                arr = np.full(n_items, float(arr))
            if arr.shape != (n_items,):
                raise InvalidParameterError(f"{name} needs one value per item ({n_items})")
            if not np.isfinite(arr).all():
                raise InvalidParameterError(f"{name} must be finite")
            return arr

        return cls(
            per_item(priors.log_a_mean, "log_a_mean"),
            per_item(priors.b_mean, "b_mean"),
            priors.log_a_sd**-2,
            priors.b_sd**-2,
            priors.log_a_sd,
            priors.b_sd,
            True,
            float_k=(float(priors.log_a_float) if priors.log_a_float is not None
                     and model == "2pl" and np.ndim(priors.log_a_mean) == 0 else 0.0),
            mu0_al=float(np.mean(priors.log_a_mean)),
            mu_float=float(np.mean(priors.log_a_mean)),
        )

    def refloat(self, al: FloatArray) -> None:
        """Move a floating mean of log a to its conditional mode given ``al``."""
        if self.float_k > 0 and self.pooled is not None and self.pooled.any():
            pooled = al[self.pooled]
            self.mu_float = (self.float_k * self.mu0_al + float(pooled.sum())) / (
                self.float_k + pooled.size
            )
            self.mu_al[self.pooled] = self.mu_float

    def log_hyperprior(self) -> float:
        """Log density of a floating mean under its hyperprior (0 when fixed)."""
        if self.float_k <= 0 or self.pooled is None or not self.pooled.any():
            return 0.0
        sd = self.sd_al / math.sqrt(self.float_k)
        z = (self.mu_float - self.mu0_al) / sd
        return -0.5 * z * z - math.log(sd * math.sqrt(2 * math.pi))

    def logpdf_al(self, al: FloatArray) -> FloatArray:
        if not self.active:
            return np.zeros_like(al)
        return _normal_logpdf(al, self.mu_al, self.sd_al)

    def logpdf_b(self, b: FloatArray) -> FloatArray:
        if not self.active:
            return np.zeros_like(b)
        return _normal_logpdf(b, self.mu_b, self.sd_b)


def _grid(n: int, bound: float) -> tuple[FloatArray, FloatArray]:
    """Equally spaced nodes on [-bound, bound] with normalised N(0, 1) weights."""
    x = np.linspace(-bound, bound, n)
    logw = -0.5 * x * x
    logw -= logsumexp(logw)
    return x, logw


def _estep(
    counts: _Counts, a: FloatArray, b: FloatArray, x: FloatArray, logw: FloatArray
) -> tuple[FloatArray, float]:
    """Posterior over the nodes for every learner, and the marginal log-likelihood."""
    z = a[:, None] * (x[None, :] - b[:, None])  # items x nodes
    # log L = sum_j r log P + (n - r) log(1 - P) = sum_j r z + n log(1 - P)
    log_wrong = -_softplus(z)
    loglik = np.asarray(counts.right @ z)
    if counts.complete:
        loglik += log_wrong.sum(axis=0) + logw
    else:
        loglik += counts.total @ log_wrong
        loglik += logw[None, :]
    norm = logsumexp(loglik, axis=1)
    post: FloatArray = np.exp(loglik - norm[:, None])
    return post, float(norm.sum())


def _item_q(
    al: FloatArray, b: FloatArray, rbar: FloatArray, nbar: FloatArray, x: FloatArray
) -> FloatArray:
    """Expected complete-data log-likelihood of each item (EM's Q, without prior)."""
    z = np.exp(al)[:, None] * (x[None, :] - b[:, None])
    out: FloatArray = (rbar * z - nbar * _softplus(z)).sum(axis=1)
    return out


def _mstep_2pl(
    al: FloatArray,
    b: FloatArray,
    rbar: FloatArray,
    nbar: FloatArray,
    x: FloatArray,
    prior: _Prior,
    n_steps: int,
) -> tuple[FloatArray, FloatArray]:
    """Fisher scoring on every item at once, each step halved until Q rises.

    Halving until the item's Q (plus prior) does not fall makes this a generalised
    EM step, which is what guarantees a non-decreasing marginal objective.
    """
    al = al.copy()
    b = b.copy()
    f0 = _item_q(al, b, rbar, nbar, x) + prior.logpdf_al(al) + prior.logpdf_b(b)
    for _ in range(n_steps):
        a = np.exp(al)
        z = a[:, None] * (x[None, :] - b[:, None])
        p = expit(z)
        resid = rbar - nbar * p
        w = nbar * p * (1.0 - p)
        g_al = (resid * z).sum(axis=1) - prior.prec_al * (al - prior.mu_al)
        g_b = -a * resid.sum(axis=1) - prior.prec_b * (b - prior.mu_b)
        i_aa = (w * z * z).sum(axis=1) + prior.prec_al + 1e-9
        i_ab = -a * (w * z).sum(axis=1)
        i_bb = a * a * w.sum(axis=1) + prior.prec_b + 1e-9
        det = np.maximum(i_aa * i_bb - i_ab * i_ab, 1e-12)
        d_al = np.clip((i_bb * g_al - i_ab * g_b) / det, -1.0, 1.0)
        d_b = np.clip((i_aa * g_b - i_ab * g_al) / det, -2.0, 2.0)
        step = np.ones_like(al)
        pending = np.ones(al.shape, dtype=bool)
        for _h in range(12):
            cand_al = np.clip(al + step * d_al, *_LOG_A_BOUNDS)
            cand_b = np.clip(b + step * d_b, *_B_BOUNDS)
            f1 = (
                _item_q(cand_al, cand_b, rbar, nbar, x)
                + prior.logpdf_al(cand_al)
                + prior.logpdf_b(cand_b)
            )
            ok = pending & (f1 >= f0)
            al[ok], b[ok], f0[ok] = cand_al[ok], cand_b[ok], f1[ok]
            pending &= ~ok
            if not pending.any():
                break
            step[pending] *= 0.5
        if max(np.abs(d_al).max(), np.abs(d_b).max()) < 1e-7:
            break
    return al, b


def _mstep_1pl(
    al: float,
    b: FloatArray,
    rbar: FloatArray,
    nbar: FloatArray,
    x: FloatArray,
    prior: _Prior,
    n_steps: int,
    estimate_a: bool,
) -> tuple[float, FloatArray]:
    """Coordinate ascent: every ``b`` given the common ``a``, then ``a`` given them."""
    b = b.copy()
    mu_al = float(prior.mu_al[0]) if prior.mu_al.size else 0.0

    def q_b(al_: float, b_: FloatArray) -> FloatArray:
        return _item_q(np.full_like(b_, al_), b_, rbar, nbar, x) + prior.logpdf_b(b_)

    def q_total(al_: float) -> float:
        lp = _normal_logpdf(np.array([al_]), np.array([mu_al]), prior.sd_al)[0]
        return float(q_b(al_, b).sum() + (lp if prior.active else 0.0))

    for _ in range(n_steps):
        a = math.exp(al)
        z = a * (x[None, :] - b[:, None])
        p = expit(z)
        resid = rbar - nbar * p
        w = nbar * p * (1.0 - p)
        g_b = -a * resid.sum(axis=1) - prior.prec_b * (b - prior.mu_b)
        i_bb = a * a * w.sum(axis=1) + prior.prec_b + 1e-9
        d_b = np.clip(g_b / i_bb, -2.0, 2.0)
        f0 = q_b(al, b)
        step = np.ones_like(b)
        pending = np.ones(b.shape, dtype=bool)
        for _h in range(12):
            cand = np.clip(b + step * d_b, *_B_BOUNDS)
            f1 = q_b(al, cand)
            ok = pending & (f1 >= f0)
            b[ok], f0[ok] = cand[ok], f1[ok]
            pending &= ~ok
            if not pending.any():
                break
            step[pending] *= 0.5
        d_al = 0.0
        if estimate_a:
            z = a * (x[None, :] - b[:, None])
            p = expit(z)
            resid = rbar - nbar * p
            w = nbar * p * (1.0 - p)
            g = float((resid * z).sum()) - prior.prec_al * (al - mu_al)
            info = float((w * z * z).sum()) + prior.prec_al + 1e-9
            d_al = float(np.clip(g / info, -1.0, 1.0))
            g0 = q_total(al)
            step_a = 1.0
            for _h in range(12):
                cand_al = float(np.clip(al + step_a * d_al, *_LOG_A_BOUNDS))
                if q_total(cand_al) >= g0:
                    al = cand_al
                    break
                step_a *= 0.5
        if max(float(np.abs(d_b).max()), abs(d_al)) < 1e-7:
            break
    return al, b


def _log_prior(model: Model, al: FloatArray, b: FloatArray, prior: _Prior, est_a: bool) -> float:
    if not prior.active:
        return 0.0
    lp = float(prior.logpdf_b(b).sum())
    if model == "2pl":
        lp += float(prior.logpdf_al(al).sum()) + prior.log_hyperprior()
    elif est_a:
        lp += float(_normal_logpdf(al[:1], prior.mu_al[:1], prior.sd_al)[0])
    return lp


def _inverse_diagonal(info: FloatArray) -> FloatArray:
    """Diagonal of the inverse of an information matrix; inf where it holds nothing."""
    var: FloatArray = np.full(info.shape[0], np.inf)
    keep = np.diag(info) > 0
    sub = info[np.ix_(keep, keep)]
    try:
        var[keep] = np.clip(np.diag(np.linalg.inv(sub)), 0.0, None)
    except np.linalg.LinAlgError:
        # Singular (no prior, and the data cannot tell some parameters apart): a
        # parameter that loads on the null space has no finite variance; for the
        # others the pseudo-inverse gives the variance of an estimable quantity.
        w, v = np.linalg.eigh(sub)
        null = w <= max(float(w.max()), 0.0) * 1e-12
        free = ~(np.abs(v[:, null]) > 1e-8).any(axis=1)
        sub_var = np.full(sub.shape[0], np.inf)
        sub_var[free] = np.clip(np.diag(np.linalg.pinv(sub, hermitian=True))[free], 0.0, None)
        var[keep] = sub_var
    return var


def _woodbury_inverse_diagonal(s: Any, prec: FloatArray) -> FloatArray:
    """Diagonal of ``(diag(prec) + s^T s)^-1`` for a sparse ``s`` with few rows.

    ``(D + S^T S)^-1 = D^-1 - D^-1 S^T (I + S D^-1 S^T)^-1 S D^-1``: one Cholesky
    factor of an n_rows x n_rows matrix, then the columns in chunks, so memory
    stays O(n_rows^2 + n_rows * chunk) however many parameters there are. Without
    a prior (a zero in ``prec``) the information of more parameters than learners
    is singular, and every variance is infinite.
    """
    from scipy import sparse
    from scipy.linalg import cho_factor, solve_triangular

    n_rows, n_par = s.shape
    if not np.all(prec > 0):
        # only called with n_rows < n_par: without a prior the information is singular
        return np.full(n_par, np.inf)
    d_inv = 1.0 / prec
    t = sparse.csr_array(s @ sparse.diags_array(d_inv))  # S D^-1, still sparse
    m = np.asarray((t @ s.T).toarray()) + np.eye(n_rows)
    chol, _ = cho_factor(m, lower=True)
    var = d_inv.copy()
    width = max(1, 4_000_000 // max(n_rows, 1))
    for lo in range(0, n_par, width):
        block = np.asarray(t[:, lo:lo + width].toarray())
        w = solve_triangular(chol, block, lower=True, check_finite=False)
        var[lo:lo + width] -= np.einsum("ij,ij->j", w, w)
    # the subtraction can round a well-determined variance a hair below zero
    out: FloatArray = np.maximum(var, d_inv * 1e-12)
    return out


def _common_slope_variances(s: Any, prec: FloatArray, n_al: int) -> FloatArray:
    """Variances for the 1PL when neither learners nor items fit a dense matrix.

    The common slope couples every difficulty, so its variance comes from the exact
    Schur complement ``I_aa - I_ab I_bb^-1 I_ba`` (``I_bb^-1 I_ba`` by conjugate
    gradients on the sparse scores, never forming ``I_bb``). Each difficulty keeps its
    own diagonal plus its coupling to the slope; only the difficulties' cross terms
    are dropped. An earlier version also dropped them inside the Schur complement,
    which could then turn negative: every standard error came out infinite.
    """
    from scipy.sparse.linalg import LinearOperator, cg

    sb = s[:, n_al:]
    prec_b = prec[n_al:]
    dbb = np.asarray((sb.multiply(sb)).sum(axis=0)).ravel() + prec_b
    with np.errstate(divide="ignore"):
        var_b = 1.0 / dbb
    if not n_al:
        out: FloatArray = var_b
        return out
    sa = np.asarray(s[:, [0]].toarray()).ravel()
    # An item with no information (no prior, no scores) is a zero row and column of
    # I_bb, decoupled from the rest: leave it out of the solve; its own variance is inf.
    live = np.flatnonzero(dbb > 0)
    sb_live = sb[:, live]
    d_live, p_live = dbb[live], prec_b[live]
    i_ba = sb_live.T @ sa
    n = live.size
    op = LinearOperator((n, n), dtype=np.float64,
                        matvec=lambda v: sb_live.T @ (sb_live @ v) + p_live * v)
    y_live, info = cg(op, i_ba, rtol=1e-10, atol=0.0, maxiter=10 * max(n, 1),
                      M=LinearOperator((n, n), dtype=np.float64, matvec=lambda v: v / d_live))
    if info != 0:  # pragma: no cover - CG on a positive definite matrix of this size
        warnings.warn("the common slope's standard error did not converge; reported as inf",
                      RuntimeWarning, stacklevel=3)
    schur = float(sa @ sa) + float(prec[0]) - float(i_ba @ y_live)
    var_al = 1.0 / schur if info == 0 and schur > 0 else math.inf
    y = np.zeros(dbb.size)
    y[live] = y_live
    # y = 0 (no coupling) with var_al = inf would be 0 * inf = NaN: such a difficulty's
    # variance does not depend on the slope's
    with np.errstate(invalid="ignore"):
        coupled = np.where(y == 0.0, 0.0, y * y * var_al)
    return np.concatenate([[var_al], var_b + coupled])


def _standard_errors(
    counts: _Counts,
    post: FloatArray,
    model: Model,
    al: FloatArray,
    b: FloatArray,
    x: FloatArray,
    prior: _Prior,
    est_a: bool,
    full_max: int,
) -> tuple[FloatArray, FloatArray]:
    """Standard errors from the cross-product (XPD) of the learners' score vectors.

    ``I ~ sum_i s_i s_i^T`` where ``s_i`` is the gradient of learner i's marginal
    log-likelihood (Fisher's identity: the posterior mean of the complete-data
    score), plus the prior's precision. The score of one (learner, item) pair is
    ``r E[z] - n E[P z]`` for ``log a`` and ``-a (r - n E[P])`` for ``b``, the
    expectations being over the learner's posterior on the grid.
    """
    from scipy import sparse

    n_l, n_i = counts.shape
    a = np.exp(al)
    z = a[:, None] * (x[None, :] - b[:, None])
    p = expit(z)
    if counts.dense and model == "2pl" and 2 * n_i <= full_max:
        # Small enough for dense (learners x items) tables: three matrix products.
        r_m, t_m = counts.right, counts.total
        s_full = np.hstack(
            [r_m * (post @ z.T) - t_m * (post @ (p * z).T), -a * (r_m - t_m * (post @ p.T))]
        )
        info = s_full.T @ s_full
        info[np.diag_indices(2 * n_i)] += np.repeat([prior.prec_al, prior.prec_b], n_i)
        var = _inverse_diagonal(info)
        se = np.sqrt(var)
        return a * se[:n_i], se[n_i:]
    s_al = np.empty(counts.i.size)
    s_b = np.empty(counts.i.size)
    for lo in range(0, counts.i.size, _CHUNK):
        sl = slice(lo, lo + _CHUNK)
        pi = post[counts.i[sl]]
        jj = counts.j[sl]
        e_p = np.einsum("kq,kq->k", pi, p[jj])
        e_z = np.einsum("kq,kq->k", pi, z[jj])
        e_pz = np.einsum("kq,kq->k", pi, p[jj] * z[jj])
        s_al[sl] = counts.r[sl] * e_z - counts.n[sl] * e_pz
        s_b[sl] = -a[jj] * (counts.r[sl] - counts.n[sl] * e_p)

    if model == "2pl":
        cols_al = counts.j
        n_al = n_i
        prec = np.concatenate([np.full(n_i, prior.prec_al), np.full(n_i, prior.prec_b)])
    else:
        cols_al = np.zeros_like(counts.j)
        n_al = 1 if est_a else 0
        prec = np.concatenate([np.full(n_al, prior.prec_al), np.full(n_i, prior.prec_b)])
    n_par = n_al + n_i

    rows = [counts.i]
    cols = [counts.j + n_al]
    vals = [s_b]
    if n_al:
        rows.append(counts.i)
        cols.append(cols_al)
        vals.append(s_al)
    # one row per learner, one column per parameter; duplicates (the 1PL's common
    # slope) are summed, which is that learner's score for the slope
    s = sparse.csr_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_l, n_par),
    )
    if n_par <= full_max:
        info = np.asarray((s.T @ s).toarray()) + np.diag(prec)
        var = _inverse_diagonal(info)
    elif n_l <= full_max:
        # More parameters than fit a dense matrix, but few learners: the information
        # is a diagonal plus a rank-n_l term, inverted exactly by Woodbury.
        var = _woodbury_inverse_diagonal(s, prec)
    elif model == "2pl":
        # Too big either way: keep each item's own (log a, b) block, dropping the
        # items' cross terms (a lower bound on each variance).
        saa = np.bincount(counts.j, s_al * s_al, n_i) + prior.prec_al
        sab = np.bincount(counts.j, s_al * s_b, n_i)
        sbb = np.bincount(counts.j, s_b * s_b, n_i) + prior.prec_b
        det = saa * sbb - sab * sab
        with np.errstate(divide="ignore", invalid="ignore"):
            var = np.concatenate([sbb / det, saa / det])
    else:
        var = _common_slope_variances(s, prec, n_al)
    se = np.sqrt(np.clip(var, 0.0, None))
    se_b = se[n_al:]
    if model == "2pl":
        se_a = a * se[:n_i]
    elif n_al:
        se_a = np.full(n_i, a[0] * se[0])
    else:
        se_a = np.zeros(n_i)
    return se_a, se_b


def calibrate(
    data: ResponseData | npt.ArrayLike,
    *,
    model: Model = "2pl",
    priors: Priors | None = Priors(),  # noqa: B008 - frozen, shared safely
    fixed_a: float | None = None,
    n_quadrature: int = 41,
    theta_bound: float = 5.0,
    max_iter: int = 1000,
    tol: float = 1e-4,
    m_steps: int = 2,
    standard_errors: bool = True,
    se_full_max: int = 3000,
    storage: Literal["auto", "dense", "sparse"] = "auto",
) -> Calibration:
    """Fit the 1PL or 2PL model by marginal maximum likelihood (Bock-Aitkin EM).

    Parameters
    ----------
    data : ResponseData or array_like
        The responses; a 2-d array is read by :meth:`ResponseData.from_matrix`
        (learners x items, NaN where not asked).
    model : {"2pl", "1pl"}
        ``"1pl"`` shares one discrimination among the items (estimated, unless
        ``fixed_a`` is given: ``fixed_a=1.0`` is the Rasch model).
    priors : Priors or None
        Weak priors on ``log a`` and ``b``; None for plain MML (an item answered
        all right or all wrong then runs to the parameter bounds).
    fixed_a : float, optional
        1PL only: hold the common discrimination at this value.
    n_quadrature : int, default 41
        Nodes of the ability grid, equally spaced on ``[-theta_bound, theta_bound]``
        and weighted by the N(0, 1) density.
    theta_bound : float, default 5
    max_iter : int, default 1000
        EM iterations at most.
    tol : float, default 1e-4
        Stop when no ``a`` or ``b`` moves more than this in one iteration.
    m_steps : int, default 2
        Fisher-scoring steps per M-step.
    standard_errors : bool, default True
        Compute item standard errors (NaN otherwise).
    se_full_max : int, default 3000
        Up to this many item parameters the whole information matrix is inverted.
        Beyond, with at most this many learners, it is still inverted exactly (by
        Woodbury: a diagonal plus one score row per learner); with more of both,
        each item keeps its own block (for the 1PL, plus its exact coupling with
        the common slope), which makes the item errors lower bounds.
    storage : {"auto", "dense", "sparse"}
        How the learners x items counts are held; "auto" goes sparse when the
        matrix is large and mostly empty. The result does not depend on it.

    Returns
    -------
    Calibration

    Raises
    ------
    ResponseDataError
        Data that cannot be read (see :class:`ResponseData`).
    InvalidParameterError
        An unknown model, ``fixed_a`` with the 2PL, or bad numeric options.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> theta = rng.normal(size=500)
    >>> b_true = np.linspace(-1.5, 1.5, 10)
    >>> x = (rng.random((500, 10)) < 1 / (1 + np.exp(-(theta[:, None] - b_true)))).astype(float)
    >>> fit = calibrate(x, model="1pl")
    >>> bool(np.abs(fit.b - b_true).max() < 0.35), fit.converged
    (True, True)
    >>> bool(np.all(np.diff(fit.objective_history) >= -1e-8))
    True

    Notes
    -----
    Each iteration costs two products of the (learners x items) count matrices
    with an (items x nodes) table for the E-step, two more for the expected
    counts, and O(items x nodes) per scoring step: O(N J Q) in all, vectorised
    across items. The M-step halves each item's scoring step until the expected
    complete-data log-posterior does not fall, so the run is a generalised EM and
    the objective (marginal log-likelihood plus log prior) never decreases [2]_.
    Standard errors use the cross-product of the learners' marginal score vectors
    (the "XPD" or cross-product estimate [4]_), plus the prior precision, inverted
    whole up to ``se_full_max`` parameters.

    References
    ----------
    .. [1] R. D. Bock and M. Aitkin, "Marginal maximum likelihood estimation of
       item parameters: application of an EM algorithm", *Psychometrika* 46(4),
       443-459, 1981.
    .. [2] A. P. Dempster, N. M. Laird and D. B. Rubin, "Maximum likelihood from
       incomplete data via the EM algorithm", *JRSS B* 39(1), 1-38, 1977.
    .. [3] R. J. Mislevy, "Bayes modal estimation in item response models",
       *Psychometrika* 51(2), 177-195, 1986.
    .. [4] L. Cai, "SEM of another flavour: two new applications of the
       supplemented EM algorithm", *BJMSP* 61(2), 309-329, 2008 (compares XPD
       with other standard-error methods for IRT).
    """
    if model not in ("1pl", "2pl"):
        raise InvalidParameterError(f"unknown model {model!r}; expected '1pl' or '2pl'")
    if fixed_a is not None and model != "1pl":
        raise InvalidParameterError("fixed_a applies to the 1PL model only")
    if fixed_a is not None and not (math.isfinite(fixed_a) and fixed_a > 0):
        raise InvalidParameterError(f"fixed_a must be positive, got {fixed_a!r}")
    if n_quadrature < 5 or not (theta_bound > 0) or max_iter < 1 or not (tol > 0) or m_steps < 1:
        raise InvalidParameterError("n_quadrature >= 5, theta_bound > 0, max_iter >= 1, "
                                    "tol > 0 and m_steps >= 1 are required")
    if not isinstance(data, ResponseData):
        data = ResponseData.from_matrix(data)
    if storage not in ("auto", "dense", "sparse"):
        raise InvalidParameterError(f"unknown storage {storage!r}")
    counts = _Counts.build(data, storage)
    n_i = data.n_items
    prior = _Prior.make(priors, n_i, model)
    if model == "1pl" and np.ptp(prior.mu_al) > 0:
        raise InvalidParameterError("the 1PL has one discrimination: log_a_mean must be one value")
    est_a = model == "2pl" or fixed_a is None
    x, logw = _grid(n_quadrature, theta_bound)

    # Start from the items' proportions correct: under a = 1 and theta ~ N(0, 1),
    # logit P(right) ~ -0.86 b, so b0 ~ -1.16 logit(p).
    r_item = np.bincount(counts.j, counts.r, n_i)
    n_item = np.bincount(counts.j, counts.n, n_i)
    pval = (r_item + 0.5) / (n_item + 1.0)
    b = np.clip(-1.16 * np.log(pval / (1.0 - pval)), -4.0, 4.0)
    al = np.full(n_i, math.log(fixed_a) if fixed_a is not None else 0.0)

    ll_hist: list[float] = []
    obj_hist: list[float] = []
    converged = False
    iterations = 0
    # The mean floats with the items whose answers say something about their slope; an
    # item with few answers, or nearly all right (or wrong), has its log a set by the
    # prior and by the upward bias of a slope fitted to little data, and floating with
    # those drove a bank of all-right items to a = 3.3 and a small class's slopes up.
    # The rest keep the fixed prior: a model of two groups, so EM stays monotone.
    prior.pooled = (n_item >= _FLOAT_MIN_ANSWERS) & (
        np.minimum(r_item, n_item - r_item) >= _FLOAT_MIN_EACH)
    prior.refloat(al)
    post, ll = _estep(counts, np.exp(al), b, x, logw)
    ll_hist.append(ll)
    obj_hist.append(ll + _log_prior(model, al, b, prior, est_a))
    while iterations < max_iter:
        rbar, nbar = counts.expected(post)
        old_al, old_b = al, b
        if model == "2pl":
            al, b = _mstep_2pl(al, b, rbar, nbar, x, prior, m_steps)
            prior.refloat(al)  # coordinate ascent on the same log posterior
        else:
            al1, b = _mstep_1pl(float(al[0]), b, rbar, nbar, x, prior, m_steps, est_a)
            al = np.full(n_i, al1)
        iterations += 1
        post, ll = _estep(counts, np.exp(al), b, x, logw)
        ll_hist.append(ll)
        obj_hist.append(ll + _log_prior(model, al, b, prior, est_a))
        change = max(
            float(np.abs(np.exp(al) - np.exp(old_al)).max()), float(np.abs(b - old_b).max())
        )
        if change < tol:
            converged = True
            break

    theta = post @ x
    theta_se = np.sqrt(np.clip(post @ (x * x) - theta * theta, 0.0, None))
    if standard_errors:
        se_a, se_b = _standard_errors(counts, post, model, al, b, x, prior, est_a, se_full_max)
    else:
        se_a = np.full(n_i, np.nan)
        se_b = np.full(n_i, np.nan)
    return Calibration(
        model=model,
        item_ids=data.item_ids,
        a=np.exp(al),
        b=b,
        se_a=se_a,
        se_b=se_b,
        learner_ids=data.learner_ids,
        theta=theta,
        theta_se=theta_se,
        log_likelihood=ll,
        log_likelihood_history=tuple(ll_hist),
        objective_history=tuple(obj_hist),
        iterations=iterations,
        converged=converged,
    )
