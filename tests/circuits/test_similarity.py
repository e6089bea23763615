"""Similarity sees topology and element kinds, not names, values or order."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuits.netlist import format_netlist, parse_netlist
from circuits.similarity import similar, similarity

CORPUS = {
    "divider": "V1 in 0 DC 10\nR1 in out 1k\nR2 out 0 1k",
    "three-divider": "V1 a 0 6\nR1 a b 1k\nR2 b c 1k\nR3 c 0 1k",
    "rc-lowpass": "V1 in 0 AC 1\nR1 in out 1k\nC1 out 0 1u",
    "rc-highpass": "V1 in 0 AC 1\nC1 in out 1u\nR1 out 0 1k",
    "rl": "V1 in 0 DC 1\nR1 in out 100\nL1 out 0 10m",
    "bridge": "V1 a 0 10\nR1 a b 1k\nR2 a c 2k\nR3 b 0 2k\nR4 c 0 1k\nR5 b c 5k",
    "inverting": "V1 in 0 1\nR1 in inv 1k\nR2 inv out 10k\nX1 0 inv out OPAMP\nRL out 0 1k",
    "non-inverting": "V1 in 0 1\nX1 in fb out OPAMP\nR1 fb 0 1k\nR2 out fb 3k",
    "current-divider": "I1 0 a 3m\nR1 a 0 1k\nR2 a 0 2k",
    "rlc": "V1 in 0 AC 1\nR1 in a 10\nL1 a b 10m\nC1 b 0 1u\nRleak b 0 1g",
    "vcvs": "V1 in 0 0.5\nR1 in 0 1k\nE1 out 0 in 0 4\nR2 out 0 1k",
}


def _disguise(netlist, seed):
    """Rename every node and element, shuffle the lines, change the values."""
    rng = random.Random(seed)
    circuit = parse_netlist(netlist)
    nodes = {n: (n if n == "0" else f"q{rng.randrange(10**6)}") for n in circuit.nodes}
    names = {e.name: f"{e.name[0]}z{rng.randrange(10**6)}" for e in circuit.elements}
    lines = []
    for e in circuit.elements:
        value = "" if e.value is None else f" {e.value * rng.uniform(0.5, 2):.4g}"
        if e.kind in "VI":
            value = " DC 3 AC 1"
        if e.kind in "FH":
            value = f" {names[e.control]} 2"
        if e.kind == "X":
            value = " OPAMP"
        lines.append(f"{names[e.name]} {' '.join(nodes[n] for n in e.nodes)}{value}")
    rng.shuffle(lines)
    return "\n".join(lines)


@pytest.mark.parametrize("key", sorted(CORPUS))
def test_a_renamed_reordered_circuit_is_most_similar_to_its_original(key):
    disguised = _disguise(CORPUS[key], seed=hash(key) % 1000)
    ranked = similar(disguised, CORPUS, k=3)
    assert ranked[0] == (key, 1.0)
    assert ranked[1][1] < 1.0


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(sorted(CORPUS)), st.integers(0, 10**6))
def test_similarity_is_one_for_any_disguise(key, seed):
    assert similarity(CORPUS[key], _disguise(CORPUS[key], seed)) == 1.0


def test_similarity_sees_element_kinds():
    assert similarity(CORPUS["rc-lowpass"], CORPUS["divider"]) < 1.0
    assert similarity(CORPUS["rc-lowpass"], CORPUS["rc-highpass"]) < 1.0


def test_similarity_sees_topology():
    series = "V1 a 0 1\nR1 a b 1k\nR2 b c 1k\nR3 c 0 1k"
    parallel = "V1 a 0 1\nR1 a 0 1k\nR2 a 0 1k\nR3 a 0 1k"
    assert similarity(series, parallel) < 0.9


def test_similarity_is_symmetric_and_bounded():
    keys = sorted(CORPUS)
    for a in keys:
        for b in keys:
            s = similarity(CORPUS[a], CORPUS[b])
            assert 0.0 <= s <= 1.0
            assert s == pytest.approx(similarity(CORPUS[b], CORPUS[a]))


def test_similar_skips_broken_corpus_entries_and_orders_ties_by_key():
    corpus = {"b": CORPUS["divider"], "a": CORPUS["divider"], "broken": ".control"}
    assert similar(CORPUS["divider"], corpus, k=5) == [("a", 1.0), ("b", 1.0)]
    assert similar(CORPUS["divider"], corpus, k=0) == []


def test_formatting_does_not_change_features():
    c = parse_netlist(CORPUS["bridge"])
    assert similarity(c, format_netlist(c.elements)) == 1.0
