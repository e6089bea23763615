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


def _expit(x: FloatArray | float) -> FloatArray:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64))))


def _log_bernoulli(known: BoolArray, logit: FloatArray) -> FloatArray:
    """log P(known) under log-odds ``logit``, elementwise, without overflow."""
    out: FloatArray = -np.logaddexp(0.0, np.where(known, -logit, logit))
    return out


class KnowledgeStateBelief:
    """Posterior over knowledge states of one learner, as weighted samples.

    Parameters
    ----------
    graph : SkillGraph
    p_known : float or mapping concept -> float, default 0.85
        Prior P(concept known | all its prerequisites known) for a learner of average
        general ability. Concepts missing from a mapping use 0.85.
    prerequisite_penalty : float, default 4
        Drop in the log-odds of knowing a concept when none of its direct
        prerequisites is known, pro rata for some: gaps below make a concept
        unlikely, not impossible (learners do pick up later ideas with holes below).
    ability_effect : float, default 1.2
        Rise in the log-odds of knowing *every* concept per standard deviation of the
        learner's general ability. This is what lets an answer on one branch of the
        graph inform another: a learner who aces a hard item probably knows more than
        its prerequisites. 0 makes concepts related only through the graph.
    n_particles : int, default 2000
        Number of samples; marginals carry a sampling error of about
        ``0.5 / sqrt(n_particles)`` at worst.
    seed : int or None
        Seeds sampling. Stored by :meth:`to_dict`, so a rebuilt belief is identical.

    Raises
    ------
    InvalidParameterError
        A probability outside (0, 1), a negative penalty or effect, or fewer than 10
        particles.

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
    The prior is a higher-order cognitive diagnosis model [2]_ on the prerequisite
    DAG. A learner has a general ability ``g ~ N(0, 1)``; walking the graph in
    topological order, concept ``c`` is known with probability
    ``expit(logit(p_known[c]) + ability_effect * g - prerequisite_penalty * f)``,
    ``f`` the fraction of its direct prerequisites not known. The defaults are the
    population model of the house (:mod:`planner.crowd` draws its simulated learners
    from the same form); a course with history can estimate its own.

    An item tagged with concepts ``K`` is answered correctly with probability
    ``1 - slip`` if all of ``K`` are known, ``guess`` otherwise (noisy AND, the DINA
    model). Particles (a state and a ``g`` each) start as exact samples of the prior;
    each answer multiplies their weights by its likelihood (tempered by ``weight``).
    When the effective sample size falls under half the particles, they are
    resampled (systematic resampling) and moved by Metropolis steps, single-concept
    flips and random-walk moves of ``g``, which leave the exact posterior invariant
    (the resample-move algorithm, [1]_), so the sample does not collapse onto a few
    states.

    Cost: an answer is O(P k) for P particles and an item of k concepts; a
    rejuvenation is O(S P (E + A k + C)) for S sweeps, E prerequisite edges, A answers
    so far and C concepts, each flip touching only the terms that mention the
    flipped concept.

    References
    ----------
    .. [1] W. R. Gilks and C. Berzuini, "Following a moving target: Monte Carlo
       inference for dynamic Bayesian models", J. R. Stat. Soc. B 63(1), 2001.
    .. [2] J. de la Torre and J. A. Douglas, "Higher-order latent trait models for
       cognitive diagnosis", Psychometrika 69(3), 2004.
    .. [3] J.-P. Doignon and J.-C. Falmagne, *Knowledge Spaces*, Springer, 1999.
    """

    def __init__(
        self,
        graph: SkillGraph,
        *,
        p_known: float | Mapping[str, float] = 0.85,
        prerequisite_penalty: float = 4.0,
        ability_effect: float = 1.2,
        n_particles: int = 2000,
        seed: int | None = None,
    ) -> None:
        if n_particles < 10:
            raise InvalidParameterError("need at least 10 particles")
        if not (0.0 <= prerequisite_penalty < math.inf and 0.0 <= ability_effect < math.inf):
            # inf * 0 is NaN in the log-odds: every root concept would read as unknown
            raise InvalidParameterError(
                "prerequisite_penalty and ability_effect must be finite and >= 0"
            )
        self.graph = graph
        self.concepts: list[str] = list(graph.order)
        self.index: dict[str, int] = {c: i for i, c in enumerate(self.concepts)}
        n_c = len(self.concepts)
        if isinstance(p_known, Mapping):
            for c in p_known:
                graph._check(c)
            pk = {c: float(p_known.get(c, 0.85)) for c in self.concepts}
        else:
            pk = dict.fromkeys(self.concepts, float(p_known))
        for c, p in pk.items():
            if not 0.0 < p < 1.0:
                raise InvalidParameterError(f"p_known of {c!r} must be in (0, 1), got {p}")
        self._p_known_cfg: float | dict[str, float] = (
            dict(p_known) if isinstance(p_known, Mapping) else float(p_known)
        )
        self.prerequisite_penalty = float(prerequisite_penalty)
        self.ability_effect = float(ability_effect)
        self.n_particles = n_particles
        self.seed = seed if seed is not None else secrets.randbits(32)
        self._rng = np.random.default_rng(self.seed)

        self._alpha = np.array([math.log(pk[c] / (1.0 - pk[c])) for c in self.concepts])
        self._parents = np.zeros((n_c, n_c))
        for before, after in graph.edges:
            self._parents[self.index[before], self.index[after]] = 1.0
        self._n_parents = self._parents.sum(axis=0)
        self._parent_idx = [np.flatnonzero(self._parents[:, j]) for j in range(n_c)]
        self._child_idx = [np.flatnonzero(self._parents[j, :]) for j in range(n_c)]

        self._states, self._ability = self._sample_prior(n_particles)
        self._logw = np.zeros(n_particles)
        # every answer so far, for the likelihood of moved particles and for to_dict
        self._obs_mask = np.zeros((0, n_c))
        self._obs_size = np.zeros(0)
        # per answer: log-odds of a right answer if all tagged concepts are known / not,
        # for average ability; the slope on ability; +1 right / -1 wrong; evidence weight
        self._obs_params: list[tuple[float, float, float, float, float]] = []
        self._obs_idx: list[npt.NDArray[np.intp]] = []
        self._obs_of_concept: list[list[int]] = [[] for _ in range(n_c)]
        self._observations: list[dict[str, Any]] = []
        self.n_rejuvenations = 0

    # -- the model ------------------------------------------------------------------
    def _sample_prior(self, n: int) -> tuple[BoolArray, FloatArray]:
        ability = self._rng.standard_normal(n)
        states = np.zeros((n, len(self.concepts)), dtype=bool)
        for c in self.graph.topological_order:
            j = self.index[c]
            par = self._parent_idx[j]
            gap = (~states[:, par]).mean(axis=1) if par.size else 0.0
            logit = self._alpha[j] + self.ability_effect * ability - self.prerequisite_penalty * gap
            states[:, j] = self._rng.random(n) < _expit(logit)
        return states, ability

    def _logits(self, states: BoolArray, ability: FloatArray) -> FloatArray:
        """Log-odds of "known" for every particle and concept, given the rest."""
        missing = (~states).astype(np.float64) @ self._parents
        gap = missing / np.maximum(self._n_parents, 1.0)
        out: FloatArray = (
            self._alpha + self.ability_effect * ability[:, None] - self.prerequisite_penalty * gap
        )
        return out

    def _log_prior(self, states: BoolArray, ability: FloatArray) -> FloatArray:
        logits = self._logits(states, ability)
        out: FloatArray = _log_bernoulli(states, logits).sum(axis=1) - 0.5 * ability**2
        return out

    def _obs_terms(self, o: int, ability: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Log-likelihood of answer ``o`` per particle, if its concepts are all known / not."""
        l_known, l_guess, slope, sign, weight = self._obs_params[o]
        shift = slope * ability if slope else np.zeros_like(ability)
        ll_known: FloatArray = weight * -np.logaddexp(0.0, -sign * (l_known + shift))
        ll_unknown: FloatArray = weight * -np.logaddexp(0.0, -sign * (l_guess + shift))
        return ll_known, ll_unknown

    def _log_lik(self, states: BoolArray, ability: FloatArray) -> FloatArray:
        out: FloatArray = np.zeros(states.shape[0])
        for o, idx in enumerate(self._obs_idx):
            ll_known, ll_unknown = self._obs_terms(o, ability)
            out += np.where(states[:, idx].all(axis=1), ll_known, ll_unknown)
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
    def ability(self) -> FloatArray:
        """The particles' general ability, shape (n_particles,). A copy."""
        return self._ability.copy()

    def ability_mean(self) -> float:
        """Posterior mean of the learner's general ability."""
        return float(self.weights @ self._ability)

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

    def predict_correct(
        self, concepts: Sequence[str], *, guess: float, slip: float, ability_slope: float = 0.0
    ) -> float:
        """P(next answer correct) on an item tagging ``concepts`` (see :meth:`observe`)."""
        row = self.mask(concepts)
        all_known = self._states[:, np.flatnonzero(row)].all(axis=1)
        shift = ability_slope * self._ability
        l_known = math.log((1.0 - slip) / slip) + shift
        l_guess = math.log(guess / (1.0 - guess)) + shift
        return float(self.weights @ _expit(np.where(all_known, l_known, l_guess)))

    # -- writing --------------------------------------------------------------------
    def observe(
        self,
        concepts: Sequence[str],
        correct: bool,
        *,
        guess: float,
        slip: float,
        weight: float = 1.0,
        ability_slope: float = 0.0,
    ) -> None:
        """Condition on one answer to an item tagging ``concepts``.

        Parameters
        ----------
        concepts : sequence of str
            The item's concepts (at least one).
        correct : bool
        guess, slip : float
            The item's guess and slip for a learner of average general ability,
            ``guess + slip < 1``.
        weight : float in [0, 1], default 1
            Evidence weight (tempered likelihood); below 1 for assisted answers.
        ability_slope : float, default 0
            How much the general ability ``g`` helps on this item beyond the state:
            the log-odds of a right answer, known or not, rise by ``ability_slope * g``
            (an IRT item of discrimination ``a`` on a trait loading ``w`` has slope
            ``a * w``). 0 makes answers depend on the state only.

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
        if not (math.isfinite(ability_slope) and ability_slope >= 0.0):
            raise InvalidParameterError(f"ability_slope must be >= 0, got {ability_slope}")
        row = self.mask(concepts)
        self._obs_mask = np.vstack([self._obs_mask, row])
        self._obs_size = np.append(self._obs_size, row.sum())
        self._obs_params.append(
            (
                math.log((1.0 - slip) / slip),
                math.log(guess / (1.0 - guess)),
                float(ability_slope),
                1.0 if correct else -1.0,
                float(weight),
            )
        )
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
                "ability_slope": float(ability_slope),
            }
        )
        all_known = self._states[:, idx].all(axis=1)
        ll_known, ll_unknown = self._obs_terms(len(self._obs_idx) - 1, self._ability)
        self._logw = self._logw + np.where(all_known, ll_known, ll_unknown)
        self._logw -= self._logw.max()
        if self.effective_sample_size < self.n_particles / 2:
            self._rejuvenate()

    def _flip_delta(self, states: BoolArray, ability: FloatArray, j: int) -> FloatArray:
        """Change of log prior + log likelihood if concept ``j`` were flipped, per particle.

        Only the terms that mention ``j`` change: its own prior term, the prior terms of
        its dependents (whose fraction of known prerequisites moves), and the answers to
        items tagging it. O(P (deg(j) + answers on j)), against O(P C^2) for a full
        re-evaluation.
        """
        cur = states[:, j]
        sign = np.where(cur, -1.0, 1.0)  # +1: unknown -> known
        base = self._alpha
        lift = self.ability_effect * ability
        par = self._parent_idx[j]
        gap_j = (~states[:, par]).mean(axis=1) if par.size else 0.0
        delta = sign * (base[j] + lift - self.prerequisite_penalty * gap_j)
        for k in self._child_idx[j]:
            pk = self._parent_idx[k]
            logit_k = base[k] + lift - self.prerequisite_penalty * (~states[:, pk]).mean(axis=1)
            # knowing j removes 1/n_k of k's gap; forgetting it adds as much
            moved = logit_k + sign * self.prerequisite_penalty / pk.size
            known_k = states[:, k]
            delta += _log_bernoulli(known_k, moved) - _log_bernoulli(known_k, logit_k)
        for o in self._obs_of_concept[j]:
            idx = self._obs_idx[o]
            others = idx[idx != j]
            ll_known, ll_unknown = self._obs_terms(o, ability)
            step = ll_known - ll_unknown
            if others.size:
                delta += sign * np.where(states[:, others].all(axis=1), step, 0.0)
            else:
                delta += sign * step
        out: FloatArray = delta
        return out

    def _ability_delta(
        self, states: BoolArray, ability: FloatArray, proposal: FloatArray
    ) -> FloatArray:
        """Change of log posterior when the general ability moves to ``proposal``."""
        logits = self._logits(states, ability)
        shift = (self.ability_effect * (proposal - ability))[:, None]
        out: FloatArray = (
            _log_bernoulli(states, logits + shift).sum(axis=1)
            - _log_bernoulli(states, logits).sum(axis=1)
            - 0.5 * (proposal**2 - ability**2)
        )
        if any(p[2] for p in self._obs_params):
            out = out + self._log_lik(states, proposal) - self._log_lik(states, ability)
        return out

    def _rejuvenate(self, n_sweeps: int = 3) -> None:
        """Systematic resampling, then Metropolis-within-Gibbs sweeps."""
        n = self.n_particles
        w = self.weights
        positions = (self._rng.random() + np.arange(n)) / n
        idx = np.searchsorted(np.cumsum(w), positions)
        idx = np.minimum(idx, n - 1)  # cumsum may end a hair below 1.0
        states = self._states[idx].copy()
        ability = self._ability[idx].copy()
        self._logw = np.zeros(n)
        # Each step proposes one change in every particle at once and accepts per
        # particle (Metropolis); each step leaves the posterior invariant, so a scan
        # in random order does too.
        for _ in range(n_sweeps):
            for j in self._rng.permutation(len(self.concepts)):
                delta = self._flip_delta(states, ability, int(j))
                accept = np.log(self._rng.random(n)) < delta
                states[accept, j] = ~states[accept, j]
            if self.ability_effect > 0.0:
                # random walk; 0.6 accepts about half the moves at typical posteriors
                proposal = ability + 0.6 * self._rng.standard_normal(n)
                delta = self._ability_delta(states, ability, proposal)
                accept = np.log(self._rng.random(n)) < delta
                ability = np.where(accept, proposal, ability)
        self._states = states
        self._ability = ability
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
            "prerequisite_penalty": self.prerequisite_penalty,
            "ability_effect": self.ability_effect,
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
            prerequisite_penalty=float(data["prerequisite_penalty"]),
            ability_effect=float(data["ability_effect"]),
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
                ability_slope=float(o.get("ability_slope", 0.0)),
            )
        return belief
