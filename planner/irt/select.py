"""Adaptive item choice: maximum information, with exposure control and content balance.

The item given next is the one most informative at the learner's current
ability estimate [1]_, subject to two corrections a real item bank needs:

* **exposure control**, so the few most discriminating items are not shown to
  everyone (and learned by heart): *randomesque* selection draws among the
  ``k`` best [2]_, and *Sympson-Hetter* gives each item an administration
  probability, tuned by simulation so that no item is seen by more than a target
  share of learners [3]_ (:func:`sympson_hetter_parameters`);
* **content balancing** across concepts (Kingsbury-Zara [4]_): given target
  shares per concept, the next item comes from the concept furthest below its
  target.

:func:`select_item` makes one stateless choice; :func:`adaptive_test` runs a
whole test against a ``respond`` callable, updating an EAP posterior.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from planner.irt.ability import AbilityEstimate, AbilityPosterior
from planner.irt.errors import InvalidParameterError, ItemBankError
from planner.irt.model import item_information

__all__ = [
    "AdaptiveTestResult",
    "BankItem",
    "ItemChoice",
    "adaptive_test",
    "choose_item",
    "select_item",
    "sympson_hetter_parameters",
]

FloatArray = npt.NDArray[np.float64]
Seed = int | np.random.Generator | None


@dataclass(frozen=True, slots=True)
class BankItem:
    """An item of an adaptive bank.

    Attributes
    ----------
    id : str
    a, b : float
        Calibrated 2PL parameters (``a > 0``).
    concepts : tuple of str
        Concepts it tests, for content balancing (an item on several concepts
        counts a share ``1 / len(concepts)`` towards each).
    exposure : float, default 1
        Sympson-Hetter administration probability, in (0, 1]: the chance that the
        item is given when it is the one chosen.
    """

    id: str
    a: float
    b: float
    concepts: tuple[str, ...] = ()
    exposure: float = 1.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.a) and self.a > 0 and math.isfinite(self.b)):
            raise InvalidParameterError(f"item {self.id!r}: need finite b and a > 0")
        if not 0.0 < self.exposure <= 1.0:
            raise InvalidParameterError(f"item {self.id!r}: exposure must be in (0, 1]")


def _normalised_targets(targets: Mapping[str, float]) -> dict[str, float]:
    if any(not (math.isfinite(v) and v >= 0) for v in targets.values()):
        raise ItemBankError("content targets must be non-negative numbers")
    total = sum(targets.values())
    if total <= 0:
        raise ItemBankError("content targets must not all be zero")
    return {c: v / total for c, v in targets.items()}


class _Bank:
    """The bank as arrays, built once per test rather than once per choice."""

    def __init__(self, bank: Sequence[BankItem], content_targets: Mapping[str, float] | None):
        self.items = list(bank)
        self.index = {it.id: k for k, it in enumerate(self.items)}
        if len(self.index) != len(self.items):
            raise ItemBankError("duplicate item ids in the bank")
        self.a = np.array([it.a for it in self.items], dtype=np.float64)
        self.b = np.array([it.b for it in self.items], dtype=np.float64)
        self.exposure = np.array([it.exposure for it in self.items], dtype=np.float64)
        self.targets = _normalised_targets(content_targets) if content_targets else {}
        # share[k, c]: how much item k counts towards target concept c
        concepts = list(self.targets)
        self.share = np.zeros((len(self.items), len(concepts)))
        for k, it in enumerate(self.items):
            for c in it.concepts:
                if c in self.targets:
                    self.share[k, concepts.index(c)] += 1.0 / len(it.concepts)
        self.target_vec = np.array([self.targets[c] for c in concepts])

    def mask(self, ids: Iterable[str]) -> npt.NDArray[np.bool_]:
        m = np.zeros(len(self.items), dtype=bool)
        for i in ids:
            k = self.index.get(i)
            if k is not None:
                m[k] = True
        return m

    def choose(
        self,
        theta: float,
        given: npt.NDArray[np.bool_],
        blocked: npt.NDArray[np.bool_],
        randomesque: int,
        sympson_hetter: bool,
        rng: np.random.Generator,
    ) -> tuple[int | None, list[int]]:
        """(index chosen or None, indices passed over by the exposure lottery)."""
        open_ = ~(given | blocked)
        if not open_.any():
            return None, []
        if self.targets:
            got = self.share[given].sum(axis=0)
            shares = got / got.sum() if got.sum() > 0 else got
            # Concepts that still have open items, furthest below target first.
            has_items = (self.share[open_] > 0).any(axis=0) & (self.target_vec > 0)
            if has_items.any():
                gap = np.where(has_items, shares - self.target_vec, np.inf)
                open_ &= self.share[:, int(np.argmin(gap))] > 0
        cand = np.flatnonzero(open_)
        info = item_information(theta, self.a[cand], self.b[cand])
        # Stable sort: among equal information the bank's order decides.
        order = [int(cand[k]) for k in np.argsort(-info, kind="stable")]
        if randomesque > 1:
            top = order[:randomesque]
            rng.shuffle(top)
            order = top + order[randomesque:]
        if not sympson_hetter:
            return order[0], []
        passed: list[int] = []
        for k in order:
            if rng.random() < self.exposure[k]:
                return k, passed
            passed.append(k)
        # Everything was passed over: the last one is given all the same.
        return passed.pop(), passed


@dataclass(frozen=True, slots=True)
class ItemChoice:
    """What :func:`choose_item` decided.

    Attributes
    ----------
    item : BankItem or None
        The item to give, None when none is left.
    passed_over : tuple of str
        Items the Sympson-Hetter lottery passed over on the way. Sympson and
        Hetter's rule is that they are not offered again to this learner: pass
        them back in ``passed_over`` on later choices.
    """

    item: BankItem | None
    passed_over: tuple[str, ...] = ()


def choose_item(
    bank: Sequence[BankItem],
    theta: float,
    *,
    administered: Iterable[str] = (),
    passed_over: Iterable[str] = (),
    content_targets: Mapping[str, float] | None = None,
    randomesque: int = 1,
    sympson_hetter: bool = False,
    seed: Seed = None,
) -> ItemChoice:
    """Choose the next item for a learner of current ability ``theta``.

    Parameters
    ----------
    bank : sequence of BankItem
    theta : float
        The current ability estimate (e.g. the EAP of the answers so far).
    administered : iterable of str
        Ids already given: never given twice, and what content balancing counts.
    passed_over : iterable of str
        Ids the exposure lottery passed over earlier in this learner's test; not
        offered again.
    content_targets : mapping of str to float, optional
        Target share of the test per concept (normalised to sum to 1). The next
        item then comes from the concept furthest below its target among those
        that still have items; concepts not listed are not balanced, and an item
        on several concepts counts ``1 / len(concepts)`` to each.
    randomesque : int, default 1
        Draw uniformly among this many most informative items (1: pure maximum
        information).
    sympson_hetter : bool, default False
        Walk the ranking and give each item with probability ``item.exposure``
        (see :func:`sympson_hetter_parameters`); if all are passed over, the last
        one is given.
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    ItemChoice

    Raises
    ------
    ItemBankError
        Duplicate ids, ``randomesque < 1`` or bad content targets.

    Examples
    --------
    >>> bank = [BankItem("easy", 1.0, -2.0, ("v",)), BankItem("mid", 1.0, 0.1, ("v",)),
    ...         BankItem("sharp", 2.0, 0.3, ("ohm",))]
    >>> choose_item(bank, 0.0).item.id
    'sharp'
    >>> choose_item(bank, 0.0, administered=["sharp"]).item.id
    'mid'
    >>> choose_item(bank, 0.0, content_targets={"v": 0.5, "ohm": 0.5},
    ...             administered=["sharp"]).item.id       # "ohm" has its half
    'mid'

    Notes
    -----
    O(J) for a bank of J items (one vectorised information evaluation). Content
    balancing runs first, so the randomesque draw and the exposure lottery are
    among the items of the chosen concept.

    References
    ----------
    .. [1] F. M. Lord, *Applications of Item Response Theory to Practical Testing
       Problems*, Erlbaum, 1980.
    .. [2] G. G. Kingsbury and A. R. Zara, "Procedures for selecting items for
       computerized adaptive tests", *Applied Measurement in Education* 2(4),
       359-375, 1989.
    .. [3] J. B. Sympson and R. D. Hetter, "Controlling item-exposure rates in
       computerized adaptive testing", *Proc. 27th Annual Meeting of the Military
       Testing Association*, 973-977, 1985.
    """
    if randomesque < 1:
        raise ItemBankError("randomesque must be at least 1")
    b = _Bank(bank, content_targets)
    k, passed = b.choose(
        theta,
        b.mask(administered),
        b.mask(passed_over),
        randomesque,
        sympson_hetter,
        np.random.default_rng(seed),
    )
    return ItemChoice(
        None if k is None else b.items[k], tuple(b.items[p].id for p in passed)
    )


def select_item(
    bank: Sequence[BankItem],
    theta: float,
    *,
    administered: Iterable[str] = (),
    content_targets: Mapping[str, float] | None = None,
    randomesque: int = 1,
    sympson_hetter: bool = False,
    seed: Seed = None,
) -> BankItem | None:
    """The item :func:`choose_item` would give (None when the bank is spent).

    A shortcut for one choice; over a whole test with ``sympson_hetter=True`` use
    :func:`choose_item` (or :func:`adaptive_test`), which reports the items passed
    over so that they are not offered again.

    Examples
    --------
    >>> bank = [BankItem("a", 1.0, 0.0), BankItem("b", 2.0, 1.0)]
    >>> select_item(bank, 0.8).id
    'b'
    """
    return choose_item(
        bank,
        theta,
        administered=administered,
        content_targets=content_targets,
        randomesque=randomesque,
        sympson_hetter=sympson_hetter,
        seed=seed,
    ).item


@dataclass(frozen=True, slots=True)
class AdaptiveTestResult:
    """The outcome of :func:`adaptive_test`.

    Attributes
    ----------
    ability : AbilityEstimate
        Final EAP estimate.
    administered : list of str
        Item ids in order.
    correct : list of bool
    trace : list of AbilityEstimate
        The estimate after each answer.
    """

    ability: AbilityEstimate
    administered: list[str]
    correct: list[bool]
    trace: list[AbilityEstimate] = field(default_factory=list)


def adaptive_test(
    bank: Sequence[BankItem],
    respond: Callable[[BankItem], bool],
    *,
    max_items: int = 20,
    se_target: float | None = None,
    content_targets: Mapping[str, float] | None = None,
    randomesque: int = 1,
    sympson_hetter: bool = False,
    prior_mean: float = 0.0,
    prior_sd: float = 1.0,
    seed: Seed = None,
) -> AdaptiveTestResult:
    """Run a computerised adaptive test against ``respond``.

    Parameters
    ----------
    bank : sequence of BankItem
    respond : callable
        ``respond(item) -> bool``: whether the learner answered it correctly.
    max_items : int, default 20
    se_target : float, optional
        Stop as soon as the posterior standard deviation falls below it.
    content_targets, randomesque, sympson_hetter
        As in :func:`select_item`.
    prior_mean, prior_sd : float
        The ability prior.
    seed : int or Generator, optional

    Returns
    -------
    AdaptiveTestResult

    Examples
    --------
    >>> bank = [BankItem(f"q{k}", 1.5, b) for k, b in enumerate(np.linspace(-2, 2, 21))]
    >>> res = adaptive_test(bank, lambda item: item.b < 0.7, max_items=12, seed=0)
    >>> len(res.administered), bool(0.0 < res.ability.theta < 1.5)
    (12, True)
    """
    if max_items < 1:
        raise InvalidParameterError("max_items must be at least 1")
    if randomesque < 1:
        raise ItemBankError("randomesque must be at least 1")
    rng = np.random.default_rng(seed)
    b = _Bank(bank, content_targets)
    post = AbilityPosterior(prior_mean=prior_mean, prior_sd=prior_sd)
    est = post.estimate()
    given = np.zeros(len(b.items), dtype=bool)
    blocked = np.zeros(len(b.items), dtype=bool)
    order: list[str] = []
    answers: list[bool] = []
    trace: list[AbilityEstimate] = []
    while len(order) < max_items:
        if se_target is not None and order and est.se < se_target:
            break
        k, passed = b.choose(est.theta, given, blocked, randomesque, sympson_hetter, rng)
        if k is None:
            break
        blocked[passed] = True
        item = b.items[k]
        right = bool(respond(item))
        post.update(item.a, item.b, right)
        est = post.estimate()
        given[k] = True
        order.append(item.id)
        answers.append(right)
        trace.append(est)
    return AdaptiveTestResult(est, order, answers, trace)


def sympson_hetter_parameters(
    bank: Sequence[BankItem],
    *,
    max_rate: float = 0.25,
    test_length: int = 20,
    n_simulees: int = 500,
    iterations: int = 8,
    content_targets: Mapping[str, float] | None = None,
    randomesque: int = 1,
    seed: Seed = None,
) -> tuple[list[BankItem], dict[str, float]]:
    """Tune Sympson-Hetter exposure parameters by simulation.

    Each round, ``n_simulees`` learners drawn from N(0, 1) take the adaptive test
    with the current parameters; between rounds, an item *selected* (entered in
    the exposure lottery) for a share ``P(S) > max_rate`` of them gets
    ``exposure = max_rate / P(S)``, any other ``exposure = 1``.

    Parameters
    ----------
    bank : sequence of BankItem
    max_rate : float, default 0.25
        Target ceiling on the share of learners who see an item.
    test_length : int, default 20
    n_simulees : int, default 500
    iterations : int, default 8
        Rounds of simulation (the parameters change between rounds).
    content_targets, randomesque
        As in :func:`select_item`, to tune for the test as it will really run.
    seed : int or Generator, optional

    Returns
    -------
    bank : list of BankItem
        Copies with their ``exposure`` set.
    rates : dict of str to float
        Share of simulees who saw each item in the last round, which ran with the
        returned parameters.

    Raises
    ------
    InvalidParameterError
        ``max_rate`` outside (0, 1] or a test longer than the bank can fill at
        that rate (``test_length > max_rate * len(bank)`` cannot be met).

    Notes
    -----
    O(iterations x n_simulees x test_length x J). The procedure does not always
    meet ``max_rate`` exactly; the returned rates say how close it came.
    """
    if not 0.0 < max_rate <= 1.0:
        raise InvalidParameterError("max_rate must be in (0, 1]")
    if test_length < 1 or n_simulees < 1 or iterations < 1:
        raise InvalidParameterError("test_length, n_simulees and iterations must be positive")
    if test_length > max_rate * len(bank):
        raise InvalidParameterError(
            f"a test of {test_length} items cannot keep every item under {max_rate:.0%} "
            f"of learners with a bank of {len(bank)}"
        )
    rng = np.random.default_rng(seed)
    bk = _Bank([replace(it, exposure=1.0) for it in bank], content_targets)
    n_items = len(bk.items)
    rates = np.zeros(n_items)
    for round_ in range(iterations):
        selected = np.zeros(n_items)
        shown = np.zeros(n_items)
        for theta in rng.normal(size=n_simulees):
            post = AbilityPosterior(n_quadrature=61)
            given = np.zeros(n_items, dtype=bool)
            blocked = np.zeros(n_items, dtype=bool)
            for _step in range(test_length):
                k, passed = bk.choose(
                    post.estimate().theta, given, blocked, randomesque, True, rng
                )
                if k is None:
                    break
                # Every item that entered the lottery was *selected* this round.
                selected[passed] += 1
                selected[k] += 1
                blocked[passed] = True
                given[k] = True
                shown[k] += 1
                p_right = 1.0 / (1.0 + math.exp(-bk.a[k] * (theta - bk.b[k])))
                post.update(float(bk.a[k]), float(bk.b[k]), bool(rng.random() < p_right))
        rates = shown / n_simulees
        if round_ == iterations - 1:
            break  # the rates returned are those of the parameters returned
        p_sel = selected / n_simulees
        bk.exposure = np.where(p_sel > max_rate, max_rate / np.maximum(p_sel, 1e-12), 1.0)
    tuned = [replace(it, exposure=float(e)) for it, e in zip(bk.items, bk.exposure, strict=True)]
    return tuned, {it.id: float(r) for it, r in zip(bk.items, rates, strict=True)}
