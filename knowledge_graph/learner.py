"""The learner model: a mastery probability per concept, updated from every attempt.

Each concept is traced with BKT (:mod:`knowledge_graph.bkt`). Three things go beyond
one-concept BKT:

* **Credit assignment.** An item tagged with several concepts updates *each* of them,
  under a conjunctive (noisy-AND) model: the item is answered as a master would only
  if every tagged concept is known. A correct answer raises all of them; an incorrect
  one lowers most the concept least likely to be known (it most likely caused the
  error) and hardly touches one already near certain.
* **Evidence along the graph.** A direct change of belief in a concept spreads,
  damped, along prerequisite edges: evidence *against* a concept lowers belief in
  what depends on it (its descendants), evidence *for* it raises belief in its
  prerequisites (its ancestors). Never the other way round.
* **Assisted answers** (given after hints) count for less: their likelihood is
  tempered by a weight below one.

Guess and slip can come from the item's IRT parameters, passed as plain numbers
(:func:`guess_slip_from_2pl`); this package never imports :mod:`planner`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx

from knowledge_graph.bkt import BKTParams, transition
from knowledge_graph.errors import InvalidParameterError, KnowledgeGraphError
from knowledge_graph.graph import SkillGraph

__all__ = [
    "LearnerModel",
    "guess_slip_from_2pl",
    "conjunctive_posteriors",
    "MASTERY_THRESHOLD",
    "ASSISTED_WEIGHT",
    "PROPAGATION_STRENGTH",
    "PROPAGATION_RULES",
]

#: P(known) at or above which a concept counts as mastered, as elsewhere in the house.
MASTERY_THRESHOLD = 0.95
#: Default evidence weight of an answer given after hints (half an observation).
ASSISTED_WEIGHT = 0.5
#: Default strength of one prerequisite edge: the probability that knowing a concept
#: needs its prerequisite ("implication" rule), or the fraction of a log-odds change
#: passed on ("log-odds" rule); ``strength ** k`` across k edges.
PROPAGATION_STRENGTH = 0.3
#: The propagation rules :class:`LearnerModel` knows; the first is the default.
PROPAGATION_RULES = ("implication", "log-odds")
#: Masteries are kept in [EPS, 1 - EPS] so that log-odds stay finite.
EPS = 1e-6
_FORMAT = 1


def _logit(p: float) -> float:
    p = min(max(p, EPS), 1.0 - EPS)
    return math.log(p / (1.0 - p))


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _clamp(p: float) -> float:
    return min(max(p, EPS), 1.0 - EPS)


def guess_slip_from_2pl(
    a: float,
    b: float,
    theta: float = 0.0,
    *,
    known_shift: float = 1.0,
    unknown_shift: float = -1.5,
    n_choices: int | None = None,
    max_guess: float = 0.5,
    max_slip: float = 0.45,
    min_prob: float = 0.01,
) -> tuple[float, float]:
    """Guess and slip of an item from its 2PL parameters.

    Under the 2PL model a learner of ability ``theta`` answers correctly with
    probability ``1 / (1 + exp(-a (theta - b)))``. We read mastery of the item's
    concepts as a shift in ability: a learner who has mastered them answers like
    ``theta + known_shift``, one who has not like ``theta + unknown_shift``.

    Parameters
    ----------
    a : float
        Discrimination (> 0).
    b : float
        Difficulty, on the ability scale (the teacher's guess before calibration).
    theta : float, default 0
        The learner's general ability; 0 is the average learner.
    known_shift, unknown_shift : float, default 1 and -1.5
        Ability of a learner who has / has not mastered the concepts, relative to
        ``theta``. The defaults are the house's population model (the simulated
        learners of :mod:`planner.crowd` are drawn with the same centres).
    n_choices : int, optional
        For multiple choice: guessing blindly succeeds with 1 / n_choices at least.
    max_guess, max_slip : float
        Caps that keep ``guess + slip < 1`` (the item must tell masters apart).
    min_prob : float
        Floor for both, so no single answer is ever treated as certain proof.

    Returns
    -------
    (guess, slip) : tuple of float

    Raises
    ------
    InvalidParameterError
        ``a <= 0``, a non-finite ``a``, ``b`` or ``theta``, ``known_shift <= unknown_shift``
        or ``max_guess + max_slip >= 1``.

    Examples
    --------
    >>> g, s = guess_slip_from_2pl(1.0, 0.0)
    >>> round(g, 3), round(s, 3)
    (0.182, 0.269)
    >>> g, s = guess_slip_from_2pl(1.7, 2.0, n_choices=4)   # a hard item
    >>> round(g, 3), round(s, 3)
    (0.25, 0.45)

    Notes
    -----
    A hard item (large ``b``) gets a small guess and a large slip; an easy one the
    reverse. The 2PL curve is written here rather than imported from
    :mod:`planner.irt` because imports point down: this package knows nothing of the
    planner.
    """
    if not (math.isfinite(a) and math.isfinite(b) and math.isfinite(theta)):
        raise InvalidParameterError(f"need finite a, b and theta, got {a}, {b}, {theta}")
    if a <= 0 or known_shift <= unknown_shift:
        raise InvalidParameterError(
            f"need a > 0 and known_shift > unknown_shift, got a={a}, "
            f"shifts {known_shift} and {unknown_shift}"
        )
    if max_guess + max_slip >= 1.0:
        raise InvalidParameterError("max_guess + max_slip must be < 1")
    guess = _sigmoid(a * (theta + unknown_shift - b))
    slip = 1.0 - _sigmoid(a * (theta + known_shift - b))
    if n_choices is not None and n_choices >= 2:
        guess = max(guess, 1.0 / n_choices)
    guess = min(max(guess, min_prob), max_guess)
    slip = min(max(slip, min_prob), max_slip)
    return guess, slip


def conjunctive_posteriors(
    priors: Sequence[float], correct: bool, *, guess: float, slip: float, weight: float = 1.0
) -> list[float]:
    """Exact marginal posteriors of several concepts after one answer on an item tagging all.

    The item is answered correctly with probability ``1 - slip`` if every tagged
    concept is known and ``guess`` otherwise (noisy-AND); the concepts are independent
    a priori.

    Parameters
    ----------
    priors : sequence of float
        P(known) of each tagged concept.
    correct : bool
    guess, slip : float
        With ``guess + slip < 1``.
    weight : float in [0, 1], default 1
        Tempering of the likelihood (see :func:`knowledge_graph.bkt.observe`).

    Returns
    -------
    list of float
        P(known | answer) for each concept, in the order given.

    Examples
    --------
    >>> [round(p, 3) for p in conjunctive_posteriors([0.9, 0.3], False, guess=0.2, slip=0.1)]
    [0.869, 0.083]

    Notes
    -----
    For concept ``c`` with the others known with probability ``q = prod p_j``,
    P(correct | c known) = (1 - slip) q + guess (1 - q) and P(correct | c not known) =
    guess. Since ``1 - slip > guess``, a correct answer never lowers any of them and
    an incorrect one never raises any. With one concept this is plain BKT.
    O(k) for k concepts (prefix and suffix products).
    """
    if not 0.0 <= weight <= 1.0:
        raise InvalidParameterError(f"weight must be in [0, 1], got {weight}")
    if not (0.0 <= guess <= 1.0 and 0.0 <= slip <= 1.0 and guess + slip < 1.0):
        raise InvalidParameterError("need guess, slip in [0, 1] and guess + slip < 1")
    k = len(priors)
    prefix = [1.0] * (k + 1)
    for i, p in enumerate(priors):
        prefix[i + 1] = prefix[i] * p
    suffix = [1.0] * (k + 1)
    for i in range(k - 1, -1, -1):
        suffix[i] = suffix[i + 1] * priors[i]
    out: list[float] = []
    for i, p in enumerate(priors):
        q = prefix[i] * suffix[i + 1]
        pc_known = (1.0 - slip) * q + guess * (1.0 - q)
        like_k = pc_known if correct else 1.0 - pc_known
        like_u = guess if correct else 1.0 - guess
        if weight != 1.0:
            like_k **= weight
            like_u **= weight
        num = p * like_k
        den = num + (1.0 - p) * like_u
        out.append(p if den == 0.0 else num / den)
    return out


class LearnerModel:
    """Mastery of every concept of a skill graph for one learner.

    Parameters
    ----------
    graph : SkillGraph
    params : BKTParams or mapping of concept -> BKTParams, optional
        BKT parameters, one set for all concepts or per concept (missing concepts use
        the defaults of :class:`BKTParams`). These are course-level, fitted with
        :func:`knowledge_graph.bkt.fit_bkt`; they are not part of :meth:`to_dict`.
    mastery : mapping of concept -> float, optional
        Starting P(known); concepts not given start at their ``p_init``.
    propagation : float in [0, 1), default 0.3
        Strength of one prerequisite edge, ``propagation ** k`` across k edges (see
        the Notes for what it means under each rule). 0 switches propagation off.
    max_depth : int, default 3
        Edges evidence travels at most.
    rule : {"implication", "log-odds"}, default "implication"
        How evidence crosses an edge (see the Notes). "log-odds" is the earlier
        rule, kept so that the two can be compared (``benchmarks/bench_learner.py``).

    Raises
    ------
    UnknownConceptError
        ``mastery`` or ``params`` names a concept the graph lacks.
    InvalidParameterError
        A mastery outside [0, 1] or ``propagation`` outside [0, 1).

    Examples
    --------
    >>> g = SkillGraph(["v", "i", "ohm"], [("v", "ohm"), ("i", "ohm")])
    >>> m = LearnerModel(g, params=BKTParams(p_init=0.5, p_learn=0.0))
    >>> changed = m.update(concepts=["ohm"], correct=True, guess=0.2, slip=0.1)
    >>> sorted(changed)            # ohm directly, its prerequisites by propagation
    ['i', 'ohm', 'v']
    >>> round(m.mastery["ohm"], 3)
    0.818
    >>> m.update(concepts=["v"], correct=False, guess=0.2, slip=0.1)["ohm"] < 0.818
    True

    Notes
    -----
    **Propagation rules.** An answer moves a tagged concept ``c`` from ``p`` to ``q``
    (the evidence part, before the learning step). Evidence against ``c`` reaches
    its descendants, evidence for it its ancestors, up to ``max_depth`` edges away;
    let ``s = propagation ** k`` for a concept ``k`` edges away.

    - ``"implication"`` (default): a concept needs its prerequisite with probability
      ``s`` (else it is known or not regardless). As the answer speaks of ``c`` alone,
      a descendant's P(known) is then multiplied by ``(q s + 1 - s) / (p s + 1 - s)``,
      and an ancestor's P(not known) by the same expression in ``1 - q`` and
      ``1 - p``: with ``s = 1``, exactly ``P(x | c) P(c)`` under a strict
      prerequisite, so a dependent falls in proportion to ``c``. At the default
      ``s = 0.3`` a slip that takes ``c`` from 99 % to 92.5 % takes a 64 % dependent
      to 62.75 %, where the log-odds rule took it to 49 %.
    - ``"log-odds"``: ``s`` times the log-odds change of ``c``. It over-reacts near
      0 and 1, where a small change in probability is a large one in log-odds.

    When several tagged concepts reach the same concept, the strongest pull in each
    direction is taken, not their product or sum. Tagged concepts receive no
    propagated evidence from the same answer: direct evidence is never overridden.

    Both are cheap, local approximations of what a joint model over knowledge states
    (:class:`knowledge_graph.knowledge_states.KnowledgeStateBelief`) would conclude.
    On simulated learners the implication rule predicts the next answer with a lower
    log loss and ends closer to the true states than the log-odds rule, which ranks
    answers a little better (``benchmarks/README.md``, "learner model").
    """

    def __init__(
        self,
        graph: SkillGraph,
        *,
        params: BKTParams | Mapping[str, BKTParams] | None = None,
        mastery: Mapping[str, float] | None = None,
        propagation: float = PROPAGATION_STRENGTH,
        max_depth: int = 3,
        rule: str = "implication",
    ) -> None:
        if not 0.0 <= propagation < 1.0:
            raise InvalidParameterError(f"propagation must be in [0, 1), got {propagation}")
        if max_depth < 0:
            raise InvalidParameterError("max_depth must be >= 0")
        if rule not in PROPAGATION_RULES:
            raise InvalidParameterError(f"rule must be one of {PROPAGATION_RULES}, got {rule!r}")
        self.graph = graph
        self.rule = rule
        self.propagation = propagation
        self.max_depth = max_depth
        if params is None or isinstance(params, BKTParams):
            default = params if params is not None else BKTParams()
            self._params: dict[str, BKTParams] = dict.fromkeys(graph.order, default)
        else:
            for c in params:
                graph._check(c)
            self._params = {c: params.get(c, BKTParams()) for c in graph.order}
        self._mastery: dict[str, float] = {c: _clamp(self._params[c].p_init) for c in graph.order}
        self._attempts: dict[str, float] = dict.fromkeys(graph.order, 0.0)
        if mastery is not None:
            for c, p in mastery.items():
                graph._check(c)
                if not 0.0 <= float(p) <= 1.0:
                    raise InvalidParameterError(f"mastery of {c!r} must be in [0, 1], got {p}")
                self._mastery[c] = _clamp(float(p))

    # -- reading --------------------------------------------------------------------
    @property
    def mastery(self) -> dict[str, float]:
        """A copy of P(known) for every concept, in syllabus order."""
        return dict(self._mastery)

    @property
    def attempts(self) -> dict[str, float]:
        """Evidence-weighted number of attempts seen per concept."""
        return dict(self._attempts)

    def params_for(self, concept: str) -> BKTParams:
        """The BKT parameters used for ``concept``."""
        self.graph._check(concept)
        return self._params[concept]

    def mastered(self, threshold: float = MASTERY_THRESHOLD) -> list[str]:
        """Concepts with P(known) >= ``threshold``, in syllabus order."""
        return [c for c in self.graph.order if self._mastery[c] >= threshold]

    # -- writing --------------------------------------------------------------------
    def update(
        self,
        *,
        concepts: Sequence[str],
        correct: bool,
        guess: float | None = None,
        slip: float | None = None,
        assisted: bool = False,
        weight: float | None = None,
    ) -> dict[str, float]:
        """Update mastery from one attempt at an item.

        Parameters
        ----------
        concepts : sequence of str
            The concepts the item is tagged with (one or more; duplicates ignored).
        correct : bool
            Whether the answer was right.
        guess, slip : float, optional
            The item's guess and slip (e.g. from :func:`guess_slip_from_2pl`). When not
            given, the mean of the tagged concepts' BKT guess and slip is used.
        assisted : bool, default False
            The answer came after hints: it counts with weight :data:`ASSISTED_WEIGHT`.
        weight : float in [0, 1], optional
            Explicit evidence weight; overrides ``assisted``.

        Returns
        -------
        dict of str -> float
            The new mastery of every concept that changed (tagged ones and those
            reached by propagation).

        Raises
        ------
        KnowledgeGraphError
            No concepts given.
        UnknownConceptError
            A concept the graph lacks.
        InvalidParameterError
            guess or slip out of range, ``guess + slip >= 1``, or weight outside [0, 1].

        Notes
        -----
        Three steps: the conjunctive posterior of the tagged concepts
        (:func:`conjunctive_posteriors`); propagation of each one's change along the
        graph by the model's ``rule`` (see the class Notes); then each tagged concept's BKT learning
        step, since an attempt is also a chance to learn. With ``p_forget = 0`` a
        correct answer therefore never lowers a tagged concept's mastery.
        """
        tagged = list(dict.fromkeys(concepts))
        if not tagged:
            raise KnowledgeGraphError("an attempt must be tagged with at least one concept")
        for c in tagged:
            self.graph._check(c)
        if weight is None:
            weight = ASSISTED_WEIGHT if assisted else 1.0
        if guess is None:
            guess = sum(self._params[c].p_guess for c in tagged) / len(tagged)
        if slip is None:
            slip = sum(self._params[c].p_slip for c in tagged) / len(tagged)
        before = dict(self._mastery)
        priors = [self._mastery[c] for c in tagged]
        posts = conjunctive_posteriors(priors, correct, guess=guess, slip=slip, weight=weight)

        # The strongest pull in each direction per untagged concept, from all tagged
        # ones: for "implication" a factor (smaller is stronger), for "log-odds" a shift.
        push_up: dict[str, float] = {}
        push_down: dict[str, float] = {}
        tagged_set = set(tagged)
        implication = self.rule == "implication"
        for c, prior, post in zip(tagged, priors, posts, strict=True):
            d = _logit(post) - _logit(prior)
            if d == 0.0 or self.propagation == 0.0 or self.max_depth == 0:
                continue
            # evidence against c says little of its prerequisites but much of what
            # builds on it; evidence for c the reverse
            view = self.graph.graph if d < 0 else self.graph.graph.reverse(copy=False)
            reach = nx.single_source_shortest_path_length(view, c, cutoff=self.max_depth)
            target = push_down if d < 0 else push_up
            for other, k in reach.items():
                if k == 0 or other in tagged_set:
                    continue
                if implication:
                    # Knowing `other` (a descendant) needs c with probability
                    # propagation**k: P(other) scales by P(c) after / before, leaked.
                    # Going up, P(not other) scales by P(not c) after / before.
                    strength = self.propagation**k
                    before_c, after_c = (prior, post) if d < 0 else (1 - prior, 1 - post)
                    factor = ((after_c * strength + (1 - strength))
                              / (before_c * strength + (1 - strength)))
                    if factor < target.get(other, 1.0):
                        target[other] = factor
                else:
                    amount = abs(d) * self.propagation**k
                    if amount > target.get(other, 0.0):
                        target[other] = amount
        for c, post in zip(tagged, posts, strict=True):
            self._mastery[c] = _clamp(post)
        for other in push_up.keys() | push_down.keys():
            known = self._mastery[other]
            if implication:
                known *= push_down.get(other, 1.0)
                known = 1.0 - (1.0 - known) * push_up.get(other, 1.0)
            else:
                known = _sigmoid(_logit(known) + push_up.get(other, 0.0)
                                 - push_down.get(other, 0.0))
            self._mastery[other] = _clamp(known)
        for c in tagged:
            p = self._params[c]
            learnt = transition(self._mastery[c], learn=p.p_learn, forget=p.p_forget)
            self._mastery[c] = _clamp(learnt)
            self._attempts[c] += weight
        return {c: v for c, v in self._mastery.items() if v != before[c]}

    def set_mastery(self, mastery: Mapping[str, float]) -> None:
        """Overwrite the mastery of some concepts (e.g. from a diagnostic's result)."""
        for c, p in mastery.items():
            self.graph._check(c)
            if not 0.0 <= float(p) <= 1.0:
                raise InvalidParameterError(f"mastery of {c!r} must be in [0, 1], got {p}")
            self._mastery[c] = _clamp(float(p))

    # -- storage --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The learner's state as plain JSON-ready data.

        Returns
        -------
        dict
            ``{"format": 1, "mastery": {concept: p}, "attempts": {concept: n}}``.
            Graph and BKT parameters belong to the course and are not included.
        """
        return {
            "format": _FORMAT,
            "mastery": dict(self._mastery),
            "attempts": {c: n for c, n in self._attempts.items() if n},
        }

    @classmethod
    def from_dict(
        cls,
        graph: SkillGraph,
        data: Mapping[str, Any],
        *,
        params: BKTParams | Mapping[str, BKTParams] | None = None,
        propagation: float = PROPAGATION_STRENGTH,
        max_depth: int = 3,
    ) -> LearnerModel:
        """Rebuild a model from :meth:`to_dict` output.

        Concepts stored but no longer in the graph (a course was edited) are dropped;
        concepts new to the graph start at their ``p_init``.

        Raises
        ------
        InvalidParameterError
            An unknown format or a mastery outside [0, 1].
        """
        if data.get("format", _FORMAT) != _FORMAT:
            raise InvalidParameterError(f"unknown learner-model format {data.get('format')!r}")
        stored = data.get("mastery", {})
        model = cls(
            graph,
            params=params,
            mastery={c: float(p) for c, p in stored.items() if c in graph},
            propagation=propagation,
            max_depth=max_depth,
        )
        for c, n in data.get("attempts", {}).items():
            if c in graph:
                model._attempts[c] = float(n)
        return model
