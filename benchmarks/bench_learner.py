"""The learner model's evidence along the graph, on simulated learners of the demo course.

    python benchmarks/bench_learner.py [--quick]

Simulated learners (``planner.crowd``, true per-concept abilities, learning from
practice) answer 60 practice items of the demo course each, roughly in syllabus
order (each item's position plus Gaussian noise of 6 concepts). Before every answer
the learner model predicts it, ``P(correct) = K (1 - slip) + (1 - K) guess`` with
``K`` the product of the tagged concepts' P(known), guess 0.2 and slip 0.1; then the
answer updates the model. Reported for each propagation rule of
:class:`knowledge_graph.learner.LearnerModel`:

- AUC and log loss of those next-answer predictions;
- Brier score of the final P(known) of every concept against the truth (known when
  the learner's true ability on it is at least ``planner.crowd.WEAK_ABILITY``).

Means over three crowds (seeds 1, 2, 3) of 200 learners each.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_bkt import auc  # noqa: E402
from benchmarks.bench_paths import machine  # noqa: E402
from knowledge_graph.graph import SkillGraph  # noqa: E402
from knowledge_graph.learner import LearnerModel  # noqa: E402
from planner.crowd import WEAK_ABILITY, sample_crowd  # noqa: E402
from planner.simulate import DEMO_COURSE, load_course  # noqa: E402

GUESS, SLIP = 0.2, 0.1


def run(make: Callable[[SkillGraph], LearnerModel], *, learners: int, answers: int,
        seed: int) -> tuple[float, float, float]:
    """(AUC, log loss, final Brier) of one rule on one crowd."""
    course = load_course(DEMO_COURSE)
    order = list(course.graph.topological_order)
    position = {c: i for i, c in enumerate(order)}
    items = list({it.id: it for c in order for it in course.items.get(c, [])}.values())
    rng = np.random.default_rng(seed)
    predicted: list[float] = []
    observed: list[int] = []
    brier: list[float] = []
    for learner in sample_crowd(course.graph, learners, seed=rng):
        model = make(course.graph)
        sequence = sorted(items, key=lambda it: position[it.concepts[0]] + rng.normal(0, 6))
        for item in sequence[:answers]:
            known = float(np.prod([model.mastery[c] for c in item.concepts]))
            predicted.append(known * (1 - SLIP) + (1 - known) * GUESS)
            right = learner.answer(item, seed=rng).correct
            observed.append(int(right))
            model.update(concepts=list(item.concepts), correct=right, guess=GUESS, slip=SLIP)
        truth = learner.ability
        brier.append(float(np.mean([(model.mastery[c] - float(truth[c] >= WEAK_ABILITY)) ** 2
                                    for c in order])))
    p, y = np.asarray(predicted), np.asarray(observed)
    log_loss = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    return auc(y, p), log_loss, float(np.mean(brier))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one small crowd, a smoke run")
    args = parser.parse_args()
    learners, seeds = (40, [1]) if args.quick else (200, [1, 2, 3])
    rules: dict[str, Callable[[SkillGraph], LearnerModel]] = {
        "no propagation": lambda g: LearnerModel(g, propagation=0.0),
        "log-odds, 0.3 (before 2026-12-04)": lambda g: LearnerModel(g, rule="log-odds"),
        "implication, 0.3 (default)": lambda g: LearnerModel(g),
        "implication, 0.5": lambda g: LearnerModel(g, propagation=0.5),
    }
    print(f"Machine: {machine()}. Date: {datetime.date.today().isoformat()}.\n")
    print(f"{learners} simulated learners x 60 answers, seeds {', '.join(map(str, seeds))}.\n")
    print("| rule | next-answer AUC | log loss | final Brier vs truth | time |")
    print("|---|---:|---:|---:|---:|")
    for name, make in rules.items():
        started = time.perf_counter()
        rows = np.asarray([run(make, learners=learners, answers=60, seed=s) for s in seeds])
        a, ll, br = rows.mean(axis=0)
        print(f"| {name} | {a:.4f} | {ll:.4f} | {br:.4f} | "
              f"{time.perf_counter() - started:.1f} s |", flush=True)
    print("\nLower is better for log loss and Brier; higher for AUC.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
