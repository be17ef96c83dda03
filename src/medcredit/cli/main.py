"""The ``medcredit`` command line.

Every user error (bad pack, bad history, unknown pack, outside validity) is a
clear message on stderr and a non-zero exit, never a traceback.  Exit codes:
0 success, 1 the input had problems (invalid pack, rejected subjects),
2 usage error or unreadable input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from medcredit.diagnostics.errors import MedcreditError, ProblemsError, ValidityError
from medcredit.diagnostics.problems import Problem
from medcredit.engine.evaluation import evaluate
from medcredit.engine.listing import consequence_dict, listing_dict
from medcredit.history.reader import Loaded, Rejected, iter_subjects
from medcredit.io.yamlload import read_text
from medcredit.pack.compiled import CompiledPack
from medcredit.pack.loader import bundled_pack_names, load_pack, validate_pack_text
from medcredit.procedures.deadlines import compute_deadline, deadline_chain
from medcredit.procedures.standing import standing
from medcredit.render.output import render_text, result_to_dict, to_json
from medcredit.repair.assess import assess_repair
from medcredit.time.official_calendar import OfficialCalendar, load_schedule

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


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None


def _calendar(args: argparse.Namespace) -> OfficialCalendar | None:
    files = getattr(args, "schedule", None) or []
    if not files:
        return None
    return OfficialCalendar([load_schedule(Path(f)) for f in files])


def cmd_deadline(args: argparse.Namespace) -> int:
    pack = load_pack(args.pack)
    cal = _calendar(args)
    if args.chain:
        answers = deadline_chain(
            pack, args.deadline, args.start, calendar=cal, override_validity=args.override_validity
        )
    else:
        one = compute_deadline(pack, args.deadline, args.start, calendar=cal, override_validity=args.override_validity)
        answers = [one]
    if args.format == "json":
        body: Any = [a.as_dict() for a in answers] if args.chain else answers[0].as_dict()
        sys.stdout.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    zh = args.lang == "zh"
    for a in answers:
        d = a.deadline
        if zh:
            sys.stdout.write(f"{d.label.zh}（{d.id}）：自 {a.start}（{d.starts.zh}）起，截止 {a.due.value}\n")
            sys.stdout.write(f"  依据【{d.cite.article}】{d.cite.quote}\n  计算：{a.due.explanation_zh}\n")
        else:
            label, starts = d.label.en or d.label.zh, d.starts.en or d.starts.zh
            sys.stdout.write(f"{label} ({d.id}): from {a.start} ({starts}), due {a.due.value}\n")
            sys.stdout.write(f"  basis [{d.cite.article}] {d.cite.quote}\n  computed: {a.due.explanation}\n")
        sys.stdout.write("  " + "; ".join(a.due.sources) + "\n")
        if a.validity_overridden:
            sys.stdout.write("  (outside the pack's validity: overridden)\n")
    return EXIT_OK


def _one_subject(path: str) -> Any:
    from medcredit.history.reader import load_subject

    return load_subject(path)


def cmd_repair(args: argparse.Namespace) -> int:
    pack = load_pack(args.pack)
    subject = _one_subject(args.file)
    declarations = dict.fromkeys(args.declare or [], True)
    declarations.update(dict.fromkeys(args.deny or [], False))
    answer = assess_repair(
        pack, subject, args.record, args.on, declarations=declarations, override_validity=args.override_validity
    )
    if args.format == "json":
        sys.stdout.write(json.dumps(answer.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        zh = args.lang == "zh"
        verdict = (
            ("可以申请信用修复" if answer.eligible else "不能申请信用修复")
            if zh
            else ("eligible for credit repair" if answer.eligible else "not eligible for credit repair")
        )
        sys.stdout.write(f"{answer.subject_id} / {answer.record_id} @ {answer.on}: {verdict} ({answer.route or '-'})\n")
        for c in answer.conditions:
            mark = "✓" if c.met else "✗"
            text = c.reason_zh if zh else c.reason
            sys.stdout.write(f"  {mark} {c.id}【{c.article}】{text}\n")
        if answer.earliest:
            sys.stdout.write(
                ("  时间条件最早满足日：" if zh else "  earliest date the time conditions hold: ")
                + f"{answer.earliest}\n"
            )
        if not answer.conditions:
            sys.stdout.write(f"  {answer.reason}\n")
    return EXIT_OK if answer.eligible else EXIT_PROBLEMS


def cmd_standing(args: argparse.Namespace) -> int:
    pack = load_pack(args.pack)
    subject = _one_subject(args.file)
    st = standing(pack, subject, args.as_of, override_validity=args.override_validity)
    body = {
        "pack": pack.id,
        "subject": st.subject_id,
        "as_of": st.as_of.isoformat(),
        "records_in_force": list(st.in_force),
        "records_not_in_force": [{"index": i, "reason": r} for i, r in st.not_in_force],
        "listings": [listing_dict(x) for x in st.listings],
        "consequences": [consequence_dict(c) for c in st.consequences],
        "validity_overridden": st.validity_overridden,
    }
    sys.stdout.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    names = args.packs or bundled_pack_names()
    packs = [load_pack(n) for n in names]
    rows: list[dict[str, Any]] = []
    for item in iter_subjects(args.file):
        if isinstance(item, Rejected):
            _emit_problems(item.problems, sys.stderr)
            return EXIT_PROBLEMS
        assert isinstance(item, Loaded)
        for pack in packs:
            try:
                r = evaluate(pack, item.subject, args.cycle, override_validity=args.override_validity)
            except ValidityError as exc:
                rows.append(
                    {
                        "subject": item.subject.id,
                        "pack": pack.id,
                        "status": "outside_validity",
                        "grade": None,
                        "score": None,
                        "listings": [],
                        "measures": [],
                        "note": str(exc),
                    }
                )
                continue
            rows.append(
                {
                    "subject": r.subject_id,
                    "pack": pack.id,
                    "status": r.status,
                    "grade": r.grade,
                    "grade_label": pack.grade_label(r.grade) if r.grade else None,
                    "score": None if r.score is None else format(r.score, "f"),
                    "listings": [x.list_id for x in r.listings if x.active],
                    "measures": list(r.measures),
                    "exclusions": list(r.exclusions),
                    "reason": r.reason,
                }
            )
    if args.format == "json":
        sys.stdout.write(
            json.dumps({"cycle": args.cycle, "packs": names, "results": rows}, ensure_ascii=False, indent=2) + "\n"
        )
        return EXIT_OK
    header = ["subject", "pack", "status", "grade", "score", "lists", "measures"]
    table = [header] + [
        [
            row["subject"],
            row["pack"],
            row["status"],
            row.get("grade_label") or row["grade"] or "-",
            row["score"] or "-",
            ",".join(row["listings"]) or "-",
            str(len(row["measures"])),
        ]
        for row in rows
    ]
    widths = [max(_width(r[i]) for r in table) for i in range(len(header))]
    for r in table:
        sys.stdout.write("  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths, strict=True)).rstrip() + "\n")
    return EXIT_OK


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def cmd_diff(args: argparse.Namespace) -> int:
    """Impact analysis: evaluate a population under two pack versions in one streaming pass."""
    from collections.abc import Iterator

    from medcredit.analysis.impact import analyse, impact_to_json, render_impact_text
    from medcredit.analysis.impact_html import render_impact_html
    from medcredit.history.reader import Item

    old, new = load_pack(args.old), load_pack(args.new)
    progress = Progress(sys.stderr, "compared")

    def items() -> Iterator[Item]:
        for item in iter_subjects(args.population):
            if isinstance(item, Rejected):
                _emit_problems(item.problems, sys.stderr)
            yield item
            progress.tick()

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
        )
    finally:
        if gc_was_enabled:
            gc.enable()
        progress.close()
    if args.html:
        try:
            Path(args.html).write_text(render_impact_html(impact), encoding="utf-8")
        except OSError as exc:
            sys.stderr.write(f"medcredit: cannot write {args.html}: {exc.strerror or exc}\n")
            return EXIT_USAGE
    sys.stdout.write(impact_to_json(impact) if args.format == "json" else render_impact_text(impact))
    return EXIT_OK


def cmd_test(args: argparse.Namespace) -> int:
    from medcredit.packtests.runner import case_files, run_file

    if args.properties:
        # `medcredit test --properties PACK`: the generic properties instead of the YAML cases
        args.pack, args.property = args.target, None
        return cmd_properties(args)
    files = case_files(Path(args.target))
    if not files:
        sys.stderr.write(f"medcredit: no *.cases.yaml files under {args.target}\n")
        return EXIT_USAGE
    passed = failed = 0
    for path in files:
        for outcome in run_file(path):
            if outcome.passed:
                passed += 1
                continue
            failed += 1
            sys.stdout.write(f"FAIL {outcome.file}:{outcome.line} → {outcome.name}\n")
            for d in outcome.differences:
                sys.stdout.write(f"     {d.render()}\n")
            for p in outcome.problems:
                sys.stdout.write(f"     {p.render()}\n")
    sys.stdout.write(f"{passed} passed, {failed} failed\n")
    return EXIT_OK if failed == 0 else EXIT_PROBLEMS


def _colour(level: str, text: str) -> str:
    code = "31" if level == "error" else "33"
    return f"\033[{code}m{text}\033[0m"


def cmd_check(args: argparse.Namespace) -> int:
    from medcredit.checks import CheckContext, run_checks

    today = args.today or dt.date.today()  # the CLI may read the clock; the checks do not
    all_problems: list[Problem] = []
    for name in args.packs:
        path = Path(name)
        if path.exists():
            text, file = read_text(path), name
        else:
            load_pack(name)  # raises PackNotFoundError with a suggestion
            from importlib import resources

            text = resources.files("medcredit").joinpath(f"packs/{name}.yaml").read_text("utf-8")
            file = f"policies/{name}.yaml"
        compiled, problems = validate_pack_text(text, file)
        all_problems.extend(problems)
        if compiled is not None:
            from medcredit.io.yamlload import load_yaml

            located = load_yaml(text, file)
            only = set(args.select) if args.select else None
            all_problems.extend(run_checks(CheckContext(compiled, located, today), only))
    fmt = args.format
    if fmt == "json":
        sys.stdout.write(json.dumps([p.as_dict() for p in all_problems], ensure_ascii=False, indent=2) + "\n")
    elif fmt in ("parsable", "github"):
        _emit_problems(all_problems, sys.stdout, fmt)
    else:
        colour = sys.stdout.isatty()
        for p in all_problems:
            head = f"{p.file}:{p.line}:{p.column}"
            level = _colour(p.level, p.level) if colour else p.level
            sys.stdout.write(f"{head}: {level}: {p.full_message} [{p.code}]\n")
        errors = sum(p.level == "error" for p in all_problems)
        warnings = len(all_problems) - errors
        sys.stdout.write(f"{len(args.packs)} pack(s) checked: {errors} error(s), {warnings} warning(s)\n")
    failing = [p for p in all_problems if p.level == "error" or args.strict]
    return EXIT_PROBLEMS if failing else EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from medcredit.authoring.schemas import schema_json

    sys.stdout.write(schema_json(args.which))
    return EXIT_OK


def cmd_docs(args: argparse.Namespace) -> int:
    from medcredit.authoring.docgen import generate
    from medcredit.authoring.schemas import schema_json

    for path in generate(Path(args.outdir)):
        sys.stderr.write(f"wrote {path}\n")
    schemas = Path(args.schemas)
    schemas.mkdir(parents=True, exist_ok=True)
    for which in ("pack", "history"):
        target = schemas / f"{which}.schema.json"
        target.write_text(schema_json(which), encoding="utf-8")
        sys.stderr.write(f"wrote {target}\n")
    return EXIT_OK


def cmd_properties(args: argparse.Namespace) -> int:
    from medcredit.testing import run_properties

    report = run_properties(args.pack, args.profile, properties=args.property, seed=args.seed)
    sys.stdout.write(report.render())
    return EXIT_OK if report.ok else EXIT_PROBLEMS


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

    p = sub.add_parser("compare", help="evaluate one history under every bundled pack, side by side")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--cycle", required=True, type=int)
    p.add_argument("--pack", dest="packs", action="append", help="limit to these packs (repeatable)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--override-validity", action="store_true")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("diff", help="impact analysis: how a population's grades change between two pack versions")
    p.add_argument("old", metavar="OLD", help="old pack: bundled name or pack file")
    p.add_argument("new", metavar="NEW", help="new pack: bundled name or pack file")
    p.add_argument(
        "--population", required=True, metavar="FILE", help="histories: .jsonl (streamed), .json, .yaml; - for stdin"
    )
    p.add_argument("--cycle", required=True, type=int, help="evaluation cycle (year)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report to FILE")
    p.add_argument("--examples", type=int, default=5, metavar="N", help="example subjects kept per transition")
    p.add_argument("--override-validity", action="store_true")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("deadline", help="due date of a procedural deadline declared in a pack")
    p.add_argument("--pack", required=True)
    p.add_argument("deadline", metavar="DEADLINE", help="deadline id, e.g. objection_verification")
    p.add_argument("start", metavar="DATE", type=_date, help="the day the count starts from (not counted)")
    p.add_argument("--chain", action="store_true", help="also the deadlines that follow this one")
    p.add_argument(
        "--schedule",
        action="append",
        metavar="FILE",
        help="official holiday schedule for a year the library does not know (YAML/JSON)",
    )
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--override-validity", action="store_true")
    p.set_defaults(func=cmd_deadline)

    p = sub.add_parser("repair", help="credit repair eligibility of one record on a date")
    p.add_argument("--pack", required=True)
    p.add_argument("--record", required=True, help="id of the record to repair")
    p.add_argument("--on", required=True, type=_date, help="date of the application")
    p.add_argument("--declare", action="append", metavar="NAME", help="a declared condition that holds")
    p.add_argument("--deny", action="append", metavar="NAME", help="a declared condition that does not hold")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--override-validity", action="store_true")
    p.add_argument("file", metavar="FILE", help="one subject's history (.json or .yaml)")
    p.set_defaults(func=cmd_repair)

    p = sub.add_parser("test", help="run YAML pack tests (*.cases.yaml), or with --properties a pack's properties")
    p.add_argument("target", metavar="DIR_OR_FILE_OR_PACK")
    p.add_argument("--properties", action="store_true", help="run the generic properties on the pack TARGET")
    p.add_argument("--profile", choices=["ci", "release"], default="ci", help="with --properties: example budget")
    p.add_argument("--seed", type=int, default=None, help="with --properties: random seed")
    p.set_defaults(func=cmd_test)

    p = sub.add_parser("check", help="static checks of packs (reachability, completeness, citations, validity)")
    p.add_argument("packs", nargs="+", metavar="PACK")
    p.add_argument("--strict", action="store_true", help="warnings fail too")
    p.add_argument("--format", choices=["human", "parsable", "json", "github"], default="human")
    p.add_argument("--select", action="append", metavar="CHECK_ID", help="run only these checks")
    p.add_argument("--today", type=_date, default=None, help="the date for staleness checks (default: today)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("schema", help="print the JSON Schema of the pack or the history format")
    p.add_argument("which", choices=["pack", "history"])
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("docs", help="generate the coverage tables and the catalogue page")
    p.add_argument("outdir", nargs="?", default="docs")
    p.add_argument("--schemas", default="schemas", help="where to write the JSON Schemas")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("standing", help="a subject's standing on a date (lists, sanctions, records in force)")
    p.add_argument("--pack", required=True)
    p.add_argument("--as-of", required=True, type=_date, dest="as_of")
    p.add_argument("--override-validity", action="store_true")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=cmd_standing)

    p = sub.add_parser("properties", help="check the generic properties every pack must satisfy (generated histories)")
    p.add_argument("pack", metavar="PACK", help="bundled pack name or pack file")
    p.add_argument("--profile", choices=["ci", "release"], default="ci", help="ci: 40 examples each; release: 1000")
    p.add_argument("--seed", type=int, default=None, help="random seed (repeats a release run)")
    p.add_argument("--property", action="append", metavar="ID", help="run only these properties (repeatable)")
    p.set_defaults(func=cmd_properties)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except ProblemsError as exc:
        _emit_problems(exc.problems, sys.stderr)
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
