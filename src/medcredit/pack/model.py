"""The policy-pack format, as pydantic models (unknown keys are errors).

A pack is one YAML file per jurisdiction.  These models check shape and types;
:mod:`medcredit.pack.compiled` then checks meaning (every reference resolves,
every citation quotes its article, bands are well formed) and prepares the
pack for fast evaluation.  The JSON Schema of the format is generated from
these models.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from medcredit.pack.intervals import parse_interval

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
GradeId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_+\-]{1,16}$")]
Points = Annotated[Decimal, Field(ge=0, le=1000, allow_inf_nan=False)]

FORMAT = "medcredit.pack/1"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """Text in Chinese (the law's language) and, where helpful, English."""

    zh: str = Field(min_length=1, max_length=4000)
    en: str | None = Field(default=None, max_length=4000)


class Citation(_Strict):
    """Where a rule comes from: an article of the pack's document and the words it quotes.

    ``quote`` must appear verbatim (ignoring white space) in the article's text
    registered under ``document.articles``, which itself must appear in the seed.
    """

    article: str = Field(min_length=1, max_length=64)
    quote: str = Field(min_length=1, max_length=4000)


class Document(_Strict):
    """Identity and validity of the source document, and its articles' text."""

    number: str = Field(min_length=1)
    title: str = Field(min_length=1)
    issuer: str = Field(min_length=1)
    issued: dt.date
    effective: dt.date
    expires: dt.date | None = None
    seed: str = Field(
        min_length=1,
        description="the original text's file: an absolute path, or a name looked for in the --seeds DIR "
        "(medcredit validate/check), then relative to the pack file, then in seeds/ beside it; a bundled "
        "pack's seed ships with the package",
    )
    articles: dict[str, str] = Field(min_length=1)


class Validity(_Strict):
    """How a pack's validity window is applied to an evaluation cycle."""

    rule: Literal["cycle_overlaps", "cycle_within"] = "cycle_overlaps"
    cite: Citation | None = None
    expired_note: str | None = Field(
        default=None, description="why an expired document is still shipped (e.g. for its historical cycles)"
    )


class Cycle(_Strict):
    """What an evaluation looks at.

    * ``calendar_year``: a cycle is a year; records dated in it count (``evaluate(..., 2024)``);
    * ``as_of``: an evaluation date; every record up to it counts, as long as it is still in force
      (``evaluate(..., as_of=date)``; a year N means its 31 December);
    * ``rolling``: an evaluation date and the ``months`` before it (民法典 period arithmetic: the
      window ends on the date and begins the day after the corresponding day ``months`` earlier).
    """

    kind: Literal["calendar_year", "as_of", "rolling"] = "calendar_year"
    months: int | None = Field(default=None, ge=1, le=120, description="rolling only: the window's length")
    result_applies: Literal["same_year", "next_year"]
    cite: Citation


class Grade(_Strict):
    id: GradeId
    label: Text


class Band(_Strict):
    grade: GradeId
    range: str

    @field_validator("range")
    @classmethod
    def _interval(cls, value: str) -> str:
        parse_interval(value)
        return value


class BandSet(_Strict):
    bands: list[Band] = Field(min_length=1)
    domain: str | None = Field(
        default=None,
        description="the scores that can occur, e.g. '[0, 1000]'; bands must cover it without gaps, and a "
        "score outside it cannot be graded",
    )
    cite: Citation

    @field_validator("domain")
    @classmethod
    def _domain_interval(cls, value: str | None) -> str | None:
        if value is not None:
            parse_interval(value)
        return value


MatchField = Literal[
    "reason", "referred_to_judiciary", "fulfilled", "method", "serious_impact", "level", "severity", "heavier"
]


class Match(_Strict):
    """Which records a fact takes: by kind, narrowed by catalogue codes and field values."""

    kinds: list[str] = Field(min_length=1)
    codes: list[str] | None = Field(
        default=None,
        description="violation codes or group:NAME; records without a code do not match",
    )
    exclude_codes: list[str] | None = Field(default=None, description="codes or group:NAME that never match")
    where: dict[MatchField, str | bool | list[str]] | None = Field(
        default=None,
        description="record fields that must equal the value (or be one of the listed values); a record "
        "without the field does not match: a blank field is neither true nor false, so `fulfilled: false` does "
        "not take a record that leaves fulfilled out. A record refused here is reported as field_not_matched",
    )


class Fact(_Strict):
    """A value aggregated in one pass over a subject's records."""

    id: Id
    aggregate: Literal["count", "sum_amount", "sum_points", "any", "value"] = Field(
        description="count: matching records; sum_amount: their amounts (yuan); sum_points: their own points "
        "(records without points are not applicable); any: whether one matched; value: a supplied score"
    )
    match: Match
    window: Literal["cycle", "to_cycle_end", "effective_to_cycle_end", "in_force"] = Field(
        default="cycle",
        description="cycle: records dated in the cycle; to_cycle_end: every record up to the cycle's end; "
        "effective_to_cycle_end: from the document's effective date to the cycle's end; in_force: every record "
        "up to the evaluation date that is still in force on it (see record_windows)",
    )
    include_managed_clinics: bool = True
    requires_document: bool = False
    within_validity: bool = Field(
        default=False,
        description="only records dated within the document's validity (effective to expires) are taken; "
        "others are not applicable under it (reason outside_validity) unless the caller overrides validity",
    )
    doc: Text
    cite: Citation | None = None


class RecordWindow(_Strict):
    """How long a record counts (e.g. its publicity period, 国办发〔2025〕22号): for facts with
    ``window: in_force``.

    The first window whose ``kinds`` and ``severity`` fit a record applies; a record's own
    ``publicity_end`` takes precedence over every declared window.  The period starts on the record's
    date (or its ``publicity_start`` with ``start: publicity_start``), the start day not counted
    (民法典 第二百零一条), and ends on the corresponding day (第二百零二条); the record is in force
    through that day.
    """

    id: Id
    kinds: list[str] | None = Field(default=None, description="record kinds it applies to; absent: all")
    severity: Literal["minor", "general", "serious"] | None = Field(
        default=None, description="only records of this severity; absent: any severity, or none"
    )
    months: int | None = Field(default=None, ge=1, le=1200)
    years: int | None = Field(default=None, ge=1, le=100)
    start: Literal["record_date", "publicity_start"] = Field(
        default="record_date", description="publicity_start: from the record's publicity_start when it has one"
    )
    cite: Citation


class Tier(_Strict):
    range: str
    points: Points

    @field_validator("range")
    @classmethod
    def _interval(cls, value: str) -> str:
        parse_interval(value)
        return value


class TableRow(_Strict):
    """Points for each record of one severity (or one honour level), with the clause that sets them."""

    severity: Literal["minor", "general", "serious"] | None = None
    level: Literal["county", "city", "provincial", "national"] | None = None
    points: Points
    cite: Citation


class ScoreRule(_Strict):
    """A scorecard line: points per occurrence, once per cycle, by tiers of a total, per record by its
    severity or level (``table``), or per point of a ``sum_points`` fact (``per_point``)."""

    id: Id
    title: Text
    fact: Id
    effect: Literal["deduct", "add"] = "deduct"
    per_occurrence: Points | None = None
    once: Points | None = None
    tiers: list[Tier] | None = None
    table: list[TableRow] | None = Field(
        default=None,
        description="rows keyed by severity or by level (all rows by the same one, every value covered): each "
        "record the fact takes scores its row's points; records without the attribute are not applicable",
    )
    per_point: Points | None = Field(
        default=None, description="points for each point of a sum_points fact (1: the records' own points)"
    )
    cap: Points | None = None
    cite: Citation


class Exclusion(_Strict):
    """A condition under which a subject is not evaluated at all."""

    id: Id
    when: str = Field(min_length=1, max_length=500)
    reason: Text
    cite: Citation


class CriteriaClass(_Strict):
    """A class assigned when any of its criteria (facts) matched a record, or when its ``when``
    expression over facts holds (e.g. ``designated_years >= 3 and points <= 8``)."""

    grade: GradeId
    criteria: list[Id] = Field(default_factory=list)
    when: str | None = Field(default=None, max_length=500, description="an expression instead of criteria")
    while_listed: Id | None = Field(
        default=None, description="the class holds only while the subject is active on this list"
    )
    cite: Citation


class Rounding(_Strict):
    places: int = Field(ge=0, le=4)
    mode: Literal["half_up", "half_even", "down", "up"] = "half_up"


class ScoreArithmetic(_Strict):
    """How a path's score is finished: rounded, then kept within ``min`` and ``max``.

    ``missing`` says what a classification path with a supplied score does without one:
    ``grade_without_score`` (the class decides) or ``not_evaluable``.
    """

    min: Decimal | None = Field(default=None, ge=-1000, le=10000, allow_inf_nan=False)
    max: Decimal | None = Field(default=None, ge=-1000, le=10000, allow_inf_nan=False)
    rounding: Rounding | None = None
    missing: Literal["grade_without_score", "not_evaluable"] | None = None
    cite: Citation | None = None


class Override(_Strict):
    """A decision taken after scoring when ``when`` holds (an expression over facts, list status,
    ``grade`` and ``score``): fix the grade and/or the score, or keep the grade no better than ``best``
    or no worse than ``worst``.

    Overrides apply in the order written.  One that fixes the grade or the score is final: the
    overrides after it are reported as not applied.
    """

    id: Id
    when: str = Field(min_length=1, max_length=500)
    grade: GradeId | None = None
    score: Decimal | None = Field(default=None, ge=-1000, le=10000, allow_inf_nan=False)
    best: GradeId | None = Field(default=None, description="the grade may be no better than this one")
    worst: GradeId | None = Field(default=None, description="the grade may be no worse than this one")
    cite: Citation


class GradingPath(_Strict):
    """How the subjects of some categories get a score and a grade.

    * ``scorecard``: base points plus/minus rules, then bands;
    * ``external_score``: a supplied score (a value fact), then bands;
    * ``classification``: the worst class whose criteria matched wins (``default_grade`` when
      none did); with ``score_fact`` and ``bands``, a supplied score's band is combined with
      the class by ``combine`` (``agree``: evidence that must name one grade, no default).
    """

    id: Id
    categories: list[str] = Field(min_length=1)
    method: Literal["scorecard", "external_score", "classification"]
    base: Points | None = None
    rules: list[Id] = Field(default_factory=list)
    score_fact: Id | None = None
    bands: Id | None = None
    classes: list[CriteriaClass] = Field(default_factory=list)
    default_grade: GradeId | None = None
    combine: Literal["worst", "agree"] = Field(
        default="worst",
        description="worst: the worst of the classes matched and the score's band; agree: the classes matched "
        "and the score's band are pieces of evidence that must all name the same grade (none, or different "
        "grades: not evaluable), without a default grade (e.g. 巫山 第十八条（一） 考核等次 and score)",
    )
    noted: list[Id] = Field(
        default_factory=list,
        description="classification only: facts whose records the path reads and reports as used, but which "
        "decide no class by themselves (e.g. information the document names without attaching a grade to it)",
    )
    score: ScoreArithmetic | None = Field(default=None, description="rounding, minimum and maximum of the score")
    overrides: list[Override] = Field(default_factory=list, description="decisions taken after scoring, in order")
    cite: Citation


class ListSpec(_Strict):
    """A list a subject can be put on (untrustworthy list, serious untrustworthy list)."""

    id: Id
    label: Text
    entry: list[Id] = Field(min_length=1, description="facts whose matched records put the subject on the list")
    removal: Id | None = Field(default=None, description="a fact whose later records take the subject off")
    term: dict[Literal["years", "months"], int] | None = None
    categories: list[str] | None = Field(default=None, description="only these subject categories can be listed")
    cite: Citation


class LinkedConsequence(_Strict):
    """A consequence for persons linked to a listed institution (e.g. a management ban)."""

    id: Id
    on_list: Id
    roles: list[Literal["legal_representative", "principal", "actual_controller", "directly_responsible"]] = Field(
        min_length=1
    )
    kind: Id
    term: dict[Literal["years", "months"], int]
    effect: Text
    cite: Citation


class Disclosure(_Strict):
    """How results may be disclosed for some subject types."""

    subject_types: list[Literal["institution", "individual"]] = Field(min_length=1)
    channels: list[Literal["public", "query", "government_sharing"]] = Field(min_length=1)
    lists: list[Id] = Field(default_factory=list, description="lists published on the portal")
    note: Text
    cite: Citation


class RollUp(_Strict):
    """Subjects of ``category`` are not graded alone; their records count for ``into``."""

    category: str
    into: Literal["parent"] = "parent"
    reason: Text
    cite: Citation


class ParamRange(_Strict):
    min: Decimal | None = None
    max: Decimal | None = None
    unit: Literal["percent", "percentage_points", "times", "months", "years", "days"]


ParamValue = Decimal | bool | str | ParamRange


class Measure(_Strict):
    """A supervision measure that follows a grade for some categories."""

    id: Id
    grades: list[GradeId] | None = None
    grades_below: GradeId | None = Field(default=None, description="applies to every grade worse than this one")
    categories: list[str] = Field(min_length=1)
    kind: Id
    when: str | None = Field(
        default=None,
        max_length=500,
        description="only when this expression holds (over facts, prior results, lists and the grade), e.g. "
        "grade C two years running → agreement terminated",
    )
    mandatory: bool = True
    params: dict[str, ParamValue] = Field(default_factory=dict)
    ends_with_term_of: Id | None = Field(
        default=None,
        description="a list id: the measure ends when the term of the measures stated in the subject's entry "
        "on that list ends, although the subject stays listed until removed (辽宁 第十六条); without a "
        "stated term it runs while the subject is listed",
    )
    effect: Text
    cite: Citation


class Deadline(_Strict):
    """A procedural deadline: someone must act within N working days (or a month/year period).

    ``follows`` names the deadline whose due date (or actual completion date) starts this one,
    so a chain such as "verify in 3 working days, then notify in 2" is explicit.
    """

    id: Id
    label: Text
    working_days: int | None = Field(default=None, ge=1, le=365)
    months: int | None = Field(default=None, ge=1, le=1200)
    years: int | None = Field(default=None, ge=1, le=100)
    starts: Text = Field(description="the event that starts the count")
    follows: Id | None = None
    cite: Citation


class WaitingPeriod(_Strict):
    months: int | None = Field(default=None, ge=1, le=1200)
    years: int | None = Field(default=None, ge=1, le=100)
    anchor: Literal["record_date", "publicity_start", "list_since"] = "record_date"


class RepairCondition(_Strict):
    """One condition of credit repair, checked from the history or declared by the applicant.

    * ``waiting``: a waiting period has passed (no 第二百零三条 extension);
    * ``declared``: the caller states it (e.g. obligations fulfilled), with evidence;
    * ``record_after``: a record of ``kinds`` exists after the information (e.g. a commitment);
    * ``no_repeat``: no later record of ``kinds`` with the same violation code;
    * ``no_later``: no later record of ``kinds`` at all;
    * ``no_later_heavier``: no later record of ``kinds`` marked ``heavier`` (较重); a later one not
      marked either way makes the answer "not known" (unmet, and said so);
    * ``not_listed``: the subject is not on list ``on_list`` on the date;
    * ``term_ended``: the listing's term (if any) has ended;
    * ``no_recent_revocation``: no repair of this information was revoked for fraud within
      ``years`` (the waiting period also restarts from the revocation);
    * ``not_unrepairable``: the record is not flagged as never repairable by law.
    """

    id: Id
    check: Literal[
        "waiting",
        "declared",
        "record_after",
        "no_repeat",
        "no_later",
        "no_later_heavier",
        "not_listed",
        "term_ended",
        "no_recent_revocation",
        "not_unrepairable",
    ]
    label: Text
    waiting: WaitingPeriod | None = None
    kinds: list[str] = Field(default_factory=list)
    on_list: Id | None = None
    years: int | None = Field(default=None, ge=1, le=100)
    declaration: Id | None = None
    cite: Citation


class RepairRoute(_Strict):
    """Which information can be repaired, on which conditions (all must hold)."""

    id: Id
    label: Text
    applies_to: Match
    exclude_listed: bool = Field(default=False, description="route not for information of a listed subject")
    listed_on: Id | None = Field(
        default=None, description="the list whose entries this route repairs (anchors list_since and terms)"
    )
    conditions: list[RepairCondition] = Field(min_length=1)
    cite: Citation


class ReportRules(_Strict):
    """Validity of credit reports used in administration (牟医保〔2020〕46号 二（四））."""

    max_validity: dict[Literal["years", "months"], int]
    crisis_lists: list[Id] = Field(
        default_factory=list, description="entering one of these lists after issue ends a report's validity"
    )
    cite: Citation


class TermRange(_Strict):
    min: int = Field(ge=0, le=1200)
    max: int = Field(ge=0, le=1200)


class Term(_Strict):
    """How long a sanction runs: fixed months or years, or a declared range the bureau fills in."""

    months: int | TermRange | None = None
    years: int | TermRange | None = None


class Threshold(_Strict):
    """A sanction that starts on the day an accumulated fact reaches a threshold (e.g. 医保发〔2024〕23号:
    reaching 9 points in a natural year suspends the payment qualification for 1-6 months from that day).

    ``accumulate: calendar_year`` restarts the sum each 1 January (records counted in the year of their
    date); ``fact`` sums every record the fact takes.  ``single_event`` and ``accumulation`` terms, when
    given, replace ``term`` according to how the threshold was reached: by one record alone, or by several.
    """

    id: Id
    fact: Id
    reaches: Decimal = Field(gt=0, le=100000, allow_inf_nan=False)
    accumulate: Literal["calendar_year", "fact"] = "calendar_year"
    kind: Id
    term: Term | None = None
    single_event: Term | None = None
    accumulation: Term | None = None
    effect: Text
    cite: Citation


class RepairEffect(_Strict):
    """When a granted repair (a ``repair_granted`` record naming the repaired record in ``ref``) takes
    effect: the repaired record no longer counts from then on; a later ``repair_revoked`` restores it."""

    takes_effect: Literal["on_grant", "next_cycle"]
    cite: Citation


class PriorFact(_Strict):
    """A name over the subject's earlier results (``prior_results`` in the history, or the cycles evaluated
    before in ``evaluate_cycles``).

    * ``at_or_below`` + ``cycles``: true when each of the last ``cycles`` cycles before this one was graded
      ``at_or_below`` or worse (a cycle without a grade — excluded, not evaluable, missing — breaks the chain);
    * ``grade_back``: the grade ``grade_back`` cycles before this one ('' when none);
    * ``worst_of_last``: the worst grade of the last N cycles before this one ('' when none).
    """

    id: Id
    at_or_below: GradeId | None = None
    cycles: int | None = Field(default=None, ge=1, le=20)
    grade_back: int | None = Field(default=None, ge=1, le=20)
    worst_of_last: int | None = Field(default=None, ge=1, le=20)
    doc: Text
    cite: Citation | None = None


class PropertyExemption(_Strict):
    """A pack that breaks a generic property on purpose says so, with the reason (see medcredit.testing)."""

    property: str = Field(description="a property id of medcredit.testing.PROPERTIES, e.g. monotonic_trustworthy")
    reason: Text
    elements: list[str] = Field(
        default_factory=list, description="fact, rule or list ids (or class grades) it covers; empty: all"
    )
    cite: Citation | None = None


class Interpretation(_Strict):
    """A choice made where the law is ambiguous, with the clause it reads."""

    id: Id
    clause: str
    question: str = Field(min_length=1)
    decision: str = Field(min_length=1)
    reason: str | None = Field(
        default=None, description="why this reading was chosen over the others (shown with the decision in traces)"
    )
    rules: list[str] = Field(default_factory=list)


class Pack(_Strict):
    """A jurisdiction's policy pack: one YAML file, validated by these models."""

    format: Literal["medcredit.pack/1"]
    id: Id
    name: Text
    jurisdiction: Text
    document: Document
    validity: Validity = Field(default_factory=Validity)
    cycle: Cycle
    categories: list[str] = Field(min_length=1)
    roll_up: list[RollUp] = Field(default_factory=list)
    grades: list[Grade] = Field(min_length=1, description="best first")
    bands: dict[Id, BandSet] = Field(default_factory=dict)
    record_windows: list[RecordWindow] = Field(
        default_factory=list, description="how long records count for facts with window: in_force"
    )
    facts: list[Fact] = Field(default_factory=list)
    exclusions: list[Exclusion] = Field(default_factory=list)
    paths: list[GradingPath] = Field(min_length=1)
    rules: list[ScoreRule] = Field(default_factory=list)
    measures: list[Measure] = Field(default_factory=list)
    lists: list[ListSpec] = Field(default_factory=list)
    linked_consequences: list[LinkedConsequence] = Field(default_factory=list)
    disclosure: list[Disclosure] = Field(default_factory=list)
    deadlines: list[Deadline] = Field(default_factory=list)
    repair: list[RepairRoute] = Field(default_factory=list)
    repair_effect: RepairEffect | None = Field(
        default=None, description="whether (and from when) a granted repair removes the repaired record from facts"
    )
    thresholds: list[Threshold] = Field(
        default_factory=list, description="sanctions that start on the day an accumulated fact reaches a value"
    )
    prior: list[PriorFact] = Field(default_factory=list, description="names over the subject's earlier results")
    reports: ReportRules | None = None
    interpretations: list[Interpretation] = Field(default_factory=list)
    property_exemptions: list[PropertyExemption] = Field(default_factory=list)
    non_executable: dict[str, str] = Field(
        default_factory=dict, description="article → why it has nothing executable (coverage table)"
    )
