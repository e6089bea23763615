"""``python -m planner plan``: JSON in, a plan out, exit 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from planner.__main__ import main

ROOT = Path(__file__).resolve().parents[2]

COURSE = {
    "concepts": [
        {"id": "voltage", "name": "Voltage"},
        {"id": "current", "name": "Current"},
        {"id": "ohms-law", "name": "Ohm's law"},
        {"id": "power", "name": "Power"},
        {"id": "thevenin", "name": "Thevenin equivalent"},
        {"id": "max-power-transfer", "name": "Maximum power transfer"},
    ],
    "prerequisites": [
        ["voltage", "ohms-law"],
        ["current", "ohms-law"],
        ["voltage", "power"],
        ["current", "power"],
        ["ohms-law", "thevenin"],
        ["thevenin", "max-power-transfer"],
        ["power", "max-power-transfer"],
    ],
    "units": [
        {"id": "basics", "covers": ["voltage", "current"], "cost": 3.0},
        {"id": "ohm", "covers": ["ohms-law"], "cost": 2.0},
        {"id": "thevenin-lesson", "covers": ["thevenin"], "cost": 4.0},
        {"id": "mpt-lesson", "covers": ["max-power-transfer"], "cost": 2.0},
        {"id": "mpt-and-thevenin", "covers": ["thevenin", "max-power-transfer"], "cost": 5.5},
    ],
}


@pytest.fixture
def files(tmp_path):
    def write(course=COURSE, state=None, raw_course=None):
        c = tmp_path / "course.json"
        s = tmp_path / "state.json"
        c.write_text(raw_course if raw_course is not None else json.dumps(course))
        s.write_text(json.dumps(state if state is not None else {"mastery": {"voltage": 0.99}}))
        return str(c), str(s)

    return write


def run(capsys, *argv):
    status = main(["plan", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_json_plan_has_exactly_the_documented_fields(files, capsys):
    course, state = files()
    status, out, err = run(capsys, "--course", course, "--state", state,
                           "--goals", "max-power-transfer", "--json")
    assert status == 0, err
    plan = json.loads(out)
    assert set(plan) == {"steps", "total_cost", "lower_bound", "uncovered"}
    assert all(set(s) == {"unit", "covers", "cost", "reason"} for s in plan["steps"])
    # Power is needed but no unit teaches it: listed, and the rest is still planned.
    assert plan["uncovered"] == ["power"]
    assert [s["unit"] for s in plan["steps"]] == ["basics", "ohm", "mpt-and-thevenin"]
    assert plan["steps"][0]["covers"] == ["current"]
    assert plan["total_cost"] == pytest.approx(10.5)
    assert plan["lower_bound"] <= plan["total_cost"]
    assert "Ohm's law is needed for your goal Maximum power transfer" in plan["steps"][1]["reason"]
    assert "out of reach" in err and "max-power-transfer" in err


def test_threshold_flag_moves_the_mastery_line(files, capsys):
    course, state = files(state={"mastery": {"voltage": 0.9, "current": 0.9}})
    _, out, _ = run(capsys, "--course", course, "--state", state, "--goals", "ohms-law", "--json")
    assert [s["unit"] for s in json.loads(out)["steps"]] == ["basics", "ohm"]
    _, out, _ = run(capsys, "--course", course, "--state", state, "--goals", "ohms-law",
                    "--json", "--threshold", "0.85")
    assert [s["unit"] for s in json.loads(out)["steps"]] == ["ohm"]


def test_mastered_goal_gives_an_empty_plan(files, capsys):
    course, state = files(state={"mastery": {"ohms-law": 1.0}})
    status, out, _ = run(capsys, "--course", course, "--state", state, "--goals", "ohms-law", "--json")
    assert status == 0
    assert json.loads(out) == {"steps": [], "total_cost": 0.0, "lower_bound": 0.0, "uncovered": []}


def test_text_output_lists_steps_with_reasons(files, capsys):
    course, state = files()
    status, out, _ = run(capsys, "--course", course, "--state", state, "--goals", "ohms-law")
    assert status == 0
    assert "1. basics" in out and "2. ohm" in out
    assert "Ohm's law is your goal" in out
    assert "lower bound" in out


def _cyclic():
    course = json.loads(json.dumps(COURSE))
    course["prerequisites"].append(["max-power-transfer", "voltage"])
    return course


def _unit_with_unknown_concept():
    course = json.loads(json.dumps(COURSE))
    course["units"].append({"id": "x", "covers": ["ghost"], "cost": 1})
    return course


def _no_concepts():
    return {"concepts": [], "prerequisites": [], "units": []}


@pytest.mark.parametrize(
    "course,state,goals,needle",
    [
        (COURSE, None, "nope", "unknown goal 'nope'"),
        (_cyclic(), None, "ohms-law", "prerequisite cycle"),
        (_unit_with_unknown_concept(), None, "ohms-law", "unknown concept 'ghost'"),
        (_no_concepts(), None, "ohms-law", "concepts"),
        (COURSE, {"mastery": {"voltage": 2}}, "ohms-law", "must be in [0, 1]"),
        (COURSE, {"mastery": {"ghost": 0.5}}, "ohms-law", "unknown concept 'ghost'"),
        (COURSE, {"mastery": []}, "ohms-law", "mastery"),
        (COURSE, None, " , ", "at least one"),
    ],
)
def test_bad_input_exits_2_with_a_message(files, capsys, course, state, goals, needle):
    c, s = files(course=course, state=state)
    status, out, err = run(capsys, "--course", c, "--state", s, "--goals", goals, "--json")
    assert status == 2
    assert out == ""
    assert needle in err


def test_cycle_message_names_the_cycle(files, capsys):
    c, s = files(course=_cyclic())
    _, _, err = run(capsys, "--course", c, "--state", s, "--goals", "ohms-law")
    assert "max-power-transfer -> voltage -> ohms-law -> thevenin -> max-power-transfer" in err


def test_malformed_json_and_missing_files_exit_2(files, capsys, tmp_path):
    c, s = files(raw_course="{not json")
    status, _, err = run(capsys, "--course", c, "--state", s, "--goals", "ohms-law")
    assert status == 2 and "not valid JSON" in err
    status, _, err = run(capsys, "--course", str(tmp_path / "missing.json"), "--state", s,
                         "--goals", "ohms-law")
    assert status == 2 and "cannot read" in err


def test_bad_threshold_exits_2(files, capsys):
    c, s = files()
    status, _, err = run(capsys, "--course", c, "--state", s, "--goals", "ohms-law",
                         "--threshold", "1.5")
    assert status == 2 and "threshold" in err


def test_module_runs_as_a_command(files):
    c, s = files()
    proc = subprocess.run(
        [sys.executable, "-m", "planner", "plan", "--course", c, "--state", s,
         "--goals", "ohms-law", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert [st["unit"] for st in json.loads(proc.stdout)["steps"]] == ["basics", "ohm"]
    bad = subprocess.run(
        [sys.executable, "-m", "planner", "plan", "--course", c, "--state", s, "--goals", "x"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert bad.returncode == 2 and "unknown goal" in bad.stderr
