"""The adaptive diagnostic on the demo course: F1 of weak concepts after N items.

Simulated learners with a known true state (planner.crowd) sit the diagnostic
(planner.diagnostic) on the item bank of courses/dc-ac-circuits-1; we compare the
weak concepts it reports with the learners' truly weak ones (F1, precision, recall,
per-concept accuracy), at several item budgets, plus the time a web request takes
(rebuild from JSON, record one answer, choose the next item).

    .venv/bin/python benchmarks/bench_diagnostic.py            # full run
    .venv/bin/python benchmarks/bench_diagnostic.py --quick    # smoke run
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge_graph.graph import SkillGraph  # noqa: E402
from planner.diagnostic import Answer, Diagnostic, DiagnosticItem, run_diagnostic  # noqa: E402

COURSE = ROOT / "courses" / "dc-ac-circuits-1"
#: The item kinds the product's diagnostic asks (tutor.selectors.DIAGNOSTIC_KINDS; a test
#: keeps the two equal): design items, circuits to build, are left out.
DIAGNOSTIC_KINDS = ("multiple_choice", "numeric", "circuit")


@dataclass(frozen=True)
class BankItem:
    """An item of the course file, with what the simulation and the diagnostic need."""

    id: str
    concepts: tuple[str, ...]
    difficulty: float
    kind: str
    n_choices: int | None
    distractor_tags: tuple[str | None, ...]


def load_course(
    path: Path = COURSE,
) -> tuple[SkillGraph, list[BankItem], list[str], list[dict[str, Any]]]:
    """Skill graph, item bank, misconception ids and raw items of a course folder."""
    course = yaml.safe_load((path / "course.yaml").read_text())
    graph = SkillGraph.from_mapping(
        {c["id"]: c.get("prerequisites", []) for c in course["concepts"]}
    )
    items: list[BankItem] = []
    raws: list[dict[str, Any]] = []
    for f in sorted((path / "items").glob("*.yaml")):
        for raw in yaml.safe_load(f.read_text()) or []:
            raws.append(raw)
            choices = raw.get("choices") or []
            items.append(
                BankItem(
                    id=raw["id"],
                    concepts=tuple(raw["concepts"]),
                    difficulty=float(raw.get("difficulty", 0.0)),
                    kind=raw["kind"],
                    n_choices=len(choices) if raw["kind"] == "multiple_choice" else None,
                    distractor_tags=tuple(
                        c.get("misconception") for c in choices if not c.get("correct")
                    ),
                )
            )
    misconceptions = [m["id"] for m in course.get("misconceptions", [])]
    return graph, items, misconceptions, raws


def diagnostic_bank(items: Sequence[BankItem]) -> list[DiagnosticItem]:
    """What the diagnostic knows of each item: the teacher's difficulty, a = 1."""
    return [
        DiagnosticItem.from_irt(it.id, it.concepts, a=1.0, b=it.difficulty, n_choices=it.n_choices)
        for it in items
    ]


def capped_bank(items: Sequence[BankItem]) -> list[DiagnosticItem]:
    """The bank as ``DiagnosticItem.from_irt`` built it before 2026-11-24 (guess <= 0.35,
    slip <= 0.6): kept to measure what dropping the caps changed, on the same learners."""
    from knowledge_graph.learner import guess_slip_from_2pl

    out = []
    for it in items:
        guess, slip = guess_slip_from_2pl(
            1.0, it.difficulty, n_choices=it.n_choices, max_guess=0.35, max_slip=0.6
        )
        out.append(DiagnosticItem(it.id, it.concepts, guess, slip, ability_slope=0.4))
    return out


def f1_scores(predicted: set[str], truth: set[str], universe: int) -> dict[str, float]:
    tp = len(predicted & truth)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * tp / (len(predicted) + len(truth)) if (predicted or truth) else 1.0
    wrong = len(predicted ^ truth)
    return {"f1": f1, "precision": precision, "recall": recall, "accuracy": 1 - wrong / universe}


Learner = tuple[set[str], Callable[[DiagnosticItem], Answer]]


def crowd_learners(
    graph: SkillGraph,
    course_items: Sequence[dict[str, Any]],
    misconceptions: Sequence[str],
    n: int,
    seed: int,
) -> list[Learner]:
    """Simulated learners from planner.crowd: (truly weak concepts, answer function).

    Each learner answers through the 2PL model with the item's teacher difficulty as
    its true ``b`` (and ``a = 1``), without learning during the diagnostic.
    """
    from planner.crowd import CrowdItem, sample_crowd

    bank = [CrowdItem.from_mapping(raw) for raw in course_items]
    crowd = sample_crowd(graph, n, seed=seed, misconceptions=misconceptions)
    rng = np.random.default_rng(seed + 1)
    return [
        (set(x.weak_concepts()), x.responder(bank, seed=int(rng.integers(2**31)), learn=False))
        for x in crowd
    ]


def random_diagnostic(
    graph: SkillGraph,
    bank: list[DiagnosticItem],
    respond: Callable[[DiagnosticItem], Answer],
    options: dict[str, Any],
    seed: int,
) -> Any:
    """The same belief and stop rule, but items drawn at random: the baseline for selection."""
    d = Diagnostic(graph, bank, **options)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(bank))
    for k in order:
        if d.finished:
            break
        item = bank[k]
        ans = respond(item)
        d.record(item.id, correct=ans.correct, misconception=ans.misconception)
    return d.result()


def summarise(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}


def request_seconds(
    graph: SkillGraph,
    bank: list[DiagnosticItem],
    learner: Learner,
    budget: int,
    opts: dict[str, Any],
) -> list[float]:
    """Wall time of each simulated web request: from_dict, record, next_item, to_dict."""
    _, respond = learner
    by_id = {}
    state = Diagnostic(graph, bank, max_items=budget, **opts).to_dict()
    times = []
    item: DiagnosticItem | None = Diagnostic.from_dict(graph, bank, state).next_item()
    while item is not None:
        by_id[item.id] = item
        ans = respond(item)  # type: ignore[arg-type]
        t0 = time.perf_counter()
        d = Diagnostic.from_dict(graph, bank, json.loads(json.dumps(state)))
        d.record(
            item.id, correct=ans.correct, misconception=ans.misconception, diagnosis=ans.diagnosis
        )
        item = d.next_item()
        state = d.to_dict()
        json.dumps(state)
        times.append(time.perf_counter() - t0)
    return times


def machine() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        model = next(x.split(":", 1)[1].strip() for x in out.splitlines() if "Model name" in x)
    except (OSError, StopIteration):
        model = platform.processor() or "unknown CPU"
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small smoke run")
    ap.add_argument("--learners", type=int, default=200)
    ap.add_argument("--budgets", default="5,10,15,20", help="item budgets to measure")
    ap.add_argument("--particles", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.quick:
        args.learners, args.budgets = 10, "15"
    budgets = [int(b) for b in args.budgets.split(",")]

    graph, items, misconceptions, raws = load_course()
    items = [it for it in items if it.kind in DIAGNOSTIC_KINDS]
    bank = diagnostic_bank(items)
    learners = crowd_learners(graph, raws, misconceptions, args.learners, args.seed)
    opts: dict[str, Any] = {
        "belief_options": {"n_particles": args.particles},
        "misconceptions": misconceptions,
    }

    print(
        f"\ncourse {COURSE.name}: {len(graph)} concepts, {len(items)} items "
        f"({', '.join(DIAGNOSTIC_KINDS)}); "
        f"{len(learners)} simulated learners (planner.crowd defaults); {args.particles} particles\n"
    )
    print(
        "| model | weak set | items (max) | items asked (mean) | F1 weak, per learner "
        "| F1 weak, pooled | precision | recall | concept accuracy | s / diagnostic |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    graph_only = [
        DiagnosticItem(it.id, it.concepts, it.guess, it.slip, ability_slope=0.0) for it in bank
    ]
    variants = [("full", bank, {}, budgets)]
    if not args.quick:
        # what the general ability adds, what choosing items adds, what the stop rule
        # costs, and the item model of the previous measurement
        variants.append(
            ("graph only, no general ability", graph_only, {"ability_effect": 0.0}, [15])
        )
        variants.append(("full, random items", bank, {"random_items": True}, [15]))
        variants.append(("full, no early stop", bank, {"confidence": 0.999}, [15]))
        variants.append(
            ("before: capped guess/slip", capped_bank(items), {"confidence": 0.9}, [15])
        )
    rules: list[tuple[str, Callable[[Any], list[str]]]] = [
        ("P(known) < 0.5", lambda r: r.weak),
        ("max expected F1", lambda r: r.weak_f1),
    ]
    for name, items_v, extra, budgets_v in variants:
        belief_extra = {k: v for k, v in extra.items() if k not in ("random_items", "confidence")}
        for budget in budgets_v:
            results = []
            t0 = time.perf_counter()
            for k, (_, respond) in enumerate(learners):
                options: dict[str, Any] = {
                    "max_items": budget,
                    "seed": args.seed + k,
                    "misconceptions": misconceptions,
                    "belief_options": {"n_particles": args.particles, **belief_extra},
                }
                if "confidence" in extra:
                    options["confidence"] = extra["confidence"]
                if extra.get("random_items"):
                    res = random_diagnostic(graph, items_v, respond, options, args.seed + k)
                else:
                    res = run_diagnostic(graph, items_v, respond, **options)
                results.append(res)
            secs = (time.perf_counter() - t0) / len(learners)
            n_asked = np.mean([len(r.asked) for r in results])
            for rule, pick in rules:
                rows = []
                tp = fp = fn = 0
                for res, (weak, _) in zip(results, learners, strict=True):
                    predicted = set(pick(res))
                    rows.append(f1_scores(predicted, weak, len(graph)))
                    tp += len(predicted & weak)
                    fp += len(predicted - weak)
                    fn += len(weak - predicted)
                m = summarise(rows)
                pooled = 2 * tp / (2 * tp + fp + fn)
                print(
                    f"| {name} | {rule} | {budget} | {n_asked:.1f} | {m['f1']:.3f} "
                    f"| {pooled:.3f} | {tp / max(tp + fp, 1):.3f} | {tp / max(tp + fn, 1):.3f} "
                    f"| {m['accuracy']:.3f} | {secs:.2f} |",
                    flush=True,
                )
    times = request_seconds(graph, bank, learners[0], 15, {**opts, "seed": args.seed})
    print(
        f"\nweb request (rebuild from JSON + record + choose next), 15-item diagnostic: "
        f"median {np.median(times) * 1000:.0f} ms, worst {max(times) * 1000:.0f} ms"
    )
    print(f"\nmachine: {machine()}; date: {dt.date.today().isoformat()}")
    command = f".venv/bin/python benchmarks/bench_diagnostic.py {' '.join(sys.argv[1:])}"
    print(f"command: {command.rstrip()}")


if __name__ == "__main__":
    main()
