"""Exploration, not a target benchmark: what the Bayes-optimal diagnostic would score
(see benchmarks/README.md, "planner: diagnostic F1", 2026-12-02 evening).

The product's diagnostic reasons with an approximation of the simulated crowd: binary
known/not-known concepts plus a general ability, 2000 particles. This script replaces
both its belief and its item choice with the crowd's own generative model
(planner.crowd): ``--ref`` learners drawn from that model are the prior sample, each
answer reweights them by its exact likelihood (continuous per-concept abilities, the
min rule for items on several concepts, misconceptions that pick their distractor),
and the next item is the one with the largest expected drop in the summed entropy of
"weak" (true ability below 0) over the concepts still uncertain, as the product does.
Weak = P(ability < 0) > 0.5, stop at 15 items or when every concept is outside
(0.05, 0.95). So it is the product's rule run on the exact posterior: if F1 stays
where the product is, the limit is the answers, not the belief.

The learners and their answer seeds are those of bench_diagnostic.py for the same
--seed; --product also runs the product's diagnostic on them (paired).

    .venv/bin/python benchmarks/explore_exact_posterior.py --seed 1000 --learners 160 --product
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy.special import expit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_diagnostic import (  # noqa: E402
    DIAGNOSTIC_KINDS,
    Learner,
    crowd_learners,
    diagnostic_bank,
    load_course,
)

from knowledge_graph.graph import SkillGraph  # noqa: E402
from planner.crowd import WEAK_ABILITY, CrowdItem, CrowdParams, f1_score  # noqa: E402
from planner.diagnostic import _entropy, run_diagnostic  # noqa: E402  (the product's own)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def draw_prior(
    graph: SkillGraph, misconceptions: Sequence[str], n: int, params: CrowdParams, seed: int
) -> tuple[FloatArray, BoolArray]:
    """``n`` learners of ``SimulatedLearner.sample``'s model, vectorised: abilities
    (n x concepts, in ``graph.order``) and misconceptions held (n x misconceptions).

    ``SimulatedLearner.sample`` is the model's definition; this is a copy of it over
    arrays, kept (rather than ``sample_crowd``, 13 s for 100,000) because its draws are
    the ones behind the figures in benchmarks/README.md. Change both together."""
    p = params
    rng = np.random.default_rng(seed)
    col = {c: k for k, c in enumerate(graph.order)}
    g = rng.normal(0.0, p.general_sd, n)
    base = np.log(p.p_learnt / (1.0 - p.p_learnt))
    learnt: dict[str, BoolArray] = {}
    theta = np.empty((n, len(col)))
    for c in graph.topological_order:
        pre = graph.prerequisites(c)
        missing = sum((~learnt[q]).astype(float) for q in pre) / len(pre) if pre else 0.0
        logit = base + p.general_effect * g - p.prerequisite_penalty * missing
        learnt[c] = rng.random(n) < expit(logit)
        centre = np.where(learnt[c], p.learnt_ability, p.unlearnt_ability)
        theta[:, col[c]] = centre + p.general_weight * g + rng.normal(0.0, p.concept_sd, n)
    held = rng.random((n, len(misconceptions))) < p.misconception_rate
    return theta, held


class ExactModel:
    """The crowd's answer model evaluated on a fixed prior sample."""

    def __init__(
        self,
        graph: SkillGraph,
        bank: Sequence[CrowdItem],
        misconceptions: Sequence[str],
        n_ref: int,
        params: CrowdParams,
        seed: int,
    ) -> None:
        self.bank = list(bank)
        self.concepts = list(graph.order)
        col = {c: k for k, c in enumerate(self.concepts)}
        self.mcol = {m: k for k, m in enumerate(misconceptions)}
        self.strength = params.misconception_strength
        theta, self.held = draw_prior(graph, misconceptions, n_ref, params, seed)
        self.weak = (theta < WEAK_ABILITY).astype(np.float64)
        n_items = len(self.bank)
        self.p2pl = np.empty((n_ref, n_items))
        self.any_held = np.zeros((n_ref, n_items), dtype=bool)
        for j, it in enumerate(self.bank):
            ability = theta[:, [col[c] for c in it.concepts]].min(axis=1)
            self.p2pl[:, j] = expit(it.a * (ability - it.b))
            tags = [self.mcol[t] for t in it.distractors if t is not None and t in self.mcol]
            if tags:
                self.any_held[:, j] = self.held[:, tags].any(axis=1)
        # a holder picks a tagged distractor with P = strength, whatever their ability
        self.p_right = (1.0 - self.strength * self.any_held) * self.p2pl

    def likelihood(self, j: int, correct: bool, chosen: str | None) -> FloatArray:
        """P(this answer | each prior learner), as ``SimulatedLearner.answer`` draws it."""
        it = self.bank[j]
        if correct:
            out: FloatArray = self.p_right[:, j]
            return out
        if not it.distractors:
            return 1.0 - self.p2pl[:, j]
        d = it.distractors
        out = (1.0 - self.strength * self.any_held[:, j]) * (1.0 - self.p2pl[:, j]) * (
            d.count(chosen) / len(d)
        )
        if chosen is not None and chosen in self.mcol:
            tags = [t for t in d if t is not None and t in self.mcol]
            hm = self.held[:, [self.mcol[t] for t in tags]]  # a tag on two options counts twice
            n_held = hm.sum(axis=1)
            this = hm[:, [k for k, t in enumerate(tags) if t == chosen]].sum(axis=1)
            out = out + self.strength * np.where(n_held > 0, this / np.maximum(n_held, 1), 0.0)
        return out


def exact_diagnostic(
    model: ExactModel, learner: Learner, budget: int, confidence: float
) -> tuple[set[str], int, float]:
    """(concepts called weak, items asked, effective sample size at the end)."""
    _, respond = learner
    n = model.weak.shape[0]
    w = np.full(n, 1.0 / n)
    asked: list[int] = []
    for _ in range(budget):
        m = w @ model.weak
        open_ = (m > 1.0 - confidence) & (m < confidence)
        if not open_.any():
            break
        cand = [j for j in range(len(model.bank)) if j not in asked]
        w_right = w[:, None] * model.p_right[:, cand]
        pr = w_right.sum(axis=0)
        right_and = w_right.T @ model.weak
        m_right = right_and / np.maximum(pr, 1e-300)[:, None]
        m_wrong = (m - right_and) / np.maximum(1.0 - pr, 1e-300)[:, None]
        after = pr * _entropy(m_right)[:, open_].sum(1) + (1 - pr) * _entropy(m_wrong)[
            :, open_
        ].sum(1)
        j = cand[int(np.argmax(_entropy(m)[open_].sum() - after))]
        ans = respond(model.bank[j])
        asked.append(j)
        w = w * model.likelihood(j, ans.correct, ans.misconception)
        w /= w.sum()
    m = w @ model.weak
    weak = {model.concepts[k] for k in np.flatnonzero(m > 0.5)}
    return weak, len(asked), float(1.0 / (w**2).sum())


def pooled(rows: Sequence[tuple[set[str], set[str]]]) -> tuple[float, float]:
    """(pooled F1, mean per-learner F1) of (predicted, truth) pairs."""
    tp = sum(len(p & t) for p, t in rows)
    fp = sum(len(p - t) for p, t in rows)
    fn = sum(len(t - p) for p, t in rows)
    return 2 * tp / max(2 * tp + fp + fn, 1), float(np.mean([f1_score(p, t) for p, t in rows]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seed", type=int, default=1000, help="crowd seed (as bench_diagnostic)")
    ap.add_argument("--learners", type=int, default=160)
    ap.add_argument("--ref", type=int, default=100_000, help="prior sample size")
    ap.add_argument("--budget", type=int, default=15)
    ap.add_argument("--product", action="store_true", help="also run the product's diagnostic")
    args = ap.parse_args()

    graph, items, misconceptions, raws = load_course()
    raws = [r for r in raws if r["kind"] in DIAGNOSTIC_KINDS]
    items = [it for it in items if it.kind in DIAGNOSTIC_KINDS]
    bank = [CrowdItem.from_mapping(r) for r in raws]
    learners = crowd_learners(graph, raws, misconceptions, args.learners, args.seed)
    t0 = time.time()
    model = ExactModel(graph, bank, misconceptions, args.ref, CrowdParams(), seed=12345)
    exact: list[tuple[set[str], set[str]]] = []
    asked, ess = [], []
    for k, learner in enumerate(learners):
        weak, n_asked, e = exact_diagnostic(model, learner, args.budget, 0.95)
        exact.append((weak, learner[0]))
        asked.append(n_asked)
        ess.append(e)
        if (k + 1) % 20 == 0:
            print(f"{k + 1} learners: exact pooled F1 {pooled(exact)[0]:.4f} "
                  f"({time.time() - t0:.0f} s)", flush=True)
    f1, per = pooled(exact)
    print(f"exact posterior, exact choice: pooled F1 {f1:.3f}, per learner {per:.3f}, "
          f"items asked {np.mean(asked):.2f}, final ESS median {np.median(ess):.0f} of {args.ref}")
    if args.product:
        # fresh learners with the same seeds: a responder's random stream is consumed as it answers
        learners = crowd_learners(graph, raws, misconceptions, args.learners, args.seed)
        dbank = diagnostic_bank(items)
        rows = []
        for k, (truth, respond) in enumerate(learners):
            res = run_diagnostic(graph, dbank, respond, max_items=args.budget,
                                 seed=args.seed + k, misconceptions=misconceptions,
                                 belief_options={"n_particles": 2000})
            rows.append((set(res.weak), truth))
        f1, per = pooled(rows)
        print(f"product diagnostic:            pooled F1 {f1:.3f}, per learner {per:.3f}")
    command = ".venv/bin/python benchmarks/explore_exact_posterior.py " + " ".join(sys.argv[1:])
    print(f"command: {command}")


if __name__ == "__main__":
    main()
