"""Commands for pack authors: validate, check, test, properties, schema, docs."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from medcredit.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, emit_problems, parse_date, require_known
from medcredit.diagnostics.errors import ProblemsError
from medcredit.diagnostics.problems import Problem
from medcredit.io.limits import PACK_LIMITS
from medcredit.io.yamlload import read_text
from medcredit.pack.loader import load_pack, validate_pack_text

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def cmd_validate(args: argparse.Namespace) -> int:
    worst = EXIT_OK
    for name in args.packs:
        path = Path(name)
        try:
            text = read_text(path, max_bytes=PACK_LIMITS.max_bytes) if path.exists() else None
        except ProblemsError as exc:
            emit_problems(exc.problems, sys.stdout)
            worst = EXIT_PROBLEMS
            continue
        if text is None:
            try:
                load_pack(name)
            except ProblemsError as exc:
                emit_problems(exc.problems, sys.stdout)
                worst = EXIT_PROBLEMS
            continue
        compiled, problems = validate_pack_text(text, name)
        emit_problems(problems, sys.stdout)
        if compiled is None:
            worst = EXIT_PROBLEMS
        elif not args.quiet:
            sys.stderr.write(f"{name}: ok ({compiled.id}, {compiled.content_hash[:19]}…)\n")
    return worst


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
    from medcredit.checks.base import CHECKS

    require_known("check", args.select, CHECKS)
    today = args.today or dt.date.today()  # the CLI may read the clock; the checks do not
    all_problems: list[Problem] = []
    for name in args.packs:
        path = Path(name)
        if path.exists():
            text, file = read_text(path, max_bytes=PACK_LIMITS.max_bytes), name
        else:
            load_pack(name)  # raises PackNotFoundError with a suggestion
            from importlib import resources

            text = resources.files("medcredit").joinpath(f"packs/{name}.yaml").read_text("utf-8")
            file = f"policies/{name}.yaml"
        compiled, problems = validate_pack_text(text, file)
        all_problems.extend(problems)
        if compiled is not None:
            from medcredit.io.yamlload import load_yaml

            located = load_yaml(text, file, limits=PACK_LIMITS)
            only = set(args.select) if args.select else None
            all_problems.extend(run_checks(CheckContext(compiled, located, today), only))
    fmt = args.format
    if fmt == "json":
        sys.stdout.write(json.dumps([p.as_dict() for p in all_problems], ensure_ascii=False, indent=2) + "\n")
    elif fmt in ("parsable", "github"):
        emit_problems(all_problems, sys.stdout, fmt)
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
    from medcredit.testing.runner import DRIVERS

    require_known("property", args.property, DRIVERS)
    report = run_properties(args.pack, args.profile, properties=args.property, seed=args.seed)
    sys.stdout.write(report.render())
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def register(sub: Subparsers) -> None:
    """Add the validate, test, check, schema, docs, properties commands to the parser."""
    p = sub.add_parser("validate", help="validate policy packs (file:line:col: [level] message (code))")
    p.add_argument("packs", nargs="+", metavar="PACK", help="pack files or bundled pack names")
    p.add_argument("-q", "--quiet", action="store_true", help="print problems only")
    p.set_defaults(func=cmd_validate)

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
    p.add_argument("--today", type=parse_date, default=None, help="the date for staleness checks (default: today)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("schema", help="print the JSON Schema of the pack or the history format")
    p.add_argument("which", choices=["pack", "history"])
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("docs", help="generate the coverage tables and the catalogue page")
    p.add_argument("outdir", nargs="?", default="docs")
    p.add_argument("--schemas", default="schemas", help="where to write the JSON Schemas")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("properties", help="check the generic properties every pack must satisfy (generated histories)")
    p.add_argument("pack", metavar="PACK", help="bundled pack name or pack file")
    p.add_argument("--profile", choices=["ci", "release"], default="ci", help="ci: 40 examples each; release: 1000")
    p.add_argument("--seed", type=int, default=None, help="random seed (repeats a release run)")
    p.add_argument("--property", action="append", metavar="ID", help="run only these properties (repeatable)")
    p.set_defaults(func=cmd_properties)
