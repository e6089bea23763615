"""Conclusions from a learner's answers: mastered, weak and uncertain concepts, misconceptions.

Two separate readings of the evidence:

* :func:`classify_mastery` turns P(known) per concept (from a
  :class:`~knowledge_graph.learner.LearnerModel` or a
  :class:`~knowledge_graph.knowledge_states.KnowledgeStateBelief`) into three sets.
* :func:`suspect_misconceptions` counts the evidence for named misconceptions: the
  distractors a learner chose (multiple choice options tagged with a misconception in
  the course file) and the diagnoses of wrong circuit answers (from :mod:`circuits`,
  passed here as plain tags, since this package imports none of ours).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from knowledge_graph.errors import InvalidParameterError

__all__ = [
    "MASTERED_THRESHOLD",
    "WEAK_THRESHOLD",
    "DISTRACTOR_WEIGHT",
    "CIRCUIT_DIAGNOSIS_WEIGHT",
    "SUSPECT_SCORE",
    "CIRCUIT_DIAGNOSIS_MISCONCEPTIONS",
    "MasteryClassification",
    "MisconceptionEvidence",
    "classify_mastery",
    "suspect_misconceptions",
]

#: P(known) at or above which a concept is mastered, as elsewhere in the house.
MASTERED_THRESHOLD = 0.95
#: P(known) below which a concept is weak: more likely not known than known.
WEAK_THRESHOLD = 0.5
#: Evidence from picking a distractor tagged with a misconception.
DISTRACTOR_WEIGHT = 1.0
#: Evidence from a circuit answer diagnosed as a specific error.
CIRCUIT_DIAGNOSIS_WEIGHT = 2.0
#: Evidence at or above which a misconception is suspected.
SUSPECT_SCORE = 2.0
#: Circuit diagnosis kinds that name a course misconception. Kinds not listed here
#: ("unit-kind", "other-quantity", ...) are reported under their own name.
CIRCUIT_DIAGNOSIS_MISCONCEPTIONS: Mapping[str, str] = {
    "factor-1000": "prefix-error",
    "sign": "sign-convention",
}


@dataclass(frozen=True, slots=True)
class MasteryClassification:
    """Concepts sorted into mastered, weak and uncertain (each in the order given)."""

    mastered: list[str]
    weak: list[str]
    uncertain: list[str]


def classify_mastery(
    mastery: Mapping[str, float],
    *,
    mastered_threshold: float = MASTERED_THRESHOLD,
    weak_threshold: float = WEAK_THRESHOLD,
) -> MasteryClassification:
    """Split concepts by P(known).

    Parameters
    ----------
    mastery : mapping of concept -> float
        P(known) per concept; its order is kept in the result.
    mastered_threshold : float, default 0.95
        Mastered if P(known) >= this.
    weak_threshold : float, default 0.5
        Weak if P(known) < this. The default is the decision that is right most
        often for each concept: weak means "more likely not known than known".

    Returns
    -------
    MasteryClassification
        ``uncertain`` holds the rest: probably known, but not yet enough to call
        mastered. A planner should check these, not teach them from scratch.

    Raises
    ------
    InvalidParameterError
        ``weak_threshold > mastered_threshold`` or a threshold outside [0, 1].

    Examples
    --------
    >>> classify_mastery({"v": 0.99, "i": 0.7, "ohm": 0.2})
    MasteryClassification(mastered=['v'], weak=['ohm'], uncertain=['i'])
    """
    if not 0.0 <= weak_threshold <= mastered_threshold <= 1.0:
        raise InvalidParameterError("need 0 <= weak_threshold <= mastered_threshold <= 1")
    mastered: list[str] = []
    weak: list[str] = []
    uncertain: list[str] = []
    for c, p in mastery.items():
        if p >= mastered_threshold:
            mastered.append(c)
        elif p < weak_threshold:
            weak.append(c)
        else:
            uncertain.append(c)
    return MasteryClassification(mastered=mastered, weak=weak, uncertain=uncertain)


@dataclass(frozen=True, slots=True)
class MisconceptionEvidence:
    """The evidence gathered for one misconception.

    Attributes
    ----------
    misconception : str
        The misconception id (or a circuit diagnosis kind with no course misconception).
    score : float
        Weighted evidence: :data:`DISTRACTOR_WEIGHT` per distractor pick,
        :data:`CIRCUIT_DIAGNOSIS_WEIGHT` per circuit diagnosis.
    count : int
        Number of answers that showed it.
    sources : list of str
        ``"distractor"`` or ``"circuit:<kind>"`` for each of those answers.
    """

    misconception: str
    score: float
    count: int
    sources: list[str] = field(default_factory=list)


def suspect_misconceptions(
    *,
    distractors: Iterable[str | None] = (),
    diagnoses: Iterable[str | None] = (),
    diagnosis_map: Mapping[str, str] = CIRCUIT_DIAGNOSIS_MISCONCEPTIONS,
    threshold: float = SUSPECT_SCORE,
    known: Sequence[str] | None = None,
) -> list[MisconceptionEvidence]:
    """Misconceptions with enough evidence, strongest first.

    Parameters
    ----------
    distractors : iterable of str or None
        The misconception tag of each distractor the learner chose (None for an
        untagged wrong choice, which is skipped).
    diagnoses : iterable of str or None
        The diagnosis kind of each wrong circuit or numeric answer, as returned by the
        circuits core ("factor-1000", "sign", "unit-kind", "other-quantity", ...).
    diagnosis_map : mapping, default :data:`CIRCUIT_DIAGNOSIS_MISCONCEPTIONS`
        Kind -> course misconception id; unmapped kinds are reported as themselves.
    threshold : float, default 2
        Score needed to be suspected.
    known : sequence of str, optional
        If given, only these misconception ids (e.g. the course's) and unmapped
        circuit kinds are reported.

    Returns
    -------
    list of MisconceptionEvidence
        Those with ``score >= threshold``, by decreasing score, then by id.

    Examples
    --------
    >>> [e.misconception for e in suspect_misconceptions(
    ...     distractors=["inverted-ohms-law", "kcl-sign", "inverted-ohms-law"])]
    ['inverted-ohms-law']
    >>> [e.misconception for e in suspect_misconceptions(diagnoses=["factor-1000"])]
    ['prefix-error']

    Notes
    -----
    The rule is "two pieces of evidence, or one strong one". A distractor counts 1: a
    learner guessing among k options lands on any given distractor with probability
    1/k, so one pick proves little, while the same misconception on two different
    items rarely happens by chance. A circuit diagnosis counts 2, enough alone: a
    free answer that lands exactly on the value a specific error produces (off by
    exactly 1000, or exactly negated) is almost never a guess.
    """
    scores: dict[str, float] = {}
    counts: dict[str, int] = {}
    sources: dict[str, list[str]] = {}

    def add(tag: str, weight: float, source: str) -> None:
        scores[tag] = scores.get(tag, 0.0) + weight
        counts[tag] = counts.get(tag, 0) + 1
        sources.setdefault(tag, []).append(source)

    for tag in distractors:
        if tag:
            add(tag, DISTRACTOR_WEIGHT, "distractor")
    for kind in diagnoses:
        if kind:
            add(diagnosis_map.get(kind, kind), CIRCUIT_DIAGNOSIS_WEIGHT, f"circuit:{kind}")
    # unmapped circuit kinds are not course misconceptions, so `known` cannot filter them
    raw_kinds = {t for t, src in sources.items() if all(x == f"circuit:{t}" for x in src)}
    allowed = None if known is None else set(known) | raw_kinds
    out = [
        MisconceptionEvidence(misconception=t, score=s, count=counts[t], sources=sources[t])
        for t, s in scores.items()
        if s >= threshold and (allowed is None or t in allowed)
    ]
    out.sort(key=lambda e: (-e.score, e.misconception))
    return out
