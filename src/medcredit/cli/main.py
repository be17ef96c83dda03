"""The ``medcredit`` command line: one parser, commands registered by group.

Every user error (bad pack, bad history, unknown pack, outside validity) is a
clear message on stderr and a non-zero exit, never a traceback.  Exit codes:
0 success, 1 the input had problems (invalid pack, rejected subjects),
2 usage error or unreadable input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from medcredit.cli import authoring, grading, init, procedures, render
from medcredit.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, emit_problems
from medcredit.diagnostics.errors import MedcreditError, ProblemsError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="medcredit",
        description="Medical-insurance fund supervision credit rules as executable policy packs.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    authoring.register(sub)
    grading.register(sub)
    procedures.register(sub)
    render.register(sub)
    init.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except ProblemsError as exc:
        emit_problems(exc.problems, sys.stderr)
        sys.stderr.write(f"medcredit: {str(exc).splitlines()[0]}\n")
        unreadable = any(p.code in ("io", "history-format", "encoding", "too-large") for p in exc.problems)
        return EXIT_USAGE if unreadable else EXIT_PROBLEMS
    except MedcreditError as exc:
        sys.stderr.write(f"medcredit: {exc}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        sys.stderr.write("medcredit: interrupted\n")
        return 130
    return code


if __name__ == "__main__":
    raise SystemExit(main())
