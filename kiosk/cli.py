"""Command line: ``python run_kiosk.py [SUB-COMMAND]``. With no sub-command the kiosk starts."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from kiosk.paths import CONTENT_DIR


def _cmd_check(args: argparse.Namespace) -> int:
    from kiosk.content.report import check_content, dumps

    report = check_content(Path(args.content_dir))
    print(dumps(report) if args.json else report.as_text())
    return report.exit_status


def _cmd_bench(args: argparse.Namespace) -> int:
    from kiosk.bench import SUITES, run_suites

    unknown = [s for s in args.suites if s not in SUITES]
    if unknown:
        print(
            f"unknown benchmark suite(s): {', '.join(unknown)}; expected: {', '.join(SUITES)}",
            file=sys.stderr,
        )
        return 2
    figures = run_suites(args.suites or list(SUITES), progress=None if args.json else print)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        width = max((len(k) for k in figures), default=0)
        for name, value in figures.items():
            print(f"{name:<{width}}  {value}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    # The touch screen arrives with the next issue; until then starting the kiosk loads and
    # reports the content it would show.
    from kiosk.content.report import check_content

    report = check_content(Path(args.content))
    print(report.as_text())
    return report.exit_status


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="run_kiosk.py",
        description=(
            "Clinic voice-and-touch information kiosk. With no sub-command, starts the kiosk."
        ),
    )
    parser.add_argument("--content", default=str(CONTENT_DIR), help="content folder to show")
    parser.add_argument(
        "--windowed",
        action="store_true",
        help="run in a normal window (for trying it on a desktop)",
    )
    sub = parser.add_subparsers(dest="command", metavar="SUB-COMMAND")

    check = sub.add_parser("check", help="check the content files and say exactly what is wrong")
    check.add_argument("content_dir", nargs="?", default=str(CONTENT_DIR), metavar="CONTENT_DIR")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(func=_cmd_check)

    bench = sub.add_parser("bench", help="measure speed and memory (medians)")
    bench.add_argument("suites", nargs="*", metavar="SUITE", help="suites to run (default: all)")
    bench.add_argument("--json", action="store_true", help="print one JSON object of figures")
    bench.set_defaults(func=_cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the sub-command; returns the exit status."""
    args = build_parser().parse_args(argv)
    func = getattr(args, "func", _cmd_run)
    return int(func(args))
