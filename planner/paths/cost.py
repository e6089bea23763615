"""What a learning unit costs one learner: expected practice items to mastery.

The planner weighs units by the effort they will take *this* learner, in one
currency, practice items (a unit's own length is converted to the same unit by the
caller). The estimate has three parts, each from plain numbers so that this module
depends on no learner-model or IRT implementation:

- **IRT difficulty against ability.** Under the 2PL model a learner of ability
  ``theta`` answers an item of discrimination ``a`` and difficulty ``b`` correctly
  with probability ``1 / (1 + exp(-a (theta - b)))``.
- **Expected items to mastery.** Mastery is shown by a run of ``streak`` correct
  answers in a row (the "N in a row" rule of mastery-learning systems such as
  ASSISTments' skill builders, usually N = 3). With a fixed success probability
  ``p`` per item the expected number of items to a first run of ``r`` successes is
  ``(1 - p**r) / ((1 - p) * p**r)``; a learner who probably knows the concept
  already needs about ``r`` items, so the current mastery probability blends the two.
- **Learning while practising.** A learner's success probability does not stay
  fixed: every item practised moves the ability a fraction ``learning_rate`` of the
  way to a ``ceiling`` (the exponential law of practice, which fits individual
  learning curves better than the power law: Heathcote, Brown and Mewhort, 2000;
  BKT's per-item learning probability is the same geometric shape). The expected
  items to the streak are then computed exactly over the run length, step by step,
  until the ability has reached the ceiling. Without this a learner far below an
  item's difficulty would be priced as if they never learnt: hundreds of items per
  concept and thousands for a course.
- **Distance from the frontier.** A concept ``d`` prerequisite steps beyond what the
  learner has mastered rests on knowledge that is itself new; it costs
  ``1 + distance_weight * (d - 1)`` times as much as one on the frontier.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from planner.paths.errors import InvalidMasteryError

__all__ = [
    "p_correct",
    "expected_items_to_streak",
    "expected_items_to_streak_learning",
    "CostModel",
]

#: Steps after which the ability is taken to have reached the ceiling. Each step
#: closes ``learning_rate`` of the gap, so with the default 0.15 the gap is 1e-9 of
#: its start after 128 steps; the cap only bounds the loop for tiny learning rates.
_MAX_LEARNING_STEPS = 10_000


def p_correct(theta: float, a: float, b: float) -> float:
    """The 2PL probability of a correct answer.

    Parameters
    ----------
    theta : float
        The learner's ability.
    a, b : float
        The item's discrimination and difficulty.

    Returns
    -------
    float
        ``1 / (1 + exp(-a (theta - b)))``, computed without overflow.

    Examples
    --------
    >>> p_correct(0.0, 1.0, 0.0)
    0.5
    """
    z = a * (theta - b)
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    ez = math.exp(z)
    return ez / (1.0 + ez)


def expected_items_to_streak(p: float, streak: int = 3) -> float:
    """Expected number of independent trials until ``streak`` successes in a row.

    Parameters
    ----------
    p : float
        Probability of success on one trial, in (0, 1].
    streak : int, default 3
        Length of the run of successes that counts as mastery.

    Returns
    -------
    float
        ``(1 - p**r) / ((1 - p) * p**r)``; exactly ``r`` when ``p == 1``.

    Raises
    ------
    InvalidMasteryError
        ``p`` outside (0, 1] or ``streak < 1``.

    Examples
    --------
    >>> expected_items_to_streak(0.5, 3)
    14.0
    >>> expected_items_to_streak(1.0, 3)
    3.0

    Notes
    -----
    The classical waiting time for a success run (Feller, *An Introduction to
    Probability Theory and Its Applications*, vol. 1, ch. XIII). It grows steeply as
    ``p`` falls, which is the point: a concept whose items are hard for this learner
    costs much more practice than an easy one.
    """
    if not (0.0 < p <= 1.0) or streak < 1:
        raise InvalidMasteryError(f"need 0 < p <= 1 and streak >= 1, got p={p!r}, streak={streak}")
    if p == 1.0:
        return float(streak)
    pr = p**streak
    return (1.0 - pr) / ((1.0 - p) * pr)


def expected_items_to_streak_learning(
    p_at: Callable[[float], float],
    theta: float,
    *,
    streak: int = 3,
    learning_rate: float = 0.15,
    ceiling: float = 2.0,
) -> float:
    """Expected items to ``streak`` successes in a row for a learner who learns.

    Before item ``k + 1`` the learner's ability is
    ``ceiling - (ceiling - theta) * (1 - learning_rate) ** k`` (it does not fall when
    ``theta`` is above the ceiling), and the item is answered correctly with
    probability ``p_at(ability)``.

    Parameters
    ----------
    p_at : callable
        Success probability at an ability, in [0, 1] (0 is allowed on the way, as
        the 2PL underflows far below an item, but not where the ability settles).
    theta : float
        Ability before the first item.
    streak : int, default 3
        Length of the run of successes that counts as mastery.
    learning_rate : float, default 0.15
        Fraction of the gap to ``ceiling`` closed by each item, in [0, 1).
    ceiling : float, default 2
        The ability practice approaches.

    Returns
    -------
    float
        The expectation, exact until the gap to the ceiling is 1e-9 of what it was
        (from there on the success probability is taken as constant and the rest
        is in closed form). With ``learning_rate == 0`` it is :func:`expected_items_to_streak`
        at ``p_at(theta)``.

    Raises
    ------
    InvalidMasteryError
        ``streak < 1``, a learning rate outside [0, 1), a non-finite ability or
        ceiling, ``p_at`` returning a value outside [0, 1], or 0 where the ability
        settles (the streak would never come).

    Examples
    --------
    >>> half = lambda theta: 0.5
    >>> expected_items_to_streak_learning(half, 0.0, learning_rate=0.3)
    14.0
    >>> from functools import partial
    >>> rising = partial(p_correct, a=1.0, b=0.0)
    >>> round(expected_items_to_streak_learning(rising, 0.0, learning_rate=0.15), 2)
    6.48

    Notes
    -----
    The state is the length of the current run. ``alive[j]`` is the probability of
    not having finished, with a run of ``j``, after ``k`` items; the expectation is
    the sum over ``k`` of the probability of not having finished. Once the ability
    stops moving, the rest from run ``j`` is ``W(r) - W(j)``, with ``W(n)`` the
    fixed-``p`` wait for a run of ``n``.
    """
    if streak < 1:
        raise InvalidMasteryError(f"streak must be >= 1, got {streak}")
    if not 0.0 <= learning_rate < 1.0:
        raise InvalidMasteryError(f"learning_rate must be in [0, 1), got {learning_rate!r}")
    if not (math.isfinite(theta) and math.isfinite(ceiling)):
        raise InvalidMasteryError(f"ability and ceiling must be finite, got {theta!r}, {ceiling!r}")

    def prob(ability: float) -> float:
        p = p_at(ability)
        if not 0.0 <= p <= 1.0:
            raise InvalidMasteryError(f"success probability must be in [0, 1], got {p!r}")
        return p

    abilities = _learning_abilities(theta, learning_rate, ceiling)
    return float(_wait_for_streak([prob(t) for t in abilities], streak, ceiling)[0])


def _learning_abilities(theta: float, learning_rate: float, ceiling: float) -> list[float]:
    """The ability before each item, up to and including the one where it settles."""
    abilities = [theta]
    gap = ceiling - theta
    if learning_rate == 0.0 or gap <= 0.0:
        return abilities
    # Relative to where the learner starts, so that the number of steps (about 130
    # at the default rate) does not grow with how far below the ceiling that is.
    settled_gap = 1e-9 * max(1.0, gap)
    for _ in range(_MAX_LEARNING_STEPS):
        gap *= 1.0 - learning_rate
        abilities.append(ceiling - gap)
        if gap <= settled_gap:
            break
    # A learning rate below about 1e-3 runs out of steps first; the ability is then
    # nearly still, and treating it as settled there errs on the side of more items.
    return abilities


def _wait_for_streak(ps: Sequence[float] | np.ndarray, streak: int, ceiling: float) -> np.ndarray:
    """Expected items to the streak when item ``k + 1`` succeeds with ``ps[..., k]``.

    ``ps`` is one row of probabilities per learner-concept pair (or a single row);
    each row's last value holds from then on. ``alive[j]`` is the probability of not
    being done, with a run of ``j``; the expectation is the sum over items of not
    being done yet. Rows are computed together, so the ~130 steps of a default
    learning curve cost ~130 array operations however many concepts a plan prices.
    """
    ps = np.atleast_2d(np.asarray(ps, dtype=float))
    alive = np.zeros((streak, ps.shape[0]))
    alive[0] = 1.0
    total = np.zeros(ps.shape[0])
    for k in range(ps.shape[1] - 1):
        p = ps[:, k]
        left = alive.sum(axis=0)
        total += left  # every learner not yet done answers one more item
        alive[1:] = p * alive[:-1]
        alive[0] = (1.0 - p) * left
    p = ps[:, -1]
    if np.any(p == 0.0):
        raise InvalidMasteryError(f"success probability is 0 at the ceiling {ceiling!r}: "
                                  "the streak is never reached")
    # From run j the rest is W(r) - W(j), W(n) = (1 - p^n) / ((1 - p) p^n) being the
    # fixed-p wait for a run of n (n itself when p = 1).
    n = np.arange(streak + 1, dtype=float)[:, None]
    sure = p == 1.0
    q = np.where(sure, 0.5, p)  # any value: replaced below where p = 1
    w = np.where(sure, n, (1.0 - q**n) / ((1.0 - q) * q**n))
    waits: np.ndarray = total + ((w[streak] - w[:streak]) * alive).sum(axis=0)
    return waits


@dataclass(frozen=True)
class CostModel:
    """A learner's expected effort per concept, in practice items.

    Parameters
    ----------
    item_params : mapping of concept id to sequence of (a, b)
        2PL parameters of the concept's practice items. A concept without items is
        treated as having one item ``default_item``.
    theta : float or mapping of concept id to float, default 0
        The learner's ability: one number, or one per concept (missing ones are
        ``default_theta``).
    streak : int, default 3
        Correct answers in a row that show mastery.
    distance_weight : float, default 0.1
        Extra cost per prerequisite step beyond the learner's frontier.
    p_floor : float, default 0.2
        Smallest success probability used: real items can be guessed, and a learner
        far below an item's difficulty rarely sits at the 2PL's near-zero tail for
        long. With ``learning_rate=0`` it is what keeps costs finite (about 155
        items at the floor with ``streak=3``).
    learning_rate : float, default 0.15
        Fraction of the gap between the learner's ability and ``ceiling`` that each
        practised item closes (:func:`expected_items_to_streak_learning`). 0 prices
        practice as if the learner never learnt.
    ceiling : float, default 2
        The ability that practice approaches. The defaults are those of the
        simulated learners (:class:`planner.crowd.CrowdParams`), so the planner's
        costs and the crowd that tests it tell the same story of learning.
    default_item : (float, float), default (1.0, 0.0)
        The (a, b) assumed for a concept without item parameters.
    default_theta : float, default 0
        The ability assumed for a concept missing from a ``theta`` mapping.

    The model caches items per concept, so treat ``item_params`` and ``theta`` as
    frozen: build a new model when they change.

    Raises
    ------
    InvalidMasteryError
        A parameter outside its range (streak < 1, negative distance weight, p_floor
        outside (0, 1), a non-finite ability).

    Examples
    --------
    >>> model = CostModel(item_params={"ohms-law": [(1.0, 0.0)]}, theta=0.0)
    >>> round(model.concept_items("ohms-law"), 2)
    6.48
    >>> round(model.concept_cost("ohms-law", distance=3, mastery=0.0), 2)
    7.78
    >>> CostModel(item_params={"ohms-law": [(1.0, 0.0)]}, learning_rate=0).concept_items("ohms-law")
    14.0
    """

    item_params: Mapping[str, Sequence[tuple[float, float]]] = field(default_factory=dict)
    theta: float | Mapping[str, float] = 0.0
    streak: int = 3
    distance_weight: float = 0.1
    p_floor: float = 0.2
    learning_rate: float = 0.15
    ceiling: float = 2.0
    default_item: tuple[float, float] = (1.0, 0.0)
    default_theta: float = 0.0
    # Items to mastery depend only on the concept for a given model; planning a large
    # course asks for the same ones again on every replan.
    _items: dict[str, float] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.streak < 1:
            raise InvalidMasteryError(f"streak must be >= 1, got {self.streak}")
        if not (self.distance_weight >= 0 and math.isfinite(self.distance_weight)):
            raise InvalidMasteryError(f"distance_weight must be >= 0, got {self.distance_weight}")
        if not (0.0 < self.p_floor < 1.0):
            raise InvalidMasteryError(f"p_floor must be in (0, 1), got {self.p_floor}")
        if not 0.0 <= self.learning_rate < 1.0:
            raise InvalidMasteryError(f"learning_rate must be in [0, 1), got {self.learning_rate}")
        if not math.isfinite(self.ceiling):
            raise InvalidMasteryError(f"ceiling must be finite, got {self.ceiling}")
        thetas = self.theta.values() if isinstance(self.theta, Mapping) else [self.theta]
        for t in [*thetas, self.default_theta]:
            if not math.isfinite(t):
                raise InvalidMasteryError(f"ability must be finite, got {t!r}")

    def ability(self, concept: str) -> float:
        """The learner's ability on ``concept``."""
        if isinstance(self.theta, Mapping):
            return float(self.theta.get(concept, self.default_theta))
        return float(self.theta)

    def concept_items(self, concept: str) -> float:
        """Expected items to a mastery streak for a learner who does not know ``concept``.

        The success probability at an ability is the mean 2PL probability over the
        concept's items (a learner practises a mix of them), floored at ``p_floor``;
        the ability rises with each item as :func:`expected_items_to_streak_learning`
        describes.
        """
        cached = self._items.get(concept)
        if cached is None:
            self.prime([concept])
            cached = self._items[concept]
        return cached

    def prime(self, concepts: Iterable[str]) -> None:
        """Compute :meth:`concept_items` for many concepts at once (the planner's way).

        Concepts already computed are skipped; the rest are priced together, one
        array per starting ability, which is what makes a 10,000-concept plan cheap.
        """
        by_theta: dict[float, list[str]] = {}
        for c in dict.fromkeys(concepts):
            if c not in self._items:
                by_theta.setdefault(self.ability(c), []).append(c)
        for theta, group in by_theta.items():
            abilities = np.asarray(_learning_abilities(theta, self.learning_rate, self.ceiling))
            params = [self.item_params.get(c) or [self.default_item] for c in group]
            counts = np.fromiter((len(ps) for ps in params), dtype=np.intp, count=len(params))
            a, b = np.asarray([ab for ps in params for ab in ps], dtype=float).T
            # Mean 2PL over each concept's items at every step of the learning curve.
            p = expit(a[:, None] * (abilities[None, :] - b[:, None]))
            starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
            p = np.add.reduceat(p, starts, axis=0) / counts[:, None]
            waits = _wait_for_streak(np.maximum(p, self.p_floor), self.streak, self.ceiling)
            self._items.update(zip(group, waits.tolist(), strict=True))

    def concept_cost(self, concept: str, *, distance: int, mastery: float) -> float:
        """Expected practice items for ``concept``, for this learner, from where they are.

        Parameters
        ----------
        concept : str
            The concept.
        distance : int
            Prerequisite steps from the learner's mastered set (1 on the frontier).
        mastery : float
            Current probability that the learner knows it; such a learner needs only
            the streak itself, so the expected items blend ``streak`` and
            :meth:`concept_items` by it.
        """
        items = mastery * self.streak + (1.0 - mastery) * self.concept_items(concept)
        return items * (1.0 + self.distance_weight * max(0, distance - 1))
