"""Validity: is a cycle or a date inside the pack's window of force (document effective → expires)?

Every pack records its document's effective date and expiry (DOMAIN §3); asking
a pack about a cycle or date outside them is an error unless the caller
overrides it explicitly, and the override is recorded in the result.
"""

from __future__ import annotations

import datetime as dt

from medcredit.diagnostics.errors import ValidityError
from medcredit.pack.compiled import CompiledPack
from medcredit.pack.validity import in_force
from medcredit.trace.result import Notice

_BOUNDS: dict[int, tuple[dt.date, dt.date]] = {}


def cycle_bounds(cycle: int) -> tuple[dt.date, dt.date]:
    """First and last day of a calendar-year cycle (1 Jan – 31 Dec)."""
    # made once per year (every subject of a batch asks), for plain ints; the bound only guards odd callers
    bounds = _BOUNDS.get(cycle) if type(cycle) is int else None
    if bounds is None:
        bounds = dt.date(cycle, 1, 1), dt.date(cycle, 12, 31)
        if type(cycle) is int and len(_BOUNDS) < 1024:
            _BOUNDS[cycle] = bounds
    return bounds


def check_validity(pack: CompiledPack, cycle: int) -> bool:
    """True when ``cycle`` lies in the pack's validity window (per the pack's rule)."""
    start, end = cycle_bounds(cycle)
    model = pack.model
    doc = model.document  # CompiledPack.document is a property: asked once per subject, read directly
    if model.validity.rule == "cycle_within":
        return doc.effective <= start and (doc.expires is None or end <= doc.expires)
    return end >= doc.effective and (doc.expires is None or start <= doc.expires)


def validity_message(pack: CompiledPack, cycle: int) -> str:
    doc = pack.document
    window = f"{doc.effective} to {doc.expires or 'open-ended'}"
    return (
        f"cycle {cycle} is outside the validity of pack '{pack.id}' ({doc.number}, in force "
        f"{window}, rule {pack.model.validity.rule}); pass override_validity=True "
        f"(CLI: --override-validity) to evaluate anyway"
    )


def date_in_validity(pack: CompiledPack, day: dt.date) -> bool:
    """True when the pack's document is in force on ``day`` (effective ≤ day ≤ expires)."""
    return in_force(pack, day)


def records_override_notice(pack: CompiledPack) -> Notice:
    """The warning on a result that used records dated outside the pack's validity, on request."""
    doc = pack.document
    return Notice(
        "validity_override",
        f"records dated outside the validity of pack '{pack.id}' ({doc.effective} to "
        f"{doc.expires or 'open-ended'}) were used; overridden by the caller",
        "调用方已显式覆盖有效期：采用了日期在本政策包有效期之外的记录",
    )


def check_date_validity(pack: CompiledPack, day: dt.date, override: bool) -> bool:
    """Raise ValidityError for a date outside the pack's window unless overridden; True if overridden."""
    if date_in_validity(pack, day):
        return False
    if override:
        return True
    doc = pack.document
    raise ValidityError(
        f"{day} is outside the validity of pack '{pack.id}' ({doc.number}, in force {doc.effective} to "
        f"{doc.expires or 'open-ended'}); pass override_validity=True (CLI: --override-validity) to compute anyway"
    )
