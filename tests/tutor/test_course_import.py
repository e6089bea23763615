"""Course files: every refusal names its file and field, exits non-zero and writes nothing."""

from __future__ import annotations

import contextlib
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
        # an unquoted `text: yes` is a YAML boolean: say so, not only "got bool"
        (lambda d: d[0]["choices"][2].update(text=True),
         "choices[3].text: must be text, got true (YAML reads yes, no, on, off, true and false "
         "as true or false: put the text in quotes)"),
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


@pytest.mark.parametrize("name", ["course.yaml", "single"])
def test_a_course_file_that_is_not_yaml_gets_one_message(mini_course_path, tmp_path, name):
    # A parse error was followed by "must be a YAML mapping with format, slug, title and
    # concepts", which sent the teacher looking for a problem that was not there.
    if name == "single":
        path = tmp_path / "mini.yaml"
        path.write_text("slug: mini\ntitle: [unclosed\n")
        file = "mini.yaml"
    else:
        (mini_course_path / "course.yaml").write_text("slug: mini\ntitle: [unclosed\n")
        path, file = mini_course_path, "course.yaml"
    with pytest.raises(CourseValidationError) as info:
        load_course(path)
    mine = [str(e) for e in info.value.errors if e.file == file]
    assert len(mine) == 1 and "not valid YAML" in mine[0], mine


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


@pytest.mark.parametrize("form", ["zip", "yaml"])
def test_the_studio_download_imports_again_unchanged(mini_course_path, client, teacher, form,
                                                     tmp_path):
    # A teacher could export only from the command line; the studio now offers both forms.
    from django.urls import reverse

    original = load_course(mini_course_path)
    course_import(spec=original, actor=teacher)
    client.force_login(teacher)
    response = client.get(reverse("studio-export", args=["mini", form]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="mini.{form}"'
    if form == "zip":
        back = load_course_zip(response.content, name="mini.zip")
    else:
        (tmp_path / "mini.yaml").write_bytes(response.content)
        back = load_course(tmp_path / "mini.yaml")
    assert _normalised(back) == _normalised(original)


def test_a_course_through_one_file_and_back_keeps_its_folder_layout(mini_course_path, teacher,
                                                                    tmp_path):
    # A YAML round trip used to forget which items/ file each item came from, so the next
    # folder export renamed every file (the demo's 01-charge.yaml became charge.yaml).
    (mini_course_path / "items" / "ohm.yaml").rename(mini_course_path / "items" / "07-ohm.yaml")
    course_import(spec=load_course(mini_course_path), actor=teacher)
    call_command("export_course", "mini", str(tmp_path / "mini.yaml"))
    Course.objects.all().delete()
    course_import(spec=load_course(tmp_path / "mini.yaml"), actor=teacher)
    call_command("export_course", "mini", str(tmp_path / "again"))
    assert sorted(p.name for p in (tmp_path / "again" / "items").iterdir()) == ["07-ohm.yaml"]


@pytest.mark.parametrize("name", ["01 charge.yaml", "_intro.yaml", "ohm-ü.yaml", "x" * 100 + ".yml"])
def test_any_file_name_the_folder_form_holds_survives_the_single_file_form(
        mini_course_path, teacher, tmp_path, name):
    (mini_course_path / "items" / "ohm.yaml").rename(mini_course_path / "items" / name)
    course_import(spec=load_course(mini_course_path), actor=teacher)
    call_command("export_course", "mini", str(tmp_path / "mini.yaml"))
    back = load_course(tmp_path / "mini.yaml")  # refused these names at first
    assert {it.folder_file for it in back.items} == {name}


def test_file_names_that_differ_only_in_case_are_written_as_one(mini_course_path, tmp_path):
    spec = load_course(mini_course_path)
    for it, name in zip(spec.items, ["Ohm.yaml", "ohm.yaml", "OHM.yaml", "ohm.YAML"],
                        strict=False):
        it.file, it.folder_file = "", name
    write_course(spec, tmp_path / "out")
    assert [p.name for p in (tmp_path / "out" / "items").iterdir()] == ["Ohm.yaml"]
    assert len(load_course(tmp_path / "out").items) == len(spec.items)


def test_a_folder_file_with_a_path_in_it_is_refused(mini_course_path, teacher, tmp_path):
    course_import(spec=load_course(mini_course_path), actor=teacher)
    call_command("export_course", "mini", str(tmp_path / "mini.yaml"))
    text = (tmp_path / "mini.yaml").read_text()
    (tmp_path / "mini.yaml").write_text(text.replace("folder_file: ohm.yaml",
                                                     "folder_file: ../../etc/x.yaml", 1))
    with pytest.raises(CourseValidationError, match="folder_file: '../../etc/x.yaml' must be"):
        load_course(tmp_path / "mini.yaml")


@pytest.mark.parametrize("who", ["student", "outsider", "other-teacher"])
def test_only_the_course_teacher_and_admins_may_download_it(client, people, who):
    from django.urls import reverse

    client.force_login(people[who])
    assert client.get(reverse("studio-export", args=["mini", "zip"])).status_code == 403


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


# ----------------------------------------------------- malformed files: a clear refusal, never a 500


def _single_file(mini_course_path: Path, tmp_path: Path, change=None) -> Path:  # type: ignore[no-untyped-def]
    """The mini course as one file, ``mini.yaml``, with ``change`` made to its data."""
    path = write_course(load_course(mini_course_path), tmp_path / "mini.yaml")
    if change is not None:
        _edit_yaml(path, change)
    return path


def _refusal(path: Path) -> str:
    with pytest.raises(CourseValidationError) as info:
        load_course(path)
    return str(info.value)


def _zip_refusal(data: bytes, name: str = "upload.zip") -> str:
    with pytest.raises(CourseValidationError) as info:
        load_course_zip(data, name=name)
    return str(info.value)


def _zip(files: dict[str, str | bytes], *, compression: int = zipfile.ZIP_STORED,
         tamper=None) -> bytes:  # type: ignore[no-untyped-def]
    """A zip of ``files`` in that order; ``tamper(info)`` may change a member's directory entry."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as z:
        for name, content in files.items():
            z.writestr(zipfile.ZipInfo(name) if name == "" else name, content)
        if tamper is not None:
            for info in z.infolist():
                tamper(info)
    return buf.getvalue()


def _mini_files(mini_course_path: Path, prefix: str = "mini-course/") -> dict[str, str | bytes]:
    return {f"{prefix}{p.relative_to(mini_course_path).as_posix()}": p.read_bytes()
            for p in sorted(mini_course_path.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(misconceptions=5), "mini.yaml: misconceptions: must be a list"),
        (lambda d: d.update(units=5), "mini.yaml: units: must be a list"),
        (lambda d: d.update(lessons=5), "mini.yaml: lessons: must be a list"),
        (lambda d: d.update(items=5), "mini.yaml: items: must be a YAML list of items"),
        (lambda d: d.update(concepts=5), "mini.yaml: concepts: must be a non-empty list"),
        (lambda d: d.update(misconceptions="inverted"), "mini.yaml: misconceptions: must be a list"),
        (lambda d: d.update(units={"id": "basics"}), "mini.yaml: units: must be a list"),
        (lambda d: d.update(lessons={"slug": "x"}), "mini.yaml: lessons: must be a list"),
        (lambda d: d["concepts"][1].update(prerequisites=5),
         "mini.yaml: concepts[2].prerequisites: must be a list of ids"),
        (lambda d: d["concepts"][1].update(prerequisites={"voltage": 1}),
         "mini.yaml: concepts[2].prerequisites: must be a list of ids"),
        (lambda d: d["units"][0].update(covers=5), "mini.yaml: units[1].covers: must be a list"),
        (lambda d: d["lessons"].__setitem__(0, 5), "mini.yaml: lessons[1]: must be a mapping"),
        (lambda d: d["lessons"][0].update(concepts=5),
         "mini.yaml: lessons[1] (01-voltage): concepts: must be a list of ids"),
        (lambda d: d["lessons"][0].update(body=5),
         "mini.yaml: lessons[1] (01-voltage): body: must be text, got int"),
        (lambda d: d["items"].__setitem__(0, 5), "mini.yaml: item #1: must be a mapping"),
        (lambda d: d["items"][0].update(concepts=5), "item ohm-mc: concepts: must be a list of ids"),
        (lambda d: d["items"][0].update(choices=5), "item ohm-mc: choices: must list at least two"),
        (lambda d: d["items"][0]["choices"].__setitem__(0, 5),
         "item ohm-mc: choices[1]: must be a mapping"),
        (lambda d: d["items"][1].update(hints=5), "item ohm-num: hints: must be a list of texts"),
        (lambda d: d["items"][1].update(hints=[{"a": 1}]),
         "item ohm-num: hints: must be a list of texts"),
        (lambda d: d["items"][3].update(constraints=5),
         "item divider-design: constraints: must list at least one constraint"),
        (lambda d: d["items"][3].update(constraints={"V(out)": 3.3}),
         "item divider-design: constraints: must list at least one constraint"),
        (lambda d: d["items"][1].update(difficulty=10**400), "item ohm-num: difficulty: must be between"),
        (lambda d: d["concepts"][1].update(prerequisites=["voltage", "voltage"]),
         "concept ohms-law: prerequisites: lists 'voltage' more than once"),
    ],
)
def test_wrongly_typed_field_of_a_single_file_is_refused_with_file_and_field(
        mini_course_path, tmp_path, change, expected):
    assert expected in _refusal(_single_file(mini_course_path, tmp_path, change))


def test_wrongly_typed_fields_of_a_folder_are_refused_with_file_and_field(mini_course_path):
    _edit_yaml(mini_course_path / "course.yaml", lambda d: d.update(misconceptions=5, units=5))
    lesson = mini_course_path / "lessons" / "01-voltage.md"
    lesson.write_text(lesson.read_text().replace("concepts: [voltage]", "concepts: {voltage: 1}"))
    err = _refusal(mini_course_path)
    assert "course.yaml: misconceptions: must be a list of mappings, got int" in err
    assert "course.yaml: units: must be a list of mappings, got int" in err
    assert "lessons/01-voltage.md: concepts: must be a list of ids" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- " + "[" * 600 + "]" * 600, "items/broken.yaml: not valid YAML: lists or mappings nested"),
        ("- id: x\n  difficulty: " + "9" * 5000, "items/broken.yaml: not valid YAML: Exceeds the limit"),
        ("- id: x\n  prompt: 2024-02-30\n", "items/broken.yaml: not valid YAML: day is out of range"),
    ],
)
def test_yaml_that_the_parser_cannot_build_is_refused(mini_course_path, text, expected):
    (mini_course_path / "items" / "broken.yaml").write_text(text)
    assert expected in _refusal(mini_course_path)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(title="Mini\0circuits"), "mini.yaml: title: must not hold a NUL"),
        (lambda d: d["items"][0].update(prompt="Why \ud83d?"),
         "item ohm-mc: prompt: holds U+D83D, half of a surrogate pair"),
        (lambda d: d["items"][1].update(hints=["ok", "a\0b"]),
         "item ohm-num: hints[2]: must not hold a NUL"),
        (lambda d: d["lessons"][1].update(body="V = I R\0"),
         "lessons[2] (02-ohms-law): body: must not hold a NUL"),
    ],
)
def test_text_that_a_database_refuses_is_refused(mini_course_path, tmp_path, change, expected):
    # PostgreSQL takes no NUL in text or JSON; no database takes half a surrogate pair.
    path = write_course(load_course(mini_course_path), tmp_path / "mini.yaml")
    data = yaml.safe_load(path.read_text())
    change(data)
    # safe_dump escapes both as YAML allows ("\0", "\uD83D"), as a teacher could write them
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert expected in _refusal(path)


def test_nul_in_a_lesson_file_is_refused(mini_course_path):
    lesson = mini_course_path / "lessons" / "01-voltage.md"
    lesson.write_text(lesson.read_text() + "\0")
    assert "lessons/01-voltage.md: body: must not hold a NUL" in _refusal(mini_course_path)


@pytest.mark.parametrize("order", ["file first", "folder first"])
def test_zip_holding_a_file_and_a_folder_of_one_name_is_refused(mini_course_path, order):
    files = _mini_files(mini_course_path, prefix="")
    lesson = files.pop("lessons/01-voltage.md")
    pair = {"lessons": "not a folder", "lessons/01-voltage.md": lesson}
    if order == "folder first":
        pair = dict(reversed(pair.items()))
    err = _zip_refusal(_zip({**files, **pair}))
    assert "upload.zip: lessons: is both a file and a folder in the archive" in err


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        ("x" * 300 + ".md", "has a file or folder name longer than 255 bytes"),
        ("lessons/" + "é" * 200 + ".md", "has a file or folder name longer than 255 bytes"),
        ("/".join(["d" * 250] * 20) + "/a.md", "cannot be unpacked: File name too long"),
        ("", "'': is not a file name"),
    ],
)
def test_zip_member_that_cannot_be_unpacked_is_refused_by_name(mini_course_path, member, expected):
    err = _zip_refusal(_zip({**_mini_files(mini_course_path), member: "x"}))
    assert expected in err
    if member:
        assert f"upload.zip: {member[:20]}" in err
        assert member not in err, "a name of hundreds of characters is shortened"


@pytest.mark.parametrize(
    ("compression", "tamper", "expected"),
    [
        (zipfile.ZIP_STORED, lambda i: setattr(i, "CRC", i.CRC ^ 1), "is damaged and cannot be read (Bad CRC-32"),
        (zipfile.ZIP_STORED, lambda i: setattr(i, "flag_bits", i.flag_bits | 0x1), "is encrypted"),
        (zipfile.ZIP_STORED, lambda i: setattr(i, "compress_type", 99),
         "is compressed in a way that cannot be read"),
        # stored garbage declared compressed: the decompressor meets corrupt data
        (zipfile.ZIP_STORED, lambda i: setattr(i, "compress_type", zipfile.ZIP_DEFLATED),
         "is damaged and cannot be read"),
        (zipfile.ZIP_STORED, lambda i: setattr(i, "compress_type", zipfile.ZIP_BZIP2),
         "is damaged and cannot be read"),
        (zipfile.ZIP_STORED, lambda i: setattr(i, "compress_type", zipfile.ZIP_LZMA),
         "is damaged and cannot be read"),
    ],
)
def test_damaged_zip_member_is_refused_by_name(mini_course_path, compression, tamper, expected):
    target = "mini-course/items/ohm.yaml"
    files = _mini_files(mini_course_path)
    files[target] = b"\xff" * 64 + files[target]

    def tamper_one(info: zipfile.ZipInfo) -> None:
        if info.filename == target:
            tamper(info)

    err = _zip_refusal(_zip(files, compression=compression, tamper=tamper_one))
    assert f"upload.zip: {target}: {expected}" in err


def test_zip_with_a_byte_flipped_in_a_member_is_refused_by_name(mini_course_path):
    data = _zip(_mini_files(mini_course_path))
    assert data.count(b"id: ohm-mc") == 1
    err = _zip_refusal(data.replace(b"id: ohm-mc", b"id: ohm-mX"))
    assert "upload.zip: mini-course/items/ohm.yaml: is damaged and cannot be read (Bad CRC-32" in err


def test_zip_of_an_unreadable_zip_version_is_refused(mini_course_path):
    data = bytearray(_zip(_mini_files(mini_course_path)))
    entry = data.index(b"PK\x01\x02")  # the first central directory entry
    data[entry + 6] = 0xFF  # version needed to extract: 25.5
    assert "upload.zip: cannot be read: zip file version" in _zip_refusal(bytes(data))


def test_randomly_damaged_zips_are_refused_or_read_never_crash(mini_course_path):
    import random

    rnd = random.Random(1)
    for compression in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        good = _zip(_mini_files(mini_course_path), compression=compression)
        for _ in range(150):
            data = bytearray(good)
            for _ in range(rnd.choice([1, 2, 4])):
                data[rnd.randrange(len(data))] = rnd.randrange(256)
            with contextlib.suppress(CourseValidationError):  # anything else fails the test
                load_course_zip(bytes(data))


def test_zip_without_course_yaml_is_named_by_the_upload(mini_course_path):
    err = _zip_refusal(_zip({"notes/readme.txt": "hello"}), name="my-course.zip")
    assert err.startswith("my-course.zip: course.yaml: is missing")
    assert "kirchhoff-course" not in err
    two = {**_mini_files(mini_course_path, "a/"), **_mini_files(mini_course_path, "b/")}
    assert "upload.zip: course.yaml: found in several folders (a, b)" in _zip_refusal(_zip(two))


def test_zip_problems_name_the_path_inside_the_zip(mini_course_path):
    _edit_yaml(mini_course_path / "items" / "ohm.yaml", lambda d: d[0].pop("prompt"))
    err = _zip_refusal(_zip(_mini_files(mini_course_path)))
    assert "mini-course/items/ohm.yaml: item ohm-mc: prompt: is required" in err
    err = _zip_refusal(_zip(_mini_files(mini_course_path, prefix="")))
    assert err.startswith("items/ohm.yaml: item ohm-mc: prompt: is required")


def test_lesson_of_a_single_file_is_named_by_its_place_in_the_file(mini_course_path, tmp_path):
    def change(d):  # type: ignore[no-untyped-def]
        d["lessons"][0]["concepts"] = ["volts"]
        d["lessons"][1].pop("title")
        d["lessons"].append(dict(d["lessons"][0]))

    err = _refusal(_single_file(mini_course_path, tmp_path, change))
    assert "mini.yaml: lessons[1] (01-voltage): concepts: unknown concept 'volts'" in err
    assert "mini.yaml: lessons[2] (02-ohms-law): title: is required" in err
    assert ("mini.yaml: lessons[3] (01-voltage): slug: lesson slug '01-voltage' appears more "
            "than once") in err
    assert "lessons/" not in err, "a single file has no lessons folder"


def _n_long(column: str, n: int) -> str:
    """A valid value of ``n`` characters for the column's field."""
    if column == "Item.answer_text":
        return "1" + "0" * (n - 3) + " V"
    if column == "Item.ask":
        return "V(out," + " " * (n - 8) + "0)"
    if column.endswith((".slug", ".key")):
        return "a" * n
    return "x" * n


_LONG_FIELDS = [
    ("Course.slug", lambda d, v: d.update(slug=v), "mini.yaml: slug"),
    ("Course.title", lambda d, v: d.update(title=v), "mini.yaml: title"),
    ("Concept.key", lambda d, v: d["concepts"].append({"id": v, "name": "More"}),
     "concepts[4].id"),
    ("Concept.name", lambda d, v: d["concepts"][0].update(name=v), "concepts[1].name"),
    ("Concept.summary", lambda d, v: d["concepts"][0].update(summary=v), "concepts[1].summary"),
    ("Misconception.key", lambda d, v: d["misconceptions"].append({"id": v, "description": "x"}),
     "misconceptions[2].id"),
    ("LearningUnit.key", lambda d, v: d["units"][0].update(id=v), "units[1].id"),
    ("LearningUnit.title", lambda d, v: d["units"][0].update(title=v), "units[1].title"),
    ("Lesson.slug", lambda d, v: d["lessons"][0].update(slug=v), "slug"),
    ("Lesson.title", lambda d, v: d["lessons"][0].update(title=v), "(01-voltage): title"),
    ("Item.key", lambda d, v: d["items"][0].update(id=v), "id"),
    ("Item.answer_text", lambda d, v: d["items"][1].update(answer=v), "item ohm-num: answer"),
    ("Item.ask", lambda d, v: d["items"][2].update(ask=v), "item divider-circuit: ask"),
    ("Choice.text", lambda d, v: d["items"][0]["choices"][2].update(text=v),
     "item ohm-mc: choices[3].text"),
]


def _max_length(column: str) -> int:
    from django.apps import apps

    model, name = column.split(".")
    return apps.get_model("tutor", model)._meta.get_field(name).max_length


@pytest.mark.parametrize(("column", "change", "field"), _LONG_FIELDS)
def test_text_longer_than_its_column_is_refused(mini_course_path, tmp_path, column, change, field):
    limit = _max_length(column)
    value = _n_long(column, limit + 1)
    err = _refusal(_single_file(mini_course_path, tmp_path, lambda d: change(d, value)))
    assert f"{field}: is {limit + 1} characters long, at most {limit} allowed" in err


@pytest.mark.parametrize(("column", "change", "field"), _LONG_FIELDS)
def test_text_as_long_as_its_column_is_imported_whole(mini_course_path, tmp_path, teacher,
                                                      column, change, field):
    from django.apps import apps

    value = _n_long(column, _max_length(column))
    spec = load_course(_single_file(mini_course_path, tmp_path, lambda d: change(d, value)))
    course_import(spec=spec, actor=teacher)
    model, name = column.split(".")
    assert apps.get_model("tutor", model).objects.filter(**{name: value}).exists()


def test_item_file_name_longer_than_its_column_is_refused(mini_course_path, teacher):
    limit = _max_length("Item.source_file")
    items = mini_course_path / "items"
    fits = f"{'a' * (limit - len('items/.yaml'))}.yaml"
    (items / "ohm.yaml").rename(items / fits)
    course_import(spec=load_course(mini_course_path), actor=teacher)
    assert Item.objects.filter(source_file=f"items/{fits}").count() == 4
    (items / fits).rename(items / f"a{fits}")
    err = _refusal(mini_course_path)
    assert f"with its folder is {limit + 1} characters long, at most {limit} allowed" in err


def test_upload_help_and_limits_agree(mini_course_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tutor.coursefiles import MAX_FILE_BYTES, MAX_ZIP_BYTES, mib
    from tutor.forms import CourseUploadForm

    help_text = str(CourseUploadForm().fields["file"].help_text)
    assert f".yaml file of at most {mib(MAX_FILE_BYTES)}" in help_text
    assert f".zip of a course folder of at most {mib(MAX_ZIP_BYTES)}" in help_text
    big = b"#" * (MAX_FILE_BYTES + 1)
    form = CourseUploadForm(files={"file": SimpleUploadedFile("big.yaml", big)})
    assert not form.is_valid()
    assert f"a .yaml file may be {mib(MAX_FILE_BYTES)} at most" in form.errors["file"][0]
    assert CourseUploadForm(files={"file": SimpleUploadedFile("big.zip", big)}).is_valid()
    too_big = b"#" * (MAX_ZIP_BYTES + 1)
    form = CourseUploadForm(files={"file": SimpleUploadedFile("huge.zip", too_big)})
    assert f"a .zip file may be {mib(MAX_ZIP_BYTES)} at most" in form.errors["file"][0]


def _upload(name: str, data: bytes):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p, t: ("mini.yaml", _single_file(p, t, lambda d: d.update(misconceptions=5))
                       .read_bytes()), "mini.yaml: misconceptions: must be a list"),
        (lambda p, t: ("mini.yaml", _single_file(p, t, lambda d: d.update(title="T" * 201))
                       .read_bytes()), "mini.yaml: title: is 201 characters long"),
        (lambda p, t: ("mini.zip", _zip({**_mini_files(p), "mini-course/lessons": "x"})),
         "mini.zip: mini-course/lessons: is both a file and a folder"),
        (lambda p, t: ("mini.zip", _zip({**_mini_files(p), "x" * 300: "x"})),
         "longer than 255 bytes"),
        (lambda p, t: ("mini.zip", _zip(_mini_files(p)).replace(b"id: ohm-mc", b"id: ohm-mX")),
         "mini.zip: mini-course/items/ohm.yaml: is damaged"),
        (lambda p, t: ("mini.zip", _zip({"readme.txt": "x"})), "mini.zip: course.yaml: is missing"),
        (lambda p, t: ("é" * 200 + ".yaml", b"format: 1\n"), "That file name is too long"),
    ],
)
def test_studio_upload_of_a_malformed_course_shows_the_problem_and_writes_nothing(
        client, teacher, mini_course_path, tmp_path, make, expected):
    from django.urls import reverse

    name, data = make(mini_course_path, tmp_path)
    client.force_login(teacher)
    response = client.post(reverse("studio-import"), {"file": _upload(name, data)})
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert Course.objects.count() == 0 and Concept.objects.count() == 0


def test_a_zip_made_with_backslashes_imports_whole(mini_course_path):
    # zipfile turns '\' into '/' only on Windows: here such a zip used to import with no
    # lessons and no items (and so retire every item of the course it replaced)
    files = {k.replace("/", "\\"): v for k, v in _mini_files(mini_course_path).items()}
    spec = load_course_zip(_zip(files))
    assert len(spec.lessons) == 2 and len(spec.items) == 4
    assert "unsafe path" in _zip_refusal(_zip({"..\\..\\evil.yaml": "format: 1"}))


def test_a_zip_member_with_an_absolute_path_is_refused(tmp_path):
    target = tmp_path / "abs-evil.yaml"
    assert "unsafe path" in _zip_refusal(_zip({str(target): "format: 1"}))
    assert not target.exists()


def test_empty_lists_may_be_written_any_empty_way_and_blank_hints_are_dropped(
        mini_course_path, tmp_path):
    def change(d):  # type: ignore[no-untyped-def]
        d.update(misconceptions={}, units="")
        d["items"][1].update(hints="")
        d["items"][0].update(hints=["  ", "Use V = I R."])
        for it in d["items"]:  # the misconceptions are gone, so are their tags
            for ch in it.get("choices", []):
                ch.pop("misconception", None)

    spec = load_course(_single_file(mini_course_path, tmp_path, change))
    assert spec.misconceptions == [] and spec.units == []
    hints = {it.id: it.hints for it in spec.items}
    assert hints["ohm-num"] == [] and hints["ohm-mc"] == ["Use V = I R."]


def test_a_zip_upload_may_have_a_long_name():
    from tutor.forms import CourseUploadForm

    form = CourseUploadForm(files={"file": _upload("é" * 200 + ".zip", b"PK")})
    assert form.is_valid(), form.errors  # its name never reaches the disk


# ------------------------------------ what the folder holds is read, or refused: never skipped


@pytest.mark.parametrize("name", ["A.YAML", "ohm.Yml", "ohm.yml", "x.yaml.YAML"])
def test_a_course_whose_item_files_have_any_name_folder_file_accepts_imports_its_download_whole(
        mini_course_path, teacher, tmp_path, name):
    # folder_file: A.YAML was accepted, the zip download wrote items/A.YAML, and importing
    # that zip said "Imported" and retired every item of the course
    from tutor.coursefiles import course_file_bytes

    single = _single_file(mini_course_path, tmp_path,
                          lambda d: [it.update(folder_file=name) for it in d["items"]])
    course = course_import(spec=load_course(single), actor=teacher)
    data = course_file_bytes(course_spec_export(course=course), "zip")
    assert f"mini/items/{name}" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    back = load_course_zip(data, name="mini.zip")
    course_import(spec=back, actor=teacher)
    assert course.items.filter(is_active=True).count() == 4
    assert _normalised(back) == _normalised(load_course(mini_course_path))


def test_a_folder_file_longer_than_a_file_name_may_be_is_refused(mini_course_path, tmp_path):
    # 130 characters fit the column, but not a file name of 255 bytes: the download failed
    name = "é" * 130 + ".yaml"
    single = _single_file(mini_course_path, tmp_path,
                          lambda d: d["items"][0].update(folder_file=name))
    err = _refusal(single)
    assert "mini.yaml: item ohm-mc: folder_file: 'ééé" in err
    assert ".yaml' is longer than 255 bytes, the most for a file name" in err


def test_lesson_files_are_read_whatever_the_case_of_md(mini_course_path):
    lessons = mini_course_path / "lessons"
    (lessons / "01-voltage.md").rename(lessons / "01-voltage.MD")
    spec = load_course(mini_course_path)
    assert [le.slug for le in spec.lessons] == ["01-voltage", "02-ohms-law"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("items/dc/01-charge.yaml", "items/dc: is a folder, and only .yaml or .yml files of items "
                                    "directly in items/ are read: move its files up into items/"),
        ("items/notes.txt", "items/notes.txt: is not read: items/ holds only .yaml or .yml files"),
        ("items/ohm.yaml~", "items/ohm.yaml~: is not read"),
        ("lessons/extra/03-more.md", "lessons/extra: is a folder, and only .md files (one per "
                                     "lesson) directly in lessons/ are read"),
        ("lessons/03-more.markdown", "lessons/03-more.markdown: is not read: lessons/ holds only "
                                     ".md files"),
        ("Items/more.yaml", "Items: is not read: the folder must be named items"),
    ],
)
def test_a_file_or_folder_in_items_or_lessons_that_is_not_read_is_refused(
        mini_course_path, teacher, capsys, path, expected):
    target = mini_course_path / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text((mini_course_path / "items" / "ohm.yaml").read_text())
    assert expected in _import_fails(mini_course_path, teacher, capsys)


def test_items_that_is_a_file_not_a_folder_is_refused(mini_course_path):
    import shutil

    shutil.rmtree(mini_course_path / "items")
    (mini_course_path / "items").write_text("- id: x\n")
    assert "items: must be a folder of .yaml or .yml files of items" in _refusal(mini_course_path)


def test_a_subfolder_of_items_in_a_zip_is_refused_by_its_path_in_the_zip(mini_course_path):
    files = _mini_files(mini_course_path)
    files["mini-course/items/dc/ohm.yaml"] = files.pop("mini-course/items/ohm.yaml")
    assert "mini-course/items/dc: is a folder" in _zip_refusal(_zip(files))


def test_hidden_files_of_the_system_or_of_git_are_passed_over(mini_course_path):
    (mini_course_path / "items" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (mini_course_path / "lessons" / ".gitkeep").write_text("")
    spec = load_course(mini_course_path)
    assert len(spec.items) == 4 and len(spec.lessons) == 2


# ------------------------------------------------ YAML that would lose text unseen is refused


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("course.yaml", "slug: mini\n", "slug: mini\nslug: mini-2\n",
         "course.yaml: line 3: key 'slug' is given twice (on lines 2 and 3): keep one"),
        ("items/ohm.yaml", "  kind: numeric\n", "  kind: numeric\n  kind: circuit\n",
         "items/ohm.yaml: line 15: key 'kind' is given twice (on lines 14 and 15)"),
        ("lessons/01-voltage.md", "title: Voltage\n", "title: Voltage\ntitle: Volts\n",
         "lessons/01-voltage.md: line 3: key 'title' is given twice (on lines 2 and 3)"),
    ],
)
def test_a_key_given_twice_in_one_mapping_is_refused_with_its_line(
        mini_course_path, teacher, capsys, file, old, new, expected):
    path = mini_course_path / file
    assert path.read_text().count(old) == 1
    path.write_text(path.read_text().replace(old, new))
    err = _import_fails(mini_course_path, teacher, capsys)
    assert expected in err and "given twice" in err


def test_a_yaml_merge_key_may_still_override_what_it_merges(mini_course_path):
    path = mini_course_path / "items" / "ohm.yaml"
    path.write_text(path.read_text().replace("- id: ohm-num\n", "- &num\n  id: ohm-num\n", 1)
                    + "- <<: *num\n  id: ohm-num-2\n")
    assert [it.id for it in load_course(mini_course_path).items][-1] == "ohm-num-2"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["items"][1].update(hint=["Use V = I R."]),
         "mini.yaml: item ohm-num: hint: unknown field (did you mean 'hints'?)"),
        (lambda d: d["items"][1].update(explanaton="V = I R."),
         "mini.yaml: item ohm-num: explanaton: unknown field (did you mean 'explanation'?)"),
        (lambda d: d["items"][0]["choices"][0].update(corect=True),
         "mini.yaml: item ohm-mc: choices[1].corect: unknown field (did you mean 'correct'?)"),
        (lambda d: d["items"][0].update(solution="2 A"),
         "mini.yaml: item ohm-mc: solution: unknown field (an item has id, kind, concepts,"),
        (lambda d: d.update(titel="Mini"), "mini.yaml: titel: unknown field (did you mean 'title'?)"),
        (lambda d: d["concepts"][0].update(sumary="V"),
         "mini.yaml: concepts[1].sumary: unknown field (did you mean 'summary'?)"),
        (lambda d: d["misconceptions"][0].update(descripton="x"),
         "mini.yaml: misconceptions[1].descripton: unknown field (did you mean 'description'?)"),
        (lambda d: d["units"][0].update(minute=5),
         "mini.yaml: units[1].minute: unknown field (did you mean 'minutes'?)"),
        (lambda d: d["lessons"][0].update(concept=["voltage"]),
         "mini.yaml: lessons[1] (01-voltage): concept: unknown field (did you mean 'concepts'?)"),
        (lambda d: d["items"][0].update({7: "x"}), "mini.yaml: item ohm-mc: 7: unknown field"),
    ],
)
def test_an_unknown_field_of_a_single_file_is_refused_with_the_nearest_known_one(
        mini_course_path, tmp_path, change, expected):
    assert expected in _refusal(_single_file(mini_course_path, tmp_path, change))


def test_unknown_fields_of_a_folder_are_refused_with_file_and_field(mini_course_path, teacher,
                                                                    capsys):
    _edit_yaml(mini_course_path / "course.yaml", lambda d: d.update(items=[], Title="Mini"))
    _edit_yaml(mini_course_path / "items" / "ohm.yaml", lambda d: d[0].update(hint="V = I R"))
    lesson = mini_course_path / "lessons" / "01-voltage.md"
    lesson.write_text(lesson.read_text().replace("title: Voltage\n",
                                                 "title: Voltage\nslug: volts\nordre: 2\n"))
    err = _import_fails(mini_course_path, teacher, capsys)
    assert ("course.yaml: items: unknown field (in a folder, items are in files "
            "items/NAME.yaml)") in err
    assert "course.yaml: Title: unknown field (did you mean 'title'?)" in err
    assert "items/ohm.yaml: item ohm-mc: hint: unknown field (did you mean 'hints'?)" in err
    assert ("lessons/01-voltage.md: slug: unknown field (a lesson's slug is its file name)"
            in err)
    assert "lessons/01-voltage.md: ordre: unknown field (did you mean 'order'?)" in err


def test_every_field_the_export_writes_is_a_known_one(mini_course_path, tmp_path):
    # every kind, every optional field: a course's own export must import again
    from tutor.coursefiles import (
        CHOICE_FIELDS,
        CONCEPT_FIELDS,
        COURSE_FIELDS,
        ITEM_FIELDS,
        LESSON_FIELDS,
        SINGLE_FILE_FIELDS,
        SINGLE_FILE_LESSON_FIELDS,
        UNIT_FIELDS,
    )

    spec = load_course(mini_course_path)
    for it in spec.items:
        it.explanation, it.hints = "Because.", ["Look again."]
    single = yaml.safe_load(write_course(spec, tmp_path / "mini.yaml").read_text())
    folder = write_course(spec, tmp_path / "out")
    header = yaml.safe_load((folder / "course.yaml").read_text())
    assert set(header) <= set(COURSE_FIELDS) and set(single) <= set(SINGLE_FILE_FIELDS)
    assert {k for c in single["concepts"] for k in c} <= set(CONCEPT_FIELDS)
    assert {k for u in single["units"] for k in u} <= set(UNIT_FIELDS)
    assert {k for le in single["lessons"] for k in le} == set(SINGLE_FILE_LESSON_FIELDS)
    assert {k for it in single["items"] for k in it} == set(ITEM_FIELDS)
    assert {k for it in single["items"] for ch in it.get("choices", []) for k in ch} == set(
        CHOICE_FIELDS)
    front = (folder / "lessons" / "01-voltage.md").read_text().split("---")[1]
    assert set(yaml.safe_load(front)) == set(LESSON_FIELDS)
    assert _normalised(load_course(tmp_path / "mini.yaml")) == _normalised(load_course(folder))
