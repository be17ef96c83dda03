"""A pack's generated program: its compiled paths, built once per pack hash, and how a subject runs on it.

:func:`program_for` generates and compiles the source of every path
:mod:`~medcredit.engine.codegen.support` accepts (``compile`` + ``exec`` into a
fresh namespace holding only the constants and helpers the source names) and
keeps the result in a small thread-safe cache keyed by the pack's content
hash.  :meth:`Program.outcome` runs a subject and returns the compact outcome;
:meth:`Program.evaluate` returns the engine's :class:`~medcredit.trace.result.Result`,
expanding the compact trace (:mod:`~medcredit.engine.codegen.expand`).  A
subject whose path is not compiled, or that needs a construct handled per
subject (linked institutions, scope and roll-up), is evaluated by the
interpreter.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from medcredit.engine.codegen.support import PathSupport, path_support
from medcredit.engine.evaluation import Evaluator, _check_cycle, _evaluate, _identifier_notices
from medcredit.engine.operation import Operation, operation
from medcredit.engine.validity import cycle_bounds
from medcredit.engine.window import evaluation_point
from medcredit.history.model import INSTITUTION_CATEGORIES, Record, Subject, SubjectCategory
from medcredit.pack.compiled import CompiledPack, CPath
from medcredit.pack.expressions import _div, _floordiv, _num_max, _num_min
from medcredit.trace.result import InputRecord, Notice, Result
from medcredit.trace.steps import Step

#: Programs kept (one per pack hash): a process rarely holds more than a few packs.
CACHE_LIMIT = 64

Run = Callable[..., Any]


class Outcome(NamedTuple):
    """What a compiled path returns: the decision and, when traced, the compact trace."""

    status: str
    grade: str | None
    score: Decimal | None
    reason: str | None
    exclusions: tuple[str, ...]
    records_overridden: bool
    # (counts, sums, values, fact_records, reasons, flags, exclusions fired, rule terms) or None; fact_records
    # is a tuple per fact of the record indices it took;
    # a rule term is (rule index, signed points in hundredths, exponent of the Decimal term)
    payload: tuple[Any, ...] | None


_QUANTUM = {0: Decimal(1), -1: Decimal("0.1"), -2: Decimal("0.01")}
#: score_decimal's memo, one per exponent (keyed by hundredths): the generated code whose score has a fixed
#: exponent reads its memo directly
_SCORES: dict[int, dict[int, Decimal]] = {exponent: {} for exponent in _QUANTUM}


def score_decimal(hundredths: int, exponent: int) -> Decimal:
    """The Decimal the interpreter's score arithmetic gives: the value, with the terms' least exponent."""
    memo = _SCORES[exponent]
    value = memo.get(hundredths)
    if value is None:
        value = Decimal(hundredths).scaleb(-2)
        if exponent != -2:
            value = value.quantize(_QUANTUM[exponent])
        if len(memo) < 65536:  # scores are few; the bound only guards a pathological pack
            memo[hundredths] = value
    return value


def _yuan(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


def _namespace(pack: CompiledPack, consts: dict[str, Any]) -> dict[str, Any]:
    builtins: dict[str, Any] = {"bool": bool, "len": len, "tuple": tuple, "abs": abs, "sorted": sorted, "set": set}
    builtins.update(ArithmeticError=ArithmeticError, TypeError=TypeError)  # the exclusions catch these
    builtins["int"] = int  # amounts in fen: int(amount * 100), as Record.amount_fen
    names: dict[str, Any] = {"__builtins__": builtins}  # only what the generated source names
    names.update(_div=_div, _floordiv=_floordiv, _num_min=_num_min, _num_max=_num_max, _yuan=_yuan)
    names.update(_score=score_decimal, _scores=_SCORES, _scores0=_SCORES[0], _scores1=_SCORES[-1], _scores2=_SCORES[-2])
    names.update(_new=_new_tuple, _Outcome=Outcome, _OPEN_ALL_YEAR=_OPEN_ALL_YEAR, _extend=_extend)
    names.update(_operation=_operation_of(pack.uses_operation), _subject_types=_SUBJECT_TYPES)
    names.update(consts)
    return names


def _build(pack: CompiledPack, path: CPath, trace: bool) -> tuple[Run, str]:
    from medcredit.engine.codegen.source import generate  # only when a program is built

    text, consts = generate(pack, path, trace)
    namespace = _namespace(pack, consts)
    exec(compile(text, f"<medcredit {pack.id} {path.id}{' traced' if trace else ''}>", "exec"), namespace)
    run: Run = namespace["run"]
    return run, text


class Program:
    """The compiled paths of one pack (by path id), their support report, and the generated sources."""

    __slots__ = ("_paths", "runs", "sources", "support")

    def __init__(self, pack: CompiledPack) -> None:
        self.support: list[PathSupport] = path_support(pack)
        self.runs: dict[str, tuple[Run, Run]] = {}
        self.sources: dict[str, str] = {}
        paths = {p.id: p for p in pack.path_by_category.values()}
        for entry in self.support:
            if entry.compiled:
                traced, text = _build(pack, paths[entry.path], True)
                plain, _ = _build(pack, paths[entry.path], False)
                self.runs[entry.path] = (traced, plain)
                self.sources[entry.path] = text
        # the path of each category graded on a compiled path (in scope, not rolled up)
        self._paths = {
            category: path
            for category, path in pack.path_by_category.items()
            if path.id in self.runs and category in pack.model.categories and category not in pack.roll_up
        }

    def compiled_for(self, pack: CompiledPack, subject: Subject) -> CPath | None:
        """The subject's path when this program runs it, else None (the interpreter does)."""
        # StrEnum members hash and compare as their text: no `.value` look-up on the hot path
        path = self._paths.get(subject.category)
        if path is None or subject.linked_institutions:
            return None
        return path

    def outcome(
        self, pack: CompiledPack, path: CPath, subject: Subject, cycle: int, trace: bool, override: bool
    ) -> tuple[Outcome, Operation] | None:
        """Run ``subject`` on its compiled path (arguments already checked); None: hand it to the interpreter."""
        bounds = _BOUNDS.get(cycle)
        if bounds is None:
            bounds = _BOUNDS[cycle] = cycle_bounds(cycle)
        # the generated code reads the subject, its records and its operation itself (source.py)
        out: tuple[Outcome, Operation] | None = self.runs[path.id][0 if trace else 1](
            subject, cycle, bounds[0], bounds[1], override
        )
        return out

    def compact(
        self, ev: Evaluator, subject: Subject, cycle: int, override: bool, trace: bool = True
    ) -> CompactResult | None:
        """The outcome of ``subject`` on its compiled path, not yet expanded; None: the interpreter grades it."""
        ran = self._run(ev, subject, cycle, trace, override)
        if ran is None:
            return None
        path, out, op, notices, steps, overridden = ran
        # every field given, in order: made without parsing them as arguments (the named tuple's __new__)
        fields = (ev.pack, path, subject, cycle, out, op, tuple(notices), tuple(steps), overridden, trace)
        compact: CompactResult = _new_tuple(CompactResult, fields)
        return compact

    def evaluate(self, ev: Evaluator, subject: Subject, cycle: int, trace: bool, override: bool) -> Result:
        """The interpreter's Result for this subject, computed by the generated code where it can."""
        ran = self._run(ev, subject, cycle, trace, override)
        if ran is None:
            return _evaluate(ev, subject, evaluation_point(ev.pack, cycle, None), trace, override)
        from medcredit.engine.codegen.expand import to_result  # expand imports this module

        path, out, op, notices, steps, overridden = ran
        return to_result(ev.pack, path, subject, cycle, out, op, notices, steps, overridden, trace)

    def _run(
        self, ev: Evaluator, subject: Subject, cycle: int, trace: bool, override: bool
    ) -> tuple[CPath, Outcome, Operation, list[Notice], list[Step], bool] | None:
        """Settle the cycle's validity and run the compiled path (None: not compiled).  The arguments were checked
        by the :class:`Evaluator` method that called this (its only callers), before the cycle was resolved."""
        pack = ev.pack
        path = self.compiled_for(pack, subject)
        if path is None:
            return None
        notices = _identifier_notices(subject, cycle)
        steps: list[Step] = []
        overridden = _check_cycle(pack, cycle, override, notices, steps)
        ran = self.outcome(pack, path, subject, cycle, trace, override)
        if ran is None:
            return None
        return path, ran[0], ran[1], notices, steps, overridden


class CompactResult(NamedTuple):
    """A traced result still in the generated code's compact form: what a renderer needs to write it
    without building typed steps (``medcredit.render.direct``), and :meth:`result` for everything else.

    ``notices`` and ``steps`` are the identifier and validity warnings and steps made before the path ran;
    ``traced`` is False for an outcome run without the trace (its payload is None), whose Result has none.
    """

    pack: CompiledPack
    path: CPath
    subject: Subject
    cycle: int
    outcome: Outcome
    operation: Operation
    notices: tuple[Notice, ...]
    steps: tuple[Step, ...]
    overridden: bool
    traced: bool = True

    @property
    def status(self) -> str:
        return self.outcome.status

    @property
    def grade(self) -> str | None:
        return self.outcome.grade

    def result(self) -> Result:
        """The full Result, exactly as :meth:`Program.evaluate` gives it (with the trace when ``traced``)."""
        from medcredit.engine.codegen.expand import to_result  # expand imports this module

        return to_result(
            self.pack,
            self.path,
            self.subject,
            self.cycle,
            self.outcome,
            self.operation,
            list(self.notices),
            list(self.steps),
            self.overridden,
            self.traced,
        )


_OPEN_ALL_YEAR = Operation(12, "", (), ())
_new_tuple = tuple.__new__
_BOUNDS: dict[int, tuple[dt.date, dt.date]] = {}  # cycles are few and valid cycles bounded (1900..2100)
_SUBJECT_TYPES = {c.value: "institution" if c in INSTITUTION_CATEGORIES else "individual" for c in SubjectCategory}


def _operation_of(uses_operation: bool) -> Callable[[Subject, Sequence[Any], dt.date, dt.date], Operation]:
    """The interpreter's :func:`~medcredit.engine.operation.operation` for the generated code, without building
    records when it is plain (``uses_operation``: whether an exclusion reads the months, as the pack says).
    ``records`` are the subject's own (its agreement end last, if any)."""

    def run(subject: Subject, records: Sequence[Any], start: dt.date, end: dt.date) -> Operation:
        # opened before the cycle (or date unknown) and no agreement end or termination record of its own:
        # operating all year, exactly as the interpreter's own short cut
        opened = subject.opened
        if (opened is None or opened < start) and subject.agreement_end is None and not _terminations(subject):
            if opened is None and uses_operation:
                return operation(subject, [], 0, start, end, True)
            return _OPEN_ALL_YEAR
        # operation() reads only the subject's own records (and the agreement end): their origin is not shown
        own_records = [InputRecord("", r) for r in records]
        return operation(subject, own_records, len(own_records), start, end, uses_operation)

    return run


def _extend(subject: Subject, records: Sequence[Any]) -> tuple[Sequence[Any], list[Any]]:
    """The records the generated code reads when there are more than the subject's own records: its own with the
    agreement end (as a record of its own, last), and its managed clinics' records (they follow in the trace)."""
    if subject.agreement_end is not None:
        records = [*records, AgreementEnd(subject.agreement_end.date, subject.agreement_end.reason)]
    clinics = [r for clinic in subject.managed_clinics for r in clinic.records]
    return records, clinics


class AgreementEnd:
    """The agreement end as the generated code sees it: the interpreter's synthetic record, without pydantic.

    The interpreter (``evaluation.flatten_records``) makes ``Record.model_construct(kind="agreement_termination",
    date=..., reason=..., id="agreement_end")``; every other field has the Record's default.  The Result
    still carries that Record (``expand`` uses ``flatten_records``).
    """

    __slots__ = ("date", "reason")
    kind = "agreement_termination"
    id = "agreement_end"

    def __init__(self, date: dt.date, reason: str | None) -> None:
        self.date = date
        self.reason = reason

    def __getattr__(self, name: str) -> Any:
        try:
            return _RECORD_DEFAULTS[name]
        except KeyError:
            raise AttributeError(name) from None


_RECORD_DEFAULTS: dict[str, Any] = {
    name: f.get_default(call_default_factory=True) for name, f in Record.model_fields.items()
}

_PROGRAMS: dict[str, Program] = {}
_LOCK = threading.Lock()


def program_for(pack: CompiledPack) -> Program:
    """The generated program of ``pack``, built once per content hash (bounded, thread-safe cache)."""
    key = pack.content_hash
    program = _PROGRAMS.get(key) if key else None
    if program is not None:
        return program
    program = Program(pack)
    if key:
        with _LOCK:
            while len(_PROGRAMS) >= CACHE_LIMIT:
                del _PROGRAMS[next(iter(_PROGRAMS))]
            _PROGRAMS[key] = program
    return program


def _terminations(subject: Subject) -> bool:
    # a plain loop: any() over a generator costs a frame per subject on the hot path
    for r in subject.records:  # noqa: SIM110
        if r.kind == "agreement_termination":
            return True
    return False
