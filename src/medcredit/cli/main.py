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
import functools
import sys
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from typing import Any, NoReturn

from medcredit import __version__
from medcredit.cli import authoring, columnar, completion, grading, init, procedures, querylog, render, service
from medcredit.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    emit_problems,
    is_output_encoding_error,
    ui_lang,
    unfit_output,
)
from medcredit.cli.messages import argparse_message, msg, resolve_lang
from medcredit.diagnostics.errors import MedcreditError, ProblemsError, UnannouncedYearError
from medcredit.diagnostics.escape import keep_lines, one_line

#: Commands that write their output subject by subject: a standard output that cannot hold Chinese text is
#: refused before they start (the others write at the end, and the error is caught when it comes).
STREAMING_COMMANDS = frozenset({"evaluate", "explain", "compare", "diff"})


class MedcreditParser(argparse.ArgumentParser):
    """An argument parser whose usage errors speak the user's language (``--lang``, else the locale)."""

    def __init__(self, *args: Any, ui_lang: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ui_lang = ui_lang

    def add_subparsers(self, **kwargs: Any) -> Any:
        # subcommands' parsers are of this class too, and know the language
        kwargs.setdefault("parser_class", functools.partial(MedcreditParser, ui_lang=self.ui_lang))
        return super().add_subparsers(**kwargs)

    def error(self, message: str) -> NoReturn:
        lang = resolve_lang(self.ui_lang)
        self.print_usage(sys.stderr)
        # the message echoes the argument as typed: its control characters are shown, not obeyed
        text = one_line(argparse_message(message, lang))
        self.exit(EXIT_USAGE, f"{self.prog}: {msg('usage_error', lang)}: {text}\n")


def _lang_in(argv: Sequence[str]) -> str | None:
    """``--lang`` as given on the command line, read before parsing so that parse errors use it too."""
    found: str | None = None
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            found = argv[i + 1]
        elif arg.startswith("--lang="):
            found = arg.partition("=")[2]
    return found


def build_parser(ui_lang: str | None = None) -> argparse.ArgumentParser:
    parser = MedcreditParser(
        prog="medcredit",
        description="Medical-insurance fund supervision credit rules as executable policy packs.",
        epilog="exit codes: 0 ok; 1 findings or invalid input; 2 usage error or unreadable input",
        ui_lang=ui_lang,
    )
    parser.add_argument("--version", action="version", version=f"medcredit {__version__}")
    parser.add_argument(
        "--color",
        choices=["auto", "always", "never"],
        default="auto",
        help="colour terminal output (auto: on a terminal, unless NO_COLOR is set)",
    )
    parser.add_argument(
        "--lang",
        choices=["zh", "en"],
        default=None,
        help="language of messages and reports (default: from the locale, LC_ALL/LC_MESSAGES/LANG zh* → zh, else en;"
        " reports keep their own default)",
    )
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument(
        "--progress",
        dest="progress",
        action="store_const",
        const=True,
        default=None,
        help="show progress on stderr for file inputs even when stderr is not a terminal",
    )
    progress.add_argument(
        "--no-progress", dest="progress", action="store_const", const=False, help="never show progress"
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
    _lang_everywhere(sub)
    return parser


def _lang_everywhere(sub: Any) -> None:
    """``--lang`` after any command too (``medcredit check PACK --lang zh``), for the messages at least.

    Commands with a report declare their own ``--lang`` (with the report's default); the others get one
    for their messages. Unset when not given, so the global option before the command still counts.
    """
    for command in sub.choices.values():
        if any("--lang" in action.option_strings for action in command._actions):
            continue
        command.add_argument(
            "--lang",
            choices=["zh", "en"],
            default=argparse.SUPPRESS,
            help="language of messages (default: the global --lang, else the locale)",
        )


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_lang_in(arguments))
    args = parser.parse_args(arguments)
    lang = ui_lang(args)
    if args.command in STREAMING_COMMANDS and (encoding := unfit_output(sys.stdout)) is not None:
        # refused before the first line: these commands write subject after subject, and would stop part way
        sys.stderr.write(f"medcredit: {msg('output_encoding', lang, encoding=encoding)}\n")
        return EXIT_USAGE
    try:
        code: int = args.func(args)
    except ProblemsError as exc:
        emit_problems(exc.problems, sys.stderr)
        sys.stderr.write(f"medcredit: {one_line(exc.summary)}\n")
        unreadable = any(p.code in ("io", "history-format", "encoding", "too-large") for p in exc.problems)
        return EXIT_USAGE if unreadable else EXIT_PROBLEMS
    except UnannouncedYearError as exc:
        where = "--schedule FILE" if hasattr(args, "schedule") else "`medcredit deadline ... --schedule FILE`"
        sys.stderr.write(f"medcredit: {keep_lines(msg('unannounced_year', lang, error=exc, where=where))}\n")
        return EXIT_USAGE
    except MedcreditError as exc:
        sys.stderr.write(f"medcredit: {keep_lines(str(exc))}\n")  # a message may echo an input value
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except UnicodeEncodeError as exc:
        if not is_output_encoding_error(exc, sys.stdout):
            raise  # not about the output stream: a bug, to be seen as one
        sys.stderr.write(f"medcredit: {msg('output_encoding', lang, encoding=sys.stdout.encoding)}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write(f"medcredit: {msg('interrupted', lang)}\n")
        return 130
    except BrokenProcessPool:
        sys.stderr.write(f"medcredit: {msg('worker_stopped', lang)}\n")
        return EXIT_USAGE  # the run did not complete (1 is for a complete run that reported problems)
    except OSError as exc:  # the system refused a read or a write (a full disk, say): said, never a traceback
        what = exc.filename if exc.filename is not None else type(exc).__name__
        text = msg("os_error", lang, what=what, reason=exc.strerror or exc)
        sys.stderr.write(f"medcredit: {keep_lines(text)}\n")
        return EXIT_USAGE
    return code


if __name__ == "__main__":
    raise SystemExit(main())
