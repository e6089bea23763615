"""``planner.simulate``: strategies on simulated learners, on a small course folder."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from planner.simulate import (
    DEMO_COURSE,
    STRATEGIES,
    SimulationError,
    load_course,
    main,
    simulate,
    summarise,
)

# a -> b -> d, a -> c -> d, and e unrelated (after d in the syllabus)
COURSE_YAML = """
format: 1
slug: tiny
title: Tiny
concepts:
  - {id: a, name: Alpha}
  - {id: b, name: Beta, prerequisites: [a]}
  - {id: c, name: Gamma, prerequisites: [a]}
  - {id: e, name: Epsilon}
  - {id: d, name: Delta, prerequisites: [b, c]}
misconceptions:
  - {id: slip-up, description: A made-up error.}
"""


def write_course(root: Path, *, units: str = "") -> Path:
    (root / "lessons").mkdir(parents=True)
    (root / "items").mkdir()
    (root / "course.yaml").write_text(COURSE_YAML + units)
    for c in "abcde":
        (root / "lessons" / f"{c}.md").write_text(f"---\ntitle: {c}\nconcepts: [{c}]\n---\nBody.\n")
        items = [
            {"id": f"{c}-{k}", "kind": "numeric", "concepts": [c], "prompt": "?",
             "answer": "1 V", "difficulty": k - 1.0}
            for k in range(3)
        ]
        (root / "items" / f"{c}.yaml").write_text(json.dumps(items))  # JSON is YAML
    (root / "items" / "mixed.yaml").write_text(textwrap.dedent("""
        - id: bd-1
          kind: multiple_choice
          concepts: [b, d]
          prompt: "?"
          choices:
            - {text: "1", correct: true}
            - {text: "2", misconception: slip-up}
    """))
    return root


@pytest.fixture
def course_dir(tmp_path):
    return write_course(tmp_path / "tiny")


def test_lessons_become_units_and_items_are_grouped_by_concept(course_dir):
    course = load_course(course_dir / "course.yaml")
    assert [u.id for u in course.units] == ["a", "b", "c", "d", "e"]
    assert [it.id for it in course.items["b"]] == ["b-0", "b-1", "b-2"]  # single-concept first
    assert course.names["d"] == "Delta"
    assert course.misconceptions == ("slip-up",)


def test_units_in_course_yaml_replace_the_lessons(tmp_path):
    root = write_course(
        tmp_path / "u", units="units:\n  - {id: bc, covers: [b, c], minutes: 10}\n"
    )
    course = load_course(root)
    assert [(u.id, u.covers, u.cost) for u in course.units] == [("bc", ("b", "c"), 5.0)]


def test_an_unreadable_course_is_a_simulation_error(tmp_path):
    (tmp_path / "course.yaml").write_text("concepts: {not: a list}\n")
    with pytest.raises(SimulationError):
        load_course(tmp_path)


def test_every_strategy_teaches_the_same_learners_until_the_goals(course_dir):
    course = load_course(course_dir)
    runs = simulate(course, n_learners=6, seed=4, goals=["d"])
    assert set(runs) == set(STRATEGIES)
    assert all(len(rs) == 6 for rs in runs.values())
    for rs in runs.values():
        assert all(r.items > 0 and r.reached for r in rs)
    # Each run starts from the same learner: the planner never sees e, the syllabus does.
    assert all("e" not in r.practised for r in runs["planner"])
    assert all(r.practised[:5] == ["a", "b", "c", "e", "d"] for r in runs["syllabus"])


def test_the_planner_and_most_goals_practise_prerequisites_first(course_dir):
    course = load_course(course_dir)
    runs = simulate(course, n_learners=5, seed=2, goals=["d"], strategies=["planner", "most-goals"])
    pre = {"b": {"a"}, "c": {"a"}, "d": {"b", "c"}}
    for rs in runs.values():
        for r in rs:
            for k, concept in enumerate(r.practised):
                assert pre.get(concept, set()) <= set(r.practised[:k])


def test_a_seed_reproduces_a_simulation(course_dir):
    course = load_course(course_dir)
    one = simulate(course, n_learners=4, seed=9, strategies=["planner", "random"])
    two = simulate(course, n_learners=4, seed=9, strategies=["planner", "random"])
    assert [(r.items, r.practised) for r in one["random"]] == [
        (r.items, r.practised) for r in two["random"]
    ]
    assert [r.items for r in one["planner"]] == [r.items for r in two["planner"]]


def test_summary_compares_paired_runs_with_the_baseline(course_dir):
    course = load_course(course_dir)
    runs = simulate(course, n_learners=8, seed=1, goals=["d"], strategies=["syllabus", "planner"])
    rows = {s.strategy: s for s in summarise(runs)}
    base = sum(r.items for r in runs["syllabus"])
    ours = sum(r.items for r in runs["planner"])
    assert rows["planner"].fewer_items_than_baseline == pytest.approx(1 - ours / base)
    lo, hi = rows["planner"].fewer_items_ci
    assert lo <= rows["planner"].fewer_items_than_baseline <= hi
    assert rows["syllabus"].fewer_items_than_baseline is None


def test_unknown_strategy_or_goal_is_refused(course_dir):
    course = load_course(course_dir)
    with pytest.raises(SimulationError):
        simulate(course, n_learners=1, strategies=["oracle"])
    with pytest.raises(SimulationError):
        simulate(course, n_learners=1, goals=["zeta"])


def test_command_prints_a_table_or_json_and_exits_2_on_bad_input(course_dir, capsys):
    assert main(["--course", str(course_dir), "--learners", "3", "--goals", "d"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("| strategy |") and "| planner |" in out
    assert main(["--course", str(course_dir), "--learners", "3", "--json",
                 "--strategies", "planner,syllabus"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["strategy"] for r in rows] == ["planner", "syllabus"]
    assert main(["--course", str(course_dir), "--goals", "zeta"]) == 2
    assert "unknown goal" in capsys.readouterr().err
    assert main(["--course", str(course_dir / "missing")]) == 2


def test_demo_course_has_practice_for_every_concept():
    course = load_course(DEMO_COURSE)
    assert len(course.graph) == 35
    assert all(course.items[c] for c in course.graph.order)
