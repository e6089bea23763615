"""Put chosen learning units in an order a learner can follow.

A set cover says *which* units to take; this module says *in what order*. The
rule a learner needs: when they start a step, every prerequisite of what the step
teaches is mastered already, taught by an earlier step, or taught in the step itself.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["order_units"]

Key = Any


def order_units(
    assigned: Sequence[Sequence[str]],
    prerequisites: Mapping[str, Iterable[str]],
    key: Mapping[str, Key],
    position: Mapping[str, int],
) -> list[tuple[int, tuple[str, ...]]]:
    """Order units by their concepts' prerequisites, splitting a unit only when forced.

    Parameters
    ----------
    assigned : sequence of sequences of str
        For each chosen unit (by index), the concepts it is responsible for. Each
        concept belongs to one unit.
    prerequisites : mapping of str to iterable of str
        Direct prerequisites of each assigned concept. Prerequisites that no unit is
        responsible for (mastered, or uncovered) are taken as satisfied.
    key : mapping of str to a comparable value
        Preference of each concept, smaller first, e.g. (goal group, distance from
        the frontier, syllabus position), as a tuple or packed in an int. A unit's
        preference is its best concept's.
    position : mapping of str to int
        A topological position of each concept; orders concepts inside a step.

    Returns
    -------
    list of (int, tuple of str)
        Steps: the unit index and the concepts the step teaches, in order. A unit
        appears more than once only when it had to be split.

    Examples
    --------
    Two lessons that need each other: ``A`` teaches x and z, ``B`` teaches y and w,
    with x before y and w before z. No order of whole lessons works, so ``A`` is
    split around ``B``:

    >>> order_units(
    ...     [["x", "z"], ["w", "y"]],
    ...     {"y": ["x"], "z": ["w"]},
    ...     key={"x": (0,), "y": (1,), "w": (2,), "z": (3,)},
    ...     position={"x": 0, "w": 1, "y": 2, "z": 3},
    ... )
    [(0, ('x',)), (1, ('w', 'y')), (0, ('z',))]

    Notes
    -----
    Kahn's algorithm on units: a unit is ready when every prerequisite of its
    concepts that another unit teaches has been taught; among ready units the one
    with the smallest key goes first. Units whose concepts interleave in the
    prerequisite order can block each other (no order of whole units exists); then
    the best concept whose prerequisites are all taught is picked and its unit is
    split: the step takes every remaining concept of the unit that is teachable now,
    and the rest of the unit follows later as its own step. Since the concept graph is
    acyclic such a concept always exists, so the order always respects every
    prerequisite. Time :math:`O((n + e) \\log n)` for ``n`` concepts and ``e``
    prerequisite edges among them.
    """
    owner = {c: k for k, cs in enumerate(assigned) for c in cs}
    pre = {c: [p for p in prerequisites.get(c, ()) if p in owner] for c in owner}
    succ: dict[str, list[str]] = {c: [] for c in owner}
    unmet: dict[str, int] = {}
    external = [0] * len(assigned)
    for c, ps in pre.items():
        unmet[c] = len(ps)
        for p in ps:
            succ[p].append(c)
            if owner[p] != owner[c]:
                external[owner[c]] += 1
    remaining = [sorted(cs, key=position.__getitem__) for cs in assigned]
    done: set[str] = set()

    def unit_key(k: int) -> Key:
        return min(key[c] for c in remaining[k] if c not in done)

    ready_units = [
        (unit_key(k), k) for k in range(len(assigned)) if remaining[k] and not external[k]
    ]
    heapq.heapify(ready_units)
    ready_concepts = [(key[c], c) for c, n in unmet.items() if n == 0]
    heapq.heapify(ready_concepts)
    steps: list[tuple[int, tuple[str, ...]]] = []
    left = len(owner)
    while left:
        if ready_units:
            _, k = heapq.heappop(ready_units)
            part = [c for c in remaining[k] if c not in done]
        else:
            # Units block each other: teach the most preferred concept that is ready,
            # with whatever else of its unit can go along now.
            while ready_concepts[0][1] in done:
                heapq.heappop(ready_concepts)
            k = owner[ready_concepts[0][1]]
            part, taken = [], set()
            for c in remaining[k]:
                if c not in done and all(p in done or p in taken for p in pre[c]):
                    part.append(c)
                    taken.add(c)
        steps.append((k, tuple(part)))
        done.update(part)
        left -= len(part)
        remaining[k] = [c for c in remaining[k] if c not in done]
        for c in part:
            for d in succ[c]:
                unmet[d] -= 1
                if unmet[d] == 0:
                    heapq.heappush(ready_concepts, (key[d], d))
                j = owner[d]
                if j != k:
                    external[j] -= 1
                    if external[j] == 0 and remaining[j]:
                        heapq.heappush(ready_units, (unit_key(j), j))
    return steps
