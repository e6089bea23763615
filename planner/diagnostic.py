"""The adaptive diagnostic: which item to ask a new learner next, and when to stop.

A new learner answers a short sequence of items chosen one at a time. After each
answer the belief over their knowledge state
(:class:`knowledge_graph.knowledge_states.KnowledgeStateBelief`) is updated, and the
next item is the one expected to teach us most about the concepts still uncertain.
The prerequisite graph lets the diagnostic conclude about concepts it never tests.

Two ways to drive it:

* step by step, as the web app does: :class:`Diagnostic` with :meth:`~Diagnostic.next_item`,
  :meth:`~Diagnostic.record`, and :meth:`~Diagnostic.to_dict` /
  :meth:`~Diagnostic.from_dict` between requests;
* end to end, against a simulated learner: :func:`run_diagnostic`.

This module *chooses* (so it lives in ``planner``); the inference it relies on lives
in :mod:`knowledge_graph`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import expit

from knowledge_graph.diagnosis import (
    MASTERED_THRESHOLD,
    WEAK_THRESHOLD,
    MisconceptionEvidence,
    classify_mastery,
    suspect_misconceptions,
)
from knowledge_graph.graph import SkillGraph
from knowledge_graph.knowledge_states import KnowledgeStateBelief

__all__ = [
    "Answer",
    "Diagnostic",
    "DiagnosticError",
    "DiagnosticItem",
    "DiagnosticResult",
    "expected_information_gain",
    "f1_optimal_set",
    "next_item",
    "run_diagnostic",
]

FloatArray = npt.NDArray[np.float64]
_FORMAT = 1


class DiagnosticError(ValueError):
    """A diagnostic used wrongly: an unknown or repeated item, an answer after the end."""


@dataclass(frozen=True, slots=True)
class DiagnosticItem:
    """An item as the diagnostic sees it: its concepts and how noisy its answers are.

    Attributes
    ----------
    id : str
    concepts : tuple of str
        The concepts it tests (all needed to answer it, see
        :class:`~knowledge_graph.knowledge_states.KnowledgeStateBelief`).
    guess : float
        P(correct | some concept not known).
    slip : float
        P(incorrect | all concepts known).
    ability_slope : float, default 0
        Rise in the log-odds of a right answer per unit of general ability (see
        :meth:`KnowledgeStateBelief.observe`); guess and slip are for ability 0.
    """

    id: str
    concepts: tuple[str, ...]
    guess: float = 0.2
    slip: float = 0.1
    ability_slope: float = 0.0

    def __post_init__(self) -> None:
        # Checked here, not when the item is first answered: a bad item in a bank
        # used to be proposed, then break the running diagnostic at its answer.
        g, s, k = self.guess, self.slip, self.ability_slope
        if not (0.0 < g < 1.0 and 0.0 < s < 1.0 and g + s < 1.0):
            raise DiagnosticError(
                f"item {self.id!r}: need guess, slip in (0, 1) and guess + slip < 1, "
                f"got {g!r} and {s!r}"
            )
        if not (math.isfinite(k) and k >= 0.0):
            raise DiagnosticError(f"item {self.id!r}: ability_slope must be >= 0, got {k!r}")

    @classmethod
    def from_irt(
        cls,
        id: str,
        concepts: Iterable[str],
        *,
        a: float = 1.0,
        b: float = 0.0,
        n_choices: int | None = None,
        ability_weight: float = 0.4,
        known_shift: float = 1.0,
        unknown_shift: float = -1.5,
    ) -> DiagnosticItem:
        """Build from 2PL parameters (calibrated, or ``b`` = the teacher's difficulty).

        Parameters
        ----------
        id : str
        concepts : iterable of str
        a, b : float
            Discrimination and difficulty.
        n_choices : int, optional
            Number of options of a multiple-choice item: a blind guess succeeds with
            1 / n_choices at least.
        ability_weight : float, default 0.4
            How much the general ability adds to the concept ability; the item's
            ``ability_slope`` is ``a * ability_weight``.
        known_shift, unknown_shift : float, default 1 and -1.5
            Ability of a learner who has / has not mastered the concepts (see
            :func:`knowledge_graph.learner.guess_slip_from_2pl`).

        Raises
        ------
        DiagnosticError
            ``a <= 0``, ``a`` or ``b`` not finite, or ``known_shift <= unknown_shift``.

        Examples
        --------
        >>> item = DiagnosticItem.from_irt("ohm-1", ["ohms-law"], b=-1.0, n_choices=4)
        >>> round(item.guess, 2), round(item.slip, 2), item.ability_slope
        (0.38, 0.12, 0.4)

        Notes
        -----
        Guess and slip are the 2PL curve read at the two shifts, ``guess =
        expit(a (unknown_shift - b))`` and ``slip = 1 - expit(a (known_shift - b))``,
        so with ``ability_slope`` the item answers like the 2PL item it was built
        from. A multiple-choice item lifts both P(correct) to at least
        ``1 / n_choices`` (a blind guess); where that leaves nothing to tell masters
        apart (a very hard multiple-choice item) the two are kept 0.01 apart so the
        answer counts for almost nothing, and both probabilities stay in
        [0.01, 0.99]. Earlier versions capped guess at 0.35 and slip at 0.6, which
        made easy items look far more telling than they are (an easy item is
        answered right by most learners who do not know its concept).
        """
        if not (math.isfinite(a) and math.isfinite(b) and a > 0):
            raise DiagnosticError(f"item {id!r}: need a finite a > 0 and b, got {a!r}, {b!r}")
        if known_shift <= unknown_shift:
            raise DiagnosticError("need known_shift > unknown_shift")
        right_unknown = float(expit(a * (unknown_shift - b)))  # no overflow for steep items
        right_known = float(expit(a * (known_shift - b)))
        if n_choices is not None and n_choices >= 2:
            right_unknown = max(right_unknown, 1.0 / n_choices)
            right_known = max(right_known, 1.0 / n_choices)
        guess = min(max(right_unknown, 0.01), 0.98)
        slip = 1.0 - min(max(right_known, guess + 0.01), 0.99)
        return cls(
            id=id,
            concepts=tuple(dict.fromkeys(concepts)),
            guess=guess,
            slip=slip,
            ability_slope=a * ability_weight,
        )


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer to a diagnostic item.

    Attributes
    ----------
    correct : bool
    misconception : str or None
        The misconception tag of the distractor chosen, if any.
    diagnosis : str or None
        The circuits core's diagnosis of a wrong numeric/circuit answer, if any
        ("factor-1000", "sign", ...).
    """

    correct: bool
    misconception: str | None = None
    diagnosis: str | None = None


@dataclass(frozen=True, slots=True)
class DiagnosticResult:
    """What a diagnostic concludes.

    Attributes
    ----------
    mastered : list of str
        P(known) >= ``mastered_threshold`` (0.95 by default).
    weak : list of str
        P(known) < ``weak_threshold`` (0.5 by default): more likely unknown than known.
    misconceptions : list of str
        Suspected misconceptions, strongest first (see
        :func:`knowledge_graph.diagnosis.suspect_misconceptions`).
    asked : list of str
        Item ids in the order asked.
    uncertain : list of str
        Neither mastered nor weak.
    mastery : dict of str -> float
        P(known) of every concept; a :class:`~knowledge_graph.learner.LearnerModel`
        can start from it (``LearnerModel(graph, mastery=result.mastery)``).
    evidence : list of MisconceptionEvidence
    weak_f1 : list of str
        The set of concepts to call weak that maximises the *expected* F1 score of
        weak concepts under the belief (:func:`f1_optimal_set`), in syllabus order.
        It may include concepts with P(known) >= 0.5 or leave out some below: F1
        rewards recall and precision jointly, not each concept on its own. Use it
        where a report is scored as one set; ``weak`` stays the per-concept verdict.
    expected_f1 : float or None
        The expected F1 of ``weak_f1`` under the belief (None if not computed).
    """

    mastered: list[str]
    weak: list[str]
    misconceptions: list[str]
    asked: list[str]
    uncertain: list[str] = field(default_factory=list)
    mastery: dict[str, float] = field(default_factory=dict)
    evidence: list[MisconceptionEvidence] = field(default_factory=list)
    weak_f1: list[str] = field(default_factory=list)
    expected_f1: float | None = None


def _expit(x: FloatArray) -> FloatArray:
    out: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * x))
    return out


def _entropy(p: FloatArray) -> FloatArray:
    q = np.clip(p, 1e-12, 1.0 - 1e-12)
    out: FloatArray = -(q * np.log2(q) + (1.0 - q) * np.log2(1.0 - q))
    return out


def expected_information_gain(
    belief: KnowledgeStateBelief,
    items: Sequence[DiagnosticItem],
    *,
    targets: Iterable[str] | None = None,
    use_ability: bool = True,
) -> FloatArray:
    """Expected drop in uncertainty about ``targets`` from asking each item.

    Parameters
    ----------
    belief : KnowledgeStateBelief
        The current belief.
    items : sequence of DiagnosticItem
    targets : iterable of str, optional
        The concepts whose uncertainty counts; all concepts by default.
    use_ability : bool, default True
        Let the predicted answer depend on each particle's general ability
        (``ability_slope``). False scores every learner as of average ability: an
        approximation, several times cheaper, that :func:`next_item` uses to screen.

    Returns
    -------
    ndarray of shape (len(items),)
        ``H - E[H | answer]`` in bits, where ``H`` is the sum over targets of the
        binary entropy of P(known), and the expectation is over the predicted answer.

    Examples
    --------
    >>> g = SkillGraph(["v", "ohm"], [("v", "ohm")])
    >>> b = KnowledgeStateBelief(g, n_particles=2000, seed=0)
    >>> items = [DiagnosticItem("a", ("v",)), DiagnosticItem("b", ("v",), guess=0.45, slip=0.4)]
    >>> gain = expected_information_gain(b, items)
    >>> bool(gain[0] > gain[1] > 0)      # a noisy item tells us less
    True

    Notes
    -----
    The sum of marginal entropies stands in for the entropy of the joint state:
    it is what the result reports (one verdict per concept), and it is cheap. All
    items are scored at once: O(P U C + I C) for P particles, U distinct concept
    sets among the I items, and C concepts; O(P I C) when answers also depend on
    the general ability (``ability_slope``).
    """
    if not items:
        return np.zeros(0)
    known = belief.states
    states = known.astype(np.float64)
    w = belief.weights
    # Items sharing a concept set differ only in guess and slip, and the posterior is
    # linear in those, so the particle sums are done once per distinct concept set.
    sets = [tuple(sorted(set(it.concepts))) for it in items]
    distinct = list(dict.fromkeys(sets))
    where = {k: u for u, k in enumerate(distinct)}
    all_known = np.empty((known.shape[0], len(distinct)), dtype=bool)
    for u, concepts in enumerate(distinct):
        cols = np.flatnonzero(belief.mask(concepts))
        all_known[:, u] = known[:, cols].all(axis=1)
    p_set = w @ all_known  # P(all concepts of the set known)
    joint = (w[:, None] * all_known).T @ states  # P(set known and concept c known)
    m_now = w @ states
    unit = np.array([where[k] for k in sets])
    guess = np.array([it.guess for it in items])
    slip = np.array([it.slip for it in items])
    slope = np.array([it.ability_slope for it in items])
    if not use_ability or not slope.any():
        lift = 1.0 - slip - guess
        # P(right) = guess + lift P(set known); P(right, c known) likewise
        pr = guess + lift * p_set[unit]
        right_and = guess[:, None] * m_now + lift[:, None] * joint[unit]
    else:
        # the chance of a right answer depends on each particle's ability: no shortcut
        shift = belief.ability[:, None] * slope
        l_known = np.log((1.0 - slip) / slip) + shift
        l_guess = np.log(guess / (1.0 - guess)) + shift
        p_right = _expit(np.where(all_known[:, unit], l_known, l_guess))
        w_right = w[:, None] * p_right
        pr = w_right.sum(axis=0)
        right_and = w_right.T @ states
    m_right = right_and / np.maximum(pr, 1e-300)[:, None]
    m_wrong = (m_now - right_and) / np.maximum(1.0 - pr, 1e-300)[:, None]
    target = np.ones(len(belief.concepts)) if targets is None else belief.mask(list(targets))
    h_now = float(_entropy(m_now) @ target)
    h_after = pr * (_entropy(m_right) @ target) + (1.0 - pr) * (_entropy(m_wrong) @ target)
    out: FloatArray = h_now - h_after
    return out


def f1_optimal_set(
    positive: npt.ArrayLike, weights: npt.ArrayLike
) -> tuple[npt.NDArray[np.intp], float]:
    """The set of columns to report that maximises the expected F1 score over samples.

    Parameters
    ----------
    positive : array of bool, shape (n_samples, n_items)
        One row per sample of the truth (a particle): which items are positive
        (for the diagnostic: which concepts are *not* known).
    weights : array of float, shape (n_samples,)
        Sample weights (normalised here).

    Returns
    -------
    (columns, expected_f1) : (ndarray of int, float)
        The chosen columns, ascending, and their expected F1. F1 of an empty report
        against an empty truth counts as 1.

    Raises
    ------
    ValueError
        Shapes that do not match, or weights that do not sum to a positive number.

    Examples
    --------
    Three concepts; with weight 0.45 the learner lacks b and c, with 0.35 only a,
    with 0.2 none. Every concept is more likely known than not, yet reporting all
    three scores best on average:

    >>> truth = [[False, True, True], [True, False, False], [False, False, False]]
    >>> cols, ef1 = f1_optimal_set(truth, [0.45, 0.35, 0.2])
    >>> cols.tolist(), round(ef1, 3)
    ([0, 1, 2], 0.535)

    Notes
    -----
    The candidates are the top-``k`` columns by marginal probability, for every
    ``k``; the expected F1 of all of them is computed exactly over the samples in
    O(S C log C) for S samples and C columns (a cumulative sum per sample). Among
    sets of one size the top-``k`` one is the best whenever the items are
    independent given the truth's size, and close to it otherwise; this is the
    plug-in rule of Jansche and of Nan Ye et al. [1]_, applied to the joint sample
    rather than to independent marginals. Ties go to the smaller set.

    References
    ----------
    .. [1] N. Ye, K. M. A. Chai, W. S. Lee and H. L. Chieu, "Optimizing F-measures:
       a tale of two approaches", *ICML* 2012.
    """
    pos = np.asarray(positive, dtype=bool)
    w = np.asarray(weights, dtype=np.float64)
    if pos.ndim != 2 or w.shape != (pos.shape[0],):
        raise ValueError("positive must be (n_samples, n_items) and weights (n_samples,)")
    total = w.sum()
    if not total > 0:
        raise ValueError("weights must sum to a positive number")
    w = w / total
    p = w @ pos
    order = np.argsort(-p, kind="stable")
    hits = np.zeros((pos.shape[0], pos.shape[1] + 1))
    np.cumsum(pos[:, order], axis=1, out=hits[:, 1:])
    size = pos.sum(axis=1)[:, None]
    k = np.arange(pos.shape[1] + 1)[None, :]
    denom = k + size
    f1 = np.where(denom > 0, 2.0 * hits / np.maximum(denom, 1), 1.0)
    curve = w @ f1
    best = int(np.argmax(curve))
    return np.sort(order[:best]), float(curve[best])


def next_item(
    belief: KnowledgeStateBelief,
    items: Sequence[DiagnosticItem],
    *,
    asked: Iterable[str] = (),
    targets: Iterable[str] | None = None,
    rerank: int = 24,
) -> DiagnosticItem | None:
    """The item not yet asked with the largest expected information gain.

    Parameters
    ----------
    belief : KnowledgeStateBelief
    items : sequence of DiagnosticItem
    asked : iterable of str
        Item ids already asked (never asked twice).
    targets : iterable of str, optional
        Concepts still uncertain; all concepts by default.
    rerank : int, default 24
        When answers depend on general ability, all items are screened with the
        cheap score (``use_ability=False``) and this many of the best are scored
        exactly; 0 keeps the cheap score.

    Returns
    -------
    DiagnosticItem or None
        None when no item is left or none can tell us anything.

    Notes
    -----
    Greedy one-step look-ahead, the usual choice in adaptive testing [1]_: near
    optimal for a submodular objective and cheap enough to run on every request.
    Ties go to the earlier item, so the choice is deterministic.

    References
    ----------
    .. [1] W. J. van der Linden and C. A. W. Glas (eds.), *Elements of Adaptive
       Testing*, Springer, 2010.
    """
    done = set(asked)
    candidates = [it for it in items if it.id not in done]
    if not candidates:
        return None
    target_list = None if targets is None else list(targets)
    if target_list is not None and not target_list:
        return None
    gain = expected_information_gain(belief, candidates, targets=target_list, use_ability=False)
    if rerank and any(it.ability_slope for it in candidates):
        # screen with the cheap score, then score the best few exactly
        order = np.argsort(-gain, kind="stable")[:rerank]
        short = [candidates[k] for k in sorted(order)]
        exact = expected_information_gain(belief, short, targets=target_list)
        candidates, gain = short, exact
    best = int(np.argmax(gain))
    if gain[best] <= 1e-9:
        return None
    return candidates[best]


class Diagnostic:
    """An adaptive diagnostic, driven one answer at a time.

    Parameters
    ----------
    graph : SkillGraph
    items : sequence of DiagnosticItem
        The item bank; items tagged with concepts the graph lacks are refused.
    max_items : int, default 15
        Stop after this many answers.
    confidence : float, default 0.95
        A concept is resolved once P(known) >= confidence or <= 1 - confidence; the
        diagnostic stops when every concept is resolved. (0.9 until 2026-11-24: it
        stopped about two items early on strong learners, where one concept
        wrongly resolved costs much of their F1; on a training crowd 0.95 asked 14.6
        items of 15 instead of 13.0, and per-learner F1 rose 0.62 -> 0.67.)
    mastered_threshold, weak_threshold : float
        Passed to :func:`knowledge_graph.diagnosis.classify_mastery` for the result.
    misconceptions : sequence of str, optional
        The course's misconception ids; distractor tags outside it are ignored.
    seed : int, optional
        Seeds the belief's sampling (stored, so a rebuilt diagnostic is identical).
    belief_options : mapping, optional
        Keyword arguments of :class:`KnowledgeStateBelief` (``p_known``,
        ``prerequisite_penalty``, ``ability_effect``,
        ``n_particles``).

    Raises
    ------
    DiagnosticError
        Duplicate item ids or ``max_items < 1``.
    UnknownConceptError
        An item names a concept the graph lacks.

    Examples
    --------
    >>> g = SkillGraph(["v", "ohm", "thevenin"], [("v", "ohm"), ("ohm", "thevenin")])
    >>> bank = [DiagnosticItem(f"{c}-{k}", (c,)) for c in g.order for k in range(3)]
    >>> d = Diagnostic(g, bank, max_items=4, seed=0, belief_options={"n_particles": 500})
    >>> while (item := d.next_item()) is not None:
    ...     d.record(item.id, correct=item.concepts[0] != "thevenin")
    >>> d.finished
    True
    >>> res = d.result()
    >>> "thevenin" in res.weak, len(res.asked) <= 4
    (True, True)
    """

    def __init__(
        self,
        graph: SkillGraph,
        items: Sequence[DiagnosticItem],
        *,
        max_items: int = 15,
        confidence: float = 0.95,
        mastered_threshold: float = MASTERED_THRESHOLD,
        weak_threshold: float = WEAK_THRESHOLD,
        misconceptions: Sequence[str] | None = None,
        seed: int | None = None,
        belief_options: Mapping[str, Any] | None = None,
    ) -> None:
        if max_items < 1:
            raise DiagnosticError("max_items must be at least 1")
        if not 0.5 < confidence < 1.0:
            raise DiagnosticError("confidence must be in (0.5, 1)")
        if not 0.0 < weak_threshold <= mastered_threshold < 1.0:
            raise DiagnosticError("need 0 < weak_threshold <= mastered_threshold < 1")
        self.graph = graph
        self.items: dict[str, DiagnosticItem] = {}
        for it in items:
            if it.id in self.items:
                raise DiagnosticError(f"duplicate item id {it.id!r}")
            if not it.concepts:
                raise DiagnosticError(f"item {it.id!r} has no concepts")
            for c in it.concepts:
                graph._check(c)
            self.items[it.id] = it
        self.max_items = max_items
        self.confidence = confidence
        self.mastered_threshold = mastered_threshold
        self.weak_threshold = weak_threshold
        self.misconception_ids = None if misconceptions is None else list(misconceptions)
        self.belief = KnowledgeStateBelief(graph, seed=seed, **dict(belief_options or {}))
        self.responses: list[dict[str, Any]] = []
        self._pending: str | None = None

    # -- reading --------------------------------------------------------------------
    @property
    def asked(self) -> list[str]:
        """Item ids answered so far, in order."""
        return [r["item"] for r in self.responses]

    def uncertain(self) -> list[str]:
        """Concepts not yet resolved at the diagnostic's confidence, in syllabus order."""
        lo, hi = 1.0 - self.confidence, self.confidence
        return [c for c, p in self.belief.marginals().items() if lo < p < hi]

    @property
    def finished(self) -> bool:
        """True once max_items are answered, every concept is resolved, or no item helps."""
        if len(self.responses) >= self.max_items:
            return True
        return self._choose() is None

    def _choose(self) -> DiagnosticItem | None:
        if self._pending is not None:
            return self.items[self._pending]
        targets = self.uncertain()
        if not targets:
            return None
        return next_item(self.belief, list(self.items.values()), asked=self.asked, targets=targets)

    def next_item(self) -> DiagnosticItem | None:
        """The item to ask now, or None when the diagnostic is over.

        Asking twice without an answer in between returns the same item.
        """
        if len(self.responses) >= self.max_items:
            return None
        item = self._choose()
        self._pending = None if item is None else item.id
        return item

    # -- writing --------------------------------------------------------------------
    def record(
        self,
        item_id: str,
        *,
        correct: bool,
        misconception: str | None = None,
        diagnosis: str | None = None,
    ) -> None:
        """Feed in the learner's answer to ``item_id``.

        The web app may record an answer to any item of the bank not asked yet (not
        only the one :meth:`next_item` proposed), e.g. after a page reload.

        Raises
        ------
        DiagnosticError
            Unknown or already answered item, or the diagnostic already has
            ``max_items`` answers.
        """
        if item_id not in self.items:
            raise DiagnosticError(f"unknown item {item_id!r}")
        if item_id in self.asked:
            raise DiagnosticError(f"item {item_id!r} was already answered")
        if len(self.responses) >= self.max_items:
            raise DiagnosticError("the diagnostic already has all its answers")
        it = self.items[item_id]
        self.belief.observe(
            list(it.concepts),
            bool(correct),
            guess=it.guess,
            slip=it.slip,
            ability_slope=it.ability_slope,
        )
        self.responses.append(
            {
                "item": item_id,
                "correct": bool(correct),
                "misconception": misconception,
                "diagnosis": diagnosis,
            }
        )
        self._pending = None

    def result(self) -> DiagnosticResult:
        """The conclusions so far (callable at any time, final once :attr:`finished`)."""
        mastery = self.belief.marginals()
        cls = classify_mastery(
            mastery,
            mastered_threshold=self.mastered_threshold,
            weak_threshold=self.weak_threshold,
        )
        evidence = suspect_misconceptions(
            distractors=[r["misconception"] for r in self.responses if not r["correct"]],
            diagnoses=[r["diagnosis"] for r in self.responses if not r["correct"]],
            known=self.misconception_ids,
        )
        cols, ef1 = f1_optimal_set(~self.belief.states, self.belief.weights)
        return DiagnosticResult(
            mastered=cls.mastered,
            weak=cls.weak,
            misconceptions=[e.misconception for e in evidence],
            asked=self.asked,
            uncertain=cls.uncertain,
            mastery=mastery,
            evidence=evidence,
            weak_f1=[self.belief.concepts[j] for j in cols],
            expected_f1=ef1,
        )

    # -- storage --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready state: settings, seed and answers (not the item bank)."""
        b = self.belief
        return {
            "format": _FORMAT,
            "max_items": self.max_items,
            "confidence": self.confidence,
            "mastered_threshold": self.mastered_threshold,
            "weak_threshold": self.weak_threshold,
            "misconceptions": self.misconception_ids,
            "seed": b.seed,
            "belief_options": {
                k: v for k, v in b.to_dict().items() if k not in ("format", "seed", "observations")
            },
            "responses": [dict(r) for r in self.responses],
            "pending": self._pending,
        }

    @classmethod
    def from_dict(
        cls, graph: SkillGraph, items: Sequence[DiagnosticItem], data: Mapping[str, Any]
    ) -> Diagnostic:
        """Rebuild from :meth:`to_dict`, with the same item bank, by replaying the answers.

        Raises
        ------
        DiagnosticError
            Unknown format, or an answered item no longer in the bank.
        """
        if data.get("format") != _FORMAT:
            raise DiagnosticError(f"unknown diagnostic format {data.get('format')!r}")
        d = cls(
            graph,
            items,
            max_items=int(data["max_items"]),
            confidence=float(data["confidence"]),
            mastered_threshold=float(data["mastered_threshold"]),
            weak_threshold=float(data["weak_threshold"]),
            misconceptions=data.get("misconceptions"),
            seed=int(data["seed"]),
            belief_options=data.get("belief_options"),
        )
        for r in data.get("responses", []):
            d.record(
                r["item"],
                correct=bool(r["correct"]),
                misconception=r.get("misconception"),
                diagnosis=r.get("diagnosis"),
            )
        pending = data.get("pending")
        if pending is not None and pending in d.items and pending not in d.asked:
            d._pending = pending
        return d


def run_diagnostic(
    graph: SkillGraph,
    items: Sequence[DiagnosticItem],
    respond: Callable[[DiagnosticItem], Answer | bool],
    **options: Any,
) -> DiagnosticResult:
    """Run a whole diagnostic against ``respond`` (a simulated or scripted learner).

    Parameters
    ----------
    graph : SkillGraph
    items : sequence of DiagnosticItem
    respond : callable
        Given the item asked, returns an :class:`Answer` or just whether it was correct.
    **options
        Keyword arguments of :class:`Diagnostic` (``max_items``, ``seed``, ...).

    Returns
    -------
    DiagnosticResult
    """
    d = Diagnostic(graph, items, **options)
    while (item := d.next_item()) is not None:
        ans = respond(item)
        if not isinstance(ans, Answer):
            ans = Answer(correct=bool(ans))
        d.record(
            item.id, correct=ans.correct, misconception=ans.misconception, diagnosis=ans.diagnosis
        )
    return d.result()
