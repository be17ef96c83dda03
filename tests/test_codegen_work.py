"""Work per subject on the compiled path, bounded by counting calls (sys.setprofile), never by a clock.

A plain subject (opened before the cycle, no agreement end, no termination record of its own) is graded
in two Python calls, :meth:`Program.outcome` and the generated function: its records are read once, the
operation in the cycle is settled on the way (no second pass, no ``operation()``), and the amounts are
read inline (no ``Record.amount_fen`` property call per record).  The other subjects still take the
interpreter's operation rule, and the results agree (tests/test_codegen_differential.py).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any, TypeVar

import pytest

from medcredit.engine.codegen import program_for
from medcredit.engine.codegen.program import Outcome
from medcredit.engine.evaluation import Evaluator
from medcredit.engine.operation import Operation
from medcredit.engine.validity import cycle_bounds
from medcredit.engine.window import evaluation_point
from medcredit.history.model import Subject
from medcredit.pack.loader import load_pack

T = TypeVar("T")

CYCLE = 2023
_RECORDS = [
    {"kind": "inspection", "date": "2023-04-10"},
    {"kind": "fund_recovery", "date": "2023-04-10", "amount": "8600.00", "code": "inst_overcharging"},
    {"kind": "audit_cut", "date": "2023-09-30", "amount": "1400.00", "code": "inst_non_covered_billing"},
    {"kind": "interview", "date": "2023-05-06"},
]


def _subject(**extra: Any) -> Subject:
    data: dict[str, Any] = {"id": "92500237MA5U00002X", "category": "outpatient_clinic", "opened": "2018-03-01"}
    data["records"] = list(_RECORDS)
    for key, value in extra.items():
        if key == "more":
            data["records"] += value
        else:
            data[key] = value
    return Subject.model_validate(data)


def _calls(subject: Subject, trace: bool) -> tuple[list[str], tuple[Outcome, Operation] | None]:
    """The Python functions called while the compiled path grades ``subject`` (builtins are not counted)."""
    pack = load_pack("wushan")
    program = program_for(pack)
    path = program.compiled_for(pack, subject)
    assert path is not None
    program.outcome(pack, path, subject, CYCLE, trace, False)  # warm: the score memo holds this score
    return _profiled(lambda: program.outcome(pack, path, subject, CYCLE, trace, False))


def _profiled(call: Callable[[], T]) -> tuple[list[str], T]:
    """The Python functions ``call`` calls (builtins are not counted), and what it returns."""
    names: list[str] = []

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event == "call":
            names.append(frame.f_code.co_name)

    sys.setprofile(profile)
    try:
        out = call()
    finally:
        sys.setprofile(None)
    return names[1:], out  # the first call is the lambda itself


@pytest.mark.parametrize("trace", [False, True])
def test_a_plain_subject_is_graded_in_two_calls(trace: bool) -> None:
    names, out = _calls(_subject(), trace)
    assert names == ["outcome", "run"]
    assert out is not None
    outcome, op = out
    assert (outcome.status, outcome.grade, str(outcome.score)) == ("graded", "A", "90")  # 100 - 5 (1万 in all) - 5
    assert op == Operation(12, "", (), ())


@pytest.mark.parametrize(
    ("extra", "months"),
    [
        ({"more": [{"kind": "agreement_termination", "date": "2023-03-31", "reason": "expired"}]}, 3),
        ({"agreement_end": {"date": "2023-03-31", "reason": "expired"}}, 3),
        ({"opened": "2023-05-01"}, 7),  # from 2 May (the opening day is not counted) to 1 December
    ],
    ids=["termination record", "agreement end", "opened in the cycle"],
)
def test_the_other_subjects_take_the_operation_rule(extra: dict[str, Any], months: int) -> None:
    subject = _subject(**extra)
    names, out = _calls(subject, False)
    assert "operation" in names
    assert out is not None
    outcome, op = out
    assert op.months == months
    want = Evaluator(load_pack("wushan")).evaluate(subject, CYCLE, trace=False)
    assert (outcome.status, outcome.grade, outcome.exclusions) == (want.status, want.grade, want.exclusions)
    assert ("operated_under_six_months" in outcome.exclusions) == (months < 6)


def test_the_compact_outcome_without_trace_makes_no_call_beyond_the_checks() -> None:
    """``Evaluator.evaluate_compact`` without the trace, as ``medcredit evaluate --no-trace`` asks it per subject:
    the arguments, the cycle's point and bounds (made once per year), the identifier (remembered), the validity,
    then the two calls of the compiled path.  No property call (``Subject.subject_type``), no checksum again."""
    pack = load_pack("wushan")
    ev = Evaluator(pack, compiled=True)
    subject = _subject()
    first = ev.evaluate_compact(subject, CYCLE, trace=False)
    names, again = _profiled(lambda: ev.evaluate_compact(subject, CYCLE, trace=False))
    assert again == first
    assert names == [
        "evaluate_compact",
        "check_evaluate_arguments",
        "evaluation_point",
        "check_cycle",
        "compact",
        "_run",
        "compiled_for",
        "_identifier_notices",
        "uscc_problem",
        "_check_cycle",
        "check_validity",
        "cycle_bounds",
        "outcome",
        "run",
    ]


def test_a_year_s_point_and_bounds_are_made_once() -> None:
    """Every subject of a batch asks for the same year: its Point and its first and last days are made once."""
    pack = load_pack("wushan")
    point = evaluation_point(pack, CYCLE, None)
    assert evaluation_point(pack, CYCLE, None) is point
    assert (point.cycle, point.as_of, str(point.start), str(point.end)) == (CYCLE, None, "2023-01-01", "2023-12-31")
    assert cycle_bounds(CYCLE) is cycle_bounds(CYCLE)

    class Year(int):
        pass

    assert type(evaluation_point(pack, Year(CYCLE), None).cycle) is Year  # a cycle is kept as given, not the memo's
