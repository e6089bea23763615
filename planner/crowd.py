"""Simulated learners (an artificial crowd) with a known true state.

A :class:`SimulatedLearner` holds one true ability per concept of a
:class:`~knowledge_graph.graph.SkillGraph`, answers items through the 2PL model,
learns from practice and may hold misconceptions that make it pick the distractor
tagged with them. Because its state is known, it serves three uses:

* measuring the diagnostician: run a diagnostic against :meth:`SimulatedLearner.responder`
  and compare the concepts it calls weak with :meth:`SimulatedLearner.weak_concepts`
  (:func:`f1_score`);
* cold-start calibration of a new course (:func:`cold_start_calibrate`): a virtual
  crowd answers every item with the teacher's difficulty as the centre, and a 2PL
  fit turns that into item parameters, the artificial-crowd idea of [1]_;
* demo data (:func:`simulate_cohort`): a cohort working through a course, as plain
  records a Django command can store.

The generative model
--------------------
A learner draws a general ability ``g ~ N(0, general_sd)``. Walking the graph in
topological order, each concept is *learnt* with probability

    ``expit(logit(p_learnt) + general_effect * g - prerequisite_penalty * f)``

where ``f`` is the fraction of its direct prerequisites not learnt, so a learner
weak in a prerequisite tends to be weak in what depends on it. The true ability on
the concept is then ``learnt_ability`` or ``unlearnt_ability``, plus
``general_weight * g``, plus ``N(0, concept_sd)`` noise. Learnt/not learnt is only
the way the abilities are drawn: the truth is the ability.

"Weak" (the ground truth the diagnostician is scored against): a concept is weak
when the learner's true ability on it is below ``WEAK_ABILITY = 0``, that is, when
they answer an item of average difficulty (``b = 0``) on that concept correctly
with probability below 1/2, whatever its discrimination.

An item on several concepts is answered with the *minimum* of their abilities by
default (every concept is needed, as in the conjunctive model the diagnostician
assumes); ``combine="mean"`` is the compensatory alternative.

References
----------
.. [1] J. P. Lalor, H. Wu and H. Yu, "Learning latent parameters without human
   response patterns: item response theory with artificial crowds", *EMNLP* 2019;
   and the PUDF curriculum framework that builds on it (IRT-AC).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
from scipy.special import expit

from knowledge_graph.errors import UnknownConceptError
from knowledge_graph.graph import SkillGraph

if TYPE_CHECKING:
    from planner.diagnostic import Answer
    from planner.irt.calibrate import ItemParams

__all__ = [
    "WEAK_ABILITY",
    "CrowdError",
    "CrowdItem",
    "CrowdParams",
    "Response",
    "SimulatedLearner",
    "cold_start_calibrate",
    "f1_score",
    "sample_crowd",
    "simulate_cohort",
]

FloatArray = npt.NDArray[np.float64]
Seed = int | np.random.Generator | None

WEAK_ABILITY = 0.0
"""Ability below which a concept counts as weak: P(right) < 1/2 on an item with b = 0."""


class CrowdError(ValueError):
    """Bad input to the crowd: an item without concepts, a bad parameter, an unknown id."""


@dataclass(frozen=True, slots=True)
class CrowdItem:
    """An item as a simulated learner sees it.

    Attributes
    ----------
    id : str
    concepts : tuple of str
        The concepts it tests (at least one).
    a : float, default 1
        Discrimination (> 0).
    b : float, default 0
        Difficulty: the calibrated value, or the teacher's guess before calibration.
    distractors : tuple of (str or None)
        One entry per wrong choice of a multiple-choice item: the misconception it
        is tagged with, or None. Empty for an open (numeric, circuit) answer.
    """

    id: str
    concepts: tuple[str, ...]
    a: float = 1.0
    b: float = 0.0
    distractors: tuple[str | None, ...] = ()

    def __post_init__(self) -> None:
        if not self.concepts:
            raise CrowdError(f"item {self.id!r} has no concepts")
        if not (math.isfinite(self.a) and self.a > 0):
            raise CrowdError(f"item {self.id!r}: a must be positive, got {self.a!r}")
        if not math.isfinite(self.b):
            raise CrowdError(f"item {self.id!r}: b must be finite, got {self.b!r}")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> CrowdItem:
        """Build from an item of a course file (``courses/*/items/*.yaml``).

        Reads ``id``, ``concepts``, ``difficulty`` (or ``b``), ``discrimination``
        (or ``a``, default 1) and the ``misconception`` tags of the wrong ``choices``.

        Examples
        --------
        >>> item = CrowdItem.from_mapping({
        ...     "id": "ohm-1", "concepts": ["ohms-law"], "difficulty": -0.5,
        ...     "choices": [{"text": "2 A", "correct": True},
        ...                 {"text": "0.5 A", "misconception": "inverted-ohms-law"},
        ...                 {"text": "8 A"}]})
        >>> item.b, item.distractors
        (-0.5, ('inverted-ohms-law', None))
        """
        choices = data.get("choices") or ()
        distractors = tuple(
            (None if c.get("misconception") is None else str(c["misconception"]))
            for c in choices
            if not c.get("correct", False)
        )
        return cls(
            id=str(data["id"]),
            concepts=tuple(dict.fromkeys(str(c) for c in data.get("concepts") or ())),
            a=float(data.get("discrimination", data.get("a", 1.0))),
            b=float(data.get("difficulty", data.get("b", 0.0))),
            distractors=distractors,
        )


@dataclass(frozen=True, slots=True)
class CrowdParams:
    """How a crowd is drawn and behaves; see the module docstring for the model.

    Attributes
    ----------
    general_sd : float, default 1
        Spread of the general ability ``g``.
    p_learnt : float, default 0.85
        P(a concept is learnt) for ``g = 0`` when all its prerequisites are.
    general_effect : float, default 1.2
        Logit shift of that probability per unit of ``g``.
    prerequisite_penalty : float, default 4
        Logit drop when no direct prerequisite is learnt (pro rata otherwise).
    learnt_ability, unlearnt_ability : float, default 1 and -1.5
        Centre of the true ability on a learnt / not learnt concept.
    general_weight : float, default 0.4
        How much ``g`` lifts every concept's ability.
    concept_sd : float, default 0.4
        Concept-specific noise.
    misconception_rate : float, default 0.1
        Probability of holding each misconception, independently.
    misconception_strength : float, default 0.8
        Probability that a learner holding a misconception picks the distractor
        tagged with it when an item offers one.
    misconception_fix_rate : float, default 0.2
        Probability of dropping a misconception after choosing its distractor
        (feedback), when learning is on.
    learning_rate : float, default 0.15
        Each practice of a concept moves its ability this fraction of the way to
        ``ceiling`` (halved when all its prerequisites are weak).
    ceiling : float, default 2
    combine : {"min", "mean"}, default "min"
        How the abilities of a multi-concept item's concepts combine.
    """

    general_sd: float = 1.0
    p_learnt: float = 0.85
    general_effect: float = 1.2
    prerequisite_penalty: float = 4.0
    learnt_ability: float = 1.0
    unlearnt_ability: float = -1.5
    general_weight: float = 0.4
    concept_sd: float = 0.4
    misconception_rate: float = 0.1
    misconception_strength: float = 0.8
    misconception_fix_rate: float = 0.2
    learning_rate: float = 0.15
    ceiling: float = 2.0
    combine: Literal["min", "mean"] = "min"

    def __post_init__(self) -> None:
        probs = ("p_learnt", "misconception_rate", "misconception_strength",
                 "misconception_fix_rate", "learning_rate")
        for name in probs:
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise CrowdError(f"{name} must be in [0, 1], got {v!r}")
        if not 0.0 < self.p_learnt < 1.0:
            raise CrowdError("p_learnt must be strictly between 0 and 1")
        for name in ("general_sd", "concept_sd", "prerequisite_penalty"):
            if getattr(self, name) < 0:
                raise CrowdError(f"{name} must be non-negative")
        if self.combine not in ("min", "mean"):
            raise CrowdError(f"combine must be 'min' or 'mean', got {self.combine!r}")


@dataclass(frozen=True, slots=True)
class Response:
    """One simulated answer, as a record a service can store.

    Attributes
    ----------
    learner, item : str
        Ids.
    correct : bool
    misconception : str or None
        Tag of the distractor chosen, when it had one.
    step : int
        Position of this answer in the learner's own sequence (0, 1, ...).
    """

    learner: str
    item: str
    correct: bool
    misconception: str | None = None
    step: int = 0


class SimulatedLearner:
    """A learner whose true per-concept ability is known.

    Parameters
    ----------
    graph : SkillGraph
    ability : mapping of str to float
        The true ability on every concept of the graph.
    id : str, default "learner"
    misconceptions : iterable of str
        Misconceptions held.
    params : CrowdParams
        Behaviour (combination rule, learning, misconception strength).

    Raises
    ------
    UnknownConceptError
        ``ability`` names a concept the graph lacks.
    CrowdError
        ``ability`` misses a concept of the graph or is not finite.

    Examples
    --------
    >>> g = SkillGraph(["v", "ohm"], [("v", "ohm")])
    >>> bob = SimulatedLearner(g, {"v": 1.0, "ohm": -1.0}, id="bob")
    >>> bob.weak_concepts()
    ['ohm']
    >>> item = CrowdItem("q", ("v", "ohm"), a=1.0, b=0.0)
    >>> round(bob.p_correct(item), 3)          # the weaker concept decides
    0.269
    >>> r = bob.answer(item, seed=0, learn=True)
    >>> bob.ability["ohm"] > -1.0              # practice helped
    True
    """

    def __init__(
        self,
        graph: SkillGraph,
        ability: Mapping[str, float],
        *,
        id: str = "learner",
        misconceptions: Iterable[str] = (),
        params: CrowdParams | None = None,
    ) -> None:
        for c in ability:
            if c not in graph:
                raise UnknownConceptError(c, "in a simulated learner's ability")
        missing = [c for c in graph.order if c not in ability]
        if missing:
            raise CrowdError(f"no ability given for {', '.join(missing)}")
        self.graph = graph
        self._theta: dict[str, float] = {c: float(ability[c]) for c in graph.order}
        if not all(math.isfinite(v) for v in self._theta.values()):
            raise CrowdError("abilities must be finite")
        self.id = id
        self.misconceptions: set[str] = set(misconceptions)
        self.params = params if params is not None else CrowdParams()
        self.steps = 0

    def __repr__(self) -> str:
        return f"SimulatedLearner(id={self.id!r}, weak={self.weak_concepts()!r})"

    # -- the truth ----------------------------------------------------------------
    @property
    def ability(self) -> dict[str, float]:
        """The true ability on every concept (a copy), in syllabus order."""
        return dict(self._theta)

    def weak_concepts(self, threshold: float = WEAK_ABILITY) -> list[str]:
        """Concepts whose true ability is below ``threshold``, in syllabus order.

        With the default threshold 0: the concepts on which the learner answers an
        item of difficulty 0 correctly with probability below 1/2. This is the
        ground truth a diagnostic is scored against.
        """
        return [c for c in self.graph.order if self._theta[c] < threshold]

    def mastery(self, b: float = 0.0, a: float = 1.0) -> dict[str, float]:
        """True P(correct) on a one-concept item ``(a, b)`` of each concept."""
        return {c: float(expit(a * (t - b))) for c, t in self._theta.items()}

    def copy(self) -> SimulatedLearner:
        """An independent learner in the same state (to replay without learning)."""
        twin = SimulatedLearner(
            self.graph, self._theta, id=self.id, misconceptions=self.misconceptions,
            params=self.params,
        )
        twin.steps = self.steps
        return twin

    # -- answering ------------------------------------------------------------------
    def item_ability(self, item: CrowdItem) -> float:
        """The ability that answers ``item``: min (or mean) over its concepts."""
        try:
            values = [self._theta[c] for c in item.concepts]
        except KeyError as exc:
            raise UnknownConceptError(str(exc.args[0]), f"in item {item.id!r}") from None
        return min(values) if self.params.combine == "min" else sum(values) / len(values)

    def p_correct(self, item: CrowdItem) -> float:
        """True probability of a correct answer, misconceptions aside (2PL)."""
        return float(expit(item.a * (self.item_ability(item) - item.b)))

    def answer(self, item: CrowdItem, *, seed: Seed = None, learn: bool = True) -> Response:
        """Answer ``item`` once.

        Parameters
        ----------
        item : CrowdItem
        seed : int or numpy.random.Generator, optional
            Source of randomness; pass one Generator along a whole run.
        learn : bool, default True
            Whether the attempt is practice (abilities rise, misconceptions may be
            dropped). A diagnostic measures without teaching: pass False.

        Returns
        -------
        Response
            ``step`` is the learner's count of answers before this one.

        Notes
        -----
        If the item has a distractor tagged with a misconception the learner holds,
        the learner picks it with probability ``misconception_strength``. Otherwise
        the 2PL probability decides; a wrong multiple-choice answer picks one of the
        distractors at random (so a tag is also seen from learners who do not hold
        it, as in real data).
        """
        rng = np.random.default_rng(seed)
        p = self.params
        held = [m for m in item.distractors if m is not None and m in self.misconceptions]
        chosen: str | None = None
        if held and rng.random() < p.misconception_strength:
            correct = False
            chosen = held[int(rng.integers(len(held)))]
        else:
            correct = bool(rng.random() < self.p_correct(item))
            if not correct and item.distractors:
                chosen = item.distractors[int(rng.integers(len(item.distractors)))]
        response = Response(self.id, item.id, correct, chosen, self.steps)
        self.steps += 1
        if learn:
            self.practice(item.concepts)
            if chosen in self.misconceptions and rng.random() < p.misconception_fix_rate:
                self.misconceptions.discard(chosen)
        return response

    def practice(self, concepts: Iterable[str], times: int = 1) -> None:
        """Learn from ``times`` attempts at items on ``concepts``.

        Each attempt moves the ability on each concept ``learning_rate`` of the way
        to ``ceiling``, scaled by ``1 - f / 2`` where ``f`` is the fraction of the
        concept's prerequisites that are weak: learning on shaky ground is slower.
        """
        p = self.params
        for _ in range(times):
            for c in dict.fromkeys(concepts):
                if c not in self._theta:
                    raise UnknownConceptError(c, "in practice")
                pre = self.graph.prerequisites(c)
                weak = sum(self._theta[q] < WEAK_ABILITY for q in pre) / len(pre) if pre else 0.0
                gain = p.learning_rate * (1.0 - weak / 2.0) * (p.ceiling - self._theta[c])
                if gain > 0:
                    self._theta[c] += gain

    def responder(
        self,
        items: Iterable[CrowdItem] | Mapping[str, CrowdItem],
        *,
        seed: Seed = None,
        learn: bool = False,
    ) -> Callable[[Any], Answer]:
        """A ``respond`` callable for :func:`planner.diagnostic.run_diagnostic`.

        Parameters
        ----------
        items : iterable or mapping of CrowdItem
            The bank with its true ``a``/``b`` and distractors, looked up by the
            ``id`` of whatever item object the diagnostic passes.
        seed : int or Generator, optional
        learn : bool, default False
            A diagnostic does not teach.

        Returns
        -------
        callable
            ``respond(item) -> planner.diagnostic.Answer``.

        Raises
        ------
        CrowdError
            (when called) an item id missing from ``items``.
        """
        from planner.diagnostic import Answer  # planner-internal; imported late, no cycle

        bank = dict(items) if isinstance(items, Mapping) else {it.id: it for it in items}
        rng = np.random.default_rng(seed)

        def respond(asked: Any) -> Answer:
            item_id = getattr(asked, "id", asked)
            if item_id not in bank:
                raise CrowdError(f"the simulated learner does not know item {item_id!r}")
            r = self.answer(bank[item_id], seed=rng, learn=learn)
            return Answer(correct=r.correct, misconception=r.misconception)

        return respond

    # -- drawing learners ---------------------------------------------------------
    @classmethod
    def sample(
        cls,
        graph: SkillGraph,
        *,
        seed: Seed = None,
        id: str = "learner",
        params: CrowdParams | None = None,
        misconceptions: Sequence[str] = (),
    ) -> SimulatedLearner:
        """Draw one learner from the generative model of the module docstring.

        Parameters
        ----------
        graph : SkillGraph
        seed : int or Generator, optional
        id : str
        params : CrowdParams, optional
        misconceptions : sequence of str
            The misconceptions that exist; each is held with
            ``params.misconception_rate``.

        Examples
        --------
        >>> g = SkillGraph(["a", "b", "c"], [("a", "b"), ("b", "c")])
        >>> x = SimulatedLearner.sample(g, seed=3)
        >>> sorted(x.ability) == ["a", "b", "c"]
        True
        """
        p = params if params is not None else CrowdParams()
        rng = np.random.default_rng(seed)
        g = float(rng.normal(0.0, p.general_sd)) if p.general_sd > 0 else 0.0
        base = math.log(p.p_learnt / (1.0 - p.p_learnt))
        learnt: dict[str, bool] = {}
        theta: dict[str, float] = {}
        for c in graph.topological_order:
            pre = graph.prerequisites(c)
            missing = sum(not learnt[q] for q in pre) / len(pre) if pre else 0.0
            logit = base + p.general_effect * g - p.prerequisite_penalty * missing
            learnt[c] = bool(rng.random() < expit(logit))
            centre = p.learnt_ability if learnt[c] else p.unlearnt_ability
            theta[c] = centre + p.general_weight * g + float(rng.normal(0.0, p.concept_sd))
        held = [m for m in misconceptions if rng.random() < p.misconception_rate]
        return cls(graph, theta, id=id, misconceptions=held, params=p)


# -- crowds -------------------------------------------------------------------------


def _check_items(graph: SkillGraph, items: Sequence[CrowdItem]) -> None:
    seen: set[str] = set()
    for it in items:
        if it.id in seen:
            raise CrowdError(f"duplicate item id {it.id!r}")
        seen.add(it.id)
        for c in it.concepts:
            if c not in graph:
                raise UnknownConceptError(c, f"in item {it.id!r}")


def sample_crowd(
    graph: SkillGraph,
    n_learners: int,
    *,
    seed: Seed = None,
    params: CrowdParams | None = None,
    misconceptions: Sequence[str] = (),
    prefix: str = "sim",
) -> list[SimulatedLearner]:
    """Draw ``n_learners`` independent learners (ids ``sim-0001``, ...).

    Examples
    --------
    >>> g = SkillGraph(["a", "b"], [("a", "b")])
    >>> [x.id for x in sample_crowd(g, 2, seed=0)]
    ['sim-0001', 'sim-0002']
    """
    if n_learners < 0:
        raise CrowdError("n_learners must be non-negative")
    rng = np.random.default_rng(seed)
    width = max(4, len(str(n_learners)))
    return [
        SimulatedLearner.sample(
            graph, seed=rng, id=f"{prefix}-{k:0{width}d}", params=params,
            misconceptions=misconceptions,
        )
        for k in range(1, n_learners + 1)
    ]


def simulate_cohort(
    graph: SkillGraph,
    items: Sequence[CrowdItem],
    n_learners: int,
    answers_per_learner: int,
    seed: Seed = None,
    *,
    params: CrowdParams | None = None,
    misconceptions: Sequence[str] | None = None,
    jitter: float = 1.5,
) -> list[Response]:
    """A cohort working through a course: the records ``simulate_cohort`` stores.

    Parameters
    ----------
    graph : SkillGraph
    items : sequence of CrowdItem
        The course's items (teacher ``b`` is fine).
    n_learners : int
    answers_per_learner : int
        Answers each learner gives at most (fewer if they run out of items).
    seed : int or Generator, optional
    params : CrowdParams, optional
    misconceptions : sequence of str, optional
        Misconceptions that exist; by default every tag found on the distractors.
    jitter : float, default 1.5
        How far (in concepts of the topological order) a learner strays from the
        course order.

    Returns
    -------
    list of Response
        Learner by learner, in answering order; ``step`` numbers each learner's
        answers from 0.

    Raises
    ------
    CrowdError, UnknownConceptError
        Bad counts, duplicate item ids, or items on concepts the graph lacks.

    Notes
    -----
    Each learner follows the course: items sorted by the latest of their concepts
    in the graph's topological order, perturbed by ``N(0, jitter)``, easier items
    first among equals. A wrong answer sends the item to the back of the queue (a
    retry later). Learning is on, so later answers are better: the data look like
    a real course, not like a calibration sample. O(n_learners x answers).

    Examples
    --------
    >>> g = SkillGraph(["v", "ohm"], [("v", "ohm")])
    >>> bank = [CrowdItem(f"{c}{k}", (c,)) for c in g.order for k in range(3)]
    >>> rows = simulate_cohort(g, bank, n_learners=3, answers_per_learner=4, seed=1)
    >>> len(rows), rows[0].learner, rows[0].step
    (12, 'sim-0001', 0)
    """
    if answers_per_learner < 0:
        raise CrowdError("answers_per_learner must be non-negative")
    _check_items(graph, items)
    if misconceptions is None:
        misconceptions = sorted({m for it in items for m in it.distractors if m is not None})
    rng = np.random.default_rng(seed)
    crowd = sample_crowd(graph, n_learners, seed=rng, params=params, misconceptions=misconceptions)
    rank = {c: k for k, c in enumerate(graph.topological_order)}
    position = np.array([max(rank[c] for c in it.concepts) for it in items], dtype=float)
    difficulty = np.array([it.b for it in items])
    out: list[Response] = []
    for learner in crowd:
        key = position + rng.normal(0.0, jitter, size=len(items)) if jitter > 0 else position
        queue = [items[k] for k in np.lexsort((difficulty, key))]
        given = 0
        while queue and given < answers_per_learner:
            item = queue.pop(0)
            r = learner.answer(item, seed=rng, learn=True)
            out.append(r)
            given += 1
            if not r.correct:
                queue.append(item)
    return out


def _p_correct_matrix(
    crowd: Sequence[SimulatedLearner], items: Sequence[CrowdItem], combine: str
) -> FloatArray:
    """P(correct) of every learner on every item, vectorised over learners."""
    if not crowd:
        return np.zeros((0, len(items)))
    concepts = crowd[0].graph.order
    col = {c: k for k, c in enumerate(concepts)}
    theta = np.array([[x._theta[c] for c in concepts] for x in crowd])
    out = np.empty((len(crowd), len(items)))
    for j, it in enumerate(items):
        sub = theta[:, [col[c] for c in it.concepts]]
        ability = sub.min(axis=1) if combine == "min" else sub.mean(axis=1)
        out[:, j] = expit(it.a * (ability - it.b))
    return out


def cold_start_calibrate(
    items: Sequence[CrowdItem],
    graph: SkillGraph,
    n_virtual: int = 500,
    seed: Seed = None,
    *,
    params: CrowdParams | None = None,
    b_prior_sd: float = 1.0,
) -> dict[str, ItemParams]:
    """Item parameters for a course nobody has taken yet (IRT with an artificial crowd).

    A virtual crowd drawn from the skill graph answers every item once, each item
    behaving as 2PL with the teacher's difficulty ``item.b`` (and ``item.a``); a
    2PL fit of those answers, with the prior on each ``b`` centred on the teacher's
    value, gives the calibrated parameters.

    Parameters
    ----------
    items : sequence of CrowdItem
        ``b`` is the teacher's difficulty.
    graph : SkillGraph
    n_virtual : int, default 500
        Size of the virtual crowd.
    seed : int or Generator, optional
    params : CrowdParams, optional
        The crowd's model.
    b_prior_sd : float, default 1
        Prior standard deviation of each ``b`` around the teacher's value.

    Returns
    -------
    dict of str to ItemParams
        On the N(0, 1) scale of the virtual crowd's (item-combined) ability.

    Raises
    ------
    CrowdError, UnknownConceptError
        No items, ``n_virtual < 2``, duplicate ids or unknown concepts.

    Examples
    --------
    >>> g = SkillGraph(["v", "ohm"], [("v", "ohm")])
    >>> bank = [CrowdItem("easy", ("v",), b=-1.0), CrowdItem("hard", ("ohm",), b=1.5)]
    >>> fit = cold_start_calibrate(bank, g, n_virtual=300, seed=0)
    >>> bool(fit["easy"].b < fit["hard"].b)
    True

    Notes
    -----
    What the crowd adds to the teacher's numbers is the structure of the course:
    an item on a concept that needs many prerequisites is failed by more of the
    crowd, an item on two concepts is harder than either, and the spread of the
    answers sets ``a``. The result is a starting point: when real answers come,
    recalibrate them with :func:`planner.irt.calibrate` and priors centred on
    these values. O(n_virtual x items) plus one EM fit.
    """
    from planner.irt.calibrate import Priors, ResponseData, calibrate

    if not items:
        raise CrowdError("no items to calibrate")
    if n_virtual < 2:
        raise CrowdError("n_virtual must be at least 2")
    _check_items(graph, items)
    p = params if params is not None else CrowdParams()
    rng = np.random.default_rng(seed)
    crowd = sample_crowd(graph, n_virtual, seed=rng, params=p)
    prob = _p_correct_matrix(crowd, items, p.combine)
    answers = (rng.random(prob.shape) < prob).astype(np.float64)
    data = ResponseData.from_matrix(
        answers, learner_ids=[x.id for x in crowd], item_ids=[it.id for it in items]
    )
    fit = calibrate(
        data,
        model="2pl",
        priors=Priors(
            log_a_mean=[math.log(it.a) for it in items],
            b_mean=[it.b for it in items],
            b_sd=b_prior_sd,
        ),
    )
    return fit.items()


def f1_score(predicted: Iterable[str], actual: Iterable[str]) -> float:
    """F1 of a predicted set of (weak) concepts against the true set.

    Both empty counts as perfect agreement (1.0).

    Examples
    --------
    >>> f1_score(["a", "b"], ["b", "c"])
    0.5
    >>> f1_score([], [])
    1.0
    """
    pred, true = set(predicted), set(actual)
    if not pred and not true:
        return 1.0
    hit = len(pred & true)
    return 2.0 * hit / (len(pred) + len(true))

