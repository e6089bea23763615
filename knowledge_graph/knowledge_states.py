"""A belief over knowledge states: which concepts a learner knows, jointly, given answers.

A *knowledge state* is the set of concepts a learner knows. Prerequisites make most
states unlikely: someone who does not know Ohm's law hardly knows Thevenin's
theorem. This module keeps a posterior over whole states as weighted samples (a
particle filter), so that an answer on one concept informs every other through the
graph: the joint model behind the adaptive diagnostic, which must conclude about many
concepts from few items.

Unlike :class:`knowledge_graph.learner.LearnerModel` it assumes no learning during
the observations (a diagnostic is a snapshot), and it is exact up to sampling error
rather than a local approximation.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from knowledge_graph.errors import InvalidParameterError, KnowledgeGraphError
from knowledge_graph.graph import SkillGraph

__all__ = ["KnowledgeStateBelief"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
_FORMAT = 1


class KnowledgeStateBelief:
    """Posterior over knowledge states of one learner, as weighted samples.

    Parameters
    ----------
    graph : SkillGraph
    p_known : float or mapping concept -> float, default 0.7
        Prior P(concept known | all its prerequisites known). Concepts missing from a
        mapping use 0.7.
    leak : float, default 0.05
        Prior P(concept known | some prerequisite not known). Small but not zero:
        learners do pick up a later idea with gaps below it, and a zero would make
        the model unable to recover from a misleading answer.
    n_particles : int, default 2000
        Number of samples; marginals carry a sampling error of about
        ``0.5 / sqrt(n_particles)`` at worst.
    seed : int or None
        Seeds sampling. Stored by :meth:`to_dict`, so a rebuilt belief is identical.

    Raises
    ------
    InvalidParameterError
        A probability outside (0, 1) or fewer than 10 particles.

    Examples
    --------
    >>> g = SkillGraph(["v", "ohm", "thevenin"], [("v", "ohm"), ("ohm", "thevenin")])
    >>> belief = KnowledgeStateBelief(g, n_particles=4000, seed=1)
    >>> before = belief.marginals()["thevenin"]
    >>> for _ in range(3):
    ...     belief.observe(["ohm"], False, guess=0.2, slip=0.1)
    >>> belief.marginals()["thevenin"] < before / 2    # untested, inferred through the graph
    True

    Notes
    -----
    The prior is a Bayesian network on the prerequisite DAG: each concept is known
    with probability ``p_known`` if all its prerequisites are, ``leak`` otherwise (a
    leaky AND). An item tagged with concepts ``K`` is answered correctly with
    probability ``1 - slip`` if all of ``K`` are known, ``guess`` otherwise (noisy
    AND). Particles start as exact ancestral samples of the prior; each answer
    multiplies their weights by its likelihood (tempered by ``weight``). When the
    effective sample size falls under half the particles, they are resampled
    (systematic resampling) and moved by Metropolis-Hastings single-concept flips
    that leave the exact posterior invariant (the resample-move algorithm, [1]_), so
    the sample does not collapse onto a few states.

    Cost: an answer is O(P k) for P particles and an item of k concepts; a
    rejuvenation is O(S P (E + A k)) for S sweeps, E prerequisite edges and A answers
    so far, each move touching only the terms that mention the flipped concept.

    References
    ----------
    .. [1] W. R. Gilks and C. Berzuini, "Following a moving target: Monte Carlo
       inference for dynamic Bayesian models", J. R. Stat. Soc. B 63(1), 2001.
    .. [2] J.-P. Doignon and J.-C. Falmagne, *Knowledge Spaces*, Springer, 1999.
    """

    def __init__(
        self,
        graph: SkillGraph,
        *,
        p_known: float | Mapping[str, float] = 0.7,
        leak: float = 0.05,
        n_particles: int = 2000,
        seed: int | None = None,
    ) -> None:
        if n_particles < 10:
            raise InvalidParameterError("need at least 10 particles")
        if not 0.0 < leak < 1.0:
            raise InvalidParameterError(f"leak must be in (0, 1), got {leak}")
        self.graph = graph
        self.concepts: list[str] = list(graph.order)
        self.index: dict[str, int] = {c: i for i, c in enumerate(self.concepts)}
        n_c = len(self.concepts)
        if isinstance(p_known, Mapping):
            for c in p_known:
                graph._check(c)
            pk = {c: float(p_known.get(c, 0.7)) for c in self.concepts}
        else:
            pk = dict.fromkeys(self.concepts, float(p_known))
        for c, p in pk.items():
            if not 0.0 < p < 1.0:
                raise InvalidParameterError(f"p_known of {c!r} must be in (0, 1), got {p}")
        self._p_known_cfg: float | dict[str, float] = (
            dict(p_known) if isinstance(p_known, Mapping) else float(p_known)
        )
        self.leak = leak
        self.n_particles = n_particles
        self.seed = seed if seed is not None else secrets.randbits(32)
        self._rng = np.random.default_rng(self.seed)

        pk_arr = np.array([pk[c] for c in self.concepts])
        self._parents = np.zeros((n_c, n_c))
        for before, after in graph.edges:
            self._parents[self.index[before], self.index[after]] = 1.0
        self._n_parents = self._parents.sum(axis=0)
        self._parent_idx = [np.flatnonzero(self._parents[:, j]) for j in range(n_c)]
        self._child_idx = [np.flatnonzero(self._parents[j, :]) for j in range(n_c)]
        self._lp_known_ok = np.log(pk_arr)
        self._lp_unknown_ok = np.log1p(-pk_arr)
        self._lp_known_gap = math.log(leak)
        self._lp_unknown_gap = math.log1p(-leak)
        # log-odds of "known" with all prerequisites known, and with a gap below
        self._odds_ok = self._lp_known_ok - self._lp_unknown_ok
        self._odds_gap = self._lp_known_gap - self._lp_unknown_gap
        self._pk = pk_arr

        self._states = self._sample_prior(n_particles)
        self._logw = np.zeros(n_particles)
        # every answer so far, for the likelihood of moved particles and for to_dict
        self._obs_mask = np.zeros((0, n_c))
        self._obs_size = np.zeros(0)
        self._obs_lc = np.zeros(0)  # log-likelihood if all tagged concepts known
        self._obs_lg = np.zeros(0)  # log-likelihood otherwise
        self._obs_idx: list[npt.NDArray[np.intp]] = []
        self._obs_of_concept: list[list[int]] = [[] for _ in range(n_c)]
        self._observations: list[dict[str, Any]] = []
        self.n_rejuvenations = 0

    # -- the model ------------------------------------------------------------------
    def _sample_prior(self, n: int) -> BoolArray:
        states = np.zeros((n, len(self.concepts)), dtype=bool)
        for c in self.graph.topological_order:
            j = self.index[c]
            parents = self._parent_idx[j]
            ok = states[:, parents].all(axis=1) if parents.size else np.ones(n, dtype=bool)
            p = np.where(ok, self._pk[j], self.leak)
            states[:, j] = self._rng.random(n) < p
        return states

    def _log_prior(self, states: BoolArray) -> FloatArray:
        ok = (states.astype(np.float64) @ self._parents) >= self._n_parents - 0.5
        lk = np.where(ok, self._lp_known_ok, self._lp_known_gap)
        lu = np.where(ok, self._lp_unknown_ok, self._lp_unknown_gap)
        out: FloatArray = np.where(states, lk, lu).sum(axis=1)
        return out

    def _log_lik(self, states: BoolArray) -> FloatArray:
        if self._obs_size.size == 0:
            return np.zeros(states.shape[0])
        counts = states.astype(np.float64) @ self._obs_mask.T
        all_known = counts >= self._obs_size - 0.5
        out: FloatArray = np.where(all_known, self._obs_lc, self._obs_lg).sum(axis=1)
        return out

    # -- reading --------------------------------------------------------------------
    @property
    def states(self) -> BoolArray:
        """The particles, shape (n_particles, n_concepts), columns in :attr:`concepts` order.

        A read-only view.
        """
        view = self._states.view()
        view.flags.writeable = False
        return view

    @property
    def weights(self) -> FloatArray:
        """Normalised particle weights, shape (n_particles,)."""
        w = np.exp(self._logw - self._logw.max())
        out: FloatArray = w / w.sum()
        return out

    @property
    def effective_sample_size(self) -> float:
        """Kish's effective sample size of the weights."""
        w = self.weights
        return float(1.0 / np.sum(w * w))

    @property
    def observations(self) -> list[dict[str, Any]]:
        """The answers conditioned on so far, as plain dicts."""
        return [dict(o) for o in self._observations]

    def marginal_array(self) -> FloatArray:
        """P(known) per concept as an array in :attr:`concepts` order."""
        out: FloatArray = self.weights @ self._states.astype(np.float64)
        return out

    def marginals(self) -> dict[str, float]:
        """P(known) per concept, in syllabus order."""
        return dict(zip(self.concepts, self.marginal_array().tolist(), strict=True))

    def mask(self, concepts: Sequence[str]) -> FloatArray:
        """0/1 row over :attr:`concepts` marking ``concepts`` (checked)."""
        row = np.zeros(len(self.concepts))
        for c in concepts:
            self.graph._check(c)
            row[self.index[c]] = 1.0
        return row

    def predict_correct(self, concepts: Sequence[str], *, guess: float, slip: float) -> float:
        """P(next answer correct) on an item tagging ``concepts``."""
        row = self.mask(concepts)
        all_known = (self._states.astype(np.float64) @ row) >= row.sum() - 0.5
        return float(self.weights @ np.where(all_known, 1.0 - slip, guess))

    # -- writing --------------------------------------------------------------------
    def observe(
        self,
        concepts: Sequence[str],
        correct: bool,
        *,
        guess: float,
        slip: float,
        weight: float = 1.0,
    ) -> None:
        """Condition on one answer to an item tagging ``concepts``.

        Parameters
        ----------
        concepts : sequence of str
            The item's concepts (at least one).
        correct : bool
        guess, slip : float
            The item's guess and slip, ``guess + slip < 1``.
        weight : float in [0, 1], default 1
            Evidence weight (tempered likelihood); below 1 for assisted answers.

        Raises
        ------
        KnowledgeGraphError
            No concepts.
        UnknownConceptError
            A concept the graph lacks.
        InvalidParameterError
            Bad guess, slip or weight.
        """
        if not concepts:
            raise KnowledgeGraphError("an item must be tagged with at least one concept")
        if not (0.0 < guess < 1.0 and 0.0 < slip < 1.0 and guess + slip < 1.0):
            raise InvalidParameterError("need guess, slip in (0, 1) and guess + slip < 1")
        if not 0.0 <= weight <= 1.0:
            raise InvalidParameterError(f"weight must be in [0, 1], got {weight}")
        row = self.mask(concepts)
        size = row.sum()
        lc = weight * math.log(1.0 - slip if correct else slip)
        lg = weight * math.log(guess if correct else 1.0 - guess)
        self._obs_mask = np.vstack([self._obs_mask, row])
        self._obs_size = np.append(self._obs_size, size)
        self._obs_lc = np.append(self._obs_lc, lc)
        self._obs_lg = np.append(self._obs_lg, lg)
        idx = np.flatnonzero(row)
        self._obs_idx.append(idx)
        for j in idx:
            self._obs_of_concept[j].append(len(self._obs_idx) - 1)
        self._observations.append(
            {
                "concepts": list(dict.fromkeys(concepts)),
                "correct": bool(correct),
                "guess": float(guess),
                "slip": float(slip),
                "weight": float(weight),
            }
        )
        all_known = self._states[:, idx].all(axis=1)
        self._logw = self._logw + np.where(all_known, lc, lg)
        self._logw -= self._logw.max()
        if self.effective_sample_size < self.n_particles / 2:
            self._rejuvenate()

    def _flip_delta(self, states: BoolArray, j: int) -> FloatArray:
        """Change of log prior + log likelihood if concept ``j`` were flipped, per particle.

        Only the terms that mention ``j`` change: its own prior term, the prior terms of
        its dependents (whose "all prerequisites known" may flip), and the answers to
        items tagging it. O(P (deg(j) + answers on j)), against O(P C^2) for a full
        re-evaluation.
        """
        cur = states[:, j]
        sign = np.where(cur, -1.0, 1.0)  # known -> unknown lowers the log-odds terms
        par = self._parent_idx[j]
        ok = states[:, par].all(axis=1) if par.size else np.ones(states.shape[0], dtype=bool)
        delta = sign * np.where(ok, self._odds_ok[j], self._odds_gap)
        for k in self._child_idx[j]:
            others = self._parent_idx[k][self._parent_idx[k] != j]
            # with the other prerequisites known, flipping j flips "all known" for k
            okx = states[:, others].all(axis=1) if others.size else None
            known_k = states[:, k]
            gain = np.where(
                known_k,
                self._lp_known_ok[k] - self._lp_known_gap,
                self._lp_unknown_ok[k] - self._lp_unknown_gap,
            )
            delta += sign * (gain if okx is None else np.where(okx, gain, 0.0))
        for o in self._obs_of_concept[j]:
            idx = self._obs_idx[o]
            others = idx[idx != j]
            step = self._obs_lc[o] - self._obs_lg[o]
            if others.size:
                delta += sign * np.where(states[:, others].all(axis=1), step, 0.0)
            else:
                delta += sign * step
        out: FloatArray = delta
        return out

    def _rejuvenate(self, n_sweeps: int = 3) -> None:
        """Systematic resampling, then Metropolis-within-Gibbs sweeps over the concepts."""
        n = self.n_particles
        w = self.weights
        positions = (self._rng.random() + np.arange(n)) / n
        idx = np.searchsorted(np.cumsum(w), positions)
        idx = np.minimum(idx, n - 1)  # cumsum may end a hair below 1.0
        states = self._states[idx].copy()
        self._logw = np.zeros(n)
        # Each step proposes flipping one concept in every particle at once and accepts
        # per particle (Metropolis); each step leaves the posterior invariant, so a scan
        # in random order does too.
        for _ in range(n_sweeps):
            for j in self._rng.permutation(len(self.concepts)):
                delta = self._flip_delta(states, int(j))
                accept = np.log(self._rng.random(n)) < delta
                states[accept, j] = ~states[accept, j]
        self._states = states
        self.n_rejuvenations += 1

    # -- storage --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Configuration, seed and answers: enough to rebuild the same belief.

        The particles themselves are not stored; :meth:`from_dict` replays the answers
        with the same seed, which reproduces them exactly and keeps the stored JSON
        small (a few hundred bytes per answer).
        """
        return {
            "format": _FORMAT,
            "p_known": self._p_known_cfg,
            "leak": self.leak,
            "n_particles": self.n_particles,
            "seed": self.seed,
            "observations": self.observations,
        }

    @classmethod
    def from_dict(cls, graph: SkillGraph, data: Mapping[str, Any]) -> KnowledgeStateBelief:
        """Rebuild a belief from :meth:`to_dict` output by replaying its answers.

        Raises
        ------
        InvalidParameterError
            Unknown format.
        UnknownConceptError
            An answer names a concept the graph no longer has.
        """
        if data.get("format") != _FORMAT:
            raise InvalidParameterError(f"unknown belief format {data.get('format')!r}")
        belief = cls(
            graph,
            p_known=data["p_known"],
            leak=float(data["leak"]),
            n_particles=int(data["n_particles"]),
            seed=int(data["seed"]),
        )
        for o in data.get("observations", []):
            belief.observe(
                o["concepts"],
                bool(o["correct"]),
                guess=float(o["guess"]),
                slip=float(o["slip"]),
                weight=float(o.get("weight", 1.0)),
            )
        return belief
