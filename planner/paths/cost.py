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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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

#: Steps after which the ability is taken to have settled. Each step closes
#: ``learning_rate`` of the gap, so with the default 0.15 a gap of 5 is under
#: ``_SETTLED_GAP`` after 137 steps (and one of 1e12 after 298); the cap only bounds
#: the loop for tiny learning rates, where the next rule usually ends it first.
_MAX_LEARNING_STEPS = 10_000

#: A gap to the ceiling (in logits) below which the ability counts as settled. It is
#: absolute, not relative to where the learner starts: a relative one stopped a
#: learner 1e12 logits down while still 1e3 below, and priced them at the floor.
_SETTLED_GAP = 1e-9

#: A learner is also finished with once the rest of their expected wait, priced at
#: the current success probability, is below this fraction of what has been counted.
#: As the probability only rises from there (abilities rise, and the mean 2PL rises
#: with ability), that price is an upper bound on the rest, so the result is within
#: this relative error; it is what ends the loop early for a tiny learning rate.
_NEGLIGIBLE_REST = 1e-12


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
        The expectation, exact until the gap to the ceiling is under 1e-9 logits
        (from there on the success probability is taken as constant and the rest
        is in closed form), or within 1e-12 of it where the rest is negligible
        sooner (for a ``p_at`` that rises with ability, as the 2PL does). With
        ``learning_rate == 0`` it is :func:`expected_items_to_streak` at
        ``p_at(theta)``.

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

    last = [theta]  # the ability of the latest step, for the message below

    def steps() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for abilities, settled in _ability_steps(np.array([theta]), learning_rate, ceiling):
            last[0] = float(abilities[0])
            yield np.array([prob(last[0])]), settled

    wait = float(_wait_for_streak(steps(), streak)[0])
    if not math.isfinite(wait):
        if p_at(last[0]) == 0.0:
            raise InvalidMasteryError(f"success probability is 0 at the ability {last[0]!r} "
                                      "where the learner settles: the streak is never reached")
        raise InvalidMasteryError(f"the expected items overflow with streak={streak} "
                                  "(p ** streak underflows): use a shorter streak")
    return wait


def _ability_steps(
    theta: np.ndarray, learning_rate: float, ceiling: float
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The abilities before each item, one per row, and which rows have settled.

    A row settles when its gap to the ceiling is at most ``_SETTLED_GAP`` (a row
    above the ceiling, or with no learning, starts settled) and keeps that ability
    from then on. The last step yielded holds for every row still not settled (the
    step cap).
    """
    gap = ceiling - theta
    settled = ~(gap > _SETTLED_GAP) if learning_rate > 0.0 else np.ones(theta.shape, dtype=bool)
    for _ in range(_MAX_LEARNING_STEPS):
        yield ceiling - gap, settled.copy()
        if settled.all():
            return
        gap = np.where(settled, gap, gap * (1.0 - learning_rate))
        settled |= ~(gap > _SETTLED_GAP)
    # A learning rate below about 1e-3 can run out of steps first; the ability is then
    # nearly still, and treating it as settled there errs on the side of more items.


def _rest_of_wait(p: np.ndarray, alive: np.ndarray) -> np.ndarray:
    """Expected items still to come if every item from now succeeds with ``p``.

    From a run of ``j`` the rest is ``W(r) - W(j)``, with ``W(n) = (1 - p^n) /
    ((1 - p) p^n)`` the fixed-``p`` wait for a run of ``n`` (``n`` itself when
    ``p = 1``); inf where ``p = 0`` (or underflows it) and a learner still waits.
    """
    streak = alive.shape[0]
    n = np.arange(streak + 1, dtype=float)[:, None]
    sure = p == 1.0
    never = p == 0.0
    q = np.where(sure | never, 0.5, p)  # any value: replaced below
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        w = np.where(sure, n, (1.0 - q**n) / ((1.0 - q) * q**n))
        rest: np.ndarray = ((w[streak] - w[:streak]) * alive).sum(axis=0)
    return np.where(never & (alive.sum(axis=0) > 0.0), np.inf, rest)


def _wait_for_streak(
    steps: Iterable[tuple[np.ndarray, np.ndarray]], streak: int
) -> np.ndarray:
    """Expected items to the streak, one per row, from each item's success probability.

    ``steps`` yields, before each item, every row's success probability and whether
    it holds from then on; the last one yielded holds for all rows. ``alive[j]`` is
    the probability of not being done, with a run of ``j``; the expectation is the
    sum over items of not being done yet, plus the closed-form rest once a row's
    probability stops moving or the rest is negligible (``_NEGLIGIBLE_REST``).

    Rows are computed together, so the ~140 steps of a default learning curve cost
    ~140 array operations however many concepts a plan prices. A row's result
    depends on that row alone, so a concept costs the same priced with others or by
    itself, and memory is one step's worth, not the whole curve. inf where a row's
    probability settles at 0.
    """
    alive = total = waits = done = None
    p = np.zeros(0)
    for k, (p, settled) in enumerate(steps):
        if alive is None:
            alive = np.zeros((streak, p.shape[0]))
            alive[0] = 1.0
            total = np.zeros(p.shape[0])
            waits = np.zeros(p.shape[0])
            done = np.zeros(p.shape[0], dtype=bool)
        assert total is not None and waits is not None and done is not None
        # The rest is priced where a row has just settled, and every 16th step to
        # see whether it has become negligible (each step's price costs as much as
        # the step itself; a fixed schedule keeps rows independent of each other).
        if (settled & ~done).any() or k % 16 == 15:
            rest = _rest_of_wait(p, alive)
            finished = ~done & (settled | (rest <= _NEGLIGIBLE_REST * total))
            waits[finished] = total[finished] + rest[finished]
            done |= finished
            if done.all():
                return waits
        left = alive.sum(axis=0)
        total += left  # every learner not yet done answers one more item
        alive[1:] = p * alive[:-1]
        alive[0] = (1.0 - p) * left
    if alive is None or total is None or waits is None or done is None:
        raise ValueError("no success probabilities to wait on")
    # Out of steps: the last probabilities hold from here.
    rest = _rest_of_wait(p, alive)
    waits[~done] = (total + rest)[~done]
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

        Concepts already computed are skipped; the rest are priced together in one
        array pass, each from its own ability, which is what makes a 10,000-concept
        plan cheap (with one ability per concept as much as with one for all).

        Raises
        ------
        InvalidMasteryError
            A concept's item parameters are not finite numbers.
        """
        group = [c for c in dict.fromkeys(concepts) if c not in self._items]
        if not group:
            return
        params = [self.item_params.get(c) or [self.default_item] for c in group]
        counts = np.fromiter((len(ps) for ps in params), dtype=np.intp, count=len(params))
        a, b = np.asarray([ab for ps in params for ab in ps], dtype=float).reshape(-1, 2).T
        bad = ~(np.isfinite(a) & np.isfinite(b))
        if bad.any():
            row = int(np.searchsorted(np.cumsum(counts), np.flatnonzero(bad)[0], "right"))
            raise InvalidMasteryError(f"item parameters of {group[row]!r} must be finite "
                                      f"numbers, got {list(params[row])!r}")
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        row_of_item = np.repeat(np.arange(len(group)), counts)
        theta = np.fromiter((self.ability(c) for c in group), dtype=float, count=len(group))

        def steps() -> Iterator[tuple[np.ndarray, np.ndarray]]:
            for abilities, settled in _ability_steps(theta, self.learning_rate, self.ceiling):
                # The mean 2PL over each concept's items at this step, floored.
                p = expit(a * (abilities[row_of_item] - b))
                p = np.add.reduceat(p, starts) / counts
                yield np.maximum(p, self.p_floor), settled

        waits = _wait_for_streak(steps(), self.streak)
        # With a floor above 0 the wait is finite unless the numbers themselves are
        # not (a streak of thousands overflows p ** streak).
        if not np.isfinite(waits).all():
            concept = group[int(np.flatnonzero(~np.isfinite(waits))[0])]
            raise InvalidMasteryError(f"the expected items for {concept!r} overflow with "
                                      f"streak={self.streak}: use a shorter streak")
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
