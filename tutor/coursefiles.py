"""Course files: read, validate and write the format of docs/course-format.md.

``load_course(path)`` turns a folder, a single YAML file or a zip of a folder into
a :class:`CourseSpec`, after checking everything and collecting every problem with
its file and field; ``write_course(spec, path)`` writes the folder (or single-file)
form back. The import service turns a spec into rows in one transaction; the export
service turns rows into a spec. No ORM here, but for one look at the models: the
sizes of their text columns, so that a value too long for its column is refused
with its file and field rather than by the database.
"""

from __future__ import annotations

import difflib
import functools
import io
import lzma
import re
import reprlib
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from knowledge_graph.graph import find_cycle

__all__ = [
    "ChoiceSpec",
    "ConceptSpec",
    "CourseFileError",
    "CourseSpec",
    "CourseValidationError",
    "ItemSpec",
    "LessonSpec",
    "MisconceptionSpec",
    "UnitSpec",
    "load_course",
    "load_course_zip",
    "write_course",
    "course_file_bytes",
]

FORMAT_VERSION = 1
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ITEM_KINDS = ("multiple_choice", "numeric", "circuit", "design")
UNIT_KINDS = ("lesson", "worked-example", "review", "practice")
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ZIP_BYTES = 20 * 1024 * 1024
MAX_ZIP_FILES = 2000
# The longest file or folder name (in bytes) that common file systems accept.
MAX_NAME_BYTES = 255

# The fields of each mapping, in the order the format describes them. Anything else is
# refused: an ignored "hint:" or "explanaton:" would lose the teacher's text unseen.
COURSE_FIELDS = ("format", "slug", "title", "description", "concepts", "misconceptions",
                 "units")
SINGLE_FILE_FIELDS = (*COURSE_FIELDS, "lessons", "items")
CONCEPT_FIELDS = ("id", "name", "summary", "prerequisites")
MISCONCEPTION_FIELDS = ("id", "description")
UNIT_FIELDS = ("id", "title", "kind", "covers", "minutes")
LESSON_FIELDS = ("title", "concepts", "order")  # the front matter of lessons/NAME.md
SINGLE_FILE_LESSON_FIELDS = ("slug", "title", "concepts", "order", "body")
ITEM_FIELDS = ("id", "kind", "concepts", "prompt", "explanation", "difficulty", "hints",
               "folder_file", "choices", "answer", "tolerance", "netlist", "ask", "constraints")
CHOICE_FIELDS = ("text", "correct", "misconception")


def mib(size: int) -> str:
    """``size`` in bytes as the MiB the limits above are stated in, for messages."""
    return f"{size / 1024 / 1024:g} MiB"


@dataclass(frozen=True)
class CourseFileError:
    file: str
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.reason}"


class CourseValidationError(ValueError):
    """The course files have problems; ``errors`` lists every one found."""

    def __init__(self, errors: list[CourseFileError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class ConceptSpec:
    id: str
    name: str
    summary: str = ""
    prerequisites: list[str] = field(default_factory=list)


@dataclass
class MisconceptionSpec:
    id: str
    description: str


@dataclass
class UnitSpec:
    id: str
    title: str
    covers: list[str]
    kind: str = "lesson"
    minutes: int = 20


@dataclass
class LessonSpec:
    slug: str
    title: str
    concepts: list[str]
    order: int
    body: str
    # where it came from, for messages ("lessons/x.md", or "course.yaml" and
    # "lessons[2] (x): " in a single file); not exported
    file: str = ""
    where: str = ""


@dataclass
class ChoiceSpec:
    text: str
    correct: bool = False
    misconception: str | None = None


@dataclass
class ItemSpec:
    id: str
    kind: str
    concepts: list[str]
    prompt: str
    explanation: str = ""
    difficulty: float = 0.0
    hints: list[str] = field(default_factory=list)
    choices: list[ChoiceSpec] = field(default_factory=list)
    answer: str = ""
    tolerance: float = 0.01
    netlist: str = ""
    ask: str = ""
    constraints: list[str] = field(default_factory=list)
    file: str = ""  # where it came from, for messages; not exported
    # In the single-file form: the items/ file of the folder form it belongs in, so that
    # a course exported as one file and imported again exports to the same folder.
    folder_file: str = ""


@dataclass
class CourseSpec:
    slug: str
    title: str
    description: str = ""
    concepts: list[ConceptSpec] = field(default_factory=list)
    misconceptions: list[MisconceptionSpec] = field(default_factory=list)
    units: list[UnitSpec] = field(default_factory=list)
    lessons: list[LessonSpec] = field(default_factory=list)
    items: list[ItemSpec] = field(default_factory=list)

    def concept_ids(self) -> list[str]:
        return [c.id for c in self.concepts]


# ---------------------------------------------------------------------------- reading


class _Collector:
    """Gathers problems so that one import run reports all of them."""

    def __init__(self) -> None:
        self.errors: list[CourseFileError] = []

    def add(self, file: str, field_: str, reason: str) -> None:
        self.errors.append(CourseFileError(file, field_, reason))

    def has(self, file: str) -> bool:
        """Whether ``file`` already has a problem (so a follow-on one is not added)."""
        return any(e.file == file for e in self.errors)


# Values quoted in messages are cut short: a file may hold a huge one, and a YAML alias
# can make a list of a billion entries out of a few lines.
_repr = reprlib.Repr()
_repr.maxstring = _repr.maxother = 60
_repr.maxlevel = 2


def _shown(value: Any) -> str:
    return _repr.repr(value)


def _cut(name: str, size: int = 100) -> str:
    """A name quoted in a message, shortened in the middle when very long."""
    return name if len(name) <= size else f"{name[:size - 30]}...{name[-27:]}"


@functools.cache
def _max_length(column: str) -> int:
    """The size of the text column ``"Model.field"`` of tutor.models."""
    from django.apps import apps  # lazily, so this module imports before the app registry

    model, name = column.split(".")
    limit = getattr(apps.get_model("tutor", model)._meta.get_field(name), "max_length", None)
    if not isinstance(limit, int):
        raise LookupError(f"{column} is not a text column with a size")
    return limit


def _fits(text: str, column: str, file: str, field_: str, errs: _Collector) -> None:
    # SQLite would store a longer value; PostgreSQL refuses it with an error at write.
    limit = _max_length(column)
    if len(text) > limit:
        errs.add(file, field_, f"is {len(text)} characters long, at most {limit} allowed")


def _text_problem(text: str) -> str | None:
    """Why a database would refuse ``text``: YAML escapes can write both of these."""
    if "\x00" in text:
        return "must not hold a NUL character (\\0)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        return (f"holds U+{code:04X}, half of a surrogate pair: write a character beyond "
                "U+FFFF as itself or as \\UXXXXXXXX")
    return None


class _DuplicateKey(yaml.constructor.ConstructorError):
    """A key given twice in one mapping, which PyYAML would settle by keeping the last."""

    def __init__(self, key: Any, first: yaml.Mark, again: yaml.Mark) -> None:
        self.line = again.line + 1
        super().__init__(problem=f"{_shown(key)} is given twice (on lines {first.line + 1} and "
                                 f"{self.line}): keep one", problem_mark=again)


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing a mapping that gives one key twice."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, yaml.Mark] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # "<<: *base" then a key of its own overrides on purpose
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.setdefault(key, key_node.start_mark)
                except TypeError:
                    continue  # unhashable: the safe loader refuses it below
                if first is not key_node.start_mark:
                    raise _DuplicateKey(key, first, key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


def _yaml(text: str, file: str, errs: _Collector) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except _DuplicateKey as exc:
        errs.add(file, f"line {exc.line}", f"key {exc.problem}")
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        errs.add(file, where, f"not valid YAML: {problem}")
    except RecursionError:  # PyYAML composes nested lists and mappings recursively
        errs.add(file, "", "not valid YAML: lists or mappings nested too deeply")
    except ValueError as exc:
        # PyYAML leaves int() and date() to refuse some values (a number of thousands of
        # digits, 2024-02-30); their advice after ';' is for Python programmers.
        errs.add(file, "", f"not valid YAML: {str(exc).split(';')[0]}")
    return None


def _read_text(path: Path, file: str, errs: _Collector) -> str | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            errs.add(file, "", f"larger than {mib(MAX_FILE_BYTES)}, the most for one file")
            return None
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        errs.add(file, "", "not UTF-8 text")
    except OSError as exc:
        errs.add(file, "", f"cannot be read: {exc.strerror}")
    return None


def _known_fields(d: dict[Any, Any], fields: tuple[str, ...], what: str, file: str, where: str,
                  errs: _Collector, notes: dict[str, str] | None = None) -> None:
    """Refuse every key of ``d`` not in ``fields``, with the nearest one as a suggestion."""
    for key in d:
        if key in fields:
            continue
        name = key if isinstance(key, str) else _shown(key)
        close = difflib.get_close_matches(str(key), fields, n=1)
        if notes and key in notes:
            hint = notes[key]
        elif close:
            hint = f"did you mean {close[0]!r}?"
        else:
            hint = f"{what} has {', '.join(fields)}"
        errs.add(file, f"{where}{_cut(name)}", f"unknown field ({hint})")


def _str(d: dict[str, Any], key: str, file: str, where: str, errs: _Collector, *,
         required: bool = True, default: str = "", column: str = "") -> str:
    """The text at ``key``; ``column`` ("Model.field") is where it is stored, for its size."""
    value = d.get(key)
    if value is None:
        if required:
            errs.add(file, f"{where}{key}", "is required")
        return default
    if isinstance(value, bool):
        # YAML reads yes, no, on, off, true and false unquoted as booleans.
        errs.add(file, f"{where}{key}", f"must be text, got {str(value).lower()} (YAML reads "
                 "yes, no, on, off, true and false as true or false: put the text in quotes)")
        return default
    if not isinstance(value, str | int | float):
        errs.add(file, f"{where}{key}", f"must be text, got {type(value).__name__}")
        return default
    if required and not str(value).strip():
        errs.add(file, f"{where}{key}", "is required and must not be empty")
        return default
    keep_spacing = key in {"prompt", "explanation", "netlist", "body"}
    text = str(value) if keep_spacing else str(value).strip()
    problem = _text_problem(text)
    if problem is not None:
        errs.add(file, f"{where}{key}", problem)
        return default
    if column:
        _fits(text, column, file, f"{where}{key}", errs)
    return text


def _id(d: dict[str, Any], key: str, file: str, where: str, errs: _Collector, *,
        column: str) -> str:
    value = _str(d, key, file, where, errs, column=column)
    if value and not ID_RE.fullmatch(value):
        errs.add(file, f"{where}{key}",
                 f"{_shown(value)} must be lowercase letters, digits and hyphens")
    return value


def _id_list(d: dict[str, Any], key: str, file: str, where: str, errs: _Collector, *,
             required: bool = False) -> list[str]:
    value = d.get(key)
    if value is None:
        if required:
            errs.add(file, f"{where}{key}", "is required")
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errs.add(file, f"{where}{key}", "must be a list of ids")
        return []
    if required and not value:
        errs.add(file, f"{where}{key}", "must name at least one id")
    return [v.strip() for v in value]


def _list(d: dict[str, Any], key: str, file: str, where: str, errs: _Collector,
          what: str) -> list[Any]:
    """An optional list at ``key``: anything else is reported, never iterated."""
    value = d.get(key)
    if value is None or (not value and isinstance(value, str | dict)):
        return []  # "" and {} say "none" as well as [] does
    if not isinstance(value, list):
        errs.add(file, f"{where}{key}", f"must be a list of {what}, got {type(value).__name__}")
        return []
    return value


def _text_list(d: dict[str, Any], key: str, file: str, where: str, errs: _Collector,
               message: str) -> list[str] | None:
    """A list of texts at ``key`` (one text alone counts as a list); ``None`` if malformed."""
    value = d.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errs.add(file, f"{where}{key}", message)
        return None
    for j, text in enumerate(value, 1):
        problem = _text_problem(text)
        if problem is not None:
            errs.add(file, f"{where}{key}[{j}]", problem)
            return None
    return value


def _number(d: dict[str, Any], key: str, file: str, where: str, errs: _Collector,
            default: float, *, low: float, high: float) -> float:
    value = d.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        errs.add(file, f"{where}{key}", f"must be a number, got {_shown(value)}")
        return default
    # Compared before float(): an int of a few hundred digits does not fit in a float.
    if not low <= value <= high:
        errs.add(file, f"{where}{key}",
                 f"must be between {low:g} and {high:g}, got {_shown(value)}")
        return default
    return float(value)


def _parse_front_matter(text: str, file: str, errs: _Collector) -> tuple[dict[str, Any], str]:
    if not text.startswith("---"):
        errs.add(file, "front matter", "must start with a '---' line holding title and concepts")
        return {}, text
    parts = re.split(r"^---[ \t]*$", text, maxsplit=2, flags=re.MULTILINE)
    if len(parts) < 3:
        errs.add(file, "front matter", "has no closing '---' line")
        return {}, text
    meta = _yaml(parts[1], file, errs)
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        errs.add(file, "front matter", "must be a YAML mapping")
        meta = {}
    return meta, parts[2].lstrip("\n")


# Keys of the single-file form that a folder's course.yaml holds as files instead.
_FOLDER_NOTES = {
    "lessons": "in a folder, each lesson is a file lessons/NAME.md",
    "items": "in a folder, items are in files items/NAME.yaml",
}


def _course_header(data: Any, file: str, errs: _Collector, *,
                   single_file: bool = False) -> CourseSpec | None:
    if not isinstance(data, dict):
        if data is not None or not errs.has(file):  # None after a YAML error said so
            errs.add(file, "", "must be a YAML mapping with format, slug, title and concepts")
        return None
    if single_file:
        _known_fields(data, SINGLE_FILE_FIELDS, "a course file", file, "", errs)
    else:
        _known_fields(data, COURSE_FIELDS, "course.yaml", file, "", errs, _FOLDER_NOTES)
    fmt = data.get("format")
    if fmt != FORMAT_VERSION:
        errs.add(file, "format", f"must be {FORMAT_VERSION}, got {_shown(fmt)}")
    spec = CourseSpec(
        slug=_id(data, "slug", file, "", errs, column="Course.slug"),
        title=_str(data, "title", file, "", errs, column="Course.title"),
        description=_str(data, "description", file, "", errs, required=False),
    )
    concepts = data.get("concepts")
    if not isinstance(concepts, list) or not concepts:
        errs.add(file, "concepts", "must be a non-empty list")
        concepts = []
    for i, c in enumerate(concepts, 1):
        where = f"concepts[{i}]."
        if not isinstance(c, dict):
            errs.add(file, f"concepts[{i}]", "must be a mapping with id and name")
            continue
        _known_fields(c, CONCEPT_FIELDS, "a concept", file, where, errs)
        spec.concepts.append(ConceptSpec(
            id=_id(c, "id", file, where, errs, column="Concept.key"),
            name=_str(c, "name", file, where, errs, column="Concept.name"),
            summary=_str(c, "summary", file, where, errs, required=False,
                         column="Concept.summary"),
            prerequisites=_id_list(c, "prerequisites", file, where, errs),
        ))
    misconceptions = _list(data, "misconceptions", file, "", errs, "mappings")
    for i, m in enumerate(misconceptions, 1):
        where = f"misconceptions[{i}]."
        if not isinstance(m, dict):
            errs.add(file, f"misconceptions[{i}]", "must be a mapping with id and description")
            continue
        _known_fields(m, MISCONCEPTION_FIELDS, "a misconception", file, where, errs)
        spec.misconceptions.append(MisconceptionSpec(
            id=_id(m, "id", file, where, errs, column="Misconception.key"),
            description=_str(m, "description", file, where, errs),
        ))
    for i, u in enumerate(_list(data, "units", file, "", errs, "mappings"), 1):
        where = f"units[{i}]."
        if not isinstance(u, dict):
            errs.add(file, f"units[{i}]", "must be a mapping with id, title and covers")
            continue
        _known_fields(u, UNIT_FIELDS, "a unit", file, where, errs)
        kind = _str(u, "kind", file, where, errs, required=False, default="lesson")
        if kind not in UNIT_KINDS:
            errs.add(file, f"{where}kind",
                     f"must be one of {', '.join(UNIT_KINDS)}, got {_shown(kind)}")
        spec.units.append(UnitSpec(
            id=_id(u, "id", file, where, errs, column="LearningUnit.key"),
            title=_str(u, "title", file, where, errs, column="LearningUnit.title"),
            covers=_id_list(u, "covers", file, where, errs, required=True),
            kind=kind,
            minutes=int(_number(u, "minutes", file, where, errs, 20, low=1, high=600)),
        ))
    return spec


def _lesson(meta: dict[str, Any], body: str, slug: str, order: int, file: str, where: str,
            errs: _Collector) -> LessonSpec:
    """A lesson of ``file``; ``where`` prefixes its fields ("lessons[2] (x): " in one file)."""
    if slug:
        if not ID_RE.fullmatch(slug):
            errs.add(file, f"{where}slug",
                     f"{_shown(slug)} must be lowercase letters, digits and hyphens")
        _fits(slug, "Lesson.slug", file, f"{where}slug", errs)
    problem = _text_problem(body)
    if problem is not None:
        errs.add(file, f"{where}body", problem)
    elif not body.strip():
        errs.add(file, f"{where}body", "is empty")
    return LessonSpec(
        slug=slug,
        title=_str(meta, "title", file, where, errs, column="Lesson.title"),
        concepts=_id_list(meta, "concepts", file, where, errs, required=True),
        order=int(_number(meta, "order", file, where, errs, order, low=0, high=100000)),
        body=body,
        file=file,
        where=where,
    )


def _folder_file(d: dict[str, Any], file: str, where: str, errs: _Collector) -> str:
    """The optional ``folder_file`` of an item: a plain file name in ``items/``.

    Whatever the folder form can hold is accepted (export writes the name an item was
    read from, so refusing more would refuse a course's own download): no folder, not
    hidden, ending in .yaml or .yml, short enough for ``Item.source_file``.
    """
    name = _str(d, "folder_file", file, where, errs, required=False)
    if not name:
        return ""
    limit = _max_length("Item.source_file") - len("items/")
    if ("/" in name or "\\" in name or name.startswith(".") or len(name) > limit
            or not _is_items_file(name)):
        errs.add(file, f"{where}folder_file",
                 f"{_shown(name)} must be a file name ending in .yaml (no folders, not hidden, "
                 f"at most {limit} characters)")
        return ""
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:  # export could not write it, nor a zip hold it
        errs.add(file, f"{where}folder_file",
                 f"{_shown(name)} is longer than {MAX_NAME_BYTES} bytes, the most for a file name")
        return ""
    return name


def _item(d: Any, file: str, index: int, errs: _Collector) -> ItemSpec | None:
    if not isinstance(d, dict):
        errs.add(file, f"item #{index}", "must be a mapping")
        return None
    label = _cut(d["id"]) if isinstance(d.get("id"), str) else f"#{index}"
    where = f"item {label}: "
    _known_fields(d, ITEM_FIELDS, "an item", file, where, errs)
    kind = _str(d, "kind", file, where, errs)
    if kind and kind not in ITEM_KINDS:
        errs.add(file, f"{where}kind",
                 f"must be one of {', '.join(ITEM_KINDS)}, got {_shown(kind)}")
    # a blank hint would show as an empty step of help: drop it, as before lists
    hints = [h for h in _text_list(d, "hints", file, where, errs, "must be a list of texts")
             or [] if h.strip()]
    item = ItemSpec(
        id=_id(d, "id", file, where, errs, column="Item.key"),
        kind=kind,
        concepts=_id_list(d, "concepts", file, where, errs, required=True),
        prompt=_str(d, "prompt", file, where, errs),
        explanation=_str(d, "explanation", file, where, errs, required=False),
        difficulty=_number(d, "difficulty", file, where, errs, 0.0, low=-6, high=6),
        hints=list(hints),
        tolerance=_number(d, "tolerance", file, where, errs, 0.01, low=1e-6, high=0.5),
        file=file,
        folder_file=_folder_file(d, file, where, errs),
    )
    if kind == "multiple_choice":
        choices = d.get("choices")
        if not isinstance(choices, list) or len(choices) < 2:
            errs.add(file, f"{where}choices", "must list at least two choices")
            choices = []
        for j, ch in enumerate(choices, 1):
            cw = f"{where}choices[{j}]."
            if not isinstance(ch, dict):
                errs.add(file, f"{where}choices[{j}]", "must be a mapping with text")
                continue
            _known_fields(ch, CHOICE_FIELDS, "a choice", file, cw, errs)
            correct = ch.get("correct", False)
            if not isinstance(correct, bool):
                errs.add(file, f"{cw}correct", "must be true or false")
                correct = False
            mis = ch.get("misconception")
            if mis is not None and not isinstance(mis, str):
                errs.add(file, f"{cw}misconception", "must be an id")
                mis = None
            text = _str(ch, "text", file, cw, errs, column="Choice.text")
            item.choices.append(ChoiceSpec(text, correct, mis))
        if choices and sum(c.correct for c in item.choices) != 1:
            errs.add(file, f"{where}choices", "exactly one choice must be correct")
    elif kind == "design":
        constraints = _text_list(d, "constraints", file, where, errs,
                                 "must list at least one constraint")
        if constraints == []:
            errs.add(file, f"{where}constraints", "must list at least one constraint")
        item.constraints = [c.strip() for c in constraints or []]
        item.netlist = _str(d, "netlist", file, where, errs, required=False)
        _check_design(item, file, where, errs)
    elif kind in {"numeric", "circuit"}:
        item.answer = _str(d, "answer", file, where, errs, column="Item.answer_text")
        if item.answer:
            _check_answer(item.answer, file, f"{where}answer", errs)
        if kind == "circuit":
            item.netlist = _str(d, "netlist", file, where, errs)
            item.ask = _str(d, "ask", file, where, errs, column="Item.ask")
            _check_circuit(item, file, where, errs)
    return item


def _check_answer(text: str, file: str, field_: str, errs: _Collector) -> None:
    from circuits.errors import CircuitError
    from circuits.units import parse_quantity

    try:
        parse_quantity(text)
    except CircuitError as exc:
        errs.add(file, field_, f"bad unit or number in {text!r}: {exc}")


def _check_circuit(item: ItemSpec, file: str, where: str, errs: _Collector) -> None:
    from circuits.ask import parse_ask
    from circuits.errors import CircuitError
    from circuits.netlist import parse_netlist

    if item.netlist:
        try:
            parse_netlist(item.netlist)
        except CircuitError as exc:
            errs.add(file, f"{where}netlist", str(exc))
    if item.ask:
        try:
            parse_ask(item.ask)
        except CircuitError as exc:
            errs.add(file, f"{where}ask", str(exc))


def _check_design(item: ItemSpec, file: str, where: str, errs: _Collector) -> None:
    from circuits.design import parse_constraint
    from circuits.errors import CircuitError
    from circuits.netlist import parse_elements

    for j, text in enumerate(item.constraints, 1):
        try:
            parse_constraint(text)
        except CircuitError as exc:
            errs.add(file, f"{where}constraints[{j}]", str(exc))
    if item.netlist:  # the given part of the circuit: it need not be complete
        try:
            parse_elements(item.netlist)
        except CircuitError as exc:
            errs.add(file, f"{where}netlist", str(exc))


def _cross_check(spec: CourseSpec, course_file: str, errs: _Collector) -> None:
    """References, uniqueness and the acyclic prerequisite relation."""
    concept_ids = spec.concept_ids()
    known = set(concept_ids)
    misconceptions = {m.id for m in spec.misconceptions}

    def dupes(ids: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        return {i for i in ids if i and (i in seen or seen.add(i))}  # type: ignore[func-returns-value]

    for d in sorted(dupes(concept_ids)):
        errs.add(course_file, "concepts", f"concept id {d!r} appears more than once")
    for d in sorted(dupes(m.id for m in spec.misconceptions)):
        errs.add(course_file, "misconceptions", f"misconception id {d!r} appears more than once")
    for d in sorted(dupes(u.id for u in spec.units)):
        errs.add(course_file, "units", f"unit id {d!r} appears more than once")
    seen_lessons: set[str] = set()
    for le in spec.lessons:
        if le.slug and le.slug in seen_lessons:
            errs.add(le.file, f"{le.where}slug", f"lesson slug {le.slug!r} appears more than once")
        seen_lessons.add(le.slug)
    seen_items: dict[str, str] = {}
    for it in spec.items:
        if it.id in seen_items:
            errs.add(it.file, f"item {it.id}: id", f"also used in {seen_items[it.id]}")
        seen_items.setdefault(it.id, it.file)

    edges: list[tuple[str, str]] = []
    for c in spec.concepts:
        # Each prerequisite is one row, unique per pair: a repeated one could not be written.
        for p in sorted(dupes(c.prerequisites)):
            errs.add(course_file, f"concept {c.id}: prerequisites", f"lists {p!r} more than once")
        for p in c.prerequisites:
            if p not in known:
                errs.add(course_file, f"concept {c.id}: prerequisites",
                         f"unknown concept {p!r}")
            elif p == c.id:
                errs.add(course_file, f"concept {c.id}: prerequisites", "lists itself")
            else:
                edges.append((p, c.id))
    cycle = find_cycle(concept_ids, edges)
    if cycle is not None:
        errs.add(course_file, "concepts", "prerequisite cycle: " + " -> ".join(cycle))
    for u in spec.units:
        for cid in u.covers:
            if cid not in known:
                errs.add(course_file, f"unit {u.id}: covers", f"unknown concept {cid!r}")
    for le in spec.lessons:
        for cid in le.concepts:
            if cid not in known:
                errs.add(le.file, f"{le.where}concepts", f"unknown concept {cid!r}")
    for it in spec.items:
        for cid in it.concepts:
            if cid not in known:
                errs.add(it.file, f"item {it.id}: concepts", f"unknown concept {cid!r}")
        for j, ch in enumerate(it.choices, 1):
            if ch.misconception is not None and ch.misconception not in misconceptions:
                errs.add(it.file, f"item {it.id}: choices[{j}].misconception",
                         f"unknown misconception {ch.misconception!r}")


def _items_from(data: Any, file: str, errs: _Collector, start: int, *,
                field_: str = "") -> list[ItemSpec]:
    if data is None:
        return []
    if not isinstance(data, list):
        errs.add(file, field_, "must be a YAML list of items")
        return []
    out = []
    for i, d in enumerate(data, start):
        item = _item(d, file, i - start + 1, errs)
        if item is not None:
            out.append(item)
    return out


def _load_single_file(path: Path, errs: _Collector) -> CourseSpec | None:
    file = path.name
    text = _read_text(path, file, errs)
    if text is None:
        return None
    data = _yaml(text, file, errs)
    spec = _course_header(data, file, errs, single_file=True)
    if spec is None:
        return None
    lessons = _list(data, "lessons", file, "", errs, "mappings")
    for i, le in enumerate(lessons, 1):
        if not isinstance(le, dict):
            errs.add(file, f"lessons[{i}]", "must be a mapping with slug, title, concepts and body")
            continue
        # Named by place and slug: there is no lessons/SLUG.md to point at.
        slug = le.get("slug")
        label = f" ({_cut(slug)})" if isinstance(slug, str) and slug.strip() else ""
        where = f"lessons[{i}]{label}: "
        _known_fields(le, SINGLE_FILE_LESSON_FIELDS, "a lesson", file, where, errs)
        body = le.get("body")
        if body is not None and not isinstance(body, str):
            errs.add(file, f"{where}body", f"must be text, got {type(body).__name__}")
        spec.lessons.append(_lesson(le, body if isinstance(body, str) else "",
                                    _str(le, "slug", file, where, errs), i, file, where, errs))
    spec.items = _items_from(data.get("items"), file, errs, 1, field_="items")
    _cross_check(spec, file, errs)
    return spec


# Keys of a single-file lesson that a lesson file holds otherwise.
_FRONT_MATTER_NOTES = {
    "slug": "a lesson's slug is its file name",
    "body": "the body follows the closing '---' line",
}


def _is_items_file(name: str) -> bool:
    """Whether ``items/NAME`` is read: also what ``folder_file`` accepts, so export writes
    only names that import reads back (a course's own download must import whole)."""
    return name.lower().endswith((".yaml", ".yml"))


def _is_lesson_file(name: str) -> bool:
    return name.lower().endswith(".md")


def _folder_files(root: Path, folder: str, is_read: Callable[[str], bool], what: str,
                  errs: _Collector) -> list[Path]:
    """The files of ``root/folder`` that are read, by name; anything else there is refused.

    A file or folder skipped unseen would drop lessons, or retire every item of the course
    it replaces, while the import reported success. Hidden names (.DS_Store, .gitkeep)
    belong to the system or to git and are passed over.
    """
    for entry in sorted(root.iterdir()):
        if entry.name != folder and entry.name.casefold() == folder:
            errs.add(entry.name, "", f"is not read: the folder must be named {folder}")
    path = root / folder
    if not path.exists():
        return []
    if not path.is_dir():
        errs.add(folder, "", f"must be a folder of {what}")
        return []
    read = []
    for entry in sorted(path.iterdir()):
        if entry.name.startswith("."):
            continue
        file = f"{folder}/{entry.name}"
        if entry.is_dir():
            errs.add(file, "", f"is a folder, and only {what} directly in {folder}/ are read: "
                               f"move its files up into {folder}/")
        elif not is_read(entry.name):
            errs.add(file, "", f"is not read: {folder}/ holds only {what}")
        else:
            read.append(entry)
    return read


def _load_folder(root: Path, errs: _Collector) -> CourseSpec | None:
    course_path = root / "course.yaml"
    if not course_path.is_file():
        errs.add(str(root.name or root), "course.yaml", "is missing")
        return None
    text = _read_text(course_path, "course.yaml", errs)
    if text is None:
        return None
    spec = _course_header(_yaml(text, "course.yaml", errs), "course.yaml", errs)
    if spec is None:
        return None
    lessons = _folder_files(root, "lessons", _is_lesson_file, ".md files (one per lesson)", errs)
    for i, path in enumerate(lessons, 1):
        file = f"lessons/{path.name}"
        body = _read_text(path, file, errs)
        if body is None:
            continue
        meta, content = _parse_front_matter(body, file, errs)
        _known_fields(meta, LESSON_FIELDS, "a lesson's front matter", file, "", errs,
                      _FRONT_MATTER_NOTES)
        spec.lessons.append(_lesson(meta, content, path.stem, i, file, "", errs))
    for path in _folder_files(root, "items", _is_items_file, ".yaml or .yml files of items", errs):
        file = f"items/{path.name}"
        # Items remember their file, so that export writes the same layout back.
        if len(file) > (limit := _max_length("Item.source_file")):
            errs.add(file, "", f"the name with its folder is {len(file)} characters long, "
                               f"at most {limit} allowed")
        body = _read_text(path, file, errs)
        if body is None:
            continue
        spec.items.extend(_items_from(_yaml(body, file, errs), file, errs, len(spec.items) + 1))
    _cross_check(spec, "course.yaml", errs)
    return spec


def load_course(path: str | Path) -> CourseSpec:
    """Read and validate a course folder, single YAML file, or zip of a folder.

    Raises
    ------
    CourseValidationError
        With every problem found, each naming its file and field.
    """
    path = Path(path)
    errs = _Collector()
    spec: CourseSpec | None
    if path.is_dir():
        spec = _load_folder(path, errs)
    elif path.is_file() and path.suffix.lower() == ".zip":
        return load_course_zip(path.read_bytes(), name=path.name)
    elif path.is_file() and path.suffix.lower() in {".yaml", ".yml"}:
        spec = _load_single_file(path, errs)
    elif path.exists():
        errs.add(path.name, "", "must be a course folder, a .yaml file or a .zip of a folder")
        spec = None
    else:
        errs.add(str(path), "", "does not exist")
        spec = None
    if errs.errors or spec is None:
        raise CourseValidationError(errs.errors)
    return spec


# What reading a member of a damaged archive raises: BadZipFile (a bad CRC or header),
# zlib.error, lzma.LZMAError, OSError (bzip2) or EOFError (corrupt or cut-off data),
# NotImplementedError (an unknown compression method), RuntimeError (encryption).
_UNREADABLE = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, OSError, EOFError,
               NotImplementedError, RuntimeError, ValueError)


def _unzip_problem(member: zipfile.ZipInfo, exc: Exception) -> str:
    if member.flag_bits & 0x1:
        return "is encrypted: zip the course without a password"
    if isinstance(exc, NotImplementedError):
        return f"is compressed in a way that cannot be read ({exc}): use the usual Deflate"
    return f"is damaged and cannot be read ({exc})"


def _zip_files(archive: zipfile.ZipFile, name: str,
               errs: _Collector) -> dict[tuple[str, ...], bytes]:
    """Every file of the archive by its path, each one read (so checked) here."""
    members: dict[tuple[str, ...], zipfile.ZipInfo] = {}
    folders: set[tuple[str, ...]] = set()
    for m in archive.infolist():
        shown = _cut(m.filename)
        # Zips made on Windows may separate with '\'; zipfile converts them only on
        # Windows, so here "lessons\x.md" was one odd top-level file and the course
        # imported with no lessons or items (retiring all of its items).
        rel = PurePosixPath(m.filename.replace("\\", "/"))
        # Refuse absolute paths and '..' so nothing lands outside the folder.
        if rel.is_absolute() or ".." in rel.parts:
            errs.add(name, shown, "unsafe path in archive")
            continue
        if any(len(part.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES for part in rel.parts):
            errs.add(name, shown, f"has a file or folder name longer than {MAX_NAME_BYTES} bytes")
            continue
        folders.update(rel.parts[:k] for k in range(1, len(rel.parts)))
        if m.filename.endswith("/"):  # ZipInfo.is_dir() fails on an empty name
            folders.add(rel.parts)
        elif not rel.parts:
            errs.add(name, repr(m.filename), "is not a file name")
        elif rel.parts in members:
            errs.add(name, shown, "appears more than once in the archive")
        else:
            members[rel.parts] = m
    files: dict[tuple[str, ...], bytes] = {}
    for parts, m in members.items():
        if parts in folders:
            errs.add(name, _cut(m.filename), "is both a file and a folder in the archive")
            continue
        try:
            files[parts] = archive.read(m)
        except _UNREADABLE as exc:
            errs.add(name, _cut(m.filename), _unzip_problem(m, exc))
    return files


def load_course_zip(data: bytes, *, name: str = "upload.zip") -> CourseSpec:
    """Validate a zip holding a course folder (at its top or one folder down).

    Raises
    ------
    CourseValidationError
        With every problem found: those of the archive as ``NAME: MEMBER: reason``, those
        of the course's files by their path in the archive.
    """
    import tempfile

    errs = _Collector()
    if len(data) > MAX_ZIP_BYTES:
        errs.add(name, "", f"larger than {mib(MAX_ZIP_BYTES)}")
        raise CourseValidationError(errs.errors)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        errs.add(name, "", "not a zip archive, or a damaged one")
        raise CourseValidationError(errs.errors) from None
    except NotImplementedError as exc:  # a version or feature of zip that Python cannot read
        errs.add(name, "", f"cannot be read: {exc}")
        raise CourseValidationError(errs.errors) from None
    members = archive.infolist()
    if len(members) > MAX_ZIP_FILES or sum(m.file_size for m in members) > MAX_ZIP_BYTES:
        errs.add(name, "", f"holds more than {MAX_ZIP_FILES} files or more than "
                           f"{mib(MAX_ZIP_BYTES)} once unpacked")
        raise CourseValidationError(errs.errors)
    files = _zip_files(archive, name, errs)
    if errs.errors:
        raise CourseValidationError(errs.errors)
    with tempfile.TemporaryDirectory(prefix="kirchhoff-course-") as tmp:
        root = Path(tmp)
        for parts, content in files.items():
            target = root.joinpath(*parts)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
            except OSError as exc:  # a path too long as a whole, say
                errs.add(name, _cut("/".join(parts)), f"cannot be unpacked: {exc.strerror}")
        if errs.errors:
            raise CourseValidationError(errs.errors)
        top, prefix = root, ""
        if not (root / "course.yaml").is_file():
            found = sorted(p for p in root.iterdir() if (p / "course.yaml").is_file())
            if len(found) != 1:
                reason = (f"found in several folders ({', '.join(p.name for p in found)}): "
                          "the zip must hold one course" if found else
                          "is missing: the zip must hold it at its top or in its one folder")
                errs.add(name, "course.yaml", reason)
                raise CourseValidationError(errs.errors)
            top, prefix = found[0], f"{found[0].name}/"
        spec = _load_folder(top, errs)
        if errs.errors or spec is None:
            # Named by their path in the zip, which is what the teacher has in hand.
            raise CourseValidationError(
                [CourseFileError(prefix + e.file, e.field, e.reason) for e in errs.errors])
        return spec


# ---------------------------------------------------------------------------- writing


class _Literal(str):
    """A string YAML writes as a literal block, so Markdown stays readable in git."""


def _literal_representer(dumper: yaml.SafeDumper, value: _Literal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style="|")


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Literal, _literal_representer)


def _block(text: str) -> str:
    # A literal block cannot keep trailing spaces on a line; those are dropped.
    if "\n" in text and not any(line != line.rstrip() for line in text.split("\n")):
        return _Literal(text)
    return text


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def _header_dict(spec: CourseSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"format": FORMAT_VERSION, "slug": spec.slug, "title": spec.title}
    if spec.description:
        out["description"] = _block(spec.description)
    out["concepts"] = []
    for c in spec.concepts:
        cd: dict[str, Any] = {"id": c.id, "name": c.name}
        if c.summary:
            cd["summary"] = c.summary
        if c.prerequisites:
            cd["prerequisites"] = list(c.prerequisites)
        out["concepts"].append(cd)
    if spec.misconceptions:
        out["misconceptions"] = [{"id": m.id, "description": m.description}
                                 for m in spec.misconceptions]
    if spec.units:
        out["units"] = [{"id": u.id, "title": u.title, "kind": u.kind, "covers": list(u.covers),
                         "minutes": u.minutes} for u in spec.units]
    return out


def _item_dict(it: ItemSpec) -> dict[str, Any]:
    d: dict[str, Any] = {"id": it.id, "kind": it.kind, "concepts": list(it.concepts),
                         "prompt": _block(it.prompt)}
    if it.kind == "multiple_choice":
        d["choices"] = []
        for ch in it.choices:
            cd: dict[str, Any] = {"text": ch.text}
            if ch.correct:
                cd["correct"] = True
            if ch.misconception:
                cd["misconception"] = ch.misconception
            d["choices"].append(cd)
    if it.kind == "circuit":
        d["netlist"] = _block(it.netlist)
        d["ask"] = it.ask
    if it.kind == "design":
        d["constraints"] = list(it.constraints)
        if it.netlist:
            d["netlist"] = _block(it.netlist)
    if it.kind in {"numeric", "circuit"}:
        d["answer"] = it.answer
    if it.kind in {"numeric", "circuit", "design"}:
        d["tolerance"] = it.tolerance
    if it.explanation:
        d["explanation"] = _block(it.explanation)
    if it.hints:
        d["hints"] = list(it.hints)
    d["difficulty"] = it.difficulty
    return d


def _home_file(it: ItemSpec) -> str:
    """The items/ file an item goes in when the course is written as a folder."""
    if it.file.startswith("items/"):
        return Path(it.file).name
    return it.folder_file or f"{it.concepts[0]}.yaml"


def write_course(spec: CourseSpec, path: str | Path) -> Path:
    """Write ``spec`` as a course folder, or as one file when ``path`` ends in .yaml/.yml."""
    path = Path(path)
    if path.suffix.lower() in {".yaml", ".yml"}:
        data = _header_dict(spec)
        data["lessons"] = [{"slug": le.slug, "title": le.title, "concepts": list(le.concepts),
                            "order": le.order, "body": _block(le.body)} for le in spec.lessons]
        data["items"] = [{**_item_dict(it), "folder_file": _home_file(it)} for it in spec.items]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_dump(data), encoding="utf-8")
        return path
    path.mkdir(parents=True, exist_ok=True)
    (path / "course.yaml").write_text(_dump(_header_dict(spec)), encoding="utf-8")
    (path / "lessons").mkdir(exist_ok=True)
    (path / "items").mkdir(exist_ok=True)
    for le in spec.lessons:
        meta = _dump({"title": le.title, "concepts": list(le.concepts), "order": le.order})
        (path / "lessons" / f"{le.slug}.md").write_text(f"---\n{meta}---\n{le.body}",
                                                        encoding="utf-8")
    # Items keep the file they came from when known, else one file per first concept.
    by_file: dict[str, list[dict[str, Any]]] = {}
    # Names that differ only in case are one file on macOS and Windows: unzipped there,
    # all but one would be lost. They share the first spelling met.
    spelling: dict[str, str] = {}
    for it in spec.items:
        home = _home_file(it)
        name = spelling.setdefault(home.casefold(), home)
        by_file.setdefault(name, []).append(_item_dict(it))
    for name, items in by_file.items():
        (path / "items" / name).write_text(_dump(items), encoding="utf-8")
    return path


def course_file_bytes(spec: CourseSpec, form: str) -> bytes:
    """``spec`` as a download: ``"zip"`` (the folder, under a folder named after the
    course, as the import accepts it) or ``"yaml"`` (the single-file form)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="kirchhoff-export-") as tmp:
        if form == "yaml":
            return write_course(spec, Path(tmp) / f"{spec.slug}.yaml").read_bytes()
        if form != "zip":
            raise ValueError(f"form must be 'zip' or 'yaml', got {form!r}")
        folder = write_course(spec, Path(tmp) / spec.slug)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for file in sorted(folder.rglob("*")):
                if file.is_file():
                    zf.write(file, file.relative_to(folder.parent).as_posix())
        return buffer.getvalue()


def spec_as_dict(spec: CourseSpec) -> dict[str, Any]:
    """A comparable dict of everything a course holds (file origins left out)."""
    data = asdict(spec)
    for it in data["items"]:
        it.pop("file", None)
        it.pop("folder_file", None)
    for le in data["lessons"]:
        le.pop("file", None)
        le.pop("where", None)
    return data
