"""Learning paths against baselines, on simulated learners: ``python -m planner.simulate``.

Each simulated learner (:mod:`planner.crowd`: a known true ability per concept,
answers by the 2PL model, learns from practice) is given goals and taught by one
*strategy*, a rule for which concept to practise next. The same learners, with the
same random draws, go through every strategy, so the comparison is paired.

The practice loop is the same for all strategies, so that only the choice of
concepts differs. The tutor does not see the truth: it tracks each concept with
Bayesian knowledge tracing (:mod:`knowledge_graph.bkt`, default parameters) and asks
items on the chosen concept, one at a time, until the estimate reaches the mastery
threshold (or ``max_per_concept`` items, when it sets the concept aside). A run ends
when every goal is estimated mastered (or set aside), or after ``max_items``.

Strategies:

``planner``
    :class:`~planner.paths.plan.PathPlanner` with personal costs (the items' teacher
    difficulties, ability 0): practise the first concept of the plan's first step;
    replan each time a concept is mastered or set aside.
``syllabus``
    The course in its own order, from the start, every concept, until the goals are
    mastered (what a learner without a tutor does).
``syllabus-needed``
    The course order restricted to the goals' prerequisites: a stronger baseline
    that already knows what the goals need, shown so the planner's gain is not
    mistaken for skipping alone.
``random``
    The concepts the goals need, in a random order fixed per learner, ignoring
    prerequisites.
``most-goals``
    Among the needed concepts whose prerequisites are estimated mastered, the one
    that the most unmastered goals need (syllabus order breaks ties): the rule of
    the published GraphMASAL re-implementation.

Reported per strategy: practice items until every goal is mastered, and the final
*true* mastery (the crowd's ability, which the strategies never see): the mean
probability of answering a ``b = 0`` item on each goal, the share of goals no longer
weak (true ability >= 0), and the same two over everything the goals need.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from knowledge_graph.bkt import BKTParams, bkt_update
from knowledge_graph.errors import KnowledgeGraphError
from knowledge_graph.graph import SkillGraph
from planner.crowd import CrowdError, CrowdItem, SimulatedLearner, sample_crowd
from planner.paths.cost import CostModel
from planner.paths.errors import PathPlanningError
from planner.paths.plan import PathPlanner, Plan, Unit

__all__ = [
    "STRATEGIES",
    "SimCourse",
    "LearnerRun",
    "StrategySummary",
    "load_course",
    "run_learner",
    "simulate",
    "summarise",
    "main",
]

STRATEGIES = ("planner", "syllabus", "syllabus-needed", "random", "most-goals")
DEMO_COURSE = Path(__file__).resolve().parents[1] / "courses" / "dc-ac-circuits-1"


class SimulationError(ValueError):
    """A course folder or option the simulation cannot use."""


@dataclass(frozen=True)
class SimCourse:
    """A course as the simulation needs it.

    Attributes
    ----------
    graph : SkillGraph
    names : dict of str to str
        Concept names.
    units : tuple of Unit
        The course's ``units``, or one unit per lesson covering its concepts.
    items : dict of str to list of CrowdItem
        Practice items per concept: the items on that concept alone when it has
        some, else every item that involves it.
    misconceptions : tuple of str
    """

    graph: SkillGraph
    names: dict[str, str]
    units: tuple[Unit, ...]
    items: dict[str, list[CrowdItem]]
    misconceptions: tuple[str, ...] = ()


def _yaml(path: Path) -> Any:
    import yaml  # only the simulation reads course folders; keep `import planner` light

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SimulationError(f"{path}: {exc}") from exc


def _front_matter(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return {}
    end = text.find("\n---", 3)
    if end < 0:
        raise SimulationError(f"{path}: front matter is not closed")
    import yaml

    data = yaml.safe_load(text[3:end])
    return data if isinstance(data, dict) else {}


def load_course(path: str | Path) -> SimCourse:
    """Read a course folder (``course.yaml``, ``lessons/*.md``, ``items/*.yaml``).

    Parameters
    ----------
    path : str or Path
        The folder, or its ``course.yaml``.

    Returns
    -------
    SimCourse

    Raises
    ------
    SimulationError
        Unreadable files or missing keys.
    knowledge_graph.errors.KnowledgeGraphError
        A prerequisite cycle or an unknown concept.

    Notes
    -----
    Without ``units`` in ``course.yaml``, every lesson is a unit covering its
    concepts (cost: its ``minutes`` / 2, about two minutes per practice item, or 1);
    the planner adds single-concept practice where no unit exists.
    """
    root = Path(path)
    if root.is_file():
        root = root.parent
    spec = _yaml(root / "course.yaml")
    if not isinstance(spec, dict) or not isinstance(spec.get("concepts"), list):
        raise SimulationError(f"{root / 'course.yaml'}: needs a list of concepts")
    concepts = [c["id"] for c in spec["concepts"]]
    names = {c["id"]: str(c.get("name", c["id"])) for c in spec["concepts"]}
    edges = [(p, c["id"]) for c in spec["concepts"] for p in c.get("prerequisites") or ()]
    graph = SkillGraph(concepts, edges)
    units: list[Unit] = []
    if spec.get("units"):
        for u in spec["units"]:
            units.append(
                Unit(
                    id=str(u["id"]),
                    covers=tuple(u["covers"]),
                    cost=float(u.get("minutes", 2.0)) / 2.0,
                    title=str(u.get("title", "")),
                    kind=str(u.get("kind", "lesson")),
                )
            )
    else:
        for md in sorted((root / "lessons").glob("*.md")):
            fm = _front_matter(md)
            if fm.get("concepts"):
                units.append(
                    Unit(
                        id=md.stem,
                        covers=tuple(fm["concepts"]),
                        cost=float(fm.get("minutes", 2.0)) / 2.0,
                        title=str(fm.get("title", md.stem)),
                    )
                )
    bank: list[CrowdItem] = []
    for f in sorted((root / "items").glob("*.yaml")):
        for raw in _yaml(f) or ():
            bank.append(CrowdItem.from_mapping(raw))
    items: dict[str, list[CrowdItem]] = {}
    for c in concepts:
        alone = [it for it in bank if it.concepts == (c,)]
        items[c] = alone or [it for it in bank if c in it.concepts]
    for it in bank:
        for c in it.concepts:
            if c not in graph:
                raise SimulationError(f"item {it.id!r} names unknown concept {c!r}")
    misconceptions = tuple(m["id"] for m in spec.get("misconceptions") or ())
    return SimCourse(graph, names, tuple(units), items, misconceptions)


@dataclass
class LearnerRun:
    """One learner taught by one strategy.

    Attributes
    ----------
    items : int
        Practice items answered.
    reached : bool
        Every goal was estimated mastered (none set aside, no cap hit).
    goal_mastery : float
        Mean true P(correct) on a ``b = 0`` item of each goal, at the end.
    goals_not_weak : float
        Share of goals whose true ability is >= 0 at the end.
    needed_mastery : float
        The same mean over everything the goals need (goals and prerequisites): a
        strategy that reaches the goals while skipping weak prerequisites shows here.
    needed_not_weak : float
        Share of the needed concepts whose true ability is >= 0 at the end.
    practised : list of str
        Concepts practised, in order (each once).
    """

    items: int
    reached: bool
    goal_mastery: float
    goals_not_weak: float
    needed_mastery: float = math.nan
    needed_not_weak: float = math.nan
    practised: list[str] = field(default_factory=list)


class _Tutor:
    """What every strategy shares: the estimates, the practice loop, the bookkeeping."""

    def __init__(
        self,
        course: SimCourse,
        learner: SimulatedLearner,
        goals: Sequence[str],
        rng: np.random.Generator,
        *,
        threshold: float,
        bkt: BKTParams,
        max_per_concept: int,
    ) -> None:
        self.course = course
        self.learner = learner
        self.goals = list(goals)
        self.rng = rng
        self.threshold = threshold
        self.bkt = bkt
        self.max_per_concept = max_per_concept
        self.p_known = dict.fromkeys(course.graph.order, bkt.p_init)
        self.set_aside: set[str] = set()
        self.items = 0
        self.practised: list[str] = []

    def done(self, c: str) -> bool:
        return c in self.set_aside or self.p_known[c] >= self.threshold

    def finished(self) -> bool:
        return all(self.done(g) for g in self.goals)

    def practise(self, c: str, budget: int) -> None:
        """Items on ``c`` until its estimate reaches the threshold (or the caps)."""
        self.practised.append(c)
        bank = self.course.items[c]
        if not bank:
            self.set_aside.add(c)  # nothing to practise with: the tutor cannot teach it
            return
        order = [bank[k] for k in self.rng.permutation(len(bank))]
        for k in range(self.max_per_concept):
            if self.items >= budget or self.p_known[c] >= self.threshold:
                return
            item = order[k % len(order)]
            r = self.learner.answer(item, seed=self.rng, learn=True)
            self.items += 1
            self.p_known[c] = bkt_update(self.p_known[c], r.correct, self.bkt)
        if self.p_known[c] < self.threshold:
            self.set_aside.add(c)


Chooser = Callable[[_Tutor], str | None]


def _closure(graph: SkillGraph, goals: Sequence[str]) -> set[str]:
    return graph.closure(goals)


def _syllabus(t: _Tutor) -> str | None:
    return next((c for c in t.course.graph.order if not t.done(c)), None)


def _make_syllabus_needed(t: _Tutor) -> Chooser:
    needed = _closure(t.course.graph, t.goals)
    order = [c for c in t.course.graph.order if c in needed]
    return lambda t: next((c for c in order if not t.done(c)), None)


def _make_random(t: _Tutor) -> Chooser:
    needed = sorted(_closure(t.course.graph, t.goals), key=t.course.graph.order.index)
    order = [needed[k] for k in t.rng.permutation(len(needed))]
    return lambda t: next((c for c in order if not t.done(c)), None)


def _make_most_goals(t: _Tutor) -> Chooser:
    graph = t.course.graph
    needs = {g: _closure(graph, [g]) for g in t.goals}

    def choose(t: _Tutor) -> str | None:
        open_goals = [g for g in t.goals if not t.done(g)]
        best: tuple[int, int] | None = None
        pick = None
        for rank, c in enumerate(graph.order):
            if t.done(c) or not all(t.done(p) for p in graph.prerequisites(c)):
                continue
            count = sum(c in needs[g] for g in open_goals)
            if count and (best is None or (-count, rank) < best):
                best, pick = (-count, rank), c
        return pick

    return choose


def _make_planner(planner: PathPlanner) -> Callable[[_Tutor], Chooser]:
    def make(t: _Tutor) -> Chooser:
        state: dict[str, Plan] = {}

        def mastery() -> dict[str, float]:
            # A concept set aside is moved past, as every other strategy does.
            return {
                c: (1.0 if c in t.set_aside else p) for c, p in t.p_known.items()
            }

        def choose(t: _Tutor) -> str | None:
            if "plan" not in state:
                state["plan"] = planner.plan(mastery(), t.goals, threshold=t.threshold)
            else:
                state["plan"] = planner.replan(state["plan"], mastery())
            for step in state["plan"].steps:
                for c in step.covers:
                    if not t.done(c):
                        return c
            return None

        return choose

    return make


def _strategy_makers(course: SimCourse) -> dict[str, Callable[[_Tutor], Chooser]]:
    item_params = {
        c: [(it.a, it.b) for it in items] for c, items in course.items.items() if items
    }
    planner = PathPlanner(
        course.graph,
        course.units,
        names=course.names,
        cost_model=CostModel(item_params=item_params, theta=0.0),
    )
    return {
        "planner": _make_planner(planner),
        "syllabus": lambda t: _syllabus,
        "syllabus-needed": _make_syllabus_needed,
        "random": _make_random,
        "most-goals": _make_most_goals,
    }


def run_learner(
    course: SimCourse,
    learner: SimulatedLearner,
    goals: Sequence[str],
    choose: Callable[[_Tutor], Chooser],
    *,
    seed: int,
    threshold: float = 0.95,
    bkt: BKTParams | None = None,
    max_per_concept: int = 40,
    max_items: int = 3000,
) -> LearnerRun:
    """Teach a copy of ``learner`` with one strategy; the original is not changed.

    Parameters
    ----------
    course : SimCourse
    learner : SimulatedLearner
    goals : sequence of str
    choose : callable
        Builds the strategy's chooser for this learner (see ``_strategy_makers``).
    seed : int
        Seeds the item draws and answers; give every strategy the same seed for a
        paired comparison.
    threshold : float, default 0.95
        Estimated P(known) at which a concept counts as mastered.
    bkt : BKTParams, optional
        The tutor's knowledge-tracing parameters (defaults of :class:`BKTParams`).
    max_per_concept, max_items : int
        Caps: items on one concept before it is set aside, items in all.

    Returns
    -------
    LearnerRun
    """
    twin = learner.copy()
    rng = np.random.default_rng(seed)
    tutor = _Tutor(
        course, twin, goals, rng, threshold=threshold, bkt=bkt or BKTParams(),
        max_per_concept=max_per_concept,
    )
    chooser = choose(tutor)
    capped = False
    while not tutor.finished():
        if tutor.items >= max_items:
            capped = True
            break
        c = chooser(tutor)
        if c is None:
            break
        tutor.practise(c, max_items)
    truth = twin.ability
    needed = course.graph.closure(goals)

    def p(c: str) -> float:
        return 1.0 / (1.0 + math.exp(-truth[c]))

    return LearnerRun(
        items=tutor.items,
        reached=not capped and all(tutor.p_known[g] >= threshold for g in goals),
        goal_mastery=sum(p(g) for g in goals) / len(goals),
        goals_not_weak=sum(truth[g] >= 0.0 for g in goals) / len(goals),
        needed_mastery=sum(p(c) for c in needed) / len(needed),
        needed_not_weak=sum(truth[c] >= 0.0 for c in needed) / len(needed),
        practised=tutor.practised,
    )


def _draw_goals(course: SimCourse, rng: np.random.Generator, k: int) -> list[str]:
    """``k`` goals among the last third of the syllabus (the course's advanced topics)."""
    order = course.graph.order
    pool = order[len(order) * 2 // 3 :]
    return [pool[i] for i in sorted(rng.choice(len(pool), size=min(k, len(pool)), replace=False))]


def simulate(
    course: SimCourse,
    *,
    n_learners: int = 100,
    seed: int = 0,
    goals: Sequence[str] | None = None,
    goals_per_learner: int = 2,
    strategies: Sequence[str] = STRATEGIES,
    threshold: float = 0.95,
    max_per_concept: int = 40,
    max_items: int = 3000,
) -> dict[str, list[LearnerRun]]:
    """Run every strategy on the same simulated learners.

    Parameters
    ----------
    course : SimCourse
    n_learners : int, default 100
    seed : int, default 0
        Seeds the crowd, the goals and every learner's draws.
    goals : sequence of str, optional
        The same goals for everyone; by default each learner draws
        ``goals_per_learner`` among the last third of the syllabus.
    strategies : sequence of str
        Names from :data:`STRATEGIES`.
    threshold, max_per_concept, max_items
        As for :func:`run_learner`.

    Returns
    -------
    dict of str to list of LearnerRun
        Per strategy, one run per learner, learners in the same order.

    Raises
    ------
    SimulationError
        An unknown strategy or goal.

    Examples
    --------
    >>> course = load_course(DEMO_COURSE)
    >>> runs = simulate(course, n_learners=2, seed=1, strategies=["planner", "syllabus"])
    >>> sorted(runs), len(runs["planner"])
    (['planner', 'syllabus'], 2)
    """
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown:
        raise SimulationError(f"unknown strategy {unknown[0]!r}; choose from {STRATEGIES}")
    for g in goals or ():
        if g not in course.graph:
            raise SimulationError(f"unknown goal {g!r}")
    rng = np.random.default_rng(seed)
    crowd = sample_crowd(
        course.graph, n_learners, seed=rng, misconceptions=course.misconceptions
    )
    makers = _strategy_makers(course)
    out: dict[str, list[LearnerRun]] = {s: [] for s in strategies}
    for learner in crowd:
        own_goals = list(goals) if goals else _draw_goals(course, rng, goals_per_learner)
        learner_seed = int(rng.integers(2**31))
        for s in strategies:
            out[s].append(
                run_learner(
                    course, learner, own_goals, makers[s], seed=learner_seed,
                    threshold=threshold, max_per_concept=max_per_concept, max_items=max_items,
                )
            )
    return out


@dataclass(frozen=True)
class StrategySummary:
    """Means over learners, with the paired comparison to a baseline."""

    strategy: str
    items_mean: float
    items_median: float
    goal_mastery: float
    goals_not_weak: float
    needed_mastery: float
    needed_not_weak: float
    reached: float
    fewer_items_than_baseline: float | None
    fewer_items_ci: tuple[float, float] | None
    mastery_diff: float | None
    mastery_diff_ci: tuple[float, float] | None


def _ci(diffs: np.ndarray) -> tuple[float, float]:
    half = 1.96 * float(diffs.std(ddof=1)) / math.sqrt(len(diffs)) if len(diffs) > 1 else math.nan
    m = float(diffs.mean())
    return (m - half, m + half)


def summarise(
    runs: Mapping[str, Sequence[LearnerRun]], baseline: str = "syllabus"
) -> list[StrategySummary]:
    """Per strategy: items and final mastery, and paired differences to ``baseline``.

    ``fewer_items_than_baseline`` is ``1 - sum(items) / sum(baseline items)`` (0.3
    means 30 % fewer); its interval is a normal 95 % interval of the paired
    per-learner item differences, divided by the baseline's mean. ``mastery_diff`` is
    the mean paired difference in final true goal mastery.
    """
    out = []
    base = runs.get(baseline)
    for s, rs in runs.items():
        items = np.array([r.items for r in rs], dtype=float)
        mastery = np.array([r.goal_mastery for r in rs])
        fewer = fewer_ci = diff = diff_ci = None
        if base is not None and s != baseline and len(rs):
            b_items = np.array([r.items for r in base], dtype=float)
            b_mean = float(b_items.mean())
            fewer = 1.0 - float(items.mean()) / b_mean
            lo, hi = _ci(b_items - items)
            fewer_ci = (lo / b_mean, hi / b_mean)
            d = mastery - np.array([r.goal_mastery for r in base])
            diff, diff_ci = float(d.mean()), _ci(d)
        out.append(
            StrategySummary(
                strategy=s,
                items_mean=float(items.mean()),
                items_median=float(np.median(items)),
                goal_mastery=float(mastery.mean()),
                goals_not_weak=float(np.mean([r.goals_not_weak for r in rs])),
                needed_mastery=float(np.mean([r.needed_mastery for r in rs])),
                needed_not_weak=float(np.mean([r.needed_not_weak for r in rs])),
                reached=float(np.mean([r.reached for r in rs])),
                fewer_items_than_baseline=fewer,
                fewer_items_ci=fewer_ci,
                mastery_diff=diff,
                mastery_diff_ci=diff_ci,
            )
        )
    return out


def _markdown(summary: Sequence[StrategySummary], baseline: str) -> str:
    def pct(x: float | None, ci: tuple[float, float] | None) -> str:
        if x is None or ci is None:
            return "-"
        return f"{100 * x:+.1f} % [{100 * ci[0]:+.1f}, {100 * ci[1]:+.1f}]"

    def diff(x: float | None, ci: tuple[float, float] | None) -> str:
        if x is None or ci is None:
            return "-"
        return f"{x:+.3f} [{ci[0]:+.3f}, {ci[1]:+.3f}]"

    lines = [
        f"| strategy | items (mean) | items (median) | fewer items than {baseline} [95 % CI] "
        f"| final goal mastery | vs {baseline} [95 % CI] | goals not weak "
        "| needed-concept mastery | needed not weak | reached |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in summary:
        lines.append(
            f"| {s.strategy} | {s.items_mean:.1f} | {s.items_median:.0f} "
            f"| {pct(s.fewer_items_than_baseline, s.fewer_items_ci)} | {s.goal_mastery:.3f} "
            f"| {diff(s.mastery_diff, s.mastery_diff_ci)} | {100 * s.goals_not_weak:.0f} % "
            f"| {s.needed_mastery:.3f} | {100 * s.needed_not_weak:.0f} % "
            f"| {100 * s.reached:.0f} % |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m planner.simulate``: print the comparison; exit 2 on bad input."""
    parser = argparse.ArgumentParser(
        prog="python -m planner.simulate",
        description="Compare learning-path strategies on simulated learners.",
    )
    parser.add_argument("--course", default=str(DEMO_COURSE), help="course folder")
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--goals", help="comma-separated goals for everyone (default: drawn)")
    parser.add_argument("--goals-per-learner", type=int, default=2)
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--threshold", type=float, default=0.95)
    parser.add_argument("--baseline", default="syllabus")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    try:
        if args.learners < 1:
            raise SimulationError("--learners must be at least 1")
        if not 0.0 < args.threshold < 1.0:
            raise SimulationError("--threshold must be in (0, 1)")
        course = load_course(args.course)
        goals = [g.strip() for g in args.goals.split(",") if g.strip()] if args.goals else None
        strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
        runs = simulate(
            course, n_learners=args.learners, seed=args.seed, goals=goals,
            goals_per_learner=args.goals_per_learner, strategies=strategies,
            threshold=args.threshold,
        )
    except (SimulationError, KnowledgeGraphError, PathPlanningError, CrowdError) as exc:
        print(f"planner.simulate: error: {exc}", file=sys.stderr)
        return 2
    summary = summarise(runs, baseline=args.baseline)
    if args.json:
        json.dump([s.__dict__ for s in summary], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(_markdown(summary, args.baseline))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
