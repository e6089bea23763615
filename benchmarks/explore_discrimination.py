"""Exploration, not a target benchmark: how item discrimination and calibration move the
diagnostic's F1 (see benchmarks/README.md, "planner: diagnostic F1", 2026-12-02).

The true items have a = exp(N(0, --asd)) (0: every a = 1, the main benchmark's world) and
b = the teacher's difficulty. The diagnostic sees: the teacher's values with a = 1
(--mode teacher), the truth (--mode truth), or calibrated values (--mode raw): a simulated
cohort of --cohort learners answers twice as many items as the bank holds, and each
learner's first answer to each item is fitted by 2PL with the prior on b centred on the
teacher's value (sd 1), the priors of tutor.services.learning.course_recalibrate (which
also leaves design items out; this script fits every kind). "linked" rescales the fitted
values to the teacher's b mean and spread first.

    .venv/bin/python benchmarks/explore_discrimination.py --asd 0.3 --mode raw --seed 1000
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_diagnostic import BankItem, crowd_learners, f1_scores, load_course  # noqa: E402

from knowledge_graph.graph import SkillGraph  # noqa: E402
from planner.crowd import CrowdItem, simulate_cohort  # noqa: E402
from planner.diagnostic import DiagnosticItem, run_diagnostic  # noqa: E402
from planner.irt import Priors, ResponseData, calibrate  # noqa: E402

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def calibrated(
    graph: SkillGraph,
    items: Sequence[BankItem],
    raws: Sequence[dict[str, Any]],
    misconceptions: Sequence[str],
    true_a: FloatArray,
    cohort: int,
) -> tuple[FloatArray, FloatArray]:
    """(a, b) fitted to a simulated cohort's first answers, in the order of ``items``."""
    bank = [CrowdItem.from_mapping(r) for r in raws]
    t0 = time.time()
    responses = simulate_cohort(graph, bank, cohort, 2 * len(bank), seed=99,
                                misconceptions=misconceptions)
    first: dict[tuple[str, str], int] = {}
    for r in responses:
        first.setdefault((r.learner, r.item), int(r.correct))
    data = ResponseData.from_records([(lr, it, x) for (lr, it), x in first.items()])
    teacher = {it.id: it.difficulty for it in items}
    fit = calibrate(data, model="2pl",
                    priors=Priors(b_mean=[teacher[i] for i in data.item_ids], b_sd=1.0))
    params = fit.items()
    a = np.array([params[it.id].a for it in items])
    b = np.array([params[it.id].b for it in items])
    teacher_b = np.array([it.difficulty for it in items])
    corr = np.corrcoef(a, true_a)[0, 1] if true_a.std() > 0 else float("nan")
    print(f"cohort {len(responses)} answers, fit {time.time() - t0:.1f}s; "
          f"a_cal mean {a.mean():.2f} sd {a.std():.2f}; b_cal mean {b.mean():.2f} "
          f"sd {b.std():.2f}; teacher b mean {teacher_b.mean():.2f} sd {teacher_b.std():.2f}; "
          f"corr(a_cal, a_true) {corr:.2f}", flush=True)
    return a, b


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--asd", type=float, default=0.0, help="spread of the true log a")
    ap.add_argument("--mode", default="raw", choices=["raw", "linked", "truth", "teacher"])
    ap.add_argument("--seed", type=int, default=1000, help="seed of the crowd sitting the test")
    ap.add_argument("--n", type=int, default=160, help="learners sitting the diagnostic")
    ap.add_argument("--cohort", type=int, default=300, help="learners answering for calibration")
    args = ap.parse_args()

    graph, items, misconceptions, raws = load_course()
    true_a = (np.exp(np.random.default_rng(12345).normal(0.0, args.asd, len(items)))
              if args.asd else np.ones(len(items)))
    raws = [dict(r, discrimination=float(a)) for r, a in zip(raws, true_a, strict=True)]
    teacher_b = np.array([it.difficulty for it in items])
    if args.mode in ("raw", "linked"):
        a_use, b_use = calibrated(graph, items, raws, misconceptions, true_a, args.cohort)
        if args.mode == "linked":
            scale = teacher_b.std() / b_use.std()
            b_use = scale * b_use + teacher_b.mean() - scale * b_use.mean()
            a_use = a_use / scale
            a_use = a_use / a_use.mean()  # mean discrimination 1 on the teacher's scale
    elif args.mode == "truth":
        a_use, b_use = true_a, teacher_b
    else:
        a_use, b_use = np.ones(len(items)), teacher_b
    bank = [DiagnosticItem.from_irt(it.id, it.concepts, a=float(a), b=float(b),
                                    n_choices=it.n_choices)
            for it, a, b in zip(items, a_use, b_use, strict=True)]

    learners = crowd_learners(graph, raws, misconceptions, args.n, args.seed)
    tp = fp = fn = 0
    per: list[float] = []
    t0 = time.time()
    for k, (weak, respond) in enumerate(learners):
        res = run_diagnostic(graph, bank, respond, max_items=15, seed=args.seed + k,
                             misconceptions=misconceptions, belief_options={"n_particles": 2000})
        predicted = set(res.weak)
        tp += len(predicted & weak)
        fp += len(predicted - weak)
        fn += len(weak - predicted)
        per.append(f1_scores(predicted, weak, len(graph))["f1"])
    print(f"asd={args.asd} mode={args.mode} seed={args.seed} n={len(per)} "
          f"pooled={2 * tp / (2 * tp + fp + fn):.4f} per={np.mean(per):.4f} "
          f"prec={tp / (tp + fp):.3f} rec={tp / (tp + fn):.3f} "
          f"s/diag={(time.time() - t0) / len(per):.2f}", flush=True)


if __name__ == "__main__":
    main()
