"""Learning paths end to end: plan_path, replan, Plan serialisation (planner.paths.plan)."""

from __future__ import annotations

import json
import math

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge_graph.graph import SkillGraph
from planner.paths import (
    PRACTICE_PREFIX,
    CostModel,
    InvalidMasteryError,
    InvalidPlanError,
    InvalidUnitError,
    PathPlanner,
    PathPlanningError,
    Plan,
    Unit,
    UnknownGoalError,
    exact_set_cover,
    harmonic,
    plan_path,
    replan,
)

TOL = 1e-7
# HiGHS proves optimality up to an absolute gap of 1e-6 (exact_set_cover's docstring).
MIP_TOL = 1e-6

# A slice of the demo course: enough structure for goals that share prerequisites.
CONCEPTS = {
    "voltage": "Voltage and potential",
    "current": "Electric current",
    "ohms-law": "Ohm's law",
    "power": "Power and energy",
    "kcl": "Kirchhoff's current law",
    "nodal-analysis": "Nodal analysis",
    "thevenin": "Thevenin equivalent",
    "max-power-transfer": "Maximum power transfer",
    "sinusoids": "Sinusoids",
    "phasors": "Phasors",
}
EDGES = [
    ("voltage", "ohms-law"),
    ("current", "ohms-law"),
    ("voltage", "power"),
    ("current", "power"),
    ("current", "kcl"),
    ("kcl", "nodal-analysis"),
    ("ohms-law", "nodal-analysis"),
    ("nodal-analysis", "thevenin"),
    ("thevenin", "max-power-transfer"),
    ("power", "max-power-transfer"),
    ("voltage", "sinusoids"),
    ("sinusoids", "phasors"),
]


@pytest.fixture
def graph() -> SkillGraph:
    return SkillGraph(list(CONCEPTS), EDGES)


@pytest.fixture
def lessons() -> list[Unit]:
    return [Unit(f"lesson-{c}", (c,), 2.0, title=f"the lesson on {n}") for c, n in CONCEPTS.items()]


def assert_followable(plan: Plan, graph: SkillGraph, mastery, threshold=0.95):
    taught: set[str] = set()
    for step in plan.steps:
        for c in step.covers:
            for p in graph.prerequisites(c):
                assert (
                    mastery.get(p, 0.0) >= threshold or p in taught or p in plan.uncovered
                ), f"{step.unit} teaches {c} before its prerequisite {p}"
            taught.add(c)


def expected_weak(graph, mastery, goals, threshold=0.95):
    active = [g for g in goals if mastery.get(g, 0.0) < threshold]
    return {c for c in graph.closure(active) if mastery.get(c, 0.0) < threshold}


# -- examples ------------------------------------------------------------------------


def test_reason_names_the_goal_a_prerequisite_serves(graph, lessons):
    mastery = dict.fromkeys(["voltage", "current", "ohms-law", "power", "kcl"], 0.99)
    mastery["nodal-analysis"] = 0.97
    plan = plan_path(
        graph=graph, mastery=mastery, goals=["max-power-transfer"], units=lessons, names=CONCEPTS
    )
    assert [s.unit for s in plan.steps] == ["lesson-thevenin", "lesson-max-power-transfer"]
    assert plan.steps[0].reason == (
        "Thevenin equivalent is needed for your goal Maximum power transfer, "
        "and you have not mastered it yet."
    )
    assert plan.steps[1].reason == (
        "Maximum power transfer is your goal, and you have not mastered it yet."
    )


def test_a_mastered_goal_needs_nothing_even_if_a_prerequisite_looks_weak(graph, lessons):
    plan = plan_path(graph=graph, mastery={"phasors": 0.99}, goals=["phasors"], units=lessons)
    assert plan.steps == () and plan.total_cost == 0.0 and plan.ratio == 1.0
    assert plan.weak == ()


def test_no_goals_gives_an_empty_plan(graph, lessons):
    plan = plan_path(graph=graph, mastery={}, goals=[], units=lessons)
    assert plan.steps == () and plan.uncovered == () and plan.lower_bound == 0.0


def test_threshold_decides_what_counts_as_mastered(graph, lessons):
    mastery = {"voltage": 0.9, "sinusoids": 0.9}
    strict = plan_path(graph=graph, mastery=mastery, goals=["phasors"], units=lessons)
    lenient = plan_path(
        graph=graph, mastery=mastery, goals=["phasors"], units=lessons, threshold=0.85
    )
    assert set(strict.weak) == {"voltage", "sinusoids", "phasors"}
    assert lenient.weak == ("phasors",)


def test_a_unit_covering_several_concepts_beats_their_lessons_when_cheaper(graph, lessons):
    block = Unit("kirchhoff-block", ("kcl", "nodal-analysis", "ohms-law"), 4.5)
    mastery = {"voltage": 1.0, "current": 1.0}
    plan = plan_path(graph=graph, mastery=mastery, goals=["nodal-analysis"], units=[*lessons, block])
    assert [s.unit for s in plan.steps] == ["kirchhoff-block"]
    assert plan.steps[0].covers == ("ohms-law", "kcl", "nodal-analysis")
    assert plan.total_cost == pytest.approx(4.5) == pytest.approx(plan.lower_bound)


def test_uncovered_concepts_are_reported_and_the_rest_is_still_planned(graph):
    units = [Unit("ohm", ("ohms-law",), 1.0), Unit("current", ("current",), 1.0)]
    plan = plan_path(
        graph=graph, mastery={}, goals=["ohms-law", "phasors"], units=units, fill_gaps=False
    )
    assert set(plan.uncovered) == {"voltage", "sinusoids", "phasors"}
    # Listed in prerequisite order.
    assert plan.uncovered.index("voltage") < plan.uncovered.index("sinusoids")
    assert plan.uncovered.index("sinusoids") < plan.uncovered.index("phasors")
    assert [s.unit for s in plan.steps] == ["current", "ohm"]
    assert set(plan.unreachable_goals) == {"ohms-law", "phasors"}
    assert "builds on voltage, which is not taught" in plan.steps[1].reason


def test_gaps_are_filled_with_single_concept_practice(graph):
    units = [Unit("ohm", ("ohms-law",), 1.0)]
    plan = plan_path(graph=graph, mastery={"current": 1.0}, goals=["ohms-law"], units=units)
    assert [s.unit for s in plan.steps] == [PRACTICE_PREFIX + "voltage", "ohm"]
    assert plan.uncovered == () and plan.unreachable_goals == ()


def test_steps_are_grouped_by_goal_in_the_learners_order(graph, lessons):
    mastery = {"voltage": 1.0, "current": 1.0}
    first_ac = plan_path(graph=graph, mastery=mastery, goals=["phasors", "kcl"], units=lessons)
    first_dc = plan_path(graph=graph, mastery=mastery, goals=["kcl", "phasors"], units=lessons)
    assert [s.unit for s in first_ac.steps] == ["lesson-sinusoids", "lesson-phasors", "lesson-kcl"]
    assert [s.unit for s in first_dc.steps] == ["lesson-kcl", "lesson-sinusoids", "lesson-phasors"]


def test_frontier_concepts_come_before_deeper_ones_of_the_same_goal(graph, lessons):
    # Both power and thevenin's chain are needed; power is on the frontier (distance 1)
    # and comes before the deeper concepts even though it is listed later.
    mastery = dict.fromkeys(["voltage", "current", "ohms-law", "kcl"], 1.0)
    plan = plan_path(graph=graph, mastery=mastery, goals=["max-power-transfer"], units=lessons)
    units = [s.unit for s in plan.steps]
    assert units.index("lesson-power") < units.index("lesson-thevenin")


def test_units_that_need_each_other_are_split_and_the_split_is_explained():
    g = SkillGraph(["x", "y", "w", "z"], [("x", "y"), ("w", "z")])
    units = [Unit("A", ("x", "z"), 1.0, title="unit A"), Unit("B", ("w", "y"), 1.0)]
    plan = plan_path(graph=g, mastery={}, goals=["y", "z"], units=units)
    # No order of whole units works; x serves the first goal, so A starts.
    assert [(s.unit, s.covers, s.part) for s in plan.steps] == [
        ("A", ("x",), 1),
        ("B", ("y", "w"), 1),
        ("A", ("z",), 2),
    ]
    assert plan.steps[2].reason.startswith("Continuing ")
    assert sum(s.cost for s in plan.steps) == pytest.approx(plan.total_cost) == pytest.approx(2.0)


def test_personal_costs_prefer_the_unit_whose_items_suit_the_learner():
    g = SkillGraph(["a", "b"], [])
    units = [Unit("both", ("a", "b"), 1.0), Unit("only-a", ("a",), 0.0), Unit("only-b", ("b",), 0.0)]
    # Costs are unit length plus expected items; with a strong learner the shared
    # unit's length is not worth paying, with course costs alone it is cheaper.
    course = plan_path(graph=g, mastery={}, goals=["a", "b"], units=[
        Unit("both", ("a", "b"), 1.0), Unit("only-a", ("a",), 0.8), Unit("only-b", ("b",), 0.8)
    ])
    assert course.units == ("both",)
    personal = plan_path(graph=g, mastery={}, goals=["a", "b"], units=units, theta=2.0)
    assert set(personal.units) == {"only-a", "only-b"}
    model = CostModel(theta=2.0)
    expected = 2 * model.concept_cost("a", distance=1, mastery=0.0)
    assert personal.total_cost == pytest.approx(expected)


def test_hard_items_raise_the_cost_of_a_step(graph, lessons):
    mastery = {"voltage": 1.0}
    easy = plan_path(graph=graph, mastery=mastery, goals=["sinusoids"], units=lessons,
                     item_params={"sinusoids": [(1.2, -1.0)]}, theta=0.0)
    hard = plan_path(graph=graph, mastery=mastery, goals=["sinusoids"], units=lessons,
                     item_params={"sinusoids": [(1.2, 1.5)]}, theta=0.0)
    assert hard.total_cost > easy.total_cost > 2.0


def test_without_a_lower_bound_the_plan_says_so(graph, lessons):
    plan = plan_path(graph=graph, mastery={}, goals=["phasors"], units=lessons, lower_bound=False)
    assert plan.bound == "none" and plan.lower_bound == 0.0 and math.isinf(plan.ratio)


@pytest.mark.parametrize(
    "kwargs,error",
    [
        ({"goals": ["nope"]}, UnknownGoalError),
        ({"goals": "phasors"}, PathPlanningError),
        ({"mastery": {"phasors": 1.5}}, InvalidMasteryError),
        ({"mastery": {"ghost": 0.5}}, InvalidMasteryError),
        ({"threshold": 0.0}, InvalidMasteryError),
        ({"units": [Unit("u", ("ghost",))]}, InvalidUnitError),
        ({"units": [Unit("u", ("voltage",)), Unit("u", ("current",))]}, InvalidUnitError),
    ],
)
def test_bad_input_raises_a_planning_error(graph, kwargs, error):
    args = {"graph": graph, "mastery": {}, "goals": ["phasors"], "units": [], **kwargs}
    with pytest.raises(error):
        plan_path(**args)


@pytest.mark.parametrize("cost", [-1.0, math.inf, math.nan])
def test_units_refuse_bad_costs(cost):
    with pytest.raises(InvalidUnitError):
        Unit("u", ("a",), cost)


def test_plans_round_trip_through_json(graph, lessons):
    plan = plan_path(graph=graph, mastery={"voltage": 0.99}, goals=["max-power-transfer", "phasors"],
                     units=lessons, names=CONCEPTS)
    again = Plan.from_dict(json.loads(json.dumps(plan.to_dict())))
    assert again == plan
    assert again.ratio == pytest.approx(plan.ratio)


@pytest.mark.parametrize("data", [{}, {"steps": "x"}, {"steps": [{"unit": "u"}], "total_cost": 1}])
def test_reading_a_broken_plan_raises(data):
    with pytest.raises(InvalidPlanError):
        Plan.from_dict(data)


# -- replanning --------------------------------------------------------------------


def test_replan_keeps_the_plan_when_no_concept_crosses_the_threshold(graph, lessons):
    first = plan_path(graph=graph, mastery={"voltage": 0.5}, goals=["phasors"], units=lessons)
    again = replan(first, graph=graph, mastery={"voltage": 0.9}, units=lessons)
    assert again is first


def test_replan_drops_what_was_mastered_and_carries_a_valid_bound(graph, lessons):
    first = plan_path(graph=graph, mastery={}, goals=["max-power-transfer"], units=lessons)
    again = replan(first, graph=graph, mastery={"current": 0.96, "voltage": 0.99}, units=lessons)
    assert {"current", "voltage"}.isdisjoint(c for s in again.steps for c in s.covers)
    assert again.bound == "dual"
    assert again.lower_bound <= again.total_cost + TOL
    assert again.lower_bound > 0
    assert_followable(again, graph, {"current": 0.96, "voltage": 0.99})


def test_replan_brings_back_a_concept_whose_mastery_dropped(graph, lessons):
    first = plan_path(graph=graph, mastery={"voltage": 1.0}, goals=["phasors"], units=lessons)
    again = replan(first, graph=graph, mastery={"voltage": 0.4}, units=lessons)
    assert [s.unit for s in again.steps] == ["lesson-voltage", "lesson-sinusoids", "lesson-phasors"]


def test_replan_repairs_in_place_keeping_the_order_the_learner_saw(graph, lessons):
    first = plan_path(graph=graph, mastery={}, goals=["max-power-transfer"], units=lessons)
    gone = first.steps[3].covers[0]
    again = replan(first, graph=graph, mastery={gone: 1.0}, units=lessons)
    assert [s.unit for s in again.steps] == [s.unit for s in first.steps if s.covers != (gone,)]
    assert [s.reason for s in again.steps] == [s.reason for s in first.steps if s.covers != (gone,)]


def test_replan_reorders_when_a_returning_concept_has_no_slot():
    # q -> p -> c -> d. With c mastered, d (on the frontier) is taught before p (two
    # steps out). When c is lost it must follow p and precede d: no slot exists in
    # the old order, so the repair reorders.
    g = SkillGraph(["q", "p", "c", "d"], [("q", "p"), ("p", "c"), ("c", "d")])
    units = [Unit(c, (c,), 1.0) for c in "qpcd"]
    first = plan_path(graph=g, mastery={"c": 1.0}, goals=["d"], units=units)
    assert [s.unit for s in first.steps] == ["q", "d", "p"]
    again = replan(first, graph=g, mastery={"c": 0.2}, units=units)
    assert [s.unit for s in again.steps] == ["q", "p", "c", "d"]
    assert again.bound == "dual" and again.total_cost == pytest.approx(4.0)


def test_replan_of_a_plan_stored_without_its_state_solves_again(graph, lessons):
    first = plan_path(graph=graph, mastery={}, goals=["phasors"], units=lessons)
    data = first.to_dict()
    del data["distance"], data["mastery_seen"]
    again = replan(Plan.from_dict(data), graph=graph, mastery={"voltage": 1.0}, units=lessons)
    assert [s.unit for s in again.steps] == ["lesson-sinusoids", "lesson-phasors"]


def test_replan_starts_over_when_a_goal_is_reached(graph, lessons):
    first = plan_path(graph=graph, mastery={}, goals=["phasors", "kcl"], units=lessons)
    again = replan(first, graph=graph, mastery={"phasors": 1.0}, units=lessons)
    assert again.bound == "lp"
    assert set(again.weak) == {"current", "kcl"}


def test_replan_from_stored_json_with_an_exact_bound(graph, lessons):
    first = plan_path(graph=graph, mastery={}, goals=["max-power-transfer"], units=lessons)
    stored = json.loads(json.dumps(first.to_dict()))
    again = replan(Plan.from_dict(stored), graph=graph, mastery={"voltage": 1.0},
                   units=lessons, exact_bound=True)
    fresh = plan_path(graph=graph, mastery={"voltage": 1.0}, goals=["max-power-transfer"],
                      units=lessons)
    assert again.bound == "lp"
    assert again.lower_bound == pytest.approx(fresh.lower_bound)
    assert again.total_cost == pytest.approx(fresh.total_cost)


# -- properties on random courses ------------------------------------------------


@st.composite
def courses(draw, max_concepts=12):
    n = draw(st.integers(1, max_concepts))
    # Edges go from lower to higher index, which keeps the graph acyclic; the ids are
    # then shuffled so that neither the syllabus order nor id order is topological.
    ids = draw(st.permutations([f"k{i}" for i in range(n)]))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=2 * n))
    edges = sorted({(ids[min(a, b)], ids[max(a, b)]) for a, b in pairs if a != b})
    syllabus = draw(st.permutations(ids))
    graph = SkillGraph(syllabus, edges)
    units = [
        Unit(
            f"u{j}",
            tuple(draw(st.lists(st.sampled_from(ids), min_size=1, max_size=4, unique=True))),
            draw(st.floats(0.1, 10.0)),
        )
        for j in range(draw(st.integers(0, 2 * n)))
    ]
    levels = st.sampled_from([0.0, 0.3, 0.9, 0.95, 1.0])
    mastery = {c: draw(levels) for c in ids if draw(st.booleans())}
    goals = draw(st.lists(st.sampled_from(ids), max_size=3, unique=True))
    return graph, units, mastery, goals


def optimum(graph, units, mastery, goals, *, fill_gaps, threshold=0.95):
    """The exact optimum over the same candidates the planner may use."""
    weak = expected_weak(graph, mastery, goals, threshold)
    sets = [set(u.covers) & weak for u in units]
    costs = [u.cost for u in units]
    if fill_gaps:
        for c in weak - set().union(*sets):
            sets.append({c})
            costs.append(1.0)
    return exact_set_cover(weak, sets, costs), weak, sets, costs


def personal_instance(graph, units, mastery, goals, *, fill_gaps, theta):
    """Candidates and costs as the cost model defines them, computed independently."""
    weak = expected_weak(graph, mastery, goals)
    distance = {}
    for c in graph.topological_order:
        if c in weak:
            distance[c] = 1 + max((distance.get(p, 0) for p in graph.prerequisites(c)), default=0)
    model = CostModel(theta=theta)

    def extra(cs):
        return sum(model.concept_cost(c, distance=distance[c], mastery=mastery.get(c, 0.0)) for c in cs)

    cost = {u.id: u.cost + extra(set(u.covers) & weak) for u in units if set(u.covers) & weak}
    sets = [set(u.covers) & weak for u in units if u.id in cost]
    costs = [cost[u.id] for u in units if u.id in cost]
    for c in weak - set().union(*sets) if fill_gaps else ():
        cost[PRACTICE_PREFIX + c] = 1.0 + extra({c})
        sets.append({c})
        costs.append(cost[PRACTICE_PREFIX + c])
    return weak, sets, costs, cost


@settings(max_examples=150, deadline=None)
@given(courses(), st.booleans())
def test_plan_covers_w_follows_prerequisites_and_is_within_harmonic_of_its_bound(case, fill):
    graph, units, mastery, goals = case
    plan = plan_path(graph=graph, mastery=mastery, goals=goals, units=units, fill_gaps=fill)
    opt, weak, sets, _ = optimum(graph, units, mastery, goals, fill_gaps=fill)

    # The universe is exactly W; every weak concept is taught once or reported.
    assert set(plan.weak) == weak
    taught = [c for s in plan.steps for c in s.covers]
    assert len(taught) == len(set(taught))
    coverable = weak & set().union(*sets) if sets else set()
    assert set(taught) == coverable
    assert set(plan.uncovered) == weak - coverable
    if fill:
        assert plan.uncovered == ()

    # Each step teaches what its unit covers, in an order a learner can follow.
    by_id = {u.id: u for u in units}
    for s in plan.steps:
        covers = (s.unit.removeprefix(PRACTICE_PREFIX),) if s.unit not in by_id else by_id[s.unit].covers
        assert set(s.covers) <= set(covers)
    assert_followable(plan, graph, mastery)

    # Cost: what the chosen units cost, between the bound and H(|W|) times it.
    distinct = {s.unit for s in plan.steps}
    own = sum(by_id[u].cost if u in by_id else 1.0 for u in distinct)
    assert plan.total_cost == pytest.approx(own)
    assert sum(s.cost for s in plan.steps) == pytest.approx(plan.total_cost)
    assert plan.lower_bound <= opt.cost + MIP_TOL
    assert opt.cost <= plan.total_cost + MIP_TOL
    assert plan.total_cost <= harmonic(len(coverable)) * plan.lower_bound + TOL * (1 + plan.total_cost)
    if not weak:
        assert plan.steps == () and plan.total_cost == 0.0

    # A goal is reported unreachable exactly when it depends on an uncovered concept
    # through concepts still to be learnt. A gap beneath a mastered concept blocks
    # nothing: the learner can follow the plan past it (found by hypothesis: k0 -> k4
    # -> k1 -> k5 with k4 mastered and k0 uncovered leaves the goal k5 reachable).
    active = [g for g in goals if mastery.get(g, 0.0) < 0.95]
    still = graph.graph.subgraph(weak)
    blocked = {g for g in active
               if any(u == g or nx.has_path(still, u, g) for u in plan.uncovered)}
    assert set(plan.unreachable_goals) == blocked


@settings(max_examples=80, deadline=None)
@given(courses(), st.booleans(), st.booleans(), st.data())
def test_replans_after_mastery_changes_stay_valid_plans_for_the_new_state(
    case, fill, personal, data
):
    graph, units, mastery, goals = case
    cost_kw = {"theta": 0.5} if personal else {}
    plan = plan_path(
        graph=graph, mastery=mastery, goals=goals, units=units, fill_gaps=fill, **cost_kw
    )
    changed = dict(mastery)
    for _ in range(3):
        for c in data.draw(st.lists(st.sampled_from(graph.order), max_size=3)):
            changed[c] = data.draw(st.sampled_from([0.0, 0.5, 0.96, 1.0]))
        plan = replan(plan, graph=graph, mastery=changed, units=units, fill_gaps=fill, **cost_kw)
        weak = expected_weak(graph, changed, goals)
        assert set(plan.weak) == weak
        taught = [c for s in plan.steps for c in s.covers]
        assert len(taught) == len(set(taught))
        assert set(taught) | set(plan.uncovered) == weak
        assert_followable(plan, graph, changed)
        assert sum(s.cost for s in plan.steps) == pytest.approx(plan.total_cost)
        if personal:
            # The repaired costs must be today's costs, not yesterday's: recompute them.
            weak, sets, costs, cost = personal_instance(
                graph, units, changed, goals, fill_gaps=fill, theta=0.5
            )
            assert plan.total_cost == pytest.approx(sum(cost[u] for u in plan.units))
            opt = exact_set_cover(weak, sets, costs)
        else:
            opt, *_ = optimum(graph, units, changed, goals, fill_gaps=fill)
        assert plan.lower_bound <= opt.cost * (1 + TOL) + MIP_TOL
        assert opt.cost <= plan.total_cost * (1 + TOL) + MIP_TOL


@settings(max_examples=60, deadline=None)
@given(courses(), st.floats(-2.0, 2.0), st.dictionaries(st.text("k0123456789", max_size=3),
       st.lists(st.tuples(st.floats(0.3, 2.5), st.floats(-3, 3)), min_size=1, max_size=3)))
def test_personal_costs_keep_the_bound_below_the_plan(case, theta, params):
    graph, units, mastery, goals = case
    plan = plan_path(graph=graph, mastery=mastery, goals=goals, units=units, theta=theta,
                     item_params=params)
    assert plan.lower_bound <= plan.total_cost + TOL
    assert sum(s.cost for s in plan.steps) == pytest.approx(plan.total_cost)
    assert_followable(plan, graph, mastery)


def test_a_reused_planner_gives_the_same_plan_as_the_function(graph, lessons):
    planner = PathPlanner(graph, lessons, names=CONCEPTS)
    for goals in (["phasors"], ["max-power-transfer", "kcl"]):
        assert planner.plan({}, goals) == plan_path(
            graph=graph, mastery={}, goals=goals, units=lessons, names=CONCEPTS
        )


def test_problem_exposes_the_instance_the_plan_solves(graph, lessons):
    planner = PathPlanner(graph, lessons)
    problem = planner.problem({"voltage": 1.0}, ["phasors"])
    assert problem.weak == ("sinusoids", "phasors")
    assert [u.id for u in problem.units] == ["lesson-sinusoids", "lesson-phasors"]
    assert problem.sets == (("sinusoids",), ("phasors",))
    plan = planner.plan({"voltage": 1.0}, ["phasors"])
    assert plan.total_cost == pytest.approx(exact_set_cover(problem.weak, problem.sets, problem.costs).cost)


def test_a_gap_beneath_a_mastered_concept_does_not_block_the_goal():
    # k0 -> k4 -> k1 -> k5: k4 is mastered, nothing teaches k0; the plan can still be
    # followed to k5, so k0 is reported uncovered but the goal is not unreachable.
    graph = SkillGraph([f"k{i}" for i in range(6)], [("k0", "k4"), ("k4", "k1"), ("k1", "k5")])
    units = [Unit("u0", ("k1",), 1.0), Unit("u1", ("k5",), 1.0)]
    plan = plan_path(graph=graph, mastery={"k4": 0.95}, goals=["k5"], units=units,
                     fill_gaps=False)
    assert plan.uncovered == ("k0",)
    assert plan.unreachable_goals == ()
    assert [s.unit for s in plan.steps] == ["u0", "u1"]
    # whereas a gap on the way to the goal does block it
    blocked = plan_path(graph=graph, mastery={}, goals=["k5"], units=units, fill_gaps=False)
    assert "k0" in blocked.uncovered and blocked.unreachable_goals == ("k5",)
