"""``medcredit completion bash|zsh``: a shell completion script generated from the parser (shtab)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from medcredit.cli.common import EXIT_OK

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def cmd_completion(args: argparse.Namespace) -> int:
    import shtab

    from medcredit.cli.main import build_parser  # the whole parser, every command group included

    sys.stdout.write(shtab.complete(build_parser(), shell=args.shell))
    return EXIT_OK


def register(sub: Subparsers) -> None:
    """Add the completion command to the parser."""
    p = sub.add_parser(
        "completion",
        help='print a shell completion script: eval "$(medcredit completion bash)" (or zsh)',
    )
    p.add_argument("shell", choices=["bash", "zsh"])
    p.set_defaults(func=cmd_completion)
