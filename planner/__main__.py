"""The planner's command line: ``python -m planner plan ...``.

Exit status 0 on success (even when some needed concepts are uncovered: those are
listed and the rest is planned), 2 on bad input (unreadable or malformed JSON, a
prerequisite cycle, an unknown goal or concept), with the reason on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from knowledge_graph.errors import KnowledgeGraphError
from planner.paths.course import course_from_data, mastery_from_data
from planner.paths.errors import PathPlanningError
from planner.paths.plan import Plan, plan_path

__all__ = ["main"]

EXIT_BAD_INPUT = 2


class _BadInput(Exception):
    """Input the command refuses; its message is printed as is."""


def _read_json(path: str, what: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise _BadInput(f"cannot read {what} {path}: {exc.strerror or exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _BadInput(f"{what} {path} is not valid JSON: {exc}") from exc


def _goals(text: str) -> list[str]:
    goals = [g.strip() for g in text.split(",") if g.strip()]
    if not goals:
        raise _BadInput("--goals needs at least one concept id")
    return goals


def _plan_json(plan: Plan) -> dict[str, Any]:
    """Exactly the documented output: steps, total_cost, lower_bound, uncovered."""
    return {
        "steps": [
            {"unit": s.unit, "covers": list(s.covers), "cost": s.cost, "reason": s.reason}
            for s in plan.steps
        ],
        "total_cost": plan.total_cost,
        "lower_bound": plan.lower_bound,
        "uncovered": list(plan.uncovered),
    }


def _plan_text(plan: Plan) -> str:
    lines = []
    for n, s in enumerate(plan.steps, 1):
        lines.append(f"{n:>3}. {s.unit}  [{', '.join(s.covers)}]  cost {s.cost:.2f}")
        lines.append(f"     {s.reason}")
    if not plan.steps:
        lines.append("Nothing to learn: every goal is mastered or needs nothing you lack.")
    ratio = plan.ratio
    lines.append(
        f"Total cost {plan.total_cost:.2f}; lower bound {plan.lower_bound:.2f}"
        + (f" (within {ratio:.3f} of the optimum)" if plan.steps else "")
    )
    if plan.uncovered:
        lines.append("Not covered by any unit: " + ", ".join(plan.uncovered))
    return "\n".join(lines)


def _cmd_plan(args: argparse.Namespace) -> int:
    course = course_from_data(_read_json(args.course, "course"))
    mastery = mastery_from_data(_read_json(args.state, "state"), course.graph)
    plan = plan_path(
        graph=course.graph,
        mastery=mastery,
        goals=_goals(args.goals),
        units=course.units,
        threshold=args.threshold,
        names=course.names,
        # The command plans with exactly the units given: a concept none covers is
        # reported as uncovered, not patched with invented practice.
        fill_gaps=False,
    )
    if plan.unreachable_goals:
        print(
            "planner: warning: goals out of reach (they need uncovered concepts): "
            + ", ".join(plan.unreachable_goals),
            file=sys.stderr,
        )
    if args.json:
        json.dump(_plan_json(plan), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(_plan_text(plan))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m planner", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("plan", help="plan a learning path from a course and a learner state")
    p.add_argument("--course", required=True, help="course JSON: concepts, prerequisites, units")
    p.add_argument("--state", required=True, help='learner JSON: {"mastery": {id: probability}}')
    p.add_argument("--goals", required=True, help="goal concept ids, comma-separated")
    p.add_argument(
        "--threshold", type=float, default=0.95, help="mastered at this probability (0.95)"
    )
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.set_defaults(run=_cmd_plan)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except (_BadInput, PathPlanningError, KnowledgeGraphError) as exc:
        print(f"planner: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return status


if __name__ == "__main__":
    raise SystemExit(main())
