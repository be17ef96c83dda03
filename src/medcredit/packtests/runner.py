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
from medcredit.engine.evaluation import evaluate
from medcredit.history.reader import validate_subject
from medcredit.io.pydantic_problems import problems_from_validation
from medcredit.io.yamlload import Located, load_yaml_file
from medcredit.pack.compiled import CompiledPack
from medcredit.pack.loader import load_pack
from medcredit.procedures.deadlines import compute_deadline
from medcredit.procedures.standing import standing
from medcredit.repair.assess import assess_repair

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
    model_config = ConfigDict(extra="forbid")
    status: str | None = None
    grade: str | None = None
    score: Decimal | None = None
    path: str | None = None
    reason: str | None = None
    measures: list[str] | None = None
    measures_include: list[str] | None = None
    exclusions: list[str] | None = None
    applies_in: int | None = None
    lists: list[str] | None = Field(default=None, description="ids of lists the subject is active on")
    listed_since: dict[str, dt.date] | None = None
    consequences: list[dict[str, str]] | None = None
    warnings: list[str] | None = Field(default=None, description="warning codes")
    not_applicable: dict[int, str] | None = Field(default=None, description="record index → reason code")
    due: dt.date | None = None
    eligible: bool | None = None
    earliest: dt.date | None = None
    unmet: list[str] | None = None
    not_known: list[str] | None = Field(
        default=None, description="repair conditions unmet because the history does not say (e.g. 较重)"
    )
    route: str | None = None
    error: str | None = Field(default=None, description="expected error class name, e.g. ValidityError")


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    cycle: int | None = None
    as_of: dt.date | None = None
    override_validity: bool = False
    subject: dict[str, Any] | None = None
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
        elif case.as_of is not None:
            if subject is None:
                raise MedcreditError("an as_of case needs a subject")
            st = standing(pack, subject, case.as_of, override_validity=case.override_validity)
            got["lists"] = [x.list_id for x in st.listings if x.active]
            got["listed_since"] = {x.list_id: x.since for x in st.listings}
            got["consequences"] = [
                {"id": c.id, "person": c.person_id, "end": c.end.isoformat()} for c in st.consequences
            ]
        else:
            if subject is None or case.cycle is None:
                raise MedcreditError("an evaluation case needs subject and cycle")
            r = evaluate(pack, subject, case.cycle, override_validity=case.override_validity)
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


def run_file(path: Path) -> Iterator[CaseOutcome]:
    """Run every case of a ``*.cases.yaml`` file against its pack; one outcome per case, in file order."""
    spec, located = load_case_file(path)
    pack = _pack_for(spec.pack, path.parent)
    for i, case in enumerate(spec.cases):
        yield run_case(case, pack, str(path), located, i)


def case_files(target: Path) -> list[Path]:
    if target.is_file():
        return [target]
    return sorted(p for p in target.rglob(f"*{CASES_SUFFIX}") if p.is_file())
