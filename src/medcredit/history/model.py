"""Typed subject histories: who the subject is and what happened to it, dated.

One vocabulary for every jurisdiction (DOMAIN §2): record kinds and violation
codes come from :mod:`medcredit.history.catalogue`.  Validation is strict where the
law needs exactness (real dates, amounts in yuan with at most two decimals,
never float) and lenient where real registries are messy (a wrong check
character in an identifier is a warning on the result, not a rejection).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from medcredit.diagnostics.arguments import FIRST_DAY, LAST_DAY
from medcredit.diagnostics.problems import suggest
from medcredit.history.catalogue import catalogue


class SubjectCategory(StrEnum):
    """Who can be a credit subject (辽医保规〔2023〕3号 第三条; 巫山 第四条)."""

    HOSPITAL_INPATIENT = "hospital_inpatient"  # 同时开展住院和门诊治疗的定点医疗机构
    OUTPATIENT_CLINIC = "outpatient_clinic"  # 仅开展门诊治疗的定点医疗机构
    RETAIL_PHARMACY = "retail_pharmacy"  # 定点零售药店
    VILLAGE_CLINIC = "village_clinic"  # 开通医保网络结算的村卫生室
    OTHER_INSTITUTION = "other_institution"
    PHYSICIAN = "physician"
    NURSE = "nurse"
    PHARMACIST = "pharmacist"
    INSURED_PERSON = "insured_person"
    LEGAL_REPRESENTATIVE = "legal_representative"
    ACTUAL_CONTROLLER = "actual_controller"  # 实际控制人
    PRINCIPAL = "principal"  # 主要负责人
    RESPONSIBLE_PERSON = "responsible_person"  # 其他负有直接责任的人员
    OTHER_INDIVIDUAL = "other_individual"


INSTITUTION_CATEGORIES = frozenset(
    {
        SubjectCategory.HOSPITAL_INPATIENT,
        SubjectCategory.OUTPATIENT_CLINIC,
        SubjectCategory.RETAIL_PHARMACY,
        SubjectCategory.VILLAGE_CLINIC,
        SubjectCategory.OTHER_INSTITUTION,
    }
)


def subject_type(category: SubjectCategory) -> Literal["institution", "individual"]:
    return "institution" if category in INSTITUTION_CATEGORIES else "individual"


Severity = Literal["minor", "general", "serious"]
#: One severity vocabulary for every pack: 轻微 / 一般 / 严重 (国办发〔2025〕22号), mildest first.
SEVERITIES: tuple[Severity, ...] = ("minor", "general", "serious")
SEVERITY_WORDS = {"轻微": "minor", "一般": "general", "严重": "serious"}
AssessmentLevel = Literal["excellent", "qualified", "basically_qualified", "unqualified"]
ASSESSMENT_LEVELS: tuple[AssessmentLevel, ...] = ("excellent", "qualified", "basically_qualified", "unqualified")
HonourLevel = Literal["county", "city", "provincial", "national"]
#: Levels of an honour, lowest first.
HONOUR_LEVELS: tuple[HonourLevel, ...] = ("county", "city", "provincial", "national")
HONOUR_LEVEL_WORDS = {"县级": "county", "市级": "city", "省级": "provincial", "国家级": "national"}
#: 考核等次 as the documents write them (巫山 第十八条（一）: 优秀, 合格, 基本合格, 不合格)
ASSESSMENT_LEVEL_WORDS = {
    "优秀": "excellent",
    "合格": "qualified",
    "基本合格": "basically_qualified",
    "不合格": "unqualified",
}
#: every Chinese word a record's ``level`` may be given in, with the id it is stored as
LEVEL_WORDS = {**ASSESSMENT_LEVEL_WORDS, **HONOUR_LEVEL_WORDS}


def _written_date(value: Any) -> Any:
    """A day as ``YYYY-MM-DD`` (or a date object from YAML or a spreadsheet), nothing else.

    Pydantic would take a number as Unix seconds, a date-time at midnight and other spellings:
    a history that writes 1686528000 or "2023-06-12T00:00:00+08:00" for a day is refused, not guessed.
    """
    if isinstance(value, dt.datetime):
        raise PydanticCustomError("date_type", "a day (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        if len(value) == 10 and value.isascii() and value[4] == "-" and value[7] == "-":
            return value
        raise PydanticCustomError("date_format", "a day is written YYYY-MM-DD")
    raise PydanticCustomError(
        "date_type", "a day is written as text YYYY-MM-DD, not {kind}", {"kind": type(value).__name__}
    )


def _day_in_range(value: dt.date) -> dt.date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise PydanticCustomError(
            "date_range",
            "{day} is outside the days a history may name ({first} to {last})",
            {"day": value.isoformat(), "first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
        )
    return value


Day = Annotated[dt.date, BeforeValidator(_written_date), AfterValidator(_day_in_range)]


def _printable(value: str) -> str:
    """An id is printable text: a newline, tab, escape or zero-width character in it would forge rows or
    columns of the text outputs and make two ids that look the same differ."""
    if not value.isprintable():
        bad = next(ch for ch in value if not ch.isprintable())
        raise PydanticCustomError(
            "id_character", "an id has no control or invisible characters (found U+{code})", {"code": f"{ord(bad):04X}"}
        )
    return value


Ident = Annotated[str, AfterValidator(_printable)]

Yuan = Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=2, allow_inf_nan=False)]


class Document(BaseModel):
    """A legally effective document a record rests on (辽宁 第十五条)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["judgment", "arbitration", "administrative_decision", "other_legal_basis"]
    number: str = Field(min_length=1, max_length=200)
    date: Day | None = None


class Objection(BaseModel):
    """An objection against a record (辽宁 第二十七条)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    filed: Day
    status: Literal["pending", "upheld", "corrected", "rejected", "deleted_unverifiable"]
    resolved: Day | None = None
    reason: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _resolved_after_filed(self) -> Objection:
        if self.resolved is not None and self.resolved < self.filed:
            raise PydanticCustomError(
                "date_order",
                "objection resolved ({resolved}) before it was filed ({filed})",
                {"resolved": str(self.resolved), "filed": str(self.filed)},
            )
        return self


_COMMON_FIELDS = frozenset({"kind", "date", "id", "document", "objection", "note", "institution"})


class Record(BaseModel):
    """One dated event in a subject's history.

    Which optional fields a record may carry depends on its kind; the catalogue
    lists them and a field that does not apply is an error, not ignored.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    date: Day
    id: Ident | None = Field(default=None, max_length=200)
    code: str | None = None
    amount: Yuan | None = None
    reason: str | None = None
    year: int | None = Field(default=None, ge=1990, le=2200)
    score: Annotated[Decimal, Field(ge=-1000, le=1000, allow_inf_nan=False)] | None = None
    months: int | None = Field(default=None, ge=0, le=1200)
    method: Literal["on_site", "online", "special", "other"] | None = None
    publicity_start: Day | None = None
    publicity_end: Day | None = Field(
        default=None,
        description="last day the department publishes this record (its publicity period, e.g. 国办发〔2025〕22号: "
        "轻微 up to 3 months, 一般 3-12 months, 严重 1-3 years); a pack counting records in force takes it over "
        "its own declared window",
    )
    severity: Severity | None = Field(
        default=None,
        description="how serious the department judged the conduct: minor (轻微), general (一般) or serious "
        "(严重); the Chinese words are accepted and stored as the English ids",
    )
    points: Annotated[Decimal, Field(ge=0, le=1000, decimal_places=2, allow_inf_nan=False)] | None = Field(
        default=None,
        description="points the decision itself assigns (e.g. 医保发〔2024〕23号 scores a staff member's violation "
        "1-12 points), for rule sets that add up the records' own points",
    )
    fulfilled: bool | None = None
    term_months: int | None = Field(default=None, ge=0, le=1200)
    term_end: Day | None = Field(
        default=None, description="last day of the measures' term when the decision names a date (辽宁 第十六条)"
    )
    referred_to_judiciary: bool | None = None
    level: AssessmentLevel | HonourLevel | None = Field(
        default=None,
        description="考核等次 of an annual assessment: 优秀 excellent, 合格 qualified, 基本合格 "
        "basically_qualified, 不合格 unqualified (巫山 第十八条（一））; the level of an honour: county (县级), city "
        "(市级), provincial (省级) or national (国家级); the Chinese words are accepted and stored as the English ids",
    )
    heavier: bool | None = Field(
        default=None,
        description="the department judged this penalty 较重 (辽宁 第三十二条（四）); absent: not known",
    )
    ref: Ident | None = Field(default=None, max_length=200, description="id of the record this one concerns")
    unrepairable: bool | None = Field(
        default=None, description="a law or State Council policy makes this information never repairable"
    )
    serious_impact: bool | None = Field(
        default=None, description="caused major fund loss or other serious adverse social impact"
    )
    document: Document | None = None
    objection: Objection | None = None
    note: str | None = Field(default=None, max_length=2000)
    institution: str | None = Field(
        default=None,
        max_length=64,
        description="for a person's record: the institution where the conduct happened (a physician's points "
        "accumulate across the institutions they work for; the institution's own history is separate)",
    )

    @field_validator("severity", mode="before")
    @classmethod
    def _severity_words(cls, value: Any) -> Any:
        return SEVERITY_WORDS.get(value, value) if isinstance(value, str) else value

    @field_validator("level", mode="before")
    @classmethod
    def _level_words(cls, value: Any) -> Any:
        return LEVEL_WORDS.get(value, value) if isinstance(value, str) else value

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        kinds = catalogue().record_kinds
        if value not in kinds:
            raise PydanticCustomError(
                "unknown_record_kind",
                "unknown record kind '{kind}'",
                {"kind": value, "suggestion": suggest(value, kinds) or ""},
            )
        return value

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> Record:
        cat = catalogue()
        spec = cat.record_kinds[self.kind]
        allowed = _COMMON_FIELDS | set(spec.fields)
        present = {name for name in type(self).model_fields if getattr(self, name) is not None}
        stray = sorted(present - allowed)
        if stray:
            raise PydanticCustomError(
                "field_not_for_kind",
                "field(s) {fields} do not apply to record kind '{kind}' (allowed: {allowed})",
                {
                    "fields": ", ".join(stray),
                    "kind": self.kind,
                    "allowed": ", ".join(sorted(allowed)),
                },
            )
        needed = REQUIRED_FIELDS.get(self.kind, ())
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise PydanticCustomError(
                "missing_for_kind",
                "record kind '{kind}' needs field(s) {fields}",
                {"kind": self.kind, "fields": ", ".join(missing)},
            )
        if self.kind == "annual_assessment" and self.score is None and self.level is None:
            raise PydanticCustomError(
                "missing_for_kind", "record kind 'annual_assessment' needs a score or a level (考核等次)", {}
            )
        if self.term_end is not None:
            self._check_term_end()
        if self.level is not None:
            self._check_level()
        if self.publicity_start is not None and self.publicity_start < self.date:
            # a decision's publicity cannot start before the decision (辽宁 第三十一条 "公示期满" counts from it)
            raise PydanticCustomError(
                "date_order",
                "publicity_start ({start}) is before the record's date ({date})",
                {"start": str(self.publicity_start), "date": str(self.date)},
            )
        if self.publicity_end is not None and self.publicity_end < (self.publicity_start or self.date):
            raise PydanticCustomError(
                "date_order",
                "publicity_end ({end}) is before the publicity starts ({start})",
                {"end": str(self.publicity_end), "start": str(self.publicity_start or self.date)},
            )
        if self.code is not None:
            self._check_code(cat.violations)
        if self.reason is not None and self.kind == "agreement_termination":
            reasons = cat.agreement_end_reasons
            if self.reason not in reasons:
                raise PydanticCustomError(
                    "unknown_reason",
                    "unknown agreement end reason '{reason}' (known: {known})",
                    {
                        "reason": self.reason,
                        "known": ", ".join(sorted(reasons)),
                        "suggestion": suggest(self.reason, reasons) or "",
                    },
                )
        return self

    def _check_level(self) -> None:
        honour = self.kind == "honour"
        levels = HONOUR_LEVELS if honour else ASSESSMENT_LEVELS
        if self.level not in levels:
            raise PydanticCustomError(
                "level_for_kind",
                "level '{level}' is not a level of {what} (known: {known})",
                {
                    "level": str(self.level),
                    "what": "an honour" if honour else "an annual assessment",
                    "known": ", ".join(levels),
                },
            )

    def _check_term_end(self) -> None:
        assert self.term_end is not None
        if self.term_months is not None:
            raise PydanticCustomError(
                "term_twice",
                "give the measures' term either as term_months or as term_end, not both",
                {},
            )
        if self.term_end < self.date:
            raise PydanticCustomError(
                "date_order",
                "term_end ({term_end}) is before the record's date ({date})",
                {"term_end": str(self.term_end), "date": str(self.date)},
            )

    def _check_code(self, violations: dict[str, Any]) -> None:
        code = self.code
        assert code is not None
        if code not in violations:
            raise PydanticCustomError(
                "unknown_code",
                "unknown violation code '{code}'",
                {"code": code, "suggestion": suggest(code, violations) or ""},
            )
        is_fraud = violations[code].fraud
        if self.kind == "fraud" and not is_fraud:
            raise PydanticCustomError(
                "not_fraud_code",
                "record kind 'fraud' needs a fraud code (条例第四十条 or 第四十一条第二款); "
                "'{code}' is not one: use kind 'violation'",
                {"code": code},
            )
        if self.kind == "violation" and is_fraud:
            raise PydanticCustomError(
                "fraud_as_violation",
                "'{code}' is fraud (条例第四十条/第四十一条第二款): use record kind 'fraud'",
                {"code": code},
            )

    @property
    def amount_fen(self) -> int:
        """The amount in integer fen (exact; 0 when absent)."""
        return 0 if self.amount is None else int(self.amount * 100)


REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "fund_recovery": ("amount",),
    "audit_cut": ("amount",),
    "fraud": ("code",),
    "violation": ("code",),
    "agreement_termination": ("reason",),
    "annual_assessment": ("year",),  # and a score or a level (checked below)
    "risk_assessment": ("year", "score"),
    "repair_granted": ("ref",),
    "repair_revoked": ("ref",),
}


class AgreementEnd(BaseModel):
    """Shorthand for an ``agreement_termination`` record on the subject itself."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    date: Day
    reason: str


LinkedRole = Literal["legal_representative", "principal", "actual_controller", "directly_responsible"]

#: The subject category a linked person is evaluated under as a subject of their own.
ROLE_CATEGORY: dict[str, SubjectCategory] = {
    "legal_representative": SubjectCategory.LEGAL_REPRESENTATIVE,
    "principal": SubjectCategory.PRINCIPAL,
    "actual_controller": SubjectCategory.ACTUAL_CONTROLLER,
    "directly_responsible": SubjectCategory.RESPONSIBLE_PERSON,
}


class LinkedPerson(BaseModel):
    """A natural person linked to an institution: legal representative, principal, actual controller or
    another directly responsible person.

    With ``records`` the person is also a credit subject of their own (e.g. 广东 draft 四（二）):
    :func:`medcredit.engine.linked.linked_subjects` makes one subject per person, graded under the
    category of their role, with the institution's listing consequences for them attached.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    role: LinkedRole
    id: Ident = Field(min_length=1, max_length=64)
    name: str | None = Field(default=None, max_length=200)
    records: tuple[Record, ...] = Field(
        default=(), description="the person's own dated records, when the person is evaluated as a subject too"
    )


class ManagedClinic(BaseModel):
    """A village clinic managed by this township hospital / community centre (巫山 第四条)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Ident = Field(min_length=1, max_length=64)
    name: str | None = Field(default=None, max_length=200)
    records: tuple[Record, ...] = ()


class PriorResult(BaseModel):
    """An earlier official result of the subject (e.g. last year's grade), as the bureau recorded it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    cycle: int | None = Field(default=None, ge=1990, le=2199, description="the cycle (year) the result is for")
    as_of: Day | None = Field(
        default=None, description="for a result of an as-of evaluation: its date (its year is the cycle)"
    )
    status: Literal["graded", "excluded", "not_evaluable", "out_of_scope", "rolled_up"] = "graded"
    grade: str | None = Field(default=None, max_length=16)
    score: Annotated[Decimal, Field(ge=-10000, le=10000, allow_inf_nan=False)] | None = None
    pack_id: str | None = Field(default=None, max_length=64)
    pack_hash: str | None = Field(default=None, max_length=80)

    @property
    def year(self) -> int:
        """The cycle the result is for: ``cycle``, or the year of ``as_of``."""
        return self.cycle if self.cycle is not None else self.as_of.year  # type: ignore[union-attr]

    @model_validator(mode="after")
    def _grade_when_graded(self) -> PriorResult:
        if (self.cycle is None) == (self.as_of is None) or (
            self.cycle is not None and self.as_of is not None and self.as_of.year != self.cycle
        ):
            raise PydanticCustomError("prior_when", "a prior result names its cycle or its as_of date", {})
        if (self.status == "graded") != (self.grade is not None):
            raise PydanticCustomError("prior_grade", "a prior result has a grade exactly when its status is graded", {})
        return self


class Subject(BaseModel):
    """A credit subject and its dated records."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Ident = Field(
        min_length=1,
        max_length=64,
        description="the subject's identifier: an institution's 统一社会信用代码 (checked when it has that shape) "
        "or a person's id",
    )
    name: str | None = Field(default=None, max_length=200, description="display name (shown in results and reports)")
    category: SubjectCategory = Field(
        description="who the subject is: decides the grading path (e.g. retail_pharmacy, hospital_inpatient)"
    )
    parent_id: Ident | None = Field(
        default=None,
        max_length=64,
        description="for a village_clinic: the township hospital or community centre that manages it (巫山 第四条)",
    )
    designated: Day | None = Field(
        default=None,
        description="date the subject became a designated (定点) institution, when the rules count tenure from it "
        "(designated_years, designated_months), distinct from its opening date",
    )
    prior_results: tuple[PriorResult, ...] = Field(
        default=(), description="earlier official results, one per cycle (for rules over several years)"
    )
    opened: Day | None = Field(
        default=None,
        description="opening date; months operated in a cycle are counted from it (absent: operating all year, "
        "with a warning)",
    )
    agreement_end: AgreementEnd | None = Field(
        default=None, description="the service agreement ended: shorthand for an agreement_termination record"
    )
    linked_persons: tuple[LinkedPerson, ...] = Field(
        default=(), description="an institution's legal representative, principal or actual controller"
    )
    managed_clinics: tuple[ManagedClinic, ...] = Field(
        default=(), description="village clinics this township hospital / community centre manages, with their records"
    )
    linked_institutions: tuple[Subject, ...] = Field(
        default=(),
        description="for a person: institutions that list them in linked_persons; consequences of "
        "those institutions' listings for this person appear in the person's result",
    )
    records: tuple[Record, ...] = Field(
        default=(), description="the subject's dated records (kinds and codes from the record catalogue)"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Subject:
        if self.managed_clinics and subject_type(self.category) != "institution":
            raise PydanticCustomError("clinics_on_individual", "only institutions can manage village clinics", {})
        if self.linked_institutions and subject_type(self.category) != "individual":
            raise PydanticCustomError("linked_on_institution", "only persons can have linked_institutions", {})
        for inst in self.linked_institutions:
            if inst.subject_type != "institution":
                raise PydanticCustomError(
                    "linked_not_institution", "linked institution '{id}' is not an institution", {"id": inst.id}
                )
        if self.agreement_end is not None:
            reasons = catalogue().agreement_end_reasons
            if self.agreement_end.reason not in reasons:
                raise PydanticCustomError(
                    "unknown_reason",
                    "unknown agreement end reason '{reason}' (known: {known})",
                    {
                        "reason": self.agreement_end.reason,
                        "known": ", ".join(sorted(reasons)),
                        "suggestion": suggest(self.agreement_end.reason, reasons) or "",
                    },
                )
            if self.opened is not None and self.agreement_end.date < self.opened:
                raise PydanticCustomError("date_order", "agreement_end.date is before the opening date", {})
        cycles = [p.year for p in self.prior_results]
        if len(cycles) != len(set(cycles)):
            raise PydanticCustomError("prior_twice", "two prior results for the same cycle", {})
        return self

    @property
    def subject_type(self) -> Literal["institution", "individual"]:
        return subject_type(self.category)
