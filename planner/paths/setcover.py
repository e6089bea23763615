"""Weighted set cover: Chvatal's greedy, its LP lower bound, and the exact optimum.

The path planner reduces "which learning units should this learner take?" to
weighted set cover: the universe is the set of weak concepts the learner's goals
need, each unit is the set of concepts it covers, with a cost for this learner.
This module knows nothing of learners: elements are any hashable values.

- :func:`greedy_set_cover` is the planner's algorithm (Chvatal 1979), followed by a
  reverse-delete pass that only ever lowers the cost, so the guarantee survives.
- :func:`lp_lower_bound` solves the LP relaxation with HiGHS and returns a dual
  solution checked for feasibility, so the bound it reports is certified (a valid
  lower bound on the optimum even if the solver's tolerances were loose).
- :func:`dual_bound` turns any non-negative dual vector into a certified lower bound
  for a changed instance; replanning uses it instead of solving the LP again.
- :func:`exact_set_cover` solves the integer programme (HiGHS branch and bound) to
  measure the greedy's real ratio; it is for benchmarks and tests, not for plans.

.. _set cover: https://en.wikipedia.org/wiki/Set_cover_problem
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from planner.paths.errors import PathPlanningError

__all__ = [
    "CoverInstance",
    "SetCover",
    "LowerBound",
    "harmonic",
    "greedy_set_cover",
    "lp_lower_bound",
    "dual_bound",
    "fit_duals",
    "exact_set_cover",
]

E = TypeVar("E", bound=Hashable)

_GUIDE_EPS = 1e-3


@dataclass(frozen=True)
class SetCover(Generic[E]):
    """A cover: which sets were taken, what they cost, and what no set could cover.

    Attributes
    ----------
    chosen : tuple of int
        Indices of the chosen sets, in the order the algorithm took them.
    cost : float
        Sum of the chosen sets' costs.
    uncovered : frozenset
        Elements of the universe that no set contains (never silently dropped).
    """

    chosen: tuple[int, ...]
    cost: float
    uncovered: frozenset[E] = field(default_factory=frozenset)


@dataclass(frozen=True)
class LowerBound(Generic[E]):
    """A certified lower bound on the optimum cover's cost.

    Attributes
    ----------
    value : float
        ``sum(duals.values())``, a feasible dual objective: at most the LP optimum,
        hence at most the integer optimum.
    duals : dict
        A feasible dual solution ``y``: for every set ``S``,
        ``sum(y[e] for e in S) <= cost(S)``. Only positive entries are kept.
    lp_value : float
        The LP optimum as the solver reported it (``value`` differs from it only by
        solver tolerance); NaN when the bound was derived without solving.
    primal : dict of int to float
        The LP's fractional cover ``x`` by set index (positive entries only); empty
        when no LP was solved. It guides :func:`greedy_set_cover`.
    """

    value: float
    duals: dict[E, float]
    lp_value: float
    primal: dict[int, float] = field(default_factory=dict)


def harmonic(n: int) -> float:
    """The harmonic number ``H(n) = 1 + 1/2 + ... + 1/n`` (``H(0) = 0``).

    Examples
    --------
    >>> harmonic(3)
    1.8333333333333333
    """
    return math.fsum(1.0 / k for k in range(1, n + 1))


class CoverInstance(Generic[E]):
    """A set-cover instance checked once, for several solvers to share.

    Parameters
    ----------
    universe : iterable of hashable
        The elements to cover.
    sets : sequence of iterables
        Candidate sets; elements outside the universe are ignored, repeats dropped.
    costs : sequence of float
        Cost of each set, finite and non-negative.

    Raises
    ------
    PathPlanningError
        ``sets`` and ``costs`` differ in length, or a cost is negative or not finite.

    Notes
    -----
    The module's functions build one of these per call; a caller that runs several of
    them on one instance (the planner runs two greedy passes and the LP) builds it
    once and calls its methods, saving the :math:`O(\\sum_S |S|)` preparation.
    """

    def __init__(
        self, universe: Iterable[E], sets: Sequence[Iterable[E]], costs: Sequence[float]
    ) -> None:
        if len(sets) != len(costs):
            raise PathPlanningError(f"{len(sets)} sets but {len(costs)} costs")
        for i, c in enumerate(costs):
            # A negative or NaN cost breaks both the greedy's ratio order and the LP bound.
            if not (math.isfinite(c) and c >= 0):
                raise PathPlanningError(f"set {i} has cost {c!r}; costs must be finite and >= 0")
        target = set(universe)
        members: list[list[E]] = []
        coverable: set[E] = set()
        for s in sets:
            m = [e for e in s if e in target]
            if len(m) > 1 and len(set(m)) != len(m):
                m = list(dict.fromkeys(m))
            members.append(m)
            coverable.update(m)
        self.universe = target
        self.members = members
        self.costs = [float(c) for c in costs]
        self.uncovered = target - coverable

    def greedy(self, *, prune: bool = True, guide: Sequence[float] | None = None) -> SetCover[E]:
        """:func:`greedy_set_cover` on this instance."""
        return _greedy(self, prune=prune, guide=guide)

    def lp_bound(self) -> LowerBound[E]:
        """:func:`lp_lower_bound` on this instance."""
        return _lp(self)

    def dual_bound(self, duals: Mapping[E, float]) -> LowerBound[E]:
        """:func:`dual_bound` on this instance."""
        return _dual(self, duals)

    def exact(self, *, time_limit: float | None = None) -> SetCover[E]:
        """:func:`exact_set_cover` on this instance."""
        return _exact(self, time_limit=time_limit)


def greedy_set_cover(
    universe: Iterable[E],
    sets: Sequence[Iterable[E]],
    costs: Sequence[float],
    *,
    prune: bool = True,
    guide: Sequence[float] | None = None,
) -> SetCover[E]:
    r"""Cover the universe greedily by least cost per newly covered element.

    Parameters
    ----------
    universe : iterable of hashable
        The elements to cover.
    sets : sequence of iterables
        Candidate sets; elements outside the universe are ignored.
    costs : sequence of float
        Cost of each set, finite and non-negative.
    prune : bool, default True
        After the greedy pass, drop chosen sets that have become redundant, most
        expensive first (reverse delete). This never raises the cost.
    guide : sequence of float, optional
        A fractional cover ``x`` (e.g. :attr:`LowerBound.primal`), one value in
        [0, 1] per set. Sets are then scored by ``cost * (1 + eps - x) / new``, so
        the greedy follows the LP where the LP is sure and uses Chvatal's rule to
        break its fractional ties. The cost reported is the true cost. Chvatal's
        guarantee holds for the unguided run only; the planner runs both and keeps
        the cheaper, so its plans keep the guarantee.

    Returns
    -------
    SetCover
        The chosen set indices in selection order (minus pruned ones), their total
        cost, and the elements no set contains. Those are left out and reported; the
        rest of the universe is covered.

    Raises
    ------
    PathPlanningError
        ``sets`` and ``costs`` differ in length, or a cost is negative or not finite.

    Examples
    --------
    >>> cover = greedy_set_cover("abcd", ["ab", "bc", "cd", "d"], [1.0, 1.0, 1.0, 0.1])
    >>> cover.chosen, cover.cost
    ((3, 0, 1), 2.1)
    >>> greedy_set_cover("abz", ["ab"], [2.0]).uncovered
    frozenset({'z'})

    Notes
    -----
    Chvatal's rule: repeatedly take the set minimising ``cost(S) / |S \ covered|``.
    Its cost is at most :math:`H(d)` times the optimum of the LP relaxation, where
    :math:`d` is the largest number of universe elements in one set and
    :math:`H(d) = \sum_{k \le d} 1/k \le 1 + \ln d` [1]_; since :math:`d \le |W|`,
    the plan costs at most :math:`H(|W|) \le 1 + \ln |W|` times the optimum. No
    polynomial algorithm does better than :math:`(1 - o(1)) \ln |W|` unless P = NP
    [2]_, so the bound is the right one; in practice the gap to the optimum is far
    smaller, and :func:`lp_lower_bound` measures it for each instance.

    The greedy pass is lazy: a set's ratio can only grow as elements get covered, so a
    heap entry is re-scored only when it reaches the top (Minoux's accelerated greedy).
    Time :math:`O(\sum_S |S| \log m)` for :math:`m` sets, in practice close to linear
    in the total set size. Ties go to the set covering more new elements, then to the
    earlier set, so the result is deterministic.

    References
    ----------
    .. [1] V. Chvatal, "A greedy heuristic for the set-covering problem",
       Mathematics of Operations Research 4(3), 233-235, 1979.
    .. [2] U. Feige, "A threshold of ln n for approximating set cover",
       Journal of the ACM 45(4), 634-652, 1998.
    """
    return CoverInstance(universe, sets, costs).greedy(prune=prune, guide=guide)


def _greedy(
    inst: CoverInstance[E], *, prune: bool, guide: Sequence[float] | None
) -> SetCover[E]:
    members, costs = inst.members, inst.costs
    score = costs
    if guide is not None:
        if len(guide) != len(costs):
            raise PathPlanningError(f"{len(costs)} sets but {len(guide)} guide values")
        # eps keeps a set the LP takes fully from costing nothing, so that among the
        # LP's own sets the greedy still prefers the cheap, wide ones.
        score = [
            c * (1.0 + _GUIDE_EPS - min(1.0, max(0.0, x)))
            for c, x in zip(costs, guide, strict=True)
        ]
    remaining = inst.universe - inst.uncovered
    heap = [(score[i] / len(m), -len(m), i) for i, m in enumerate(members) if m]
    heapq.heapify(heap)
    chosen: list[int] = []
    while remaining and heap:
        _, neg_new, i = heapq.heappop(heap)
        new = len(remaining.intersection(members[i]))
        if new == 0:
            continue
        if new != -neg_new:
            # Stale score: re-queue with the true one; ratios only grow, so any entry
            # still above it in the heap cannot be cheaper than its own stored score.
            heapq.heappush(heap, (score[i] / new, -new, i))
            continue
        chosen.append(i)
        remaining.difference_update(members[i])
    if prune:
        chosen = _reverse_delete(chosen, members, costs)
    return SetCover(
        chosen=tuple(chosen),
        cost=math.fsum(costs[i] for i in chosen),
        uncovered=frozenset(inst.uncovered),
    )


def _reverse_delete(
    chosen: list[int], members: Sequence[Sequence[E]], costs: Sequence[float]
) -> list[int]:
    """Drop chosen sets whose every element another chosen set also covers.

    The greedy can take a set early that later sets make redundant; removing the
    most expensive redundant ones first keeps a cover and can only lower the cost.
    """
    count: dict[E, int] = {}
    for i in chosen:
        for e in members[i]:
            count[e] = count.get(e, 0) + 1
    dropped: set[int] = set()
    # Most expensive first; among equals, the one taken last.
    order = sorted(range(len(chosen)), key=lambda k: (-costs[chosen[k]], -k))
    for i in (chosen[k] for k in order):
        if all(count[e] >= 2 for e in members[i]):
            dropped.add(i)
            for e in members[i]:
                count[e] -= 1
    return [i for i in chosen if i not in dropped]


def dual_bound(
    universe: Iterable[E],
    sets: Sequence[Iterable[E]],
    costs: Sequence[float],
    duals: Mapping[E, float],
) -> LowerBound[E]:
    """Turn any dual vector into a certified lower bound for this instance.

    Parameters
    ----------
    universe, sets, costs
        The instance, as for :func:`greedy_set_cover`.
    duals : mapping
        Non-negative weights on elements, e.g. an earlier instance's LP duals.
        Missing elements weigh 0; elements outside the coverable universe are ignored.

    Returns
    -------
    LowerBound
        ``y`` cut to the coverable universe, with the elements of each overloaded set
        scaled down until it fits (``sum(y[e] for e in S) <= cost(S)`` for every set);
        its sum is then a valid lower bound by weak LP duality. ``lp_value`` is NaN
        (no LP was solved).

    Examples
    --------
    >>> round(dual_bound("ab", ["ab"], [1.0], {"a": 1.0, "b": 1.0}).value, 9)
    1.0

    Notes
    -----
    One pass over the sets: :math:`O(\\sum_S |S|)`. When a learner masters a concept
    the previous plan's duals stay feasible for the smaller universe, and when unit
    costs move the local shrinking repairs feasibility, so a replan keeps a real
    bound without solving the LP again. It can be looser than a fresh LP.
    """
    return CoverInstance(universe, sets, costs).dual_bound(duals)


def fit_duals(y: dict[E, float], members: Iterable[Sequence[E]], costs: Iterable[float]) -> None:
    """Shrink ``y`` in place until no set is overloaded, touching only overloaded sets.

    Examples
    --------
    >>> y = {"a": 1.0, "b": 1.0, "c": 1.0}
    >>> fit_duals(y, [["a", "b"], ["c"]], [1.0, 5.0])
    >>> {e: round(v, 6) for e, v in y.items()}
    {'a': 0.5, 'b': 0.5, 'c': 1.0}

    An overloaded set has its elements' weights scaled down to fit its cost exactly
    (less a hair, against rounding). Shrinking weights only unloads other sets, so
    one pass leaves every set feasible, and sets that were fine keep their weights:
    far tighter than scaling the whole vector by the worst overload.
    """
    get = y.get
    for m, cost in zip(members, costs, strict=True):
        if cost > 0:
            load = sum([get(e, 0.0) for e in m])
            if load > cost:
                factor = cost / load * (1.0 - 1e-12)
                for e in m:
                    if e in y:
                        y[e] *= factor


def _dual(inst: CoverInstance[E], duals: Mapping[E, float]) -> LowerBound[E]:
    members, costs = inst.members, inst.costs
    y: dict[E, float] = {}
    for e, v in duals.items():
        if e in inst.universe and e not in inst.uncovered and v > 0 and math.isfinite(v):
            y[e] = float(v)
    # An element of a free set contributes nothing to any cover's cost.
    for i, m in enumerate(members):
        if costs[i] == 0:
            for e in m:
                y.pop(e, None)
    fit_duals(y, members, costs)
    return LowerBound(value=math.fsum(y.values()), duals=y, lp_value=math.nan)


def lp_lower_bound(
    universe: Iterable[E], sets: Sequence[Iterable[E]], costs: Sequence[float]
) -> LowerBound[E]:
    r"""Solve the LP relaxation of set cover and return a certified lower bound.

    Parameters
    ----------
    universe, sets, costs
        The instance, as for :func:`greedy_set_cover`. Elements no set covers are
        left out (they have no feasible cover at all).

    Returns
    -------
    LowerBound
        The dual solution of :math:`\min c^\top x` s.t. :math:`Ax \ge 1, x \ge 0`,
        checked and scaled by :func:`dual_bound`, and the solver's LP optimum.

    Raises
    ------
    PathPlanningError
        Bad costs, or HiGHS fails to solve (it should not: the LP is always feasible
        and bounded once uncoverable elements are removed).

    Examples
    --------
    >>> round(lp_lower_bound("abc", ["ab", "bc", "ca"], [1.0, 1.0, 1.0]).value, 6)
    1.5

    Notes
    -----
    Solved with HiGHS through :func:`scipy.optimize.linprog` on a sparse matrix with
    one row per coverable element and one column per useful set; scipy is imported
    here, not at module import, so the planner imports cheaply. The bound is what
    makes each plan's quality visible: the plan's cost divided by it is an upper
    bound on the plan's true approximation ratio.
    """
    return CoverInstance(universe, sets, costs).lp_bound()


def _lp(inst: CoverInstance[E]) -> LowerBound[E]:
    members, costs = inst.members, inst.costs
    rows = {e: k for k, e in enumerate(inst.universe - inst.uncovered)}
    cols = [i for i, m in enumerate(members) if m]
    if not rows:
        return LowerBound(value=0.0, duals={}, lp_value=0.0)

    import numpy as np
    from scipy.optimize import linprog
    from scipy.sparse import csr_array

    r_idx = [rows[e] for i in cols for e in members[i]]
    c_idx = [j for j, i in enumerate(cols) for _ in members[i]]
    a = csr_array(
        (-np.ones(len(r_idx)), (np.array(r_idx), np.array(c_idx))), shape=(len(rows), len(cols))
    )
    res = linprog(
        c=np.array([costs[i] for i in cols], dtype=float),
        A_ub=a,
        b_ub=-np.ones(len(rows)),
        bounds=(0, None),
        method="highs",
    )
    if res.status != 0:
        raise PathPlanningError(f"LP relaxation not solved: {res.message}")
    marginals = res.ineqlin.marginals
    raw = {e: max(0.0, -float(marginals[k])) for e, k in rows.items()}
    bound = _dual(inst, raw)
    primal = {cols[j]: float(v) for j, v in enumerate(res.x) if v > 1e-9}
    return LowerBound(
        value=bound.value, duals=bound.duals, lp_value=float(res.fun), primal=primal
    )


def exact_set_cover(
    universe: Iterable[E],
    sets: Sequence[Iterable[E]],
    costs: Sequence[float],
    *,
    time_limit: float | None = None,
) -> SetCover[E]:
    """The minimum-cost cover, by integer programming (HiGHS branch and bound).

    Parameters
    ----------
    universe, sets, costs
        The instance, as for :func:`greedy_set_cover`.
    time_limit : float, optional
        Seconds before HiGHS gives up.

    Returns
    -------
    SetCover
        An optimal cover (chosen indices in increasing order).

    Raises
    ------
    PathPlanningError
        The solver stopped without proving optimality (e.g. the time limit).

    Examples
    --------
    >>> exact_set_cover("abcd", ["ab", "bc", "cd", "d"], [1.0, 1.0, 1.0, 0.1]).cost
    2.0

    Notes
    -----
    Exponential in the worst case; used to measure the greedy's ratio on instances
    of up to a few hundred elements, where HiGHS proves optimality in milliseconds.
    Optimal up to HiGHS's absolute gap of 1e-6 (the relative gap is set to 0).
    """
    return CoverInstance(universe, sets, costs).exact(time_limit=time_limit)


def _exact(inst: CoverInstance[E], *, time_limit: float | None) -> SetCover[E]:
    members, costs = inst.members, inst.costs
    rows = {e: k for k, e in enumerate(inst.universe - inst.uncovered)}
    cols = [i for i, m in enumerate(members) if m]
    if not rows:
        return SetCover(chosen=(), cost=0.0, uncovered=frozenset(inst.uncovered))

    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array

    r_idx = [rows[e] for i in cols for e in members[i]]
    c_idx = [j for j, i in enumerate(cols) for _ in members[i]]
    a = csr_array(
        (np.ones(len(r_idx)), (np.array(r_idx), np.array(c_idx))), shape=(len(rows), len(cols))
    )
    # HiGHS stops at a 0.01 % relative gap by default; a yardstick must be exact. Its
    # absolute gap (1e-6) still applies, which matters only for tiny costs.
    options: dict[str, float] = {"mip_rel_gap": 0.0}
    if time_limit is not None:
        options["time_limit"] = time_limit
    res = milp(
        c=np.array([costs[i] for i in cols], dtype=float),
        constraints=LinearConstraint(a, lb=np.ones(len(rows)), ub=np.inf),
        integrality=np.ones(len(cols)),
        bounds=Bounds(0, 1),
        options=options,
    )
    if res.status != 0 or res.x is None:
        raise PathPlanningError(f"exact set cover not solved: {res.message}")
    chosen = tuple(cols[j] for j, v in enumerate(res.x) if v > 0.5)
    return SetCover(
        chosen=chosen, cost=math.fsum(costs[i] for i in chosen), uncovered=frozenset(inst.uncovered)
    )
