# ruff: noqa: E402, E501, E702, E741, B905  (an exploration script kept as it was run)
"""Exploration, not a target benchmark: how item discrimination and calibration move the
diagnostic's F1 (see benchmarks/README.md, "planner: diagnostic F1", 2026-12-02).

The true items have a = exp(N(0, --asd)) (0: every a = 1, the main benchmark's world) and
b = the teacher's difficulty. The diagnostic sees: the teacher's values with a = 1
(--mode teacher), the truth (--mode truth), or the product's path (--mode raw): a
simulated cohort of --cohort learners answers twice as many items as the bank holds,
first answers per item are calibrated by 2PL with the prior on b centred on the teacher's
value (sd 1), as tutor.services.learning.course_recalibrate does, and the fitted a, b are
used as they are ("linked" rescales them to the teacher's b mean and spread first).

    .venv/bin/python benchmarks/explore_discrimination.py --asd 0.3 --mode raw --seed 1000
"""
import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT / "benchmarks"))
import numpy as np
from bench_diagnostic import crowd_learners, load_course

from planner.crowd import CrowdItem, simulate_cohort
from planner.diagnostic import DiagnosticItem, run_diagnostic
from planner.irt import Priors, ResponseData, calibrate

ap = argparse.ArgumentParser()
ap.add_argument("--asd", type=float, default=0.0)   # spread of true log a
ap.add_argument("--mode", default="raw")            # raw | linked | truth | teacher
ap.add_argument("--seed", type=int, default=1000)
ap.add_argument("--n", type=int, default=160)
ap.add_argument("--cohort", type=int, default=300)
args = ap.parse_args()
graph, items, mis, raws = load_course()
avals = np.exp(np.random.default_rng(12345).normal(0.0, args.asd, len(items))) if args.asd else np.ones(len(items))
raws = [dict(r, discrimination=float(a)) for r, a in zip(raws, avals)]
teacher_b = np.array([it.difficulty for it in items])
if args.mode in ("raw", "linked"):
    bank_c = [CrowdItem.from_mapping(r) for r in raws]
    kinds = {"multiple_choice", "numeric", "circuit"}
    t0 = time.time()
    resp = simulate_cohort(graph, bank_c, args.cohort, 2 * len(bank_c), seed=99, misconceptions=mis)
    first = {}
    for r in resp:
        first.setdefault((r.learner, r.item), int(r.correct))
    data = ResponseData.from_records([(l, i, x) for (l, i), x in first.items()])
    tb = {it.id: it.difficulty for it in items}
    fit = calibrate(data, model="2pl", priors=Priors(b_mean=[tb[i] for i in data.item_ids], b_sd=1.0))
    p = fit.items()
    a_cal = np.array([p[it.id].a for it in items]); b_cal = np.array([p[it.id].b for it in items])
    print(f"cohort {len(resp)} answers, fit {time.time()-t0:.1f}s; a_cal mean {a_cal.mean():.2f} sd {a_cal.std():.2f}; "
          f"b_cal mean {b_cal.mean():.2f} sd {b_cal.std():.2f}; teacher b mean {teacher_b.mean():.2f} sd {teacher_b.std():.2f}; "
          f"corr(a_cal, a_true) {np.corrcoef(a_cal, avals)[0,1] if args.asd else float('nan'):.2f}", flush=True)
    if args.mode == "linked":
        A = teacher_b.std() / b_cal.std(); B = teacher_b.mean() - A * b_cal.mean()
        b_use = A * b_cal + B; a_use = a_cal / A
        a_use = a_use / a_use.mean()   # mean discrimination 1 on the teacher's scale
    else:
        a_use, b_use = a_cal, b_cal
elif args.mode == "truth":
    a_use, b_use = avals, teacher_b
else:  # teacher: a = 1
    a_use, b_use = np.ones(len(items)), teacher_b
bank = [DiagnosticItem.from_irt(it.id, it.concepts, a=float(a), b=float(b), n_choices=it.n_choices)
        for it, a, b in zip(items, a_use, b_use)]
learners = crowd_learners(graph, raws, mis, args.n, args.seed)
tp = fp = fn = 0; per = []; t0 = time.time()
for k, (weak, respond) in enumerate(learners):
    res = run_diagnostic(graph, bank, respond, max_items=15, seed=args.seed + k, misconceptions=mis,
                         belief_options={"n_particles": 2000})
    pred = set(res.weak)
    tp += len(pred & weak); fp += len(pred - weak); fn += len(weak - pred)
    per.append(2*len(pred & weak)/(len(pred)+len(weak)) if (pred or weak) else 1.0)
print(f"asd={args.asd} mode={args.mode} seed={args.seed} n={len(per)} pooled={2*tp/(2*tp+fp+fn):.4f} per={np.mean(per):.4f} "
      f"prec={tp/(tp+fp):.3f} rec={tp/(tp+fn):.3f} s/diag={(time.time()-t0)/len(per):.2f}", flush=True)
