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
  ASSISTments' skill builders, usually N = 3). With success probability ``p`` per
  item the expected number of items to a first run of ``r`` successes is
  ``(1 - p**r) / ((1 - p) * p**r)``; a learner who probably knows the concept
  already needs about ``r`` items, so the current mastery probability blends the two.
- **Distance from the frontier.** A concept ``d`` prerequisite steps beyond what the
  learner has mastered rests on knowledge that is itself new; it costs
  ``1 + distance_weight * (d - 1)`` times as much as one on the frontier.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from planner.paths.errors import InvalidMasteryError

__all__ = ["p_correct", "expected_items_to_streak", "CostModel"]


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
        Smallest success probability used. The 2PL of a static ability overstates
        the effort for far-too-hard items, because learners learn while they
        practise (and real items can be guessed); the floor keeps costs finite and
        still steeply increasing (about 155 items at the floor with ``streak=3``).
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
    >>> model.concept_items("ohms-law")
    14.0
    >>> model.concept_cost("ohms-law", distance=3, mastery=0.0)
    16.8
    """

    item_params: Mapping[str, Sequence[tuple[float, float]]] = field(default_factory=dict)
    theta: float | Mapping[str, float] = 0.0
    streak: int = 3
    distance_weight: float = 0.1
    p_floor: float = 0.2
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

        The success probability is the mean 2PL probability over the concept's
        items (a learner practises a mix of them), floored at ``p_floor``.
        """
        cached = self._items.get(concept)
        if cached is not None:
            return cached
        params = self.item_params.get(concept) or [self.default_item]
        theta = self.ability(concept)
        p = math.fsum(p_correct(theta, a, b) for a, b in params) / len(params)
        items = expected_items_to_streak(max(p, self.p_floor), self.streak)
        self._items[concept] = items
        return items

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
