"""``python -m kzlogframe``: the command line for people who work with files, not browsers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .validation import check_file


def _validate(args: argparse.Namespace) -> int:
    failed = False
    for name in args.files:
        checked = check_file(name)
        for problem in checked.problems:
            print(problem, file=sys.stderr if problem.severity == "error" else sys.stdout)
        if checked.logframe is None:
            failed = True
        else:
            lf = checked.logframe
            print(f"{name}: ok ({lf.programme.code}: {sum(1 for _ in lf.indicators())} indicators, "
                  f"{len(lf.results)} results)")
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kzlogframe", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check logframe YAML files; exit 1 on any error")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(run=_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)
