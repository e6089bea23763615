"""Exceptions of the learning-path planner.

Every error this package raises on bad input derives from :class:`PathPlanningError`,
itself a :class:`ValueError`, so a caller can catch the whole family in one clause
(the CLI turns it into exit status 2). Errors of the skill graph itself (a cycle, an
unknown concept in a prerequisite) stay those of :mod:`knowledge_graph.errors`.
"""

from __future__ import annotations

__all__ = [
    "PathPlanningError",
    "UnknownGoalError",
    "InvalidUnitError",
    "InvalidMasteryError",
    "InvalidPlanError",
]


class PathPlanningError(ValueError):
    """Base class of every error the path planner raises on bad input."""


class UnknownGoalError(PathPlanningError):
    """A goal that is not a concept of the course; ``goal`` names it."""

    def __init__(self, goal: str) -> None:
        self.goal = goal
        super().__init__(f"unknown goal {goal!r}: not a concept of the course")


class InvalidUnitError(PathPlanningError):
    """A learning unit that cannot be planned with (unknown concept, bad cost, duplicate id)."""


class InvalidMasteryError(PathPlanningError):
    """A mastery probability, threshold or ability outside its allowed range."""


class InvalidPlanError(PathPlanningError):
    """A stored plan that cannot be read back (missing or malformed fields)."""
