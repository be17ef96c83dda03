"""``medcredit table``: the columnar batch path on Parquet files (needs the ``columnar`` extra).

    medcredit table convert histories.jsonl --subjects s.parquet --records r.parquet
    medcredit table evaluate --pack wushan --cycle 2023 --subjects s.parquet --records r.parquet \\
        --output results.parquet [--trace-ids ID,ID]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from typing import TYPE_CHECKING

from medcredit.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    count_or_auto,
    cycle_arg,
    emit_problems,
    grade_counts,
    pack_file,
    refuse_overwriting,
    refuse_same_file,
    ui_lang,
)
from medcredit.cli.messages import msg
from medcredit.diagnostics.errors import MedcreditError
from medcredit.pack.loader import load_pack

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


class ExtraMissingError(MedcreditError):
    """An optional dependency group is not installed."""


def _need_columnar() -> None:
    try:
        import numpy  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError:
        raise ExtraMissingError(
            "the columnar path needs pyarrow and numpy: pip install 'medcredit[columnar]'"
        ) from None


def cmd_convert(args: argparse.Namespace) -> int:
    refuse_same_file([("FILE", args.file), ("--subjects", args.subjects), ("--records", args.records)], ui_lang(args))
    _need_columnar()
    from medcredit.columnar.parquet import convert_jsonl

    done = convert_jsonl(args.file, args.subjects, args.records)
    for item in done.rejected:
        emit_problems(item.problems, sys.stderr)
    sys.stderr.write(
        f"medcredit: {done.subjects} subjects and {done.records} records written"
        f"{f'; {len(done.rejected)} subjects rejected' if done.rejected else ''}\n"
    )
    return EXIT_PROBLEMS if done.rejected else EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    _need_columnar()
    from medcredit.columnar.evaluate import evaluate_table
    from medcredit.columnar.parquet import read_table, write_table

    started = time.monotonic()
    inputs = [("--pack", pack_file(args.pack)), ("--subjects", args.subjects), ("--records", args.records)]
    refuse_overwriting(inputs, ("--output", args.output), ui_lang(args))
    pack = load_pack(args.pack)
    subjects = read_table(args.subjects)
    records = read_table(args.records)
    trace_ids = [x for x in (args.trace_ids or "").split(",") if x]
    table = evaluate_table(
        pack,
        subjects,
        records,
        cycle=args.cycle,
        override_validity=args.override_validity,
        trace_ids=trace_ids,
        subjects_name=args.subjects,
        records_name=args.records,
        threads=args.jobs or None,
    )
    write_table(table, args.output)
    # outcomes as evaluate counts them: the grade, or the status of a subject without one
    grades = table.column("grade").to_pylist()
    statuses = table.column("status").to_pylist()
    outcomes = Counter(g or st for g, st in zip(grades, statuses, strict=True))
    lang = ui_lang(args)
    parts = [
        msg("table_written", lang, n=table.num_rows, output=args.output),
        grade_counts(outcomes, lang),
        msg("summary_time", lang, seconds=time.monotonic() - started),
    ]
    sys.stderr.write("medcredit: " + ("; " if lang == "en" else "；").join(parts) + "\n")
    return EXIT_OK


def register(sub: Subparsers) -> None:
    table = sub.add_parser("table", help="the columnar batch path on Parquet tables (extra: columnar)")
    cmds = table.add_subparsers(dest="table_command", required=True)
    p = cmds.add_parser(
        "convert", help="write a history file (JSONL, JSON, YAML) as subjects and records Parquet tables"
    )
    p.add_argument("file", help="history file")
    p.add_argument("--subjects", required=True, help="output Parquet file of subjects")
    p.add_argument("--records", required=True, help="output Parquet file of records")
    p.set_defaults(func=cmd_convert)
    p = cmds.add_parser("evaluate", help="grade a population given as subjects and records Parquet tables")
    p.add_argument("--pack", required=True, help="bundled pack name or path")
    p.add_argument("--cycle", type=cycle_arg, required=True, help="evaluation cycle (year)")
    p.add_argument("--subjects", required=True, help="Parquet file of subjects")
    p.add_argument("--records", required=True, help="Parquet file of records")
    p.add_argument("--output", required=True, help="results Parquet file (one row per subject, trace matrix)")
    p.add_argument("--trace-ids", help="comma-separated subject ids whose full trace goes in column 'trace'")
    p.add_argument("--override-validity", action="store_true")
    p.add_argument(
        "--jobs",
        type=count_or_auto("threads"),
        default=0,
        metavar="N",
        help="threads grading slices of subjects, the table the same byte for byte whatever N; "
        "auto: one per available core (default: auto)",
    )
    p.set_defaults(func=cmd_evaluate)
