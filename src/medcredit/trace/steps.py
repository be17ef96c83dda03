"""Typed trace steps: one small named tuple per kind of step, with structured fields.

A step says which pack element was applied (``ref``), to which input records
(``records``: indices into :attr:`medcredit.trace.result.Result.records`) and
with what outcome, as numbers, dates and booleans — never as text to be parsed
back.  Each step carries the citation of the element it applied, so a reader
(or a renderer) needs no look-up in the pack to name the article.

``value_text()`` gives the short ``value`` string of the JSON trace format
``medcredit.trace/1``; it is derived from the structured fields and is the only
place that text is made.  Named tuples keep evaluation cheap: they are built in
a fraction of the time of frozen dataclasses and the cyclic garbage collector
does not track tuples of atoms.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal, NamedTuple, TypeAlias

from medcredit.pack.model import Citation

#: A value an exclusion's expression read: a fact, the category, months operated, ...
InputValue: TypeAlias = Decimal | int | bool | str


class ValidityStep(NamedTuple):
    """The caller evaluated a cycle outside the pack's validity, explicitly."""

    cycle: int
    cite: Citation | None
    ref: str = "override"
    records: tuple[int, ...] = ()

    @property
    def kind(self) -> Literal["validity"]:
        return "validity"

    def value_text(self) -> str:
        return str(self.cycle)


class ScopeStep(NamedTuple):
    """The subject is outside the pack's scope (``ref`` is the reason)."""

    ref: str
    category: str
    cite: Citation | None = None
    records: tuple[int, ...] = ()

    @property
    def kind(self) -> Literal["scope"]:
        return "scope"

    def value_text(self) -> str:
        return self.category


class RollUpStep(NamedTuple):
    """The subject is not graded alone: its records count for its managing parent (巫山 第四条)."""

    ref: str  # the category rolled up
    parent_id: str | None
    cite: Citation | None
    records: tuple[int, ...] = ()

    @property
    def kind(self) -> Literal["roll_up"]:
        return "roll_up"

    def value_text(self) -> str | None:
        return self.parent_id


def _show(name: str, value: InputValue) -> str:
    return f"{name}={value!r}" if isinstance(value, str) else f"{name}={value}"


class ExclusionStep(NamedTuple):
    """An exclusion's condition was evaluated: the inputs it read and whether it fired."""

    ref: str
    records: tuple[int, ...]
    matched: bool
    inputs: tuple[tuple[str, InputValue], ...]
    cite: Citation

    @property
    def kind(self) -> Literal["exclusion"]:
        return "exclusion"

    def value_text(self) -> str:
        return ", ".join(_show(name, value) for name, value in self.inputs)


class ClassStep(NamedTuple):
    """A class's criteria were checked: the facts that matched (none: not matched)."""

    ref: str  # the grade of the class
    records: tuple[int, ...]
    matched: bool
    facts: tuple[str, ...]
    cite: Citation

    @property
    def kind(self) -> Literal["class"]:
        return "class"

    def value_text(self) -> str | None:
        return ",".join(self.facts) or None


class PathStep(NamedTuple):
    """A grading path began (scorecard: its base score; external score: the score supplied)
    or, for a classification path, ended with a grade."""

    ref: str
    records: tuple[int, ...]
    start_score: Decimal | None
    grade: str | None
    cite: Citation

    @property
    def kind(self) -> Literal["path"]:
        return "path"

    def value_text(self) -> str | None:
        return self.grade


class RuleStep(NamedTuple):
    """A deduction or bonus rule: its input (a count, or an amount in yuan), signed points, running score."""

    ref: str
    records: tuple[int, ...]
    points: Decimal
    running: Decimal
    input: Decimal | int
    cite: Citation

    @property
    def kind(self) -> Literal["rule"]:
        return "rule"

    def value_text(self) -> str:
        return str(self.input)


class BandStep(NamedTuple):
    """A score mapped through a band set to a grade (``None``: the score falls in no band)."""

    ref: str
    records: tuple[int, ...]
    score: Decimal
    grade: str | None
    cite: Citation

    @property
    def kind(self) -> Literal["band"]:
        return "band"

    def value_text(self) -> str | None:
        return self.grade


class MissingStep(NamedTuple):
    """A path that needs one supplied score found none, or several different ones."""

    ref: str
    records: tuple[int, ...]
    fact: str
    found: tuple[Decimal, ...]  # sorted
    cite: Citation

    @property
    def kind(self) -> Literal["missing"]:
        return "missing"

    def value_text(self) -> str:
        return f"{self.fact}=" + (",".join(str(v) for v in self.found) or "—")


class ConflictStep(NamedTuple):
    """Evidence that must agree did not (``combine: agree``), or none was supplied: not evaluable.

    ``evidence`` lists, per grade named, what named it; empty when nothing was supplied, and
    then ``looked_for`` names the evidence the path reads.
    """

    ref: str
    records: tuple[int, ...]
    evidence: tuple[tuple[str, tuple[str, ...]], ...]
    looked_for: tuple[str, ...]
    cite: Citation

    @property
    def kind(self) -> Literal["missing"]:
        return "missing"

    def value_text(self) -> str:
        if not self.evidence:
            return ",".join(self.looked_for) + "=—"
        return "; ".join(f"{grade}: {','.join(named)}" for grade, named in self.evidence)


class MeasureStep(NamedTuple):
    """A supervision measure that follows from the grade.

    ``term_ended``: the last day of the measure's term stated in the listing decision, when it
    ended by the cycle's end (辽宁 第十六条): the measure is no longer applied, the step stays.
    """

    ref: str
    grade: str
    cite: Citation
    records: tuple[int, ...] = ()
    term_ended: dt.date | None = None

    @property
    def kind(self) -> Literal["measure"]:
        return "measure"

    def value_text(self) -> str:
        return self.grade if self.term_ended is None else f"{self.grade}; term ended {self.term_ended}"


class ListStep(NamedTuple):
    """The subject's place on a list as of the cycle's end: since when, and whether still listed."""

    ref: str
    records: tuple[int, ...]
    since: dt.date
    active: bool
    cite: Citation

    @property
    def kind(self) -> Literal["list"]:
        return "list"

    @property
    def matched(self) -> bool:
        return self.active

    def value_text(self) -> str:
        return str(self.since)


class ConsequenceStep(NamedTuple):
    """A consequence of this institution's listing for a linked person (e.g. a management ban)."""

    ref: str
    records: tuple[int, ...]
    person_id: str
    start: dt.date
    end: dt.date
    cite: Citation

    @property
    def kind(self) -> Literal["consequence"]:
        return "consequence"

    def value_text(self) -> str:
        return f"{self.person_id}:{self.start}..{self.end}"


class WindowStep(NamedTuple):
    """A record no longer in force on the evaluation date: the window that governed it and its last day."""

    ref: str  # the record window's id, or "publicity_end" for the record's own end
    records: tuple[int, ...]
    last_day: dt.date
    cite: Citation | None

    @property
    def kind(self) -> Literal["window"]:
        return "window"

    @property
    def matched(self) -> bool:
        return False

    def value_text(self) -> str:
        return f"in force until {self.last_day}"


class ScoreStep(NamedTuple):
    """A score finished by the path's arithmetic: rounded, then kept within its minimum and maximum."""

    ref: str  # the path
    records: tuple[int, ...]
    before: Decimal
    after: Decimal
    cite: Citation | None

    @property
    def kind(self) -> Literal["score"]:
        return "score"

    def value_text(self) -> str:
        return f"{self.before} -> {self.after}"


class OverrideStep(NamedTuple):
    """An override's condition was evaluated after scoring; when it held, the grade and score it left."""

    ref: str
    records: tuple[int, ...]
    matched: bool
    inputs: tuple[tuple[str, InputValue], ...]
    grade: str | None  # the grade after the override (unchanged when not matched)
    score: Decimal | None
    cite: Citation
    skipped: str | None = None  # why it was not evaluated: "preceded:<id>" or "no_score"

    @property
    def kind(self) -> Literal["override"]:
        return "override"

    def value_text(self) -> str:
        if self.skipped is not None:
            return self.skipped
        shown = ", ".join(_show(name, value) for name, value in self.inputs)
        return f"{shown} -> {self.grade}" if self.matched else shown


class ThresholdStep(NamedTuple):
    """An accumulated fact reached a threshold: the sanction it starts, from which day, for how long."""

    ref: str
    records: tuple[int, ...]
    total: Decimal
    start: dt.date
    end: dt.date | None
    end_latest: dt.date | None
    route: str
    cite: Citation

    @property
    def kind(self) -> Literal["threshold"]:
        return "threshold"

    def value_text(self) -> str:
        until = str(self.end) if self.end_latest is None else f"{self.end}..{self.end_latest}"
        return f"{self.total} from {self.start} until {until} ({self.route})"


class RepairedStep(NamedTuple):
    """A record no longer counts: a granted repair (the record ``repair``) took effect."""

    ref: str  # "repair_effect"
    records: tuple[int, ...]  # the repaired record, then the repair_granted record
    effective: dt.date
    cite: Citation

    @property
    def kind(self) -> Literal["repaired"]:
        return "repaired"

    def value_text(self) -> str:
        return f"repaired from {self.effective}"


Step: TypeAlias = (
    ValidityStep
    | ScopeStep
    | RollUpStep
    | ExclusionStep
    | ClassStep
    | PathStep
    | RuleStep
    | BandStep
    | MissingStep
    | ConflictStep
    | MeasureStep
    | ListStep
    | ConsequenceStep
    | WindowStep
    | ScoreStep
    | OverrideStep
    | ThresholdStep
    | RepairedStep
)

StepKind = Literal[
    "validity",
    "scope",
    "roll_up",
    "exclusion",
    "class",
    "path",
    "rule",
    "band",
    "missing",
    "measure",
    "list",
    "consequence",
    "window",
    "score",
    "override",
    "threshold",
    "repaired",
]

#: Every step type, for code that must handle them all (renderers, tests).
STEP_TYPES: tuple[type[Step], ...] = (
    ValidityStep,
    ScopeStep,
    RollUpStep,
    ExclusionStep,
    ClassStep,
    PathStep,
    RuleStep,
    BandStep,
    MissingStep,
    ConflictStep,
    MeasureStep,
    ListStep,
    ConsequenceStep,
    WindowStep,
    ScoreStep,
    OverrideStep,
    ThresholdStep,
    RepairedStep,
)
