"""Run every benchmark script in turn: ``python -m benchmarks [--quick] [NAME ...]``.

Each ``bench_*.py`` is a standalone script that prints a Markdown table; this
runner only sequences them (one at a time, so they do not compete for the two
cores) and stops with a non-zero status if any of them fails.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("names", nargs="*",
                        help="which benchmarks (e.g. circuits irt); all if none")
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    args = parser.parse_args()
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.names:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in args.names]
    failed = []
    for script in scripts:
        print(f"\n## {script.stem}\n", flush=True)
        started = time.monotonic()
        cmd = [sys.executable, str(script), *(["--quick"] if args.quick else [])]
        if subprocess.run(cmd, cwd=HERE.parent).returncode != 0:  # noqa: S603 - our own scripts
            failed.append(script.stem)
        print(f"\n({script.stem}: {time.monotonic() - started:.0f} s)", flush=True)
    if failed:
        print(f"\nFailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
