"""The "My knowledge" drawing: mastery bands and a layered layout of the skill graph.

Plain Python (no ORM): it turns a :class:`~knowledge_graph.graph.SkillGraph` and a
mastery per concept into coordinates. The SVG markup itself is in the page template,
so Django's autoescaping covers every name drawn.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from knowledge_graph.diagnosis import MASTERED_THRESHOLD, WEAK_THRESHOLD
from knowledge_graph.graph import SkillGraph

__all__ = ["BANDS", "UNASSESSED", "Band", "Edge", "MapLayout", "Node", "band_for",
           "layered_layout", "percent"]


@dataclass(frozen=True, slots=True)
class Band:
    """A mastery band: P(known) in [low, next band's low)."""

    key: str
    label: str
    low: float
    fill: str
    text: str
    border: str
    dash: str  # the border's dash pattern, so bands differ without colour too
    range: str


# The band edges are the house's: weak below 0.5, mastered from 0.95. The fills are
# light enough for dark text (contrast >= 4.5:1, tested) and run from warm to cool;
# the label inside each node and the border pattern say the same without colour.
BANDS: tuple[Band, ...] = (
    Band("weak", "Weak", 0.0, "#fbd3cf", "#1a1a1a", "#a11d12", "2 3", "below 30%"),
    Band("shaky", "Shaky", 0.3, "#fde4b8", "#1a1a1a", "#8a5300", "6 3", "30% to 49%"),
    Band("progress", "Getting there", WEAK_THRESHOLD, "#f3f1c4", "#1a1a1a", "#5f5a00", "10 3",
         "50% to 79%"),
    Band("nearly", "Nearly mastered", 0.8, "#cfe8f3", "#1a1a1a", "#1f5f7a", "", "80% to 94%"),
    Band("mastered", "Mastered", MASTERED_THRESHOLD, "#2b5f8f", "#ffffff", "#12324f", "",
         "95% and up"),
)


#: A concept no answer of the learner bears on yet: its probability is the population's
#: starting guess, which said "Shaky, 30 %" of every concept to a learner who had
#: answered nothing. Not a range of probabilities, so not one of BANDS.
UNASSESSED = Band("unassessed", "Not assessed yet", 0.0, "#f0f0f0", "#1a1a1a", "#6b6b6b",
                  "1 3", "no answer bears on it yet")


def percent(p: float) -> int:
    """P(known) as the pages print it: floored, so a percentage never claims a band above
    its own (94.6 % is not 95 %); the nudge keeps 0.29, stored as 0.28999..., at 29."""
    return math.floor(100 * p + 1e-9)


def band_for(p: float, *, assessed: bool = True) -> Band:
    """The band of a mastery probability; :data:`UNASSESSED` when no answer bears on it."""
    if not assessed:
        return UNASSESSED
    band = BANDS[0]
    for b in BANDS:
        if p >= b.low:
            band = b
    return band


@dataclass(frozen=True, slots=True)
class Node:
    key: str
    name: str
    name_lines: tuple[str, ...]  # the name wrapped to fit the box, at most two lines
    mastery: float
    band: Band
    x: float
    y: float
    depth: int

    @property
    def percent(self) -> int:
        return percent(self.mastery)

    @property
    def status(self) -> str:
        """What the box says under the name: the band and the percentage, if assessed."""
        if self.band is UNASSESSED:
            return self.band.label
        return f"{self.band.label} · {self.percent}%"

    @property
    def cx(self) -> float:
        return self.x + NODE_W / 2

    @property
    def name_rows(self) -> list[tuple[float, str]]:
        """(baseline y, text) of each line of the name, the block centred above the band."""
        top = self.y + (28 if len(self.name_lines) == 1 else 21)
        return [(top + 17 * k, line) for k, line in enumerate(self.name_lines)]

    @property
    def band_y(self) -> float:
        return self.y + (50 if len(self.name_lines) == 1 else 58)


@dataclass(frozen=True, slots=True)
class Edge:
    before: str
    after: str
    path: str  # SVG path data, numbers only


@dataclass(frozen=True, slots=True)
class MapLayout:
    nodes: list[Node]
    edges: list[Edge]
    width: float
    height: float
    node_width: float
    node_height: float

    @property
    def min_width(self) -> float:
        """Narrowest the drawing may be scaled to before the page scrolls it instead.

        Scaled to any width, a wide course's map shrank its text to 3 px on a phone
        and 9 px on a laptop; below MIN_SCALE the figure scrolls sideways instead.
        """
        return round(self.width * MIN_SCALE)


NODE_W = 184.0
NODE_H = 68.0
GAP_X = 20.0
GAP_Y = 52.0
MARGIN = 16.0
LANE_W = 6.0  # the width an arrow that skips a row takes in it
LANE_GAP = 4.0  # between a lane and what is beside it (lines 10 px apart)
SPREAD = 16.0  # between the ends of two arrows on one box edge, at most
LINE_CHARS = 21  # of a 14 px bold name in a NODE_W box
# Names at 10.8 px; the demo course (1436 px with its lanes) then fits the 72rem column,
# 1113 px inside its padding (a test holds it).
MIN_SCALE = 0.77


def _bend(x1: float, y1: float, x2: float, y2: float) -> str:
    """An S-curve from (x1, y1) down to (x2, y2), leaving and arriving vertically; its
    control points keep it between the two rows, so it never crosses a box."""
    mid = (y1 + y2) / 2
    return f" C{x1:.1f},{mid:.1f} {x2:.1f},{mid:.1f} {x2:.1f},{y2:.1f}"


def _depths(graph: SkillGraph) -> dict[str, int]:
    """Longest chain of prerequisites below each concept (roots are 0)."""
    depth: dict[str, int] = {}
    for c in graph.topological_order:
        pre = graph.prerequisites(c)
        depth[c] = 1 + max(depth[p] for p in pre) if pre else 0
    return depth


def _wrap(name: str) -> tuple[str, ...]:
    """The name in at most two lines of LINE_CHARS, broken between words.

    Cutting every name at one line used to hide a fifth of the demo course's names
    ("Kirchhoff's current l…"); two lines hold them all, and only a longer name
    loses its end (the box's tooltip, the description and the table give it whole).
    """
    lines = textwrap.wrap(name, LINE_CHARS, break_long_words=True) or [name]
    if len(lines) <= 2:
        return tuple(lines)
    rest = " ".join(lines[1:])
    return lines[0], rest[: LINE_CHARS - 1].rstrip() + "…"


def layered_layout(
    graph: SkillGraph,
    mastery: Mapping[str, float],
    names: Mapping[str, str],
    *,
    assessed: Collection[str] | None = None,
) -> MapLayout:
    """Rows by prerequisite depth, top to bottom; arrows point from a prerequisite down.

    Concepts outside ``assessed`` (when given) are drawn as :data:`UNASSESSED`.

    An arrow that skips rows gets a lane of its own in every row it crosses (a
    "dummy node", as in Sugiyama's layered drawing): drawn straight down from its
    prerequisite, it ran under the boxes in between, so that "Power and energy -> AC
    power" read as passing through Capacitors. Within a row, boxes and lanes are
    ordered by the mean position of what they hang from in the row above (one
    barycentre pass, which removes most crossings in course-sized graphs), syllabus
    order breaking ties. O(V + E * rows) after the sorts.
    """
    depth = _depths(graph)
    syllabus = {c: k for k, c in enumerate(graph.order)}
    rows: dict[int, list[str]] = {d: [] for d in range(max(depth.values(), default=-1) + 1)}
    for c in graph.order:
        rows[depth[c]].append(c)
    # A lane is named by its edge's index and row; it hangs from the slot above it.
    above: dict[str, list[str]] = {c: [] for c in graph.order}
    tie: dict[str, tuple[int, int]] = {c: (syllabus[c], 0) for c in graph.order}
    lanes: list[list[str]] = []
    for i, (before, after) in enumerate(graph.edges):
        chain = [f"\0{i}:{d}" for d in range(depth[before] + 1, depth[after])]
        for k, lane in enumerate(chain):
            rows[depth[before] + 1 + k].append(lane)
            above[lane] = [([before, *chain])[k]]
            tie[lane] = (syllabus[after], 1 + syllabus[before])
        above[after].append(chain[-1] if chain else before)
        lanes.append(chain)
    position: dict[str, float] = {}
    for d in sorted(rows):
        def centre(slot: str) -> tuple[float, tuple[int, int]]:
            up = [position[u] for u in above[slot] if u in position]
            return (sum(up) / len(up) if up else float(syllabus.get(slot, 0)), tie[slot])

        rows[d].sort(key=centre)
        for k, slot in enumerate(rows[d]):
            position[slot] = float(k)

    def slot_w(slot: str) -> float:
        return NODE_W if slot in syllabus else LANE_W

    def gap(left: str, right: str) -> float:  # lanes sit close: they hold only a line
        return GAP_X if left in syllabus and right in syllabus else LANE_GAP

    def row_width(row: list[str]) -> float:
        return sum(map(slot_w, row)) + sum(gap(a, b) for a, b in zip(row, row[1:], strict=False))

    width = 2 * MARGIN + max((row_width(r) for r in rows.values()), default=0.0)
    height = 2 * MARGIN + len(rows) * NODE_H + max(len(rows) - 1, 0) * GAP_Y
    nodes: dict[str, Node] = {}
    lane_x: dict[str, float] = {}
    for d, row in rows.items():
        x = (width - row_width(row)) / 2
        y = MARGIN + d * (NODE_H + GAP_Y)
        for k, slot in enumerate(row):
            if k:
                x += gap(row[k - 1], slot)
            if slot not in syllabus:
                lane_x[slot] = x + LANE_W / 2
            else:
                p = float(mastery.get(slot, 0.0))
                name = names.get(slot, slot)
                band = band_for(p, assessed=assessed is None or slot in assessed)
                nodes[slot] = Node(slot, name, _wrap(name), p, band, x, y, d)
            x += slot_w(slot)
    # Where each arrow leaves its prerequisite and reaches its concept: spread along the
    # box's edge in the order of where the arrows go or come from, so that three arrows
    # into one box end in three arrowheads, not one (they stacked at its centre).
    ends = [(nodes[before], nodes[after], [lane_x[lane] for lane in chain])
            for (before, after), chain in zip(graph.edges, lanes, strict=True)]
    leave: dict[int, float] = {}
    reach: dict[int, float] = {}
    for key, spot in ((0, leave), (1, reach)):
        groups: dict[str, list[tuple[float, int]]] = {}
        for i, (a, b, xs) in enumerate(ends):
            own, other = (a, b) if key == 0 else (b, a)
            toward = (xs[0] if key == 0 else xs[-1]) if xs else other.cx
            groups.setdefault(own.key, []).append((toward, i))
        for own_key, group in groups.items():
            group.sort()
            step = min(SPREAD, 0.6 * NODE_W / max(len(group) - 1, 1))
            for k, (_, i) in enumerate(group):
                spot[i] = nodes[own_key].cx + (k - (len(group) - 1) / 2) * step
    edges: list[Edge] = []
    for i, (a, b, xs) in enumerate(ends):
        x1, y1 = leave[i], a.y + NODE_H
        path = f"M{x1:.1f},{y1:.1f}"
        for x, d in zip(xs, range(a.depth + 1, b.depth), strict=True):
            top = MARGIN + d * (NODE_H + GAP_Y)
            path += _bend(x1, y1, x, top) + f" L{x:.1f},{top + NODE_H:.1f}"
            x1, y1 = x, top + NODE_H
        path += _bend(x1, y1, reach[i], b.y - 4)  # stop short so the arrowhead shows
        edges.append(Edge(a.key, b.key, path))
    ordered = [nodes[c] for c in graph.order]
    return MapLayout(ordered, edges, width, height, NODE_W, NODE_H)
