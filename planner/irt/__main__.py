"""Command line: ``python -m planner.irt fit RESPONSES.csv --model 1pl|2pl [--json]``.

RESPONSES.csv has the header ``learner,item,correct`` (the columns may come in
any order; others are ignored) and one answer per row, ``correct`` being 0 or 1.
Pairs never asked are simply absent. The file is UTF-8 (a byte-order mark is
fine). Bad input (an empty file, a missing or repeated column, a row whose
``correct`` is not 0/1, an empty id, bytes that are not UTF-8) exits with status 2
and a message naming the line.

With ``--json`` the fit is printed as
``{"items": {ID: {"a", "b", "se_a", "se_b"}}, "abilities": {ID: {"theta", "se"}},
"log_likelihood": float, "iterations": int}``, a standard error the data
cannot bound being null; for the 1PL ``a`` is the one common
discrimination, estimated, repeated for every item. Without ``--json``, a table.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from planner.irt.calibrate import Calibration, ResponseData, calibrate
from planner.irt.errors import IRTError, ResponseDataError

__all__ = ["main", "read_responses"]

COLUMNS = ("learner", "item", "correct")


def read_responses(stream: TextIO) -> ResponseData:
    """Read a ``learner,item,correct`` CSV into :class:`ResponseData`.

    Raises
    ------
    ResponseDataError
        With ``line`` set to the 1-based line at fault.

    Examples
    --------
    >>> import io
    >>> d = read_responses(io.StringIO("learner,item,correct\\nann,q1,1\\nbob,q1,0\\n"))
    >>> d.learner_ids, d.correct.tolist()
    (('ann', 'bob'), [1, 0])
    >>> read_responses(io.StringIO("learner,item,correct\\nann,q1,yes\\n"))
    Traceback (most recent call last):
    ...
    planner.irt.errors.ResponseDataError: line 2: correct must be 0 or 1, got 'yes'
    """
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        raise ResponseDataError("empty file: expected the header learner,item,correct",
                                line=1) from None
    except csv.Error as exc:
        raise ResponseDataError(f"unreadable CSV: {exc}", line=1) from None
    names = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise ResponseDataError(
            f"the header must name learner,item,correct (missing {', '.join(missing)})", line=1
        )
    twice = [c for c in COLUMNS if names.count(c) > 1]
    if twice:
        # which of the two is meant cannot be known; guessing could fit the wrong data
        raise ResponseDataError(f"the header names {', '.join(twice)} more than once", line=1)
    col = {c: names.index(c) for c in COLUMNS}
    width = max(col.values()) + 1
    records: list[tuple[str, str, int]] = []
    line = 1
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not f.strip() for f in row):
                continue  # blank lines, e.g. a trailing one
            if len(row) < width:
                raise ResponseDataError(
                    f"expected {len(names)} fields, got {len(row)}", line=line
                )
            learner, item, correct = (row[col[c]].strip() for c in COLUMNS)
            if not learner or not item:
                raise ResponseDataError("empty learner or item id", line=line)
            if correct not in ("0", "1"):
                raise ResponseDataError(f"correct must be 0 or 1, got {correct!r}", line=line)
            records.append((learner, item, int(correct)))
    except csv.Error as exc:
        raise ResponseDataError(f"unreadable CSV: {exc}", line=reader.line_num) from None
    if not records:
        raise ResponseDataError("no responses after the header", line=line + 1)
    return ResponseData.from_records(records)


def _read_text(path: Path) -> str:
    """The file as text: UTF-8, with or without the byte-order mark spreadsheets write."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ResponseDataError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8", line=line
        ) from None


def _table(fit: Calibration) -> str:
    lines = [
        f"{fit.model.upper()} fit: {len(fit.item_ids)} items, {len(fit.learner_ids)} learners, "
        f"log-likelihood {fit.log_likelihood:.3f}, {fit.iterations} iterations"
        + ("" if fit.converged else " (not converged)"),
        "",
        f"{'item':<24} {'a':>8} {'se_a':>8} {'b':>8} {'se_b':>8}",
    ]
    for iid, p in fit.items().items():
        lines.append(f"{iid:<24} {p.a:8.3f} {p.se_a:8.3f} {p.b:8.3f} {p.se_b:8.3f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 2 bad input)."""
    parser = argparse.ArgumentParser(
        prog="python -m planner.irt", description="Calibrate items by IRT (1PL or 2PL)."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    fit_p = sub.add_parser("fit", help="calibrate items and estimate abilities")
    fit_p.add_argument("responses", type=Path, help="CSV with header learner,item,correct")
    fit_p.add_argument("--model", choices=("1pl", "2pl"), default="2pl")
    fit_p.add_argument("--json", action="store_true", help="print the fit as JSON")
    fit_p.add_argument("--max-iter", type=int, default=1000)
    fit_p.add_argument("--tol", type=float, default=1e-4)
    args = parser.parse_args(argv)

    path: Path = args.responses
    try:
        data = read_responses(io.StringIO(_read_text(path), newline=""))
        fit = calibrate(data, model=args.model, max_iter=args.max_iter, tol=args.tol)
    except (IRTError, OSError) as exc:
        # A ResponseDataError's message starts with "line N:", naming the line.
        print(f"{parser.prog}: {path}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(fit.to_dict(), indent=2, allow_nan=False))
    else:
        print(_table(fit))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
