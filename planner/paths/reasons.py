"""Sentences a learner can read: why a step is in their plan."""

from __future__ import annotations

from collections.abc import Callable, Sequence

__all__ = ["join_names", "step_reason"]

_MAX_GOALS_NAMED = 3


def join_names(names: Sequence[str], *, limit: int | None = None) -> str:
    """``a``, ``a and b``, ``a, b and c``; beyond ``limit``, ``a, b, c and 4 more``.

    Examples
    --------
    >>> join_names(["Ohm's law"])
    "Ohm's law"
    >>> join_names(["KCL", "KVL", "Nodal analysis"])
    'KCL, KVL and Nodal analysis'
    >>> join_names(["a", "b", "c", "d", "e"], limit=3)
    'a, b, c and 2 more'
    """
    names = list(names)
    if limit is not None and len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def step_reason(
    concepts: Sequence[str],
    *,
    serving: Sequence[str],
    goals: Sequence[str],
    name: Callable[[str], str],
    unit_title: str,
    continued: bool = False,
    missing: Sequence[str] = (),
) -> str:
    """Why a step is in the plan, as one or two sentences.

    Parameters
    ----------
    concepts : sequence of str
        What the step teaches (weak concepts the goals need).
    serving : sequence of str
        The goals that need the step's concepts other than goals themselves, in
        the learner's order.
    goals : sequence of str
        The learner's goals that are not mastered yet.
    name : callable
        Human name of a concept id.
    unit_title : str
        How to call the unit when it continues an earlier step.
    continued : bool
        The unit was split and an earlier step began it.
    missing : sequence of str
        Prerequisites of these concepts that nothing in the course teaches.

    Returns
    -------
    str
        E.g. "Thevenin equivalent is needed for your goal Maximum power transfer,
        and you have not mastered it yet."

    Examples
    --------
    >>> names = {"thevenin": "Thevenin", "mpt": "Max power transfer"}
    >>> print(step_reason(["thevenin"], serving=["mpt"], goals=["mpt"],
    ...                   name=names.__getitem__, unit_title=""))
    Thevenin is needed for your goal Max power transfer, and you have not mastered it yet.
    """
    goal_set = set(goals)
    own = [c for c in concepts if c in goal_set]
    others = [c for c in concepts if c not in goal_set]
    clauses = []
    if others:
        verb = "is" if len(others) == 1 else "are"
        plural = "s" if len(serving) > 1 else ""
        # Name only the goals that will be shown: a step can serve dozens.
        shown = [name(g) for g in serving[:_MAX_GOALS_NAMED]]
        if len(serving) > _MAX_GOALS_NAMED:
            shown.extend([""] * (len(serving) - _MAX_GOALS_NAMED))
        clauses.append(
            f"{join_names([name(c) for c in others])} {verb} needed for your goal{plural} "
            f"{join_names(shown, limit=_MAX_GOALS_NAMED)}"
        )
    if own:
        if len(goal_set) == 1:
            what = "is your goal"
        elif len(own) == 1:
            what = "is one of your goals"
        else:
            what = "are among your goals"
        clauses.append(f"{join_names([name(c) for c in own])} {what}")
    pronoun = "it" if len(concepts) == 1 else "them"
    text = "; ".join(clauses) + f", and you have not mastered {pronoun} yet."
    if continued:
        text = f"Continuing {unit_title}, now that what it builds on is done: " + text
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        text += (
            f" It also builds on {join_names([name(c) for c in missing])}, which {verb} not"
            " taught by any unit of this course."
        )
    return text[0].upper() + text[1:]
