"""Command line: simulate, check, design, similar, draw. Output is JSON.

::

    python -m circuits simulate NETLIST --analysis op|ac|tran [--tstop T] [--freq F] --json
    python -m circuits check NETLIST --ask 'V(out)' --answer '3.3 V' [--rel-tol 0.01] --json
    python -m circuits design NETLIST --constraint 'V(out) = 3.3 V' [--constraint ...]
        [--given GIVEN_NETLIST] --json
    python -m circuits similar NETLIST --corpus DIR [-k 5] --json
    python -m circuits draw NETLIST -o FILE.svg

``NETLIST`` is a file, or ``-`` for standard input. Exit status 0 with a result (a wrong
answer is a result too), 2 with ``{"error": "..."}`` for bad input: a netlist, question, answer
or option that cannot be used, or a circuit ngspice cannot solve.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from circuits.errors import CircuitError

__all__ = ["main"]

_NETLIST_SUFFIXES = (".cir", ".net", ".sp", ".spice", ".txt")


class _BadInput(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _BadInput(message)


def _read(path: str) -> str:
    try:
        if path == "-":
            return sys.stdin.read()
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _BadInput(f"cannot read {path}: {exc}") from None


def _corpus(directory: str) -> dict[str, str]:
    root = Path(directory)
    if not root.is_dir():
        raise _BadInput(f"{directory} is not a directory")
    corpus: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix.lower() in _NETLIST_SUFFIXES:
            corpus[str(path.relative_to(root))] = path.read_text(encoding="utf-8")
        elif path.suffix.lower() in (".yaml", ".yml"):
            corpus.update(_yaml_items(path))
    return corpus


def _yaml_items(path: Path) -> dict[str, str]:
    """Circuit items of a course item file, keyed by their id."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, OSError):
        return {}
    items = data if isinstance(data, list) else []
    return {
        str(item["id"]): str(item["netlist"])
        for item in items
        if isinstance(item, dict) and "id" in item and isinstance(item.get("netlist"), str)
    }


def _parser() -> _Parser:
    parser = _Parser(prog="python -m circuits", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sim = sub.add_parser("simulate", help="node voltages and branch currents")
    sim.add_argument("netlist")
    sim.add_argument("--analysis", choices=["op", "ac", "tran"], default="op")
    sim.add_argument("--tstop", help="transient end time, e.g. 5ms")
    sim.add_argument("--tstep", help="transient step (default tstop/1000)")
    sim.add_argument("--points", type=int, default=101, help="transient samples returned")
    sim.add_argument("--freq", help="AC frequency, e.g. 1kHz (or --fstart/--fstop)")
    sim.add_argument("--fstart")
    sim.add_argument("--fstop")
    sim.add_argument("--per-decade", type=int, default=10)
    sim.add_argument("--json", action="store_true", help="compact JSON (default: indented)")

    check = sub.add_parser("check", help="check an answer to a question")
    check.add_argument("netlist")
    check.add_argument("--ask", required=True)
    check.add_argument("--answer", required=True)
    check.add_argument("--rel-tol", type=float, default=0.01)
    check.add_argument("--json", action="store_true")

    design = sub.add_parser("design", help="check a designed circuit against constraints")
    design.add_argument("netlist")
    design.add_argument("--constraint", action="append", required=True)
    design.add_argument("--rel-tol", type=float, default=0.01)
    design.add_argument("--given", metavar="NETLIST",
                        help="the task's given part, which the design must keep unchanged")
    design.add_argument("--json", action="store_true")

    similar = sub.add_parser("similar", help="most similar circuits of a corpus")
    similar.add_argument("netlist")
    similar.add_argument("--corpus", required=True, help="directory of netlists or item YAML")
    similar.add_argument("-k", type=int, default=5)
    similar.add_argument("--json", action="store_true")

    draw = sub.add_parser("draw", help="draw a schematic as SVG")
    draw.add_argument("netlist")
    draw.add_argument("-o", "--output", required=True)
    draw.add_argument("--json", action="store_true")
    return parser


def _quantity(text: str | None, unit: str, option: str) -> float | None:
    from circuits.units import parse_quantity

    if text is None:
        return None
    q = parse_quantity(text, default_unit=unit)
    if q.unit != unit:
        raise _BadInput(f"{option} should be in {unit}")
    return q.value


def _run(args: argparse.Namespace) -> dict[str, Any]:
    if args.command == "simulate":
        from circuits.simulate import sweep
        from circuits.spice import Analysis

        netlist = _read(args.netlist)
        if args.analysis == "tran":
            stop = _quantity(args.tstop, "s", "--tstop")
            if stop is None:
                raise _BadInput("--analysis tran needs --tstop")
            analysis = Analysis("tran", stop=stop, step=_quantity(args.tstep, "s", "--tstep"))
        elif args.analysis == "ac":
            fstart = _quantity(args.freq or args.fstart, "Hz", "--freq")
            if fstart is None:
                raise _BadInput("--analysis ac needs --freq (or --fstart and --fstop)")
            fstop = _quantity(args.fstop, "Hz", "--fstop") if not args.freq else None
            analysis = Analysis("ac", fstart=fstart, fstop=fstop, points=args.per_decade)
        else:
            analysis = Analysis("op")
        if not 2 <= args.points <= 100_000:
            raise _BadInput("--points must be between 2 and 100000")
        return sweep(netlist, analysis, points=args.points)
    if args.command == "check":
        from circuits.check import check_answer

        if not 0 < args.rel_tol < 1:
            raise _BadInput("--rel-tol must be between 0 and 1")
        return check_answer(_read(args.netlist), args.ask, args.answer,
                            rel_tol=args.rel_tol).to_dict()
    if args.command == "design":
        from circuits.design import check_design

        given = _read(args.given) if args.given else None
        return check_design(_read(args.netlist), args.constraint, rel_tol=args.rel_tol,
                            given=given).to_dict()
    if args.command == "similar":
        from circuits.similarity import similar

        if args.k < 1:
            raise _BadInput("-k must be at least 1")
        ranked = similar(_read(args.netlist), _corpus(args.corpus), k=args.k)
        return {"similar": [{"id": key, "score": score} for key, score in ranked]}
    # draw
    from circuits.draw import draw_svg, ladder_order
    from circuits.netlist import parse_netlist

    circuit = parse_netlist(_read(args.netlist))
    svg = draw_svg(circuit)
    try:
        Path(args.output).write_text(svg, encoding="utf-8")
    except OSError as exc:
        raise _BadInput(f"cannot write {args.output}: {exc}") from None
    return {"output": args.output, "layout": "ladder" if ladder_order(circuit) else "list"}


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    compact = "--json" in (argv if argv is not None else sys.argv[1:])
    try:
        args = _parser().parse_args(argv)
        result = _run(args)
        status = 0
    except (_BadInput, CircuitError) as exc:
        result, status = {"error": str(exc)}, 2
    print(json.dumps(result, indent=None if compact else 2, ensure_ascii=False))
    return status
