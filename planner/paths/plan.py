"""Learning paths: from what a learner knows to every goal they hold (MSMS planning).

Many sources (everything the learner has mastered), many sinks (every goal): the
planner picks the cheapest set of learning units that covers every weak concept the
goals need, orders them so that prerequisites come first, and says why each step is
there. This module is the pipeline; the parts live beside it:
:mod:`~planner.paths.cost` (what a concept costs this learner),
:mod:`~planner.paths.setcover` (greedy cover and its LP bound),
:mod:`~planner.paths.order` (a followable order) and
:mod:`~planner.paths.reasons` (sentences for the learner).
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from knowledge_graph.graph import SkillGraph
from planner.paths.cost import CostModel
from planner.paths.errors import (
    InvalidMasteryError,
    InvalidPlanError,
    InvalidUnitError,
    PathPlanningError,
    UnknownGoalError,
)
from planner.paths.order import order_units
from planner.paths.reasons import step_reason
from planner.paths.setcover import CoverInstance, LowerBound, SetCover, fit_duals, harmonic

__all__ = [
    "PRACTICE_PREFIX",
    "CoverProblem",
    "Unit",
    "Step",
    "Plan",
    "PathPlanner",
    "plan_path",
    "replan",
]

#: Id prefix of the single-concept practice units the planner adds where the course
#: has no unit for a concept (``practice:ohms-law``). Course ids cannot contain ':'.
PRACTICE_PREFIX = "practice:"


@dataclass(frozen=True)
class Unit:
    """A learning unit: a lesson with its practice, a worked example, a review block.

    Parameters
    ----------
    id : str
        Unique within the course.
    covers : sequence of str
        Concept ids the unit teaches (duplicates are dropped).
    cost : float, default 1.0
        The unit's own effort (its length), finite and non-negative. With a
        :class:`~planner.paths.cost.CostModel` it is expressed in practice items and
        the expected practice for the learner is added to it; without one it is the
        whole cost.
    title : str, optional
        What a learner sees; defaults to the id in reasons.
    kind : str, default "lesson"
        lesson, worked-example, review or practice.

    Raises
    ------
    InvalidUnitError
        Empty id, or a cost that is negative or not finite.
    """

    id: str
    covers: tuple[str, ...]
    cost: float = 1.0
    title: str = ""
    kind: str = "lesson"

    def __post_init__(self) -> None:
        object.__setattr__(self, "covers", tuple(dict.fromkeys(self.covers)))
        if not self.id:
            raise InvalidUnitError("a unit needs a non-empty id")
        if isinstance(self.cost, bool) or not isinstance(self.cost, int | float):
            raise InvalidUnitError(f"unit {self.id!r}: cost must be a number, got {self.cost!r}")
        if not (math.isfinite(self.cost) and self.cost >= 0):
            raise InvalidUnitError(f"unit {self.id!r}: cost must be finite and >= 0")

    @classmethod
    def practice(cls, concept: str, *, cost: float = 1.0, name: str | None = None) -> Unit:
        """Single-concept practice, the planner's filler where no unit teaches a concept."""
        return cls(
            id=PRACTICE_PREFIX + concept,
            covers=(concept,),
            cost=cost,
            title=f"practice on {name or concept}",
            kind="practice",
        )


@dataclass(frozen=True)
class Step:
    """One step of a plan: take ``unit`` to learn ``covers``.

    Attributes
    ----------
    unit : str
        The unit's id (``practice:<concept>`` for single-concept practice).
    covers : tuple of str
        The weak concepts this step is responsible for, in prerequisite order.
    cost : float
        Expected effort of the step for this learner. When a unit had to be split
        its cost is shared among its steps in proportion to their concepts.
    reason : str
        Why the step is there, in a sentence a learner can read.
    part : int, default 1
        2, 3, ... when the step continues a unit an earlier step began.
    """

    unit: str
    covers: tuple[str, ...]
    cost: float
    reason: str
    part: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "covers": list(self.covers),
            "cost": self.cost,
            "reason": self.reason,
            "part": self.part,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Step:
        try:
            return cls(
                unit=str(data["unit"]),
                covers=tuple(str(c) for c in data["covers"]),
                cost=float(data["cost"]),
                reason=str(data["reason"]),
                part=int(data.get("part", 1)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidPlanError(f"bad step {data!r}: {exc}") from exc


@dataclass(frozen=True)
class Plan:
    """A learning path with its cost, a certified lower bound, and what it cannot cover.

    Attributes
    ----------
    steps : tuple of Step
        In the order to take them.
    total_cost : float
        Sum of the chosen units' costs.
    lower_bound : float
        A certified lower bound on the cheapest possible cover of the same weak
        concepts by the same candidates (see ``bound``).
    uncovered : tuple of str
        Weak concepts the goals need that no candidate covers, in prerequisite order.
        They are reported, never silently dropped; the rest is still planned.
    goals : tuple of str
        The learner's goals, as asked.
    threshold : float
        Mastery probability at or above which a concept counts as mastered.
    unreachable_goals : tuple of str
        Goals that depend on an uncovered concept through concepts still to be learnt
        (or are uncovered themselves). A gap beneath a mastered concept blocks nothing:
        the plan can be followed past it.
    weak : tuple of str
        The universe W: concepts the unmastered goals need and the learner has not
        mastered, in prerequisite order.
    needed : tuple of str
        The unmastered goals with all their prerequisites, in prerequisite order;
        kept so that :func:`replan` need not walk the graph again.
    bound : str
        ``"lp"`` when the LP relaxation was solved for this plan, ``"dual"`` when the
        bound was carried over from an earlier plan's dual solution (valid, possibly
        looser), ``"none"`` when no bound was asked for (it is then 0).
    duals : mapping of str to float
        A feasible dual solution proving ``lower_bound`` (positive entries only).
    guide : mapping of str to float
        The LP's fractional choice of each unit, used to guide replanning.
    distance : mapping of str to int
        Prerequisite steps from the mastered set to each weak concept, as costed.
    mastery_seen : mapping of str to float
        The mastery of each weak concept that the costs were computed with. With
        ``distance`` it lets :func:`replan` find which units' costs moved.
    """

    steps: tuple[Step, ...]
    total_cost: float
    lower_bound: float
    uncovered: tuple[str, ...] = ()
    goals: tuple[str, ...] = ()
    threshold: float = 0.95
    unreachable_goals: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()
    needed: tuple[str, ...] = ()
    bound: str = "lp"
    duals: Mapping[str, float] = field(default_factory=dict)
    guide: Mapping[str, float] = field(default_factory=dict)
    distance: Mapping[str, int] = field(default_factory=dict)
    mastery_seen: Mapping[str, float] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        """``total_cost / lower_bound``: an upper bound on this plan's approximation ratio.

        1.0 for an empty plan; infinite when the bound is 0 but the plan costs something.
        """
        if self.lower_bound > 0:
            return self.total_cost / self.lower_bound
        return 1.0 if self.total_cost == 0 else math.inf

    @property
    def units(self) -> tuple[str, ...]:
        """The distinct units of the plan, in the order they are first taken."""
        return tuple(dict.fromkeys(s.unit for s in self.steps))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; :meth:`from_dict` reads it back."""
        ratio = self.ratio
        return {
            "steps": [s.to_dict() for s in self.steps],
            "total_cost": self.total_cost,
            "lower_bound": self.lower_bound,
            "uncovered": list(self.uncovered),
            "ratio": ratio if math.isfinite(ratio) else None,
            "goals": list(self.goals),
            "threshold": self.threshold,
            "unreachable_goals": list(self.unreachable_goals),
            "weak": list(self.weak),
            "needed": list(self.needed),
            "bound": self.bound,
            "duals": dict(self.duals),
            "guide": dict(self.guide),
            "distance": dict(self.distance),
            "mastery_seen": dict(self.mastery_seen),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        """Read a plan written by :meth:`to_dict`.

        Raises
        ------
        InvalidPlanError
            A field is missing or of the wrong type.
        """
        try:
            return cls(
                steps=tuple(Step.from_dict(s) for s in data["steps"]),
                total_cost=float(data["total_cost"]),
                lower_bound=float(data["lower_bound"]),
                uncovered=tuple(str(c) for c in data["uncovered"]),
                goals=tuple(str(g) for g in data.get("goals", ())),
                threshold=float(data.get("threshold", 0.95)),
                unreachable_goals=tuple(str(g) for g in data.get("unreachable_goals", ())),
                weak=tuple(str(c) for c in data.get("weak", ())),
                needed=tuple(str(c) for c in data.get("needed", ())),
                bound=str(data.get("bound", "lp")),
                duals={str(k): float(v) for k, v in data.get("duals", {}).items()},
                guide={str(k): float(v) for k, v in data.get("guide", {}).items()},
                distance={str(k): int(v) for k, v in data.get("distance", {}).items()},
                mastery_seen={
                    str(k): float(v) for k, v in data.get("mastery_seen", {}).items()
                },
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidPlanError(f"not a stored plan: {exc}") from exc


@dataclass(frozen=True)
class CoverProblem:
    """The weighted set-cover instance behind a plan: to measure plans against the optimum.

    Attributes
    ----------
    weak : tuple of str
        The universe W, in prerequisite order.
    units : tuple of Unit
        The candidates (course units and single-concept practice).
    sets : tuple of tuple of str
        Each candidate cut to W.
    costs : tuple of float
        Each candidate's cost for this learner.
    """

    weak: tuple[str, ...]
    units: tuple[Unit, ...]
    sets: tuple[tuple[str, ...], ...]
    costs: tuple[float, ...]


@dataclass
class _Instance:
    """The cover problem for one learner state: W, candidates cut to W, their costs."""

    weak: list[str]
    weak_set: set[str]
    distance: dict[str, int]
    candidates: list[Unit]
    sets: list[list[str]]
    costs: list[float]
    uncovered: list[str]
    cover: CoverInstance[str]


#: A patched plan that gained more concepts than this is reordered from scratch:
#: each insertion costs a pass over the plan.
_MAX_INSERTIONS = 8
#: Skip the plain greedy pass when the LP-guided cover is already certified this close
#: to optimal: the plain pass could save at most this fraction.
_CERTIFIED_GAP = 1e-3


class PathPlanner:
    """Plans learning paths over one course for one cost model; reuse it across learners.

    Building it indexes the course once (units by concept, the prerequisite and
    dependent lists, a topological order), so each :meth:`plan` and :meth:`replan`
    does only the work that depends on the learner. All arguments are as for
    :func:`plan_path`.

    Raises
    ------
    InvalidUnitError
        Two units share an id, or a unit covers a concept the graph does not hold.
    """

    def __init__(
        self,
        graph: SkillGraph,
        units: Iterable[Unit] = (),
        *,
        names: Mapping[str, str] | None = None,
        cost_model: CostModel | None = None,
        fill_gaps: bool = True,
        practice_cost: float = 1.0,
    ) -> None:
        self.graph = graph
        self.units: tuple[Unit, ...] = tuple(units)
        self.names: Mapping[str, str] = names or {}
        self.cost_model = cost_model
        self.fill_gaps = fill_gaps
        if not (math.isfinite(practice_cost) and practice_cost >= 0):
            raise InvalidUnitError(f"practice_cost must be finite and >= 0, got {practice_cost}")
        self.practice_cost = practice_cost
        self._by_id: dict[str, Unit] = {}
        self._by_concept: dict[str, list[Unit]] = {}
        for unit in self.units:
            if unit.id in self._by_id:
                raise InvalidUnitError(f"duplicate unit id {unit.id!r}")
            self._by_id[unit.id] = unit
            for c in unit.covers:
                if c not in graph:
                    raise InvalidUnitError(f"unit {unit.id!r} covers unknown concept {c!r}")
                self._by_concept.setdefault(c, []).append(unit)
        # Plain tuples: the hot loops below read each adjacency list several times, and
        # a dict of tuples is several times faster to walk than networkx's views.
        nx_graph = graph.graph
        self._pre: dict[str, tuple[str, ...]] = {c: tuple(nx_graph.pred[c]) for c in graph.order}
        self._suc: dict[str, tuple[str, ...]] = {c: tuple(nx_graph.succ[c]) for c in graph.order}
        self._topo: list[str] = graph.topological_order
        self._rank = {c: i for i, c in enumerate(self._topo)}
        self._practice: dict[str, Unit] = {}

    # -- public -----------------------------------------------------------------

    def plan(
        self,
        mastery: Mapping[str, float],
        goals: Sequence[str],
        *,
        threshold: float = 0.95,
        lower_bound: bool = True,
    ) -> Plan:
        """Plan from scratch; see :func:`plan_path`."""
        threshold = _check_threshold(threshold)
        self._check_mastery(mastery)
        goals = self._check_goals(goals)
        active = [g for g in goals if mastery.get(g, 0.0) < threshold]
        needed = self._closure_in_order(active)
        inst = self._instance(needed, mastery, threshold)
        if lower_bound:
            cover, lb, guide = self._solve(inst, None)
            kind = "lp"
        else:
            cover = inst.cover.greedy()
            lb, guide, kind = LowerBound(value=0.0, duals={}, lp_value=math.nan), {}, "none"
        return self._from_cover(goals, active, needed, inst, cover, lb, kind, threshold, guide,
                                mastery)

    def replan(
        self, previous: Plan, mastery: Mapping[str, float], *, exact_bound: bool = False
    ) -> Plan:
        """Plan again after mastery changed; see :func:`replan`."""
        self._check_mastery(mastery)
        threshold = previous.threshold
        rank = self._rank
        if any(c not in rank for c in previous.needed) or any(
            g not in rank for g in previous.goals
        ):
            # The course changed under the stored plan: nothing of it can be trusted.
            return self.plan(mastery, previous.goals, threshold=threshold)
        weak_before = set(previous.weak)
        active_before = [g for g in previous.goals if g in weak_before]
        active = [g for g in previous.goals if mastery.get(g, 0.0) < threshold]
        if active != active_before:
            # A goal was reached or lost: the needed closure itself changes.
            return self.plan(mastery, previous.goals, threshold=threshold)
        needed = list(previous.needed)
        weak = [c for c in needed if mastery.get(c, 0.0) < threshold]
        if (
            not exact_bound
            and len(weak) == len(previous.weak)
            and all(c in weak_before for c in weak)
            and (
                self.cost_model is None
                or all(mastery.get(c, 0.0) == p for c, p in previous.mastery_seen.items())
            )
        ):
            # Nothing the plan depends on moved: no concept crossed the threshold, and
            # no cost changed (course costs ignore probabilities; personal ones do not).
            return previous
        goals = list(previous.goals)
        if not exact_bound:
            patched = self._patch(previous, goals, active, needed, weak, mastery)
            if patched is not None:
                return patched
        inst = self._instance(needed, mastery, threshold)
        if exact_bound:
            cover, lb, guide = self._solve(inst, None)
            kind = "lp"
        else:
            cover, lb, guide = self._solve(inst, previous)
            kind = "dual"
        return self._from_cover(goals, active, needed, inst, cover, lb, kind, threshold, guide,
                                mastery)

    def problem(
        self, mastery: Mapping[str, float], goals: Sequence[str], *, threshold: float = 0.95
    ) -> CoverProblem:
        """The set-cover instance :meth:`plan` solves for this learner (nothing solved)."""
        threshold = _check_threshold(threshold)
        self._check_mastery(mastery)
        goals = self._check_goals(goals)
        active = [g for g in goals if mastery.get(g, 0.0) < threshold]
        inst = self._instance(self._closure_in_order(active), mastery, threshold)
        return CoverProblem(
            weak=tuple(inst.weak),
            units=tuple(inst.candidates),
            sets=tuple(tuple(m) for m in inst.sets),
            costs=tuple(inst.costs),
        )

    # -- validation ---------------------------------------------------------------

    def _check_mastery(self, mastery: Mapping[str, float]) -> None:
        for c, p in mastery.items():
            if c not in self.graph:
                raise InvalidMasteryError(f"mastery given for unknown concept {c!r}")
            if isinstance(p, bool) or not isinstance(p, int | float) or not 0.0 <= p <= 1.0:
                raise InvalidMasteryError(f"mastery of {c!r} must be a probability, got {p!r}")

    def _check_goals(self, goals: Sequence[str]) -> list[str]:
        if isinstance(goals, str):
            # A lone string would be read as its characters: refuse it outright.
            raise PathPlanningError("goals must be a sequence of concept ids, not a string")
        out = list(dict.fromkeys(goals))
        for g in out:
            if g not in self.graph:
                raise UnknownGoalError(g)
        return out

    # -- the problem ----------------------------------------------------------------

    def _closure_in_order(self, goals: Sequence[str]) -> list[str]:
        """The goals and all their prerequisites, in the course's topological order.

        One backward breadth-first search over the closure, O(n + e) for its n concepts
        and e edges, then the closure in the topological order computed once per course
        (ties broken by syllabus order, so the concepts of a step read as the course
        lists them): a sort when the closure is small, else one O(V) filter.
        """
        pre = self._pre
        seen = dict.fromkeys(goals)
        frontier = deque(seen)
        while frontier:
            c = frontier.popleft()
            for p in pre[c]:
                if p not in seen:
                    seen[p] = None
                    frontier.append(p)
        if len(seen) * 8 < len(self._topo):
            return sorted(seen, key=self._rank.__getitem__)
        return [c for c in self._topo if c in seen]

    def _practice_unit(self, concept: str) -> Unit:
        unit = self._practice.get(concept)
        if unit is None:
            unit = Unit.practice(concept, cost=self.practice_cost, name=self.names.get(concept))
            self._practice[concept] = unit
        return unit

    def _distances(self, weak: Sequence[str]) -> dict[str, int]:
        """Prerequisite steps from the mastered set (mastered prerequisites count 0)."""
        pre = self._pre
        distance: dict[str, int] = {}
        get = distance.get
        for c in weak:
            d = 0
            for p in pre[c]:
                x = get(p, 0)
                if x > d:
                    d = x
            distance[c] = d + 1
        return distance

    def _unit_cost(
        self,
        unit: Unit,
        members: Sequence[str],
        distance: Mapping[str, int],
        mastery: Mapping[str, float],
        memo: dict[str, float],
    ) -> float:
        """The unit's length plus the expected practice for the weak concepts it teaches."""
        model = self.cost_model
        if model is None:
            return unit.cost
        extra = 0.0
        for c in members:
            v = memo.get(c)
            if v is None:
                v = memo[c] = model.concept_cost(
                    c, distance=distance[c], mastery=float(mastery.get(c, 0.0))
                )
            extra += v
        return unit.cost + extra

    def _instance(
        self, needed: Sequence[str], mastery: Mapping[str, float], threshold: float
    ) -> _Instance:
        """W, its distances from the mastered set, the candidates and their costs."""
        weak = [c for c in needed if mastery.get(c, 0.0) < threshold]
        weak_set = set(weak)
        distance = self._distances(weak)
        picked: dict[str, Unit] = {}
        gaps: list[str] = []
        for c in weak:
            found = self._by_concept.get(c)
            if found:
                for u in found:
                    picked[u.id] = u
            else:
                gaps.append(c)
        candidates = list(picked.values())
        rank = self._rank.__getitem__
        sets = []
        for u in candidates:
            m = [c for c in u.covers if c in weak_set]
            if len(m) > 1:
                m.sort(key=rank)
            sets.append(m)
        if self.fill_gaps:
            for c in gaps:
                candidates.append(self._practice_unit(c))
                sets.append([c])
        if self.cost_model is not None:
            self.cost_model.prime(weak)  # one array pass instead of one per concept
        memo: dict[str, float] = {}
        costs = [
            self._unit_cost(u, s, distance, mastery, memo)
            for u, s in zip(candidates, sets, strict=True)
        ]
        return _Instance(
            weak=weak,
            weak_set=weak_set,
            distance=distance,
            candidates=candidates,
            sets=sets,
            costs=costs,
            uncovered=[] if self.fill_gaps else gaps,
            cover=CoverInstance(weak_set, sets, costs),
        )

    def _masks(self, needed: Sequence[str], active: Sequence[str]) -> dict[str, int]:
        """Which goals need each concept, as a bit mask over the active goals.

        Pushed down the closure once, in reverse topological order, through mastered
        concepts too.
        """
        pre = self._pre
        mask = dict.fromkeys(needed, 0)
        for i, g in enumerate(active):
            mask[g] |= 1 << i
        for c in reversed(needed):
            m = mask[c]
            if m:
                for p in pre[c]:
                    mask[p] |= m
        return mask

    # -- solving from scratch ---------------------------------------------------------

    def _solve(
        self, inst: _Instance, carried: Plan | None
    ) -> tuple[SetCover[str], LowerBound[str], dict[str, float]]:
        """Greedy cover, plain and LP-guided, the cheaper kept; with its lower bound.

        With ``carried`` the LP is not solved: the earlier plan's duals give the bound
        and its LP solution the guide.
        """
        if carried is None:
            lb = inst.cover.lp_bound()
            guide = [lb.primal.get(i, 0.0) for i in range(len(inst.sets))]
            new_guide = {inst.candidates[i].id: x for i, x in lb.primal.items() if x > 0}
        else:
            lb = inst.cover.dual_bound(carried.duals)
            guide = [carried.guide.get(u.id, 0.0) for u in inst.candidates]
            new_guide = dict(carried.guide)
        if not any(guide):
            return inst.cover.greedy(), lb, new_guide
        cover = inst.cover.greedy(guide=guide)
        if cover.cost > (1 + _CERTIFIED_GAP) * lb.value:
            # Chvatal's pass carries the guarantee; keep whichever is cheaper.
            plain = inst.cover.greedy()
            if plain.cost <= cover.cost:
                cover = plain
        return cover, lb, new_guide

    def _from_cover(
        self,
        goals: Sequence[str],
        active: Sequence[str],
        needed: Sequence[str],
        inst: _Instance,
        cover: SetCover[str],
        lb: LowerBound[str],
        kind: str,
        threshold: float,
        guide: Mapping[str, float],
        mastery: Mapping[str, float],
    ) -> Plan:
        # Each weak concept is taught by the first chosen unit (in greedy order) that
        # covers it, so that no concept is scheduled twice.
        owner: dict[str, int] = {}
        for i in cover.chosen:
            for c in inst.sets[i]:
                owner.setdefault(c, i)
        assigned: dict[int, list[str]] = {i: [] for i in cover.chosen}
        for c in inst.weak:
            if c in owner:
                assigned[owner[c]].append(c)
        mask = self._masks(needed, active)
        chosen = list(cover.chosen)
        ordered = self._order([assigned[i] for i in chosen], inst.distance, mask)
        units = inst.candidates
        return self._finish(
            goals=goals,
            active=active,
            needed=needed,
            weak=inst.weak,
            ordered=[(units[chosen[k]], part) for k, part in ordered],
            unit_cost={units[i].id: inst.costs[i] for i in chosen},
            assigned_count={units[i].id: len(assigned[i]) for i in chosen},
            lower_bound=lb.value,
            duals=lb.duals,
            kind=kind,
            threshold=threshold,
            guide=guide,
            distance=inst.distance,
            mastery=mastery,
            uncovered=inst.uncovered,
            reasons={},
            mask=mask,
        )

    def _order(
        self, slots: Sequence[Sequence[str]], distance: Mapping[str, int], mask: Mapping[str, int]
    ) -> list[tuple[int, tuple[str, ...]]]:
        # A goal group first, then the learner's frontier, then prerequisite order,
        # packed in one int (rank and distance < 2**21) for fast heap compares.
        rank = self._rank
        key = {
            c: ((mask[c] & -mask[c]).bit_length() - 1) << 42 | distance[c] << 21 | rank[c]
            for cs in slots
            for c in cs
        }
        return order_units(slots, self._pre, key, rank)

    # -- replanning by repair -----------------------------------------------------

    def _patch(
        self,
        previous: Plan,
        goals: Sequence[str],
        active: Sequence[str],
        needed: Sequence[str],
        weak: list[str],
        mastery: Mapping[str, float],
    ) -> Plan | None:
        """Repair the previous plan for the new weak set instead of solving again.

        Work is proportional to what changed, not to the course: concepts that crossed
        the threshold, concepts whose distance from the mastered set moved (found by
        propagating from those), concepts whose mastery moved, and the units that
        teach them. Newly mastered concepts leave their steps (a step left empty
        goes); a concept that became weak joins a chosen unit that covers it, or else
        the cheapest unit that does, in the first place where its prerequisites come
        before it and its dependents after. The previous duals, cut to the new weak
        set and scaled to fit the touched units' new costs, still certify a bound. The
        repair is kept only while it provably stays within Chvatal's guarantee
        H(|W|) of that bound; otherwise it returns None and the caller solves again.
        """
        threshold = previous.threshold
        if len(previous.distance) != len(previous.weak):
            return None  # a plan stored without its costing state
        weak_set = set(weak)
        weak_before = set(previous.weak)
        gained = [c for c in previous.weak if c not in weak_set]
        lost = [c for c in weak if c not in weak_before]
        if len(lost) > _MAX_INSERTIONS:
            return None
        pre, suc, rank = self._pre, self._suc, self._rank

        # Distances: start from the stored ones and re-derive, in topological order,
        # only the concepts downstream of a change, stopping where nothing moves.
        distance = dict(previous.distance)
        for c in gained:
            del distance[c]
        heap = [(rank[d], d) for c in gained for d in suc[c] if d in weak_set]
        heap += [(rank[c], c) for c in lost]
        heapq.heapify(heap)
        moved: set[str] = set()
        while heap:
            _, c = heapq.heappop(heap)
            if c in moved:
                continue
            d = 1 + max((distance.get(p, 0) for p in pre[c]), default=0)
            if distance.get(c) != d:
                distance[c] = d
                moved.add(c)
                for x in suc[c]:
                    if x in weak_set and x not in moved:
                        heapq.heappush(heap, (rank[x], x))
        touched = set(gained) | set(lost) | moved
        if self.cost_model is not None:
            seen = previous.mastery_seen
            touched.update(c for c in weak if seen.get(c, -1.0) != mastery.get(c, 0.0))

        # Units whose set or cost may have changed, with their new set and cost.
        if self.cost_model is not None:
            self.cost_model.prime(weak)  # new weak concepts, priced together
        memo: dict[str, float] = {}
        fresh: dict[str, tuple[Unit, list[str], float]] = {}
        for c in touched:
            found = self._by_concept.get(c)
            if not found:
                if self.fill_gaps and c in weak_set:
                    found = [self._practice_unit(c)]
                else:
                    continue
            for u in found:
                if u.id not in fresh:
                    members = sorted((x for x in u.covers if x in weak_set), key=rank.__getitem__)
                    fresh[u.id] = (u, members, self._unit_cost(u, members, distance, mastery, memo))

        # The carried bound: untouched units keep their cost and lose no load, so only
        # the touched ones can overload the old duals, and only theirs need shrinking.
        y = {e: v for e, v in previous.duals.items() if e in weak_set}
        for _, members, cost in fresh.values():
            if cost == 0:
                for e in members:
                    y.pop(e, None)
        fit_duals(y, [m for _, m, _ in fresh.values()], [c for _, _, c in fresh.values()])
        bound = math.fsum(y.values())

        # The cover: the old owners, minus what was mastered, plus owners for the lost.
        owner: dict[str, str] = {}
        unit_cost: dict[str, float] = {}
        units: dict[str, Unit] = {}
        step_costs: dict[str, list[float]] = {}
        for step in previous.steps:
            step_costs.setdefault(step.unit, []).append(step.cost)
            for c in step.covers:
                if c in weak_set:
                    owner[c] = step.unit
        for uid in dict.fromkeys(owner.values()):
            if uid in fresh:
                units[uid], _, unit_cost[uid] = fresh[uid]
            else:
                unit = self._by_id.get(uid)
                if unit is None:
                    concept = uid.removeprefix(PRACTICE_PREFIX)
                    if not (uid.startswith(PRACTICE_PREFIX) and concept in self.graph):
                        return None  # the unit left the course: solve again
                    unit = self._practice_unit(concept)
                units[uid] = unit
                unit_cost[uid] = math.fsum(step_costs[uid])
        uncovered = [c for c in previous.uncovered if c in weak_set]
        for c in lost:
            options = [u.id for u in self._by_concept.get(c, ())]
            if not options and self.fill_gaps:
                options = [PRACTICE_PREFIX + c]
            if not options:
                uncovered.append(c)
                continue
            taken = [uid for uid in options if uid in unit_cost]
            uid = taken[0] if taken else min(options, key=lambda u: (fresh[u][2], u))
            owner[c] = uid
            if uid not in unit_cost:
                units[uid], _, unit_cost[uid] = fresh[uid]
        total = math.fsum(unit_cost.values())
        if total > harmonic(len(weak)) * bound * (1 + 1e-9):
            return None

        # The order: drop what was mastered, then slot each lost concept in.
        order: list[tuple[Unit, list[str]]] = []
        for step in previous.steps:
            part = [c for c in step.covers if c in weak_set]
            if part:
                order.append((units[step.unit], part))
        mask: dict[str, int] | None = None
        for c in sorted((c for c in lost if c in owner), key=rank.__getitem__):
            if not self._insert(order, c, units[owner[c]], weak_set):
                # No slot respects both its prerequisites and its dependents: reorder all.
                mask = self._masks(needed, active)
                slots: dict[str, list[str]] = {uid: [] for uid in unit_cost}
                for x in weak:
                    if x in owner:
                        slots[owner[x]].append(x)
                uids = list(slots)
                ordered = self._order([slots[u] for u in uids], distance, mask)
                order = [(units[uids[k]], list(part)) for k, part in ordered]
                break
        counts: dict[str, int] = {}
        for uid in owner.values():
            counts[uid] = counts.get(uid, 0) + 1
        uncovered.sort(key=rank.__getitem__)
        return self._finish(
            goals=goals,
            active=active,
            needed=needed,
            weak=weak,
            ordered=[(u, tuple(part)) for u, part in order],
            unit_cost=unit_cost,
            assigned_count=counts,
            lower_bound=bound,
            duals=y,
            kind="dual",
            threshold=threshold,
            guide=previous.guide,
            distance=distance,
            mastery=mastery,
            uncovered=uncovered,
            reasons={(s.unit, s.covers, s.part > 1): s.reason for s in previous.steps},
            mask=mask,
        )

    def _insert(
        self, order: list[tuple[Unit, list[str]]], concept: str, unit: Unit, weak: set[str]
    ) -> bool:
        """Put ``concept`` into ``order`` after its prerequisites and before its dependents.

        Into a step of its own unit if one lies in that window, else as a new step of
        that unit right after its last prerequisite. False when the window is empty.
        """
        where = {c: k for k, (_, part) in enumerate(order) for c in part}
        after = max((where[p] for p in self._pre[concept] if p in where), default=-1)
        before = min((where[d] for d in self._suc[concept] if d in where), default=len(order))
        if after > before:
            return False
        for k in range(after if after >= 0 else 0, min(before, len(order) - 1) + 1):
            if order[k][0].id == unit.id:
                order[k][1].append(concept)
                order[k][1].sort(key=self._rank.__getitem__)
                return True
        if after == before:
            return False
        order.insert(after + 1, (unit, [concept]))
        return True

    # -- the plan ---------------------------------------------------------------

    def _finish(
        self,
        *,
        goals: Sequence[str],
        active: Sequence[str],
        needed: Sequence[str],
        weak: Sequence[str],
        ordered: Sequence[tuple[Unit, tuple[str, ...]]],
        unit_cost: Mapping[str, float],
        assigned_count: Mapping[str, int],
        lower_bound: float,
        duals: Mapping[str, float],
        kind: str,
        threshold: float,
        guide: Mapping[str, float],
        distance: Mapping[str, int],
        mastery: Mapping[str, float],
        uncovered: Sequence[str],
        reasons: Mapping[tuple[str, tuple[str, ...], bool], str],
        mask: dict[str, int] | None,
    ) -> Plan:
        """Cost and explain each step; report what is uncovered and which goals it blocks."""
        pre = self._pre
        uncovered_set = set(uncovered)
        blocked = set(uncovered)
        if uncovered:
            # A goal is out of reach when anything it needs, however indirectly, is
            # uncovered: propagate "blocked" forward through the weak concepts.
            for c in weak:
                if c not in blocked and any(p in blocked for p in pre[c]):
                    blocked.add(c)
        names = self.names

        def name(c: str) -> str:
            return names.get(c, c)

        goal_list = list(active)
        goal_set = set(goal_list)
        seen_parts: dict[str, int] = {}
        steps = []
        for unit, part in ordered:
            n = seen_parts[unit.id] = seen_parts.get(unit.id, 0) + 1
            missing = (
                list(dict.fromkeys(p for c in part for p in pre[c] if p in uncovered_set))
                if uncovered_set
                else []
            )
            reason = None if missing else reasons.get((unit.id, part, n > 1))
            if reason is None:
                if mask is None:
                    mask = self._masks(needed, active)
                m = 0
                for c in part:
                    if c not in goal_set:
                        m |= mask[c]
                reason = step_reason(
                    part,
                    serving=[g for j, g in enumerate(goal_list) if m >> j & 1],
                    goals=goal_list,
                    name=name,
                    unit_title=unit.title or unit.id,
                    continued=n > 1,
                    missing=missing,
                )
            steps.append(
                Step(
                    unit=unit.id,
                    covers=part,
                    cost=unit_cost[unit.id] * len(part) / assigned_count[unit.id],
                    reason=reason,
                    part=n,
                )
            )
        return Plan(
            steps=tuple(steps),
            total_cost=math.fsum(unit_cost.values()),
            lower_bound=lower_bound,
            uncovered=tuple(uncovered),
            goals=tuple(goals),
            threshold=threshold,
            unreachable_goals=tuple(g for g in active if g in blocked),
            weak=tuple(weak),
            needed=tuple(needed),
            bound=kind,
            duals=dict(duals),
            guide=dict(guide),
            distance=dict(distance),
            mastery_seen={c: float(mastery.get(c, 0.0)) for c in weak},
        )


def _check_threshold(threshold: float) -> float:
    if isinstance(threshold, bool) or not (
        isinstance(threshold, int | float) and 0.0 < threshold <= 1.0
    ):
        raise InvalidMasteryError(f"threshold must be in (0, 1], got {threshold!r}")
    return float(threshold)


def _cost_model(
    cost_model: CostModel | None,
    item_params: Mapping[str, Sequence[tuple[float, float]]] | None,
    theta: float | Mapping[str, float] | None,
) -> CostModel | None:
    if cost_model is not None:
        return cost_model
    if item_params is None and theta is None:
        return None
    return CostModel(item_params=item_params or {}, theta=0.0 if theta is None else theta)


def plan_path(
    *,
    graph: SkillGraph,
    mastery: Mapping[str, float],
    goals: Sequence[str],
    units: Iterable[Unit] = (),
    item_params: Mapping[str, Sequence[tuple[float, float]]] | None = None,
    theta: float | Mapping[str, float] | None = None,
    cost_model: CostModel | None = None,
    threshold: float = 0.95,
    names: Mapping[str, str] | None = None,
    fill_gaps: bool = True,
    practice_cost: float = 1.0,
    lower_bound: bool = True,
) -> Plan:
    r"""The cheapest followable plan from what a learner knows to all their goals.

    Parameters
    ----------
    graph : SkillGraph
        The course's concepts and prerequisites.
    mastery : mapping of concept id to float
        The learner's probability of mastery per concept; missing concepts are 0.
    goals : sequence of str
        Concept ids the learner wants to master, most important first (steps are
        grouped by goal in this order).
    units : iterable of Unit
        The course's learning units (candidate sets).
    item_params : mapping of concept id to sequence of (a, b), optional
        2PL parameters of each concept's items, for a personal cost.
    theta : float or mapping of concept id to float, optional
        The learner's ability (one number or per concept), for a personal cost.
    cost_model : CostModel, optional
        A fully configured cost model; overrides ``item_params`` and ``theta``. With
        none of the three each unit costs its own ``cost`` (the course's estimate).
    threshold : float, default 0.95
        A concept is mastered when its probability is at least this.
    names : mapping of concept id to str, optional
        Human names of concepts, used in reasons.
    fill_gaps : bool, default True
        Add single-concept practice (``practice:<id>``, cost ``practice_cost``) for
        weak concepts no unit covers. With False such concepts are ``uncovered``.
    practice_cost : float, default 1.0
        Own cost of a single-concept practice unit.
    lower_bound : bool, default True
        Solve the LP relaxation for ``Plan.lower_bound`` (scipy's HiGHS). With False
        the bound is 0 and the guided greedy pass is skipped.

    Returns
    -------
    Plan
        Steps in order with their reasons, total cost, lower bound, uncovered
        concepts and unreachable goals.

    Raises
    ------
    UnknownGoalError
        A goal is not a concept of the graph.
    InvalidMasteryError
        A mastery value outside [0, 1], a concept unknown to the graph, or a threshold
        outside (0, 1].
    InvalidUnitError
        Duplicate unit ids, a unit covering an unknown concept, a bad cost.

    Examples
    --------
    >>> g = SkillGraph(["v", "i", "ohm", "kvl"], [("v", "ohm"), ("i", "ohm"), ("v", "kvl")])
    >>> units = [Unit("basics", ("v", "i"), 2.0), Unit("ohm-lesson", ("ohm",), 1.0),
    ...          Unit("everything", ("v", "i", "ohm", "kvl"), 5.0)]
    >>> names = {"v": "Voltage", "i": "Current", "ohm": "Ohm's law", "kvl": "KVL"}
    >>> plan = plan_path(graph=g, mastery={"v": 0.99}, goals=["ohm"], units=units,
    ...                  names=names)
    >>> [(s.unit, s.covers) for s in plan.steps]
    [('basics', ('i',)), ('ohm-lesson', ('ohm',))]
    >>> plan.total_cost, plan.lower_bound, plan.uncovered
    (3.0, 3.0, ())
    >>> print(plan.steps[0].reason)
    Current is needed for your goal Ohm's law, and you have not mastered it yet.

    Notes
    -----
    1. **Universe.** W = the unmastered goals and their prerequisite closure, minus
       the mastered concepts. A goal already mastered needs nothing.
    2. **Candidates and costs.** Every unit teaching a concept of W, cut to W, plus
       single-concept practice where no unit exists. With a cost model, a unit
       costs its length plus, for each weak concept it teaches, the expected items
       to mastery (:class:`~planner.paths.cost.CostModel`).
    3. **Cover.** Chvatal's greedy (:func:`~planner.paths.setcover.greedy_set_cover`),
       whose cost is at most :math:`H(|W|) \le 1 + \ln |W|` times the optimum, run
       guided by the LP solution and plain; the cheaper is kept, so the guarantee
       holds. The plain pass is skipped only when the guided cover is certified
       within 0.1 % of the bound (it could not gain more). Redundant units are removed.
    4. **Bound.** The LP relaxation's dual, certified feasible, is the plan's lower
       bound; ``plan.ratio`` bounds how far this plan can be from the optimum.
    5. **Order.** Units in a topological order of their concepts that prefers the
       first goal, then the learner's frontier (:func:`~planner.paths.order.order_units`).

    Time: one walk of the goals' closure, :math:`O(n + e)` for its ``n`` concepts and
    ``e`` edges (never the whole graph), plus the greedy's
    :math:`O(s \log m)` for total candidate size ``s`` over ``m`` candidates, plus the
    LP (HiGHS; fast on these sparse covering LPs, but it dominates on large instances).

    References
    ----------
    .. [1] V. Chvatal, "A greedy heuristic for the set-covering problem",
       Mathematics of Operations Research 4(3), 233-235, 1979.
    .. [2] A. B. Kahn, "Topological sorting of large networks", Communications of the
       ACM 5(11), 558-562, 1962.
    """
    planner = PathPlanner(
        graph,
        units,
        names=names,
        cost_model=_cost_model(cost_model, item_params, theta),
        fill_gaps=fill_gaps,
        practice_cost=practice_cost,
    )
    return planner.plan(mastery, goals, threshold=threshold, lower_bound=lower_bound)


def replan(
    previous: Plan,
    *,
    graph: SkillGraph,
    mastery: Mapping[str, float],
    units: Iterable[Unit] = (),
    item_params: Mapping[str, Sequence[tuple[float, float]]] | None = None,
    theta: float | Mapping[str, float] | None = None,
    cost_model: CostModel | None = None,
    names: Mapping[str, str] | None = None,
    fill_gaps: bool = True,
    practice_cost: float = 1.0,
    exact_bound: bool = False,
) -> Plan:
    """Update a plan after the learner's mastery changed, reusing what still holds.

    Parameters
    ----------
    previous : Plan
        The plan to update (e.g. read back with :meth:`Plan.from_dict`). Its goals and
        threshold are kept.
    graph, units, item_params, theta, cost_model, names, fill_gaps, practice_cost
        The same course and cost settings as for the previous plan.
    mastery : mapping of concept id to float
        The learner's mastery now (all of it, not only what changed).
    exact_bound : bool, default False
        Solve the LP again for the tightest bound instead of carrying the dual over.

    Returns
    -------
    Plan
        ``previous`` itself when nothing it depends on changed (no concept crossed
        the mastery threshold and, with personal costs, no weak concept's mastery
        moved); otherwise the plan for the new state.

    Raises
    ------
    InvalidMasteryError
        As for :func:`plan_path`.

    Examples
    --------
    >>> g = SkillGraph(["v", "ohm"], [("v", "ohm")])
    >>> units = [Unit("v-lesson", ("v",)), Unit("ohm-lesson", ("ohm",))]
    >>> first = plan_path(graph=g, mastery={}, goals=["ohm"], units=units)
    >>> [s.unit for s in first.steps]
    ['v-lesson', 'ohm-lesson']
    >>> again = replan(first, graph=g, mastery={"v": 0.97}, units=units)
    >>> [s.unit for s in again.steps], again.bound
    (['ohm-lesson'], 'dual')

    Notes
    -----
    The plan is *repaired*, in time proportional to what changed: distances are
    re-derived only downstream of the concepts that crossed the threshold, costs only
    for the units teaching a concept whose distance or mastery moved; mastered
    concepts leave their steps, a concept that became weak joins a chosen unit that
    covers it (or the cheapest that does) at the first place where its prerequisites
    come before it and its dependents after (the plan is reordered only when no
    such place exists). The goals' closure is read from the plan, never walked again,
    and the previous LP duals, cut to the new weak set and shrunk where a unit's new
    cost overloads them (:func:`~planner.paths.setcover.fit_duals`), still certify a
    lower bound. The repair is kept only while it stays within Chvatal's guarantee,
    cost <= H(|W|) x bound, and while at most eight concepts became weak at once;
    otherwise the cover is solved again (greedy guided by the old LP solution, no
    new LP). When a goal itself is reached or lost the closure changes and the plan
    is made from scratch.
    """
    planner = PathPlanner(
        graph,
        units,
        names=names,
        cost_model=_cost_model(cost_model, item_params, theta),
        fill_gaps=fill_gaps,
        practice_cost=practice_cost,
    )
    return planner.replan(previous, mastery, exact_bound=exact_bound)
