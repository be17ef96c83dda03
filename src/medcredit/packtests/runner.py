"""Pack tests written as data: YAML cases run by ``medcredit test`` and by pytest.

A file ``NAME.cases.yaml`` holds::

    pack: wushan                 # bundled name, or a path relative to the file
    cases:
      - name: 90 分为 A 级（第二十六条：以上包括本数）
        cycle: 2023              # or as_of: 2023-06-30, or deadline / repair below
        subject: {id: ..., category: retail_pharmacy, records: [...]}
        expect: {status: graded, grade: A, score: 90, measures: [...]}

Other case kinds: ``deadline: {id, start}`` with ``expect: {due}``; ``repair:
{record, on, declare: [...]}`` with ``expect: {eligible, earliest, unmet, not_known}``;
``as_of`` with ``expect: {listings, consequences}``.  Only the keys given under
``expect`` are compared, and each difference names file, case, key, expected
and got.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from medcredit.diagnostics.errors import MedcreditError, ProblemsError
from medcredit.diagnostics.problems import Problem
from medcredit.engine.evaluation import evaluate, evaluate_cycles
from medcredit.history.reader import validate_subject
from medcredit.io.pydantic_problems import problems_from_validation
from medcredit.io.yamlload import Located, load_yaml_file
from medcredit.pack.compiled import CompiledPack
from medcredit.pack.loader import load_pack
from medcredit.procedures.deadlines import compute_deadline
from medcredit.procedures.standing import standing
from medcredit.repair.assess import assess_repair
from medcredit.trace.result import Sanction
from medcredit.trace.steps import OverrideStep

CASES_SUFFIX = ".cases.yaml"


class DeadlineCase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    start: dt.date


class RepairCase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    record: str
    on: dt.date
    declare: list[str] = Field(default_factory=list)
    deny: list[str] = Field(default_factory=list)


class Expect(BaseModel):
    """What a case expects.  Only the keys given are compared."""

    model_config = ConfigDict(extra="forbid")
    status: str | None = Field(
        default=None,
        description="graded, excluded (an exclusion applies), not_evaluable (no grade can be given: missing or "
        "conflicting score, score outside the bands), out_of_scope (category not covered) or rolled_up "
        "(counted under a parent)",
    )
    grade: str | None = Field(default=None, description="grade id, as in the pack's grades (null: no grade)")
    score: Decimal | None = Field(default=None, description="the final score, compared as a number (90 == 90.00)")
    path: str | None = Field(default=None, description="id of the grading path used")
    reason: str | None = Field(
        default=None,
        description="why there is no grade: excluded, missing_score, conflicting_scores, score_outside_bands, "
        "category_not_covered, no_grading_path, rolled_up_into_parent",
    )
    measures: list[str] | None = Field(default=None, description="exactly these measure ids (any order)")
    measures_include: list[str] | None = Field(default=None, description="at least these measure ids")
    exclusions: list[str] | None = Field(default=None, description="exactly these exclusion ids applied")
    applies_in: int | None = Field(default=None, description="the year the result is used in")
    lists: list[str] | None = Field(default=None, description="ids of lists the subject is active on")
    listed_since: dict[str, dt.date] | None = Field(default=None, description="list id → first day on it")
    consequences: list[dict[str, str]] | None = Field(
        default=None, description="linked-person consequences: {id, person, end}"
    )
    warnings: list[str] | None = Field(default=None, description="warning codes")
    not_applicable: dict[int, str] | None = Field(
        default=None,
        description="record index → reason code (e.g. outside_cycle, code_not_matched, field_not_matched, "
        "out_of_force:WINDOW:LAST_DAY, no_severity, no_points); only the indices given are compared",
    )
    overrides: list[str] | None = Field(default=None, description="ids of the overrides that applied, in order")
    window_from: dt.date | None = Field(default=None, description="rolling packs: the first day of the window")
    sanctions: list[dict[str, Any]] | None = Field(
        default=None,
        description="sanctions thresholds started: {id, start, end, route} (and end_latest for a ranged term), "
        "in start order",
    )
    due: dt.date | None = Field(default=None, description="deadline cases: the due date")
    eligible: bool | None = Field(default=None, description="repair cases: whether repair can be granted")
    earliest: dt.date | None = Field(default=None, description="repair cases: the earliest day it can be")
    unmet: list[str] | None = Field(default=None, description="repair cases: ids of unmet conditions")
    not_known: list[str] | None = Field(
        default=None, description="repair conditions unmet because the history does not say (e.g. 较重)"
    )
    route: str | None = Field(default=None, description="repair cases: the repair route that applies")
    error: str | None = Field(default=None, description="expected error class name, e.g. ValidityError")


class Case(BaseModel):
    """One case: an evaluation (``cycle``; ``as_of`` for an as-of or rolling pack), a standing check
    (``as_of`` for a calendar-year pack), a ``deadline`` or a ``repair``."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, description="what the case checks; quote the clause")
    cycle: int | None = Field(default=None, description="the cycle (year) evaluated")
    cycles: list[int] | None = Field(
        default=None,
        description="several cycles evaluated in order (evaluate_cycles), each result a prior result for the "
        "next; expect is compared with the last",
    )
    as_of: dt.date | None = Field(
        default=None,
        description="an as-of or rolling pack: the evaluation date; a calendar-year pack: the date of a "
        "standing case (lists and consequences on that day)",
    )
    override_validity: bool = Field(default=False, description="evaluate outside the pack's validity")
    subject: dict[str, Any] | None = Field(default=None, description="the subject's history, as in a history file")
    deadline: DeadlineCase | None = None
    repair: RepairCase | None = None
    expect: Expect


class CaseFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pack: str
    cases: list[Case] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Difference:
    key: str
    expected: Any
    got: Any

    def render(self) -> str:
        return f"{self.key}: expected {self.expected!r}, got {self.got!r}"


@dataclass(frozen=True, slots=True)
class CaseOutcome:
    file: str
    line: int
    name: str
    differences: tuple[Difference, ...]
    problems: tuple[Problem, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.differences and not self.problems


def load_case_file(path: Path) -> tuple[CaseFile, Located]:
    located = load_yaml_file(path)
    try:
        return CaseFile.model_validate(located.data), located
    except ValidationError as exc:
        problems = problems_from_validation(
            exc, CaseFile, file=str(path), locate=located.where, code_prefix="case", data=located.data
        )
        raise ProblemsError(f"{path}: invalid pack-test file", problems) from None


def _pack_for(spec: str, base: Path) -> CompiledPack:
    candidate = base / spec
    if spec.endswith((".yaml", ".yml")) and candidate.exists():
        return load_pack(candidate)
    return load_pack(spec)


def _compare(expect: Expect, got: dict[str, Any]) -> list[Difference]:
    diffs = []
    for key, wanted in expect.model_dump(exclude_none=True).items():
        have = got.get(key)
        if key == "measures_include":
            missing = [m for m in wanted if m not in (got.get("measures") or [])]
            if missing:
                diffs.append(Difference(key, wanted, got.get("measures")))
            continue
        if key in ("measures", "exclusions", "lists", "warnings", "unmet", "not_known") and have is not None:
            have, wanted = sorted(have), sorted(wanted)
        if key == "score" and have is not None:
            have = Decimal(have)
        if key == "not_applicable":
            have = {int(k): v for k, v in (have or {}).items() if int(k) in wanted}
        if have != wanted:
            diffs.append(Difference(key, wanted, have))
    return diffs


def _sanction(s: Sanction) -> dict[str, Any]:
    end = s.end.isoformat() if s.end is not None else None
    out: dict[str, Any] = {"id": s.id, "start": s.start.isoformat(), "end": end, "route": s.route}
    if s.end_latest is not None:
        out["end_latest"] = s.end_latest.isoformat()
    return out


def run_case(case: Case, pack: CompiledPack, file: str, located: Located, index: int) -> CaseOutcome:
    line = located.where(("cases", index))[0]
    got: dict[str, Any] = {}
    try:
        subject = None
        if case.subject is not None:
            subject = validate_subject(case.subject, file=file, locate=located.where, base=("cases", index, "subject"))
        if case.deadline is not None:
            ans = compute_deadline(
                pack, case.deadline.id, case.deadline.start, override_validity=case.override_validity
            )
            got["due"] = ans.due.value
        elif case.repair is not None:
            if subject is None:
                raise MedcreditError("a repair case needs a subject")
            decl = dict.fromkeys(case.repair.declare, True) | dict.fromkeys(case.repair.deny, False)
            rep = assess_repair(
                pack,
                subject,
                case.repair.record,
                case.repair.on,
                declarations=decl,
                override_validity=case.override_validity,
            )
            got.update(
                eligible=rep.eligible,
                earliest=rep.earliest,
                route=rep.route,
                unmet=[c.id for c in rep.conditions if not c.met],
                not_known=[c.id for c in rep.conditions if c.unknown],
            )
        elif case.as_of is not None and pack.cycle_kind == "calendar_year":
            if subject is None:
                raise MedcreditError("an as_of case needs a subject")
            st = standing(pack, subject, case.as_of, override_validity=case.override_validity)
            got["lists"] = [x.list_id for x in st.listings if x.active]
            got["listed_since"] = {x.list_id: x.since for x in st.listings}
            got["consequences"] = [
                {"id": c.id, "person": c.person_id, "end": c.end.isoformat()} for c in st.consequences
            ]
        else:
            if subject is None or (case.cycle is None and case.as_of is None and not case.cycles):
                raise MedcreditError("an evaluation case needs subject and cycle (or as_of, for an as-of pack)")
            if case.cycles:
                r = evaluate_cycles(pack, subject, case.cycles, override_validity=case.override_validity)[-1]
            else:
                r = evaluate(pack, subject, case.cycle, as_of=case.as_of, override_validity=case.override_validity)
            got.update(
                status=r.status,
                grade=r.grade,
                score=r.score,
                path=r.path,
                reason=r.reason,
                measures=list(r.measures),
                exclusions=list(r.exclusions),
                applies_in=r.applies_in,
                lists=[x.list_id for x in r.listings if x.active],
                listed_since={x.list_id: x.since for x in r.listings},
                consequences=[{"id": c.id, "person": c.person_id, "end": c.end.isoformat()} for c in r.consequences],
                warnings=[w.code for w in r.warnings],
                not_applicable={u.index: u.reason for u in r.record_uses if u.reason},
                overrides=[s.ref for s in r.steps if isinstance(s, OverrideStep) and s.matched],
                window_from=r.window_start,
                sanctions=[_sanction(x) for x in r.sanctions],
            )
    except ProblemsError as exc:
        if case.expect.error == type(exc).__name__:
            return CaseOutcome(file, line, case.name, ())
        return CaseOutcome(file, line, case.name, (), tuple(exc.problems))
    except MedcreditError as exc:
        got["error"] = type(exc).__name__
        if case.expect.error is None:
            return CaseOutcome(file, line, case.name, (Difference("error", None, f"{type(exc).__name__}: {exc}"),))
    return CaseOutcome(file, line, case.name, tuple(_compare(case.expect, got)))


def run_file(path: str | Path) -> Iterator[CaseOutcome]:
    """Run every case of a ``*.cases.yaml`` file against its pack; one outcome per case, in file order."""
    path = Path(path)
    spec, located = load_case_file(path)
    pack = _pack_for(spec.pack, path.parent)
    for i, case in enumerate(spec.cases):
        yield run_case(case, pack, str(path), located, i)


def case_files(target: Path) -> list[Path]:
    if target.is_file():
        return [target]
    return sorted(p for p in target.rglob(f"*{CASES_SUFFIX}") if p.is_file())
