"""The ``querylog`` command: verify or export the credit-information query log (中牟 三（二）3)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from medcredit.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE
from medcredit.procedures.querystore import SqliteQueryLog, open_query_log
from medcredit.procedures.reports import QueryLogError

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def cmd_querylog(args: argparse.Namespace) -> int:
    if not Path(args.log).is_file():  # opening a SQLite path would create an empty log and call it intact
        sys.stderr.write(f"medcredit: no query log at {args.log}\n")
        return EXIT_USAGE
    log = open_query_log(args.log)
    try:
        if args.action == "verify":
            if isinstance(log, SqliteQueryLog):
                count, head = log.verify(args.head), log.head()
            else:
                head = log.verify(args.head)
                count = len(log.entries())
            noted = ", including the noted head" if args.head else ""
            sys.stdout.write(f"{args.log}: {count} entries, hash chain intact{noted}; head {head or '-'}\n")
            return EXIT_OK
        if isinstance(log, SqliteQueryLog):
            log.export(sys.stdout)
        else:
            for entry in log.entries():
                sys.stdout.write(entry.line() + "\n")
    except QueryLogError as exc:
        sys.stderr.write(f"medcredit: {exc}\n")
        return EXIT_PROBLEMS
    return EXIT_OK


def register(sub: Subparsers) -> None:
    """Add the querylog command to the parser."""
    p = sub.add_parser("querylog", help="verify or export the query log (SQLite or JSONL)")
    p.add_argument("action", choices=["verify", "export"], help="verify the hash chain, or print it as JSONL")
    p.add_argument("log", metavar="LOG", help="the query log (.sqlite, or .jsonl)")
    p.add_argument(
        "--head",
        metavar="HASH",
        help="a head printed by an earlier verify: the log must still hold that entry (shows entries cut from "
        "the end or an altered last entry, which the chain alone cannot)",
    )
    p.set_defaults(func=cmd_querylog)
