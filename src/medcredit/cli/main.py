"""The ``medcredit`` command line: one parser, commands registered by group.

Every user error (bad pack, bad history, unknown pack, outside validity) is a
clear message on stderr and a non-zero exit, never a traceback.

Exit codes (the same for every command):

==== ==========================================================================
0    success: nothing to report (warnings only, unless ``--strict``)
1    findings or invalid input: an invalid pack, failing checks or tests,
     rejected subjects, a property that does not hold
2    usage error or unreadable input: bad arguments, a file that cannot be
     read or parsed, an unknown pack, a year whose official schedule is unknown
130  interrupted (Ctrl-C)
==== ==========================================================================
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from medcredit import __version__
from medcredit.cli import authoring, columnar, completion, grading, init, procedures, querylog, render, service
from medcredit.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, emit_problems
from medcredit.diagnostics.errors import MedcreditError, ProblemsError, UnannouncedYearError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="medcredit",
        description="Medical-insurance fund supervision credit rules as executable policy packs.",
        epilog="exit codes: 0 ok; 1 findings or invalid input; 2 usage error or unreadable input",
    )
    parser.add_argument("--version", action="version", version=f"medcredit {__version__}")
    parser.add_argument(
        "--color",
        choices=["auto", "always", "never"],
        default="auto",
        help="colour terminal output (auto: on a terminal, unless NO_COLOR is set)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    authoring.register(sub)
    grading.register(sub)
    procedures.register(sub)
    service.register(sub)
    querylog.register(sub)
    columnar.register(sub)
    render.register(sub)
    init.register(sub)
    completion.register(sub)
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
    except UnannouncedYearError as exc:
        where = "--schedule FILE" if hasattr(args, "schedule") else "`medcredit deadline ... --schedule FILE`"
        sys.stderr.write(f"medcredit: {exc}: pass it with {where} (the format is in docs/guide/time.md)\n")
        return EXIT_USAGE
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
