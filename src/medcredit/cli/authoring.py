"""Commands for pack authors: validate, check, test, properties, schema, docs."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from medcredit.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    add_seeds_option,
    colour_enabled,
    emit_json,
    emit_problems,
    parse_date,
    require_known,
    ui_lang,
    whole_arg,
)
from medcredit.cli.messages import msg
from medcredit.diagnostics.errors import MedcreditError, ProblemsError
from medcredit.diagnostics.escape import one_line
from medcredit.diagnostics.problems import Problem, has_errors, rank
from medcredit.io.limits import PACK_LIMITS
from medcredit.pack.compiled import CompiledPack
from medcredit.pack.loader import PackSource, read_pack_source, validate_pack_text

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def _verify_seed(
    compiled: CompiledPack, source: PackSource, seeds_dir: Path | None, quiet: bool = False
) -> list[Problem]:
    """The pack's articles and quotes against its source text; a note on stderr says what was (not) verified."""
    from medcredit.io.yamlload import load_yaml
    from medcredit.pack.seed import verify_seed

    located = load_yaml(source.text, source.file)
    result = verify_seed(compiled.model, located, pack_file=source.path, seeds_dir=seeds_dir)
    if not quiet and not result.problems:
        sys.stderr.write(one_line(f"{source.file}: {result.note}") + "\n")
    return result.problems


def cmd_validate(args: argparse.Namespace) -> int:
    worst = EXIT_OK
    report: list[dict[str, object]] = []
    for name in args.packs:
        try:
            source = read_pack_source(name)
        except ProblemsError as exc:
            if args.format == "parsable":
                emit_problems(exc.problems, sys.stdout)
            report.append({"pack": name, "ok": False, "problems": [p.as_dict() for p in exc.problems]})
            worst = max(worst, EXIT_USAGE)
            continue
        compiled, problems = validate_pack_text(source.text, source.file)
        if compiled is not None:
            quiet = args.quiet or args.format == "json"
            problems = rank([*problems, *_verify_seed(compiled, source, args.seeds, quiet)])
        ok = compiled is not None and not has_errors(problems)
        report.append(
            {
                "pack": name,
                "ok": ok,
                "id": compiled.id if compiled else None,
                "content_hash": compiled.content_hash if compiled else None,
                "problems": [p.as_dict() for p in problems],
            }
        )
        if args.format == "json":
            worst = max(worst, EXIT_OK if ok else EXIT_PROBLEMS)
            continue
        emit_problems(problems, sys.stdout)
        if not ok:
            worst = max(worst, EXIT_PROBLEMS)
        elif compiled is not None and not args.quiet:
            ok_line = msg(
                "validate_ok", ui_lang(args), name=one_line(name), id=compiled.id, hash=compiled.content_hash[:19]
            )
            sys.stderr.write(ok_line + "\n")
    if args.format == "json":
        emit_json(report)
    return worst


def cmd_test(args: argparse.Namespace) -> int:
    from medcredit.packtests.runner import case_files, run_file

    if args.properties:
        # `medcredit test --properties PACK`: the generic properties instead of the YAML cases
        args.pack, args.property = args.target, None
        return cmd_properties(args)
    files = case_files(Path(args.target))
    if not files:
        sys.stderr.write(f"medcredit: {msg('no_case_files', ui_lang(args), target=args.target)}\n")
        return EXIT_USAGE
    passed = failed = 0
    report: list[dict[str, object]] = []
    for path in files:
        for outcome in run_file(path):
            report.append(
                {
                    "file": outcome.file,
                    "line": outcome.line,
                    "name": outcome.name,
                    "passed": outcome.passed,
                    "differences": [
                        {"key": d.key, "expected": str(d.expected), "got": str(d.got)} for d in outcome.differences
                    ],
                    "problems": [p.as_dict() for p in outcome.problems],
                }
            )
            if outcome.passed:
                passed += 1
                continue
            failed += 1
            if args.format == "json":
                continue
            sys.stdout.write(f"FAIL {outcome.file}:{outcome.line} → {outcome.name}\n")
            for d in outcome.differences:
                sys.stdout.write(f"     {d.render()}\n")
            for p in outcome.problems:
                sys.stdout.write(f"     {p.render()}\n")
    if args.format == "json":
        emit_json({"passed": passed, "failed": failed, "cases": report})
    else:
        sys.stdout.write(msg("test_headline", ui_lang(args), passed=passed, failed=failed) + "\n")
    return EXIT_OK if failed == 0 else EXIT_PROBLEMS


def _colour(level: str, text: str) -> str:
    code = "31" if level == "error" else "33"
    return f"\033[{code}m{text}\033[0m"


def _linked(problems: list[Problem], pack_id: str | None, data: object) -> list[dict[str, object]]:
    """Problems as JSON, each with the pack page anchor of the article its element cites (``link``, or null)."""
    from medcredit.render.links import article_at, article_link

    out: list[dict[str, object]] = []
    for p in problems:
        article = article_at(data, p.path) if pack_id is not None else None
        link = article_link(pack_id, article) if pack_id is not None and article is not None else None
        out.append(p.as_dict() | {"pack": pack_id, "article": article, "link": link})
    return out


def cmd_check(args: argparse.Namespace) -> int:
    from medcredit.checks import CheckContext, run_checks
    from medcredit.checks.base import CHECKS
    from medcredit.engine.codegen.support import describe_support

    lang = ui_lang(args)
    require_known("check", args.select, CHECKS, lang)
    today = args.today or dt.date.today()  # the CLI may read the clock; the checks do not
    all_problems: list[Problem] = []
    as_json: list[dict[str, object]] = []
    engine_lines: list[str] = []
    for name in args.packs:
        source = read_pack_source(name)  # raises PackNotFoundError with a suggestion
        compiled, problems = validate_pack_text(source.text, source.file)
        found = list(problems)
        data: object = None
        if compiled is not None:
            from medcredit.io.yamlload import load_yaml

            located = load_yaml(source.text, source.file, limits=PACK_LIMITS)
            data = located.data
            only = set(args.select) if args.select else None
            found.extend(run_checks(CheckContext(compiled, located, today), only))
            found.extend(_verify_seed(compiled, source, args.seeds, args.format != "human"))
            engine_lines.extend(f"{source.file}: {line}" for line in describe_support(compiled))
        all_problems.extend(found)
        as_json.extend(_linked(found, compiled.id if compiled is not None else None, data))
    fmt = args.format
    if fmt == "json":
        emit_json(as_json)
    elif fmt in ("parsable", "github"):
        emit_problems(all_problems, sys.stdout, fmt)
    else:
        colour = colour_enabled(args.color, sys.stdout)
        for p, linked in zip(all_problems, as_json, strict=True):
            head = f"{p.place}{p.line}:{p.column}"
            level = _colour(p.level, p.level) if colour else p.level
            # where to read the article beside the element (medcredit render), when the element cites one
            see = f" → {one_line(str(linked['link']))}" if linked["link"] else ""
            sys.stdout.write(f"{head}: {level}: {p.full_message} [{p.code}]{see}\n")
        for line in engine_lines:  # which paths `evaluate --engine compiled` runs as generated code
            sys.stdout.write(one_line(line) + "\n")
        errors = sum(p.level == "error" for p in all_problems)
        warnings = len(all_problems) - errors
        headline = msg("check_headline", lang, packs=len(args.packs), errors=errors, warnings=warnings)
        sys.stdout.write(headline + "\n")
    failing = [p for p in all_problems if p.level == "error" or args.strict]
    return EXIT_PROBLEMS if failing else EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from medcredit.authoring.schemas import schema_json

    sys.stdout.write(schema_json(args.which))
    return EXIT_OK


def cmd_docs(args: argparse.Namespace) -> int:
    from medcredit.authoring.docgen import generate
    from medcredit.authoring.schemas import schema_json
    from medcredit.cli.main import build_parser
    from medcredit.packtests.reference import case_format_markdown

    for path in generate(Path(args.outdir), build_parser(), {"case-files.md": case_format_markdown()}):
        sys.stderr.write(f"wrote {path}\n")
    try:
        from medcredit.serve.docs import service_markdown
    except ImportError:
        sys.stderr.write("medcredit: reference/service.md not written (needs the serve extra)\n")
    else:
        path = Path(args.outdir) / "reference" / "service.md"
        path.write_text(service_markdown(), encoding="utf-8")
        sys.stderr.write(f"wrote {path}\n")
    population = Path(args.population)
    left_out = 0  # population subjects the report example leaves out: rejected, or failing under a pack
    if population.is_file():
        from medcredit.analysis.report_example import write_diff_example
        from medcredit.engine.batch import Failed
        from medcredit.history.reader import Loaded, Rejected

        def rejected(item: Rejected) -> None:
            nonlocal left_out
            left_out += 1
            emit_problems(item.problems, sys.stderr)

        def failed(item: Loaded, side: str, error: MedcreditError) -> None:
            nonlocal left_out
            left_out += 1
            sys.stderr.write(f"{Failed(item.where, item.subject.id, error).render()} (under the {side} pack)\n")

        written = write_diff_example(
            Path(args.outdir),
            population,
            on_warning=lambda problem: emit_problems([problem], sys.stderr),
            on_rejected=rejected,
            on_failure=failed,
        )
        for path in written:
            sys.stderr.write(f"wrote {path}\n")
    else:
        sys.stderr.write(f"medcredit: reports/ not written ({population} not found)\n")
    schemas = Path(args.schemas)
    schemas.mkdir(parents=True, exist_ok=True)
    for which in ("pack", "history"):
        target = schemas / f"{which}.schema.json"
        target.write_text(schema_json(which), encoding="utf-8")
        sys.stderr.write(f"wrote {target}\n")
    if left_out:
        sys.stderr.write(
            f"medcredit: the diff report example leaves out {left_out} subjects of {population} (see above)\n"
        )
        return EXIT_PROBLEMS
    return EXIT_OK


def _hypothesis_home() -> Path:
    """A cache directory of medcredit's own for hypothesis, never the working directory.

    hypothesis keeps a ``.hypothesis/`` folder (example database, constants cache, absolute
    paths) in the current directory by default; an author running ``medcredit properties``
    in their pack's folder must not find it there.
    """
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "medcredit" / "hypothesis"


def cmd_properties(args: argparse.Namespace) -> int:
    from hypothesis.configuration import set_hypothesis_home_dir

    from medcredit.testing import run_properties

    if "HYPOTHESIS_STORAGE_DIRECTORY" not in os.environ:  # the user's explicit choice wins
        set_hypothesis_home_dir(_hypothesis_home())

    from medcredit.testing.registry import REGISTERED

    require_known("property", args.property, REGISTERED, ui_lang(args))
    report = run_properties(args.pack, args.profile, properties=args.property, seed=args.seed)
    if getattr(args, "format", "text") == "json":
        # the run's time is left out: the same run gives the same bytes
        outcomes = [
            {
                "id": o.property_id,
                "status": o.status,
                "ok": o.ok,
                "checked": o.checked,
                "message": o.message,
                "cases_yaml": o.cases_yaml,
            }
            for o in report.outcomes
        ]
        emit_json({"pack": report.pack_id, "profile": report.profile, "ok": report.ok, "properties": outcomes})
    else:
        sys.stdout.write(report.render())
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def cmd_template(args: argparse.Namespace) -> int:
    from medcredit.authoring.templates import write_template

    fmt = args.format or ("xlsx" if str(args.out).lower().endswith(".xlsx") else "csv")
    write_template(Path(args.out), fmt)
    sys.stderr.write(f"medcredit: {msg('wrote_template', ui_lang(args), fmt=fmt, path=args.out)}\n")
    return EXIT_OK


def register(sub: Subparsers) -> None:
    """Add the validate, test, check, schema, docs, properties, template commands to the parser."""
    p = sub.add_parser("validate", help="validate policy packs (file:line:col: [level] message (code))")
    p.add_argument("packs", nargs="+", metavar="PACK", help="pack files or bundled pack names")
    p.add_argument("-q", "--quiet", action="store_true", help="print problems only")
    p.add_argument("--format", choices=["parsable", "json"], default="parsable", help="problems as lines or JSON")
    add_seeds_option(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("test", help="run YAML pack tests (*.cases.yaml), or with --properties a pack's properties")
    p.add_argument("target", metavar="DIR_OR_FILE_OR_PACK")
    p.add_argument("--properties", action="store_true", help="run the generic properties on the pack TARGET")
    p.add_argument("--profile", choices=["ci", "release"], default="ci", help="with --properties: example budget")
    p.add_argument("--seed", type=whole_arg("--seed"), default=None, help="with --properties: random seed")
    p.add_argument("--format", choices=["text", "json"], default="text", help="case results as text or JSON")
    p.set_defaults(func=cmd_test)

    p = sub.add_parser("check", help="static checks of packs (reachability, completeness, citations, validity)")
    p.add_argument("packs", nargs="+", metavar="PACK")
    p.add_argument("--strict", action="store_true", help="warnings fail too")
    p.add_argument("--format", choices=["human", "parsable", "json", "github"], default="human")
    p.add_argument("--select", action="append", metavar="CHECK_ID", help="run only these checks")
    p.add_argument("--today", type=parse_date, default=None, help="the date for staleness checks (default: today)")
    add_seeds_option(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("schema", help="print the JSON Schema of the pack or the history format")
    p.add_argument("which", choices=["pack", "history"])
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("docs", help="generate the coverage tables and the catalogue page")
    p.add_argument("outdir", nargs="?", default="docs")
    p.add_argument("--schemas", default="schemas", help="where to write the JSON Schemas")
    p.add_argument(
        "--population",
        default="examples/wushan-subjects.jsonl",
        metavar="FILE",
        help="the example population of the diff report example (reports/)",
    )
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("properties", help="check the generic properties every pack must satisfy (generated histories)")
    p.add_argument("pack", metavar="PACK", help="bundled pack name or pack file")
    p.add_argument("--profile", choices=["ci", "release"], default="ci", help="ci: 40 examples each; release: 1000")
    p.add_argument("--seed", type=whole_arg("--seed"), default=None, help="random seed (repeats a release run)")
    p.add_argument("--property", action="append", metavar="ID", help="run only these properties (repeatable)")
    p.add_argument("--format", choices=["text", "json"], default="text", help="the report as text or JSON")
    p.set_defaults(func=cmd_properties)

    p = sub.add_parser("template", help="write a spreadsheet template for histories (.csv or .xlsx)")
    p.add_argument("out", metavar="OUT", help="file to write (.csv or .xlsx)")
    p.add_argument("--format", choices=["csv", "xlsx"], default=None, help="default: from OUT's extension")
    p.set_defaults(func=cmd_template)
