"""What an evaluation returns: the decision, the measures, and a compact trace.

The trace is built from small typed steps (:mod:`medcredit.trace.steps`) that
point into the pack (element ids, citations) and into the input (record
indices); text is produced only when a result is rendered
(:mod:`medcredit.render.output`).  This keeps
evaluation cheap for whole provinces while every step stays explainable:
tuples are built in a fraction of the time frozen dataclasses take, and the
cyclic garbage collector does not track tuples of atoms.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, NamedTuple

from medcredit.history.model import Record
from medcredit.trace.steps import Step

Status = Literal["graded", "excluded", "not_evaluable", "out_of_scope", "rolled_up"]

#: Version of the JSON trace format; bump on any incompatible change.
TRACE_FORMAT = "medcredit.trace/1"


class RecordUse(NamedTuple):
    """What became of one input record: used (by which pack elements) or not applicable (why)."""

    index: int  # type: ignore[assignment]  # shadows tuple.index on purpose: it is the record index
    used_by: tuple[str, ...]
    reason: str | None = None
    flags: tuple[str, ...] = ()

    @property
    def used(self) -> bool:
        return bool(self.used_by)


class InputRecord(NamedTuple):
    """A record as evaluated, with where it came from in the subject's history."""

    origin: str
    record: Record


class Notice(NamedTuple):
    """A warning attached to a result (bad check digit, validity override, assumption)."""

    code: str
    message: str
    message_zh: str


class Listing(NamedTuple):
    """A subject's place on a list (e.g. the serious untrustworthy list) as of the horizon."""

    list_id: str
    since: dt.date
    until: dt.date | None  # the last day on the list (the day before removal, or the list's own term)
    until_rule: str | None  # "removal" or "term" (a term the list itself declares)
    active: bool
    records: tuple[int, ...]
    entry_dates: tuple[dt.date, ...] = ()
    # last day of the measures' term stated on the entry (辽宁 第十六条); None: open while listed
    measures_until: dt.date | None = None


class Consequence(NamedTuple):
    """A consequence for a person linked to a listed institution (e.g. a 5-year management ban)."""

    id: str
    kind: str
    person_id: str
    role: str
    institution_id: str
    start: dt.date
    end: dt.date


class Sanction(NamedTuple):
    """A sanction started by a threshold: from the day the accumulated fact reached it.

    ``end`` is the last day of a fixed term; for a declared range the bureau fills in, ``end`` is the
    earliest and ``end_latest`` the latest last day.  ``route`` says how the threshold was reached:
    ``single_event`` (one record alone) or ``accumulation``.
    """

    id: str
    kind: str
    start: dt.date
    end: dt.date | None
    end_latest: dt.date | None
    route: str
    total: Decimal  # the accumulated value on the start day
    records: tuple[int, ...]  # the records that reached it, in date order
    active: bool  # running on the evaluation date


@dataclass(frozen=True, slots=True)
class Result:
    pack_id: str
    pack_hash: str
    subject_id: str
    subject_name: str | None
    category: str
    cycle: int
    applies_in: int
    status: Status
    grade: str | None
    score: Decimal | None
    path: str | None
    exclusions: tuple[str, ...]
    measures: tuple[str, ...]
    warnings: tuple[Notice, ...]
    reason: str | None
    steps: tuple[Step, ...]
    records: tuple[InputRecord, ...]
    record_uses: tuple[RecordUse, ...]
    validity_overridden: bool = False
    listings: tuple[Listing, ...] = ()
    consequences: tuple[Consequence, ...] = ()
    as_of: dt.date | None = None  # the evaluation date of an as-of or rolling pack (None: a calendar year)
    window_start: dt.date | None = None  # the first day its records are taken from
    sanctions: tuple[Sanction, ...] = ()  # started by thresholds the pack declares
