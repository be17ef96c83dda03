"""Drive one fuzzed input through every public entry point; only MedcreditError may escape.

``exercise_pack`` calls the pack loader, the static checks, ``evaluate`` and the
renderers, and (with ``cli=True``) every command of the command line in-process;
``exercise_history`` does the same for one JSONL line.  A non-MedcreditError
exception propagates to the caller, which counts it (release run) or fails
(test suite).  argparse's SystemExit(2) for a usage error is accepted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from collections.abc import Sequence
from pathlib import Path

import medcredit
from medcredit.checks import CheckContext, run_checks
from medcredit.cli.main import main
from medcredit.diagnostics.errors import MedcreditError
from medcredit.engine.batch import BatchSummary, evaluate_items
from medcredit.history.reader import iter_jsonl
from medcredit.io.limits import PACK_LIMITS
from medcredit.io.yamlload import load_yaml
from medcredit.pack.loader import validate_pack_text
from medcredit.render.output import render_text, to_json
from medcredit.trace.result import Result

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "wushan-subjects.jsonl"
ONE = ROOT / "examples" / "one-pharmacy.json"
SUBJECT_LINES = EXAMPLES.read_text(encoding="utf-8").splitlines()[:3]


class UnexpectedExitError(Exception):
    """The CLI exited with a code that is not 0, 1 or 2."""


def to_bytes(text: str) -> bytes:
    """UTF-8 bytes of fuzzed text: escaped surrogates become the raw bytes they stand for."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")  # a real lone surrogate: invalid UTF-8 on disk


def run_cli(argv: Sequence[str]) -> int:
    """``medcredit ARGV`` in-process with captured output; the exit code (usage errors included)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse: usage errors only
            code = exc.code if isinstance(exc.code, int) else 2
    if code not in (0, 1, 2):
        raise UnexpectedExitError(f"medcredit {' '.join(argv)} exited {code}")
    if "Traceback" in err.getvalue():
        raise UnexpectedExitError(f"medcredit {' '.join(argv)} printed a traceback")
    return code


def _render(result: Result, pack: medcredit.CompiledPack) -> None:
    json.loads(to_json(result, pack))
    render_text(result, pack, "zh")
    render_text(result, pack, "en")


def exercise_pack(text: str, workdir: Path, *, cli: bool = False, properties: bool = False) -> bool:
    """Run ``text`` as a pack through the library (and CLI); True if it compiled."""
    compiled, problems = validate_pack_text(text, "fuzz.yaml")
    for problem in problems:
        problem.render()
    if compiled is not None:
        located = load_yaml(text, "fuzz.yaml", limits=PACK_LIMITS)
        run_checks(CheckContext(compiled, located, dt.date(2024, 1, 1)))
        for line in SUBJECT_LINES:
            subject = medcredit.load_subject(line, source="examples.jsonl")
            for cycle in (2023, 2024):
                with contextlib.suppress(MedcreditError):
                    _render(medcredit.evaluate(compiled, subject, cycle, override_validity=True), compiled)
    if cli:
        path = workdir / "fuzz.yaml"
        path.write_bytes(to_bytes(text))
        pack = str(path)
        for argv in (
            ["validate", pack],
            ["check", "--format", "json", pack],
            ["evaluate", "--pack", pack, "--cycle", "2023", "--override-validity", str(EXAMPLES)],
            ["explain", "--pack", pack, "--cycle", "2024", "--override-validity", str(ONE)],
            ["compare", "--cycle", "2023", "--pack", pack, "--override-validity", str(ONE)],
            ["diff", "wushan", pack, "--population", str(EXAMPLES), "--cycle", "2023", "--override-validity"],
            ["deadline", "--pack", pack, "objection_verification", "2024-03-01"],
            ["standing", "--pack", pack, "--as-of", "2024-03-01", "--override-validity", str(ONE)],
            ["repair", "--pack", pack, "--record", "r1", "--on", "2024-06-01", "--override-validity", str(ONE)],
            ["test", pack],
        ):
            run_cli(argv)
        if properties and compiled is not None:
            run_cli(["properties", pack, "--property", "determinism", "--seed", "1"])
    return compiled is not None


def exercise_history(line: str, workdir: Path, pack: medcredit.CompiledPack, *, cli: bool = False) -> int:
    """Run one JSONL line through the readers, the batch evaluator and the renderers (and CLI); items read."""
    summary = BatchSummary()
    items = list(iter_jsonl(io.StringIO(line + "\n"), "fuzz.jsonl", summary.tally))
    for _item, outcome in evaluate_items(pack, items, 2023, summary=summary):
        if isinstance(outcome, Result):
            _render(outcome, pack)
    if not summary.balanced:
        raise AssertionError(f"unbalanced account {summary.as_dict()} for {line[:80]!r}")
    with contextlib.suppress(MedcreditError):
        medcredit.load_subject(line, source="fuzz.json")
    with contextlib.suppress(MedcreditError):
        medcredit.load_subject(to_bytes(line), source="fuzz.json")
    if cli:
        for name in ("fuzz.jsonl", "fuzz.json", "fuzz.yaml"):
            path = workdir / name
            path.write_bytes(to_bytes(line) + b"\n")
            run_cli(["evaluate", "--pack", "wushan", "--cycle", "2023", str(path)])
        run_cli(["standing", "--pack", "wushan", "--as-of", "2024-01-01", str(workdir / "fuzz.json")])
        run_cli(["compare", "--cycle", "2023", str(workdir / "fuzz.json")])
    return len(items)
