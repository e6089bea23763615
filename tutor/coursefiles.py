"""Course files: read, validate and write the format of docs/course-format.md.

Pure Python (no ORM): ``load_course(path)`` turns a folder, a single YAML file or
a zip of a folder into a :class:`CourseSpec`, after checking everything and
collecting every problem with its file and field; ``write_course(spec, path)``
writes the folder (or single-file) form back. The import service turns a spec
into rows in one transaction; the export service turns rows into a spec.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
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
]

FORMAT_VERSION = 1
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ITEM_KINDS = ("multiple_choice", "numeric", "circuit", "design")
UNIT_KINDS = ("lesson", "worked-example", "review", "practice")
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ZIP_BYTES = 20 * 1024 * 1024
MAX_ZIP_FILES = 2000


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


def _yaml(text: str, file: str, errs: _Collector) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        errs.add(file, where, f"not valid YAML: {problem}")
        return None


def _read_text(path: Path, file: str, errs: _Collector) -> str | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            errs.add(file, "", f"file larger than {MAX_FILE_BYTES // 1024 // 1024} MiB")
            return None
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        errs.add(file, "", "not UTF-8 text")
    except OSError as exc:
        errs.add(file, "", f"cannot be read: {exc.strerror}")
    return None


def _str(d: dict[str, Any], key: str, file: str, where: str, errs: _Collector, *,
         required: bool = True, default: str = "") -> str:
    value = d.get(key)
    if value is None:
        if required:
            errs.add(file, f"{where}{key}", "is required")
        return default
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        errs.add(file, f"{where}{key}", f"must be text, got {type(value).__name__}")
        return default
    if required and not str(value).strip():
        errs.add(file, f"{where}{key}", "is required and must not be empty")
        return default
    keep_spacing = key in {"prompt", "explanation", "netlist", "body"}
    return str(value) if keep_spacing else str(value).strip()


def _id(d: dict[str, Any], key: str, file: str, where: str, errs: _Collector) -> str:
    value = _str(d, key, file, where, errs)
    if value and not ID_RE.match(value):
        errs.add(file, f"{where}{key}", f"{value!r} must be lowercase letters, digits and hyphens")
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


def _number(d: dict[str, Any], key: str, file: str, where: str, errs: _Collector,
            default: float, *, low: float, high: float) -> float:
    value = d.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        errs.add(file, f"{where}{key}", f"must be a number, got {value!r}")
        return default
    if not low <= float(value) <= high:
        errs.add(file, f"{where}{key}", f"must be between {low:g} and {high:g}, got {value!r}")
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


def _course_header(data: Any, file: str, errs: _Collector) -> CourseSpec | None:
    if not isinstance(data, dict):
        errs.add(file, "", "must be a YAML mapping with format, slug, title and concepts")
        return None
    fmt = data.get("format")
    if fmt != FORMAT_VERSION:
        errs.add(file, "format", f"must be {FORMAT_VERSION}, got {fmt!r}")
    spec = CourseSpec(
        slug=_id(data, "slug", file, "", errs),
        title=_str(data, "title", file, "", errs),
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
        spec.concepts.append(ConceptSpec(
            id=_id(c, "id", file, where, errs),
            name=_str(c, "name", file, where, errs),
            summary=_str(c, "summary", file, where, errs, required=False),
            prerequisites=_id_list(c, "prerequisites", file, where, errs),
        ))
    for i, m in enumerate(data.get("misconceptions") or [], 1):
        where = f"misconceptions[{i}]."
        if not isinstance(m, dict):
            errs.add(file, f"misconceptions[{i}]", "must be a mapping with id and description")
            continue
        spec.misconceptions.append(MisconceptionSpec(
            id=_id(m, "id", file, where, errs),
            description=_str(m, "description", file, where, errs),
        ))
    for i, u in enumerate(data.get("units") or [], 1):
        where = f"units[{i}]."
        if not isinstance(u, dict):
            errs.add(file, f"units[{i}]", "must be a mapping with id, title and covers")
            continue
        kind = _str(u, "kind", file, where, errs, required=False, default="lesson")
        if kind not in UNIT_KINDS:
            errs.add(file, f"{where}kind", f"must be one of {', '.join(UNIT_KINDS)}, got {kind!r}")
        spec.units.append(UnitSpec(
            id=_id(u, "id", file, where, errs),
            title=_str(u, "title", file, where, errs),
            covers=_id_list(u, "covers", file, where, errs, required=True),
            kind=kind,
            minutes=int(_number(u, "minutes", file, where, errs, 20, low=1, high=600)),
        ))
    return spec


def _lesson(meta: dict[str, Any], body: str, slug: str, order: int, file: str,
            errs: _Collector) -> LessonSpec:
    if not ID_RE.match(slug):
        errs.add(file, "slug", f"{slug!r} must be lowercase letters, digits and hyphens")
    if not body.strip():
        errs.add(file, "body", "is empty")
    return LessonSpec(
        slug=slug,
        title=_str(meta, "title", file, "", errs),
        concepts=_id_list(meta, "concepts", file, "", errs, required=True),
        order=int(_number(meta, "order", file, "", errs, order, low=0, high=100000)),
        body=body,
    )


def _item(d: Any, file: str, index: int, errs: _Collector) -> ItemSpec | None:
    if not isinstance(d, dict):
        errs.add(file, f"item #{index}", "must be a mapping")
        return None
    label = d.get("id") if isinstance(d.get("id"), str) else f"#{index}"
    where = f"item {label}: "
    kind = _str(d, "kind", file, where, errs)
    if kind and kind not in ITEM_KINDS:
        errs.add(file, f"{where}kind", f"must be one of {', '.join(ITEM_KINDS)}, got {kind!r}")
    hints = d.get("hints") or []
    if not isinstance(hints, list) or not all(isinstance(h, str) for h in hints):
        errs.add(file, f"{where}hints", "must be a list of texts")
        hints = []
    item = ItemSpec(
        id=_id(d, "id", file, where, errs),
        kind=kind,
        concepts=_id_list(d, "concepts", file, where, errs, required=True),
        prompt=_str(d, "prompt", file, where, errs),
        explanation=_str(d, "explanation", file, where, errs, required=False),
        difficulty=_number(d, "difficulty", file, where, errs, 0.0, low=-6, high=6),
        hints=list(hints),
        tolerance=_number(d, "tolerance", file, where, errs, 0.01, low=1e-6, high=0.5),
        file=file,
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
            correct = ch.get("correct", False)
            if not isinstance(correct, bool):
                errs.add(file, f"{cw}correct", "must be true or false")
                correct = False
            mis = ch.get("misconception")
            if mis is not None and not isinstance(mis, str):
                errs.add(file, f"{cw}misconception", "must be an id")
                mis = None
            item.choices.append(ChoiceSpec(_str(ch, "text", file, cw, errs), correct, mis))
        if choices and sum(c.correct for c in item.choices) != 1:
            errs.add(file, f"{where}choices", "exactly one choice must be correct")
    elif kind == "design":
        constraints = d.get("constraints")
        if isinstance(constraints, str):
            constraints = [constraints]
        if (not isinstance(constraints, list) or not constraints
                or not all(isinstance(c, str) for c in constraints)):
            errs.add(file, f"{where}constraints", "must list at least one constraint")
            constraints = []
        item.constraints = [c.strip() for c in constraints]
        item.netlist = _str(d, "netlist", file, where, errs, required=False)
        _check_design(item, file, where, errs)
    elif kind in {"numeric", "circuit"}:
        item.answer = _str(d, "answer", file, where, errs)
        if item.answer:
            _check_answer(item.answer, file, f"{where}answer", errs)
        if kind == "circuit":
            item.netlist = _str(d, "netlist", file, where, errs)
            item.ask = _str(d, "ask", file, where, errs)
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
    for d in sorted(dupes(le.slug for le in spec.lessons)):
        errs.add("lessons", d, "lesson slug appears more than once")
    seen_items: dict[str, str] = {}
    for it in spec.items:
        if it.id in seen_items:
            errs.add(it.file, f"item {it.id}: id", f"also used in {seen_items[it.id]}")
        seen_items.setdefault(it.id, it.file)

    edges: list[tuple[str, str]] = []
    for c in spec.concepts:
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
        for c in u.covers:
            if c not in known:
                errs.add(course_file, f"unit {u.id}: covers", f"unknown concept {c!r}")
    for le in spec.lessons:
        for c in le.concepts:
            if c not in known:
                errs.add(f"lessons/{le.slug}.md", "concepts", f"unknown concept {c!r}")
    for it in spec.items:
        for c in it.concepts:
            if c not in known:
                errs.add(it.file, f"item {it.id}: concepts", f"unknown concept {c!r}")
        for j, ch in enumerate(it.choices, 1):
            if ch.misconception is not None and ch.misconception not in misconceptions:
                errs.add(it.file, f"item {it.id}: choices[{j}].misconception",
                         f"unknown misconception {ch.misconception!r}")


def _items_from(data: Any, file: str, errs: _Collector, start: int) -> list[ItemSpec]:
    if data is None:
        return []
    if not isinstance(data, list):
        errs.add(file, "", "must be a YAML list of items")
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
    spec = _course_header(data, file, errs)
    if spec is None:
        return None
    for i, le in enumerate(data.get("lessons") or [], 1):
        where = f"lessons[{i}]"
        if not isinstance(le, dict):
            errs.add(file, where, "must be a mapping with slug, title, concepts and body")
            continue
        body = le.get("body")
        spec.lessons.append(_lesson(le, body if isinstance(body, str) else "",
                                    str(le.get("slug", "")), i, f"{file}: {where}", errs))
    spec.items = _items_from(data.get("items"), file, errs, 1)
    _cross_check(spec, file, errs)
    return spec


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
    lesson_dir = root / "lessons"
    for i, path in enumerate(sorted(lesson_dir.glob("*.md")) if lesson_dir.is_dir() else [], 1):
        file = f"lessons/{path.name}"
        body = _read_text(path, file, errs)
        if body is None:
            continue
        meta, content = _parse_front_matter(body, file, errs)
        spec.lessons.append(_lesson(meta, content, path.stem, i, file, errs))
    item_dir = root / "items"
    for path in sorted(item_dir.glob("*.y*ml")) if item_dir.is_dir() else []:
        file = f"items/{path.name}"
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


def load_course_zip(data: bytes, *, name: str = "upload.zip") -> CourseSpec:
    """Validate a zip holding a course folder (at its top or one folder down)."""
    import tempfile

    errs = _Collector()
    if len(data) > MAX_ZIP_BYTES:
        errs.add(name, "", f"larger than {MAX_ZIP_BYTES // 1024 // 1024} MiB")
        raise CourseValidationError(errs.errors)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        errs.add(name, "", "not a zip archive")
        raise CourseValidationError(errs.errors) from None
    members = archive.infolist()
    total = sum(m.file_size for m in members)
    if len(members) > MAX_ZIP_FILES or total > MAX_ZIP_BYTES:
        errs.add(name, "", "too many files or too large once unpacked")
        raise CourseValidationError(errs.errors)
    with tempfile.TemporaryDirectory(prefix="kirchhoff-course-") as tmp:
        root = Path(tmp)
        for m in members:
            rel = PurePosixPath(m.filename)
            # Refuse absolute paths and '..' so nothing lands outside the folder.
            if rel.is_absolute() or ".." in rel.parts:
                errs.add(name, m.filename, "unsafe path in archive")
                continue
            if m.is_dir():
                continue
            target = root.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(m))
        if errs.errors:
            raise CourseValidationError(errs.errors)
        top = root
        if not (root / "course.yaml").exists():
            subdirs = [p for p in root.iterdir() if p.is_dir() and (p / "course.yaml").exists()]
            if len(subdirs) == 1:
                top = subdirs[0]
        return load_course(top)


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


def write_course(spec: CourseSpec, path: str | Path) -> Path:
    """Write ``spec`` as a course folder, or as one file when ``path`` ends in .yaml/.yml."""
    path = Path(path)
    if path.suffix.lower() in {".yaml", ".yml"}:
        data = _header_dict(spec)
        data["lessons"] = [{"slug": le.slug, "title": le.title, "concepts": list(le.concepts),
                            "order": le.order, "body": _block(le.body)} for le in spec.lessons]
        data["items"] = [_item_dict(it) for it in spec.items]
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
    for it in spec.items:
        name = Path(it.file).name if it.file.startswith("items/") else f"{it.concepts[0]}.yaml"
        by_file.setdefault(name, []).append(_item_dict(it))
    for name, items in by_file.items():
        (path / "items" / name).write_text(_dump(items), encoding="utf-8")
    return path


def spec_as_dict(spec: CourseSpec) -> dict[str, Any]:
    """A comparable dict of everything a course holds (file origins left out)."""
    data = asdict(spec)
    for it in data["items"]:
        it.pop("file", None)
    return data
