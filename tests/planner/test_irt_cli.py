import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from planner.irt.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path, text, name="responses.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture
def responses(tmp_path):
    rng = np.random.default_rng(0)
    b = np.array([-1.0, 0.0, 1.0, 0.5])
    theta = rng.normal(size=60)
    rows = ["learner,item,correct"]
    for i, t in enumerate(theta):
        for j, bj in enumerate(b):
            if (i + j) % 5 == 0:
                continue  # some pairs are simply absent
            right = int(rng.random() < 1 / (1 + np.exp(-(t - bj))))
            rows.append(f"L{i},item-{j},{right}")
    return write(tmp_path, "\n".join(rows) + "\n")


@pytest.mark.parametrize("model", ["1pl", "2pl"])
def test_fit_prints_the_json_shape(responses, capsys, model):
    assert main(["fit", str(responses), "--model", model, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"items", "abilities", "log_likelihood", "iterations"}
    assert sorted(out["items"]) == ["item-0", "item-1", "item-2", "item-3"]
    for p in out["items"].values():
        assert set(p) == {"a", "b", "se_a", "se_b"}
        assert all(isinstance(v, float) for v in p.values())
    assert len(out["abilities"]) == 60
    assert set(out["abilities"]["L0"]) == {"theta", "se"}
    assert isinstance(out["iterations"], int) and out["log_likelihood"] < 0
    b = {k: v["b"] for k, v in out["items"].items()}
    assert b["item-0"] < b["item-1"] < b["item-2"]
    if model == "1pl":
        assert len({v["a"] for v in out["items"].values()}) == 1


def test_fit_prints_a_table_without_json(responses, capsys):
    assert main(["fit", str(responses)]) == 0
    out = capsys.readouterr().out
    assert "2PL fit: 4 items, 60 learners" in out
    assert "item-3" in out


def test_columns_may_come_in_another_order(tmp_path, capsys):
    path = write(tmp_path, "correct,item,learner,extra\n1,q1,ann,x\n0,q1,bob,y\n1,q2,ann,z\n")
    assert main(["fit", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert sorted(out["abilities"]) == ["ann", "bob"]


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("", 1, "empty file"),
        ("learner,item,correct\na,q1,1\na,q2,2\n", 3, "0 or 1"),
        ("learner,item,correct\na,q1,1\n\nb,q1,yes\n", 4, "0 or 1"),
        ("learner,item,correct\na,q1,1\nb,q1\n", 3, "fields"),
        ("learner,item,correct\n,q1,1\n", 2, "empty learner"),
        ("learner,item\na,q1\n", 1, "missing correct"),
        ("learner,item,correct\n", 2, "no responses"),
        ("learner,item,correct,correct\na,q1,1,0\n", 1, "more than once"),
    ],
)
def test_bad_input_exits_2_naming_the_line(tmp_path, capsys, text, line, words):
    path = write(tmp_path, text)
    assert main(["fit", str(path), "--json"]) == 2
    err = capsys.readouterr().err
    assert f"line {line}:" in err and words in err
    assert str(path) in err


def test_a_byte_order_mark_is_not_part_of_the_header(tmp_path, capsys):
    # spreadsheets save "UTF-8 CSV" with a BOM; it used to hide the learner column
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbflearner,item,correct\nann,q1,1\nbob,q1,0\n")
    assert main(["fit", str(path), "--json"]) == 0
    assert sorted(json.loads(capsys.readouterr().out)["abilities"]) == ["ann", "bob"]


def test_text_that_is_not_utf8_names_its_line(tmp_path, capsys):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"learner,item,correct\nann,q1,1\nren\xe9,q1,0\n")
    assert main(["fit", str(path), "--json"]) == 2
    err = capsys.readouterr().err
    assert "line 3:" in err and "UTF-8" in err


def test_a_missing_file_exits_2(tmp_path, capsys):
    assert main(["fit", str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv" in capsys.readouterr().err


def test_runs_as_a_module(responses):
    done = subprocess.run(
        [sys.executable, "-m", "planner.irt", "fit", str(responses), "--model", "1pl", "--json"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "items" in json.loads(done.stdout)
    bad = write(responses.parent, "learner,item,correct\na,q,maybe\n", "bad.csv")
    done = subprocess.run(
        [sys.executable, "-m", "planner.irt", "fit", str(bad)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert done.returncode == 2 and "line 2" in done.stderr
