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
from planner.paths.setcover import (
    LowerBound,
    SetCover,
    dual_bound,
    greedy_set_cover,
    lp_lower_bound,
)

__all__ = [
    "PRACTICE_PREFIX",
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
        Goals that need an uncovered concept (or are uncovered themselves).
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
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidPlanError(f"not a stored plan: {exc}") from exc


class PathPlanner:
    """Plans learning paths over one course for one cost model; reuse it across learners.

    Building it indexes the course once (units by concept, the prerequisite lists), so
    each :meth:`plan` and :meth:`replan` does only the work that depends on the
    learner. All arguments are as for :func:`plan_path`.

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
        seen: set[str] = set()
        self._by_concept: dict[str, list[int]] = {}
        for i, unit in enumerate(self.units):
            if unit.id in seen:
                raise InvalidUnitError(f"duplicate unit id {unit.id!r}")
            seen.add(unit.id)
            for c in unit.covers:
                if c not in graph:
                    raise InvalidUnitError(f"unit {unit.id!r} covers unknown concept {c!r}")
                self._by_concept.setdefault(c, []).append(i)
        # Plain tuples: the hot loops below read each prerequisite list several times,
        # and a dict of tuples is several times faster to walk than networkx's views.
        pred = graph.graph.pred
        self._pre: dict[str, tuple[str, ...]] = {c: tuple(pred[c]) for c in graph.order}
        self._rank = {c: i for i, c in enumerate(graph.order)}

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
        return self._build(
            goals, active, needed, mastery, threshold, solve_lp=lower_bound, carried=None
        )

    def replan(
        self, previous: Plan, mastery: Mapping[str, float], *, exact_bound: bool = False
    ) -> Plan:
        """Plan again after mastery changed; see :func:`replan`."""
        self._check_mastery(mastery)
        threshold = previous.threshold
        if any(c not in self.graph for c in previous.needed) or any(
            g not in self.graph for g in previous.goals
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
        if weak == list(previous.weak) and not exact_bound:
            # Probabilities moved but no concept crossed the threshold: same plan.
            return previous
        return self._build(
            list(previous.goals),
            active,
            needed,
            mastery,
            threshold,
            solve_lp=exact_bound,
            carried=None if exact_bound else previous,
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

    # -- pipeline -------------------------------------------------------------------

    def _closure_in_order(self, goals: Sequence[str]) -> list[str]:
        """The goals and all their prerequisites, in a topological order.

        One backward breadth-first search and one Kahn pass over the closure only:
        O(n log n + e) for the closure's n concepts and e edges, never the whole graph.
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
        indegree = {c: len(pre[c]) for c in seen}
        succ: dict[str, list[str]] = {c: [] for c in seen}
        for c in seen:
            for p in pre[c]:
                succ[p].append(c)
        # Ties go to syllabus order (a heap on rank), as in SkillGraph.topological_order,
        # so that concepts inside one step read in the order the course lists them.
        rank = self._rank
        heap = [(rank[c], c) for c, n in indegree.items() if n == 0]
        heapq.heapify(heap)
        order: list[str] = []
        while heap:
            _, c = heapq.heappop(heap)
            order.append(c)
            for d in succ[c]:
                indegree[d] -= 1
                if indegree[d] == 0:
                    heapq.heappush(heap, (rank[d], d))
        return order

    def _build(
        self,
        goals: Sequence[str],
        active: Sequence[str],
        needed: Sequence[str],
        mastery: Mapping[str, float],
        threshold: float,
        *,
        solve_lp: bool,
        carried: Plan | None,
    ) -> Plan:
        pre = self._pre
        weak = [c for c in needed if mastery.get(c, 0.0) < threshold]
        weak_set = set(weak)
        position = {c: i for i, c in enumerate(weak)}

        # Which goals need each concept, as a bit mask over the active goals: pushed
        # down the closure once, in reverse topological order (goals are sinks here).
        bit = {g: 1 << i for i, g in enumerate(active)}
        mask = {c: bit.get(c, 0) for c in needed}
        for c in reversed(needed):
            m = mask[c]
            if m:
                for p in pre[c]:
                    mask[p] |= m

        # Prerequisite steps from the mastered set (mastered prerequisites count 0).
        distance: dict[str, int] = {}
        for c in weak:
            distance[c] = 1 + max((distance.get(p, 0) for p in pre[c]), default=0)

        candidates, sets = self._candidates(weak, weak_set, position)
        costs = self._costs(candidates, sets, distance, mastery)

        bound_kind = "lp" if solve_lp else ("dual" if carried is not None else "none")
        guide: list[float] | None = None
        if solve_lp:
            lb: LowerBound[str] = lp_lower_bound(weak, sets, costs)
            guide = [lb.primal.get(i, 0.0) for i in range(len(sets))]
        elif carried is not None:
            lb = dual_bound(weak, sets, costs, carried.duals)
            guide = [carried.guide.get(u.id, 0.0) for u in candidates]
        else:
            lb = LowerBound(value=0.0, duals={}, lp_value=math.nan)

        cover = greedy_set_cover(weak, sets, costs)
        if guide is not None and any(guide):
            guided = greedy_set_cover(weak, sets, costs, guide=guide)
            if guided.cost < cover.cost:
                cover = guided
        return self._assemble(
            goals=goals,
            active=active,
            needed=needed,
            weak=weak,
            mask=mask,
            distance=distance,
            position=position,
            candidates=candidates,
            sets=sets,
            costs=costs,
            cover=cover,
            lb=lb,
            bound_kind=bound_kind,
            threshold=threshold,
            mastery=mastery,
        )

    def _candidates(
        self, weak: Sequence[str], weak_set: set[str], position: Mapping[str, int]
    ) -> tuple[list[Unit], list[list[str]]]:
        """Units that teach at least one weak concept, each cut to the weak concepts."""
        picked: dict[int, None] = {}
        gaps: list[str] = []
        for c in weak:
            found = self._by_concept.get(c)
            if found:
                picked.update(dict.fromkeys(found))
            else:
                gaps.append(c)
        candidates = [self.units[i] for i in picked]
        sets = [
            sorted((c for c in u.covers if c in weak_set), key=position.__getitem__)
            for u in candidates
        ]
        if self.fill_gaps:
            for c in gaps:
                candidates.append(
                    Unit.practice(c, cost=self.practice_cost, name=self.names.get(c))
                )
                sets.append([c])
        return candidates, sets

    def _costs(
        self,
        candidates: Sequence[Unit],
        sets: Sequence[Sequence[str]],
        distance: Mapping[str, int],
        mastery: Mapping[str, float],
    ) -> list[float]:
        """Each candidate's cost for this learner: its length plus expected practice."""
        model = self.cost_model
        if model is None:
            return [u.cost for u in candidates]
        per_concept: dict[str, float] = {}
        out = []
        for u, s in zip(candidates, sets, strict=True):
            extra = 0.0
            for c in s:
                if c not in per_concept:
                    per_concept[c] = model.concept_cost(
                        c, distance=distance[c], mastery=float(mastery.get(c, 0.0))
                    )
                extra += per_concept[c]
            out.append(u.cost + extra)
        return out

    def _assemble(
        self,
        *,
        goals: Sequence[str],
        active: Sequence[str],
        needed: Sequence[str],
        weak: Sequence[str],
        mask: Mapping[str, int],
        distance: Mapping[str, int],
        position: Mapping[str, int],
        candidates: Sequence[Unit],
        sets: Sequence[Sequence[str]],
        costs: Sequence[float],
        cover: SetCover[str],
        lb: LowerBound[str],
        bound_kind: str,
        threshold: float,
        mastery: Mapping[str, float],
    ) -> Plan:
        pre = self._pre
        uncovered = [c for c in weak if c in cover.uncovered]
        # A goal is out of reach when anything it needs, however indirectly, is
        # uncovered: propagate "blocked" forward through the weak concepts.
        blocked = set(uncovered)
        for c in weak:
            if c not in blocked and any(p in blocked for p in pre[c]):
                blocked.add(c)
        unreachable = [g for g in active if g in blocked]

        # Each weak concept is taught by the first chosen unit (in greedy order) that
        # covers it, so that no concept is scheduled twice.
        owner: dict[str, int] = {}
        for k, i in enumerate(cover.chosen):
            for c in sets[i]:
                owner.setdefault(c, k)
        assigned: list[list[str]] = [[] for _ in cover.chosen]
        for c in weak:
            if c in owner:
                assigned[owner[c]].append(c)

        def goal_group(c: str) -> int:
            m = mask[c]
            return (m & -m).bit_length() - 1

        key = {c: (goal_group(c), distance[c], position[c]) for c in owner}
        ordered = order_units(assigned, pre, key, position)

        names = self.names
        goal_list = list(active)

        def name(c: str) -> str:
            return names.get(c, c)

        def goals_of(c: str) -> list[str]:
            m = mask[c]
            return [g for j, g in enumerate(goal_list) if m >> j & 1]

        uncovered_set = set(uncovered)
        parts_seen: dict[int, int] = {}
        steps = []
        for k, part in ordered:
            i = cover.chosen[k]
            unit = candidates[i]
            parts_seen[k] = parts_seen.get(k, 0) + 1
            missing = list(
                dict.fromkeys(p for c in part for p in pre[c] if p in uncovered_set)
            )
            steps.append(
                Step(
                    unit=unit.id,
                    covers=part,
                    cost=costs[i] * len(part) / len(assigned[k]),
                    reason=step_reason(
                        part,
                        goals_of=goals_of,
                        goals=goal_list,
                        name=name,
                        unit_title=unit.title or unit.id,
                        continued=parts_seen[k] > 1,
                        missing=missing,
                    ),
                    part=parts_seen[k],
                )
            )
        guide = {
            candidates[i].id: x for i, x in (lb.primal or {}).items() if x > 0
        }
        return Plan(
            steps=tuple(steps),
            total_cost=cover.cost,
            lower_bound=lb.value,
            uncovered=tuple(uncovered),
            goals=tuple(goals),
            threshold=threshold,
            unreachable_goals=tuple(unreachable),
            weak=tuple(weak),
            needed=tuple(needed),
            bound=bound_kind,
            duals=dict(lb.duals),
            guide=guide,
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
    Current is needed for your goal Ohm's law, and you have not shown it yet.

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
       twice (plain, and guided by the LP solution); the cheaper is kept, so the
       guarantee holds. Redundant units are removed.
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
        ``previous`` itself when no concept crossed the mastery threshold; otherwise
        a new plan over the new weak set.

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
    What is reused: the goals' prerequisite closure in topological order (stored in
    the plan), so the graph is not walked again; and the previous LP solution, whose
    duals, cut to the new weak set and scaled to stay feasible under the new costs,
    still certify a lower bound (:func:`~planner.paths.setcover.dual_bound`), and whose
    primal guides the greedy. What is recomputed, in time linear in the closure:
    distances, costs, the cover and the order. When a goal itself is reached or lost
    the closure changes and the plan is made from scratch.
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
