"""Course files: every refusal names its file and field, exits non-zero and writes nothing."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from tutor.coursefiles import (
    CourseValidationError,
    load_course,
    load_course_zip,
    spec_as_dict,
    write_course,
)
from tutor.models import Attempt, Concept, Course, Item, Lesson, Prerequisite
from tutor.selectors import course_spec_export
from tutor.services.courses import course_import

pytestmark = pytest.mark.django_db


def _edit_yaml(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def _import_fails(path: Path, teacher, capsys) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError):
        call_command("import_course", str(path), "--owner", teacher.username)
    assert Course.objects.count() == 0, "a refused import wrote a course"
    assert Concept.objects.count() == 0 and Item.objects.count() == 0
    return capsys.readouterr().err


def test_import_command_writes_the_whole_course(mini_course_path, teacher, capsys):
    call_command("import_course", str(mini_course_path), "--owner", teacher.username)
    course = Course.objects.get(slug="mini")
    assert course.owner == teacher
    assert [c.key for c in course.concepts.order_by("order")] == ["voltage", "ohms-law", "divider"]
    assert Prerequisite.objects.filter(after__course=course).count() == 2
    assert course.lessons.count() == 2
    assert course.items.count() == 4
    num = course.items.get(key="ohm-num")
    assert (num.answer_value, num.answer_unit) == (pytest.approx(9.4), "V")
    mc = course.items.get(key="ohm-mc")
    assert mc.choices.filter(is_correct=True).get().text == "2 A"
    assert mc.choices.get(text="0.5 A").misconception.key == "inverted-ohms-law"
    lesson = course.lessons.get(slug="02-ohms-law")
    assert "<math" in lesson.body_html
    assert set(lesson.concepts.values_list("key", flat=True)) == {"ohms-law", "voltage"}
    assert "Imported mini" in capsys.readouterr().out


def test_prerequisite_cycle_is_refused_with_the_cycle_named(mini_course_path, teacher, capsys):
    def cycle(d):  # type: ignore[no-untyped-def]
        d["concepts"][0]["prerequisites"] = ["divider"]  # voltage needs divider: a loop

    _edit_yaml(mini_course_path / "course.yaml", cycle)
    err = _import_fails(mini_course_path, teacher, capsys)
    assert "course.yaml: concepts: prerequisite cycle: divider -> voltage -> ohms-law -> divider" in err


def test_unknown_concept_references_are_refused_with_file_and_field(mini_course_path, teacher, capsys):
    _edit_yaml(mini_course_path / "course.yaml",
               lambda d: d["concepts"][1]["prerequisites"].append("charge"))
    _edit_yaml(mini_course_path / "items" / "ohm.yaml",
               lambda d: d[0]["concepts"].append("kirchhoff"))
    err = _import_fails(mini_course_path, teacher, capsys)
    assert "course.yaml: concept ohms-law: prerequisites: unknown concept 'charge'" in err
    assert "items/ohm.yaml: item ohm-mc: concepts: unknown concept 'kirchhoff'" in err


def test_lesson_with_unknown_concept_is_refused(mini_course_path, teacher, capsys):
    path = mini_course_path / "lessons" / "01-voltage.md"
    path.write_text(path.read_text().replace("concepts: [voltage]", "concepts: [volts]"))
    err = _import_fails(mini_course_path, teacher, capsys)
    assert "lessons/01-voltage.md: concepts: unknown concept 'volts'" in err


@pytest.mark.parametrize("answer", ["5 Vx", "five volts", "", "3 furlongs"])
def test_bad_unit_is_refused_with_file_and_field(mini_course_path, teacher, capsys, answer):
    _edit_yaml(mini_course_path / "items" / "ohm.yaml", lambda d: d[1].update(answer=answer))
    err = _import_fails(mini_course_path, teacher, capsys)
    assert "items/ohm.yaml: item ohm-num: answer:" in err


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d[0].pop("prompt"), "item ohm-mc: prompt: is required"),
        (lambda d: d[0].update(kind="essay"), "item ohm-mc: kind: must be one of"),
        (lambda d: d[0]["choices"][1].update(correct=True), "item ohm-mc: choices: exactly one"),
        (lambda d: d[0].update(choices=[{"text": "2 A", "correct": True}]),
         "item ohm-mc: choices: must list at least two"),
        (lambda d: d[1].update(tolerance="tight"), "item ohm-num: tolerance: must be a number"),
        (lambda d: d[1].update(id="Ohm Num"), "id: 'Ohm Num' must be lowercase"),
        (lambda d: d[2].pop("netlist"), "item divider-circuit: netlist: is required"),
        (lambda d: d[0]["choices"][1].update(misconception="nonsense"),
         "choices[2].misconception: unknown misconception 'nonsense'"),
        (lambda d: d.append(dict(d[0])), "item ohm-mc: id: also used in items/ohm.yaml"),
        (lambda d: d[2].update(netlist="V1 in 0 DC 10\nR1 in out 1k\nR2 out 0 1k\n.control\nshell rm -rf /\n.endc\n"),
         "item divider-circuit: netlist: line 4"),
        (lambda d: d[2].update(ask="V(out"), "item divider-circuit: ask:"),
    ],
)
def test_malformed_item_is_refused_with_file_and_field(mini_course_path, teacher, capsys, change, expected):
    _edit_yaml(mini_course_path / "items" / "ohm.yaml", change)
    err = _import_fails(mini_course_path, teacher, capsys)
    assert "items/ohm.yaml: " in err
    assert expected in err


def test_invalid_yaml_names_the_line(mini_course_path, teacher, capsys):
    (mini_course_path / "items" / "broken.yaml").write_text("- id: x\n  kind: [unclosed\n")
    err = _import_fails(mini_course_path, teacher, capsys)
    assert "items/broken.yaml: line" in err and "not valid YAML" in err


def test_missing_course_yaml_and_wrong_format_are_refused(mini_course_path, teacher, capsys):
    _edit_yaml(mini_course_path / "course.yaml", lambda d: d.update(format=2))
    assert "course.yaml: format: must be 1" in _import_fails(mini_course_path, teacher, capsys)
    (mini_course_path / "course.yaml").unlink()
    assert "course.yaml: is missing" in _import_fails(mini_course_path, teacher, capsys)


def test_every_problem_is_reported_in_one_run(mini_course_path, teacher, capsys):
    _edit_yaml(mini_course_path / "items" / "ohm.yaml",
               lambda d: (d[0].pop("prompt"), d[1].update(answer="5 Vx")))
    err = _import_fails(mini_course_path, teacher, capsys)
    assert "ohm-mc: prompt" in err and "ohm-num: answer" in err


def test_single_file_and_zip_forms_import(mini_course_path, teacher, tmp_path):
    single = write_course(load_course(mini_course_path), tmp_path / "mini.yaml")
    spec = load_course(single)
    assert len(spec.items) == 4 and len(spec.lessons) == 2
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for p in mini_course_path.rglob("*"):
            if p.is_file():
                z.write(p, f"mini-course/{p.relative_to(mini_course_path)}")
    from_zip = load_course_zip(buf.getvalue())
    assert spec_as_dict(from_zip) == spec_as_dict(load_course(mini_course_path))


def test_zip_with_unsafe_paths_is_refused(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("../../evil.yaml", "format: 1")
    with pytest.raises(CourseValidationError, match="unsafe path"):
        load_course_zip(buf.getvalue())
    assert not (tmp_path.parent.parent / "evil.yaml").exists()


def _normalised(spec):  # type: ignore[no-untyped-def]
    """Lists of concept ids are sets in meaning; compare them as such."""
    data = spec_as_dict(spec)
    for key in ("lessons", "units"):
        for entry in data[key]:
            for field in ("concepts", "covers"):
                if field in entry:
                    entry[field] = sorted(entry[field])
    for it in data["items"]:
        it["concepts"] = sorted(it["concepts"])
    for c in data["concepts"]:
        c["prerequisites"] = sorted(c["prerequisites"])
    return data


def test_export_then_import_round_trips_with_nothing_lost(mini_course_path, teacher, tmp_path):
    original = load_course(mini_course_path)
    course_import(spec=original, actor=teacher)
    call_command("export_course", "mini", str(tmp_path / "out"))
    exported = load_course(tmp_path / "out")
    assert _normalised(exported) == _normalised(original)
    # and through the database a second time: identical again
    Course.objects.all().delete()
    course_import(spec=exported, actor=teacher)
    again = course_spec_export(course=Course.objects.get(slug="mini"))
    assert _normalised(again) == _normalised(original)


def test_export_to_a_single_file_round_trips(mini_course_path, teacher, tmp_path):
    original = load_course(mini_course_path)
    course_import(spec=original, actor=teacher)
    call_command("export_course", "mini", str(tmp_path / "mini.yaml"))
    assert _normalised(load_course(tmp_path / "mini.yaml")) == _normalised(original)


def test_reimport_keeps_attempts_and_retires_removed_items(mini_course_path, course, student):
    item = course.items.get(key="ohm-mc")
    Attempt.objects.create(learner=student, item=item, raw_answer="x", idempotency_key="k1",
                           verdict=Attempt.Verdict.CORRECT)
    _edit_yaml(mini_course_path / "items" / "ohm.yaml", lambda d: d.pop(1))
    course_import(spec=load_course(mini_course_path), actor=course.owner)
    assert Attempt.objects.filter(item=item).count() == 1
    assert not Item.objects.get(course=course, key="ohm-num").is_active
    assert Item.objects.filter(course=course).count() == 4
    # importing the same files twice changes nothing and duplicates nothing
    course_import(spec=load_course(mini_course_path), actor=course.owner)
    assert Concept.objects.filter(course=course).count() == 3
    assert Lesson.objects.filter(course=course).count() == 2


def test_another_teacher_cannot_overwrite_a_course(mini_course_path, course, capsys):
    from tests.tutor.factories import UserFactory

    other = UserFactory(username="otto", role="teacher")
    with pytest.raises(CommandError, match="belongs to someone else"):
        call_command("import_course", str(mini_course_path), "--owner", other.username)
