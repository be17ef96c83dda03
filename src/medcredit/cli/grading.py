"""Commands that grade histories: evaluate, explain, compare, diff."""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from medcredit.analysis.compare import compare_rows
from medcredit.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    Progress,
    add_lang_option,
    closing_line,
    count_or_auto,
    cycle_arg,
    emit_json,
    emit_problems,
    file_size,
    pack_file,
    parse_date,
    refuse_overwriting,
    report_lang,
    ui_lang,
    whole_arg,
)
from medcredit.cli.item_output import ItemWriter, utf8_buffer
from medcredit.cli.messages import msg
from medcredit.cli.parallel import AUTO_JOBS, AUTO_MIN_BYTES, MAX_AUTO_JOBS, auto_jobs, evaluate_parallel
from medcredit.diagnostics.errors import MedcreditError
from medcredit.diagnostics.escape import one_line
from medcredit.engine.batch import BatchSummary, Failed, evaluate_items
from medcredit.engine.codegen import CompactResult
from medcredit.engine.evaluation import Evaluator
from medcredit.engine.window import evaluation_point
from medcredit.history.reader import Item, Loaded, ReadTally, Rejected, detect_format, iter_subjects
from medcredit.pack.compiled import CompiledPack
from medcredit.pack.loader import bundled_pack_names, load_pack
from medcredit.trace.result import Result

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def _subjects(args: argparse.Namespace, file: str, skipped: ReadTally | None = None) -> Iterator[Item]:
    """The history items of ``file``, read in ``--encoding`` (or detected); warnings go to stderr."""
    return iter_subjects(
        file,
        skipped,
        encoding=getattr(args, "encoding", None),
        on_warning=lambda problem: emit_problems([problem], sys.stderr),
    )


def _results(pack: CompiledPack, args: argparse.Namespace, on_result: Callable[[Any, Any], None]) -> BatchSummary:
    """Evaluate every subject of ``args.file``; return the batch's account (every input line accounted for).

    ``on_result`` receives (Result, item) for a result, (None, Rejected) for an unreadable input and
    (None, Failed) for a subject whose evaluation failed: one such subject never stops the batch.
    """
    summary = BatchSummary()
    progress = _progress(args, args.file, "label_evaluated", summary)
    # Results are written and dropped at once and create no reference cycles, so the
    # cyclic collector only costs time here (PERFORMANCE.md); collect explicitly instead.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        outcomes = evaluate_items(
            Evaluator(pack, compiled=getattr(args, "engine", "compiled") == "compiled"),
            _subjects(args, args.file, summary.tally),
            args.cycle,
            summary=summary,
            trace=not getattr(args, "no_trace", False),
            override_validity=args.override_validity,
            as_of=args.as_of,
            linked=args.linked,
            compact=isinstance(on_result, ItemWriter),  # it writes compact results directly
        )
        for item, outcome in outcomes:
            if isinstance(outcome, Result | CompactResult):
                on_result(outcome, item)
            else:
                on_result(None, outcome)
            progress.tick()
            if progress.count % 100_000 == 0:
                gc.collect()
    finally:
        if gc_was_enabled:
            gc.enable()
        progress.close()
    return summary


def _progress(args: argparse.Namespace, file: str, label: str, summary: BatchSummary) -> Progress:
    """Progress on stderr for reading ``file``: bytes read of its size (JSONL is read line by line; a
    JSON, YAML or spreadsheet document is read whole before its first subject)."""
    total = file_size(file)
    lang = ui_lang(args)

    def position() -> int:
        return summary.tally.bytes_read or (total or 0 if summary.read else 0)

    return Progress(
        sys.stderr, msg(label, lang), enabled=getattr(args, "progress", None), total=total, position=position, lang=lang
    )


def cmd_evaluate(args: argparse.Namespace) -> int:
    started = time.monotonic()
    inputs = [("--pack", pack_file(args.pack)), ("FILE", args.file)]
    refuse_overwriting(inputs, ("--summary-json", args.summary_json), ui_lang(args))
    pack = load_pack(args.pack)
    evaluation_point(pack, args.cycle, args.as_of)  # a wrong cycle or date fails before any output is written
    out: IO[str] = sys.stdout
    fmt = args.format
    if fmt is None:
        fmt = "jsonl" if str(args.file).endswith((".jsonl", ".ndjson")) or args.file == "-" else "json"
    raw = None if fmt == "json" else utf8_buffer(out)
    if raw is not None:
        out.flush()  # what the text layer holds goes first: from here on lines go to the bytes beneath it
    write = ItemWriter(pack, fmt, report_lang(args, "zh"), out, sys.stderr, raw=raw)
    write.header()
    jobs = getattr(args, "jobs", 1)
    if jobs == AUTO_JOBS:
        jobs = auto_jobs(str(args.file))
    if jobs > 1 and fmt != "json" and detect_format(str(args.file)) == "jsonl":
        summary = evaluate_parallel(pack, args, write, jobs)
        return _close(summary, args, write.outcomes, time.monotonic() - started)
    summary = _results(pack, args, write)
    if fmt == "json":
        collected = write.collected
        body: Any = collected[0] if len(collected) == 1 else collected
        out.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
    return _close(summary, args, write.outcomes, time.monotonic() - started)


def _close(summary: BatchSummary, args: argparse.Namespace, outcomes: Counter[str] | None, seconds: float) -> int:
    """The closing summary on stderr (and the account as JSON with --summary-json); exit 1 if any input had problems."""
    problems = summary.rejected + summary.failed
    lang = ui_lang(args)
    see_above = msg("see_above", lang) if problems else ""
    sys.stderr.write(f"medcredit: {closing_line(summary, outcomes, seconds, lang)}{see_above}\n")
    target = getattr(args, "summary_json", None)
    if target:
        text = json.dumps(summary.as_dict(), indent=2) + "\n"
        try:
            if target == "-":
                sys.stderr.write(text)
            else:
                Path(target).write_text(text, encoding="utf-8")
        except OSError as exc:
            reason = exc.strerror or exc
            sys.stderr.write(f"medcredit: {msg('cannot_write', lang, target=target, reason=reason)}\n")
            return EXIT_USAGE
    return EXIT_PROBLEMS if problems else EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    args.format = "text"
    return cmd_evaluate(args)


def cmd_compare(args: argparse.Namespace) -> int:
    started = time.monotonic()
    names = args.packs or bundled_pack_names()
    packs = [load_pack(n) for n in names]
    rows: list[dict[str, Any]] = []
    summary = BatchSummary()
    progress = _progress(args, args.file, "label_evaluated", summary)
    try:
        for item in _subjects(args, args.file, summary.tally):
            summary.read += 1
            progress.tick()
            if isinstance(item, Rejected):
                # one unreadable subject is reported and counted; the others are still compared
                emit_problems(item.problems, sys.stderr)
                summary.rejected += 1
                continue
            assert isinstance(item, Loaded)
            subject_rows, failures = _compare_one(packs, names, item, args)
            rows.extend(subject_rows)
            for failure in failures:
                sys.stderr.write(failure + "\n")
            if failures:
                summary.failed += 1
                continue
            summary.results += 1
    finally:
        progress.close()
    sys.stderr.write(f"medcredit: {closing_line(summary, None, time.monotonic() - started, ui_lang(args))}\n")
    exit_code = EXIT_PROBLEMS if summary.rejected or summary.failed else EXIT_OK
    if args.format == "json":
        emit_json({"cycle": args.cycle, "packs": names, "results": rows})
        return exit_code
    header = ["subject", "pack", "status", "grade", "score", "lists", "measures"]
    # a control character in an id (a line feed, a tab) is shown escaped: it cannot forge a row or a column
    table = [header] + [
        [
            one_line(cell)
            for cell in (
                row["subject"],
                row["pack"],
                row["status"],
                row.get("grade_label") or row["grade"] or "-",
                row["score"] or "-",
                ",".join(row["listings"]) or "-",
                str(len(row["measures"])),
            )
        ]
        for row in rows
    ]
    widths = [max(_width(r[i]) for r in table) for i in range(len(header))]
    for r in table:
        sys.stdout.write("  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths, strict=True)).rstrip() + "\n")
    return exit_code


def _compare_one(
    packs: list[CompiledPack], names: list[str], item: Loaded, args: argparse.Namespace
) -> tuple[list[dict[str, Any]], list[str]]:
    """The subject's row under every pack, and the failures: a pack under which its evaluation fails gives a
    ``failed`` row (the subject is not dropped from the comparison, nor its rows under the other packs)."""
    rows, failed = compare_rows(packs, item.subject, args.cycle, override_validity=args.override_validity)
    failures = [f"{Failed(item.where, item.subject.id, exc).render()} (under pack {names[k]})" for k, exc in failed]
    return rows, failures


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def cmd_diff(args: argparse.Namespace) -> int:
    """Impact analysis: evaluate a population under two pack versions in one streaming pass."""
    from medcredit.analysis.impact import analyse, impact_to_json, render_impact_text
    from medcredit.analysis.impact_html import render_impact_html

    started = time.monotonic()
    inputs = [("OLD", pack_file(args.old)), ("NEW", pack_file(args.new)), ("--population", args.population)]
    refuse_overwriting(inputs, ("--html", args.html), ui_lang(args))
    old, new = load_pack(args.old), load_pack(args.new)
    summary = BatchSummary()
    progress = _progress(args, args.population, "label_compared", summary)
    lang = report_lang(args, "en")

    def items() -> Iterator[Item]:
        for item in _subjects(args, args.population, summary.tally):
            summary.read += 1
            if isinstance(item, Rejected):
                emit_problems(item.problems, sys.stderr)
                summary.rejected += 1
            yield item
            progress.tick()

    def failed(item: Loaded, side: str, error: MedcreditError) -> None:
        pack = args.old if side == "old" else args.new
        sys.stderr.write(f"{Failed(item.where, item.subject.id, error).render()} (under {side} pack {pack})\n")

    gc_was_enabled = gc.isenabled()
    gc.disable()  # as in _results: no reference cycles, the collector only costs time
    try:
        impact = analyse(
            old,
            new,
            items(),
            args.cycle,
            override_validity=args.override_validity,
            max_examples=args.examples,
            old_source=args.old,
            new_source=args.new,
            population=args.population,
            on_failure=failed,
        )
    finally:
        if gc_was_enabled:
            gc.enable()
        progress.close()
    if args.html:
        try:
            page = render_impact_html(impact, lang, pack_pages=args.pack_pages)
            Path(args.html).write_text(page, encoding="utf-8")
        except OSError as exc:
            reason = exc.strerror or exc
            sys.stderr.write(f"medcredit: {msg('cannot_write', ui_lang(args), target=args.html, reason=reason)}\n")
            return EXIT_USAGE
    sys.stdout.write(impact_to_json(impact) if args.format == "json" else render_impact_text(impact, lang))
    # subjects the analysis could not evaluate under one of the packs count as failed
    summary.failed = impact.failed
    summary.results = summary.read - impact.rejected - impact.failed
    # the outcomes under each pack are the report's distribution; the closing line is the account and time
    lang_ui = ui_lang(args)
    see_above = msg("see_above", lang_ui) if summary.rejected or summary.failed else ""
    sys.stderr.write(f"medcredit: {closing_line(summary, None, time.monotonic() - started, lang_ui)}{see_above}\n")
    # as for evaluate: a report that leaves out subjects (unreadable, or failing under a pack) is exit 1
    return EXIT_PROBLEMS if summary.rejected or summary.failed else EXIT_OK


def _encoding_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--encoding",
        metavar="NAME",
        help="text encoding of the history (utf-8, gb18030, gbk, ...; default: detected, with a warning if not UTF-8)",
    )


def register(sub: Subparsers) -> None:
    """Add the evaluate, explain, compare, diff commands to the parser."""

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--pack", required=True, help="bundled pack name or pack file")
        when = p.add_mutually_exclusive_group(required=True)
        when.add_argument("--cycle", type=cycle_arg, help="evaluation cycle (year); give this or --as-of")
        when.add_argument(
            "--as-of",
            type=parse_date,
            metavar="DATE",
            help="evaluation date (YYYY-MM-DD), for packs whose cycle kind is as_of or rolling; give this or --cycle",
        )
        p.add_argument(
            "--linked",
            action="store_true",
            help="also evaluate each institution's linked persons (with their own records) as subjects",
        )
        add_lang_option(p, "zh")
        p.add_argument(
            "--override-validity",
            action="store_true",
            help="evaluate a cycle outside the pack's validity (recorded in the result)",
        )
        p.add_argument("file", metavar="FILE", help="history: .json, .jsonl, .yaml, .csv, .xlsx (- for JSONL on stdin)")
        _encoding_option(p)
        p.add_argument(
            "--summary-json",
            metavar="FILE",
            help="also write the closing account (inputs, results, rejected, failed, skipped) as JSON to FILE",
        )

    p = sub.add_parser("evaluate", help="grade subjects of a history file")
    common(p)
    p.add_argument(
        "--format",
        choices=["json", "jsonl", "text", "summary"],
        default=None,
        help="output format (default: jsonl for .jsonl input, else json)",
    )
    p.add_argument("--no-trace", action="store_true", help="omit the trace (fastest)")
    p.add_argument(
        "--engine",
        choices=["compiled", "interpreted"],
        default="compiled",
        help="compiled: the pack's paths as generated Python, the interpreter for the paths `check` lists as "
        "interpreted (same results, byte for byte); interpreted: the interpreter only",
    )
    p.add_argument(
        "--jobs",
        type=count_or_auto("processes"),  # auto: AUTO_JOBS, decided per input by auto_jobs
        default=AUTO_JOBS,
        metavar="N",
        help="evaluate JSONL input in N processes over chunks of lines, output in input order and byte for byte "
        "as with 1 (json output and other input formats use one process); auto: one per available core (at most "
        f"{MAX_AUTO_JOBS}) for a JSONL file of {AUTO_MIN_BYTES // 2**20} MiB or more, else 1 (default: auto)",
    )
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("explain", help="explain each subject's result as readable text")
    common(p)
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("compare", help="evaluate one history under every bundled pack, side by side")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--cycle", required=True, type=cycle_arg)
    p.add_argument("--pack", dest="packs", action="append", help="limit to these packs (repeatable)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--override-validity", action="store_true")
    _encoding_option(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("diff", help="impact analysis: how a population's grades change between two pack versions")
    p.add_argument("old", metavar="OLD", help="old pack: bundled name or pack file")
    p.add_argument("new", metavar="NEW", help="new pack: bundled name or pack file")
    p.add_argument(
        "--population", required=True, metavar="FILE", help="histories: .jsonl (streamed), .json, .yaml; - for stdin"
    )
    p.add_argument("--cycle", required=True, type=cycle_arg, help="evaluation cycle (year)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report to FILE")
    p.add_argument(
        "--pack-pages",
        default="",
        metavar="URL",
        help="where the rendered pack pages (medcredit render) are, for the report's links to articles"
        " (default: beside the report)",
    )
    add_lang_option(p, "en", "report's own words")
    p.add_argument(
        "--examples",
        type=whole_arg("--examples"),
        default=5,
        metavar="N",
        help="example subjects kept per transition (0: none)",
    )
    p.add_argument("--override-validity", action="store_true")
    _encoding_option(p)
    p.set_defaults(func=cmd_diff)
