"""Knowledge tracing: our BKT fit (knowledge_graph.bkt) against pyBKT 1.4.3.

Both fit the same simulated answer sequences, drawn from BKT with known parameters
per skill. Reported: AUC of next-answer prediction on held-out learners, mean
absolute error of the fitted parameters against the truth, and fit time.

pyBKT 1.4.3 needs numpy<2, so it runs in a venv of its own, benchmarks/.venv-pybkt,
created here on first use from benchmarks/requirements-pybkt.txt; it reads the data
from a CSV and answers in JSON.

    .venv/bin/python benchmarks/bench_bkt.py            # full run
    .venv/bin/python benchmarks/bench_bkt.py --quick    # smoke run
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge_graph.bkt import BKTParams, fit_bkt, predict_sequences  # noqa: E402

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-pybkt"
REQUIREMENTS = HERE / "requirements-pybkt.txt"
PARAMS = ("p_init", "p_learn", "p_guess", "p_slip")

PYBKT_SCRIPT = r"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import pandas as pd
from pyBKT.models import Model
train, test, out, num_fits, seed, parallel = sys.argv[1:7]
df_train = pd.read_csv(train)
df_test = pd.read_csv(test)
model = Model(seed=int(seed), num_fits=int(num_fits), parallel=parallel == "1")
t0 = time.perf_counter()
model.fit(data=df_train)
fit_seconds = time.perf_counter() - t0
pred = model.predict(data=df_test)
params = {}
for skill, p in model.fit_model.items():
    params[skill] = {
        "p_init": float(p["prior"]),
        "p_learn": float(p["learns"][0]),
        "p_guess": float(p["guesses"][0]),
        "p_slip": float(p["slips"][0]),
    }
json.dump(
    {
        "fit_seconds": fit_seconds,
        "params": params,
        "order_id": pred["order_id"].tolist(),
        "pred": pred["correct_predictions"].tolist(),
    },
    open(out, "w"),
)
"""


def ensure_pybkt_venv() -> Path:
    """The python of benchmarks/.venv-pybkt, creating and filling the venv if needed."""
    py = VENV / "bin" / "python"
    ok = py.exists() and (
        subprocess.run([str(py), "-c", "import pyBKT"], capture_output=True).returncode == 0
    )
    if not ok:
        print(f"creating {VENV} (pyBKT, numpy<2, pandas<2.3, scikit-learn 1.5.2)", file=sys.stderr)
        subprocess.run(["python3.11", "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)], check=True)
    return py


def simulate(params: BKTParams, n: int, length: int, rng: np.random.Generator) -> np.ndarray:
    """(n, length) 0/1 answers from the BKT generative model, vectorised over learners."""
    known = rng.random(n) < params.p_init
    out = np.empty((n, length), dtype=int)
    for t in range(length):
        p = np.where(known, 1.0 - params.p_slip, params.p_guess)
        out[:, t] = rng.random(n) < p
        learn = rng.random(n) < params.p_learn
        forget = rng.random(n) < params.p_forget
        known = np.where(known, ~forget, learn)
    return out


def random_truth(rng: np.random.Generator) -> BKTParams:
    # ranges seen in published BKT fits of tutoring data
    return BKTParams(
        p_init=float(rng.uniform(0.1, 0.6)),
        p_learn=float(rng.uniform(0.05, 0.3)),
        p_guess=float(rng.uniform(0.1, 0.3)),
        p_slip=float(rng.uniform(0.05, 0.2)),
    )


def auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U with mid-ranks for ties)."""
    from scipy.stats import rankdata

    y = np.asarray(y, dtype=bool)
    ranks = rankdata(score)
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def paired_bootstrap_auc_gap(
    y: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    groups: np.ndarray,
    n: int,
    seed: int,
) -> tuple[float, float]:
    """95% interval of AUC(a) - AUC(b), resampling whole learners (their answers correlate)."""
    rng = np.random.default_rng(seed)
    ids = np.unique(groups)
    rows_of = {g: np.flatnonzero(groups == g) for g in ids}
    gaps = []
    for _ in range(n):
        pick = np.concatenate([rows_of[g] for g in rng.choice(ids, ids.size)])
        gaps.append(auc(y[pick], a[pick]) - auc(y[pick], b[pick]))
    lo, hi = np.percentile(gaps, [2.5, 97.5])
    return float(lo), float(hi)


def write_csv(path: Path, rows: list[tuple[int, str, str, int]]) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["order_id", "user_id", "skill_name", "correct"])
        w.writerows(rows)


def machine() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        model = next(
            line.split(":", 1)[1].strip() for line in out.splitlines() if "Model name" in line
        )
    except (OSError, StopIteration):
        model = platform.processor() or "unknown CPU"
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small smoke run")
    ap.add_argument("--skills", type=int, default=6)
    ap.add_argument("--learners", type=int, default=400, help="per skill, 80%% train / 20%% test")
    ap.add_argument("--length", type=int, default=20, help="attempts per learner and skill")
    ap.add_argument("--restarts", type=int, default=5, help="random restarts, both libraries")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--pybkt-serial", action="store_true", help="turn off pyBKT's multiprocessing E-step"
    )
    ap.add_argument("--bootstrap", type=int, default=300, help="resamples for the AUC interval")
    ap.add_argument("--no-pybkt", action="store_true", help="only our fit")
    args = ap.parse_args()
    if args.quick:
        args.skills, args.learners, args.length = 2, 100, 10

    rng = np.random.default_rng(args.seed)
    truths = {f"skill{k}": random_truth(rng) for k in range(args.skills)}
    n_train = int(0.8 * args.learners)
    train_rows: list[tuple[int, str, str, int]] = []
    test_rows: list[tuple[int, str, str, int]] = []
    data: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    order = 0
    for skill, truth in truths.items():
        answers = simulate(truth, args.learners, args.length, rng)
        data[skill] = (answers[:n_train], answers[n_train:])
        for i, seq in enumerate(answers):
            rows = train_rows if i < n_train else test_rows
            for a in seq:
                order += 1
                rows.append((order, f"{skill}-u{i}", skill, int(a)))

    # -- ours ------------------------------------------------------------------------
    t0 = time.perf_counter()
    ours = {
        s: fit_bkt(list(tr), n_restarts=args.restarts, seed=args.seed)
        for s, (tr, _) in data.items()
    }
    ours_seconds = time.perf_counter() - t0
    y_all: list[int] = []
    learner_of: list[int] = []  # held-out learner index of each answer, for the bootstrap
    pred_ours: list[float] = []
    pred_true: list[float] = []
    for s, (_, te) in data.items():
        y_all.extend(te.ravel().tolist())
        base = len(learner_of) and max(learner_of) + 1
        learner_of.extend(np.repeat(np.arange(base, base + te.shape[0]), te.shape[1]).tolist())
        pred_ours.extend(np.concatenate(predict_sequences(list(te), ours[s].params)).tolist())
        pred_true.extend(np.concatenate(predict_sequences(list(te), truths[s])).tolist())
    y = np.array(y_all)

    results = {
        "ours": {
            "auc": auc(y, np.array(pred_ours)),
            "seconds": ours_seconds,
            "params": {s: f.params.to_dict() for s, f in ours.items()},
        }
    }

    # -- pyBKT -----------------------------------------------------------------------
    if not args.no_pybkt:
        py = ensure_pybkt_venv()
        with tempfile.TemporaryDirectory() as tmp:
            tmpd = Path(tmp)
            write_csv(tmpd / "train.csv", train_rows)
            write_csv(tmpd / "test.csv", test_rows)
            script = tmpd / "run_pybkt.py"
            script.write_text(PYBKT_SCRIPT)
            subprocess.run(
                [
                    str(py),
                    str(script),
                    str(tmpd / "train.csv"),
                    str(tmpd / "test.csv"),
                    str(tmpd / "out.json"),
                    str(args.restarts),
                    str(args.seed),
                    "0" if args.pybkt_serial else "1",
                ],
                check=True,
                cwd=tmp,
            )
            out = json.loads((tmpd / "out.json").read_text())
        by_order = dict(zip(out["order_id"], out["pred"], strict=True))
        pred_pybkt = np.array([by_order[r[0]] for r in test_rows])
        results["pyBKT"] = {
            "auc": auc(y, pred_pybkt),
            "seconds": out["fit_seconds"],
            "params": out["params"],
        }

    # -- report ----------------------------------------------------------------------
    def mae(params: dict[str, dict[str, float]], name: str) -> float:
        return float(np.mean([abs(params[s][name] - getattr(t, name)) for s, t in truths.items()]))

    n_rows = len(train_rows)
    print(
        f"\n{args.skills} skills x {args.learners} learners x {args.length} attempts "
        f"({n_rows} training answers, {len(test_rows)} held-out), {args.restarts} restarts each, "
        f"pyBKT parallel={'off' if args.pybkt_serial else 'on'}\n"
    )
    header = ["model", "fit time (s)", "held-out AUC"] + [f"MAE {p}" for p in PARAMS]
    print("| " + " | ".join(header) + " |")
    print("|---|---|---|---|---|---|---|")
    for name, r in results.items():
        errs = " | ".join(f"{mae(r['params'], p):.4f}" for p in PARAMS)
        print(f"| {name} | {r['seconds']:.3f} | {r['auc']:.4f} | {errs} |")
    print(f"| true parameters | - | {auc(y, np.array(pred_true)):.4f} | 0 | 0 | 0 | 0 |")
    if "pyBKT" in results:
        lo, hi = paired_bootstrap_auc_gap(
            y, np.array(pred_ours), pred_pybkt, np.array(learner_of), args.bootstrap, args.seed
        )
        gap = results["ours"]["auc"] - results["pyBKT"]["auc"]
        print(
            f"\nAUC(ours) - AUC(pyBKT) = {gap:+.4f}, 95% interval over held-out learners "
            f"[{lo:+.4f}, {hi:+.4f}] (paired bootstrap, {args.bootstrap} resamples)"
        )
        speedup = results["pyBKT"]["seconds"] / results["ours"]["seconds"]
        print(f"\nspeed-up of our fit over pyBKT: {speedup:.1f}x")
    print(f"\nmachine: {machine()}; date: {dt.date.today().isoformat()}")
    print(f"command: .venv/bin/python benchmarks/bench_bkt.py {' '.join(sys.argv[1:])}".rstrip())


if __name__ == "__main__":
    main()
