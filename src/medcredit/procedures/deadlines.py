"""Procedural deadlines declared in packs (e.g. 辽宁 第二十七条's objection chain).

A pack declares each deadline once (working days, or a month/year period) with
its article; this module computes due dates with the official calendar and
《民法典》 rules, and says which rule produced each date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from medcredit.diagnostics.errors import MedcreditError
from medcredit.diagnostics.problems import suggest
from medcredit.engine.validity import check_date_validity
from medcredit.pack.compiled import CompiledPack
from medcredit.pack.model import Deadline
from medcredit.time.official_calendar import ComputedDate, OfficialCalendar, default_calendar
from medcredit.time.periods import deadline as civil_deadline
from medcredit.time.periods import working_day_deadline


class UnknownDeadlineError(MedcreditError):
    """The pack declares no deadline with that id."""


@dataclass(frozen=True, slots=True)
class DeadlineAnswer:
    """The due date of one deadline, with the rule and the article behind it."""

    deadline: Deadline
    start: dt.date
    due: ComputedDate
    validity_overridden: bool = False

    def as_dict(self) -> dict[str, object]:
        d = self.deadline
        return {
            "deadline": d.id,
            "label": d.label.zh,
            "starts": d.starts.zh,
            "start": self.start.isoformat(),
            "due": self.due.value.isoformat(),
            "rule": self.due.rule,
            "explanation": self.due.explanation,
            "explanation_zh": self.due.explanation_zh,
            "sources": list(self.due.sources),
            "article": d.cite.article,
            "quote": d.cite.quote,
            "validity_overridden": self.validity_overridden,
        }


def find_deadline(pack: CompiledPack, deadline_id: str) -> Deadline:
    for d in pack.model.deadlines:
        if d.id == deadline_id:
            return d
    known = [d.id for d in pack.model.deadlines]
    hint = suggest(deadline_id, known)
    raise UnknownDeadlineError(
        f"pack '{pack.id}' declares no deadline '{deadline_id}'"
        + (f"; did you mean '{hint}'?" if hint else "")
        + (f" (declared: {', '.join(known)})" if known else " (it declares none)")
    )


def compute_deadline(
    pack: CompiledPack,
    deadline_id: str,
    start: dt.date,
    *,
    calendar: OfficialCalendar | None = None,
    override_validity: bool = False,
) -> DeadlineAnswer:
    """Due date of ``deadline_id`` counted from ``start`` (the start day is not counted)."""
    spec = find_deadline(pack, deadline_id)
    overridden = check_date_validity(pack, start, override_validity)
    cal = calendar or default_calendar()
    if spec.working_days is not None:
        due = working_day_deadline(start, spec.working_days, cal)
    else:
        due = civil_deadline(start, years=spec.years or 0, months=spec.months or 0, calendar=cal)
    return DeadlineAnswer(spec, start, due, overridden)


def deadline_chain(
    pack: CompiledPack,
    deadline_id: str,
    start: dt.date,
    *,
    calendar: OfficialCalendar | None = None,
    override_validity: bool = False,
) -> list[DeadlineAnswer]:
    """``deadline_id`` and every deadline that follows it, each counted from the previous due date.

    This is the latest lawful schedule: each step starts when the previous one is due.
    Callers with the actual completion date of a step should compute the next step from it.
    The validity is judged on the chain's start: the later steps are duties of a procedure begun
    while the measures were in force (e.g. an objection received before they expired is verified and
    answered under them), so a step falling due after the expiry is computed, as the first was.
    """
    first = compute_deadline(pack, deadline_id, start, calendar=calendar, override_validity=override_validity)
    answers = [first]
    seen = {deadline_id}
    while True:
        nxt = [d for d in pack.model.deadlines if d.follows == answers[-1].deadline.id and d.id not in seen]
        if not nxt:
            return answers
        spec = nxt[0]
        seen.add(spec.id)
        step = compute_deadline(pack, spec.id, answers[-1].due.value, calendar=calendar, override_validity=True)
        answers.append(replace(step, validity_overridden=first.validity_overridden))
