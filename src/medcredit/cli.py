"""The ``medcredit`` command line.

Every user error (bad pack, bad history, unknown pack, outside validity) is a
clear message on stderr and a non-zero exit, never a traceback.  Exit codes:
0 success, 1 the input had problems (invalid pack, rejected subjects),
2 usage error or unreadable input.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from medcredit.engine import evaluate
from medcredit.errors import MedcreditError, ProblemsError
from medcredit.histio import Loaded, Rejected, iter_subjects
from medcredit.pack.compiled import CompiledPack
from medcredit.pack.loader import load_pack, validate_pack_text
from medcredit.problems import Problem
from medcredit.render import render_text, result_to_dict, to_json
from medcredit.yamlload import read_text

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2


class Progress:
    """A one-line progress counter on stderr, shown only when stderr is a terminal."""

    def __init__(self, stream: IO[str], label: str, every: int = 1000) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.label = label
        self.every = every
        self.count = 0

    def tick(self) -> None:
        self.count += 1
        if self.enabled and self.count % self.every == 0:
            self.stream.write(f"\r{self.label}: {self.count:,} subjects")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write(f"\r{self.label}: {self.count:,} subjects\n")
            self.stream.flush()


def _emit_problems(problems: Sequence[Problem], out: IO[str], fmt: str = "parsable") -> None:
    for p in problems:
        if fmt == "github":
            out.write(f"::{p.level} file={p.file},line={p.line},col={p.column},title={p.code}::{p.full_message}\n")
        else:
            out.write(p.render() + "\n")


def cmd_validate(args: argparse.Namespace) -> int:
    worst = EXIT_OK
    for name in args.packs:
        path = Path(name)
        try:
            text = read_text(path) if path.exists() else None
        except ProblemsError as exc:
            _emit_problems(exc.problems, sys.stdout)
            worst = EXIT_PROBLEMS
            continue
        if text is None:
            try:
                load_pack(name)
            except ProblemsError as exc:
                _emit_problems(exc.problems, sys.stdout)
                worst = EXIT_PROBLEMS
            continue
        compiled, problems = validate_pack_text(text, name)
        _emit_problems(problems, sys.stdout)
        if compiled is None:
            worst = EXIT_PROBLEMS
        elif not args.quiet:
            sys.stderr.write(f"{name}: ok ({compiled.id}, {compiled.content_hash[:19]}…)\n")
    return worst


def _results(pack: CompiledPack, args: argparse.Namespace, on_result: Callable[[Any, Any], None]) -> tuple[int, int]:
    """Evaluate every subject of ``args.file``; return (evaluated, rejected)."""
    progress = Progress(sys.stderr, "evaluated")
    evaluated = rejected = 0
    # Results are written and dropped at once and create no reference cycles, so the
    # cyclic collector only costs time here (PERFORMANCE.md); collect explicitly instead.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for item in iter_subjects(args.file):
            if isinstance(item, Rejected):
                rejected += 1
                on_result(None, item)
            else:
                assert isinstance(item, Loaded)
                result = evaluate(
                    pack,
                    item.subject,
                    args.cycle,
                    trace=not getattr(args, "no_trace", False),
                    override_validity=args.override_validity,
                )
                evaluated += 1
                on_result(result, item)
            progress.tick()
            if progress.count % 100_000 == 0:
                gc.collect()
    finally:
        if gc_was_enabled:
            gc.enable()
        progress.close()
    return evaluated, rejected


def _rejected_dict(item: Rejected) -> dict[str, Any]:
    return {
        "format": "medcredit.trace/1",
        "status": "rejected",
        "where": item.where,
        "problems": [p.as_dict() for p in item.problems],
    }


def cmd_evaluate(args: argparse.Namespace) -> int:
    pack = load_pack(args.pack)
    out: IO[str] = sys.stdout
    fmt = args.format
    if fmt is None:
        fmt = "jsonl" if str(args.file).endswith((".jsonl", ".ndjson")) or args.file == "-" else "json"
    collected: list[dict[str, Any]] = []

    def write(result: Any, item: Any) -> None:
        if result is None:
            _emit_problems(item.problems, sys.stderr)
            record = _rejected_dict(item)
            if fmt == "jsonl":
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            elif fmt == "json":
                collected.append(record)
            else:
                out.write(f"{item.where}: rejected\n")
            return
        if fmt == "jsonl":
            out.write(to_json(result, pack) + "\n")
        elif fmt == "json":
            collected.append(result_to_dict(result, pack))
        elif fmt == "text":
            out.write(render_text(result, pack, args.lang) + "\n")
        else:  # summary
            grade = result.grade or "-"
            score = "-" if result.score is None else format(result.score, "f")
            out.write(f"{result.subject_id}\t{result.category}\t{result.status}\t{grade}\t{score}\n")

    evaluated, rejected = _results(pack, args, write)
    if fmt == "json":
        body: Any = collected[0] if len(collected) == 1 else collected
        out.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
    if rejected:
        sys.stderr.write(f"medcredit: {evaluated} evaluated, {rejected} rejected (see above)\n")
        return EXIT_PROBLEMS
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    args.format = "text"
    return cmd_evaluate(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="medcredit",
        description="Medical-insurance fund supervision credit rules as executable policy packs.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="validate policy packs (file:line:col: [level] message (code))")
    p.add_argument("packs", nargs="+", metavar="PACK", help="pack files or bundled pack names")
    p.add_argument("-q", "--quiet", action="store_true", help="print problems only")
    p.set_defaults(func=cmd_validate)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--pack", required=True, help="bundled pack name or pack file")
        p.add_argument("--cycle", required=True, type=int, help="evaluation cycle (year)")
        p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of text output")
        p.add_argument(
            "--override-validity",
            action="store_true",
            help="evaluate a cycle outside the pack's validity (recorded in the result)",
        )
        p.add_argument("file", metavar="FILE", help="history: .json, .jsonl, .yaml (- for JSONL on stdin)")

    p = sub.add_parser("evaluate", help="grade subjects of a history file")
    common(p)
    p.add_argument(
        "--format",
        choices=["json", "jsonl", "text", "summary"],
        default=None,
        help="output format (default: jsonl for .jsonl input, else json)",
    )
    p.add_argument("--no-trace", action="store_true", help="omit the trace (fastest)")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("explain", help="explain each subject's result as readable text")
    common(p)
    p.set_defaults(func=cmd_explain)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except ProblemsError as exc:
        _emit_problems(exc.problems, sys.stderr)
        sys.stderr.write(f"medcredit: {str(exc).splitlines()[0]}\n")
        return EXIT_PROBLEMS
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
