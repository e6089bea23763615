"""Learning paths: the cheapest followable plan from what a learner knows to their goals.

Start with :func:`plan_path` (or :class:`PathPlanner` to reuse one course's index
across learners) and :func:`replan` after each mastery change. Plans are plain
dataclasses that round-trip through JSON with :meth:`Plan.to_dict` and
:meth:`Plan.from_dict`.
"""

from __future__ import annotations

from planner.paths.cost import CostModel, expected_items_to_streak, p_correct
from planner.paths.errors import (
    InvalidMasteryError,
    InvalidPlanError,
    InvalidUnitError,
    PathPlanningError,
    UnknownGoalError,
)
from planner.paths.plan import (
    PRACTICE_PREFIX,
    CoverProblem,
    PathPlanner,
    Plan,
    Step,
    Unit,
    plan_path,
    replan,
)
from planner.paths.setcover import (
    CoverInstance,
    LowerBound,
    SetCover,
    dual_bound,
    exact_set_cover,
    greedy_set_cover,
    harmonic,
    lp_lower_bound,
)

__all__ = [
    "PRACTICE_PREFIX",
    "CostModel",
    "CoverInstance",
    "CoverProblem",
    "InvalidMasteryError",
    "InvalidPlanError",
    "InvalidUnitError",
    "LowerBound",
    "PathPlanner",
    "PathPlanningError",
    "Plan",
    "SetCover",
    "Step",
    "Unit",
    "UnknownGoalError",
    "dual_bound",
    "exact_set_cover",
    "expected_items_to_streak",
    "greedy_set_cover",
    "harmonic",
    "lp_lower_bound",
    "p_correct",
    "plan_path",
    "replan",
]
