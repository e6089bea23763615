"""Read the planner's plain-data inputs: a course and a learner state, as parsed JSON.

The ``python -m planner plan`` command reads these; so can any caller that holds the
same shapes. Every malformed field raises :class:`~planner.paths.errors.PathPlanningError`
(or the skill graph's own error for a cycle or an unknown concept in a prerequisite),
naming the field, so a command line can print it and stop.

Course::

    {"concepts": [{"id": "ohms-law", "name": "Ohm's law"}, ...],
     "prerequisites": [["resistance", "ohms-law"], ...],
     "units": [{"id": "u1", "covers": ["ohms-law"], "cost": 2.0}, ...]}

State::

    {"mastery": {"resistance": 0.97, ...}}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from knowledge_graph.graph import SkillGraph
from planner.paths.errors import InvalidMasteryError, InvalidUnitError, PathPlanningError
from planner.paths.plan import Unit

__all__ = ["CourseSpec", "course_from_data", "mastery_from_data"]


@dataclass(frozen=True)
class CourseSpec:
    """What the planner needs of a course: its graph, its units, its concepts' names."""

    graph: SkillGraph
    units: tuple[Unit, ...]
    names: Mapping[str, str]


def _is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def course_from_data(data: Any) -> CourseSpec:
    """Validate a parsed course and build its skill graph and units.

    Parameters
    ----------
    data : object
        The parsed JSON.

    Returns
    -------
    CourseSpec

    Raises
    ------
    PathPlanningError
        A missing or malformed field, a duplicate id.
    InvalidUnitError
        A unit covering an unknown concept or with a bad cost.
    knowledge_graph.errors.CyclicPrerequisiteError
        The prerequisites contain a cycle (the error names it).
    knowledge_graph.errors.UnknownConceptError
        A prerequisite names an unknown concept.

    Examples
    --------
    >>> spec = course_from_data({"concepts": [{"id": "a"}, {"id": "b", "name": "Bee"}],
    ...                          "prerequisites": [["a", "b"]],
    ...                          "units": [{"id": "u", "covers": ["a", "b"], "cost": 2}]})
    >>> spec.graph.prerequisites("b"), spec.units[0].cost, dict(spec.names)
    (['a'], 2.0, {'b': 'Bee'})
    """
    if not isinstance(data, dict):
        raise PathPlanningError("course: expected a JSON object")
    concepts = data.get("concepts")
    if not isinstance(concepts, list) or not concepts:
        raise PathPlanningError("course: 'concepts' must be a non-empty list")
    ids: list[str] = []
    known: set[str] = set()
    names: dict[str, str] = {}
    for k, c in enumerate(concepts):
        if not isinstance(c, dict) or not isinstance(c.get("id"), str) or not c["id"]:
            raise PathPlanningError(f"course: concepts[{k}] needs a non-empty string 'id'")
        if c["id"] in known:
            raise PathPlanningError(f"course: duplicate concept id {c['id']!r}")
        ids.append(c["id"])
        known.add(c["id"])
        if "name" in c:
            if not isinstance(c["name"], str):
                raise PathPlanningError(f"course: concepts[{k}].name must be a string")
            names[c["id"]] = c["name"]
    prerequisites = data.get("prerequisites", [])
    if not isinstance(prerequisites, list):
        raise PathPlanningError("course: 'prerequisites' must be a list of [before, after]")
    edges: list[tuple[str, str]] = []
    for k, e in enumerate(prerequisites):
        if not (isinstance(e, list) and len(e) == 2 and all(isinstance(x, str) for x in e)):
            raise PathPlanningError(f"course: prerequisites[{k}] must be [before, after] ids")
        edges.append((e[0], e[1]))
    graph = SkillGraph(ids, edges)
    raw_units = data.get("units", [])
    if not isinstance(raw_units, list):
        raise PathPlanningError("course: 'units' must be a list")
    units: list[Unit] = []
    for k, u in enumerate(raw_units):
        if not isinstance(u, dict) or not isinstance(u.get("id"), str):
            raise InvalidUnitError(f"course: units[{k}] needs a string 'id'")
        covers = u.get("covers")
        if not isinstance(covers, list) or not all(isinstance(c, str) for c in covers):
            raise InvalidUnitError(f"course: units[{k}].covers must be a list of concept ids")
        cost = u.get("cost", 1.0)
        if not _is_number(cost):
            raise InvalidUnitError(f"course: units[{k}].cost must be a finite number")
        units.append(
            Unit(
                id=u["id"],
                covers=tuple(covers),
                cost=float(cost),
                title=str(u.get("title", "")),
                kind=str(u.get("kind", "lesson")),
            )
        )
    seen: set[str] = set()
    for unit in units:
        if unit.id in seen:
            raise InvalidUnitError(f"course: duplicate unit id {unit.id!r}")
        seen.add(unit.id)
        for c in unit.covers:
            if c not in graph:
                raise InvalidUnitError(f"course: unit {unit.id!r} covers unknown concept {c!r}")
    return CourseSpec(graph=graph, units=tuple(units), names=names)


def mastery_from_data(data: Any, graph: SkillGraph) -> dict[str, float]:
    """Validate a parsed learner state ``{"mastery": {concept: probability}}``.

    Raises
    ------
    InvalidMasteryError
        Not that shape, an unknown concept, or a value outside [0, 1].

    Examples
    --------
    >>> mastery_from_data({"mastery": {"a": 1}}, SkillGraph(["a"], []))
    {'a': 1.0}
    """
    if not isinstance(data, dict) or not isinstance(data.get("mastery"), dict):
        raise InvalidMasteryError("state: expected {\"mastery\": {concept_id: probability}}")
    out: dict[str, float] = {}
    for c, p in data["mastery"].items():
        if c not in graph:
            raise InvalidMasteryError(f"state: unknown concept {c!r}")
        if not _is_number(p) or not 0.0 <= p <= 1.0:
            raise InvalidMasteryError(f"state: mastery of {c!r} must be in [0, 1], got {p!r}")
        out[c] = float(p)
    return out
